/*
 * smtp_data - line-end normalisation and dot-stuffing; the queue id in
 * the reply to the end of data.
 */
#include <string.h>
#include <strings.h>

#include "smtp/smtp_data.h"

/* Append one line (without its end) stuffed, plus CRLF. */
static enum smtp_rc
smtp_data_line(struct smtp_buf *out, const char *line, size_t len,
    size_t max)
{
	enum smtp_rc rc = SMTP_OK;

	/* RFC 5321 4.5.2: a line starting with "." gets one more. */
	if (len > 0 && line[0] == '.')
		rc = smtp_buf_append(out, ".", 1, max);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, line, len, max);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, "\r\n", 2, max);
	return rc;
}

bool
smtp_data_line_next(const char *msg, size_t len, size_t *pos,
    const char **line, size_t *linelen)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	*line = msg + i;
	while (i < len && msg[i] != '\r' && msg[i] != '\n')
		i++;
	*linelen = (size_t)(msg + i - *line);
	if (i < len && msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
		i += 2;
	else if (i < len)
		i++;
	*pos = i;
	return true;
}

enum smtp_rc
smtp_data_encode(const char *msg, size_t len, struct smtp_buf *out,
    size_t max, size_t *nlines)
{
	enum smtp_rc rc = SMTP_OK;
	const char *line;
	size_t pos = 0, n;

	out->len = 0;
	*nlines = 0;
	while (rc == SMTP_OK && smtp_data_line_next(msg, len, &pos, &line,
	    &n)) {
		rc = smtp_data_line(out, line, n, max);
		(*nlines)++;
	}
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, ".\r\n", 3, max);
	return rc;
}

/* --- the queue id (see smtp_data.h for the forms and limits) --- */

/* A stretch of one reply line. */
struct smtp_data_qid_text {
	const char	*p;
	size_t		 len;
};

typedef bool	smtp_data_qid_form_fn(struct smtp_data_qid_text t,
		    struct smtp_data_qid_text *id);

/* needle in t, case aside, or NULL. */
static const char *
smtp_data_qid_find(struct smtp_data_qid_text t, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= t.len && i <= t.len - n; i++)
		if (strncasecmp(t.p + i, needle, n) == 0)
			return t.p + i;
	return NULL;
}

/* Whether t ends with suffix, case aside. */
static bool
smtp_data_qid_ends_with(struct smtp_data_qid_text t, const char *suffix)
{
	size_t n = strlen(suffix);

	return t.len >= n && strncasecmp(t.p + t.len - n, suffix, n) == 0;
}

/* The run of bytes from p (inside t) up to a space or one of stops. */
static struct smtp_data_qid_text
smtp_data_qid_token(struct smtp_data_qid_text t, const char *p,
    const char *stops)
{
	struct smtp_data_qid_text tok = { p, 0 };
	const char *end = t.p + t.len;

	while (p + tok.len < end && p[tok.len] != ' ' &&
	    strchr(stops, p[tok.len]) == NULL)
		tok.len++;
	return tok;
}

/* Postfix: "queued as ID". */
static bool
smtp_data_qid_postfix(struct smtp_data_qid_text t,
    struct smtp_data_qid_text *id)
{
	const char *p = smtp_data_qid_find(t, "queued as ");

	if (p == NULL)
		return false;
	*id = smtp_data_qid_token(t, p + strlen("queued as "), "");
	return true;
}

/* Exchange Online: "[InternalId=ID, Hostname=...]". */
static bool
smtp_data_qid_microsoft(struct smtp_data_qid_text t,
    struct smtp_data_qid_text *id)
{
	const char *p = smtp_data_qid_find(t, "[InternalId=");

	if (p == NULL)
		return false;
	*id = smtp_data_qid_token(t, p + strlen("[InternalId="), ",]");
	return true;
}

/* Exim: a word "id=ID" (not the tail of "InternalId="). */
static bool
smtp_data_qid_exim(struct smtp_data_qid_text t,
    struct smtp_data_qid_text *id)
{
	struct smtp_data_qid_text rest = t;
	const char *p = smtp_data_qid_find(rest, "id=");

