#!/bin/bash
# portlore probe against real Debian servers started here, on 127.0.0.1 only, inside a network namespace
# this test creates (so other tests' servers on 127.0.0.1:2908 cannot interfere): each named correctly on
# its usual port and on 2908, with product and version when the reply says them, checked against what the
# installed package says of itself; a closed port, a silent one and a garbage-speaking one each get a
# clear answer within the timeout.
set -u
if [ "${PL_PROBE_IN_NS:-}" != 1 ]; then
	PORTLORE=$(realpath "${1:?usage: $0 PATH/TO/portlore}")
	if [ "$(id -u)" != 0 ]; then
		echo "ok 1 - probe against real servers # SKIP not root: cannot make a network namespace"
		echo "1..1"
		exit 0
	fi
	if ! unshare -n true 2>/dev/null; then
		echo "ok 1 - probe against real servers # SKIP unshare -n refused here"
		echo "1..1"
		exit 0
	fi
	# A fresh namespace that ends with this script: nothing to tear down but our own processes.
	PL_PROBE_IN_NS=1 exec unshare -n bash "$0" "$PORTLORE"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../probe/servers.sh"
ip link set lo up
SRV_DIR="$T_DIR/srv"
mkdir -p "$SRV_DIR"
chmod 755 "$T_DIR" # postgres runs as its own user, and must reach its data directory
trap 'srv_stop_all; rm -rf "$T_DIR"' EXIT

# What each package says its version is, to compare with what its server said on the wire.
want_version() {
	case $1 in
	nginx-http | nginx-tls) $NGINX -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p' ;;
	ssh) dpkg-query -W -f='${Version}' openssh-server 2>/dev/null | sed 's/^[0-9]*://; s/-.*//' ;;
	redis) $REDIS --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p' ;;
	dnsmasq) $DNSMASQ --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p' ;;
	mosquitto) $MOSQUITTO -h 2>&1 | sed -n '1s/^mosquitto version \([0-9.]*\).*/\1/p' ;;
	memcached) $MEMCACHED -V | sed -n 's/^memcached \([0-9.]*\).*/\1/p' ;;
	vsftpd) dpkg-query -W -f='${Version}' vsftpd 2>/dev/null | sed 's/^[0-9]*://; s/-.*//' ;;
	*) echo "" ;;
	esac
}
want_protocol() {
	case $1 in
	nginx-http | nginx-tls) echo http ;; ssh) echo ssh ;; redis) echo redis ;; postgresql) echo postgresql ;;
	dnsmasq) echo dns ;; mosquitto) echo mqtt ;; chrony) echo ntp ;; snmpd) echo snmp ;; memcached) echo memcached ;; slapd) echo ldap ;; vsftpd) echo ftp ;; dovecot-imap) echo imap ;; dovecot-pop3) echo pop3 ;;
	esac
}
want_product() {
	case $1 in
	nginx-http | nginx-tls) echo nginx ;; ssh) echo OpenSSH ;; redis) echo Redis ;; postgresql) echo PostgreSQL ;;
	dnsmasq) echo dnsmasq ;; mosquitto) echo mosquitto ;; memcached) echo memcached ;; slapd) echo OpenLDAP ;; vsftpd) echo vsftpd ;;
	dovecot-imap | dovecot-pop3) echo Dovecot ;; *) echo "" ;;
	esac
}

