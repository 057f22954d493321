/*
 * smtp_reply - the bounded reply reader (RFC 5321 4.2, RFC 3463, RFC 2034).
 */
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_reply.h"

/* All lines of one reply together; the per-line bound times the count. */
#define SMTP_REPLY_TEXT_MAX \
	((size_t)SMTP_REPLY_LINES_MAX * (SMTP_REPLY_LINE_MAX + 1))

void
smtp_reply_init(struct smtp_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
}

void
smtp_reply_free(struct smtp_reply *reply)
{
	smtp_buf_free(&reply->text);
	free(reply->offs);
	free(reply->lens);
	memset(reply, 0, sizeof(*reply));
}

static void
smtp_reply_reset(struct smtp_reply *reply)
{
	reply->code = 0;
	reply->enhanced[0] = '\0';
	reply->text.len = 0;
	reply->nlines = 0;
	reply->is_complete = false;
	reply->has_bare_lf = false;
}

static enum smtp_rc
smtp_reply_grow(struct smtp_reply *reply)
{
	size_t cap = reply->cap ? reply->cap * 2 : 8;
	size_t *o, *l;

	if (cap > SMTP_REPLY_LINES_MAX)
		cap = SMTP_REPLY_LINES_MAX;
	o = realloc(reply->offs, cap * sizeof(*o));
	if (o == NULL)
		return SMTP_E_NOMEM;
	reply->offs = o;
	l = realloc(reply->lens, cap * sizeof(*l));
	if (l == NULL)
		return SMTP_E_NOMEM;
	reply->lens = l;
	reply->cap = cap;
	return SMTP_OK;
}

enum smtp_rc
smtp_reply_add_line(struct smtp_reply *reply, const char *line, size_t len)
{
	enum smtp_rc rc;
	size_t off = reply->text.len;

	if (reply->nlines >= SMTP_REPLY_LINES_MAX)
		return SMTP_E_LIMIT;
	if (reply->nlines == reply->cap) {
		rc = smtp_reply_grow(reply);
		if (rc != SMTP_OK)
			return rc;
	}
	rc = smtp_buf_append(&reply->text, line, len, SMTP_REPLY_TEXT_MAX);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(&reply->text, "", 1, SMTP_REPLY_TEXT_MAX);
	if (rc != SMTP_OK)
		return rc;
	reply->offs[reply->nlines] = off;
	reply->lens[reply->nlines] = len;
	reply->nlines++;
	return SMTP_OK;
}

const char *
smtp_reply_line(const struct smtp_reply *reply, size_t i, size_t *len)
{
	if (i >= reply->nlines)
		return NULL;
	if (len != NULL)
		*len = reply->lens[i];
	return reply->text.data + reply->offs[i];
}

bool
smtp_reply_parse_line(const char *line, size_t len, int *code, bool *is_last)
{
	if (len < 3 || memchr(line, '\0', len) != NULL)
		return false;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return false;
	/* RFC 5321 4.2: only the last line has a space (or nothing) here. */
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return false;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*is_last = len == 3 || line[3] == ' ';
	return true;
}

/* Count 1-3 digits at text[*i]; RFC 3463 subject and detail fields. */
static bool
smtp_reply_digits(const char *text, size_t len, size_t *i, size_t most)
{
	size_t start = *i;

	while (*i < len && *i - start < most && text[*i] >= '0' &&
	    text[*i] <= '9')
		(*i)++;
	if (*i == start)
		return false;
	/* A fourth digit means this is not a status code at all. */
	return !(*i < len && text[*i] >= '0' && text[*i] <= '9');
}

size_t
smtp_reply_parse_enhanced(const char *text, size_t len, int code, char *out)
{
	size_t i = 1;

	out[0] = '\0';
	/* RFC 3463 2: class is 2, 4 or 5 and must agree with the reply. */
	if (len < 5 || text[0] != '0' + code / 100 ||
	    (text[0] != '2' && text[0] != '4' && text[0] != '5'))
		return 0;
	if (text[i++] != '.' || !smtp_reply_digits(text, len, &i, 3))
		return 0;
	if (i >= len || text[i++] != '.' ||
	    !smtp_reply_digits(text, len, &i, 3))
		return 0;
	if (i < len && text[i] != ' ' && text[i] != '\t')
		return 0;
	memcpy(out, text, i);
	out[i] = '\0';
	return i;
}

void
smtp_reply_quote(const char *line, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && i < SMTP_REPLY_QUOTE_MAX && o + 5 < outlen;
	    i++) {
		unsigned char c = (unsigned char)line[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Keep a line that broke the rules as evidence, then report why. */
static enum smtp_rc
smtp_reply_reject(struct smtp_reply *reply, const struct smtp_buf *line,
    enum smtp_rc rc, const char *why, struct smtp_err *err)
{
	char quote[SMTP_REPLY_QUOTE_MAX * 4 + 8];

	smtp_reply_quote(line->data, line->len, quote, sizeof(quote));
	/* Evidence is best effort: the error below is what matters. */
	(void)smtp_reply_add_line(reply, line->data, line->len);
	return smtp_err_set(err, rc, "%s: \"%s\"", why, quote);
}

/* Frame one line into the reply. Returns SMTP_OK and sets *done. */
static enum smtp_rc
smtp_reply_frame(struct smtp_reply *reply, const struct smtp_buf *line,
    bool *done, struct smtp_err *err)
{
	int code;
	bool is_last;
	enum smtp_rc rc;

	if (!smtp_reply_parse_line(line->data, line->len, &code, &is_last))
		return smtp_reply_reject(reply, line, SMTP_E_PROTO,
		    "malformed reply line", err);
	if (reply->nlines > 0 && code != reply->code)
		return smtp_reply_reject(reply, line, SMTP_E_PROTO,
		    "reply code changed within one reply", err);
	if (reply->nlines >= SMTP_REPLY_LINES_MAX)
		return smtp_err_set(err, SMTP_E_LIMIT,
		    "reply has more than %d lines", SMTP_REPLY_LINES_MAX);
	rc = smtp_reply_add_line(reply, line->data, line->len);
	if (rc != SMTP_OK)
		return smtp_err_set(err, rc, "cannot store reply line");
	if (reply->nlines == 1) {
		reply->code = code;
		if (line->len > 4)
			(void)smtp_reply_parse_enhanced(line->data + 4,
			    line->len - 4, code, reply->enhanced);
	}
	*done = is_last;
	return SMTP_OK;
}

enum smtp_rc
smtp_reply_read(struct smtp_io *io, struct smtp_reply *reply,
    int64_t deadline_ms, struct smtp_err *err)
{
	struct smtp_buf line = { 0 };
	enum smtp_rc rc = SMTP_OK;
	bool bare_lf, done = false;

	smtp_reply_reset(reply);
	while (!done) {
		rc = smtp_io_read_line(io, &line, SMTP_REPLY_LINE_MAX,
		    &bare_lf, deadline_ms, err);
		if (rc != SMTP_OK) {
			/* A partial line is evidence too (stored as is). */
			if (line.len > 0)
				(void)smtp_reply_add_line(reply, line.data,
				    line.len);
			goto out;
		}
		reply->has_bare_lf |= bare_lf;
		rc = smtp_reply_frame(reply, &line, &done, err);
		if (rc != SMTP_OK)
			goto out;
	}
	reply->is_complete = true;
out:
	smtp_buf_free(&line);
	return rc;
}
