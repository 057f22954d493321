/*
 * probe_check - one sending path checked from DNS. See probe_check.h for
 * what it does, the prediction rules, its limits and its errors.
 *
 * How it works: probe_check_run() gathers (each step its own function,
 * each lookup through the resolver interface), then hands the facts to
 * probe_check_decide(), which does no I/O. The mistake finders read the
 * same DNS the evaluators read, but raw: a record the evaluators ignore
 * ("\"v=spf1 ...\"" is no SPF record) is exactly what they look for.
 */
#include "probe/auth/probe_check.h"
#include "probe/util/probe_fmt.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 1035 2.3.4. */
#define CHECK_NAME_MAX		253
#define CHECK_SPF_VERSION	"v=spf1"
#define CHECK_DMARC_VERSION	"v=DMARC1"
#define CHECK_DMARC_PREFIX	"_dmarc."
/* UTF-8 of U+201C and U+201D, the quotes word processors put in. */
#define CHECK_LDQUO		"\xe2\x80\x9c"
#define CHECK_RDQUO		"\xe2\x80\x9d"
/* How much of a found record a mistake's detail shows. */
#define CHECK_SHOW_MAX		160

static const char *const check_level_names[] = {
	[PROBE_CHECK_PASS] = "pass",
	[PROBE_CHECK_WARN] = "warn",
	[PROBE_CHECK_FAIL] = "fail",
};
_Static_assert(sizeof(check_level_names) / sizeof(check_level_names[0]) ==
    PROBE_CHECK_LEVEL_COUNT, "each level needs a name");

static const char *const check_mistake_names[] = {
	[PROBE_CHECK_M_SPF_DOUBLED_NAME] = "spf_at_doubled_name",
	[PROBE_CHECK_M_SPF_QUOTED] = "spf_quoted",
	[PROBE_CHECK_M_SPF_MULTIPLE] = "spf_multiple_records",
	[PROBE_CHECK_M_SPF_NO_PROVIDER] = "spf_missing_provider_include",
	[PROBE_CHECK_M_SPF_SOFTFAIL_ALL] = "spf_softfail_all",
	[PROBE_CHECK_M_SPF_HARDFAIL_ALL] = "spf_hardfail_all_unlisted",
	[PROBE_CHECK_M_SPF_PASS_ALL] = "spf_pass_all",
	[PROBE_CHECK_M_DMARC_DOUBLED_NAME] = "dmarc_at_doubled_name",
	[PROBE_CHECK_M_DMARC_BARE_DOMAIN] = "dmarc_at_bare_domain",
	[PROBE_CHECK_M_DMARC_BAD_VALUE] = "dmarc_bad_value",
};
_Static_assert(sizeof(check_mistake_names) / sizeof(check_mistake_names[0])
    == PROBE_CHECK_M_COUNT, "each mistake needs a name");

static const char *const check_cause_names[] = {
	[PROBE_CHECK_C_NOT_AUTHENTICATED] = "not_authenticated",
	[PROBE_CHECK_C_AUTH_TEMPERROR] = "auth_temperror",
	[PROBE_CHECK_C_SPF_NOT_PASS] = "spf_not_pass",
	[PROBE_CHECK_C_DKIM_WEAK] = "dkim_weak",
	[PROBE_CHECK_C_DKIM_UNUSABLE] = "dkim_unusable",
	[PROBE_CHECK_C_PTR_MISSING] = "ptr_missing",
	[PROBE_CHECK_C_PTR_UNCONFIRMED] = "ptr_unconfirmed",
	[PROBE_CHECK_C_PTR_TEMPERROR] = "ptr_temperror",
	[PROBE_CHECK_C_DMARC_MISSING] = "dmarc_missing",
	[PROBE_CHECK_C_DMARC_POLICY] = "dmarc_policy",
	[PROBE_CHECK_C_DMARC_NOT_ALIGNED] = "dmarc_not_aligned",
	[PROBE_CHECK_C_DKIM_KEY_MISMATCH] = "dkim_key_mismatch",
};
_Static_assert(sizeof(check_cause_names) / sizeof(check_cause_names[0]) ==
    PROBE_CHECK_C_COUNT, "each cause needs a name");

/*
 * Third-party senders we can recognise offline by the domain's MX, and
 * the include their SPF needs. The MX suffixes follow mx_patterns in
 * profiles/gmail.yaml and profiles/outlook.yaml; the includes are the
 * providers' documented ones (seed article 002 for Google, 003 for
 * Microsoft 365).
 */
static const struct check_provider {
	const char	*name;
	const char	*mx_suffix;
	const char	*include;
} check_providers[] = {
	{ "Google Workspace", ".google.com", "_spf.google.com" },
	{ "Google Workspace", ".googlemail.com", "_spf.google.com" },
	{ "Microsoft 365", ".mail.protection.outlook.com",
	    "spf.protection.outlook.com" },
	{ "Microsoft 365", ".mx.microsoft", "spf.protection.outlook.com" },
};