# check_result KIND PORT TRANSPORT JSON-OF-ONE-RESULT
check_result() {
	local kind=$1 port=$2 tr=$3 j=$4 ok=1 why=""
	local proto product version wrapped
	proto=$(jq -r .protocol <<<"$j")
	product=$(jq -r '.product // ""' <<<"$j")
	version=$(jq -r '.version // ""' <<<"$j")
	wrapped=$(jq -r .tls_wrapped <<<"$j")
	[ "$proto" = "$(want_protocol "$kind")" ] || { ok=0; why="protocol '$proto'"; }
	[ "$product" = "$(want_product "$kind")" ] || { ok=0; why="$why product '$product'"; }
	local v
	v=$(want_version "$kind")
	[ -z "$v" ] || [ "$version" = "$v" ] || { ok=0; why="$why version '$version', the package says '$v'"; }
	if [ "$kind" = nginx-tls ]; then
		[ "$wrapped" = true ] || { ok=0; why="$why not seen inside TLS"; }
		jq -e '.tls.subject == "CN=portlore-test" and (.tls.san | contains("DNS:portlore.test")) and .tls.self_signed
			and (.tls.version | startswith("TLS")) and (.tls.not_after | length > 0)' <<<"$j" >/dev/null ||
			{ ok=0; why="$why certificate not described: $(jq -c .tls <<<"$j")"; }
	fi
	jq -e '.verdict.basis == "probed" and (.evidence | length > 0) and .confidence >= 80 and .state == "identified"' \
		<<<"$j" >/dev/null || { ok=0; why="$why verdict/evidence/confidence missing"; }
	# snmpd says what it runs on: the kernel's name, as uname says it
	if [ "$kind" = snmpd ] && ! jq -e --arg k "$(uname -s)" '.info | startswith("sysDescr: " + $k)' <<<"$j" >/dev/null; then
		ok=0
		why="$why no sysDescr"
	fi
	_tap "$ok" "probe names $kind on $port/$tr as $(want_protocol "$kind") $(want_product "$kind") $(want_version "$kind")" \
		"$why
$(jq -c . <<<"$j" | head -c 1500)"
}

KINDS="nginx-http:80 nginx-tls:443 ssh:22 redis:6379 postgresql:5432 dnsmasq:53 mosquitto:1883 chrony:123 snmpd:161
memcached:11211 slapd:389 vsftpd:21 dovecot-imap:143 dovecot-pop3:110"
udp_kind() { case $1 in dnsmasq | chrony | snmpd) return 0 ;; esac; return 1; }
started=""
spec=""
for kp in $KINDS; do
	kind=${kp%%:*} port=${kp#*:}
	miss=$(srv_missing "$kind")
	if [ -n "$miss" ]; then
		skip_test "probe names $kind on its usual port" "$miss not installed (make test-deps)"
		continue
	fi
	if ! srv_start "$kind" "$port" 2>"$T_DIR/start.err"; then
		_tap 0 "start $kind on $port" "$(cat "$T_DIR/start.err")"
		continue
	fi
	started="$started $kp"
	udp_kind "$kind" && spec="$spec,$port/udp" || spec="$spec,$port"
done

# The usual ports, all in one run (as a user would ask).
if [ -n "$spec" ]; then
	run probe --json --timeout 4000 "127.0.0.1:${spec#,}"
	expect "probe of the usual ports succeeds with one JSON document" 0 '"kind": "probe"'
	for kp in $started; do
		kind=${kp%%:*} port=${kp#*:}
		tr=tcp
		udp_kind "$kind" && tr=udp
		check_result "$kind" "$port" "$tr" "$(jq -c ".results[] | select(.port == $port and .transport == \"$tr\")" "$T_DIR/out")"
	done
	run probe "127.0.0.1:${spec#,}"
	expect "text output shows the verdicts as probed" 0 'verdict +SSH \(OpenSSH [^)]*\) on 22/tcp: ssh, as registered — probed|verdict +HTTP'
fi
if [[ " $started " == *" nginx-http:80 "* ]]; then
	run probe --json localhost:80
	expect "a host name resolves and is probed" 0 '"protocol": "http"'
	run probe --json "[::1]:80"
	expect "an IPv6 address in brackets is probed" 0 '"address": "::1"'
	check "and named over IPv6" jq -e '.results[0].protocol == "http" and .results[0].product == "nginx"' "$T_DIR/out"
fi
srv_stop_all

# Each again on 2908, where the registry says mao: named by what it says, and "not mao".
for kp in $KINDS; do
	kind=${kp%%:*}
	[ -n "$(srv_missing "$kind")" ] && { skip_test "probe names $kind on 2908" "$(srv_missing "$kind") not installed"; continue; }
	if ! srv_start "$kind" 2908 2>"$T_DIR/start.err"; then
		_tap 0 "start $kind on 2908" "$(cat "$T_DIR/start.err")"
		continue
	fi
	tr=tcp
	udp_kind "$kind" && tr=udp
	run probe --json --timeout 4000 "127.0.0.1:2908/$tr"
	check_result "$kind" 2908 "$tr" "$(jq -c '.results[0]' "$T_DIR/out")"
	if [ "$kind" = nginx-http ]; then
		run probe 127.0.0.1:2908
		v=$(want_version nginx-http)
		expect "the verdict on 2908 says what answered and that it is not mao" 0 \
			"verdict +HTTP \\(nginx $v\\) on 2908/tcp: not mao — probed"
		# portlore PORT asks its own listeners; --no-probe does not; ls --probe asks them all.
		run --json 2908
		expect "portlore 2908 asks the listener" 0 '"basis": "probed"'
		check "... and its verdict rests on the answer, the names-only one beside it" jq -e \
			'.ports[0].local.verdict | .verdict == "mismatch" and (.explanation | test("^HTTP \\(nginx [0-9.]+\\) on 2908/tcp: not mao — probed$")) and .by_name.verdict == "mismatch"' "$T_DIR/out"
		run --json --no-probe 2908
		check "--no-probe leaves the listener alone" jq -e '.ports[0].local | has("probe") | not' "$T_DIR/out"
		run 2908
		expect "the text report shows what was asked" 0 'Asked'
		run ls --probe --json
		check "ls --probe asks every listener" jq -e \
			'[.sockets[] | select(.local_port == 2908) | .probe.protocol == "http" and .verdict.basis == "probed"] | length > 0 and all' "$T_DIR/out"
	fi
	srv_stop "$kind" 2908
done

# A closed port, one that accepts and never speaks, one that speaks garbage: a clear answer in time.
run probe --json --timeout 3000 127.0.0.1:2908
expect "a closed port is called closed, exit 1" 1 '"state": "closed"'
if [ -z "$(srv_missing silent)" ]; then
	srv_start silent 2908 && srv_start garbage 2909
	start=$(date +%s%N)
	run probe --json --timeout 3000 127.0.0.1:2908,2909
	took=$((($(date +%s%N) - start) / 1000000))
	expect "a silent port and a garbage-speaking one are told apart" 0 '"state": "silent"'
	j=$(cat "$T_DIR/out")
	check "the silent port says it accepted and answered none of the probes" \
		jq -e '.results[0].state == "silent" and (.results[0].error | test("answered none of [0-9]+ probes")) and .results[0].elapsed_ms <= 3300' <<<"$j"
	check "the garbage is unrecognised, shown escaped" \
		jq -e '.results[1].state == "unrecognised" and (.results[1].evidence | test("^\\\\x00\\\\x17\\\\x9c\\\\xff\\\\xfe\\\\x01~~ no protocol at all ~~"))' <<<"$j"
	check "both within the 3 s timeout (took ${took} ms)" test "$took" -lt 4000
	srv_stop_all
else
	skip_test "silent and garbage servers" "python3 missing"
fi

# A banner only nmap's service probes file knows (rsync's): named from it when nmap-common is installed.
if [ -r /usr/share/nmap/nmap-service-probes ] && [ -z "$(srv_missing silent)" ]; then
	mkdir -p "$SRV_DIR/rsync"
	python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 2908)); s.listen(64); held = []
