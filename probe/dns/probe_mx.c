/*
 * probe_mx - MX lookup with c-ares. See probe_mx.h for what it does, its
 * limits and its errors.
 *
 * Each call opens its own c-ares channel (probe_ares.h: the server
 * text, the channel's options, the wait under the deadline) and closes
 * it before returning, so nothing outlives a call and two calls share
 * nothing. ares_library_init() is never called: see probe_ares.h.
 *
 * The work runs in at most two rounds on one channel: the MX query, then
 * the A/AAAA queries of every MX host at once (or of the domain itself,
 * for the implicit MX). Callbacks only record what came back; the code
 * between rounds decides. One overall deadline (CLOCK_MONOTONIC) bounds
 * both rounds; when it passes, ares_cancel() ends what is still pending.
 */
#include "probe/dns/probe_mx.h"
#include "probe/dns/probe_ares.h"
#include "probe/dns/probe_idna.h"
#include "probe/util/probe_fmt.h"

#include <arpa/nameser.h>

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 1035 2.3.4: 255 octets on the wire are 253 characters of text. */
#define MX_NAME_MAX		253
#define MX_LABEL_MAX		63
/* Index of the A and AAAA query in struct mx_lookup. */
#define MX_Q_A			0
#define MX_Q_AAAA		1
#define MX_Q_COUNT		2

struct mx_ctx {				/* one call: channel and deadline */
	struct probe_ares	 ares;		/* channel, server, deadline */
	int			 family;	/* AF_UNSPEC, AF_INET(6) */
	size_t			 pending;	/* queries not answered yet */
	bool			 is_nomem;	/* a callback ran out */
	int			 mx_status;	/* ares status of MX query */
	struct ares_mx_reply	*mx;		/* its answer, owned */
	/* Mail hosts found in DNS: refuse addresses that are no host. */
	bool			 is_mail_lookup;
	bool			 allow_loopback;	/* opts' */
};

struct mx_addrq {			/* the A or AAAA query of one host */
	struct mx_ctx		*ctx;
	int			 family;
	bool			 is_asked;	/* family wanted by opts */
	int			 ares_status;
	struct probe_mx_addr	 addrs[PROBE_MX_ADDRS_MAX];
	size_t			 naddrs;
};

struct mx_lookup {			/* the address queries of one host */
	struct mx_addrq		 q[MX_Q_COUNT];
};

struct mx_tally {			/* what a round of lookups gave */
	size_t			 nresolved;	/* hosts with an address */
	size_t			 nlooped;	/* hosts with only refused ones */
	const char		*failed;	/* first temporary failure */
	int			 failed_status;	/* its ares status */
	int			 perm_status;	/* ENODATA or ENOTFOUND */
};

struct mx_cand {			/* one MX record, before we keep it */
	unsigned		 pref;
	const char		*name;		/* borrowed from ctx->mx */
};

/*
 * How each c-ares status reads: our status and a few words for host
 * errors. The MX query and the address queries share this one table.
 */
struct mx_ares_row {
	int			 ares_status;
	enum probe_mx_status	 status;
	const char		*reason;
};

static const struct mx_ares_row mx_ares_rows[] = {
	{ ARES_SUCCESS, PROBE_MX_FOUND, "found" },
	{ ARES_ENODATA, PROBE_MX_NODATA, "no data" },
	{ ARES_ENOTFOUND, PROBE_MX_NXDOMAIN, "NXDOMAIN" },
	{ ARES_ESERVFAIL, PROBE_MX_SERVFAIL, "SERVFAIL" },
	{ ARES_EREFUSED, PROBE_MX_REFUSED, "REFUSED" },
	{ ARES_ETIMEOUT, PROBE_MX_TIMEOUT, "timed out" },
	/* ares_cancel() at our deadline. */
	{ ARES_ECANCELLED, PROBE_MX_TIMEOUT, "timed out" },
	/* ICMP port unreachable: nothing listens at the server address. */
	/* Nothing listens there: the server refused, as its words say. */
	{ ARES_ECONNREFUSED, PROBE_MX_REFUSED, "connection refused" },
	{ ARES_EFORMERR, PROBE_MX_BADREPLY, "FORMERR" },
	{ ARES_ENOTIMP, PROBE_MX_BADREPLY, "NOTIMP" },
	{ ARES_EBADRESP, PROBE_MX_BADREPLY, "malformed reply" },
	/* ares_query() could not encode a name (an MX target, say). */
	{ ARES_EBADNAME, PROBE_MX_BADREPLY, "bad name" },
};

static const struct mx_ares_row mx_ares_other = {
	-1, PROBE_MX_BADREPLY, "unexpected c-ares error"
};

