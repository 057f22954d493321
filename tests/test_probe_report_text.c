/*
 * test_probe_report_text - the human report of a probe, for the same
 * results as the JSON tests (tests/support/report_case): every reply
 * line shown verbatim behind "S:", server bytes that are not printable
 * ASCII shown as \xNN so that nothing reaches the terminal raw, the
 * attempts in order with their verdicts, and one verdict line at the end
 * that names the deciding reply, stage, MX and source.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probe/report/probe_report_text.h"
#include "probe/run/probe_run.h"
#include "probe/verdict/probe_verdict.h"
#include "tests/support/mem_out.h"
#include "tests/support/report_case.h"

/* One test's state; fini frees it even when an assertion failed. */
static struct report_case rc;
static struct mem_out out;

static void
text_setup(void)
{
	memset(&rc, 0, sizeof(rc));
	memset(&out, 0, sizeof(out));
}

static void
text_teardown(void)
{
	report_case_free(&rc);
	mem_out_free(&out);
}

TestSuite(probe_report_text, .init = text_setup, .fini = text_teardown);

static const char *
render(void)
{
	cr_assert_not_null(mem_out_open(&out));
	probe_report_text_render(out.fp, &rc.info, &rc.r);
	cr_assert_not(ferror(out.fp));
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_gt(out.len, 0);
	return out.data;
}

static const char *
find_from(const char *from, const char *needle)
{
	const char *at = strstr(from, needle);

	cr_assert_not_null(at, "no \"%s\" after offset %td in:\n%s", needle,
	    from - out.data, out.data);
	return at;
}

/* needle occurs at or after from. */
static void
assert_after(const char *from, const char *needle)
{
	(void)find_from(from, needle);	/* it asserts */
}

static void
assert_has(const char *needle)
{
	assert_after(out.data, needle);
}

/* The last line, without its newline. */
static const char *
last_line(void)
{
	const char *p;

	cr_assert_gt(out.len, 1);
	cr_assert_eq(out.data[out.len - 1], '\n', "the report ends a line");
	out.data[out.len - 1] = '\0';
	p = strrchr(out.data, '\n');
	return p ? p + 1 : out.data;
}

static void
build_standard_case(void)
{
	cr_assert(report_case_two_attempts(&rc), "out of memory");
	cr_assert_eq(rc.r.verdict, PROBE_VERDICT_FAIL);
}

Test(probe_report_text, holds_no_raw_byte_but_printable_ascii_and_newlines)
{
	size_t i;
	unsigned char c;

	build_standard_case();
	render();
	for (i = 0; i < out.len; i++) {
		c = (unsigned char)out.data[i];
		cr_assert((c >= 0x20 && c < 0x7f) || c == '\n',
		    "raw byte 0x%02x at %zu:\n%s", c, i, out.data);
	}
}

Test(probe_report_text, escapes_a_profile_file_name_with_control_bytes)
{
	build_standard_case();
	/* --profile FILE: a file name may hold any byte but '/' and NUL. */
	rc.info.profile = "/tmp/\x1b[2Jevil.yaml";
	render();
	cr_assert_null(strchr(out.data, '\x1b'), "%s", out.data);
	assert_has("profile /tmp/\\x1b[2Jevil.yaml\n");
}

Test(probe_report_text, shows_esc_nul_and_invalid_utf8_as_hex)
{
	build_standard_case();
	render();
	assert_has("S: 220-mx1.gmail.test ESMTP \\x1b[2J\\x1b]0;owned\\x07 "
	    "caf\\xc3(\n");
	assert_has("S: 220 ready \\x1b[31m\\x00 \\xff\\xfe end\n");
}

Test(probe_report_text, ends_with_the_verdict_line_of_the_deciding_reply)
{
	build_standard_case();
	render();
	cr_assert_str_eq(last_line(), "verdict: fail - 550 5.7.26 at "
	    "end-of-data from mx2.gmail.test [127.0.0.2] (source 127.0.0.3)");
}

Test(probe_report_text, shows_every_line_of_the_550_block_in_order)
{
	const char *at;
	char want[256];
	size_t i;

	build_standard_case();
	render();
	at = find_from(out.data, "attempt 2: ");
	at = find_from(at, "end-of-data");
	for (i = 0; i < REPORT_CASE_GMAIL_LINES; i++) {
		(void)snprintf(want, sizeof(want), "S: %s\n",
		    report_case_gmail_550[i]);	/* 256 holds every line */
		at = find_from(at, want);
	}
}

