#!/bin/bash
# Whole-process time of `portlore 22 --no-local` against the system's own lookup, `getent services 22`,
# alternating in one run; prints the medians and their ratio. Goal (issue 3): ratio <= 1.0.
# Usage: bench/registry.sh [PATH/TO/portlore] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PORTLORE=${1:-$here/../build/portlore}
RUNS=${2:-300}
command -v getent >/dev/null || { echo "getent is not installed" >&2; exit 3; }
echo "portlore: $("$PORTLORE" --version | tr '\n' ' ')"
bench_pair "$RUNS" "portlore 22 --no-local" "getent services 22" \
	-- "$PORTLORE" 22 --no-local -- getent services 22
# What the embedded registry costs (issue 9 made it IANA's whole record): the binary's size, the index in
# it, and the peak resident memory of one lookup beside getent's. GNU time reads it (getrusage of a small
# parent: a fork from python or bash would count the parent's pages, exec keeps the old high-water mark).
echo "binary: $(stat -c %s "$PORTLORE") bytes ($(size -A "$PORTLORE" 2>/dev/null | awk '$1 == ".rodata" {print $2}') of .rodata, the embedded index included)"
if [ -x /usr/bin/time ]; then
	rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
	echo "max RSS: portlore 22 --no-local $(rss "$PORTLORE" 22 --no-local) KiB, getent services 22 $(rss getent services 22) KiB"
else
	echo "max RSS: not measured (/usr/bin/time, Debian package time, is not installed)"
fi
