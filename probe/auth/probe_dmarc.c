/*
 * probe_dmarc - DMARC records, the Public Suffix List and alignment. See
 * probe_dmarc.h for what it does, its limits and its errors.
 *
 * How it works: the list file is checked (a regular file, bounded) and
 * handed to libpsl, which also indexes each internationalised rule by
 * its A-labels. A record is walked tag by tag in place; a table maps
 * each known tag to its value parser.
 */
#include "probe/auth/probe_dmarc.h"
#include "probe/util/probe_file.h"
#include "probe/util/probe_taglist.h"
#include "probe/util/probe_fmt.h"
#include "smtp/smtp_num.h"

#include <sys/stat.h>

#include <libpsl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

/* RFC 1035 2.3.4; a name of 253 characters has at most 127 labels. */
#define DMARC_NAME_MAX		253
#define DMARC_PREFIX		"_dmarc."
#define DMARC_PCT_MAX		100
#define DMARC_PCT_DEFAULT	100
/* Room for a tag name in a warning; real ones have at most 5 letters. */
#define DMARC_TAG_SHOW		16

static const char *const dmarc_policy_names[] = {
	[PROBE_DMARC_P_NONE] = "none",
	[PROBE_DMARC_P_QUARANTINE] = "quarantine",
	[PROBE_DMARC_P_REJECT] = "reject",
};
_Static_assert(sizeof(dmarc_policy_names) / sizeof(dmarc_policy_names[0]) ==
    PROBE_DMARC_P_COUNT, "each policy needs a name");

static const char *const dmarc_status_names[] = {
	[PROBE_DMARC_FOUND] = "found",
	[PROBE_DMARC_NONE] = "none",
	[PROBE_DMARC_MULTIPLE] = "multiple",
	[PROBE_DMARC_INVALID] = "invalid",
	[PROBE_DMARC_TEMPERROR] = "temperror",
};
_Static_assert(sizeof(dmarc_status_names) / sizeof(dmarc_status_names[0]) ==
    PROBE_DMARC_STATUS_COUNT, "each status needs a name");

/* One tag's value parser; false means the value is not valid. */
typedef bool dmarc_tag_fn(struct probe_dmarc_record *r, const char *v,
    size_t len);

struct dmarc_tag_def {
	const char	*name;
	dmarc_tag_fn	*parse;
	bool		 is_fatal;	/* RFC 7489 6.6.3: p and sp */
};

const char *
probe_dmarc_policy_name(enum probe_dmarc_policy p)
{
	return (unsigned)p < PROBE_DMARC_P_COUNT ? dmarc_policy_names[p] : "?";
}

const char *
probe_dmarc_mode_name(enum probe_dmarc_mode m)
{
	return m == PROBE_DMARC_STRICT ? "strict" : "relaxed";
}

const char *
probe_dmarc_status_name(enum probe_dmarc_status s)
{
	return (unsigned)s < PROBE_DMARC_STATUS_COUNT ?
	    dmarc_status_names[s] : "?";
}

static char
dmarc_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * A domain as we compare it: lowercase, one trailing dot dropped, no
 * empty label. Returns false for "", ".", "a..b" or more than 253.
 */
static bool
dmarc_domain_norm(const char *in, char *out, size_t outlen)
{
	size_t	i, len = strlen(in);

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_NAME_MAX || len >= outlen)
		return false;
	for (i = 0; i < len; i++) {
		if (in[i] == '.' && (i == 0 || in[i - 1] == '.'))
			return false;
		out[i] = dmarc_lower(in[i]);
	}
	out[len] = '\0';
	return true;
}

/* ---- the Public Suffix List ---- */

void
probe_dmarc_psl_init(struct probe_dmarc_psl *psl)
{
	memset(psl, 0, sizeof(*psl));
}

void
probe_dmarc_psl_free(struct probe_dmarc_psl *psl)
{
	psl_free(psl->ctx);	/* NULL is fine */
	memset(psl, 0, sizeof(*psl));
}

/*
 * The list file, checked before libpsl reads it: a regular file (a FIFO
 * would block), not empty, within PROBE_DMARC_PSL_BYTES_MAX.
 * Errors: IO, LIMIT.
 */
