/*
 * test_probe_explain - finding SMTP replies in what people paste and what
 * logs hold: the forms Postfix, Exim and Sendmail write, RFC 3464
 * Diagnostic-Code fields folded over several lines, raw reply blocks with
 * CRLF, and lines with no reply at all; the prefilter on codes embedded
 * in other tokens; the logical-line limit at N-1, N and N+1 (cut and
 * flagged, never overflowed); NUL and binary bytes.
 *
 * One-line forms go through probe_explain_parse; streams go through the
 * scanner over fmemopen(), as "smtpprobe explain" reads standard input.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_explain.h"
#include "smtp/smtp_stage.h"

/* More replies than any stream of these tests holds. */
#define SEEN_MAX	16

/* A reply the scanner found, copied out of the scanner's buffers. */
struct seen {
	struct probe_explain_reply	 r;
	char				*text;
	char				*raw;
};

/* One test's state; fini frees it even when an assertion failed. */
static struct probe_explain_reply rep;
static char *text;
static char *raw;
static char *big;
static struct seen seen[SEEN_MAX];
static size_t nseen;

static void
explain_setup(void)
{
	text = malloc(PROBE_EXPLAIN_LINE_MAX);
	raw = malloc(PROBE_EXPLAIN_LINE_MAX);
	cr_assert(text != NULL && raw != NULL);
	big = NULL;
	nseen = 0;
	memset(&rep, 0, sizeof(rep));
}

static void
explain_teardown(void)
{
	size_t i;

	for (i = 0; i < nseen; i++) {
		free(seen[i].text);
		free(seen[i].raw);
	}
	nseen = 0;
	free(text);
	free(raw);
	free(big);
	text = raw = big = NULL;
}

TestSuite(probe_explain, .init = explain_setup, .fini = explain_teardown,
    .timeout = 30);

/* ---- helpers ---- */

static bool
parse(const char *line)
{
	return probe_explain_parse(line, strlen(line), &rep, text, raw);
}

static void
assert_parses(const char *line)
{
	cr_assert(parse(line), "no reply found in \"%s\"", line);
	cr_assert_eq(rep.text, text);
	cr_assert_eq(rep.raw, raw);
	cr_assert_eq(strlen(rep.text), rep.len);
}

/* A text with no code, read as one bare reply: its enhanced code and words. */
static void
assert_bare(const char *line, const char *enhanced, const char *words)
{
	probe_explain_parse_bare(line, strlen(line), &rep, text, raw);
	cr_assert_str_eq(rep.enhanced, enhanced);
	cr_assert_str_eq(rep.text, words);
}

static void
assert_stage(enum smtp_stage want)
{
	cr_assert(rep.has_stage, "no stage found, want %s",
	    smtp_stage_name(want));
	cr_assert_eq(rep.stage, want, "stage %s, want %s",
	    smtp_stage_name(rep.stage), smtp_stage_name(want));
}

/* Scan len bytes as a stream; every reply found lands in seen[]. */
static void
scan_bytes(const char *bytes, size_t len)
{
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	FILE *fp;
	int rc;

	fp = fmemopen((void *)bytes, len, "r");
	cr_assert_not_null(fp, "fmemopen");
	cr_assert_eq(probe_explain_scan_init(&s, fp), 0);
	while ((rc = probe_explain_next(&s, &r)) == 1) {
		cr_assert_lt(nseen, SEEN_MAX, "more replies than expected");
		cr_assert_lt(r.len, PROBE_EXPLAIN_LINE_MAX);
		cr_assert_lt(r.rawlen, PROBE_EXPLAIN_LINE_MAX);
		seen[nseen].r = r;
		seen[nseen].text = malloc(r.len + 1);
		seen[nseen].raw = malloc(r.rawlen + 1);
		cr_assert(seen[nseen].text != NULL && seen[nseen].raw != NULL);
		memcpy(seen[nseen].text, r.text, r.len + 1);
		memcpy(seen[nseen].raw, r.raw, r.rawlen + 1);
		nseen++;
	}
	cr_assert_eq(rc, 0, "the scanner reported a read error");
	probe_explain_scan_free(&s);
	(void)fclose(fp);	/* memory stream: nothing to lose */
}

static void
scan(const char *s)
{
	scan_bytes(s, strlen(s));
}

/* ---- the forms MTAs write ---- */

#define GMAIL_POSTFIX \
	"Nov 23 10:00:01 mail postfix/smtp[4242]: 4ABC123: " \
	"to=<someone@gmail.com>, relay=gmail-smtp-in.l.google.com" \
	"[142.250.27.27]:25, delay=1.2, delays=0.1/0/0.4/0.7, dsn=5.7.26, " \
	"status=bounced (host gmail-smtp-in.l.google.com[142.250.27.27] " \
	"said: 550-5.7.26 This mail is unauthenticated, which poses a " \
	"security risk to the 550-5.7.26 sender and Gmail users, and has " \
	"been blocked. The sender must 550-5.7.26 authenticate with at " \
	"least one of SPF or DKIM. 550 5.7.26 instructions on setting up " \
	"authentication. - gsmtp (in reply to end of DATA command))"

