/*
 * test_probe_verdict - what an outcome means. Each rule of
 * probe/verdict/probe_verdict.h is shown on a whole dialogue run against a
 * scripted server (tests/support/mem_io), so the dialogue the verdict
 * judges is one the engine really produces; the outcomes the in-memory
 * transport cannot produce (a TLS handshake failure, a bind or connect
 * failure, running out of memory) are set on the dialogue by hand.
 */
#include <stdio.h>
#include <stdint.h>
#include "probe/auth/probe_check.h"
#include "probe/verdict/probe_cell.h"
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "probe/dns/probe_mx.h"
#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"
#include "tests/support/mem_io.h"

#define BYTEWISE	1

#define S_BANNER	"220 mx.example.net ESMTP\r\n"
#define S_EHLO		"250-mx.example.net\r\n250 8BITMIME\r\n"
#define S_EHLO_TLS	"250-mx.example.net\r\n250 STARTTLS\r\n"
#define S_MAIL		"250 2.1.0 OK\r\n"
#define S_RCPT		"250 2.1.5 OK\r\n"
#define S_DATA		"354 Go ahead\r\n"
#define S_EOD		"250 2.0.0 OK queued\r\n"
#define S_QUIT		"221 2.0.0 bye\r\n"
#define S_UP_TO_DATA	S_BANNER S_EHLO S_MAIL S_RCPT S_DATA
#define S_550_5_7_26 \
	"550-5.7.26 This mail is unauthenticated, which poses a security " \
	"risk to the\r\n" \
	"550-5.7.26 sender and Gmail users, and has been blocked. The " \
	"sender must\r\n" \
	"550 5.7.26 authenticate with at least one of SPF or DKIM.\r\n"

/*
 * STARTTLS policies other than off need a TLS context; no test here
 * reaches a handshake, so this stands in for one and is never used.
 */
static max_align_t unused_tls_ctx;
#define FAKE_TLS_CTX	((struct tls_ctx *)(void *)&unused_tls_ctx)

static const char *const rcpts[] = { "postmaster@example.net" };

/* One dialogue; fini frees it even when an assertion failed. */
static struct mem_io m;
static struct smtp_dialog_opts o;
static struct smtp_dialog d;

static void
verdict_setup(void)
{
	memset(&m, 0, sizeof(m));
	memset(&o, 0, sizeof(o));
	o.helo = "probe.example.org";
	o.mail_from = "probe@example.org";
	o.rcpts = rcpts;
	o.nrcpts = 1;
	o.message = "Subject: test\n\nHello.\n";
	o.message_len = strlen(o.message);
	o.mx_host = "mx.example.net";
	o.starttls = SMTP_STARTTLS_OFF;
	o.test_ops = &mem_io_ops;
	o.test_ctx = &m;
	smtp_dialog_init(&d, &o);
}

static void
verdict_teardown(void)
{
	smtp_dialog_free(&d);
	mem_io_free(&m);
}

TestSuite(probe_verdict, .init = verdict_setup, .fini = verdict_teardown);

/*
 * Run the dialogue against len bytes of script (borrowed), after
 * freeing any earlier run; is_silent: the server then says nothing more.
 */
static void
run_bytes(const char *script, size_t len, bool is_silent)
{
	smtp_dialog_free(&d);
	mem_io_free(&m);
	mem_io_set_bytes(&m, script, len, BYTEWISE);
	m.is_silent_at_end = is_silent;
	smtp_dialog_init(&d, &o);
	(void)smtp_dialog_run(&d);	/* the outcome is read from d */
}

static void
run(const char *script)
{
	run_bytes(script, strlen(script), false);
}

/* The verdict of the dialogue just run, and whether it is definitive. */
static void
assert_verdict(enum probe_verdict want, bool want_definitive)
{
	enum probe_verdict got = probe_verdict_attempt_decide(&d);

	cr_assert_eq(got, want, "verdict %s, want %s (err %s: %s)",
	    probe_verdict_name(got), probe_verdict_name(want),
	    smtp_err_name(d.err.rc), d.err.msg);
	cr_assert_eq(probe_verdict_is_definitive(&d), want_definitive,
	    "definitive should be %d", want_definitive);
}

static void
assert_final_code(enum smtp_stage stage, int code)
{
	const struct smtp_step *f = smtp_dialog_final(&d);

	cr_assert_not_null(f, "no deciding step");
	cr_assert_eq(f->stage, stage, "decided at %s, want %s",
	    smtp_stage_name(f->stage), smtp_stage_name(stage));
	cr_assert_eq(f->reply.code, code);
}

