#!/bin/bash
# Starts 200 listeners and 20,000 established loopback connections (127.0.0.1 only) spread over 200
# processes, then times, alternating in one run: `portlore 2908` against `ss -tlnp sport = :2908` and
# `lsof -nP -i :2908`, and `portlore ls` against `ss -tulpn`; prints median ratios. Stops what it started,
# by pid. Goals (issue 5): <= 0.5x ss for one port, <= 1.0x ss for ls, <= 0.05x lsof.
# Usage: bench/sockets.sh [PATH/TO/portlore] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PORTLORE=${1:-$here/../build/portlore}
RUNS=${2:-30}
for t in ss lsof python3; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 3; }; done
ulimit -n 4096 2>/dev/null || true
out=$(mktemp)
python3 "$here/load.py" 200 100 >"$out" &
loader=$!
trap 'kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 600); do grep -q ready "$out" && break; sleep 0.1; done
grep -q ready "$out" || { echo "the load did not start" >&2; exit 3; }
echo "load: $(ss -Htan state established | wc -l) established TCP sockets, $(ss -Htln | wc -l) listeners on this host"
bench_pair "$RUNS" "portlore 2908" "ss -tlnp sport = :2908" -- "$PORTLORE" 2908 -- ss -tlnp 'sport = :2908'
bench_pair "$((RUNS / 3 + 1))" "portlore 2908" "lsof -nP -i :2908" -- "$PORTLORE" 2908 -- lsof -nP -i :2908
bench_pair "$RUNS" "portlore ls" "ss -tulpn" -- "$PORTLORE" ls -- ss -tulpn
