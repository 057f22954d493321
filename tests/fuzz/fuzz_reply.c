/*
 * fuzz_reply - the reply reader and the dialogue engine against whatever
 * bytes a hostile server could send.
 *
 * Input: the first byte chooses how the in-memory server hands its bytes
 * over: its low 7 bits are the chunk size (0: as much as a read takes,
 * 1: a byte at a time), its high bit makes the server go silent (a
 * timeout) instead of closing when its bytes run out. The rest is the
 * server's byte stream.
 *
 * The same stream is read twice: once by smtp_reply_read() called until
 * the stream ends or a limit is crossed (going on after framing errors,
 * as the dialogue does when it still says QUIT), and once by a whole
 * smtp_dialog (STARTTLS off, one recipient, a small message). Every
 * reply, complete or not, must keep the reader's limits; a complete one
 * must be a well-framed reply whose lines are the server's bytes
 * verbatim; every message of ours must be one line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_dialog.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"
#include "smtp/smtp_transcript.h"
#include "tests/fuzz/fuzz.h"
#include "tests/support/mem_io.h"

#define FUZZ_CHUNK_MASK		0x7f
#define FUZZ_SILENT_BIT		0x80

#define FUZZ_HELO	"probe.example.org"
#define FUZZ_MAIL_FROM	"probe@example.org"
#define FUZZ_RCPT	"postmaster@example.net"
/* Small, with a line that needs dot-stuffing and one bare LF line end. */
#define FUZZ_MESSAGE \
	"From: <" FUZZ_MAIL_FROM ">\r\n" \
	"To: <" FUZZ_RCPT ">\r\n" \
	"Subject: fuzz\r\n" \
	"\r\n" \
	".a line that starts with a dot\n" \
	"end\r\n"

/* Abort unless cond holds: the one way a target reports a finding. */
static void
fuzz_require(bool cond)
{
	if (!cond)
		abort();
}

/* A message of ours: NUL-terminated within its buffer, and one line. */
static void
fuzz_check_text(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);

	fuzz_require(end != NULL);
	fuzz_require(strpbrk(s, "\r\n") == NULL);
}

/* Does the stream hold a LF with no CR before it? */
static bool
fuzz_has_bare_lf(const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			return true;
	return false;
}

/* Storage: within the limits, every line NUL-terminated, back to back. */
static void
fuzz_check_storage(const struct smtp_reply *r)
{
	size_t i, off = 0;

	fuzz_require(r->nlines <= SMTP_REPLY_LINES_MAX);
	fuzz_require(r->nlines <= r->cap);
	for (i = 0; i < r->nlines; i++) {
		fuzz_require(r->lens[i] <= SMTP_REPLY_LINE_MAX);
		fuzz_require(r->offs[i] == off);
		off += r->lens[i] + 1;
		fuzz_require(off <= r->text.len);
		fuzz_require(r->text.data[off - 1] == '\0');
	}
	fuzz_require(off == r->text.len);
	fuzz_require(memchr(r->enhanced, '\0', sizeof(r->enhanced)) != NULL);
}

/* A complete reply: RFC 5321 4.2 framing, one code, RFC 3463 class. */
static void
fuzz_check_complete(const struct smtp_reply *r)
{
	const char *line;
	size_t i, len;
	bool is_last;
	int code;

	fuzz_require(r->code >= 200 && r->code <= 599);
	fuzz_require(r->nlines >= 1);
	for (i = 0; i < r->nlines; i++) {
		line = smtp_reply_line(r, i, &len);
		fuzz_require(line != NULL);
		fuzz_require(smtp_reply_parse_line(line, len, &code,
		    &is_last));
		fuzz_require(code == r->code);
		fuzz_require(is_last == (i == r->nlines - 1));
	}
	fuzz_require(smtp_reply_line(r, r->nlines, &len) == NULL);
	fuzz_require(r->enhanced[0] == '\0' ||
	    r->enhanced[0] == '0' + r->code / 100);
}

/* Any reply, whatever ended its read. */
static void
fuzz_check_reply(const struct smtp_reply *r, enum smtp_rc rc)
{
	fuzz_check_storage(r);
	if (rc == SMTP_OK)
		fuzz_check_complete(r);
	else
		fuzz_require(!r->is_complete);
}

/*
 * The bytes a complete reply was read from are its lines, verbatim, each
 * followed by CRLF or a bare LF.
 */
static void
fuzz_check_verbatim(const struct smtp_reply *r, const char *seg,
    size_t seglen)
{
	const char *line;
	size_t i, len, pos = 0;

	for (i = 0; i < r->nlines; i++) {
		line = smtp_reply_line(r, i, &len);
		fuzz_require(pos + len <= seglen);
		fuzz_require(memcmp(seg + pos, line, len) == 0);
		pos += len;
		if (pos < seglen && seg[pos] == '\r')
			pos++;
		fuzz_require(pos < seglen && seg[pos] == '\n');
		pos++;
	}
	fuzz_require(pos == seglen);
}

