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
