/*
 * test_probe_dmarc - DMARC records, the Public Suffix List and
 * alignment, and policy discovery through the in-memory resolver
 * (tests/support/zone_dns.h).
 *
 * The list tests use small lists written into a mkdtemp directory, so
 * they do not depend on the system's copy; one test reads the system's
 * list (Debian's publicsuffix package) and is skipped without it.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/auth/probe_dmarc.h"
#include "tests/support/tmp_dir.h"
#include "tests/support/zone_dns.h"

#define TEST_ERR_MAX	256
/* Rules that exercise each kind: normal, wildcard, exception, private. */
#define SMALL_PSL \
	"// a comment line\n" \
	"com\n" \
	"uk\n" \
	"co.uk\n" \
	"\n" \
	"jp\n" \
	"*.kawasaki.jp\n" \
	"!city.kawasaki.jp\n" \
	"  test   trailing words are ignored\n" \
	"// ===BEGIN PRIVATE DOMAINS===\n" \
	"blogspot.com\n"

static struct probe_dmarc_record rec;

static bool
parse(const char *text)
{
	return probe_dmarc_parse(text, strlen(text), &rec);
}

/* ---- records ---- */

Test(probe_dmarc, parses_every_tag_of_a_full_record)
{
	cr_assert(parse("v=DMARC1; p=reject; sp=quarantine; pct=50; "
	    "adkim=s; aspf=s; rua=mailto:a@example.test; "
	    "ruf=mailto:f@example.test; fo=1:d; rf=afrf; ri=3600"),
	    "%s", rec.reason);
	cr_assert_eq(rec.p, PROBE_DMARC_P_REJECT);
	cr_assert_eq(rec.sp, PROBE_DMARC_P_QUARANTINE);
	cr_assert_eq(rec.pct, 50);
	cr_assert_eq(rec.adkim, PROBE_DMARC_STRICT);
	cr_assert_eq(rec.aspf, PROBE_DMARC_STRICT);
	cr_assert_str_eq(rec.rua, "mailto:a@example.test");
	cr_assert_str_eq(rec.ruf, "mailto:f@example.test");
	cr_assert_str_eq(rec.fo, "1:d");
	cr_assert_eq(rec.ri, 3600);
	cr_assert_eq(rec.nwarnings, 0);
}

Test(probe_dmarc, applies_the_defaults_of_rfc_7489)
{
	cr_assert(parse("v=DMARC1;p=none"));
	cr_assert_eq(rec.p, PROBE_DMARC_P_NONE);
	cr_assert_eq(rec.sp, PROBE_DMARC_P_NONE, "sp defaults to p");
	cr_assert_eq(rec.pct, 100);
	cr_assert_eq(rec.adkim, PROBE_DMARC_RELAXED);
	cr_assert_eq(rec.aspf, PROBE_DMARC_RELAXED);
	cr_assert_eq(rec.ri, 86400);
}

Test(probe_dmarc, accepts_spaces_case_and_a_final_semicolon)
{
	cr_assert(parse("  v = DMARC1 ;  P = Reject ; ASPF=S ;"), "%s",
	    rec.reason);
	cr_assert_eq(rec.p, PROBE_DMARC_P_REJECT);
	cr_assert_eq(rec.aspf, PROBE_DMARC_STRICT);
}

/* Seed article 003 publishes "aspf=rvk": a bad value, not a bad record. */
Test(probe_dmarc, ignores_a_bad_value_with_a_warning_as_the_seed_shows)
{
	cr_assert(parse("v=DMARC1; p=reject; sp=reject; "
	    "rua=mailto:email@example.com; ruf=mailto:email@example.com; "
	    "fo=0; adkim=s; aspf=rvk"));
	cr_assert_eq(rec.aspf, PROBE_DMARC_RELAXED);
	cr_assert_eq(rec.adkim, PROBE_DMARC_STRICT);
	cr_assert_eq(rec.nwarnings, 1);
	cr_assert_not_null(strstr(rec.warning, "aspf"), "%s", rec.warning);
	cr_assert(parse("v=DMARC1; p=none; pct=101; ri=x; fo=2"));
	cr_assert_eq(rec.pct, 100);
	cr_assert_eq(rec.nwarnings, 3);
}

