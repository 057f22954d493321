/*
 * test_probe_check - a sending path checked against the in-memory
 * resolver (tests/support/zone_dns.h): every publishing mistake of the
 * seed articles is detected and named, each rule of the predicted Gmail
 * verdict, hostile records (huge, looping, malformed, timing out) end
 * in a result and never a hang, and both renderings are safe (escaped
 * text, valid JSON).
 *
 * The sending path is probe@example.com from 203.0.113.5; each test
 * publishes what it needs, most starting from a path that passes.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/auth/probe_check.h"
#include "probe/report/probe_check_report.h"
#include "tests/support/json_check.h"
#include "tests/support/mem_out.h"
#include "tests/support/zone_dns.h"

#define TEST_ERR_MAX	256
#define SOURCE		"203.0.113.5"
#define REVERSE		"5.113.0.203.in-addr.arpa"
#define RSA1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDA9EeFJGwx9ekBdNTbXOd3" \
	"54Pq3oV1EwOJXhG5WgeAT5gme9sLxa42P3b0RsqQZBsgDUL/QljBoVlhEa9HiNCBmqEe" \
	"yrZ+ovW5OtlTZkjOGDWjOziqVkIuRN/BMflArY9CYAlnjpWoGLCptDa+LGvrrnUJGrVT" \
	"nXaJVITitrFVEwIDAQAB"
#define RSA2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr1uc1Nhn3qLpqHOE" \
	"oSUb7qVzsKE1+6YwVrC1nAS4t6+6vxLDHOfOiaOoFI2XLFsELGTUPGeAuKv55m9yQv6O" \
	"sA91g1ixiwZtRXlUPfslkd/MiQ7GojVXVOn2SOnVmm/Ej0g3VhPKVGY+Wl9AfArIAGxn" \
	"W7cysIkGBEjnNk3z0lglaWQ6umr7geT/LsV7stXXNg6+V7VMOqizLc2PQNuO5D3XZsXp" \
	"v+dR30W0l8e5N81mNJb/W7hL0//zaUphBaefyRZzJRPVP3Tk4LkDB4N5wzuyCIWf15ej" \
	"HwOfuHSkOChQsc3aLR/kOuwSfBjG6U377uDNrYlMDEC7jt7q5BxElwIDAQAB"

/* What a test starts from; each bit publishes one part of a good path. */
#define GOOD_SPF	0x01u
#define GOOD_DMARC	0x02u
#define GOOD_PTR	0x04u
#define GOOD_DKIM	0x08u
#define GOOD_ALL	(GOOD_SPF | GOOD_DMARC | GOOD_PTR | GOOD_DKIM)

struct fx {
	struct zone_dns			 zone;
	struct probe_dns		 dns;
	struct probe_dmarc_psl		 psl;	/* two labels */
	struct probe_check_opts		 opts;
	struct probe_check_result	 r;
	char				 err[TEST_ERR_MAX];
};

static void
add_txt(struct fx *f, const char *name, const char *text)
{
	cr_assert_eq(zone_dns_add_txt(&f->zone, name, text), 0, "%s", name);
}

static struct fx *
fx_new(unsigned good)
{
	struct fx	*f = calloc(1, sizeof(*f));

	cr_assert_not_null(f);
	zone_dns_bind(&f->zone, &f->dns);
	f->opts.mail_from = "probe@example.com";
	f->opts.source = SOURCE;
	f->opts.psl = &f->psl;
	if (good & GOOD_SPF)
		add_txt(f, "example.com", "v=spf1 ip4:" SOURCE " -all");
	if (good & GOOD_DMARC)
		add_txt(f, "_dmarc.example.com", "v=DMARC1; p=reject; "
		    "rua=mailto:dmarc@example.com");
	if (good & GOOD_DKIM) {
		add_txt(f, "s1._domainkey.example.com", "v=DKIM1; p=" RSA2048);
		f->opts.dkim_selector = "s1";
	}
	if (good & GOOD_PTR) {
		cr_assert_eq(zone_dns_add_ptr(&f->zone, REVERSE,
		    "mail.example.com"), 0);
		cr_assert_eq(zone_dns_add_addr(&f->zone, "mail.example.com",
		    SOURCE), 0);
	}
	return f;
}

