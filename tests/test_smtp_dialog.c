/*
 * test_smtp_dialog - whole dialogues against a scripted server: the bytes
 * the client writes, the steps the transcript records, the deciding step,
 * and how refusals, 421, broken replies, silence and our own bad input
 * end a dialogue.
 *
 * The server is the in-memory transport (tests/support/mem_io): its
 * replies come from a string, whole or one byte at a time; everything the
 * client writes is kept in m.out. STARTTLS goes through the transport
 * seam, so mem_io fakes the upgrade: it counts it, reports the facts a
 * test chose and serves a second script (tls_script) in clear. The real
 * handshake is for the tls_conn and fake-MX tests.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"
#include "smtp/smtp_transcript.h"
#include "tests/support/mem_io.h"

#define WHOLE		0
#define BYTEWISE	1

#define HELO		"probe.example.org"
#define MAIL_FROM	"probe@example.org"
#define RCPT		"postmaster@example.net"

/* Gmail's replies, with their trailing session ids, as they arrive. */
#define GSMTP \
	"d2-20020a05600c4e0200b0040e3b7e9a5dsi123456wmq.170 - gsmtp"
#define S_BANNER	"220 mx.google.com ESMTP " GSMTP "\r\n"
#define S_EHLO \
	"250-mx.google.com at your service, [203.0.113.5]\r\n" \
	"250-SIZE 157286400\r\n" \
	"250-8BITMIME\r\n" \
	"250-STARTTLS\r\n" \
	"250-ENHANCEDSTATUSCODES\r\n" \
	"250-PIPELINING\r\n" \
	"250-CHUNKING\r\n" \
	"250 SMTPUTF8\r\n"
/* An EHLO reply with neither SIZE nor STARTTLS. */
#define S_EHLO_PLAIN	"250-mx.example.net\r\n250 8BITMIME\r\n"
#define S_MAIL		"250 2.1.0 OK " GSMTP "\r\n"
#define S_RCPT		"250 2.1.5 OK " GSMTP "\r\n"
#define S_DATA		"354  Go ahead " GSMTP "\r\n"
#define S_EOD		"250 2.0.0 OK  1700000000 " GSMTP "\r\n"
#define S_QUIT		"221 2.0.0 closing connection " GSMTP "\r\n"
#define S_550_5_7_26 \
	"550-5.7.26 This mail is unauthenticated, which poses a security " \
	"risk to the\r\n" \
	"550-5.7.26 sender and Gmail users, and has been blocked. The " \
	"sender must\r\n" \
	"550-5.7.26 authenticate with at least one of SPF or DKIM. For this " \
	"message,\r\n" \
	"550-5.7.26 DKIM checks did not pass and SPF check for " \
	"[example.com] did not\r\n" \
	"550-5.7.26 pass with ip: [203.0.113.5]. The sender should visit\r\n" \
	"550-5.7.26  https://support.google.com/mail/answer/81126" \
	"#authentication for\r\n" \
	"550 5.7.26 instructions on setting up authentication. " GSMTP "\r\n"
#define S_550_5_1_1 \
	"550-5.1.1 The email account that you tried to reach does not " \
	"exist. Please try\r\n" \
	"550-5.1.1 double-checking the recipient's email address for typos " \
	"or\r\n" \
	"550-5.1.1 unnecessary spaces. For more information, go to\r\n" \
	"550 5.1.1  https://support.google.com/mail/?p=NoSuchUser " GSMTP \
	"\r\n"

/* The message as a caller hands it over, and as it must go on the wire. */
#define MESSAGE \
	"From: <" MAIL_FROM ">\n" \
	"To: <" RCPT ">\n" \
	"Subject: smtpprobe\n" \
	"\n" \
	"Hello.\n" \
	".\n" \
	".hidden\n"
#define WIRE \
	"From: <" MAIL_FROM ">\r\n" \
	"To: <" RCPT ">\r\n" \
	"Subject: smtpprobe\r\n" \
	"\r\n" \
	"Hello.\r\n" \
	"..\r\n" \
	"..hidden\r\n" \
	".\r\n"
#define MESSAGE_LINES	7

#define C_EHLO		"EHLO " HELO "\r\n"
#define C_HELO		"HELO " HELO "\r\n"
#define C_MAIL		"MAIL FROM:<" MAIL_FROM ">\r\n"
#define C_RCPT		"RCPT TO:<" RCPT ">\r\n"
#define C_DATA		"DATA\r\n"
#define C_STARTTLS	"STARTTLS\r\n"
#define C_QUIT		"QUIT\r\n"

/*
 * STARTTLS policies other than off need a TLS context, but the in-memory
 * upgrade never uses it: this stands in for one.
 */
static max_align_t unused_tls_ctx;
#define FAKE_TLS_CTX	((struct tls_ctx *)(void *)&unused_tls_ctx)

/* One dialogue against one script. */
struct dialog_case {
	struct mem_io		 m;
	struct smtp_dialog_opts	 o;
	struct smtp_dialog	 d;
	const char		*rcpts[SMTP_RCPTS_MAX + 1];
	enum smtp_rc		 rc;
	struct smtp_buf		 script;	/* scripts built at run time */
	struct smtp_buf		 want;		/* client bytes expected */
	char			*big;		/* a large message or name */
	/* The fake upgrade (mem_io.h): what it serves, how it goes. */
	const char		*tls_script;
	enum smtp_rc		 tls_rc;
	bool			 is_tls_unverified;
};

/*
 * Two cases: most tests use one, the byte-at-a-time test compares two.
 * Criterion fixtures reach only file-scope data; fini frees both even
 * when an assertion failed.
 */
static struct dialog_case dc, dc2;

static void
case_init(struct dialog_case *c)
{
	memset(c, 0, sizeof(*c));
	c->rcpts[0] = RCPT;
	c->o.helo = HELO;
	c->o.mail_from = MAIL_FROM;
	c->o.rcpts = c->rcpts;
	c->o.nrcpts = 1;
	c->o.message = MESSAGE;
	c->o.message_len = strlen(MESSAGE);
	c->o.mx_host = "mx.google.com";
	c->o.starttls = SMTP_STARTTLS_OFF;
	c->o.tls_ctx = NULL;
	c->o.test_ops = &mem_io_ops;
	c->o.test_ctx = &c->m;
}

static void
case_free(struct dialog_case *c)
{
	smtp_dialog_free(&c->d);
	mem_io_free(&c->m);
	smtp_buf_free(&c->script);
	smtp_buf_free(&c->want);
	free(c->big);
	c->big = NULL;
}

static void
dialog_setup(void)
{
	case_init(&dc);
	case_init(&dc2);
}

static void
dialog_teardown(void)
{
	case_free(&dc);
	case_free(&dc2);
}

TestSuite(smtp_dialog, .init = dialog_setup, .fini = dialog_teardown);

/* Run c's dialogue against script (borrowed), served in chunks. */
static enum smtp_rc
run_on(struct dialog_case *c, const char *script, size_t chunk)
{
	mem_io_set(&c->m, script, chunk);
	if (c->tls_script != NULL)
		mem_io_set_tls(&c->m, c->tls_script);
	c->m.tls_rc = c->tls_rc;
	c->m.tls_facts.verified = !c->is_tls_unverified;
	smtp_dialog_init(&c->d, &c->o);
	c->rc = smtp_dialog_run(&c->d);
	return c->rc;
}

static enum smtp_rc
run(const char *script)
{
	return run_on(&dc, script, BYTEWISE);
}

static void
buf_add(struct smtp_buf *b, const char *s)
{
	cr_assert_eq(smtp_buf_append(b, s, strlen(s), 64u << 20), SMTP_OK);
}