const char *
probe_check_level_name(enum probe_check_level l)
{
	return (unsigned)l < PROBE_CHECK_LEVEL_COUNT ? check_level_names[l] :
	    "?";
}

const char *
probe_check_mistake_name(enum probe_check_mistake_id id)
{
	return (unsigned)id < PROBE_CHECK_M_COUNT ? check_mistake_names[id] :
	    "?";
}

const char *
probe_check_cause_name(enum probe_check_cause_id id)
{
	return (unsigned)id < PROBE_CHECK_C_COUNT ? check_cause_names[id] :
	    "?";
}

/* Does the len bytes at s contain word, ignoring ASCII case? */
static bool
check_has(const char *s, size_t len, const char *word)
{
	size_t	i, n = strlen(word);

	for (i = 0; n <= len && i <= len - n; i++)
		if (strncasecmp(s + i, word, n) == 0)
			return true;
	return false;
}

/*
 * Does s start with word (ASCII case ignored), then the end or a
 * separator: a space (RFC 7208 4.5) or a ";" (RFC 7489 6.4)?
 */
static bool
check_starts(const char *s, size_t len, const char *word)
{
	size_t	n = strlen(word);

	return len >= n && strncasecmp(s, word, n) == 0 &&
	    (len == n || s[n] == ' ' || s[n] == ';');
}

/* The domain of an address (after its last "@"), lowercase, no dot. */
static bool
check_domain_of(const char *addr, char *out, size_t outlen)
{
	const char	*at = strrchr(addr, '@');
	const char	*d = at ? at + 1 : addr;
	size_t		 i, len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > CHECK_NAME_MAX || len >= outlen)
		return false;
	for (i = 0; i < len; i++) {
		if ((unsigned char)d[i] <= ' ' || d[i] == '@')
			return false;
		out[i] = d[i] >= 'A' && d[i] <= 'Z' ? (char)(d[i] + 32) : d[i];
	}
	out[len] = '\0';
	return true;
}

/* A new mistake to fill, or NULL (counted) when the list is full. */
static struct probe_check_mistake *
check_mistake(struct probe_check_result *r, enum probe_check_mistake_id id)
{
	struct probe_check_mistake	*m;

	if (r->nmistakes == PROBE_CHECK_MISTAKES_MAX) {
		r->mistakes_dropped++;
		return NULL;
	}
	m = &r->mistakes[r->nmistakes++];
	m->id = id;
	return m;
}

/* ---- the mistakes, from raw TXT records ---- */

/* Quotes that became part of the value, straight or typographic. */
static bool
check_is_quoted_spf(const char *s, size_t len)
{
	if (!check_has(s, len, "spf1"))
		return false;
	return memchr(s, '"', len) != NULL || check_has(s, len, CHECK_LDQUO) ||
	    check_has(s, len, CHECK_RDQUO);
}

/* Seed article 002: quotes and two records at the envelope domain. */
static void
check_spf_records(struct probe_check_result *r,
    const struct probe_dns_answer *ans)
{
	struct probe_check_mistake	*m;
	const char			*s;
	size_t				 i, len, nspf = 0;

	for (i = 0; i < ans->nrr; i++) {
		s = probe_dns_answer_text(ans, i);
		len = probe_dns_answer_rr(ans, i)->len;
		nspf += check_starts(s, len, CHECK_SPF_VERSION);
		if (!check_is_quoted_spf(s, len) ||
		    (m = check_mistake(r, PROBE_CHECK_M_SPF_QUOTED)) == NULL)
			continue;
		probe_fmt(m->detail, sizeof(m->detail), "TXT at %s holds "
		    "quote characters: %.*s", r->mail_domain,
		    (int)(len < CHECK_SHOW_MAX ? len : CHECK_SHOW_MAX), s);
		probe_fmt(m->fix, sizeof(m->fix), "publish the value without "
		    "quotes in your DNS panel (they are zone-file syntax, not "
		    "part of the record); a receiver sees no SPF record");
	}
	if (nspf > 1 && (m = check_mistake(r, PROBE_CHECK_M_SPF_MULTIPLE))) {
		probe_fmt(m->detail, sizeof(m->detail), "%zu v=spf1 records "
		    "at %s: SPF is a permerror (RFC 7208 4.5)", nspf,
		    r->mail_domain);
		probe_fmt(m->fix, sizeof(m->fix), "merge them into one "
		    "record: one v=spf1, every mechanism, one all at the end");
	}
}

/* Is there a record starting with version (quotes allowed) in ans? */
static bool
check_find(const struct probe_dns_answer *ans, const char *version,
    const char **text, size_t *len)
{
	size_t	i;

	for (i = 0; i < ans->nrr; i++) {
		*text = probe_dns_answer_text(ans, i);
		*len = probe_dns_answer_rr(ans, i)->len;
		if (check_starts(*text, *len, version) || (*len > 0 &&
		    (*text)[0] == '"' && check_starts(*text + 1, *len - 1,
		    version)))
			return true;
	}
	return false;
}