static void
fx_end(struct fx *f)
{
	zone_dns_free(&f->zone);
	probe_dmarc_psl_free(&f->psl);
	free(f);
}

/* Runs the check and asserts the predicted level. */
static void
run(struct fx *f, enum probe_check_level want)
{
	const struct probe_check_predicted	*p = &f->r.predicted;

	cr_assert_eq(probe_check_run(&f->dns, &f->opts, &f->r, f->err,
	    sizeof(f->err)), PROBE_CHECK_OK, "%s", f->err);
	cr_assert_eq(p->level, want, "predicted %s, want %s; first cause: "
	    "%s %s", probe_check_level_name(p->level),
	    probe_check_level_name(want), p->ncauses ?
	    probe_check_cause_name(p->causes[0].id) : "-", p->ncauses ?
	    p->causes[0].text : "");
}

static const struct probe_check_mistake *
mistake(const struct fx *f, enum probe_check_mistake_id id)
{
	size_t	i;

	for (i = 0; i < f->r.nmistakes; i++)
		if (f->r.mistakes[i].id == id)
			return &f->r.mistakes[i];
	return NULL;
}

static void
assert_mistake(const struct fx *f, enum probe_check_mistake_id id,
    const char *in_detail)
{
	const struct probe_check_mistake	*m = mistake(f, id);

	cr_assert_not_null(m, "mistake %s not found (%zu found)",
	    probe_check_mistake_name(id), f->r.nmistakes);
	cr_assert_not_null(strstr(m->detail, in_detail), "%s: %s",
	    probe_check_mistake_name(id), m->detail);
	cr_assert_neq(m->fix[0], '\0');
}

static const struct probe_check_cause *
cause(const struct fx *f, enum probe_check_cause_id id)
{
	size_t	i;

	for (i = 0; i < f->r.predicted.ncauses; i++)
		if (f->r.predicted.causes[i].id == id)
			return &f->r.predicted.causes[i];
	return NULL;
}

static void
assert_cause(const struct fx *f, enum probe_check_cause_id id,
    enum probe_check_level level, const char *in_fix)
{
	const struct probe_check_cause	*c = cause(f, id);

	cr_assert_not_null(c, "cause %s not found",
	    probe_check_cause_name(id));
	cr_assert_eq(c->level, level, "%s", probe_check_cause_name(id));
	cr_assert_not_null(strstr(c->fix, in_fix), "%s: %s",
	    probe_check_cause_name(id), c->fix);
}

/* ---- a good path ---- */

Test(probe_check, passes_a_path_with_spf_dkim_dmarc_and_fcrdns)
{
	struct fx	*f = fx_new(GOOD_ALL);

	run(f, PROBE_CHECK_PASS);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PASS);
	cr_assert_str_eq(f->r.spf.mechanism, "ip4:" SOURCE);
	cr_assert_eq(f->r.dmarc.status, PROBE_DMARC_FOUND);
	cr_assert(f->r.align.spf_passes);
	cr_assert(f->r.align.dkim_passes);
	cr_assert_eq(f->r.dkim.key.bits, 2048);
	cr_assert_eq(f->r.ptr.status, PROBE_PTR_CONFIRMED);
	cr_assert_eq(f->r.nmistakes, 0, "first: %s",
	    f->r.nmistakes ? f->r.mistakes[0].detail : "");
	cr_assert_eq(f->r.predicted.ncauses, 0);
	fx_end(f);
}

Test(probe_check, checks_the_helo_identity_too)
{
	struct fx	*f = fx_new(GOOD_ALL);

	add_txt(f, "mail.example.com", "v=spf1 a -all");
	f->opts.helo = "mail.example.com";
	run(f, PROBE_CHECK_PASS);
	cr_assert(f->r.has_helo);
	cr_assert_eq(f->r.spf_helo.res, PROBE_SPF_PASS);
	fx_end(f);
}

/* ---- the mistakes of the seed articles ---- */

