#!/bin/sh
# demo.sh FAKEMX - what a newcomer sees first: a simulated Gmail MX on
# 127.0.0.1 (tests/scenarios/gmail-sim-spf.scn, served by the project's
# fake MX with a certificate from a throwaway CA), a private dnsmasq
# serving the zones gmail.test and example.test, and two probes with the
# gmail profile. The simulated Gmail decides with the project's own SPF
# evaluator against that dnsmasq, where example.test publishes
# "v=spf1 ip4:127.0.0.2 -all": mail from 127.0.0.2 passes SPF and is
# accepted; from 127.0.0.3 it fails and gets Gmail's real 550-5.7.26
# "unauthenticated" text with the domain and address filled in. Only loopback addresses are used.
# Everything started here is stopped on exit (scripts/lib-testnet.sh).
set -u

TESTNET_FAKEMX=${1:?usage: demo.sh FAKEMX}
top=$(cd "$(dirname "$0")/.." && pwd)
probe="$top/smtpprobe"
. "$top/scripts/lib-testnet.sh"

die() {
	echo "demo: $*" >&2
	exit 3
}

testnet_init demo || die "$TESTNET_ERROR"
work=$TESTNET_WORK
# Each run is recorded, here in the demo's folder (never the real one).
SMTPPROBE_HISTORY=$work/history.sqlite
export SMTPPROBE_HISTORY
testnet_gmail_start --log "$work/fakemx.log" || die "$TESTNET_ERROR"
dns_port=$TESTNET_DNS_PORT
mx_port=$TESTNET_MX_PORT

run() {
	src=$1
	echo "================================================================"
	echo "\$ smtpprobe send --profile gmail --to postmaster@gmail.test \\"
	echo "    --from probe@example.test --source $src --helo mail.example.test \\"
	echo "    --dns-server 127.0.0.1:$dns_port --allow-loopback-mx \\"
	echo "    --port $mx_port --tls-ca ca.pem"
	echo
	"$probe" send --profile gmail --to postmaster@gmail.test \
	    --from probe@example.test --source "$src" \
	    --helo mail.example.test --dns-server "127.0.0.1:$dns_port" \
	    --allow-loopback-mx \
	    --port "$mx_port" --tls-ca "$work/certs/ca.pem" --timeout 10
	echo "(exit status $?)"
	echo
}

echo "A simulated Gmail MX listens on 127.0.0.1 port $mx_port; dnsmasq on"
echo "127.0.0.1 port $dns_port says gmail.test's MX is mx1.gmail.test, and"
echo "example.test's SPF record is \"v=spf1 ip4:127.0.0.2 -all\"."
echo "Like Gmail, it checks SPF for the MAIL FROM domain: mail that passes"
echo "is accepted, anything else is refused."
echo
run 127.0.0.2
run 127.0.0.3
echo "The simulated Gmail's SPF results (its log):"
grep -E '^(session [0-9]+ peer|spf )' "$work/fakemx.log" | cut -d' ' -f1-4
echo

# The cron view: every sending path of a config file in one matrix.
cat >"$work/smtpprobe.yaml" <<CONFIG
paths:
  - name: mail1
    source: 127.0.0.2
    helo: mail1.example.test
    mail_from: probe@example.test
    recipients:
      gmail: postmaster@gmail.test
  - name: mail2
    source: 127.0.0.3
    helo: mail2.example.test
    mail_from: probe@example.test
    recipients:
      gmail: postmaster@gmail.test
CONFIG
echo "================================================================"
echo "\$ smtpprobe send --config smtpprobe.yaml --profile gmail \\"
echo "    --dns-server 127.0.0.1:$dns_port --allow-loopback-mx \\"
echo "    --port $mx_port --tls-ca ca.pem"
echo
"$probe" send --config "$work/smtpprobe.yaml" --profile gmail \
    --dns-server "127.0.0.1:$dns_port" --allow-loopback-mx --port "$mx_port" \
    --tls-ca "$work/certs/ca.pem" --timeout 10 --lock-file "$work/lock"
echo "(exit status $?)"
echo
echo "\$ smtpprobe send --config smtpprobe.yaml --profile gmail --format nagios ..."
"$probe" send --config "$work/smtpprobe.yaml" --profile gmail \
    --dns-server "127.0.0.1:$dns_port" --allow-loopback-mx --port "$mx_port" \
    --tls-ca "$work/certs/ca.pem" --timeout 10 --lock-file "$work/lock" \
    --format nagios
echo "(exit status $?)"
echo
echo "\$ smtpprobe history      # what the runs above recorded, per path"
"$probe" history
echo "(exit status $?)"
exit 0
