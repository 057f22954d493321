#!/bin/sh
# valgrind-probe.sh SMTPPROBE FAKEMX - run whole probes under valgrind's
# memcheck, the way `make demo` runs them: the project's fake MX plays
# Gmail (tests/scenarios/gmail-sim-spf.scn) on 127.0.0.1 with a certificate
# from a throwaway CA (tests/mkcerts.sh), and a private dnsmasq says that
# gmail.test's MX is mx1.gmail.test. Two probes with the gmail profile:
# from 127.0.0.3, which gets the 550-5.7.26 block after DATA (exit 2),
# and from 127.0.0.2, which is accepted (exit 0). Each goes through DNS,
# connect, STARTTLS with certificate checks, the message and QUIT, and
# prints its text report.
#
# A run passes when the probe exits as expected and memcheck reports no
# error: no invalid access, no use of uninitialised memory, no definite or
# indirect leak (--errors-for-leak-kinds), and no descriptor of ours left
# open at exit (--track-fds). Only loopback addresses are used; everything
# started here is stopped on exit (scripts/lib-testnet.sh). Called by
# `make valgrind`.
#
# Exit: 0 when both runs pass, 1 when one fails, 3 when the setup fails.
set -u

[ "$#" -eq 2 ] || {
	echo "usage: valgrind-probe.sh SMTPPROBE FAKEMX" >&2
	exit 3
}
probe=$1
TESTNET_FAKEMX=$2
# A benchmark is not a run to remember: no history unless asked for.
SMTPPROBE_HISTORY=${SMTPPROBE_HISTORY:-off}
export SMTPPROBE_HISTORY
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib-testnet.sh"

die() {
	echo "valgrind-probe: $*" >&2
	exit 3
}

testnet_init valgrind || die "$TESTNET_ERROR"
work=$TESTNET_WORK
command -v valgrind >/dev/null 2>&1 || die "valgrind is not installed"
testnet_gmail_start --log "$work/fakemx.log" || die "$TESTNET_ERROR"
dns_port=$TESTNET_DNS_PORT
mx_port=$TESTNET_MX_PORT

# Descriptors open at exit that we opened: valgrind follows each "Open
# file descriptor N:" line with where it was opened, or with "<inherited
# from parent>" for those we were started with (stdin, stdout, stderr,
# and whatever the caller leaked to us).
leaked_fds() {
	awk '/Open file descriptor [0-9]+:/ { seen = 1; next }
	    seen { if ($0 !~ /inherited from parent/) n++; seen = 0 }
	    END { print n + 0 }' "$1"
}

# run SOURCE EXPECTED_EXIT: one probe under memcheck.
run() {
	src=$1
	want=$2
	log="$work/valgrind-$src.log"
	out="$work/probe-$src.out"
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --track-fds=yes --log-file="$log" \
	    "$probe" send --profile gmail --to postmaster@gmail.test \
	    --from probe@example.test --source "$src" \
	    --helo mail.example.test --dns-server "127.0.0.1:$dns_port" \
	    --allow-loopback-mx --port "$mx_port" --tls-ca "$work/certs/ca.pem" --timeout 30 \
	    >"$out" 2>&1
	status=$?
	summary=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: //p' "$log")
	fds=$(leaked_fds "$log")
	echo "valgrind: probe from $src: exit $status (want $want)," \
	    "errors: ${summary:-none reported}, descriptors left open: $fds"
	grep '^verdict:' "$out"
	if [ "$status" -eq "$want" ] && [ "$fds" -eq 0 ] &&
	    expr "$summary" : '0 errors' >/dev/null; then
		return 0
	fi
	echo "valgrind: probe from $src FAILED; its output:" >&2
	cat "$out" >&2
	echo "valgrind: memcheck's log:" >&2
	cat "$log" >&2
	return 1
}

fail=0
run 127.0.0.3 2 || fail=1
run 127.0.0.2 0 || fail=1
exit $fail
