/*
 * probe_message - the test message.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "probe/run/probe_message.h"
#include "probe/util/probe_escape.h"
#include "smtp/smtp_data.h"

/*
 * Fields the message sets itself, or that have a flag of their own:
 * --header cannot add a second From (DMARC and the oversigned From
 * would break) or replace the probe's id.
 */
static const char *const probe_message_reserved[] = {
	"from", "to", "date", "subject", "message-id", "x-smtpprobe-id",
	"mime-version", "content-type", "content-transfer-encoding",
	"dkim-signature", "list-unsubscribe", "list-unsubscribe-post",
};

/* Dropped from an own message: they would only fail or mislead. */
static const char *const probe_message_dropped[] = {
	"dkim-signature", "x-smtpprobe-id",
};

void
probe_message_new_id(char *out, size_t outlen, time_t now)
{
	unsigned char r[6] = { 0 };
	ssize_t n;

	/* getrandom on a few bytes does not block once the pool is up. */
	n = getrandom(r, sizeof(r), 0);
	if (n != (ssize_t)sizeof(r))
		memcpy(r, &now, sizeof(r) < sizeof(now) ? sizeof(r) :
		    sizeof(now));
	(void)snprintf(out, outlen, "sp-%llx-%02x%02x%02x%02x%02x%02x",
	    (unsigned long long)now, r[0], r[1], r[2], r[3], r[4], r[5]);
}

__attribute__((format(printf, 3, 4)))
static bool
probe_message_add(struct smtp_buf *out, bool ok, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (!ok)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return false;
	return smtp_buf_append(out, line, (size_t)n, PROBE_MESSAGE_MAX) ==
	    SMTP_OK;
}

/* A header value must stay one line: no CR, LF or NUL tricks. */
static bool
probe_message_is_safe(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/* RFC 5322 3.6.8: the length of the field name before ':', or 0. */
static size_t
probe_message_name_len(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n && line[i] != ':'; i++)
		if ((unsigned char)line[i] < 33 || (unsigned char)line[i] > 126)
			return 0;
	return i < n ? i : 0;
}

static bool
probe_message_name_in(const char *name, size_t nlen,
    const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == nlen && strncasecmp(name, list[i],
		    nlen) == 0)
			return true;
	return false;
}

/* No control byte at all (CR, LF, NUL, TAB, DEL...) in a value of ours. */
static bool
probe_message_is_plain(const char *s)
{
	const unsigned char *u;

	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u < ' ' || *u == 0x7f)
			return false;
	return true;
}

/* --header and --list-unsubscribe values; -1 with err filled. */
static int
probe_message_check_extra(const struct probe_message_opts *o, char *err,
    size_t errlen)
{
	size_t i, nlen;
	const char *h;

	if (o->nheaders > PROBE_MESSAGE_HEADERS_MAX) {
		(void)snprintf(err, errlen, "--header: at most %d",
		    PROBE_MESSAGE_HEADERS_MAX);
		return -1;
	}
	for (i = 0; i < o->nheaders; i++) {
		h = o->headers[i];
		nlen = probe_message_name_len(h, strlen(h));
		if (nlen == 0 || !probe_message_is_plain(h) ||
		    strlen(h) > PROBE_MESSAGE_FIELD_MAX) {
			(void)snprintf(err, errlen, "--header: \"%.64s\" is "
			    "not \"Name: value\" on one line of at most %d "
			    "characters without control characters", h,
			    PROBE_MESSAGE_FIELD_MAX);
			return -1;
		}
		if (probe_message_name_in(h, nlen, probe_message_reserved,
		    sizeof(probe_message_reserved) /
		    sizeof(probe_message_reserved[0]))) {
			(void)snprintf(err, errlen, "--header: %.*s is set by "
			    "smtpprobe (use --header-from, --subject, "
			    "--list-unsubscribe or --message)", (int)nlen, h);
			return -1;
		}
	}
	h = o->list_unsubscribe;
	if (h != NULL && (strncmp(h, "https://", 8) != 0 || h[8] == '\0' ||
	    !probe_message_is_plain(h) || strpbrk(h, " <>") != NULL ||
	    strlen(h) > PROBE_MESSAGE_FIELD_MAX / 2)) {
		(void)snprintf(err, errlen, "--list-unsubscribe: an https URL "
		    "(RFC 8058 one-click needs HTTPS), without spaces, < or >");
		return -1;
	}
	return 0;
}

