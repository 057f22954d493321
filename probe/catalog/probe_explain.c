/*
 * probe_explain - finding replies in logs, bounces and pasted text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe/catalog/probe_explain.h"

#define PROBE_EXPLAIN_READ	(256u * 1024)

static bool
probe_explain_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A reply code DDD (first digit lo..5) at s[i], followed by - space or end. */
static bool
probe_explain_code_at(const char *s, size_t len, size_t i, char lo)
{
	return i + 3 <= len && s[i] >= lo && s[i] <= '5' &&
	    probe_explain_digit(s[i + 1]) && probe_explain_digit(s[i + 2]) &&
	    (i + 3 == len || s[i + 3] == '-' || s[i + 3] == ' ') &&
	    (i == 0 || !isalnum((unsigned char)s[i - 1]));
}

bool
probe_explain_maybe(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (probe_explain_code_at(s, len, i, '2'))
		return true;
	/* One compare per byte: this runs over every line of a log. */
	for (i = 0; i + 3 <= len; i++)
		if ((unsigned char)(s[i] - '4') <= 1 &&
		    probe_explain_code_at(s, len, i, '4'))
			return true;
	return false;
}

/*
 * memmem for a NUL-terminated needle, case-insensitive on ASCII. The
 * first byte is compared inline (folding case with 0x20, which only ever
 * lets through a few more candidates) before strncasecmp is called: this
 * runs many times over each line that holds a reply.
 */
static const char *
probe_explain_find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;
	unsigned char first = (unsigned char)needle[0] | 0x20;

	for (i = 0; n <= len && i <= len - n; i++)
		if (((unsigned char)s[i] | 0x20) == first &&
		    strncasecmp(s + i + 1, needle + 1, n - 1) == 0)
			return s + i;
	return NULL;
}

/* First code at or after from, at a word start. */
static const char *
probe_explain_first_code(const char *s, size_t len, const char *from)
{
	size_t i;

	for (i = (size_t)(from - s); i < len; i++)
		if (probe_explain_code_at(s, len, i, '2'))
			return s + i;
	return NULL;
}

/* A 4xx/5xx code followed by a matching enhanced code, anywhere. */
static const char *
probe_explain_coded(const char *s, size_t len)
{
	char enh[SMTP_REPLY_ENHANCED_MAX];
	size_t i;

	for (i = 0; i + 8 < len; i++) {
		if ((unsigned char)(s[i] - '4') > 1 ||
		    !probe_explain_code_at(s, len, i, '4'))
			continue;
		if (smtp_reply_parse_enhanced(s + i + 4, len - i - 4,
		    (s[i] - '0') * 100, enh) > 0)
			return s + i;
	}
	return NULL;
}

/* The markers MTAs put before a reply; the reply is the next code. */
static const char *const probe_explain_markers[] = {
	" said: ", "refused to talk to me: ",
	"SMTP error from remote mail server after ", "Diagnostic-Code:",
	"<<< ", "reply=", "reply: ", "Remote server replied: ", NULL
};

static const char *
probe_explain_start(const char *s, size_t len)
{
	const char *m, *c;
	size_t i;

	for (i = 0; probe_explain_markers[i] != NULL; i++) {
		m = probe_explain_find(s, len, probe_explain_markers[i]);
		if (m != NULL && (c = probe_explain_first_code(s, len, m +
		    strlen(probe_explain_markers[i]))) != NULL)
			return c;
	}
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (probe_explain_code_at(s, len, i, '2'))
		return s + i;
	return probe_explain_coded(s, len);
}