/* "MAIL FROM:<...> SIZE=n": RFC 1870, sent when SIZE is offered. */
static void
want_mail_with_size(struct dialog_case *c, size_t size)
{
	char line[128];

	(void)snprintf(line, sizeof(line), "MAIL FROM:<%s> SIZE=%zu\r\n",
	    c->o.mail_from, size);	/* 128 holds any test's line */
	buf_add(&c->want, line);
}

/* Everything the client wrote, byte for byte. */
static void
assert_wrote(const struct dialog_case *c, const char *want)
{
	const struct smtp_buf *out = &c->m.out;

	cr_assert_eq(out->len, strlen(want),
	    "the client wrote %zu bytes, want %zu:\n%.*s", out->len,
	    strlen(want), (int)out->len, out->data ? out->data : "");
	if (out->len > 0)
		cr_assert_eq(memcmp(out->data, want, out->len), 0,
		    "the client wrote:\n%s\nwant:\n%s", out->data, want);
}

static void
assert_wrote_want(const struct dialog_case *c)
{
	assert_wrote(c, c->want.data ? c->want.data : "");
}

static const struct smtp_step *
step_at(const struct dialog_case *c, size_t i)
{
	cr_assert_lt(i, c->d.transcript.nsteps, "no step %zu", i);
	return &c->d.transcript.steps[i];
}

static void
assert_stages(const struct dialog_case *c, const enum smtp_stage *want,
    size_t n)
{
	size_t i;

	cr_assert_eq(c->d.transcript.nsteps, n, "%zu steps, want %zu",
	    c->d.transcript.nsteps, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(c->d.transcript.steps[i].stage, want[i],
		    "step %zu is %s, want %s", i,
		    smtp_stage_name(c->d.transcript.steps[i].stage),
		    smtp_stage_name(want[i]));
}
#define ASSERT_STAGES(c, ...) do { \
	static const enum smtp_stage want_[] = { __VA_ARGS__ }; \
	assert_stages((c), want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

/* The deciding step is step i and is at stage; returns it. */
static const struct smtp_step *
assert_final(const struct dialog_case *c, size_t i, enum smtp_stage stage)
{
	const struct smtp_step *f = smtp_dialog_final(&c->d);

	cr_assert(c->d.has_final, "no deciding step");
	cr_assert_eq(c->d.final_step, i, "deciding step %zu, want %zu",
	    c->d.final_step, i);
	cr_assert_not_null(f);
	cr_assert_eq(f->stage, stage, "deciding stage %s, want %s",
	    smtp_stage_name(f->stage), smtp_stage_name(stage));
	return f;
}

static void
assert_reply_line(const struct smtp_step *s, size_t i, const char *want)
{
	size_t len = 0;
	const char *got = smtp_reply_line(&s->reply, i, &len);

	cr_assert_not_null(got, "reply line %zu missing", i);
	cr_assert_eq(len, strlen(want));
	cr_assert_str_eq(got, want);
}

static void
assert_has(const char *hay, const char *needle)
{
	cr_assert_not_null(strstr(hay, needle), "\"%s\" lacks \"%s\"", hay,
	    needle);
}

/* --- the dialogue that goes all the way --- */

#define S_ACCEPTED	S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD S_QUIT

Test(smtp_dialog, writes_every_command_and_the_stuffed_message_exactly)
{
	cr_assert_eq(run(S_ACCEPTED), SMTP_OK, "%s", dc.d.err.msg);
	buf_add(&dc.want, C_EHLO);
	/* SIZE is offered: declare the size of what goes after DATA. */
	want_mail_with_size(&dc, strlen(WIRE));
	buf_add(&dc.want, C_RCPT C_DATA WIRE C_QUIT);
	assert_wrote_want(&dc);
}

Test(smtp_dialog, records_each_stage_and_ends_accepted_at_end_of_data)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_ACCEPTED), SMTP_OK);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT,
	    SMTP_STAGE_DATA, SMTP_STAGE_END_OF_DATA, SMTP_STAGE_QUIT);
	cr_assert(dc.d.is_accepted);
	f = assert_final(&dc, 6, SMTP_STAGE_END_OF_DATA);
	cr_assert_eq(f->rc, SMTP_OK);
	cr_assert_eq(f->reply.code, 250);
	cr_assert_str_eq(f->reply.enhanced, "2.0.0");
	cr_assert_eq(dc.d.err.rc, SMTP_OK);
	cr_assert_eq(dc.d.err.msg[0], '\0');
	cr_assert_eq(dc.d.message_lines, MESSAGE_LINES);
}

Test(smtp_dialog, records_each_command_and_reply_in_its_step)
{
	cr_assert_eq(run(S_ACCEPTED), SMTP_OK);
	cr_assert_str_eq(step_at(&dc, 0)->command, "");
	cr_assert_eq(step_at(&dc, 0)->reply.nlines, 0);
	cr_assert_str_eq(step_at(&dc, 1)->command, "");
	assert_reply_line(step_at(&dc, 1), 0, "220 mx.google.com ESMTP "
	    GSMTP);
	cr_assert_str_eq(step_at(&dc, 2)->command, "EHLO " HELO);
	cr_assert_eq(step_at(&dc, 2)->reply.nlines, 8);
	assert_reply_line(step_at(&dc, 2), 7, "250 SMTPUTF8");
	assert_has(step_at(&dc, 3)->command, "MAIL FROM:<" MAIL_FROM "> SIZE=");
	cr_assert_str_eq(step_at(&dc, 4)->command, "RCPT TO:<" RCPT ">");
	cr_assert_str_eq(step_at(&dc, 5)->command, "DATA");
	cr_assert_eq(step_at(&dc, 5)->reply.code, 354);
	cr_assert_str_eq(step_at(&dc, 7)->command, "QUIT");
	cr_assert_eq(step_at(&dc, 7)->reply.code, 221);
	cr_assert(dc.d.has_caps);
	cr_assert(dc.d.caps.has[SMTP_EHLO_SIZE]);
	cr_assert_eq(dc.d.caps.size_max, 157286400);
}

Test(smtp_dialog, declares_no_size_when_the_server_does_not_offer_it)
{
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT C_DATA WIRE C_QUIT);
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, sends_the_null_sender_as_empty_brackets)
{
	dc.o.mail_from = "";
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK);
	assert_wrote(&dc, C_EHLO "MAIL FROM:<>\r\n" C_RCPT C_DATA WIRE
	    C_QUIT);
}

Test(smtp_dialog, keeps_every_line_of_a_multiline_banner)
{
	cr_assert_eq(run("220-mx.example.net ESMTP\r\n220-no UCE\r\n"
	    "220 ready\r\n" S_EHLO_PLAIN S_MAIL S_RCPT S_DATA S_EOD S_QUIT),
	    SMTP_OK);
	cr_assert_eq(step_at(&dc, 1)->reply.nlines, 3);
	assert_reply_line(step_at(&dc, 1), 1, "220-no UCE");
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, works_the_same_when_the_server_sends_one_byte_at_a_time)
{
	size_t i, j;

	cr_assert_eq(run_on(&dc, S_ACCEPTED, WHOLE), SMTP_OK);
	cr_assert_eq(run_on(&dc2, S_ACCEPTED, BYTEWISE), SMTP_OK);
	cr_assert_gt(dc2.m.reads, strlen(S_ACCEPTED) - 1,
	    "the script was not fed one byte per read");
	assert_wrote(&dc2, dc.m.out.data);
	cr_assert_eq(dc2.d.is_accepted, dc.d.is_accepted);
	cr_assert_eq(dc2.d.final_step, dc.d.final_step);
	cr_assert_eq(dc2.d.transcript.nsteps, dc.d.transcript.nsteps);
	for (i = 0; i < dc.d.transcript.nsteps; i++) {
		const struct smtp_step *a = step_at(&dc, i);
		const struct smtp_step *b = step_at(&dc2, i);

		cr_assert_eq(b->stage, a->stage, "step %zu", i);
		cr_assert_str_eq(b->command, a->command, "step %zu", i);
		cr_assert_eq(b->rc, a->rc, "step %zu", i);
		cr_assert_eq(b->reply.code, a->reply.code, "step %zu", i);
		cr_assert_eq(b->reply.nlines, a->reply.nlines, "step %zu", i);
		for (j = 0; j < a->reply.nlines; j++)
			cr_assert_str_eq(smtp_reply_line(&b->reply, j, NULL),
			    smtp_reply_line(&a->reply, j, NULL),
			    "step %zu line %zu", i, j);
	}
}