/* One reply read; returns false when the stream is over. */
static bool
fuzz_read_one(struct smtp_io *io, struct mem_io *m, struct smtp_reply *r,
    size_t *used, bool may_bare_lf)
{
	struct smtp_err err = { 0 };
	enum smtp_rc rc;
	size_t now;

	rc = smtp_reply_read(io, r, 0, &err);
	fuzz_check_reply(r, rc);
	fuzz_require(may_bare_lf || !r->has_bare_lf);
	now = m->inpos - smtp_io_pending(io);
	fuzz_require(now >= *used && now <= m->inlen);
	if (rc == SMTP_OK)
		fuzz_check_verbatim(r, m->in + *used, now - *used);
	else
		fuzz_check_text(err.msg, sizeof(err.msg));
	*used = now;
	switch (rc) {
	case SMTP_OK:
	case SMTP_E_PROTO:
		/* A broken frame consumed its whole line: go on, like QUIT. */
		return true;
	case SMTP_E_LIMIT:
		/*
		 * An over-long line is cut where the limit was crossed, so
		 * the stream now stands inside a line: the dialogue ends
		 * the attempt here without QUIT, and so do we.
		 */
	case SMTP_E_TLS_PLAIN_PORT:
		/*
		 * A TLS record where a line starts: the server speaks TLS
		 * on this port, and the dialogue ends here, as on I/O.
		 */
	case SMTP_E_IO:
	case SMTP_E_TIMEOUT:
		return false;
	default:
		abort();	/* no other error is possible in memory */
	}
}

/* smtp_reply_read() until the stream ends. */
static void
fuzz_reader(const char *in, size_t len, size_t chunk, bool is_silent)
{
	struct mem_io m;
	struct smtp_io io;
	struct smtp_reply r;
	size_t used = 0, rounds = 0;
	bool may_bare_lf = fuzz_has_bare_lf(in, len);

	mem_io_set_bytes(&m, in, len, chunk);
	m.is_silent_at_end = is_silent;
	smtp_io_init(&io, &mem_io_ops, &m);
	smtp_reply_init(&r);
	/* Every read that does not end the stream takes at least a byte. */
	while (fuzz_read_one(&io, &m, &r, &used, may_bare_lf))
		fuzz_require(++rounds <= len);
	fuzz_require(m.out.len == 0);
	smtp_reply_free(&r);
	smtp_io_close(&io);
	mem_io_free(&m);
}

/* One step of a finished dialogue. */
static void
fuzz_check_step(const struct smtp_step *s)
{
	fuzz_require(s->stage < SMTP_STAGE_COUNT);
	/* STARTTLS is off: no TLS stage may ever be entered. */
	fuzz_require(s->stage != SMTP_STAGE_STARTTLS &&
	    s->stage != SMTP_STAGE_TLS && s->stage != SMTP_STAGE_EHLO_TLS);
	fuzz_check_storage(&s->reply);
	if (s->reply.is_complete)
		fuzz_check_complete(&s->reply);
	fuzz_check_text(s->command, sizeof(s->command));
	fuzz_check_text(s->error, sizeof(s->error));
	fuzz_check_text(s->note, sizeof(s->note));
	fuzz_require(s->rc == SMTP_OK || s->error[0] != '\0');
}

/* The deciding step, and what it says about acceptance. */
static void
fuzz_check_final(const struct smtp_dialog *d)
{
	const struct smtp_step *f = smtp_dialog_final(d);

	fuzz_require((f != NULL) == d->has_final);
	if (!d->is_accepted)
		return;
	/* No --quit-after: only a 2xx to the message is the goal. */
	fuzz_require(f != NULL && f->stage == SMTP_STAGE_END_OF_DATA);
	fuzz_require(f->rc == SMTP_OK && f->reply.code / 100 == 2);
}

/* What we wrote: CRLF lines only, one QUIT at most. */
static void
fuzz_check_written(const struct smtp_buf *out)
{
	const char *quit, *p = out->data;
	size_t n = 0;

	if (p == NULL)
		return;
	fuzz_require(!fuzz_has_bare_lf(p, out->len));
	while ((quit = strstr(p, "QUIT\r\n")) != NULL) {
		fuzz_require(++n <= 1);
		p = quit + 1;
	}
}

/* A whole dialogue over the stream. */
static void
fuzz_dialog(const char *in, size_t len, size_t chunk, bool is_silent)
{
	static const char *const rcpts[] = { FUZZ_RCPT };
	struct smtp_dialog_opts o = { .helo = FUZZ_HELO,
	    .mail_from = FUZZ_MAIL_FROM, .rcpts = rcpts, .nrcpts = 1,
	    .message = FUZZ_MESSAGE, .message_len = sizeof(FUZZ_MESSAGE) - 1,
	    .starttls = SMTP_STARTTLS_OFF, .test_ops = &mem_io_ops };
	struct smtp_dialog d;
	struct mem_io m;
	enum smtp_rc rc;
	size_t i;

	mem_io_set_bytes(&m, in, len, chunk);
	m.is_silent_at_end = is_silent;
	o.test_ctx = &m;
	smtp_dialog_init(&d, &o);
	rc = smtp_dialog_run(&d);
	fuzz_require(rc == d.err.rc);
	fuzz_check_text(d.err.msg, sizeof(d.err.msg));
	fuzz_require(d.transcript.nsteps >= 1 &&
	    d.transcript.nsteps <= SMTP_TRANSCRIPT_STEPS_MAX);
	fuzz_require(d.transcript.steps[0].stage == SMTP_STAGE_CONNECT);
	fuzz_require(d.transcript.reply_bytes <= SMTP_TRANSCRIPT_BYTES_MAX);
	for (i = 0; i < d.transcript.nsteps; i++)
		fuzz_check_step(&d.transcript.steps[i]);
	fuzz_check_final(&d);
	fuzz_check_written(&m.out);
	smtp_dialog_free(&d);
	mem_io_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t chunk;
	bool is_silent;

	if (size == 0)
		return 0;
	chunk = data[0] & FUZZ_CHUNK_MASK;
	is_silent = (data[0] & FUZZ_SILENT_BIT) != 0;
	fuzz_reader(in, size - 1, chunk, is_silent);
	fuzz_dialog(in, size - 1, chunk, is_silent);
	return 0;
}
