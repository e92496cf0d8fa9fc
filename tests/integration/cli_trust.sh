#!/bin/bash
# What the host says, exactly and safely, in a network namespace of the test's own: the reserved-ports
# sysctl read whole (20000-20010,8080), hostile process names and command lines escaped so that no line
# of `ls` or `portlore PORT` can be forged, partly visible owners said so with the socket's own user,
# ls filters, descriptors and queues, and a range streamed over one socket query.
. "$(dirname "$0")/lib.sh"
need_own_netns "host facts in a namespace"
trap 'kill_started 2>/dev/null' EXIT
PY=$(python3 -c 'import sys; print(sys.executable)')

# ---- the reserved-ports sysctl, read whole ----
if sysctl -qw net.ipv4.ip_local_reserved_ports=20000-20010,8080 2>/dev/null; then
	run 20005 --no-local --json
	check "reserved ports are read whole: 20000-20010 and 8080" jq -e '.host.reserved_ports == [[8080, 8080], [20000, 20010]]' "$T_DIR/out"
	check "20005 is marked reserved" jq -e '.ports[0].ephemeral.reserved == true' "$T_DIR/out"
	run 20011 --no-local --json
	check "20011 is not reserved" jq -e '.ports[0].ephemeral.reserved == false' "$T_DIR/out"
	run 8080 --no-local
	expect "the text says 8080 is in ip_local_reserved_ports" 0 'ip_local_reserved_ports'
	if sysctl -qw net.ipv4.ip_local_port_range="20000 30000" 2>/dev/null; then
		run 20005 --no-local
		expect "inside the ephemeral range but held back from it" 0 'Inside the ephemeral range 20000-30000, but held back'
		run check 20005 --json
		check "check does not call a reserved port ephemeral" jq -e '[.reasons[].reason] | index("ephemeral") == null' "$T_DIR/out"
	else
		skip_test "ephemeral range with reserved ports" "cannot set net.ipv4.ip_local_port_range here"
	fi
else
	skip_test "reserved ports read whole" "cannot set net.ipv4.ip_local_reserved_ports in this namespace"
fi

# ---- port 0 ----
run 0 --no-local
expect "port 0 is explained as 'any port'" 0 'binding port 0 asks the kernel for any'
run check 0 --json
check "check 0 names port 0 for what it is" jq -e '.reasons[0].reason == "port_zero"' "$T_DIR/out"

# ---- hostile text ----
# A process named "x\nLISTEN tcp 6.6.6.6:1" with a command line holding a newline, a tab, an escape
# sequence and invalid UTF-8: none of it may start a line of its own or reach the terminal raw.
"$PY" -c 'import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"x\nFORGED 6.6", 0, 0, 0)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' \
	$'arg\nFORGED line\tand\033[31mred' $'\xff\xfe' >"$T_DIR/evil.port" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T_DIR/evil.port" ] && break; sleep 0.05; done
EP=$(cat "$T_DIR/evil.port")
for args in "ls" "ls --wide" "$EP" "check $EP" "$((EP - 1))-$((EP + 1))"; do
	# shellcheck disable=SC2086
	"$PORTLORE" $args >"$T_DIR/evil.out" 2>&1
	if grep -q '^FORGED' "$T_DIR/evil.out"; then
		_tap 0 "a newline in a process's name or arguments adds no line: portlore $args" "$(cat -A "$T_DIR/evil.out" | head -8)"
	else
		_tap 1 "a newline in a process's name or arguments adds no line: portlore $args"
	fi
	if LC_ALL=C grep -q $'\033\|\t\|\xff' "$T_DIR/evil.out"; then
		_tap 0 "no raw escape, tab or invalid UTF-8 reaches the terminal: portlore $args" "$(cat -A "$T_DIR/evil.out" | head -8)"
	else
		_tap 1 "no raw escape, tab or invalid UTF-8 reaches the terminal: portlore $args"
	fi
