/*
 * probe_dns - the resolver interface and its c-ares implementation. See
 * probe_dns.h for what it does, its limits and its errors.
 *
 * The c-ares side is shared with probe_mx.c through probe_ares.h: a
 * channel of our own with no search domains, ARES_FLAG_NOCHECKRESP so
 * that SERVFAIL and REFUSED reach us as such, no ares_library_init()
 * (not needed on Linux), and a poll() loop that ends at one
 * CLOCK_MONOTONIC deadline with ares_cancel(). Unlike probe_mx, the
 * channel lives as long as the struct probe_dns, and the deadline covers
 * every lookup made through it: an SPF check makes up to a few hundred
 * queries one after the other, and RFC 7208 4.6.4 bounds the time of the
 * whole check, not of one query.
 */
#include "probe/dns/probe_dns.h"
#include "probe/dns/probe_ares.h"
#include "probe/dns/probe_idna.h"
#include "probe/util/probe_fmt.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 1035 2.3.4: 255 octets on the wire are 253 characters of text. */
#define DNS_NAME_MAX		253
#define DNS_LABEL_MAX		63
#define DNS_IPV4_LEN		4
#define DNS_IPV6_LEN		16
/* RFC 1035 4.1.1: the header is 12 bytes; ANCOUNT is at offset 6. */
#define DNS_HEADER_LEN		12
#define DNS_ANCOUNT_OFF		6
/*
 * The smallest A record on the wire: a 2-byte compressed name, 10 bytes
 * of type, class, TTL and length, 4 of address. It bounds how many
 * records a reply of alen bytes can hold, whatever its header claims.
 */
#define DNS_A_RR_MIN		16
#define DNS_MS_PER_S		1000

/* The c-ares implementation's ctx is a struct probe_ares. */
struct dns_query {			/* one lookup in flight */
	struct probe_ares	*ctx;
	struct probe_dns_answer	*ans;
	const char		*name;
	size_t			 pending;	/* 1 until called back */
	int			 ares_status;
};

static const char *const dns_status_names[] = {
	[PROBE_DNS_FOUND] = "found",
	[PROBE_DNS_NXDOMAIN] = "nxdomain",
	[PROBE_DNS_NODATA] = "nodata",
	[PROBE_DNS_SERVFAIL] = "servfail",
	[PROBE_DNS_TIMEOUT] = "timeout",
	[PROBE_DNS_FAILED] = "failed",
	[PROBE_DNS_UNASKED] = "unasked",
};
_Static_assert(sizeof(dns_status_names) / sizeof(dns_status_names[0]) ==
    PROBE_DNS_STATUS_COUNT, "each status needs a name");

struct dns_type_def {
	const char	*name;
	int		 qtype;	/* RFC 1035 3.2.2, RFC 3596 2.1 */
};

static const struct dns_type_def dns_types[] = {
	[PROBE_DNS_TXT] = { "TXT", ns_t_txt },
	[PROBE_DNS_A] = { "A", ns_t_a },
	[PROBE_DNS_AAAA] = { "AAAA", ns_t_aaaa },
	[PROBE_DNS_MX] = { "MX", ns_t_mx },
	[PROBE_DNS_PTR] = { "PTR", ns_t_ptr },
};
_Static_assert(sizeof(dns_types) / sizeof(dns_types[0]) ==
    PROBE_DNS_TYPE_COUNT, "each type needs a row");

/* How each c-ares status reads for us. */
struct dns_ares_row {
	int			 ares_status;
	enum probe_dns_status	 status;
	const char		*reason;
};

static const struct dns_ares_row dns_ares_rows[] = {
	{ ARES_ENODATA, PROBE_DNS_NODATA, "no record of that type" },
	{ ARES_ENOTFOUND, PROBE_DNS_NXDOMAIN, "no such name (NXDOMAIN)" },
	{ ARES_ESERVFAIL, PROBE_DNS_SERVFAIL, "SERVFAIL" },
	{ ARES_EREFUSED, PROBE_DNS_SERVFAIL, "REFUSED" },
	{ ARES_EFORMERR, PROBE_DNS_SERVFAIL, "FORMERR" },
	{ ARES_ENOTIMP, PROBE_DNS_SERVFAIL, "NOTIMP" },
	{ ARES_EBADRESP, PROBE_DNS_SERVFAIL, "malformed reply" },
	{ ARES_ETIMEOUT, PROBE_DNS_TIMEOUT, "no answer" },
	/* ares_cancel() at our deadline. */
	{ ARES_ECANCELLED, PROBE_DNS_TIMEOUT, "no answer" },
	/* ICMP port unreachable: nothing listens at the server address. */
	{ ARES_ECONNREFUSED, PROBE_DNS_TIMEOUT, "connection refused" },
	{ ARES_EBADNAME, PROBE_DNS_FAILED, "the name cannot be queried" },
	{ ARES_ENOMEM, PROBE_DNS_FAILED, "out of memory" },
};

