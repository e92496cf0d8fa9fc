#!/bin/bash
# portlore serve --capture (issue 16, item 5): in a network namespace of the test's own, serve captures on
# its loopback while real clients talk to real servers there (python's HTTP server on 2908, redis-server on
# 2909), a source sweeps 40 ports and another sends datagrams to 500; then the port page's "What crosses
# this port", /api/ports/N's "traffic" and /metrics must name what was heard (HTTP on 2908: not mao), with
# counts, the scanner, and /metrics bounded (16 ports and "other"). The capture runs in its own process:
# it holds the packet socket, the HTTP process none, and neither has a capability left. A capture that
# cannot open, a server without --capture and bad options are checked too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
for tool in curl jq python3 ss; do
	command -v $tool >/dev/null || { skip_test "serve --capture" "$tool is not installed"; finish; exit; }
done
[ "$(id -u)" = 0 ] || { skip_test "serve --capture" "capturing needs root (CAP_NET_RAW)"; finish; exit; }
need_own_netns "serve --capture"
# A watchdog under meson's 300 s timeout, so that a stuck step shows in the TAP output (meson shows none
# for a test it kills): the step running is the one after the last line printed. Its sleep holds no
# descriptor of ours: meson waits for every holder of the test's stdout to close it.
WATCH_PID=$$
( sleep 240 >/dev/null 2>&1 </dev/null; echo "# watchdog: still running after 240 s"; kill -TERM "$WATCH_PID" ) &
WATCHDOG=$!
# web_cleanup's, with a bound: SIGTERM, then SIGKILL after 5 s for whatever is left (redis-server, a server)
cleanup() {
	local p alive i
	# the watchdog held still first, or its sleep's end would let it go on to kill us
	kill -STOP "$WATCHDOG" 2>/dev/null
	pkill -KILL -P "$WATCHDOG" 2>/dev/null
	kill -KILL "$WATCHDOG" 2>/dev/null
	for p in "${WEB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for i in $(seq 50); do
		alive=0
		for p in "${WEB_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for p in "${WEB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	{ wait; } 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT

# stop NAME PID: SIGTERM, then a check that serve (and its reader and capture process) ended within 10 s;
# SIGKILL if not, so that the script never waits on it.
stop() {
	local name=$1 pid=$2 i
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		_tap 0 "serve ($name) stops on SIGTERM" "$(sed 's/^/  /' "$T_DIR/$name.err" | tail -5)"
		pkill -KILL -P "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

# wait_for URL JQ: polls the JSON at URL until the jq filter is true (10 s at most); the last body in $J
wait_for() {
	local i
	for i in $(seq 50); do
		J=$(curl -s -m 10 "$1")
		[ "$(printf '%s' "$J" | jq -r "$2" 2>/dev/null)" = true ] && return 0
		sleep 0.2
	done
	return 1
}

# ---- options ----
run serve --capture-port 2908
expect "--capture-port without --capture: a usage error" 2 "" "go with --capture"
run serve --capture lo --capture-window 5
expect "--capture-window 5 (under 10 s): a usage error" 2 "" "capture-window"
run serve --capture lo --capture-port 70000
expect "--capture-port 70000: a usage error" 2 "" "capture-port"
run serve --capture lo --capture-port 3-2
expect "--capture-port 3-2 (backwards): a usage error" 2 "" "capture-port"
run serve --capture 'l o'
expect "--capture 'l o' (not an interface name): a usage error" 2 "" "interface name"
run serve --capture lo --capture lo
expect "two --capture: a usage error (one interface; \"any\" for all)" 2 "" "one interface"
run serve --help
expect "serve --help documents --capture" 0 "--capture-port LIST only these ports"

# ---- a server that captures ----
python3 -m http.server 2908 --bind 127.0.0.1 >/dev/null 2>&1 &
WEB_PIDS+=($!)
redis-server --port 2909 --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
WEB_PIDS+=($!)
serve cap --db "$T_DIR/fb.db" --capture lo || { _tap 0 "portlore serve --capture lo starts"; finish; exit; }
B="http://$ADDR"
SRV=$SRV_PID
grep -q "captured by process" "$T_DIR/cap.err" && _tap 1 "serve says which process captures" ||
	_tap 0 "serve says which process captures" "$(cat "$T_DIR/cap.err")"
for _ in $(seq 50); do curl -s -m 10 -o /dev/null http://127.0.0.1:2908/ && break; sleep 0.1; done
for i in 1 2 3 4; do curl -s -m 10 -o /dev/null "http://127.0.0.1:2908/?n=$i"; done
python3 - <<'EOF'
import socket, time
for _ in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", 2909), timeout=2); break
    except OSError:
        time.sleep(0.1)
s.sendall(b"*1\r\n$4\r\nPING\r\n"); s.recv(100)
s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"); s.recv(100)
s.close()
# a connect scan from 127.0.0.5 over 2890-2929 (2908 and 2909 among them): opened and closed, no payload
for p in range(2890, 2930):
    c = socket.socket(); c.bind(("127.0.0.5", 0)); c.settimeout(1)
    try:
        c.connect(("127.0.0.1", p))
    except OSError:
        pass
    c.close()
# datagrams to 3,000 closed ports, from 127.0.0.6: each its own server port for the capture (more than
# the 2,048 it follows one by one, and than the 1,024 a summary details)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.6", 0))
for p in range(20000, 23000):
    u.sendto(b"x", ("127.0.0.1", p))
EOF

# flows end (FIN, RST) and are finished within a few seconds; the summary comes every second
if wait_for "$B/api/ports/2908" '[.ports[0].traffic.transports[] | select(.transport == "tcp") | .protocols[0].protocol, (.flows >= 4), (.scanners | map(.source) | index("127.0.0.5") != null)] == ["http", true, true]'; then
	_tap 1 "/api/ports/2908: HTTP heard on 2908/tcp, 4+ flows, scanner 127.0.0.5"
else
	_tap 0 "/api/ports/2908: HTTP heard on 2908/tcp, 4+ flows, scanner 127.0.0.5" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
T=$(printf '%s' "$J" | jq -c '.ports[0].traffic')
tcp=$(printf '%s' "$T" | jq -c '.transports[] | select(.transport == "tcp")')
[ "$(printf '%s' "$tcp" | jq -r .verdict.text)" = "HTTP on 2908/tcp: not mao — traffic-inspected" ] &&
	_tap 1 "... verdict: \"HTTP on 2908/tcp: not mao — traffic-inspected\"" ||
	_tap 0 "... verdict: HTTP on 2908/tcp: not mao" "$tcp"
check "... packets and bytes each way > 0, the HTTP flows named by nDPI" \
	test "$(printf '%s' "$tcp" | jq '.packets.to_server > 0 and .packets.to_client > 0 and .bytes.to_client > 0 and .protocols[0].by == "ndpi" and .verdict.verdict == "mismatch" and .scanners_count >= 1')" = true
check "... the capture named: interface lo, since, read_at, nDPI; counts with the kernel's drops" \
	test "$(printf '%s' "$T" | jq '.captured and .interface == "lo" and (.since | test("T")) and (.read_at | test("Z$")) and (.dpi | test("nDPI")) and .counts.frames > 0 and (.counts.kernel_dropped | type == "number")')" = true
scanner=$(printf '%s' "$tcp" | jq -c '.scanners[] | select(.source == "127.0.0.5")')
check "... the scanner: tcp-connect, 40 ports swept" \
	test "$(printf '%s' "$scanner" | jq '.kinds == ["tcp-connect"] and .ports >= 40')" = true
# the same objects as \`portlore traffic --json\` (render/traffic.c): registered services and known uses too
check "... the port object is portlore traffic's: registered mao, outcomes, known_uses" \
	test "$(printf '%s' "$tcp" | jq '.port == 2908 and (.registered | map(.service) | index("mao") != null) and (.outcomes | has("half_open")) and (.known_uses | type == "array")')" = true

if wait_for "$B/api/ports/2909" '[.ports[0].traffic.transports[] | select(.transport == "tcp") | .protocols[] | .protocol] | index("redis") != null'; then
	_tap 1 "/api/ports/2909: Redis heard (redis-server and a client on 2909)"
else
	_tap 0 "/api/ports/2909: Redis heard" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
curl -s -m 10 "$B/api/ports/2950" | jq -e '.ports[0].traffic | .captured and .detailed and .transports == []' >/dev/null &&
	_tap 1 "/api/ports/2950: captured, nothing crossed it" || _tap 0 "/api/ports/2950: nothing crossed it" "$(curl -s -m 10 "$B/api/ports/2950" | jq -c .ports[0].traffic)"

get "$B/ports/2908" -m 10
section=$(sed -n '/id="traffic"/,/<\/section>/p' "$T_DIR/body")
[[ "$section" == *"What crosses this port"* && "$section" == *"HTTP on 2908/tcp: not mao — traffic-inspected"* &&
	"$section" == *"<td>HTTP <code>http</code></td>"* && "$section" == *"127.0.0.5"* && "$section" == *"Captured on lo since"* ]] &&
	_tap 1 "the page of 2908: \"What crosses this port\", the verdict, HTTP with its flows, the scanner, the capture's window" ||
	_tap 0 "the page of 2908: What crosses this port" "$section"
get "$B/ports/2908" -m 10 -H "Accept-Language: fr"
grep -q "Ce qui passe par ce port" "$T_DIR/body" && _tap 1 "... in French too" || _tap 0 "... in French too"

curl -s -m 10 "$B/metrics" >"$T_DIR/metrics"
check "/metrics: portlore_traffic_capturing 1" grep -qx 'portlore_traffic_capturing 1' "$T_DIR/metrics"
check "/metrics: portlore_traffic_frames_dropped_total" grep -qE '^portlore_traffic_frames_dropped_total [0-9]+$' "$T_DIR/metrics"
check "/metrics: flows on 2908/tcp by protocol http" grep -qE '^portlore_traffic_flows_total\{port="2908",transport="tcp",protocol="http"\} [1-9]' "$T_DIR/metrics"
check "/metrics: packets to 2908/tcp each way > 0" \
	test "$(grep -cE '^portlore_traffic_packets_total\{port="2908",transport="tcp",direction="to_(server|client)"\} [1-9]' "$T_DIR/metrics")" = 2
check "/metrics: scanners on 2908/tcp >= 1" grep -qE '^portlore_traffic_scanners\{port="2908",transport="tcp"\} [1-9]' "$T_DIR/metrics"
# 3,000 UDP ports and 40 scanned: 16 ports and "other" per series, however many ports were seen
seen=$(sed -n 's/^portlore_traffic_ports_seen //p' "$T_DIR/metrics")
n=$(grep -c '^portlore_traffic_packets_total{' "$T_DIR/metrics")
ports=$(grep -o '^portlore_traffic_[a-z_]*{port="[^"]*"' "$T_DIR/metrics" | sed 's/.*port=//' | sort -u | wc -l)
[ "${seen:-0}" -ge 3000 ] && [ "$n" -le 34 ] && [ "$ports" -le 17 ] && grep -q 'port="other",transport="any",direction="to_server"' "$T_DIR/metrics" &&
	_tap 1 "/metrics bounded: $seen ports seen, $ports port labels, $n packet series (at most 16 ports and \"other\")" ||
	_tap 0 "/metrics bounded" "seen=$seen packet series=$n port labels=$ports"
size=$(wc -c <"$T_DIR/metrics")
[ "$size" -lt 65536 ] && _tap 1 "/metrics stays under 64 KiB ($size bytes)" || _tap 0 "/metrics under 64 KiB" "$size bytes"
if grep -E '^portlore_traffic_flows_total' "$T_DIR/metrics" | grep -vqE 'protocol="([a-z0-9-]+)"'; then
	_tap 0 "/metrics: every protocol label is a plain key"
else
	_tap 1 "/metrics: every protocol label is a plain key"
fi

# a client that may not see the host (a remote name asked for) gets neither the details nor the section's
check "a client asking for another name: /api/ports/2908 shows no traffic" \
	test "$(curl -s -m 10 -H 'Host: example.org' "$B/api/ports/2908" | jq -c '.ports[0].traffic')" = '{"shown":false,"reason":"shown only to clients that may see the host"}'
get "$B/ports/2908" -m 10 -H "Host: example.org"
expect_http "... and the page says it is shown only to this machine" 200 "text/html" 'What crosses the ports is shown only to visitors on this machine'

if wait_for "$B/api/ports/22999" '.ports[0].traffic | .ports_seen >= 3000 and .ports_detailed <= 1024 and .detailed == false and .transports == []'; then
	_tap 1 "/api/ports/22999 (one of 3,000 ports, past those followed one by one): not detailed, and says so"
else
	_tap 0 "/api/ports/22999: not detailed" "$(printf '%s' "$J" | jq -c '.ports[0].traffic | del(.transports)')"
fi
get "$B/ports/22999" -m 10
expect_http "... the page says the port is not among the busiest detailed" 200 "text/html" 'only the 1024 busiest are detailed'

# ---- who holds what ----
cap=$(pgrep -P "$SRV" -x portlore-capt | head -1)
[ -n "$cap" ] && _tap 1 "the capture runs in its own process ($cap)" || _tap 0 "the capture runs in its own process" "$(ps -o pid,comm --ppid "$SRV")"
pk=$(ss -0 -a -p 2>/dev/null)
if [ -n "$cap" ] && printf '%s' "$pk" | grep -q "pid=$cap," && ! printf '%s' "$pk" | grep -q "pid=$SRV,"; then
	_tap 1 "the packet socket is the capture process's; the HTTP process holds none"
else
	_tap 0 "the packet socket is the capture process's only" "$pk"
fi
if [ -n "$cap" ]; then
	st=$(grep -E '^(CapEff|CapPrm|NoNewPrivs|Seccomp):' "/proc/$cap/status" | tr -s '\t ' ' ' | tr '\n' ';')
	[[ "$st" == *"CapPrm: 0000000000000000"* && "$st" == *"CapEff: 0000000000000000"* && "$st" == *"NoNewPrivs: 1"* && "$st" == *"Seccomp: 2"* ]] &&
		_tap 1 "the capture process: no capability, no_new_privs, seccomp" || _tap 0 "the capture process gave up its rights" "$st"
	# Landlock: it may not open a file (its /proc/PID/fd shows only stdio, its pipe and the capture)
	nfd=$(ls "/proc/$cap/fd" | wc -l)
	[ "$nfd" -le 6 ] && _tap 1 "the capture process holds $nfd descriptors (stdio, pipe, capture)" ||
		_tap 0 "the capture process holds few descriptors" "$(ls -l "/proc/$cap/fd")"
fi
http_caps=$(sed -n 's/^CapEff:\t//p' "/proc/$SRV/status")
check "the HTTP process has no capability (CapEff $http_caps)" test "$http_caps" = 0000000000000000
stop cap "$SRV"
for _ in $(seq 50); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.1; done
[ -z "$cap" ] || ! kill -0 "$cap" 2>/dev/null && _tap 1 "the capture process ends with the server" || _tap 0 "the capture process ends with the server"

# ---- only the ports asked ----
serve only --db "$T_DIR/fb2.db" --capture lo --capture-port 2909,2990-2999 || { _tap 0 "serve --capture-port starts"; finish; exit; }
B="http://$ADDR"
for i in 1 2; do curl -s -m 10 -o /dev/null "http://127.0.0.1:2908/?again=$i"; done
python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 2909)); s.sendall(b"*1\r\n$4\r\nPING\r\n"); s.recv(100); s.close()'
if wait_for "$B/api/ports/2909" '.ports[0].traffic.transports | length > 0'; then
	check "--capture-port 2909,2990-2999: 2909 seen, 2908 not; the filter names the ports" \
		test "$(curl -s -m 10 "$B/api/ports/2908" | jq '.ports[0].traffic | .transports == [] and (.filter | test("port 2909 or portrange 2990-2999"))')" = true
else
	_tap 0 "--capture-port 2909: 2909 seen" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
# the capture process killed: the server goes on with its last summary, and says so
cap=$(pgrep -P "$SRV_PID" -x portlore-capt | head -1)
[ -n "$cap" ] && kill -9 "$cap"
if wait_for "$B/api/ports/2909" '.ports[0].traffic | .capture_stopped and (.transports | length > 0)'; then
	_tap 1 "the capture process killed: the API keeps its last summary, marked stopped"
else
	_tap 0 "the capture process killed: the API keeps its last summary" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
get "$B/ports/2909" -m 10
expect_http "... the page says so" 200 "text/html" 'The capture process has stopped'
curl -s -m 10 "$B/metrics" | grep -qx 'portlore_traffic_capturing 0' && _tap 1 "... /metrics: portlore_traffic_capturing 0" ||
	_tap 0 "... /metrics: portlore_traffic_capturing 0"
stop only "$SRV_PID"

# ---- the flow table's bound ----
serve small --db "$T_DIR/fb5.db" --capture lo --capture-port 2908 --capture-flows 16 || { _tap 0 "serve --capture-flows 16 starts"; finish; exit; }
B="http://$ADDR"
python3 - <<'EOF2' &
import socket, time
held = []
for i in range(40):
    s = socket.create_connection(("127.0.0.1", 2908)); held.append(s)
time.sleep(4)
EOF2
HOLD=$!
WEB_PIDS+=("$HOLD")
if wait_for "$B/api/ports/2908" '.ports[0].traffic.counts | .flows >= 40 and .open_flows <= 16 and .evicted_full >= 24'; then
	_tap 1 "--capture-flows 16: 40 connections held, at most 16 flows kept, the idlest finished ($(printf '%s' "$J" | jq -c '.ports[0].traffic.counts | {flows, open_flows, evicted_full}'))"
else
	_tap 0 "--capture-flows 16: at most 16 flows kept" "$(printf '%s' "$J" | jq -c .ports[0].traffic.counts)"
fi
check "... every one of the 40 still counted on 2908" \
	test "$(printf '%s' "$J" | jq '[.ports[0].traffic.transports[] | select(.transport == "tcp") | .flows] == [40]')" = true
kill "$HOLD" 2>/dev/null
stop small "$SRV_PID"

# ---- a window that starts afresh ----
serve win --db "$T_DIR/fb6.db" --capture lo --capture-port 2908 --capture-window 10 || { _tap 0 "serve --capture-window 10 starts"; finish; exit; }
B="http://$ADDR"
for i in 1 2; do curl -s -m 10 -o /dev/null "http://127.0.0.1:2908/?w=$i"; done
if wait_for "$B/api/ports/2908" '[.ports[0].traffic.transports[] | .flows] == [2]'; then
	since=$(printf '%s' "$J" | jq -r .ports[0].traffic.since)
	# 10 s after it began, the summary starts afresh: a later "since", nothing on 2908 since then
	for _ in $(seq 75); do
		J=$(curl -s -m 10 "$B/api/ports/2908")
		[ "$(printf '%s' "$J" | jq -r .ports[0].traffic.since)" != "$since" ] && break
		sleep 0.2
	done
	check "--capture-window 10: after 10 s a new window (since $since -> $(printf '%s' "$J" | jq -r .ports[0].traffic.since)), the old flows gone" \
		test "$(printf '%s' "$J" | jq --arg s "$since" '.ports[0].traffic | .since > $s and .transports == [] and .counts.flows == 0')" = true
else
	_tap 0 "--capture-window 10: two flows seen first" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
stop win "$SRV_PID"

# ---- a capture that cannot open ----
serve nodev --db "$T_DIR/fb3.db" --capture pl-nosuchdev || { _tap 0 "serve --capture on a missing interface starts"; finish; exit; }
B="http://$ADDR"
if wait_for "$B/api/ports/2908" '.ports[0].traffic.captured == false and (.ports[0].traffic.error | length > 0)'; then
	_tap 1 "a missing interface: the API says the capture could not run, and why"
else
	_tap 0 "a missing interface: the API says why" "$(printf '%s' "$J" | jq -c .ports[0].traffic)"
fi
get "$B/ports/2908" -m 10
expect_http "... the page says so too" 200 "text/html" 'The capture on pl-nosuchdev could not run'
check "... and serve's log" grep -q "portlore-capture: cannot capture on pl-nosuchdev" "$T_DIR/nodev.err"
curl -s -m 10 "$B/metrics" | grep -qx 'portlore_traffic_capturing 0' && _tap 1 "... /metrics: portlore_traffic_capturing 0" ||
	_tap 0 "... /metrics: portlore_traffic_capturing 0"
stop nodev "$SRV_PID"

# ---- without --capture ----
serve plain --db "$T_DIR/fb4.db" || { _tap 0 "serve starts"; finish; exit; }
B="http://$ADDR"
check "without --capture: /api/ports/2908 has no traffic member (it is \`portlore 2908 --json\`'s document)" \
	test "$(curl -s -m 10 "$B/api/ports/2908" | jq '.ports[0] | has("traffic")')" = false
get "$B/ports/2908" -m 10
if grep -q 'id="traffic"' "$T_DIR/body"; then _tap 0 "... nor the page a traffic section"; else _tap 1 "... nor the page a traffic section"; fi
curl -s -m 10 "$B/metrics" >"$T_DIR/metrics"
if grep -q '^portlore_traffic' "$T_DIR/metrics"; then _tap 0 "... nor /metrics a traffic series"; else _tap 1 "... nor /metrics a traffic series"; fi
stop plain "$SRV_PID"
finish