Test(probe_explain, cuts_a_postfix_bounce_into_host_stage_codes_and_text)
{
	assert_parses(GMAIL_POSTFIX);
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.7.26");
	assert_stage(SMTP_STAGE_END_OF_DATA);
	cr_assert_str_eq(rep.host, "gmail-smtp-in.l.google.com"
	    "[142.250.27.27]");
	cr_assert_str_eq(rep.text, "This mail is unauthenticated, which "
	    "poses a security risk to the sender and Gmail users, and has "
	    "been blocked. The sender must authenticate with at least one of "
	    "SPF or DKIM. instructions on setting up authentication. - gsmtp");
	cr_assert_null(strstr(rep.text, "in reply to"));
	cr_assert_null(strstr(rep.text, "550"));
	/* The raw reply is what the server said, from the code on. */
	cr_assert_eq(strncmp(rep.raw, "550-5.7.26 This mail", 20), 0, "%s",
	    rep.raw);
	cr_assert_null(strstr(rep.raw, "in reply to"));
	cr_assert_eq(rep.rawlen, strlen(rep.raw));
}

Test(probe_explain, a_syslog_host_named_localhost_is_not_the_remote_host)
{
	assert_parses("Nov 23 10:00:01 localhost postfix/smtp[4242]: 4ABC: "
	    "to=<a@example.com>, status=bounced (host mx.example.com"
	    "[192.0.2.1] said: 550 5.1.1 <a@example.com>: Recipient address "
	    "rejected: User unknown (in reply to RCPT TO command))");
	cr_assert_str_eq(rep.host, "mx.example.com[192.0.2.1]");
	assert_stage(SMTP_STAGE_RCPT);
	cr_assert_str_eq(rep.text, "<a@example.com>: Recipient address "
	    "rejected: User unknown");
}

Test(probe_explain, a_code_inside_the_text_is_not_a_line_prefix)
{
	assert_parses("host mx.example.com[192.0.2.1] said: 550 5.7.1 "
	    "rejected; see rule 550 in our policy (in reply to MAIL FROM "
	    "command)");
	cr_assert_str_eq(rep.text, "rejected; see rule 550 in our policy");
	assert_stage(SMTP_STAGE_MAIL);
}

Test(probe_explain, cuts_an_exim_rcpt_refusal)
{
	assert_parses("2024-01-15 10:00:00 1rPabc-000123-AB ** x@y.example "
	    "R=dnslookup T=remote_smtp H=mx.y.example [192.0.2.7] "
	    "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from "
	    "remote mail server after RCPT TO:<x@y.example>: 550 5.1.1 "
	    "<x@y.example>: Recipient address rejected: User unknown");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.1.1");
	assert_stage(SMTP_STAGE_RCPT);
	cr_assert_str_eq(rep.host, "mx.y.example");
	cr_assert_str_eq(rep.text, "<x@y.example>: Recipient address "
	    "rejected: User unknown");
}

Test(probe_explain, an_exim_refusal_after_initial_connection_is_the_banner)
{
	assert_parses("2024-01-15 10:00:00 1rPabc-000123-AB H=mx.y.example "
	    "[192.0.2.7]: SMTP error from remote mail server after initial "
	    "connection: 554 5.7.1 Service unavailable; Client host "
	    "[192.0.2.1] blocked using zen.spamhaus.org");
	cr_assert_eq(rep.code, 554);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	assert_stage(SMTP_STAGE_BANNER);
	cr_assert_str_eq(rep.text, "Service unavailable; Client host "
	    "[192.0.2.1] blocked using zen.spamhaus.org");
}

Test(probe_explain, an_exim_refusal_after_end_of_data)
{
	assert_parses("SMTP error from remote mail server after end of data: "
	    "550-5.7.26 This mail is unauthenticated 550 5.7.26 the end");
	assert_stage(SMTP_STAGE_END_OF_DATA);
	cr_assert_str_eq(rep.text, "This mail is unauthenticated the end");
}

Test(probe_explain, postfix_refused_to_talk_to_me_is_the_banner)
{
	assert_parses("Nov 23 10:00:01 mail postfix/smtp[4242]: 4ABC: "
	    "to=<a@example.com>, status=deferred (host mx.example.com"
	    "[192.0.2.1] refused to talk to me: 421 4.7.0 Try again later, "
	    "closing connection.)");
	cr_assert_eq(rep.code, 421);
	cr_assert_str_eq(rep.enhanced, "4.7.0");
	assert_stage(SMTP_STAGE_BANNER);
	cr_assert_str_eq(rep.host, "mx.example.com[192.0.2.1]");
	cr_assert_eq(strncmp(rep.text, "Try again later, closing connection.",
	    36), 0, "%s", rep.text);
}

Test(probe_explain, cuts_a_dsn_diagnostic_code)
{
	assert_parses("Diagnostic-Code: smtp; 550 5.7.1 Service unavailable; "
	    "Client host [192.0.2.1] blocked using zen.spamhaus.org");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	cr_assert_not(rep.has_stage, "a DSN does not say the stage");
	cr_assert_str_eq(rep.host, "");
	cr_assert_str_eq(rep.text, "Service unavailable; Client host "
	    "[192.0.2.1] blocked using zen.spamhaus.org");
}

Test(probe_explain, cuts_a_sendmail_transcript_line)
{
	assert_parses(">>> DATA <<< 554 5.7.1 Message rejected as spam");
	cr_assert_eq(rep.code, 554);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	cr_assert_str_eq(rep.text, "Message rejected as spam");
	cr_assert_str_eq(rep.raw, "554 5.7.1 Message rejected as spam");
}

Test(probe_explain, cuts_a_sendmail_reply_field)
{
	assert_parses("Nov 23 10:00:01 mail sm-mta[99]: x: to=<a@b.example>, "
	    "stat=Deferred: reply=451 4.7.1 Please try again later");
	cr_assert_eq(rep.code, 451);
	cr_assert_str_eq(rep.enhanced, "4.7.1");
	cr_assert_str_eq(rep.text, "Please try again later");
}

