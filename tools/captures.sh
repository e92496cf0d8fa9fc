#!/bin/bash
# Regenerates the captures in tests/captures/ with real tools, on loopback inside a network namespace of its
# own (so that nothing else on the machine is captured or collides): tcpdump records nginx + curl, openssl
# s_server + s_client, dnsmasq + dig, sshd + ssh, redis-server + redis-cli, each on its own port and on 2908,
# then nmap's connect, SYN and UDP scans from distinct 127.x sources, then a busy but honest client. The
# link-type variants (SLL, SLL2, BSD null/loop, VLAN, pcapng, truncated) are derived by tools/pcap-variants.py.
# Usage (root): tools/captures.sh [OUTDIR]      Needs: tcpdump nginx openssl dnsmasq bind9-dnsutils
#                                               openssh-server redis-server redis-tools nmap curl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../tests/captures}")
if [ -z "${PL_CAPTURE_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "captures.sh: needs root (network namespace, tcpdump, nmap -sS)" >&2; exit 1; }
	for t in tcpdump nginx openssl dnsmasq dig /usr/sbin/sshd redis-server redis-cli nmap curl python3; do
		command -v "$t" >/dev/null || { echo "captures.sh: $t is missing" >&2; exit 1; }
	done
	mkdir -p "$out"
	PL_CAPTURE_NETNS=1 exec unshare -n "$0" "$out"
fi

work=$(mktemp -d /tmp/pl-captures-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up
# A UDP scan's closed ports are answered by ICMP, which the kernel rate-limits: not in this namespace.
sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 2>/dev/null || true

start() { "$@" >>"$work/daemons.log" 2>&1 & pids+=($!); }
# stop_since N: stops the daemons started after the first N (each scenario cleans up its own)
stop_since() {
	local i
	for ((i = $1; i < ${#pids[@]}; i++)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
	sleep 0.3
}
wait_port() { # wait_port PORT [udp]: until something listens (5 s at most)
	for _ in $(seq 50); do
		if [ "${2:-}" = udp ]; then ss -Hlun "sport = :$1" | grep -q . && return 0
		else ss -Hltn "sport = :$1" | grep -q . && return 0; fi
		sleep 0.1
	done
	echo "captures.sh: nothing listens on $1" >&2; cat "$work/daemons.log" >&2; exit 1
}
wait_free() { # wait_free PORT: until nothing listens on it over TCP (5 s at most)
	for _ in $(seq 50); do ss -Hltn "sport = :$1" | grep -q . || return 0; sleep 0.1; done
	echo "captures.sh: $1 is still taken: $(ss -Hltnp "sport = :$1")" >&2; exit 1
}
# capture NAME [tcpdump args...] -- COMMAND...: records loopback while COMMAND runs
capture() {
	local name=$1; shift
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	tcpdump -i lo -U --immediate-mode -B 65536 -s 0 "${args[@]}" -w "$work/$name.pcap" >/dev/null 2>"$work/tcpdump.log" &
	local td=$!
	for _ in $(seq 50); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.1; done
	sleep 0.5
	echo "== $name: $*" >>"$work/clients.log"
	timeout 120 "$@" >>"$work/clients.log" 2>&1 || echo "captures.sh: $name: the clients exited $?" >&2
	sleep 1
	kill -INT "$td"; wait "$td" || true
	cp "$work/$name.pcap" "$out/$name.pcap"
	echo "captures.sh: $name.pcap $(stat -c %s "$out/$name.pcap") bytes"
}

# ---- servers, each on its usual port and on 2908 (a second instance on 2908 for each, one at a time) ----
cat >"$work/nginx.conf" <<EOF
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
	server { listen 127.0.0.1:80; listen 127.0.0.1:2908; listen [::1]:2908; location / { return 200 "portlore\n"; } }
}
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=portlore.test \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
mkdir -p /run/sshd

http() {
	local mark=${#pids[@]}
	start nginx -c "$work/nginx.conf"
	wait_port 80; wait_port 2908
	capture http -- bash -c 'curl -s -m 5 http://127.0.0.1/ && curl -s -m 5 http://127.0.0.1:2908/ && curl -s -m 5 -g "http://[::1]:2908/"'
	capture http-sll2 -y LINUX_SLL2 -i any -- bash -c 'curl -s -m 5 http://127.0.0.1:2908/'
	stop_since "$mark"
}

tls() {
	local mark=${#pids[@]}
	for p in 443 2908; do start openssl s_server -quiet -accept "$p" -cert "$work/cert.pem" -key "$work/key.pem" -naccept 1; done
	wait_port 443; wait_port 2908
	capture tls -- bash -c 'for p in 443 2908; do echo | openssl s_client -connect 127.0.0.1:$p -servername portlore.test -quiet; done'
	stop_since "$mark"
}

dns() {
	local mark=${#pids[@]}
	for p in 53 2908; do
		start dnsmasq -k -C /dev/null --port "$p" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
			--address=/portlore.test/127.0.0.9 --pid-file= -u root
	done
	wait_port 53 udp; wait_port 2908 udp
	capture dns -- bash -c 'dig +short +tries=1 +time=2 @127.0.0.1 portlore.test A; dig +short +tries=1 +time=2 -p 2908 @127.0.0.1 portlore.test A'
	capture dns-sll -y LINUX_SLL -i any -- bash -c 'dig +short +tries=1 +time=2 -p 2908 @127.0.0.1 portlore.test A'
	stop_since "$mark"
}

ssh_() {
	local mark=${#pids[@]}
	for p in 22 2908; do
		start /usr/sbin/sshd -D -e -f /dev/null -p "$p" -o ListenAddress=127.0.0.1 -h "$work/hostkey" \
			-o PidFile=none -o UsePAM=no
	done
	wait_port 22; wait_port 2908
	capture ssh -- bash -c 'for p in 22 2908; do ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 -p $p nobody@127.0.0.1 true; done'
	stop_since "$mark"
}

redis() {
	local mark=${#pids[@]}
	for p in 6379 2908; do
		start redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
			--dir "$work" --protected-mode yes
	done
	wait_port 6379; wait_port 2908
	capture redis -- bash -c 'timeout 5 redis-cli -p 6379 PING; timeout 5 redis-cli -p 2908 PING; timeout 5 redis-cli -p 2908 INFO server'
	stop_since "$mark"
}

http; tls; dns; ssh_; redis
# Open ports for the scans and the busy client: HTTP on 80 and 2908, Redis on 6379, DNS on 53 and 2908/udp.
wait_free 2908
start nginx -c "$work/nginx.conf"
start redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$work"
for p in 53 2908; do
	start dnsmasq -k -C /dev/null --port "$p" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
		--address=/portlore.test/127.0.0.9 --pid-file= -u root
done
wait_port 80; wait_port 2908; wait_port 6379; wait_port 53 udp

# ---- a busy client that is not a scanner: many real connections to one service, some refused by a closed
# port, and many lookups to one resolver ----
capture busy -- bash -c 'for i in $(seq 40); do curl -s -m 5 --interface 127.0.0.8 http://127.0.0.1:2908/ >/dev/null; done
	for i in $(seq 20); do curl -s -m 5 --interface 127.0.0.8 http://127.0.0.1:2907/ >/dev/null; done
	for i in $(seq 20); do dig +short +tries=1 +time=2 -b 127.0.0.8 -p 2908 @127.0.0.1 portlore.test >/dev/null; done
	for i in $(seq 20); do timeout 5 redis-cli -h 127.0.0.1 -p 6379 PING >/dev/null; done'

# ---- scanners: distinct sources, a few hundred ports, some of them open ----
capture scan-connect -- nmap -n -Pn -sT -S 127.0.0.5 -e lo -p 1-300,2908,6379 --max-retries 0 127.0.0.1
capture scan-syn -- nmap -n -Pn -sS -S 127.0.0.6 -e lo -p 1-300,2908,6379 --max-retries 0 127.0.0.1
capture scan-udp -- nmap -n -Pn -sU -S 127.0.0.7 -e lo -p 1-100,2908 --max-retries 0 127.0.0.1

python3 "$here/pcap-variants.py" "$out"
ls -la "$out"
