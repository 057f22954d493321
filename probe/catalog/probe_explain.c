/*
 * probe_explain - finding replies in logs, bounces and pasted text.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
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

/*
 * A port, not a reply: "on port 587", "[192.0.2.1]:465", "host:25". Only
 * asked where three digits already look like a code.
 */
static bool
probe_explain_is_port(const char *s, size_t i)
{
	return (i >= 5 && strncasecmp(s + i - 5, "port ", 5) == 0) ||
	    (i >= 2 && s[i - 1] == ':' &&
	    (probe_explain_digit(s[i - 2]) || s[i - 2] == ']'));
}

/* A reply code DDD (first digit lo..5) at s[i], followed by - space or end. */
static bool
probe_explain_code_at(const char *s, size_t len, size_t i, char lo)
{
	return i + 3 <= len && s[i] >= lo && s[i] <= '5' &&
	    probe_explain_digit(s[i + 1]) && probe_explain_digit(s[i + 2]) &&
	    (i + 3 == len || s[i + 3] == '-' || s[i + 3] == ' ') &&
	    (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
	    !probe_explain_is_port(s, i);
}

/*
 * A 4xx/5xx code as client libraries and tools print it: after ";" of a
 * DSN "smtp;550", "(" of a Python smtplib tuple "(550, b'...')", a quote,
 * ":", "#" of an Exchange NDR "#550 4.4.7 QUEUE.Expired; ... ##" or a
 * space, and followed by a space, "-", ",", ";", ":", ")", a
 * quote or the end; also after a non-ASCII byte (a tree drawn with
 * "└──535" by a mail client's log, text in another script glued to the
 * code). Not after "=", "[", "/" or an alphanumeric: log fields
 * (size=550, smtp[450]) are numbers, not replies.
 */
static bool
probe_explain_loose_at(const char *s, size_t len, size_t i)
{
	char b = i > 0 ? s[i - 1] : ' ', a = i + 3 < len ? s[i + 3] : ' ';

	return i + 3 <= len && (s[i] == '4' || s[i] == '5') &&
	    probe_explain_digit(s[i + 1]) && probe_explain_digit(s[i + 2]) &&
	    (strchr(" \t;(:'\"<>#", b) != NULL || (unsigned char)b >= 0x80) &&
	    b != '\0' &&
	    strchr(" -,;:)'\"", a) != NULL && a != '\0' &&
	    !probe_explain_is_port(s, i);
}

/*
 * qmail-send logs a remote reply with its blanks as "_" and its line
 * breaks as "/": "delivery 9: deferral: Remote_host_said:_421_Service_
 * not_available/". The code sits between "_" (or after "/"), so it
 * looks like no code to the tests above.
 */
static bool
probe_explain_qmail_code_at(const char *s, size_t len, size_t i)
{
	return i > 0 && i + 3 < len && (s[i - 1] == '_' || s[i - 1] == '/') &&
	    (s[i] == '4' || s[i] == '5') && probe_explain_digit(s[i + 1]) &&
	    probe_explain_digit(s[i + 2]) &&
	    (s[i + 3] == '_' || s[i + 3] == '-' || s[i + 3] == '/');
}

/* A 4xx or 5xx code (first digit d) anywhere in s? */
static bool
probe_explain_maybe_digit(const char *s, size_t len, char d)
{
	const char *p = s, *end = s + len;
	size_t i;

	while ((p = memchr(p, d, (size_t)(end - p))) != NULL) {
		i = (size_t)(p - s);
		if (i + 3 > len)
			return false;
		if (probe_explain_code_at(s, len, i, '4') ||
		    probe_explain_loose_at(s, len, i) ||
		    probe_explain_qmail_code_at(s, len, i))
			return true;
		p++;
	}
	return false;
}

size_t
probe_explain_stamp_len(const char *s, size_t len)
{
	size_t n = 0;

	/* daemontools' multilog (qmail): a TAI64N label, "@" and 24 hex. */
	if (len >= 25 && s[0] == '@') {
		for (n = 1; n < 25 && isxdigit((unsigned char)s[n]); n++)
			;
		return n == 25 ? 25 : 0;
	}
	if (len >= 15 && isupper((unsigned char)s[0]) && s[3] == ' ' &&
	    s[6] == ' ' && s[9] == ':' && s[12] == ':')
		return 15;
	if (len >= 19 && isdigit((unsigned char)s[0]) && s[4] == '-' &&
	    s[7] == '-' && s[13] == ':')
		while (n < len && s[n] != ' ')
			n++;
	return n;
}

bool
probe_explain_maybe(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (probe_explain_code_at(s, len, i, '2'))
		return true;
	/*
	 * This runs over every line of a log: jump with memchr (vectorised
	 * in libc) from one '4' or '5' to the next, and look closer only
	 * there.
	 */
	return probe_explain_maybe_digit(s, len, '4') ||
	    probe_explain_maybe_digit(s, len, '5');
}

/*
 * memmem for a NUL-terminated needle, case-insensitive on ASCII. It runs
 * a few dozen times over each line that holds a reply, so it jumps with
 * memchr (vectorised in libc) to each place where the needle's first
 * letter could sit, in either case, and compares only there.
 */
static const char *
probe_explain_find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), a = 0, off;
	const char *lo, *up, *p, *end = s + len;
	unsigned char c;

	while (needle[a] != '\0' && !isalpha((unsigned char)needle[a]))
		a++;
	if (n > len)
		return NULL;
	if (needle[a] == '\0')
		return memmem(s, len, needle, n);
	c = (unsigned char)needle[a];
	/* Each of the two scans moves on only past the place it found. */
	lo = memchr(s + a, tolower(c), len - a);
	up = memchr(s + a, toupper(c), len - a);
	while (lo != NULL || up != NULL) {
		p = lo == NULL ? up : up == NULL ? lo : lo < up ? lo : up;
		off = (size_t)(p - s);
		if (off + (n - a) > len)
			return NULL;
		/* The next byte first: most candidates end there. */
		if ((a + 1 == n || (((unsigned char)p[1] | 0x20) ==
		    ((unsigned char)needle[a + 1] | 0x20))) &&
		    strncasecmp(p - a, needle, n) == 0)
			return p - a;
		if (p == lo)
			lo = memchr(p + 1, tolower(c), (size_t)(end - p - 1));
		else
			up = memchr(p + 1, toupper(c), (size_t)(end - p - 1));
	}
	return NULL;
}