/* The longest run of bytes without a blank. */
static size_t
probe_message_longest_word(const char *s)
{
	size_t best = 0, n;

	for (; *s != '\0'; s += n + (s[n] != '\0')) {
		n = strcspn(s, " ");
		if (n > best)
			best = n;
	}
	return best;
}

/* RFC 4648 base64 of len bytes at in, appended to out. */
static bool
probe_message_b64(struct smtp_buf *out, bool ok, const unsigned char *in,
    size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	char q[4];
	size_t i;
	uint32_t v;

	for (i = 0; ok && i < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1]
		    << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
		q[0] = abc[v >> 18 & 63];
		q[1] = abc[v >> 12 & 63];
		q[2] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		q[3] = i + 2 < len ? abc[v & 63] : '=';
		ok = smtp_buf_append(out, q, 4, PROBE_MESSAGE_MAX) == SMTP_OK;
	}
	return ok;
}

/*
 * Append the unfolded field line (no newline) folded: a line end goes in
 * before the last blank that keeps a line within 78 characters (RFC 5322
 * 2.2.3 folding; 2.1.1's preference), else before the first blank after
 * it; a run without blanks stays whole (the caller bounds it under 998).
 */
static bool
probe_message_fold(struct smtp_buf *out, bool ok, const char *line)
{
	size_t len = strlen(line), start = 0, cut, i;

	while (ok && len - start > 78) {
		cut = 0;
		/* Not at the field name's own blank: a line needs content. */
		for (i = start + 1; i <= start + 78; i++)
			if (line[i] == ' ' && i > start + 9)
				cut = i;
		for (i = start + 79; cut == 0 && i < len; i++)
			if (line[i] == ' ')
				cut = i;
		if (cut == 0)
			break;
		ok = smtp_buf_append(out, line + start, cut - start,
		    PROBE_MESSAGE_MAX) == SMTP_OK &&
		    smtp_buf_append(out, "\n", 1, PROBE_MESSAGE_MAX) == SMTP_OK;
		start = cut;	/* the blank begins the next line */
	}
	return ok && smtp_buf_append(out, line + start, len - start,
	    PROBE_MESSAGE_MAX) == SMTP_OK && smtp_buf_append(out, "\n", 1,
	    PROBE_MESSAGE_MAX) == SMTP_OK;
}

/*
 * Subject: the operator's words and the probe id. ASCII is written as it
 * is, folded (probe_message_fold); anything else as RFC 2047
 * encoded-words (UTF-8, base64), each at most 75 characters and holding
 * whole characters (RFC 2047 5, 6.3), one per folded line.
 */
