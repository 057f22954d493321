/*
 * probe_spf - evaluate SPF (RFC 7208) for real: may this IP address send
 * mail for this domain, and why.
 *
 * What it does: check_host() of RFC 7208 4 for a client address, a
 * domain and a sender, with every mechanism (all, include, a, mx, ptr,
 * ip4, ip6, exists) and CIDR length, the redirect= and exp= modifiers
 * (unknown modifiers are checked for syntax and ignored), macros (7, all
 * letters, transformers and delimiters; c, r and t in explanations
 * only), qualifiers, and the processing limits of 4.6.4. Every lookup
 * goes through the resolver interface (probe_dns.h); the implementation
 * behind it owns the deadline, so a check cannot hang here. IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are IPv4 throughout (RFC 7208 5).
 * What it does not do: decide what the result means for delivery (that
 * is probe_verdict's job), DMARC alignment, DKIM, or caching between
 * checks.
 *
 * The result holds the RFC's result (none, neutral, pass, fail,
 * softfail, temperror, permerror), the term that decided it and the
 * domain whose record holds it, one sentence of reason, the
 * explanation for a fail (exp= or the caller's default), the counts of
 * DNS-querying terms and void lookups, and a trace of the steps for the
 * report. Results are never errors: a broken record is a permerror with
 * a reason, a DNS failure a temperror.
 *
 * Limits (RFC 7208 4.6.4 and ours):
 * - PROBE_SPF_LOOKUP_MAX terms that query DNS (include, a, mx, ptr,
 *   exists, redirect) per check; the next one is a permerror. An include
 *   or redirect loop ends there too, and the reason says "include loop".
 * - PROBE_SPF_VOID_MAX void lookups (NXDOMAIN or no data) for a, mx, ptr
 *   and exists; the next one is a permerror.
 * - PROBE_SPF_MX_NAMES_MAX MX records per mx mechanism (more is a
 *   permerror); PROBE_SPF_PTR_NAMES_MAX PTR names per ptr mechanism or
 *   %{p} (the rest are ignored).
 * - PROBE_SPF_DEPTH_MAX nested records; the lookup limit ends any loop
 *   first, so it is a guard only.
 * - With these, one check makes at most a few hundred queries: each
 *   counted term makes at most 11, %{p} is looked up once per domain
 *   and exp= once.
 * - Inputs (sender, HELO name, receiver) are at most PROBE_SPF_INPUT_MAX
 *   bytes; the reason, the explanation, the kept record text and each
 *   trace step are cut at their sizes below; the trace keeps
 *   PROBE_SPF_TRACE_MAX steps and counts the rest.
 * - A record is at most what a DNS answer holds (PROBE_DNS_TEXT_MAX); it
 *   is parsed in place, with no copy and no allocation per term.
 *
 * Errors (enum probe_spf_rc): PROBE_SPF_E_USAGE when the query itself is
 * unusable (no resolver, an address that does not parse, an input over
 * PROBE_SPF_INPUT_MAX). errmsg gets one line in our words.
 */
#ifndef SMTPPROBE_PROBE_SPF_H
#define SMTPPROBE_PROBE_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/dns/probe_dns.h"

/* RFC 7208 4.6.4: "MUST limit the total number of those terms to 10". */
#define PROBE_SPF_LOOKUP_MAX	10
/* RFC 7208 4.6.4: "SHOULD limit void lookups to two". */
#define PROBE_SPF_VOID_MAX	2
/* RFC 7208 4.6.4: at most 10 address lookups per mx and per ptr. */
#define PROBE_SPF_MX_NAMES_MAX	10
#define PROBE_SPF_PTR_NAMES_MAX	10
/* The checked record plus one nested record per counted lookup. */
#define PROBE_SPF_DEPTH_MAX	(PROBE_SPF_LOOKUP_MAX + 1)
/* RFC 5321 4.5.3.1.3: a path is at most 256 octets; HELO names less. */
#define PROBE_SPF_INPUT_MAX	512
/* RFC 1035 2.3.4: 253 characters of text, and a NUL. */
#define PROBE_SPF_DOMAIN_MAX	254
#define PROBE_SPF_TERM_MAX	256
#define PROBE_SPF_REASON_MAX	512
#define PROBE_SPF_EXP_MAX	512
/* The checked domain's record as kept for the report; longer is cut. */
#define PROBE_SPF_RECORD_MAX	1024
#define PROBE_SPF_TRACE_MAX	64
#define PROBE_SPF_STEP_MAX	192