/* What MTAs write about the command a reply answered; first match wins. */
static const struct {
	const char	*needle;
	enum smtp_stage	 stage;
} probe_explain_stages[] = {
	{ "in reply to end of DATA command", SMTP_STAGE_END_OF_DATA },
	{ "after end of data", SMTP_STAGE_END_OF_DATA },
	{ "after pipelined end of data", SMTP_STAGE_END_OF_DATA },
	{ "in reply to DATA command", SMTP_STAGE_DATA },
	{ "after DATA", SMTP_STAGE_DATA },
	{ "in reply to RCPT TO command", SMTP_STAGE_RCPT },
	{ "after RCPT TO", SMTP_STAGE_RCPT },
	{ "after pipelined RCPT TO", SMTP_STAGE_RCPT },
	{ ">>> RCPT To", SMTP_STAGE_RCPT },
	{ "in reply to MAIL FROM command", SMTP_STAGE_MAIL },
	{ "after MAIL FROM", SMTP_STAGE_MAIL },
	{ "after pipelined MAIL FROM", SMTP_STAGE_MAIL },
	{ ">>> MAIL From", SMTP_STAGE_MAIL },
	{ "in reply to EHLO command", SMTP_STAGE_EHLO },
	{ "in reply to HELO command", SMTP_STAGE_EHLO },
	{ "after EHLO", SMTP_STAGE_EHLO },
	{ "after HELO", SMTP_STAGE_EHLO },
	{ "in reply to STARTTLS command", SMTP_STAGE_STARTTLS },
	{ "after STARTTLS", SMTP_STAGE_STARTTLS },
	{ "refused to talk to me", SMTP_STAGE_BANNER },
	{ "after initial connection", SMTP_STAGE_BANNER },
	{ "in reply to QUIT command", SMTP_STAGE_QUIT },
};

static void
probe_explain_stage(const char *s, size_t len, struct probe_explain_reply *r)
{
	size_t i;

	for (i = 0; i < sizeof(probe_explain_stages) /
	    sizeof(probe_explain_stages[0]); i++) {
		if (probe_explain_find(s, len, probe_explain_stages[i].needle)) {
			r->has_stage = true;
			r->stage = probe_explain_stages[i].stage;
			return;
		}
	}
}

/*
 * Postfix "host NAME[ADDR] said:" and "host NAME[ADDR] refused to talk to
 * me:", Exim "H=NAME [ADDR]".
 */
static void
probe_explain_host(const char *s, size_t len, struct probe_explain_reply *r)
{
	const char *end = probe_explain_find(s, len, " said: "), *h = NULL, *p;
	size_t n;

	if (end == NULL)
		end = probe_explain_find(s, len, " refused to talk to me: ");
	/* The last word "host " before it: syslog's "localhost " is not. */
	for (p = s; end != NULL && (p = probe_explain_find(p,
	    (size_t)(end - p), "host ")) != NULL; p++)
		if (p == s || !isalnum((unsigned char)p[-1]))
			h = p + 5;
	if (h == NULL && (p = probe_explain_find(s, len, " H=")) != NULL)
		h = p + 3;
	if (h == NULL)
		return;
	for (end = h; end < s + len && *end != ' ' && *end != ':'; end++)
		;
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(r->host))
		return;
	memcpy(r->host, h, n);
	r->host[n] = '\0';
}

/*
 * Is s[i] the start of a flattened line prefix ("550-5.7.26 ", "550-",
 * or after a dash was seen "550 5.7.26 " / "550 ")? Returns its length.
 */
static size_t
probe_explain_prefix(const char *s, size_t len, size_t i,
    const struct probe_explain_reply *r, bool seen_dash)
{
	char enh[SMTP_REPLY_ENHANCED_MAX];
	size_t n;

	if (i + 3 > len || (i > 0 && s[i - 1] != ' ') ||
	    s[i] != '0' + r->code / 100 ||
	    s[i + 1] != '0' + r->code / 10 % 10 ||
	    s[i + 2] != '0' + r->code % 10)
		return 0;
	/* RFC 5321 4.2: the last line may be the bare code. */
	if (i + 3 == len)
		return seen_dash || i == 0 ? 3 : 0;
	if (s[i + 3] != '-' && !(s[i + 3] == ' ' && (seen_dash || i == 0)))
		return 0;
	n = smtp_reply_parse_enhanced(s + i + 4, len - i - 4, r->code, enh);
	if (n > 0 && strcmp(enh, r->enhanced) == 0)
		return 4 + n + (i + 4 + n < len && s[i + 4 + n] == ' ');
	return 4;
}

