#!/bin/bash
# How owners are found, seen from the command line: the kernel iterator when allowed (root, BTF), the /proc
# walk when bpf(2) is refused (tests/sockets/nobpf.c: a seccomp filter), named in the JSON and, for the
# fallback, in the text with its reason; both give the same owners (a listener shared with a forked child).
# In a network namespace of its own when root, so that other programs' servers stay out of `ls`.
if [ "$(id -u)" = 0 ] && [ -z "${PL_IT_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	PL_IT_NETNS=1 exec unshare -n "$0" "$@"
fi
[ -n "${PL_IT_NETNS:-}" ] && ip link set lo up 2>/dev/null
. "$(dirname "$0")/lib.sh"
NOBPF=${2:-}
LPID=
cleanup() {
	[ -n "$LPID" ] && { pkill -KILL -P "$LPID" 2>/dev/null; kill -KILL "$LPID" 2>/dev/null; }
	wait 2>/dev/null
	rm -rf "$T_DIR"
}
trap 'cleanup 2>/dev/null' EXIT
command -v jq >/dev/null || { skip_test "owners" "jq is not installed"; finish; exit; }

PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", s.getsockname()[1]))
parent = os.getpid()
if os.fork() == 0:
    while os.getppid() == parent:
        time.sleep(0.1)
    os._exit(0)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(600)' "$T_DIR/port" &
LPID=$!
for _ in $(seq 100); do [ -s "$T_DIR/port" ] && break; sleep 0.05; done
PORT=$(cat "$T_DIR/port")
CHILD=$(pgrep -P "$LPID" | head -1)
want=$(printf '%s\n' "$LPID" "$CHILD" | sort -n | tr '\n' ' ')

# owners_of FILE: "pid pid " of the first socket, and the method
owners_of() { jq -r '[.ports[0].local.sockets[0].owners[].pid] | sort | map(tostring) | join(" ")' "$1" | sed 's/$/ /'; }

run --json "$PORT"
cp "$T_DIR/out" "$T_DIR/auto.json"
method=$(jq -r '.ports[0].local.owner_search.method' "$T_DIR/auto.json")
why=$(jq -r '.ports[0].local.owner_search.bpf_unavailable // ""' "$T_DIR/auto.json")
_tap "$([ "$(owners_of "$T_DIR/auto.json")" = "$want" ] && echo 1 || echo 0)" \
	"portlore PORT names the listener and its forked child ($method)" "got $(owners_of "$T_DIR/auto.json"), wanted $want"
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	_tap "$([ "$method" = bpf-iter ] && echo 1 || echo 0)" "as root with BTF, owners come from the kernel iterator" \
		"method $method: $why"
	# several CPUs and Linux >= 6.1: one iterator per process, on as many threads as CPUs (bpf_walk.c)
	threads=$(jq -r '.ports[0].local.owner_search.threads' "$T_DIR/auto.json")
	ncpu=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
	kv=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
	if [ "$method" = bpf-iter ] && [ "$ncpu" -gt 1 ] && [ "$kv" -ge 6001 ]; then
		_tap "$([ "$threads" = "$ncpu" ] && echo 1 || echo 0)" \
			"the iterator's walk is split, one iterator per process on $ncpu threads (owner_search.threads)" \
			"threads $threads, CPUs $ncpu"
	else
		_tap "$([ "$threads" = 1 ] && echo 1 || echo 0)" "one iterator walks every task here (owner_search.threads)" \
			"threads $threads"
	fi
else
	_tap "$([ "$method" = proc ] && [ -n "$why" ] && echo 1 || echo 0)" \
		"without root or BTF, owners come from /proc and the JSON says why" "method $method: $why"
fi

# In a pid namespace of its own the iterator's pids would be the host's: /proc is walked, and the JSON says why.
if [ "$(id -u)" = 0 ] && unshare -pf --mount-proc true 2>/dev/null; then
	unshare -pf --mount-proc "$PORTLORE" --json "$PORT" >"$T_DIR/pidns.json" 2>/dev/null
	_tap "$(jq -r '.ports[0].local.owner_search | "\(.method) \(.bpf_unavailable)"' "$T_DIR/pidns.json" |
		grep -q '^proc .*nested pid namespace' && echo 1 || echo 0)" \
		"in a nested pid namespace, owners come from /proc and the JSON says why" \
		"$(jq -c '.ports[0].local.owner_search' "$T_DIR/pidns.json")"