Test(probe_explain, a_reply_with_no_enhanced_code)
{
	assert_parses("550 Invalid recipient");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "");
	cr_assert_str_eq(rep.text, "Invalid recipient");
	cr_assert_str_eq(rep.raw, "550 Invalid recipient");
}

Test(probe_explain, a_code_alone_is_a_reply_with_no_text)
{
	assert_parses("554");
	cr_assert_eq(rep.code, 554);
	cr_assert_str_eq(rep.text, "");
	cr_assert_eq(rep.len, 0);
}

Test(probe_explain, a_bare_code_that_ends_the_buffer_is_not_read_past)
{
	static const char *const cases[] = { "554", "550-5.7.1 a 550" };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		/* No NUL after the bytes: ASan sees any read past them. */
		n = strlen(cases[i]);
		free(big);
		big = malloc(n);
		cr_assert_not_null(big);
		memcpy(big, cases[i], n);
		cr_assert(probe_explain_parse(big, n, &rep, text, raw));
		cr_assert_str_eq(rep.text, i == 0 ? "" : "a");
	}
}

Test(probe_explain, an_enhanced_code_of_another_class_is_text)
{
	assert_parses("550 4.7.1 odd but seen");
	cr_assert_str_eq(rep.enhanced, "");
	cr_assert_str_eq(rep.text, "4.7.1 odd but seen");
}

Test(probe_explain, a_2xx_line_at_the_start_is_a_reply)
{
	assert_parses("250 2.0.0 OK queued as 4ABC");
	cr_assert_eq(rep.code, 250);
	cr_assert_str_eq(rep.enhanced, "2.0.0");
	assert_parses("  220 mx.example.com ESMTP ready");
	cr_assert_eq(rep.code, 220);
}

Test(probe_explain, lines_with_no_reply_give_nothing)
{
	static const char *const lines[] = {
		"",
		"Hello, world",
		"Nov 23 10:00:01 mail postfix/qmgr[11]: 4ABC: removed",
		"status=sent (250 2.0.0 Ok: queued as 4ABC)",
		("delay=450, port 25, dsn=4.4.1, status=deferred (connect to "
		    "mx.example.com[192.0.2.1]:25: Connection timed out)"),
		"A550 5.7.1 glued to a word",
		"5500 5.7.1 four digits",
		"550x5.7.1 no separator",
		"600 5.7.1 not a reply class",
		"1550 5.7.1",
		"version 5.5.0-450",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		cr_assert_not(parse(lines[i]), "found code %d in \"%s\"",
		    rep.code, lines[i]);
}

/* ---- the prefilter ---- */

Test(probe_explain, maybe_wants_a_4xx_or_5xx_at_a_word_start)
{
	static const struct {
		const char	*line;
		bool		 want;
	} cases[] = {
		{ "550", true },
		{ "550 5.7.1 x", true },
		{ "550-5.7.1 x", true },
		{ "(550 5.7.1 x", true },
		{ "said: 421 4.7.0", true },
		{ "   250 ok", true },
		{ "250 ok", true },
		{ "x 250 ok", false },
		{ "A550 5.7.1", false },
		{ "5500 5.7.1", false },
		{ "550x", false },
		{ "x550 y", false },
		{ "699 y", false },
		{ "354 go ahead", true },
		{ "199 y", false },
		{ "x 354 y", false },
		{ "55", false },
		{ "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(probe_explain_maybe(cases[i].line,
		    strlen(cases[i].line)), cases[i].want, "\"%s\": want %s",
		    cases[i].line, cases[i].want ? "true" : "false");
}

Test(probe_explain, maybe_reads_only_len_bytes)
{
	static const char line[] = "abc 550 5.7.1";

	cr_assert_not(probe_explain_maybe(line, 5));
	cr_assert_not(probe_explain_maybe(line, 6), "read past len");
	cr_assert(probe_explain_maybe(line, 7));
}

/* ---- streams ---- */

Test(probe_explain, a_raw_multiline_reply_with_crlf_is_one_reply)
{
	scan("550-5.7.26 This mail is unauthenticated, which poses a\r\n"
	    "550-5.7.26  security risk to the sender.\r\n"
	    "550 5.7.26 Blocked. - gsmtp\r\n");
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].r.code, 550);
	cr_assert_str_eq(seen[0].r.enhanced, "5.7.26");
	cr_assert_eq(seen[0].r.line, 1);
	cr_assert_not(seen[0].r.is_cut);
	cr_assert_str_eq(seen[0].text, "This mail is unauthenticated, which "
	    "poses a security risk to the sender. Blocked. - gsmtp");
	cr_assert_null(strchr(seen[0].raw, '\r'), "a CR is left in the raw "
	    "reply");
}

Test(probe_explain, a_folded_dsn_is_one_reply_from_its_first_line)
{
	scan("Reporting-MTA: dns; mail.example.com\n"
	    "Final-Recipient: rfc822; someone@gmail.com\n"
	    "Action: failed\n"
	    "Status: 5.7.1\n"
	    "Diagnostic-Code: smtp; 550-5.7.1 [192.0.2.1] Our system has\n"
	    "    detected that this message is likely unsolicited mail.\n"
	    "\t550 5.7.1 To reduce the amount of spam, it was blocked.\n"
	    "\n"
	    "--boundary--\n");
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].r.line, 5);
	cr_assert_eq(seen[0].r.code, 550);
	cr_assert_str_eq(seen[0].r.enhanced, "5.7.1");
	cr_assert_str_eq(seen[0].text, "[192.0.2.1] Our system has detected "
	    "that this message is likely unsolicited mail. To reduce the "
	    "amount of spam, it was blocked.");
}

