#!/bin/bash
# What is actually there: real listeners on 127.0.0.1 and ::1 (TCP and UDP, a SO_REUSEPORT group of two
# processes, a socket inherited by a forked child), found with exact port, address, pid and command;
# `ls --json` against `ss -tulpnH` at the same moment; the unprivileged view; check and pick.
. "$(dirname "$0")/lib.sh"
PIDS=()
# Kill what we started, children first (a forked listener keeps the test's stdout open otherwise).
cleanup() {
	for p in "${PIDS[@]}"; do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T_DIR"
}
trap 'cleanup 2>/dev/null' EXIT

# listen SPEC... : a python3 process holding sockets; SPEC is tcp4|tcp6|udp4|udp6:PORT[:reuse][:fork].
# Prints the ports it bound (one line a socket) to $T_DIR/ports.N and runs until killed.
cat >"$T_DIR/listen.py" <<'PY'
import os, socket, sys, time
out = open(sys.argv[1], "w")
socks = []
fork = False
for spec in sys.argv[2:]:
    parts = spec.split(":")
    kind, port = parts[0], int(parts[1])
    fam = socket.AF_INET6 if kind.endswith("6") else socket.AF_INET
    typ = socket.SOCK_STREAM if kind.startswith("tcp") else socket.SOCK_DGRAM
    s = socket.socket(fam, typ)
    if "reuse" in parts:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", port))
    if typ == socket.SOCK_STREAM:
        s.listen(16)
    socks.append(s)
    fork = fork or "fork" in parts
    out.write("%d\n" % s.getsockname()[1])
out.flush()
if fork:
    parent = os.getpid()
    if os.fork() == 0:
        # The child outlives nothing: it leaves as soon as its parent does (the test kills the parent).
        while os.getppid() == parent:
            time.sleep(0.1)
        os._exit(0)