Test(probe_dmarc, refuses_records_without_version_first_or_without_p)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "p=reject; v=DMARC1", "v=DMARC1" },
		{ "v=dmarc1; p=reject", "v=DMARC1" },
		{ "v=DMARC2; p=reject", "v=DMARC1" },
		{ "v=DMARC1", "no p=" },
		{ "v=DMARC1; rua=mailto:a@example.test", "no p=" },
		{ "v=DMARC1; p=block", "p=" },
		{ "v=DMARC1; p=none; sp=maybe", "sp=" },
		{ "", "v=DMARC1" },
		{ ";;;", "v=DMARC1" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(parse(bad[i].text), "%s", bad[i].text);
		cr_assert_not_null(strstr(rec.reason, bad[i].why), "%s: %s",
		    bad[i].text, rec.reason);
	}
}

/*
 * RFC 7489 6.4: the record begins with v=DMARC1, so a leading empty tag
 * is not one; and it uses the tag=value syntax of RFC 6376 3.2, where a
 * tag named twice makes the whole list invalid.
 */
Test(probe_dmarc, refuses_a_leading_empty_tag_and_a_tag_named_twice)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ ";v=DMARC1; p=reject", "v=DMARC1" },
		{ " ; ;v=DMARC1; p=reject", "v=DMARC1" },
		{ "v=DMARC1; p=none; p=reject", "p= twice" },
		{ "v=DMARC1; p=reject; pct=100; pct=10", "pct= twice" },
		{ "v=DMARC1; v=DMARC1; p=reject", "v= twice" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(parse(bad[i].text), "%s", bad[i].text);
		cr_assert_not_null(strstr(rec.reason, bad[i].why), "%s: %s",
		    bad[i].text, rec.reason);
	}
	cr_assert(parse("v=DMARC1; p=reject; sp=none;"));
}

Test(probe_dmarc, refuses_a_nul_byte_and_ignores_unknown_tags)
{
	cr_assert_not(probe_dmarc_parse("v=DMARC1; p=none\0x", 18, &rec));
	cr_assert(parse("v=DMARC1; p=none; np=reject; x-custom=1"));
	cr_assert_eq(rec.nwarnings, 0);
}

Test(probe_dmarc, keeps_a_huge_rua_cut_and_flagged)
{
	size_t	 n = 70000, i;
	char	*text = malloc(n + 64);

	cr_assert_not_null(text);
	i = (size_t)snprintf(text, 64, "v=DMARC1; p=none; rua=mailto:");
	for (; i < n; i++)
		text[i] = 'a';
	text[n] = '\0';
	cr_assert(parse(text));
	cr_assert(rec.is_uri_cut);
	cr_assert_eq(strlen(rec.rua), PROBE_DMARC_URI_MAX - 1);
	free(text);
}

/* ---- the Public Suffix List ---- */

struct psl_case {
	struct tmp_dir		dir;
	struct probe_dmarc_psl	psl;
	char			err[TEST_ERR_MAX];
};

static void
psl_small(struct psl_case *c)
{
	const char	*path;

	memset(c, 0, sizeof(*c));
	cr_assert(tmp_dir_make(&c->dir), "mkdtemp: %s", strerror(errno));
	path = tmp_dir_write(&c->dir, "psl.dat", SMALL_PSL,
	    strlen(SMALL_PSL));
	cr_assert_not_null(path);
	cr_assert_eq(probe_dmarc_psl_load(&c->psl, path, c->err,
	    sizeof(c->err)), PROBE_DMARC_OK, "%s", c->err);
	cr_assert(c->psl.is_loaded);
}

static void
psl_end(struct psl_case *c)
{
	probe_dmarc_psl_free(&c->psl);
	tmp_dir_remove(&c->dir);
}

static void
assert_org(const struct probe_dmarc_psl *psl, const char *domain,
    const char *want)
{
	char	org[PROBE_DMARC_DOMAIN_MAX];

	cr_assert(probe_dmarc_org_domain(psl, domain, org, sizeof(org)),
	    "%s", domain);
	cr_assert_str_eq(org, want, "%s", domain);
}

Test(probe_dmarc, finds_the_organizational_domain_by_every_kind_of_rule)
{
	struct psl_case	c;

	psl_small(&c);
	cr_assert_eq(c.psl.nrules, 8);
	assert_org(&c.psl, "mail.example.com", "example.com");
	assert_org(&c.psl, "Example.COM.", "example.com");
	assert_org(&c.psl, "a.b.example.co.uk", "example.co.uk");
	assert_org(&c.psl, "x.y.kawasaki.jp", "x.y.kawasaki.jp");
	assert_org(&c.psl, "www.city.kawasaki.jp", "city.kawasaki.jp");
	assert_org(&c.psl, "me.blogspot.com", "me.blogspot.com");
	assert_org(&c.psl, "a.example.unknowntld", "example.unknowntld");
	assert_org(&c.psl, "com", "com");
	assert_org(&c.psl, "example.test", "example.test");
	psl_end(&c);
}