/*
 * Seed article 002: a zone-file name without the final dot is relative,
 * so "example.com" in the zone of example.com is example.com.example.com.
 * prefix is "" for SPF, "_dmarc." for DMARC.
 */
static void
check_doubled(const struct probe_dns *dns, struct probe_dns_answer *ans,
    struct probe_check_result *r, const char *prefix, const char *domain)
{
	struct probe_check_mistake	*m;
	char				 name[CHECK_NAME_MAX + 2];
	const char			*text, *version;
	size_t				 len;
	int				 n;

	n = snprintf(name, sizeof(name), "%s%s.%s", prefix, domain, domain);
	if (n < 0 || (size_t)n > CHECK_NAME_MAX)
		return;		/* such a name cannot exist */
	version = *prefix ? CHECK_DMARC_VERSION : CHECK_SPF_VERSION;
	if (probe_dns_lookup(dns, PROBE_DNS_TXT, name, ans) !=
	    PROBE_DNS_FOUND || !check_find(ans, version, &text, &len) ||
	    (m = check_mistake(r, *prefix ? PROBE_CHECK_M_DMARC_DOUBLED_NAME :
	    PROBE_CHECK_M_SPF_DOUBLED_NAME)) == NULL)
		return;
	probe_fmt(m->detail, sizeof(m->detail), "a %s record is published "
	    "at %s, where no receiver looks: %.*s", version, name,
	    (int)(len < CHECK_SHOW_MAX ? len : CHECK_SHOW_MAX), text);
	probe_fmt(m->fix, sizeof(m->fix), "publish it at %s%s (in a zone "
	    "file write \"%s%s.\" with the final dot, or \"%s\" relative "
	    "to the zone)", prefix, domain, prefix, domain, *prefix ?
	    "_dmarc" : "@");
}

/* A v=DMARC1 record at the domain itself instead of _dmarc.domain. */
static void
check_dmarc_bare(const struct probe_dns *dns, struct probe_dns_answer *ans,
    struct probe_check_result *r)
{
	struct probe_check_mistake	*m;
	const char			*text;
	size_t				 len;

	if (probe_dns_lookup(dns, PROBE_DNS_TXT, r->from_domain, ans) !=
	    PROBE_DNS_FOUND || !check_find(ans, CHECK_DMARC_VERSION, &text,
	    &len) || (m = check_mistake(r,
	    PROBE_CHECK_M_DMARC_BARE_DOMAIN)) == NULL)
		return;
	probe_fmt(m->detail, sizeof(m->detail), "a DMARC record is "
	    "published at %s itself, where no receiver looks: %.*s",
	    r->from_domain, (int)(len < CHECK_SHOW_MAX ? len :
	    CHECK_SHOW_MAX), text);
	probe_fmt(m->fix, sizeof(m->fix), "publish it at %s%s (RFC 7489 "
	    "6.1)", CHECK_DMARC_PREFIX, r->from_domain);
}

/* The last "all" of the checked record, with its qualifier; or 0. */
static char
check_all_qualifier(const char *rec)
{
	const char	*s = rec, *end;
	size_t		 len;
	char		 q = 0;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		for (end = s; *end != '\0' && *end != ' '; end++)
			continue;
		len = (size_t)(end - s);
		if (len == 3 && strncasecmp(s, "all", 3) == 0)
			q = '+';
		else if (len == 4 && strchr("+-~?", s[0]) != NULL &&
		    strncasecmp(s + 1, "all", 3) == 0)
			q = s[0];
		s = end;
	}
	return q;
}

/* Seed articles 002 and 004: what ~all, -all and +all mean here. */
static void
check_spf_all(struct probe_check_result *r)
{
	struct probe_check_mistake	*m;
	const char			*mech = r->spf.mechanism;
	char				 q;
	bool				 is_all;

	q = check_all_qualifier(r->spf.record);
	is_all = check_has(mech, strlen(mech), "all");

	if (q == '~' && (m = check_mistake(r,
	    PROBE_CHECK_M_SPF_SOFTFAIL_ALL)) != NULL) {
		probe_fmt(m->detail, sizeof(m->detail), "the SPF record of %s "
		    "ends in ~all: %s", r->mail_domain, r->spf.res ==
		    PROBE_SPF_SOFTFAIL ? "this source gets softfail, which "
		    "Gmail does not count as authenticated" : "servers it "
		    "does not list get softfail, which is not a pass");
		probe_fmt(m->fix, sizeof(m->fix), "list every server that "
		    "sends as %s; then -all states the policy plainly",
		    r->mail_domain);
	} else if (q == '-' && is_all && r->spf.res == PROBE_SPF_FAIL &&
	    (m = check_mistake(r, PROBE_CHECK_M_SPF_HARDFAIL_ALL)) != NULL) {
		probe_fmt(m->detail, sizeof(m->detail), "%s is not listed in "
		    "the SPF record of %s, which ends in -all: Gmail answers "
		    "550 5.7.26 \"has an SPF record with a hard fail policy "
		    "(-all)\"", r->source, r->mail_domain);
		probe_fmt(m->fix, sizeof(m->fix), "add ip%c:%s (or the "
		    "include: of the service that sends for you) before -all",
		    strchr(r->source, ':') != NULL ? '6' : '4', r->source);
	} else if (q == '+' && (m = check_mistake(r,
	    PROBE_CHECK_M_SPF_PASS_ALL)) != NULL) {
		probe_fmt(m->detail, sizeof(m->detail), "the SPF record of %s "
		    "ends in +all: every address on the Internet passes",
		    r->mail_domain);
		probe_fmt(m->fix, sizeof(m->fix), "list your servers and end "
		    "with ~all or -all");
	}
}