done
run ls
expect "the newline is shown escaped, as \\n" 0 'x\\nFORGED 6\.6\[[0-9]+\]'
run ls --wide
expect "the whole command line (--wide) shows the escape as \\x1b, the tab as \\t, the bad bytes as U+FFFD" 0 'FORGED line\\tand\\x1b\[31mred '$'\xef\xbf\xbd\xef\xbf\xbd''$'
run ls --json
check "JSON keeps the name exact (a newline is data there)" jq -e --argjson p "$EP" '[.sockets[] | select(.local_port == $p) | .owners[0].name] == ["x\nFORGED 6.6"]' "$T_DIR/out"
run $'\xff\x01'
expect "an invalid argument is echoed escaped, never raw" 2 '' "'\\\\xff\\\\x01' is neither a port"
if LC_ALL=C grep -q $'\xff' "$T_DIR/err"; then _tap 0 "no raw invalid UTF-8 on stderr" "$(cat -A "$T_DIR/err")"; else _tap 1 "no raw invalid UTF-8 on stderr"; fi

# ---- ls: filters, descriptors, queues, width ----
"$PY" -c 'import os, socket, time
a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen(7)
b = socket.socket(socket.AF_INET6); b.bind(("::1", 0)); b.listen(3)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
c = socket.create_connection(a.getsockname())  # one queued connection, never accepted
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1], a.fileno(), os.getpid(), flush=True)
time.sleep(60)' filtertest-marker >"$T_DIR/f.ports" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T_DIR/f.ports" ] && break; sleep 0.05; done
read -r FA FB FU FFD FPID <"$T_DIR/f.ports"
run ls --json --port "$FA"
check "ls --port keeps that port only" jq -e --argjson p "$FA" '[.sockets[].local_port] | unique == [$p]' "$T_DIR/out"
check "ls --json gives the owner's descriptor number" jq -e --argjson fd "$FFD" --argjson pid "$FPID" '.sockets[0].owners[0].pid == $pid and .sockets[0].owners[0].fd == $fd' "$T_DIR/out"
check "ls --json gives the backlog: one queued of 7" jq -e '.sockets[0].backlog == {"queued": 1, "limit": 7} and .sockets[0].recv_q == 1 and .sockets[0].send_q == 7' "$T_DIR/out"
run ls --json "$FB"
check "a bare port is a port filter" jq -e --argjson p "$FB" '[.sockets[].local_port] | unique == [$p]' "$T_DIR/out"
run ls --json -6 --pid "$FPID"
check "ls -6 --pid: the IPv6 listener of that process only" jq -e --argjson p "$FB" '[.sockets[] | .local_port] == [$p]' "$T_DIR/out"
run ls --json -4 --command filtertest-marker
check "ls -4 --command: its IPv4 sockets (TCP and UDP)" jq -e --argjson a "$FA" --argjson u "$FU" '[.sockets[] | .local_port] | sort == ([$a, $u] | sort)' "$T_DIR/out"
run ls --json --address ::1 --user root
check "ls --address ::1 --user root" jq -e --argjson p "$FB" '[.sockets[] | select(.local_port == $p)] | length == 1 and ([.[] | .local_address] | unique == ["::1"])' "$T_DIR/out"
run ls --json --state estab --port "$FA"
check "ls --state estab looks among all sockets" jq -e '[.sockets[].state] | unique == ["ESTAB"]' "$T_DIR/out"
run ls --json --user nosuchuser-xyz
expect "ls with nothing left exits 1" 1
check "and still prints a JSON document" jq -e '.sockets == []' "$T_DIR/out"
run ls -4 -6
expect "-4 and -6 together are refused" 2 '' '-4 and -6 together'
run ls --port 70000
expect "a bad --port is refused" 2 '' '--port takes a port'
COLUMNS=80 run ls --netns self
awk 'length($0) > 80 && !/^this kernel|^owners|^registry/' "$T_DIR/out" >"$T_DIR/long"
check "ls fits 80 columns (COLUMNS=80), cutting long command lines" bash -c "test ! -s '$T_DIR/long' && grep -q '\.\.\.\$' '$T_DIR/out'"
head -1 "$T_DIR/out" >"$T_DIR/head"
line=$(grep -m1 "127.0.0.1:$FA " "$T_DIR/out")
h=$(cat "$T_DIR/head")
check "the LOCAL header sits over its column" test "$(awk -v s="$h" 'BEGIN{print index(s, "LOCAL")}')" = "$(awk -v s="$line" -v a="127.0.0.1:$FA" 'BEGIN{print index(s, a)}')"
COLUMNS=60 run ls --wide --netns self
expect "--wide shows the whole command line, the fd and the queues" 0 "filtertest-marker"
expect "--wide has FD, RECV-Q and SEND-Q columns" 0 '^STATE +PROTO +LOCAL +PEER +SERVICE +USER +FD +RECV-Q +SEND-Q +PROCESS'

