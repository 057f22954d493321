/*
 * smtp_dialog - the dialogue engine: stage handlers that decide, and one
 * driver loop that does the I/O.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smtp/smtp_data.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_clock.h"

/* What a handler decides: where to go, and whether that ends in error. */
struct smtp_dialog_next {
	enum smtp_stage	 stage;
	bool		 is_done;	/* no further stage */
	bool		 is_goal;	/* the probe reached what it wanted */
	bool		 is_final;	/* this step decides the attempt */
	enum smtp_rc	 rc;		/* an error of ours ends the step */
	const char	*why;		/* its words when rc != SMTP_OK */
	const char	*note;		/* a fact for the transcript */
	char		 text[SMTP_STEP_TEXT_MAX]; /* room for a made note */
};

typedef void	smtp_dialog_handler_fn(struct smtp_dialog *d,
		    const struct smtp_step *step, struct smtp_dialog_next *n);

/*
 * Facts add up: a note goes after the ones the step already has, never
 * over them. Cut to the step's buffer, which only ever costs the end of
 * our own words.
 */
static void
smtp_dialog_add_note(struct smtp_step *step, const char *note)
{
	size_t len = strlen(step->note);

	(void)snprintf(step->note + len, sizeof(step->note) - len, "%s%s",
	    len > 0 ? "; " : "", note);
}

/* RFC 5321 4.5.3.1: a domain is at most 255 octets, a path 256. */
#define SMTP_DIALOG_NAME_MAX	255
#define SMTP_DIALOG_PATH_MAX	256

/*
 * Values of ours that go into a command line must not end it early, and
 * must fit the RFC's bounds so that no command is ever cut short.
 */
static bool
smtp_dialog_is_safe(const char *s, size_t max)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL && strlen(s) <= max;
}

enum smtp_rc
smtp_dialog_check(struct smtp_dialog *d)
{
	const struct smtp_dialog_opts *o = d->opts;
	size_t i;

	if (!smtp_dialog_is_safe(o->helo, SMTP_DIALOG_NAME_MAX) ||
	    o->helo[0] == '\0')
		return smtp_err_set(&d->err, SMTP_E_USAGE,
		    "HELO name is empty, too long or holds a line break");
	if (!smtp_dialog_is_safe(o->mail_from, SMTP_DIALOG_PATH_MAX))
		return smtp_err_set(&d->err, SMTP_E_USAGE,
		    "envelope sender is too long or holds a line break");
	if (o->nrcpts == 0 || o->nrcpts > SMTP_RCPTS_MAX)
		return smtp_err_set(&d->err, SMTP_E_USAGE,
		    "between 1 and %d recipients are needed", SMTP_RCPTS_MAX);
	for (i = 0; i < o->nrcpts; i++)
		if (!smtp_dialog_is_safe(o->rcpts[i], SMTP_DIALOG_PATH_MAX) ||
		    o->rcpts[i][0] == '\0')
			return smtp_err_set(&d->err, SMTP_E_USAGE,
			    "recipient %zu is empty, too long or holds a "
			    "line break",
			    i + 1);
	if (o->starttls != SMTP_STARTTLS_OFF && o->tls_ctx == NULL)
		return smtp_err_set(&d->err, SMTP_E_USAGE,
		    "STARTTLS needs a TLS context");
	if (o->message_len > SMTP_DIALOG_MESSAGE_MAX ||
	    smtp_data_encode(o->message, o->message_len, &d->wire,
	    SMTP_DIALOG_WIRE_MAX, &d->message_lines) != SMTP_OK)
		return smtp_err_set(&d->err, SMTP_E_USAGE,
		    "the message is larger than %u bytes",
		    SMTP_DIALOG_MESSAGE_MAX);
	return SMTP_OK;
}

void
smtp_dialog_init(struct smtp_dialog *d, const struct smtp_dialog_opts *opts)
{
	memset(d, 0, sizeof(*d));
	d->opts = opts;
	d->io.fd = -1;
	smtp_transcript_init(&d->transcript);
}

long
smtp_dialog_enter(struct smtp_dialog *d, enum smtp_stage stage)
{
	struct smtp_step *s;

	s = smtp_transcript_add(&d->transcript, stage);
	if (s == NULL) {
		smtp_err_set(&d->err, SMTP_E_LIMIT,
		    "transcript full at stage %s", smtp_stage_name(stage));
		return -1;
	}
	d->stage = stage;
	return (long)(d->transcript.nsteps - 1);
}

