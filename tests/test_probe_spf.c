/*
 * test_probe_spf - the SPF evaluator through the in-memory resolver
 * (tests/support/zone_dns.h): no network, no DNS server.
 *
 * The RFC 7208 test suite (openspf.org, release 2014.04 with the 2019
 * additions; BSD licensed) is read from ../shared/testdata/spf, next to
 * the repository, and never copied into it; without it the test is
 * skipped with a message. Its driver follows pyspf's testspf.py: a
 * name's SPF-type records are published as TXT too unless the name
 * lists TXT records of its own ("TXT: NONE" lists none), since RFC 7208
 * evaluates TXT only; TIMEOUT is a zone_dns marker; a test's
 * "explanation" is checked against ours with "DEFAULT" as the default.
 * The suite reads libyaml directly: probe_yaml takes one flat document
 * per file, and the suite is sixteen nested ones.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "probe/dns/probe_dns.h"
#include "probe/auth/probe_spf.h"
#include "smtp/smtp_num.h"
#include "tests/support/zone_dns.h"

#define SUITE_PATH	SRCDIR "/../shared/testdata/spf/rfc7208-tests.yml"
/* Room to name every failing case of the suite, with its details. */
#define SUITE_FAILS_MAX	32768
/* The suite's records have at most two character-strings. */
#define SUITE_STRINGS_MAX	16
#define TEST_ERR_MAX	256
/* Our own hostile records. */
#define HUGE_RECORD_MAX	(PROBE_DNS_TEXT_MAX + 8192)
#define HUGE_TERM_MAX	32

/*
 * Cases whose result we do not hold to the suite's, each with the
 * reason; the README lists them. The list is empty: every case passes.
 */
static const struct suite_exception {
	const char	*name;
	const char	*why;
} suite_exceptions[] = {
	{ NULL, NULL },
};

struct suite_tally {
	size_t	ncases;
	size_t	npassed;
	size_t	nexcepted;
	char	fails[SUITE_FAILS_MAX];
	size_t	len;
};

struct spf_fixture {
	struct zone_dns		zone;
	struct probe_dns	dns;
	struct probe_spf_query	q;
	struct probe_spf_result	out;
	char			err[TEST_ERR_MAX];
};

static void	tally_fail(struct suite_tally *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The suite's document as libyaml holds it. */

static yaml_node_t *
ynode(yaml_document_t *doc, int index)
{
	return yaml_document_get_node(doc, index);
}

/* A scalar's bytes and length (NUL bytes kept), or NULL. */
static const char *
yscalar(const yaml_node_t *n, size_t *len)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (len != NULL)
		*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

static bool
yis(const yaml_node_t *n, const char *text)
{
	size_t		 len;
	const char	*s = yscalar(n, &len);

	return s != NULL && len == strlen(text) && memcmp(s, text, len) == 0;
}

/* The value of key in mapping map, or NULL. */
static yaml_node_t *
yget(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	    p++)
		if (yis(ynode(doc, p->key), key))
			return ynode(doc, p->value);
	return NULL;
}

/* Appends to the list of failing cases; a full list keeps its start. */
static void
tally_fail(struct suite_tally *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (t->len + 1 >= sizeof(t->fails))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->fails + t->len, sizeof(t->fails) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < sizeof(t->fails) - t->len ? (size_t)n :
		    sizeof(t->fails) - t->len - 1;
}

/* Zone data: {TYPE: value} items and TIMEOUT, per name. */

/* A TXT (or SPF) value: a string, a list of strings, or NONE. */
static const char *
zone_load_txt(struct zone_dns *z, const char *name, yaml_document_t *doc,
    yaml_node_t *v)
{
	const char	*s[SUITE_STRINGS_MAX];
	size_t		 len[SUITE_STRINGS_MAX], n = 0;
	yaml_node_item_t *it;

	if (yis(v, "NONE"))
		return NULL;
	if (v->type == YAML_SCALAR_NODE) {
		s[0] = yscalar(v, &len[0]);
		n = 1;
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			if (n == SUITE_STRINGS_MAX)
				return "too many strings in a TXT record";
			s[n] = yscalar(ynode(doc, *it), &len[n]);
			if (s[n++] == NULL)
				return "a TXT string is not a scalar";
		}
	} else
		return "a TXT value is neither a string nor a list";
	return zone_dns_add_txt_strings(z, name, s, len, n) == 0 ? NULL :
	    "zone_dns_add_txt_strings failed";
}