/* Is include named in the checked record or any record it reached? */
static bool
check_spf_mentions(const struct probe_spf_result *spf, const char *include)
{
	char	term[CHECK_NAME_MAX + sizeof("include:")];
	size_t	i;

	probe_fmt(term, sizeof(term), "include:%s", include);
	if (check_has(spf->record, strlen(spf->record), term))
		return true;
	for (i = 0; i < spf->ntrace; i++)
		if (check_has(spf->trace[i].text, strlen(spf->trace[i].text),
		    include))
			return true;
	return false;
}

static const struct check_provider *
check_provider_of(const char *mx)
{
	size_t	i, n, len = strlen(mx);

	for (i = 0; i < sizeof(check_providers) / sizeof(check_providers[0]);
	    i++) {
		n = strlen(check_providers[i].mx_suffix);
		if (len > n && strcasecmp(mx + len - n,
		    check_providers[i].mx_suffix) == 0)
			return &check_providers[i];
	}
	return NULL;
}

/*
 * Seed articles 002 and 003: mail hosted at Google or Microsoft is often
 * also sent through them, and then SPF needs their include. Which IPs
 * they send from is not knowable offline; their MX is.
 */
static void
check_provider(const struct probe_dns *dns, struct probe_dns_answer *ans,
    struct probe_check_result *r)
{
	const struct check_provider	*p = NULL;
	struct probe_check_mistake	*m;
	size_t				 i;

	if (r->spf.record[0] == '\0' || probe_dns_lookup(dns, PROBE_DNS_MX,
	    r->mail_domain, ans) != PROBE_DNS_FOUND)
		return;
	for (i = 0; i < ans->nrr && p == NULL; i++)
		p = check_provider_of(probe_dns_answer_text(ans, i));
	if (p == NULL || check_spf_mentions(&r->spf, p->include) ||
	    (m = check_mistake(r, PROBE_CHECK_M_SPF_NO_PROVIDER)) == NULL)
		return;
	probe_fmt(m->detail, sizeof(m->detail), "the MX of %s is at %s (%s) "
	    "but its SPF record has no include:%s", r->mail_domain, p->name,
	    probe_dns_answer_text(ans, i - 1), p->include);
	probe_fmt(m->fix, sizeof(m->fix), "if %s sends mail as %s, add "
	    "include:%s before the all", p->name, r->mail_domain, p->include);
}

static void
check_dmarc_values(struct probe_check_result *r)
{
	struct probe_check_mistake	*m;

	if (r->dmarc.record.nwarnings == 0 ||
	    (m = check_mistake(r, PROBE_CHECK_M_DMARC_BAD_VALUE)) == NULL)
		return;
	probe_fmt(m->detail, sizeof(m->detail), "%s: %s", r->dmarc.name,
	    r->dmarc.record.warning);
	probe_fmt(m->fix, sizeof(m->fix), "adkim and aspf take r or s, p and "
	    "sp none, quarantine or reject, pct 0 to 100");
}

static void
check_mistakes(const struct probe_dns *dns, struct probe_check_result *r)
{
	struct probe_dns_answer	ans;

	probe_dns_answer_init(&ans);
	if (probe_dns_lookup(dns, PROBE_DNS_TXT, r->mail_domain, &ans) ==
	    PROBE_DNS_FOUND)
		check_spf_records(r, &ans);
	check_doubled(dns, &ans, r, "", r->mail_domain);
	check_spf_all(r);
	check_provider(dns, &ans, r);
	if (r->dmarc.status != PROBE_DMARC_FOUND) {
		check_doubled(dns, &ans, r, CHECK_DMARC_PREFIX,
		    r->from_domain);
		check_dmarc_bare(dns, &ans, r);
	}
	check_dmarc_values(r);
	probe_dns_answer_free(&ans);
}

/* ---- gathering ---- */