const struct smtp_step *
smtp_dialog_final(const struct smtp_dialog *d)
{
	if (!d->has_final || d->final_step >= d->transcript.nsteps)
		return NULL;
	return &d->transcript.steps[d->final_step];
}

static int
smtp_dialog_timeout(const struct smtp_dialog *d, enum smtp_stage stage)
{
	if (d->opts->timeout_ms > 0)
		return d->opts->timeout_ms;
	return smtp_stage_def(stage)->timeout_ms;
}

/* The value of ours that the table row says a command carries. */
static const char *
smtp_dialog_arg(const struct smtp_dialog *d, enum smtp_stage_arg arg)
{
	switch (arg) {
	case SMTP_STAGE_ARG_HELO:
		return d->opts->helo;
	case SMTP_STAGE_ARG_SENDER:
		return d->opts->mail_from;
	case SMTP_STAGE_ARG_RCPT:
		return d->opts->rcpts[d->rcpt_next];
	case SMTP_STAGE_ARG_NONE:
		break;
	}
	return NULL;
}

/* RFC 6531: an address that is not all ASCII needs SMTPUTF8. */
static bool
smtp_dialog_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static bool
smtp_dialog_needs_utf8(const struct smtp_dialog_opts *o)
{
	size_t i;

	if (!smtp_dialog_is_ascii(o->mail_from))
		return true;
	for (i = 0; i < o->nrcpts; i++)
		if (!smtp_dialog_is_ascii(o->rcpts[i]))
			return true;
	return false;
}

/*
 * The command line for the current stage, without CRLF, built from its
 * table row. Pure. smtp_dialog_check() bounded every value, so a line
 * always fits; a stage without a command gets "".
 */
static void
smtp_dialog_command(const struct smtp_dialog *d, char *buf, size_t len)
{
	const struct smtp_stage_def *def = smtp_stage_def(d->stage);
	char params[64] = "";
	size_t used;

	/* RFC 1870: declare the size when the server asks for it. */
	if (def->declares_size && d->has_caps && d->caps.has[SMTP_EHLO_SIZE])
		(void)snprintf(params, sizeof(params), " SIZE=%zu",
		    d->wire.len);
	/* RFC 6531 3.4; smtp_dialog_go_mail() made sure it is offered. */
	used = strlen(params);
	if (def->declares_smtputf8 && smtp_dialog_needs_utf8(d->opts))
		(void)snprintf(params + used, sizeof(params) - used,
		    " SMTPUTF8");
	/* false leaves buf "": the stage sends nothing. */
	(void)smtp_stage_command(def, d->used_helo,
	    smtp_dialog_arg(d, def->arg), params, buf, len);
}

/* The stage reached is the one the operator asked to stop after. */
static bool
smtp_dialog_stops_after(const struct smtp_dialog *d, enum smtp_stage stage)
{
	return d->opts->has_quit_after && d->opts->quit_after == stage;
}

/* Success at a stage: stop politely when it was the goal, else go on. */
static void
smtp_dialog_go(struct smtp_dialog *d, enum smtp_stage stage, enum smtp_stage to,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_stops_after(d, stage)) {
		n->stage = SMTP_STAGE_QUIT;
		n->is_goal = true;
		n->is_final = true;
		return;
	}
	n->stage = to;
}

/*
 * Go on to MAIL, unless an address is not ASCII and the server (its
 * latest EHLO) does not offer SMTPUTF8: RFC 6531 3.4 forbids sending it
 * then, and an MTA bounces the mail (Postfix: 5.6.7 "SMTPUTF8 is
 * required, but was not offered"). Nothing is sent: QUIT, and the error
 * of ours decides the attempt.
 */
static void
smtp_dialog_go_mail(struct smtp_dialog *d, const char *note,
    struct smtp_dialog_next *n)
{
	n->note = note;
	if (smtp_dialog_needs_utf8(d->opts) && !(d->has_caps &&
	    d->caps.has[SMTP_EHLO_SMTPUTF8])) {
		n->stage = SMTP_STAGE_QUIT;
		n->is_final = true;
		n->rc = SMTP_E_NOUTF8;
		n->why = "an address is not ASCII and the server does not "
		    "offer SMTPUTF8 (RFC 6531): no mail sent";
		return;
	}
	n->stage = SMTP_STAGE_MAIL;
}

/*
 * Go on to MAIL without TLS: STARTTLS is off, not offered, or refused
 * under --starttls opportunistic. When the stage to quit after is one of
 * the TLS stages, it will never come, and going on would submit the very
 * message the operator asked us not to send: quit here instead. That is
 * not the goal, which was never reached.
 */