Test(probe_explain, two_raw_replies_back_to_back_are_two)
{
	scan("550-5.7.1 first\r\n550 5.7.1 first again\r\n"
	    "550 5.1.1 second\r\n"
	    "451 4.7.1 third\r\n");
	cr_assert_eq(nseen, 3);
	cr_assert_eq(seen[0].r.line, 1);
	cr_assert_str_eq(seen[0].text, "first first again");
	cr_assert_eq(seen[1].r.line, 3);
	cr_assert_str_eq(seen[1].r.enhanced, "5.1.1");
	cr_assert_str_eq(seen[1].text, "second");
	cr_assert_eq(seen[2].r.line, 4);
	cr_assert_eq(seen[2].r.code, 451);
	cr_assert_str_eq(seen[2].text, "third");
}

Test(probe_explain, a_log_gives_one_reply_per_refusal_line)
{
	scan("Nov 23 10:00:00 mail postfix/qmgr[11]: 4A: from=<a@b>, size=1\n"
	    "Nov 23 10:00:01 mail postfix/smtp[12]: 4A: to=<x@y>, "
	    "status=bounced (host mx.y[192.0.2.1] said: 550 5.1.1 no such "
	    "user (in reply to RCPT TO command))\n"
	    "Nov 23 10:00:02 mail postfix/smtp[12]: 4B: to=<x@z>, "
	    "status=sent (250 2.0.0 Ok)\n"
	    "Nov 23 10:00:03 mail postfix/smtp[12]: 4C: to=<x@w>, "
	    "status=deferred (host mx.w[192.0.2.2] said: 451 4.7.1 later "
	    "(in reply to MAIL FROM command))\n");
	cr_assert_eq(nseen, 2);
	cr_assert_eq(seen[0].r.line, 2);
	cr_assert_eq(seen[0].r.stage, SMTP_STAGE_RCPT);
	cr_assert_str_eq(seen[0].r.host, "mx.y[192.0.2.1]");
	cr_assert_eq(seen[1].r.line, 4);
	cr_assert_eq(seen[1].r.code, 451);
	cr_assert_eq(seen[1].r.stage, SMTP_STAGE_MAIL);
}

Test(probe_explain, a_stream_with_no_code_gives_one_bare_reply)
{
	scan("hello\nworld\n\n\r\n   \n");
	cr_assert_eq(nseen, 1);
	cr_assert(seen[0].r.is_bare);
	cr_assert_eq(seen[0].r.code, 0);
	cr_assert_str_eq(seen[0].text, "hello world");
	/* seen[] adds up: nothing more for empty or blank input. */
	scan("");
	cr_assert_eq(nseen, 1);
	scan("\n  \n\r\n");
	cr_assert_eq(nseen, 1);
}

Test(probe_explain, a_last_line_without_a_newline_is_read)
{
	scan("x\n550 5.7.1 no newline at the end");
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].r.line, 2);
	cr_assert_str_eq(seen[0].text, "no newline at the end");
}

/* ---- the line limit ---- */

/* "550 5.7.1 xxx...x" of exactly len bytes, then "\n451 4.7.1 next\n". */
static size_t
make_long_line(size_t len)
{
	static const char head[] = "550 5.7.1 ";
	static const char tail[] = "\n451 4.7.1 next\n";
	size_t n = sizeof(head) - 1;

	free(big);
	big = malloc(len + sizeof(tail));
	cr_assert_not_null(big);
	memcpy(big, head, n);
	memset(big + n, 'x', len - n);
	memcpy(big + len, tail, sizeof(tail));
	return len + sizeof(tail) - 1;
}

Test(probe_explain, a_physical_line_of_the_limit_is_cut_and_flagged)
{
	size_t len, want;

	for (len = PROBE_EXPLAIN_LINE_MAX - 2; len <= PROBE_EXPLAIN_LINE_MAX;
	    len++) {
		nseen = 0;
		scan_bytes(big, make_long_line(len));
		cr_assert_eq(nseen, 2, "a %zu-byte line: %zu replies", len,
		    nseen);
		want = len < PROBE_EXPLAIN_LINE_MAX ? len :
		    PROBE_EXPLAIN_LINE_MAX - 1;
		cr_assert_eq(seen[0].r.rawlen, want, "a %zu-byte line kept "
		    "%zu", len, seen[0].r.rawlen);
		cr_assert_eq(seen[0].r.is_cut, len >= PROBE_EXPLAIN_LINE_MAX,
		    "a %zu-byte line: is_cut %d", len, seen[0].r.is_cut);
		/* What was cut off is skipped, not read as a new line. */
		cr_assert_eq(seen[1].r.line, 2);
		cr_assert_eq(seen[1].r.code, 451);
		cr_assert_str_eq(seen[1].text, "next");
		free(seen[0].text);
		free(seen[0].raw);
		free(seen[1].text);
		free(seen[1].raw);
	}
	nseen = 0;
}

Test(probe_explain, a_cr_dropped_at_the_limit_is_not_a_cut)
{
	size_t len = make_long_line(PROBE_EXPLAIN_LINE_MAX - 1);

	/* The same line with CRLF: the CR falls past the limit. */
	big = realloc(big, len + 2);
	cr_assert_not_null(big);
	memmove(big + PROBE_EXPLAIN_LINE_MAX, big + PROBE_EXPLAIN_LINE_MAX - 1,
	    len - (PROBE_EXPLAIN_LINE_MAX - 1));
	big[PROBE_EXPLAIN_LINE_MAX - 1] = '\r';
	scan_bytes(big, len + 1);
	cr_assert_eq(nseen, 2);
	cr_assert_eq(seen[0].r.rawlen, PROBE_EXPLAIN_LINE_MAX - 1);
	cr_assert_not(seen[0].r.is_cut, "only the CR was dropped");
	cr_assert_str_eq(seen[1].text, "next");
}