/* One {TYPE: value} item of name. */
static const char *
zone_load_item(struct zone_dns *z, const char *name, yaml_document_t *doc,
    const char *type, yaml_node_t *v)
{
	yaml_node_t	*pref, *host;
	const char	*text = yscalar(v, NULL), *ptext;
	size_t		 plen;
	uint64_t	 pnum;
	int		 rc = -1;

	if (strcmp(type, "TXT") == 0)
		return zone_load_txt(z, name, doc, v);
	if (strcmp(type, "SPF") == 0)
		return NULL;	/* the caller may publish it as TXT */
	if (strcmp(type, "MX") == 0) {
		if (v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top -
		    v->data.sequence.items.start != 2)
			return "an MX value is not [pref, host]";
		pref = ynode(doc, v->data.sequence.items.start[0]);
		host = ynode(doc, v->data.sequence.items.start[1]);
		ptext = yscalar(pref, &plen);
		if (ptext == NULL || yscalar(host, NULL) == NULL ||
		    !smtp_num_parse(ptext, plen, 0, UINT16_MAX, &pnum))
			return "an MX value is not [pref, host]";
		rc = zone_dns_add_mx(z, name, (unsigned)pnum,
		    yscalar(host, NULL));
	} else if (text == NULL)
		return "a record value is not a scalar";
	else if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0)
		rc = zone_dns_add_addr(z, name, text);
	else if (strcmp(type, "PTR") == 0)
		rc = zone_dns_add_ptr(z, name, text);
	else if (strcmp(type, "CNAME") == 0)
		rc = zone_dns_add_cname(z, name, text);
	else
		return "unknown record type";
	return rc == 0 ? NULL : "the zone refused a record";
}

/* The single {TYPE: value} pair of an item, or NULL. */
static yaml_node_pair_t *
zone_item_pair(yaml_node_t *item)
{
	if (item == NULL || item->type != YAML_MAPPING_NODE ||
	    item->data.mapping.pairs.top - item->data.mapping.pairs.start != 1)
		return NULL;
	return item->data.mapping.pairs.start;
}

/*
 * pyspf's getrdata(): SPF-type records become TXT records, after the
 * name's other entries, unless the name lists TXT of its own.
 */
static const char *
zone_load_spf_as_txt(struct zone_dns *z, const char *name,
    yaml_document_t *doc, yaml_node_t *items)
{
	yaml_node_item_t	*it;
	yaml_node_pair_t	*p;
	const char		*problem = NULL;

	for (it = items->data.sequence.items.start;
	    it < items->data.sequence.items.top; it++) {
		p = zone_item_pair(ynode(doc, *it));
		if (p != NULL && yis(ynode(doc, p->key), "TXT"))
			return NULL;
	}
	for (it = items->data.sequence.items.start; problem == NULL &&
	    it < items->data.sequence.items.top; it++) {
		p = zone_item_pair(ynode(doc, *it));
		if (p != NULL && yis(ynode(doc, p->key), "SPF"))
			problem = zone_load_txt(z, name, doc,
			    ynode(doc, p->value));
	}
	return problem;
}

static const char *
zone_load_name(struct zone_dns *z, const char *name, yaml_document_t *doc,
    yaml_node_t *items)
{
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	yaml_node_pair_t	*p;
	const char		*problem = NULL;

	if (items->type != YAML_SEQUENCE_NODE)
		return "a name's records are not a list";
	for (it = items->data.sequence.items.start; problem == NULL &&
	    it < items->data.sequence.items.top; it++) {
		item = ynode(doc, *it);
		if (yis(item, "TIMEOUT")) {
			if (zone_dns_add_timeout(z, name) != 0)
				problem = "the zone refused TIMEOUT";
			continue;
		}
		p = zone_item_pair(item);
		if (p == NULL || yscalar(ynode(doc, p->key), NULL) == NULL)
			return "a record is not {TYPE: value}";
		problem = zone_load_item(z, name, doc,
		    yscalar(ynode(doc, p->key), NULL), ynode(doc, p->value));
	}
	return problem != NULL ? problem :
	    zone_load_spf_as_txt(z, name, doc, items);
}