static const struct dns_ares_row dns_ares_other = {
	-1, PROBE_DNS_FAILED, "unexpected c-ares error"
};

const char *
probe_dns_status_name(enum probe_dns_status status)
{
	if ((unsigned)status >= PROBE_DNS_STATUS_COUNT)
		return "unknown";
	return dns_status_names[status];
}

const char *
probe_dns_type_name(enum probe_dns_type type)
{
	if ((unsigned)type >= PROBE_DNS_TYPE_COUNT)
		return "?";
	return dns_types[type].name;
}

void
probe_dns_answer_init(struct probe_dns_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
}

void
probe_dns_answer_free(struct probe_dns_answer *ans)
{
	smtp_buf_free(&ans->rrs);
	smtp_buf_free(&ans->text);
	memset(ans, 0, sizeof(*ans));
}

const struct probe_dns_rr *
probe_dns_answer_rr(const struct probe_dns_answer *ans, size_t i)
{
	return (const struct probe_dns_rr *)(const void *)ans->rrs.data + i;
}

const char *
probe_dns_answer_text(const struct probe_dns_answer *ans, size_t i)
{
	const struct probe_dns_rr	*rr = probe_dns_answer_rr(ans, i);

	if (rr->family != AF_UNSPEC || ans->text.data == NULL)
		return "";
	return ans->text.data + rr->off;
}

enum probe_dns_status
probe_dns_answer_fail(struct probe_dns_answer *ans,
    enum probe_dns_status status, const char *fmt, ...)
{
	va_list	ap;

	ans->status = status;
	va_start(ap, fmt);
	/* Our sentence; only a name near 253 bytes can cut its tail. */
	(void)vsnprintf(ans->msg, sizeof(ans->msg), fmt, ap);
	va_end(ap);
	return status;
}

static enum probe_dns_rc
dns_rc(enum smtp_rc rc)
{
	return rc == SMTP_OK ? PROBE_DNS_OK : PROBE_DNS_E_NOMEM;
}

/* Appends rr; at PROBE_DNS_RR_MAX it is only counted. Errors: NOMEM. */
static enum probe_dns_rc
dns_rr_push(struct probe_dns_answer *ans, const struct probe_dns_rr *rr)
{
	enum smtp_rc	rc;

	rc = smtp_buf_append(&ans->rrs, rr, sizeof(*rr),
	    PROBE_DNS_RR_MAX * sizeof(*rr));
	if (rc == SMTP_E_LIMIT) {
		ans->dropped++;
		return PROBE_DNS_OK;
	}
	if (rc == SMTP_OK)
		ans->nrr++;
	return dns_rc(rc);
}

enum probe_dns_rc
probe_dns_answer_add_addr(struct probe_dns_answer *ans, int family,
    const void *addr)
{
	struct probe_dns_rr	rr;

	memset(&rr, 0, sizeof(rr));
	rr.family = family;
	memcpy(rr.addr, addr, family == AF_INET ? DNS_IPV4_LEN :
	    DNS_IPV6_LEN);
	return dns_rr_push(ans, &rr);
}

/* Shortens the text to len, keeping the NUL smtp_buf promises after it. */
static void
dns_text_cut(struct probe_dns_answer *ans, size_t len)
{
	ans->text.len = len;
	if (ans->text.data != NULL)
		ans->text.data[len] = '\0';
}

/*
 * Appends len bytes and a NUL to the text. Returns SMTP_E_LIMIT (nothing
 * appended) when they would cross PROBE_DNS_TEXT_MAX, SMTP_E_NOMEM
 * (nothing appended either) when memory runs out.
 */
