/*
 * test_cli_explain - "smtpprobe explain" and "smtpprobe catalog lint" as
 * a user runs them: the built binary (SMTPPROBE_BIN) with the shipped
 * catalogs, text given as arguments or on standard input, the exit
 * status (0 no refusal, 1 temporary, 2 permanent, 3 no reply found or an
 * error), the text and JSON output, and what hostile input must not do
 * to the terminal.
 *
 * Standard input comes from a file written into a mkdtemp directory
 * (tests/support/tmp_dir) and handed over by cmd_run_stdin.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/json_check.h"
#include "tests/support/tmp_dir.h"

/* Generous: explain over a small input takes milliseconds. */
#define RUN_MS		20000
#define ARGS_MAX	16
#define JUNK_LEN	(64u * 1024)

/* One test's state; fini frees it even when an assertion failed. */
static struct tmp_dir dir;
static struct cmd_run run;
static char *big;

static void
cli_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	memset(&run, 0, sizeof(run));
	big = NULL;
}

static void
cli_teardown(void)
{
	cmd_run_free(&run);
	tmp_dir_remove(&dir);
	free(big);
	big = NULL;
}

TestSuite(cli_explain, .init = cli_setup, .fini = cli_teardown,
    .timeout = 60);

/* ---- helpers ---- */

/*
 * Run smtpprobe with the arguments after it (NULL-terminated), standard
 * input from stdin_path (NULL: none given, /dev/null).
 */
static void
smtpprobe(const char *stdin_path, ...)
{
	const char *argv[ARGS_MAX];
	size_t n = 0;
	va_list ap;
	const char *a;

	argv[n++] = SMTPPROBE_BIN;
	va_start(ap, stdin_path);
	while ((a = va_arg(ap, const char *)) != NULL) {
		cr_assert_lt(n, ARGS_MAX - 1, "too many arguments");
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	cmd_run_free(&run);
	cr_assert_eq(cmd_run_stdin(&run, argv, RUN_MS, stdin_path ?
	    stdin_path : "/dev/null"), 0, "%s did not run or exit normally "
	    "(status %d); stderr:\n%s", SMTPPROBE_BIN, run.status, run.err);
}

static const char *
file_of(const char *name, const void *bytes, size_t len)
{
	const char *p = tmp_dir_write(&dir, name, bytes, len);

	cr_assert_not_null(p, "cannot write %s", name);
	return p;
}

static const char *
text_file(const char *name, const char *text)
{
	return file_of(name, text, strlen(text));
}

static void
assert_status(int want)
{
	cr_assert_eq(run.status, want, "exit status %d, want %d\nstdout:\n%s\n"
	    "stderr:\n%s", run.status, want, run.out, run.err);
}

static void
assert_starts(const char *s, const char *prefix)
{
	cr_assert_eq(strncmp(s, prefix, strlen(prefix)), 0,
	    "does not start with\n%s\n:\n%s", prefix, s);
}

static void
assert_has(const char *hay, const char *needle)
{
	cr_assert_not_null(strstr(hay, needle), "no \"%s\" in:\n%s", needle,
	    hay);
}

/* How often needle occurs in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Nothing a terminal would act on: no control byte but the newline. */
static void
assert_printable(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		cr_assert(((unsigned char)s[i] >= 0x20 && s[i] != 0x7f) ||
		    s[i] == '\n', "raw byte 0x%02x at offset %zu of stdout",
		    (unsigned char)s[i], i);
}

static void
assert_json(const char *s)
{
	char why[JSON_CHECK_ERR_MAX];

	cr_assert(json_check(s, strlen(s), why, sizeof(why)),
	    "invalid JSON (%s):\n%s", why, s);
}

/* Fixed junk, the same every run (a linear congruential generator). */
static void
make_junk(size_t len)
{
	size_t i;
	unsigned x = 20240101;

	free(big);
	big = malloc(len);
	cr_assert_not_null(big);
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)(x >> 16);
	}
}