static const char *
zone_load(struct zone_dns *z, yaml_document_t *doc, yaml_node_t *zonedata)
{
	yaml_node_pair_t	*p;
	const char		*name, *problem = NULL;

	if (zonedata == NULL || zonedata->type != YAML_MAPPING_NODE)
		return "no zonedata mapping";
	for (p = zonedata->data.mapping.pairs.start; problem == NULL &&
	    p < zonedata->data.mapping.pairs.top; p++) {
		name = yscalar(ynode(doc, p->key), NULL);
		if (name == NULL)
			return "a zone name is not a scalar";
		problem = zone_load_name(z, name, doc, ynode(doc, p->value));
	}
	return problem;
}

/* Running the cases. */

static const char *
suite_exception(const char *name)
{
	size_t	i;

	for (i = 0; suite_exceptions[i].name != NULL; i++)
		if (strcmp(suite_exceptions[i].name, name) == 0)
			return suite_exceptions[i].why;
	return NULL;
}

/* Is res one of want (a result, or a list of acceptable results)? */
static bool
case_result_ok(yaml_document_t *doc, yaml_node_t *want,
    enum probe_spf_res res)
{
	yaml_node_item_t	*it;

	if (want == NULL)
		return false;
	if (want->type == YAML_SCALAR_NODE)
		return yis(want, probe_spf_res_name(res));
	if (want->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = want->data.sequence.items.start;
	    it < want->data.sequence.items.top; it++)
		if (yis(ynode(doc, *it), probe_spf_res_name(res)))
			return true;
	return false;
}

/* One case; a failure goes into the tally with what we got and why. */
static void
case_run(struct suite_tally *t, const struct probe_dns *dns,
    yaml_document_t *doc, const char *name, yaml_node_t *c)
{
	struct probe_spf_query	 q;
	struct probe_spf_result	*out;
	yaml_node_t		*want = yget(doc, c, "result");
	yaml_node_t		*exp = yget(doc, c, "explanation");
	char			 err[TEST_ERR_MAX] = "";
	bool			 is_ok;

	out = calloc(1, sizeof(*out));
	cr_assert_not_null(out);
	memset(&q, 0, sizeof(q));
	q.ip = yscalar(yget(doc, c, "host"), NULL);
	q.helo = yscalar(yget(doc, c, "helo"), NULL);
	q.default_exp = "DEFAULT";
	t->ncases++;
	is_ok = q.ip != NULL && q.helo != NULL &&
	    probe_spf_check_mailfrom(dns, &q, yscalar(yget(doc, c,
	    "mailfrom"), NULL), out, err, sizeof(err)) == PROBE_SPF_OK &&
	    case_result_ok(doc, want, out->res) && (exp == NULL ||
	    yis(exp, out->explanation));
	if (is_ok)
		t->npassed++;
	else if (suite_exception(name) != NULL)
		t->nexcepted++;
	else
		tally_fail(t, "\n  %s: got %s (%s) explanation \"%s\"%s%s",
		    name, probe_spf_res_name(out->res), out->reason,
		    out->explanation, err[0] != '\0' ? "; error: " : "", err);
	free(out);
}

static void
doc_run(struct suite_tally *t, yaml_document_t *doc, yaml_node_t *root)
{
	struct zone_dns		 zone;
	struct probe_dns	 dns;
	yaml_node_t		*tests = yget(doc, root, "tests");
	yaml_node_pair_t	*p;
	const char		*problem, *name;

	zone_dns_init(&zone);
	zone_dns_bind(&zone, &dns);
	problem = zone_load(&zone, doc, yget(doc, root, "zonedata"));
	cr_assert_null(problem, "suite document \"%s\": %s",
	    yscalar(yget(doc, root, "description"), NULL), problem);
	cr_assert(tests != NULL && tests->type == YAML_MAPPING_NODE);
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++) {
		name = yscalar(ynode(doc, p->key), NULL);
		cr_assert_not_null(name);
		case_run(t, &dns, doc, name, ynode(doc, p->value));
	}
	zone_dns_free(&zone);
}