static enum smtp_rc
dns_text_add(struct probe_dns_answer *ans, const void *bytes, size_t len)
{
	size_t		start = ans->text.len;
	enum smtp_rc	rc;

	if (len >= PROBE_DNS_TEXT_MAX - start)
		return SMTP_E_LIMIT;
	rc = smtp_buf_append(&ans->text, bytes, len, PROBE_DNS_TEXT_MAX);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(&ans->text, "", 1, PROBE_DNS_TEXT_MAX);
	if (rc != SMTP_OK)
		dns_text_cut(ans, start);
	return rc;
}

enum probe_dns_rc
probe_dns_answer_add_name(struct probe_dns_answer *ans, unsigned pref,
    const char *name)
{
	struct probe_dns_rr	rr;
	enum smtp_rc		rc;
	enum probe_dns_rc	prc;

	memset(&rr, 0, sizeof(rr));
	rr.pref = pref;
	rr.off = ans->text.len;
	rr.len = strlen(name);
	if (ans->nrr >= PROBE_DNS_RR_MAX) {
		ans->dropped++;
		return PROBE_DNS_OK;
	}
	rc = dns_text_add(ans, name, rr.len);
	if (rc == SMTP_E_LIMIT) {
		ans->dropped++;
		return PROBE_DNS_OK;
	}
	if (rc != SMTP_OK)
		return PROBE_DNS_E_NOMEM;
	prc = dns_rr_push(ans, &rr);
	if (prc != PROBE_DNS_OK)
		dns_text_cut(ans, rr.off);
	return prc;
}

/*
 * A TXT record is the last entry while it is built: its text ends the
 * text buffer, so a string is appended by moving the record's NUL.
 */
enum probe_dns_rc
probe_dns_answer_txt_begin(struct probe_dns_answer *ans)
{
	struct probe_dns_rr	rr;
	enum smtp_rc		rc;
	enum probe_dns_rc	prc;

	ans->is_dropping = false;
	memset(&rr, 0, sizeof(rr));
	rr.off = ans->text.len;
	rc = ans->nrr >= PROBE_DNS_RR_MAX ? SMTP_E_LIMIT :
	    dns_text_add(ans, "", 0);
	if (rc == SMTP_E_LIMIT) {
		ans->is_dropping = true;
		ans->dropped++;
		return PROBE_DNS_OK;
	}
	if (rc != SMTP_OK)
		return PROBE_DNS_E_NOMEM;
	prc = dns_rr_push(ans, &rr);
	if (prc != PROBE_DNS_OK)
		dns_text_cut(ans, rr.off);
	return prc;
}

/* Drops the record being built: it would cross PROBE_DNS_TEXT_MAX. */
static void
dns_txt_drop(struct probe_dns_answer *ans, const struct probe_dns_rr *rr)
{
	dns_text_cut(ans, rr->off);
	ans->rrs.len -= sizeof(*rr);
	ans->nrr--;
	ans->dropped++;
	ans->is_dropping = true;
}

enum probe_dns_rc
probe_dns_answer_txt_append(struct probe_dns_answer *ans, const void *bytes,
    size_t len)
{
	struct probe_dns_rr	*rr;
	size_t			 nul;
	enum smtp_rc		 rc;

	if (ans->is_dropping || ans->nrr == 0)
		return PROBE_DNS_OK;
	rr = (struct probe_dns_rr *)(void *)ans->rrs.data + ans->nrr - 1;
	nul = ans->text.len - 1;	/* where the record's NUL sits */
	dns_text_cut(ans, nul);
	rc = dns_text_add(ans, bytes, len);
	if (rc == SMTP_E_LIMIT) {
		dns_txt_drop(ans, rr);
		return PROBE_DNS_OK;
	}
	if (rc != SMTP_OK) {
		/* The buffer held that NUL before: it has the room. */
		ans->text.data[nul + 1] = '\0';
		ans->text.len = nul + 1;
		return PROBE_DNS_E_NOMEM;
	}
	rr->len += len;
	rr->nstrings++;
	return PROBE_DNS_OK;
}

/* The function of dns->ops for type. */
static probe_dns_lookup_fn *
dns_op(const struct probe_dns_ops *ops, enum probe_dns_type type)
{
	switch (type) {
	case PROBE_DNS_TXT:
		return ops->txt;
	case PROBE_DNS_A:
		return ops->a;
	case PROBE_DNS_AAAA:
		return ops->aaaa;
	case PROBE_DNS_MX:
		return ops->mx;
	case PROBE_DNS_PTR:
		return ops->ptr;
	case PROBE_DNS_TYPE_COUNT:
		break;
	}
	return NULL;
}