/*
 * First code at or after from, at a word start: a 4xx/5xx one if there
 * is any (a bounce may quote the 220 banner before the refusal).
 */
static const char *
probe_explain_first_code(const char *s, size_t len, const char *from)
{
	const char *first = NULL;
	size_t i;

	for (i = (size_t)(from - s); i < len; i++) {
		if (!probe_explain_code_at(s, len, i, '2'))
			continue;
		if (s[i] >= '4')
			return s + i;
		if (first == NULL)
			first = s + i;
	}
	return first;
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
	"<<< ", "reply=", "reject=", "reply: ", "Remote server replied: ",
	"The server response was: ", "SMTP Error: ", "Message failed: ",
	"smtpmsg='", NULL
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
	if ((c = probe_explain_coded(s, len)) != NULL)
		return c;
	for (i = 0; i < len; i++)
		if (probe_explain_loose_at(s, len, i))
			return s + i;
	return NULL;
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
	/* Nodemailer's error object names the command it sent. */
	{ "command: 'AUTH", SMTP_STAGE_AUTH },
	{ "command: 'MAIL FROM", SMTP_STAGE_MAIL },
	{ "command: 'RCPT TO", SMTP_STAGE_RCPT },
	{ "command: 'DATA", SMTP_STAGE_DATA },
	{ "\"command\":\"AUTH", SMTP_STAGE_AUTH },
	{ "\"command\":\"MAIL FROM", SMTP_STAGE_MAIL },
	{ "\"command\":\"RCPT TO", SMTP_STAGE_RCPT },
	{ "\"command\":\"DATA", SMTP_STAGE_DATA },
	{ "in reply to AUTH command", SMTP_STAGE_AUTH },
	{ "SASL authentication failed", SMTP_STAGE_AUTH },
};

/*
 * The first words of the needles above: a needle is looked for only from
 * where its first word is, and not at all when that word is absent (most
 * lines hold none of them; this runs on every line with a reply).
 */
static const char *const probe_explain_stage_heads[] = { "in reply to ",
    "after ", ">>> ", "refused to talk", "command: '", "\"command\":\"",
    "SASL authentication", NULL };