/* --- refusals: the result of the probe, not an error --- */

Test(smtp_dialog, keeps_all_lines_of_a_550_5_7_26_at_end_of_data_then_quits)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_550_5_7_26
	    S_QUIT), SMTP_OK, "a refusal is a result: %s", dc.d.err.msg);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 6, SMTP_STAGE_END_OF_DATA);
	cr_assert_eq(f->rc, SMTP_OK);
	cr_assert_eq(f->reply.code, 550);
	cr_assert_str_eq(f->reply.enhanced, "5.7.26");
	cr_assert_eq(f->reply.nlines, 7);
	assert_reply_line(f, 0, "550-5.7.26 This mail is unauthenticated, "
	    "which poses a security risk to the");
	assert_reply_line(f, 5, "550-5.7.26  https://support.google.com/mail/"
	    "answer/81126#authentication for");
	assert_reply_line(f, 6, "550 5.7.26 instructions on setting up "
	    "authentication. " GSMTP);
	cr_assert(f->reply.is_complete);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT,
	    SMTP_STAGE_DATA, SMTP_STAGE_END_OF_DATA, SMTP_STAGE_QUIT);
	/* The last thing the client sent, right after the message, is QUIT. */
	cr_assert_geq(dc.m.out.len, strlen(WIRE C_QUIT));
	cr_assert_eq(memcmp(dc.m.out.data + dc.m.out.len - strlen(WIRE C_QUIT),
	    WIRE C_QUIT, strlen(WIRE C_QUIT)), 0);
	cr_assert_eq(dc.d.err.rc, SMTP_OK);
}

Test(smtp_dialog, stops_before_data_when_rcpt_gets_550_5_1_1)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_550_5_1_1 S_QUIT),
	    SMTP_OK);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 4, SMTP_STAGE_RCPT);
	cr_assert_eq(f->reply.code, 550);
	cr_assert_str_eq(f->reply.enhanced, "5.1.1");
	cr_assert_eq(f->reply.nlines, 4);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT,
	    SMTP_STAGE_QUIT);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT C_QUIT);
}

Test(smtp_dialog, records_one_rcpt_step_per_recipient)
{
	dc.rcpts[0] = "a@example.net";
	dc.rcpts[1] = "b@example.net";
	dc.rcpts[2] = "c@example.net";
	dc.o.nrcpts = 3;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_RCPT S_RCPT
	    S_DATA S_EOD S_QUIT), SMTP_OK);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT,
	    SMTP_STAGE_RCPT, SMTP_STAGE_RCPT, SMTP_STAGE_DATA,
	    SMTP_STAGE_END_OF_DATA, SMTP_STAGE_QUIT);
	cr_assert_str_eq(step_at(&dc, 4)->command, "RCPT TO:<a@example.net>");
	cr_assert_str_eq(step_at(&dc, 5)->command, "RCPT TO:<b@example.net>");
	cr_assert_str_eq(step_at(&dc, 6)->command, "RCPT TO:<c@example.net>");
	assert_wrote(&dc, C_EHLO C_MAIL "RCPT TO:<a@example.net>\r\n"
	    "RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\n" C_DATA
	    WIRE C_QUIT);
	cr_assert(dc.d.is_accepted);
	assert_final(&dc, 8, SMTP_STAGE_END_OF_DATA);
}

Test(smtp_dialog, stops_at_the_recipient_a_server_refuses)
{
	dc.rcpts[0] = "a@example.net";
	dc.rcpts[1] = "nobody@example.net";
	dc.rcpts[2] = "c@example.net";
	dc.o.nrcpts = 3;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_550_5_1_1
	    S_QUIT), SMTP_OK);
	assert_final(&dc, 5, SMTP_STAGE_RCPT);
	cr_assert_str_eq(step_at(&dc, 5)->command,
	    "RCPT TO:<nobody@example.net>");
	assert_wrote(&dc, C_EHLO C_MAIL "RCPT TO:<a@example.net>\r\n"
	    "RCPT TO:<nobody@example.net>\r\n" C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

Test(smtp_dialog, ends_without_quit_after_a_421_banner)
{
	const struct smtp_step *f;

	cr_assert_eq(run("421 4.7.0 mx.example.net closing: too many "
	    "connections\r\n"), SMTP_OK);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 1, SMTP_STAGE_BANNER);
	cr_assert_eq(f->reply.code, 421);
	cr_assert_str_eq(f->reply.enhanced, "4.7.0");
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER);
	assert_wrote(&dc, "");
	/* The script is used up: nothing was read after the 421. */
	cr_assert_eq(dc.m.inpos, dc.m.inlen);
}

Test(smtp_dialog, ends_without_quit_after_a_421_at_mail)
{
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN
	    "421 4.7.0 Try again later, closing connection.\r\n"), SMTP_OK);
	assert_final(&dc, 3, SMTP_STAGE_MAIL);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL);
	assert_wrote(&dc, C_EHLO C_MAIL);
}

Test(smtp_dialog, quits_after_a_530_5_7_0_at_mail)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN
	    "530 5.7.0 Must issue a STARTTLS command first. " GSMTP "\r\n"
	    S_QUIT), SMTP_OK);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 3, SMTP_STAGE_MAIL);
	cr_assert_eq(f->reply.code, 530);
	cr_assert_str_eq(f->reply.enhanced, "5.7.0");
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_QUIT);
	assert_wrote(&dc, C_EHLO C_MAIL C_QUIT);
}

Test(smtp_dialog, quits_after_a_temporary_refusal_of_data)
{
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT
	    "451 4.3.0 Try again later\r\n" S_QUIT), SMTP_OK);
	assert_final(&dc, 5, SMTP_STAGE_DATA);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT C_DATA C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

/* --- EHLO and HELO --- */

Test(smtp_dialog, falls_back_to_helo_when_ehlo_is_refused_with_502)
{
	cr_assert_eq(run(S_BANNER "502 5.5.1 Command not implemented\r\n"
	    "250 mx.example.net\r\n" S_MAIL S_RCPT S_DATA S_EOD S_QUIT),
	    SMTP_OK, "%s", dc.d.err.msg);
	/* No EHLO keywords were heard, so MAIL carries no SIZE. */
	assert_wrote(&dc, C_EHLO C_HELO C_MAIL C_RCPT C_DATA WIRE C_QUIT);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_EHLO, SMTP_STAGE_MAIL,
	    SMTP_STAGE_RCPT, SMTP_STAGE_DATA, SMTP_STAGE_END_OF_DATA,
	    SMTP_STAGE_QUIT);
	cr_assert_str_eq(step_at(&dc, 2)->command, "EHLO " HELO);
	cr_assert_eq(step_at(&dc, 2)->reply.code, 502);
	cr_assert_neq(step_at(&dc, 2)->note[0], '\0',
	    "the fallback is a fact worth a note");
	cr_assert_str_eq(step_at(&dc, 3)->command, "HELO " HELO);
	cr_assert(dc.d.used_helo);
	cr_assert_not(dc.d.has_caps);
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, gives_up_when_helo_is_refused_too)
{
	cr_assert_eq(run(S_BANNER "502 5.5.1 Command not implemented\r\n"
	    "501 5.5.4 HELO requires domain address\r\n" S_QUIT), SMTP_OK);
	assert_final(&dc, 3, SMTP_STAGE_EHLO);
	assert_wrote(&dc, C_EHLO C_HELO C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

Test(smtp_dialog, does_not_fall_back_to_helo_after_a_temporary_ehlo_refusal)
{
	cr_assert_eq(run(S_BANNER "451 4.3.2 try later\r\n" S_QUIT), SMTP_OK);
	assert_final(&dc, 2, SMTP_STAGE_EHLO);
	assert_wrote(&dc, C_EHLO C_QUIT);
	cr_assert_not(dc.d.used_helo);
}

/* --- STARTTLS policy (the handshake itself needs a socket) --- */

Test(smtp_dialog, fails_with_notls_when_starttls_is_required_but_not_offered)
{
	const struct smtp_step *f;

	dc.o.starttls = SMTP_STARTTLS_REQUIRED;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_QUIT), SMTP_E_NOTLS);
	cr_assert_eq(dc.d.err.rc, SMTP_E_NOTLS);
	assert_has(dc.d.err.msg, "STARTTLS");
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 2, SMTP_STAGE_EHLO);
	cr_assert_eq(f->rc, SMTP_E_NOTLS);
	cr_assert_eq(f->reply.code, 250, "the EHLO reply is kept");
	assert_has(f->error, "STARTTLS");
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_QUIT);
	assert_wrote(&dc, C_EHLO C_QUIT);
	cr_assert_not(dc.d.tls_attempted);
}