static void
check_align(const struct probe_dmarc_psl *psl, struct probe_check_result *r)
{
	struct probe_check_align	*a = &r->align;
	const struct probe_dmarc_record	*rec = &r->dmarc.record;
	bool				 usable;

	a->spf_relaxed = probe_dmarc_aligned(psl, r->mail_domain,
	    r->from_domain, PROBE_DMARC_RELAXED);
	a->spf_strict = probe_dmarc_aligned(psl, r->mail_domain,
	    r->from_domain, PROBE_DMARC_STRICT);
	/*
	 * d= is the signer's domain (the header From domain unless one was
	 * given); an unsigned message has no d= to align.
	 */
	a->dkim_relaxed = r->has_dkim && !r->is_unsigned &&
	    probe_dmarc_aligned(psl, r->dkim_domain, r->from_domain,
	    PROBE_DMARC_RELAXED);
	a->dkim_strict = r->has_dkim && !r->is_unsigned &&
	    probe_dmarc_aligned(psl, r->dkim_domain, r->from_domain,
	    PROBE_DMARC_STRICT);
	a->spf_passes = r->spf.res == PROBE_SPF_PASS &&
	    (rec->aspf == PROBE_DMARC_STRICT ? a->spf_strict :
	    a->spf_relaxed);
	/*
	 * A published key signs nothing when the message is unsigned, and
	 * a signature made with another key than the published one fails.
	 */
	usable = r->has_dkim && !r->is_unsigned &&
	    (!r->has_sign_key || r->is_key_match) &&
	    (r->dkim.level == PROBE_DKIM_GOOD ||
	    r->dkim.level == PROBE_DKIM_WARN);
	a->dkim_passes = usable && (rec->adkim == PROBE_DMARC_STRICT ?
	    a->dkim_strict : a->dkim_relaxed);
}

/* 0.0.0.0 or :: ("any address"): no path, no PTR, no SPF match. */
static bool
check_is_unspecified(const char *ip)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (inet_pton(AF_INET, ip, &a4) == 1)
		return a4.s_addr == INADDR_ANY;
	return inet_pton(AF_INET6, ip, &a6) == 1 &&
	    IN6_IS_ADDR_UNSPECIFIED(&a6);
}

static enum probe_check_rc
check_inputs(const struct probe_check_opts *o, struct probe_check_result *r,
    char *errmsg, size_t errlen)
{
	const char	*hfrom = o->header_from;

	if (hfrom == NULL)
		hfrom = o->mail_from;

	if (o->mail_from == NULL || o->source == NULL || o->psl == NULL ||
	    strlen(o->mail_from) >= sizeof(r->mail_from) ||
	    strlen(o->source) >= sizeof(r->source)) {
		probe_fmt(errmsg, errlen, "--from and --source are required");
		return PROBE_CHECK_E_USAGE;
	}
	memcpy(r->mail_from, o->mail_from, strlen(o->mail_from) + 1);
	memcpy(r->source, o->source, strlen(o->source) + 1);
	if (check_is_unspecified(o->source)) {
		probe_fmt(errmsg, errlen, "--source %s is the unspecified "
		    "address: give the address the mail leaves from",
		    o->source);
		return PROBE_CHECK_E_USAGE;
	}
	if (!check_domain_of(o->mail_from, r->mail_domain,
	    sizeof(r->mail_domain)) || !check_domain_of(hfrom,
	    r->from_domain, sizeof(r->from_domain))) {
		probe_fmt(errmsg, errlen, "an address has no usable domain");
		return PROBE_CHECK_E_USAGE;
	}
	r->has_helo = o->helo != NULL;
	if (r->has_helo && !check_domain_of(o->helo, r->helo,
	    sizeof(r->helo))) {
		probe_fmt(errmsg, errlen, "the HELO name is not a domain");
		return PROBE_CHECK_E_USAGE;
	}
	r->has_dkim = o->dkim_selector != NULL;
	r->is_unsigned = o->is_unsigned;
	if (r->has_dkim && strlen(o->dkim_selector) >= sizeof(r->selector)) {
		probe_fmt(errmsg, errlen, "the DKIM selector is too long");
		return PROBE_CHECK_E_USAGE;
	}
	if (r->has_dkim)
		memcpy(r->selector, o->dkim_selector,
		    strlen(o->dkim_selector) + 1);
	memcpy(r->dkim_domain, r->from_domain, sizeof(r->dkim_domain));
	if (o->dkim_domain != NULL && !check_domain_of(o->dkim_domain,
	    r->dkim_domain, sizeof(r->dkim_domain))) {
		probe_fmt(errmsg, errlen, "the DKIM domain is not a domain");
		return PROBE_CHECK_E_USAGE;
	}
	r->has_sign_key = o->sign_key_id != NULL;
	r->sign_key_bits = o->sign_key_bits;
	return PROBE_CHECK_OK;
}