static const char *const mx_status_names[] = {
	[PROBE_MX_FOUND] = "found",
	[PROBE_MX_IMPLICIT] = "implicit",
	[PROBE_MX_NULL] = "null",
	[PROBE_MX_NXDOMAIN] = "nxdomain",
	[PROBE_MX_NODATA] = "nodata",
	[PROBE_MX_SERVFAIL] = "servfail",
	[PROBE_MX_REFUSED] = "refused",
	[PROBE_MX_TIMEOUT] = "timeout",
	[PROBE_MX_BADREPLY] = "badreply",
	[PROBE_MX_NOADDR] = "noaddr",
	[PROBE_MX_LOOPBACK] = "loopback",
};
_Static_assert(sizeof(mx_status_names) / sizeof(mx_status_names[0]) ==
    PROBE_MX_STATUS_COUNT, "each status needs a name");

static void	mx_say(struct probe_mx_result *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	mx_say_more(struct probe_mx_result *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

const char *
probe_mx_status_name(enum probe_mx_status status)
{
	if ((unsigned)status >= PROBE_MX_STATUS_COUNT)
		return "unknown";
	return mx_status_names[status];
}

void
probe_mx_result_free(struct probe_mx_result *res)
{
	size_t	i;

	for (i = 0; i < res->nhosts; i++)
		free(res->hosts[i].name);
	free(res->hosts);
	memset(res, 0, sizeof(*res));
}

/*
 * Our sentences fit PROBE_MX_MSG_MAX unless a name is near 253 bytes;
 * then the tail is cut, which is acceptable in our own words.
 */
static void
mx_say(struct probe_mx_result *out, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

static void
mx_say_more(struct probe_mx_result *out, const char *fmt, ...)
{
	size_t	len = strlen(out->message);
	va_list	ap;

	va_start(ap, fmt);
	/* Cut like mx_say(): a note that does not fit is lost, not garbled. */
	(void)vsnprintf(out->message + len, sizeof(out->message) - len, fmt,
	    ap);
	va_end(ap);
}

static const struct mx_ares_row *
mx_ares_row(int ares_status)
{
	size_t	i;

	for (i = 0; i < sizeof(mx_ares_rows) / sizeof(mx_ares_rows[0]); i++)
		if (mx_ares_rows[i].ares_status == ares_status)
			return &mx_ares_rows[i];
	return &mx_ares_other;
}

/* NXDOMAIN and NODATA are answers; everything else may pass. */
static bool
mx_is_temporary(int ares_status)
{
	enum probe_mx_status	st = mx_ares_row(ares_status)->status;

	return st != PROBE_MX_FOUND && st != PROBE_MX_NODATA &&
	    st != PROBE_MX_NXDOMAIN;
}

/*
 * Returns why name cannot be a domain we query, or NULL when it can. A
 * trailing dot is allowed: every name is queried as absolute anyway.
 */
static const char *
mx_name_problem(const char *name)
{
	size_t	len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return "it is empty";
	if (len > MX_NAME_MAX)
		return "it is longer than 253 characters (RFC 1035 2.3.4)";
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return "it contains a space or a control character";
		if (name[i] != '.')
			label++;
		else if (label == 0)
			return "it has an empty label";
		else
			label = 0;
		if (label > MX_LABEL_MAX)
			return "a label is longer than 63 characters "
			    "(RFC 1035 2.3.4)";
	}
	return label == 0 ? "it has an empty label" : NULL;
}

/* probe_ares' codes as ours; a failed poll() is a resolver that failed. */
static const enum probe_mx_rc mx_ares_rcs[] = {
	[PROBE_ARES_OK] = PROBE_MX_OK,
	[PROBE_ARES_E_USAGE] = PROBE_MX_E_USAGE,
	[PROBE_ARES_E_INIT] = PROBE_MX_E_INIT,
	[PROBE_ARES_E_NOMEM] = PROBE_MX_E_NOMEM,
	[PROBE_ARES_E_POLL] = PROBE_MX_E_INIT,
};
_Static_assert(sizeof(mx_ares_rcs) / sizeof(mx_ares_rcs[0]) ==
    PROBE_ARES_RC_COUNT, "each probe_ares code needs a row");

static enum probe_mx_rc
mx_ares_rc(enum probe_ares_rc rc)
{
	assert((unsigned)rc < PROBE_ARES_RC_COUNT);
	return mx_ares_rcs[rc];
}

/*
 * Checks opts (NULL: defaults) and fills ctx->family, ctx->ares (the
 * server and the deadline). Errors: PROBE_MX_E_USAGE.
 */
static enum probe_mx_rc
mx_check_opts(struct mx_ctx *ctx, const struct probe_mx_opts *opts,
    char *errmsg, size_t errlen)
{
	int	timeout_ms = opts != NULL ? opts->timeout_ms : 0;

	ctx->family = opts != NULL ? opts->family : AF_UNSPEC;
	if (ctx->family != AF_UNSPEC && ctx->family != AF_INET &&
	    ctx->family != AF_INET6) {
		probe_fmt(errmsg, errlen, "address family must be IPv4, IPv6 "
		    "or both");
		return PROBE_MX_E_USAGE;
	}
	if (timeout_ms < 0) {
		probe_fmt(errmsg, errlen, "DNS timeout must not be negative");
		return PROBE_MX_E_USAGE;
	}
	if (timeout_ms == 0)
		timeout_ms = PROBE_MX_TIMEOUT_DEFAULT_MS;
	return mx_ares_rc(probe_ares_init(&ctx->ares, opts != NULL ?
	    opts->dns_server : NULL, timeout_ms, errmsg, errlen));
}

/* Validates name and opts, then opens the channel. Errors: all. */
static enum probe_mx_rc
mx_ctx_open(struct mx_ctx *ctx, const char *name,
    const struct probe_mx_opts *opts, char *errmsg, size_t errlen)
{
	const char		*problem = mx_name_problem(name);
	enum probe_mx_rc	 rc;

	memset(ctx, 0, sizeof(*ctx));
	if (problem != NULL) {
		probe_fmt(errmsg, errlen, "bad domain name: %s", problem);
		return PROBE_MX_E_USAGE;
	}
	rc = mx_check_opts(ctx, opts, errmsg, errlen);
	if (rc == PROBE_MX_OK)
		rc = mx_ares_rc(probe_ares_open(&ctx->ares, errmsg, errlen));
	return rc;
}

/* Safe after a failed mx_ctx_open(). */
static void
mx_ctx_close(struct mx_ctx *ctx)
{
	probe_ares_free(&ctx->ares);
	if (ctx->mx != NULL)
		ares_free_data(ctx->mx);
	memset(ctx, 0, sizeof(*ctx));
}

/*
 * Runs the channel until every query has called back or the deadline
 * passed; then ares_cancel() calls the rest back with ARES_ECANCELLED.
 * Errors: PROBE_MX_E_NOMEM, PROBE_MX_E_INIT (poll() failed).
 */
static enum probe_mx_rc
mx_wait(struct mx_ctx *ctx, char *errmsg, size_t errlen)
{
	enum probe_ares_rc	rc;

	rc = probe_ares_wait(&ctx->ares, &ctx->pending, errmsg, errlen);
	if (rc != PROBE_ARES_OK)
		return mx_ares_rc(rc);
	assert(ctx->pending == 0);
	if (ctx->is_nomem) {
		probe_fmt(errmsg, errlen, "out of memory in the DNS resolver");
		return PROBE_MX_E_NOMEM;
	}
	return PROBE_MX_OK;
}

static void
mx_on_mx(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct mx_ctx	*ctx = arg;

	(void)timeouts;		/* the deadline, not the count, matters */
	assert(ctx->pending > 0);
	ctx->pending--;
	/* ENODATA when the answer holds no MX, e.g. only a CNAME. */
	if (status == ARES_SUCCESS)
		status = probe_ares_parsed(ares_parse_mx_reply(abuf, alen,
		    &ctx->mx));
	if (status == ARES_ENOMEM)
		ctx->is_nomem = true;
	ctx->mx_status = status;
}

static void
mx_addr_set(struct probe_mx_addr *a, int family, const void *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a->sa;

	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
		a->salen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
		a->salen = sizeof(*sin6);
	}
	/* Cannot fail: the family is valid and text holds any address. */
	(void)inet_ntop(family, addr, a->text, sizeof(a->text));
}

/*
 * Parses an A or AAAA answer into q. c-ares follows a CNAME chain inside
 * the answer and returns the addresses of its end; more than
 * PROBE_MX_ADDRS_MAX records are cut there.
 */
static int
mx_parse_addrs(struct mx_addrq *q, const unsigned char *abuf, int alen)
{
	struct ares_addrttl	v4[PROBE_MX_ADDRS_MAX];
	struct ares_addr6ttl	v6[PROBE_MX_ADDRS_MAX];
	int			n = PROBE_MX_ADDRS_MAX, rc, i;

	if (q->family == AF_INET)
		rc = ares_parse_a_reply(abuf, alen, NULL, v4, &n);
	else
		rc = ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
	if (rc != ARES_SUCCESS)
		return rc;
	for (i = 0; i < n; i++) {
		if (q->family == AF_INET)
			mx_addr_set(&q->addrs[i], AF_INET, &v4[i].ipaddr);
		else
			mx_addr_set(&q->addrs[i], AF_INET6, &v6[i].ip6addr);
	}
	q->naddrs = (size_t)n;
	/* A CNAME alone is a success to c-ares, no address to us. */
	return n > 0 ? ARES_SUCCESS : ARES_ENODATA;
}

static void
mx_on_addr(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct mx_addrq	*q = arg;

	(void)timeouts;		/* the deadline, not the count, matters */
	assert(q->ctx->pending > 0);
	q->ctx->pending--;
	if (status == ARES_SUCCESS)
		status = probe_ares_parsed(mx_parse_addrs(q, abuf, alen));
	if (status == ARES_ENOMEM)
		q->ctx->is_nomem = true;
	q->ares_status = status;
}

/* Sends the A and/or AAAA query of name, as opts->family asks. */
static void
mx_start_lookup(struct mx_ctx *ctx, struct mx_lookup *lk, const char *name)
{
	static const int	family[MX_Q_COUNT] = { AF_INET, AF_INET6 };
	static const int	type[MX_Q_COUNT] = { ns_t_a, ns_t_aaaa };
	struct mx_addrq		*q;
	size_t			 i;

	for (i = 0; i < MX_Q_COUNT; i++) {
		q = &lk->q[i];
		q->ctx = ctx;
		q->family = family[i];
		q->is_asked = ctx->family == AF_UNSPEC ||
		    ctx->family == family[i];
		if (!q->is_asked)
			continue;
		/* Count first: the callback may run inside ares_query(). */
		ctx->pending++;
		ares_query(ctx->ares.channel, name, ns_c_in, type[i],
		    mx_on_addr, q);
	}
}

static bool
mx_host_has(const struct probe_mx_host *h, const struct probe_mx_addr *a)
{
	size_t	i;

	for (i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i].text, a->text) == 0)
			return true;
	return false;
}

