#!/bin/sh
# demo.sh FAKEMX - what a newcomer sees first: a simulated Gmail MX on
# 127.0.0.1 (tests/scenarios/gmail-sim.scn, served by the project's fake
# MX with a certificate from a throwaway CA), a private dnsmasq serving the
# zone gmail.test, and two probes with the gmail profile: one from
# 127.0.0.2, which the simulated Gmail accepts, and one from 127.0.0.3,
# which gets Gmail's real 550-5.7.26 "unauthenticated" text with the
# domain and address filled in. Only loopback addresses are used.
# Everything started here is stopped on exit.
set -u

fakemx=${1:?usage: demo.sh FAKEMX}
top=$(cd "$(dirname "$0")/.." && pwd)
probe="$top/smtpprobe"
work=$(mktemp -d "${TMPDIR:-/tmp}/smtpprobe-demo.XXXXXX")
dns_pid=""
mx_pid=""

cleanup() {
	[ -n "$mx_pid" ] && kill "$mx_pid" 2>/dev/null
	[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

die() {
	echo "demo: $*" >&2
	exit 3
}

"$top/tests/mkcerts.sh" "$work/certs" || die "cannot make certificates"

# dnsmasq: a free high port, found by trying (it fails at once if taken).
for try in 1 2 3 4 5 6 7 8; do
	dns_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	/usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null \
	    --no-resolv --no-hosts --no-poll --bind-interfaces \
	    --listen-address=127.0.0.1 --port="$dns_port" --pid-file= \
	    --user=root --local=/test/ \
	    --mx-host=gmail.test,mx1.gmail.test,5 \
	    --host-record=mx1.gmail.test,127.0.0.1 \
	    --log-facility="$work/dnsmasq.log" 2>"$work/dnsmasq.err" &
	dns_pid=$!
	sleep 0.2
	kill -0 "$dns_pid" 2>/dev/null && break
	dns_pid=""
done
[ -n "$dns_pid" ] || die "dnsmasq did not start: $(cat "$work/dnsmasq.err")"

"$fakemx" --scenario "$top/tests/scenarios/gmail-sim.scn" \
    --listen 127.0.0.1 --port 0 --port-file "$work/mx.port" \
    --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --log "$work/fakemx.log" >/dev/null &
mx_pid=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s "$work/mx.port" ] && break
	sleep 0.1
done
[ -s "$work/mx.port" ] || die "the fake MX did not start"
mx_port=$(cat "$work/mx.port")

run() {
	src=$1
	echo "================================================================"
	echo "\$ smtpprobe send --profile gmail --to postmaster@gmail.test \\"
	echo "    --from probe@example.test --source $src --helo mail.example.test \\"
	echo "    --dns-server 127.0.0.1:$dns_port --port $mx_port --tls-ca ca.pem"
	echo
	"$probe" send --profile gmail --to postmaster@gmail.test \
	    --from probe@example.test --source "$src" \
	    --helo mail.example.test --dns-server "127.0.0.1:$dns_port" \
	    --port "$mx_port" --tls-ca "$work/certs/ca.pem" --timeout 10
	echo "(exit status $?)"
	echo
}

echo "A simulated Gmail MX listens on 127.0.0.1 port $mx_port; dnsmasq on"
echo "127.0.0.1 port $dns_port says gmail.test's MX is mx1.gmail.test."
echo "It accepts mail from 127.0.0.2 and refuses it from anywhere else."
echo
run 127.0.0.2
run 127.0.0.3

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
echo "    --dns-server 127.0.0.1:$dns_port --port $mx_port --tls-ca ca.pem"
echo
"$probe" send --config "$work/smtpprobe.yaml" --profile gmail \
    --dns-server "127.0.0.1:$dns_port" --port "$mx_port" \
    --tls-ca "$work/certs/ca.pem" --timeout 10 --lock-file "$work/lock"
echo "(exit status $?)"
echo
echo "\$ smtpprobe send --config smtpprobe.yaml --profile gmail --format nagios ..."
"$probe" send --config "$work/smtpprobe.yaml" --profile gmail \
    --dns-server "127.0.0.1:$dns_port" --port "$mx_port" \
    --tls-ca "$work/certs/ca.pem" --timeout 10 --lock-file "$work/lock" \
    --format nagios
echo "(exit status $?)"
exit 0