static void
probe_explain_stage(const char *s, size_t len, struct probe_explain_reply *r)
{
	const char *at[sizeof(probe_explain_stage_heads) /
	    sizeof(probe_explain_stage_heads[0])];
	const char *needle;
	size_t i, k;

	for (k = 0; probe_explain_stage_heads[k] != NULL; k++)
		at[k] = probe_explain_find(s, len,
		    probe_explain_stage_heads[k]);
	for (i = 0; i < sizeof(probe_explain_stages) /
	    sizeof(probe_explain_stages[0]); i++) {
		needle = probe_explain_stages[i].needle;
		for (k = 0; probe_explain_stage_heads[k] != NULL; k++)
			if (strncasecmp(needle, probe_explain_stage_heads[k],
			    strlen(probe_explain_stage_heads[k])) == 0)
				break;
		/* Every needle starts with one of the heads. */
		if (probe_explain_stage_heads[k] == NULL || at[k] == NULL ||
		    probe_explain_find(at[k], len - (size_t)(at[k] - s),
		    needle) == NULL)
			continue;
		r->has_stage = true;
		r->stage = probe_explain_stages[i].stage;
		return;
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
	/* qmail's "Remote host said:" names none. */
	if (h != NULL && strncmp(h, "said:", 5) == 0)
		h = NULL;
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
 * White space at s[i], as its length: a blank, a tab, a CR, or the
 * two-byte escapes "\n", "\r", "\t" that Python, Go and JSON print inside
 * one-line error strings.
 */
static size_t
probe_explain_ws(const char *s, size_t len, size_t i)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
		return 1;
	if (s[i] == '\\' && i + 1 < len &&
	    (s[i + 1] == 'n' || s[i + 1] == 'r' || s[i + 1] == 't'))
		return 2;
	return 0;
}

static bool
probe_explain_ws_before(const char *s, size_t i)
{
	return i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' ||
	    (i >= 2 && s[i - 2] == '\\' &&
	    (s[i - 1] == 'n' || s[i - 1] == 'r' || s[i - 1] == 't'));
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

	if (r->code == 0 || i + 3 > len || s[i] != '0' + r->code / 100 ||
	    !probe_explain_ws_before(s, i) ||
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

/*
 * The reply's enhanced code again at a word start: libraries that print
 * a reply's lines without their codes keep it on each line ("5.7.9
 * Application-specific password required. Learn more at\n5.7.9 https:").
 */
static size_t
probe_explain_enh_again(const char *s, size_t len, size_t i,
    const struct probe_explain_reply *r)
{
	size_t n = strlen(r->enhanced);

	if (n == 0 || i + n > len || memcmp(s + i, r->enhanced, n) != 0 ||
	    (i + n < len && probe_explain_ws(s, len, i + n) == 0))
		return 0;
	return n;
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
		if ((p = probe_explain_ws(s, len, i)) > 0) {
			space = o > 0;
			i += p;
			continue;
		}
		if ((o == 0 || space) &&
		    (p = probe_explain_enh_again(s, len, i, r)) > 0) {
			i += p;
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

/*
 * Where the words start after a code printed by a library: "550, b'",
 * "550: ", "550;" (a DSN "smtp;550"). The usual "550 " and "550-" are
 * left to the prefix logic of probe_explain_norm (returns 0).
 */
static size_t
probe_explain_body(const char *start, size_t rlen)
{
	size_t i = 3;

	if (rlen <= 3 || start[3] == ' ' || start[3] == '-')
		return 0;
	while (i < rlen && strchr(" ,;:)", start[i]) != NULL)
		i++;
	if (i + 1 < rlen && start[i] == 'b' &&
	    (start[i + 1] == '\'' || start[i + 1] == '"'))
		i++;
	if (i < rlen && (start[i] == '\'' || start[i] == '"'))
		i++;
	return i;
}

/*
 * An RFC 3463 code at s followed by anything but a digit or a dot:
 * "(#5.7.1)", "5.7.606-649" (Microsoft's ranges). Into out when valid.
 */
static void
probe_explain_enh_loose(const char *s, size_t len, char *out)
{
	char tmp[SMTP_REPLY_ENHANCED_MAX];
	size_t n = 0;

	while (n < len && n + 1 < sizeof(tmp) &&
	    (probe_explain_digit(s[n]) || s[n] == '.'))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (n > 0 && smtp_reply_parse_enhanced(tmp, n, (s[0] - '0') * 100,
	    out) != n)
		out[0] = '\0';
}

/*
 * qmail and vpopmail put the enhanced code last, "(#5.7.1)": taken when
 * none follows the reply code, and only of the reply code's class.
 */
static void
probe_explain_qmail_enh(const char *s, size_t len,
    struct probe_explain_reply *r)
{
	const char *p = probe_explain_find(s, len, "(#");

	if (p == NULL || (size_t)(p - s) + 3 > len ||
	    p[2] != '0' + r->code / 100)
		return;
	probe_explain_enh_loose(p + 2, len - (size_t)(p + 2 - s),
	    r->enhanced);
}

/*
 * The reply's joined words (from w, wn bytes) into text, and the reply as
 * it stood (from v, vn bytes) into raw; either may lie in raw already.
 */
static void
probe_explain_fill(struct probe_explain_reply *r, const char *w, size_t wn,
    const char *v, size_t vn, char *text, char *raw)
{
	r->len = probe_explain_norm(w, wn, r, text);
	r->text = text;
	memmove(raw, v, vn);
	raw[vn] = '\0';
	r->raw = raw;
	r->rawlen = vn;
}

/*
 * PHPMailer puts the reply's text before its code: "SMTP server error:
 * DATA END command failed Detail: TEXT SMTP code: 550 Additional SMTP
 * info: 5.7.1". Read it in that order; false when the line is not so.
 */
static bool
probe_explain_phpmailer(const char *line, size_t len,
    struct probe_explain_reply *r, char *text, char *raw)
{
	static const char detail[] = "Detail: ", code[] = " SMTP code: ",
	    info[] = " Additional SMTP info: ";
	const char *d, *c, *a;
	size_t tlen, n;

	if ((d = probe_explain_find(line, len, detail)) == NULL)
		return false;
	d += sizeof(detail) - 1;
	n = len - (size_t)(d - line);
	if ((c = probe_explain_find(d, n, code)) == NULL ||
	    !probe_explain_code_at(line, len, (size_t)(c - line) +
	    sizeof(code) - 1, '4'))
		return false;
	tlen = (size_t)(c - d);
	c += sizeof(code) - 1;
	r->code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
	n = len - (size_t)(c - line);
	if ((a = probe_explain_find(c, n, info)) != NULL) {
		a += sizeof(info) - 1;
		(void)smtp_reply_parse_enhanced(a, len - (size_t)(a - line),
		    r->code, r->enhanced);
	}
	probe_explain_stage(line, (size_t)(d - line), r);
	r->offset = (size_t)(d - line);
	probe_explain_fill(r, d, tlen, d, len - (size_t)(d - line), text,
	    raw);
	return true;
}

/*
 * A qmail-send delivery line with a remote reply ("Remote_host_said:_"),
 * written into out with its blanks and line breaks back: "_" becomes a
 * blank, and so does a "/" that ends a reply line (before the next
 * line's code, or at the end). Other "/" stay: URLs keep theirs. false
 * when the line is not one.
 */
static bool
probe_explain_qmail_log(const char *line, size_t len, char *out)
{
	const char *said = probe_explain_find(line, len, "Remote_host_said:_");
	size_t i;

	if (said == NULL)
		return false;
	for (i = 0; i < len; i++) {
		out[i] = line[i];
		if (line + i < said)
			continue;
		if (line[i] == '_')
			out[i] = ' ';
		else if (line[i] == '/' && (i + 1 == len ||
		    probe_explain_qmail_code_at(line, len, i + 1)))
			out[i] = ' ';
	}
	return true;
}

/*
 * Nodemailer's error object puts the code last, after the reply's words:
 * "{ Error: Invalid login: ... response: 'Mailbox cannot be accessed
 * [...]', responseCode: 550, command: 'AUTH LOGIN' }" (or as JSON,
 * "response":"...","responseCode":550). When the code found is that
 * responseCode, the reply is the response string; false otherwise.
 */
static bool	probe_explain_parse_at(const char *, size_t,
		    struct probe_explain_reply *, char *, char *, bool);

static bool
probe_explain_nodemailer(const char *line, size_t len, const char *start,
    struct probe_explain_reply *r, char *text, char *raw)
{
	static const char *const keys[] = { "responseCode: ",
	    "\"responseCode\":", NULL };
	static const char *const resp[] = { "response: ", "\"response\":",
	    NULL };
	const char *p = NULL, *e;
	size_t i, k, n;

	for (i = 0; keys[i] != NULL; i++) {
		k = strlen(keys[i]);
		if ((size_t)(start - line) >= k &&
		    memcmp(start - k, keys[i], k) == 0)
			break;
	}
	if (keys[i] == NULL ||
	    (p = probe_explain_find(line, (size_t)(start - line),
	    resp[i])) == NULL)
		return false;
	/* Up to the key, without the quotes and the comma around it. */
	p += strlen(resp[i]);
	if (*p == '\'' || *p == '"')
		p++;
	for (e = start - k; e > p && strchr(" ,'\"", e[-1]) != NULL; e--)
		;
	if (e <= p)
		return false;
	/* A response that holds its own code reads as any reply. */
	n = (size_t)(e - p);
	if (probe_explain_code_at(p, n, 0, '4')) {
		/* Once: a response is not searched for an object again. */
		if (!probe_explain_parse_at(p, n, r, text, raw, false))
			return false;
		/* The command is named in the object, not the response. */
		if (!r->has_stage)
			probe_explain_stage(line, len, r);
		return true;
	}
	r->code = (start[0] - '0') * 100 + (start[1] - '0') * 10 +
	    (start[2] - '0');
	(void)smtp_reply_parse_enhanced(p, n, r->code, r->enhanced);
	probe_explain_stage(line, len, r);
	r->offset = (size_t)(p - line);
	probe_explain_fill(r, p, n, p, n, text, raw);
	return true;
}

bool
probe_explain_parse(const char *line, size_t len,
    struct probe_explain_reply *r, char *text, char *raw)
{
	return probe_explain_parse_at(line, len, r, text, raw, true);
}

/* As probe_explain_parse; objects: look for a library's error object. */
static bool
probe_explain_parse_at(const char *line, size_t len,
    struct probe_explain_reply *r, char *text, char *raw, bool objects)
{
	const char *start, *tail, *cut, *node = NULL;
	size_t rlen, body;

	memset(r, 0, sizeof(*r));
	if (len >= PROBE_EXPLAIN_LINE_MAX) {
		len = PROBE_EXPLAIN_LINE_MAX - 1;
		r->is_cut = true;
	}
	if (!probe_explain_maybe(line, len))
		return false;
	/* raw is free until the end, which moves the reply to its start. */
	if (probe_explain_qmail_log(line, len, raw))
		line = raw;
	if (probe_explain_phpmailer(line, len, r, text, raw))
		return true;
	start = probe_explain_start(line, len);
	if (start == NULL)
		return false;
	if (objects && probe_explain_nodemailer(line, len, start, r, text, raw))
		return true;
	rlen = len - (size_t)(start - line);
	/* Postfix appends which command it was; that is not reply text. */
	tail = probe_explain_find(start, rlen, " (in reply to ");
	if (tail != NULL)
		rlen = (size_t)(tail - start);
	/*
	 * Postfix's own reject lines (smtpd, postscreen, milter-reject,
	 * amavis proxy-reject) end in "; from=<...> to=<...> proto=...
	 * helo=<...>": the log's fields, not the reply.
	 */
	if ((cut = probe_explain_find(start, rlen, "; from=<")) != NULL)
		rlen = (size_t)(cut - start);
	/* Nodemailer's object goes on after the response string. */
	if ((node = probe_explain_find(start, rlen,
	    "\",\"responseCode\":")) != NULL ||
	    (node = probe_explain_find(start, rlen, "', responseCode: ")) != NULL)
		rlen = (size_t)(node - start);
	r->code = (start[0] - '0') * 100 + (start[1] - '0') * 10 +
	    (start[2] - '0');
	body = probe_explain_body(start, rlen);
	if (rlen > 4)
		(void)smtp_reply_parse_enhanced(start + (body ? body : 4),
		    rlen - (body ? body : 4), r->code, r->enhanced);
	if (r->enhanced[0] == '\0')
		probe_explain_qmail_enh(start, rlen, r);
	/*
	 * The command is named around the reply, never inside it: Postfix's
	 * short tail first (the long log prefix names none), then before.
	 */
	if (tail != NULL)
		probe_explain_stage(tail, len - (size_t)(tail - line), r);
	if (!r->has_stage)
		probe_explain_stage(line, (size_t)(start - line), r);
	if (!r->has_stage && node != NULL)
		probe_explain_stage(node, len - (size_t)(node - line), r);
	r->offset = (size_t)(start - line);
	probe_explain_host(line, (size_t)(start - line), r);
	probe_explain_fill(r, start + body, rlen - body, start, rlen, text,
	    raw);
	return true;
}

void
probe_explain_parse_bare(const char *line, size_t len,
    struct probe_explain_reply *r, char *text, char *raw)
{
	static const char dotnet[] = "The server response was: ";
	const char *p;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (len >= PROBE_EXPLAIN_LINE_MAX) {
		len = PROBE_EXPLAIN_LINE_MAX - 1;
		r->is_cut = true;
	}
	r->is_bare = true;
	/*
	 * .NET puts its own words first: "The SMTP server requires a secure
	 * connection or the client was not authenticated. The server
	 * response was: 5.7.0 Authentication Required". They are said of
	 * every refusal at that step (not a TLS demand): the reply follows.
	 */
	if ((p = probe_explain_find(line, len, dotnet)) != NULL) {
		len -= (size_t)(p - line) + sizeof(dotnet) - 1;
		line = p + sizeof(dotnet) - 1;
	}
	/*
	 * Postfix's cleanup logs a header or body check's refusal with the
	 * log's fields first: "reject: body TEXT from H; from=<a> to=<b>
	 * proto=SMTP helo=<h>: 5.7.1 MESSAGE". The message is the reply.
	 */
	if ((p = probe_explain_find(line, len, "; from=<")) != NULL &&
	    (p = probe_explain_find(p, len - (size_t)(p - line),
	    " helo=<")) != NULL &&
	    (p = memchr(p, '>', len - (size_t)(p - line))) != NULL &&
	    (size_t)(p - line) + 3 < len && p[1] == ':' && p[2] == ' ') {
		len -= (size_t)(p - line) + 3;
		line = p + 3;
	}
	/* "451Requested action ...": a code glued to its first word. */
	if (len > 3 && (line[0] == '4' || line[0] == '5') &&
	    probe_explain_digit(line[1]) && probe_explain_digit(line[2]) &&
	    isalpha((unsigned char)line[3]))
		r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	for (i = 0; i + 5 <= len && r->enhanced[0] == '\0'; i++)
		if ((line[i] == '4' || line[i] == '5') && line[i + 1] == '.' &&
		    (i == 0 || (!isalnum((unsigned char)line[i - 1]) &&
		    line[i - 1] != '.')))
			probe_explain_enh_loose(line + i, len - i, r->enhanced);
	probe_explain_stage(line, len, r);
	probe_explain_fill(r, line, len, line, len, text, raw);
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
	s->whole = malloc(PROBE_EXPLAIN_BARE_MAX);
	/* s->senders: on the first "from=" line (most pastes have none). */
	if (s->buf && s->line && s->pending && s->text && s->raw && s->whole)
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
	free(s->whole);
	free(s->senders);
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
			/* All of a short input in the first read: a paste. */
			if (s->lineno == 0 && s->end <= PROBE_EXPLAIN_BARE_MAX &&
			    feof(s->fp))
				s->is_paste = true;
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

/* "Final-Recipient: ...", "Diagnostic-Code: ...": a header line. */
static bool
probe_explain_is_header(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	/* Capitalised, as bounces write them: "server: x" is wrapped text. */
	return i > 0 && i + 1 < len && s[i] == ':' && s[i + 1] == ' ' &&
	    isupper((unsigned char)s[0]);
}

/*
 * Is the last code c of line (a word start) followed by a dash: a
 * multi-line reply that has not had its last line yet?
 */
static bool
probe_explain_open_dash(const char *line, size_t len, const char *c)
{
	size_t i;

	for (i = len; i-- > 0;)
		if (i + 4 <= len && memcmp(line + i, c, 3) == 0 &&
		    (line[i + 3] == '-' || line[i + 3] == ' ') &&
		    (i == 0 || line[i - 1] == ' '))
			return line[i + 3] == '-';
	return false;
}

/*
 * In a paste, a reply a tool or a person wrapped at any width goes on
 * over lines that neither start a new reply nor look like a log line or
 * a header: "said: 421" then "4.7.0 [TSS04] ...". A line that starts with
 * a code continues a line that announces it (no refusal code yet, ending
 * in ":", as "SMTP error from remote mail server after end of data:"),
 * or one whose last code is the same with a dash ("Remote host said:
 * 550-5.7.1 ..." wrapped by a tool before "550-5.7.1 not meet ..."), or
 * one that ends in "smtp;" (Exchange's NDR "554 5.0.0 <mx #5.0.0 smtp;"
 * with the remote server's own reply on the next line).
 */
static bool
probe_explain_paste_continues(const struct probe_explain_scan *s)
{
	if (s->linelen == 0 || s->pendlen == 0 ||
	    probe_explain_is_header(s->pending, s->pendlen) ||
	    probe_explain_stamp_len(s->pending, s->pendlen) > 0)
		return false;
	if (!probe_explain_code_at(s->pending, s->pendlen, 0, '2'))
		return true;
	if (!probe_explain_maybe(s->line, s->linelen))
		return s->line[s->linelen - 1] == ':';
	/* Exchange's "554 5.0.0 <mx #5.0.0 smtp;" then the remote reply. */
	if (s->linelen >= 5 &&
	    strncasecmp(s->line + s->linelen - 5, "smtp;", 5) == 0)
		return true;
	return probe_explain_open_dash(s->line, s->linelen, s->pending);
}

/*
 * Does the read-ahead line continue the logical one? Folded lines (leading
 * white space) always do; in a raw reply block, a line with the same code
 * does while the previous line had "DDD-"; in a paste, a wrapped reply
 * goes on (probe_explain_paste_continues).
 */
static bool
probe_explain_continues(const struct probe_explain_scan *s, bool dash)
{
	if (s->pendlen > 0 && (s->pending[0] == ' ' || s->pending[0] == '\t'))
		return true;
	if (dash && s->pendlen >= 3 && s->linelen >= 3 &&
	    memcmp(s->pending, s->line, 3) == 0 &&
	    probe_explain_code_at(s->pending, s->pendlen, 0, '2'))
		return true;
	return s->is_paste && probe_explain_paste_continues(s);
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

/*
 * The queue id before key (": from=<", ": to=<") on the line, into qid;
 * *at gets where key is. false when there is none.
 */
static bool
probe_explain_qid(const char *line, size_t len, const char *key,
    char *qid, const char **at)
{
	const char *p, *b, *end = line + len;
	size_t n, k = strlen(key);

	/* Keys end in "<", rare in a log line: jump from one to the next. */
	for (p = line; (p = memchr(p, '<', (size_t)(end - p))) != NULL; p++)
		if ((size_t)(p - line) + 1 >= k &&
		    memcmp(p + 1 - k, key, k) == 0)
			break;
	if (p == NULL)
		return false;
	p = p + 1 - k;
	for (b = p; b > line && isalnum((unsigned char)b[-1]); b--)
		;
	n = (size_t)(p - b);
	if (n == 0 || n >= PROBE_EXPLAIN_QID_MAX || b == line || b[-1] != ' ')
		return false;
	memcpy(qid, b, n);
	qid[n] = '\0';
	*at = p + strlen(key);
	return true;
}

static struct probe_explain_sender *
probe_explain_sender_slot(struct probe_explain_scan *s, const char *qid)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; qid[i] != '\0'; i++)
		h = (h ^ (unsigned char)qid[i]) * 1099511628211ull;
	return &s->senders[h & (PROBE_EXPLAIN_SENDERS - 1)];
}

/* "QID: from=<a@example.com>": remember example.com for QID. */
static void
probe_explain_note_sender(struct probe_explain_scan *s)
{
	char qid[PROBE_EXPLAIN_QID_MAX];
	struct probe_explain_sender *sl;
	const char *at, *end = s->line + s->linelen, *p, *dom = NULL;

	if (!probe_explain_qid(s->line, s->linelen, ": from=<", qid, &at))
		return;
	for (p = at; p < end && *p != '>' && *p != ' '; p++)
		if (*p == '@')
			dom = p + 1;
	if (dom == NULL || p == dom ||
	    (size_t)(p - dom) >= PROBE_EXPLAIN_DOMAIN_MAX)
		return;
	/*
	 * calloc: the pages of ids never seen are never touched. Without
	 * the table, reports go on without sender domains: they are a
	 * detail of the grouping, not a reason to stop reading the log.
	 */
	if (s->senders == NULL &&
	    (s->senders = calloc(PROBE_EXPLAIN_SENDERS,
	    sizeof(*s->senders))) == NULL)
		return;
	sl = probe_explain_sender_slot(s, qid);
	memcpy(sl->qid, qid, strlen(qid) + 1);
	memcpy(sl->domain, dom, (size_t)(p - dom));
	sl->domain[p - dom] = '\0';
}

/* The sender of the refusal's queue id, when its from= line was seen. */
static void
probe_explain_find_sender(struct probe_explain_scan *s,
    struct probe_explain_reply *r)
{
	char qid[PROBE_EXPLAIN_QID_MAX];
	const struct probe_explain_sender *sl;
	const char *at;

	if (s->senders == NULL ||
	    !probe_explain_qid(s->line, r->offset, ": to=<", qid, &at))
		return;
	sl = probe_explain_sender_slot(s, qid);
	if (strcmp(sl->qid, qid) == 0)
		memcpy(r->sender, sl->domain, sizeof(r->sender));
}

/* Keep the input while it may still be one bare reply (a short paste). */
static void
probe_explain_keep(struct probe_explain_scan *s)
{
	size_t need = s->linelen + (s->wholelen > 0), i;

	if (s->found > 0 || s->whole_over)
		return;
	for (i = 0; i < s->linelen && isspace((unsigned char)s->line[i]); i++)
		;
	if (i == s->linelen)
		return;		/* blank lines add nothing */
	if (s->wholelen + need >= PROBE_EXPLAIN_BARE_MAX) {
		s->whole_over = true;
		return;
	}
	if (s->wholelen > 0)
		s->whole[s->wholelen++] = ' ';
	memcpy(s->whole + s->wholelen, s->line, s->linelen);
	s->wholelen += s->linelen;
}

int
probe_explain_next(struct probe_explain_scan *s,
    struct probe_explain_reply *r)
{
	unsigned long first = 0;	/* set by probe_explain_logical on 1 */
	bool is_cut;
	int rc;

	while ((rc = probe_explain_logical(s, &first, &is_cut)) == 1) {
		probe_explain_keep(s);
		probe_explain_note_sender(s);
		if (!probe_explain_parse(s->line, s->linelen, r, s->text,
		    s->raw))
			continue;
		probe_explain_find_sender(s, r);
		r->line = first;
		r->is_cut |= is_cut;
		r->whole = s->line;
		r->wholelen = s->linelen;
		s->found++;
		return 1;
	}
	if (rc == 0 && s->found == 0 && !s->whole_over && !s->bare_done &&
	    s->wholelen > 0) {
		s->bare_done = true;
		probe_explain_parse_bare(s->whole, s->wholelen, r, s->text,
		    s->raw);
		r->line = 1;
		r->whole = s->whole;
		r->wholelen = s->wholelen;
		return 1;
	}
	return rc;
}

/* Four ways per set: a few hundred texts seldom push each other out. */
#define PROBE_EXPLAIN_CACHE_WAYS	4

_Static_assert(PROBE_EXPLAIN_CACHE_SLOTS % PROBE_EXPLAIN_CACHE_WAYS == 0 &&
    ((PROBE_EXPLAIN_CACHE_SLOTS / PROBE_EXPLAIN_CACHE_WAYS) &
    (PROBE_EXPLAIN_CACHE_SLOTS / PROBE_EXPLAIN_CACHE_WAYS - 1)) == 0,
    "cache sets: a power of two");

struct probe_explain_cache_slot {
	uint64_t		 hash;
	unsigned long		 used;		/* last use, for replacement */
	size_t			 keylen;	/* 0: free */
	char			 key[PROBE_EXPLAIN_CACHE_KEY_MAX];
	const struct probe_catalog_entry *entry;	/* NULL: no match */
	enum probe_catalog_layer layer;
	int			 which;
	/*
	 * The decision holds for a server whose probe_catalog_host_set,
	 * masked by host_bits (those of the catalog's host_bits, with
	 * PROBE_CATALOG_HOST_NAMED), is hosts: the same text from any
	 * server of no provider concerned is the same decision.
	 */
	uint64_t		 host_bits;
	uint64_t		 hosts;
};

int
probe_explain_cache_init(struct probe_explain_cache *k)
{
	memset(k, 0, sizeof(*k));
	k->slots = calloc(PROBE_EXPLAIN_CACHE_SLOTS, sizeof(*k->slots));
	return k->slots != NULL ? 0 : -1;
}

void
probe_explain_cache_free(struct probe_explain_cache *k)
{
	free(k->slots);
	memset(k, 0, sizeof(*k));
}

static bool
probe_explain_is_token(char c)
{
	unsigned char l = (unsigned char)c | 0x20;

	return (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '-' || c == '_';
}

/* The memo key of r (see the header); 0 when too long to keep. */
static size_t
probe_explain_key(const struct probe_explain_reply *r, char *key)
{
	size_t i = 0, j, o, n;
	bool digit;

	/* code, stage, bare, enhanced: what else decides, before the text. */
	key[0] = (char)(r->code / 100);
	key[1] = (char)(r->code % 100);
	key[2] = (char)(r->has_stage ? (int)r->stage + 1 : 0);
	key[3] = (char)r->is_bare;
	o = 4 + strlen(r->enhanced);
	memcpy(key + 4, r->enhanced, o - 4);
	key[o++] = '|';
	while (i < r->len) {
		for (j = i, digit = false; j < r->len &&
		    probe_explain_is_token(r->text[j]); j++)
			digit |= probe_explain_digit(r->text[j]);
		n = j > i ? j - i : 1;
		if (j - i >= 8 && digit) {
			if (o + 1 >= PROBE_EXPLAIN_CACHE_KEY_MAX)
				return 0;
			key[o++] = '#';
		} else {
			if (o + n >= PROBE_EXPLAIN_CACHE_KEY_MAX)
				return 0;
			memcpy(key + o, r->text + i, n);
			o += n;
		}
		i += n;
	}
	return o;
}

static uint64_t
probe_explain_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* The slot of key in its set: the key's own, else the least recent. */
static struct probe_explain_cache_slot *
probe_explain_slot(struct probe_explain_cache *k, uint64_t h,
    const char *key, size_t n, uint64_t hosts)
{
	struct probe_explain_cache_slot *set, *old;
	size_t w;

	set = &k->slots[(h & (PROBE_EXPLAIN_CACHE_SLOTS /
	    PROBE_EXPLAIN_CACHE_WAYS - 1)) * PROBE_EXPLAIN_CACHE_WAYS];
	old = set;
	/*
	 * One text may hold a decision per kind of server (a provider's
	 * own, another's, none named): each in its own way of the set.
	 */
	for (w = 0; w < PROBE_EXPLAIN_CACHE_WAYS; w++) {
		if (set[w].keylen == n && set[w].hash == h &&
		    (hosts & set[w].host_bits) == set[w].hosts &&
		    memcmp(set[w].key, key, n) == 0)
			return &set[w];
		if (set[w].used < old->used)
			old = &set[w];
	}
	return old;
}

/* The catalog files of the server named host, through k's memo. */
static uint64_t
probe_explain_hosts(const struct probe_catalog *c,
    struct probe_explain_cache *k, const char *host)
{
	struct probe_explain_host_slot *sl;
	size_t n = strcspn(host, "[");

	if (k == NULL || n == 0 || n >= PROBE_EXPLAIN_HOST_NAME)
		return probe_catalog_host_set(c, host);
	sl = &k->servers[probe_explain_hash(host, n) % PROBE_EXPLAIN_HOSTS];
	if (sl->len != n || memcmp(sl->name, host, n) != 0) {
		memcpy(sl->name, host, n);
		sl->name[n] = '\0';
		sl->len = n;
		sl->hosts = probe_catalog_host_set(c, sl->name);
	}
	return sl->hosts;
}

/* The search itself, or its memo; q is filled from r. */
static void
probe_explain_match(struct probe_catalog *c, struct probe_explain_cache *k,
    const struct probe_explain_reply *r, const struct probe_catalog_query *q,
    struct probe_catalog_match *m)
{
	char key[PROBE_EXPLAIN_CACHE_KEY_MAX];
	struct probe_explain_cache_slot *sl;
	size_t n = k != NULL ? probe_explain_key(r, key) : 0;
	uint64_t h;

	if (n == 0) {
		(void)probe_catalog_match(c, q, m);	/* none: entry NULL */
		return;
	}
	h = probe_explain_hash(key, n);
	sl = probe_explain_slot(k, h, key, n, q->hosts);
	k->uses++;
	if (sl->keylen == n && sl->hash == h &&
	    (q->hosts & sl->host_bits) == sl->hosts &&
	    memcmp(sl->key, key, n) == 0) {
		k->hits++;
		sl->used = k->uses;
		if (sl->entry == NULL)
			memset(m, 0, sizeof(*m));
		else
			probe_catalog_match_entry(c, q, sl->entry, sl->layer,
			    sl->which, m);
		return;
	}
	k->misses++;
	(void)probe_catalog_match(c, q, m);	/* none: entry NULL */
	sl->hash = h;
	sl->used = k->uses;
	sl->keylen = n;
	memcpy(sl->key, key, n);
	sl->entry = m->entry;
	sl->layer = m->layer;
	sl->which = probe_catalog_any_index(m);
	sl->host_bits = c->host_bits != 0 ?
	    c->host_bits | PROBE_CATALOG_HOST_NAMED : 0;
	sl->hosts = q->hosts & sl->host_bits;
}

void
probe_explain_decide(struct probe_catalog *c,
    const struct probe_explain_reply *r, const char *provider,
    struct probe_explain_cache *k, struct probe_explain_diag *d)
{
	struct probe_catalog_query q;

	memset(d, 0, sizeof(*d));
	d->has_verdict = probe_verdict_reply(r->code, r->enhanced, r->text,
	    r->len, &d->verdict);
	d->is_refusal = !d->has_verdict || d->verdict != PROBE_VERDICT_PASS;
	if (!d->is_refusal)
		return;
	memset(&q, 0, sizeof(q));
	q.code = r->code;
	q.enhanced = r->enhanced;
	q.has_stage = r->has_stage;
	q.stage = r->stage;
	q.text = r->text;
	q.len = r->len;
	q.provider = provider;
	q.hosts = probe_explain_hosts(c, k, r->host);
	probe_explain_match(c, k, r, &q, &d->match);
	/* Words that are no reply: neither a verdict nor a known phrase. */
	if (r->is_bare && d->match.entry == NULL && !d->has_verdict)
		d->is_refusal = false;
}

const char *
probe_explain_verdict_name(const struct probe_explain_diag *d)
{
	return d->has_verdict ? probe_verdict_name(d->verdict) : "unknown";
}