/* SPF for MAIL FROM and HELO; a usage error means a bad address. */
static enum probe_check_rc
check_spf(const struct probe_dns *dns, struct probe_check_result *r,
    char *errmsg, size_t errlen)
{
	struct probe_spf_query	q;

	memset(&q, 0, sizeof(q));
	q.ip = r->source;
	q.helo = r->has_helo ? r->helo : NULL;
	if (probe_spf_check_mailfrom(dns, &q, r->mail_from, &r->spf, errmsg,
	    errlen) != PROBE_SPF_OK)
		return PROBE_CHECK_E_USAGE;
	if (r->has_helo && probe_spf_check_helo(dns, &q, &r->spf_helo,
	    errmsg, errlen) != PROBE_SPF_OK)
		return PROBE_CHECK_E_USAGE;
	return PROBE_CHECK_OK;
}

enum probe_check_rc
probe_check_run(const struct probe_dns *dns,
    const struct probe_check_opts *opts, struct probe_check_result *out,
    char *errmsg, size_t errlen)
{
	enum probe_check_rc	rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_inputs(opts, out, errmsg, errlen)) != PROBE_CHECK_OK)
		return rc;
	if (probe_ptr_check(dns, out->source, &out->ptr, errmsg, errlen) !=
	    PROBE_PTR_OK)
		return PROBE_CHECK_E_USAGE;
	if ((rc = check_spf(dns, out, errmsg, errlen)) != PROBE_CHECK_OK)
		return rc;
	if (probe_dmarc_lookup(dns, opts->psl, out->from_domain, &out->dmarc,
	    errmsg, errlen) != PROBE_DMARC_OK)
		return PROBE_CHECK_E_USAGE;
	if (out->has_dkim && probe_dkim_lookup(dns, out->selector,
	    out->dkim_domain, &out->dkim, errmsg, errlen) != PROBE_DKIM_OK)
		return PROBE_CHECK_E_USAGE;
	/* The probe will sign with the published key, or it will not. */
	out->is_key_match = out->has_sign_key && out->dkim.key.is_valid &&
	    out->dkim.key.id_len == opts->sign_key_id_len &&
	    memcmp(out->dkim.key.id, opts->sign_key_id,
	    opts->sign_key_id_len) == 0;
	check_align(opts->psl, out);
	check_mistakes(dns, out);
	probe_check_decide(out, &out->predicted);
	return PROBE_CHECK_OK;
}

/* ---- the prediction ---- */

/* A new cause to fill (the level raised), or NULL when full. */
static struct probe_check_cause *
check_cause(struct probe_check_predicted *p, enum probe_check_level level,
    enum probe_check_cause_id id)
{
	struct probe_check_cause	*c;

	if (level > p->level)
		p->level = level;
	if (p->ncauses == PROBE_CHECK_CAUSES_MAX) {
		p->causes_dropped++;
		return NULL;
	}
	c = &p->causes[p->ncauses++];
	c->level = level;
	c->id = id;
	return c;
}

/* What to change in SPF, by its result. */
static void
check_spf_fix(const struct probe_check_result *r, char *fix, size_t len)
{
	switch (r->spf.res) {
	case PROBE_SPF_NONE:
		probe_fmt(fix, len, "publish a TXT record at %s: \"v=spf1 "
		    "ip%c:%s -all\", or sign with DKIM (d=%s)", r->mail_domain,
		    r->ptr.family == AF_INET6 ? '6' : '4', r->source,
		    r->from_domain);
		break;
	case PROBE_SPF_PERMERROR:
		probe_fmt(fix, len, "repair the SPF record of %s (%s), or "
		    "sign with DKIM (d=%s)", r->mail_domain, r->spf.reason,
		    r->from_domain);
		break;
	default:
		probe_fmt(fix, len, "add ip%c:%s (or the include: of the "
		    "service that sends for you) to the SPF record of %s, or "
		    "sign with DKIM (d=%s)", r->ptr.family == AF_INET6 ?
		    '6' : '4', r->source, r->mail_domain, r->from_domain);
		break;
	}
}

/* Whether the message judged carries a signature the key verifies. */
static bool
check_dkim_signs(const struct probe_check_result *r)
{
	return r->has_dkim && !r->is_unsigned && (!r->has_sign_key ||
	    r->is_key_match) && (r->dkim.level == PROBE_DKIM_GOOD ||
	    r->dkim.level == PROBE_DKIM_WARN);
}

/* The DKIM part of a sentence: what we know of the key. */
static const char *
check_dkim_state(const struct probe_check_result *r)
{
	if (r->is_unsigned && !r->has_dkim)
		return "none (this probe is not signed)";
	if (!r->has_dkim)
		return "not checked (no --dkim-selector)";
	if (r->is_unsigned && (r->dkim.level == PROBE_DKIM_GOOD ||
	    r->dkim.level == PROBE_DKIM_WARN))
		return "key published; this probe is not signed";
	if (r->has_sign_key && r->dkim.key.is_valid && !r->is_key_match)
		return "the probe signs with another key than the published "
		    "one";
	return r->dkim.level == PROBE_DKIM_TEMPERROR ? "lookup failed" :
	    r->dkim.level == PROBE_DKIM_BAD ? "no usable key" : "usable key";
}

