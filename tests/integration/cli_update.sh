#!/bin/bash
# portlore update: from a file and from a real HTTP server on 127.0.0.1, validation, hostile input, and
# the cache surviving a SIGKILL mid-update. Every refusal must leave the registry in use untouched.
. "$(dirname "$0")/lib.sh"
FIX=${PL_FIXTURES:-}/iana
XML24=$FIX/service-names-port-numbers-2024-12-20.xml
XML25=$FIX/service-names-port-numbers-2025-12-15.xml
CSV=$FIX/service-names-port-numbers-2024-05-22.csv
CACHE=$XDG_CACHE_HOME/portlore/registry.idx

table() { # table FILE DATE NRECORDS: a portlore table with N records
	{
		printf '# portlore registry table\n#date\t%s\n#source\ttest\n' "$2"
		for ((i = 1; i <= $3; i++)); do printf 'svc%d\t%d\ttcp\tService number %d\t\t\t\t\t\t\t\t\n' "$i" "$((1000 + i))" "$i"; done
	} >"$1"
}
sum() { if [ -f "$CACHE" ]; then sha256sum "$CACHE" | cut -d' ' -f1; else echo none; fi; }

# From a file: our own table first (no fixtures needed).
table "$T_DIR/a.tsv" 2030-01-01 20000
run update --from "$T_DIR/a.tsv"
expect "update --from a table file" 0 'registry updated: IANA as of 2030-01-01, 20000 records'
run 1005
expect "lookups then use the cache" 0 "registry: IANA as of 2030-01-01, cache $CACHE"
[ "$(stat -c %a "$(dirname "$CACHE")")" = 700 ] && _tap 1 "cache folder is private" || _tap 0 "cache folder is private"

before=$(sum)
table "$T_DIR/small.tsv" 2031-01-01 50
run update --from "$T_DIR/small.tsv"
expect "implausibly few records are refused" 3 '' 'implausibly few'
[ "$(sum)" = "$before" ] && _tap 1 "refused update leaves the cache untouched" || _tap 0 "refused update leaves the cache untouched"
table "$T_DIR/old.tsv" 2029-01-01 20000
run update --from "$T_DIR/old.tsv"
expect "an older registry is refused" 3 '' 'older than the cache in use'
[ "$(sum)" = "$before" ] && _tap 1 "older registry leaves the cache untouched" || _tap 0 "older registry leaves the cache untouched"
run update --from "$T_DIR/old.tsv" --force
expect "--force takes it" 0 'IANA as of 2029-01-01'

run update --from /nonexistent/file.xml
expect "a missing file is a runtime error" 3 '' 'cannot open'
run update --bogus
expect "unknown option" 2 '' "unknown option '--bogus'"
run update extra
expect "stray argument" 2 '' "unexpected argument 'extra'"

# Hostile inputs: clear error, exit 3, the cache in use untouched.
before=$(sum)
hostile() { # hostile DESC FILE STDERR_PATTERN
	run update --force --from "$2"
	expect "$1: refused with exit 3" 3 '' "$3"
	[ "$(sum)" = "$before" ] && _tap 1 "$1: cache untouched" || _tap 0 "$1: cache untouched"
}
: >"$T_DIR/empty"
hostile "empty file" "$T_DIR/empty" 'empty'
printf 'just some text\n' >"$T_DIR/text"
hostile "not a registry" "$T_DIR/text" 'not a registry'
cat >"$T_DIR/lol.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE registry [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">
 <updated>2099-01-01</updated>
 <record><name>lol</name><protocol>tcp</protocol><description>&f;</description><number>1</number></record>
</registry>
XML
start=$EPOCHREALTIME
hostile "billion laughs" "$T_DIR/lol.xml" 'entit|DOCTYPE|DTD'
end=$EPOCHREALTIME
[ $(( ${end/./} - ${start/./} )) -lt 2000000 ] && _tap 1 "billion laughs is refused fast" || _tap 0 "billion laughs is refused fast"
{ printf 'Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\nbig,1,tcp,"'; head -c 10000000 /dev/zero | tr '\0' x; printf '",,,,,,,,\n'; } >"$T_DIR/big.csv"
hostile "CSV with a 10 MB field" "$T_DIR/big.csv" 'longer|limit|exceeds'
printf 'Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\nbad,1,tcp,a "quoted" word,,,,,,,,\n' >"$T_DIR/quote.csv"
hostile "CSV with a bare quote" "$T_DIR/quote.csv" 'quote'
if [ -f "$XML25" ]; then
	head -c 200000 "$XML25" >"$T_DIR/trunc.xml"
	hostile "truncated XML" "$T_DIR/trunc.xml" 'line [0-9]+|truncated|premature|end'
else
	skip_test "truncated XML" "fixture $XML25 absent"
fi

