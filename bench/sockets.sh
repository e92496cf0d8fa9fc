#!/bin/bash
# Owners under load (issue 14). In a network namespace of its own when root (other programs' servers stay
# out of the counts and nothing collides on 2908): 200 processes each with a listener and 100 established
# loopback connections (20,000 connections, ~40,000 socket descriptors) and one process listening on 2908
# over TCP and UDP: an owner to find. Then, alternating in one run, median ratios:
#   portlore 2908 / ss -tlnp 'sport = :2908'   goal <= 0.1     portlore 2908 / lsof -nP -i :2908  goal <= 0.05
#   portlore ls / ss -tulpn                     goal <= 0.1
#   the /proc fallback (bpf(2) refused by a seccomp filter: tests/sockets/nobpf.c) / ss     goal <= 0.3
# and on a small host (a tenth of the load): the kernel iterator / the fallback    goal <= 1.0
# `portlore 2908` runs with --no-probe: the peers only look up owners, and asking the listener what it speaks
# (issue 15) waits on a server that never answers here. Stops what it started, by pid. Usage: bench/sockets.sh [PATH/TO/portlore] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PORTLORE=$(realpath "${1:-$here/../build/portlore}")
RUNS=${2:-30}
for t in ss lsof python3 cc; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 3; }; done
if [ "$(id -u)" = 0 ] && [ -z "${PL_BENCH_NETNS:-}" ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	PL_BENCH_NETNS=1 exec unshare -n "$0" "$PORTLORE" "$RUNS"
fi
if [ -n "${PL_BENCH_NETNS:-}" ]; then
	ip link set lo up 2>/dev/null || python3 -c 'import fcntl,socket,struct
s=socket.socket(); fl=struct.unpack("16sH",fcntl.ioctl(s,0x8913,struct.pack("16sH",b"lo",0)))[1]
fcntl.ioctl(s,0x8914,struct.pack("16sH",b"lo",fl|1))'
	echo "in a network namespace of its own"
else
	echo "NOTE: not root (or no unshare): the load shares this host's network namespace"
fi
ulimit -n 4096 2>/dev/null || true
tmp=$(mktemp -d)
loader=
stop_load() { [ -n "$loader" ] && { kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null || true; }; loader=; }
trap 'stop_load; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/nobpf" "$here/../tests/sockets/nobpf.c"
start_load() {
	python3 "$here/load.py" "$1" "$2" 2908 >"$tmp/out" &
	loader=$!
	for _ in $(seq 1200); do grep -q ready "$tmp/out" && break; sleep 0.1; done
	grep -q ready "$tmp/out" || { echo "the load did not start" >&2; exit 3; }
	echo "load: $(ss -Htan state established | wc -l) established TCP sockets, $(ss -Htln | wc -l) TCP listeners," \
		"$(ls /proc/[0-9]*/fd 2>/dev/null | grep -c .) descriptors in $(ls -d /proc/[0-9]* 2>/dev/null | wc -l) processes on the host"
}
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other programs)"
"$PORTLORE" --json 2908 | python3 -c 'import json,sys; d=json.load(sys.stdin)' 2>/dev/null || true

start_load 200 100
method=$("$PORTLORE" --json 2908 | python3 -c 'import json,sys; l=json.load(sys.stdin)["ports"][0]["local"]; print(l["owner_search"]["method"], l["owner_search"]["bpf_unavailable"] or "", [o["pid"] for s in l["sockets"] for o in s["owners"] or []])')
echo "portlore 2908 finds its owners with: $method"
echo "the fallback: $("$tmp/nobpf" "$PORTLORE" --json 2908 | python3 -c 'import json,sys; l=json.load(sys.stdin)["ports"][0]["local"]; print(l["owner_search"]["method"], "-", l["owner_search"]["bpf_unavailable"], [o["pid"] for s in l["sockets"] for o in s["owners"] or []])')"
bench_pair "$RUNS" "portlore 2908" "ss -tlnp sport = :2908" -- "$PORTLORE" 2908 --no-probe -- ss -tlnp 'sport = :2908'
bench_pair "$((RUNS / 3 + 1))" "portlore 2908" "lsof -nP -i :2908" -- "$PORTLORE" 2908 --no-probe -- lsof -nP -i :2908
bench_pair "$RUNS" "portlore ls" "ss -tulpn" -- "$PORTLORE" ls -- ss -tulpn
bench_pair "$RUNS" "portlore 2908 (fallback: nobpf)" "ss -tlnp sport = :2908" -- "$tmp/nobpf" "$PORTLORE" 2908 --no-probe -- ss -tlnp 'sport = :2908'
bench_pair "$RUNS" "portlore ls (fallback: nobpf)" "ss -tulpn" -- "$tmp/nobpf" "$PORTLORE" ls -- ss -tulpn
bench_pair "$RUNS" "portlore 2908 (bpf, via nobpf -n)" "portlore 2908 (fallback: nobpf)" -- "$tmp/nobpf" -n "$PORTLORE" 2908 --no-probe -- "$tmp/nobpf" "$PORTLORE" 2908 --no-probe
stop_load

echo "small host: a tenth of the load"
start_load 20 100
bench_pair "$RUNS" "portlore 2908 (bpf, via nobpf -n)" "portlore 2908 (fallback: nobpf)" -- "$tmp/nobpf" -n "$PORTLORE" 2908 --no-probe -- "$tmp/nobpf" "$PORTLORE" 2908 --no-probe
bench_pair "$RUNS" "portlore ls (bpf, via nobpf -n)" "portlore ls (fallback: nobpf)" -- "$tmp/nobpf" -n "$PORTLORE" ls -- "$tmp/nobpf" "$PORTLORE" ls
bench_pair "$RUNS" "portlore 2908" "ss -tlnp sport = :2908" -- "$PORTLORE" 2908 --no-probe -- ss -tlnp 'sport = :2908'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
