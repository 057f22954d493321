/*
 * test_probe_report_json - the JSON document of a probe. Results are
 * built the way probe_run builds them (tests/support/report_case: real
 * dialogues over the in-memory transport, including Gmail's seven-line
 * 550-5.7.26 at the end of data and a banner full of ESC, NUL and
 * invalid UTF-8), rendered into memory, checked by a strict RFC 8259
 * validator (tests/support/json_check), and then read for the fields of
 * the schema in README.md.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probe/util/probe_escape.h"
#include "probe/report/probe_report_json.h"
#include "probe/run/probe_run.h"
#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_reply.h"
#include "tests/support/json_check.h"
#include "tests/support/mem_out.h"
#include "tests/support/report_case.h"

/* One test's state; fini frees it even when an assertion failed. */
static struct report_case rc;
static struct mem_out out;

static void
json_setup(void)
{
	memset(&rc, 0, sizeof(rc));
	memset(&out, 0, sizeof(out));
}

static void
json_teardown(void)
{
	report_case_free(&rc);
	mem_out_free(&out);
}

TestSuite(probe_report_json, .init = json_setup, .fini = json_teardown);

/* Render rc and check that the result is one valid JSON document. */
static const char *
render(void)
{
	char why[JSON_CHECK_ERR_MAX];

	cr_assert_not_null(mem_out_open(&out));
	probe_report_json_render(out.fp, &rc.info, &rc.r);
	cr_assert_not(ferror(out.fp));
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_gt(out.len, 0);
	cr_assert_eq(out.data[out.len - 1], '\n', "the document ends a line");
	cr_assert(json_check(out.data, out.len, why, sizeof(why)),
	    "not valid JSON: %s\n%s", why, out.data);
	return out.data;
}

/* needle occurs at or after from; returns where. */
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

