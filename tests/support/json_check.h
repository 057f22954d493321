/*
 * json_check - a strict JSON validator for the report tests, written
 * from RFC 8259 and independent of the code under test.
 *
 * What it accepts: exactly one value (object, array, string, number,
 * true, false, null) with optional whitespace around it and nothing
 * after it. Strings hold no raw byte below 0x20, only the escapes of RFC
 * 8259 7, and only well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). Stricter than the grammar on one
 * point, because it is what interoperates (RFC 8259 8.2): a \u escape of
 * a surrogate must be a high one directly followed by a low one. Numbers
 * follow the grammar of RFC 8259 6 (no leading zeros, no "+", no NaN).
 * It builds nothing: it only says whether the text is valid and, when
 * not, where and why.
 *
 * Limits: nesting deeper than JSON_CHECK_DEPTH_MAX is refused, so a
 * runaway renderer cannot make the validator recurse without bound.
 */
#ifndef SMTPPROBE_TESTS_JSON_CHECK_H
#define SMTPPROBE_TESTS_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Our reports nest five deep; anything near this is a renderer bug. */
#define JSON_CHECK_DEPTH_MAX	32
/* "offset N: what" fits. */
#define JSON_CHECK_ERR_MAX	128

/*
 * json_check - true when the len bytes at text are one valid JSON
 * document. Otherwise false with "offset N: what" in err (errlen bytes,
 * JSON_CHECK_ERR_MAX is enough; err may be NULL).
 */
bool	json_check(const char *text, size_t len, char *err, size_t errlen);

#endif