/* Seed 002: "example.com" without the final dot in the zone of example.com. */
Test(probe_check, finds_spf_published_at_the_doubled_name)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com.example.com", "v=spf1 ip4:" SOURCE " -all");
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_NONE);
	assert_mistake(f, PROBE_CHECK_M_SPF_DOUBLED_NAME,
	    "example.com.example.com");
	assert_cause(f, PROBE_CHECK_C_NOT_AUTHENTICATED, PROBE_CHECK_FAIL,
	    "v=spf1 ip4:" SOURCE " -all");
	fx_end(f);
}

/* Seed 002: the value typed with its quotes ("前後の””なし"). */
Test(probe_check, finds_quotes_that_became_part_of_the_record)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "\"v=spf1 ip4:" SOURCE " -all\"");
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_NONE);
	assert_mistake(f, PROBE_CHECK_M_SPF_QUOTED, "quote");
	fx_end(f);
}

/* Seed 001 writes its example with typographic quotes: “all”. */
Test(probe_check, finds_typographic_quotes_in_the_record)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 +ip4:" SOURCE " \xe2\x80\x9c" "all"
	    "\xe2\x80\x9d");
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PERMERROR);
	assert_mistake(f, PROBE_CHECK_M_SPF_QUOTED, "quote");
	fx_end(f);
}

Test(probe_check, finds_more_than_one_spf_record)
{
	struct fx	*f = fx_new(GOOD_ALL);

	add_txt(f, "example.com", "v=spf1 include:_spf.google.com ~all");
	run(f, PROBE_CHECK_WARN);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PERMERROR);
	assert_mistake(f, PROBE_CHECK_M_SPF_MULTIPLE, "2 v=spf1 records");
	assert_cause(f, PROBE_CHECK_C_SPF_NOT_PASS, PROBE_CHECK_WARN,
	    "repair the SPF record");
	fx_end(f);
}

Test(probe_check, finds_google_mx_without_the_google_include)
{
	struct fx	*f = fx_new(GOOD_ALL);

	cr_assert_eq(zone_dns_add_mx(&f->zone, "example.com", 1,
	    "aspmx.l.google.com"), 0);
	run(f, PROBE_CHECK_PASS);
	assert_mistake(f, PROBE_CHECK_M_SPF_NO_PROVIDER, "_spf.google.com");
	fx_end(f);
}

Test(probe_check, finds_microsoft_mx_without_the_outlook_include)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 ip4:" SOURCE " -all");
	cr_assert_eq(zone_dns_add_mx(&f->zone, "example.com", 0,
	    "example-com.mail.protection.outlook.com"), 0);
	run(f, PROBE_CHECK_PASS);
	assert_mistake(f, PROBE_CHECK_M_SPF_NO_PROVIDER,
	    "spf.protection.outlook.com");
	fx_end(f);
}

Test(probe_check, is_quiet_when_the_provider_include_is_there)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 ip4:" SOURCE
	    " include:_spf.google.com -all");
	add_txt(f, "_spf.google.com", "v=spf1 ip4:192.0.2.0/24 ~all");
	cr_assert_eq(zone_dns_add_mx(&f->zone, "example.com", 1,
	    "smtp.google.com"), 0);
	run(f, PROBE_CHECK_PASS);
	cr_assert_null(mistake(f, PROBE_CHECK_M_SPF_NO_PROVIDER));
	fx_end(f);
}

Test(probe_check, explains_softfail_all_and_hardfail_all_and_pass_all)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 ip4:192.0.2.1 ~all");
	run(f, PROBE_CHECK_FAIL);
	assert_mistake(f, PROBE_CHECK_M_SPF_SOFTFAIL_ALL, "softfail");
	fx_end(f);
	f = fx_new(GOOD_DMARC | GOOD_PTR);
	add_txt(f, "example.com", "v=spf1 ip4:192.0.2.1 -all");
	run(f, PROBE_CHECK_FAIL);
	assert_mistake(f, PROBE_CHECK_M_SPF_HARDFAIL_ALL, "hard fail");
	cr_assert_null(mistake(f, PROBE_CHECK_M_SPF_SOFTFAIL_ALL));
	fx_end(f);
	f = fx_new(GOOD_DMARC | GOOD_PTR);
	add_txt(f, "example.com", "v=spf1 +all");
	run(f, PROBE_CHECK_PASS);
	assert_mistake(f, PROBE_CHECK_M_SPF_PASS_ALL, "every address");
	fx_end(f);
}

