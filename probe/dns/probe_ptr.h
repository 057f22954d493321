/*
 * probe_ptr - reverse DNS of a sending address and whether it is
 * forward-confirmed (FCrDNS), which Gmail requires of every sender
 * ("550-5.7.25 ... The IP address sending this message does not have a
 * PTR record setup, or the corresponding forward DNS entry does not
 * point to the sending IP").
 *
 * What it does: looks up PTR at the address's reverse name
 * (in-addr.arpa, or ip6.arpa nibbles: RFC 3596 2.5), then A (IPv4) or
 * AAAA (IPv6) of each name found; the address is forward-confirmed
 * when one of those addresses equals it. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is checked as IPv4, as a receiving MTA sees it.
 * What it does not do: judge the name (a generic "dynamic" name passes
 * here), or decide what the result means for delivery.
 *
 * Limits: PROBE_PTR_NAMES_MAX names are looked up forward (the rest are
 * counted in names_dropped; RFC 7208 4.6.4 uses the same bound for the
 * same walk); each name is kept up to PROBE_PTR_NAME_MAX. Lookups go
 * through the resolver interface, whose implementation owns the
 * deadline.
 *
 * Errors (enum probe_ptr_rc): PROBE_PTR_E_USAGE when ip is not an IPv4
 * or IPv6 address. errmsg gets one line in our words. DNS failures are
 * results (PROBE_PTR_TEMPERROR).
 */
#ifndef SMTPPROBE_PROBE_PTR_H
#define SMTPPROBE_PROBE_PTR_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/dns/probe_dns.h"

#define PROBE_PTR_NAMES_MAX	10
/* RFC 1035 2.3.4: 253 characters of text, and a NUL. */
#define PROBE_PTR_NAME_MAX	254
#define PROBE_PTR_REASON_MAX	256
/* "ffff:...:ffff" and a NUL (INET6_ADDRSTRLEN). */
#define PROBE_PTR_IP_MAX	46

enum probe_ptr_rc {
	PROBE_PTR_OK = 0,
	PROBE_PTR_E_USAGE,
};

enum probe_ptr_status {
	PROBE_PTR_CONFIRMED,	/* a PTR name resolves back to the IP */
	PROBE_PTR_UNCONFIRMED,	/* PTR names, none resolving back */
	PROBE_PTR_NONE,		/* no PTR record */
	PROBE_PTR_TEMPERROR,	/* DNS failed: cannot tell */
	PROBE_PTR_STATUS_COUNT
};

struct probe_ptr_name {
	char			 name[PROBE_PTR_NAME_MAX];
	bool			 is_cut;	/* name longer than kept */
	enum probe_dns_status	 forward;	/* the A/AAAA lookup */
	size_t			 naddrs;
	bool			 is_match;	/* one equals the IP */
};

/* The outcome; holds no heap memory, so there is nothing to free. */
struct probe_ptr_result {
	enum probe_ptr_status	 status;
	char			 ip[PROBE_PTR_IP_MAX]; /* as checked */
	int			 family;		/* AF_INET(6) */
	char			 reverse[PROBE_DNS_REVERSE_MAX];
	struct probe_ptr_name	 names[PROBE_PTR_NAMES_MAX];
	size_t			 nnames;
	size_t			 names_dropped;
	size_t			 confirmed;	/* index in names */
	char			 reason[PROBE_PTR_REASON_MAX];
};

/*
 * probe_ptr_check - PTR and FCrDNS of ip through dns into *out (zeroed
 * first). Borrows dns and ip. Errors: PROBE_PTR_E_USAGE.
 */
enum probe_ptr_rc probe_ptr_check(const struct probe_dns *dns,
		    const char *ip, struct probe_ptr_result *out,
		    char *errmsg, size_t errlen);

/* probe_ptr_status_name - stable lowercase token ("unconfirmed"). */
const char	*probe_ptr_status_name(enum probe_ptr_status s);

#endif
