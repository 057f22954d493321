/*
 * zone_dns - in-memory zone behind the probe_dns interface. See
 * zone_dns.h.
 *
 * Lookups scan every record: test zones hold dozens, so a linear scan
 * is simpler than an index and fast enough.
 */
#include "tests/support/zone_dns.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 1035 2.3.4: names have at most 253 characters of text. */
#define ZONE_NAME_MAX	253

enum zone_kind {
	ZONE_TXT,
	ZONE_A,
	ZONE_AAAA,
	ZONE_MX,
	ZONE_PTR,
	ZONE_CNAME,
	ZONE_TIMEOUT,
	ZONE_SERVFAIL,
	ZONE_UNASKED,
};

struct zone_rec {
	enum zone_kind	 kind;
	char		 name[ZONE_NAME_MAX + 1];	/* no last dot */
	unsigned	 pref;
	unsigned char	 addr[16];
	char		*data;		/* TXT strings, or a host */
	size_t		 len;
	size_t		 nstrings;
};

/* What walking one name's entries found for one type. */
struct zone_scan {
	bool			 is_name;	/* an entry has it */
	size_t			 nfound;
	const struct zone_rec	*cname;
	enum probe_dns_status	 marker;	/* FOUND: none reached */
};

static const enum zone_kind zone_kind_of[] = {
	[PROBE_DNS_TXT] = ZONE_TXT,
	[PROBE_DNS_A] = ZONE_A,
	[PROBE_DNS_AAAA] = ZONE_AAAA,
	[PROBE_DNS_MX] = ZONE_MX,
	[PROBE_DNS_PTR] = ZONE_PTR,
};
_Static_assert(sizeof(zone_kind_of) / sizeof(zone_kind_of[0]) ==
    PROBE_DNS_TYPE_COUNT, "each lookup type needs a record kind");

static struct zone_rec *
zone_recs(const struct zone_dns *z)
{
	return (struct zone_rec *)(void *)z->records.data;
}

void
zone_dns_init(struct zone_dns *z)
{
	memset(z, 0, sizeof(*z));
}

void
zone_dns_free(struct zone_dns *z)
{
	size_t	i;

	for (i = 0; i < z->nrecords; i++)
		free(zone_recs(z)[i].data);
	smtp_buf_free(&z->records);
	memset(z, 0, sizeof(*z));
}

/* Copies name without a trailing dot; -1 when it is too long. */
static int
zone_name(char *dst, const char *name)
{
	size_t	len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len > ZONE_NAME_MAX)
		return -1;
	memcpy(dst, name, len);
	dst[len] = '\0';
	return 0;
}

/* Appends rec, taking over rec->data (freed on failure). */
static int
zone_push(struct zone_dns *z, struct zone_rec *rec)
{
	if (smtp_buf_append(&z->records, rec, sizeof(*rec),
	    ZONE_DNS_RECORDS_MAX * sizeof(*rec)) != SMTP_OK) {
		free(rec->data);
		return -1;
	}
	z->nrecords++;
	return 0;
}

/* A record of kind at name with data (len bytes, may be NULL). */
static int
zone_add(struct zone_dns *z, enum zone_kind kind, const char *name,
    const void *data, size_t len, struct zone_rec *rec)
{
	rec->kind = kind;
	if (zone_name(rec->name, name) == -1)
		return -1;
	rec->data = malloc(len + 1);
	if (rec->data == NULL)
		return -1;
	if (len > 0)
		memcpy(rec->data, data, len);
	rec->data[len] = '\0';
	rec->len = len;
	return zone_push(z, rec);
}

int
zone_dns_add_txt(struct zone_dns *z, const char *name, const char *text)
{
	size_t	len = strlen(text);

	return zone_dns_add_txt_strings(z, name, &text, &len, 1);
}

int
zone_dns_add_txt_strings(struct zone_dns *z, const char *name,
    const char *const *strings, const size_t *lens, size_t n)
{
	struct zone_rec	rec;
	size_t		i, total = 0, off = 0;
	char		*buf;
	int		rc;

	for (i = 0; i < n; i++)
		total += lens[i];
	buf = malloc(total + 1);
	if (buf == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(buf + off, strings[i], lens[i]);
		off += lens[i];
	}
	memset(&rec, 0, sizeof(rec));
	rec.nstrings = n;
	rc = zone_add(z, ZONE_TXT, name, buf, total, &rec);
	free(buf);
	return rc;
}

int
zone_dns_add_addr(struct zone_dns *z, const char *name, const char *ip)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	if (inet_pton(AF_INET, ip, rec.addr) == 1)
		return zone_add(z, ZONE_A, name, NULL, 0, &rec);
	if (inet_pton(AF_INET6, ip, rec.addr) == 1)
		return zone_add(z, ZONE_AAAA, name, NULL, 0, &rec);
	return -1;
}

int
zone_dns_add_mx(struct zone_dns *z, const char *name, unsigned pref,
    const char *host)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	rec.pref = pref;
	return zone_add(z, ZONE_MX, name, host, strlen(host), &rec);
}

int
zone_dns_add_ptr(struct zone_dns *z, const char *name, const char *host)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	return zone_add(z, ZONE_PTR, name, host, strlen(host), &rec);
}

int
zone_dns_add_cname(struct zone_dns *z, const char *name, const char *target)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	return zone_add(z, ZONE_CNAME, name, target, strlen(target), &rec);
}

int
zone_dns_add_timeout(struct zone_dns *z, const char *name)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	return zone_add(z, ZONE_TIMEOUT, name, NULL, 0, &rec);
}

