#!/bin/sh
# check-tsan.sh [BUILD] - the threaded parts of smtpprobe under
# ThreadSanitizer: `make tsan` builds smtpprobe and the fake MX with
# -fsanitize=thread in BUILD (default build/tsan) and runs this script,
# which drives whole runs through the code that uses threads: a config of
# eight sending paths probed four at a time (--jobs 4: probe_multi's
# workers, the shared results and the history writes), the same run with
# Prometheus and Nagios output and a second run at once against the
# same history file (SQLite's own locking between processes), a relay
# send through libesmtp (its per-thread connect watchdog), and serve
# (scheduler, libmicrohttpd's thread, scrapes, SIGTERM). Any data
# race, lock-order problem or other TSan report fails the run: TSan is
# told to exit 66, and its log is shown.
#
# Why a script and not the Criterion tests: Criterion's shared-memory
# arena cannot be set up under TSan ("Could not initialize inheritable
# arena"), so the unit tests run under ASan+UBSan (`make test`) and the
# threads under TSan here. Only loopback addresses are used; everything
# started here is stopped on exit (scripts/lib-testnet.sh).
# Exit: 0 clean, 1 a TSan report or a run that did not behave, 3 setup.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-build/tsan}
case $b in /*) ;; *) b=$top/$b ;; esac
probe=$b/smtpprobe
TESTNET_FAKEMX=$b/fakemx
. "$top/scripts/lib-testnet.sh"

die() {
	echo "check-tsan: $*" >&2
	exit 3
}

[ -x "$probe" ] && [ -x "$TESTNET_FAKEMX" ] ||
    die "$probe or $TESTNET_FAKEMX missing: run make tsan"
testnet_init tsan || die "$TESTNET_ERROR"
work=$TESTNET_WORK
testnet_gmail_start --log "$work/fakemx.log" || die "$TESTNET_ERROR"
dns_port=$TESTNET_DNS_PORT
mx_port=$TESTNET_MX_PORT

TSAN_OPTIONS="halt_on_error=0 exitcode=66 log_path=$work/tsan"
SMTPPROBE_HISTORY=$work/history.sqlite
SMTPPROBE_DATADIR=$top
export TSAN_OPTIONS SMTPPROBE_HISTORY SMTPPROBE_DATADIR

testnet_paths "$work/smtpprobe.yaml" 8

fails=0
# run NAME WANT ARGS...: one smtpprobe run; WANT is the exit status the
# simulated Gmail leads to (127.0.0.2 passes SPF, the others fail: 2).
run() {
	name=$1 want=$2
	shift 2
	"$probe" "$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -eq 66 ] || ls "$work"/tsan.* >/dev/null 2>&1; then
		echo "check-tsan: $name: ThreadSanitizer reported:" >&2
		cat "$work"/tsan.* >&2
		rm -f "$work"/tsan.*
		fails=$((fails + 1))
	elif [ "$rc" -ne "$want" ]; then
		echo "check-tsan: $name: exit $rc, want $want" >&2
		cat "$work/$name.err" >&2
		fails=$((fails + 1))
	else
		echo "check-tsan: $name: clean (exit $rc)"
	fi
}

common="--config $work/smtpprobe.yaml --profile gmail
    --dns-server 127.0.0.1:$dns_port --allow-loopback-mx --port $mx_port
    --tls-ca $work/certs/ca.pem --timeout 20"
# shellcheck disable=SC2086 # word splitting of $common is wanted
run jobs4 2 send $common --jobs 4 --lock-file "$work/lock1"
# shellcheck disable=SC2086
run formats 2 send $common --jobs 8 --lock-file "$work/lock2" \
    --format prometheus --output "$work/metrics.prom"
# Two runs at once on one history file (different locks).
# shellcheck disable=SC2086
run nagios 2 send $common --jobs 3 --lock-file "$work/lock3" \
    --format nagios &
other=$!
# shellcheck disable=SC2086
run text 2 send $common --jobs 5 --lock-file "$work/lock4"
wait "$other" || fails=$((fails + 1))
run history 0 history --all

# The relay path: libesmtp with our connect watchdog, against the same
# fake MX on its port (it offers STARTTLS; no AUTH is asked for).
run relay 2 send --relay "127.0.0.1:$mx_port" --tls-ca "$work/certs/ca.pem" \
    --from probe@example.test --to postmaster@gmail.test --timeout 20 \
    --no-history

# serve: its scheduler, libmicrohttpd's thread calling our renderer
# under our lock, and a SIGTERM stop, with scrapes while it probes.
: >"$work/serve.err"
"$probe" serve --config "$work/smtpprobe.yaml" --listen 127.0.0.1:0 \
    --interval 1h --jitter 0 --dns-server "127.0.0.1:$dns_port" \
    --allow-loopback-mx --port "$mx_port" --tls-ca "$work/certs/ca.pem" \
    --timeout 20 2>"$work/serve.err" &
serve_pid=$!
port="" i=0
while [ -z "$port" ] && [ $i -lt 200 ]; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' \
	    "$work/serve.err")
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	echo "check-tsan: serve did not start:" >&2
	cat "$work/serve.err" >&2
	fails=$((fails + 1))
elif command -v curl >/dev/null 2>&1; then
	i=0
	while [ $i -lt 20 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true
		sleep 0.2
		i=$((i + 1))
	done
fi
kill -TERM "$serve_pid" 2>/dev/null
wait "$serve_pid"
rc=$?
if [ "$rc" -eq 66 ] || ls "$work"/tsan.* >/dev/null 2>&1; then
	echo "check-tsan: serve: ThreadSanitizer reported:" >&2
	cat "$work"/tsan.* >&2
	fails=$((fails + 1))
elif [ "$rc" -ne 0 ]; then
	echo "check-tsan: serve: exit $rc after SIGTERM, want 0" >&2
	cat "$work/serve.err" >&2
	fails=$((fails + 1))
else
	echo "check-tsan: serve: clean (exit 0)"
fi

if [ "$fails" -ne 0 ]; then
	echo "check-tsan: $fails run(s) failed" >&2
	exit 1
fi
echo "check-tsan: every threaded run clean under ThreadSanitizer"
exit 0
