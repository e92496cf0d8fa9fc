#!/bin/bash
# portlore serve's privilege separation (issue 12): a listener owned by another user (nobody) appears
# with its owner on the page served to loopback, as `portlore PORT` shows it to the same user; the API
# document's local part is the CLI's; the page is drawn from a snapshot at most about a second old (its
# time shown, a new listener seen within 2 s) though the HTTP process may not read /proc at all; the
# reader process holds nothing but its pipe; both processes are under no_new_privs and seccomp. As root,
# in a network namespace of the test's own.
if [ "$(id -u)" = 0 ] && [ -z "${PL_PRIVSEP_NETNS:-}" ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	PL_PRIVSEP_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
for tool in curl jq python3 setpriv; do
	command -v $tool >/dev/null || { skip_test "privilege separation" "$tool is not installed"; finish; exit; }
done
[ "$(id -u)" = 0 ] || { skip_test "a listener of another user" "needs root to start one as nobody"; finish; exit; }
[ -n "${PL_PRIVSEP_NETNS:-}" ] && ip link set lo up
id nobody >/dev/null 2>&1 || { skip_test "a listener of another user" "no user nobody"; finish; exit; }

# Python as nobody may run: Debian's, not one under root's home (pyenv)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
# listen FILE: a Python listener as nobody on a free loopback port, printed to FILE; sets $LPID
listen_as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$1" 2>"$1.err" &
	LPID=$!
	WEB_PIDS+=("$LPID")
	for _ in $(seq 50); do [ -s "$1" ] && break; sleep 0.05; done
}

listen_as_nobody "$T_DIR/l1"
LPORT=$(cat "$T_DIR/l1")
L1PID=$LPID
[ -n "$LPORT" ] || { _tap 0 "a listener runs as nobody" "$(cat "$T_DIR/l1.err")"; finish; exit; }
_tap 1 "a listener runs as nobody on 127.0.0.1:$LPORT (pid $LPID)"

serve main --db "$T_DIR/fb.db" || { _tap 0 "portlore serve starts"; finish; exit; }
B="http://$ADDR"
SRV=$SRV_PID
get "$B/ports/$LPORT"
expect_http "the page of the port" 200 "text/html" '<table class="sockets">'
section=$(sed -n '/id="host"/,/<\/section>/p' "$T_DIR/body")
[[ "$section" == *"<strong>python3</strong> <span class=\"note\">pid $LPID"* && "$section" == *"<td>nobody</td>"* ]] &&
	_tap 1 "the page names the listener's owner: python3, pid $LPID, user nobody" ||
	_tap 0 "the page names the listener's owner" "$section"
"$PORTLORE" "$LPORT" --json --no-probe >"$T_DIR/cli.json"
owners='[.ports[0].local.sockets[] | {local_port, state, owner_status, owners: [.owners[] | {pid, user, name, cmdline}]}]'
check "... as \`portlore $LPORT\` names it (owners, users, commands)" \
	diff <(jq -S "$owners" "$T_DIR/cli.json") <(curl -s "$B/api/ports/$LPORT" | jq -S "$owners")
# (but owner_search.threads: the reader searches on one thread, as its seccomp filter allows no other)
check "... and /api/ports/$LPORT's local part is the CLI's (note and verdict included)" \
	diff <(jq -S '.ports[0].local | del(.sockets[].owners[].start_time, .owner_search.threads)' "$T_DIR/cli.json") \
	<(curl -s "$B/api/ports/$LPORT" | jq -S '.ports[0].local | del(.sockets[].owners[].start_time, .owner_search.threads)')