Test(smtp_dialog, goes_on_in_plain_text_when_opportunistic_starttls_is_absent)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT C_DATA WIRE C_QUIT);
	cr_assert(dc.d.is_accepted);
	cr_assert_not(dc.d.tls_attempted);
	cr_assert_not(dc.d.tls_active);
}

Test(smtp_dialog, goes_on_in_plain_text_when_opportunistic_starttls_is_refused)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	cr_assert_eq(run(S_BANNER S_EHLO "454 4.7.0 TLS not available\r\n"
	    S_MAIL S_RCPT S_DATA S_EOD S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	buf_add(&dc.want, C_EHLO C_STARTTLS);
	want_mail_with_size(&dc, strlen(WIRE));
	buf_add(&dc.want, C_RCPT C_DATA WIRE C_QUIT);
	assert_wrote_want(&dc);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_STARTTLS, SMTP_STAGE_MAIL,
	    SMTP_STAGE_RCPT, SMTP_STAGE_DATA, SMTP_STAGE_END_OF_DATA,
	    SMTP_STAGE_QUIT);
	cr_assert_neq(step_at(&dc, 3)->note[0], '\0');
	cr_assert(dc.d.is_accepted);
	cr_assert_not(dc.d.tls_attempted);
}

Test(smtp_dialog, quits_when_required_starttls_is_refused)
{
	dc.o.starttls = SMTP_STARTTLS_REQUIRED;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	cr_assert_eq(run(S_BANNER S_EHLO "454 4.7.0 TLS not available\r\n"
	    S_QUIT), SMTP_OK);
	assert_final(&dc, 3, SMTP_STAGE_STARTTLS);
	assert_wrote(&dc, C_EHLO C_STARTTLS C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

/* --- STARTTLS through the transport seam (mem_io fakes the upgrade) --- */

#define S_STARTTLS	"220 2.0.0 Ready to start TLS\r\n"
/* After TLS: no STARTTLS any more, and (unlike S_EHLO) no SIZE. */
#define S_EHLO_TLS_NO_SIZE \
	"250-mx.google.com at your service, [203.0.113.5]\r\n" \
	"250-PIPELINING\r\n" \
	"250 SMTPUTF8\r\n"
/* Before TLS: STARTTLS only; after it: SIZE. */
#define S_EHLO_STARTTLS_ONLY	"250-mx.example.net\r\n250 STARTTLS\r\n"
#define S_EHLO_TLS_SIZE		"250-mx.example.net\r\n250 SIZE 1000000\r\n"
#define S_INJECTED		"250 injected\r\n"

static void
use_starttls(enum smtp_starttls_mode mode, const char *tls_script)
{
	dc.o.starttls = mode;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	dc.tls_script = tls_script;
}

Test(smtp_dialog, runs_the_whole_dialogue_through_starttls_in_memory)
{
	use_starttls(SMTP_STARTTLS_REQUIRED, S_EHLO_TLS_NO_SIZE S_MAIL S_RCPT
	    S_DATA S_EOD S_QUIT);
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_STARTTLS, SMTP_STAGE_TLS,
	    SMTP_STAGE_EHLO_TLS, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT,
	    SMTP_STAGE_DATA, SMTP_STAGE_END_OF_DATA, SMTP_STAGE_QUIT);
	cr_assert_eq(dc.m.tls_upgrades, 1);
	cr_assert_eq(dc.m.out_at_tls, strlen(C_EHLO C_STARTTLS),
	    "the upgrade came right after STARTTLS");
	assert_wrote(&dc, C_EHLO C_STARTTLS C_EHLO C_MAIL C_RCPT C_DATA WIRE
	    C_QUIT);
	cr_assert(dc.d.tls_attempted);
	cr_assert(dc.d.tls_active);
	cr_assert_str_eq(dc.d.tls.version, "TLSv1.3");
	cr_assert(dc.d.is_accepted);
	assert_final(&dc, 9, SMTP_STAGE_END_OF_DATA);
}

/* RFC 3207 4.2: the list said before TLS is forgotten, the new one used. */
Test(smtp_dialog, forgets_the_capabilities_said_before_tls)
{
	use_starttls(SMTP_STARTTLS_REQUIRED, S_EHLO_TLS_NO_SIZE S_MAIL S_RCPT
	    S_DATA S_EOD S_QUIT);
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	/* S_EHLO offered SIZE, the EHLO after TLS did not: no SIZE=. */
	assert_wrote(&dc, C_EHLO C_STARTTLS C_EHLO C_MAIL C_RCPT C_DATA WIRE
	    C_QUIT);
	cr_assert(dc.d.has_caps);
	cr_assert_not(dc.d.caps.has[SMTP_EHLO_STARTTLS]);
	cr_assert_not(dc.d.caps.has[SMTP_EHLO_SIZE]);
	cr_assert_not(dc.d.caps.has[SMTP_EHLO_8BITMIME]);
	cr_assert_eq(dc.d.caps.size_max, 0);
	cr_assert(dc.d.caps.has[SMTP_EHLO_PIPELINING]);
	cr_assert(dc.d.caps.has[SMTP_EHLO_SMTPUTF8]);
}

Test(smtp_dialog, uses_a_capability_offered_only_after_tls)
{
	use_starttls(SMTP_STARTTLS_REQUIRED, S_EHLO_TLS_SIZE S_MAIL S_RCPT
	    S_DATA S_EOD S_QUIT);
	cr_assert_eq(run(S_BANNER S_EHLO_STARTTLS_ONLY S_STARTTLS), SMTP_OK,
	    "%s", dc.d.err.msg);
	buf_add(&dc.want, C_EHLO C_STARTTLS C_EHLO);
	want_mail_with_size(&dc, strlen(WIRE));
	buf_add(&dc.want, C_RCPT C_DATA WIRE C_QUIT);
	assert_wrote_want(&dc);
	cr_assert_eq(dc.d.caps.size_max, 1000000);
	cr_assert_not(dc.d.caps.has[SMTP_EHLO_STARTTLS]);
}

/* A list without extensions after TLS leaves nothing from before it. */
Test(smtp_dialog, keeps_no_pre_tls_capability_when_the_new_list_is_empty)
{
	size_t i;

	use_starttls(SMTP_STARTTLS_REQUIRED, "250 mx.google.com\r\n" S_MAIL
	    S_RCPT S_DATA S_EOD S_QUIT);
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	assert_wrote(&dc, C_EHLO C_STARTTLS C_EHLO C_MAIL C_RCPT C_DATA WIRE
	    C_QUIT);
	cr_assert(dc.d.has_caps);
	for (i = 0; i < SMTP_EHLO_CAP_COUNT; i++)
		cr_assert_not(dc.d.caps.has[i], "%s kept",
		    smtp_ehlo_cap_name((enum smtp_ehlo_cap)i));
	cr_assert_eq(dc.d.caps.size_max, 0);
}

Test(smtp_dialog, quits_without_helo_when_ehlo_after_tls_is_refused)
{
	const struct smtp_step *f;

	use_starttls(SMTP_STARTTLS_REQUIRED,
	    "554 5.7.0 not after TLS\r\n" S_QUIT);
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	f = assert_final(&dc, 5, SMTP_STAGE_EHLO_TLS);
	cr_assert_eq(f->reply.code, 554);
	/* RFC 3207 4.2 wants EHLO after TLS, and a 554 is final. */
	assert_wrote(&dc, C_EHLO C_STARTTLS C_EHLO C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

/* The injection as it arrives: the 220 and a planted reply in one read. */
static void
assert_injection_ends_the_attempt(enum smtp_starttls_mode mode)
{
	const struct smtp_step *f;

	/* Were the attempt to go on, this is what TLS would serve. */
	use_starttls(mode, S_EHLO S_MAIL S_RCPT S_DATA S_EOD S_QUIT);
	cr_assert_eq(run_on(&dc, S_BANNER S_EHLO S_STARTTLS S_INJECTED,
	    WHOLE), SMTP_E_STARTTLS_INJECTION, "rc %s",
	    smtp_err_name(dc.rc));
	cr_assert_eq(dc.d.err.rc, SMTP_E_STARTTLS_INJECTION);
	assert_has(dc.d.err.msg, "STARTTLS injection");
	/* No handshake, and no QUIT on a stream someone wrote into. */
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_STARTTLS);
	f = assert_final(&dc, 3, SMTP_STAGE_STARTTLS);
	cr_assert_eq(f->rc, SMTP_E_STARTTLS_INJECTION);
	cr_assert_eq(f->reply.code, 220, "the 220 is kept as evidence");
	assert_has(f->error, "RFC 3207");
	assert_has(f->note, "14 bytes came after the 220 to STARTTLS");
	assert_has(f->note, "\"250 injected\\x0d\\x0a\"");
	cr_assert_eq(dc.m.tls_upgrades, 0);
	cr_assert_not(dc.d.tls_attempted);
	cr_assert_not(dc.d.tls_active);
	cr_assert_not(dc.d.is_accepted);
	assert_wrote(&dc, C_EHLO C_STARTTLS);
}

Test(smtp_dialog, ends_the_attempt_on_bytes_after_the_220_to_starttls)
{
	assert_injection_ends_the_attempt(SMTP_STARTTLS_REQUIRED);
}

Test(smtp_dialog, ends_the_attempt_on_an_injection_under_opportunistic_too)
{
	assert_injection_ends_the_attempt(SMTP_STARTTLS_OPPORTUNISTIC);
}

Test(smtp_dialog, names_the_injection_error_for_every_output)
{
	cr_assert_str_eq(smtp_err_name(SMTP_E_STARTTLS_INJECTION),
	    "starttls_injection");
}

Test(smtp_dialog, ends_at_the_tls_stage_without_quit_when_the_handshake_fails)
{
	const struct smtp_step *f;

	use_starttls(SMTP_STARTTLS_REQUIRED, S_QUIT);
	dc.tls_rc = SMTP_E_TLS;
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_E_TLS);
	f = assert_final(&dc, 4, SMTP_STAGE_TLS);
	cr_assert_eq(f->rc, SMTP_E_TLS);
	cr_assert_eq(dc.m.tls_upgrades, 1);
	cr_assert(dc.d.tls_attempted);
	cr_assert_not(dc.d.tls_active);
	assert_wrote(&dc, C_EHLO C_STARTTLS);
	cr_assert_eq(dc.d.transcript.nsteps, 5);
}

Test(smtp_dialog, quits_after_tls_when_an_unverified_peer_is_not_allowed)
{
	const struct smtp_step *f;

	use_starttls(SMTP_STARTTLS_REQUIRED, S_QUIT);
	dc.o.tls_verify = SMTP_TLS_VERIFY_REQUIRE;
	dc.is_tls_unverified = true;
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_E_TLS_VERIFY);
	f = assert_final(&dc, 4, SMTP_STAGE_TLS);
	cr_assert_eq(f->rc, SMTP_E_TLS_VERIFY);
	assert_wrote(&dc, C_EHLO C_STARTTLS C_QUIT);
	cr_assert_not(dc.d.is_accepted);
}