Test(probe_spf, passes_the_rfc7208_test_suite)
{
	struct suite_tally	*t;
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	FILE			*f = fopen(SUITE_PATH, "rb");

	if (f == NULL)
		cr_skip_test("the RFC 7208 test suite is not at %s; get "
		    "rfc7208-tests.yml from the openspf test suite to run it",
		    SUITE_PATH);
	t = calloc(1, sizeof(*t));
	cr_assert_not_null(t);
	cr_assert(yaml_parser_initialize(&parser));
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		cr_assert(yaml_parser_load(&parser, &doc), "%s: %s at line "
		    "%zu", SUITE_PATH, parser.problem != NULL ?
		    parser.problem : "?", parser.problem_mark.line + 1);
		root = yaml_document_get_root_node(&doc);
		if (root != NULL)
			doc_run(t, &doc, root);
		yaml_document_delete(&doc);
		if (root == NULL)
			break;
	}
	yaml_parser_delete(&parser);
	cr_assert_eq(fclose(f), 0);
	cr_log_info("RFC 7208 suite: %zu of %zu cases pass, %zu excepted",
	    t->npassed, t->ncases, t->nexcepted);
	cr_assert_gt(t->ncases, 0, "no cases in %s", SUITE_PATH);
	cr_assert_eq(t->npassed + t->nexcepted, t->ncases,
	    "%zu of %zu RFC 7208 cases fail:%s", t->ncases - t->npassed -
	    t->nexcepted, t->ncases, t->fails);
	free(t);
}

/* Our own cases. */

static struct spf_fixture *
fixture_new(void)
{
	struct spf_fixture	*f = calloc(1, sizeof(*f));

	cr_assert_not_null(f);
	zone_dns_init(&f->zone);
	zone_dns_bind(&f->zone, &f->dns);
	f->q.helo = "mail.example.org";
	f->q.now = 1700000000;
	return f;
}

static void
fixture_free(struct spf_fixture *f)
{
	zone_dns_free(&f->zone);
	free(f);
}

static void
txt(struct spf_fixture *f, const char *name, const char *text)
{
	cr_assert_eq(zone_dns_add_txt(&f->zone, name, text), 0, "%s", name);
}

static void
addr(struct spf_fixture *f, const char *name, const char *ip)
{
	cr_assert_eq(zone_dns_add_addr(&f->zone, name, ip), 0, "%s", ip);
}

/* check_host() for mailfrom from ip, which must not fail as a call. */
static void
check(struct spf_fixture *f, const char *ip, const char *mailfrom)
{
	f->q.ip = ip;
	cr_assert_eq(probe_spf_check_mailfrom(&f->dns, &f->q, mailfrom,
	    &f->out, f->err, sizeof(f->err)), PROBE_SPF_OK, "%s", f->err);
}

static void
assert_res(const struct spf_fixture *f, enum probe_spf_res want)
{
	cr_assert_eq(f->out.res, want, "got %s, want %s: %s",
	    probe_spf_res_name(f->out.res), probe_spf_res_name(want),
	    f->out.reason);
}

static void
assert_reason_has(const struct spf_fixture *f, const char *words)
{
	cr_assert_not_null(strstr(f->out.reason, words),
	    "reason \"%s\" lacks \"%s\"", f->out.reason, words);
}

/* "v=spf1 ip4:10.0.0.0 ip4:10.0.0.1 ... -all" of at least size bytes. */
static char *
huge_record(size_t size, size_t *nterms, char *last, size_t lastlen)
{
	char	*rec = malloc(size + HUGE_TERM_MAX);
	size_t	 len = strlen("v=spf1"), n = 0;
	int	 w;

	cr_assert_not_null(rec);
	memcpy(rec, "v=spf1", len + 1);
	while (len < size) {
		w = snprintf(rec + len, HUGE_TERM_MAX, " ip4:10.%zu.%zu.%zu",
		    n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff);
		cr_assert(w > 0 && w < HUGE_TERM_MAX);
		cr_assert_lt((size_t)snprintf(last, lastlen, "%s",
		    rec + len + 1), lastlen);
		len += (size_t)w;
		n++;
	}
	cr_assert_lt(len + strlen(" -all"), size + HUGE_TERM_MAX);
	memcpy(rec + len, " -all", sizeof(" -all"));
	*nterms = n;
	return rec;
}

