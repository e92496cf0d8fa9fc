#!/bin/bash
# Votes are never lost: 4,000 votes from 49 clients (source addresses 127.0.0.2-127.0.0.50), the server
# killed with SIGKILL mid-stream, restarted on the same database: every vote that was answered 2xx is
# there, and the page and /metrics report it. Each vote has a (port, vote) of its own, so that the
# database, which keeps no addresses, still tells exactly which votes it holds. The server holds the
# database in exclusive locking mode (its WAL index in memory, no -shm): sqlite3 reads it only while no
# server runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
for tool in curl sqlite3; do
	command -v $tool >/dev/null || { skip_test "vote durability" "$tool is not installed"; finish; exit; }
done
VOTES=4000
CLIENTS=49
FIRST_PORT=20000
names=(sad meh happy)

serve first --db "$T_DIR/fb.db" || { _tap 0 "portlore serve starts"; finish; exit; }
B="http://$ADDR"
curl -s -o /dev/null --interface 127.0.0.2 "$B/healthz" && _tap 1 "a client can use 127.0.0.2 as its address" ||
	{ skip_test "vote durability" "cannot bind 127.0.0.2 here"; finish; exit; }

# Vote i: port FIRST_PORT + i/3, vote i%3, from client 2 + i%49 (three votes on a port come from three
# clients). One curl per client, its requests in a config file, each answer logged as "code port vote".
mkdir -p "$T_DIR/c"
for ((i = 0; i < VOTES; i++)); do
	c=$((2 + i % CLIENTS)) port=$((FIRST_PORT + i / 3)) v=${names[$((i % 3))]}
	printf 'url = "%s/api/ports/%d/feedback"\ninterface = "127.0.0.%d"\ndata = "vote=%s"\nheader = "Accept: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %d %s\\n"\nmax-time = 10\nnext\n' \
		"$B" "$port" "$c" "$v" "$port" "$v" >>"$T_DIR/c/$c.cfg"
done
for ((c = 2; c < 2 + CLIENTS; c++)); do
	# line-buffered, so that the answers counted below are the answers given so far
	stdbuf -oL curl -s -N -K "$T_DIR/c/$c.cfg" >"$T_DIR/c/$c.out" 2>/dev/null &