#define POSTFIX_LOG \
	"Nov 23 10:00:00 mail postfix/qmgr[11]: 4A1: from=<a@example.com>, " \
	"size=1234, nrcpt=1 (queue active)\n" \
	"Nov 23 10:00:01 mail postfix/smtp[12]: 4A1: to=<x@gmail.com>, " \
	"relay=gmail-smtp-in.l.google.com[142.250.27.27]:25, dsn=5.7.26, " \
	"status=bounced (host gmail-smtp-in.l.google.com[142.250.27.27] " \
	"said: 550-5.7.26 This mail is unauthenticated, which poses a " \
	"security risk to the 550-5.7.26 sender and Gmail users, and has " \
	"been blocked. The sender must 550-5.7.26 authenticate with at " \
	"least one of SPF or DKIM. For this message, 550-5.7.26 DKIM checks " \
	"did not pass and SPF check for [example.com] did not 550-5.7.26 " \
	"pass with ip: [192.0.2.10]. The sender should visit 550 5.7.26 " \
	"https://support.google.com/mail/answer/81126#authentication - " \
	"gsmtp (in reply to end of DATA command))\n" \
	"Nov 23 10:00:02 mail postfix/smtp[12]: 4A2: to=<y@example.net>, " \
	"status=sent (250 2.0.0 Ok: queued as 77)\n" \
	"Nov 23 10:00:03 mail postfix/smtp[12]: 4A3: " \
	"to=<nobody@example.org>, " \
	"status=bounced (host mx.example.org[192.0.2.20] said: 550 5.1.1 " \
	"<nobody@example.org>: Recipient address rejected: User unknown in " \
	"virtual mailbox table (in reply to RCPT TO command))\n" \
	"Nov 23 10:00:04 mail postfix/smtp[12]: 4A4: to=<z@example.com>, " \
	"status=deferred (host mx.example.com[192.0.2.30] refused to talk " \
	"to me: 421 4.7.0 Try again later, closing connection.)\n" \
	"Nov 23 10:00:05 mail postfix/qmgr[11]: 4A2: removed\n"

/* ---- explain ---- */

Test(cli_explain, a_5xx_argument_is_a_permanent_failure_exit_2)
{
	smtpprobe(NULL, "explain", "550 5.7.1 Service unavailable; Client "
	    "host [192.0.2.1] blocked using zen.spamhaus.org", NULL);
	assert_status(2);
	assert_has(run.out, "line 1: 550 5.7.1\n");
	assert_has(run.out, "diagnosis: generic.dnsbl_listed (fail, cause "
	    "blocklisted)");
	assert_has(run.out, "1 SMTP replies in 1 lines: 1 fail, 0 tempfail\n");
	cr_assert_str_eq(run.err, "");
}

Test(cli_explain, a_4xx_argument_is_a_temporary_failure_exit_1)
{
	smtpprobe(NULL, "explain", "451 4.7.1 Please try again later", NULL);
	assert_status(1);
	assert_has(run.out, "(tempfail, cause ");
	assert_has(run.out, "1 SMTP replies in 1 lines: 0 fail, 1 tempfail\n");
}

Test(cli_explain, a_2xx_argument_is_no_refusal_exit_0)
{
	smtpprobe(NULL, "explain", "250 2.0.0 OK queued", NULL);
	assert_status(0);
	assert_has(run.out, "not a refusal: no diagnosis needed");
	cr_assert_eq(count(run.out, "diagnosis:"), 0, "%s", run.out);
}

Test(cli_explain, several_arguments_are_labelled_and_the_worst_wins)
{
	smtpprobe(NULL, "explain", "451 4.7.1 later", "550 5.1.1 no such "
	    "user", "250 ok", NULL);
	assert_status(2);
	assert_has(run.out, "text 1, line 1: 451 4.7.1\n");
	assert_has(run.out, "text 2, line 1: 550 5.1.1\n");
	assert_has(run.out, "text 3, line 1: 250\n");
	assert_has(run.out, "3 SMTP replies in 3 lines: 1 fail, 1 tempfail\n");
}