static size_t
count(const char *needle)
{
	const char *p = out.data;
	size_t n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void
build_standard_case(void)
{
	cr_assert(report_case_two_attempts(&rc), "out of memory");
	cr_assert_eq(rc.r.nattempts, 2);
	cr_assert_eq(rc.r.attempts[0].verdict, PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(rc.r.attempts[1].verdict, PROBE_VERDICT_FAIL);
	cr_assert_eq(rc.r.verdict, PROBE_VERDICT_FAIL);
}

/* --- the standard case --- */

Test(probe_report_json, is_one_valid_document_for_a_hostile_and_a_refusing_mx)
{
	build_standard_case();
	render();
	cr_assert_eq(strlen(out.data), out.len, "a raw NUL in the document");
}

Test(probe_report_json, holds_no_raw_control_byte_but_the_final_newline)
{
	size_t i;

	build_standard_case();
	render();
	for (i = 0; i + 1 < out.len; i++)
		cr_assert_geq((unsigned char)out.data[i], 0x20,
		    "raw byte 0x%02x at %zu", (unsigned char)out.data[i], i);
}

Test(probe_report_json, starts_with_the_probe_facts_and_the_verdict)
{
	static const char want[] = "{\"schema_version\":1,"
	    "\"smtpprobe\":\"" SMTPPROBE_VERSION "\","
	    "\"probe_id\":\"" REPORT_CASE_PROBE_ID "\",\"profile\":\"gmail\","
	    "\"verdict\":\"fail\",\"exit_code\":2,\"domain\":\"gmail.test\","
	    "\"mail_from\":\"probe@example.org\","
	    "\"helo\":\"probe.example.org\","
	    "\"source\":\"127.0.0.3\",\"dns\":{";

	build_standard_case();
	render();
	cr_assert_eq(strncmp(out.data, want, sizeof(want) - 1), 0,
	    "%s\ndoes not start with\n%s", out.data, want);
}

Test(probe_report_json, lists_the_mx_hosts_with_their_addresses)
{
	build_standard_case();
	render();
	assert_has("\"dns\":{\"status\":\"found\",\"message\":null,"
	    "\"hosts_dropped\":0,\"hosts\":[{\"name\":\"mx1.gmail.test\","
	    "\"preference\":5,\"addresses\":[\"127.0.0.1\"],\"error\":null},"
	    "{\"name\":\"mx2.gmail.test\",\"preference\":10,"
	    "\"addresses\":[\"127.0.0.2\"],\"error\":null}]");
}

Test(probe_report_json, has_one_object_per_attempt_with_its_verdict)
{
	const char *a1, *a2;

	build_standard_case();
	render();
	a1 = find_from(out.data, "\"attempts\":[{\"mx\":\"mx1.gmail.test\","
	    "\"preference\":5,\"address\":\"127.0.0.1\",\"port\":25,"
	    "\"source\":\"127.0.0.3\",\"verdict\":\"tempfail\",\"error\":\"");
	a2 = find_from(a1, "{\"mx\":\"mx2.gmail.test\",\"preference\":10,"
	    "\"address\":\"127.0.0.2\",\"port\":25,\"source\":\"127.0.0.3\","
	    "\"verdict\":\"fail\",\"error\":null,");
	cr_assert_gt(a2, a1);
	cr_assert_eq(count("\"stages\":["), 2);
	cr_assert_eq(count("\"final\":"), 2);
	assert_has("],\"untried\":0,\"error\":null,\"dkim_signature\":null,\"elapsed_ms\":12.500}\n");
}

Test(probe_report_json, says_tls_null_when_no_tls_was_tried)
{
	build_standard_case();
	render();
	cr_assert_eq(count("\"tls\":null"), 2);
}

Test(probe_report_json, lists_the_capabilities_the_server_announced)
{
	build_standard_case();
	render();
	/* Attempt 1 never got as far as EHLO. */
	assert_has("\"capabilities\":[]");
	assert_has("\"SIZE\"");
	assert_has("\"size_max\":157286400");
}

Test(probe_report_json, names_every_stage_of_the_refused_dialogue_in_order)
{
	static const char *const stages[] = { "connect", "banner", "ehlo",
	    "mail", "rcpt", "data", "end-of-data", "quit" };
	const char *at;
	char want[64];
	size_t i;

	build_standard_case();
	render();
	at = find_from(out.data, "{\"mx\":\"mx2.gmail.test\"");
	at = find_from(at, "\"stages\":[");
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		(void)snprintf(want, sizeof(want), "{\"stage\":\"%s\"",
		    stages[i]);	/* 64 holds every stage */
		at = find_from(at, want);
	}
	assert_after(at, "\"command\":\"QUIT\",\"code\":221");
}

Test(probe_report_json, gives_the_550_5_7_26_as_the_final_reply_with_all_lines)
{
	const char *at;
	char want[256];
	size_t i;

	build_standard_case();
	render();
	at = find_from(out.data, "{\"mx\":\"mx2.gmail.test\"");
	at = find_from(at, "\"final\":{\"stage\":\"end-of-data\",\"code\":550,"
	    "\"enhanced\":\"5.7.26\",\"lines\":[");
	for (i = 0; i < REPORT_CASE_GMAIL_LINES; i++) {
		(void)snprintf(want, sizeof(want), "%s\"%s\"", i ? "," : "",
		    report_case_gmail_550[i]);	/* 256 holds every line */
		at = find_from(at, want);
	}
	assert_after(at, "],\"complete\":true,\"bare_lf\":false,"
	    "\"utf8_replaced\":false,\"error\":null,\"error_kind\":null}");
}

Test(probe_report_json, keeps_the_lines_of_the_final_block_together_in_order)
{
	const char *start, *end;
	char want[2048];
	size_t i, len = 0;

	build_standard_case();
	render();
	len += (size_t)snprintf(want, sizeof(want), "\"lines\":[");
	for (i = 0; i < REPORT_CASE_GMAIL_LINES; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len,
		    "%s\"%s\"", i ? "," : "", report_case_gmail_550[i]);
	cr_assert_lt(len + 2, sizeof(want));
	memcpy(want + len, "]", 2);
	start = find_from(out.data, "\"final\":{\"stage\":\"end-of-data\"");
	end = find_from(start, want);
	cr_assert_lt(end - start, 128, "the lines are not the final's");
	/* The step at end-of-data holds the same seven lines. */
	cr_assert_eq(count(want), 2);
}

Test(probe_report_json, escapes_esc_and_nul_and_flags_invalid_utf8)
{
	const char *a1, *banner;

	build_standard_case();
	render();
	a1 = find_from(out.data, "{\"mx\":\"mx1.gmail.test\"");
	banner = find_from(a1, "{\"stage\":\"banner\",\"command\":null,"
	    "\"code\":220,\"enhanced\":null,\"lines\":[");
	assert_after(banner, "\"220-mx1.gmail.test ESMTP \\u001b[2J\\u001b]0;"
	    "owned\\u0007 caf\\ufffd(\",\"220 ready \\u001b[31m\\u0000 "
	    "\\ufffd\\ufffd end\"],\"complete\":false,\"bare_lf\":false,"
	    "\"utf8_replaced\":true,\"error\":\"malformed reply line: ");
	assert_after(banner, "\"error_kind\":\"protocol\"");
	cr_assert_null(memchr(out.data, 0x1b, out.len), "a raw ESC");
	cr_assert_null(memchr(out.data, 0xff, out.len), "a raw 0xff");
}

Test(probe_report_json, the_final_of_a_broken_banner_is_it_with_its_error)
{
	const char *a1;

	build_standard_case();
	render();
	a1 = find_from(out.data, "{\"mx\":\"mx1.gmail.test\"");
	a1 = find_from(a1, "\"final\":{\"stage\":\"banner\",\"code\":220,");
	assert_after(a1, "\"utf8_replaced\":true,\"error\":\"malformed reply "
	    "line: ");
	assert_after(a1, "\"error_kind\":\"protocol\"}");
}

/* --- other results --- */

Test(probe_report_json, renders_a_dns_verdict_with_no_attempts)
{
	cr_assert(report_case_init(&rc));
	rc.r.mx.status = PROBE_MX_NXDOMAIN;
	(void)snprintf(rc.r.mx.message, sizeof(rc.r.mx.message),
	    "gmail.test does not exist (NXDOMAIN) \"quoted\" \\ \x1b");
	(void)snprintf(rc.r.error, sizeof(rc.r.error), "%s", rc.r.mx.message);
	rc.r.has_dns_verdict = true;
	rc.r.verdict = probe_verdict_dns_decide(rc.r.mx.status);
	rc.info.exit_code = 2;
	render();
	assert_has("\"verdict\":\"fail\",\"exit_code\":2");
	assert_has("\"dns\":{\"status\":\"nxdomain\",\"message\":\"gmail.test "
	    "does not exist (NXDOMAIN) \\\"quoted\\\" \\\\ \\u001b\","
	    "\"hosts_dropped\":0,\"hosts\":[]");
	assert_has("\"attempts\":[],\"untried\":0,\"error\":\"gmail.test");
}

Test(probe_report_json, renders_a_host_without_addresses_with_its_reason)
{
	cr_assert(report_case_init(&rc));
	cr_assert(report_case_add_host(&rc, "mx\xff.example.net", 0, NULL,
	    "no address (NXDOMAIN)"));
	rc.r.mx.status = PROBE_MX_NOADDR;
	rc.r.mx.hosts_dropped = 4;
	rc.r.verdict = PROBE_VERDICT_TEMPFAIL;
	render();
	assert_has("\"hosts_dropped\":4,\"hosts\":[{\"name\":\"mx\\ufffd."
	    "example.net\",\"preference\":0,\"addresses\":[],"
	    "\"error\":\"no address (NXDOMAIN)\"}]");
}

Test(probe_report_json, renders_a_source_chosen_by_the_kernel_as_null)
{
	cr_assert(report_case_init(&rc));
	rc.info.source = "";
	render();
	assert_has("\"source\":null,\"dns\":");
}

Test(probe_report_json, renders_tls_facts_with_certificate_text_escaped)
{
	struct smtp_dialog *d;

	build_standard_case();
	d = &rc.r.attempts[1].dialog;
	d->tls_attempted = true;
	d->tls_active = true;
	(void)snprintf(d->tls.version, sizeof(d->tls.version), "TLSv1.3");
	(void)snprintf(d->tls.cipher, sizeof(d->tls.cipher),
	    "TLS_AES_256_GCM_SHA384");
	d->tls.verified = false;
	(void)snprintf(d->tls.verify_error, sizeof(d->tls.verify_error),
	    "unable to get local issuer certificate");
	d->tls.has_peer_cert = true;
	(void)snprintf(d->tls.subject, sizeof(d->tls.subject),
	    "CN=mx.google.com,O=\"Evil\\\x1b[2J\xc3\x28");
	(void)snprintf(d->tls.issuer, sizeof(d->tls.issuer), "CN=Test CA");
	(void)snprintf(d->tls.not_after, sizeof(d->tls.not_after),
	    "2027-01-31T12:00:00Z");
	(void)snprintf(d->tls.names[0], sizeof(d->tls.names[0]),
	    "mx.google.com");
	(void)snprintf(d->tls.names[1], sizeof(d->tls.names[1]), "\"*\".\x01");
	d->tls.nnames = 2;
	d->tls.names_truncated = 3;
	(void)snprintf(d->tls.ips[0], sizeof(d->tls.ips[0]), "192.0.2.25");
	d->tls.nips = 1;
	(void)snprintf(d->tls.chain[0].subject, sizeof(d->tls.chain[0].subject),
	    "CN=mx.google.com");
	(void)snprintf(d->tls.chain[0].issuer, sizeof(d->tls.chain[0].issuer),
	    "CN=Evil\x1b CA");
	(void)snprintf(d->tls.chain[1].subject, sizeof(d->tls.chain[1].subject),
	    "CN=Evil\x1b CA");
	(void)snprintf(d->tls.chain[1].issuer, sizeof(d->tls.chain[1].issuer),
	    "CN=Root");
	d->tls.nchain = 2;
	d->tls.chain_truncated = 1;
	render();
	assert_has("\"tls\":{\"established\":true,\"version\":\"TLSv1.3\","
	    "\"cipher\":\"TLS_AES_256_GCM_SHA384\",\"verified\":false,"
	    "\"name_matches\":false,\"verify_error\":\"unable to get local "
	    "issuer certificate\",\"subject\":\"CN=mx.google.com,O=\\\"Evil"
	    "\\\\\\u001b[2J\\ufffd(\",\"issuer\":\"CN=Test CA\","
	    "\"not_after\":\"2027-01-31T12:00:00Z\",\"peer_names\":["
	    "\"mx.google.com\",\"\\\"*\\\".\\u0001\"],"
	    "\"peer_names_truncated\":3,\"peer_ips\":[\"192.0.2.25\"],"
	    "\"peer_ips_truncated\":0,\"chain\":[{\"depth\":0,\"subject\":"
	    "\"CN=mx.google.com\",\"issuer\":\"CN=Evil\\u001b CA\"},"
	    "{\"depth\":1,\"subject\":\"CN=Evil\\u001b CA\",\"issuer\":"
	    "\"CN=Root\"}],\"chain_truncated\":1}");
	cr_assert_eq(count("\"tls\":null"), 1);
}

Test(probe_report_json, stays_valid_when_a_reply_line_crossed_the_line_limit)
{
	char script[SMTP_REPLY_LINE_MAX + 64];

	memset(script, '\xe2', sizeof(script));
	memcpy(script, "220 ", 4);
	cr_assert(report_case_init(&rc));
	cr_assert(report_case_attempt(&rc, "mx.example.net", 0, "127.0.0.1",
	    script, sizeof(script)));
	rc.r.verdict = rc.r.attempts[0].verdict;
	cr_assert_eq(rc.r.verdict, PROBE_VERDICT_TEMPFAIL);
	render();
	assert_has("\"error_kind\":\"limit\"");
	assert_has("\"complete\":false");
	assert_has("\"utf8_replaced\":true");
}

Test(probe_report_json, renders_an_attempt_stopped_by_our_own_bad_input)
{
	cr_assert(report_case_init(&rc));
	rc.info.helo = "bad\r\nhelo";
	cr_assert(report_case_attempt(&rc, "mx.example.net", 0, "127.0.0.1",
	    "", 0));
	rc.r.verdict = rc.r.attempts[0].verdict;
	cr_assert_eq(rc.r.verdict, PROBE_VERDICT_ERROR);
	render();
	assert_has("\"helo\":\"bad\\r\\nhelo\"");
	assert_has("\"verdict\":\"error\",\"error\":\"HELO name is empty, too "
	    "long or holds a line break\",\"tls\":null");
	assert_has("\"stages\":[],\"final\":null");
}
