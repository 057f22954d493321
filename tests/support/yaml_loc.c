/*
 * yaml_loc - the location invariant of the YAML loaders. See yaml_loc.h.
 * The reader's rules are libyaml 0.2's (yaml_parser_update_buffer()):
 * UTF-8 with no overlong form, no surrogate, nothing past U+10FFFF, and
 * only the printable characters of YAML 1.1 5.1.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/support/yaml_loc.h"

static const char *const yaml_loc_problems[] = {
	"control characters are not allowed",
	"invalid leading UTF-8 octet",
	"invalid trailing UTF-8 octet",
	"incomplete UTF-8 octet sequence",
	"invalid length of a UTF-8 sequence",
	"invalid Unicode character",
	NULL,
};

static bool
yaml_loc_is_printable(uint32_t c)
{
	return c == 0x09 || c == 0x0A || c == 0x0D ||
	    (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
	    (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	    (c >= 0x10000 && c <= 0x10FFFF);
}

/* The width of the character at d[0..n), or 0 when the reader refuses it. */
static size_t
yaml_loc_char(const uint8_t *d, size_t n)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t w = (d[0] & 0x80) == 0 ? 1 : (d[0] & 0xE0) == 0xC0 ? 2 :
	    (d[0] & 0xF0) == 0xE0 ? 3 : (d[0] & 0xF8) == 0xF0 ? 4 : 0;
	uint32_t c;
	size_t i;

	if (w == 0 || w > n)
		return 0;
	c = w == 1 ? d[0] : (uint32_t)(d[0] & (0xFF >> (w + 1)));
	for (i = 1; i < w; i++) {
		if ((d[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (d[i] & 0x3F);
	}
	if (c < min[w] || (c >= 0xD800 && c <= 0xDFFF) ||
	    !yaml_loc_is_printable(c))
		return 0;
	return w;
}

/* The 1-based line of the first refused byte, or 0 when none is. */
static unsigned long
yaml_loc_bad_line(const uint8_t *d, size_t n)
{
	unsigned long line = 1;
	size_t i = 0, w;

	while (i < n) {
		if ((w = yaml_loc_char(d + i, n - i)) == 0)
			return line;
		if (d[i] == '\n' || (d[i] == '\r' && (i + 1 == n ||
		    d[i + 1] != '\n')))
			line++;
		i += w;
	}
	return 0;
}

bool
yaml_loc_is_right(const char *err, const char *path, const uint8_t *data,
    size_t size)
{
	size_t plen = strlen(path), i;
	unsigned long line, bad;
	char *end;

	if (size >= 2 && ((data[0] == 0xFE && data[1] == 0xFF) ||
	    (data[0] == 0xFF && data[1] == 0xFE)))
		return true;
	if (strncmp(err, path, plen) != 0 || err[plen] != ':')
		return true;
	line = strtoul(err + plen + 1, &end, 10);
	if (end == err + plen + 1 || *end != ':')
		return true;
	end += strspn(end + 1, "0123456789") + 1;
	if (strncmp(end, ": ", 2) != 0)
		return true;
	for (i = 0; yaml_loc_problems[i] != NULL; i++)
		if (strcmp(end + 2, yaml_loc_problems[i]) == 0)
			break;
	if (yaml_loc_problems[i] == NULL)
		return true;
	bad = yaml_loc_bad_line(data, size);
	return bad != 0 && line == bad;
}
