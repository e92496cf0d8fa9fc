#!/bin/bash
# A real Docker daemon (Debian's docker.io) started by the test inside a network namespace of its own (so
# that its bridge, iptables rules and ip_forward stay there), an image imported from busybox-static (no
# registry is reachable), a container publishing 127.0.0.1:PORT, with the userland proxy on and then off.
# Each time: `portlore PORT` names the container and the listener behind the published port, `ls` shows the
# container's listener, `check PORT` exits 1. Run from inside the namespace, as its "host".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_root "docker: published port named" "a Docker daemon"
need_cmd /usr/sbin/dockerd docker.io
need_cmd /usr/bin/docker docker.io
need_cmd jq jq
need_busybox
if [ -S /var/run/docker.sock ] || [ -e /var/run/docker.pid ]; then
	skip_test "docker: published port named" "another Docker daemon runs here (/var/run/docker.sock): not touching it"
	finish
	exit 0
fi

NS=pl13dk$$
NAME=pl13web$$
IMAGE=pl13-busybox$$
PORT=18$((RANDOM % 900 + 100))
SOCK="$T_DIR/docker.sock"
D() { /usr/bin/docker -H "unix://$SOCK" "$@"; }
new_netns "$NS" || { _tap 0 "network namespace created"; finish; exit 1; }
busybox_rootfs_tar

# start_dockerd PROXY(true|false): dockerd in $NS, its own socket and pid file; stopped by pid at exit
start_dockerd() {
	# nsenter execs dockerd: $! is the daemon itself
	nsenter --net="/run/netns/$NS" /usr/sbin/dockerd -H "unix://$SOCK" --pidfile "$T_DIR/docker.pid" --userland-proxy="$1" \
		--bip 10.213.50.1/24 >"$T_DIR/dockerd.log" 2>&1 &
	DOCKERD=$!
	NS_CLEANUP+=("stop_dockerd")
	wait_for 100 D info
}

# The container first (SIGKILL: busybox as pid 1 ignores SIGTERM), then the daemon; a daemon that has not
# gone after 10 s is killed with its containerd (its child, found by parent pid).
stop_dockerd() {
	D rm -f "$NAME" >/dev/null 2>&1
	local kids
	kids=$(pgrep -P "$DOCKERD")
	kill "$DOCKERD" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DOCKERD" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DOCKERD" 2>/dev/null; then
		# shellcheck disable=SC2086
		kill -9 "$DOCKERD" $kids 2>/dev/null
		sleep 0.5
	fi
}

for proxy in true false; do
	if ! start_dockerd "$proxy"; then
		_tap 0 "dockerd (userland-proxy=$proxy) starts" "$(tail -20 "$T_DIR/dockerd.log")"
		continue
	fi
	if [ "$proxy" = true ]; then
		D import - "$IMAGE" <"$T_DIR/rootfs.tar" >/dev/null
		NS_CLEANUP+=("/usr/bin/docker -H unix://$SOCK rmi -f $IMAGE")
	fi
	NS_CLEANUP+=("/usr/bin/docker -H unix://$SOCK rm -f $NAME")
	if ! D run -d --name "$NAME" -p "127.0.0.1:$PORT:80" "$IMAGE" /bin/busybox httpd -f -p 80 -h /www \
		>"$T_DIR/run.out" 2>&1; then
		_tap 0 "docker run publishes 127.0.0.1:$PORT (userland-proxy=$proxy)" "$(cat "$T_DIR/run.out")"
		stop_dockerd
		continue
	fi
	ID=$(D inspect -f '{{.Id}}' "$NAME")
	ADDR=$(D inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
	# The page answers through the published port (the namespace's own 127.0.0.1)
	check "the container answers on 127.0.0.1:$PORT (userland-proxy=$proxy)" \
		wait_for 50 in_ns "$NS" /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$PORT/"

	run_in "$NS" "$PORT"
	says "portlore $PORT names the container and its listener (userland-proxy=$proxy)" 0 \
		"Published by container $NAME \\(docker, ${ID:0:12}\\): 127\\.0\\.0\\.1:$PORT/tcp -> $ADDR:80, where busybox \\(pid [0-9]+; pid 1 in the container\\) listens"
	run_in "$NS" "$PORT" --json
	jq_ok "the JSON chain: iptables-nft DNAT rule, container name and image, listener pid 1 inside (userland-proxy=$proxy)" \
		".ports[0].local.published | any(.source == \"iptables-nft\" and .host_address == \"127.0.0.1\" and .host_port == $PORT and .target_address == \"$ADDR\" and .target_port == 80 and .container.name == \"$NAME\" and .container.image == \"$IMAGE\" and .container.runtime == \"docker\" and .listener.local_port == 80 and .listener.owners[0].pid_in_container == 1 and .listener.netns.self == false)"
	if [ "$proxy" = true ]; then
		jq_ok "docker-proxy's socket is explained as a reservation, not judged as the service" \
			'.ports[0].local.sockets | any(.listening and (.owners | any(.name == "docker-proxy")) and (.reservation | test("userland proxy")))'
	else
		jq_ok "without the userland proxy no docker-proxy holds the port" \
			'[.ports[0].local.sockets[] | select(.owners | any(.name == "docker-proxy"))] | length == 0'
	fi
	jq_ok "whatever holds the host port is a reservation, and the verdict speaks of the chain (userland-proxy=$proxy)" \
		'(.ports[0].local.sockets | map(select(.listening)) | all(.reservation != null)) and (.ports[0].local.verdict.explanation | startswith("Published by container"))'
	in_ns "$NS" "$PORTLORE" "$PORT" --json | jq -c '[.ports[0].local.sockets[] | select(.listening) | .owners[0].name]' | sed 's/^/# listening on the host port: /' 
	if [ "$proxy" = true ]; then
		# Not root: no DNAT rules, no owners, no other namespaces; docker-proxy's command line still tells.
		in_ns "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups "$PORTLORE" "$PORT" --json >"$T_DIR/out" 2>"$T_DIR/err"
		jq_ok "unprivileged: the published port is read from docker-proxy's command line" \
			".ports[0].local.published | any(.source == \"docker-proxy\" and .host_address == \"127.0.0.1\" and .host_port == $PORT and .target_address == \"$ADDR\" and .target_port == 80)"
	fi

	run_in "$NS" ls --json
	jq_ok "ls does not judge the runtime's hold on $PORT as the service (userland-proxy=$proxy)" \
		"[.sockets[] | select(.local_port == $PORT and .listening)] | all(.verdict.verdict == \"unknown\" and .reservation != null)"
	jq_ok "ls lists the container's listener with its namespace and container (userland-proxy=$proxy)" \
		".sockets | any(.local_port == 80 and .container.name == \"$NAME\" and .netns.self == false and (.owners | any(.name == \"busybox\")))"
	run_in "$NS" ls --netns "$NAME"
	expect "ls --netns $NAME shows only the container's namespace (userland-proxy=$proxy)" 0 \
		"LISTEN +tcp +\\[::\\]:80 .* $NAME +busybox"
	run_in "$NS" ls --netns "$NAME" --json
	jq_ok "ls --netns narrows to one namespace" '[.sockets[].netns.inode] | unique | length == 1'

	run_in "$NS" check "$PORT"
	expect "check $PORT exits 1: published (userland-proxy=$proxy)" 1 "not safe to take" ""
	stop_dockerd
done

# No docker state left in the test's namespace matters once it is deleted; the daemon's data stays under
# /var/lib/docker (image removed above).
finish
