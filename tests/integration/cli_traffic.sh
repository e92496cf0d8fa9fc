#!/bin/bash
# portlore traffic on the captures in tests/captures/, made with real tools by tools/captures.sh (nginx + curl,
# openssl, dnsmasq + dig, sshd + ssh, redis + redis-cli on their ports and on 2908; nmap -sT, -sS, -sU from
# 127.0.0.5, .6, .7; a busy client at 127.0.0.8), their variants by tools/pcap-variants.py. The expected
# verdicts are in tests/captures/README.md.
. "$(dirname "$0")/lib.sh"
CAP=${PL_CAPTURES:-$(dirname "$0")/../captures}

# jqt DESC FILTER: the last JSON output passes the jq filter (prints true)
jqt() {
	local desc=$1 filter=$2 got
	got=$(printf '%s' "$OUT" | jq -r "$filter" 2>&1)
	if [ "$got" = true ]; then _tap 1 "$desc"; else _tap 0 "$desc" "jq $filter -> $got
$(printf '%s' "$OUT" | head -c 1500)"; fi
}
verdict() { # verdict PORT TRANSPORT -> the jq filter's prefix
	echo ".ports[] | select(.port == $1 and .transport == \"$2\")"
}

if ! command -v jq >/dev/null; then skip_test "traffic captures" "jq is not installed"; finish; exit; fi

run traffic --pcap "$CAP/http.pcap" --json
expect "http.pcap is read" 0
jqt "HTTP on 80/tcp matches the registered service" "[$(verdict 80 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"match\", \"http\"]"
jqt "HTTP on 2908/tcp is not mao, traffic-inspected" "[$(verdict 2908 tcp) | .verdict.verdict, .verdict.service, .verdict.confidence, .protocols[0].protocol] == [\"mismatch\", \"mao\", \"traffic-inspected\", \"http\"]"
jqt "the IPv6 client on 2908 is a second client" "$(verdict 2908 tcp) | .clients == 2 and .outcomes.established == 2"
jqt "no scanner among two curl runs" ".scanners == []"
run traffic --pcap "$CAP/http.pcap" --flows 2 --json
jqt "--flows 2 lists two flows, both directions counted" '(.flows | length) == 2 and (.flows[0] | .transport == "tcp" and .packets.to_server > 0 and .packets.to_client > 0 and .protocol == "http")'
run traffic --pcap "$CAP/http.pcap"
expect "text says the verdict in words" 0 "HTTP on 2908/tcp: not mao — traffic-inspected"

for v in http-sll2.pcap:LINUX_SLL2 http-null.pcap:NULL http-loop.pcap:LOOP http-raw.pcap:RAW http-vlan.pcap:EN10MB http.pcapng:EN10MB; do
	f=${v%%:*}
	run traffic --pcap "$CAP/$f" --port 2908 --json
	jqt "$f (${v#*:}) gives the same verdict on 2908" "(.capture.link_type_name == \"${v#*:}\") and ([$(verdict 2908 tcp) | .verdict.verdict] == [\"mismatch\"])"
done
run traffic --pcap "$CAP/http.pcapng" --json
jqt "pcapng is named as such" '.capture.format == "pcapng"'
run traffic --pcap "$CAP/http-vlan.pcap" --json
jqt "VLAN-tagged frames are all decoded" '.capture.decoded == .capture.frames'

run traffic --pcap "$CAP/tls.pcap" --json
jqt "TLS on 443 is https, as registered" "[$(verdict 443 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"match\", \"tls\"]"
jqt "TLS on 2908 is not mao" "[$(verdict 2908 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"mismatch\", \"tls\"]"

run traffic --pcap "$CAP/ssh.pcap" --json
jqt "SSH on 22 matches" "[$(verdict 22 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"match\", \"ssh\"]"
jqt "SSH on 2908 is not mao" "[$(verdict 2908 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"mismatch\", \"ssh\"]"

run traffic --pcap "$CAP/redis.pcap" --json
jqt "Redis on 6379 matches" "[$(verdict 6379 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"match\", \"redis\"]"
jqt "Redis on 2908 is not mao" "[$(verdict 2908 tcp) | .verdict.verdict, .protocols[0].protocol] == [\"mismatch\", \"redis\"]"

run traffic --pcap "$CAP/dns.pcap" --json
jqt "DNS on 53/udp matches domain" "[$(verdict 53 udp) | .verdict.verdict, .protocols[0].protocol] == [\"match\", \"dns\"]"
if printf '%s' "$OUT" | jq -e '.capture.identify | startswith("portlore probe")' >/dev/null; then
	jqt "DNS on 2908/udp, where nDPI is silent, is named by the probe matchers" "[$(verdict 2908 udp) | .verdict.verdict, .protocols[0].protocol, .protocols[0].by] == [\"mismatch\", \"dns\", \"probe\"]"
else
	skip_test "DNS on 2908/udp named by the probe matchers" "built without the probe module (issue 15)"
fi
run traffic --pcap "$CAP/dns-sll.pcap" --json
jqt "Linux cooked (SLL) capture of DNS on 2908 is decoded" '.capture.link_type_name == "LINUX_SLL" and .capture.decoded == .capture.frames and (.ports | length) == 1'