/* An error of ours set on a dialogue that ran up to the banner. */
static void
fail_with(enum smtp_rc rc)
{
	run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD S_QUIT);
	cr_assert(d.is_accepted);
	d.is_accepted = false;
	smtp_err_set(&d.err, rc, "set by the test");
}

/* --- names --- */

Test(probe_verdict, every_verdict_has_its_stable_name)
{
	cr_assert_str_eq(probe_verdict_name(PROBE_VERDICT_PASS), "pass");
	cr_assert_str_eq(probe_verdict_name(PROBE_VERDICT_TEMPFAIL),
	    "tempfail");
	cr_assert_str_eq(probe_verdict_name(PROBE_VERDICT_FAIL), "fail");
	cr_assert_str_eq(probe_verdict_name(PROBE_VERDICT_ERROR), "error");
	cr_assert_str_eq(probe_verdict_name(PROBE_VERDICT_COUNT), "error",
	    "an out-of-range value must not read past the table");
}

Test(probe_verdict, verdicts_are_ordered_by_severity)
{
	cr_assert_lt(PROBE_VERDICT_PASS, PROBE_VERDICT_TEMPFAIL);
	cr_assert_lt(PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_FAIL);
	cr_assert_lt(PROBE_VERDICT_FAIL, PROBE_VERDICT_ERROR);
}

/* --- pass --- */

Test(probe_verdict, a_250_at_end_of_data_is_a_definitive_pass)
{
	run(S_UP_TO_DATA S_EOD S_QUIT);
	assert_final_code(SMTP_STAGE_END_OF_DATA, 250);
	assert_verdict(PROBE_VERDICT_PASS, true);
}

Test(probe_verdict, the_2xx_of_the_quit_after_stage_is_a_definitive_pass)
{
	o.has_quit_after = true;
	o.quit_after = SMTP_STAGE_RCPT;
	run(S_BANNER S_EHLO S_MAIL S_RCPT S_QUIT);
	assert_final_code(SMTP_STAGE_RCPT, 250);
	assert_verdict(PROBE_VERDICT_PASS, true);
}

Test(probe_verdict, quit_after_connect_is_a_pass_without_any_reply)
{
	o.has_quit_after = true;
	o.quit_after = SMTP_STAGE_CONNECT;
	run("");
	assert_final_code(SMTP_STAGE_CONNECT, 0);
	assert_verdict(PROBE_VERDICT_PASS, true);
}

Test(probe_verdict, a_pass_stays_a_pass_whatever_quit_gets)
{
	run(S_UP_TO_DATA S_EOD "500 what\r\n");
	assert_verdict(PROBE_VERDICT_PASS, true);
	run(S_UP_TO_DATA S_EOD);	/* closed before answering QUIT */
	assert_verdict(PROBE_VERDICT_PASS, true);
}

/* --- fail: a 5xx anywhere --- */

