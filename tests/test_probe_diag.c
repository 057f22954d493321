/*
 * test_probe_diag - the diagnosis under a probe's reply: which catalog
 * entry matches an attempt's outcome (the final reply, or our own error
 * when there was none), which one matches a DNS outcome, how a match renders
 * in text and in JSON (valid per tests/support/json_check, placeholders
 * filled from captures and then from the probe's facts, "not in the
 * catalog" for a fallback, server bytes escaped).
 *
 * Attempts run a real dialogue over the in-memory transport
 * (tests/support/mem_io); the one outcome mem_io cannot produce, a
 * connect that times out, is built step by step the way the dialogue
 * records it. Catalogs are the shipped ones, or files written into a
 * mkdtemp directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/catalog/probe_diag.h"
#include "probe/dns/probe_mx.h"
#include "probe/run/probe_run.h"
#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_reply.h"
#include "tests/support/json_check.h"
#include "tests/support/mem_io.h"
#include "tests/support/mem_out.h"
#include "tests/support/tmp_dir.h"

#define GMAIL_5_7_26 \
	"550-5.7.26 This mail is unauthenticated, which poses a security " \
	"risk to the\r\n" \
	"550-5.7.26 sender and Gmail users, and has been blocked. The " \
	"sender must\r\n" \
	"550-5.7.26 authenticate with at least one of SPF or DKIM. For this " \
	"message,\r\n" \
	"550-5.7.26 DKIM checks did not pass and SPF check for " \
	"[example.com] did not\r\n" \
	"550-5.7.26 pass with ip: [192.0.2.10]. The sender should visit\r\n" \
	"550-5.7.26  https://support.google.com/mail/answer/81126" \
	"#authentication for\r\n" \
	"550 5.7.26 instructions on setting up authentication. - gsmtp\r\n"

/* The dialogue up to the message, as a server that takes it says it. */
#define UP_TO_DATA \
	"220 mx.gmail.test ESMTP\r\n250 mx.gmail.test\r\n250 2.1.0 OK\r\n" \
	"250 2.1.5 OK\r\n354 Go ahead\r\n"

/* One test's state; fini frees it even when an assertion failed. */
static struct probe_catalog cat;
static char err[PROBE_CATALOG_ERR_MAX + PATH_MAX];
static struct probe_attempt att;
static struct mem_io mio;
static struct mem_out out;
static struct tmp_dir dir;
static struct smtp_reply reply;
static char joined[PROBE_CATALOG_TEXT_MAX];
static const char *const rcpts[] = { "someone@gmail.test" };

static void
diag_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(probe_catalog_init(&cat, false, err, sizeof(err)), 0);
	cr_assert_eq(probe_catalog_load_default(&cat, NULL, 0, err,
	    sizeof(err)), 0, "shipped catalogs: %s", err);
	memset(&att, 0, sizeof(att));
	smtp_dialog_init(&att.dialog, &att.opts);
	memset(&mio, 0, sizeof(mio));
	memset(&out, 0, sizeof(out));
	smtp_reply_init(&reply);
}

static void
diag_teardown(void)
{
	smtp_dialog_free(&att.dialog);
	mem_io_free(&mio);
	mem_out_free(&out);
	probe_catalog_free(&cat);
	tmp_dir_remove(&dir);
	smtp_reply_free(&reply);
}

TestSuite(probe_diag, .init = diag_setup, .fini = diag_teardown,
    .timeout = 30);

/* ---- helpers ---- */

/* Run one dialogue against script; silent: a timeout after it. */
static void
run_attempt(const char *script, bool silent)
{
	smtp_dialog_free(&att.dialog);
	mem_io_free(&mio);
	mem_io_set(&mio, script, 0);
	mio.is_silent_at_end = silent;
	(void)snprintf(att.mx, sizeof(att.mx), "mx.gmail.test");
	(void)snprintf(att.address, sizeof(att.address), "127.0.0.1");
	att.port = 25;
	att.opts.helo = "probe.example.com";
	att.opts.mail_from = "probe@example.com";
	att.opts.rcpts = rcpts;
	att.opts.nrcpts = 1;
	att.opts.message = "Subject: test\n\nHello.\n";
	att.opts.message_len = strlen(att.opts.message);
	att.opts.mx_host = att.mx;
	att.opts.starttls = SMTP_STARTTLS_OFF;
	att.opts.test_ops = &mem_io_ops;
	att.opts.test_ctx = &mio;
	smtp_dialog_init(&att.dialog, &att.opts);
	/* The outcome is in the dialogue; its return value repeats it. */
	(void)smtp_dialog_run(&att.dialog);
	att.verdict = probe_verdict_attempt_decide(&att.dialog);
}

