#!/bin/bash
# Evidence of use: the ports the world uses are no ghosts, each verdict naming its evidence; 2908 stays a
# ghost with its evidence (none) spelled out; "What is more likely" names each port's well-known software;
# what people type finds the record they mean; and a generic runtime (java) serving AMQP on 5672 is judged
# by its command line, in a network namespace this test creates (root only).
. "$(dirname "$0")/lib.sh"

XML="${PL_FIXTURES:-}/iana/service-names-port-numbers-2025-12-15.xml"
REGS=(embedded)
if [ -f "$XML" ]; then REGS+=("$XML"); else skip_test "IANA XML fixture" "$XML is absent"; fi

reg_args() { [ "$1" = embedded ] && return; echo "--registry $1"; }

for reg in "${REGS[@]}"; do
	label=$([ "$reg" = embedded ] && echo embedded || echo "IANA XML")
	for p in 3306 445 3389 161 500 873 1194 5672; do
		# shellcheck disable=SC2046
		run "$p" --no-local --json $(reg_args "$reg")
		check "$label: $p is no ghost, and its verdict names its evidence" jq -e '
			.ports[0].ghost as $g
			| ($g.verdict == "no" or $g.verdict == "thin")
			and ($g.evidence | length) >= 2
			and ($g.explanation | test("known use|Wireshark dissects|most often found open|netbase"))
			and (.ports[0].evidence.use != "none")' "$T_DIR/out"
	done
	# shellcheck disable=SC2046
	run 2908 --no-local --json $(reg_args "$reg")
	check "$label: 2908 mao is a ghost, its evidence (none) spelled out" jq -e '
		.ports[0].ghost as $g
		| ($g.verdict | test("ghost")) and $g.use == "none" and ($g.evidence | length) == 0
		and ($g.explanation | test("no software is known to listen on it by default"))
		and ($g.explanation | test("Wireshark has no dissector for it"))
		and ($g.explanation | test("netbase\\) does not list it"))' "$T_DIR/out"
done
if [ -f "$XML" ]; then
	run 2908 --no-local --registry "$XML"
	expect "text: 2908 says 'Ghost registration' and 'Evidence of use: none'" 0 'Ghost registration' 
	expect "text: the evidence of 2908 is spelled out" 0 'Evidence of use: none'
	run 3306 --no-local --registry "$XML"
	expect "text: 3306 is not a ghost and says why" 0 'Wireshark dissects it as MySQL'
	check "text: 3306 never says 'Ghost registration'" bash -c "! grep -q 'Ghost registration' '$T_DIR/out'"
fi

# What is more likely on port N: the well-known software, from the known-use table.
while read -r p sw; do
	run "$p" --no-local
	expect "portlore $p names $sw" 0 "What is more likely on port $p"
	check "portlore $p: $sw is listed under 'What is more likely'" bash -c \
		"sed -n '/What is more likely/,/^Verdict/p' '$T_DIR/out' | grep -q '$sw'"
done <<'LIST'
3000 Grafana
9100 node_exporter
8888 Jupyter
9200 Elasticsearch
6443 Kubernetes API server
25565 Minecraft
LIST
run 3000 --no-local --json
check "JSON: each known use carries its source" jq -e '.ports[0].evidence.known_uses | length > 2 and all(.source | length > 10)' "$T_DIR/out"
check "JSON: the sources and their versions are named" jq -e '[.evidence_sources[].key] | contains(["wireshark", "nmap", "netbase", "known_uses"])' "$T_DIR/out"
check "JSON: Wireshark's version is named" jq -e '.evidence_sources[] | select(.key == "wireshark") | .source | test("tshark [0-9]")' "$T_DIR/out"
run 3306 --no-local
expect "text: each source of evidence is named with its version" 0 'evidence: .*Debian tshark [0-9].*Debian nmap-common [0-9].*Debian netbase [0-9]'
run 2911 --no-local
expect "a port nothing is known of gets the generic paragraph" 0 "No software is known to use port 2911"

# ghosts: true ghosts only; the thin ones whose port is in use apart.
if [ -f "$XML" ]; then
	run ghosts --json --registry "$XML"
	check "ghosts lists mao and none of the used ports" jq -e '
		[.ghosts[].port] as $p | ($p | index(2908)) != null
		and ([3306, 445, 3389, 161, 500, 873, 1194, 5672, 3000, 9100] | all(. as $x | $p | index($x) == null))
		and .counts.thin_in_use > 0' "$T_DIR/out"
	run ghosts --in-use --json --registry "$XML"
	check "ghosts --in-use lists thin registrations in use apart, with evidence" jq -e '
		(.thin_in_use | length) == .counts.thin_in_use and (.thin_in_use | all(.evidence | length > 0))' "$T_DIR/out"