Test(cli_explain, a_postfix_log_on_stdin_gives_one_diagnosis_per_refusal)
{
	smtpprobe(text_file("mail.log", POSTFIX_LOG), "explain", "--each",
	    NULL);
	assert_status(2);
	cr_assert_eq(count(run.out, "diagnosis: "), 3, "%s", run.out);
	assert_has(run.out, "line 2: 550 5.7.26 at end-of-data from "
	    "gmail-smtp-in.l.google.com[142.250.27.27]\n");
	assert_has(run.out, "diagnosis: google.unauthenticated (fail");
	/* "status=sent (250 ...)" is our own MTA's note, not a reply. */
	cr_assert_null(strstr(run.out, "line 3:"), "%s", run.out);
	assert_has(run.out, "line 4: 550 5.1.1 at rcpt from mx.example.org"
	    "[192.0.2.20]\n");
	assert_has(run.out, "line 5: 421 4.7.0 at banner from mx.example.com"
	    "[192.0.2.30]\n");
	assert_has(run.out, "3 SMTP replies in 6 lines: 2 fail, 1 tempfail\n");
	cr_assert_str_eq(run.err, "");
	assert_printable(run.out);
}

Test(cli_explain, the_profile_ranks_its_provider_first)
{
	smtpprobe(text_file("mail.log", POSTFIX_LOG), "explain", "--profile",
	    "gmail", NULL);
	assert_status(2);
	assert_has(run.out, "diagnosis: google.unauthenticated (fail");
}

Test(cli_explain, json_output_is_one_valid_document)
{
	smtpprobe(text_file("mail.log", POSTFIX_LOG), "explain", "--json",
	    "--each", NULL);
	assert_status(2);
	assert_json(run.out);
	assert_starts(run.out, "{\"schema_version\":1,\"smtpprobe\":\"" SMTPPROBE_VERSION "\","
	    "\"replies\":[{\"text\":1,\"line\":2,"
	    "\"code\":550,\"enhanced\":\"5.7.26\",\"stage\":\"end-of-data\","
	    "\"host\":\"gmail-smtp-in.l.google.com[142.250.27.27]\",");
	assert_has(run.out, "\"id\":\"google.unauthenticated\"");
	assert_has(run.out, "\"captures\":{\"domain\":\"example.com\","
	    "\"ip\":\"192.0.2.10\"}");
	assert_has(run.out, "{\"text\":1,\"line\":5,\"code\":421,"
	    "\"enhanced\":\"4.7.0\",\"stage\":\"banner\"");
	assert_has(run.out, "],\"lines\":6,\"found\":3,\"unknown\":0,"
	    "\"verdict\":\"fail\"}\n");
	cr_assert_eq(count(run.out, "\"cut\":false"), 3, "%s", run.out);
}

Test(cli_explain, json_for_arguments_is_valid_too)
{
	smtpprobe(NULL, "explain", "--json", "550 5.7.1 \x1b[2J \"q\" \\",
	    "451 4.7.1 later", NULL);
	assert_status(2);
	assert_json(run.out);
	assert_has(run.out, "{\"text\":2,\"line\":1,\"code\":451");
	assert_has(run.out, "\"match\":{\"id\":");
	assert_printable(run.out);
}

Test(cli_explain, stdin_with_no_reply_exits_3_and_says_so)
{
	smtpprobe(text_file("quiet.log", "Nov 23 10:00:00 mail postfix/qmgr"
	    "[11]: 4A1: removed\nhello\n\n"), "explain", NULL);
	assert_status(3);
	cr_assert_str_eq(run.out, "");
	assert_has(run.err, "smtpprobe explain: no SMTP reply found\n");
}

Test(cli_explain, empty_stdin_exits_3)
{
	smtpprobe(NULL, "explain", NULL);
	assert_status(3);
	assert_has(run.err, "no SMTP reply found");
}