Test(smtp_dialog, goes_on_with_an_unverified_peer_under_tls_verify_report)
{
	use_starttls(SMTP_STARTTLS_REQUIRED, S_EHLO_TLS_NO_SIZE S_MAIL S_RCPT
	    S_DATA S_EOD S_QUIT);
	dc.is_tls_unverified = true;
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	cr_assert(dc.d.is_accepted);
	cr_assert_not(dc.d.tls.verified);
}

Test(smtp_dialog, quits_right_after_tls_when_asked)
{
	use_starttls(SMTP_STARTTLS_REQUIRED, S_QUIT);
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_TLS;
	cr_assert_eq(run(S_BANNER S_EHLO S_STARTTLS), SMTP_OK, "%s",
	    dc.d.err.msg);
	assert_final(&dc, 4, SMTP_STAGE_TLS);
	cr_assert(dc.d.is_accepted);
	assert_wrote(&dc, C_EHLO C_STARTTLS C_QUIT);
}

/* --- bytes a server sends beyond a reply --- */

Test(smtp_dialog, notes_bytes_sent_beyond_a_reply_before_our_next_command)
{
	/* The banner and the first 5 bytes of the EHLO reply in one read. */
	cr_assert_eq(run_on(&dc, S_ACCEPTED, strlen(S_BANNER) + 5), SMTP_OK,
	    "%s", dc.d.err.msg);
	assert_has(step_at(&dc, 1)->note, "the server sent 5 bytes beyond "
	    "this reply before our next command");
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, notes_nothing_when_the_server_waits_for_each_command)
{
	size_t i;

	cr_assert_eq(run(S_ACCEPTED), SMTP_OK, "%s", dc.d.err.msg);
	for (i = 0; i < dc.d.transcript.nsteps; i++)
		cr_assert_null(strstr(step_at(&dc, i)->note, "beyond"),
		    "step %zu: %s", i, step_at(&dc, i)->note);
}

/* --- quit_after: stop politely once the asked-for stage succeeded --- */

static void
assert_quit_right_after(enum smtp_stage stage, const char *script,
    const char *wrote, size_t final)
{
	const struct smtp_step *f;

	dc.o.has_quit_after = true;
	dc.o.quit_after = stage;
	cr_assert_eq(run(script), SMTP_OK, "%s", dc.d.err.msg);
	assert_wrote(&dc, wrote);
	cr_assert(dc.d.is_accepted);
	f = assert_final(&dc, final, stage);
	cr_assert_eq(f->rc, SMTP_OK);
	cr_assert_eq(dc.d.transcript.nsteps, final + 2);
	cr_assert_eq(step_at(&dc, final + 1)->stage, SMTP_STAGE_QUIT);
	cr_assert_eq(step_at(&dc, final + 1)->reply.code, 221);
}

