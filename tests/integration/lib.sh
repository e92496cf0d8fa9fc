# TAP helpers for the integration scripts: each check runs the real binary and prints one TAP line.
# Usage in a script: . "$(dirname "$0")/lib.sh"; ... checks ...; finish
set -u
PORTLORE=${1:?usage: $0 PATH/TO/portlore}
# Nothing on the host may change an answer (a server on 2908, another test's listener): as root, every
# script runs again inside a network namespace of its own, with only lo, up. PL_TEST_NETNS says where we
# are: "own" inside it, "host" when it could not be made (not root, no unshare): socket tests then skip.
if [ -z "${PL_TEST_NETNS:-}" ]; then
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		export PL_TEST_NETNS=own
		exec unshare -n -- bash -c 'ip link set lo up || exit 3; exec "$0" "$@"' "$0" "$@"
	fi
	export PL_TEST_NETNS=host
fi
# in_own_netns: true inside the test's own namespace
in_own_netns() { [ "$PL_TEST_NETNS" = own ]; }
# need_own_netns WHAT: a test of live sockets runs only in its own namespace; elsewhere it skips visibly.
need_own_netns() {
	in_own_netns && return 0
	skip_test "$1" "it needs a network namespace of its own (run as root, with unshare)"
	finish
	exit 0
}
# Processes a script starts go in PIDS (PIDS+=($!)); kill_started kills them, children first (a forked
# listener keeps the test's stdout open otherwise), and removes T_DIR: trap 'kill_started' EXIT.
PIDS=()
kill_started() {
	for p in "${PIDS[@]}"; do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T_DIR"
}
T_N=0
T_FAIL=0
T_DIR=$(mktemp -d /tmp/portlore-it-XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
# Isolate from the user's cache: every test starts with no update cache unless it makes one.
export XDG_CACHE_HOME="$T_DIR/cache"
export HOME="$T_DIR/home"
unset NO_COLOR

# run ARGS...: runs portlore, leaving $OUT, $ERR and $RC
run() {
	"$PORTLORE" "$@" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
}

_tap() { # _tap OK DESC [DIAG]
	T_N=$((T_N + 1))
	if [ "$1" = 1 ]; then
		echo "ok $T_N - $2"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "not ok $T_N - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

# expect DESC RC [PATTERN_IN_STDOUT] [PATTERN_IN_STDERR] (grep -E patterns)
expect() {
	local desc=$1 rc=$2 out=${3:-} err=${4:-} ok=1 why=""
	[ "$RC" = "$rc" ] || { ok=0; why="exit $RC, wanted $rc"; }
	if [ -n "$out" ] && ! grep -qE -- "$out" "$T_DIR/out"; then ok=0; why="$why; stdout lacks /$out/"; fi
	if [ -n "$err" ] && ! grep -qE -- "$err" "$T_DIR/err"; then ok=0; why="$why; stderr lacks /$err/"; fi
	_tap "$ok" "$desc" "$why
stdout: $(head -c 1500 "$T_DIR/out")
stderr: $(head -c 600 "$T_DIR/err")"
}

# check DESC COMMAND...: passes when the command succeeds
check() {
	local desc=$1
	shift
	if "$@" >"$T_DIR/check.out" 2>&1; then _tap 1 "$desc"; else _tap 0 "$desc" "$(head -c 1500 "$T_DIR/check.out")"; fi
}

skip_test() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

finish() {
	echo "1..$T_N"
	[ "$T_FAIL" = 0 ]
}