static bool
probe_message_subject(struct smtp_buf *out, bool ok, const char *subject,
    const char *probe_id)
{
	const unsigned char *u = (const unsigned char *)subject;
	size_t len = strlen(subject), i, take;
	struct smtp_buf line = { 0 };
	bool ascii = true;

	for (i = 0; i < len; i++)
		ascii = ascii && u[i] < 0x80;
	if (ascii) {
		ok = ok && smtp_buf_append(&line, "Subject: ", 9,
		    PROBE_MESSAGE_MAX) == SMTP_OK &&
		    smtp_buf_append(&line, subject, len, PROBE_MESSAGE_MAX) ==
		    SMTP_OK && smtp_buf_append(&line, " [", 2,
		    PROBE_MESSAGE_MAX) == SMTP_OK && smtp_buf_append(&line,
		    probe_id, strlen(probe_id), PROBE_MESSAGE_MAX) == SMTP_OK &&
		    /* "]" and its NUL: line.data is then a string. */
		    smtp_buf_append(&line, "]", 2, PROBE_MESSAGE_MAX) == SMTP_OK;
		ok = ok && probe_message_fold(out, ok, line.data);
		smtp_buf_free(&line);
		return ok;
	}
	ok = probe_message_add(out, ok, "Subject:");
	/*
	 * 39 bytes are 52 in base64; with "=?UTF-8?B?" and "?=" 64, and
	 * "Subject: " before the first: every line within 78.
	 */
	for (i = 0; ok && i < len; i += take) {
		take = len - i < 39 ? len - i : 39;
		while (take > 1 && i + take < len &&
		    (u[i + take] & 0xc0) == 0x80)
			take--;		/* never split a character */
		ok = probe_message_add(out, ok, "%s=?UTF-8?B?", i ? "\n " :
		    " ");
		ok = probe_message_b64(out, ok, u + i, take);
		ok = probe_message_add(out, ok, "?=");
	}
	return probe_message_add(out, ok, "\n [%s]\n", probe_id);
}

/* The extra fields: --header in order, then List-Unsubscribe's two. */
static bool
probe_message_extra(const struct probe_message_opts *o, struct smtp_buf *out,
    bool ok)
{
	size_t i;

	for (i = 0; i < o->nheaders; i++)
		ok = probe_message_add(out, ok, "%s\n", o->headers[i]);
	/* RFC 8058 3.1: both fields, and both signed when DKIM signs. */
	if (o->list_unsubscribe != NULL)
		ok = probe_message_add(out, ok, "List-Unsubscribe: <%s>\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n",
		    o->list_unsubscribe);
	return ok;
}

static bool
probe_message_headers(const struct probe_message_opts *o,
    struct smtp_buf *out)
{
	char date[64];
	struct tm tm;
	bool ok = true;
	size_t i;

	if (gmtime_r(&o->now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) == 0)
		return false;
	ok = probe_message_add(out, ok, "Date: %s\n", date);
	ok = probe_message_add(out, ok, "From: <%s>\n", o->header_from);
	for (i = 0; i < o->nto; i++)
		ok = probe_message_add(out, ok, "%s<%s>%s", i ? " " : "To: ",
		    o->to[i], i + 1 < o->nto ? ",\n" : "\n");
	if (o->subject != NULL)
		ok = probe_message_subject(out, ok, o->subject, o->probe_id);
	else
		ok = probe_message_add(out, ok, "Subject: smtpprobe test %s\n",
		    o->probe_id);
	ok = probe_message_add(out, ok, "Message-ID: <%s@%s>\n", o->probe_id,
	    o->id_domain);
	ok = probe_message_add(out, ok, "X-Smtpprobe-Id: %s\n", o->probe_id);
	ok = probe_message_extra(o, out, ok);
	ok = probe_message_add(out, ok, "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n"
	    "\n");
	return ok;
}

/* ---- the operator's own message (--message) ---- */

struct probe_message_own {
	bool	has_from;
	bool	has_date;
	bool	has_subject;
	bool	in_subject;	/* the field being copied is Subject */
	bool	is_dropping;	/* the field being read is dropped */
};

/* End the field just copied: the probe id goes after a Subject's text. */
static bool
probe_message_own_end(const struct probe_message_opts *o,
    struct probe_message_own *st, struct smtp_buf *out, bool ok)
{
	if (st->in_subject)
		ok = probe_message_add(out, ok, " [%s]", o->probe_id);
	st->in_subject = false;
	return ok;
}

/* One header line: a new field or a fold; -1 for a line that is neither. */
static int
probe_message_own_line(const struct probe_message_opts *o,
    struct probe_message_own *st, const char *line, size_t n,
    struct smtp_buf *out, bool *ok)
{
	size_t nlen;

