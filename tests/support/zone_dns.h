/*
 * zone_dns - an in-memory implementation of the probe_dns interface, so
 * the SPF evaluator (and later DMARC and DKIM) can be tested without a
 * network or a DNS server.
 *
 * What it does: keeps the records a test adds (TXT, A, AAAA, MX, PTR,
 * CNAME) in the order added and answers lookups from them: names compare
 * without case and without a trailing dot; a CNAME is followed when the
 * name has no record of the type asked (at most ZONE_DNS_CNAME_MAX
 * steps, so a loop is a SERVFAIL, as a resolver reports it); a name that
 * holds nothing, not even below it, is NXDOMAIN, one that holds other
 * types (or names below it) is NODATA.
 *
 * Two markers stand for a broken server. They follow the driver of the
 * RFC 7208 test suite (pyspf's testspf.py): a lookup walks the name's
 * entries in order and, on reaching a TIMEOUT (or SERVFAIL) marker
 * before any record of the type asked, times out (or fails); a record of
 * the type before the marker answers normally.
 *
 * Limits: ZONE_DNS_RECORDS_MAX records; answers are bounded by
 * probe_dns itself (PROBE_DNS_RR_MAX, PROBE_DNS_TEXT_MAX).
 *
 * Errors: the zone_dns_add_*() functions return 0, or -1 when the
 * record is unusable (an address that does not parse, a name longer
 * than 253 characters), memory ran out, or the zone is full.
 */
#ifndef SMTPPROBE_TESTS_ZONE_DNS_H
#define SMTPPROBE_TESTS_ZONE_DNS_H

#include <stddef.h>

#include "probe/dns/probe_dns.h"
#include "smtp/smtp_buf.h"

/* The RFC 7208 suite's largest document has about sixty records. */
#define ZONE_DNS_RECORDS_MAX	4096
/* Resolvers give up on chains of about this length. */
#define ZONE_DNS_CNAME_MAX	8

struct zone_dns {
	struct smtp_buf	records;	/* struct zone_rec[], private */
	size_t		nrecords;
	size_t		queries;	/* lookups answered */
};

/* zone_dns_init - an empty zone (the same as zeroing it). */
void	zone_dns_init(struct zone_dns *z);

/* zone_dns_free - free and zero; safe on a zeroed zone. */
void	zone_dns_free(struct zone_dns *z);

/*
 * zone_dns_bind - point dns at z; z is borrowed and must outlive every
 * lookup through dns. Nothing to close.
 */
void	zone_dns_bind(struct zone_dns *z, struct probe_dns *dns);

/* A TXT record of one character-string (NUL-terminated text). */
int	zone_dns_add_txt(struct zone_dns *z, const char *name,
	    const char *text);

/*
 * A TXT record of n character-strings, string i being lens[i] bytes at
 * strings[i] (NUL bytes allowed). n may be 0: a record with no string,
 * which DNS cannot carry but SPF must survive.
 */
int	zone_dns_add_txt_strings(struct zone_dns *z, const char *name,
	    const char *const *strings, const size_t *lens, size_t n);

/* An A or AAAA record, by the address text ("192.0.2.1", "2001:db8::1"). */
int	zone_dns_add_addr(struct zone_dns *z, const char *name,
	    const char *ip);

int	zone_dns_add_mx(struct zone_dns *z, const char *name, unsigned pref,
	    const char *host);
int	zone_dns_add_ptr(struct zone_dns *z, const char *name,
	    const char *host);
int	zone_dns_add_cname(struct zone_dns *z, const char *name,
	    const char *target);

/* The markers described above. */
int	zone_dns_add_timeout(struct zone_dns *z, const char *name);
int	zone_dns_add_servfail(struct zone_dns *z, const char *name);
/* A lookup past the deadline: never sent (PROBE_DNS_UNASKED). */
int	zone_dns_add_unasked(struct zone_dns *z, const char *name);

#endif