static enum probe_dmarc_rc
dmarc_psl_open(const char *path, FILE **fp, char *errmsg, size_t errlen)
{
	struct stat	st;

	if ((*fp = probe_file_open(path, errmsg, errlen)) == NULL)
		return PROBE_DMARC_E_IO;
	if (fstat(fileno(*fp), &st) != 0 || st.st_size == 0 ||
	    st.st_size > PROBE_DMARC_PSL_BYTES_MAX) {
		probe_fmt(errmsg, errlen, st.st_size == 0 ? "%s: empty file" :
		    "%s: larger than %d bytes", path,
		    PROBE_DMARC_PSL_BYTES_MAX);
		(void)fclose(*fp);	/* opened for reading only */
		*fp = NULL;
		return st.st_size == 0 ? PROBE_DMARC_E_IO : PROBE_DMARC_E_LIMIT;
	}
	return PROBE_DMARC_OK;
}

enum probe_dmarc_rc
probe_dmarc_psl_load(struct probe_dmarc_psl *psl, const char *path,
    char *errmsg, size_t errlen)
{
	FILE			*fp;
	struct stat		 st;
	enum probe_dmarc_rc	 rc;

	probe_dmarc_psl_free(psl);
	if (path == NULL)
		path = access(PROBE_DMARC_PSL_DAFSA, R_OK) == 0 ?
		    PROBE_DMARC_PSL_DAFSA : PROBE_DMARC_PSL_PATH;
	if (stat(path, &st) != 0 && errno == ENOENT) {
		probe_fmt(psl->warning, sizeof(psl->warning), "no public "
		    "suffix list at %s (Debian package publicsuffix): the "
		    "organizational domain is guessed as the last two labels",
		    path);
		return PROBE_DMARC_OK;
	}
	if ((rc = dmarc_psl_open(path, &fp, errmsg, errlen)) != PROBE_DMARC_OK)
		return rc;
	/* libpsl adds each UTF-8 rule's A-label spelling (libidn2). */
	psl->ctx = psl_load_fp(fp);
	(void)fclose(fp);	/* opened for reading: nothing to lose */
	if (psl->ctx == NULL) {
		probe_fmt(errmsg, errlen, "%s: libpsl cannot read it", path);
		return PROBE_DMARC_E_IO;
	}
	/*
	 * libpsl counts exceptions ("!www.ck") apart from the rest; a DAFSA
	 * counts nothing (-1), and its size is bounded by the file's.
	 */
	psl->nrules = psl_suffix_count(psl->ctx) < 0 ? 0 :
	    (size_t)psl_suffix_count(psl->ctx) +
	    (size_t)psl_suffix_exception_count(psl->ctx);
	if (psl->nrules > PROBE_DMARC_PSL_RULES_MAX) {
		probe_fmt(errmsg, errlen, "%s: more than %d rules", path,
		    PROBE_DMARC_PSL_RULES_MAX);
		probe_dmarc_psl_free(psl);
		return PROBE_DMARC_E_LIMIT;
	}
	psl->is_loaded = true;
	return PROBE_DMARC_OK;
}

bool
probe_dmarc_org_domain(const struct probe_dmarc_psl *psl, const char *domain,
    char *out, size_t outlen)
{
	char		 name[PROBE_DMARC_DOMAIN_MAX];
	const char	*org, *dot;

	if (!dmarc_domain_norm(domain, name, sizeof(name)))
		return false;
	if (psl->is_loaded) {
		/*
		 * RFC 7489 3.2: the public suffix and one label more, the
		 * list's own algorithm (exceptions, wildcards, the default
		 * rule "*"). NULL: the name is itself a public suffix, and
		 * its own organizational domain.
		 */
		org = psl_registrable_domain(psl->ctx, name);
		if (org == NULL)
			org = name;
	} else {
		/* No list: the last two labels, as the warning says. */
		org = name;
		if ((dot = strrchr(name, '.')) != NULL)
			while (dot > name && dot[-1] != '.')
				dot--;
		if (dot != NULL && dot > name)
			org = dot;
	}
	if (strlen(org) >= outlen)
		return false;
	memmove(out, org, strlen(org) + 1);
	return true;
}

bool
probe_dmarc_aligned(const struct probe_dmarc_psl *psl, const char *a,
    const char *b, enum probe_dmarc_mode mode)
{
	char	na[PROBE_DMARC_DOMAIN_MAX], nb[PROBE_DMARC_DOMAIN_MAX];

	if (mode == PROBE_DMARC_STRICT)
		return dmarc_domain_norm(a, na, sizeof(na)) &&
		    dmarc_domain_norm(b, nb, sizeof(nb)) &&
		    strcmp(na, nb) == 0;
	return probe_dmarc_org_domain(psl, a, na, sizeof(na)) &&
	    probe_dmarc_org_domain(psl, b, nb, sizeof(nb)) &&
	    strcmp(na, nb) == 0;
}

