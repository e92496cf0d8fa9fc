#!/bin/bash
# portlore serve against hostile clients (issue 12), bounded in time (~40 s): while 1,100 slowloris
# connections from three loopback addresses trickle request heads a byte a second and 2,000 idle
# connections from four more sit there, a normal client gets /ports/2908 in under 100 ms, and no trickler
# outlives the head deadline; after votes on all 65,536 ports, /metrics stays under 64 KB; 900 clients that
# ask for /metrics and never read leave a fresh server under 64 MB of RSS. The clients are
# tests/integration/web_hostile.py. As root, everything runs in a network namespace of the test's own
# (unshare -n), so that other servers on this machine neither disturb nor are disturbed.
if [ "$(id -u)" = 0 ] && [ -z "${PL_HOSTILE_NETNS:-}" ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	PL_HOSTILE_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
HOSTILE=$(dirname "$0")/web_hostile.py
for tool in curl jq python3 sqlite3; do
	command -v $tool >/dev/null || { skip_test "hostile clients" "$tool is not installed"; finish; exit; }
done
if [ -n "${PL_HOSTILE_NETNS:-}" ]; then
	ip link set lo up 2>/dev/null || { skip_test "hostile clients" "cannot bring lo up in the test's namespace"; finish; exit; }
	_tap 1 "runs in a network namespace of its own"
fi
# 3,100 hostile connections, 900 more, the probes: descriptors for all of them on both sides
ulimit -Hn 65536 2>/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4500 ]; then
	skip_test "hostile clients" "the descriptor limit is $(ulimit -n), 4,500 are needed"
	finish
	exit
fi
curl -s -o /dev/null --max-time 2 --interface 127.0.0.12 http://127.0.0.1:9/ 2>/dev/null
[ $? = 45 ] && { skip_test "hostile clients" "cannot use 127.0.0.12 as a source address"; finish; exit; }

# ---- votes on every port, then /metrics ----
serve first --db "$T_DIR/fb.db" || { _tap 0 "portlore serve starts"; finish; exit; }
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' -d vote=happy "http://$ADDR/api/ports/2908/feedback")
[ "$r" = 200 ] && _tap 1 "a vote over HTTP is recorded" || _tap 0 "a vote over HTTP is recorded" "$r"
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
# 65,536 more, one per port, written as the server writes them (its schema, its table)
sqlite3 "$T_DIR/fb.db" "WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < 65535)
	INSERT INTO votes(port, vote, day, voter_hash)
	SELECT n, CASE n % 3 WHEN 0 THEN 'sad' WHEN 1 THEN 'meh' ELSE 'happy' END, date('now'), 'preload' || n FROM p;"
[ "$(sqlite3 "$T_DIR/fb.db" 'SELECT COUNT(DISTINCT port) FROM votes')" = 65536 ] && _tap 1 "votes on all 65,536 ports" ||
	_tap 0 "votes on all 65,536 ports"