Test(cli_explain, json_with_no_reply_is_valid_and_exits_3)
{
	smtpprobe(text_file("quiet.log", "nothing here\n"), "explain",
	    "--json", NULL);
	assert_status(3);
	assert_json(run.out);
	cr_assert_str_eq(run.out, "{\"schema_version\":1,\"smtpprobe\":\"" SMTPPROBE_VERSION "\","
	    "\"replies\":[],\"lines\":1,\"found\":0,"
	    "\"unknown\":0,\"verdict\":\"error\"}\n");
}

Test(cli_explain, binary_junk_on_stdin_exits_3_without_a_crash)
{
	make_junk(JUNK_LEN);
	smtpprobe(file_of("junk.bin", big, JUNK_LEN), "explain", NULL);
	assert_status(3);
	assert_printable(run.out);
	assert_has(run.err, "no SMTP reply found");
	assert_printable(run.err);
}

Test(cli_explain, replies_in_binary_junk_are_shown_escaped)
{
	static const char planted[] = "\n550 5.7.1 \x1b]0;owned\x07 \x1b[2J "
	    "caf\xc3\x28 \x01\x7f\xff blocked\n";
	size_t i;

	make_junk(JUNK_LEN);
	for (i = 1024; i + sizeof(planted) < JUNK_LEN; i += 8192)
		memcpy(big + i, planted, sizeof(planted) - 1);
	smtpprobe(file_of("junk.bin", big, JUNK_LEN), "explain", "--each",
	    NULL);
	assert_status(2);
	cr_assert_geq(count(run.out, "diagnosis: "), 7, "%s", run.out);
	assert_has(run.out, "\\x1b]0;owned\\x07");
	assert_printable(run.out);
	smtpprobe(file_of("junk.bin", big, JUNK_LEN), "explain", "--json",
	    NULL);
	assert_status(2);
	assert_json(run.out);
	assert_printable(run.out);
}

Test(cli_explain, a_line_over_the_limit_is_shown_cut)
{
	size_t len = 70000;

	big = malloc(len + 1);
	cr_assert_not_null(big);
	memcpy(big, "550 5.7.1 ", 10);
	memset(big + 10, 'x', len - 10);
	big[len] = '\n';
	smtpprobe(file_of("long.log", big, len + 1), "explain", NULL);
	assert_status(2);
	assert_has(run.out, "line 1: 550 5.7.1 (line cut: too long)\n");
	smtpprobe(file_of("long.log", big, len + 1), "explain", "--json",
	    NULL);
	assert_json(run.out);
	assert_has(run.out, "\"cut\":true");
}

Test(cli_explain, a_user_catalog_ranks_first)
{
	const char *cat = text_file("mine.yaml", "provider: mine\nentries:\n"
	    "  - id: mine.blocked\n    match: { code: 5xx, enhanced: 5.7.1, "
	    "text: ['spamhaus'] }\n"
	    "    cause: policy\n    summary: Mine.\n"
	    "    see: x\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 x\"]\n");

	smtpprobe(NULL, "explain", "--catalog", cat, "550 5.7.1 Service "
	    "unavailable; blocked using zen.spamhaus.org", NULL);
	/* The verdict is the code's: 5xx is a permanent failure. */
	assert_status(2);
	assert_has(run.out, "diagnosis: mine.blocked (fail, cause policy)");
	assert_has(run.out, "decided by the provider layer");
}

Test(cli_explain, a_user_code_only_entry_does_not_beat_a_shipped_text)
{
	const char *cat = text_file("mine.yaml", "provider: mine\nentries:\n"
	    "  - id: mine.blocked\n    match: { code: 5xx, enhanced: 5.7.1 }\n"
	    "    cause: policy\n    summary: Mine.\n"
	    "    see: x\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 x\"]\n");

	smtpprobe(NULL, "explain", "--catalog", cat, "550 5.7.1 Service "
	    "unavailable; blocked using zen.spamhaus.org", NULL);
	assert_status(2);
	assert_has(run.out, "diagnosis: generic.dnsbl_listed (fail, cause "
	    "blocklisted)");
}