/* ---- one record ---- */

static bool
dmarc_value_is(const char *v, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(v, word, len) == 0;
}

static bool
dmarc_policy_value(const char *v, size_t len, enum probe_dmarc_policy *p)
{
	enum probe_dmarc_policy	i;

	for (i = 0; i < PROBE_DMARC_P_COUNT; i++)
		if (dmarc_value_is(v, len, dmarc_policy_names[i])) {
			*p = i;
			return true;
		}
	return false;
}

static bool
dmarc_tag_p(struct probe_dmarc_record *r, const char *v, size_t len)
{
	return dmarc_policy_value(v, len, &r->p);
}

static bool
dmarc_tag_sp(struct probe_dmarc_record *r, const char *v, size_t len)
{
	r->has_sp = dmarc_policy_value(v, len, &r->sp);
	return r->has_sp;
}

static bool
dmarc_mode_value(const char *v, size_t len, enum probe_dmarc_mode *m)
{
	if (dmarc_value_is(v, len, "r"))
		*m = PROBE_DMARC_RELAXED;
	else if (dmarc_value_is(v, len, "s"))
		*m = PROBE_DMARC_STRICT;
	else
		return false;
	return true;
}

static bool
dmarc_tag_adkim(struct probe_dmarc_record *r, const char *v, size_t len)
{
	return dmarc_mode_value(v, len, &r->adkim);
}

static bool
dmarc_tag_aspf(struct probe_dmarc_record *r, const char *v, size_t len)
{
	return dmarc_mode_value(v, len, &r->aspf);
}

static bool
dmarc_tag_pct(struct probe_dmarc_record *r, const char *v, size_t len)
{
	uint64_t	n;

	if (!smtp_num_parse(v, len, 0, DMARC_PCT_MAX, &n))
		return false;
	r->pct = (unsigned)n;
	return true;
}

static bool
dmarc_tag_ri(struct probe_dmarc_record *r, const char *v, size_t len)
{
	uint64_t	n;

	if (!smtp_num_parse(v, len, 0, PROBE_DMARC_RI_MAX, &n))
		return false;
	r->ri = (unsigned long)n;
	return true;
}

/* Keeps the value (cut and flagged when long); false: not a URI list. */
static bool
dmarc_uri_value(struct probe_dmarc_record *r, char *dst, size_t dstlen,
    const char *v, size_t len)
{
	size_t	keep = len < dstlen ? len : dstlen - 1;

	memcpy(dst, v, keep);
	dst[keep] = '\0';
	r->is_uri_cut |= keep < len;
	/* RFC 7489 6.4: each dmarc-uri is a URI, so it has a scheme. */
	return len > 0 && memchr(v, ':', len) != NULL;
}

static bool
dmarc_tag_rua(struct probe_dmarc_record *r, const char *v, size_t len)
{
	return dmarc_uri_value(r, r->rua, sizeof(r->rua), v, len);
}

static bool
dmarc_tag_ruf(struct probe_dmarc_record *r, const char *v, size_t len)
{
	return dmarc_uri_value(r, r->ruf, sizeof(r->ruf), v, len);
}

/* RFC 7489 6.3: "0", "1", "d", "s", separated by colons. */
static bool
dmarc_tag_fo(struct probe_dmarc_record *r, const char *v, size_t len)
{
	size_t	i;

	if (len == 0 || len >= sizeof(r->fo))
		return false;
	for (i = 0; i < len; i++)
		if (i % 2 == 0 ? strchr("01dsDS", v[i]) == NULL : v[i] != ':')
			return false;
	if (len % 2 == 0)
		return false;
	memcpy(r->fo, v, len);
	r->fo[len] = '\0';
	return true;
}

static bool
dmarc_tag_rf(struct probe_dmarc_record *r, const char *v, size_t len)
{
	(void)r;	/* only one format exists; nothing to keep */
	return dmarc_value_is(v, len, "afrf");
}

static const struct dmarc_tag_def dmarc_tags[] = {
	{ "p", dmarc_tag_p, true },
	{ "sp", dmarc_tag_sp, true },
	{ "adkim", dmarc_tag_adkim, false },
	{ "aspf", dmarc_tag_aspf, false },
	{ "pct", dmarc_tag_pct, false },
	{ "ri", dmarc_tag_ri, false },
	{ "rua", dmarc_tag_rua, false },
	{ "ruf", dmarc_tag_ruf, false },
	{ "fo", dmarc_tag_fo, false },
	{ "rf", dmarc_tag_rf, false },
};