Test(probe_spf, evaluates_a_record_of_sixty_kilobytes)
{
	struct spf_fixture	*f = fixture_new();
	char			 last[HUGE_TERM_MAX];
	char			*rec;
	size_t			 nterms;

	rec = huge_record(60 * 1024, &nterms, last, sizeof(last));
	cr_assert_gt(nterms, 3000);
	txt(f, "huge.example", rec);
	check(f, "192.0.2.1", "a@huge.example");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_str_eq(f->out.mechanism, "-all");
	cr_assert_eq(f->out.lookups, 0);
	/* The record and the match: address terms are not traced. */
	cr_assert_eq(f->out.ntrace, 2);
	cr_assert(f->out.is_record_cut);
	/* ip4:10.x.y.z: the last term before -all matches the last /32. */
	check(f, last + strlen("ip4:"), "a@huge.example");
	assert_res(f, PROBE_SPF_PASS);
	cr_assert_str_eq(f->out.mechanism, last);
	free(rec);
	fixture_free(f);
}

Test(probe_spf, refuses_a_txt_answer_larger_than_a_dns_message)
{
	struct spf_fixture	*f = fixture_new();
	char			 last[HUGE_TERM_MAX];
	char			*rec;
	size_t			 nterms;

	rec = huge_record(PROBE_DNS_TEXT_MAX + 1024, &nterms, last,
	    sizeof(last));
	txt(f, "huger.example", rec);
	check(f, "192.0.2.1", "a@huger.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "larger than we accept");
	free(rec);
	fixture_free(f);
}

Test(probe_spf, names_an_include_of_itself_as_an_include_loop)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "loop.example", "v=spf1 include:loop.example -all");
	check(f, "192.0.2.1", "a@loop.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "include loop");
	assert_reason_has(f, "loop.example");
	cr_assert_eq(f->out.lookups, PROBE_SPF_LOOKUP_MAX + 1);
	cr_assert_str_eq(f->out.mechanism, "include:loop.example");
	fixture_free(f);
}

Test(probe_spf, names_a_loop_through_two_domains_and_a_redirect)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "a.example", "v=spf1 ip4:198.51.100.1 include:b.example");
	txt(f, "b.example", "v=spf1 redirect=a.example");
	check(f, "192.0.2.1", "a@a.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "include loop: a.example");
	cr_assert_eq(f->out.lookups, PROBE_SPF_LOOKUP_MAX + 1);
	fixture_free(f);
}

/* "v=spf1 a:host.example ... (n times) -all". */
static void
many_a_terms(struct spf_fixture *f, const char *name, size_t n)
{
	char	rec[1024] = "v=spf1";
	size_t	i, len = strlen(rec);

	for (i = 0; i < n; i++) {
		cr_assert_lt(len + sizeof(" a:host.example"), sizeof(rec));
		memcpy(rec + len, " a:host.example", sizeof(" a:host.example"));
		len += strlen(" a:host.example");
	}
	cr_assert_lt(len + sizeof(" -all"), sizeof(rec));
	memcpy(rec + len, " -all", sizeof(" -all"));
	txt(f, name, rec);
}

Test(probe_spf, allows_ten_lookups_and_refuses_the_eleventh)
{
	struct spf_fixture	*f = fixture_new();

	addr(f, "host.example", "198.51.100.1");
	many_a_terms(f, "ten.example", PROBE_SPF_LOOKUP_MAX);
	many_a_terms(f, "eleven.example", PROBE_SPF_LOOKUP_MAX + 1);
	check(f, "192.0.2.1", "a@ten.example");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_eq(f->out.lookups, PROBE_SPF_LOOKUP_MAX);
	check(f, "192.0.2.1", "a@eleven.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "more than 10 DNS-querying terms");
	assert_reason_has(f, "is number 11");
	cr_assert_str_eq(f->out.mechanism, "a:host.example");
	cr_assert_eq(f->out.lookups, PROBE_SPF_LOOKUP_MAX + 1);
	fixture_free(f);
}

Test(probe_spf, allows_two_void_lookups_and_refuses_the_third)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "two.example", "v=spf1 a:nx1.example mx:nx2.example -all");
	txt(f, "three.example",
	    "v=spf1 a:nx1.example mx:nx2.example exists:nx3.example -all");
	check(f, "192.0.2.1", "a@two.example");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_eq(f->out.void_lookups, PROBE_SPF_VOID_MAX);
	check(f, "192.0.2.1", "a@three.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "more than 2 void lookups");
	cr_assert_str_eq(f->out.mechanism, "exists:nx3.example");
	cr_assert_eq(f->out.void_lookups, PROBE_SPF_VOID_MAX + 1);
	fixture_free(f);
}