	while (p != NULL) {
		if (p == t.p || p[-1] == ' ') {
			*id = smtp_data_qid_token(t, p + strlen("id="), "");
			return true;
		}
		rest.len -= (size_t)(p + 1 - rest.p);
		rest.p = p + 1;
		p = smtp_data_qid_find(rest, "id=");
	}
	return false;
}

/* Gmail: "OK  ID1 ID2 - gsmtp": everything between the two, trimmed. */
static bool
smtp_data_qid_gmail(struct smtp_data_qid_text t,
    struct smtp_data_qid_text *id)
{
	if (t.len < 3 + strlen(" - gsmtp") || strncasecmp(t.p, "OK ", 3) != 0 ||
	    !smtp_data_qid_ends_with(t, " - gsmtp"))
		return false;
	id->p = t.p + 2;
	id->len = t.len - 2 - strlen(" - gsmtp");
	while (id->len > 0 && id->p[0] == ' ') {
		id->p++;
		id->len--;
	}
	while (id->len > 0 && id->p[id->len - 1] == ' ')
		id->len--;
	return true;
}

/* Sendmail: "ID Message accepted for delivery". */
static bool
smtp_data_qid_sendmail(struct smtp_data_qid_text t,
    struct smtp_data_qid_text *id)
{
	const char *suffix = " Message accepted for delivery";

	if (!smtp_data_qid_ends_with(t, suffix))
		return false;
	*id = smtp_data_qid_token(t, t.p, "");
	/* The id is one word, then the phrase: nothing in between. */
	return id->len == t.len - strlen(suffix);
}

static smtp_data_qid_form_fn *const smtp_data_qid_forms[] = {
	smtp_data_qid_postfix,
	smtp_data_qid_microsoft,
	smtp_data_qid_exim,
	smtp_data_qid_gmail,
	smtp_data_qid_sendmail,
};

/*
 * Keep id only when it is printable ASCII (spaces come only from inside
 * Gmail's trimmed id) and fits: never cut, never cleaned.
 */
static bool
smtp_data_qid_take(struct smtp_data_qid_text id, char *out, size_t outlen)
{
	size_t i;

	if (id.len == 0 || id.len >= outlen)
		return false;
	for (i = 0; i < id.len; i++)
		if ((unsigned char)id.p[i] < ' ' ||
		    (unsigned char)id.p[i] > '~')
			return false;
	memcpy(out, id.p, id.len);
	out[id.len] = '\0';
	return true;
}

/* The text of a line after its code, separator and enhanced code. */
static struct smtp_data_qid_text
smtp_data_qid_body(const struct smtp_reply *reply, const char *line,
    size_t len)
{
	struct smtp_data_qid_text t = { line, len };
	char enhanced[SMTP_REPLY_ENHANCED_MAX];
	size_t n;

	n = len < 4 ? len : 4;		/* "250 " or "250-" */
	t.p += n;
	t.len -= n;
	n = smtp_reply_parse_enhanced(t.p, t.len, reply->code, enhanced);
	t.p += n;
	t.len -= n;
	while (t.len > 0 && t.p[0] == ' ') {
		t.p++;
		t.len--;
	}
	return t;
}

bool
smtp_data_parse_queue_id(const struct smtp_reply *reply, char *out,
    size_t outlen)
{
	struct smtp_data_qid_text t, id;
	const char *line;
	size_t i, f, len;

	if (outlen == 0)
		return false;
	out[0] = '\0';
	for (i = 0; (line = smtp_reply_line(reply, i, &len)) != NULL; i++) {
		t = smtp_data_qid_body(reply, line, len);
		for (f = 0; f < sizeof(smtp_data_qid_forms) /
		    sizeof(smtp_data_qid_forms[0]); f++)
			if (smtp_data_qid_forms[f](t, &id))
				return smtp_data_qid_take(id, out, outlen);
	}
	return false;
}
