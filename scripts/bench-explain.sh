#!/bin/sh
# bench-explain.sh [LINES] [SMTPPROBE] - throughput of `smtpprobe explain`
# over a realistic MIXED Postfix mail log: ordinary lines (connections,
# queue entries, deliveries) with one line in ten a refusal, each drawn
# from many different refusal texts (every one-line text of the dev
# corpus, tests/corpus/dev, and every one-line example of the shipped
# catalogs, several hundred in all), sent from several sender domains and
# source IPs to many recipient domains, a quarter of them with a session id of
# their own as providers append one, the mix of a busy outbound relay
# that meets many kinds of refusal. Each refusal comes from a server of
# the provider whose text it is (a Gmail text from mx.gmail.com, a
# Postfix or small server's text from one of several small domains), as
# in a real log; BENCH_EXPLAIN_PAIRING=random sends every text from any
# of twenty provider domains instead (the pairing of sessions 2 to 5,
# harder since explain tells a provider's servers from others'). A
# benchmark, not a test: it prints lines per second of CPU and the peak
# memory, and judges nothing.
# Target (README): a million lines a second on one core. Run `make` first
# (SMTPPROBE defaults to ./smtpprobe).
set -eu
export LC_ALL=C

n=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$top/smtpprobe}
work=$(mktemp -d "${TMPDIR:-/tmp}/smtpprobe-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# One-line refusal texts: corpus `text: "..."` and catalog `- "..."`,
# each after the recipient domain of its provider ("" when it is no
# provider's: an MTA's, a filter's, a small server's) and a tab.
cat "$top"/tests/corpus/dev/*.yaml "$top"/profiles/catalogs/*.yaml | awk '
	BEGIN {
		split("google gmail.com microsoft outlook.com yahoo yahoo.com " \
		    "apple icloud.com gmx gmx.de ionos ionos.de tonline " \
		    "t-online.de orange orange.fr laposte laposte.net mailru " \
		    "mail.ru yandex yandex.ru qq qq.com netease 163.com korea " \
		    "naver.com naver naver.com comcast comcast.net cox cox.net " \
		    "att att.net zoho zoho.com proton proton.me fastmail " \
		    "fastmail.com free free.fr france_other free.fr jp_carrier " \
		    "docomo.ne.jp docomo docomo.ne.jp au ezweb.ne.jp softbank " \
		    "softbank.ne.jp", m, " ");
		for (i = 1; i < 70 && m[i] != ""; i += 2) dom[m[i]] = m[i + 1];
	}
	/^provider: / { fp = $2; p = fp }
	/^    provider: / { p = $2 }
	/^    text: "/ { s = $0; sub(/^    text: "/, "", s) }
	/^      - "[2345][0-9][0-9][ -]/ { s = $0; sub(/^      - "/, "", s);
		p = fp }
	s != "" {
		sub(/"[[:space:]]*$/, "", s); gsub(/\\"/, "\"", s);
		gsub(/\\\\/, "\\", s);
		if (s !~ /\\[^\\]/ && length(s) < 1500)
			print ((p in dom) ? dom[p] : "") "\t" s;
		s = "" }' \
    >"$work/texts"
ntexts=$(wc -l <"$work/texts")
pairing=${BENCH_EXPLAIN_PAIRING:-provider}

awk -v n="$n" -v tf="$work/texts" -v pairing="$pairing" 'BEGIN {
	while ((getline t < tf) > 0) {
		tab = index(t, "\t");
		tdom[nt] = substr(t, 1, tab - 1);
		texts[nt++] = substr(t, tab + 1);
	}
	split("example.net example.org mail.example.com uni.example.edu " \
	    "corp.example", small, " ");
	srand(42);
	split("gmail.com outlook.com yahoo.com icloud.com web.de orange.fr " \
	    "mail.ru qq.com example.net example.org comcast.net t-online.de " \
	    "naver.com zoho.com proton.me fastmail.com laposte.net gmx.de " \
	    "aol.com hotmail.com", rd, " ");
	split("news.example.com shop.example.com example.com mail.example.org " \
	    "bulk.example.net", sd, " ");
	for (i = 0; i < n; i++) {
		# Twenty lines a message: the queue manager names the sender,
		# then the delivery agent the refusal or the delivery, under
		# the same queue id, as Postfix writes them.
		k = i % 20;
		id = sprintf("%X", 65536 + int(i / 20));
		ts = sprintf("Nov 23 %02d:%02d:%02d mx%d postfix/", \
		    int(i / 360000) % 24, int(i / 6000) % 60, int(i / 100) % 60, i % 3);
		r = rd[1 + int(rand() * 20)];
		if (k < 6)
			printf "%sqmgr[1111]: %s: from=<sender%d@%s>, size=%d, nrcpt=1 (queue active)\n", \
			    ts, id, i % 13, sd[1 + int(i / 20) % 5], 1000 + i % 50000;
		else if (k < 8) {
			j = int(rand() * nt);
			t = texts[j];
			if (pairing != "random")
				r = tdom[j] != "" ? tdom[j] : small[1 + i % 5];
			# Providers end many refusals with a session id (Gmail:
			# "a1-20020a05 - gsmtp"): every fourth one gets its own.
			if (i % 40 == 6)
				t = t sprintf(" %x%07d - gsmtp", i, i % 9999999);
			st = t ~ /^4/ ? "deferred" : "bounced";
			printf "%ssmtp[%d]: %s: to=<user%d@%s>, relay=mx.%s[198.51.100.%d]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=5.0.0, status=%s (host mx.%s[198.51.100.%d] said: %s (in reply to RCPT TO command))\n", \
			    ts, 4000 + i % 50, id, i % 997, r, r, i % 200, st, r, i % 200, t;
		} else if (k < 14)
			printf "%ssmtp[%d]: %s: to=<user%d@%s>, relay=mx.%s[198.51.100.%d]:25, delay=0.42, delays=0.01/0/0.2/0.21, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XyZ%d)\n", \
			    ts, 4000 + i % 50, id, i % 997, r, r, i % 200, i;
		else
			printf "%ssmtpd[4343]: connect from client%d.example.org[192.0.2.%d]\n", ts, i, i % 250;
	}
}' >"$work/mail.log"

bytes=$(wc -c <"$work/mail.log")
for mode in "" --json --each; do
	out=$(bash -c 'TIMEFORMAT="%3U %3S"; { time /usr/bin/time -f "%M" "$0" explain $1 <"$2" >"$3" 2>"$3.err"; } 2>&1; true' \
	    "$bin" "$mode" "$work/mail.log" "$work/out")
	cpu=$(echo "$out" | tail -1 | awk '{ print $1 + $2 }')
	rss=$(tail -1 "$work/out.err")
	osz=$(wc -c <"$work/out")
	awk -v n="$n" -v cpu="$cpu" -v b="$bytes" -v m="${mode:-report}" \
	    -v rss="$rss" -v o="$osz" -v t="$ntexts" -v p="$pairing" 'BEGIN {
		printf "explain %-7s %d lines (%.0f MiB, %d refusal texts, %s servers) in %.2f s CPU: %.2f million lines/s, peak %.1f MiB, output %.1f MiB\n",
		    m, n, b / 1048576, t, p, cpu, n / cpu / 1e6, rss / 1024, o / 1048576 }'
done