Test(probe_spf, gives_temperror_when_a_lookup_times_out)
{
	struct spf_fixture	*f = fixture_new();

	cr_assert_eq(zone_dns_add_timeout(&f->zone, "slow.example"), 0);
	txt(f, "uses-slow.example", "v=spf1 ip4:198.51.100.1 a:slow.example "
	    "-all");
	check(f, "192.0.2.1", "a@slow.example");
	assert_res(f, PROBE_SPF_TEMPERROR);
	assert_reason_has(f, "slow.example");
	check(f, "192.0.2.1", "a@uses-slow.example");
	assert_res(f, PROBE_SPF_TEMPERROR);
	cr_assert_str_eq(f->out.mechanism, "a:slow.example");
	assert_reason_has(f, "timeout");
	fixture_free(f);
}

Test(probe_spf, gives_permerror_for_two_spf_records)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "two-records.example", "v=spf1 -all");
	txt(f, "two-records.example", "google-site-verification=abc");
	txt(f, "two-records.example", "v=spf1 ip4:192.0.2.1 -all");
	check(f, "192.0.2.1", "a@two-records.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "publishes 2 SPF records");
	fixture_free(f);
}

Test(probe_spf, names_the_stray_quote_of_a_quoted_record)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "quoted.example", "\"v=spf1 ip4:192.0.2.1 -all\"");
	txt(f, "tail-quote.example", "v=spf1 ip4:192.0.2.1 -all\"");
	check(f, "192.0.2.1", "a@quoted.example");
	assert_res(f, PROBE_SPF_NONE);
	assert_reason_has(f, "stray quote");
	check(f, "192.0.2.1", "a@tail-quote.example");
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "stray quote");
	cr_assert_str_eq(f->out.mechanism, "-all\"");
	fixture_free(f);
}

Test(probe_spf, credits_a_matching_include_with_the_decision)
{
	struct spf_fixture	*f = fixture_new();
	size_t			 i;
	bool			 has_inner = false;

	txt(f, "example.com", "v=spf1 include:_spf.example.net ~all");
	txt(f, "_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
	check(f, "192.0.2.77", "user@example.com");
	assert_res(f, PROBE_SPF_PASS);
	cr_assert_str_eq(f->out.mechanism, "include:_spf.example.net");
	cr_assert_str_eq(f->out.domain, "example.com");
	cr_assert_str_eq(f->out.checked, "example.com");
	cr_assert_str_eq(f->out.record, "v=spf1 include:_spf.example.net "
	    "~all");
	cr_assert_eq(f->out.lookups, 1);
	for (i = 0; i < f->out.ntrace; i++)
		if (f->out.trace[i].depth == 1 && strstr(f->out.trace[i].text,
		    "ip4:192.0.2.0/24") != NULL)
			has_inner = true;
	cr_assert(has_inner, "the trace lacks the included match");
	check(f, "198.51.100.1", "user@example.com");
	assert_res(f, PROBE_SPF_SOFTFAIL);
	cr_assert_str_eq(f->out.mechanism, "~all");
	fixture_free(f);
}

Test(probe_spf, explains_a_fail_with_the_exp_macros)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "example.com", "v=spf1 -all exp=why.%{d}");
	txt(f, "why.example.com", "%{c} (%{i}, %{ir}.%{v}.arpa) may not "
	    "send as %{l} of %{o} for %{d2} via %{r} at %{t}; %{H}");
	f->q.receiver = "mx.receiver.example";
	f->q.helo = "a b";
	check(f, "2001:db8::1", "user@example.com");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_str_eq(f->out.explanation, "2001:db8::1 "
	    "(2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1, "
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2."
	    "ip6.arpa) may not send as user of example.com for example.com "
	    "via mx.receiver.example at 1700000000; a%20b");
	fixture_free(f);
}

Test(probe_spf, gives_the_default_explanation_without_exp)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "example.com", "v=spf1 -all");
	f->q.default_exp = "see https://example.org/spf";
	check(f, "192.0.2.1", "user@example.com");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_str_eq(f->out.explanation, "see https://example.org/spf");
	fixture_free(f);
}