Test(probe_check, finds_dmarc_published_at_the_doubled_name)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_PTR);

	add_txt(f, "_dmarc.example.com.example.com", "v=DMARC1; p=none");
	run(f, PROBE_CHECK_WARN);
	assert_mistake(f, PROBE_CHECK_M_DMARC_DOUBLED_NAME,
	    "_dmarc.example.com.example.com");
	assert_cause(f, PROBE_CHECK_C_DMARC_MISSING, PROBE_CHECK_WARN,
	    "_dmarc.example.com");
	fx_end(f);
}

Test(probe_check, finds_dmarc_published_at_the_bare_domain)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_PTR);

	add_txt(f, "example.com", "v=DMARC1; p=reject");
	run(f, PROBE_CHECK_WARN);
	assert_mistake(f, PROBE_CHECK_M_DMARC_BARE_DOMAIN, "example.com");
	fx_end(f);
}

/* Seed 003 recommends "aspf=rvk". */
Test(probe_check, names_a_bad_dmarc_value)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_PTR);

	add_txt(f, "_dmarc.example.com", "v=DMARC1; p=reject; sp=reject; "
	    "fo=0; adkim=s; aspf=rvk");
	run(f, PROBE_CHECK_PASS);
	assert_mistake(f, PROBE_CHECK_M_DMARC_BAD_VALUE, "aspf");
	fx_end(f);
}

/* ---- the prediction ---- */

Test(probe_check, fails_without_ptr_and_without_forward_confirmation)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_DMARC);

	run(f, PROBE_CHECK_FAIL);
	assert_cause(f, PROBE_CHECK_C_PTR_MISSING, PROBE_CHECK_FAIL,
	    "PTR record");
	fx_end(f);
	f = fx_new(GOOD_SPF | GOOD_DMARC);
	cr_assert_eq(zone_dns_add_ptr(&f->zone, REVERSE,
	    "dyn-5.isp.example"), 0);
	run(f, PROBE_CHECK_FAIL);
	assert_cause(f, PROBE_CHECK_C_PTR_UNCONFIRMED, PROBE_CHECK_FAIL,
	    "dyn-5.isp.example -> " SOURCE);
	fx_end(f);
}

Test(probe_check, fails_when_neither_spf_nor_dkim_passes)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_NONE);
	assert_cause(f, PROBE_CHECK_C_NOT_AUTHENTICATED, PROBE_CHECK_FAIL,
	    "publish a TXT record at example.com");
	fx_end(f);
}

Test(probe_check, warns_when_only_dkim_covers_a_softfail)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR | GOOD_DKIM);

	add_txt(f, "example.com", "v=spf1 ip4:192.0.2.1 ~all");
	run(f, PROBE_CHECK_WARN);
	assert_cause(f, PROBE_CHECK_C_SPF_NOT_PASS, PROBE_CHECK_WARN,
	    "ip4:" SOURCE);
	fx_end(f);
}

/*
 * send's own test message carries no signature: a published key must not
 * count as DKIM passing, or the report predicts a pass and then shows
 * Gmail's "DKIM checks did not pass".
 */
Test(probe_check, a_published_key_does_not_pass_for_an_unsigned_probe)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR | GOOD_DKIM);

	f->opts.is_unsigned = true;
	run(f, PROBE_CHECK_FAIL);
	cr_assert_not(f->r.align.dkim_passes);
	assert_cause(f, PROBE_CHECK_C_NOT_AUTHENTICATED, PROBE_CHECK_FAIL,
	    "publish a TXT record at example.com");
	cr_assert_not_null(strstr(f->r.predicted.causes[0].text,
	    "key published; this probe is not signed"), "%s",
	    f->r.predicted.causes[0].text);
	fx_end(f);
}

