/*
 * test_probe_relay - the parts of the relay path that need no server:
 * how a command line is kept in the transcript (credentials never), and
 * how steps another engine ran are judged by the direct engine's stage
 * handlers (smtp_dialog_decide()), AUTH included. The whole path against
 * a fake submission server is in test_relay.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "probe/run/probe_relay.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_reply.h"

static void
assert_redacted(const char *line, bool in_auth, const char *want)
{
	char out[128];

	probe_relay_redact(line, strlen(line), in_auth, out, sizeof(out));
	cr_assert_str_eq(out, want, "\"%s\"", line);
}

Test(probe_relay, keeps_the_mechanism_and_hides_an_initial_response)
{
	assert_redacted("AUTH PLAIN AHByb2JlAHMzY3JldA==", false,
	    "AUTH PLAIN [redacted]");
	assert_redacted("auth login cHJvYmU=", false, "auth login [redacted]");
	assert_redacted("AUTH CRAM-MD5", false, "AUTH CRAM-MD5");
}

Test(probe_relay, hides_every_line_sent_inside_an_auth_exchange)
{
	assert_redacted("cHJvYmVAZXhhbXBsZS50ZXN0", true, "[redacted]");
	assert_redacted("*", true, "[redacted]");
	assert_redacted("MAIL FROM:<a@b>", true, "[redacted]");
}

Test(probe_relay, keeps_other_commands_as_they_were_sent)
{
	assert_redacted("MAIL FROM:<probe@example.test>", false,
	    "MAIL FROM:<probe@example.test>");
	assert_redacted("AUTHX", false, "AUTHX");
}

/* A dialogue filled step by step, as the relay recorder fills it. */
static struct smtp_dialog_opts opts;
static struct smtp_dialog d;

static void
setup(void)
{
	static const char *const rcpts[] = { "postmaster@example.net" };

	memset(&opts, 0, sizeof(opts));
	opts.helo = "probe.example.org";
	opts.mail_from = "probe@example.org";
	opts.rcpts = rcpts;
	opts.nrcpts = 1;
	opts.starttls = SMTP_STARTTLS_OFF;
	smtp_dialog_init(&d, &opts);
}

static void
teardown(void)
{
	smtp_dialog_free(&d);
}

static void
step(enum smtp_stage stage, const char *line)
{
	struct smtp_step *st;
	long idx = smtp_dialog_enter(&d, stage);
	int code = 0;
	bool last = false;

	cr_assert_geq(idx, 0);
	st = &d.transcript.steps[idx];
	if (line != NULL) {
		cr_assert(smtp_reply_parse_line(line, strlen(line), &code,
		    &last));
		cr_assert_eq(smtp_reply_add_line(&st->reply, line,
		    strlen(line)), SMTP_OK);
		st->reply.code = code;
		st->reply.is_complete = true;
	}
	smtp_dialog_decide(&d, (size_t)idx);
}

TestSuite(probe_relay_decide, .init = setup, .fini = teardown);

Test(probe_relay_decide, a_334_goes_on_and_a_535_to_auth_decides)
{
	step(SMTP_STAGE_CONNECT, NULL);
	step(SMTP_STAGE_BANNER, "220 smtp.example.net ESMTP");
	step(SMTP_STAGE_EHLO, "250 AUTH LOGIN PLAIN");
	step(SMTP_STAGE_AUTH, "334 VXNlcm5hbWU6");
	cr_assert_not(d.has_final, "a 334 asks for more, it decides nothing");
	step(SMTP_STAGE_AUTH, "535 5.7.8 Username and Password not accepted");
	cr_assert(d.has_final);
	cr_assert_eq(smtp_dialog_final(&d)->stage, SMTP_STAGE_AUTH);
	/* libesmtp goes on without AUTH; the refusal still decides. */
	step(SMTP_STAGE_MAIL, "530 5.7.0 Authentication Required");
	cr_assert_eq(smtp_dialog_final(&d)->reply.code, 535);
	cr_assert_not(d.is_accepted);
}

Test(probe_relay_decide, the_250_to_the_message_is_the_goal_and_its_receipt)
{
	step(SMTP_STAGE_CONNECT, NULL);
	step(SMTP_STAGE_BANNER, "220 smtp.example.net ESMTP");
	step(SMTP_STAGE_EHLO, "250 AUTH PLAIN");
	step(SMTP_STAGE_AUTH, "235 2.7.0 Accepted");
	step(SMTP_STAGE_MAIL, "250 2.1.0 OK");
	step(SMTP_STAGE_RCPT, "250 2.1.5 OK");
	step(SMTP_STAGE_DATA, "354 Go ahead");
	cr_assert_not(d.has_final);
	step(SMTP_STAGE_END_OF_DATA,
	    "250 2.0.0 OK  1700000000 a1-20020a05600c4e0200si1.170 - gsmtp");
	cr_assert(d.has_final && d.is_accepted);
	cr_assert_str_eq(d.queue_id, "1700000000 a1-20020a05600c4e0200si1.170");
}

Test(probe_relay_decide, no_starttls_under_required_is_our_error_at_ehlo)
{
	opts.starttls = SMTP_STARTTLS_REQUIRED;
	step(SMTP_STAGE_CONNECT, NULL);
	step(SMTP_STAGE_BANNER, "220 smtp.example.net ESMTP");
	step(SMTP_STAGE_EHLO, "250 AUTH PLAIN");
	cr_assert(d.has_final);
	cr_assert_eq(d.err.rc, SMTP_E_NOTLS);
}
