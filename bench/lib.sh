# Shared by the bench scripts: time commands alternately, in one run, and print medians and ratios.
# Whole-process wall time from bash's $EPOCHREALTIME (microseconds); the fork/exec cost is the same on
# both sides, so the ratio compares what each program does once started.

# bench_pair N NAME_A NAME_B -- CMD_A... -- CMD_B...
# Prints "NAME: median µs" for both and "ratio A/B". Output of the commands goes to /dev/null.
bench_pair() {
	local n=$1 na=$2 nb=$3
	shift 3
	[ "$1" = -- ] && shift
	local a=() b=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	local ta=() tb=() i t0 t1
	# Exit codes are not the point here (lsof exits 1 when nothing matches): never let them stop the run.
	"${a[@]}" >/dev/null 2>&1 || true; "${b[@]}" >/dev/null 2>&1 || true # warm the page cache
	for ((i = 0; i < n; i++)); do
		t0=$EPOCHREALTIME; "${a[@]}" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
		ta+=($(( ${t1/./} - ${t0/./} )))
		t0=$EPOCHREALTIME; "${b[@]}" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
		tb+=($(( ${t1/./} - ${t0/./} )))
	done
	local ma mb
	ma=$(printf '%s\n' "${ta[@]}" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : int((v[NR/2]+v[NR/2+1])/2)}')
	mb=$(printf '%s\n' "${tb[@]}" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : int((v[NR/2]+v[NR/2+1])/2)}')
	printf '%-40s median %7d us over %d runs\n' "$na" "$ma" "$n"
	printf '%-40s median %7d us over %d runs\n' "$nb" "$mb" "$n"
	awk -v a="$ma" -v b="$mb" -v na="$na" -v nb="$nb" 'BEGIN { printf "ratio %s / %s = %.2f\n", na, nb, a / b }'
}
