#!/bin/bash
# tools/iana2tsv, the converter that writes data/registry.tsv: IANA's XML kept whole, and on top only the
# npm assignments newer than it, each marked with its source; a renamed service's old name dropped; the
# Unassigned rows cut around a merged port. Run on tests/fixtures/iana-small.xml and a made-up npm index.
# Usage: tool_iana2tsv.sh PORTLORE IANA2TSV
. "$(dirname "$0")/lib.sh"
IANA2TSV=${2:?usage: $0 PORTLORE IANA2TSV}
XML=${PL_TESTDATA:?}/iana-small.xml
cat >"$T_DIR/npm.json" <<'JSON'
{
  "0/tcp": ["", "Reserved"],
  "3/tcp": ["newsvc", "A newer service"],
  "3/udp": ["", "Reserved"],
  "7/tcp": ["ghosty2", "Ghosty renamed"],
  "8/udp": ["widget", "Widget, in npm's words"],
  "9/sctp": ["", "Reserved"]
}
JSON
"$IANA2TSV" "$XML" "$T_DIR/npm.json" "npm test 1.0 (published 2030-01-01)" "$T_DIR/out.tsv" 2>"$T_DIR/log"
RC=$?
[ "$RC" = 0 ] && _tap 1 "iana2tsv converts" || _tap 0 "iana2tsv converts" "$(cat "$T_DIR/log")"
reg() { run --registry "$T_DIR/out.tsv" --no-local --json "$@"; }
reg 3/tcp
check "a newer npm assignment is merged, marked with its source" jq -e '[.ports[0].records[] | {service, status, source}] == [{"service": "newsvc", "status": "assigned", "source": "npm test 1.0 (published 2030-01-01)"}]' "$T_DIR/out"
reg 3/udp
check "npm's Reserved mark for the other transport too" jq -e '[.ports[0].records[] | {status, source}] == [{"status": "reserved", "source": "npm test 1.0 (published 2030-01-01)"}]' "$T_DIR/out"
reg 2
check "IANA's Unassigned row is cut around the merged port (below)" jq -e '[.ports[0].records[] | {status, port, port_last, source}] == [{"status": "unassigned", "port": 1, "port_last": 2, "source": null}]' "$T_DIR/out"
reg 4
check "... and above" jq -e '[.ports[0].records[] | {status, port, port_last}] == [{"status": "unassigned", "port": 4, "port_last": 6}]' "$T_DIR/out"
reg 7/tcp
check "a renamed service: the retired name is not kept beside its replacement" jq -e '[.ports[0].records[].service] == ["ghosty2"]' "$T_DIR/out"
reg 8/udp
check "a name IANA has stays IANA's, people and all" jq -e '.ports[0].records[0].service == "widget" and .ports[0].records[0].source == null and (.ports[0].records[0].assignees | length) > 0' "$T_DIR/out"
reg 9/sctp
check "npm's Reserved where IANA already says so adds nothing" jq -e '(.ports[0].records | length) == 1 and .ports[0].records[0].source == null' "$T_DIR/out"
run --registry "$T_DIR/out.tsv" --no-local 2908
expect "the registry keeps IANA's date and names npm's as a publication date" 0 "registry: IANA as of [0-9-]+, file .* \(IANA XML of [0-9-]+ \+ 2 newer assignments \(3 records\) from npm test 1\.0 \(published 2030-01-01\)\)"
run --registry "$XML" --no-local --json 8/udp
jq -S '.registry.people' "$T_DIR/out" >"$T_DIR/people.xml"
run --registry "$T_DIR/out.tsv" --no-local --json 8/udp
jq -S '.registry.people' "$T_DIR/out" >"$T_DIR/people.tsv"
check "every person carried over" diff "$T_DIR/people.xml" "$T_DIR/people.tsv"
"$IANA2TSV" "$XML" /nonexistent.json label "$T_DIR/x.tsv" 2>"$T_DIR/err"
[ $? = 1 ] && grep -q nonexistent "$T_DIR/err" && _tap 1 "a missing npm index is a clear error" || _tap 0 "a missing npm index is a clear error" "$(cat "$T_DIR/err")"
finish