run traffic --pcap "$CAP/scan-connect.pcap" --json
jqt "nmap -sT from 127.0.0.5 is a connect scanner" '[.scanners[] | .source, (.kinds | join(" "))] == ["127.0.0.5", "tcp-connect"]'
jqt "the connect scan swept the 302 ports asked, 3 of them open" '.scanners[0] | .ports >= 290 and .hosts == 1 and .open >= 3 and (.swept | startswith("tcp 1-"))'
jqt "ports only scanned say so" "$(verdict 1 tcp) | .verdict.verdict == \"scanned-only\""
run traffic --pcap "$CAP/scan-syn.pcap" --json
jqt "nmap -sS from 127.0.0.6 is a SYN scanner with half-open handshakes" '.scanners[0] | .source == "127.0.0.6" and .kinds == ["tcp-syn"] and .outcomes.half_open >= 3'
run traffic --pcap "$CAP/scan-syn.pcap"
expect "text lists the scanner and what it swept" 0 "127.0.0.6 tcp-syn scan: .* on 1 host" 
run traffic --pcap "$CAP/scan-udp.pcap" --json
jqt "nmap -sU from 127.0.0.7 is a UDP scanner, refused by ICMP" '.scanners[0] | .source == "127.0.0.7" and .kinds == ["udp"] and .outcomes.refused >= 50'
run traffic --pcap "$CAP/scan-udp.pcap" --scan-ports 1000 --json
jqt "thresholds are configurable: 1000 ports needed, no scanner" '.scanners == [] and .capture.scan_thresholds.ports == 1000'

run traffic --pcap "$CAP/scan-syn.pcap" --max-flows 16 --json
jqt "with 16 flows at most, flows are evicted and the SYN scan is still found whole" '.capture.evicted_full > 200 and .capture.peak_flows <= 17 and .scanners[0].ports >= 290 and .scanners[0].kinds == ["tcp-syn"]'

run traffic --pcap "$CAP/busy.pcap" --json
jqt "a busy client of one service (HTTP, refused port, DNS, Redis) is no scanner" '.scanners == []'
jqt "its 40 HTTP connections are counted on 2908/tcp" "$(verdict 2908 tcp) | .outcomes.established == 40 and .clients == 1"
jqt "its refused connections on 2907 are counted as refused" "$(verdict 2907 tcp) | .outcomes.refused == 20"

# Damaged input: clear errors, nothing lost, no crash.
run traffic --pcap "$CAP/ssh-truncated.pcap" --json
expect "a capture cut mid-record keeps what came before and warns" 0 '"truncated": true' "warning: .*ssh-truncated.pcap"
run traffic --pcap "$CAP/malformed.pcap" --json
jqt "lying headers are counted by reason, the good frames still decoded" '.capture.skipped.truncated >= 2 and .capture.skipped.malformed >= 3 and .capture.decoded > 0 and ([.ports[] | select(.port == 2908)] | length) == 1'
run traffic --pcap "$CAP/not-a-capture.pcap"
expect "a file that is not a capture is a runtime error, said plainly" 3 "" "cannot read the capture .*not-a-capture.pcap"
run traffic --pcap "$T_DIR/missing.pcap"
expect "a missing file is a runtime error" 3 "" "No such file"
run traffic
expect "neither --pcap nor --iface is a usage error" 2 "" "give --pcap FILE or --iface IF"
run traffic --pcap "$CAP/http.pcap" --port 70000
expect "a port beyond 65535 is a usage error" 2 "" "--port takes a whole number"
run traffic --pcap "$CAP/http.pcap" --port 9
expect "no flow on the port asked: exit 1" 1 "no TCP or UDP flow on that port"

# Live capture on an interface inside a namespace of our own, with the port's BPF filter.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v curl >/dev/null && command -v python3 >/dev/null; then
	unshare -n bash -c "ip link set lo up
		python3 -m http.server 2908 --bind 127.0.0.1 >/dev/null 2>&1 & srv=\$!
		for i in \$(seq 100); do ss -Hltn 'sport = :2908' | grep -q . && break; sleep 0.1; done
		'$PORTLORE' traffic --iface lo --port 2908 --seconds 6 --json >'$T_DIR/live.json' 2>'$T_DIR/live.err' & pl=\$!
		for i in \$(seq 100); do grep -q 'capturing on lo' '$T_DIR/live.err' && break; sleep 0.1; done
		for i in 1 2 3; do curl -s -m 3 http://127.0.0.1:2908/ >/dev/null; done
		curl -s -m 2 http://127.0.0.1:2909/ >/dev/null
		wait \$pl; echo \$? >'$T_DIR/live.rc'; kill \$srv" 2>/dev/null
	OUT=$(cat "$T_DIR/live.json")
	jqt "live capture on lo with --port 2908: a BPF filter, 3 HTTP flows, nothing from 2909" '.capture.source == "interface" and (.capture.filter | test("tcp port 2908")) and ([.ports[] | select(.port == 2908) | .protocols[0].protocol, .outcomes.established] == ["http", 3]) and ([.ports[] | select(.port == 2909)] == [])'
else
	skip_test "live capture on lo" "needs root, unshare, curl and python3"
fi
finish
