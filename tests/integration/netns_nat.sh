#!/bin/bash
# Two network namespaces of the test's own joined by a veth pair, an nftables DNAT rule in the first
# ("the host": 127.0.0.1:PORT and any address:PORT -> 10.213.70.2:80) and busybox httpd listening in the
# second: `portlore PORT` follows the rule to the namespace that holds 10.213.70.2 and names the listener
# there; `ls` shows it with its namespace; `--netns` narrows; `check PORT` exits 1 though no socket holds
# PORT; a rule written through iptables-nft (an xt DNAT target) is read the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_root "nftables DNAT into another namespace"
need_cmd nft nftables
need_cmd jq jq
need_busybox

H=pl13nh$$
C=pl13nc$$
PORT=17$((RANDOM % 900 + 100))
new_netns "$H" && new_netns "$C" || { _tap 0 "network namespaces created"; finish; exit 1; }
ip -n "$H" link add pl13v0 type veth peer name pl13v1 netns "$C"
ip -n "$H" addr add 10.213.70.1/24 dev pl13v0
ip -n "$C" addr add 10.213.70.2/24 dev pl13v1
ip -n "$H" link set pl13v0 up
ip -n "$C" link set pl13v1 up
# From 127.0.0.1 the packet leaves through the veth: route_localnet lets it, the masquerade answers it.
in_ns "$H" sysctl -qw net.ipv4.conf.pl13v0.route_localnet=1
in_ns "$H" nft -f - <<NFT
table ip pl13 {
	chain out {
		type nat hook output priority -100
		ip daddr 127.0.0.1 tcp dport $PORT dnat to 10.213.70.2:80
	}
	chain pre {
		type nat hook prerouting priority -100
		tcp dport $PORT dnat to 10.213.70.2:80
	}
	chain post {
		type nat hook postrouting priority 100
		ip saddr 127.0.0.0/8 oifname "pl13v0" masquerade
	}
}
NFT
mkdir -p "$T_DIR/www" && echo page >"$T_DIR/www/index.html"
# nsenter execs busybox: $! is the server; its output goes to a file, not to the TAP pipe
nsenter --net="/run/netns/$C" /bin/busybox httpd -f -p 80 -h "$T_DIR/www" >"$T_DIR/httpd.log" 2>&1 &
HTTPD=$!
NS_CLEANUP+=("kill $HTTPD")
check "the listener answers through the DNAT rule" wait_for 50 in_ns "$H" /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$PORT/"

run_in "$H" "$PORT"
says "portlore $PORT follows the rule into the namespace and names the listener" 0 \
	"Published into network namespace $C: 127\\.0\\.0\\.1:$PORT/tcp -> 10\\.213\\.70\\.2:80, where busybox \\(pid $HTTPD\\) listens"
run_in "$H" "$PORT" --json
jq_ok "the JSON chain: nftables rule, table and chain, namespace, listener" \
	".ports[0].local.published | any(.source == \"nftables\" and .table == \"pl13\" and .chain == \"out\" and .host_address == \"127.0.0.1\" and .host_prefix == 32 and .target_address == \"10.213.70.2\" and .target_port == 80 and .netns.name == \"$C\" and .listener.owners[0].pid == $HTTPD)"
jq_ok "the rule without an address is read as any local address" \
	".ports[0].local.published | any(.chain == \"pre\" and .host_address == null and .listener.owners[0].pid == $HTTPD)"
jq_ok "no socket holds $PORT itself" '.ports[0].local.sockets | map(select(.listening)) | length == 0'

run_in "$H" ls
expect "ls shows the listener in the other namespace, in its NETNS column" 0 "LISTEN +tcp +\\[::\\]:80 +\\* +http.* +$C +(- +)?busybox"
run_in "$H" ls --netns "$C" --json
jq_ok "ls --netns NAME lists that namespace only" "(.sockets | length >= 1) and (.sockets | all(.netns.name == \"$C\"))"
run_in "$H" ls --netns pl13-no-such-namespace
expect "ls --netns with an unknown name exits 1 and says so" 1 "" "no network namespace 'pl13-no-such-namespace'"
run_in "$H" ls --json
jq_ok "ls lists every namespace it read, this one first" ".namespaces[0].self and (.namespaces | any(.name == \"$C\" and .entered))"

run_in "$H" check "$PORT"
expect "check $PORT exits 1: published through DNAT though no socket holds it" 1 "published through DNAT \\(nftables\\) to 10\\.213\\.70\\.2 port 80"

