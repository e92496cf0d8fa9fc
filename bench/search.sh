#!/bin/bash
# Microseconds per search (issue 12: search from an index, not a scan per request): the index a server
# builds once, against a registry's first search. Usage: bench/search.sh [BUILD-DIR] [REGISTRY-FILE]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$here/../build}
"$BUILD/bench_search" "${2:-}" 2000