Test(probe_explain, a_much_longer_line_is_cut_to_the_limit)
{
	nseen = 0;
	scan_bytes(big, make_long_line(4 * PROBE_EXPLAIN_LINE_MAX + 7));
	cr_assert_eq(nseen, 2);
	cr_assert(seen[0].r.is_cut);
	cr_assert_eq(seen[0].r.rawlen, PROBE_EXPLAIN_LINE_MAX - 1);
	cr_assert_eq(seen[1].r.line, 2);
}

Test(probe_explain, folded_lines_past_the_limit_are_cut_and_flagged)
{
	static const char head[] = "Diagnostic-Code: smtp; 550 5.7.1 start\n";
	static const char fold[] = "  more words to make a long line\n";
	size_t i, len = 0, folds = PROBE_EXPLAIN_LINE_MAX / 20;

	big = malloc(sizeof(head) + folds * (sizeof(fold) - 1) + 32);
	cr_assert_not_null(big);
	memcpy(big, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (i = 0; i < folds; i++) {
		memcpy(big + len, fold, sizeof(fold) - 1);
		len += sizeof(fold) - 1;
	}
	memcpy(big + len, "451 4.7.1 next\n", 15);
	len += 15;
	scan_bytes(big, len);
	cr_assert_eq(nseen, 2);
	cr_assert(seen[0].r.is_cut);
	cr_assert_eq(seen[0].r.line, 1);
	cr_assert_lt(seen[0].r.rawlen, PROBE_EXPLAIN_LINE_MAX);
	cr_assert_eq(seen[1].r.line, folds + 2);
	cr_assert_not(seen[1].r.is_cut);
}

Test(probe_explain, parse_cuts_a_line_over_the_limit_and_flags_it)
{
	size_t len = PROBE_EXPLAIN_LINE_MAX + 100;

	big = malloc(len);
	cr_assert_not_null(big);
	memcpy(big, "550 5.7.1 ", 10);
	memset(big + 10, 'y', len - 10);
	cr_assert(probe_explain_parse(big, len, &rep, text, raw));
	cr_assert(rep.is_cut);
	cr_assert_eq(rep.rawlen, PROBE_EXPLAIN_LINE_MAX - 1);
	cr_assert_eq(rep.len, PROBE_EXPLAIN_LINE_MAX - 1 - 10);
	cr_assert(probe_explain_parse(big, 20, &rep, text, raw));
	cr_assert_not(rep.is_cut);
}

/* ---- hostile bytes ---- */

Test(probe_explain, a_nul_byte_inside_a_reply_is_kept_not_a_terminator)
{
	static const char bytes[] = "550 5.7.1 bad\0byte here\n"
	    "Nov 23 10:00:00 mx next\n";

	scan_bytes(bytes, sizeof(bytes) - 1);
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].r.rawlen, strlen("550 5.7.1 bad") + 1 +
	    strlen("byte here"));
	cr_assert_eq(memcmp(seen[0].raw, "550 5.7.1 bad\0byte here",
	    seen[0].r.rawlen), 0);
	cr_assert_eq(seen[0].r.len, strlen("bad") + 1 + strlen("byte here"));
}

/* Scan len bytes; every reply must be sane. Returns how many. */
static unsigned long
scan_hostile(const char *bytes, size_t len)
{
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	FILE *fp = fmemopen((void *)bytes, len, "r");
	unsigned long n = 0;
	int rc;

	cr_assert_not_null(fp);
	cr_assert_eq(probe_explain_scan_init(&s, fp), 0);
	while ((rc = probe_explain_next(&s, &r)) == 1) {
		n++;
		cr_assert(r.code >= 200 && r.code <= 599, "code %d", r.code);
		cr_assert_lt(r.len, PROBE_EXPLAIN_LINE_MAX);
		cr_assert_lt(r.rawlen, PROBE_EXPLAIN_LINE_MAX);
		cr_assert_geq(r.line, 1);
		cr_assert_leq(r.line, s.lineno);
	}
	cr_assert_eq(rc, 0);
	probe_explain_scan_free(&s);
	(void)fclose(fp);	/* memory stream: nothing to lose */
	return n;
}

Test(probe_explain, binary_junk_never_overflows)
{
	size_t i, len = 256 * 1024;
	unsigned x = 4242;

	big = malloc(len);
	cr_assert_not_null(big);
	for (i = 0; i < len; i++) {
		/* Fixed junk, the same every run. */
		x = x * 1103515245u + 12345u;
		big[i] = (char)(x >> 16);
	}
	(void)scan_hostile(big, len);
	/* Plant codes so that the closer look runs on junk too. */
	for (i = 0; i + 10 < len; i += 97)
		memcpy(big + i, " 550 5.7.1", 10);
	cr_assert_gt(scan_hostile(big, len), 0, "the planted codes were "
	    "not found");
}

Test(probe_explain, scan_free_is_safe_twice)
{
	struct probe_explain_scan s;
	FILE *fp = fmemopen((void *)"x", 1, "r");

	cr_assert_not_null(fp);
	cr_assert_eq(probe_explain_scan_init(&s, fp), 0);
	probe_explain_scan_free(&s);
	cr_assert_null(s.buf);
	probe_explain_scan_free(&s);
	cr_assert_null(s.line);
	(void)fclose(fp);	/* memory stream */
}

/* ---- forms client libraries print, replies without a code ---- */

