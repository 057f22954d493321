/*
 * fuzz_dns - DNS replies as the c-ares lookups take them: c-ares' own
 * parsers (TXT, A, AAAA, MX, PTR) and our answer builders behind them
 * (probe_dns_parse()), then what the pre-flight check does with a TXT
 * answer (the DMARC and DKIM record parsers).
 *
 * Input: byte 0 mod 5 picks the query type (TXT, A, AAAA, MX, PTR); the
 * rest is the reply as it came off the wire (header, question, answers,
 * compression pointers and all). Invariants: when the reply parses,
 * the answer keeps its limits (PROBE_DNS_RR_MAX records), every record's
 * text lies inside the answer's text and is NUL-terminated at its
 * length, an A record is 4 bytes of AF_INET and an AAAA 16 of AF_INET6,
 * an MX or PTR name holds no NUL; every parse ends; nothing leaks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/auth/probe_dkim.h"
#include "probe/auth/probe_dmarc.h"
#include "probe/dns/probe_dns.h"
#include "tests/fuzz/fuzz.h"

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* One record of a parsed answer, as its type promises. */
static void
fuzz_record(const struct probe_dns_answer *ans, size_t i)
{
	const struct probe_dns_rr *rr = probe_dns_answer_rr(ans, i);
	const char *text = probe_dns_answer_text(ans, i);
	struct probe_dmarc_record dmarc;
	struct probe_dkim_key key;

	fuzz_check(rr != NULL);
	switch (ans->type) {
	case PROBE_DNS_A:
		fuzz_check(rr->family == AF_INET);
		return;
	case PROBE_DNS_AAAA:
		fuzz_check(rr->family == AF_INET6);
		return;
	default:
		break;
	}
	fuzz_check(text != NULL);
	fuzz_check(rr->off + rr->len < ans->text.len + 1);
	fuzz_check(text[rr->len] == '\0');
	if (ans->type != PROBE_DNS_TXT) {
		fuzz_check(strlen(text) == rr->len);
		return;
	}
	if (probe_dmarc_parse(text, rr->len, &dmarc))
		fuzz_check(dmarc.pct <= 100);
	(void)probe_dkim_parse(text, rr->len, &key);
	fuzz_check(memchr(key.reason, '\0', sizeof(key.reason)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum probe_dns_type types[] = { PROBE_DNS_TXT,
	    PROBE_DNS_A, PROBE_DNS_AAAA, PROBE_DNS_MX, PROBE_DNS_PTR };
	struct probe_dns_answer ans;
	size_t i;

	if (size == 0)
		return 0;
	probe_dns_answer_init(&ans);
	ans.type = types[data[0] % 5];
	if (probe_dns_parse(&ans, data + 1, size - 1) == 0) {
		fuzz_check(ans.nrr <= PROBE_DNS_RR_MAX);
		for (i = 0; i < ans.nrr; i++)
			fuzz_record(&ans, i);
	}
	probe_dns_answer_free(&ans);
	return 0;
}
