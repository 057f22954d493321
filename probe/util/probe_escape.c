/*
 * probe_escape - escaping for terminals and JSON.
 */
#include <string.h>

#include "probe/util/probe_escape.h"

static const char probe_hex[] = "0123456789abcdef";

void
probe_escape_text(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", fp);
		else if (c >= 0x20 && c < 0x7f)
			putc(c, fp);
		else
			fprintf(fp, "\\x%c%c", probe_hex[c >> 4],
			    probe_hex[c & 15]);
	}
}

void
probe_escape_html(FILE *fp, const char *s, size_t len, bool keep_newlines)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default:
			if ((c >= 0x20 && c < 0x7f) ||
			    (c == '\n' && keep_newlines))
				putc(c, fp);
			else
				fprintf(fp, "\\x%c%c", probe_hex[c >> 4],
				    probe_hex[c & 15]);
		}
	}
}

size_t
probe_escape_text_len(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			n += 2;
		else if (c >= 0x20 && c < 0x7f)
			n++;
		else
			n += 4;
	}
	return n;
}

void
probe_escape_words(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			putc(c, fp);
		else
			fprintf(fp, "\\x%c%c", probe_hex[c >> 4],
			    probe_hex[c & 15]);
	}
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 when it is not valid.
 */
static size_t
probe_escape_utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool
probe_escape_is_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		n = u[i] < 0x80 ? 1 : probe_escape_utf8_len(u + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static void
probe_escape_json_byte(FILE *fp, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", fp);
		break;
	case '\\':
		fputs("\\\\", fp);
		break;
	case '\n':
		fputs("\\n", fp);
		break;
	case '\r':
		fputs("\\r", fp);
		break;
	case '\t':
		fputs("\\t", fp);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u00%c%c", probe_hex[c >> 4],
			    probe_hex[c & 15]);
		else
			putc(c, fp);
	}
}

bool
probe_escape_json(FILE *fp, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	bool replaced = false;
	size_t i = 0, n;

	putc('"', fp);
	while (i < len) {
		if (u[i] < 0x80) {
			probe_escape_json_byte(fp, u[i++]);
			continue;
		}
		n = probe_escape_utf8_len(u + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", fp);
			replaced = true;
			i++;
			continue;
		}
		fwrite(u + i, 1, n, fp);
		i += n;
	}
	putc('"', fp);
	return replaced;
}

bool
probe_escape_json_str(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return false;
	}
	return probe_escape_json(fp, s, strlen(s));
}

void
probe_json_key(FILE *fp, const char *key, bool comma)
{
	fprintf(fp, "%s\"%s\":", comma ? "," : "", key);
}

void
probe_json_str(FILE *fp, const char *key, const char *value, bool comma)
{
	probe_json_key(fp, key, comma);
	/* The flag says U+FFFD was needed; the caller has no field for it. */
	(void)probe_escape_json_str(fp, value);
}

void
probe_json_bool(FILE *fp, const char *key, bool value, bool comma)
{
	probe_json_key(fp, key, comma);
	fputs(value ? "true" : "false", fp);
}