# The snapshot's time: shown on the page, and in a header of the API. A snapshot is read every 500 ms and
# a reading takes some time: the newest is about a second old at most on a quiet machine, where a reading
# takes milliseconds; on a loaded one a reading waits for the CPU too (1.1-1.3 s seen at load 15 on two
# cores). Five requests 200 ms apart: the youngest answer at most 1.5 s old, none older than 3 s.
ages=()
for _ in 1 2 3 4 5; do
	get "$B/api/ports/$LPORT"
	read_at=$(sed -n 's/^X-Portlore-Host-Read: \([^\r]*\)\r*$/\1/Ip' "$T_DIR/headers")
	ages+=("$(python3 -c "import datetime,sys; t=datetime.datetime.strptime(sys.argv[1],'%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc); print(round((datetime.datetime.now(datetime.timezone.utc)-t).total_seconds(),3))" "$read_at" 2>/dev/null || echo 99)")
	sleep 0.2
done
printf '%s\n' "${ages[@]}" | sort -n | awk 'NR == 1 {min = $1} {max = $1} END {exit !(min >= 0 && min <= 1.5 && max <= 3)}' &&
	_tap 1 "the API says when the host was read (ages of five answers: ${ages[*]} s)" ||
	_tap 0 "the API says when the host was read, about a second ago at most" "ages ${ages[*]} s (last header '$read_at')"
grep -qE 'Read at [0-9]{2}:[0-9]{2}:[0-9]{2} UTC' <<<"$section" && _tap 1 "the page says when the host was read" || _tap 0 "the page says when the host was read"

# A listener that appears after the server started is on the page within 2 s: the reader reads the host
# twice a second.
listen_as_nobody "$T_DIR/l2"
L2=$(cat "$T_DIR/l2")
t0=$(date +%s%N)
seen=""
for _ in $(seq 60); do
	curl -s "$B/ports/$L2" | grep -q "pid $LPID<" && { seen=$(( ($(date +%s%N) - t0) / 1000000 )); break; }
	sleep 0.05
done
[ -n "$seen" ] && [ "$seen" -le 2000 ] && _tap 1 "a new listener shows on its page after ${seen} ms (<= 2 s)" ||
	_tap 0 "a new listener shows on its page within 2 s" "${seen:-never} ms"

# The two processes: the HTTP one (this pid) and its reader.
READER=$(pgrep -P "$SRV" | head -1)
[ -n "$READER" ] && [ "$(cat /proc/"$READER"/comm)" = portlore-reader ] && _tap 1 "the reader is a process of its own ($READER)" ||
	_tap 0 "the reader is a process of its own" "$(pgrep -P "$SRV" -a)"
# Its descriptors: stdin, stdout, stderr and the socketpair; during a reading also /proc folders and its
# netlink socket, which are told apart (the netlink socket is listed in its /proc/net/netlink).
netlink=$(awk 'NR > 1 {print $NF}' /proc/"$READER"/net/netlink 2>/dev/null)
other=0 socks=0
for f in /proc/"$READER"/fd/*; do
	t=$(readlink "$f" 2>/dev/null) || continue
	case $t in
	/proc*) ;;
	socket:*) ino=${t#socket:[}; ino=${ino%]}; grep -qx "$ino" <<<"$netlink" || socks=$((socks + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
[ "$socks" = 1 ] && [ "$other" -le 3 ] &&
	_tap 1 "the reader holds one socket (its pipe to the server), stdio, and while reading /proc and netlink" ||
	_tap 0 "the reader holds only its pipe" "$(ls -l /proc/"$READER"/fd)"
for p in "$SRV" "$READER"; do
	st=$(grep -E '^(NoNewPrivs|Seccomp):' /proc/"$p"/status | tr -s '\t\n' ' ')
	[[ "$st" == *"NoNewPrivs: 1"*"Seccomp: 2"* ]] && _tap 1 "$(cat /proc/"$p"/comm) ($p): no new privileges, a seccomp filter" ||
		_tap 0 "$p: no new privileges, a seccomp filter" "$st"
done
rcaps=$(grep -E '^Cap(Eff|Bnd):' /proc/"$READER"/status | tr -s '\t\n' ' ')
# CAP_DAC_READ_SEARCH, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF: what reading
# every namespace, the DNAT rules and the owners (BPF iterator) takes; its seccomp list keeps it to reading
[[ "$rcaps" == "CapEff: 000000c000281004 CapBnd: 000000c000281004 " ]] &&
	_tap 1 "the reader, started as root, keeps the capabilities reading the host takes, no more" ||
	_tap 0 "the reader keeps the capabilities reading the host takes, no more" "$rcaps"
caps=$(grep -E '^Cap(Eff|Prm|Bnd):' /proc/"$SRV"/status | tr -s '\t\n' ' ')
[[ "$caps" == "CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 " ]] &&
	_tap 1 "the HTTP process, started as root, holds no capability" || _tap 0 "the HTTP process holds no capability" "$caps"
grep -q 'no file read, written or run outside' "$T_DIR/main.err" && _tap 1 "the HTTP process says it may read no file but its database's" ||
	_tap 0 "the HTTP process is under Landlock" "$(cat "$T_DIR/main.err")"
# The same user's view, whoever that is: `serve` run as nobody shows nobody's listener with its owner and
# root's as hidden, exactly as `portlore PORT` run as nobody does.
chmod 0711 "$T_DIR"
ND="$T_DIR/nobody"
mkdir -p "$ND" && chown nobody "$ND"
"$PY" -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$T_DIR/lroot" &
WEB_PIDS+=($!)
RPID=$!
for _ in $(seq 50); do [ -s "$T_DIR/lroot" ] && break; sleep 0.05; done
RPORT=$(cat "$T_DIR/lroot")
AS_NOBODY=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env HOME="$ND" XDG_CACHE_HOME="$ND")
if serve_cmd nobody "${AS_NOBODY[@]}" "$PORTLORE" serve --listen 127.0.0.1:0 --db "$ND/fb.db"; then
	NB="http://$ADDR"
	sleep 0.6 # a snapshot that has both listeners (both were there before it started: belt and braces)
	for p in "$LPORT" "$RPORT"; do
		"${AS_NOBODY[@]}" "$PORTLORE" "$p" --json --no-probe >"$T_DIR/nb-$p.json" 2>/dev/null
		check "serve as nobody: port $p's owners as \`portlore $p\` run as nobody shows them" \
			diff <(jq -S "$owners" "$T_DIR/nb-$p.json") <(curl -s "$NB/api/ports/$p" | jq -S "$owners")
	done
	page=$(curl -s "$NB/ports/$LPORT" | sed -n '/id="host"/,/<\/section>/p')
	[[ "$page" == *"pid $L1PID"*"<td>nobody</td>"* ]] && _tap 1 "... its page names nobody's listener's owner" ||
		_tap 0 "... its page names nobody's listener's owner" "$page"
	[ "$(jq -r '.ports[0].local.sockets[0].owner_status' "$T_DIR/nb-$RPORT.json")" = hidden ] &&
		[ "$(curl -s "$NB/api/ports/$RPORT" | jq -r '.ports[0].local.sockets[0].owner_status')" = hidden ] &&
		_tap 1 "... and root's listener as hidden, as the CLI does for nobody" ||
		_tap 0 "... and root's listener as hidden" "$(curl -s "$NB/api/ports/$RPORT" | jq -c '.ports[0].local.sockets')"
else
	_tap 0 "serve runs as nobody"
fi

# The reader dies with the server.
kill "$SRV"
wait "$SRV" 2>/dev/null
for _ in $(seq 30); do kill -0 "$READER" 2>/dev/null || break; sleep 0.1; done
kill -0 "$READER" 2>/dev/null && _tap 0 "the reader stops with the server" || _tap 1 "the reader stops with the server"
finish
