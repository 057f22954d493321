/*
 * probe_mx - find where mail for a domain goes: MX lookup with c-ares.
 *
 * What it does: queries MX for the recipient domain, sorts the hosts by
 * preference (ties by name, so reports are reproducible; RFC 5321 5.1 asks
 * senders to randomise ties, a probe wants the same order every run), then
 * resolves A and/or AAAA of every host, all queries in flight at once on
 * one c-ares channel. With no MX record but an address record it returns
 * the domain itself as the implicit MX (RFC 5321 5.1). A single MX of
 * preference 0 pointing at "." is a null MX (RFC 7505) and is reported as
 * such. It also resolves a single host for --server. An MX address that
 * is no remote host (probe_mx_addr_special()) is left out; with none
 * left, the status is PROBE_MX_LOOPBACK ("mail for X loops back to
 * myself", as an MTA bounces it).
 *
 * DNS outcomes (NXDOMAIN, SERVFAIL, timeout, refused, no data) are results
 * in probe_mx_result.status with a sentence in .message, not errors: the
 * caller turns them into a verdict. An MX host whose own address lookup
 * fails keeps its entry with naddrs 0 and a reason in .error.
 *
 * Limits: PROBE_MX_HOSTS_MAX hosts (extra records counted in
 * hosts_dropped), PROBE_MX_ADDRS_MAX addresses per host; the whole lookup
 * ends at opts->timeout_ms. Host names are kept as c-ares 1.18 gives
 * them: a byte outside printable ASCII arrives as an RFC 1035 5.1 "\DDD"
 * escape, never raw; reporters still escape for their format.
 *
 * Errors (return value, enum probe_mx_rc): PROBE_MX_E_USAGE (bad
 * dns_server text, bad domain), PROBE_MX_E_INIT (c-ares could not start),
 * PROBE_MX_E_NOMEM. errmsg gets one line in our words.
 */
#ifndef SMTPPROBE_PROBE_MX_H
#define SMTPPROBE_PROBE_MX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/* Real domains publish a handful; hundreds would only slow the probe. */
#define PROBE_MX_HOSTS_MAX	16
#define PROBE_MX_ADDRS_MAX	8
#define PROBE_MX_MSG_MAX	256

enum probe_mx_rc {
	PROBE_MX_OK = 0,
	PROBE_MX_E_USAGE,
	PROBE_MX_E_INIT,
	PROBE_MX_E_NOMEM,
};

enum probe_mx_status {
	PROBE_MX_FOUND = 0,	/* MX records, hosts[] filled */
	PROBE_MX_IMPLICIT,	/* no MX; the domain's own A/AAAA */
	PROBE_MX_NULL,		/* RFC 7505 null MX: no mail accepted */
	PROBE_MX_NXDOMAIN,	/* the domain does not exist */
	PROBE_MX_NODATA,	/* exists, but no MX and no address */
	PROBE_MX_SERVFAIL,	/* the resolver failed (temporary) */
	PROBE_MX_REFUSED,	/* the resolver refused to answer */
	PROBE_MX_TIMEOUT,	/* no answer within the timeout */
	PROBE_MX_BADREPLY,	/* malformed answer */
	PROBE_MX_NOADDR,	/* MX hosts exist but none has an address */
	PROBE_MX_LOOPBACK,	/* every address is this host or none */
	PROBE_MX_STATUS_COUNT	/* not a status: sizes the name table */
};

struct probe_mx_addr {
	struct sockaddr_storage	sa;	/* port left 0: the caller sets it */
	socklen_t		salen;
	char			text[INET6_ADDRSTRLEN];
};

struct probe_mx_host {
	char			*name;		/* owned, NUL-terminated */
	unsigned		 pref;
	struct probe_mx_addr	 addrs[PROBE_MX_ADDRS_MAX];
	size_t			 naddrs;
	char			 error[PROBE_MX_MSG_MAX]; /* when naddrs == 0 */
};

struct probe_mx_result {
	enum probe_mx_status	 status;
	char			 message[PROBE_MX_MSG_MAX]; /* one sentence */
	struct probe_mx_host	*hosts;		/* owned array */
	size_t			 nhosts;
	size_t			 hosts_dropped;	/* past PROBE_MX_HOSTS_MAX */
};

struct probe_mx_opts {
	const char	*dns_server;	/* "IP", "IP:PORT", "[IPv6]:PORT"; NULL: system */
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	int		 timeout_ms;	/* whole lookup; 0 means the default */
	/*
	 * Keep loopback addresses of MX hosts (127.0.0.0/8, ::1): for the
	 * tests and the demo, whose MX is a fake on this host. Other
	 * special-purpose addresses are refused whatever this says.
	 */
	bool		 allow_loopback;
};

#define PROBE_MX_TIMEOUT_DEFAULT_MS	10000

/*
 * probe_mx_resolve - MX lookup of domain and address lookup of each host.
 * Fills *out (zeroed first); free with probe_mx_result_free(). Addresses
 * of one host come IPv4 first, then IPv6, filtered by opts->family.
 * opts may be NULL (system resolver, both families, default timeout);
 * errmsg may be NULL. Nothing is kept between calls.
 * Returns PROBE_MX_OK whenever DNS answered or failed in a way worth
 * reporting (see out->status).
 * Errors: PROBE_MX_E_USAGE, PROBE_MX_E_INIT, PROBE_MX_E_NOMEM.
 */
enum probe_mx_rc probe_mx_resolve(const char *domain,
		    const struct probe_mx_opts *opts,
		    struct probe_mx_result *out, char *errmsg, size_t errlen);

/*
 * probe_mx_resolve_host - one host, as given to --server: an IP literal is
 * used as is, a name gets A/AAAA. Result as above with nhosts 1, pref 0,
 * status PROBE_MX_FOUND or a DNS failure status.
 * Errors: as probe_mx_resolve().
 */
enum probe_mx_rc probe_mx_resolve_host(const char *host,
		    const struct probe_mx_opts *opts,
		    struct probe_mx_result *out, char *errmsg, size_t errlen);

/*
 * probe_mx_addr_special - why the address sa (AF_INET or AF_INET6) is no
 * remote mail host, as a phrase ("a loopback address (127.0.0.0/8)"),
 * or NULL when it may be one. Refused: 0.0.0.0/8 and ::, link-local,
 * multicast, 240.0.0.0/4 and the broadcast address, the same inside
 * ::ffff:0:0/96; loopback (127.0.0.0/8, ::1) unless allow_loopback.
 * Private ranges stay allowed: an internal MX is a real host. Used on
 * every MX address (RFC 5321 5.1 hosts found in DNS) and on an address
 * literal; never on --server, which the operator chose.
 */
const char	*probe_mx_addr_special(const struct sockaddr *sa,
		    bool allow_loopback);

/* probe_mx_result_free - free and zero *res; safe on a zeroed struct. */
void		 probe_mx_result_free(struct probe_mx_result *res);

/* probe_mx_status_name - stable lowercase token for JSON ("nxdomain"). */
const char	*probe_mx_status_name(enum probe_mx_status status);

#endif
