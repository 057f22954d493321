#!/bin/sh
# check-prometheus.sh SMTPPROBE FAKEMX - smtpprobe serve as a real
# Prometheus scrapes it. First promtool checks the shipped alerting rules
# and runs their unit tests (contrib/prometheus/). Then it starts the
# simulated Gmail (the demo's test
# network: loopback only), `smtpprobe serve` with two paths (mail1 is
# accepted, mail2 from 127.0.0.3 is refused), and Debian's prometheus on
# 127.0.0.1 with a temporary config and data folder, a 1 s scrape and
# evaluation interval and the shipped alerting rules with every "for"
# cut to 2 s. Asserts through Prometheus' HTTP API (/api/v1/query,
# /api/v1/alerts) that the series arrive with the host label and that
# SmtpprobePathRefused fires for mail2; and that the fake MX saw two
# sessions only, however often Prometheus scraped; and promtool check
# metrics accepts serve's /metrics. Exit 1 on failure,
# 77 when prometheus or curl is not installed (a skip, said on stderr).
# Everything it starts is stopped on any exit.
set -u
probe=${1:?usage: check-prometheus.sh SMTPPROBE FAKEMX}
TESTNET_FAKEMX=${2:?usage: check-prometheus.sh SMTPPROBE FAKEMX}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib-testnet.sh"

# The whole check must stay well under a minute.
DEADLINE_S=20

prometheus=$(command -v prometheus || true)
curl=$(command -v curl || true)
if [ -z "$prometheus" ] || [ -z "$curl" ]; then
	echo "check-prometheus: skipped: prometheus or curl is not installed" \
	    "(apt-get install prometheus curl)" >&2
	exit 77
fi
work=""
fail() {
	echo "check-prometheus: $*" >&2
	[ -n "$work" ] || exit 1
	for f in serve.err prometheus.log; do
		[ -s "$work/$f" ] && sed "s/^/check-prometheus: $f: /" \
		    "$work/$f" | tail -5 >&2
	done
	exit 1
}

# The shipped rules: valid, and their unit tests pass.
promtool=$(dirname "$prometheus")/promtool
[ -x "$promtool" ] || promtool=$(command -v promtool || true)
[ -n "$promtool" ] || fail "promtool is missing next to prometheus"
rules=$top/contrib/prometheus/smtpprobe-alerts.yml
"$promtool" check rules "$rules" >/dev/null 2>&1 ||
    fail "promtool check rules: $("$promtool" check rules "$rules" 2>&1 | tail -3)"
(cd "$top/contrib/prometheus" && "$promtool" test rules \
    smtpprobe-alerts.test.yml >/dev/null 2>&1) ||
    fail "promtool test rules: $(cd "$top/contrib/prometheus" &&
    "$promtool" test rules smtpprobe-alerts.test.yml 2>&1 | tail -8)"

serve_pid=""
prom_pid=""
stop_all() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	[ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null
	[ -n "$serve_pid" ] && wait "$serve_pid" 2>/dev/null
	[ -n "$prom_pid" ] && wait "$prom_pid" 2>/dev/null
	serve_pid=""
	prom_pid=""
	testnet_stop
}
testnet_init prometheus || { echo "check-prometheus: $TESTNET_ERROR" >&2; exit 1; }
work=$TESTNET_WORK
trap stop_all EXIT
trap 'exit 1' INT TERM
testnet_gmail_start --log "$work/fakemx.log" || fail "$TESTNET_ERROR"
testnet_paths "$work/paths.yaml" 2

# Made here: the background job's redirection may come after the first read.
: >"$work/serve.err"
SMTPPROBE_HISTORY=off "$probe" serve --config "$work/paths.yaml" \
    --listen 127.0.0.1:0 --interval 1h --jitter 0 \
    --dns-server "127.0.0.1:$TESTNET_DNS_PORT" --allow-loopback-mx \
    --port "$TESTNET_MX_PORT" --tls-ca "$work/certs/ca.pem" --timeout 10 \
    2>"$work/serve.err" &