static void
smtp_dialog_go_plain(struct smtp_dialog *d, const char *note,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_stops_after(d, SMTP_STAGE_STARTTLS) ||
	    smtp_dialog_stops_after(d, SMTP_STAGE_TLS) ||
	    smtp_dialog_stops_after(d, SMTP_STAGE_EHLO_TLS)) {
		n->stage = SMTP_STAGE_QUIT;
		n->is_final = true;
		n->note = "no TLS, so the --quit-after stage cannot be "
		    "reached: quitting before MAIL";
		return;
	}
	smtp_dialog_go_mail(d, note, n);
}

/*
 * An error of ours (no reply, or a broken one) decides the attempt.
 * Returns true when there was one, with n filled. Only a framing error
 * leaves the stream in step for a QUIT.
 */
static bool
smtp_dialog_failed(const struct smtp_step *step, struct smtp_dialog_next *n)
{
	if (step->rc == SMTP_OK)
		return false;
	n->is_final = true;
	n->is_done = step->rc != SMTP_E_PROTO;
	n->stage = SMTP_STAGE_QUIT;
	return true;
}

/* The reply has the class the stage's table row expects. */
static bool
smtp_dialog_is_expected(const struct smtp_step *step)
{
	char expect = smtp_stage_def(step->stage)->expect;

	return expect == 0 || step->reply.code / 100 == expect - '0';
}

/* A refusal decides the attempt; QUIT follows. */
static void
smtp_dialog_refused(const struct smtp_step *step, struct smtp_dialog_next *n)
{
	n->is_final = true;
	n->stage = SMTP_STAGE_QUIT;
	/* RFC 5321 3.8: after 421 the server closes; QUIT would go nowhere. */
	n->is_done = step->reply.code == 421;
}

/*
 * What most handlers start with: true when the step got the reply its
 * row expects; otherwise the error or refusal decided, n is filled.
 */
static bool
smtp_dialog_got_expected(const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_failed(step, n))
		return false;
	if (smtp_dialog_is_expected(step))
		return true;
	smtp_dialog_refused(step, n);
	return false;
}

static void
smtp_dialog_on_connect(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (step->rc != SMTP_OK) {
		/* Never connected: the failure decides, nothing to QUIT. */
		n->is_done = true;
		n->is_final = true;
		return;
	}
	if (smtp_dialog_stops_after(d, SMTP_STAGE_CONNECT)) {
		/* No QUIT before the greeting: that is a pregreet. */
		n->is_done = n->is_goal = n->is_final = true;
		return;
	}
	n->stage = SMTP_STAGE_BANNER;
}

static void
smtp_dialog_on_banner(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_got_expected(step, n))
		smtp_dialog_go(d, step->stage, SMTP_STAGE_EHLO, n);
}

/* EHLO went through (or HELO did): STARTTLS, or on without it. */
static void
smtp_dialog_after_ehlo(struct smtp_dialog *d, struct smtp_dialog_next *n)
{
	const struct smtp_dialog_opts *o = d->opts;

	if (smtp_dialog_stops_after(d, SMTP_STAGE_EHLO)) {
		smtp_dialog_go(d, SMTP_STAGE_EHLO, SMTP_STAGE_QUIT, n);
		return;
	}
	if (o->starttls != SMTP_STARTTLS_OFF && d->has_caps &&
	    d->caps.has[SMTP_EHLO_STARTTLS]) {
		n->stage = SMTP_STAGE_STARTTLS;
		return;
	}
	if (o->starttls == SMTP_STARTTLS_REQUIRED) {
		n->stage = SMTP_STAGE_QUIT;
		n->is_final = true;
		n->rc = SMTP_E_NOTLS;
		n->why = "STARTTLS is required but the server does not offer it";
		return;
	}
	smtp_dialog_go_plain(d, NULL, n);
}

static void
smtp_dialog_on_ehlo(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_failed(step, n))
		return;
	if (!smtp_dialog_is_expected(step)) {
		if (d->used_helo || step->reply.code / 100 != 5) {
			smtp_dialog_refused(step, n);
			return;
		}
		/* RFC 5321 4.1.4: a server that refuses EHLO may take HELO. */
		d->used_helo = true;
		n->stage = SMTP_STAGE_EHLO;
		n->note = "EHLO refused: trying HELO";
		return;
	}
	if (!d->used_helo) {
		smtp_ehlo_parse(&step->reply, &d->caps);
		d->has_caps = true;
	}
	smtp_dialog_after_ehlo(d, n);
}