/* The name without one trailing dot, in buf; NULL when it cannot fit. */
static const char *
dns_strip_dot(const char *name, char *buf, size_t len)
{
	size_t	n = strlen(name);

	if (n == 0 || name[n - 1] != '.')
		return name;
	if (n > len)
		return NULL;
	memcpy(buf, name, n - 1);
	buf[n - 1] = '\0';
	return buf;
}

enum probe_dns_status
probe_dns_lookup(const struct probe_dns *dns, enum probe_dns_type type,
    const char *name, struct probe_dns_answer *ans)
{
	char			 buf[DNS_NAME_MAX + 2];
	char			 alabel[DNS_NAME_MAX + 1];
	char			 why[PROBE_DNS_MSG_MAX];
	probe_dns_lookup_fn	*fn;
	enum probe_dns_status	 st;

	probe_dns_answer_free(ans);
	ans->type = type;
	fn = (unsigned)type < PROBE_DNS_TYPE_COUNT ? dns_op(dns->ops, type) :
	    NULL;
	if (fn == NULL)
		return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
		    "the resolver cannot look up this type");
	name = dns_strip_dot(name, buf, sizeof(buf));
	if (name == NULL)
		return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
		    "the name is longer than 253 characters (RFC 1035 2.3.4)");
	/*
	 * RFC 5891 5: DNS is asked for the A-label form of a U-label
	 * ("bücher.example"), never for its UTF-8 bytes; here, so that every
	 * lookup (MX, SPF, DMARC, DKIM, PTR targets) does it the same way.
	 */
	if (!probe_idna_is_ascii(name)) {
		if (!probe_idna_to_ascii(name, alabel, sizeof(alabel), why,
		    sizeof(why)))
			return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
			    "%s", why);
		name = alabel;
	}
	st = fn(dns->ctx, name, ans);
	/* The contract, whatever the implementation did. */
	if (st == PROBE_DNS_FOUND && ans->nrr == 0 && ans->dropped == 0)
		st = probe_dns_answer_fail(ans, PROBE_DNS_NODATA,
		    "%s %s: no record", probe_dns_type_name(type), name);
	ans->status = st;
	return st;
}

bool
probe_dns_reverse_name(int family, const void *addr, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*b = addr;
	size_t			 i, o = 0;
	int			 n;

	if (family == AF_INET) {
		n = snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa",
		    (unsigned)b[3], (unsigned)b[2], (unsigned)b[1],
		    (unsigned)b[0]);
		return n > 0 && (size_t)n < len;
	}
	if (family != AF_INET6 || len < PROBE_DNS_REVERSE_MAX)
		return false;
	for (i = DNS_IPV6_LEN; i-- > 0;) {
		buf[o++] = hex[b[i] & 0x0f];
		buf[o++] = '.';
		buf[o++] = hex[b[i] >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa", sizeof("ip6.arpa"));
	return true;
}

/* The c-ares implementation. */

static const struct dns_ares_row *
dns_ares_row(int ares_status)
{
	size_t	i;

	for (i = 0; i < sizeof(dns_ares_rows) / sizeof(dns_ares_rows[0]); i++)
		if (dns_ares_rows[i].ares_status == ares_status)
			return &dns_ares_rows[i];
	return &dns_ares_other;
}

/*
 * probe_ares' codes as ours. probe_dns_open() does not wait, and a
 * lookup's failed poll() reads as no answer, so E_POLL never gets here;
 * it has a row so that the table covers every code.
 */
static const enum probe_dns_rc dns_ares_rcs[] = {
	[PROBE_ARES_OK] = PROBE_DNS_OK,
	[PROBE_ARES_E_USAGE] = PROBE_DNS_E_USAGE,
	[PROBE_ARES_E_INIT] = PROBE_DNS_E_INIT,
	[PROBE_ARES_E_NOMEM] = PROBE_DNS_E_NOMEM,
	[PROBE_ARES_E_POLL] = PROBE_DNS_E_INIT,
};
_Static_assert(sizeof(dns_ares_rcs) / sizeof(dns_ares_rcs[0]) ==
    PROBE_ARES_RC_COUNT, "each probe_ares code needs a row");

static enum probe_dns_rc
dns_ares_rc(enum probe_ares_rc rc)
{
	assert((unsigned)rc < PROBE_ARES_RC_COUNT);
	return dns_ares_rcs[rc];
}

static void
dns_ctx_free(struct probe_ares *ctx)
{
	if (ctx == NULL)
		return;
	probe_ares_free(ctx);
	free(ctx);
}

static probe_dns_lookup_fn	dns_ares_txt, dns_ares_a, dns_ares_aaaa,
				dns_ares_mx, dns_ares_ptr;

static const struct probe_dns_ops dns_ares_ops = {
	.txt = dns_ares_txt,
	.a = dns_ares_a,
	.aaaa = dns_ares_aaaa,
	.mx = dns_ares_mx,
	.ptr = dns_ares_ptr,
};

enum probe_dns_rc
probe_dns_open(struct probe_dns *dns, const struct probe_dns_opts *opts,
    char *errmsg, size_t errlen)
{
	struct probe_ares	*ctx;
	enum probe_dns_rc	 rc;
	int			 timeout_ms = PROBE_DNS_TIMEOUT_DEFAULT_MS;

	memset(dns, 0, sizeof(*dns));
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		probe_fmt(errmsg, errlen, "out of memory");
		return PROBE_DNS_E_NOMEM;
	}
	if (opts != NULL && opts->timeout_ms > 0)
		timeout_ms = opts->timeout_ms;
	rc = dns_ares_rc(probe_ares_init(ctx, opts != NULL ? opts->dns_server :
	    NULL, timeout_ms, errmsg, errlen));
	ctx->lookup_ms = opts != NULL && opts->lookup_timeout_ms > 0 ?
	    opts->lookup_timeout_ms : timeout_ms / PROBE_DNS_LOOKUP_SHARE;
	if (ctx->lookup_ms <= 0)
		ctx->lookup_ms = 1;
	if (rc == PROBE_DNS_OK)
		rc = dns_ares_rc(probe_ares_open(ctx, errmsg, errlen));
	if (rc != PROBE_DNS_OK) {
		dns_ctx_free(ctx);
		return rc;
	}
	dns->ops = &dns_ares_ops;
	dns->ctx = ctx;
	return PROBE_DNS_OK;
}