static void
dmarc_warn(struct probe_dmarc_record *r, const struct probe_taglist_tag *t,
    const char *what)
{
	if (r->nwarnings++ > 0)
		return;
	probe_fmt(r->warning, sizeof(r->warning), "%.*s%s: %s, ignored "
	    "(RFC 7489 6.3: the default applies)",
	    (int)(t->nlen < DMARC_TAG_SHOW ? t->nlen : DMARC_TAG_SHOW),
	    t->name, t->nlen > DMARC_TAG_SHOW ? "..." : "", what);
}

/*
 * Applies one tag after v=; false when it makes the record invalid.
 * *seen has bit i for dmarc_tags[i] already applied, and the top bit
 * for v=. RFC 7489 6.4 takes the tag-list syntax of RFC 6376 3.2, where
 * a tag named twice makes the whole list invalid; unknown tags are not
 * tracked (they are ignored whatever their number, 6.3).
 */
static bool
dmarc_apply(struct probe_dmarc_record *r, const struct probe_taglist_tag *t,
    unsigned *seen)
{
	size_t	i;

	if (!t->has_eq) {
		dmarc_warn(r, t, "not a tag=value pair");
		return true;
	}
	if (dmarc_value_is(t->name, t->nlen, "v")) {
		probe_fmt(r->reason, sizeof(r->reason), "tag v= twice (RFC "
		    "6376 3.2, which RFC 7489 6.4 follows)");
		return false;
	}
	for (i = 0; i < sizeof(dmarc_tags) / sizeof(dmarc_tags[0]); i++) {
		if (!dmarc_value_is(t->name, t->nlen, dmarc_tags[i].name))
			continue;
		if ((*seen & (1u << i)) != 0) {
			probe_fmt(r->reason, sizeof(r->reason), "tag %s= "
			    "twice (RFC 6376 3.2, which RFC 7489 6.4 "
			    "follows)", dmarc_tags[i].name);
			return false;
		}
		*seen |= 1u << i;
		if (dmarc_tags[i].parse(r, t->val, t->vlen))
			return true;
		if (dmarc_tags[i].is_fatal) {
			probe_fmt(r->reason, sizeof(r->reason), "%s=: not "
			    "none, quarantine or reject",
			    dmarc_tags[i].name);
			return false;
		}
		dmarc_warn(r, t, "not a valid value");
		return true;
	}
	return true;	/* RFC 7489 6.3: unknown tags MUST be ignored */
}

static void
dmarc_record_defaults(struct probe_dmarc_record *r)
{
	memset(r, 0, sizeof(*r));
	r->pct = DMARC_PCT_DEFAULT;
	r->ri = PROBE_DMARC_RI_DEFAULT;
	r->adkim = PROBE_DMARC_RELAXED;
	r->aspf = PROBE_DMARC_RELAXED;
}

bool
probe_dmarc_parse(const char *text, size_t len, struct probe_dmarc_record *out)
{
	struct probe_taglist_tag	t;
	size_t			pos = 0, lead = 0;
	unsigned		seen = 0;

	dmarc_record_defaults(out);
	if (memchr(text, '\0', len) != NULL) {
		probe_fmt(out->reason, sizeof(out->reason), "the record "
		    "holds a NUL byte");
		return false;
	}
	/*
	 * RFC 7489 6.4: the version tag is first, spelled exactly so; the
	 * tag list reader skips empty tags, so one before v= is seen here.
	 */
	while (lead < len && probe_taglist_is_wsp(text[lead]))
		lead++;
	if (lead == len || text[lead] == ';' ||
	    !probe_taglist_next(text, len, &pos, &t) || !t.has_eq ||
	    !dmarc_value_is(t.name, t.nlen, "v") || t.vlen != 6 ||
	    memcmp(t.val, "DMARC1", 6) != 0) {
		probe_fmt(out->reason, sizeof(out->reason), "does not start "
		    "with v=DMARC1");
		return false;
	}
	while (probe_taglist_next(text, len, &pos, &t))
		if (!dmarc_apply(out, &t, &seen))
			return false;
	/* dmarc_tags[0] is p. */
	if ((seen & 1u) == 0) {
		probe_fmt(out->reason, sizeof(out->reason), "no p= tag (RFC "
		    "7489 6.3: it is required)");
		return false;
	}
	if (!out->has_sp)
		out->sp = out->p;
	out->is_valid = true;
	return true;
}

/* ---- policy discovery ---- */

