#!/bin/bash
# The port page in Debian's Chromium, driven by Playwright (tests/web/browser.mjs): find mao and the ghost
# verdict, vote, reload, see the count; save a screenshot in the build folder and name it. Skipped, and
# said so, when Chromium, node or tests/web/node_modules (make check runs npm ci) is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
ROOT=${PL_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
WEB=$ROOT/tests/web
[ -x /usr/bin/chromium ] || { skip_test "browser test" "/usr/bin/chromium is not installed (make deps)"; finish; exit; }
command -v node >/dev/null || { skip_test "browser test" "node is not installed"; finish; exit; }
[ -d "$WEB/node_modules/playwright-core" ] || { skip_test "browser test" "run 'npm ci' in tests/web (make check does)"; finish; exit; }

serve browser --db "$T_DIR/fb.db" || { _tap 0 "portlore serve starts"; finish; exit; }
shot=${PL_BUILD_DIR:-$T_DIR}/web-2908.png
rm -f "$shot"
timeout 120 node "$WEB/browser.mjs" "http://$ADDR" "$shot" >"$T_DIR/node.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	PASS\ *) _tap 1 "${line#PASS }" ;;
	FAIL\ *) _tap 0 "${line#FAIL }" ;;
	esac
done <"$T_DIR/node.out"
[ $rc = 0 ] && _tap 1 "the browser run ends well" || _tap 0 "the browser run ends well" "$(tail -20 "$T_DIR/node.out")"
[ -s "$shot" ] && { _tap 1 "a screenshot was saved"; echo "# screenshot: $shot"; } || _tap 0 "a screenshot was saved"
finish