void
probe_dns_close(struct probe_dns *dns)
{
	/* Only ours carry dns_ares_ops; others free their own ctx. */
	if (dns->ops == &dns_ares_ops)
		dns_ctx_free(dns->ctx);
	memset(dns, 0, sizeof(*dns));
}

static int
dns_rc_ares(enum probe_dns_rc rc)
{
	return rc == PROBE_DNS_OK ? ARES_SUCCESS : ARES_ENOMEM;
}

/* RFC 7208 3.3: each record's strings joined, records kept apart. */
static int
dns_parse_txt(struct probe_dns_answer *ans, const unsigned char *abuf,
    int alen)
{
	struct ares_txt_ext	*head = NULL, *t;
	enum probe_dns_rc	 rc = PROBE_DNS_OK;
	bool			 has_begun = false;
	int			 st;

	st = ares_parse_txt_reply_ext(abuf, alen, &head);
	if (st != ARES_SUCCESS)
		return st;
	for (t = head; t != NULL && rc == PROBE_DNS_OK; t = t->next) {
		if (t->record_start || !has_begun)
			rc = probe_dns_answer_txt_begin(ans);
		has_begun = true;
		if (rc == PROBE_DNS_OK)
			rc = probe_dns_answer_txt_append(ans, t->txt,
			    t->length);
	}
	ares_free_data(head);
	return dns_rc_ares(rc);
}

/* How many answer records the reply claims, bounded by its size. */
static size_t
dns_ancount(const unsigned char *abuf, int alen)
{
	size_t	n, room;

	if (alen < DNS_HEADER_LEN)
		return 0;
	n = (size_t)abuf[DNS_ANCOUNT_OFF] << 8 | abuf[DNS_ANCOUNT_OFF + 1];
	room = (size_t)alen / DNS_A_RR_MIN + 1;
	return n < room ? n : room;
}

/*
 * A or AAAA: c-ares follows a CNAME chain inside the answer and returns
 * the addresses at its end. The array is sized from the reply, so the
 * answer's own limit is the only cut, and it is counted.
 */