/*
 * A connect that timed out, recorded as smtp_dialog_run records one: a
 * connect step with the error, final, and the error in d->err.
 */
static void
connect_timed_out(void)
{
	struct smtp_step *step;
	long idx;

	smtp_dialog_free(&att.dialog);
	smtp_dialog_init(&att.dialog, &att.opts);
	idx = smtp_dialog_enter(&att.dialog, SMTP_STAGE_CONNECT);
	cr_assert_geq(idx, 0);
	step = &att.dialog.transcript.steps[idx];
	step->rc = SMTP_E_TIMEOUT;
	(void)snprintf(step->error, sizeof(step->error),
	    "connection timed out");
	att.dialog.has_final = true;
	att.dialog.final_step = (size_t)idx;
	att.dialog.is_done = true;
	smtp_err_set(&att.dialog.err, SMTP_E_TIMEOUT, "%s", step->error);
	att.verdict = probe_verdict_attempt_decide(&att.dialog);
}

/* Match a raw reply block as a probe's final reply would be. */
static void
match_reply(const char *raw, const char *provider,
    struct probe_catalog_match *m)
{
	struct probe_catalog_query q = { .provider = provider };
	struct smtp_io io;
	struct smtp_err e = { 0 };

	mem_io_free(&mio);
	mem_io_set(&mio, raw, 0);
	smtp_io_init(&io, &mem_io_ops, &mio);
	cr_assert_eq(smtp_reply_read(&io, &reply, 0, &e), SMTP_OK, "%s",
	    e.msg);
	q.code = reply.code;
	q.enhanced = reply.enhanced;
	q.len = probe_catalog_join(&reply, joined, sizeof(joined));
	q.text = joined;
	cr_assert(probe_catalog_match(&cat, &q, m), "nothing matched");
}

static const char *
render_text(const struct probe_catalog_match *m,
    const struct probe_diag_ctx *ctx)
{
	FILE *fp;

	mem_out_free(&out);
	fp = mem_out_open(&out);
	cr_assert_not_null(fp);
	probe_diag_text(fp, m, ctx, "  ");
	return mem_out_close(&out);
}

static const char *
render_json(const struct probe_catalog_match *m,
    const struct probe_diag_ctx *ctx)
{
	char why[JSON_CHECK_ERR_MAX];
	FILE *fp;

	mem_out_free(&out);
	fp = mem_out_open(&out);
	cr_assert_not_null(fp);
	probe_diag_json(fp, m, ctx);
	cr_assert_not_null(mem_out_close(&out));
	cr_assert(json_check(out.data, out.len, why, sizeof(why)),
	    "invalid JSON (%s): %s", why, out.data);
	return out.data;
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

static void
assert_lacks(const char *hay, const char *needle)
{
	cr_assert_null(strstr(hay, needle), "\"%s\" in:\n%s", needle, hay);
}

/* No byte below 0x20 but the newline, no DEL: safe on a terminal. */
static void
assert_printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		cr_assert(((unsigned char)s[i] >= 0x20 && s[i] != 0x7f) ||
		    s[i] == '\n', "raw byte 0x%02x at %zu", (unsigned char)s[i],
		    i);
}

static const struct probe_diag_ctx facts = { .domain = "ctx.example",
    .ip = "198.51.100.7", .helo = "probe.ctx.example",
    .mx = "mx.gmail.test", .rcpt_domain = "gmail.test" };

/* ---- attempts ---- */

