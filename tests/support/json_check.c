/*
 * json_check - recursive descent over RFC 8259, one function per rule.
 */
#include <stdio.h>
#include <string.h>

#include "tests/support/json_check.h"

struct json_in {
	const unsigned char	*s;
	size_t			 len;
	size_t			 pos;
	unsigned		 depth;
	char			*err;
	size_t			 errlen;
};

static bool	json_value(struct json_in *in);

static bool
json_fail(struct json_in *in, const char *what)
{
	if (in->err != NULL && in->errlen > 0)
		(void)snprintf(in->err, in->errlen, "offset %zu: %s", in->pos,
		    what);	/* a cut message is still a failure */
	return false;
}

/* The byte at pos, or -1 at the end of the text. */
static int
json_peek(const struct json_in *in)
{
	return in->pos < in->len ? in->s[in->pos] : -1;
}

/* RFC 8259 2: ws = space, tab, LF, CR. */
static void
json_ws(struct json_in *in)
{
	int c;

	while ((c = json_peek(in)) == ' ' || c == '\t' || c == '\n' ||
	    c == '\r')
		in->pos++;
}

static bool
json_literal(struct json_in *in, const char *word)
{
	size_t n = strlen(word);

	if (in->len - in->pos < n || memcmp(in->s + in->pos, word, n) != 0)
		return json_fail(in, "not a JSON value");
	in->pos += n;
	return true;
}

static bool
json_digits(struct json_in *in)
{
	size_t start = in->pos;

	while (json_peek(in) >= '0' && json_peek(in) <= '9')
		in->pos++;
	return in->pos > start ? true : json_fail(in, "a digit expected");
}

/* RFC 8259 6: [ minus ] int [ frac ] [ exp ]. */
static bool
json_number(struct json_in *in)
{
	if (json_peek(in) == '-')
		in->pos++;
	if (json_peek(in) == '0')
		in->pos++;
	else if (!json_digits(in))
		return false;
	if (json_peek(in) >= '0' && json_peek(in) <= '9')
		return json_fail(in, "a number with a leading zero");
	if (json_peek(in) == '.') {
		in->pos++;
		if (!json_digits(in))
			return false;
	}
	if (json_peek(in) == 'e' || json_peek(in) == 'E') {
		in->pos++;
		if (json_peek(in) == '+' || json_peek(in) == '-')
			in->pos++;
		if (!json_digits(in))
			return false;
	}
	return true;
}

static int
json_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after "\u"; pos is on the first. */
static bool
json_hex4(struct json_in *in, unsigned *out)
{
	int i, h;

	*out = 0;
	for (i = 0; i < 4; i++) {
		h = json_hex(json_peek(in));
		if (h < 0)
			return json_fail(in, "\\u needs four hex digits");
		*out = *out << 4 | (unsigned)h;
		in->pos++;
	}
	return true;
}

/* "\uXXXX", with a surrogate pair taken as one; pos is after the "u". */
static bool
json_escape_u(struct json_in *in)
{
	unsigned hi, lo;

	if (!json_hex4(in, &hi))
		return false;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return json_fail(in, "a low surrogate with no high one");
	if (hi < 0xd800 || hi > 0xdbff)
		return true;
	if (in->len - in->pos < 2 || in->s[in->pos] != '\\' ||
	    in->s[in->pos + 1] != 'u')
		return json_fail(in, "a high surrogate with no low one");
	in->pos += 2;
	if (!json_hex4(in, &lo))
		return false;
	if (lo < 0xdc00 || lo > 0xdfff)
		return json_fail(in, "a high surrogate with no low one");
	return true;
}

/* RFC 8259 7: the escapes after a backslash; pos is on the backslash. */
static bool
json_escape(struct json_in *in)
{
	int c;

	in->pos++;
	c = json_peek(in);
	if (c < 0 || strchr("\"\\/bfnrtu", c) == NULL || c == '\0')
		return json_fail(in, "an unknown escape");
	in->pos++;
	return c == 'u' ? json_escape_u(in) : true;
}

/*
 * One UTF-8 sequence of 2 to 4 bytes, checked against the table of
 * well-formed sequences (Unicode 15, table 3-7): the lead byte gives the
 * length and the range of the second byte; the rest are 80..BF.
 */