Test(probe_explain, a_python_smtplib_tuple_gives_code_enhanced_and_text)
{
	assert_parses("SMTPAuthenticationError: (534, b'5.7.9 Application-"
	    "specific password required. Learn more at\\n5.7.9 https://"
	    "support.google.com/mail/?p=InvalidSecondFactor x1 - gsmtp')");
	cr_assert_eq(rep.code, 534);
	cr_assert_str_eq(rep.enhanced, "5.7.9");
	cr_assert_str_eq(rep.text, "Application-specific password required. "
	    "Learn more at https://support.google.com/mail/?p="
	    "InvalidSecondFactor x1 - gsmtp')");
}

Test(probe_explain, library_wrappers_and_dsn_short_forms_are_found)
{
	cr_assert_not(parse("The server response was: 5.7.1 Unable to "
	    "relay"), "no code: a bare reply, found by the scanner");
	assert_parses("SMTP Error: 530 5.7.0 Must issue a STARTTLS command "
	    "first.");
	cr_assert_eq(rep.code, 530);
	assert_parses("smtp;550 spam detected");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.text, "spam detected");
	assert_parses("<message>454 Throttling failure: Daily message quota "
	    "exceeded.</message>");
	cr_assert_eq(rep.code, 454);
}

/*
 * Exchange writes its own failed deliveries as "#550 4.4.7 ... ##": the
 * code after "#" decides (5xx: the message was given up), even when the
 * enhanced code's class says 4.
 */
Test(probe_explain, an_exchange_ndr_code_after_a_hash_is_the_code)
{
	assert_parses("#550 4.4.7 QUEUE.Expired; message expired ##");
	cr_assert_eq(rep.code, 550);
	assert_parses("Remote Server returned '#550 5.1.1 RESOLVER.ADR."
	    "RecipNotFound; not found ##'");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.1.1");
}

/* Postfix's own reject lines end in the log's fields, not reply text. */
Test(probe_explain, a_postfix_reject_line_ends_before_its_log_fields)
{
	assert_parses("Dec  3 10:00:00 mx postfix/smtpd[11]: NOQUEUE: reject: "
	    "RCPT from unknown[192.0.2.1]: 554 5.7.1 <unknown[192.0.2.1]>: "
	    "Client host rejected: Access denied; from=<> to=<a@example.com> "
	    "proto=ESMTP helo=<[192.168.43.87]>");
	cr_assert_eq(rep.code, 554);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	cr_assert_str_eq(rep.text, "<unknown[192.0.2.1]>: Client host "
	    "rejected: Access denied");
}

/* PHPMailer prints the reply's text first, then its code. */
Test(probe_explain, phpmailer_detail_comes_before_its_code)
{
	assert_parses("SMTP Error: data not accepted.SMTP server error: DATA "
	    "END command failed Detail: Spam message rejected SMTP code: 550 "
	    "Additional SMTP info: 5.7.1");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	cr_assert_str_eq(rep.text, "Spam message rejected");
}

/* A mail client's log draws a tree before the reply: "└──535 ...". */
Test(probe_explain, a_code_after_a_non_ascii_mark_is_found)
{
	assert_parses("\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80" "535 "
	    "Authentication Failed");
	cr_assert_eq(rep.code, 535);
	cr_assert_str_eq(rep.text, "Authentication Failed");
}

/*
 * qmail-send logs blanks as "_" and line breaks as "/"; both come back,
 * a URL keeps its "/", and "Remote host said:" names no host.
 */
Test(probe_explain, reads_a_qmail_send_delivery_line)
{
	assert_parses("@4000000063f1a2b30b8c5d9d delivery 12: failure: "
	    "192.0.2.1_does_not_like_recipient./Remote_host_said:_550-5.1.1_"
	    "The_email_account_does_not_exist./550_5.1.1_See_https://"
	    "support.google.com/mail/?p=NoSuchUser_x12si_-_gsmtp/"
	    "Giving_up_on_192.0.2.1./");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.1.1");
	cr_assert_str_eq(rep.text, "The email account does not exist. See "
	    "https://support.google.com/mail/?p=NoSuchUser x12si - "
	    "gsmtp/Giving up on 192.0.2.1.");
	cr_assert_str_eq(rep.host, "");
	assert_parses("Oct 16 20:00:59 mx qmail: 1224154859.165779 delivery "
	    "9123: deferral: Connected_to_192.0.2.7_but_greeting_failed./"
	    "Remote_host_said:_421_Service_not_available,_closing_"
	    "transmission_channel/");
	cr_assert_eq(rep.code, 421);
	cr_assert_str_eq(rep.text, "Service not available, closing "
	    "transmission channel");
	/* A bare code, then the line break. */
	assert_parses("Oct 16 20:19:15 mx qmail: 1224155955.532645 delivery "
	    "13540: deferral: Connected_to_192.0.2.9_but_greeting_failed./"
	    "Remote_host_said:_421/");
	cr_assert_eq(rep.code, 421);
}

/* Postfix's cleanup puts the log's fields before a check's message. */
Test(probe_explain, a_postfix_body_check_reject_is_its_message)
{
	assert_bare("831C2C2E0D: reject: body Quality Replica watches!!! from "
	    "example.com[192.168.0.1]; from=<user@example.com> "
	    "to=<recip@sample.net> proto=SMTP helo=<example.com>: 5.7.1 Spam: "
	    "Watches", "5.7.1", "Spam: Watches");
}