/* Gmail: "authenticate with at least one of SPF or DKIM". */
static void
check_decide_auth(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	struct probe_check_cause	*c;
	const char			*spf = probe_spf_res_name(r->spf.res);
	bool				 is_temp;

	if (r->spf.res == PROBE_SPF_PASS)
		return;
	if (r->align.dkim_passes || check_dkim_signs(r)) {
		if ((c = check_cause(p, PROBE_CHECK_WARN,
		    PROBE_CHECK_C_SPF_NOT_PASS)) == NULL)
			return;
		probe_fmt(c->text, sizeof(c->text), "SPF is %s for %s from "
		    "%s (%s): only DKIM authenticates, so a message that "
		    "loses its signature fails", spf, r->mail_domain,
		    r->source, r->spf.reason);
		check_spf_fix(r, c->fix, sizeof(c->fix));
		return;
	}
	is_temp = r->spf.res == PROBE_SPF_TEMPERROR || (r->has_dkim &&
	    r->dkim.level == PROBE_DKIM_TEMPERROR);
	c = check_cause(p, is_temp ? PROBE_CHECK_WARN : PROBE_CHECK_FAIL,
	    is_temp ? PROBE_CHECK_C_AUTH_TEMPERROR :
	    PROBE_CHECK_C_NOT_AUTHENTICATED);
	if (c == NULL)
		return;
	probe_fmt(c->text, sizeof(c->text), "%s: SPF is %s for %s from %s "
	    "(%s); DKIM: %s", is_temp ? "a DNS failure hides whether SPF or "
	    "DKIM passes" : "neither SPF nor DKIM passes, Gmail answers "
	    "550-5.7.26 \"This mail is unauthenticated\"", spf,
	    r->mail_domain, r->source, r->spf.reason, check_dkim_state(r));
	/* A lookup never sent is no fault of the sender's DNS. */
	if (is_temp && r->spf.res == PROBE_SPF_TEMPERROR && r->spf.is_unasked)
		probe_fmt(c->fix, sizeof(c->fix), "the check ran out of time "
		    "before it could ask: give it more (--timeout) or use a "
		    "resolver that answers every query, then check again");
	else if (is_temp)
		probe_fmt(c->fix, sizeof(c->fix), "make the DNS servers of "
		    "%s answer, then check again", r->mail_domain);
	else
		check_spf_fix(r, c->fix, sizeof(c->fix));
}

static void
check_decide_dkim(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	struct probe_check_cause	*c;
	const struct probe_dkim_key	*k = &r->dkim.key;

	if (!r->has_dkim)
		return;
	if (r->has_sign_key && r->dkim.key.is_valid && !r->is_key_match &&
	    (c = check_cause(p, r->spf.res == PROBE_SPF_PASS ?
	    PROBE_CHECK_WARN : PROBE_CHECK_FAIL,
	    PROBE_CHECK_C_DKIM_KEY_MISMATCH)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "the key you gave does not "
		    "match the published one at %s (published p= %u bits, "
		    "yours %u bits): the signature will fail", r->dkim.name,
		    k->bits, r->sign_key_bits);
		probe_fmt(c->fix, sizeof(c->fix), "publish the public half of "
		    "your key at %s, or sign with the key published there",
		    r->dkim.name);
		return;
	}
	if (r->dkim.level == PROBE_DKIM_WARN && (c = check_cause(p,
	    PROBE_CHECK_WARN, PROBE_CHECK_C_DKIM_WEAK)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "the DKIM key at %s %s",
		    r->dkim.name, k->is_testing ? "is in test mode (t=y)" :
		    k->is_pkcs1 ? "is a bare RSAPublicKey" : "has fewer than "
		    "2048 bits, which Google recommends");
		probe_fmt(c->fix, sizeof(c->fix), "publish a 2048-bit RSA "
		    "key as a SubjectPublicKeyInfo without t=y, and sign "
		    "with it");
	} else if (r->dkim.level != PROBE_DKIM_GOOD &&
	    r->dkim.level != PROBE_DKIM_WARN && r->spf.res == PROBE_SPF_PASS &&
	    (c = check_cause(p, PROBE_CHECK_WARN,
	    PROBE_CHECK_C_DKIM_UNUSABLE)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "the DKIM key at %s is "
		    "unusable (%s): mail relies on SPF alone", r->dkim.name,
		    r->dkim.reason);
		probe_fmt(c->fix, sizeof(c->fix), "publish the public key "
		    "your signer uses at %s", r->dkim.name);
	}
}