Test(probe_spf, treats_an_ipv4_mapped_address_as_ipv4)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "example.com", "v=spf1 ip6:::ffff:0:0/96 exists:%{i}.%{v}.x."
	    "example.com -all");
	addr(f, "192.0.2.1.in-addr.x.example.com", "127.0.0.2");
	check(f, "::ffff:192.0.2.1", "user@example.com");
	assert_res(f, PROBE_SPF_PASS);
	cr_assert_str_eq(f->out.mechanism,
	    "exists:%{i}.%{v}.x.example.com");
	fixture_free(f);
}

Test(probe_spf, checks_the_helo_identity)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "mail.example.org", "v=spf1 exists:%{l}.%{h}.x.example.com "
	    "-all");
	addr(f, "postmaster.mail.example.org.x.example.com", "127.0.0.2");
	f->q.ip = "192.0.2.1";
	cr_assert_eq(probe_spf_check_helo(&f->dns, &f->q, &f->out, f->err,
	    sizeof(f->err)), PROBE_SPF_OK, "%s", f->err);
	assert_res(f, PROBE_SPF_PASS);
	cr_assert_str_eq(f->out.checked, "mail.example.org");
	/* The null reverse-path is the HELO identity too (RFC 7208 2.4). */
	check(f, "192.0.2.1", "");
	assert_res(f, PROBE_SPF_PASS);
	fixture_free(f);
}

Test(probe_spf, expands_oversized_macros_to_a_253_character_name)
{
	struct spf_fixture	*f = fixture_new();
	char			 sender[PROBE_SPF_INPUT_MAX];

	memset(sender, 'x', 200);
	memcpy(sender + 200, "@example.com", sizeof("@example.com"));
	txt(f, "example.com", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.%{l}"
	    ".%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}."
	    "%{l1}.%{L}.%{l0r}.%{s}.%{d}.%{d4}.%{d2r}.%{ir}.%{p}.%{h} -all");
	check(f, "192.0.2.1", sender);
	assert_res(f, PROBE_SPF_PERMERROR);
	assert_reason_has(f, "digit transformer");
	txt(f, "long.example.com", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}."
	    "%{l}.%{l}.%{s}.%{s}.%{s}.%{s}.%{s}.%{d}.%{d4}.%{d2r}.%{ir}."
	    "%{p}.%{h}.%{l1r-} -all");
	memcpy(sender + 200, "@long.example.com", sizeof("@long.example.com"));
	check(f, "192.0.2.1", sender);
	/* The label of 200 x's is too long for DNS: no match, then -all. */
	assert_res(f, PROBE_SPF_FAIL);
	fixture_free(f);
}

Test(probe_spf, looks_p_up_once_however_often_an_explanation_uses_it)
{
	struct spf_fixture	*f = fixture_new();
	char			 text[4096] = "";
	size_t			 i;

	for (i = 0; i < 500; i++)
		memcpy(text + 4 * i, "%{p}", 5);
	txt(f, "example.com", "v=spf1 -all exp=why.example.com");
	txt(f, "why.example.com", text);
	cr_assert_eq(zone_dns_add_ptr(&f->zone, "1.2.0.192.in-addr.arpa",
	    "host.example.com"), 0);
	addr(f, "host.example.com", "192.0.2.1");
	check(f, "192.0.2.1", "user@example.com");
	assert_res(f, PROBE_SPF_FAIL);
	cr_assert_eq(strncmp(f->out.explanation, "host.example.com"
	    "host.example.com", 32), 0, "%s", f->out.explanation);
	cr_assert_eq(strlen(f->out.explanation), PROBE_SPF_EXP_MAX - 1);
	/* TXT, exp TXT, one PTR and one A for %{p}. */
	cr_assert_eq(f->out.queries, 4);
	cr_assert_eq(f->zone.queries, 4);
	fixture_free(f);
}

Test(probe_spf, refuses_unusable_queries_as_usage_errors)
{
	struct spf_fixture	*f = fixture_new();
	struct probe_dns	 none = { NULL, NULL };
	char			 big[PROBE_SPF_INPUT_MAX + 2];

	f->q.ip = "192.0.2.300";
	cr_assert_eq(probe_spf_check_mailfrom(&f->dns, &f->q, "a@b.example",
	    &f->out, f->err, sizeof(f->err)), PROBE_SPF_E_USAGE);
	cr_assert_not_null(strstr(f->err, "not an IP address"), "%s", f->err);
	f->q.ip = "192.0.2.1";
	cr_assert_eq(probe_spf_check_mailfrom(&none, &f->q, "a@b.example",
	    &f->out, f->err, sizeof(f->err)), PROBE_SPF_E_USAGE);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(probe_spf_check_mailfrom(&f->dns, &f->q, big, &f->out,
	    f->err, sizeof(f->err)), PROBE_SPF_E_USAGE);
	f->q.helo = NULL;
	cr_assert_eq(probe_spf_check_helo(&f->dns, &f->q, &f->out, f->err,
	    sizeof(f->err)), PROBE_SPF_E_USAGE);
	fixture_free(f);
}