/*
 * RFC 3207 5: bytes the server sent after its 220 and before the
 * handshake are a STARTTLS injection (CVE-2011-0411 family): whoever
 * wrote them wants them read as the first reply under TLS. Like curl and
 * msmtp, end the attempt here, without a handshake and without a QUIT
 * on a stream someone has written into; the bytes stay in the note.
 */
static void
smtp_dialog_injection(const struct smtp_dialog *d, size_t pending,
    struct smtp_dialog_next *n)
{
	char quote[SMTP_REPLY_QUOTE_MAX * 4 + 8];

	smtp_reply_quote((const char *)d->io.buf + d->io.pos, pending, quote,
	    sizeof(quote));
	(void)snprintf(n->text, sizeof(n->text), "%zu bytes came after the "
	    "220 to STARTTLS and before the handshake (RFC 3207 5): \"%s\"",
	    pending, quote);	/* the quote is bounded; cut is fine */
	n->note = n->text;
	n->rc = SMTP_E_STARTTLS_INJECTION;
	n->why = "STARTTLS injection: the server sent bytes after its 220 "
	    "to STARTTLS, before the TLS handshake (RFC 3207 5); the "
	    "attempt ends here, without TLS";
	n->is_final = true;
	n->is_done = true;
}

static void
smtp_dialog_on_starttls(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	size_t pending = smtp_io_pending(&d->io);

	if (smtp_dialog_failed(step, n))
		return;
	if (!smtp_dialog_is_expected(step)) {
		if (d->opts->starttls != SMTP_STARTTLS_OPPORTUNISTIC) {
			smtp_dialog_refused(step, n);
			return;
		}
		smtp_dialog_go_plain(d, "STARTTLS refused: going on without "
		    "TLS (--starttls opportunistic)", n);
		return;
	}
	if (pending > 0) {
		smtp_dialog_injection(d, pending, n);
		return;
	}
	n->stage = SMTP_STAGE_TLS;
}

static void
smtp_dialog_on_tls(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	/*
	 * d->caps still holds what the server said in clear: reports show
	 * it when no EHLO over TLS follows (--quit-after tls). No decision
	 * reads it from here on; the EHLO after TLS replaces it whole.
	 */
	if (smtp_dialog_failed(step, n))
		return;
	if (d->opts->tls_verify == SMTP_TLS_VERIFY_REQUIRE &&
	    !d->tls.verified) {
		n->stage = SMTP_STAGE_QUIT;
		n->is_final = true;
		n->rc = SMTP_E_TLS_VERIFY;
		n->why = "the server's certificate is not verified and "
		    "--tls-verify require is in force";
		return;
	}
	smtp_dialog_go(d, step->stage, SMTP_STAGE_EHLO_TLS, n);
}

static void
smtp_dialog_on_ehlo_tls(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (!smtp_dialog_got_expected(step, n))
		return;
	/*
	 * RFC 3207 4.2: forget what the server said before TLS and use
	 * only this list: the parse zeroes the old one first.
	 */
	smtp_ehlo_parse(&step->reply, &d->caps);
	d->has_caps = true;
	smtp_dialog_go_mail(d, NULL, n);
}

/*
 * RFC 4954 4: a 334 asks for the next line of the exchange, 235 ends it
 * well, anything else is a refusal. The direct engine never enters this
 * stage (it does not authenticate); the relay path's engine runs its own
 * session and has each step decided here (smtp_dialog_decide()).
 */
static void
smtp_dialog_on_auth(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	(void)d;	/* the exchange needs no fact of the session */
	if (smtp_dialog_failed(step, n))
		return;
	if (step->reply.code / 100 == 3) {
		n->stage = SMTP_STAGE_AUTH;
		return;
	}
	if (smtp_dialog_got_expected(step, n))
		n->stage = SMTP_STAGE_MAIL;
}

static void
smtp_dialog_on_mail(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (smtp_dialog_got_expected(step, n))
		smtp_dialog_go(d, step->stage, SMTP_STAGE_RCPT, n);
}

static void
smtp_dialog_on_rcpt(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	if (!smtp_dialog_got_expected(step, n))
		return;
	d->rcpt_next++;
	if (d->rcpt_next < d->opts->nrcpts) {
		n->stage = SMTP_STAGE_RCPT;
		return;
	}
	smtp_dialog_go(d, step->stage, SMTP_STAGE_DATA, n);
}