/* The -all advice names the family of the source address. */
Test(probe_check, hardfail_all_advice_names_ip6_for_an_ipv6_source)
{
	struct fx	*f = fx_new(GOOD_DMARC);
	const struct probe_check_mistake *m;

	f->opts.source = "2001:db8::5";
	add_txt(f, "example.com", "v=spf1 ip6:2001:db8::1 -all");
	run(f, PROBE_CHECK_FAIL);
	m = mistake(f, PROBE_CHECK_M_SPF_HARDFAIL_ALL);
	cr_assert_not_null(m);
	cr_assert_not_null(strstr(m->fix, "add ip6:2001:db8::5 "), "%s",
	    m->fix);
	fx_end(f);
}

Test(probe_check, warns_about_a_1024_bit_key_and_fails_a_revoked_one)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_DMARC | GOOD_PTR);

	add_txt(f, "k1024._domainkey.example.com", "v=DKIM1; p=" RSA1024);
	f->opts.dkim_selector = "k1024";
	run(f, PROBE_CHECK_WARN);
	assert_cause(f, PROBE_CHECK_C_DKIM_WEAK, PROBE_CHECK_WARN, "2048");
	fx_end(f);
	f = fx_new(GOOD_DMARC | GOOD_PTR);
	add_txt(f, "old._domainkey.example.com", "v=DKIM1; p=");
	f->opts.dkim_selector = "old";
	run(f, PROBE_CHECK_FAIL);
	cr_assert(f->r.dkim.key.is_revoked);
	fx_end(f);
}

Test(probe_check, warns_about_a_missing_dmarc_record)
{
	struct fx	*f = fx_new(GOOD_SPF | GOOD_PTR | GOOD_DKIM);

	run(f, PROBE_CHECK_WARN);
	assert_cause(f, PROBE_CHECK_C_DMARC_MISSING, PROBE_CHECK_WARN,
	    "v=DMARC1; p=none");
	fx_end(f);
}

/* An ESP's envelope domain passes SPF but does not align with From. */
Test(probe_check, fails_dmarc_p_reject_when_nothing_aligns)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "esp.example.net", "v=spf1 ip4:" SOURCE " -all");
	f->opts.mail_from = "bounce@esp.example.net";
	f->opts.header_from = "news@example.com";
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PASS);
	cr_assert_not(f->r.align.spf_relaxed);
	assert_cause(f, PROBE_CHECK_C_DMARC_POLICY, PROBE_CHECK_FAIL,
	    "DKIM d=example.com");
	fx_end(f);
	/* The same with a DKIM key for the From domain passes. */
	f = fx_new(GOOD_ALL);
	add_txt(f, "esp.example.net", "v=spf1 ip4:" SOURCE " -all");
	f->opts.mail_from = "bounce@esp.example.net";
	f->opts.header_from = "news@example.com";
	run(f, PROBE_CHECK_PASS);
	cr_assert(f->r.align.dkim_passes);
	fx_end(f);
}

Test(probe_check, respects_strict_spf_alignment_and_p_none)
{
	struct fx	*f = fx_new(GOOD_PTR);

	add_txt(f, "bounce.example.com", "v=spf1 ip4:" SOURCE " -all");
	add_txt(f, "_dmarc.example.com", "v=DMARC1; p=reject; aspf=s");
	f->opts.mail_from = "x@bounce.example.com";
	f->opts.header_from = "news@example.com";
	run(f, PROBE_CHECK_FAIL);
	cr_assert(f->r.align.spf_relaxed);
	cr_assert_not(f->r.align.spf_strict);
	cr_assert_not(f->r.align.spf_passes);
	fx_end(f);
	f = fx_new(GOOD_PTR);
	add_txt(f, "esp.example.net", "v=spf1 ip4:" SOURCE " -all");
	add_txt(f, "_dmarc.example.com", "v=DMARC1; p=none");
	f->opts.mail_from = "x@esp.example.net";
	f->opts.header_from = "news@example.com";
	run(f, PROBE_CHECK_WARN);
	assert_cause(f, PROBE_CHECK_C_DMARC_NOT_ALIGNED, PROBE_CHECK_WARN,
	    "envelope sender");
	fx_end(f);
}

