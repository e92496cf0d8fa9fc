# Shared by the namespace tests (netns_*.sh): root check, a network namespace of the test's own with lo up,
# bounded waits, and the clean-up list run by the EXIT trap (after lib.sh's temp dir removal).
# shellcheck shell=bash
NS_CLEANUP=()
netns_cleanup() {
	local i
	for ((i = ${#NS_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${NS_CLEANUP[$i]}" >/dev/null 2>&1; done
	rm -rf "$T_DIR"
}
trap netns_cleanup EXIT

# need_root WHAT: prints the plan and a visible skip, then exits, when not root
need_root() {
	if [ "$(id -u)" != 0 ]; then
		skip_test "$1" "needs root (network namespaces, nftables${2:+, $2})"
		finish
		exit 0
	fi
}

# need_cmd CMD PACKAGE: skip visibly when a tool is missing (make check installs it)
need_cmd() {
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
		skip_test "$1 present" "$1 not installed (Debian package $2; make check installs it)"
		finish
		exit 0
	fi
}

# need_busybox: Debian's busybox-static, whose httpd is the listener (and whose files make the images)
need_busybox() {
	if ! { [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd; }; then
		skip_test "busybox-static present" "/bin/busybox with httpd missing (Debian busybox-static)"
		finish
		exit 0
	fi
}

# new_netns NAME: a namespace of the test's own, lo up, deleted at exit
new_netns() {
	ip netns add "$1" || return 1
	NS_CLEANUP+=("ip netns del $1")
	ip -n "$1" link set lo up
}

# in_ns NS CMD...: runs a command with only its network namespace switched (ip netns exec would also
# remount /sys, hiding the cgroup mounts a container runtime needs)
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# wait_for N CMD...: retries CMD every 0.2 s, at most N times
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# runs portlore inside namespace NS: leaves $OUT, $ERR, $RC like lib.sh's run
run_in() {
	local ns=$1
	shift
	in_ns "$ns" "$PORTLORE" "$@" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
}

# jq_ok DESC FILTER: passes when jq -e FILTER holds on the last run's stdout
jq_ok() {
	if jq -e "$2" "$T_DIR/out" >/dev/null 2>&1; then _tap 1 "$1"; else _tap 0 "$1" "jq -e '$2' failed on: $(head -c 1500 "$T_DIR/out")"; fi
}

# A root filesystem holding only Debian's busybox-static, as a tarball an image can be imported from.
busybox_rootfs_tar() {
	local root="$T_DIR/rootfs"
	mkdir -p "$root/bin" "$root/www" || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	echo "portlore test page" >"$root/www/index.html"
	tar -C "$root" -c . >"$T_DIR/rootfs.tar"
}

# says DESC RC PATTERN: the last run exited RC and its stdout, lines joined and spaces squeezed (the text
# output folds sentences at 80 columns), matches PATTERN (grep -E)
says() {
	local flat ok=1 why=""
	flat=$(tr '\n' ' ' <"$T_DIR/out" | tr -s ' ')
	[ "$RC" = "$2" ] || { ok=0; why="exit $RC, wanted $2"; }
	grep -qE -- "$3" <<<"$flat" || { ok=0; why="$why; stdout lacks /$3/"; }
	_tap "$ok" "$1" "$why
stdout: $(head -c 2000 "$T_DIR/out")
stderr: $(head -c 600 "$T_DIR/err")"
}
