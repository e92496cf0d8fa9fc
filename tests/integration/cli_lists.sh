#!/bin/bash
# Several ports in one call, big ranges streamed, and one behaviour everywhere: global options the same
# before and after a subcommand, a JSON document even when nothing is found, --help for every
# subcommand listing its options, completions (bash, zsh, fish) that know every one of them.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CMDS="show check diff ghosts ls pick search serve update"

# ---- several ports ----
run 22 80 443 --no-local --json
check "22 80 443: three ports, in that order" jq -e '[.ports[].port] == [22, 80, 443] and .query.kind == "list" and (.query.items | length) == 3' "$T_DIR/out"
run 80,443 --no-local --json
check "80,443: two ports" jq -e '[.ports[].port] == [80, 443]' "$T_DIR/out"
run "22 80" --no-local --json
check "'22 80' in one argument: two ports" jq -e '[.ports[].port] == [22, 80]' "$T_DIR/out"
run 22,2900-2902/udp --no-local --json
check "a port and a range with its own transport" jq -e '[.ports[].port] == [22, 2900, 2901, 2902] and .query.items[1].transport == "udp"' "$T_DIR/out"
run 22 80 --no-local
expect "several single ports: one full block each" 0 '^Port 80 '
run 22 2900-2901 --no-local
expect "with a range among them: one line a port" 0 '^2901 +user '
run ssh,http --no-local --json
check "names in a list" jq -e '[.ports[].port] | index(22) != null and index(80) != null' "$T_DIR/out"
run ssh,nosuchservice-xyz --no-local --json
expect "a list with an unknown name still answers the others" 0 '' "no service named 'nosuchservice-xyz'"
check "and its JSON is one valid document" jq -e '[.ports[].port] | index(22) != null' "$T_DIR/out"

# ---- big ranges stream ----
run 0-65535 --no-local --json
check "0-65535 --json: one document, 65536 ports" jq -e '(.ports | length) == 65536 and .ports[65535].port == 65535' "$T_DIR/out"
"$PORTLORE" 0-65535 --no-local --jsonl >"$T_DIR/out"
check "0-65535 --jsonl: a head line and 65536 port lines" test "$(wc -l <"$T_DIR/out")" = 65537
check "--jsonl lines are JSON" bash -c "sed -n '1p;2p;65537p' '$T_DIR/out' | jq -e -s 'length == 3 and .[0].kind == \"port_report\" and .[1].kind == \"port\" and .[2].port == 65535'"
"$PORTLORE" 0-65535 --no-local >"$T_DIR/out"
check "0-65535 text: a header, 65536 lines, the registry line" test "$(grep -c '^[0-9]' "$T_DIR/out")" = 65536
# The first line comes before the last is computed: `head -1` ends the run early (SIGPIPE).
first=$("$PORTLORE" 0-65535 | head -1)
check "| head -1 gets the header" test "$first" = "$(head -1 "$T_DIR/out")"
if command -v prlimit >/dev/null; then
	prlimit --as=$((200 << 20)) "$PORTLORE" 0-65535 --no-local >/dev/null 2>"$T_DIR/err"
	check "0-65535 runs within 200 MB of address space (it used 1.3 GB)" test $? = 0
fi

# A record shared by consecutive ports of a stream is escaped once, not once more per port.
{
	printf '# portlore registry table\n#date\t2025-01-01\n#source\tintegration\n'
	printf 'wide\t5000-5003\ttcp\tback\\slash and \033[31mred\t\t\t\t\t\t\t\t\n'
} >"$T_DIR/shared.tsv"
"$PORTLORE" --registry "$T_DIR/shared.tsv" 5000-5003 --no-local >"$T_DIR/out" 2>"$T_DIR/err"
check "a range record shared by four ports is escaped once on each line" \
	test "$(grep -cF 'slash and \x1b[31mred' "$T_DIR/out")" = 4 -a "$(grep -cF '\\x1b' "$T_DIR/out")" = 0

# ---- global options: the same before and after the subcommand ----
for cmd in search ghosts check pick diff ls update serve; do
	args=""
	case $cmd in search) args=ssh ;; check) args=22 ;; diff) args="embedded embedded" ;; esac
	# shellcheck disable=SC2086
	"$PORTLORE" --no-local $cmd $args >"$T_DIR/o1" 2>"$T_DIR/e1"
	r1=$?
	# shellcheck disable=SC2086
	"$PORTLORE" $cmd $args --no-local >"$T_DIR/o2" 2>"$T_DIR/e2"
	r2=$?
	check "--no-local before and after '$cmd': refused alike" bash -c "[ $r1 = 2 ] && [ $r2 = 2 ] && grep -q 'does not apply to' '$T_DIR/e1' && diff -q '$T_DIR/e1' '$T_DIR/e2'"