# ---- a partly visible owner: a root parent and its nobody child share a listener ----
if command -v setpriv >/dev/null; then
	"$PY" -c 'import ctypes, os, socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True)
if os.fork() == 0:
    os.setgid(65534); os.setuid(65534)
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE, as nginx workers do
    time.sleep(60); os._exit(0)
time.sleep(60)' >"$T_DIR/m.port" &
	PIDS+=($!)
	for _ in $(seq 50); do [ -s "$T_DIR/m.port" ] && break; sleep 0.05; done
	sleep 0.2
	MP=$(cat "$T_DIR/m.port")
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ XDG_CACHE_HOME=/nonexistent "$PORTLORE" "$MP" --json >"$T_DIR/out" 2>"$T_DIR/err"
	check "as nobody: the worker is seen, the list is said to be incomplete, the socket is root's" jq -e \
		'.ports[0].local.sockets[0] | .owner_status == "found" and .owners_complete == false and .user == "root" and (.owners | length) == 1' "$T_DIR/out"
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ XDG_CACHE_HOME=/nonexistent "$PORTLORE" "$MP" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	expect "as nobody, the text says more owners are likely hidden and whose socket it is" 0 'likely more not visible: the socket is owned by root'
	run "$MP" --json
	check "as root: both processes, complete" jq -e '.ports[0].local.sockets[0] | .owners_complete == true and (.owners | length) == 2' "$T_DIR/out"
else
	skip_test "partly visible owners" "needs setpriv"
fi

# ---- serve's start-up lines read as news, not as failures ----
"$PORTLORE" serve --listen 127.0.0.1:0 --db "$T_DIR/feedback.db" 2>"$T_DIR/serve.err" &
SP=$!
PIDS+=($SP)
for _ in $(seq 100); do grep -q 'restrictions in force' "$T_DIR/serve.err" 2>/dev/null && break; sleep 0.05; done
kill "$SP" 2>/dev/null
check "serve says where it serves and what it gave up, without 'gave up' or an error's shape" bash -c \
	"grep -q '^portlore serve: serving http://127.0.0.1:[0-9]*/' '$T_DIR/serve.err' && grep -q '^portlore serve: restrictions in force: ' '$T_DIR/serve.err' && ! grep -qi 'gave up\|error\|fail' '$T_DIR/serve.err'"

# ---- a range streams over one socket query, and its listeners are in it ----
run "$((FA - 2))-$((FA + 2))"
expect "a range shows a listener inside it" 0 "^$FA +[a-z]+ .*\\[listening: python3"
run "$((FA - 2))-$((FA + 2))" --jsonl
check "--jsonl: a head line, then one line a port" test "$(wc -l <"$T_DIR/out")" = 6
check "--jsonl: every line is a JSON object, the listener in its port's line" bash -c "jq -e -s --argjson p $FA 'length == 6 and .[0].kind == \"port_report\" and ([.[1:][] | select(.port == \$p) | [.local.sockets[] | select(.listening)] | length] == [1])' '$T_DIR/out'"
run "$((FA - 1))-$((FA + 1))" --json
check "in a range, a port's connections are counted, its listeners listed" jq -e --argjson p "$FA" \
	'.ports[] | select(.port == $p) | .local | .connections >= 1 and .connections_listed == false and ([.sockets[] | .listening] | all) and (.sockets | length) == 1' "$T_DIR/out"
run "$FA" --json
check "alone, a port with a listener asks for listeners only: its connections are not counted (null)" jq -e \
	'.ports[0].local | .connections_listed == false and .connections == null and ([.sockets[] | .listening] | all)' "$T_DIR/out"
if command -v strace >/dev/null; then
	strace -f -e trace=sendto,sendmsg -o "$T_DIR/strace" "$PORTLORE" 0-65535 >/dev/null 2>&1
	n=$(grep -c 'NETLINK_SOCK_DIAG\|nlmsg_type=SOCK_DIAG_BY_FAMILY\|SOCK_DIAG' "$T_DIR/strace")
	check "0-65535 asks the kernel once per transport, not once a port ($n dumps)" test "$n" -le 8
else
	skip_test "one socket query for a range" "strace is not installed"
fi

finish