Test(smtp_dialog, stops_right_after_connect_without_a_quit_when_asked)
{
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_CONNECT;
	cr_assert_eq(run(S_BANNER S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	/* QUIT before the greeting would be a pregreet: send nothing. */
	assert_wrote(&dc, "");
	cr_assert_eq(dc.m.reads, 0, "the banner was read");
	cr_assert(dc.d.is_accepted);
	assert_final(&dc, 0, SMTP_STAGE_CONNECT);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT);
}

Test(smtp_dialog, frees_a_dialogue_that_never_ran)
{
	struct smtp_dialog d;

	memset(&d, 0, sizeof(d));
	smtp_dialog_free(&d);
	cr_assert_eq(d.transcript.nsteps, 0);
	cr_assert_null(d.transcript.steps);
	smtp_dialog_init(&d, &dc.o);
	smtp_dialog_free(&d);
	smtp_dialog_free(&d);
	cr_assert_null(d.wire.data);
	cr_assert_eq(d.io.fd, -1);
}

Test(smtp_dialog, quits_right_after_the_banner_when_asked)
{
	assert_quit_right_after(SMTP_STAGE_BANNER, S_BANNER S_QUIT, C_QUIT, 1);
}

Test(smtp_dialog, quits_right_after_ehlo_when_asked)
{
	assert_quit_right_after(SMTP_STAGE_EHLO, S_BANNER S_EHLO S_QUIT,
	    C_EHLO C_QUIT, 2);
}

Test(smtp_dialog, quits_right_after_ehlo_even_when_starttls_is_required)
{
	dc.o.starttls = SMTP_STARTTLS_REQUIRED;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	assert_quit_right_after(SMTP_STAGE_EHLO, S_BANNER S_EHLO S_QUIT,
	    C_EHLO C_QUIT, 2);
}

Test(smtp_dialog, quits_right_after_mail_when_asked)
{
	assert_quit_right_after(SMTP_STAGE_MAIL, S_BANNER S_EHLO_PLAIN S_MAIL
	    S_QUIT, C_EHLO C_MAIL C_QUIT, 3);
}

Test(smtp_dialog, quits_right_after_rcpt_when_asked)
{
	assert_quit_right_after(SMTP_STAGE_RCPT, S_BANNER S_EHLO_PLAIN S_MAIL
	    S_RCPT S_QUIT, C_EHLO C_MAIL C_RCPT C_QUIT, 4);
}

Test(smtp_dialog, quits_after_the_last_rcpt_when_asked_with_several)
{
	dc.rcpts[1] = "b@example.net";
	dc.o.nrcpts = 2;
	assert_quit_right_after(SMTP_STAGE_RCPT, S_BANNER S_EHLO_PLAIN S_MAIL
	    S_RCPT S_RCPT S_QUIT, C_EHLO C_MAIL C_RCPT
	    "RCPT TO:<b@example.net>\r\n" C_QUIT, 5);
}

Test(smtp_dialog, does_not_count_a_refused_stage_as_the_goal)
{
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_RCPT;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_550_5_1_1 S_QUIT),
	    SMTP_OK);
	cr_assert_not(dc.d.is_accepted);
	assert_final(&dc, 4, SMTP_STAGE_RCPT);
}

/*
 * --quit-after tls asks for no message. When the dialogue goes on
 * without TLS (off, not offered, refused) that stage never comes, and
 * going on to MAIL would submit the message the operator did not want
 * sent. The dialogue must stop there instead, without reaching its goal.
 */
static void
assert_stops_short_of_tls(const char *script, const char *wrote,
    size_t final, enum smtp_stage stage)
{
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_TLS;
	cr_assert_eq(run(script), SMTP_OK, "%s", dc.d.err.msg);
	assert_wrote(&dc, wrote);
	cr_assert_not(dc.d.is_accepted, "the TLS stage was never reached");
	assert_final(&dc, final, stage);
	cr_assert_neq(step_at(&dc, final)->note[0], '\0',
	    "why it stopped is worth a note");
	cr_assert_eq(step_at(&dc, final + 1)->stage, SMTP_STAGE_QUIT);
	cr_assert_eq(dc.d.transcript.nsteps, final + 2);
}

Test(smtp_dialog, sends_no_message_when_asked_to_quit_after_tls_not_offered)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	assert_stops_short_of_tls(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_DATA
	    S_EOD S_QUIT, C_EHLO C_QUIT, 2, SMTP_STAGE_EHLO);
}

Test(smtp_dialog, sends_no_message_when_asked_to_quit_after_tls_refused)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	assert_stops_short_of_tls(S_BANNER S_EHLO
	    "454 4.7.0 TLS not available\r\n" S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT, C_EHLO C_STARTTLS C_QUIT, 3, SMTP_STAGE_STARTTLS);
}

Test(smtp_dialog, sends_no_message_when_asked_to_quit_after_tls_that_is_off)
{
	assert_stops_short_of_tls(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT, C_EHLO C_QUIT, 2, SMTP_STAGE_EHLO);
}

Test(smtp_dialog, sends_no_message_when_asked_to_quit_after_tls_after_helo)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = FAKE_TLS_CTX;
	assert_stops_short_of_tls(S_BANNER "502 5.5.1 unrecognized\r\n"
	    "250 mx.example.net\r\n" S_MAIL S_RCPT S_DATA S_EOD S_QUIT,
	    C_EHLO C_HELO C_QUIT, 3, SMTP_STAGE_EHLO);
}

/* --- servers that break the protocol or stop talking --- */

Test(smtp_dialog, fails_with_proto_on_a_garbage_reply)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_BANNER "hello? \x1b[5m\r\n" S_QUIT), SMTP_E_PROTO);
	cr_assert_eq(dc.d.err.rc, SMTP_E_PROTO);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 2, SMTP_STAGE_EHLO);
	cr_assert_eq(f->rc, SMTP_E_PROTO);
	assert_has(f->error, "hello? \\x1b[5m");
	assert_has(dc.d.err.msg, "hello? \\x1b[5m");
	cr_assert_eq(f->reply.nlines, 1, "the garbage is kept as evidence");
	assert_reply_line(f, 0, "hello? \x1b[5m");
	/* The line was read to its end, so the stream is in step for QUIT. */
	assert_wrote(&dc, C_EHLO C_QUIT);
}

Test(smtp_dialog, fails_with_proto_on_a_garbage_banner)
{
	cr_assert_eq(run("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), SMTP_E_PROTO);
	assert_final(&dc, 1, SMTP_STAGE_BANNER);
	assert_has(step_at(&dc, 1)->error, "SSH-2.0-OpenSSH");
	cr_assert_not(dc.d.is_accepted);
}

Test(smtp_dialog, records_a_timeout_at_the_stage_where_the_server_went_silent)
{
	const struct smtp_step *f;

	mem_io_set(&dc.m, S_BANNER S_EHLO_PLAIN S_MAIL, BYTEWISE);
	dc.m.is_silent_at_end = true;
	smtp_dialog_init(&dc.d, &dc.o);
	cr_assert_eq(smtp_dialog_run(&dc.d), SMTP_E_TIMEOUT);
	cr_assert_eq(dc.d.err.rc, SMTP_E_TIMEOUT);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 4, SMTP_STAGE_RCPT);
	cr_assert_eq(f->rc, SMTP_E_TIMEOUT);
	cr_assert_neq(f->error[0], '\0');
	cr_assert_eq(f->reply.nlines, 0);
	/* A silent server gets no QUIT: it would only wait out again. */
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_MAIL, SMTP_STAGE_RCPT);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT);
}

Test(smtp_dialog, records_a_timeout_when_the_banner_never_comes)
{
	mem_io_set(&dc.m, "", BYTEWISE);
	dc.m.is_silent_at_end = true;
	smtp_dialog_init(&dc.d, &dc.o);
	cr_assert_eq(smtp_dialog_run(&dc.d), SMTP_E_TIMEOUT);
	assert_final(&dc, 1, SMTP_STAGE_BANNER);
	assert_wrote(&dc, "");
}

Test(smtp_dialog, records_io_when_the_server_closes_mid_reply)
{
	const struct smtp_step *f;

	cr_assert_eq(run(S_BANNER "250-mx.example.net\r\n250-SIZ"),
	    SMTP_E_IO);
	f = assert_final(&dc, 2, SMTP_STAGE_EHLO);
	cr_assert_eq(f->rc, SMTP_E_IO);
	cr_assert_eq(f->reply.nlines, 2, "partial lines are evidence");
	cr_assert_not(f->reply.is_complete);
	assert_wrote(&dc, C_EHLO);
}

