#!/bin/bash
# portlore diff and portlore ghosts: two small tables of our own, the embedded snapshot, the update cache,
# bad arguments, JSON; then IANA's own releases from ../shared when they are there and the XML import works.
. "$(dirname "$0")/lib.sh"
ROOT=${PL_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FX=${PL_FIXTURES:-$ROOT/../shared/fixtures}/iana

head='# portlore registry table\n#date\t%s\n#source\tintegration\n'
{
	printf "$head" 2024-12-20
	printf 'keep\t100\ttcp\tKept as is\t\t\t\t\t\t\t\t\n'
	printf 'tacacss\t300\ttcp\tTLS Secure Login\tIESG\tIETF_Chair\t\t\tdraft:draft-ietf-opsawg-tacacs-tls13\t\t\t\n'
	printf 'gone\t400\tudp\tRemoved later\t\t\t\t\t\t\t\t\n'
	printf '\t301-307\t\tUnassigned\t\t\t\t\t\t\t\t\n'
} >"$T_DIR/old.tsv"
{
	printf "$head" 2025-12-15
	printf 'keep\t100\ttcp\tKept as is\t\t\t\t\t\t\t\t\n'
	printf 'tacacss\t300\ttcp\tTLS Secure Login\tIESG\tIETF_Chair\t\t2025-07-15\trfc:rfc9887\t\t\t\n'
	printf 'qftest-lic-mcp\t5543\ttcp\tQF-Test License Server MCP\t\t\t\t\t\t\t\t\n'
	printf '\t301-307\t\tUnassigned\t\t\t\t\t\t\t\t\n'
	printf 'mao\t2908\ttcp\tmao\tMarc_Baudoin\t\t\t\t\t\t\t\n'
} >"$T_DIR/new.tsv"

run diff "$T_DIR/old.tsv" "$T_DIR/new.tsv"
expect "diff lists an added record" 0 '^\+ 5543/tcp +qftest-lic-mcp +QF-Test License Server MCP$'
expect "diff lists a removed record" 0 '^- 400/udp +gone +Removed later$'
expect "diff lists a changed reference, old -> new" 0 '^~ 300/tcp +tacacss: references draft:draft-ietf-opsawg-tacacs-tls13 -> rfc:rfc9887$'
expect "diff lists a changed date" 0 '^~ 300/tcp +tacacss: modified - -> 2025-07-15$'
expect "diff ends with the counts and both registries" 0 '^2 added, 1 removed, 1 changed$'
expect "diff names the old registry" 0 "^old: IANA as of 2024-12-20, file $T_DIR/old.tsv"
if grep -q '301-307' "$T_DIR/out"; then _tap 0 "an unchanged range row is not listed" "$OUT"; else _tap 1 "an unchanged range row is not listed"; fi

run diff --json "$T_DIR/old.tsv" "$T_DIR/new.tsv"
check "diff --json is valid JSON with counts" jq -e '.kind == "diff" and .schema == 1 and .counts == {"added": 2, "removed": 1, "changed": 1}' "$T_DIR/out"
check "diff --json gives both registries" jq -e '.old.date == "2024-12-20" and .new.date == "2025-12-15" and .new.origin == "file"' "$T_DIR/out"
check "diff --json lists a change as field, old, new" jq -e '.changed[0].record.service == "tacacss" and (.changed[0].changes | map(select(.field == "references"))[0] | .old == ["draft:draft-ietf-opsawg-tacacs-tls13"] and .new == ["rfc:rfc9887"])' "$T_DIR/out"
check "diff --json records are whole records" jq -e '[.added[].service] == ["mao", "qftest-lic-mcp"] and .removed[0].port == 400 and .removed[0].transport == "udp"' "$T_DIR/out"

run diff "$T_DIR/new.tsv" "$T_DIR/old.tsv" --json
check "diff backwards swaps added and removed" jq -e '.counts == {"added": 1, "removed": 2, "changed": 1}' "$T_DIR/out"

run diff embedded embedded
expect "diff embedded embedded: identical, exit 1" 1 '^no differences$'
run diff --json "$T_DIR/old.tsv" "$T_DIR/old.tsv"
expect "diff of a file with itself exits 1" 1
check "and its JSON has empty lists" jq -e '.counts == {"added": 0, "removed": 0, "changed": 0} and .added == [] and .changed == []' "$T_DIR/out"
run diff embedded "$T_DIR/new.tsv"
expect "diff embedded against a file" 0 '^old: IANA as of .*, embedded'

run diff
expect "diff without registries is a usage error" 2 '' 'two registries'
run diff "$T_DIR/old.tsv"
expect "diff with one registry is a usage error" 2 '' 'usage: portlore diff'
run diff "$T_DIR/old.tsv" "$T_DIR/new.tsv" embedded
expect "diff with three registries is a usage error" 2
run diff --frobnicate embedded embedded
expect "diff with an unknown option is a usage error" 2 '' "unknown option '--frobnicate'"
run diff "$T_DIR/missing.tsv" embedded
expect "diff of a missing file exits 3" 3 '' 'missing.tsv'
printf 'not a registry\n' >"$T_DIR/junk.txt"
run diff embedded "$T_DIR/junk.txt"
expect "diff of a file that is no registry exits 3" 3 '' 'not a registry'
run diff cache embedded
expect "diff cache without a cache says how to get one" 3 '' "no update cache yet: run 'portlore update'"
mkdir -p "$XDG_CACHE_HOME/portlore"
printf 'PLIDX\r\n\032garbage' >"$XDG_CACHE_HOME/portlore/registry.idx"
run diff cache embedded
expect "diff cache with a damaged cache exits 3" 3 '' 'registry.idx'
rm -rf "$XDG_CACHE_HOME/portlore"

run ghosts --registry "$T_DIR/new.tsv"
expect "ghosts lists mao" 0 '^2908 +tcp +mao +Marc_Baudoin$'
expect "ghosts counts ghosts among services" 0 '^1 ghost among 4 assigned services$'
expect "ghosts says what it counts" 0 '^\(a service: a service name at a port or range, whatever its transports'
run ghosts --registry "$T_DIR/new.tsv" --json
check "ghosts --json" jq -e '.kind == "ghosts" and .verdict == "ghost" and (.counts | del(.thin_in_use)) == {"ghosts": 1, "services": 4, "listed": 1} and (.counts.thin_in_use | type) == "number" and .ghosts[0].service == "mao" and .ghosts[0].contacts[0].id == "Marc_Baudoin"' "$T_DIR/out"
run ghosts --registry "$T_DIR/new.tsv" --transport udp
expect "ghosts --transport udp: none here, exit 1" 1 '^0 ghosts among 0 assigned services registered for udp$'
run ghosts
expect "ghosts on the snapshot are only likely" 0 'likely ghosts among [0-9]+ assigned services'
expect "and the snapshot says why" 0 'carries no references'
run ghosts --json --limit 2 --transport TCP
check "ghosts --limit lists that many and counts all" jq -e '.verdict == "likely_ghost" and .counts.listed == 2 and (.ghosts | length) == 2 and .counts.ghosts > 2 and .query == {"transport": "tcp", "limit": 2}' "$T_DIR/out"
run ghosts --transport ipx
expect "ghosts --transport checks its value" 2 '' 'tcp, udp, sctp or dccp'
run ghosts --limit 0
expect "ghosts --limit 0 is a usage error" 2
run ghosts 2908
expect "ghosts takes no operand" 2

# The usage lines are the man page's; completion knows the commands and diff's words.
for cmd in diff ghosts; do
	usage=$("$PORTLORE" "$cmd" --help | sed -n 's/^usage: portlore //p')
	if [ -n "$usage" ] && grep -qF -- "$usage" <(sed 's/\\-/-/g; s/\\fB//g; s/\\fR//g; s/\\fI//g' "$ROOT/docs/portlore.1"); then
		_tap 1 "man page carries the usage of $cmd"
	else
		_tap 0 "man page carries the usage of $cmd" "$usage"
	fi
done
complete_words() {
	bash -c "[ -f /usr/share/bash-completion/bash_completion ] && source /usr/share/bash-completion/bash_completion; source '$ROOT/docs/completions/portlore.bash'; COMP_WORDS=($1); COMP_CWORD=$2; _portlore; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1
}
out=$(complete_words "portlore gh" 1)
[[ "$out" == *ghosts* ]] && _tap 1 "completion: 'gh' -> ghosts" || _tap 0 "completion: 'gh' -> ghosts" "$out"
out=$(complete_words "portlore diff e" 2)
[[ "$out" == *embedded* ]] && _tap 1 "completion: diff offers embedded" || _tap 0 "completion: diff offers embedded" "$out"
out=$(complete_words "portlore ghosts --transport ''" 3)
[[ "$out" == *sctp* && "$out" == *dccp* ]] && _tap 1 "completion: --transport offers the transports" || _tap 0 "completion: --transport offers the transports" "$out"

# IANA's releases of 2024-12-20 and 2025-12-15, when ../shared is beside the repo and XML import works.
OLD_XML=$FX/service-names-port-numbers-2024-12-20.xml
NEW_XML=$FX/service-names-port-numbers-2025-12-15.xml
why=""
if [ ! -r "$OLD_XML" ] || [ ! -r "$NEW_XML" ]; then
	why="fixtures absent ($FX)"
else
	run --registry "$NEW_XML" --no-local 2908
	[ "$RC" = 0 ] || why="XML import not available: $(head -c 200 "$T_DIR/err")"
fi
if [ -n "$why" ]; then
	for t in "IANA diff lists added records" "IANA diff mentions rfc9887" "IANA diff mentions rfc9900" \
		"IANA diff text: tacacss added with RFC 9887" "IANA diff text: a draft that became an RFC" \
		"IANA diff: drafts that became RFCs among changed references" "IANA ghosts: mao 2908, Marc Baudoin"; do
		skip_test "$t" "$why"
	done
else
	run diff --json "$OLD_XML" "$NEW_XML"
	cp "$T_DIR/out" "$T_DIR/iana.json"
	check "IANA diff lists added records" jq -e '.counts.added > 0 and .counts.changed > 0 and ([.added[].service] | index("tacacss"))' "$T_DIR/iana.json"
	check "IANA diff mentions rfc9887" grep -q 'rfc9887' "$T_DIR/iana.json"
	check "IANA diff mentions rfc9900" grep -q 'rfc9900' "$T_DIR/iana.json"
	run diff "$OLD_XML" "$NEW_XML"
	expect "IANA diff text: tacacss added with RFC 9887" 0 '^\+ 300/tcp +tacacss .*\[rfc:rfc9887\]$'
	expect "IANA diff text: a draft that became an RFC" 0 '^~ 914/udp +rift-lies: references draft:RFC-ietf-rift-rift-24 -> rfc:rfc9692$'
	check "IANA diff: drafts that became RFCs among changed references" jq -e '[.changed[].changes[] | select(.field == "references") | select((.old | map(startswith("draft:")) | any) and (.new | map(startswith("rfc:")) | any))] | length > 0' "$T_DIR/iana.json"
	run ghosts --registry "$NEW_XML"
	expect "IANA ghosts: mao 2908, Marc Baudoin" 0 '^2908 +tcp,udp +mao +Marc Baudoin'
fi

finish