else
	skip_test "a nested pid namespace" "needs root and unshare -p"
fi

# A kernel without BTF, as far as portlore can tell: an empty tmpfs over /sys/kernel/btf, in a mount
# namespace of its own.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/btf ] && unshare -m true 2>/dev/null; then
	unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" --json "$1"' "$PORTLORE" "$PORT" \
		>"$T_DIR/nobtf.json" 2>/dev/null
	_tap "$(jq -r '.ports[0].local.owner_search | "\(.method) \(.bpf_unavailable)"' "$T_DIR/nobtf.json" |
		grep -q '^proc the kernel has no BTF' && echo 1 || echo 0)" \
		"without kernel BTF, owners come from /proc and the JSON says why" \
		"$(jq -c '.ports[0].local.owner_search' "$T_DIR/nobtf.json" 2>&1)"
	_tap "$([ "$(owners_of "$T_DIR/nobtf.json")" = "$want" ] && echo 1 || echo 0)" \
		"without kernel BTF, the same owners" "got $(owners_of "$T_DIR/nobtf.json"), wanted $want"
else
	skip_test "a kernel without BTF" "needs root, /sys/kernel/btf and unshare -m"
fi

if [ -z "$NOBPF" ] || ! "$NOBPF" true 2>/dev/null; then
	skip_test "the fallback when bpf(2) is refused" "no nobpf helper or no seccomp here"
	finish
	exit
fi
"$NOBPF" "$PORTLORE" --json "$PORT" >"$T_DIR/nobpf.json" 2>"$T_DIR/err"
_tap "$([ "$(jq -r '.ports[0].local.owner_search.method' "$T_DIR/nobpf.json")" = proc ] && echo 1 || echo 0)" \
	"with bpf(2) refused, the /proc walk is chosen and named"
_tap "$(jq -r '.ports[0].local.owner_search.threads' "$T_DIR/nobpf.json" | grep -qE '^[1-9][0-9]*$' && echo 1 || echo 0)" \
	"... and the threads it ran on are given" "$(jq -c '.ports[0].local.owner_search' "$T_DIR/nobpf.json")"
_tap "$(jq -r '.ports[0].local.owner_search.bpf_unavailable' "$T_DIR/nobpf.json" | grep -q 'refused' && echo 1 || echo 0)" \
	"with bpf(2) refused, the JSON says why" "$(jq -c '.ports[0].local.owner_search' "$T_DIR/nobpf.json")"
_tap "$([ "$(owners_of "$T_DIR/nobpf.json")" = "$want" ] && echo 1 || echo 0)" \
	"the fallback names the same owners" "got $(owners_of "$T_DIR/nobpf.json"), wanted $want"
"$NOBPF" "$PORTLORE" --color never "$PORT" >"$T_DIR/nobpf.txt" 2>&1
_tap "$(tr '\n' ' ' <"$T_DIR/nobpf.txt" | tr -s ' ' | grep -q 'walked /proc (BPF' && echo 1 || echo 0)" \
	"the text says it walked /proc, and why" "$(head -c 1500 "$T_DIR/nobpf.txt")"

# Every listener of this namespace: the same (inode, pid) pairs either way.
pairs() { jq -r '.sockets[] | .inode as $i | ((.owners // [])[] | "\($i) \(.pid)"), (if (.owners // []) == [] then "\($i) \(.owner_status)" else empty end)' "$1" | sort; }
run ls --json
cp "$T_DIR/out" "$T_DIR/ls-auto.json"
"$NOBPF" "$PORTLORE" ls --json >"$T_DIR/ls-nobpf.json" 2>/dev/null
check "ls names the listener's owners" grep -q " $LPID\$" <(pairs "$T_DIR/ls-auto.json")
check "ls: both methods give the same owners" diff <(pairs "$T_DIR/ls-auto.json") <(pairs "$T_DIR/ls-nobpf.json")
finish