static int
dns_parse_addrs(struct probe_dns_answer *ans, const unsigned char *abuf,
    int alen)
{
	bool			 is_v4 = ans->type == PROBE_DNS_A;
	size_t			 cap = dns_ancount(abuf, alen), i;
	struct ares_addrttl	*v4 = NULL;
	struct ares_addr6ttl	*v6 = NULL;
	enum probe_dns_rc	 rc = PROBE_DNS_OK;
	int			 n = (int)cap, st;

	if (cap == 0)
		return ARES_ENODATA;
	if (is_v4)
		v4 = calloc(cap, sizeof(*v4));
	else
		v6 = calloc(cap, sizeof(*v6));
	if (v4 == NULL && v6 == NULL)
		return ARES_ENOMEM;
	st = is_v4 ? ares_parse_a_reply(abuf, alen, NULL, v4, &n) :
	    ares_parse_aaaa_reply(abuf, alen, NULL, v6, &n);
	for (i = 0; st == ARES_SUCCESS && rc == PROBE_DNS_OK &&
	    i < (size_t)n; i++)
		rc = is_v4 ? probe_dns_answer_add_addr(ans, AF_INET,
		    &v4[i].ipaddr) : probe_dns_answer_add_addr(ans, AF_INET6,
		    &v6[i].ip6addr);
	free(v4);
	free(v6);
	return st == ARES_SUCCESS ? dns_rc_ares(rc) : st;
}

static int
dns_parse_mx(struct probe_dns_answer *ans, const unsigned char *abuf,
    int alen)
{
	struct ares_mx_reply	*head = NULL, *m;
	enum probe_dns_rc	 rc = PROBE_DNS_OK;
	int			 st;

	st = ares_parse_mx_reply(abuf, alen, &head);
	if (st != ARES_SUCCESS)
		return st;
	for (m = head; m != NULL && rc == PROBE_DNS_OK; m = m->next)
		rc = probe_dns_answer_add_name(ans, m->priority, m->host);
	ares_free_data(head);
	return dns_rc_ares(rc);
}

/* c-ares 1.18 lists every PTR target, in answer order, in h_aliases. */
static int
dns_parse_ptr(struct probe_dns_answer *ans, const unsigned char *abuf,
    int alen)
{
	struct hostent		*he = NULL;
	enum probe_dns_rc	 rc = PROBE_DNS_OK;
	size_t			 i;
	int			 st;

	st = ares_parse_ptr_reply(abuf, alen, NULL, 0, AF_INET, &he);
	if (st != ARES_SUCCESS)
		return st;
	for (i = 0; he->h_aliases[i] != NULL && rc == PROBE_DNS_OK; i++)
		rc = probe_dns_answer_add_name(ans, 0, he->h_aliases[i]);
	ares_free_hostent(he);
	return dns_rc_ares(rc);
}

int
probe_dns_parse(struct probe_dns_answer *ans, const unsigned char *abuf,
    size_t alen)
{
	int	st;

	/* RFC 1035 4.2.2: no DNS message is longer; c-ares takes an int. */
	if (alen > PROBE_DNS_WIRE_MAX)
		return probe_ares_parsed(ARES_EBADRESP);
	switch (ans->type) {
	case PROBE_DNS_TXT:
		st = dns_parse_txt(ans, abuf, (int)alen);
		break;
	case PROBE_DNS_A:
	case PROBE_DNS_AAAA:
		st = dns_parse_addrs(ans, abuf, (int)alen);
		break;
	case PROBE_DNS_MX:
		st = dns_parse_mx(ans, abuf, (int)alen);
		break;
	default:
		st = dns_parse_ptr(ans, abuf, (int)alen);
		break;
	}
	return probe_ares_parsed(st);
}

static void
dns_on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_query	*q = arg;

	(void)timeouts;	/* the deadline, not the count, matters */
	q->pending = 0;
	if (status == ARES_SUCCESS)
		status = probe_dns_parse(q->ans, abuf,
		    alen > 0 ? (size_t)alen : 0);
	q->ares_status = status;
}

/*
 * The status and sentence of a lookup that found nothing. Records a
 * parser kept before it failed are let go: a failed answer has none.
 */
