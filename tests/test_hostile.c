/*
 * test_hostile - the smtpprobe binary against hostile servers played by
 * the fake MX (tests/fakemx) on 127.0.0.1. Each behaviour has one defined
 * outcome: the stage it ends at, our error text, the verdict and exit
 * status, within its timeout.
 *
 * The hostile behaviours tests/test_integration.c already covers are not
 * repeated here: a garbage banner, a 1 MiB line, an unterminated line and
 * silence, a close after the message, a code that changes inside a reply,
 * control and 8-bit bytes in JSON, bytes planted after the 220 to
 * STARTTLS, and --tls-verify require against an unknown CA.
 *
 * The probe goes to --server 127.0.0.1 (no DNS): the test certificates
 * name IP:127.0.0.1, so the good one verifies and the wrong name fails
 * as an IP address mismatch.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/fakemx_run.h"

#define HOSTILE_ARGS_MAX	32
/* Generous: a probe against loopback takes milliseconds. */
#define HOSTILE_WAIT_MS		20000
/* A reply of this many lines is 200 times SMTP_REPLY_LINES_MAX (500). */
#define HOSTILE_LINES		100000
/* What the probe may take past its --timeout (start-up, ASan). */
#define HOSTILE_SLACK_MS	1000

static struct fakemx_run mx;

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	fakemx_run_stop(&mx);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 60);

/* Start fakemx on 127.0.0.1; cert NULL: no TLS. */
static void
start_mx(const char *scenario, int sessions, const char *cert)
{
	cr_assert_eq(fakemx_run_start_cert(&mx, scenario, "127.0.0.1",
	    sessions, cert), 0, "fakemx did not start");
}

/*
 * Run "smtpprobe send" to the fake MX with the common flags, then the
 * extra ones (NULL-terminated).
 */
static void
probe(struct cmd_run *r, ...)
{
	const char *argv[HOSTILE_ARGS_MAX];
	char server[64];
	size_t n = 0;
	va_list ap;
	const char *a;

	snprintf(server, sizeof(server), "127.0.0.1:%d", mx.port);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = "postmaster@hostile.test";
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	argv[n++] = "--server";
	argv[n++] = server;
	argv[n++] = "--timeout";
	argv[n++] = "5";
	if (fakemx_run_ca(&mx) != NULL) {
		argv[n++] = "--tls-ca";
		argv[n++] = fakemx_run_ca(&mx);
	}
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL &&
	    n < HOSTILE_ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, HOSTILE_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", r->err);
}

/* How often needle occurs in haystack. */
static size_t
count(const char *haystack, const char *needle)
{
	size_t n = 0;
	const char *p;

	for (p = strstr(haystack, needle); p != NULL;
	    p = strstr(p + strlen(needle), needle))
		n++;
	return n;
}

Test(hostile, a_100000_line_reply_is_cut_at_500_lines_as_a_limit)
{
	static const char head[] = "banner raw: ";
	static const char line[] = "220-x\\r\\n";
	static const char tail[] = "220 last\\r\\n\n";
	size_t i, len = sizeof(head) + HOSTILE_LINES * (sizeof(line) - 1) +
	    sizeof(tail);
	char *scn = malloc(len), *p;
	struct cmd_run r;

	cr_assert_not_null(scn);
	p = scn + snprintf(scn, len, "%s", head);
	for (i = 0; i < HOSTILE_LINES; i++) {
		memcpy(p, line, sizeof(line) - 1);
		p += sizeof(line) - 1;
	}
	memcpy(p, tail, sizeof(tail));
	start_mx(scn, 1, NULL);
	free(scn);
	probe(&r, "--json", NULL);
	cr_assert_eq(r.status, 1, "%.300s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"tempfail\"") != NULL);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"banner\"") != NULL);
	cr_assert(strstr(r.out, "\"error\":\"reply has more than 500 lines\","
	    "\"error_kind\":\"limit\"") != NULL, "%.300s", r.out);
	/* The first 500 lines are kept, once in the stage, once in final. */
	cr_assert_eq(count(r.out, "\"220-x\""), 2 * 500);
	cr_assert(strstr(r.out, "220 last") == NULL);
	cr_assert(r.elapsed_ms < 3000, "took %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
}

Test(hostile, a_disconnect_inside_a_multiline_reply_keeps_the_lines_read)
{
	struct cmd_run r;

	start_mx("ehlo raw: 250-first\\r\\n250-second\\r\\n250-thi\n"
	    "ehlo close:\n", 1, NULL);
	probe(&r, "--json", "--starttls", "off", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"ehlo\",\"code\":250,"
	    "\"enhanced\":null,\"lines\":[\"250-first\",\"250-second\","
	    "\"250-thi\"],\"complete\":false,") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error\":\"connection closed by the server\","
	    "\"error_kind\":\"io\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"tempfail\"") != NULL);
	cmd_run_free(&r);
}