/*
 * Copies the addresses of lk into h: IPv4 first, duplicates once. For a
 * mail lookup an address that is no remote host is left out, the first
 * one named in h->error. Returns how many were left out.
 */
static size_t
mx_host_fill(const struct mx_ctx *ctx, struct probe_mx_host *h,
    const struct mx_lookup *lk)
{
	const struct mx_addrq	*q;
	const char		*why;
	size_t			 i, j, refused = 0;

	for (i = 0; i < MX_Q_COUNT; i++) {
		q = &lk->q[i];
		for (j = 0; j < q->naddrs; j++) {
			why = ctx->is_mail_lookup ? probe_mx_addr_special(
			    (const struct sockaddr *)&q->addrs[j].sa,
			    ctx->allow_loopback) : NULL;
			if (why != NULL && refused++ == 0)
				(void)snprintf(h->error, sizeof(h->error),
				    "%s resolves to %s, %s", h->name,
				    q->addrs[j].text, why);
			else if (why == NULL && h->naddrs <
			    PROBE_MX_ADDRS_MAX && !mx_host_has(h, &q->addrs[j]))
				h->addrs[h->naddrs++] = q->addrs[j];
		}
	}
	if (h->naddrs > 0)
		h->error[0] = '\0';	/* an address to use: no error */
	return refused;
}

