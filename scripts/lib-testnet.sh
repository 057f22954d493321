# lib-testnet.sh - a private test network on loopback, for the scripts
# that run whole probes (demo.sh, valgrind-probe.sh, bench-probe.sh,
# bench-paths.sh): a dnsmasq that serves a made-up zone, and the
# project's fake MX (tests/fakemx/) playing a scenario. Sourced, never
# run; POSIX sh. Only 127.0.0.1 is used, and nothing started here
# outlives the caller.
#
#   . "$top/scripts/lib-testnet.sh"
#   testnet_init NAME
#	A work folder ${TMPDIR:-/tmp}/smtpprobe-NAME.XXXXXX in
#	TESTNET_WORK, and a trap on EXIT, INT and TERM that runs
#	testnet_stop. A caller that needs a trap of its own sets it after
#	this and calls testnet_stop from it.
#   testnet_dnsmasq_start ARGS...
#	dnsmasq on 127.0.0.1 at a free high port, found by trying (dnsmasq
#	fails at once when the port is taken); ARGS are the zone
#	(--local=/test/ --mx-host=... --host-record=...). Sets
#	TESTNET_DNS_PORT and TESTNET_DNS_PID. dnsmasq's log goes to
#	$TESTNET_WORK/dnsmasq.log, its stderr to $TESTNET_WORK/dnsmasq.err.
#   testnet_fakemx_start SCENARIO [FAKEMX ARGS...]
#	$TESTNET_FAKEMX (set by the caller) on 127.0.0.1 at a port the
#	kernel picks, playing SCENARIO; FAKEMX ARGS go on its command line
#	(--cert, --key, --log, --timeout...). Waits up to 2 s for it to
#	listen. Sets TESTNET_MX_PORT and TESTNET_MX_PID.
#   testnet_gmail_start [FAKEMX ARGS...]
#	The simulated Gmail of tests/scenarios/gmail-sim-spf.scn, as the
#	demo shows it: certificates from a throwaway CA in
#	$TESTNET_WORK/certs (tests/mkcerts.sh; ca.pem is for --tls-ca), a
#	dnsmasq saying that gmail.test's MX is mx1.gmail.test at 127.0.0.1
#	and publishing example.test's SPF, and the fake MX with that
#	server certificate, deciding with SPF against that dnsmasq
#	(--dns-server). Both start functions above, in turn.
#   testnet_paths FILE COUNT
#	A config of COUNT sending paths for the simulated Gmail in FILE:
#	mail1 from 127.0.0.2 (the one example.test's SPF lists), mail2
#	from 127.0.0.3, ... each from probe@example.test to
#	postmaster@gmail.test.
#   testnet_stop
#	Stops both servers, waits for them and removes the work folder.
#	Safe to call twice and under set -e.
#
# One dnsmasq and one fake MX per script. The functions print nothing
# but what the tools they run print; on failure they return 1 and leave
# one line in TESTNET_ERROR for the caller to say in its own name.
# TESTNET_TOP, the repository, comes from $0 (a script in scripts/)
# unless the caller sets it.