/* ---- hostile records ---- */

Test(probe_check, ends_an_include_of_itself_as_permerror, .timeout = 10)
{
	struct fx	*f = fx_new(GOOD_DMARC | GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 include:example.com -all");
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PERMERROR);
	cr_assert_not_null(strstr(f->r.spf.reason, "loop"), "%s",
	    f->r.spf.reason);
	assert_cause(f, PROBE_CHECK_C_NOT_AUTHENTICATED, PROBE_CHECK_FAIL,
	    "repair the SPF record");
	fx_end(f);
}

Test(probe_check, survives_huge_records_everywhere, .timeout = 10)
{
	struct fx	*f = fx_new(GOOD_PTR);
	size_t		 n = PROBE_DNS_TEXT_MAX - 64;
	char		*big = malloc(n + 1);

	cr_assert_not_null(big);
	memset(big, 'a', n);
	memcpy(big, "v=spf1 ", 7);
	big[n] = '\0';
	add_txt(f, "example.com", big);
	memcpy(big, "v=DMARC1; p=reject; rua=mailto:", 31);
	add_txt(f, "_dmarc.example.com", big);
	memcpy(big, "v=DKIM1; p=", 11);
	add_txt(f, "s1._domainkey.example.com", big);
	f->opts.dkim_selector = "s1";
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PERMERROR);
	cr_assert(f->r.dmarc.is_text_cut);
	cr_assert_eq(f->r.dkim.level, PROBE_DKIM_BAD);
	free(big);
	fx_end(f);
}

Test(probe_check, turns_malformed_records_into_reasons)
{
	struct fx	*f = fx_new(GOOD_PTR);

	add_txt(f, "example.com", "v=spf1 ip4:999.0.0.1 -all");
	add_txt(f, "_dmarc.example.com", "v=DMARC1; p=whatever");
	add_txt(f, "s1._domainkey.example.com", "v=DKIM1; k=rsa; p=%%%");
	f->opts.dkim_selector = "s1";
	run(f, PROBE_CHECK_FAIL);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_PERMERROR);
	cr_assert_eq(f->r.dmarc.status, PROBE_DMARC_INVALID);
	cr_assert_not_null(strstr(f->r.dmarc.reason, "p="));
	cr_assert_not_null(strstr(f->r.dkim.reason, "base64"));
	fx_end(f);
}

Test(probe_check, warns_when_every_lookup_times_out, .timeout = 10)
{
	struct fx	*f = fx_new(0);

	cr_assert_eq(zone_dns_add_timeout(&f->zone, "example.com"), 0);
	cr_assert_eq(zone_dns_add_timeout(&f->zone, "_dmarc.example.com"), 0);
	cr_assert_eq(zone_dns_add_timeout(&f->zone, REVERSE), 0);
	run(f, PROBE_CHECK_WARN);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_TEMPERROR);
	cr_assert_eq(f->r.dmarc.status, PROBE_DMARC_TEMPERROR);
	cr_assert_eq(f->r.ptr.status, PROBE_PTR_TEMPERROR);
	assert_cause(f, PROBE_CHECK_C_AUTH_TEMPERROR, PROBE_CHECK_WARN,
	    "DNS servers");
	assert_cause(f, PROBE_CHECK_C_PTR_TEMPERROR, PROBE_CHECK_WARN,
	    "reverse zone");
	fx_end(f);
}

/*
 * A lookup that was never sent (the time for all had run out) hides the
 * answer too, but the sender's DNS did nothing wrong: the fix says to
 * give the check time, not to make the sender's servers answer.
 */
Test(probe_check, never_blames_the_sender_for_a_lookup_not_sent)
{
	struct fx	*f = fx_new(0);

	cr_assert_eq(zone_dns_add_unasked(&f->zone, "example.com"), 0);
	cr_assert_eq(zone_dns_add_unasked(&f->zone, REVERSE), 0);
	run(f, PROBE_CHECK_WARN);
	cr_assert_eq(f->r.spf.res, PROBE_SPF_TEMPERROR);
	cr_assert(f->r.spf.is_unasked);
	assert_cause(f, PROBE_CHECK_C_AUTH_TEMPERROR, PROBE_CHECK_WARN,
	    "--timeout");
	fx_end(f);
}