static bool
json_utf8(struct json_in *in)
{
	static const struct {
		unsigned char lead_lo, lead_hi, n, second_lo, second_hi;
	} forms[] = {
		{ 0xc2, 0xdf, 2, 0x80, 0xbf },
		{ 0xe0, 0xe0, 3, 0xa0, 0xbf },
		{ 0xe1, 0xec, 3, 0x80, 0xbf },
		{ 0xed, 0xed, 3, 0x80, 0x9f },
		{ 0xee, 0xef, 3, 0x80, 0xbf },
		{ 0xf0, 0xf0, 4, 0x90, 0xbf },
		{ 0xf1, 0xf3, 4, 0x80, 0xbf },
		{ 0xf4, 0xf4, 4, 0x80, 0x8f },
	};
	unsigned char lead = in->s[in->pos];
	size_t f, i;

	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
		if (lead >= forms[f].lead_lo && lead <= forms[f].lead_hi)
			break;
	if (f == sizeof(forms) / sizeof(forms[0]))
		return json_fail(in, "a byte that starts no UTF-8 sequence");
	if (in->len - in->pos < forms[f].n)
		return json_fail(in, "a UTF-8 sequence cut short");
	if (in->s[in->pos + 1] < forms[f].second_lo ||
	    in->s[in->pos + 1] > forms[f].second_hi)
		return json_fail(in, "an ill-formed UTF-8 sequence");
	for (i = 2; i < forms[f].n; i++)
		if (in->s[in->pos + i] < 0x80 || in->s[in->pos + i] > 0xbf)
			return json_fail(in, "an ill-formed UTF-8 sequence");
	in->pos += forms[f].n;
	return true;
}

/* RFC 8259 7: a quoted string; pos is on the opening quote. */
static bool
json_string(struct json_in *in)
{
	int c;

	in->pos++;
	for (;;) {
		c = json_peek(in);
		if (c < 0)
			return json_fail(in, "a string with no closing quote");
		if (c == '"') {
			in->pos++;
			return true;
		}
		if (c < 0x20)
			return json_fail(in, "a raw control byte in a string");
		if (c == '\\') {
			if (!json_escape(in))
				return false;
		} else if (c >= 0x80) {
			if (!json_utf8(in))
				return false;
		} else {
			in->pos++;
		}
	}
}

/* Members or elements up to close; pos is after the opening bracket. */
static bool
json_items(struct json_in *in, int close, bool is_object)
{
	json_ws(in);
	if (json_peek(in) == close) {
		in->pos++;
		return true;
	}
	for (;;) {
		json_ws(in);
		if (is_object) {
			if (json_peek(in) != '"')
				return json_fail(in, "a member name expected");
			if (!json_string(in))
				return false;
			json_ws(in);
			if (json_peek(in) != ':')
				return json_fail(in, "':' expected");
			in->pos++;
		}
		if (!json_value(in))
			return false;
		json_ws(in);
		if (json_peek(in) == close) {
			in->pos++;
			return true;
		}
		if (json_peek(in) != ',')
			return json_fail(in,
			    "',' or a closing bracket expected");
		in->pos++;
	}
}

static bool
json_nested(struct json_in *in, int close, bool is_object)
{
	bool ok;

	if (in->depth == JSON_CHECK_DEPTH_MAX)
		return json_fail(in, "nested too deep");
	in->depth++;
	in->pos++;
	ok = json_items(in, close, is_object);
	in->depth--;
	return ok;
}

/* RFC 8259 3: a value, with the whitespace around it. */
static bool
json_value(struct json_in *in)
{
	int c;
	bool ok;

	json_ws(in);
	c = json_peek(in);
	if (c == '{')
		ok = json_nested(in, '}', true);
	else if (c == '[')
		ok = json_nested(in, ']', false);
	else if (c == '"')
		ok = json_string(in);
	else if (c == '-' || (c >= '0' && c <= '9'))
		ok = json_number(in);
	else if (c == 't')
		ok = json_literal(in, "true");
	else if (c == 'f')
		ok = json_literal(in, "false");
	else if (c == 'n')
		ok = json_literal(in, "null");
	else
		ok = json_fail(in, c < 0 ? "a value expected, got the end" :
		    "not a JSON value");
	if (ok)
		json_ws(in);
	return ok;
}

bool
json_check(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_in in = { .s = (const unsigned char *)text, .len = len,
	    .err = err, .errlen = errlen };

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!json_value(&in))
		return false;
	if (in.pos != in.len)
		return json_fail(&in, "bytes after the document");
	return true;
}
