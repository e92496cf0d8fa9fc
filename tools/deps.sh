#!/bin/sh
# Installs the Debian packages named on the command line that are missing, with apt-get, when it can
# (root, or sudo without a password); otherwise prints the exact command to run and fails.
set -eu
missing=""
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "portlore: missing build dependencies:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "portlore: cannot install them without root; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt may hold the lock (a parallel build, unattended-upgrades): wait for it rather than fail.
LOCK="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
$SUDO apt-get $LOCK update -qq || { sleep 5; $SUDO apt-get $LOCK update -qq; }
# shellcheck disable=SC2086
$SUDO apt-get $LOCK install -y -qq --no-install-recommends $missing