Test(probe_dmarc, falls_back_to_two_labels_with_a_warning_without_a_list)
{
	struct probe_dmarc_psl	psl;
	char			err[TEST_ERR_MAX];

	probe_dmarc_psl_init(&psl);
	cr_assert_eq(probe_dmarc_psl_load(&psl, "/nonexistent/psl.dat", err,
	    sizeof(err)), PROBE_DMARC_OK);
	cr_assert_not(psl.is_loaded);
	cr_assert_not_null(strstr(psl.warning, "last two labels"));
	assert_org(&psl, "a.b.example.co.uk", "co.uk");
	assert_org(&psl, "mail.example.com", "example.com");
	probe_dmarc_psl_free(&psl);
}

Test(probe_dmarc, refuses_a_list_over_its_size_limit)
{
	struct psl_case	 c;
	const char	*path;
	char		*big = malloc(PROBE_DMARC_PSL_BYTES_MAX + 2);

	cr_assert_not_null(big);
	memset(&c, 0, sizeof(c));
	cr_assert(tmp_dir_make(&c.dir));
	memset(big, 'a', PROBE_DMARC_PSL_BYTES_MAX + 1);
	path = tmp_dir_write(&c.dir, "big.dat", big,
	    PROBE_DMARC_PSL_BYTES_MAX + 1);
	cr_assert_not_null(path);
	cr_assert_eq(probe_dmarc_psl_load(&c.psl, path, c.err,
	    sizeof(c.err)), PROBE_DMARC_E_LIMIT);
	cr_assert_not(c.psl.is_loaded);
	free(big);
	psl_end(&c);
}

/* "r0\nr1\n..." with n rules of a few bytes each, as one string. */
static char *
psl_dense(size_t n)
{
	char	*text = malloc(n * 8 + 1);
	size_t	 i, len = 0;

	cr_assert_not_null(text);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, 9, "r%zu\n", i);
	return text;
}

static enum probe_dmarc_rc
psl_load_text(struct psl_case *c, const char *text)
{
	const char	*path;

	memset(c, 0, sizeof(*c));
	cr_assert(tmp_dir_make(&c->dir), "mkdtemp: %s", strerror(errno));
	path = tmp_dir_write(&c->dir, "psl.dat", text, strlen(text));
	cr_assert_not_null(path);
	return probe_dmarc_psl_load(&c->psl, path, c->err, sizeof(c->err));
}

Test(probe_dmarc, finds_every_rule_of_a_list_denser_than_the_index_guess)
{
	struct psl_case	 c;
	char		*text = psl_dense(1000);

	cr_assert_eq(psl_load_text(&c, text), PROBE_DMARC_OK, "%s", c.err);
	cr_assert_eq(c.psl.nrules, 1000);
	assert_org(&c.psl, "a.b.r0", "b.r0");
	assert_org(&c.psl, "a.b.r999", "b.r999");
	assert_org(&c.psl, "a.b.R517.", "b.r517");
	assert_org(&c.psl, "a.b.r1000", "b.r1000");
	free(text);
	psl_end(&c);
}

Test(probe_dmarc, takes_the_most_rules_and_refuses_one_more)
{
	struct psl_case	 c;
	char		*text = psl_dense(PROBE_DMARC_PSL_RULES_MAX + 1);

	cr_assert_eq(psl_load_text(&c, text), PROBE_DMARC_E_LIMIT);
	cr_assert_not(c.psl.is_loaded);
	psl_end(&c);
	/* Drop the last rule, "r<RULES_MAX>\n". */
	text[strlen(text) - (size_t)snprintf(NULL, 0, "r%d\n",
	    PROBE_DMARC_PSL_RULES_MAX)] = '\0';
	cr_assert_eq(psl_load_text(&c, text), PROBE_DMARC_OK, "%s", c.err);
	cr_assert_eq(c.psl.nrules, PROBE_DMARC_PSL_RULES_MAX);
	assert_org(&c.psl, "a.b.r0", "b.r0");
	free(text);
	psl_end(&c);
}

