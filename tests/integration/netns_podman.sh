#!/bin/bash
# Rootful Podman (Debian's podman, CNI networking) run by the test inside a network namespace of its own,
# an image imported from busybox-static, a container publishing 127.0.0.1:PORT: `portlore PORT` names the
# container (from Podman's containers.json) and the listener behind the published port, conmon's hold on
# the host port is explained, `ls` shows the container's listener, `check PORT` exits 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_root "podman: published port named" "rootful Podman"
need_cmd /usr/bin/podman podman
need_cmd jq jq
need_busybox

NS=pl13pm$$
NAME=pl13pweb$$
IMAGE=localhost/pl13-busybox$$
PORT=19$((RANDOM % 900 + 100))
P() { in_ns "$NS" /usr/bin/podman "$@"; }
new_netns "$NS" || { _tap 0 "network namespace created"; finish; exit 1; }
busybox_rootfs_tar

P import "$T_DIR/rootfs.tar" "$IMAGE" >"$T_DIR/import.out" 2>&1 || {
	_tap 0 "podman import of busybox-static" "$(cat "$T_DIR/import.out")"
	finish
	exit 1
}
NS_CLEANUP+=("/usr/bin/podman rmi -f $IMAGE")
NS_CLEANUP+=("nsenter --net=/run/netns/$NS /usr/bin/podman rm -f -t 0 $NAME")
# No CAP_SYS_RESOURCE where the suite runs in a container: explicit limits spare podman the setrlimit.
if ! P run -d --name "$NAME" --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 -p "127.0.0.1:$PORT:80" \
	"$IMAGE" /bin/busybox httpd -f -p 80 -h /www >"$T_DIR/run.out" 2>&1; then
	_tap 0 "podman run publishes 127.0.0.1:$PORT" "$(cat "$T_DIR/run.out")"
	finish
	exit 1
fi
ID=$(P inspect -f '{{.Id}}' "$NAME")
ADDR=$(P inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
check "the container answers on 127.0.0.1:$PORT" \
	wait_for 50 in_ns "$NS" /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$PORT/"

run_in "$NS" "$PORT"
says "portlore $PORT names the container and its listener" 0 \
	"Published by container $NAME \\(podman, ${ID:0:12}\\): 127\\.0\\.0\\.1:$PORT/tcp -> $ADDR:80, where busybox \\(pid [0-9]+; pid 1 in the container\\) listens"
run_in "$NS" "$PORT" --json
jq_ok "the JSON chain: DNAT rule, container name and image, listener pid 1 inside" \
	".ports[0].local.published | any(.host_address == \"127.0.0.1\" and .host_port == $PORT and .target_address == \"$ADDR\" and .target_port == 80 and .container.name == \"$NAME\" and .container.runtime == \"podman\" and (.container.image | test(\"pl13-busybox\")) and .listener.owners[0].pid_in_container == 1)"
jq_ok "conmon's hold on the host port is a reservation, and the verdict speaks of the chain" \
	'(.ports[0].local.sockets | map(select(.listening)) | all(.reservation != null)) and (.ports[0].local.verdict.explanation | startswith("Published by container"))'
in_ns "$NS" "$PORTLORE" "$PORT" --json | jq -c '[.ports[0].local.sockets[] | select(.listening) | .owners[0].name]' | sed 's/^/# listening on the host port: /'

run_in "$NS" ls --json
jq_ok "ls lists the container's listener with its namespace and container" \
	".sockets | any(.local_port == 80 and .container.name == \"$NAME\" and .netns.self == false and (.owners | any(.name == \"busybox\")))"
run_in "$NS" ls --netns "${ID:0:12}" --json
jq_ok "ls --netns ID-PREFIX narrows to the container's namespace" \
	"([.sockets[].netns.inode] | unique | length == 1) and (.sockets | all(.container.name == \"$NAME\"))"

run_in "$NS" check "$PORT"
expect "check $PORT exits 1: published" 1 "not safe to take"
finish