Test(cli_explain, library_error_strings_and_replies_without_a_code)
{
	smtpprobe(NULL, "explain", "SMTPAuthenticationError: (534, "
	    "b'5.7.9 Application-specific password required. Learn more "
	    "at\\n5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor"
	    " x1sm1 - gsmtp')", NULL);
	assert_status(2);
	assert_has(run.out, "line 1: 534 5.7.9\n");
	smtpprobe(NULL, "explain", "5.7.1 Greylisted, come back later", NULL);
	assert_status(2);
	assert_has(run.out, "line 1: (no reply code) 5.7.1\n");
	smtpprobe(NULL, "explain", "Greylisted: come back later", NULL);
	assert_status(1);
	assert_has(run.out, "(tempfail, cause greylisted)");
	smtpprobe(NULL, "explain", "The server response was: 550 5.1.1 "
	    "mailbox unavailable", NULL);
	assert_status(2);
	assert_has(run.out, "line 1: 550 5.1.1\n");
}

Test(cli_explain, a_text_with_no_code_and_no_verdict_word_says_unknown)
{
	smtpprobe(NULL, "explain", "--json", "Mailbox unavailable: no such "
	    "user here", NULL);
	assert_status(3);
	assert_json(run.out);
	assert_has(run.out, "\"code\":null");
	/* One vocabulary: a verdict that cannot be told is null. */
	assert_has(run.out, "\"cut\":false,\"verdict\":null,");
	smtpprobe(NULL, "explain", "Mailbox unavailable: no such user here",
	    NULL);
	assert_status(3);
	assert_has(run.out, "verdict unknown: the text has no reply code");
}

Test(cli_explain, a_log_is_a_report_of_groups_worst_first)
{
	smtpprobe(text_file("mail.log", POSTFIX_LOG POSTFIX_LOG), "explain",
	    NULL);
	assert_status(2);
	assert_has(run.out, "group 1: 2 replies, fail\n");
	assert_has(run.out, "  sender domain example.com, source IP "
	    "192.0.2.10\n");
	cr_assert_eq(count(run.out, "diagnosis: google.unauthenticated"), 1,
	    "%s", run.out);
	assert_has(run.out, "groups, worst first\n");
	assert_has(run.out, "6 SMTP replies in 12 lines: 4 fail, 2 tempfail\n");
	/* Worst first: every fail group before the first tempfail one. */
	cr_assert_lt(strstr(run.out, ", fail\n") - run.out,
	    strstr(run.out, ", tempfail\n") - run.out, "%s", run.out);
	smtpprobe(text_file("mail.log", POSTFIX_LOG POSTFIX_LOG), "explain",
	    "--json", NULL);
	assert_status(2);
	assert_json(run.out);
	assert_starts(run.out, "{\"schema_version\":1,\"smtpprobe\":\"" SMTPPROBE_VERSION "\","
	    "\"groups\":[{\"count\":2,\"verdict\":\"fail\"");
	assert_has(run.out, "\"other\":0,\"lines\":12,\"found\":6,"
	    "\"unknown\":0,\"verdict\":\"fail\"}\n");
}

Test(cli_explain, a_broken_user_catalog_exits_3_with_its_place)
{
	const char *cat = text_file("bad.yaml", "provider: mine\nentries:\n"
	    "  - id: mine.x\n    match: { code: 600 }\n");
	char want[512];

	smtpprobe(NULL, "explain", "--catalog", cat, "550 5.7.1 x", NULL);
	assert_status(3);
	(void)snprintf(want, sizeof(want), "smtpprobe explain: %s:4:20: code "
	    "must be", cat);
	assert_has(run.err, want);
	cr_assert_str_eq(run.out, "");
}