/* Gmail: "sending IPs must have forward and reverse DNS" (5.7.25). */
static void
check_decide_ptr(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	struct probe_check_cause	*c;
	const char			*rr = r->ptr.family == AF_INET6 ?
					    "AAAA" : "A";

	if (r->ptr.status == PROBE_PTR_NONE && (c = check_cause(p,
	    PROBE_CHECK_FAIL, PROBE_CHECK_C_PTR_MISSING)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "%s has no PTR record: "
		    "Gmail answers 550-5.7.25", r->ptr.ip);
		probe_fmt(c->fix, sizeof(c->fix), "ask whoever runs %s (your "
		    "hosting provider or ISP) for a PTR record naming a host "
		    "whose %s record is %s, such as your HELO name", r->ptr.ip,
		    rr, r->ptr.ip);
	} else if (r->ptr.status == PROBE_PTR_UNCONFIRMED &&
	    (c = check_cause(p, PROBE_CHECK_FAIL,
	    PROBE_CHECK_C_PTR_UNCONFIRMED)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "the PTR name %s of %s "
		    "does not resolve back to it: Gmail answers 550-5.7.25",
		    r->ptr.names[0].name, r->ptr.ip);
		probe_fmt(c->fix, sizeof(c->fix), "add an %s record %s -> %s, "
		    "or point the PTR at a name that has one", rr,
		    r->ptr.names[0].name, r->ptr.ip);
	} else if (r->ptr.status == PROBE_PTR_TEMPERROR &&
	    (c = check_cause(p, PROBE_CHECK_WARN,
	    PROBE_CHECK_C_PTR_TEMPERROR)) != NULL) {
		probe_fmt(c->text, sizeof(c->text), "reverse DNS of %s "
		    "failed: %s", r->ptr.ip, r->ptr.reason);
		probe_fmt(c->fix, sizeof(c->fix), "make the reverse zone of "
		    "%s answer, then check again", r->ptr.ip);
	}
}

static void
check_decide_no_dmarc(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	struct probe_check_cause	*c;

	if ((c = check_cause(p, PROBE_CHECK_WARN,
	    PROBE_CHECK_C_DMARC_MISSING)) == NULL)
		return;
	probe_fmt(c->text, sizeof(c->text), "no usable DMARC record for %s "
	    "(%s: %s): Gmail requires one of bulk senders (5,000 or more "
	    "messages a day)", r->from_domain,
	    probe_dmarc_status_name(r->dmarc.status), r->dmarc.reason);
	probe_fmt(c->fix, sizeof(c->fix), "publish one TXT record at "
	    "_dmarc.%s: \"v=DMARC1; p=none; rua=mailto:dmarc-reports@%s\"",
	    r->dmarc.org_domain, r->dmarc.org_domain);
}

/* RFC 7489 6.6.3: sp applies when the record is the org domain's. */
static enum probe_dmarc_policy
check_policy(const struct probe_dmarc_result *d)
{
	const char	*at = d->name + strlen(CHECK_DMARC_PREFIX);

	return strcmp(at, d->from_domain) != 0 ? d->record.sp : d->record.p;
}

static void
check_decide_dmarc(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	struct probe_check_cause	*c;
	enum probe_dmarc_policy		 pol;
	bool				 is_enforced;

	if (r->dmarc.status != PROBE_DMARC_FOUND) {
		check_decide_no_dmarc(r, p);
		return;
	}
	if (r->align.spf_passes || r->align.dkim_passes)
		return;
	pol = check_policy(&r->dmarc);
	is_enforced = pol != PROBE_DMARC_P_NONE && r->dmarc.record.pct > 0;
	c = check_cause(p, is_enforced ? PROBE_CHECK_FAIL : PROBE_CHECK_WARN,
	    is_enforced ? PROBE_CHECK_C_DMARC_POLICY :
	    PROBE_CHECK_C_DMARC_NOT_ALIGNED);
	if (c == NULL)
		return;
	probe_fmt(c->text, sizeof(c->text), "DMARC fails for %s: no SPF pass "
	    "aligned with it (SPF %s for %s) and no DKIM signature %s; the "
	    "policy is p=%s, so Gmail %s", r->from_domain,
	    probe_spf_res_name(r->spf.res), r->mail_domain, r->is_unsigned ?
	    "(the message is not signed)" : r->has_dkim ? "that verifies "
	    "and aligns" : "checked", probe_dmarc_policy_name(pol),
	    pol == PROBE_DMARC_P_REJECT ? "refuses it (550-5.7.26 \"due to "
	    "domain's DMARC policy\")" : pol == PROBE_DMARC_P_QUARANTINE ?
	    "puts it in spam" : "delivers it, but bulk senders must align");
	probe_fmt(c->fix, sizeof(c->fix), "use an envelope sender (MAIL FROM) "
	    "at %s that passes SPF, or sign with DKIM d=%s", r->from_domain,
	    r->from_domain);
}

void
probe_check_decide(const struct probe_check_result *r,
    struct probe_check_predicted *p)
{
	memset(p, 0, sizeof(*p));
	p->level = PROBE_CHECK_PASS;
	check_decide_auth(r, p);
	check_decide_dkim(r, p);
	check_decide_ptr(r, p);
	check_decide_dmarc(r, p);
}