# From IANA's XML (fixture): the full record, then from a real HTTP server on loopback.
if [ -f "$XML25" ] && [ -f "$XML24" ]; then
	rm -rf "$XDG_CACHE_HOME/portlore"
	run update --from "$XML25" --force
	expect "update from IANA's XML" 0 'IANA as of 2025-12-15, 14496 records'
	run 2908
	expect "2908 then names Marc Baudoin and his e-mail" 0 'Marc Baudoin <babafou@babafou.eu.org>'

	mkdir -p "$T_DIR/www"
	cp "$XML24" "$T_DIR/www/old.xml"
	cp "$XML25" "$T_DIR/www/new.xml"
	head -c 40000000 /dev/zero >"$T_DIR/www/huge.xml"
	python3 -m http.server --bind 127.0.0.1 0 --directory "$T_DIR/www" >"$T_DIR/http.log" 2>&1 &
	srv=$!
	port=""
	for _ in $(seq 50); do
		port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T_DIR/http.log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -n "$port" ]; then
		rm -rf "$XDG_CACHE_HOME/portlore"
		run update --from "http://127.0.0.1:$port/new.xml" --force
		expect "update over HTTP from 127.0.0.1" 0 'IANA as of 2025-12-15'
		before=$(sum)
		run update --from "http://127.0.0.1:$port/old.xml"
		expect "an older download is refused" 3 '' 'older than the cache in use'
		run update --from "http://127.0.0.1:$port/missing.xml"
		expect "HTTP 404 is a clear error" 3 '' '404'
		run update --from "http://127.0.0.1:$port/huge.xml"
		expect "the size cap holds" 3 '' 'cap'
		[ "$(sum)" = "$before" ] && _tap 1 "failed downloads leave the cache untouched" || _tap 0 "failed downloads leave the cache untouched"
		run update --from "ftp://127.0.0.1:$port/new.xml"
		expect "only http and https are fetched" 3 '' 'not a registry|cannot open'
	else
		skip_test "update over HTTP" "the test server did not start"
	fi
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null

	# SIGKILL at many points of an update (reading, parsing, writing): the cache must stay whole.
	rm -rf "$XDG_CACHE_HOME/portlore"
	"$PORTLORE" update --from "$XML24" --force >/dev/null 2>&1
	bad=0
	for delay in 0 0.005 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08 0.09 0.1 0.12 0.15 0.2 0.3; do
		"$PORTLORE" update --from "$XML25" --force >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		if ! "$PORTLORE" 2908 >"$T_DIR/k.out" 2>"$T_DIR/k.err" || [ -s "$T_DIR/k.err" ] ||
			! grep -qE 'IANA as of 2024-12-20|IANA as of 2025-12-15' "$T_DIR/k.out" || ! grep -q ', cache ' "$T_DIR/k.out"; then
			bad=1
			echo "# after a kill at ${delay}s: $(cat "$T_DIR/k.err") $(tail -1 "$T_DIR/k.out")"
		fi
	done
	[ "$bad" = 0 ] && _tap 1 "SIGKILL during update never damages the cache" || _tap 0 "SIGKILL during update never damages the cache"
	ls "$XDG_CACHE_HOME/portlore" >"$T_DIR/ls"
	"$PORTLORE" update --from "$XML25" --force >/dev/null 2>&1
	[ "$(ls "$XDG_CACHE_HOME/portlore" | grep -c tmp)" = 0 ] && _tap 1 "temporary files of killed updates are cleaned up" || _tap 0 "temporary files of killed updates are cleaned up" "$(ls "$XDG_CACHE_HOME/portlore")"
else
	skip_test "update from IANA's XML" "fixtures in $FIX absent"
fi

# Like compared with like, and every refusal explained (issue 9).
rm -rf "$XDG_CACHE_HOME/portlore"
if [ -f "$XML25" ] && [ -f "$XML24" ] && [ -f "$CSV" ]; then
	run update --from "$XML24"
	expect "an older IANA XML than the snapshot is refused" 3 '' 'IANA.s registry as of 2024-12-20, older than the embedded snapshot in use \(IANA as of 2025-12-15\)'
	expect "the refusal says what it would add" 3 '' 'it would add: [0-9]+ records, [0-9]+ people, references on'
	expect "and the newer assignments it would lose" 3 '' 'it would lose: .*newer assignments merged on top of IANA.s file \(.*ollama 11434/tcp'
	run update --from "$XML25"
	expect "the very release the snapshot is built on is refused: it only drops the merged assignments" 3 '' 'the release the embedded snapshot in use is built on'
	run update --from "$XML24" --force
	expect "--force takes the older one" 0 'IANA as of 2024-12-20'
	before=$(sum)
	run update --from "$CSV"
	expect "an undated CSV never silently replaces a dated cache" 3 '' 'is undated .*IANA.s of 2024-12-20: not used'
	expect "and says what it would lose" 3 '' 'it would lose: [0-9]+ records, [0-9]+ people'
	[ "$(sum)" = "$before" ] && _tap 1 "the dated cache is untouched" || _tap 0 "the dated cache is untouched"
	run update --from "$CSV" --force
	expect "--force takes the CSV" 0 'IANA as of an unknown date'
	rm -rf "$XDG_CACHE_HOME/portlore"
else
	for t in "older XML refused" "same release refused" "undated CSV refused"; do skip_test "$t" "fixtures in $FIX absent"; done
fi
run update --from http://127.0.0.1:9/service-names-port-numbers.xml
expect "an unreachable network suggests --from FILE" 3 '' "portlore update --from FILE"

# A cache in round 1's index format (version 1) is set aside as an old format, not called corrupt.
mkdir -p "$XDG_CACHE_HOME/portlore"
{ printf 'PLIDX\r\n\x1a\x01\x00\x00\x00'; head -c 200 /dev/zero; } >"$CACHE"
run 22 --no-local
expect "an old-format cache: snapshot used, the cache set aside as such" 0 'embedded' 'index format version 1.*registry\.idx\.old-format'
[ -f "$CACHE.old-format" ] && [ ! -f "$CACHE" ] && _tap 1 "the old cache is kept as registry.idx.old-format" || _tap 0 "the old cache is kept as registry.idx.old-format"
rm -f "$CACHE.old-format"

# A corrupt cache is reported once and the snapshot used.
mkdir -p "$XDG_CACHE_HOME/portlore"
head -c 5000 /dev/urandom | sed '1s/^/PLIDX\r\n\x1a/' >"$CACHE"
run 22
expect "corrupt cache: snapshot used, with a warning" 0 'embedded' 'ignoring the registry cache'
run 22
[ -z "$ERR" ] && _tap 1 "the corrupt cache is reported once" || _tap 0 "the corrupt cache is reported once" "$ERR"

finish