Test(probe_diag, a_gmail_refusal_at_end_of_data_gets_the_gmail_entry)
{
	struct probe_catalog_match m;

	run_attempt(UP_TO_DATA GMAIL_5_7_26 "221 bye\r\n", false);
	cr_assert_eq(att.verdict, PROBE_VERDICT_FAIL);
	cr_assert(probe_diag_attempt(&cat, &att, "google", &m));
	cr_assert_str_eq(m.entry->id, "google.unauthenticated");
	cr_assert_not(m.is_fallback);
	cr_assert_eq(m.ncaptures, 2);
}

Test(probe_diag, the_stage_of_the_final_reply_counts)
{
	struct probe_catalog_match m;
	static char text[] = "provider: acme\nentries:\n"
	    "  - id: acme.at_mail\n    match: { code: 550, stages: [mail] }\n"
	    "    verdict: fail\n    cause: bad_sender\n    summary: s\n"
	    "    see: x\n    remediation: [r]\n    examples: [e]\n"
	    "  - id: acme.at_rcpt\n    match: { code: 550, stages: [rcpt] }\n"
	    "    verdict: fail\n    cause: no_such_user\n    summary: s\n"
	    "    see: x\n    remediation: [r]\n    examples: [e]\n";
	const char *p = tmp_dir_write(&dir, "acme.yaml", text,
	    strlen(text));

	cr_assert_not_null(p);
	cr_assert_eq(probe_catalog_load_file(&cat, p, false, err,
	    sizeof(err)), 0, "%s", err);
	run_attempt("220 mx ESMTP\r\n250 mx\r\n250 2.1.0 OK\r\n"
	    "550 refused\r\n221 bye\r\n", false);
	cr_assert(probe_diag_attempt(&cat, &att, NULL, &m));
	cr_assert_str_eq(m.entry->id, "acme.at_rcpt");
	run_attempt("220 mx ESMTP\r\n250 mx\r\n550 refused\r\n221 bye\r\n",
	    false);
	cr_assert(probe_diag_attempt(&cat, &att, NULL, &m));
	cr_assert_str_eq(m.entry->id, "acme.at_mail");
}

Test(probe_diag, an_accepted_message_needs_no_diagnosis)
{
	struct probe_catalog_match m;

	run_attempt(UP_TO_DATA "250 2.0.0 OK queued\r\n221 bye\r\n", false);
	cr_assert_eq(att.verdict, PROBE_VERDICT_PASS);
	cr_assert_not(probe_diag_attempt(&cat, &att, "google", &m));
	cr_assert_null(m.entry);
}

Test(probe_diag, a_connect_that_timed_out_gets_the_local_entry)
{
	struct probe_catalog_match m;
	const char *s;

	connect_timed_out();
	cr_assert_eq(att.verdict, PROBE_VERDICT_TEMPFAIL);
	cr_assert(probe_diag_attempt(&cat, &att, "google", &m));
	cr_assert_str_eq(m.entry->id, "local.connect_timeout");
	cr_assert_not(m.is_fallback);
	cr_assert_eq(m.entry->verdict, PROBE_CATALOG_TEMPFAIL);
	s = render_text(&m, &facts);
	assert_has(s, "  diagnosis: local.connect_timeout (tempfail, cause "
	    "network)\n");
	assert_has(s, "mx.gmail.test");
	assert_lacks(s, "{mx}");
	assert_lacks(s, "not in the catalog");
}

Test(probe_diag, a_silent_banner_is_a_reply_timeout_not_a_connect_one)
{
	struct probe_catalog_match m;

	run_attempt("", true);
	cr_assert_eq(att.dialog.err.rc, SMTP_E_TIMEOUT);
	cr_assert(probe_diag_attempt(&cat, &att, NULL, &m));
	cr_assert_str_eq(m.entry->id, "local.reply_timeout");
}

Test(probe_diag, a_garbage_banner_gets_a_protocol_entry)
{
	struct probe_catalog_match m;

	run_attempt("HTTP/1.1 400 Bad Request\r\n\r\n", false);
	cr_assert_eq(att.dialog.err.rc, SMTP_E_PROTO);
	cr_assert(probe_diag_attempt(&cat, &att, NULL, &m));
	cr_assert_str_eq(m.entry->provider, "local");
	cr_assert_str_eq(m.entry->outcome, "protocol");
}