Test(hostile, a_close_after_the_data_command_is_an_io_tempfail_at_data)
{
	struct cmd_run r;

	start_mx("data close:\n", 1, NULL);
	probe(&r, "--json", "--starttls", "off", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"data\",\"code\":null,"
	    "\"enhanced\":null,\"lines\":[],") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error\":\"connection closed by the server\","
	    "\"error_kind\":\"io\"}") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(hostile, one_byte_a_second_ends_at_the_stage_timeout)
{
	struct cmd_run r;

	/* Each byte comes well within any per-read wait; the stage does not. */
	start_mx("banner drip: 1000\nbanner: 220 slow but steady\n", 1, NULL);
	probe(&r, "--json", "--timeout", "2", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"banner\",\"code\":"
	    "null") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error\":\"no reply before the timeout\","
	    "\"error_kind\":\"timeout\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "slow but steady") == NULL);
	cr_assert(r.elapsed_ms >= 1900 && r.elapsed_ms < 2000 +
	    HOSTILE_SLACK_MS, "took %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
}

#define STARTTLS_454 \
	"ehlo: 250-fakemx\nehlo: 250 STARTTLS\n" \
	"starttls: 454 4.7.0 TLS not available due to temporary reason\n"

/*
 * RFC 3207 4: 454 is a temporary refusal. Under --starttls required the
 * probe does not go on in plaintext; the 454 is the final reply and,
 * being 4xx, a tempfail (what an MTA that insists on TLS does: it
 * defers). No MAIL is sent.
 */
Test(hostile, starttls_refused_with_454_under_required_stops_there)
{
	struct cmd_run r;
	char *log;

	start_mx(STARTTLS_454, 1, "server");
	probe(&r, "--json", "--starttls", "required", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"starttls\",\"code\":"
	    "454,\"enhanced\":\"4.7.0\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"tls\":null") != NULL);
	cr_assert(strstr(r.out, "\"stage\":\"mail\"") == NULL);
	cr_assert_eq(fakemx_run_wait(&mx, 10000), 0);
	log = fakemx_run_log(&mx);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "recv MAIL") == NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(hostile, starttls_refused_with_454_opportunistic_goes_on_in_plaintext)
{
	struct cmd_run r;
	char *log;

	start_mx(STARTTLS_454, 1, "server");
	probe(&r, "--starttls", "opportunistic", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "S: 454 4.7.0 TLS not available") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "note: STARTTLS refused: going on without TLS "
	    "(--starttls opportunistic)") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: pass - 250 2.0.0 at end-of-data")
	    != NULL, "%s", r.out);
	cr_assert_eq(fakemx_run_wait(&mx, 10000), 0);
	log = fakemx_run_log(&mx);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "\ntls ") == NULL, "%s", log);
	cr_assert(strstr(log, "recv MAIL FROM:<probe@example.test>") != NULL);
	free(log);
	cmd_run_free(&r);
}

/*
 * A fatal handshake_failure alert (RFC 8446 6: type 21, TLS 1.2 record
 * version, length 2, level fatal, description 40) after our ClientHello.
 * fakemx runs without a certificate, so the 220 leaves it in plaintext
 * and the alert bytes are written raw; the sleep makes them arrive after
 * the 220 was read (else they would be bytes planted after the 220, a
 * different case), and stall keeps the connection open so no reset
 * races the alert.
 */
Test(hostile, a_tls_alert_mid_handshake_is_a_tls_failure)
{
	struct cmd_run r;

	start_mx("ehlo: 250-fakemx\nehlo: 250 STARTTLS\n"
	    "starttls: 220 2.0.0 Ready to start TLS\n"
	    "starttls sleep: 300\n"
	    "starttls raw: \\x15\\x03\\x03\\x00\\x02\\x02\\x28\n"
	    "starttls stall:\n", 1, NULL);
	probe(&r, "--json", "--starttls", "required", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"tls\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error\":\"TLS handshake failed: sslv3 alert "
	    "handshake failure\",\"error_kind\":\"tls\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"fail\"") != NULL);
	cr_assert(strstr(r.out, "\"stage\":\"mail\"") == NULL);
	cmd_run_free(&r);
}

/*
 * The same alert under --starttls opportunistic: an MTA goes on in clear
 * (Exim's default) or defers, it never bounces. The probe retries the
 * address in clear on a new connection, records both attempts, and the
 * clear one decides: here the server takes the mail, so the probe passes.
 */
Test(hostile, a_tls_alert_under_opportunistic_retries_in_clear)
{
	struct cmd_run r;
	char *log;

	start_mx("ehlo: 250-fakemx\nehlo: 250 STARTTLS\n"
	    "starttls: 220 2.0.0 Ready to start TLS\n"
	    "starttls sleep: 300\n"
	    "starttls raw: \\x15\\x03\\x03\\x00\\x02\\x02\\x28\n"
	    "starttls close:\n", 2, NULL);
	probe(&r, "--json", "--starttls", "opportunistic", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"clear_retry\":false") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"clear_retry\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"tempfail\"") != NULL,
	    "the failed handshake: %s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"pass\"") != NULL, "%s", r.out);
	cr_assert_eq(fakemx_run_wait(&mx, 10000), 0);
	log = fakemx_run_log(&mx);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "recv MAIL FROM:<probe@example.test>") != NULL,
	    "%s", log);
	free(log);
	cmd_run_free(&r);
}