serve second --db "$T_DIR/fb.db" || { _tap 0 "portlore serve restarts"; finish; exit; }
SRV=$SRV_PID
B="http://$ADDR"
HOST=${ADDR%:*} PORT=${ADDR##*:}
curl -s "$B/metrics" -o "$T_DIR/metrics"
size=$(wc -c <"$T_DIR/metrics")
[ "$size" -lt 65536 ] && _tap 1 "/metrics after votes on 65,536 ports: $size bytes (< 64 KB)" || _tap 0 "/metrics stays under 64 KB" "$size bytes"
total=$(sed -n 's/^portlore_feedback_votes_total{vote="[a-z]*"} \([0-9]*\)$/\1/p' "$T_DIR/metrics" | awk '{s += $1} END {print s}')
[ "$total" = 65537 ] && _tap 1 "... its vote totals by kind count every vote (65,537)" || _tap 0 "... its vote totals count every vote" "$total"
grep -q 'votes_total{port=' "$T_DIR/metrics" && _tap 0 "... and no series per voted port" || _tap 1 "... and no series per voted port"

# ---- slowloris and idle connections ----
python3 "$HOSTILE" host="$HOST" port="$PORT" duration=5 probe_after=0 probe_every=0.5 >"$T_DIR/calm.json" 2>/dev/null
python3 "$HOSTILE" host="$HOST" port="$PORT" slowloris=1100 idle=2000 duration=16 probe_after=3 probe_every=1 \
	>"$T_DIR/siege.json" 2>"$T_DIR/siege.err"
if ! jq -e . "$T_DIR/siege.json" >/dev/null 2>&1; then
	_tap 0 "the hostile clients ran" "$(head -c 800 "$T_DIR/siege.err")"
else
	probes=$(jq -c '[.probes[] | .ms]' "$T_DIR/siege.json")
	n=$(jq '.probes | length' "$T_DIR/siege.json")
	fast=$(jq '[.probes[] | select(.status == 200 and .ms < 100)] | length' "$T_DIR/siege.json")
	median=$(jq '[.probes[] | .ms] | sort | .[length / 2 | floor]' "$T_DIR/siege.json")
	echo "# probes (ms) under slowloris + idle: $probes"
	echo "# the same probes with no hostile client, just before: $(jq -c '[.probes[] | .ms]' "$T_DIR/calm.json" 2>/dev/null)"
	echo "# open at the end: $(jq -c .open "$T_DIR/siege.json"); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	# Every probe is answered 200 and in under 100 ms, but one: on a machine shared with other work (CI,
	# other test suites) one may be scheduled late whatever the server does; the calm probes show how late.
	[ "$n" -ge 10 ] && [ "$(jq '[.probes[] | select(.status != 200)] | length' "$T_DIR/siege.json")" = 0 ] &&
		awk -v m="$median" -v f="$fast" -v n="$n" 'BEGIN { exit !(m < 100 && f >= n - 1) }' &&
		_tap 1 "under 1,100 slowloris + 2,000 idle connections a normal client gets /ports/2908 in < 100 ms (median $median ms; $fast of $n under 100 ms)" ||
		_tap 0 "under 1,100 slowloris + 2,000 idle connections a normal client gets /ports/2908 in < 100 ms" "median $median ms, $fast of $n fast: $probes"
	longest=$(jq '.slowloris_cut_after | max // 0' "$T_DIR/siege.json")
	cut=$(jq '.slowloris_cut_after | length' "$T_DIR/siege.json")
	awk -v l="$longest" -v c="$cut" 'BEGIN { exit !(c > 0 && l <= 13) }' &&
		_tap 1 "no trickling connection outlives the 10 s head deadline ($cut cut, the longest after $longest s)" ||
		_tap 0 "no trickling connection outlives the 10 s head deadline" "$cut cut, longest $longest s"
fi
curl -s "$B/metrics" -o "$T_DIR/metrics2"
dl=$(sed -n 's/^portlore_http_connections_refused_total{reason="head_deadline"} \([0-9]*\)$/\1/p' "$T_DIR/metrics2")
[ "${dl:-0}" -gt 0 ] && _tap 1 "/metrics counts the connections cut at the head deadline ($dl)" || _tap 0 "/metrics counts head deadline cuts" "$(grep refused "$T_DIR/metrics2")"
lines=$(grep -c 'connections refused or cut' "$T_DIR/second.err")
[ "$lines" -le 4 ] && _tap 1 "refusals are logged at most once per 10 s ($lines lines for thousands)" || _tap 0 "refusals are rate-limited in the log" "$lines lines"

# ---- 900 clients asking for /metrics and never reading ----
echo "# server RSS after the siege: $(( $(awk '/^VmRSS/ {print $2}' /proc/"$SRV"/status) / 1024 )) MB"
# against a fresh server on the same database (votes on every port), as the issue measured it
kill "$SRV"
wait "$SRV" 2>/dev/null
serve third --db "$T_DIR/fb.db" || { _tap 0 "portlore serve restarts"; finish; exit; }
SRV=$SRV_PID
HOST=${ADDR%:*} PORT=${ADDR##*:}
curl -s -o /dev/null "http://$ADDR/ports/2908"
rss0=$(awk '/^VmRSS/ {print $2}' /proc/"$SRV"/status)
python3 "$HOSTILE" host="$HOST" port="$PORT" nonreading=900 duration=8 probe_after=4 probe_every=1 \
	>"$T_DIR/nonread.json" 2>"$T_DIR/nonread.err" &
hp=$!
peak=0
for _ in $(seq 14); do
	sleep 0.5
	r=$(awk '/^VmRSS/ {print $2}' /proc/"$SRV"/status 2>/dev/null)
	[ "${r:-0}" -gt "$peak" ] && peak=$r
done
wait $hp
open=$(jq '.open.nonreading' "$T_DIR/nonread.json" 2>/dev/null)
[ "$peak" -lt $((64 * 1024)) ] && [ "${open:-0}" -ge 800 ] &&
	_tap 1 "900 non-reading /metrics clients ($open still open): server RSS $((peak / 1024)) MB at most (< 64 MB; $((rss0 / 1024)) MB before)" ||
	_tap 0 "900 non-reading /metrics clients leave RSS under 64 MB" "peak ${peak} kB, $open open; $(head -c 300 "$T_DIR/nonread.err")"
fast=$(jq '[.probes[] | select(.status == 200 and .ms < 100)] | length' "$T_DIR/nonread.json" 2>/dev/null)
[ "${fast:-0}" -ge 3 ] && _tap 1 "... while a normal client still gets its page in < 100 ms" || _tap 0 "... a normal client still gets its page" "$(jq -c .probes "$T_DIR/nonread.json")"
kill -0 "$SRV" 2>/dev/null && _tap 1 "the server is still up" || _tap 0 "the server is still up"
finish
