#!/bin/bash
# Import time of IANA's 2025-12-15 XML (portlore reading it with --registry and answering one port, no
# host part) against `xmllint --noout` parsing the same file, alternating in one run; median ratio.
# Goal (issue 4): ratio <= 2.0.
# Usage: bench/import.sh [PATH/TO/portlore] [RUNS] [XML]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PORTLORE=${1:-$here/../build/portlore}
RUNS=${2:-20}
XML=${3:-$here/../../shared/fixtures/iana/service-names-port-numbers-2025-12-15.xml}
[ -f "$XML" ] || { echo "no registry XML at $XML" >&2; exit 3; }
command -v xmllint >/dev/null || { echo "xmllint is not installed (libxml2-utils)" >&2; exit 3; }
bench_pair "$RUNS" "portlore --registry XML 22 --no-local" "xmllint --noout XML" \
	-- "$PORTLORE" --registry "$XML" 22 --no-local -- xmllint --noout "$XML"