fi

# Search: what people type puts the record they mean first.
while read -r want q; do
	# shellcheck disable=SC2086
	run search $q --json --limit 3
	check "search '$q' finds $want first" jq -e --arg w "$want" '(.results[0] | "\(.service)/\(.port)") == $w and .total >= (.results | length)' "$T_DIR/out"
done <<'LIST'
domain/53 dns
ms-wbt-server/3389 rdp
ms-wbt-server/3389 remote desktop
rfb/5900 vnc
microsoft-ds/445 smb
bootps/67 dhcp
http/80 web
ssh/22 ssh
LIST
run search ssh --limit 2
expect "search text says how many in all when cut" 0 "2 of [0-9]+ matches shown"
run search ssh --limit 2 --json
check "search JSON says total and cut" jq -e '.cut == true and .total > 2 and (.results | length) == 2' "$T_DIR/out"

# A generic runtime on 5672: named java, judged by its command line. In a namespace of our own.
NS="pl10-evidence-$$"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	skip_test "java serving AMQP on 5672" "needs root and iproute2 for a network namespace"
elif ! ip netns add "$NS" 2>"$T_DIR/netns.err" || ! ip -n "$NS" link set lo up; then
	ip netns del "$NS" 2>/dev/null
	skip_test "java serving AMQP on 5672" "cannot create a network namespace: $(head -1 "$T_DIR/netns.err")"
else
	PIDS=()
	cleanup_ns() {
		{
			for p in "${PIDS[@]}"; do kill -KILL "$p"; wait "$p"; done
		} 2>/dev/null
		ip netns del "$NS" 2>/dev/null
		rm -rf "$T_DIR"
	}
	trap cleanup_ns EXIT
	cat >"$T_DIR/serve.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
open(sys.argv[2], "w").write("up\n")
time.sleep(120)
PY
	# A copy of a small interpreter renamed java: its process name is java, its command line says what it runs.
	cp "$(python3 -c 'import sys; print(sys.executable)')" "$T_DIR/java"
	serve() { # serve PORT READY ARGS...: a "java" listening in the namespace
		ip netns exec "$NS" "$T_DIR/java" "$T_DIR/serve.py" "$@" &
		PIDS+=($!)
		for _ in $(seq 100); do [ -s "$2" ] && break; sleep 0.05; done
	}
	serve 5672 "$T_DIR/ready1" -Drabbitmq.config=/etc/rabbitmq/rabbitmq.conf
	ip netns exec "$NS" "$PORTLORE" 5672 --json >"$T_DIR/out" 2>"$T_DIR/err"
	check "java with a command line naming rabbitmq on 5672 matches a known use (not 'not it')" jq -e '
		.ports[0].local.verdict as $v | $v.verdict == "match"
		and ($v.explanation | test("java \\(pid [0-9]+\\) listens on 5672/tcp: its command line names RabbitMQ"))' "$T_DIR/out"
	serve 5673 "$T_DIR/ready2" -jar app.jar
	ip netns exec "$NS" "$PORTLORE" 5673 --json >"$T_DIR/out" 2>"$T_DIR/err"
	check "java with a command line naming nothing known is unknown, never 'not it'" jq -e '
		.ports[0].local.verdict.verdict == "unknown" and (.ports[0].local.verdict.explanation | test("generic runtime"))' "$T_DIR/out"
	# A daemon's name on a binary outside the system's directories is pointed out.
	cp "$T_DIR/java" "$T_DIR/rabbitmq-server"
	ip netns exec "$NS" "$T_DIR/rabbitmq-server" "$T_DIR/serve.py" 5671 "$T_DIR/ready3" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$T_DIR/ready3" ] && break; sleep 0.05; done
	ip netns exec "$NS" "$PORTLORE" 5671 --json >"$T_DIR/out" 2>"$T_DIR/err"
	check "rabbitmq-server from /tmp on 5671 matches, and its unusual place is pointed out" jq -e '
		.ports[0].local.verdict as $v | $v.verdict == "match" and ($v.explanation | test("outside the system.s directories"))' "$T_DIR/out"
fi
finish