Test(probe_check, refuses_unusable_inputs)
{
	struct fx	*f = fx_new(0);

	f->opts.source = "not-an-ip";
	cr_assert_eq(probe_check_run(&f->dns, &f->opts, &f->r, f->err,
	    sizeof(f->err)), PROBE_CHECK_E_USAGE);
	f->opts.source = SOURCE;
	f->opts.mail_from = "probe@";
	cr_assert_eq(probe_check_run(&f->dns, &f->opts, &f->r, f->err,
	    sizeof(f->err)), PROBE_CHECK_E_USAGE);
	f->opts.mail_from = "probe@example.com";
	f->opts.dkim_selector = "bad selector";
	cr_assert_eq(probe_check_run(&f->dns, &f->opts, &f->r, f->err,
	    sizeof(f->err)), PROBE_CHECK_E_USAGE);
	fx_end(f);
}

/* ---- rendering ---- */

static char *
render(const struct fx *f, bool json)
{
	struct mem_out	 o;
	char		*copy;

	memset(&o, 0, sizeof(o));
	cr_assert_not_null(mem_out_open(&o));
	if (json)
		probe_check_report_json(o.fp, &f->r, NULL,
		    probe_verdict_check_level((int)f->r.predicted.level));
	else
		probe_check_report_text(o.fp, &f->r);
	(void)mem_out_close(&o);
	copy = strdup(o.data);
	cr_assert_not_null(copy);
	cr_assert_eq(strlen(copy), o.len, "a NUL byte in the output");
	mem_out_free(&o);
	return copy;
}

static void
assert_json(const struct fx *f)
{
	char	*doc = render(f, true), err[JSON_CHECK_ERR_MAX];

	cr_assert(json_check(doc, strlen(doc), err, sizeof(err)), "%s\n%s",
	    err, doc);
	free(doc);
}

Test(probe_check, escapes_dns_bytes_in_text_and_keeps_json_valid)
{
	struct fx	*f = fx_new(GOOD_PTR | GOOD_DKIM);
	char		*text;
	size_t		 i;

	add_txt(f, "example.com", "\"v=spf1 \x1b[31mred\x07 \xff\xfe -all\"");
	add_txt(f, "example.com.example.com", "v=spf1 \x1b]0;title\x07");
	add_txt(f, "_dmarc.example.com", "v=DMARC1; p=reject; rua=\x1b[2J");
	run(f, PROBE_CHECK_WARN);
	text = render(f, false);
	for (i = 0; text[i] != '\0'; i++)
		cr_assert(text[i] == '\n' || (text[i] >= ' ' && text[i] <= '~'),
		    "raw byte 0x%02x at %zu", (unsigned char)text[i], i);
	cr_assert_not_null(strstr(text, "\\x1b[31mred"));
	cr_assert_not_null(strstr(text, "Predicted Gmail verdict: warn"));
	free(text);
	assert_json(f);
	fx_end(f);
}

Test(probe_check, renders_valid_json_for_passing_and_failing_paths)
{
	struct fx	*f = fx_new(GOOD_ALL);
	char		*doc;

	f->opts.helo = "mail.example.com";
	run(f, PROBE_CHECK_PASS);
	assert_json(f);
	doc = render(f, true);
	cr_assert_not_null(strstr(doc, "\"predicted\":{\"verdict\":\"pass\""));
	cr_assert_not_null(strstr(doc, "\"mistakes\":[]"));
	free(doc);
	fx_end(f);
	f = fx_new(0);
	add_txt(f, "example.com", "v=spf1 ~all");
	add_txt(f, "example.com", "v=spf1 -all");
	run(f, PROBE_CHECK_FAIL);
	assert_json(f);
	doc = render(f, true);
	cr_assert_not_null(strstr(doc, "\"id\":\"spf_multiple_records\""));
	cr_assert_not_null(strstr(doc, "\"dkim\":null"));
	free(doc);
	fx_end(f);
}