	if (line[0] == ' ' || line[0] == '\t') {
		if (!st->is_dropping)
			*ok = *ok && smtp_buf_append(out, "\n", 1,
			    PROBE_MESSAGE_MAX) == SMTP_OK &&
			    smtp_buf_append(out, line, n, PROBE_MESSAGE_MAX) ==
			    SMTP_OK;
		return 0;
	}
	if ((nlen = probe_message_name_len(line, n)) == 0)
		return -1;
	*ok = probe_message_own_end(o, st, out, *ok);
	if (out->len > 0 && !st->is_dropping)
		*ok = *ok && smtp_buf_append(out, "\n", 1, PROBE_MESSAGE_MAX) ==
		    SMTP_OK;
	st->is_dropping = probe_message_name_in(line, nlen,
	    probe_message_dropped, sizeof(probe_message_dropped) /
	    sizeof(probe_message_dropped[0]));
	if (st->is_dropping)
		return 0;
	st->has_from |= nlen == 4 && strncasecmp(line, "from", 4) == 0;
	st->has_date |= nlen == 4 && strncasecmp(line, "date", 4) == 0;
	st->in_subject = nlen == 7 && strncasecmp(line, "subject", 7) == 0;
	st->has_subject |= st->in_subject;
	*ok = *ok && smtp_buf_append(out, line, n, PROBE_MESSAGE_MAX) ==
	    SMTP_OK;
	return 0;
}

static int
probe_message_own(const struct probe_message_opts *o, struct smtp_buf *out,
    char *err, size_t errlen)
{
	struct probe_message_own st = { 0 };
	const char *line = NULL;
	size_t pos = 0, n = 0, lineno = 0;
	bool ok = true, has_body = false;

	st.is_dropping = true;	/* nothing copied yet: no line to end */
	while (smtp_data_line_next(o->own, o->own_len, &pos, &line, &n)) {
		lineno++;
		if (n == 0) {
			has_body = true;
			break;
		}
		if (probe_message_own_line(o, &st, line, n, out, &ok) != 0) {
			(void)snprintf(err, errlen, "--message: line %zu is "
			    "not a header field (RFC 5322 2.2)", lineno);
			return -1;
		}
	}
	ok = probe_message_own_end(o, &st, out, ok);
	if (out->len > 0 && !st.is_dropping)
		ok = ok && smtp_buf_append(out, "\n", 1, PROBE_MESSAGE_MAX) ==
		    SMTP_OK;
	if (!st.has_from || !st.has_date) {
		(void)snprintf(err, errlen, "--message: no %s field (RFC 5322 "
		    "3.6 requires From and Date)", st.has_from ? "Date" :
		    "From");
		return -1;
	}
	if (!st.has_subject)
		ok = probe_message_add(out, ok, "Subject: smtpprobe test %s\n",
		    o->probe_id);
	ok = probe_message_add(out, ok, "X-Smtpprobe-Id: %s\n", o->probe_id);
	ok = probe_message_extra(o, out, ok);
	ok = ok && smtp_buf_append(out, "\n", 1, PROBE_MESSAGE_MAX) == SMTP_OK;
	if (has_body && pos < o->own_len)
		ok = ok && smtp_buf_append(out, o->own + pos, o->own_len - pos,
		    PROBE_MESSAGE_MAX) == SMTP_OK;
	if (!ok) {
		(void)snprintf(err, errlen, "the message does not fit in %u "
		    "bytes", PROBE_MESSAGE_MAX);
		return -1;
	}
	return 0;
}

bool
probe_message_own_from(const char *msg, size_t len, char *out, size_t outlen)
{
	const char *line, *v, *end, *lt;
	size_t pos = 0, n;

	while (smtp_data_line_next(msg, len, &pos, &line, &n) && n > 0) {
		if (n < 5 || strncasecmp(line, "from:", 5) != 0)
			continue;
		v = line + 5;
		end = line + n;
		lt = memchr(v, '<', (size_t)(end - v));
		if (lt != NULL) {
			v = lt + 1;
			end = memchr(v, '>', (size_t)(end - v));
			if (end == NULL)
				return false;
		}
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == v || (size_t)(end - v) >= outlen ||
		    memchr(v, '@', (size_t)(end - v)) == NULL ||
		    memchr(v, ' ', (size_t)(end - v)) != NULL)
			return false;
		memcpy(out, v, (size_t)(end - v));
		out[end - v] = '\0';
		return true;
	}
	return false;
}

