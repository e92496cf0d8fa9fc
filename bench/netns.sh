#!/bin/bash
# The cost of covering every network namespace (issue 13): starts NS namespaces (default 20) with lo up
# and LISTENERS TCP listeners each (127.0.0.1 inside them), then times, alternating in one run,
# `portlore ls` (every namespace, owners, containers, DNAT rules) against `ss -tulpn` run in each namespace
# the host has and added up (`ip netns exec` for the named ones, `nsenter --net` for those that only a
# process holds), and the same for one port. Prints median ratios; stops what it started, by pid, and
# deletes its namespaces. Needs root. Usage: bench/netns.sh [PATH/TO/portlore] [RUNS] [NS] [LISTENERS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PORTLORE=${1:-$here/../build/portlore}
RUNS=${2:-20}
NNS=${3:-20}
NLIS=${4:-10}
[ "$(id -u)" = 0 ] || { echo "bench/netns.sh needs root (network namespaces)" >&2; exit 3; }
for t in ss ip nsenter jq python3; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 3; }; done
PIDS=()
NSS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -f "$peer" "$peer1" "$peer2"
}
peer=$(mktemp)
peer1=$(mktemp)
peer2=$(mktemp)
trap cleanup EXIT
for i in $(seq "$NNS"); do
	n=pl13b$$-$i
	ip netns add "$n"
	NSS+=("$n")
	ip -n "$n" link set lo up
	nsenter --net="/run/netns/$n" python3 -c '
import socket, sys, time
socks = []
for k in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 2900 + k)); s.listen(); socks.append(s)
time.sleep(3600)' "$NLIS" &
	PIDS+=($!)
done
# every namespace's listeners up (bounded: 30 s in all)
for n in "${NSS[@]}"; do
	for _ in $(seq 150); do
		[ "$(nsenter --net="/run/netns/$n" ss -Htln | wc -l)" -ge "$NLIS" ] && break
		sleep 0.2
	done
done
# The peer: ss in every namespace portlore covers (the same list), one process per namespace.
"$PORTLORE" ls --json >/tmp/pl13-bench-ls.json
{
	echo 'ss -tulpn'
	jq -r '.namespaces[] | select(.self | not) | select(.entered) |
		if .name != null and (.path | startswith("/run/netns/")) then "ip netns exec \(.name) ss -tulpn"
		else "nsenter --net=\(.path) ss -tulpn" end' /tmp/pl13-bench-ls.json
} >"$peer"
sed 's/ss -tulpn$/ss -tlnp "sport = :2908"/' "$peer" >"$peer1"
# The cheaper peer: nsenter for every namespace (ip netns exec also remounts /sys for each)
sed 's|^ip netns exec \([^ ]*\) |nsenter --net=/run/netns/\1 |' "$peer" >"$peer2"
total=$(jq '.namespaces | length' /tmp/pl13-bench-ls.json)
entered=$(jq '[.namespaces[] | select(.entered)] | length' /tmp/pl13-bench-ls.json)
echo "namespaces: $total on this host ($NNS made here, $NLIS listeners each), $entered read; sockets listed: $(jq '.sockets | length' /tmp/pl13-bench-ls.json)"
rm -f /tmp/pl13-bench-ls.json
bench_pair "$RUNS" "portlore ls (every namespace)" "ss -tulpn in each, added up" -- "$PORTLORE" ls -- bash "$peer"
bench_pair "$RUNS" "portlore ls (every namespace)" "nsenter --net=NS ss -tulpn in each" -- "$PORTLORE" ls -- bash "$peer2"
bench_pair "$RUNS" "portlore 2908 (every namespace)" "ss -tlnp sport = :2908 in each" -- "$PORTLORE" 2908 -- bash "$peer1"
bench_pair "$RUNS" "portlore ls (every namespace)" "portlore ls --netns self" -- "$PORTLORE" ls -- "$PORTLORE" ls --netns self