static void
smtp_dialog_on_data(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	(void)d;	/* 354 leads to the message, nothing else */
	if (smtp_dialog_got_expected(step, n))
		n->stage = SMTP_STAGE_END_OF_DATA;
}

static void
smtp_dialog_on_end_of_data(struct smtp_dialog *d,
    const struct smtp_step *step, struct smtp_dialog_next *n)
{
	if (!smtp_dialog_got_expected(step, n))
		return;
	/* Accepted: the goal of a full probe. Keep the receipt. */
	(void)smtp_data_parse_queue_id(&step->reply, d->queue_id,
	    sizeof(d->queue_id));	/* none found leaves "" */
	n->stage = SMTP_STAGE_QUIT;
	n->is_goal = true;
	n->is_final = true;
}

static void
smtp_dialog_on_quit(struct smtp_dialog *d, const struct smtp_step *step,
    struct smtp_dialog_next *n)
{
	(void)d;	/* whatever QUIT gets, the dialogue is over */
	(void)step;
	n->is_done = true;
}

/* One handler per stage; each owns its whole decision. */
static smtp_dialog_handler_fn *const smtp_dialog_handlers[] = {
	[SMTP_STAGE_CONNECT] = smtp_dialog_on_connect,
	[SMTP_STAGE_BANNER] = smtp_dialog_on_banner,
	[SMTP_STAGE_EHLO] = smtp_dialog_on_ehlo,
	[SMTP_STAGE_STARTTLS] = smtp_dialog_on_starttls,
	[SMTP_STAGE_TLS] = smtp_dialog_on_tls,
	[SMTP_STAGE_EHLO_TLS] = smtp_dialog_on_ehlo_tls,
	[SMTP_STAGE_AUTH] = smtp_dialog_on_auth,
	[SMTP_STAGE_MAIL] = smtp_dialog_on_mail,
	[SMTP_STAGE_RCPT] = smtp_dialog_on_rcpt,
	[SMTP_STAGE_DATA] = smtp_dialog_on_data,
	[SMTP_STAGE_END_OF_DATA] = smtp_dialog_on_end_of_data,
	[SMTP_STAGE_QUIT] = smtp_dialog_on_quit,
};
_Static_assert(sizeof(smtp_dialog_handlers) /
    sizeof(smtp_dialog_handlers[0]) == SMTP_STAGE_COUNT,
    "each stage needs a handler");

static void
smtp_dialog_connect(struct smtp_dialog *d, struct smtp_step *step,
    int64_t deadline_ms, struct smtp_err *err)
{
	const struct smtp_dialog_opts *o = d->opts;

	if (o->test_ops != NULL) {
		smtp_io_init(&d->io, o->test_ops, o->test_ctx);
		return;
	}
	step->rc = smtp_io_open_tcp(&d->io, o->dst, o->dstlen, o->src,
	    o->srclen, deadline_ms, err);
}

static void
smtp_dialog_handshake(struct smtp_dialog *d, struct smtp_step *step,
    int64_t deadline_ms, struct smtp_err *err)
{
	size_t discarded = 0;

	d->tls_attempted = true;
	step->rc = smtp_io_starttls(&d->io, d->opts->tls_ctx, d->opts->mx_host,
	    deadline_ms, &d->tls, &discarded, err);
	d->tls_active = step->rc == SMTP_OK;
	/*
	 * The STARTTLS handler ends the attempt on buffered bytes, so none
	 * reach here; should that ever change, the transport dropped them
	 * and the transcript says so.
	 */
	if (discarded > 0)
		smtp_dialog_add_note(step, "bytes sent before the handshake "
		    "were discarded (RFC 3207 5)");
}

