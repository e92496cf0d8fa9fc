#!/bin/bash
# --help, --version, the man page and completion agree with the binary; --registry with our own table.
. "$(dirname "$0")/lib.sh"
ROOT=${PL_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}

run --help
expect "--help exits 0 and lists commands" 0 'search'
run -V
expect "--version names the registry" 0 '^portlore [0-9]+\.[0-9]+\.[0-9]+'
expect "--version shows the registry date" 0 'registry: IANA as of [0-9-]{10}'

# Every subcommand's usage line appears in the man page.
for cmd in show search ls check pick update diff ghosts serve; do
	usage=$("$PORTLORE" "$cmd" --help | sed -n 's/^usage: portlore //p')
	if grep -qF -- "$(printf '%s' "$usage" | sed 's/^[a-z]* //')" <(sed 's/\\-/-/g; s/\\fB//g; s/\\fR//g; s/\\fI//g' "$ROOT/docs/portlore.1"); then
		_tap 1 "man page carries the usage of $cmd"
	else
		_tap 0 "man page carries the usage of $cmd" "$usage"
	fi
done
if command -v man >/dev/null 2>&1; then
	check "man page renders without warnings" bash -c "MANWIDTH=80 man --warnings -l '$ROOT/docs/portlore.1' 2>&1 >/dev/null | (! grep .)"
else
	skip_test "man page renders" "man is not installed"
fi

# Bash completion offers the subcommands.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	out=$(bash -c "source /usr/share/bash-completion/bash_completion; source '$ROOT/docs/completions/portlore.bash'; COMP_WORDS=(portlore se); COMP_CWORD=1; _portlore; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1)
	[[ "$out" == *search* ]] && _tap 1 "bash completion completes 'se' to search" || _tap 0 "bash completion completes 'se' to search" "$out"
else
	out=$(bash -c "source '$ROOT/docs/completions/portlore.bash'; COMP_WORDS=(portlore se); COMP_CWORD=1; _portlore; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1)
	[[ "$out" == *search* ]] && _tap 1 "bash completion completes 'se' to search" || _tap 0 "bash completion completes 'se' to search" "$out"
fi

if command -v zsh >/dev/null 2>&1; then
	check "zsh completion parses" zsh -n "$ROOT/docs/completions/_portlore"
	check "zsh completion names every command" bash -c "for c in show search ls check pick diff ghosts update serve; do grep -q \"'\$c:\" '$ROOT/docs/completions/_portlore' || { echo missing \$c; exit 1; }; done"
else
	skip_test "zsh completion" "zsh is not installed"
fi

# --registry with a table of our own, with a description that must come out verbatim.
printf '# portlore registry table\n#date\t1999-09-09\n#source\tintegration\nmine\t4242\ttcp\tMy <b>own</b> service\t\t\t\t\t\t\t\t\n' >"$T_DIR/r.tsv"
run --registry "$T_DIR/r.tsv" 4242
expect "--registry uses the given table" 0 'mine +My <b>own</b> service'
expect "and names it" 0 "registry: IANA as of 1999-09-09, file $T_DIR/r.tsv"
run 4242 --registry "$T_DIR/r.tsv" --json
check "--registry after the port, JSON origin is file" jq -e '.registry.origin == "file" and .registry.date == "1999-09-09"' "$T_DIR/out"

# Control characters in a registry's own text never reach the terminal.
printf '# portlore registry table\n#date\t1999-09-09\n#source\tevil \033]0;pwned\007 \302\233source\nx\t4242\ttcp\tdesc \033[31mred\t\t\t\t\t\t\t\t\n' >"$T_DIR/evil.tsv"
for args in "--registry $T_DIR/evil.tsv --version" "--registry $T_DIR/evil.tsv 4242" "--registry $T_DIR/evil.tsv search desc"; do
	# shellcheck disable=SC2086
	"$PORTLORE" $args >"$T_DIR/evil.out" 2>&1
	if LC_ALL=C grep -q $'\033\|\007\|\302\233' "$T_DIR/evil.out"; then _tap 0 "no control characters from the registry: $args" "$(cat -v "$T_DIR/evil.out")"; else _tap 1 "no control characters from the registry: $args"; fi
done

# A corrupt update cache is reported and the embedded snapshot used.
mkdir -p "$XDG_CACHE_HOME/portlore"
printf 'PLIDX\r\n\032garbage' >"$XDG_CACHE_HOME/portlore/registry.idx"
run 2908
expect "a corrupt cache falls back to the snapshot" 0 'registry: IANA as of .*, embedded' 'ignoring the registry cache'
rm -rf "$XDG_CACHE_HOME/portlore"

# make install puts the binary, man page and completion under DESTDIR.
if [ -n "${PL_BUILD_DIR:-}" ]; then
	check "meson install into DESTDIR" bash -c "DESTDIR='$T_DIR/dest' meson install -C '$PL_BUILD_DIR' --no-rebuild --quiet && test -x '$T_DIR/dest/usr/local/bin/portlore' && test -f '$T_DIR/dest/usr/local/share/man/man1/portlore.1' && test -f '$T_DIR/dest/usr/local/share/bash-completion/completions/portlore' && test -f '$T_DIR/dest/usr/local/share/zsh/vendor-completions/_portlore'"
fi

finish