/* ---- DNS outcomes ---- */

static void
dns_outcome(struct probe_result *r, enum probe_mx_status st,
    const char *msg)
{
	memset(r, 0, sizeof(*r));
	r->has_dns_verdict = true;
	r->mx.status = st;
	(void)snprintf(r->mx.message, sizeof(r->mx.message), "%s", msg);
	r->verdict = probe_verdict_dns_decide(st);
}

Test(probe_diag, nxdomain_gets_the_local_entry_naming_the_domain)
{
	struct probe_result r;
	struct probe_catalog_match m;
	const char *s;

	dns_outcome(&r, PROBE_MX_NXDOMAIN, "nosuch.example does not exist "
	    "(NXDOMAIN)");
	cr_assert(probe_diag_dns(&cat, &r, NULL, &m));
	cr_assert_str_eq(m.entry->id, "local.dns_nxdomain");
	cr_assert_eq(m.ncaptures, 1);
	cr_assert_str_eq(m.captures[0].name, "name");
	cr_assert_str_eq(m.captures[0].value, "nosuch.example");
	s = render_text(&m, &facts);
	assert_has(s, "nosuch.example does not exist in DNS");
}

Test(probe_diag, a_null_mx_gets_the_local_entry)
{
	struct probe_result r;
	struct probe_catalog_match m;

	dns_outcome(&r, PROBE_MX_NULL, "nullmx.example publishes a null MX "
	    "(RFC 7505): it accepts no mail");
	cr_assert(probe_diag_dns(&cat, &r, NULL, &m));
	cr_assert_str_eq(m.entry->id, "local.dns_null_mx");
	cr_assert_eq(m.entry->verdict, PROBE_CATALOG_FAIL);
	(void)render_json(&m, &facts);
	assert_has(out.data, "\"id\":\"local.dns_null_mx\"");
	assert_has(out.data, "\"in_catalog\":true");
}

Test(probe_diag, a_dns_timeout_is_its_own_outcome)
{
	struct probe_result r;
	struct probe_catalog_match m;

	dns_outcome(&r, PROBE_MX_TIMEOUT, "no answer for example.com MX "
	    "within 10000 ms");
	cr_assert(probe_diag_dns(&cat, &r, NULL, &m));
	cr_assert_str_eq(m.entry->outcome, "dns_timeout");
}

Test(probe_diag, no_dns_verdict_no_diagnosis)
{
	struct probe_result r;
	struct probe_catalog_match m;

	dns_outcome(&r, PROBE_MX_FOUND, "");
	r.has_dns_verdict = false;
	cr_assert_not(probe_diag_dns(&cat, &r, NULL, &m));
	cr_assert_null(m.entry);
}

/* ---- rendering ---- */

Test(probe_diag, text_shows_id_summary_numbered_steps_and_see_filled)
{
	struct probe_catalog_match m;
	const char *s;
	char step[32];
	size_t i;

	match_reply(GMAIL_5_7_26, "google", &m);
	s = render_text(&m, &facts);
	assert_starts(s, "  diagnosis: google.unauthenticated (fail, "
	    "cause unauthenticated)\n    Gmail refused the message because "
	    "neither SPF nor DKIM passed for example.com when it came from "
	    "192.0.2.10.\n");
	for (i = 1; i <= m.entry->nremediation; i++) {
		(void)snprintf(step, sizeof(step), "\n    %zu. ", i);
		assert_has(s, step);
	}
	(void)snprintf(step, sizeof(step), "\n    %zu. ",
	    m.entry->nremediation + 1);
	assert_lacks(s, step);
	/* Captures win over the probe's facts; nothing is left unfilled. */
	assert_has(s, "ip4:192.0.2.10");
	assert_lacks(s, "ctx.example");
	assert_lacks(s, "{domain}");
	assert_lacks(s, "{ip}");
	assert_has(s, "    see: https://support.google.com/mail/answer/81126"
	    "#authentication\n");
	assert_printable(s, out.len);
}