int
probe_message_build(const struct probe_message_opts *o, struct smtp_buf *out,
    char *err, size_t errlen)
{
	size_t i;
	bool ok;

	out->len = 0;
	ok = probe_message_is_safe(o->header_from) &&
	    probe_message_is_safe(o->subject) &&
	    probe_message_is_safe(o->id_domain);
	for (i = 0; i < o->nto; i++)
		ok = ok && probe_message_is_safe(o->to[i]);
	if (!ok) {
		(void)snprintf(err, errlen, "a header value holds a line break");
		return -1;
	}
	/*
	 * RFC 5322 3.2.3: no control byte in an address, To: included;
	 * RFC 5321 4.5.3.1.3: at most 256 octets, so that "From: <...>"
	 * and each To: line stay within 998 characters (RFC 5322 2.1.1).
	 */
	for (i = 0; i < o->nto; i++)
		if (!probe_message_is_plain(o->to[i]) ||
		    strlen(o->to[i]) >= PROBE_MESSAGE_ADDR_MAX) {
			(void)snprintf(err, errlen, "the To: header needs "
			    "addresses of at most %d characters without "
			    "control characters", PROBE_MESSAGE_ADDR_MAX - 1);
			return -1;
		}
	if (o->own == NULL && o->header_from != NULL &&
	    strlen(o->header_from) >= PROBE_MESSAGE_ADDR_MAX) {
		(void)snprintf(err, errlen, "the From: header needs an address "
		    "of at most %d characters", PROBE_MESSAGE_ADDR_MAX - 1);
		return -1;
	}
	/* An empty From: is no author (RFC 5322 3.6.2): never written. */
	if (o->own == NULL && (o->header_from == NULL ||
	    o->header_from[0] == '\0' || !probe_message_is_plain(
	    o->header_from))) {
		(void)snprintf(err, errlen, "the From: header needs an address "
		    "without control characters (give --header-from)");
		return -1;
	}
	if (o->subject != NULL && (!probe_message_is_plain(o->subject) ||
	    !probe_escape_is_utf8(o->subject))) {
		(void)snprintf(err, errlen, "--subject: a control character or "
		    "bytes that are not UTF-8 cannot go in a header");
		return -1;
	}
	if (o->subject != NULL && probe_message_longest_word(o->subject) >
	    PROBE_MESSAGE_WORD_MAX) {
		(void)snprintf(err, errlen, "--subject: a word of more than %d "
		    "characters cannot be folded into header lines (RFC 5322 "
		    "2.1.1: 998 a line)", PROBE_MESSAGE_WORD_MAX);
		return -1;
	}
	if (o->subject != NULL && strlen(o->subject) > PROBE_MESSAGE_SUBJECT_MAX) {
		(void)snprintf(err, errlen, "--subject: at most %d bytes",
		    PROBE_MESSAGE_SUBJECT_MAX);
		return -1;
	}
	if (probe_message_check_extra(o, err, errlen) != 0)
		return -1;
	if (o->own != NULL)
		return probe_message_own(o, out, err, errlen);
	ok = probe_message_headers(o, out);
	if (ok && o->body != NULL)
		ok = smtp_buf_append(out, o->body, o->body_len,
		    PROBE_MESSAGE_MAX) == SMTP_OK;
	else
		ok = probe_message_add(out, ok, "This is a test message from "
		    "smtpprobe, sent to check that mail from this\nsending path "
		    "is accepted by the receiving server. Probe id: %s.\nNo "
		    "action is needed; it is safe to delete.\n", o->probe_id);
	if (!ok) {
		(void)snprintf(err, errlen, "the message does not fit in %u "
		    "bytes", PROBE_MESSAGE_MAX);
		return -1;
	}
	return 0;
}