/* The joined text: prefixes gone, white space runs made one space. */
static size_t
probe_explain_norm(const char *s, size_t len,
    const struct probe_explain_reply *r, char *out)
{
	size_t i = 0, o = 0, p;
	bool seen_dash = false, space = false;

	while (i < len) {
		p = probe_explain_prefix(s, len, i, r, seen_dash);
		if (p > 0) {
			/* A bare code (p == 3) ends the text: no byte after. */
			seen_dash |= p > 3 && s[i + 3] == '-';
			i += p;
			space = o > 0;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			space = o > 0;
			i++;
			continue;
		}
		if (space && o + 1 < PROBE_EXPLAIN_LINE_MAX)
			out[o++] = ' ';
		space = false;
		if (o + 1 < PROBE_EXPLAIN_LINE_MAX)
			out[o++] = s[i];
		i++;
	}
	out[o] = '\0';
	return o;
}

bool
probe_explain_parse(const char *line, size_t len,
    struct probe_explain_reply *r, char *text, char *raw)
{
	const char *start, *tail;
	size_t rlen;

	memset(r, 0, sizeof(*r));
	if (len >= PROBE_EXPLAIN_LINE_MAX) {
		len = PROBE_EXPLAIN_LINE_MAX - 1;
		r->is_cut = true;
	}
	if (!probe_explain_maybe(line, len))
		return false;
	start = probe_explain_start(line, len);
	if (start == NULL)
		return false;
	rlen = len - (size_t)(start - line);
	/* Postfix appends which command it was; that is not reply text. */
	tail = probe_explain_find(start, rlen, " (in reply to ");
	if (tail != NULL)
		rlen = (size_t)(tail - start);
	r->code = (start[0] - '0') * 100 + (start[1] - '0') * 10 +
	    (start[2] - '0');
	if (rlen > 4)
		(void)smtp_reply_parse_enhanced(start + 4, rlen - 4, r->code,
		    r->enhanced);
	/* The command is named around the reply, never inside it. */
	probe_explain_stage(line, (size_t)(start - line), r);
	if (!r->has_stage && tail != NULL)
		probe_explain_stage(tail, len - (size_t)(tail - line), r);
	probe_explain_host(line, (size_t)(start - line), r);
	r->len = probe_explain_norm(start, rlen, r, text);
	r->text = text;
	memcpy(raw, start, rlen);
	raw[rlen] = '\0';
	r->raw = raw;
	r->rawlen = rlen;
	return true;
}

int
probe_explain_scan_init(struct probe_explain_scan *s, FILE *fp)
{
	memset(s, 0, sizeof(*s));
	s->fp = fp;
	s->bufcap = PROBE_EXPLAIN_READ;
	s->buf = malloc(s->bufcap);
	s->line = malloc(PROBE_EXPLAIN_LINE_MAX);
	s->pending = malloc(PROBE_EXPLAIN_LINE_MAX);
	s->text = malloc(PROBE_EXPLAIN_LINE_MAX);
	s->raw = malloc(PROBE_EXPLAIN_LINE_MAX);
	if (s->buf && s->line && s->pending && s->text && s->raw)
		return 0;
	probe_explain_scan_free(s);
	return -1;
}

void
probe_explain_scan_free(struct probe_explain_scan *s)
{
	free(s->buf);
	free(s->line);
	free(s->pending);
	free(s->text);
	free(s->raw);
	memset(s, 0, sizeof(*s));
}

/*
 * One physical line into out (without its LF or CRLF), cut at
 * PROBE_EXPLAIN_LINE_MAX - 1 bytes; *is_cut says whether text was lost
 * (a CR dropped before the LF is not). Returns 1, 0 at the end, -1 on
 * error.
 */