Test(probe_diag, json_is_valid_with_every_field_and_the_captures)
{
	struct probe_catalog_match m;
	const char *s;

	match_reply(GMAIL_5_7_26, "google", &m);
	s = render_json(&m, &facts);
	assert_starts(s, "{\"id\":\"google.unauthenticated\","
	    "\"provider\":\"google\",\"cause\":\"unauthenticated\","
	    "\"verdict\":\"fail\",\"in_catalog\":true,\"summary\":\"Gmail "
	    "refused the message because neither SPF nor DKIM passed for "
	    "example.com when it came from 192.0.2.10.\",\"remediation\":[\"");
	assert_has(s, "\"captures\":{\"domain\":\"example.com\","
	    "\"ip\":\"192.0.2.10\"}");
	assert_has(s, ",\"see\":\"https://support.google.com/mail/answer/"
	    "81126#authentication\"}");
	assert_lacks(s, "{domain}");
}

Test(probe_diag, a_fallback_is_not_in_the_catalog_and_uses_the_facts)
{
	struct probe_catalog_match m;
	const char *s;

	match_reply("550 we do not like you\r\n", NULL, &m);
	cr_assert(m.is_fallback);
	s = render_json(&m, &facts);
	assert_has(s, "\"id\":\"generic.unknown_permanent\"");
	assert_has(s, "\"in_catalog\":false");
	assert_has(s, "\"captures\":{}");
	assert_has(s, "dig +short TXT ctx.example");
	assert_has(s, "dig +short -x 198.51.100.7");
	s = render_text(&m, &facts);
	assert_has(s, "  diagnosis: generic.unknown_permanent (fail, cause "
	    "unknown) - not in the catalog: matched by code only\n");
}

Test(probe_diag, unknown_facts_show_as_angle_brackets)
{
	static const struct probe_diag_ctx none = { 0 };
	static const struct probe_diag_ctx empty = { .domain = "", .ip = "" };
	struct probe_catalog_match m;
	const char *s;

	match_reply("550 we do not like you\r\n", NULL, &m);
	s = render_text(&m, &none);
	assert_has(s, "dig +short TXT <domain>");
	assert_has(s, "dig +short -x <ip>");
	s = render_text(&m, &empty);
	assert_has(s, "dig +short TXT <domain>");
	s = render_json(&m, &empty);
	assert_has(s, "dig +short TXT <domain>");
}

Test(probe_diag, no_match_renders_nothing_in_text_and_null_in_json)
{
	struct probe_catalog_match m;

	memset(&m, 0, sizeof(m));
	cr_assert_str_eq(render_text(&m, &facts), "");
	cr_assert_str_eq(render_json(&m, &facts), "null");
}

Test(probe_diag, hostile_captured_bytes_are_escaped_in_text_and_json)
{
	static const char text[] = "provider: acme\nentries:\n"
	    "  - id: acme.echo\n    match: { code: 550, text: "
	    "['said (?<what>.+)$'] }\n"
	    "    verdict: fail\n    cause: policy\n"
	    "    summary: 'They said {what}.'\n    see: x\n"
	    "    remediation: ['Reply to {what}']\n    examples: [e]\n";
	static const char raw[] = "550 said \x1b[2J\x1b]0;owned\x07 \"q\" "
	    "\\ caf\xc3\x28 \xff end\r\n";
	struct probe_catalog_match m;
	const char *p = tmp_dir_write(&dir, "acme.yaml", text, strlen(text));
	const char *s;

	cr_assert_not_null(p);
	cr_assert_eq(probe_catalog_load_file(&cat, p, true, err, sizeof(err)),
	    0, "%s", err);
	match_reply(raw, NULL, &m);
	cr_assert_str_eq(m.entry->id, "acme.echo");
	s = render_text(&m, &facts);
	assert_printable(s, out.len);
	assert_has(s, "They said ");
	s = render_json(&m, &facts);
	assert_printable(s, out.len);
	assert_has(s, "\\u001b");
}