/*
 * The certificate cert under --tls-verify report (pass, the facts
 * recorded) and then require (fail, exit 2): two sessions.
 */
static void
check_bad_cert(const char *cert, const char *verify_error,
    const char *subject)
{
	struct cmd_run r;
	char want[256];

	start_mx("ehlo: 250-fakemx\nehlo: 250 STARTTLS\n", 2, cert);
	snprintf(want, sizeof(want), "\"verified\":false,%s\"verify_error\":"
	    "\"%s\",\"subject\":\"%s\"", strcmp(cert, "wrongname") == 0 ?
	    "\"name_matches\":false," : "\"name_matches\":true,",
	    verify_error, subject);
	probe(&r, "--json", "--starttls", "required", "--tls-verify",
	    "report", NULL);
	cr_assert_eq(r.status, 0, "%s: %s", cert, r.out);
	cr_assert(strstr(r.out, "\"established\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, want) != NULL, "want %s in %s", want, r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"end-of-data\","
	    "\"code\":250") != NULL, "%s", r.out);
	cmd_run_free(&r);
	probe(&r, "--json", "--starttls", "required", "--tls-verify",
	    "require", NULL);
	cr_assert_eq(r.status, 2, "%s: %s", cert, r.out);
	cr_assert(strstr(r.out, want) != NULL, "want %s in %s", want, r.out);
	cr_assert(strstr(r.out, "\"error\":\"the server's certificate is not "
	    "verified and --tls-verify require is in force\",\"error_kind\":"
	    "\"tls_verify\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"mail\"") == NULL);
	cmd_run_free(&r);
}

Test(hostile, the_good_certificate_verifies_against_the_test_ca)
{
	struct cmd_run r;

	start_mx("ehlo: 250-fakemx\nehlo: 250 STARTTLS\n", 1, "server");
	probe(&r, "--json", "--tls-verify", "require", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"verified\":true,\"name_matches\":true,"
	    "\"verify_error\":null") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(hostile, a_certificate_for_another_name_is_recorded_or_refused)
{
	check_bad_cert("wrongname", "IP address mismatch", "CN=other.example");
}

Test(hostile, an_expired_certificate_is_recorded_or_refused)
{
	check_bad_cert("expired", "certificate has expired",
	    "CN=mx.gmail.test");
}

Test(hostile, a_self_signed_certificate_is_recorded_or_refused)
{
	check_bad_cert("selfsigned", "self-signed certificate",
	    "CN=mx.gmail.test");
}

Test(hostile, a_nul_in_a_reply_is_a_protocol_error_shown_escaped)
{
	struct cmd_run r;

	start_mx("banner raw: 220 nul\\0here\\r\\n\n", 2, NULL);
	probe(&r, NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	/* A raw NUL would end r.out before the verdict line. */
	cr_assert(strstr(r.out, "S: 220 nul\\x00here\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "!! protocol: malformed reply line") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: tempfail - at banner") != NULL,
	    "%s", r.out);
	cmd_run_free(&r);
	probe(&r, "--json", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"lines\":[\"220 nul\\u0000here\"],"
	    "\"complete\":false") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"protocol\"") != NULL);
	cmd_run_free(&r);
}

/*
 * A TCP reset is network trouble wherever it comes: in plaintext, and
 * inside a TLS session whose handshake completed. Only the handshake
 * itself (or the certificate) is a TLS finding; I/O after it is an I/O
 * tempfail like any other.
 */
Test(hostile, a_reset_after_the_tls_handshake_is_an_io_tempfail)
{
	struct cmd_run r;

	start_mx("ehlo: 250-fakemx\nehlo: 250 STARTTLS\n"
	    "mail reset:\n", 1, "server");
	probe(&r, "--json", "--starttls", "required", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"version\":\"TLSv1.3\"") != NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"io\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"tempfail\"") != NULL);
	cmd_run_free(&r);
}

Test(hostile, a_reset_in_plaintext_is_an_io_tempfail)
{
	struct cmd_run r;

	start_mx("mail reset:\n", 1, NULL);
	probe(&r, "--json", "--starttls", "off", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"io\"") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

/*
 * A server that speaks TLS on the plain port sends a TLS record where
 * the 220 banner should be. It is named at once, not after the whole
 * banner wait as a closed connection or a timeout.
 */
Test(hostile, a_tls_record_before_the_banner_is_named_at_once)
{
	struct cmd_run r;

	start_mx("banner raw: \\x15\\x03\\x03\\x00\\x02\\x02\\x32\n"
	    "banner stall:\n", 1, NULL);
	probe(&r, "--json", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert_lt(r.elapsed_ms, 3000, "took %.0f ms", r.elapsed_ms);
	cr_assert(strstr(r.out, "speaks TLS") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"tls_on_plain_port\"") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"quit\"") == NULL, "%s", r.out);
	cmd_run_free(&r);
}
