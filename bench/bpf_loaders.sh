#!/bin/sh
# Our BPF loader against libbpf (the system's libbpf.so.1), same object, alternating in one process:
# the measurement behind issue 14's choice of loader. Needs root and a kernel with BTF.
# Usage: bench/bpf_loaders.sh [BUILD_DIR] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -I"$here/../src" -I"$here/../include" -o "$tmp/bpf_loaders" "$here/bpf_loaders.c" \
	"$build/libportlore_core.a" -ldl -lpthread
"$tmp/bpf_loaders" "${2:-30}"
