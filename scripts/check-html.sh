#!/bin/sh
# check-html.sh SMTPPROBE FAKEMX [PNG] - the HTML report in a real browser.
# Records two runs of two sending paths against the simulated Gmail (the
# demo's test network: loopback only), writes `smtpprobe report --html`,
# and renders it with Debian's headless Chromium: to a PNG (PNG, default
# report.png in the work folder, kept when given) and to its DOM. Fails
# (exit 1) when the page does not load, when the browser reports a script
# error or a refused resource (the page must need neither), or when the
# rendered DOM lacks the matrix, the refusal or the timeline. Exit 77 when
# chromium is not installed (apt-get install chromium): a skip, said.
set -u
probe=${1:?usage: check-html.sh SMTPPROBE FAKEMX [PNG]}
TESTNET_FAKEMX=${2:?usage: check-html.sh SMTPPROBE FAKEMX [PNG]}
png=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib-testnet.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "check-html: skipped: chromium is not installed" >&2
	exit 77
fi
fail() {
	echo "check-html: $*" >&2
	exit 1
}

testnet_init html || fail "$TESTNET_ERROR"
work=$TESTNET_WORK
testnet_gmail_start --log "$work/fakemx.log" || fail "$TESTNET_ERROR"
testnet_paths "$work/paths.yaml" 2
for run in 1 2; do
	"$probe" send --config "$work/paths.yaml" --profile gmail \
	    --dns-server "127.0.0.1:$TESTNET_DNS_PORT" --allow-loopback-mx \
	    --port "$TESTNET_MX_PORT" --tls-ca "$work/certs/ca.pem" \
	    --timeout 10 --lock-file "$work/lock" \
	    --history "$work/history.sqlite" --format nagios >/dev/null
done
"$probe" report --html "$work/report.html" \
    --history "$work/history.sqlite" || fail "smtpprobe report failed"
[ -n "$png" ] || png=$work/report.png

# A private profile and no network; logging to see console messages.
run_browser() {
	timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$work/chromium" \
	    --enable-logging=stderr --v=1 --hide-scrollbars \
	    --window-size=1280,1400 "$@" "file://$work/report.html"
}
run_browser --screenshot="$png" >/dev/null 2>"$work/shot.err" ||
    fail "chromium did not render the page: $(tail -3 "$work/shot.err")"
[ -s "$png" ] || fail "no screenshot written"
run_browser --dump-dom >"$work/dom.html" 2>"$work/dom.err" ||
    fail "chromium could not load the page: $(tail -3 "$work/dom.err")"
# The page has no script and loads nothing: any such message is a defect.
if grep -E ':CONSOLE[:(]|Uncaught' \
    "$work/shot.err" "$work/dom.err" >"$work/errors" 2>/dev/null; then
	fail "the browser reported: $(head -3 "$work/errors")"
fi
for want in '<th scope="row">mail1</th>' '<th scope="row">mail2</th>' \
    'What is refused, and why' 'google.unauthenticated' \
    'Timeline of changes' '</html>'; do
	grep -qF "$want" "$work/dom.html" ||
	    fail "the rendered page lacks: $want"
done
echo "check-html: ok: rendered $(wc -c <"$png") bytes of PNG, DOM complete"