Test(cli_explain, help_exits_0_and_a_bad_option_exits_3)
{
	smtpprobe(NULL, "explain", "--help", NULL);
	assert_status(0);
	assert_has(run.out, "usage: smtpprobe explain");
	smtpprobe(NULL, "explain", "--bogus", NULL);
	assert_status(3);
	assert_has(run.err, "smtpprobe explain: unknown option");
	smtpprobe(NULL, "explain", "--profile", "no-such-profile", "550 x",
	    NULL);
	assert_status(3);
	assert_has(run.err, "smtpprobe explain: ");
}

/* ---- catalog lint ---- */

Test(cli_explain, catalog_lint_passes_on_the_shipped_catalogs)
{
	smtpprobe(NULL, "catalog", "lint", NULL);
	assert_status(0);
	assert_has(run.out, " files: 0 problems\n");
	cr_assert_eq(count(run.out, "\n"), 1, "more than the summary:\n%s",
	    run.out);
	cr_assert_str_eq(run.err, "");
}

Test(cli_explain, catalog_lint_of_a_broken_file_exits_3_with_its_place)
{
	const char *bad = text_file("BAD.yaml", "provider: acme\nentries:\n"
	    "  - id: acme.x\n    verdic: fail\n");
	char want[512];

	smtpprobe(NULL, "catalog", "lint", bad, NULL);
	assert_status(3);
	(void)snprintf(want, sizeof(want), "smtpprobe catalog lint: %s:4:5: "
	    "unknown key \"verdic\" (did you mean \"verdict\"?)\n", bad);
	cr_assert_str_eq(run.err, want);
}

Test(cli_explain, catalog_lint_of_a_bad_example_exits_2_and_names_it)
{
	const char *cat = text_file("acme.yaml", "provider: acme\nentries:\n"
	    "  - id: acme.x\n    match: { code: 550, text: ['acme-only'] }\n"
	    "    verdict: fail\n    cause: policy\n    summary: s\n"
	    "    see: x\n    remediation: [r]\n"
	    "    examples:\n      - \"550 acme-only\"\n"
	    "      - \"550 acme, only\"\n");
	char want[512];

	smtpprobe(NULL, "catalog", "lint", cat, NULL);
	assert_status(2);
	/* What the entry misses falls back to generic: it is taken. */
	(void)snprintf(want, sizeof(want), "%s:12: acme.x: example 2 is "
	    "taken by generic.unknown_permanent\n", cat);
	assert_has(run.out, want);
	assert_has(run.out, " files: 1 problems\n");
}

Test(cli_explain, catalog_without_a_subcommand_exits_3)
{
	smtpprobe(NULL, "catalog", NULL);
	assert_status(3);
	assert_has(run.err, "usage: smtpprobe catalog lint");
	smtpprobe(NULL, "catalog", "check", NULL);
	assert_status(3);
	assert_has(run.err, "unknown subcommand");
}

Test(cli_explain, each_group_shows_its_own_example_after_sorting)
{
	smtpprobe(text_file("mail.log",
	    "Nov 23 10:00:00 mx postfix/smtp[1]: 1A: to=<a@example.net>, "
	    "status=deferred (host mx.example.net[192.0.2.1] said: 451 4.7.1 "
	    "zq one (in reply to RCPT TO command))\n"
	    "Nov 23 10:00:01 mx postfix/smtp[1]: 1B: to=<b@example.net>, "
	    "status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 "
	    "zq two (in reply to RCPT TO command))\n"
	    "Nov 23 10:00:02 mx postfix/smtp[1]: 1C: to=<c@example.net>, "
	    "status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 "
	    "zq two (in reply to RCPT TO command))\n"), "explain", NULL);
	assert_status(2);
	/* The fail group sorts first; its example is its own reply. */
	assert_starts(run.out, "group 1: 2 replies, fail\n");
	assert_has(run.out, "example, line 2: 550 5.1.1 at rcpt from "
	    "mx.example.net[192.0.2.1]\n  550 5.1.1 zq two\n");
	assert_has(run.out, "example, line 1: 451 4.7.1 at rcpt from "
	    "mx.example.net[192.0.2.1]\n  451 4.7.1 zq one\n");
}