/*
 * The outcome of a host's lookups as one c-ares status: success if any
 * address came back, else a temporary failure before NODATA before
 * NXDOMAIN, as "try again later" says more than "not there".
 */
static int
mx_lookup_status(const struct mx_lookup *lk)
{
	int	st = ARES_ENOTFOUND, qs;
	size_t	i;

	for (i = 0; i < MX_Q_COUNT; i++) {
		if (!lk->q[i].is_asked)
			continue;
		if (lk->q[i].naddrs > 0)
			return ARES_SUCCESS;
		qs = lk->q[i].ares_status;
		if (mx_is_temporary(qs) && !mx_is_temporary(st))
			st = qs;
		else if (qs == ARES_ENODATA && st == ARES_ENOTFOUND)
			st = qs;
	}
	return st;
}

/* "mx2.example.test: no address (NXDOMAIN)", per family if they differ. */
static void
mx_host_error(struct probe_mx_host *h, const struct mx_lookup *lk,
    int family, int status)
{
	const char	*ra = mx_ares_row(lk->q[MX_Q_A].ares_status)->reason;
	const char	*rb = mx_ares_row(lk->q[MX_Q_AAAA].ares_status)->reason;
	const char	*which = family == AF_INET ? "IPv4 " :
			    family == AF_INET6 ? "IPv6 " : "";

	/* As in mx_say(), only a name near 253 bytes can cut the text. */
	if (family == AF_UNSPEC && strcmp(ra, rb) != 0)
		(void)snprintf(h->error, sizeof(h->error),
		    "%s: no address (A: %s; AAAA: %s)", h->name, ra, rb);
	else
		(void)snprintf(h->error, sizeof(h->error),
		    "%s: no %saddress (%s)", h->name, which,
		    mx_ares_row(status)->reason);
}

static void
mx_tally_host(const struct mx_ctx *ctx, struct mx_tally *t,
    struct probe_mx_host *h, const struct mx_lookup *lk, int family)
{
	int	st = mx_lookup_status(lk);

	if (mx_host_fill(ctx, h, lk) > 0 && h->naddrs == 0) {
		t->nlooped++;
		return;
	}
	if (st == ARES_SUCCESS) {
		t->nresolved++;
		return;
	}
	mx_host_error(h, lk, family, st);
	if (mx_is_temporary(st) && t->failed == NULL) {
		t->failed = h->name;
		t->failed_status = st;
	} else if (!mx_is_temporary(st) && t->perm_status == ARES_SUCCESS)
		t->perm_status = st;
}