Test(smtp_dialog, ignores_a_missing_reply_to_quit)
{
	cr_assert_eq(run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD), SMTP_OK);
	cr_assert(dc.d.is_accepted);
	assert_final(&dc, 6, SMTP_STAGE_END_OF_DATA);
	cr_assert_eq(step_at(&dc, 7)->stage, SMTP_STAGE_QUIT);
	cr_assert_eq(step_at(&dc, 7)->rc, SMTP_E_IO);
	cr_assert_eq(dc.d.err.rc, SMTP_OK);
}

/* --- our own input: refused before a byte is written --- */

static void
assert_usage_before_anything(void)
{
	cr_assert_eq(run(S_ACCEPTED), SMTP_E_USAGE);
	cr_assert_eq(dc.d.err.rc, SMTP_E_USAGE);
	cr_assert_neq(dc.d.err.msg[0], '\0');
	cr_assert_eq(dc.m.reads, 0, "the script was read");
	assert_wrote(&dc, "");
	cr_assert_eq(dc.d.transcript.nsteps, 0);
	cr_assert_not(dc.d.has_final);
	cr_assert_not(dc.d.is_accepted);
}

Test(smtp_dialog, refuses_a_cr_in_the_helo_name_before_writing_anything)
{
	dc.o.helo = "probe.example.org\rMAIL FROM:<x@y>";
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_an_lf_in_the_helo_name_before_writing_anything)
{
	dc.o.helo = "probe.example.org\n";
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_a_cr_in_the_sender_before_writing_anything)
{
	dc.o.mail_from = "probe@example.org>\r";
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_an_lf_in_the_sender_before_writing_anything)
{
	dc.o.mail_from = "probe@example.org>\nRCPT TO:<victim@example.com";
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_a_crlf_in_a_recipient_before_writing_anything)
{
	dc.rcpts[1] = "b@example.net>\r\nDATA";
	dc.o.nrcpts = 2;
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_an_empty_helo_name_or_recipient)
{
	dc.o.helo = "";
	assert_usage_before_anything();
	case_free(&dc);
	case_init(&dc);
	dc.rcpts[0] = "";
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_a_dialogue_without_recipients)
{
	dc.o.nrcpts = 0;
	assert_usage_before_anything();
}

Test(smtp_dialog, refuses_starttls_without_a_tls_context)
{
	dc.o.starttls = SMTP_STARTTLS_OPPORTUNISTIC;
	dc.o.tls_ctx = NULL;
	assert_usage_before_anything();
}

/* --- limits on our own input, each at N-1, N and N+1 --- */

/* A string of n copies of c followed by tail, owned by dc.big. */
static const char *
make_big(size_t n, char c, const char *tail)
{
	size_t tlen = strlen(tail);

	dc.big = malloc(n + tlen + 1);
	cr_assert_not_null(dc.big);
	memset(dc.big, c, n);
	memcpy(dc.big + n, tail, tlen + 1);
	return dc.big;
}

/* Check the input only: stop right after the banner when it passes. */
static enum smtp_rc
run_banner_only(void)
{
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_BANNER;
	return run(S_BANNER S_QUIT);
}

Test(smtp_dialog, accepts_a_helo_name_of_254_and_255_bytes_and_refuses_256)
{
	dc.o.helo = make_big(254, 'h', "");
	cr_assert_eq(run_banner_only(), SMTP_OK);
	case_free(&dc);
	case_init(&dc);
	dc.o.helo = make_big(255, 'h', "");
	cr_assert_eq(run_banner_only(), SMTP_OK);
	case_free(&dc);
	case_init(&dc);
	dc.o.helo = make_big(256, 'h', "");
	assert_usage_before_anything();
}

Test(smtp_dialog, sends_a_recipient_of_256_bytes_and_refuses_257)
{
	char want[512];

	dc.rcpts[0] = make_big(255, 'r', "");
	cr_assert_eq(run_banner_only(), SMTP_OK);
	case_free(&dc);
	case_init(&dc);
	dc.rcpts[0] = make_big(256 - strlen("@example.net"), 'r',
	    "@example.net");
	cr_assert_eq(strlen(dc.rcpts[0]), 256);
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK);
	(void)snprintf(want, sizeof(want), "RCPT TO:<%s>", dc.rcpts[0]);
	cr_assert_str_eq(step_at(&dc, 4)->command, want,
	    "the command must not be cut");
	case_free(&dc);
	case_init(&dc);
	dc.rcpts[0] = make_big(257, 'r', "");
	assert_usage_before_anything();
}

Test(smtp_dialog, accepts_a_sender_of_256_bytes_and_refuses_257)
{
	dc.o.mail_from = make_big(255, 's', "");
	cr_assert_eq(run_banner_only(), SMTP_OK);
	case_free(&dc);
	case_init(&dc);
	dc.o.mail_from = make_big(256, 's', "");
	cr_assert_eq(run_banner_only(), SMTP_OK);
	case_free(&dc);
	case_init(&dc);
	dc.o.mail_from = make_big(257, 's', "");
	assert_usage_before_anything();
}

/* One recipient address per slot, and a 250 for each from the server. */
static void
set_recipients(size_t n)
{
	size_t i;

	cr_assert_leq(n, SMTP_RCPTS_MAX + 1);
	for (i = 0; i < n; i++)
		dc.rcpts[i] = RCPT;
	dc.o.nrcpts = n;
	buf_add(&dc.script, S_BANNER S_EHLO_PLAIN S_MAIL);
	for (i = 0; i < n; i++)
		buf_add(&dc.script, S_RCPT);
	buf_add(&dc.script, S_DATA S_EOD S_QUIT);
}

static void
assert_recipients_accepted(size_t n)
{
	size_t i;

	set_recipients(n);
	cr_assert_eq(run(dc.script.data), SMTP_OK, "%zu recipients: %s", n,
	    dc.d.err.msg);
	cr_assert(dc.d.is_accepted);
	cr_assert_eq(dc.d.transcript.nsteps, 4 + n + 3);
	for (i = 0; i < n; i++)
		cr_assert_eq(step_at(&dc, 4 + i)->stage, SMTP_STAGE_RCPT);
	assert_final(&dc, 4 + n + 1, SMTP_STAGE_END_OF_DATA);
}

Test(smtp_dialog, sends_99_recipients)
{
	cr_assert_eq(SMTP_RCPTS_MAX, 100);
	assert_recipients_accepted(SMTP_RCPTS_MAX - 1);
}

Test(smtp_dialog, sends_exactly_100_recipients)
{
	assert_recipients_accepted(SMTP_RCPTS_MAX);
}

Test(smtp_dialog, refuses_101_recipients)
{
	set_recipients(SMTP_RCPTS_MAX + 1);
	assert_usage_before_anything();
}

/*
 * The message handed over is bounded by SMTP_DIALOG_MESSAGE_MAX, what it
 * becomes on the wire (CRLF, dot-stuffing, ".\r\n") by
 * SMTP_DIALOG_WIRE_MAX, which a message at the ceiling never reaches:
 * n - 1 bytes of text and a LF become n + 4 bytes on the wire.
 */
static void
set_message_of_size(size_t n, char fill)
{
	dc.o.message = make_big(n - 1, fill, "\n");
	dc.o.message_len = n;
}

Test(smtp_dialog, sends_a_message_exactly_at_the_ceiling)
{
	char size[32];

	set_message_of_size(SMTP_DIALOG_MESSAGE_MAX, 'm');
	cr_assert_eq(run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD S_QUIT),
	    SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_eq(dc.d.wire.len, SMTP_DIALOG_MESSAGE_MAX + 4);
	(void)snprintf(size, sizeof(size), " SIZE=%u",
	    SMTP_DIALOG_MESSAGE_MAX + 4);
	assert_has(step_at(&dc, 3)->command, size);
	cr_assert(dc.d.is_accepted);
}

