#!/bin/bash
# Bad input: one clear line on stderr naming what was wrong, exit 2 (usage) or 1 (nothing found),
# nothing on stdout, never a crash.
. "$(dirname "$0")/lib.sh"

bad() { # bad DESC RC STDERR_PATTERN ARGS...
	local desc=$1 rc=$2 pat=$3
	shift 3
	run "$@"
	expect "$desc" "$rc" "" "$pat"
	[ -z "$OUT" ] && _tap 1 "$desc: nothing on stdout" || _tap 0 "$desc: nothing on stdout" "$OUT"
}

bad "70000 is out of range" 2 "port '70000' is out of range" 70000
bad "-1 is not a port" 2 "'-1' is not a port" -1
bad "29o8 is a typo'd port" 2 "'29o8' is not a port" 29o8
bad "empty spec" 2 "empty port spec" ''
bad "unknown transport" 2 "unknown transport 'xyz'" 2908/xyz
bad "reversed range" 2 "range '10-5' is reversed" 10-5
bad "unknown service name" 1 "no service named 'nosuchservicex'" nosuchservicex
bad "unknown option" 2 "unknown option '--frobnicate'" --frobnicate 2908
bad "unknown option after the port" 2 "unknown option '--frobnicate'" 2908 --frobnicate
bad "no port at all" 2 "no port given"
bad "a list with an empty item" 2 "has an empty item" 80,,443
bad "a list ending with a comma" 2 "ends with a separator" 80,
bad "a list with one bad item names it" 2 "port '70000' is out of range" "22 70000"
bad "markup is refused" 2 "neither a port" "<b>"
bad "--color with a bad value" 2 "--color takes auto, always or never" --color sometimes 22
bad "search without a term" 2 "no search term" search
bad "search --limit 0" 2 "--limit takes a number" search --limit 0 ssh
bad "search --limit junk" 2 "--limit takes a number" search --limit 5x ssh
bad "a registry file that does not exist" 3 "cannot open registry" --registry /nonexistent/reg.xml 22
printf 'hello\n' >"$T_DIR/junk"
bad "a registry file that is not a registry" 3 "not a registry" --registry "$T_DIR/junk" 22
: >"$T_DIR/empty"
bad "an empty registry file" 3 "empty" --registry "$T_DIR/empty" 22
bad "--registry does not mix with diff" 2 "diff compares the two registries" --registry "$T_DIR/empty" diff embedded embedded

bad "after --, -1 is still a bad port" 2 "'-1' is not a port" -- -1
bad "after --, options are operands" 2 "'--json' is not a port" -- 22 --json
"$PORTLORE" check 22 >/dev/full 2>"$T_DIR/err"
rc=$?
[ "$rc" = 3 ] && grep -q "cannot write the output" "$T_DIR/err" && _tap 1 "a failed write is a runtime error (check)" || _tap 0 "a failed write is a runtime error (check)" "exit $rc"
"$PORTLORE" 22 >/dev/full 2>/dev/null
[ $? = 3 ] && _tap 1 "a failed write is a runtime error (show)" || _tap 0 "a failed write is a runtime error (show)"

# Every error is one line (plus the usage hint where it helps), never a crash signal.
for args in 70000 -1 29o8 '' 2908/xyz 10-5; do
	"$PORTLORE" "$args" >/dev/null 2>&1
	rc=$?
	[ "$rc" -lt 128 ] && _tap 1 "no crash on '$args'" || _tap 0 "no crash on '$args'" "exit $rc"
done

finish