/* Nodemailer's error object: the response string is the reply. */
Test(probe_explain, a_nodemailer_error_object_gives_its_response)
{
	assert_parses("{ Error: Invalid login: Mailbox cannot be accessed code: "
	    "'EAUTH', response: 'Mailbox cannot be accessed [CWXP265CA0023."
	    "GBRP265.PROD.OUTLOOK.COM]', responseCode: 550, command: "
	    "'AUTH LOGIN' }");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.text, "Mailbox cannot be accessed [CWXP265CA0023."
	    "GBRP265.PROD.OUTLOOK.COM]");
	assert_parses("{\"code\":\"EAUTH\",\"response\":\"502 5.5.2 Syntax "
	    "error, command unrecognized.\",\"responseCode\":502,"
	    "\"command\":\"AUTH PLAIN\"}");
	cr_assert_eq(rep.code, 502);
	cr_assert_str_eq(rep.text, "Syntax error, command unrecognized.");
	assert_stage(SMTP_STAGE_AUTH);
	/* As nodemailer/nodemailer#949 shows it: the opening quote lost. */
	assert_parses("{ Error: Invalid login: Mailbox cannot be accessed code: "
	    "'EAUTH', response: Mailbox cannot be accessed [X], "
	    "responseCode: 550, command: 'AUTH LOGIN' }");
	cr_assert_str_eq(rep.text, "Mailbox cannot be accessed [X]");
	assert_stage(SMTP_STAGE_AUTH);
}

/* Sendmail logs its own and its milters' refusals after "reject=". */
Test(probe_explain, a_sendmail_reject_field_is_a_reply)
{
	assert_parses("Jan 10 18:00:34 smtp sendmail[5759]: i04Axx2c005759: "
	    "Milter: data, reject=511 Virus found in email!");
	cr_assert_eq(rep.code, 511);
	cr_assert_str_eq(rep.text, "Virus found in email!");
	assert_parses("Nov 23 10:00:00 mx sendmail[42]: x1: ruleset=check_rcpt, "
	    "arg1=<b@example.net>, relay=client.example.org [192.0.2.1], "
	    "reject=550 5.7.1 <b@example.net>... Relaying denied");
	cr_assert_eq(rep.code, 550);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
}

/* A multilog TAI64N label is a log stamp, as syslog's is. */
Test(probe_explain, a_tai64n_label_is_a_log_stamp)
{
	cr_assert_eq(probe_explain_stamp_len("@4000000063f1a2b30b8c5d9d "
	    "delivery 1", 35), 25);
	cr_assert_eq(probe_explain_stamp_len("@4000000063f1a2b30b8c5d9 x",
	    26), 0);
}

/* "on port 587" and "[192.0.2.1]:465" are ports, not reply codes. */
Test(probe_explain, a_port_is_not_a_reply_code)
{
	cr_assert_not(parse("2022-06-29 13:54:29 H=(client.test) "
	    "[192.0.2.14]:17125 F=<a@example.com> rejected RCPT "
	    "<b@example.net>: SMTP AUTH is required for message submission "
	    "on port 587"));
	cr_assert_not(parse("connect to smtp.example.com[192.0.2.1]:465 "
	    "timed out"));
	assert_parses("Remote server replied: 550 on port 25 relay denied");
	cr_assert_eq(rep.code, 550);
}

/* A reply's server, when the log names it, keeps other providers out. */
Test(probe_explain, a_named_server_keeps_other_providers_entries_out)
{
	struct probe_catalog cat;
	struct probe_explain_diag d;
	char e[256];

	cr_assert_eq(probe_catalog_init(&cat, false, e, sizeof(e)), 0, "%s", e);
	cr_assert_eq(probe_catalog_load_default(&cat, NULL, 0, e, sizeof(e)),
	    0, "%s", e);
	assert_parses("status=deferred (host mx1.smallisp.net[192.0.2.7] said: "
	    "451 Resources temporarily unavailable. Please try again later "
	    "[#4.16.1]. (in reply to end of DATA command))");
	cr_assert_str_eq(rep.host, "mx1.smallisp.net[192.0.2.7]");
	probe_explain_decide(&cat, &rep, NULL, NULL, &d);
	cr_assert_not_null(d.match.entry);
	cr_assert_str_neq(d.match.entry->provider, "yahoo");
	assert_parses("status=deferred (host mta7.am0.yahoodns.net[192.0.2.8] "
	    "said: 451 Resources temporarily unavailable. Please try again "
	    "later [#4.16.1]. (in reply to end of DATA command))");
	probe_explain_decide(&cat, &rep, NULL, NULL, &d);
	cr_assert_not_null(d.match.entry);
	cr_assert_str_eq(d.match.entry->id, "yahoo.resources_unavailable");
	probe_catalog_free(&cat);
}

/*
 * The memo of decisions keeps one per kind of server for the same text:
 * Yahoo's wording from Yahoo's server, from another, and Yahoo's again.
 */
Test(probe_explain, the_memo_tells_servers_apart)
{
	static const char *const lines[] = {
		"host mta7.am0.yahoodns.net[192.0.2.8] said: 451 Resources "
		"temporarily unavailable. Please try again later [#4.16.1].",
		"host mx1.smallisp.net[192.0.2.7] said: 451 Resources temporarily "
		"unavailable. Please try again later [#4.16.1].",
		"host mta5.am0.yahoodns.net[192.0.2.9] said: 451 Resources "
		"temporarily unavailable. Please try again later [#4.16.1].",
	};
	static const bool yahoo[] = { true, false, true };
	struct probe_catalog cat;
	struct probe_explain_cache memo;
	struct probe_explain_diag d;
	char e[256];
	size_t i;

	cr_assert_eq(probe_catalog_init(&cat, false, e, sizeof(e)), 0, "%s", e);
	cr_assert_eq(probe_catalog_load_default(&cat, NULL, 0, e, sizeof(e)),
	    0, "%s", e);
	cr_assert_eq(probe_explain_cache_init(&memo), 0);
	for (i = 0; i < 3; i++) {
		assert_parses(lines[i]);
		probe_explain_decide(&cat, &rep, NULL, &memo, &d);
		cr_assert_not_null(d.match.entry);
		cr_assert_eq(strcmp(d.match.entry->provider, "yahoo") == 0,
		    yahoo[i], "line %zu went to %s", i, d.match.entry->id);
	}
	cr_assert_eq(memo.hits, 1, "the third line is the first one's");
	probe_explain_cache_free(&memo);
	probe_catalog_free(&cat);
}