done
# Kill the server once about 30% of the votes are answered.
killed=0
for _ in $(seq 1000); do
	n=$(cat "$T_DIR"/c/*.out 2>/dev/null | grep -c '^2')
	if [ "${n:-0}" -ge $((VOTES * 3 / 10)) ]; then
		reader=$(pgrep -P "$SRV_PID")
		kill -9 "$SRV_PID"
		killed=$n
		break
	fi
	sleep 0.01
done
{ wait $(jobs -p | grep -v "^$SRV_PID\$"); } 2>/dev/null
cat "$T_DIR"/c/*.out >"$T_DIR/answers"
ok=$(grep -c '^2' "$T_DIR/answers")
lost=$(grep -vc '^2' "$T_DIR/answers")
[ "$killed" -gt 0 ] && _tap 1 "killed -9 once $killed votes were answered ($ok answered 2xx in all, $lost not)" ||
	_tap 0 "the server was killed mid-stream" "only $(grep -c '^2' "$T_DIR/answers") answered"
[ "$(wc -l <"$T_DIR/answers")" = "$VOTES" ] && _tap 1 "every vote was attempted" || _tap 0 "every vote was attempted" "$(wc -l <"$T_DIR/answers")"
[ "$lost" -gt 0 ] && _tap 1 "some votes went unanswered (the kill was mid-stream)" || _tap 0 "some votes went unanswered"

# the reader process dies with the server (PR_SET_PDEATHSIG)
gone=0
for _ in $(seq 50); do [ -n "$reader" ] && kill -0 "$reader" 2>/dev/null || { gone=1; break; }; sleep 0.1; done
[ -n "$reader" ] && [ $gone = 1 ] && _tap 1 "the reader process ($reader) died with the server" || _tap 0 "the reader process died with the server" "${reader:-none found}"
sqlite3 "$T_DIR/fb.db" "SELECT port || ' ' || vote FROM votes ORDER BY 1" >"$T_DIR/db"
awk '/^2/ {print $2, $3}' "$T_DIR/answers" | sort >"$T_DIR/answered"
missing=$(comm -23 "$T_DIR/answered" "$T_DIR/db")
[ -z "$missing" ] && _tap 1 "every vote answered 2xx ($ok) is in the database ($(wc -l <"$T_DIR/db") rows)" ||
	_tap 0 "every vote answered 2xx is in the database" "missing: $(printf '%s' "$missing" | head -5)"
extra=$(comm -13 "$T_DIR/answered" "$T_DIR/db" | wc -l)
[ "$extra" -le 49 ] && _tap 1 "at most one unanswered vote per client got in ($extra)" || _tap 0 "unanswered votes in the database: $extra"
[ "$(sqlite3 "$T_DIR/fb.db" 'PRAGMA journal_mode')" = wal ] && _tap 1 "the database is in WAL mode" || _tap 0 "WAL mode"
[ "$(sqlite3 "$T_DIR/fb.db" "SELECT COUNT(*) FROM votes WHERE voter_hash LIKE '127.%' OR voter_hash LIKE '%.%'")" = 0 ] &&
	_tap 1 "no address is stored" || _tap 0 "no address is stored"
[ ! -e "$T_DIR/fb.db-shm" ] && _tap 1 "no -shm file (the WAL index lives in the server's memory)" || _tap 0 "no -shm file"
before=$(sqlite3 "$T_DIR/fb.db" 'SELECT COUNT(*) FROM votes')
sqlite3 "$T_DIR/fb.db" "SELECT vote || ' ' || COUNT(*) FROM votes GROUP BY vote ORDER BY vote" >"$T_DIR/kinds"

serve second --db "$T_DIR/fb.db" || { _tap 0 "the server restarts on the same database"; finish; exit; }
_tap 1 "the server restarts on the same database"

# The restarted server reports what the database holds: /metrics its totals by kind, the page some.
curl -s "http://$ADDR/metrics" | sed -n 's/^portlore_feedback_votes_total{vote="\([a-z]*\)"} \([0-9]*\)$/\1 \2/p' | grep -v ' 0$' | sort >"$T_DIR/metrics"
check "/metrics reports the database's totals by kind" diff "$T_DIR/kinds" "$T_DIR/metrics"
bad=""
for line in $(head -n 30 "$T_DIR/answered" | tr ' ' ':'); do
	port=${line%:*} v=${line#*:}
	curl -s "http://$ADDR/ports/$port" | grep -q "data-vote=\"$v\">1<" || bad="$bad $port/$v"
done
[ -z "$bad" ] && _tap 1 "the pages show the answered votes" || _tap 0 "the pages show the answered votes" "$bad"

# One vote per client, page and day: a second one is refused and changes nothing.
r1=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.60 -H 'Accept: application/json' -d vote=happy "http://$ADDR/api/ports/2908/feedback")
r2=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.60 -H 'Accept: application/json' -d vote=sad "http://$ADDR/api/ports/2908/feedback")
r3=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.61 -H 'Content-Type: application/json' -d '{"vote":"sad"}' "http://$ADDR/api/ports/2908/feedback")
[ "$r1 $r2 $r3" = "200 409 200" ] && _tap 1 "one vote per client and day (200, then 409; another client 200)" || _tap 0 "one vote per client and day" "$r1 $r2 $r3"
r=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --interface 127.0.0.62 -d vote=meh "http://$ADDR/api/ports/2908/feedback")
[[ "$r" == "303 http://$ADDR/ports/2908?voted=1#feedback" ]] && _tap 1 "a plain form vote is sent back to the page (303)" || _tap 0 "a form vote redirects" "$r"
curl -s "http://$ADDR/ports/2908?voted=1" | grep -q 'your vote is counted' && _tap 1 "the page thanks the voter" || _tap 0 "the page thanks the voter"
# a second server on the same file is refused (the first holds it exclusively)
second=$SRV_PID
if serve third --db "$T_DIR/fb.db" 2>/dev/null; then _tap 0 "a second server on the same database is refused"
else grep -q 'database is locked' "$T_DIR/third.err" && _tap 1 "a second server on the same database is refused" ||
	_tap 0 "a second server on the same database is refused" "$(cat "$T_DIR/third.err")"; fi
kill "$second"; wait "$second" 2>/dev/null
[ "$(sqlite3 "$T_DIR/fb.db" 'SELECT COUNT(*) FROM votes')" = $((before + 3)) ] && _tap 1 "the refused vote is not stored" || _tap 0 "the refused vote is not stored"
finish
