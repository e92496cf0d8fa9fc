#!/bin/bash
# `portlore serve` against nginx serving the saved HTML of the same page (/ports/2908), one after the
# other in one run, with wrk: prints the requests per second of both, their ratio, portlore's p99 latency
# and the errors. Goals (issue 6): ratio >= 0.5, p99 < 5 ms, no errors at 256 connections.
# Usage: bench/web.sh [PATH/TO/portlore] [DURATION] [CONNECTIONS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PORTLORE=${1:-$here/../build/portlore}
DURATION=${2:-30s}
CONNS=${3:-256}
for tool in wrk nginx curl; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed (make deps)" >&2; exit 3; }
done
tmp=$(mktemp -d /tmp/portlore-bench-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# portlore on a port of its choosing: it prints the address it bound
"$PORTLORE" serve --listen 127.0.0.1:0 --db "$tmp/feedback.db" 2>"$tmp/portlore.err" &
pids+=($!)
for _ in $(seq 50); do grep -q 'serving http://' "$tmp/portlore.err" 2>/dev/null && break; sleep 0.1; done
paddr=$(grep -o 'serving http://[0-9.]*:[0-9]*' "$tmp/portlore.err" | sed 's|serving http://||')
[ -n "$paddr" ] || { cat "$tmp/portlore.err" >&2; exit 3; }

# nginx with the page as portlore serves it now
mkdir -p "$tmp/nginx/html/ports" "$tmp/nginx/tmp"
curl -sf "http://$paddr/ports/2908" -o "$tmp/nginx/html/ports/2908"
chmod -R a+rX "$tmp"
nport=""
for p in $(shuf -i 20000-30000 -n 20); do
	ss -Htln "sport = :$p" | grep -q . || { nport=$p; break; }
done
sed "s/@PORT@/$nport/" "$here/nginx.conf" >"$tmp/nginx/nginx.conf"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e stderr -g 'daemon off;' 2>"$tmp/nginx.err" &
pids+=($!)
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$nport/ports/2908" && break; sleep 0.1; done
cmp -s <(curl -s "http://127.0.0.1:$nport/ports/2908") "$tmp/nginx/html/ports/2908" ||
	{ echo "nginx does not serve the page" >&2; cat "$tmp/nginx.err" >&2; exit 3; }
echo "page: $(wc -c <"$tmp/nginx/html/ports/2908") bytes; wrk -t2 -c$CONNS -d$DURATION; $(nproc) CPUs"

bench() { # bench NAME URL -> prints a summary line, leaves the wrk output in $tmp/NAME.wrk
	wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$2" >"$tmp/$1.wrk" 2>&1
	awk -v name="$1" '
		/Requests\/sec/ { rps = $2 }
		/^ +99%/ { p99 = $2 }
		/^ +50%/ { p50 = $2 }
		/Socket errors/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
		/Non-2xx/ { bad = $5 }
		END { printf "%-9s %10.0f req/s   p50 %-8s p99 %-8s errors %d\n", name, rps, p50, p99, errs + bad }
	' "$tmp/$1.wrk"
}
n=$(bench nginx "http://127.0.0.1:$nport/ports/2908")
p=$(bench portlore "http://$paddr/ports/2908")
echo "$n"
echo "$p"
awk -v a="$(awk '/Requests\/sec/ {print $2}' "$tmp/portlore.wrk")" \
    -v b="$(awk '/Requests\/sec/ {print $2}' "$tmp/nginx.wrk")" \
    'BEGIN { printf "ratio portlore / nginx = %.2f (goal >= 0.5)\n", a / b }'
echo "portlore p99: $(awk '/^ +99%/ {print $2}' "$tmp/portlore.wrk") (goal < 5ms)"
