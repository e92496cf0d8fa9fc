#!/bin/bash
# Issue 11's case, in one run: `portlore 0-65535 --no-local` (median time over RUNS, and peak RSS; goals:
# under 1 s and 50 MB, it took 21 s and 1.3 GB), then `portlore 0-65535` with local sockets against
# `ss -tulpn`, alternating, under a socket load (LISTENERS processes on 127.0.0.1, each with one
# listener and CONNS connections; goal: within 2x of ss). As root the load and both programs run in a
# network namespace of their own, so other servers on this host neither disturb nor are disturbed.
# Usage: bench/range.sh [PATH/TO/portlore] [RUNS] [LISTENERS] [CONNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PORTLORE=$(realpath "${1:-$here/../build/portlore}")
RUNS=${2:-10}
LISTENERS=${3:-100}
CONNS=${4:-50}
if [ "$(id -u)" = 0 ] && [ -z "${PL_BENCH_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	export PL_BENCH_NETNS=1
	exec unshare -n -- bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$PORTLORE" "$RUNS" "$LISTENERS" "$CONNS"
fi
for t in ss python3 /usr/bin/time; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 3; }; done

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# 1. The registry alone: time and peak RSS of each run (GNU time: %e seconds, %M KiB).
: >"${TMPDIR:-/tmp}/pl-range-$$"
for ((i = 0; i < RUNS; i++)); do
	/usr/bin/time -f '%e %M' -a -o "${TMPDIR:-/tmp}/pl-range-$$" "$PORTLORE" 0-65535 --no-local >/dev/null
done
t=$(cut -d' ' -f1 "${TMPDIR:-/tmp}/pl-range-$$" | median)
m=$(cut -d' ' -f2 "${TMPDIR:-/tmp}/pl-range-$$" | sort -n | tail -1)
rm -f "${TMPDIR:-/tmp}/pl-range-$$"
printf '%-40s median %.2f s, peak RSS %d KiB (%.1f MB) over %d runs (goal: < 1 s, < 50 MB)\n' \
	"portlore 0-65535 --no-local" "$t" "$m" "$(awk -v k="$m" 'BEGIN{print k/1024}')" "$RUNS"

# 2. With the host's sockets, against ss -tulpn, under load.
ulimit -n 4096 2>/dev/null || true
out=$(mktemp)
python3 "$here/load.py" "$LISTENERS" "$CONNS" >"$out" &
loader=$!
trap 'kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 600); do grep -q ready "$out" && break; sleep 0.1; done
grep -q ready "$out" || { echo "the load did not start" >&2; exit 3; }
echo "load: $(ss -Htan state established | wc -l) established TCP sockets, $(ss -Htln | wc -l) listeners$([ -n "${PL_BENCH_NETNS:-}" ] && echo ', in a network namespace of this run')"
/usr/bin/time -f '%e %M' -o "${TMPDIR:-/tmp}/pl-range-$$" "$PORTLORE" 0-65535 >/dev/null
printf '%-40s %s s, peak RSS %s KiB (one run)\n' "portlore 0-65535 (local sockets)" $(cat "${TMPDIR:-/tmp}/pl-range-$$")
rm -f "${TMPDIR:-/tmp}/pl-range-$$"
# Three commands alternated in one loop: with local sockets, without, and ss. What local sockets add to the
# range (the first minus the second) is the part comparable with ss -tulpn, which prints no registry.
# Wall time, and CPU time (user + system, from GNU time): on a shared machine the second is the steadier.
cpu=$(mktemp)
run_one() { # run_one ARRAY_PREFIX CMD...: appends wall us to ${1}w, CPU ms to ${1}c
	local t0 t1 c
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%U %S' -o "$cpu" "${@:2}" >/dev/null 2>&1 || true
	t1=$EPOCHREALTIME
	c=$(awk '{printf "%d", ($1 + $2) * 1000}' "$cpu")
	eval "${1}w+=($(( ${t1/./} - ${t0/./} ))); ${1}c+=($c)"
}
aw=() ac=() bw=() bc=() cw=() cc=()
for ((i = 0; i < RUNS; i++)); do
	run_one a "$PORTLORE" 0-65535
	run_one b "$PORTLORE" 0-65535 --no-local
	run_one c ss -tulpn
done
rm -f "$cpu"
med() { printf '%s\n' "$@" | median; }
ma=$(med "${aw[@]}") mb=$(med "${bw[@]}") mc=$(med "${cw[@]}")
ca=$(med "${ac[@]}") cb=$(med "${bc[@]}") c3=$(med "${cc[@]}")
printf '%-40s median %8.0f us wall, %6.0f ms CPU over %d runs\n' "portlore 0-65535" "$ma" "$ca" "$RUNS" \
	"portlore 0-65535 --no-local" "$mb" "$cb" "$RUNS" "ss -tulpn" "$mc" "$c3" "$RUNS"
awk -v a="$ma" -v b="$mb" -v c="$mc" -v ca="$ca" -v cb="$cb" -v cc="$c3" 'BEGIN {
	printf "ratio portlore 0-65535 / ss -tulpn = %.2f wall\n", a / c
	printf "local sockets add %d us wall, %d ms CPU to the range: (with - without) / ss -tulpn = %.2f wall, %.2f CPU (goal: <= 2.00)\n", a - b, ca - cb, (a - b) / c, (cc > 0 ? (ca - cb) / cc : 0) }'