/*
 * The address round: A and/or AAAA of every host in out, all at once.
 * Errors: PROBE_MX_E_NOMEM, PROBE_MX_E_INIT.
 */
static enum probe_mx_rc
mx_resolve_addrs(struct mx_ctx *ctx, struct probe_mx_result *out,
    struct mx_tally *tally, char *errmsg, size_t errlen)
{
	struct mx_lookup	*lk;
	enum probe_mx_rc	 rc;
	size_t			 i;

	memset(tally, 0, sizeof(*tally));
	lk = calloc(out->nhosts, sizeof(*lk));
	if (lk == NULL) {
		probe_fmt(errmsg, errlen, "out of memory");
		return PROBE_MX_E_NOMEM;
	}
	for (i = 0; i < out->nhosts; i++)
		mx_start_lookup(ctx, &lk[i], out->hosts[i].name);
	rc = mx_wait(ctx, errmsg, errlen);
	for (i = 0; rc == PROBE_MX_OK && i < out->nhosts; i++)
		mx_tally_host(ctx, tally, &out->hosts[i], &lk[i],
		    ctx->family);
	free(lk);
	return rc;
}

/* Sets out's status and sentence for a failed lookup of name. */
static void
mx_fail(const struct mx_ctx *ctx, struct probe_mx_result *out,
    const char *name, int ares_status)
{
	const struct mx_ares_row	*row = mx_ares_row(ares_status);
	char				 server[PROBE_ARES_SERVER_TEXT_MAX];
	long long			 ms;

	ms = probe_ares_now_ms() - ctx->ares.start_ms;
	out->status = row->status;
	probe_ares_server_text(&ctx->ares, server, sizeof(server));
	if (row->status == PROBE_MX_NXDOMAIN)
		mx_say(out, "%s does not exist (NXDOMAIN)", name);
	else if (row->status == PROBE_MX_NODATA)
		mx_say(out, "%s has no address record", name);
	else if (row->status == PROBE_MX_SERVFAIL)
		mx_say(out, "DNS server %s failed to resolve %s (SERVFAIL)",
		    server, name);
	else if (ares_status == ARES_ECONNREFUSED)
		mx_say(out, "DNS server %s refused the connection", server);
	else if (row->status == PROBE_MX_REFUSED)
		mx_say(out, "DNS server %s refused to answer for %s "
		    "(REFUSED)", server, name);
	else if (row->status == PROBE_MX_TIMEOUT)
		mx_say(out, "no answer from %s within %lld.%lld s", server,
		    ms / 1000, ms % 1000 / 100);
	else
		mx_say(out, "bad reply from DNS server %s for %s (%s)", server,
		    name, row->reason);
}

/* Room for n hosts in out. Errors: PROBE_MX_E_NOMEM. */
static enum probe_mx_rc
mx_hosts_alloc(struct probe_mx_result *out, size_t n, char *errmsg,
    size_t errlen)
{
	out->hosts = calloc(n, sizeof(*out->hosts));
	if (out->hosts == NULL) {
		probe_fmt(errmsg, errlen, "out of memory");
		return PROBE_MX_E_NOMEM;
	}
	return PROBE_MX_OK;
}

/* Appends a host; out->hosts has room. Errors: PROBE_MX_E_NOMEM. */
static enum probe_mx_rc
mx_host_add(struct probe_mx_result *out, const char *name, unsigned pref,
    char *errmsg, size_t errlen)
{
	struct probe_mx_host	*h = &out->hosts[out->nhosts];

	h->name = strdup(name);
	if (h->name == NULL) {
		probe_fmt(errmsg, errlen, "out of memory");
		return PROBE_MX_E_NOMEM;
	}
	h->pref = pref;
	out->nhosts++;
	return PROBE_MX_OK;
}

/* The single host of the implicit MX and of --server. Errors: NOMEM. */
static enum probe_mx_rc
mx_hosts_one(struct probe_mx_result *out, const char *name, char *errmsg,
    size_t errlen)
{
	enum probe_mx_rc	rc = mx_hosts_alloc(out, 1, errmsg, errlen);

	if (rc == PROBE_MX_OK)
		rc = mx_host_add(out, name, 0, errmsg, errlen);
	return rc;
}

static void
mx_hosts_drop(struct probe_mx_result *out)
{
	size_t	i;

	for (i = 0; i < out->nhosts; i++)
		free(out->hosts[i].name);
	free(out->hosts);
	out->hosts = NULL;
	out->nhosts = 0;
}

/* RFC 7505 3: a null MX points at the root, which c-ares spells "". */
static bool
mx_is_null_target(const char *host)
{
	return host[0] == '\0' || strcmp(host, ".") == 0;
}