/* .NET's own words before "The server response was:" are not the reply. */
Test(probe_explain, dotnet_words_before_the_server_response_are_left_out)
{
	assert_bare("System.Net.Mail.SmtpException: The SMTP server requires a "
	    "secure connection or the client was not authenticated. The server "
	    "response was: 5.7.0 Authentication Required. For more "
	    "information, go to", "5.7.0",
	    "Authentication Required. For more information, go to");
}

Test(probe_explain, log_fields_that_are_numbers_are_not_replies)
{
	cr_assert_not(parse("Nov 23 10:00:00 mx postfix/qmgr[11]: 4A1: "
	    "from=<a@example.com>, size=550, nrcpt=1 (queue active)"));
	cr_assert_not(parse("Nov 23 10:00:00 mx postfix/smtpd[450]: connect "
	    "from client450.example.org[192.0.2.45]"));
}

Test(probe_explain, escaped_line_breaks_join_like_real_ones)
{
	assert_parses("smtpmsg='554-Transaction failed\\n554-Reject due to "
	    "policy restrictions.\\n554 For explanation visit x'");
	cr_assert_eq(rep.code, 554);
	cr_assert_str_eq(rep.text, "Transaction failed Reject due to policy "
	    "restrictions. For explanation visit x'");
}

Test(probe_explain, a_bare_reply_takes_its_enhanced_code_from_anywhere)
{
	probe_explain_parse_bare("5.7.606-649 Access denied, banned sending "
	    "IP [192.0.2.1]", 52, &rep, text, raw);
	cr_assert(rep.is_bare);
	cr_assert_eq(rep.code, 0);
	cr_assert_str_eq(rep.enhanced, "5.7.606");
	probe_explain_parse_bare("sorry, mail from your location is "
	    "administratively denied (#5.7.1)", 66, &rep, text, raw);
	cr_assert_str_eq(rep.enhanced, "5.7.1");
	probe_explain_parse_bare("451Requested mail action not taken", 34,
	    &rep, text, raw);
	cr_assert_eq(rep.code, 451);
}

Test(probe_explain, a_paste_joins_a_reply_wrapped_at_any_width)
{
	scan("SMTP error from remote mail server after end of data:\n"
	    "550 5.2.0 <a@example.com> From:\nDomain is invalid.\n");
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].r.code, 550);
	cr_assert_eq(seen[0].r.stage, SMTP_STAGE_END_OF_DATA);
	cr_assert_str_eq(seen[0].text, "<a@example.com> From: Domain is "
	    "invalid.");
	scan("Remote host said: 550-5.7.1 [2001:db8::2] Our system\n"
	    "550-5.7.1 has detected\n550 5.7.1 this. - gsmtp\n"
	    "Final-Recipient: rfc822; a@example.com\n");
	cr_assert_eq(nseen, 2);
	cr_assert_str_eq(seen[1].text, "[2001:db8::2] Our system has "
	    "detected this. - gsmtp");
}

/*
 * Exchange's NDR wraps the remote reply: "554 5.0.0 <mx #5.0.0 smtp;" and
 * the remote server's own reply on the next line. One reply, whose text
 * holds the remote words, not an empty 554 and a second reply.
 */
Test(probe_explain, an_exchange_ndr_joins_the_remote_reply_after_smtp)
{
	scan("Remote server returned '554 5.0.0 <gmail-smtp-in.l.google.com "
	    "#5.0.0 smtp;\n550-5.7.26 Your email has been blocked because "
	    "the sender is unauthenticated.\nGmail requires all senders to "
	    "authenticate with either SPF or DKIM.'\n");
	cr_assert_eq(nseen, 1, "%zu replies", nseen);
	cr_assert_not_null(strstr(seen[0].text, "sender is "
	    "unauthenticated"), "%s", seen[0].text);
}

Test(probe_explain, a_dsn_refusal_is_taken_over_a_quoted_banner)
{
	assert_parses("Diagnostic-Code: smtp; 220-laposte 421 4.2.1 Service "
	    "refuse. Veuillez essayer");
	cr_assert_eq(rep.code, 421);
	cr_assert_str_eq(rep.enhanced, "4.2.1");
}

Test(probe_explain, the_sender_of_a_postfix_queue_id_joins_its_refusal)
{
	scan("Nov 23 10:00:00 mx postfix/qmgr[11]: 4A1B: from=<news@shop."
	    "example.com>, size=1234, nrcpt=1 (queue active)\n"
	    "Nov 23 10:00:01 mx postfix/smtp[12]: 4A1B: to=<x@example.net>, "
	    "status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 "
	    "no such user (in reply to RCPT TO command))\n"
	    "Nov 23 10:00:02 mx postfix/smtp[12]: 9F9F: to=<y@example.net>, "
	    "status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 "
	    "no such user (in reply to RCPT TO command))\n");
	cr_assert_eq(nseen, 2);
	cr_assert_str_eq(seen[0].r.sender, "shop.example.com");
	cr_assert_str_eq(seen[1].r.sender, "");
}