while True:
    c = s.accept()[0]; held.append(c); c.send(b'@RSYNCD: 31.0\n')
" &
	SRV_PIDS="$SRV_PIDS $!"
	srv_wait_port 2908
	run probe --json 127.0.0.1:2908
	check "nmap's service probes name what ours do not (rsync), and say so" \
		jq -e '.results[0] | .protocol == "rsync" and .probe == "banner (nmap)" and .confidence > 0' "$T_DIR/out"
	run probe --json --no-nmap 127.0.0.1:2908
	check "--no-nmap leaves it unrecognised" jq -e '.results[0].state == "unrecognised"' "$T_DIR/out"
	run probe --nmap-probes /etc/hostname 127.0.0.1:2908
	expect "a file that is not nmap's is refused" 2 '' 'not nmap'
	srv_stop_all
else
	skip_test "nmap's service probes" "nmap-common not installed"
fi

# What is asked, and nothing else: bad specs are refused before any packet.
run probe
expect "no host is a usage error" 2 '' 'no host given'
run probe 127.0.0.1:0
expect "port 0 is refused" 2 '' '1-65535'
run probe 127.0.0.1:22/sctp
expect "only tcp and udp" 2 '' 'tcp or udp'
run probe --concurrency 0 127.0.0.1:22
expect "a zero concurrency is refused" 2 '' 'concurrency'
finish