static int
mx_cand_by_name(const void *a, const void *b)
{
	const struct mx_cand	*x = a, *y = b;
	int			 c = strcasecmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* Preference, then name: the same order on every run. */
static int
mx_cand_by_pref(const void *a, const void *b)
{
	const struct mx_cand	*x = a, *y = b;
	int			 c;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	c = strcasecmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->name, y->name);
}

/*
 * Sorts cand by preference and drops repeated names (DNS names ignore
 * case), keeping each at its best preference. Sorting by name first
 * finds repeats in n log n: a hostile answer can hold thousands.
 * Returns the new count.
 */
static size_t
mx_cand_sort(struct mx_cand *cand, size_t n)
{
	size_t	i, kept = 0;

	qsort(cand, n, sizeof(*cand), mx_cand_by_name);
	for (i = 0; i < n; i++)
		if (kept == 0 ||
		    strcasecmp(cand[kept - 1].name, cand[i].name) != 0)
			cand[kept++] = cand[i];
	qsort(cand, kept, sizeof(*cand), mx_cand_by_pref);
	return kept;
}

/*
 * The usable MX records of ctx->mx as a new array (free() it) in *cand;
 * null MX entries are only counted. Errors: PROBE_MX_E_NOMEM.
 */
static enum probe_mx_rc
mx_collect(const struct mx_ctx *ctx, struct mx_cand **cand, size_t *n,
    size_t *nnull, char *errmsg, size_t errlen)
{
	const struct ares_mx_reply	*p;
	size_t				 count = 0;

	*n = *nnull = 0;
	for (p = ctx->mx; p != NULL; p = p->next)
		count++;
	/* count > 0: ares_parse_mx_reply() gives ENODATA for none. */
	*cand = calloc(count, sizeof(**cand));
	if (*cand == NULL) {
		probe_fmt(errmsg, errlen, "out of memory");
		return PROBE_MX_E_NOMEM;
	}
	for (p = ctx->mx; p != NULL; p = p->next) {
		if (mx_is_null_target(p->host)) {
			(*nnull)++;
			continue;
		}
		(*cand)[*n].pref = p->priority;
		(*cand)[(*n)++].name = p->host;
	}
	return PROBE_MX_OK;
}

/* Sorted, deduplicated MX hosts into out, past the cap only counted. */
static enum probe_mx_rc
mx_keep_hosts(struct probe_mx_result *out, struct mx_cand *cand, size_t n,
    char *errmsg, size_t errlen)
{
	enum probe_mx_rc	rc;
	size_t			i, keep;

	n = mx_cand_sort(cand, n);
	keep = n < PROBE_MX_HOSTS_MAX ? n : PROBE_MX_HOSTS_MAX;
	out->hosts_dropped = n - keep;
	rc = mx_hosts_alloc(out, keep, errmsg, errlen);
	for (i = 0; rc == PROBE_MX_OK && i < keep; i++)
		rc = mx_host_add(out, cand[i].name, cand[i].pref, errmsg,
		    errlen);
	return rc;
}

/*
 * RFC 1035 3.3.9: an MX target is a host name. A target written as an
 * address is queried as a name like any other; when that fails, the
 * host's error also names the misconfiguration.
 */
static void
mx_note_literals(struct probe_mx_result *out)
{
	struct probe_mx_host	*h;
	union probe_ares_ip	 ip;
	size_t			 i, len;

	for (i = 0; i < out->nhosts; i++) {
		h = &out->hosts[i];
		if (h->naddrs > 0 || probe_ares_parse_ip(h->name,
		    strlen(h->name), &ip) == AF_UNSPEC)
			continue;
		len = strlen(h->error);
		/* As in mx_say(), only a long name can cut the note. */
		(void)snprintf(h->error + len, sizeof(h->error) - len,
		    "; an MX target must be a host name, not an IP address "
		    "(RFC 1035 3.3.9)");
	}
}

/*
 * Every address of every mail host is this host or no host at all: an
 * MTA bounces such mail (Postfix: "mail for X loops back to myself"),
 * and a probe would talk to itself. The first refused host says why.
 */
static void
mx_loops(const char *domain, struct probe_mx_result *out)
{
	size_t	i;

	out->status = PROBE_MX_LOOPBACK;
	for (i = 0; i + 1 < out->nhosts && out->hosts[i].error[0] == '\0';)
		i++;
	mx_say(out, "mail for %s loops back to myself: %s", domain,
	    out->hosts[i].error);
}

