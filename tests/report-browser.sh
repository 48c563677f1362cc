#!/usr/bin/env bash
# Open a report in headless Chromium: it must load without console errors,
# and a screenshot is taken (REPORT_DIR/report-screenshot.png).
#   tests/report-browser.sh RESULTS_DIR
set -u
dir=$1
[ -f "$dir/report.html" ] || { echo "FAIL: no $dir/report.html"; exit 1; }
command -v chromium > /dev/null || { echo "FAIL: chromium is not installed (make deps)"; exit 1; }
prof=$(mktemp -d /tmp/bhbench-chromium.XXXXXX)
trap 'rm -rf "$prof"' EXIT
shot=$dir/report-screenshot.png
rm -f "$shot"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$prof" --enable-logging=stderr --v=0 --window-size=1200,2400 \
	--screenshot="$shot" "file://$(cd "$dir" && pwd)/report.html" 2> "$prof/stderr"
rc=$?
if grep -E 'CONSOLE|Uncaught|net::ERR_' "$prof/stderr"; then
	echo "FAIL: the report logs errors in Chromium"; exit 1
fi
if [ $rc -ne 0 ] || [ "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ] ||
   [ "$(stat -c %s "$shot")" -lt 20000 ]; then
	echo "FAIL: no screenshot (chromium exit $rc)"; exit 1
fi
echo "PASS: report opens in headless Chromium without console errors; screenshot $shot"