enum probe_spf_rc {
	PROBE_SPF_OK = 0,
	PROBE_SPF_E_USAGE,
};

/* RFC 7208 2.6, in the order of that section. */
enum probe_spf_res {
	PROBE_SPF_NONE,
	PROBE_SPF_NEUTRAL,
	PROBE_SPF_PASS,
	PROBE_SPF_FAIL,
	PROBE_SPF_SOFTFAIL,
	PROBE_SPF_TEMPERROR,
	PROBE_SPF_PERMERROR,
	PROBE_SPF_RES_COUNT	/* not a result: sizes the name table */
};

struct probe_spf_step {
	unsigned	depth;	/* 0: checked; +1 per include, redirect */
	char		text[PROBE_SPF_STEP_MAX];
};

/* The outcome; holds no heap memory, so there is nothing to free. */
struct probe_spf_result {
	enum probe_spf_res	 res;
	/* <domain>, the term that decided ("" for none) and its domain. */
	char			 checked[PROBE_SPF_DOMAIN_MAX];
	char			 mechanism[PROBE_SPF_TERM_MAX];
	char			 domain[PROBE_SPF_DOMAIN_MAX];
	char			 reason[PROBE_SPF_REASON_MAX]; /* ours */
	char			 explanation[PROBE_SPF_EXP_MAX]; /* fail */
	char			 record[PROBE_SPF_RECORD_MAX]; /* its */
	bool			 is_record_cut;
	unsigned		 lookups;	/* counted terms, <= 11 */
	unsigned		 void_lookups;
	unsigned		 queries;	/* every DNS query made */
	/* temperror because a lookup was never sent: time ran out. */
	bool			 is_unasked;
	struct probe_spf_step	 trace[PROBE_SPF_TRACE_MAX];
	size_t			 ntrace;
	size_t			 trace_dropped;
};

/* What check_host() is asked; every pointer is borrowed. */
struct probe_spf_query {
	const char	*ip;		/* <ip>: IPv4 or IPv6 text */
	const char	*domain;	/* <domain> (check_host only) */
	const char	*sender;	/* <sender> (check_host only) */
	const char	*helo;		/* for %{h}; NULL: "" */
	const char	*receiver;	/* %{r}; NULL: "unknown" */
	const char	*default_exp;	/* for a fail without exp= */
	long long	 now;		/* %{t}, Unix time; 0: clock */
};

/*
 * probe_spf_check_host - RFC 7208 4 check_host(q->ip, q->domain,
 * q->sender). An empty local-part of sender is "postmaster" (4.3).
 * Borrows dns and q; fills *out (zeroed first).
 * Errors: PROBE_SPF_E_USAGE.
 */
enum probe_spf_rc probe_spf_check_host(const struct probe_dns *dns,
		    const struct probe_spf_query *q,
		    struct probe_spf_result *out, char *errmsg, size_t errlen);

/*
 * probe_spf_check_mailfrom - the "MAIL FROM" identity (RFC 7208 2.4):
 * check_host() with the domain of mailfrom (after the last "@"), or,
 * for the null reverse-path (""), with postmaster@q->helo. q->domain and
 * q->sender are ignored. Errors: PROBE_SPF_E_USAGE.
 */
enum probe_spf_rc probe_spf_check_mailfrom(const struct probe_dns *dns,
		    const struct probe_spf_query *q, const char *mailfrom,
		    struct probe_spf_result *out, char *errmsg, size_t errlen);

/*
 * probe_spf_check_helo - the "HELO" identity (RFC 7208 2.3):
 * check_host() with q->helo as the domain and postmaster@q->helo as the
 * sender. q->domain and q->sender are ignored.
 * Errors: PROBE_SPF_E_USAGE.
 */
enum probe_spf_rc probe_spf_check_helo(const struct probe_dns *dns,
		    const struct probe_spf_query *q,
		    struct probe_spf_result *out, char *errmsg, size_t errlen);

/* probe_spf_res_name - RFC 7208 2.6 spelling, lowercase ("softfail"). */
const char	*probe_spf_res_name(enum probe_spf_res res);

#endif