/* Status and sentence once the MX hosts' addresses are in. */
static void
mx_decide_mx(const struct mx_ctx *ctx, const char *domain,
    struct probe_mx_result *out, const struct mx_tally *t, size_t nnull)
{
	mx_note_literals(out);
	if (t->nresolved > 0) {
		out->status = PROBE_MX_FOUND;
		mx_say(out, "%s has %zu MX host%s, %zu with an address",
		    domain, out->nhosts, out->nhosts == 1 ? "" : "s",
		    t->nresolved);
	} else if (t->failed != NULL)
		mx_fail(ctx, out, t->failed, t->failed_status);
	else if (t->nlooped > 0)
		mx_loops(domain, out);
	else {
		out->status = PROBE_MX_NOADDR;
		mx_say(out, "no MX host of %s has an address; %s", domain,
		    out->hosts[0].error);
	}
	if (out->hosts_dropped > 0)
		mx_say_more(out, "; %zu more MX hosts ignored (limit %d)",
		    out->hosts_dropped, PROBE_MX_HOSTS_MAX);
	if (nnull > 0)
		mx_say_more(out, "; ignored a null MX published next to "
		    "other MX records (RFC 7505 3: a misconfigured domain)");
}

/* MX records came back: null MX, or hosts and their addresses. */
static enum probe_mx_rc
mx_found(struct mx_ctx *ctx, const char *domain,
    struct probe_mx_result *out, char *errmsg, size_t errlen)
{
	struct mx_cand		*cand;
	struct mx_tally		 tally;
	enum probe_mx_rc	 rc;
	size_t			 n, nnull;

	rc = mx_collect(ctx, &cand, &n, &nnull, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		return rc;
	if (n == 0) {
		free(cand);
		out->status = PROBE_MX_NULL;
		mx_say(out, "%s publishes a null MX (RFC 7505): it accepts no "
		    "mail", domain);
		return PROBE_MX_OK;
	}
	rc = mx_keep_hosts(out, cand, n, errmsg, errlen);
	free(cand);
	if (rc == PROBE_MX_OK)
		rc = mx_resolve_addrs(ctx, out, &tally, errmsg, errlen);
	if (rc == PROBE_MX_OK)
		mx_decide_mx(ctx, domain, out, &tally, nnull);
	return rc;
}

/* RFC 5321 5.1: no MX at all, so the domain itself is the mail host. */
static enum probe_mx_rc
mx_implicit(struct mx_ctx *ctx, const char *domain,
    struct probe_mx_result *out, char *errmsg, size_t errlen)
{
	struct mx_tally		tally;
	enum probe_mx_rc	rc;

