#!/bin/bash
# portlore traffic --pcap against nDPI's own reader, ndpiReader -i, on the same multi-MB capture, in one
# run, alternating: packets per second (frames / wall time) and peak RSS (GNU time's %M), medians of RUNS.
# The capture is generated here (bench/gen-traffic.py: the real captures of tests/captures/ copied over
# many 10.x addresses), never committed. Goal (issue 16): >= 1.0x ndpiReader's packets/s at <= its RSS.
# Usage: bench/traffic.sh PATH/TO/portlore [COPIES] [RUNS]
set -eu
PORTLORE=$(realpath "${1:?usage: $0 PATH/TO/portlore [COPIES] [RUNS]}")
COPIES=${2:-100}
RUNS=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
for t in ndpiReader /usr/bin/time python3; do
	command -v "$t" >/dev/null || { echo "bench/traffic.sh: $t is missing (apt-get install libndpi-bin time)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/pl-bench-traffic-XXXXXX)
trap 'rm -rf "$work"' EXIT
cap=$work/bench.pcap
python3 "$root/bench/gen-traffic.py" "$root/tests/captures" "$cap" "$COPIES"
frames=$("$PORTLORE" traffic --pcap "$cap" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["frames"])')
echo "capture: $(du -h "$cap" | cut -f1), $frames frames ($COPIES copies of the conversations and scans in tests/captures)"

# Both must read the whole capture, or the ratio means nothing.
ndpiReader -q -i "$cap" >"$work/ndpi.out" 2>&1 || { echo "bench/traffic.sh: ndpiReader failed:" >&2; tail -5 "$work/ndpi.out" >&2; exit 1; }

# one CMD...: "seconds peak_kB"
one() { /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1 || true; cat "$work/t"; }
a_t=(); a_m=(); b_t=(); b_m=()
one "$PORTLORE" traffic --pcap "$cap" --json >/dev/null # warm the cache (ndpiReader just ran)
for ((i = 0; i < RUNS; i++)); do
	read -r t m < <(one "$PORTLORE" traffic --pcap "$cap" --json); a_t+=("$t"); a_m+=("$m")
	read -r t m < <(one ndpiReader -q -i "$cap"); b_t+=("$t"); b_m+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ta=$(median "${a_t[@]}"); ma=$(median "${a_m[@]}"); tb=$(median "${b_t[@]}"); mb=$(median "${b_m[@]}")
awk -v f="$frames" -v ta="$ta" -v tb="$tb" -v ma="$ma" -v mb="$mb" -v n="$RUNS" 'BEGIN {
	pa = f / (ta > 0 ? ta : 0.01); pb = f / (tb > 0 ? tb : 0.01)
	printf "%-34s median %6.2f s  %10.0f packets/s  peak RSS %7d kB  (%d runs)\n", "portlore traffic --pcap --json", ta, pa, ma, n
	printf "%-34s median %6.2f s  %10.0f packets/s  peak RSS %7d kB  (%d runs)\n", "ndpiReader -q -i", tb, pb, mb, n
	printf "ratio packets/s portlore / ndpiReader = %.2f (goal >= 1.0)\n", pa / pb
	printf "ratio peak RSS portlore / ndpiReader = %.2f (goal <= 1.0)\n", ma / mb
}'