Test(probe_report_text, heads_each_attempt_with_its_mx_address_and_verdict)
{
	const char *a1;

	build_standard_case();
	render();
	a1 = find_from(out.data, "\nattempt 1: mx1.gmail.test [127.0.0.1] "
	    "port 25 from 127.0.0.3 -> tempfail\n");
	assert_after(a1, "\nattempt 2: mx2.gmail.test [127.0.0.2] port 25 from "
	    "127.0.0.3 -> fail\n");
}

Test(probe_report_text, says_what_ended_the_hostile_banner)
{
	build_standard_case();
	render();
	assert_has("!! protocol: malformed reply line: ");
}

Test(probe_report_text, starts_with_the_probe_the_envelope_and_the_mx_hosts)
{
	build_standard_case();
	render();
	cr_assert_eq(strncmp(out.data, "smtpprobe " SMTPPROBE_VERSION
	    ": probe " REPORT_CASE_PROBE_ID ", profile gmail\n"
	    "  envelope <probe@example.org>, HELO probe.example.org, source "
	    "127.0.0.3\n"
	    "  mail for gmail.test: found\n"
	    "    MX 5 mx1.gmail.test [127.0.0.1]\n"
	    "    MX 10 mx2.gmail.test [127.0.0.2]\n", 220), 0, "%s", out.data);
}

Test(probe_report_text, names_the_error_when_no_attempt_got_a_reply)
{
	cr_assert(report_case_init(&rc));
	cr_assert(report_case_add_host(&rc, "mx1.gmail.test", 5, "127.0.0.1",
	    NULL));
	cr_assert(report_case_attempt(&rc, "mx1.gmail.test", 5, "127.0.0.1",
	    "", 0));
	rc.r.verdict = rc.r.attempts[0].verdict;
	cr_assert_eq(rc.r.verdict, PROBE_VERDICT_TEMPFAIL);
	render();
	cr_assert_str_eq(last_line(), "verdict: tempfail - at banner to "
	    "mx1.gmail.test [127.0.0.1]: connection closed by the server "
	    "(source 127.0.0.3)");
}

Test(probe_report_text, ends_a_dns_verdict_with_the_dns_words_escaped)
{
	cr_assert(report_case_init(&rc));
	rc.r.mx.status = PROBE_MX_NXDOMAIN;
	(void)snprintf(rc.r.mx.message, sizeof(rc.r.mx.message),
	    "gmail.test does not exist \x1b[2J");
	(void)snprintf(rc.r.error, sizeof(rc.r.error), "%s", rc.r.mx.message);
	rc.r.has_dns_verdict = true;
	rc.r.verdict = probe_verdict_dns_decide(rc.r.mx.status);
	rc.info.source = "";
	render();
	assert_has("  mail for gmail.test: nxdomain\n");
	cr_assert_str_eq(last_line(), "verdict: fail - gmail.test does not "
	    "exist \\x1b[2J");
	cr_assert_null(memchr(out.data, 0x1b, out.len), "a raw ESC");
}

Test(probe_report_text, says_system_default_when_the_kernel_picks_the_source)
{
	build_standard_case();
	rc.info.source = "";
	render();
	assert_has(", source (system default)\n");
	cr_assert_str_eq(last_line(), "verdict: fail - 550 5.7.26 at "
	    "end-of-data from mx2.gmail.test [127.0.0.2]");
}

Test(probe_report_text, shows_tls_facts_with_certificate_text_escaped)
{
	struct smtp_dialog *d;

	build_standard_case();
	d = &rc.r.attempts[1].dialog;
	d->tls_attempted = true;
	d->tls_active = true;
	(void)snprintf(d->tls.version, sizeof(d->tls.version), "TLSv1.3");
	(void)snprintf(d->tls.cipher, sizeof(d->tls.cipher), "TLS_AES_128");
	d->tls.verified = true;
	d->tls.has_peer_cert = true;
	(void)snprintf(d->tls.subject, sizeof(d->tls.subject),
	    "CN=evil\x1b[2J");
	(void)snprintf(d->tls.issuer, sizeof(d->tls.issuer), "CN=\x07" "CA");
	(void)snprintf(d->tls.not_after, sizeof(d->tls.not_after),
	    "2027-01-31T12:00:00Z");
	(void)snprintf(d->tls.names[0], sizeof(d->tls.names[0]), "a\x1b.test");
	d->tls.nnames = 1;
	d->tls.names_truncated = 2;
	render();
	assert_has("  TLS: TLSv1.3, TLS_AES_128; certificate verified for "
	    "mx2.gmail.test\n       subject CN=evil\\x1b[2J; issuer "
	    "CN=\\x07CA; expires 2027-01-31T12:00:00Z\n"
	    "       names: a\\x1b.test (and 2 more)\n");
	cr_assert_null(memchr(out.data, 0x1b, out.len), "a raw ESC");
}