# Unprivileged: root's namespaces (the listener's) cannot be entered nor even seen: the note says so and
# what would help; a namespace of the caller's own process is read through /proc/PID/net.
if command -v setpriv >/dev/null 2>&1; then
	NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	in_ns "$H" "${NOBODY[@]}" "$PORTLORE" ls --json >"$T_DIR/out" 2>"$T_DIR/err"
	jq_ok "unprivileged ls says which namespaces it could not see and that root would" \
		"(.source.note | test(\"network namespace of [0-9]+ process(es)? is not visible \\\\(run as root\\\\)\")) and (.sockets | all(.netns.name != \"$C\")) and (.nat_error | test(\"run as root\"))"
	if in_ns "$H" "${NOBODY[@]}" unshare -rn true 2>/dev/null; then
		U=$((PORT + 3))
		# the redirection is opened by this (root) shell: the listener only writes to it
		in_ns "$H" "${NOBODY[@]}" unshare -rn python3 -c "
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', $U)); s.listen(); print('ready', flush=True); time.sleep(60)" \
			>"$T_DIR/u.out" 2>&1 &
		UPID=$!
		NS_CLEANUP+=("pkill -KILL -P $UPID; kill -KILL $UPID")
		wait_for 50 grep -q ready "$T_DIR/u.out"
		in_ns "$H" "${NOBODY[@]}" "$PORTLORE" ls --json >"$T_DIR/out" 2>"$T_DIR/err"
		jq_ok "unprivileged ls reads its own process's namespace through /proc/PID/net" \
			".sockets | any(.local_port == $U and .netns.self == false and (.netns.error | test(\"read through /proc/[0-9]+/net\")) and (.owners[0].name == \"python3\"))"
	else
		skip_test "unprivileged read of an own namespace" "user namespaces are not allowed here (unshare -rn)"
	fi
else
	skip_test "unprivileged view" "setpriv missing (util-linux)"
fi

# Ports in an anonymous set, one of them a range: the set's elements are read (NFT_MSG_GETSETELEM).
PS=$((PORT + 5))
in_ns "$H" nft add rule ip pl13 out ip daddr 127.0.0.1 tcp dport "{ $PS, $((PS + 10))-$((PS + 20)) }" dnat to 10.213.70.2:80
run_in "$H" "$((PS + 15))" --json
jq_ok "a DNAT whose ports are a set (with a range) covers a port inside the range" \
	".ports[0].local.published | any(.host_port == $((PS + 10)) and .host_port_last == $((PS + 20)) and .target_address == \"10.213.70.2\" and .listener.owners[0].pid == $HTTPD)"
run_in "$H" "$PS" --json
jq_ok "... and the single port of the set" \
	".ports[0].local.published | any(.host_port == $PS and .host_port_last == $PS and .listener.owners[0].pid == $HTTPD)"
run_in "$H" check "$((PS + 21))"
expect "a port just past the set's range is not published" 0 "safe to take"

# IPv6: an ip6 table's rule (daddr at another offset, a 16-byte target) to the same dual-stack listener.
if ip -n "$H" -6 addr add fd13:70::1/64 dev pl13v0 nodad 2>/dev/null && ip -n "$C" -6 addr add fd13:70::2/64 dev pl13v1 nodad; then
	P6=$((PORT + 4))
	in_ns "$H" nft add table ip6 pl13v6
	in_ns "$H" nft "add chain ip6 pl13v6 out { type nat hook output priority -100; }"
	in_ns "$H" nft add rule ip6 pl13v6 out ip6 daddr ::1 tcp dport "$P6" dnat to "[fd13:70::2]:80"
	run_in "$H" "$P6" --json
	jq_ok "an ip6 DNAT rule is followed to the namespace holding its IPv6 target" \
		".ports[0].local.published | any(.family == \"ipv6\" and .host_address == \"::1\" and .host_prefix == 128 and .target_address == \"fd13:70::2\" and .target_port == 80 and .netns.name == \"$C\" and .listener.owners[0].pid == $HTTPD)"
else
	skip_test "IPv6 DNAT" "no IPv6 on the test's veth"
fi

# The same rule through iptables-nft: an xt DNAT target whose address is in its info blob.
if command -v iptables-nft >/dev/null 2>&1; then
	P2=$((PORT + 1))
	in_ns "$H" iptables-nft -t nat -A OUTPUT -d 127.0.0.2/32 -p tcp --dport "$P2" -j DNAT --to-destination 10.213.70.2:80
	run_in "$H" "$P2" --json
	jq_ok "an iptables-nft DNAT (xt target) is read with its address and port" \
		".ports[0].local.published | any(.source == \"iptables-nft\" and .host_address == \"127.0.0.2\" and .host_port == $P2 and .target_address == \"10.213.70.2\" and .target_port == 80 and .listener.owners[0].pid == $HTTPD)"
else
	skip_test "iptables-nft DNAT read" "iptables-nft not installed (Debian iptables)"
fi
# iptables-legacy through getsockopt: only where the legacy nat table can be made in this namespace.
if command -v iptables-legacy >/dev/null 2>&1 && in_ns "$H" iptables-legacy -t nat -A OUTPUT -d 127.0.0.3/32 -p tcp \
	--dport "$((PORT + 2))" -j DNAT --to-destination 10.213.70.2:80 2>/dev/null; then
	run_in "$H" "$((PORT + 2))" --json
	jq_ok "an iptables-legacy DNAT is read through getsockopt" \
		".ports[0].local.published | any(.source == \"iptables-legacy\" and .chain == \"OUTPUT\" and .host_address == \"127.0.0.3\" and .target_address == \"10.213.70.2\" and .target_port == 80 and .listener.owners[0].pid == $HTTPD)"
else
	skip_test "iptables-legacy DNAT read" "iptables-legacy cannot make a nat table here"
fi
finish