static enum probe_dns_status
dns_fail(const struct dns_query *q)
{
	const struct dns_ares_row	*row = dns_ares_row(q->ares_status);
	const char			*type;
	char				 server[PROBE_ARES_SERVER_TEXT_MAX];
	long long			 ms;

	ms = probe_ares_now_ms() - q->ctx->start_ms;
	type = probe_dns_type_name(q->ans->type);
	smtp_buf_free(&q->ans->rrs);
	smtp_buf_free(&q->ans->text);
	q->ans->nrr = 0;
	q->ans->dropped = 0;

	if (row->status == PROBE_DNS_NXDOMAIN ||
	    row->status == PROBE_DNS_NODATA ||
	    row->status == PROBE_DNS_FAILED)
		return probe_dns_answer_fail(q->ans, row->status, "%s %s: %s",
		    type, q->name, row->reason);
	probe_ares_server_text(q->ctx, server, sizeof(server));
	if (row->status == PROBE_DNS_TIMEOUT)
		return probe_dns_answer_fail(q->ans, row->status,
		    "%s %s: %s from %s within %lld.%lld s (%lld.%lld s into "
		    "the lookups)", type, q->name, row->reason, server,
		    (long long)q->ctx->lookup_ms / DNS_MS_PER_S,
		    (long long)q->ctx->lookup_ms % DNS_MS_PER_S / 100,
		    ms / DNS_MS_PER_S, ms % DNS_MS_PER_S / 100);
	return probe_dns_answer_fail(q->ans, row->status, "%s %s: %s from %s",
	    type, q->name, row->reason, server);
}

/*
 * A lookup the overall deadline came before: never sent, so the server
 * is not blamed; the time given to all lookups is.
 */
static enum probe_dns_status
dns_unasked(const struct dns_query *q)
{
	long long	ms = q->ctx->deadline_ms - q->ctx->start_ms;

	return probe_dns_answer_fail(q->ans, PROBE_DNS_UNASKED, "%s %s: not "
	    "asked: the %lld.%lld s given to all lookups had run out",
	    probe_dns_type_name(q->ans->type), q->name, ms / DNS_MS_PER_S,
	    ms % DNS_MS_PER_S / 100);
}

/* Returns why name cannot be asked for, or NULL when it can. */
static const char *
dns_name_problem(const char *name)
{
	size_t	len = strlen(name), label = 0, i;

	if (len == 0)
		return "the name is empty";
	if (len > DNS_NAME_MAX)
		return "the name is longer than 253 characters";
	for (i = 0; i < len; i++) {
		if (name[i] != '.')
			label++;
		else if (label == 0)
			return "the name has an empty label";
		else
			label = 0;
		if (label > DNS_LABEL_MAX)
			return "a label is longer than 63 characters";
	}
	return NULL;
}

static enum probe_dns_status
dns_ares_lookup(void *arg, const char *name, struct probe_dns_answer *ans)
{
	struct dns_query	 q;
	const char		*problem = dns_name_problem(name);
	int64_t			 start_ms;

	if (problem != NULL)
		return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
		    "%s %s: %s (RFC 1035 2.3.4)",
		    probe_dns_type_name(ans->type), name, problem);
	memset(&q, 0, sizeof(q));
	q.ctx = arg;
	q.ans = ans;
	q.name = name;
	start_ms = probe_ares_now_ms();
	if (start_ms >= q.ctx->deadline_ms)
		return dns_unasked(&q);
	/* The callback may run inside ares_query(); pending covers that. */
	q.pending = 1;
	ares_query(q.ctx->channel, name, ns_c_in,
	    dns_types[ans->type].qtype, dns_on_answer, &q);
	/*
	 * Runs until q has called back, or its own wait or the deadline
	 * passed; then ares_cancel() calls it back with ARES_ECANCELLED. A
	 * failed poll() also cancels, so the lookup reads as unanswered and
	 * the error code adds nothing.
	 */
	(void)probe_ares_wait_until(q.ctx, &q.pending,
	    start_ms + q.ctx->lookup_ms, NULL, 0);
	/* A CNAME alone, or a reply holding none of the type, is no data. */
	if (q.ares_status == ARES_SUCCESS && ans->nrr == 0 &&
	    ans->dropped == 0)
		q.ares_status = ARES_ENODATA;
	if (q.ares_status == ARES_SUCCESS) {
		ans->status = PROBE_DNS_FOUND;
		return PROBE_DNS_FOUND;
	}
	return dns_fail(&q);
}

static enum probe_dns_status
dns_ares_txt(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return dns_ares_lookup(ctx, name, ans);
}

static enum probe_dns_status
dns_ares_a(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return dns_ares_lookup(ctx, name, ans);
}

static enum probe_dns_status
dns_ares_aaaa(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return dns_ares_lookup(ctx, name, ans);
}

static enum probe_dns_status
dns_ares_mx(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return dns_ares_lookup(ctx, name, ans);
}

static enum probe_dns_status
dns_ares_ptr(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return dns_ares_lookup(ctx, name, ans);
}