static int
probe_explain_physical(struct probe_explain_scan *s, char *out, size_t *len,
    bool *is_cut)
{
	const char *lf;
	size_t n, take, dropped = 0;
	char last = '\0';
	bool got = false;

	*len = 0;
	for (;;) {
		if (s->pos == s->end) {
			if (s->is_eof)
				break;
			s->end = fread(s->buf, 1, s->bufcap, s->fp);
			s->pos = 0;
			if (s->end == 0) {
				s->is_eof = true;
				if (ferror(s->fp))
					return -1;
				break;
			}
		}
		got = true;
		lf = memchr(s->buf + s->pos, '\n', s->end - s->pos);
		n = lf ? (size_t)(lf - (s->buf + s->pos)) : s->end - s->pos;
		take = n < PROBE_EXPLAIN_LINE_MAX - 1 - *len ? n :
		    PROBE_EXPLAIN_LINE_MAX - 1 - *len;
		memcpy(out + *len, s->buf + s->pos, take);
		*len += take;
		dropped += n - take;
		if (n > take)
			last = s->buf[s->pos + n - 1];
		s->pos += n + (lf != NULL);
		if (lf != NULL)
			break;
	}
	if (*len > 0 && out[*len - 1] == '\r')
		(*len)--;
	*is_cut = dropped > 1 || (dropped == 1 && last != '\r');
	s->lineno += got;
	return got ? 1 : 0;
}

/* Append a continuation to the logical line, one space between. */
static void
probe_explain_append(struct probe_explain_scan *s, bool *is_cut)
{
	size_t i = 0, n;

	while (i < s->pendlen && (s->pending[i] == ' ' ||
	    s->pending[i] == '\t'))
		i++;
	n = s->pendlen - i;
	if (s->linelen + 1 + n >= PROBE_EXPLAIN_LINE_MAX) {
		*is_cut = true;
		n = PROBE_EXPLAIN_LINE_MAX - 1 - s->linelen;
		n = n > 0 ? n - 1 : 0;
	}
	if (n == 0)
		return;
	s->line[s->linelen++] = ' ';
	memcpy(s->line + s->linelen, s->pending + i, n);
	s->linelen += n;
}

/*
 * Does the read-ahead line continue the logical one? Folded lines (leading
 * white space) always do; in a raw reply block, a line with the same code
 * does while the previous line had "DDD-".
 */
static bool
probe_explain_continues(const struct probe_explain_scan *s, bool dash)
{
	if (s->pendlen > 0 && (s->pending[0] == ' ' || s->pending[0] == '\t'))
		return true;
	return dash && s->pendlen >= 3 && s->linelen >= 3 &&
	    memcmp(s->pending, s->line, 3) == 0 &&
	    probe_explain_code_at(s->pending, s->pendlen, 0, '2');
}

/* Assemble the next logical line in s->line. 1, 0 at the end, -1. */
static int
probe_explain_logical(struct probe_explain_scan *s, unsigned long *first,
    bool *is_cut)
{
	bool dash;
	int rc;

	*is_cut = false;
	if (!s->has_pending) {
		rc = probe_explain_physical(s, s->pending, &s->pendlen,
		    &s->pending_cut);
		if (rc <= 0)
			return rc;
		s->pending_no = s->lineno;
	}
	memcpy(s->line, s->pending, s->pendlen);
	s->linelen = s->pendlen;
	*is_cut = s->pending_cut;
	*first = s->pending_no;
	s->has_pending = false;
	dash = s->linelen > 3 && s->line[3] == '-' &&
	    probe_explain_code_at(s->line, s->linelen, 0, '2');
	for (;;) {
		rc = probe_explain_physical(s, s->pending, &s->pendlen,
		    &s->pending_cut);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		s->pending_no = s->lineno;
		if (!probe_explain_continues(s, dash)) {
			s->has_pending = true;
			break;
		}
		if (s->pending[0] != ' ' && s->pending[0] != '\t')
			dash = s->pendlen > 3 && s->pending[3] == '-';
		*is_cut |= s->pending_cut;
		probe_explain_append(s, is_cut);
	}
	s->lines_seen++;
	return 1;
}

int
probe_explain_next(struct probe_explain_scan *s,
    struct probe_explain_reply *r)
{
	unsigned long first;
	bool is_cut;
	int rc;

	while ((rc = probe_explain_logical(s, &first, &is_cut)) == 1) {
		if (!probe_explain_parse(s->line, s->linelen, r, s->text,
		    s->raw))
			continue;
		r->line = first;
		r->is_cut |= is_cut;
		return 1;
	}
	return rc;
}