int
zone_dns_add_unasked(struct zone_dns *z, const char *name)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	return zone_add(z, ZONE_UNASKED, name, NULL, 0, &rec);
}

int
zone_dns_add_servfail(struct zone_dns *z, const char *name)
{
	struct zone_rec	rec;

	memset(&rec, 0, sizeof(rec));
	return zone_add(z, ZONE_SERVFAIL, name, NULL, 0, &rec);
}

/* True when some record's name is below name: an empty non-terminal. */
static bool
zone_has_below(const struct zone_dns *z, const char *name)
{
	size_t	i, n = strlen(name), m;

	for (i = 0; i < z->nrecords; i++) {
		m = strlen(zone_recs(z)[i].name);
		if (m > n + 1 && zone_recs(z)[i].name[m - n - 1] == '.' &&
		    strcasecmp(zone_recs(z)[i].name + m - n, name) == 0)
			return true;
	}
	return false;
}

/* Adds record r to ans as the lookup type asks. */
static enum probe_dns_rc
zone_answer_add(struct probe_dns_answer *ans, const struct zone_rec *r)
{
	enum probe_dns_rc	rc;

	switch (r->kind) {
	case ZONE_TXT:
		rc = probe_dns_answer_txt_begin(ans);
		/* One append: the strings are joined already. */
		if (rc == PROBE_DNS_OK && r->nstrings > 0)
			rc = probe_dns_answer_txt_append(ans, r->data, r->len);
		return rc;
	case ZONE_A:
		return probe_dns_answer_add_addr(ans, AF_INET, r->addr);
	case ZONE_AAAA:
		return probe_dns_answer_add_addr(ans, AF_INET6, r->addr);
	default:
		return probe_dns_answer_add_name(ans, r->pref, r->data);
	}
}

/*
 * Walks name's entries in order (see the markers in zone_dns.h) and adds
 * those of kind to ans. Errors: PROBE_DNS_E_NOMEM.
 */
static enum probe_dns_rc
zone_scan(const struct zone_dns *z, const char *name, enum zone_kind kind,
    struct probe_dns_answer *ans, struct zone_scan *s)
{
	const struct zone_rec	*r;
	enum probe_dns_rc	 rc = PROBE_DNS_OK;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < z->nrecords && rc == PROBE_DNS_OK; i++) {
		r = &zone_recs(z)[i];
		if (strcasecmp(r->name, name) != 0)
			continue;
		s->is_name = true;
		if (r->kind == ZONE_TIMEOUT || r->kind == ZONE_SERVFAIL ||
		    r->kind == ZONE_UNASKED) {
			if (s->nfound == 0)
				s->marker = r->kind == ZONE_TIMEOUT ?
				    PROBE_DNS_TIMEOUT : r->kind ==
				    ZONE_UNASKED ? PROBE_DNS_UNASKED :
				    PROBE_DNS_SERVFAIL;
			break;
		}
		if (r->kind == ZONE_CNAME && s->cname == NULL)
			s->cname = r;
		if (r->kind != kind)
			continue;
		s->nfound++;
		rc = zone_answer_add(ans, r);
	}
	return rc;
}

static enum probe_dns_status
zone_lookup(struct zone_dns *z, enum zone_kind kind, const char *qname,
    struct probe_dns_answer *ans)
{
	const char		*type = probe_dns_type_name(ans->type);
	char			 name[ZONE_NAME_MAX + 1];
	struct zone_scan	 s;
	size_t			 hops;

	z->queries++;
	if (zone_name(name, qname) == -1)
		return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
		    "%s: name too long", type);
	for (hops = 0; hops <= ZONE_DNS_CNAME_MAX; hops++) {
		if (zone_scan(z, name, kind, ans, &s) != PROBE_DNS_OK)
			return probe_dns_answer_fail(ans, PROBE_DNS_FAILED,
			    "%s %s: out of memory", type, name);
		if (s.marker != PROBE_DNS_FOUND)
			return probe_dns_answer_fail(ans, s.marker,
			    "%s %s: %s (zone marker)", type, qname,
			    probe_dns_status_name(s.marker));
		if (s.nfound > 0)
			return PROBE_DNS_FOUND;
		if (s.cname == NULL)
			break;
		if (zone_name(name, s.cname->data) == -1)
			break;
	}
	if (hops > ZONE_DNS_CNAME_MAX)
		return probe_dns_answer_fail(ans, PROBE_DNS_SERVFAIL,
		    "%s %s: CNAME chain too long or a loop", type, qname);
	if (s.is_name || zone_has_below(z, name))
		return probe_dns_answer_fail(ans, PROBE_DNS_NODATA,
		    "%s %s: no record of that type", type, qname);
	return probe_dns_answer_fail(ans, PROBE_DNS_NXDOMAIN,
	    "%s %s: no such name (NXDOMAIN)", type, qname);
}

static enum probe_dns_status
zone_lookup_any(void *ctx, const char *name, struct probe_dns_answer *ans)
{
	return zone_lookup(ctx, zone_kind_of[ans->type], name, ans);
}

static const struct probe_dns_ops zone_dns_ops = {
	.txt = zone_lookup_any,
	.a = zone_lookup_any,
	.aaaa = zone_lookup_any,
	.mx = zone_lookup_any,
	.ptr = zone_lookup_any,
};

void
zone_dns_bind(struct zone_dns *z, struct probe_dns *dns)
{
	dns->ops = &zone_dns_ops;
	dns->ctx = z;
}