	rc = mx_hosts_one(out, domain, errmsg, errlen);
	if (rc == PROBE_MX_OK)
		rc = mx_resolve_addrs(ctx, out, &tally, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		return rc;
	if (tally.nresolved > 0) {
		out->status = PROBE_MX_IMPLICIT;
		mx_say(out, "no MX record; using the domain's own address "
		    "(RFC 5321 5.1)");
		return PROBE_MX_OK;
	}
	if (tally.nlooped > 0 && tally.failed == NULL) {
		mx_loops(domain, out);
		mx_hosts_drop(out);
		return PROBE_MX_OK;
	}
	/* There is no mail host to list, not even an implicit one. */
	mx_hosts_drop(out);
	if (tally.failed != NULL)
		mx_fail(ctx, out, domain, tally.failed_status);
	else {
		out->status = PROBE_MX_NODATA;
		mx_say(out, "%s has no MX and no address record", domain);
	}
	return PROBE_MX_OK;
}

enum probe_mx_rc
probe_mx_resolve(const char *domain, const struct probe_mx_opts *opts,
    struct probe_mx_result *out, char *errmsg, size_t errlen)
{
	struct mx_ctx		ctx;
	enum probe_mx_rc	rc;
	char			alabel[PROBE_IDNA_NAME_MAX + 1];

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	/* RFC 5891 5: DNS knows "bücher.example" as its A-label. */
	if (!probe_idna_is_ascii(domain)) {
		if (!probe_idna_to_ascii(domain, alabel, sizeof(alabel),
		    errmsg, errlen))
			return PROBE_MX_E_USAGE;
		domain = alabel;
	}
	rc = mx_ctx_open(&ctx, domain, opts, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		goto out;
	ctx.is_mail_lookup = true;
	ctx.allow_loopback = opts != NULL && opts->allow_loopback;
	ctx.pending++;
	ares_query(ctx.ares.channel, domain, ns_c_in, ns_t_mx, mx_on_mx, &ctx);
	rc = mx_wait(&ctx, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		goto out;
	if (ctx.mx_status == ARES_SUCCESS)
		rc = mx_found(&ctx, domain, out, errmsg, errlen);
	else if (ctx.mx_status == ARES_ENODATA)
		rc = mx_implicit(&ctx, domain, out, errmsg, errlen);
	else
		mx_fail(&ctx, out, domain, ctx.mx_status);
out:
	mx_ctx_close(&ctx);
	if (rc != PROBE_MX_OK)
		probe_mx_result_free(out);
	return rc;
}

/* --server given as an address: no DNS at all. Errors: USAGE, NOMEM. */
static enum probe_mx_rc
mx_literal(const char *host, int family, const union probe_ares_ip *ip,
    const struct probe_mx_opts *opts, struct probe_mx_result *out,
    char *errmsg, size_t errlen)
{
	struct mx_ctx		ctx;
	enum probe_mx_rc	rc;

	memset(&ctx, 0, sizeof(ctx));
	rc = mx_check_opts(&ctx, opts, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		return rc;
	if (ctx.family != AF_UNSPEC && ctx.family != family) {
		probe_fmt(errmsg, errlen, "%s is an IPv%c address, but only "
		    "IPv%c was asked for", host, family == AF_INET ? '4' : '6',
		    family == AF_INET ? '6' : '4');
		return PROBE_MX_E_USAGE;
	}
	rc = mx_hosts_one(out, host, errmsg, errlen);
	if (rc != PROBE_MX_OK)
		return rc;
	mx_addr_set(&out->hosts[0].addrs[0], family, ip);
	out->hosts[0].naddrs = 1;
	out->status = PROBE_MX_FOUND;
	mx_say(out, "%s is an IP address; no DNS lookup", host);
	return PROBE_MX_OK;
}

/* Status and sentence once the single host's addresses are in. */
static void
mx_decide_host(const struct mx_ctx *ctx, const char *host,
    struct probe_mx_result *out, const struct mx_tally *t)
{
	if (t->nresolved > 0) {
		out->status = PROBE_MX_FOUND;
		mx_say(out, "%s has %zu address%s", host,
		    out->hosts[0].naddrs,
		    out->hosts[0].naddrs == 1 ? "" : "es");
	} else if (t->failed != NULL)
		mx_fail(ctx, out, host, t->failed_status);
	else
		mx_fail(ctx, out, host, t->perm_status);
}

enum probe_mx_rc
probe_mx_resolve_host(const char *host, const struct probe_mx_opts *opts,
    struct probe_mx_result *out, char *errmsg, size_t errlen)
{
	struct mx_ctx		ctx;
	struct mx_tally		tally;
	union probe_ares_ip	ip;
	enum probe_mx_rc	rc;
	int			family;
	char			alabel[PROBE_IDNA_NAME_MAX + 1];

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	if (!probe_idna_is_ascii(host)) {
		if (!probe_idna_to_ascii(host, alabel, sizeof(alabel), errmsg,
		    errlen))
			return PROBE_MX_E_USAGE;
		host = alabel;
	}
	family = probe_ares_parse_ip(host, strlen(host), &ip);
	if (family != AF_UNSPEC)
		rc = mx_literal(host, family, &ip, opts, out, errmsg, errlen);
	else {
		rc = mx_ctx_open(&ctx, host, opts, errmsg, errlen);
		if (rc == PROBE_MX_OK)
			rc = mx_hosts_one(out, host, errmsg, errlen);
		if (rc == PROBE_MX_OK)
			rc = mx_resolve_addrs(&ctx, out, &tally, errmsg,
			    errlen);
		if (rc == PROBE_MX_OK)
			mx_decide_host(&ctx, host, out, &tally);
	}
	mx_ctx_close(&ctx);
	if (rc != PROBE_MX_OK)
		probe_mx_result_free(out);
	return rc;
}

/* The first address of the IPv4-mapped block ::ffff:0:0/96. */
#define MX_V4MAPPED_OFF		12

static const char *
mx_v4_special(const unsigned char *b, bool allow_loopback)
{
	if (b[0] == 0)
		return "in 0.0.0.0/8, \"this network\" (RFC 1122 3.2.1.3)";
	if (b[0] == 127)
		return allow_loopback ? NULL : "a loopback address "
		    "(127.0.0.0/8)";
	if (b[0] == 169 && b[1] == 254)
		return "a link-local address (169.254.0.0/16)";
	if (b[0] >= 224 && b[0] <= 239)
		return "a multicast address (224.0.0.0/4)";
	if (b[0] >= 240)
		return "a reserved or broadcast address (240.0.0.0/4)";
	return NULL;
}

const char *
probe_mx_addr_special(const struct sockaddr *sa, bool allow_loopback)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	const struct in6_addr		*a6 = &sin6->sin6_addr;

	if (sa->sa_family == AF_INET)
		return mx_v4_special((const unsigned char *)&sin->sin_addr,
		    allow_loopback);
	if (sa->sa_family != AF_INET6)
		return NULL;
	if (IN6_IS_ADDR_UNSPECIFIED(a6))
		return "the unspecified address (::)";
	if (IN6_IS_ADDR_LOOPBACK(a6))
		return allow_loopback ? NULL : "the loopback address (::1)";
	if (IN6_IS_ADDR_V4MAPPED(a6))
		return mx_v4_special(a6->s6_addr + MX_V4MAPPED_OFF,
		    allow_loopback);
	if (IN6_IS_ADDR_LINKLOCAL(a6))
		return "a link-local address (fe80::/10)";
	if (IN6_IS_ADDR_MULTICAST(a6))
		return "a multicast address (ff00::/8)";
	return NULL;
}
