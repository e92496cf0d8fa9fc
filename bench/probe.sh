#!/bin/bash
# Identifying 20 local services: `portlore probe` against `nmap -sV` on the same ports, alternating in one
# run, inside a network namespace of its own (so nothing else on 127.0.0.1 interferes). The services are
# real Debian servers on 127.0.0.1 (nginx HTTP and TLS, OpenSSH, Redis, PostgreSQL, Mosquitto, dnsmasq),
# many on ports that are not their own. Prints the median wall times and their ratio (goal <= 0.1), then
# checks that every service nmap names, portlore names too, and the same.
# Usage: bench/probe.sh [PATH/TO/portlore] [RUNS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
PORTLORE=$(realpath "${1:-$here/../build/portlore}")
RUNS=${2:-3}
if [ "${PL_PROBE_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/probe.sh: needs root for its network namespace" >&2; exit 3; }
	command -v nmap >/dev/null || { echo "bench/probe.sh: nmap is not installed (make test-deps)" >&2; exit 3; }
	PL_PROBE_IN_NS=1 exec unshare -n bash "$0" "$PORTLORE" "$RUNS"
fi
. "$here/lib.sh"
. "$here/../tests/probe/servers.sh"
ip link set lo up
SRV_DIR=$(mktemp -d /tmp/portlore-bench-probe-XXXXXX)
chmod 755 "$SRV_DIR"
trap 'srv_stop_all; rm -rf "$SRV_DIR"' EXIT

SERVICES="nginx-http:80 nginx-http:8080 nginx-http:8000 nginx-http:2908 nginx-tls:443 nginx-tls:8443 nginx-tls:4443
ssh:22 ssh:2222 ssh:22222 redis:6379 redis:6380 redis:7777 postgresql:5432 postgresql:5433
mosquitto:1883 mosquitto:1884 mosquitto:2883 dnsmasq:53 dnsmasq:1053"
ports=""
for kp in $SERVICES; do
	kind=${kp%%:*} port=${kp#*:}
	miss=$(srv_missing "$kind")
	[ -z "$miss" ] || { echo "bench/probe.sh: $miss is not installed" >&2; exit 3; }
	srv_start "$kind" "$port" || { echo "bench/probe.sh: $kind on $port did not start" >&2; exit 3; }
	ports="$ports,$port"
done
ports=${ports#,}
echo "20 services on 127.0.0.1 (tcp): $ports"

bench_pair "$RUNS" "portlore probe" "nmap -sV" -- "$PORTLORE" probe --json "127.0.0.1:$ports" -- \
	nmap -sV -Pn -n -p "$ports" 127.0.0.1

# Who names what: nmap's service (its XML) beside portlore's protocol, port by port. nmap's guesses from
# the port number alone (method "table", or a name ending in "?") count as naming nothing.
"$PORTLORE" probe --json "127.0.0.1:$ports" >"$SRV_DIR/pl.json"
nmap -sV -Pn -n -p "$ports" -oX "$SRV_DIR/nmap.xml" 127.0.0.1 >/dev/null
python3 - "$SRV_DIR/nmap.xml" "$SRV_DIR/pl.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
same = {"http": "http", "https": "http", "ssh": "ssh", "redis": "redis", "postgresql": "postgresql", "mqtt": "mqtt",
        "domain": "dns", "ftp": "ftp", "smtp": "smtp", "imap": "imap", "pop3": "pop3", "mysql": "mysql", "vnc": "rfb"}
pl = {r["port"]: r for r in json.load(open(sys.argv[2]))["results"]}
missed = nmap_named = pl_named = 0
print("%-6s %-36s %s" % ("PORT", "nmap -sV", "portlore probe"))
for port in ET.parse(sys.argv[1]).getroot().iter("port"):
    num = int(port.get("portid"))
    svc = port.find("service")
    name = svc.get("name", "") if svc is not None else ""
    if name.startswith("mosquitto"):  # nmap's mqtt-subscribe script puts the broker's name in the service's
        name = "mqtt"
    named = svc is not None and svc.get("method") == "probed" and not name.endswith("?")
    nmap_says = " ".join(x for x in [("ssl/" if svc is not None and svc.get("tunnel") == "ssl" else "") + name,
                                     svc.get("product", "") if svc is not None else "",
                                     svc.get("version", "") if svc is not None else ""] if x)
    r = pl.get(num, {})
    ours = " ".join(x for x in [r.get("protocol") or "-", "(in TLS)" if r.get("tls_wrapped") else "",
                                r.get("product") or "", r.get("version") or ""] if x)
    print("%-6d %-36.36s %s" % (num, nmap_says, ours))
    nmap_named += named
    pl_named += r.get("state") == "identified"
    if named and same.get(name, name) != r.get("protocol"):
        print("  ^ nmap names %s, portlore says %s" % (name, r.get("protocol") or "nothing"))
        missed += 1
print("services named: nmap -sV %d of %d, portlore probe %d" % (nmap_named, len(pl), pl_named))
print("services nmap names that portlore leaves unnamed or names otherwise: %d" % missed)
PY
