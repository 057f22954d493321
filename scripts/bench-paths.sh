#!/bin/sh
# bench-paths.sh [PATHS] [DELAY_MS] - many sending paths in parallel. A
# fake MX on 127.0.0.1 waits DELAY_MS (default 50) before each reply; PATHS
# (default 200) paths, each from its own 127.0.0.x source, probe it with
# --jobs 1 and --jobs 50. Prints wall time and peak memory of each run and
# how far --jobs 50 is from the ideal (PATHS/50 times one probe's time).
# A benchmark, not a test: it judges nothing. Targets (README): within
# 1.5x of the ideal, peak memory under 64 MiB. Run `make` first.
set -u
export LC_ALL=C

paths=${1:-200}
delay=${2:-50}
# A benchmark is not a run to remember: no history unless asked for.
SMTPPROBE_HISTORY=${SMTPPROBE_HISTORY:-off}
export SMTPPROBE_HISTORY
top=$(cd "$(dirname "$0")/.." && pwd)
probe="$top/smtpprobe"
TESTNET_FAKEMX="$top/build/rel/fakemx"
[ -x "$probe" ] && [ -x "$TESTNET_FAKEMX" ] || { echo "run: make all build/rel/fakemx" >&2; exit 3; }
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
. "$top/scripts/lib-testnet.sh"
testnet_init bench || { echo "bench-paths: $TESTNET_ERROR" >&2; exit 3; }
work=$TESTNET_WORK

# Each event: wait, then the usual reply.
printf '%s\n' "banner 220 bench.test ESMTP" "ehlo 250 bench.test" \
    "mail 250 2.1.0 OK" "rcpt 250 2.1.5 OK" "data 354 Go ahead" \
    "eod 250 2.0.0 OK queued" "quit 221 2.0.0 Bye" |
while read -r ev reply; do
	printf '%s sleep: %s\n%s: %s\n' "$ev" "$delay" "$ev" "$reply"
done >"$work/slow.scn"
testnet_fakemx_start "$work/slow.scn" --timeout 60 ||
    { echo "bench-paths: $TESTNET_ERROR" >&2; exit 3; }
port=$TESTNET_MX_PORT

# A profile that allows the parallelism under test: the shipped ones are
# polite to real providers (a couple of connections at once).
cat >"$work/bench.yaml" <<PROFILE
name: bench
provider: generic
starttls: "off"
max_connections: 100
min_interval: 0
PROFILE
{
	echo "paths:"
	i=0
	while [ "$i" -lt "$paths" ]; do
		echo "  - name: p$i"
		echo "    source: 127.0.$((i / 250)).$((i % 250 + 2))"
		echo "    helo: p$i.bench.test"
		echo "    mail_from: probe@bench.test"
		echo "    recipients: { bench: postmaster@bench.test }"
		i=$((i + 1))
	done
} >"$work/paths.yaml"

run() {
	jobs=$1
	/usr/bin/time -f "%e %M" -o "$work/t$jobs" "$probe" send \
	    --config "$work/paths.yaml" --profile "$work/bench.yaml" \
	    --server "127.0.0.1:$port" --no-check --jobs "$jobs" --format nagios \
	    --lock-file "$work/lock" >"$work/out$jobs" 2>&1 || true
	# The last line: /usr/bin/time may first say the exit status.
	tail -n 1 "$work/t$jobs" >"$work/l$jobs"
	read -r wall rss <"$work/l$jobs"
	echo "$wall" >"$work/w$jobs"
	printf -- "--jobs %-3s wall %7.2f s  peak RSS %6.1f MiB  %s\n" "$jobs" \
	    "$wall" "$(echo "$rss" | awk '{ print $1 / 1024 }')" \
	    "$(cut -c1-40 "$work/out$jobs")"
}

run 1
run 50
awk -v p="$paths" -v a="$(cat "$work/w1")" -v b="$(cat "$work/w50")" 'BEGIN {
	one = a / p; rounds = int((p + 49) / 50); ideal = one * rounds;
	printf "one probe %.3f s; ideal for --jobs 50: %.2f s; measured %.2f s = %.2fx ideal; speed-up %.1fx\n",
	    one, ideal, b, b / ideal, a / b }'
