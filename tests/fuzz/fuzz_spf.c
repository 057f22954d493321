/*
 * fuzz_spf - the SPF evaluator (RFC 7208 check_host) over a fuzzed zone:
 * records, macros, include and redirect chains, the lookup limits.
 *
 * Input: lines "NAME TYPE VALUE" (TYPE one of TXT A MX PTR CNAME T S: a
 * TXT string, an address, an MX host, a PTR target, a CNAME, a timeout,
 * a SERVFAIL; a TXT value may hold several strings split at '|' and any
 * byte but a newline). The query is 192.0.2.1 (or 2001:db8::1 when the
 * input's first byte is odd) for postmaster@example.test. Invariants:
 * the evaluation ends (the zone cannot loop it: limits), its result is
 * one of RFC 7208's seven, every text of the result is terminated, and
 * the counted lookups keep the limit of 10 (11 when the eleventh is the
 * one refused).
 */
#include <stdlib.h>
#include <string.h>

#include "probe/auth/probe_spf.h"
#include "probe/dns/probe_dns.h"
#include "tests/fuzz/fuzz.h"
#include "tests/support/zone_dns.h"

#define FUZZ_LINE_MAX	1024
#define FUZZ_STRINGS_MAX 8

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* One "NAME TYPE VALUE" line (NUL-terminated, no newline) into z. */
static void
fuzz_line(struct zone_dns *z, char *line)
{
	const char *strings[FUZZ_STRINGS_MAX];
	size_t lens[FUZZ_STRINGS_MAX], n = 0;
	char *name = line, *type, *value, *p;

	if ((type = strchr(name, ' ')) == NULL)
		return;
	*type++ = '\0';
	if ((value = strchr(type, ' ')) == NULL)
		value = type + strlen(type);
	else
		*value++ = '\0';
	if (strcmp(type, "TXT") == 0) {
		for (p = value; n < FUZZ_STRINGS_MAX; n++) {
			char *bar = strchr(p, '|');

			strings[n] = p;
			lens[n] = bar ? (size_t)(bar - p) : strlen(p);
			if (bar == NULL) {
				n++;
				break;
			}
			p = bar + 1;
		}
		(void)zone_dns_add_txt_strings(z, name, strings, lens, n);
	} else if (strcmp(type, "A") == 0) {
		(void)zone_dns_add_addr(z, name, value);
	} else if (strcmp(type, "MX") == 0) {
		(void)zone_dns_add_mx(z, name, 10, value);
	} else if (strcmp(type, "PTR") == 0) {
		(void)zone_dns_add_ptr(z, name, value);
	} else if (strcmp(type, "CNAME") == 0) {
		(void)zone_dns_add_cname(z, name, value);
	} else if (strcmp(type, "T") == 0) {
		(void)zone_dns_add_timeout(z, name);
	} else if (strcmp(type, "S") == 0) {
		(void)zone_dns_add_servfail(z, name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_spf_query q = { 0 };
	struct probe_spf_result *out;
	struct probe_dns dns;
	struct zone_dns z;
	char line[FUZZ_LINE_MAX], err[256];
	size_t i = 1, n;

	if (size == 0)
		return 0;
	zone_dns_init(&z);
	while (i < size) {
		for (n = 0; i < size && data[i] != '\n'; i++)
			if (n < sizeof(line) - 1)
				line[n++] = (char)data[i];
		line[n] = '\0';
		i++;
		fuzz_line(&z, line);
	}
	zone_dns_bind(&z, &dns);
	q.ip = data[0] & 1 ? "2001:db8::1" : "192.0.2.1";
	q.domain = "example.test";
	q.sender = "postmaster@example.test";
	q.helo = "mail.example.test";
	q.now = 1764720000;
	out = calloc(1, sizeof(*out));
	fuzz_check(out != NULL);
	if (probe_spf_check_host(&dns, &q, out, err, sizeof(err)) ==
	    PROBE_SPF_OK) {
		fuzz_check((unsigned)out->res < PROBE_SPF_RES_COUNT);
		fuzz_check(out->lookups <= 11);
		fuzz_check(fuzz_terminated(out->reason, sizeof(out->reason)));
		fuzz_check(fuzz_terminated(out->explanation,
		    sizeof(out->explanation)));
		fuzz_check(fuzz_terminated(out->mechanism,
		    sizeof(out->mechanism)));
		fuzz_check(fuzz_terminated(out->record, sizeof(out->record)));
		fuzz_check(out->ntrace <= PROBE_SPF_TRACE_MAX);
	}
	free(out);
	zone_dns_free(&z);
	return 0;
}