TESTNET_TOP=${TESTNET_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
TESTNET_DNSMASQ=${TESTNET_DNSMASQ:-/usr/sbin/dnsmasq}
TESTNET_FAKEMX=${TESTNET_FAKEMX:-}
TESTNET_WORK=""
TESTNET_ERROR=""
TESTNET_DNS_PORT=""
TESTNET_DNS_PID=""
TESTNET_MX_PORT=""
TESTNET_MX_PID=""

testnet_init() {
	TESTNET_WORK=$(mktemp -d "${TMPDIR:-/tmp}/smtpprobe-$1.XXXXXX") || {
		TESTNET_ERROR="cannot make a work folder"
		return 1
	}
	trap testnet_stop EXIT INT TERM
}

testnet_dnsmasq_start() {
	for _testnet_try in 1 2 3 4 5 6 7 8; do
		_testnet_rand=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		TESTNET_DNS_PORT=$((20000 + _testnet_rand % 40000))
		"$TESTNET_DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
		    --no-resolv --no-hosts --no-poll --bind-interfaces \
		    --listen-address=127.0.0.1 --port="$TESTNET_DNS_PORT" \
		    --pid-file= --user=root \
		    --log-facility="$TESTNET_WORK/dnsmasq.log" "$@" \
		    2>"$TESTNET_WORK/dnsmasq.err" &
		TESTNET_DNS_PID=$!
		sleep 0.2
		kill -0 "$TESTNET_DNS_PID" 2>/dev/null && return 0
		TESTNET_DNS_PID=""
	done
	TESTNET_DNS_PORT=""
	TESTNET_ERROR="dnsmasq did not start:"
	TESTNET_ERROR="$TESTNET_ERROR $(cat "$TESTNET_WORK/dnsmasq.err")"
	return 1
}

testnet_fakemx_start() {
	_testnet_scenario=$1
	shift
	"$TESTNET_FAKEMX" --scenario "$_testnet_scenario" \
	    --listen 127.0.0.1 --port 0 --port-file "$TESTNET_WORK/mx.port" \
	    "$@" >/dev/null &
	TESTNET_MX_PID=$!
	# fakemx writes the port file atomically once it listens.
	_testnet_try=0
	while [ ! -s "$TESTNET_WORK/mx.port" ] && [ "$_testnet_try" -lt 20 ]
	do
		sleep 0.1
		_testnet_try=$((_testnet_try + 1))
	done
	if [ ! -s "$TESTNET_WORK/mx.port" ]; then
		TESTNET_ERROR="the fake MX did not start"
		return 1
	fi
	TESTNET_MX_PORT=$(cat "$TESTNET_WORK/mx.port")
}

testnet_gmail_start() {
	if ! "$TESTNET_TOP/tests/mkcerts.sh" "$TESTNET_WORK/certs"; then
		TESTNET_ERROR="cannot make certificates"
		return 1
	fi
	# The sender's zone as a careful operator publishes it for mail1
	# (127.0.0.2): SPF lists only it, it has a PTR that resolves back, and
	# DMARC is at _dmarc. 127.0.0.3 is the server nobody told DNS about.
	testnet_dnsmasq_start --local=/test/ --local=/127.in-addr.arpa/ \
	    --mx-host=gmail.test,mx1.gmail.test,5 \
	    --host-record=mx1.gmail.test,127.0.0.1 \
	    '--txt-record=example.test,v=spf1 ip4:127.0.0.2 -all' \
	    '--txt-record=_dmarc.example.test,v=DMARC1; p=none; rua=mailto:dmarc@example.test' \
	    --host-record=mail1.example.test,127.0.0.2 \
	    --ptr-record=2.0.0.127.in-addr.arpa,mail1.example.test || return 1
	# The fake Gmail checks SPF against that zone (gmail-sim-spf.scn).
	testnet_fakemx_start "$TESTNET_TOP/tests/scenarios/gmail-sim-spf.scn" \
	    --dns-server "127.0.0.1:$TESTNET_DNS_PORT" \
	    --cert "$TESTNET_WORK/certs/server.pem" \
	    --key "$TESTNET_WORK/certs/server.key" "$@"
}

testnet_paths() {
	{
		echo "paths:"
		i=1
		while [ "$i" -le "$2" ]; do
			echo "  - name: mail$i"
			echo "    source: 127.0.0.$((i + 1))"
			echo "    mail_from: probe@example.test"
			echo "    recipients:"
			echo "      gmail: postmaster@gmail.test"
			i=$((i + 1))
		done
	} >"$1"
}

testnet_stop() {
	if [ -n "$TESTNET_MX_PID" ]; then
		kill "$TESTNET_MX_PID" 2>/dev/null || :
	fi
	if [ -n "$TESTNET_DNS_PID" ]; then
		kill "$TESTNET_DNS_PID" 2>/dev/null || :
	fi
	wait 2>/dev/null || :
	if [ -n "$TESTNET_WORK" ]; then
		rm -rf "$TESTNET_WORK"
	fi
	TESTNET_MX_PID=""
	TESTNET_DNS_PID=""
	TESTNET_WORK=""
}
