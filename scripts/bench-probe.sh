#!/bin/sh
# bench-probe.sh [N] - CPU time and peak memory of one whole probe (DNS
# through a local dnsmasq, TCP, STARTTLS, the message, QUIT) against the
# fake MX on loopback, next to `openssl s_client -starttls smtp` (the
# handshake alone) as the yardstick. A benchmark, not a test: it prints
# figures and judges nothing. Run `make` first; needs /usr/bin/time.
#
# Target (README): a probe within 1.25x of s_client's CPU and under
# 12 MiB resident.
set -eu
export LC_ALL=C

n=${1:-50}
# A benchmark is not a run to remember: no history unless asked for.
SMTPPROBE_HISTORY=${SMTPPROBE_HISTORY:-off}
export SMTPPROBE_HISTORY
top=$(cd "$(dirname "$0")/.." && pwd)
probe="$top/smtpprobe"
TESTNET_FAKEMX="$top/build/rel/fakemx"
[ -x "$probe" ] && [ -x "$TESTNET_FAKEMX" ] || { echo "run: make all build/rel/fakemx" >&2; exit 3; }
if [ ! -x /usr/bin/time ]; then
	echo "bench-probe: installing the 'time' package" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
	    { echo "bench-probe: needs /usr/bin/time" >&2; exit 3; }
fi
. "$top/scripts/lib-testnet.sh"
testnet_init bench || { echo "bench-probe: $TESTNET_ERROR" >&2; exit 3; }
work=$TESTNET_WORK
testnet_gmail_start || { echo "bench-probe: $TESTNET_ERROR" >&2; exit 3; }
dns_port=$TESTNET_DNS_PORT
port=$TESTNET_MX_PORT

# CPU: bash's `time` over the whole loop (getrusage of the children, to
# the microsecond; /usr/bin/time's %U has only 10 ms steps). Memory: the
# largest RSS /usr/bin/time saw in one run.
measure() {
	label=$1
	shift
	: >"$work/times"
	cpu=$(bash -c 'TIMEFORMAT="%3U %3S"; { time for i in $(seq "$0"); do
	    "$@" </dev/null >/dev/null 2>&1; done; } 2>&1' "$n" "$@" |
	    awk '{ print $1 + $2 }')
	i=0
	while [ "$i" -lt "$n" ]; do
		/usr/bin/time -a -o "$work/times" -f "%M" "$@" \
		    </dev/null >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	awk -v label="$label" -v n="$n" -v cpu="$cpu" '{ if ($1 > rss) rss = $1 }
	    END { printf "%-34s %6.2f ms CPU per run, peak RSS %5.1f MiB (%d runs)\n",
	          label, cpu * 1000 / n, rss / 1024, n }' "$work/times"
}

measure "openssl s_client -starttls smtp" openssl s_client -brief \
    -starttls smtp -connect "127.0.0.1:$port" -servername mx1.gmail.test \
    -CAfile "$work/certs/ca.pem"
measure "smtpprobe send (whole probe)" "$probe" send --profile gmail \
    --to postmaster@gmail.test --from probe@example.test \
    --source 127.0.0.2 --helo bench.example.test \
    --dns-server "127.0.0.1:$dns_port" --allow-loopback-mx --port "$port" \
    --tls-ca "$work/certs/ca.pem"
