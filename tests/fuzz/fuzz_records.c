/*
 * fuzz_records - the parsers of what DNS hands the pre-flight check: a
 * DMARC record, a DKIM key record, and the tag=value list under both.
 *
 * Input: the first byte picks the parser (mod 3); the rest is the record
 * as a TXT answer would give it (NUL bytes included). Invariants: every
 * parse ends (no crash, no read past the input), the reason of an
 * invalid record is a terminated string, a valid DMARC record has a
 * percentage of 0-100, and the tag walk only moves forward, inside the
 * input, with each tag's name and value inside it too.
 */
#include <stdlib.h>
#include <string.h>

#include "probe/auth/probe_dkim.h"
#include "probe/auth/probe_dmarc.h"
#include "probe/util/probe_taglist.h"
#include "tests/fuzz/fuzz.h"

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_inside(const char *p, size_t n, const char *text, size_t len)
{
	fuzz_check(n == 0 || (p >= text && p + n <= text + len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size > 0 ? size - 1 : 0, pos = 0, last;
	struct probe_dmarc_record dmarc;
	struct probe_dkim_key key;
	struct probe_taglist_tag t;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (probe_dmarc_parse(text, len, &dmarc))
			fuzz_check(dmarc.pct <= 100);
		else
			fuzz_check(memchr(dmarc.reason, '\0',
			    sizeof(dmarc.reason)) != NULL);
		break;
	case 1:
		(void)probe_dkim_parse(text, len, &key);
		fuzz_check(memchr(key.reason, '\0', sizeof(key.reason)) !=
		    NULL);
		(void)probe_dkim_decide(&key);
		break;
	default:
		for (;;) {
			last = pos;
			if (!probe_taglist_next(text, len, &pos, &t))
				break;
			fuzz_check(pos > last && pos <= len + 1);
			fuzz_inside(t.name, t.nlen, text, len);
			fuzz_inside(t.val, t.vlen, text, len);
		}
		break;
	}
	return 0;
}