time.sleep(600)
PY
# The interpreter itself, not a wrapper (pyenv's shim re-executes it with its full path as argv[0]).
PY=$(python3 -c 'import sys; print(sys.executable)')
n=0
listen() {
	n=$((n + 1))
	"$PY" "$T_DIR/listen.py" "$T_DIR/ports.$n" "$@" &
	LPID=$!
	PIDS+=("$LPID")
	for _ in $(seq 50); do [ -s "$T_DIR/ports.$n" ] && [ "$(wc -l <"$T_DIR/ports.$n")" -ge $# ] && break; sleep 0.05; done
	LPORT=$(head -1 "$T_DIR/ports.$n")
}

listen tcp4:0
P4=$LPORT PID4=$LPID
run "$P4" --json
check "a TCP listener on 127.0.0.1 is found with its pid and command" jq -e --argjson p "$P4" --argjson pid "$PID4" \
	'.ports[0].local.sockets | map(select(.transport == "tcp" and .local_address == "127.0.0.1" and .local_port == $p and .listening and .state == "LISTEN")) | length == 1 and (.[0].owners[0].pid == $pid) and (.[0].owners[0].name | startswith("python3"))' "$T_DIR/out"
check "its command line is exact" jq -e --arg c "$PY $T_DIR/listen.py $T_DIR/ports.1 tcp4:0" '.ports[0].local.sockets[0].owners[0].cmdline == $c' "$T_DIR/out"

listen tcp6:0
P6=$LPORT PID6=$LPID
run "$P6/tcp" --json
check "a TCP listener on ::1 is found" jq -e --argjson p "$P6" --argjson pid "$PID6" \
	'[.ports[0].local.sockets[] | select(.family == "ipv6" and .local_address == "::1" and .local_port == $p and .owners[0].pid == $pid)] | length == 1' "$T_DIR/out"

listen udp4:0 udp6:0
PU=$LPORT PIDU=$LPID
PU6=$(sed -n 2p "$T_DIR/ports.$n")
run "$PU" --json
check "a UDP socket on 127.0.0.1 is a listener (UNCONN)" jq -e --argjson p "$PU" --argjson pid "$PIDU" \
	'[.ports[0].local.sockets[] | select(.transport == "udp" and .local_address == "127.0.0.1" and .state == "UNCONN" and .listening and .owners[0].pid == $pid)] | length == 1' "$T_DIR/out"
run "$PU6" --json
check "a UDP socket on ::1 is found" jq -e --argjson pid "$PIDU" '[.ports[0].local.sockets[] | select(.transport == "udp" and .local_address == "::1" and .owners[0].pid == $pid)] | length == 1' "$T_DIR/out"

# A SO_REUSEPORT group: two processes, two sockets on one port, each with its own owner.
listen tcp4:0:reuse
PR=$LPORT PRA=$LPID
listen "tcp4:$PR:reuse"
PRB=$LPID
run "$PR" --json
check "a SO_REUSEPORT group lists both processes" jq -e --argjson a "$PRA" --argjson b "$PRB" \
	'[.ports[0].local.sockets[] | select(.listening) | .owners[].pid] | sort == ([$a, $b] | sort)' "$T_DIR/out"

# A socket inherited by a forked child: one socket, two owners.
listen tcp4:0:fork
PF=$LPORT PFP=$LPID
sleep 0.3
child=$(pgrep -P "$PFP" | head -1)
PIDS+=(${child:-})
run "$PF" --json
check "an inherited socket lists parent and child" jq -e --argjson p "$PFP" --argjson c "${child:-0}" \
	'.ports[0].local.sockets | length == 1 and ([.[0].owners[].pid] | sort == ([$p, $c] | sort))' "$T_DIR/out"

run "$P4"
expect "text shows the listener with its owner" 0 "LISTEN +tcp +127\.0\.0\.1:$P4 .*python3 \(pid $PID4"

# The verdict, on a registered port when it is free here: python3 is a generic runtime, judged by its command
# line (which names nothing known: unknown); the same binary under another name is not mao.
if ! ss -Htuln 'sport = :2908' | grep -q .; then
	listen tcp4:2908
	run 2908 --json
	check "python3 on 2908: a generic runtime whose command line names nothing known is unknown, not 'not it'" \
		jq -e '.ports[0].local.verdict.verdict == "unknown" and (.ports[0].local.verdict.explanation | test("generic runtime"))' "$T_DIR/out"
	kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null || true
	cp "$PY" "$T_DIR/pyserve"
	"$T_DIR/pyserve" "$T_DIR/listen.py" "$T_DIR/ports.pyserve" tcp4:2908 &
	LPID=$!
	PIDS+=("$LPID")
	for _ in $(seq 50); do [ -s "$T_DIR/ports.pyserve" ] && break; sleep 0.05; done
	run 2908 --json
	check "pyserve on 2908: the registered service is mao, this is not it" jq -e --arg t "pyserve (pid $LPID) listens on 2908/tcp; the registered service is mao and no software known to use the port matches: this is not it." \
		'.ports[0].local.verdict.verdict == "mismatch" and .ports[0].local.verdict.explanation == $t' "$T_DIR/out"
	run check 2908
	expect "check 2908 names mao and the listener" 1 'registered in IANA.s registry: mao' 
	expect "check 2908 says it is in use" 1 'in use on this host'
else
	skip_test "verdict on 2908" "port 2908 is taken on this host"
fi
# A process whose executable is named like the service's daemon matches.
if ! ss -Htuln 'sport = :6379' | grep -q .; then
	cp "$PY" "$T_DIR/redis-server"
	"$T_DIR/redis-server" "$T_DIR/listen.py" "$T_DIR/ports.redis" tcp4:6379 &
	PIDS+=($!)
	for _ in $(seq 50); do [ -s "$T_DIR/ports.redis" ] && break; sleep 0.05; done
	run 6379 --json
	check "a redis-server on 6379 looks like redis" jq -e '.ports[0].local.verdict.verdict == "match" and .ports[0].local.verdict.service == "redis"' "$T_DIR/out"
else
	skip_test "match verdict on 6379" "port 6379 is taken on this host"
fi

# ls --json against ss -tulpnH, same moment, as sets of (proto, address, port, pid).
"$PORTLORE" ls --json >"$T_DIR/ls.json"
ss -tulpnH >"$T_DIR/ss.txt"
jq -r '.sockets[] | . as $s | (if (.owners | length) == 0 then [null] else [.owners[].pid] end)[] | "\($s.transport) \($s.local_address) \($s.local_port) \(.)"' "$T_DIR/ls.json" | sort -u >"$T_DIR/mine"
python3 - "$T_DIR/ss.txt" <<'PY' | sort -u >"$T_DIR/theirs"
import re, sys
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 5:
        continue
    proto, local = f[0], f[4]
    addr, _, port = local.rpartition(":")
    addr = addr.strip("[]").split("%")[0]
    if addr == "*":
        addr = "0.0.0.0"
    pids = re.findall(r"pid=(\d+)", line) or ["null"]
    for p in pids:
        print(proto, addr, port, p)
PY
if diff "$T_DIR/mine" "$T_DIR/theirs" >"$T_DIR/diff"; then
	_tap 1 "ls --json equals ss -tulpnH as (proto, address, port, pid)"
else
	_tap 0 "ls --json equals ss -tulpnH as (proto, address, port, pid)" "$(head -20 "$T_DIR/diff")"
fi
run ls
expect "ls text lists our listener" 0 "127\.0\.0\.1:$P4 "
run ls --tcp --json
check "ls --tcp has only tcp" jq -e '[.sockets[].transport] | unique == ["tcp"]' "$T_DIR/out"
run ls --bogus
expect "ls rejects unknown options" 2 '' "unknown option '--bogus'"

# Not root: a root-owned listener is shown, with its owner said to be hidden.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ XDG_CACHE_HOME=/nonexistent "$PORTLORE" "$P4" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	expect "as nobody: the listener is shown with 'owner not visible'" 0 "LISTEN +tcp +127\.0\.0\.1:$P4 +\* +owner not visible: run as root"
else
	skip_test "unprivileged view" "needs root and setpriv"
fi

# A process chooses its own name: an escape sequence in it never reaches the terminal through check or ls.
"$PY" -c 'import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"\x1b]0;pwned\x07x", 0, 0, 0)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T_DIR/evil.port" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T_DIR/evil.port" ] && break; sleep 0.05; done
EP=$(cat "$T_DIR/evil.port")
for args in "check $EP" "ls" "$EP"; do
	# shellcheck disable=SC2086
	"$PORTLORE" $args >"$T_DIR/evil.out" 2>&1
	if LC_ALL=C grep -q $'\033\|\007' "$T_DIR/evil.out"; then _tap 0 "a process name cannot drive the terminal: $args" "$(cat -v "$T_DIR/evil.out" | head -5)"; else _tap 1 "a process name cannot drive the terminal: $args"; fi
done
"$PORTLORE" check "$EP" --json >"$T_DIR/out" 2>/dev/null
check "check --json still names the listener" jq -e '[.reasons[].reason] | index("in_use") != null' "$T_DIR/out"

# pick returns ports that check accepts.
run pick --count 5
expect "pick gives ports" 0 '^[0-9]+$'
ok=1
for p in $OUT; do "$PORTLORE" check "$p" >/dev/null 2>&1 || { ok=0; echo "# check refused $p"; }; done
_tap "$ok" "every picked port passes check"
run pick --range 2908-2908
expect "pick in a range with no safe port exits 1" 1 '' 'no port in 2908-2908'
run check 70000
expect "check rejects a bad port" 2 '' 'out of range'

finish
