# Helpers for the web_*.sh scripts, after lib.sh: start `portlore serve` on a port it picks itself and
# read the address it prints; every server started is killed on exit.
WEB_PIDS=()
web_cleanup() {
	for p in "${WEB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	{ wait; } 2>/dev/null
	rm -rf "$T_DIR"
}
trap web_cleanup EXIT

# serve NAME ARGS...: starts `portlore serve --listen 127.0.0.1:0 ARGS` (ARGS may give another --listen),
# sets $ADDR (host:port), $SRV_PID; stderr goes to $T_DIR/NAME.err. Returns 1 when it does not come up.
serve() {
	local name=$1
	shift
	serve_cmd "$name" "$PORTLORE" serve --listen 127.0.0.1:0 "$@"
}

# serve_cmd NAME COMMAND...: the same for any command line (e.g. under `ip netns exec`).
serve_cmd() {
	local name=$1 i
	shift
	: >"$T_DIR/$name.err"
	"$@" 2>"$T_DIR/$name.err" &
	SRV_PID=$!
	WEB_PIDS+=("$SRV_PID")
	ADDR=""
	for i in $(seq 100); do
		ADDR=$(sed -n 's|.*serving http://\([^/]*\)/.*|\1|p' "$T_DIR/$name.err")
		[ -n "$ADDR" ] && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# server $name did not start:" && sed 's/^/# /' "$T_DIR/$name.err"
	return 1
}

# get URL [CURL ARGS...]: sets $STATUS, $CTYPE; body in $T_DIR/body, headers in $T_DIR/headers
get() {
	local url=$1
	shift
	local w
	w=$(curl -s -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code} %{content_type}' "$@" "$url")
	STATUS=${w%% *}
	CTYPE=${w#* }
}

# expect_http DESC STATUS TYPE_PREFIX [PATTERN_IN_BODY]
expect_http() {
	local desc=$1 st=$2 ty=$3 pat=${4:-} ok=1 why=""
	[ "$STATUS" = "$st" ] || { ok=0; why="status $STATUS, wanted $st"; }
	[[ "$CTYPE" == "$ty"* ]] || { ok=0; why="$why; type '$CTYPE', wanted '$ty'"; }
	if [ -n "$pat" ] && ! grep -qE -- "$pat" "$T_DIR/body"; then ok=0; why="$why; body lacks /$pat/"; fi
	_tap "$ok" "$desc" "$why
$(head -c 600 "$T_DIR/body")"
}