Test(probe_spf, finds_no_record_for_a_domain_longer_than_253_characters)
{
	struct spf_fixture	*f = fixture_new();
	char			 domain[300], cut[254];
	size_t			 i;

	for (i = 0; i + 4 < 270; i += 4)
		memcpy(domain + i, "abc.", 4);
	memcpy(domain + i, "com", sizeof("com"));
	/* The first 253 characters would make a name with a record. */
	memcpy(cut, domain, 253);
	cut[253] = '\0';
	txt(f, cut, "v=spf1 +all");
	f->q.ip = "192.0.2.1";
	f->q.domain = domain;
	f->q.sender = domain;
	cr_assert_eq(probe_spf_check_host(&f->dns, &f->q, &f->out, f->err,
	    sizeof(f->err)), PROBE_SPF_OK, "%s", f->err);
	assert_res(f, PROBE_SPF_NONE);
	assert_reason_has(f, "longer than 253");
	cr_assert_eq(f->out.queries, 0);
	fixture_free(f);
}

Test(probe_spf, includes_a_target_that_a_macro_filled_with_any_byte)
{
	struct spf_fixture	*f = fixture_new();

	txt(f, "example.com", "v=spf1 include:%{l}._spf.%{d} -all");
	txt(f, "a+b=c._spf.example.com", "v=spf1 +all");
	check(f, "192.0.2.1", "a+b=c@example.com");
	assert_res(f, PROBE_SPF_PASS);
	/* The identity itself must be a host name (RFC 5321 4.1.2). */
	check(f, "192.0.2.1", "user@[192.0.2.1]");
	assert_res(f, PROBE_SPF_NONE);
	assert_reason_has(f, "other than letters");
	fixture_free(f);
}

Test(probe_spf, names_every_result_as_rfc_7208_spells_it)
{
	static const char *const want[] = { "none", "neutral", "pass",
	    "fail", "softfail", "temperror", "permerror" };
	size_t			i;

	cr_assert_eq(sizeof(want) / sizeof(want[0]), PROBE_SPF_RES_COUNT);
	for (i = 0; i < PROBE_SPF_RES_COUNT; i++)
		cr_assert_str_eq(probe_spf_res_name((enum probe_spf_res)i),
		    want[i]);
	cr_assert_str_eq(probe_spf_res_name(PROBE_SPF_RES_COUNT), "unknown");
}

Test(probe_spf, survives_malformed_records)
{
	static const char *const bad[] = {
		"v=spf1 %", "v=spf1 a:%", "v=spf1 a:%{", "v=spf1 a:%{d",
		"v=spf1 a:%{d2r.", "v=spf1 exists:%{x}.example.com",
		"v=spf1 ip4:", "v=spf1 ip4:/", "v=spf1 ip6:::/", "v=spf1 a/",
		"v=spf1 a//", "v=spf1 a:/1", "v=spf1 mx:.", "v=spf1 =",
		"v=spf1 -", "v=spf1 redirect", "v=spf1 exp=%{c}.example.com",
		"v=spf1 a:example.com/33", "v=spf1 ip4:1.2.3.4/-1",
		"v=spf1 ip6:1::2/0129",
		"v=spf1 include:%{d99999999999999999999}",
	};
	struct spf_fixture	*f = fixture_new();
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zone_dns_free(&f->zone);
		zone_dns_init(&f->zone);
		txt(f, "bad.example", bad[i]);
		check(f, "192.0.2.1", "a@bad.example");
		cr_assert_eq(f->out.res, PROBE_SPF_PERMERROR, "%s: %s (%s)",
		    bad[i], probe_spf_res_name(f->out.res), f->out.reason);
		assert_reason_has(f, "syntax error");
	}
	fixture_free(f);
}
