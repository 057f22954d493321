#!/bin/sh
# bench-explain.sh [LINES] - throughput of `smtpprobe explain` over a
# synthetic Postfix mail log: mostly ordinary lines (connections, queue
# entries, deliveries) with one line in twenty a refusal from a provider,
# the mix of a busy outbound relay. A benchmark, not a test: it prints
# lines per second of CPU and judges nothing. Target (README): a million
# lines a second on one core. Run `make` first.
set -eu
export LC_ALL=C

n=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/smtpprobe-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

awk -v n="$n" 'BEGIN {
	d = "Nov 23 17:30:01 mx1 postfix/";
	for (i = 0; i < n; i++) {
		k = i % 20;
		id = sprintf("%X", 4096 + i);
		if (k == 0)
			printf "%ssmtp[4242]: %s: to=<user%d@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=5.7.26, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.7.26 This mail is unauthenticated, which poses a security risk to the 550-5.7.26 sender and Gmail users, and has been blocked. The sender must 550-5.7.26 authenticate with at least one of SPF or DKIM. For this message, 550-5.7.26 DKIM checks did not pass and SPF check for [example.com] did not 550-5.7.26 pass with ip: [203.0.113.5]. The sender should visit 550-5.7.26  https://support.google.com/mail/answer/81126#authentication for 550 5.7.26 instructions on setting up authentication. a1-20020a05 - gsmtp (in reply to end of DATA command))\n", d, id, i;
		else if (k < 8)
			printf "%ssmtp[4242]: %s: to=<user%d@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.42, delays=0.01/0/0.2/0.21, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XyZ%d)\n", d, id, i, i;
		else if (k < 14)
			printf "%ssmtpd[4343]: connect from client%d.example.org[192.0.2.%d]\n", d, i, i % 250;
		else
			printf "%sqmgr[1111]: %s: from=<sender%d@example.com>, size=%d, nrcpt=1 (queue active)\n", d, id, i, 1000 + i % 50000;
	}
}' >"$work/mail.log"

bytes=$(wc -c <"$work/mail.log")
cpu=$(bash -c 'TIMEFORMAT="%3U %3S"; { time "$0" explain --json <"$1" >/dev/null 2>&1; } 2>&1' \
    "$top/smtpprobe" "$work/mail.log" | awk '{ print $1 + $2 }')
awk -v n="$n" -v cpu="$cpu" -v b="$bytes" 'BEGIN {
	printf "explain: %d lines (%.0f MiB) in %.2f s CPU: %.2f million lines/s\n",
	    n, b / 1048576, cpu, n / cpu / 1e6 }'