Test(probe_dmarc, reads_the_system_list)
{
	struct probe_dmarc_psl	psl;
	char			err[TEST_ERR_MAX];

	if (access(PROBE_DMARC_PSL_PATH, R_OK) != 0) {
		cr_skip_test("no %s (Debian package publicsuffix)",
		    PROBE_DMARC_PSL_PATH);
		return;
	}
	/* The text list, and the default (the compiled one when present). */
	probe_dmarc_psl_init(&psl);
	cr_assert_eq(probe_dmarc_psl_load(&psl, PROBE_DMARC_PSL_PATH, err,
	    sizeof(err)), PROBE_DMARC_OK, "%s", err);
	cr_assert_gt(psl.nrules, 5000);
	assert_org(&psl, "mail.example.co.uk", "example.co.uk");
	assert_org(&psl, "bounce.example.com", "example.com");
	assert_org(&psl, "a.b.city.kobe.jp", "city.kobe.jp");
	assert_org(&psl, "mail.example.xn--55qx5d.cn", "example.xn--55qx5d.cn");
	cr_assert_eq(probe_dmarc_psl_load(&psl, NULL, err, sizeof(err)),
	    PROBE_DMARC_OK, "%s", err);
	cr_assert(psl.is_loaded);
	assert_org(&psl, "mail.example.co.uk", "example.co.uk");
	assert_org(&psl, "bounce.example.com", "example.com");
	assert_org(&psl, "a.b.city.kobe.jp", "city.kobe.jp");
	assert_org(&psl, "mail.example.xn--55qx5d.cn", "example.xn--55qx5d.cn");
	probe_dmarc_psl_free(&psl);
}

/*
 * The list spells internationalised rules in UTF-8 ("公司.cn"); mail
 * domains arrive as A-labels ("xn--55qx5d.cn"). Both spellings must
 * find the rule, or DMARC is looked up at the wrong name: for
 * mail.example.xn--55qx5d.cn the organizational domain is
 * example.xn--55qx5d.cn, as libpsl says reading the same list.
 */
Test(probe_dmarc, finds_internationalised_rules_by_their_a_labels)
{
	struct psl_case	c;

	cr_assert_eq(psl_load_text(&c, "cn\n\xe5\x85\xac\xe5\x8f\xb8.cn\n"
	    "\xe5\x95\x86\xe5\xba\x97\n"), PROBE_DMARC_OK, "%s", c.err);
	assert_org(&c.psl, "mail.example.xn--55qx5d.cn",
	    "example.xn--55qx5d.cn");
	assert_org(&c.psl, "MAIL.Example.XN--55QX5D.CN.",
	    "example.xn--55qx5d.cn");
	assert_org(&c.psl, "a.b.xn--3ds443g", "b.xn--3ds443g");
	assert_org(&c.psl, "mail.example.cn", "example.cn");
	psl_end(&c);
	if (access(PROBE_DMARC_PSL_PATH, R_OK) != 0)
		return;
	cr_assert_eq(probe_dmarc_psl_load(&c.psl, NULL, c.err,
	    sizeof(c.err)), PROBE_DMARC_OK, "%s", c.err);
	assert_org(&c.psl, "mail.example.xn--55qx5d.cn",
	    "example.xn--55qx5d.cn");
	probe_dmarc_psl_free(&c.psl);
}

Test(probe_dmarc, aligns_relaxed_by_organizational_domain_and_strict_exactly)
{
	struct psl_case	c;

	psl_small(&c);
	cr_assert(probe_dmarc_aligned(&c.psl, "bounce.example.com",
	    "example.com", PROBE_DMARC_RELAXED));
	cr_assert_not(probe_dmarc_aligned(&c.psl, "bounce.example.com",
	    "example.com", PROBE_DMARC_STRICT));
	cr_assert(probe_dmarc_aligned(&c.psl, "EXAMPLE.com.", "example.com",
	    PROBE_DMARC_STRICT));
	cr_assert_not(probe_dmarc_aligned(&c.psl, "a.example.co.uk",
	    "b.other.co.uk", PROBE_DMARC_RELAXED));
	cr_assert_not(probe_dmarc_aligned(&c.psl, "esp.example.net",
	    "example.com", PROBE_DMARC_RELAXED));
	psl_end(&c);
}

/* ---- policy discovery ---- */

struct dmarc_zone {
	struct psl_case			c;
	struct zone_dns			zone;
	struct probe_dns		dns;
	struct probe_dmarc_result	out;
};

static struct dmarc_zone *
zone_new(void)
{
	struct dmarc_zone	*z = calloc(1, sizeof(*z));

	cr_assert_not_null(z);
	psl_small(&z->c);
	zone_dns_bind(&z->zone, &z->dns);
	return z;
}