/* RFC 7489 6.6.3: does the record start with a v=DMARC1 tag? */
static bool
dmarc_is_dmarc(const char *text, size_t len)
{
	struct probe_taglist_tag	t;
	size_t			pos = 0;

	return probe_taglist_next(text, len, &pos, &t) && t.has_eq &&
	    dmarc_value_is(t.name, t.nlen, "v") && t.vlen == 6 &&
	    memcmp(t.val, "DMARC1", 6) == 0;
}

/* The records of one answer; true when discovery ends with them. */
static bool
dmarc_take(struct probe_dmarc_result *out, const struct probe_dns_answer *ans)
{
	const struct probe_dns_rr	*rr;
	size_t				 i, n = 0, which = 0;

	for (i = 0; i < ans->nrr; i++) {
		rr = probe_dns_answer_rr(ans, i);
		if (dmarc_is_dmarc(probe_dns_answer_text(ans, i), rr->len)) {
			which = i;
			n++;
		}
	}
	if (n == 0)
		return false;
	rr = probe_dns_answer_rr(ans, which);
	out->text_len = probe_fmt_keep(out->text, sizeof(out->text),
	    probe_dns_answer_text(ans, which), rr->len);
	out->is_text_cut = out->text_len < rr->len;
	if (n > 1) {
		out->status = PROBE_DMARC_MULTIPLE;
		probe_fmt(out->reason, sizeof(out->reason), "%zu v=DMARC1 "
		    "records at %s: no policy applies (RFC 7489 6.6.3)", n,
		    out->name);
		return true;
	}
	if (probe_dmarc_parse(probe_dns_answer_text(ans, which), rr->len,
	    &out->record))
		out->status = PROBE_DMARC_FOUND;
	else {
		out->status = PROBE_DMARC_INVALID;
		probe_fmt(out->reason, sizeof(out->reason), "%s",
		    out->record.reason);
	}
	return true;
}

/* One step of discovery at _dmarc.domain; true when it ends there. */
static bool
dmarc_try(const struct probe_dns *dns, struct probe_dns_answer *ans,
    const char *domain, struct probe_dmarc_result *out)
{
	enum probe_dns_status	st;

	probe_fmt(out->name, sizeof(out->name), "%s%s", DMARC_PREFIX, domain);
	if (strlen(out->name) > DMARC_NAME_MAX)
		return false;	/* no such name can exist */
	st = probe_dns_lookup(dns, PROBE_DNS_TXT, out->name, ans);
	if (st == PROBE_DNS_FOUND)
		return dmarc_take(out, ans);
	if (st == PROBE_DNS_NXDOMAIN || st == PROBE_DNS_NODATA)
		return false;
	out->status = PROBE_DMARC_TEMPERROR;
	probe_fmt(out->reason, sizeof(out->reason), "%s: %s", out->name,
	    ans->msg);
	return true;
}

enum probe_dmarc_rc
probe_dmarc_lookup(const struct probe_dns *dns,
    const struct probe_dmarc_psl *psl, const char *from_domain,
    struct probe_dmarc_result *out, char *errmsg, size_t errlen)
{
	struct probe_dns_answer	ans;

	memset(out, 0, sizeof(*out));
	if (!dmarc_domain_norm(from_domain, out->from_domain,
	    sizeof(out->from_domain)) || !probe_dmarc_org_domain(psl,
	    out->from_domain, out->org_domain, sizeof(out->org_domain))) {
		probe_fmt(errmsg, errlen, "not a usable domain");
		return PROBE_DMARC_E_USAGE;
	}
	out->is_org_guessed = !psl->is_loaded;
	probe_dns_answer_init(&ans);
	if (dmarc_try(dns, &ans, out->from_domain, out))
		goto out;
	/* RFC 7489 6.6.3: then the organizational domain's record. */
	if (strcmp(out->org_domain, out->from_domain) != 0 &&
	    dmarc_try(dns, &ans, out->org_domain, out))
		goto out;
	out->status = PROBE_DMARC_NONE;
	probe_fmt(out->name, sizeof(out->name), "%s%s", DMARC_PREFIX,
	    out->from_domain);
	probe_fmt(out->reason, sizeof(out->reason), "no v=DMARC1 record at "
	    "%s%s%s", out->name, strcmp(out->org_domain, out->from_domain) ?
	    " nor at " DMARC_PREFIX : "", strcmp(out->org_domain,
	    out->from_domain) ? out->org_domain : "");
out:
	probe_dns_answer_free(&ans);
	return PROBE_DMARC_OK;
}
