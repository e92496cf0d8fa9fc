#!/bin/bash
# Runs every libFuzzer target in BUILD/fuzz for SECONDS each, from the seeds in fuzz/seeds/TARGET (our own
# small inputs) plus a corpus kept in the build folder; prints one TAP line per target with its executions.
# Usage: tools/fuzz.sh BUILD SECONDS
set -u
build=$1
secs=$2
root=$(cd "$(dirname "$0")/.." && pwd)
n=0
fail=0
for exe in "$build"/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	n=$((n + 1))
	corpus="$build/fuzz/corpus-$name"
	mkdir -p "$corpus"
	seeds="$root/fuzz/seeds/${name#fuzz_}"
	log="$build/fuzz/$name.log"
	args=("$corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	"$exe" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 -rss_limit_mb=1024 \
		-artifact_prefix="$build/fuzz/crash-$name-" "${args[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" = 0 ]; then
		echo "ok $n - $name: ${execs:-?} executions in ${secs}s"
	else
		fail=1
		echo "not ok $n - $name: exit $rc after ${execs:-?} executions (log: $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
	fi
done
echo "1..$n"
exit $fail