Test(probe_verdict, a_5xx_at_end_of_data_is_a_definitive_fail)
{
	run(S_UP_TO_DATA S_550_5_7_26 S_QUIT);
	assert_final_code(SMTP_STAGE_END_OF_DATA, 550);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

Test(probe_verdict, a_5xx_at_rcpt_is_a_definitive_fail)
{
	run(S_BANNER S_EHLO S_MAIL "550 5.1.1 no such user\r\n" S_QUIT);
	assert_final_code(SMTP_STAGE_RCPT, 550);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

Test(probe_verdict, a_5xx_at_mail_is_a_definitive_fail)
{
	run(S_BANNER S_EHLO "530 5.7.0 Must issue a STARTTLS command first\r\n"
	    S_QUIT);
	assert_final_code(SMTP_STAGE_MAIL, 530);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

Test(probe_verdict, a_554_banner_is_a_definitive_fail)
{
	run("554 5.7.1 your address is listed\r\n" S_QUIT);
	assert_final_code(SMTP_STAGE_BANNER, 554);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

Test(probe_verdict, ehlo_and_helo_both_refused_is_a_definitive_fail)
{
	run(S_BANNER "502 5.5.1 no EHLO\r\n" "501 5.5.4 no HELO either\r\n"
	    S_QUIT);
	assert_final_code(SMTP_STAGE_EHLO, 501);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

Test(probe_verdict, a_5xx_at_data_is_a_definitive_fail)
{
	run(S_BANNER S_EHLO S_MAIL S_RCPT "554 5.5.1 no valid recipients\r\n"
	    S_QUIT);
	assert_final_code(SMTP_STAGE_DATA, 554);
	assert_verdict(PROBE_VERDICT_FAIL, true);
}

/* --- fail: TLS policy, which the next MX might not share --- */

Test(probe_verdict, starttls_required_but_not_offered_is_a_fail_worth_retrying)
{
	o.starttls = SMTP_STARTTLS_REQUIRED;
	o.tls_ctx = FAKE_TLS_CTX;
	run(S_BANNER S_EHLO S_QUIT);
	cr_assert_eq(d.err.rc, SMTP_E_NOTLS);
	assert_verdict(PROBE_VERDICT_FAIL, false);
}

Test(probe_verdict, a_failed_tls_handshake_is_a_fail_worth_retrying)
{
	fail_with(SMTP_E_TLS);
	assert_verdict(PROBE_VERDICT_FAIL, false);
}

Test(probe_verdict, an_unverified_certificate_under_require_is_a_fail)
{
	fail_with(SMTP_E_TLS_VERIFY);
	assert_verdict(PROBE_VERDICT_FAIL, false);
}

Test(probe_verdict, a_non_ascii_address_without_smtputf8_is_a_fail_not_definitive)
{
	/* Postfix bounces (5.6.7); another MX may still offer SMTPUTF8. */
	fail_with(SMTP_E_NOUTF8);
	assert_verdict(PROBE_VERDICT_FAIL, false);
}

Test(probe_verdict, an_error_outweighs_a_reply_the_dialogue_got)
{
	/* The engine records the error on a step that has a 250 reply. */
	fail_with(SMTP_E_NOTLS);
	cr_assert_not_null(smtp_dialog_final(&d));
	cr_assert_eq(smtp_dialog_final(&d)->reply.code, 250);
	assert_verdict(PROBE_VERDICT_FAIL, false);
}

/* --- tempfail: 4xx and trouble an MTA would retry --- */

Test(probe_verdict, a_4xx_at_data_is_a_tempfail_that_tries_the_next_mx)
{
	run(S_BANNER S_EHLO S_MAIL S_RCPT "451 4.3.0 try again later\r\n"
	    S_QUIT);
	assert_final_code(SMTP_STAGE_DATA, 451);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_421_banner_is_a_tempfail)
{
	run("421 4.7.0 too many connections\r\n");
	assert_final_code(SMTP_STAGE_BANNER, 421);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_4xx_at_end_of_data_is_a_tempfail)
{
	run(S_UP_TO_DATA "452 4.2.2 mailbox full\r\n" S_QUIT);
	assert_final_code(SMTP_STAGE_END_OF_DATA, 452);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_server_that_hangs_up_is_a_tempfail)
{
	run(S_BANNER S_EHLO);
	cr_assert_eq(d.err.rc, SMTP_E_IO);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_silent_server_is_a_tempfail)
{
	run_bytes(S_BANNER, strlen(S_BANNER), true);
	cr_assert_eq(d.err.rc, SMTP_E_TIMEOUT);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_broken_reply_frame_is_a_tempfail)
{
	run("HELLO I AM NOT SMTP\r\n" S_QUIT);
	cr_assert_eq(d.err.rc, SMTP_E_PROTO);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_nul_byte_in_a_reply_is_a_tempfail)
{
	static const char script[] = "220 mx\0evil\r\n" S_QUIT;

	run_bytes(script, sizeof(script) - 1, false);
	cr_assert_eq(d.err.rc, SMTP_E_PROTO);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_reply_over_the_line_limit_is_a_tempfail)
{
	char script[SMTP_REPLY_LINE_MAX + 64];

	memset(script, 'x', sizeof(script) - 1);
	memcpy(script, "220 ", 4);
	script[sizeof(script) - 1] = '\0';
	run(script);
	cr_assert_eq(d.err.rc, SMTP_E_LIMIT);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_refused_connection_is_a_tempfail)
{
	fail_with(SMTP_E_CONNECT);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_2xx_where_354_was_expected_is_not_a_pass)
{
	run(S_BANNER S_EHLO S_MAIL S_RCPT "250 2.0.0 OK\r\n" S_QUIT);
	assert_final_code(SMTP_STAGE_DATA, 250);
	cr_assert_not(d.is_accepted);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, a_354_where_2xx_was_expected_is_not_a_pass)
{
	run(S_BANNER S_EHLO "354 go ahead\r\n" S_QUIT);
	assert_final_code(SMTP_STAGE_MAIL, 354);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

Test(probe_verdict, quit_after_tls_without_tls_is_not_a_pass)
{
	/* The goal was never reached: the message was not sent either. */
	o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	o.tls_ctx = FAKE_TLS_CTX;
	o.has_quit_after = true;
	o.quit_after = SMTP_STAGE_TLS;
	run(S_BANNER S_EHLO S_QUIT);
	cr_assert_not(d.is_accepted);
	assert_final_code(SMTP_STAGE_EHLO, 250);
	assert_verdict(PROBE_VERDICT_TEMPFAIL, false);
}

/* --- error: we could not run the probe as asked --- */

Test(probe_verdict, a_line_break_in_our_helo_is_a_definitive_error)
{
	o.helo = "probe.example.org\r\nRCPT TO:<victim@example.net>";
	run(S_BANNER S_EHLO S_QUIT);
	cr_assert_eq(d.err.rc, SMTP_E_USAGE);
	cr_assert_eq(d.transcript.nsteps, 0, "nothing was sent");
	assert_verdict(PROBE_VERDICT_ERROR, true);
}

Test(probe_verdict, a_source_address_that_cannot_be_bound_is_an_error)
{
	fail_with(SMTP_E_BIND);
	assert_verdict(PROBE_VERDICT_ERROR, true);
}

Test(probe_verdict, running_out_of_memory_is_an_error)
{
	fail_with(SMTP_E_NOMEM);
	assert_verdict(PROBE_VERDICT_ERROR, true);
}

Test(probe_verdict, a_dialogue_that_never_ran_is_an_error)
{
	cr_assert_null(smtp_dialog_final(&d));
	assert_verdict(PROBE_VERDICT_ERROR, false);
}

Test(probe_verdict, an_rc_outside_the_enum_is_an_error)
{
	fail_with(SMTP_RC_COUNT);
	assert_verdict(PROBE_VERDICT_ERROR, true);
}

/* --- DNS --- */

Test(probe_verdict, dns_gives_a_verdict_for_every_status)
{
	static const struct {
		enum probe_mx_status	status;
		enum probe_verdict	want;
	} rules[] = {
		{ PROBE_MX_FOUND, PROBE_VERDICT_PASS },
		{ PROBE_MX_IMPLICIT, PROBE_VERDICT_PASS },
		{ PROBE_MX_NULL, PROBE_VERDICT_FAIL },
		{ PROBE_MX_NXDOMAIN, PROBE_VERDICT_FAIL },
		{ PROBE_MX_NODATA, PROBE_VERDICT_FAIL },
		{ PROBE_MX_SERVFAIL, PROBE_VERDICT_TEMPFAIL },
		{ PROBE_MX_REFUSED, PROBE_VERDICT_TEMPFAIL },
		{ PROBE_MX_TIMEOUT, PROBE_VERDICT_TEMPFAIL },
		{ PROBE_MX_BADREPLY, PROBE_VERDICT_TEMPFAIL },
		{ PROBE_MX_NOADDR, PROBE_VERDICT_TEMPFAIL },
		{ PROBE_MX_LOOPBACK, PROBE_VERDICT_FAIL },
	};
	size_t i;

	cr_assert_eq(sizeof(rules) / sizeof(rules[0]), PROBE_MX_STATUS_COUNT,
	    "a new DNS status needs a rule here");
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		cr_assert_eq(probe_verdict_dns_decide(rules[i].status),
		    rules[i].want, "%s gives %s, want %s",
		    probe_mx_status_name(rules[i].status),
		    probe_verdict_name(probe_verdict_dns_decide(
		    rules[i].status)), probe_verdict_name(rules[i].want));
}

/* --- the probe's verdict from its attempts --- */

/* Combine the listed verdicts (evaluated twice: constants only). */
#define COMBINE(definitive, ...) \
	probe_verdict_probe((const enum probe_verdict[]){ __VA_ARGS__ }, \
	    sizeof((const enum probe_verdict[]){ __VA_ARGS__ }) / \
	    sizeof(enum probe_verdict), (definitive), NULL)

/* MX hosts without addresses: DNS that may answer later, as an MTA sees it. */
Test(probe_verdict, no_attempt_at_all_is_a_tempfail_decided_by_none)
{
	size_t decided = 7;

	cr_assert_eq(probe_verdict_probe(NULL, 0, false, &decided),
	    PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(decided, SIZE_MAX);
	cr_assert_eq(probe_verdict_probe(NULL, 0, true, NULL),
	    PROBE_VERDICT_TEMPFAIL);
}

Test(probe_verdict, the_deciding_attempt_is_the_last_with_the_probes_verdict)
{
	const enum probe_verdict v[] = { PROBE_VERDICT_FAIL,
	    PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_FAIL, PROBE_VERDICT_TEMPFAIL };
	const enum probe_verdict w[] = { PROBE_VERDICT_TEMPFAIL,
	    PROBE_VERDICT_PASS };
	size_t decided;

	cr_assert_eq(probe_verdict_probe(v, 4, false, &decided),
	    PROBE_VERDICT_FAIL);
	cr_assert_eq(decided, 2);
	cr_assert_eq(probe_verdict_probe(w, 2, true, &decided),
	    PROBE_VERDICT_PASS);
	cr_assert_eq(decided, 1);
}

/* --- a run of cells: ranked like the Monitoring Plugins --- */

static void
cell_set(struct probe_cell *c, enum probe_verdict v)
{
	memset(c, 0, sizeof(*c));
	c->is_done = true;
	c->verdict = v;
}

Test(probe_verdict, a_run_with_a_fail_is_a_fail_even_beside_an_error)
{
	struct probe_cell cells[7];
	size_t counts[PROBE_VERDICT_COUNT], i;

	for (i = 0; i < 6; i++)
		cell_set(&cells[i], PROBE_VERDICT_FAIL);
	cell_set(&cells[6], PROBE_VERDICT_ERROR);
	snprintf(cells[6].error, sizeof(cells[6].error), "bad source");
	cr_assert_eq(probe_verdict_run(cells, 7, counts), PROBE_VERDICT_FAIL);
	cr_assert_eq(counts[PROBE_VERDICT_FAIL], 6);
	cr_assert_eq(counts[PROBE_VERDICT_ERROR], 1);
}

Test(probe_verdict, a_run_is_an_error_only_when_nothing_failed_or_deferred)
{
	struct probe_cell cells[3];

	cell_set(&cells[0], PROBE_VERDICT_PASS);
	memset(&cells[1], 0, sizeof(cells[1]));	/* never ran */
	cr_assert_eq(probe_verdict_run(cells, 2, NULL), PROBE_VERDICT_ERROR);
	cell_set(&cells[2], PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(probe_verdict_run(cells, 3, NULL),
	    PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(probe_verdict_run(cells, 1, NULL), PROBE_VERDICT_PASS);
	cr_assert_eq(probe_verdict_run(cells, 0, NULL), PROBE_VERDICT_ERROR);
}

Test(probe_verdict, a_run_counts_cells_by_the_verdict_shown)
{
	struct probe_cell cells[4];
	size_t counts[PROBE_VERDICT_COUNT] = { 9, 9, 9, 9 };
	size_t i;

	memset(cells, 0, sizeof(cells));
	for (i = 0; i < 3; i++)
		cells[i].is_done = true;
	cells[1].verdict = PROBE_VERDICT_TEMPFAIL;
	cells[2].verdict = PROBE_VERDICT_PASS;
	/* cells[3] never ran: shown as an error. */
	(void)probe_verdict_run(cells, 4, counts);
	cr_assert_eq(counts[PROBE_VERDICT_PASS], 2);
	cr_assert_eq(counts[PROBE_VERDICT_TEMPFAIL], 1);
	cr_assert_eq(counts[PROBE_VERDICT_FAIL], 0);
	cr_assert_eq(counts[PROBE_VERDICT_ERROR], 1);
	(void)probe_verdict_run(cells, 0, counts);
	for (i = 0; i < PROBE_VERDICT_COUNT; i++)
		cr_assert_eq(counts[i], 0);
}

/* --- a pre-flight check: its worst cause decides --- */

Test(probe_verdict, a_check_is_decided_by_its_worst_cause)
{
	struct probe_check_predicted p;

	memset(&p, 0, sizeof(p));
	cr_assert_eq(probe_verdict_check(&p), PROBE_VERDICT_PASS);
	p.causes[p.ncauses++].level = PROBE_CHECK_WARN;
	cr_assert_eq(probe_verdict_check(&p), PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(p.level, PROBE_CHECK_WARN);
	p.causes[p.ncauses++].level = PROBE_CHECK_FAIL;
	cr_assert_eq(probe_verdict_check(&p), PROBE_VERDICT_FAIL);
	cr_assert_eq(p.level, PROBE_CHECK_FAIL);
}

Test(probe_verdict, a_definitive_last_attempt_decides_the_probe)
{
	cr_assert_eq(COMBINE(true, PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_FAIL),
	    PROBE_VERDICT_FAIL);
	/* A TLS failure on one MX, then another MX that takes the mail. */
	cr_assert_eq(COMBINE(true, PROBE_VERDICT_FAIL, PROBE_VERDICT_TEMPFAIL,
	    PROBE_VERDICT_PASS), PROBE_VERDICT_PASS);
	cr_assert_eq(COMBINE(true, PROBE_VERDICT_PASS), PROBE_VERDICT_PASS);
}

Test(probe_verdict, without_a_definitive_answer_the_worst_attempt_decides)
{
	/* A TLS policy failure is not hidden by a timeout on the next MX. */
	cr_assert_eq(COMBINE(false, PROBE_VERDICT_FAIL,
	    PROBE_VERDICT_TEMPFAIL), PROBE_VERDICT_FAIL);
	cr_assert_eq(COMBINE(false, PROBE_VERDICT_TEMPFAIL,
	    PROBE_VERDICT_FAIL, PROBE_VERDICT_TEMPFAIL), PROBE_VERDICT_FAIL);
	cr_assert_eq(COMBINE(false, PROBE_VERDICT_TEMPFAIL,
	    PROBE_VERDICT_TEMPFAIL), PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(COMBINE(false, PROBE_VERDICT_TEMPFAIL,
	    PROBE_VERDICT_ERROR, PROBE_VERDICT_FAIL), PROBE_VERDICT_ERROR);
	cr_assert_eq(COMBINE(false, PROBE_VERDICT_TEMPFAIL),
	    PROBE_VERDICT_TEMPFAIL);
}

Test(probe_verdict, real_attempts_combine_a_notls_fail_and_a_timeout_to_fail)
{
	enum probe_verdict v[2];
	bool last_is_definitive;

	o.starttls = SMTP_STARTTLS_REQUIRED;
	o.tls_ctx = FAKE_TLS_CTX;
	run(S_BANNER S_EHLO S_QUIT);
	v[0] = probe_verdict_attempt_decide(&d);
	cr_assert_not(probe_verdict_is_definitive(&d));
	run_bytes("", 0, true);
	v[1] = probe_verdict_attempt_decide(&d);
	last_is_definitive = probe_verdict_is_definitive(&d);
	cr_assert_eq(v[0], PROBE_VERDICT_FAIL);
	cr_assert_eq(v[1], PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(probe_verdict_probe(v, 2, last_is_definitive, NULL),
	    PROBE_VERDICT_FAIL);
}

/* --- expectations of a pre-launch run --- */

static struct probe_cell
expect_cell(enum probe_verdict v, const char *enh, const char *cause,
    const char *want, const char *want_enh, const char *want_cause)
{
	struct probe_cell c;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.is_done = true;
	c.verdict = v;
	c.has_stage = true;
	c.code = v == PROBE_VERDICT_PASS ? 250 : v == PROBE_VERDICT_FAIL ?
	    550 : 421;
	(void)snprintf(c.enhanced, sizeof(c.enhanced), "%s", enh);
	(void)snprintf(c.cause, sizeof(c.cause), "%s", cause);
	if (want != NULL)
		cr_assert_eq(probe_verdict_expect_parse(want, want_enh,
		    want_cause, &c.expect, err, sizeof(err)), 0, "%s", err);
	return c;
}

Test(probe_verdict, expectations_parse_the_forms_operators_write)
{
	struct probe_expect e;
	char err[256];

	cr_assert_eq(probe_verdict_expect_parse("fail:5.7.26", NULL, NULL, &e,
	    err, sizeof(err)), 0, "%s", err);
	cr_assert(e.set && e.verdict == PROBE_VERDICT_FAIL);
	cr_assert_str_eq(e.enhanced, "5.7.26");
	cr_assert_eq(probe_verdict_expect_parse("tempfail", "4.7.0",
	    "rate_limited", &e, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(e.cause, "rate_limited");
	cr_assert_eq(probe_verdict_expect_parse("pass", NULL, NULL, &e, err,
	    sizeof(err)), 0);
	cr_assert_eq(e.verdict, PROBE_VERDICT_PASS);
	/* No error verdict, no class that contradicts, no junk. */
	cr_assert_eq(probe_verdict_expect_parse("error", NULL, NULL, &e, err,
	    sizeof(err)), -1);
	cr_assert_eq(probe_verdict_expect_parse("fail:4.7.26", NULL, NULL,
	    &e, err, sizeof(err)), -1);
	cr_assert_eq(probe_verdict_expect_parse("fail:5.7", NULL, NULL, &e,
	    err, sizeof(err)), -1);
	cr_assert_eq(probe_verdict_expect_parse("fail:5.7.2600", NULL, NULL,
	    &e, err, sizeof(err)), -1);
	cr_assert_eq(probe_verdict_expect_parse("fail", NULL, "Bad Cause", &e,
	    err, sizeof(err)), -1);
	cr_assert_eq(probe_verdict_expect_parse("fails", NULL, NULL, &e, err,
	    sizeof(err)), -1);
}

Test(probe_verdict, expectations_decide_the_run)
{
	struct probe_cell c[3];
	size_t met, unmet;

	c[0] = expect_cell(PROBE_VERDICT_PASS, "2.0.0", "", "pass", NULL,
	    NULL);
	c[1] = expect_cell(PROBE_VERDICT_FAIL, "5.7.26", "unauthenticated",
	    "fail", "5.7.26", "unauthenticated");
	c[2] = expect_cell(PROBE_VERDICT_FAIL, "5.7.1", "blocklisted", NULL,
	    NULL, NULL);
	/* The failing path without an expectation does not count. */
	cr_assert_eq(probe_verdict_expectations(c, 3, &met, &unmet),
	    PROBE_VERDICT_PASS);
	cr_assert_eq(met, 2);
	cr_assert_eq(unmet, 0);
	cr_assert(probe_verdict_has_expectations(c, 3));
	cr_assert_not(probe_verdict_has_expectations(&c[2], 1));
	/* The right verdict with another enhanced code is not enough. */
	c[1] = expect_cell(PROBE_VERDICT_FAIL, "5.7.1", "unauthenticated",
	    "fail", "5.7.26", NULL);
	cr_assert_not(probe_verdict_expect_met(&c[1]));
	cr_assert_eq(probe_verdict_expectations(c, 3, &met, &unmet),
	    PROBE_VERDICT_FAIL);
	cr_assert_eq(unmet, 1);
	/* Nor another cause. */
	c[1] = expect_cell(PROBE_VERDICT_FAIL, "5.7.26", "spf_fail", "fail",
	    NULL, "unauthenticated");
	cr_assert_not(probe_verdict_expect_met(&c[1]));
	/* A path that could not run, without an expectation: an error. */
	c[1] = expect_cell(PROBE_VERDICT_FAIL, "5.7.26", "", "fail", NULL,
	    NULL);
	c[2] = expect_cell(PROBE_VERDICT_ERROR, "", "", NULL, NULL, NULL);
	c[2].is_done = true;
	c[2].has_stage = false;
	cr_assert_eq(probe_verdict_expectations(c, 3, NULL, NULL),
	    PROBE_VERDICT_ERROR);
}

/* --- the monitoring thresholds (-w, -c, --cert-days) --- */

static struct probe_cell
limit_cell(enum probe_verdict v, double ms, bool has_cert, long long left_s)
{
	struct probe_cell c;

	memset(&c, 0, sizeof(c));
	c.verdict = v;
	c.is_done = true;
	c.elapsed_ms = ms;
	c.has_cert = has_cert;
	c.cert_not_after = 1000000 + left_s;
	return c;
}

Test(verdict_limits, duration_and_certificate_raise_the_state)
{
	const struct probe_verdict_limits l = { 10, 20, 21, 7, 1000000, 0 };
	struct probe_cell c;
	enum probe_verdict_limit which;

	c = limit_cell(PROBE_VERDICT_PASS, 9000, false, 0);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_PASS);
	cr_assert_eq(which, PROBE_LIMIT_NONE);
	c = limit_cell(PROBE_VERDICT_PASS, 10001, false, 0);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(which, PROBE_LIMIT_DURATION);
	c = limit_cell(PROBE_VERDICT_PASS, 20001, true, 30 * 86400);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_FAIL);
	cr_assert_eq(which, PROBE_LIMIT_DURATION);
	c = limit_cell(PROBE_VERDICT_PASS, 1, true, 20 * 86400);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(which, PROBE_LIMIT_CERT);
	/* Expired: critical. */
	c = limit_cell(PROBE_VERDICT_PASS, 1, true, -5);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_FAIL);
	cr_assert_eq(which, PROBE_LIMIT_CERT);
}

Test(verdict_limits, no_limit_given_crosses_nothing_and_a_cell_that_never_ran)
{
	const struct probe_verdict_limits none = { 0, 0, -1, -1, 1000000, 0 };
	const struct probe_verdict_limits l = { 10, 20, 21, 7, 1000000, 0 };
	struct probe_cell c = limit_cell(PROBE_VERDICT_PASS, 99999, true, -5);

	cr_assert_eq(probe_verdict_cell_limit(&c, &none, NULL),
	    PROBE_VERDICT_PASS);
	c.is_done = false;
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, NULL),
	    PROBE_VERDICT_PASS);
}

Test(verdict_limits, a_run_is_raised_never_lowered)
{
	const struct probe_verdict_limits l = { 10, 20, -1, -1, 1000000, 0 };
	struct probe_cell cells[2];

	cells[0] = limit_cell(PROBE_VERDICT_PASS, 15000, false, 0);
	cells[1] = limit_cell(PROBE_VERDICT_PASS, 100, false, 0);
	cr_assert_eq(probe_verdict_limits_run(cells, 2, &l,
	    PROBE_VERDICT_PASS), PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(probe_verdict_limits_run(cells, 2, &l,
	    PROBE_VERDICT_FAIL), PROBE_VERDICT_FAIL);
	/* Ranked as runs are: WARNING above UNKNOWN. */
	cr_assert_eq(probe_verdict_limits_run(cells, 2, &l,
	    PROBE_VERDICT_ERROR), PROBE_VERDICT_TEMPFAIL);
}

/* A tempfail whose state the history says began state_s seconds ago. */
static struct probe_cell
lasting_cell(enum probe_verdict v, bool has_history, long long state_s)
{
	struct probe_cell c = limit_cell(v, 100, false, 0);

	c.has_history = has_history;
	c.state_s = state_s;
	return c;
}

Test(verdict_limits, a_tempfail_that_lasted_critical_after_is_critical)
{
	struct probe_verdict_limits l = { 0, 0, -1, -1, 1000000, 7200 };
	struct probe_cell c;
	enum probe_verdict_limit which;

	c = lasting_cell(PROBE_VERDICT_TEMPFAIL, true, 7199);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_PASS);
	cr_assert_eq(which, PROBE_LIMIT_NONE);
	c = lasting_cell(PROBE_VERDICT_TEMPFAIL, true, 7200);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, &which),
	    PROBE_VERDICT_FAIL);
	cr_assert_eq(which, PROBE_LIMIT_LASTING);
	cr_assert_eq(probe_verdict_limits_run(&c, 1, &l,
	    PROBE_VERDICT_TEMPFAIL), PROBE_VERDICT_FAIL);
	/* Without a history nothing is known to last. */
	c = lasting_cell(PROBE_VERDICT_TEMPFAIL, false, 99999);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, NULL),
	    PROBE_VERDICT_PASS);
	/* A lasting pass or error is not a deferral. */
	c = lasting_cell(PROBE_VERDICT_PASS, true, 99999);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, NULL),
	    PROBE_VERDICT_PASS);
	c = lasting_cell(PROBE_VERDICT_ERROR, true, 99999);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, NULL),
	    PROBE_VERDICT_PASS);
	/* Not given: never. */
	l.critical_after_s = 0;
	c = lasting_cell(PROBE_VERDICT_TEMPFAIL, true, 99999);
	cr_assert_eq(probe_verdict_cell_limit(&c, &l, NULL),
	    PROBE_VERDICT_PASS);
}

/* explain's overall verdict: the worst reply; unknowns and nothing are 3. */
Test(probe_verdict, replies_take_the_worst_and_unknown_is_an_error)
{
	cr_assert_eq(probe_verdict_replies(0, 0, 0, 0), PROBE_VERDICT_ERROR);
	cr_assert_eq(probe_verdict_replies(3, 1, 1, 1), PROBE_VERDICT_FAIL);
	cr_assert_eq(probe_verdict_replies(2, 0, 1, 1),
	    PROBE_VERDICT_TEMPFAIL);
	cr_assert_eq(probe_verdict_replies(2, 0, 0, 1), PROBE_VERDICT_ERROR);
	cr_assert_eq(probe_verdict_replies(2, 0, 0, 0), PROBE_VERDICT_PASS);
}