static void
lookup(struct dmarc_zone *z, const char *domain,
    enum probe_dmarc_status want)
{
	cr_assert_eq(probe_dmarc_lookup(&z->dns, &z->c.psl, domain, &z->out,
	    z->c.err, sizeof(z->c.err)), PROBE_DMARC_OK, "%s", z->c.err);
	cr_assert_eq(z->out.status, want, "%s: %s (%s)", domain,
	    probe_dmarc_status_name(z->out.status), z->out.reason);
}

static void
zone_end(struct dmarc_zone *z)
{
	zone_dns_free(&z->zone);
	psl_end(&z->c);
	free(z);
}

Test(probe_dmarc, finds_the_record_of_the_from_domain)
{
	struct dmarc_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.example.com",
	    "v=DMARC1; p=quarantine"), 0);
	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.example.com",
	    "some-other=text"), 0);
	lookup(z, "example.com", PROBE_DMARC_FOUND);
	cr_assert_str_eq(z->out.name, "_dmarc.example.com");
	cr_assert_eq(z->out.record.p, PROBE_DMARC_P_QUARANTINE);
	zone_end(z);
}

Test(probe_dmarc, falls_back_to_the_organizational_domain)
{
	struct dmarc_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.example.co.uk",
	    "v=DMARC1; p=reject; sp=none"), 0);
	lookup(z, "news.example.co.uk", PROBE_DMARC_FOUND);
	cr_assert_str_eq(z->out.name, "_dmarc.example.co.uk");
	cr_assert_str_eq(z->out.org_domain, "example.co.uk");
	cr_assert_eq(z->out.record.sp, PROBE_DMARC_P_NONE);
	zone_end(z);
}

Test(probe_dmarc, reports_none_multiple_invalid_and_temperror)
{
	struct dmarc_zone	*z = zone_new();

	lookup(z, "a.example.com", PROBE_DMARC_NONE);
	cr_assert_not_null(strstr(z->out.reason, "_dmarc.example.com"));
	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.two.com",
	    "v=DMARC1; p=none"), 0);
	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.two.com",
	    "v=DMARC1; p=reject"), 0);
	lookup(z, "two.com", PROBE_DMARC_MULTIPLE);
	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.bad.com",
	    "v=DMARC1; rua=mailto:x@bad.com"), 0);
	lookup(z, "bad.com", PROBE_DMARC_INVALID);
	cr_assert_not_null(strstr(z->out.reason, "no p="));
	cr_assert_eq(zone_dns_add_timeout(&z->zone, "_dmarc.slow.com"), 0);
	lookup(z, "slow.com", PROBE_DMARC_TEMPERROR);
	cr_assert_eq(zone_dns_add_servfail(&z->zone, "_dmarc.broken.com"), 0);
	lookup(z, "broken.com", PROBE_DMARC_TEMPERROR);
	zone_end(z);
}

Test(probe_dmarc, survives_a_huge_record_and_a_cname_loop)
{
	struct dmarc_zone	*z = zone_new();
	size_t			 n = 60000;
	char			*text = malloc(n + 1);

	cr_assert_not_null(text);
	memset(text, 'x', n);
	memcpy(text, "v=DMARC1; p=reject; rua=", 24);
	text[n] = '\0';
	cr_assert_eq(zone_dns_add_txt(&z->zone, "_dmarc.huge.com", text), 0);
	lookup(z, "huge.com", PROBE_DMARC_FOUND);
	cr_assert(z->out.is_text_cut);
	cr_assert_eq(z->out.record.nwarnings, 1, "rua with no scheme");
	cr_assert_eq(zone_dns_add_cname(&z->zone, "_dmarc.loop.com",
	    "_dmarc.loop2.com"), 0);
	cr_assert_eq(zone_dns_add_cname(&z->zone, "_dmarc.loop2.com",
	    "_dmarc.loop.com"), 0);
	lookup(z, "loop.com", PROBE_DMARC_TEMPERROR);
	free(text);
	zone_end(z);
}

Test(probe_dmarc, refuses_an_unusable_domain)
{
	struct dmarc_zone	*z = zone_new();

	cr_assert_eq(probe_dmarc_lookup(&z->dns, &z->c.psl, "", &z->out,
	    z->c.err, sizeof(z->c.err)), PROBE_DMARC_E_USAGE);
	cr_assert_eq(probe_dmarc_lookup(&z->dns, &z->c.psl, "a..b", &z->out,
	    z->c.err, sizeof(z->c.err)), PROBE_DMARC_E_USAGE);
	zone_end(z);
}
