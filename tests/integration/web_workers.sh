#!/bin/bash
# portlore serve's worker threads (web/workers.c): with one CPU (taskset), one worker serves 256 busy
# keep-alive connections (libmicrohttpd 0.9.75's own loop stopped when all of a thread's 128 or 256 had a
# request waiting, until the clients gave up: a pool of one served wrk's 256 at ~250 requests a second);
# with two CPUs, two workers hold as many of 256 connections each (/metrics'
# portlore_http_worker_connections; racing for the listening socket, one had held 194 and the other 62).
# The clients are tests/integration/web_workers.py. As root, in a network namespace of the test's own.
if [ "$(id -u)" = 0 ] && [ -z "${PL_WORKERS_NETNS:-}" ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	PL_WORKERS_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
CLIENTS=$(dirname "$0")/web_workers.py
for tool in curl jq python3 taskset; do
	command -v $tool >/dev/null || { skip_test "server workers" "$tool is not installed"; finish; exit; }
done
if [ -n "${PL_WORKERS_NETNS:-}" ] && ! ip link set lo up 2>/dev/null; then
	skip_test "server workers" "cannot bring lo up"
	finish
	exit
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null
# the CPUs this test may run on, in order
cpus=($(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))'))
cpu0=${cpus[0]}

# ---- one CPU: one worker, 256 requests at once ----
serve_cmd one taskset -c "$cpu0" "$PORTLORE" serve --listen 127.0.0.1:0 --db "$T_DIR/one.db" ||
	{ _tap 0 "portlore serve starts on one CPU"; finish; exit; }
curl -s "http://$ADDR/metrics" -o "$T_DIR/m1"
n=$(grep -c '^portlore_http_worker_connections{' "$T_DIR/m1")
[ "$n" = 1 ] && _tap 1 "on one CPU, one worker" || _tap 0 "on one CPU, one worker" "$n in /metrics"
# wrk keeps 256 connections busy, each sending its next request as soon as its answer is in: the worker
# finds its whole epoll array ready (the case libmicrohttpd's loop waited on). Before: 178 to 3,503
# requests in 3 s, and timeouts; now ~250,000 on this machine kind. The bound is lenient on purpose.
if command -v wrk >/dev/null; then
	timeout 30 wrk -t1 -c256 -d3s "http://$ADDR/api/ports/2908" >"$T_DIR/wrk1" 2>&1
	reqs=$(awk '/requests in/ {print $1}' "$T_DIR/wrk1")
	errs=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$T_DIR/wrk1")
	echo "# one worker, wrk -t1 -c256 -d3s: ${reqs:-?} requests, ${errs:-0} socket errors"
	[ "${reqs:-0}" -ge 20000 ] && [ "${errs:-0}" = 0 ] &&
		_tap 1 "one worker keeps 256 busy keep-alive connections going: $reqs requests in 3 s, no timeout" ||
		_tap 0 "one worker keeps 256 busy keep-alive connections going" "$(cat "$T_DIR/wrk1")"
else
	skip_test "one worker under wrk" "wrk is not installed (an optional package of make check)"
fi
out=$(timeout 60 python3 "$CLIENTS" host="${ADDR%:*}" port="${ADDR##*:}" conns=256 rounds=8 deadline=5)
echo "# $out"
what="... and answers 256 requests written at once on 256 connections, 8 rounds"
[ "$(echo "$out" | jq -c .answered)" = "[256,256,256,256,256,256,256,256]" ] &&
	_tap 1 "$what (slowest $(echo "$out" | jq .slowest_s) s)" || _tap 0 "$what" "$out"
kill "$SRV_PID"

# ---- two CPUs: two workers, as many connections each ----
if [ "${#cpus[@]}" -lt 2 ]; then
	skip_test "two workers share the connections" "this process may run on one CPU only"
else
	two=${cpus[0]},${cpus[1]}
	serve_cmd two taskset -c "$two" "$PORTLORE" serve --listen 127.0.0.1:0 --db "$T_DIR/two.db" ||
		{ _tap 0 "portlore serve starts on two CPUs"; finish; exit; }
	timeout 60 python3 "$CLIENTS" host="${ADDR%:*}" port="${ADDR##*:}" conns=256 rounds=1 hold=4 >"$T_DIR/hold.json" &
	held=$!
	for _ in $(seq 50); do [ -s "$T_DIR/hold.json" ] && break; sleep 0.1; done
	curl -s "http://$ADDR/metrics" -o "$T_DIR/m2"
	wait "$held"
	counts=$(sed -n 's/^portlore_http_worker_connections{worker="[0-9]*"} //p' "$T_DIR/m2" | tr '\n' ' ')
	echo "# CPUs ${cpus[*]}, serve on $two; held: $(cat "$T_DIR/hold.json"); per worker: $counts"
	# 256 held + the scrape's own connection: 128 and 129
	echo "$counts" | awk '{ if (NF != 2 || $1 + $2 != 257 || $1 - $2 > 1 || $2 - $1 > 1) exit 1 }' &&
		_tap 1 "two workers hold 257 connections as $counts" || _tap 0 "two workers hold as many connections each" "$counts"
fi
finish