/* The worst case: every byte a line end, each one doubled on the wire. */
Test(smtp_dialog, sends_a_message_of_line_ends_at_the_ceiling)
{
	set_message_of_size(SMTP_DIALOG_MESSAGE_MAX, '\n');
	cr_assert_eq(run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_EOD S_QUIT),
	    SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_eq(dc.d.wire.len, 2 * SMTP_DIALOG_MESSAGE_MAX + 3);
	cr_assert_leq(dc.d.wire.len, SMTP_DIALOG_WIRE_MAX);
}

Test(smtp_dialog, refuses_a_message_one_byte_over_the_ceiling)
{
	set_message_of_size(SMTP_DIALOG_MESSAGE_MAX + 1, 'm');
	assert_usage_before_anything();
}

/*
 * The transcript keeps at most SMTP_TRANSCRIPT_BYTES_MAX bytes of replies
 * (each line counts with the NUL after it). A banner of 500 full lines
 * (500 * 8193 bytes) and an EHLO reply of 11 full lines and one of
 * last_len bytes make 4096500 + 90123 + last_len + 1 bytes: exactly the
 * ceiling when last_len is 7680. The server closes after that, so the
 * QUIT that follows brings no reply to count.
 */
#define EHLO_LAST_AT_CEILING	7680

/* nfull lines of SMTP_REPLY_LINE_MAX bytes, then one of last_len. */
static void
add_reply_lines(const char *code, size_t nfull, size_t last_len)
{
	char pad[SMTP_REPLY_LINE_MAX];
	size_t i, len;

	memset(pad, 'x', sizeof(pad));
	for (i = 0; i <= nfull; i++) {
		len = i < nfull ? SMTP_REPLY_LINE_MAX : last_len;
		cr_assert_leq(len, sizeof(pad));
		buf_add(&dc.script, code);
		buf_add(&dc.script, i < nfull ? "-" : " ");
		cr_assert_eq(smtp_buf_append(&dc.script, pad, len - 4,
		    64u << 20), SMTP_OK);
		buf_add(&dc.script, "\r\n");
	}
}

static void
run_with_reply_bytes(ptrdiff_t off)
{
	size_t last = (size_t)(EHLO_LAST_AT_CEILING + off);

	cr_assert_eq((size_t)SMTP_REPLY_LINES_MAX * (SMTP_REPLY_LINE_MAX + 1) +
	    11 * (SMTP_REPLY_LINE_MAX + 1) + EHLO_LAST_AT_CEILING + 1,
	    SMTP_TRANSCRIPT_BYTES_MAX, "the arithmetic above is off");
	add_reply_lines("220", SMTP_REPLY_LINES_MAX - 1, SMTP_REPLY_LINE_MAX);
	add_reply_lines("250", 11, last);
	dc.o.has_quit_after = true;
	dc.o.quit_after = SMTP_STAGE_EHLO;
	run_on(&dc, dc.script.data, WHOLE);
}

Test(smtp_dialog, keeps_replies_one_byte_under_the_transcript_ceiling)
{
	run_with_reply_bytes(-1);
	cr_assert_eq(dc.rc, SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_eq(dc.d.transcript.reply_bytes,
	    SMTP_TRANSCRIPT_BYTES_MAX - 1);
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, keeps_replies_exactly_at_the_transcript_ceiling)
{
	run_with_reply_bytes(0);
	cr_assert_eq(dc.rc, SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_eq(dc.d.transcript.reply_bytes, SMTP_TRANSCRIPT_BYTES_MAX);
	cr_assert(dc.d.is_accepted);
	assert_final(&dc, 2, SMTP_STAGE_EHLO);
	assert_wrote(&dc, C_EHLO C_QUIT);
}

Test(smtp_dialog, stops_with_limit_one_byte_over_the_transcript_ceiling)
{
	const struct smtp_step *f;

	run_with_reply_bytes(1);
	cr_assert_eq(dc.rc, SMTP_E_LIMIT);
	cr_assert_eq(dc.d.err.rc, SMTP_E_LIMIT);
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 2, SMTP_STAGE_EHLO);
	cr_assert_eq(f->rc, SMTP_E_LIMIT);
	cr_assert_leq(dc.d.transcript.reply_bytes, SMTP_TRANSCRIPT_BYTES_MAX);
	/* A server past our bounds gets no QUIT. */
	assert_wrote(&dc, C_EHLO);
}

/* --- the receipt: the provider's queue id --- */

Test(smtp_dialog, keeps_gmails_queue_id_from_the_end_of_data_reply)
{
	cr_assert_eq(run(S_ACCEPTED), SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_str_eq(dc.d.queue_id, "1700000000 "
	    "d2-20020a05600c4e0200b0040e3b7e9a5dsi123456wmq.170");
}

Test(smtp_dialog, keeps_no_queue_id_when_the_message_is_refused)
{
	cr_assert_eq(run(S_BANNER S_EHLO S_MAIL S_RCPT S_DATA S_550_5_7_26
	    S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	cr_assert_not(dc.d.is_accepted);
	cr_assert_str_empty(dc.d.queue_id);
}

/* --- RFC 6531: non-ASCII addresses only with SMTPUTF8 --- */

#define UTF8_RCPT	"j\xc3\xb6rg@b\xc3\xbc" "cher.example"
#define S_EHLO_UTF8	"250-mx.example.net\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"

Test(smtp_dialog, quits_before_mail_when_a_non_ascii_address_meets_no_smtputf8)
{
	const struct smtp_step *f;

	dc.rcpts[0] = UTF8_RCPT;
	cr_assert_eq(run(S_BANNER S_EHLO_PLAIN S_QUIT), SMTP_E_NOUTF8);
	assert_has(dc.d.err.msg, "SMTPUTF8");
	cr_assert_not(dc.d.is_accepted);
	f = assert_final(&dc, 2, SMTP_STAGE_EHLO);
	cr_assert_eq(f->rc, SMTP_E_NOUTF8);
	ASSERT_STAGES(&dc, SMTP_STAGE_CONNECT, SMTP_STAGE_BANNER,
	    SMTP_STAGE_EHLO, SMTP_STAGE_QUIT);
	assert_wrote(&dc, C_EHLO C_QUIT);
}

Test(smtp_dialog, quits_before_mail_when_a_non_ascii_sender_meets_helo)
{
	dc.o.mail_from = "pr\xc3\xb6" "be@example.org";
	cr_assert_eq(run(S_BANNER "502 5.5.1 no EHLO\r\n250 hi\r\n" S_QUIT),
	    SMTP_E_NOUTF8);
	assert_wrote(&dc, C_EHLO C_HELO C_QUIT);
}

Test(smtp_dialog, sends_mail_from_with_smtputf8_when_it_is_offered)
{
	dc.rcpts[0] = UTF8_RCPT;
	cr_assert_eq(run(S_BANNER S_EHLO_UTF8 S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	assert_wrote(&dc, C_EHLO "MAIL FROM:<" MAIL_FROM "> SMTPUTF8\r\n"
	    "RCPT TO:<" UTF8_RCPT ">\r\n" C_DATA WIRE C_QUIT);
	cr_assert(dc.d.is_accepted);
}

Test(smtp_dialog, sends_no_smtputf8_parameter_for_ascii_addresses)
{
	cr_assert_eq(run(S_BANNER S_EHLO_UTF8 S_MAIL S_RCPT S_DATA S_EOD
	    S_QUIT), SMTP_OK, "%s", dc.d.err.msg);
	assert_wrote(&dc, C_EHLO C_MAIL C_RCPT C_DATA WIRE C_QUIT);
}