serve_pid=$!
serve_port=""
i=0
while [ -z "$serve_port" ] && [ $i -lt 100 ]; do
	serve_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' \
	    "$work/serve.err")
	[ -n "$serve_port" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$serve_port" ] || fail "smtpprobe serve did not start"

# The shipped rules, with every "for" made short enough for a test.
sed 's/^\( *for:\) .*/\1 2s/' "$rules" >"$work/rules.yml"
cat >"$work/prometheus.yml" <<PROM
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $work/rules.yml
scrape_configs:
  - job_name: smtpprobe
    static_configs:
      - targets: ['127.0.0.1:$serve_port']
        labels:
          host: probe1
PROM

# A free port, found by trying: prometheus exits at once when it is taken.
for try in 1 2 3 4 5; do
	prom_port=$((20000 + ($$ * 7 + try * 7919) % 40000))
	"$prometheus" --config.file="$work/prometheus.yml" \
	    --storage.tsdb.path="$work/data" \
	    --web.listen-address="127.0.0.1:$prom_port" \
	    --log.level=warn >"$work/prometheus.log" 2>&1 &
	prom_pid=$!
	i=0
	while [ $i -lt 50 ]; do
		"$curl" -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null \
		    2>&1 && break 2
		kill -0 "$prom_pid" 2>/dev/null || break
		sleep 0.2
		i=$((i + 1))
	done
	kill "$prom_pid" 2>/dev/null
	wait "$prom_pid" 2>/dev/null
	prom_pid=""
done
[ -n "$prom_pid" ] || fail "prometheus did not start"
api="http://127.0.0.1:$prom_port/api/v1"

# until SECONDS URL-PATH GREP-PATTERN...: poll the API until the answer
# holds every pattern; the last answer in $answer.
answer=""
until_api() {
	end=$(($(date +%s) + $1))
	path=$2
	shift 2
	while [ "$(date +%s)" -le "$end" ]; do
		answer=$("$curl" -sf -G "$api/$path" 2>/dev/null || true)
		ok=1
		for p in "$@"; do
			printf '%s' "$answer" | grep -qE "$p" || ok=0
		done
		[ $ok -eq 1 ] && return 0
		sleep 0.5
	done
	return 1
}

q() { printf 'query=%s' "$1"; }
until_api $DEADLINE_S "query?$(q 'smtpprobe_path_up==0')" \
    '"path":"mail2"' '"host":"probe1"' ||
    fail "no smtpprobe_path_up 0 for mail2 in Prometheus: $answer"
until_api 5 "query?$(q 'smtpprobe_path_up==1')" '"path":"mail1"' ||
    fail "no smtpprobe_path_up 1 for mail1: $answer"
until_api 5 "query?$(q 'smtpprobe_serve_up')" '"host":"probe1"' ||
    fail "no smtpprobe_serve_up: $answer"
until_api $DEADLINE_S alerts '"alertname":"SmtpprobePathRefused"' \
    '"state":"firing"' '"path":"mail2"' ||
    fail "SmtpprobePathRefused did not fire: $answer"
if printf '%s' "$answer" | grep -q '"alertname":"SmtpprobePathRefused"[^}]*"path":"mail1"'; then
	fail "SmtpprobePathRefused fired for mail1, which passes: $answer"
fi
# What serve answers is what promtool accepts (names, types,
# counters), with the cells' families in it.
"$curl" -sf "http://127.0.0.1:$serve_port/metrics" >"$work/metrics.txt" ||
    fail "no answer from smtpprobe serve's /metrics"
"$promtool" check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
    fail "promtool check metrics: $(tail -3 "$work/promtool.out")"

sessions=$(grep -c '^session ' "$work/fakemx.log")
[ "$sessions" -eq 2 ] ||
    fail "the fake MX saw $sessions sessions, not 2: scrapes sent mail"
echo "check-prometheus: ok: series scraped, SmtpprobePathRefused firing," \
    "2 sessions for all the scrapes"