done
for cmd in update serve; do
	"$PORTLORE" --json $cmd >/dev/null 2>"$T_DIR/e1"; r1=$?
	"$PORTLORE" $cmd --json >/dev/null 2>"$T_DIR/e2"; r2=$?
	check "--json before and after '$cmd': refused alike" bash -c "[ $r1 = 2 ] && [ $r2 = 2 ] && diff -q '$T_DIR/e1' '$T_DIR/e2'"
done
for cmd in "search ssh" "check 22" "ghosts --limit 1"; do
	# shellcheck disable=SC2086
	"$PORTLORE" --json $cmd >"$T_DIR/o1" 2>/dev/null
	# shellcheck disable=SC2086
	"$PORTLORE" $cmd --json >"$T_DIR/o2" 2>/dev/null
	check "--json before and after '$cmd': the same document" bash -c "jq -e . '$T_DIR/o1' >/dev/null && diff -q '$T_DIR/o1' '$T_DIR/o2'"
done
run --registry /nonexistent/file search ssh
r1=$RC e1=$ERR
run search ssh --registry /nonexistent/file
check "--registry before and after a subcommand: the same" test "$r1:$e1" = "$RC:$ERR"

# ---- --json on nothing found: a valid document for every subcommand that prints one ----
for args in "nosuchservice-xyz" "search zzzzqqqq" "ls --port 1 --address 203.0.113.9" "ghosts --transport dccp" \
	"diff embedded embedded" "pick --range 0-0" "check 0"; do
	# shellcheck disable=SC2086
	"$PORTLORE" $args --json >"$T_DIR/out" 2>/dev/null
	rc=$?
	check "--json when nothing is found is a JSON document: $args (exit $rc)" jq -e 'type == "object" and .schema == 1' "$T_DIR/out"
done

# ---- --help for every subcommand, listing its options; completions know them all ----
. /usr/share/bash-completion/bash_completion 2>/dev/null
. "$ROOT/docs/completions/portlore.bash"
for cmd in $CMDS; do
	"$PORTLORE" $cmd --help >"$T_DIR/help" 2>&1
	rc=$?
	check "$cmd --help exits 0 with its usage and options" bash -c "[ $rc = 0 ] && grep -q '^usage: portlore $cmd ' '$T_DIR/help' && grep -q '^options:' '$T_DIR/help'"
	opts=$(sed -n '/^options:/,$p' "$T_DIR/help" | grep -oE -- '(^|[ ,])--?[a-z0-9][a-z-]*' | tr -d ' ,' | sort -u)
	# every option --help lists is accepted (and nothing --help omits is taken: checked by unknown ones failing)
	COMP_WORDS=(portlore "$cmd" -)
	COMP_CWORD=2
	COMPREPLY=()
	_portlore
	missing=""
	for o in $opts; do [[ " ${COMPREPLY[*]} " == *" $o "* ]] || missing="$missing $o"; done
	check "bash completion of '$cmd' knows every option of its --help" test -z "$missing" -o "$missing" = "" || echo "# missing:$missing"
	# the command's case branch, continuation lines included
	zline=$(awk -v c="$cmd" '$1 == c ")" {on = 1} on {print} on && /;;/ {exit}' "$ROOT/docs/completions/_portlore")
	[ -n "$zline" ] || zline=$(awk '$1 == "*)" {on = 1} on {print} on && /;;/ {exit}' "$ROOT/docs/completions/_portlore")
	missing=""
	for o in $opts; do
		case $o in --json) pat='\$out' ;; --registry) pat='\$reg' ;; --color) pat='\$col' ;; -h | --help) pat='\$help' ;;
		-t | --tcp | -u | --udp) pat="\\\$tu|'$o'|[{,]$o[,}]" ;; *) pat="[{,'()]$o[],}[ ]|'$o\\[" ;; esac
		grep -qE -- "$pat" <<<"$zline" || missing="$missing $o"
	done
	check "zsh completion of '$cmd' knows every option of its --help" test -z "$missing" || echo "# missing:$missing"
	if command -v fish >/dev/null; then
		got=$(fish --no-config -c "source '$ROOT/docs/completions/portlore.fish'; complete -C'portlore $cmd -'; complete -C'portlore $cmd --'" 2>&1 | cut -f1 | sort -u)
		missing=""
		for o in $opts; do grep -qx -- "$o" <<<"$got" || missing="$missing $o"; done
		check "fish completion of '$cmd' knows every option of its --help" test -z "$missing" || echo "# missing:$missing"
	else
		skip_test "fish completion of '$cmd'" "fish is not installed"
	fi
done

# ---- layering: util and sockets never reach up into the registry ----
bad=$(grep -lE '#include "(portlore/registry\.h|registry/)' "$ROOT"/src/util/* "$ROOT"/src/sockets/* 2>/dev/null)
check "no util or sockets file includes the registry" test -z "$bad" || echo "# $bad"

finish