/* Send the stage's command (or the message) and read the reply. */
static void
smtp_dialog_chat(struct smtp_dialog *d, struct smtp_step *step,
    int64_t deadline_ms, struct smtp_err *err)
{
	char line[SMTP_STEP_TEXT_MAX + 2];
	int n;

	smtp_dialog_command(d, step->command, sizeof(step->command));
	if (smtp_stage_def(step->stage)->sends_message) {
		(void)snprintf(step->note, sizeof(step->note),
		    "sent the message: %zu lines, %zu bytes", d->message_lines,
		    d->wire.len);
		step->rc = smtp_io_write(&d->io, d->wire.data, d->wire.len,
		    deadline_ms, err);
	} else if (step->command[0] != '\0') {
		n = snprintf(line, sizeof(line), "%s\r\n", step->command);
		step->rc = smtp_io_write(&d->io, line, (size_t)n, deadline_ms,
		    err);
	}
	if (step->rc == SMTP_OK)
		step->rc = smtp_reply_read(&d->io, &step->reply, deadline_ms,
		    err);
	/*
	 * We never pipeline, so bytes after a complete reply were sent
	 * before our next command: a server out of step. They will be read
	 * as the next reply (after STARTTLS, its handler ends the attempt
	 * instead); say so here, where it started.
	 */
	if (step->rc == SMTP_OK && smtp_io_pending(&d->io) > 0) {
		(void)snprintf(line, sizeof(line), "the server sent %zu bytes "
		    "beyond this reply before our next command",
		    smtp_io_pending(&d->io));
		smtp_dialog_add_note(step, line);
	}
	if (step->reply.text.len > 0 &&
	    !smtp_transcript_account(&d->transcript, step->reply.text.len) &&
	    step->rc == SMTP_OK)
		step->rc = smtp_err_set(err, SMTP_E_LIMIT,
		    "the server's replies passed %u bytes in all",
		    SMTP_TRANSCRIPT_BYTES_MAX);
}

/* Do the current stage's I/O; its outcome lands in the step. */
static void
smtp_dialog_exchange(struct smtp_dialog *d, struct smtp_step *step)
{
	struct smtp_err err = { 0 };
	int64_t deadline = smtp_io_now_ms() +
	    smtp_dialog_timeout(d, step->stage);
	double t0 = smtp_clock_us();

	if (step->stage == SMTP_STAGE_CONNECT)
		smtp_dialog_connect(d, step, deadline, &err);
	else if (step->stage == SMTP_STAGE_TLS)
		smtp_dialog_handshake(d, step, deadline, &err);
	else
		smtp_dialog_chat(d, step, deadline, &err);
	step->elapsed_ms = (smtp_clock_us() - t0) / 1000.0;
	if (step->rc != SMTP_OK)
		(void)snprintf(step->error, sizeof(step->error), "%s", err.msg);
}

/* Record a decision on the step it was made for. */
static void
smtp_dialog_apply(struct smtp_dialog *d, size_t idx,
    const struct smtp_dialog_next *n)
{
	struct smtp_step *step = &d->transcript.steps[idx];

	if (n->note != NULL)
		smtp_dialog_add_note(step, n->note);
	if (n->rc != SMTP_OK) {
		step->rc = n->rc;
		(void)snprintf(step->error, sizeof(step->error), "%s", n->why);
	}
	if (n->is_final && !d->has_final) {
		d->has_final = true;
		d->final_step = idx;
		d->is_accepted = n->is_goal;
		if (step->rc != SMTP_OK)
			smtp_err_set(&d->err, step->rc, "%s", step->error);
	}
	d->is_done = n->is_done;
}

/* The handler of the step at idx decides; returns the next stage. */
static enum smtp_stage
smtp_dialog_judge(struct smtp_dialog *d, size_t idx)
{
	struct smtp_dialog_next n;
	struct smtp_step *step = &d->transcript.steps[idx];

	memset(&n, 0, sizeof(n));
	smtp_dialog_handlers[step->stage](d, step, &n);
	smtp_dialog_apply(d, idx, &n);
	return n.stage;
}

void
smtp_dialog_decide(struct smtp_dialog *d, size_t idx)
{
	if (idx >= d->transcript.nsteps)
		return;
	d->stage = d->transcript.steps[idx].stage;
	/* The other engine chose its own next stage already. */
	(void)smtp_dialog_judge(d, idx);
}

enum smtp_rc
smtp_dialog_run(struct smtp_dialog *d)
{
	enum smtp_stage next = SMTP_STAGE_CONNECT;
	long idx;

	if (smtp_dialog_check(d) != SMTP_OK)
		return d->err.rc;
	while (!d->is_done) {
		idx = smtp_dialog_enter(d, next);
		if (idx < 0)
			break;
		smtp_dialog_exchange(d, &d->transcript.steps[idx]);
		next = smtp_dialog_judge(d, (size_t)idx);
	}
	smtp_io_close(&d->io);
	return d->err.rc;
}

void
smtp_dialog_free(struct smtp_dialog *d)
{
	smtp_io_close(&d->io);
	smtp_transcript_free(&d->transcript);
	smtp_buf_free(&d->wire);
	memset(d, 0, sizeof(*d));
	d->io.fd = -1;
}
