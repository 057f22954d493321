/*
 * probe_catalog - loading and validating catalogs.
 * Matching and placeholders are in probe_catalog_match.c (same module).
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/util/probe_datadir.h"
#include "probe/util/probe_yaml.h"
#include "smtp/smtp_num.h"

#define PROBE_CATALOG_ETC	"/etc/smtpprobe/catalogs"

static const char *const probe_catalog_file_keys[] = { "provider",
    "description", "hosts", "markers", "entries", NULL };
static const char *const probe_catalog_entry_keys[] = { "id", "match",
    "verdict", "cause", "summary", "remediation", "see", "examples", NULL };
static const char *const probe_catalog_match_keys[] = { "code",
    "enhanced", "stages", "text", "any", "outcome", "named", NULL };

/* The cause vocabulary (README "Causes"); reports and metrics rely on it. */
static const char *const probe_catalog_causes[] = { "unauthenticated",
    "spf_fail", "dkim_fail", "dmarc_policy", "no_ptr", "tls_required",
    "ip_not_allowlisted", "relay_denied", "auth_failed", "rate_limited",
    "greylisted", "server_busy", "spam_content", "reputation",
    "blocklisted", "no_such_user", "mailbox_disabled", "mailbox_full",
    "message_too_large", "bad_sender", "bad_headers", "too_many_recipients",
    "ipv6_guidelines", "dns_failure", "policy", "network", "tls", "unknown",
    NULL };

/* Outcomes with no reply: JSON error kinds and DNS statuses. */
static const char *const probe_catalog_outcomes[] = { "connect", "timeout",
    "io", "protocol", "limit", "starttls_not_offered", "tls", "tls_verify",
    "nxdomain", "nodata", "null", "servfail", "refused", "dns_timeout",
    "badreply", "noaddr", "tls_on_plain_port", "loopback",
    "smtputf8_not_offered", NULL };

/* Everything one entry's parse needs, to keep argument lists short. */
struct probe_catalog_ctx {
	struct probe_catalog	*c;
	struct probe_yaml_tree	*t;
	const char		*provider;
	char			*file;
	uint64_t		 host_bit;	/* this file's, or 0 */
	char			*markers;	/* "(?:m1)|(?:m2)", or NULL */
	bool			 is_user;
	char			*err;
	size_t			 errlen;
};

static bool
probe_catalog_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

int
probe_catalog_init(struct probe_catalog *c, bool use_jit, char *err,
    size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->use_jit = use_jit;
	c->mctx = pcre2_match_context_create(NULL);
	c->mdata = pcre2_match_data_create(32, NULL);
	if (c->mctx == NULL || c->mdata == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		probe_catalog_free(c);
		return -1;
	}
	/* Bounded work per match: a bad pattern cannot hang a probe. */
	pcre2_set_match_limit(c->mctx, PROBE_CATALOG_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, PROBE_CATALOG_DEPTH_LIMIT);
	return 0;
}

static void
probe_catalog_entry_free(struct probe_catalog_entry *e)
{
	size_t i;

	free(e->id);
	free(e->provider);
	free(e->outcome);
	free(e->cause);
	free(e->summary);
	free(e->see);
	for (i = 0; i < e->npatterns; i++) {
		pcre2_code_free(e->patterns[i]);
		free(e->pattern_text[i]);
	}
	for (i = 0; i < e->nany; i++) {
		pcre2_code_free(e->any[i]);
		free(e->any_text[i]);
	}
	pcre2_code_free(e->any_all);
	pcre2_code_free(e->markers);
	for (i = 0; i < e->nremediation; i++)
		free(e->remediation[i]);
	for (i = 0; i < e->nexamples; i++)
		free(e->examples[i]);
	memset(e, 0, sizeof(*e));
}

void
probe_catalog_free(struct probe_catalog *c)
{
	size_t i;

	for (i = 0; i < c->nentries; i++)
		probe_catalog_entry_free(&c->entries[i]);
	free(c->entries);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	pcre2_match_context_free(c->mctx);
	pcre2_match_data_free(c->mdata);
	memset(c, 0, sizeof(*c));
}

/*
 * YAML reads a plain null, Null, NULL or ~ as null, not as text; libyaml
 * leaves resolving to us, so without this a bare "outcome: null" would
 * load as the word (local.yaml quotes it for that reason).
 */
static bool
probe_catalog_is_null(const yaml_node_t *n)
{
	const char *s = probe_yaml_text(n);

	return s != NULL && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0 || strcmp(s, "~") == 0);
}

/* A required scalar, copied. */
static int
probe_catalog_str(struct probe_catalog_ctx *x, yaml_node_t *map,
    const char *key, bool required, char **out)
{
	yaml_node_t *n = probe_yaml_get(x->t, map, key);
	const char *s = probe_yaml_text(n);

	if (n == NULL && !required)
		return 0;
	if (n == NULL)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "missing \"%s\"", key);
	if (s == NULL || s[0] == '\0')
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"%s\" must be non-empty text", key);
	if (probe_catalog_is_null(n))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"%s\" is YAML null; quote it (\"%s\") to mean the word",
		    key, s);
	*out = strdup(s);
	if (*out == NULL)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "out of memory");
	return 0;
}

/*
 * A list of scalars (or one scalar) into out[]; lines[] gets each item's
 * line when not NULL.
 */
static int
probe_catalog_list(struct probe_catalog_ctx *x, yaml_node_t *n,
    const char *key, char **out, unsigned long *lines, size_t max,
    size_t *count)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;

	*count = 0;
	if (n != NULL && n->type == YAML_SCALAR_NODE) {
		s = probe_yaml_text(n);
		if (s == NULL || (out[0] = strdup(s)) == NULL)
			return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
			    "bad \"%s\"", key);
		if (lines)
			lines[0] = (unsigned long)n->start_mark.line + 1;
		*count = 1;
		return 0;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"%s\" must be a list of text", key);
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		item = probe_yaml_node(x->t, *it);
		s = probe_yaml_text(item);
		if (*count == max)
			return probe_yaml_fail_at(x->t, item, x->err,
			    x->errlen, "\"%s\" has more than %zu items", key,
			    max);
		if (s == NULL || s[0] == '\0')
			return probe_yaml_fail_at(x->t, item, x->err,
			    x->errlen, "items of \"%s\" must be non-empty text",
			    key);
		if ((out[*count] = strdup(s)) == NULL)
			return probe_yaml_fail_at(x->t, item, x->err,
			    x->errlen, "out of memory");
		if (lines)
			lines[*count] = (unsigned long)item->start_mark.line + 1;
		(*count)++;
	}
	return 0;
}

/* "550", "5xx" or "4xx". */
static int
probe_catalog_code(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	const char *s = probe_yaml_text(n);
	uint64_t v;

	if (s != NULL && strlen(s) == 3 && (s[0] == '4' || s[0] == '5') &&
	    strcmp(s + 1, "xx") == 0) {
		e->code_class = s[0] - '0';
		return 0;
	}
	if (s == NULL || !smtp_num_parse(s, strlen(s), 200, 599, &v))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "code must be a reply code (200-599), 4xx or 5xx");
	e->code = (int)v;
	return 0;
}

static int
probe_catalog_enhanced(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	const char *s = probe_yaml_text(n);
	int cls = e->code ? e->code / 100 : e->code_class;

	if (s == NULL || strlen(s) >= sizeof(e->enhanced) ||
	    smtp_reply_parse_enhanced(s, strlen(s), cls * 100,
	    e->enhanced) != strlen(s))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "enhanced must be an RFC 3463 code of the reply's class, "
		    "like %d.7.1", cls ? cls : 5);
	return 0;
}

static int
probe_catalog_stages(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	char *names[SMTP_STAGE_COUNT] = { 0 };
	enum smtp_stage st;
	size_t i, count = 0;
	int rc;

	rc = probe_catalog_list(x, n, "stages", names, NULL, SMTP_STAGE_COUNT,
	    &count);
	for (i = 0; i < count; i++) {
		if (rc == 0 && !smtp_stage_parse(names[i], &st))
			rc = probe_yaml_fail_at(x->t, n, x->err, x->errlen,
			    "unknown stage \"%s\"", names[i]);
		else if (rc == 0)
			e->stages |= 1u << st;
		free(names[i]);
	}
	return rc;
}

/* Compile texts[0..n) into res[]; "what" names the list in errors. */
static int
probe_catalog_compile(struct probe_catalog_ctx *x, yaml_node_t *n,
    const char *what, char **texts, pcre2_code **res, size_t count)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	size_t i;
	int errcode;

	for (i = 0; i < count; i++) {
		res[i] = pcre2_compile((PCRE2_SPTR)texts[i],
		    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &errcode, &off,
		    NULL);
		if (res[i] == NULL) {
			(void)pcre2_get_error_message(errcode, msg,
			    sizeof(msg));
			return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
			    "%s pattern %zu does not compile at offset %zu: %s",
			    what, i + 1, (size_t)off, (const char *)msg);
		}
		/* JIT is an optimisation: without it matching still works. */
		if (x->c->use_jit)
			(void)pcre2_jit_compile(res[i], PCRE2_JIT_COMPLETE);
	}
	return 0;
}

static int
probe_catalog_patterns(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	if (probe_catalog_list(x, n, "text", e->pattern_text, NULL,
	    PROBE_CATALOG_PATTERNS_MAX, &e->npatterns) != 0)
		return -1;
	return probe_catalog_compile(x, n, "text", e->pattern_text,
	    e->patterns, e->npatterns);
}

/*
 * "(?:p1)|(?:p2)|..." of an entry's "any" list, compiled, or NULL when it
 * could mean something else than "one of them matches": a pattern with
 * groups that capture or refer back (numbers would shift), or with a
 * construct that reaches past its own end (\Q without \E, extended-mode
 * comments, start-of-pattern verbs). Without it matching is the same,
 * only slower.
 */
static pcre2_code *
probe_catalog_any_all(const struct probe_catalog_ctx *x,
    const struct probe_catalog_entry *e)
{
	pcre2_code *re;
	PCRE2_SIZE off;
	uint32_t groups, backrefs;
	size_t i, len = 0, o = 0;
	char *all;
	int errcode;

	if (e->nany < 2)
		return NULL;
	for (i = 0; i < e->nany; i++) {
		if (pcre2_pattern_info(e->any[i], PCRE2_INFO_CAPTURECOUNT,
		    &groups) != 0 || groups != 0 ||
		    pcre2_pattern_info(e->any[i], PCRE2_INFO_BACKREFMAX,
		    &backrefs) != 0 || backrefs != 0 ||
		    strstr(e->any_text[i], "\\Q") != NULL ||
		    strstr(e->any_text[i], "(?x") != NULL ||
		    strstr(e->any_text[i], "(*") != NULL)
			return NULL;
		len += strlen(e->any_text[i]) + sizeof("(?:)|") - 1;
	}
	if ((all = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < e->nany; i++)
		o += (size_t)snprintf(all + o, len + 1 - o, "%s(?:%s)",
		    i ? "|" : "", e->any_text[i]);
	re = pcre2_compile((PCRE2_SPTR)all, o, PCRE2_CASELESS, &errcode,
	    &off, NULL);
	free(all);
	if (re != NULL && x->c->use_jit)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int
probe_catalog_any(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	if (probe_catalog_list(x, n, "any", e->any_text, NULL,
	    PROBE_CATALOG_ANY_MAX, &e->nany) != 0)
		return -1;
	if (probe_catalog_compile(x, n, "any", e->any_text, e->any,
	    e->nany) != 0)
		return -1;
	e->any_all = probe_catalog_any_all(x, e);
	return 0;
}

/*
 * "named: true" (only true is meaningful): the entry needs to know the
 * reply is its provider's; the file's markers are compiled for it.
 */
static int
probe_catalog_named(struct probe_catalog_ctx *x, yaml_node_t *n,
    struct probe_catalog_entry *e)
{
	const char *s = probe_yaml_text(n);
	char *texts[1];

	if (s == NULL || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"named\" is true or false");
	e->needs_named = strcmp(s, "true") == 0;
	if (!e->needs_named || x->markers == NULL)
		return 0;
	if (e->is_phrase)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "a phrase belongs to no provider: \"named\" is for "
		    "provider entries");
	texts[0] = x->markers;
	return probe_catalog_compile(x, n, "markers", texts, &e->markers, 1);
}

static int
probe_catalog_match_spec(struct probe_catalog_ctx *x, yaml_node_t *m,
    struct probe_catalog_entry *e)
{
	yaml_node_t *n;

	if (probe_yaml_check_keys(x->t, m, probe_catalog_match_keys, x->err,
	    x->errlen) != 0)
		return -1;
	if (probe_catalog_str(x, m, "outcome", false, &e->outcome) != 0)
		return -1;
	n = probe_yaml_get(x->t, m, "code");
	if (e->outcome != NULL) {
		if (!probe_catalog_in(e->outcome, probe_catalog_outcomes))
			return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
			    "unknown outcome \"%s\"", e->outcome);
		if (n != NULL || probe_yaml_get(x->t, m, "enhanced") != NULL)
			return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
			    "an outcome has no reply: no code or enhanced");
	} else if (n == NULL && !e->is_phrase) {
		return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
		    "match needs a code (or an outcome)");
	} else if (n != NULL && probe_catalog_code(x, n, e) != 0) {
		return -1;
	}
	if ((n = probe_yaml_get(x->t, m, "enhanced")) != NULL &&
	    probe_catalog_enhanced(x, n, e) != 0)
		return -1;
	if ((n = probe_yaml_get(x->t, m, "stages")) != NULL &&
	    probe_catalog_stages(x, n, e) != 0)
		return -1;
	if ((n = probe_yaml_get(x->t, m, "text")) != NULL &&
	    probe_catalog_patterns(x, n, e) != 0)
		return -1;
	if ((n = probe_yaml_get(x->t, m, "any")) != NULL &&
	    probe_catalog_any(x, n, e) != 0)
		return -1;
	if ((n = probe_yaml_get(x->t, m, "named")) != NULL &&
	    probe_catalog_named(x, n, e) != 0)
		return -1;
	/* A phrase is words: an entry of that layer must have some. */
	if (e->is_phrase && e->npatterns == 0 && e->nany == 0)
		return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
		    "a phrase entry needs \"any\" or \"text\" patterns");
	return 0;
}

static int
probe_catalog_id(struct probe_catalog_ctx *x, yaml_node_t *map,
    struct probe_catalog_entry *e)
{
	size_t plen = strlen(x->provider), i;

	if (probe_catalog_str(x, map, "id", true, &e->id) != 0)
		return -1;
	if (strspn(e->id, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(e->id) || strncmp(e->id, x->provider, plen) != 0 ||
	    e->id[plen] != '.' || e->id[plen + 1] == '\0')
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "id \"%s\" must be \"%s.<name>\" in [a-z0-9._-]", e->id,
		    x->provider);
	/* A user catalog may replace a shipped entry; nothing else may. */
	for (i = 0; i + 1 < x->c->nentries; i++)
		if (strcmp(x->c->entries[i].id, e->id) == 0 &&
		    x->c->entries[i].is_user == e->is_user)
			return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
			    "duplicate id \"%s\" (also at %s:%lu)", e->id,
			    x->c->entries[i].file, x->c->entries[i].line);
	return 0;
}

static int
probe_catalog_fields(struct probe_catalog_ctx *x, yaml_node_t *map,
    struct probe_catalog_entry *e)
{
	char *v = NULL;
	int rc;

	/* Optional: the reply's code decides; lint checks it agrees. */
	rc = probe_catalog_str(x, map, "verdict", false, &v);
	if (rc == 0 && v != NULL && strcmp(v, "fail") != 0 &&
	    strcmp(v, "tempfail") != 0)
		rc = probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "verdict is fail or tempfail, not \"%s\"", v);
	if (rc == 0 && v != NULL)
		e->verdict = v[0] == 'f' ? PROBE_CATALOG_FAIL :
		    PROBE_CATALOG_TEMPFAIL;
	free(v);
	if (rc == 0)
		rc = probe_catalog_str(x, map, "cause", true, &e->cause);
	if (rc == 0 && !probe_catalog_in(e->cause, probe_catalog_causes))
		rc = probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "unknown cause \"%s\" (see profiles/catalogs/README.md)",
		    e->cause);
	if (rc == 0)
		rc = probe_catalog_str(x, map, "summary", true, &e->summary);
	if (rc == 0)
		rc = probe_catalog_str(x, map, "see", true, &e->see);
	/* Both lists are required: say so at the entry, not at 1:1. */
	if (rc == 0 && probe_yaml_get(x->t, map, "remediation") == NULL)
		rc = probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "missing \"remediation\"");
	if (rc == 0)
		rc = probe_catalog_list(x, probe_yaml_get(x->t, map,
		    "remediation"), "remediation", e->remediation, NULL,
		    PROBE_CATALOG_STEPS_MAX, &e->nremediation);
	if (rc == 0 && probe_yaml_get(x->t, map, "examples") == NULL)
		rc = probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "missing \"examples\"");
	if (rc == 0)
		rc = probe_catalog_list(x, probe_yaml_get(x->t, map, "examples"),
		    "examples", e->examples, e->example_lines,
		    PROBE_CATALOG_EXAMPLES_MAX, &e->nexamples);
	return rc;
}

/*
 * Room for one more entry. The array grows while files load (a shipped
 * set needs about 600 of the 2000 allowed, a user's file a few): results
 * point into it only once loading is over. Doubling, since a megabyte
 * zeroed up front is paid by every load, a fuzzer's included.
 */
static int
probe_catalog_reserve(struct probe_catalog *c, char *err, size_t errlen)
{
	struct probe_catalog_entry *grown;
	size_t cap;

	if (c->nentries < c->cap_entries)
		return 0;
	cap = c->cap_entries == 0 ? 64 : c->cap_entries * 2;
	if (cap > PROBE_CATALOG_ENTRIES_MAX)
		cap = PROBE_CATALOG_ENTRIES_MAX;
	grown = realloc(c->entries, cap * sizeof(*c->entries));
	if (grown == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->entries = grown;
	c->cap_entries = cap;
	return 0;
}

static int
probe_catalog_entry(struct probe_catalog_ctx *x, yaml_node_t *map)
{
	struct probe_catalog *c = x->c;
	struct probe_catalog_entry *e;
	yaml_node_t *m;

	if (c->nentries == PROBE_CATALOG_ENTRIES_MAX)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "more than %d catalog entries", PROBE_CATALOG_ENTRIES_MAX);
	if (probe_yaml_check_keys(x->t, map, probe_catalog_entry_keys, x->err,
	    x->errlen) != 0)
		return -1;
	if (probe_catalog_reserve(c, x->err, x->errlen) != 0)
		return -1;
	e = &c->entries[c->nentries++];
	memset(e, 0, sizeof(*e));
	e->file = x->file;
	e->line = (unsigned long)map->start_mark.line + 1;
	e->column = (unsigned long)map->start_mark.column + 1;
	e->order = c->nentries - 1;
	e->is_user = x->is_user;
	e->is_phrase = strcmp(x->provider, PROBE_CATALOG_PHRASES) == 0;
	e->is_generic = strcmp(x->provider, "generic") == 0;
	e->host_bit = x->host_bit;
	if ((e->provider = strdup(x->provider)) == NULL)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "out of memory");
	if (probe_catalog_id(x, map, e) != 0)
		return -1;
	m = probe_yaml_get(x->t, map, "match");
	if (m == NULL)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "missing \"match\"");
	if (probe_catalog_match_spec(x, m, e) != 0)
		return -1;
	if ((strcmp(x->provider, "local") == 0) != (e->outcome != NULL))
		return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
		    "outcome entries belong in provider \"local\", and only "
		    "they do");
	return probe_catalog_fields(x, map, e);
}

static int
probe_catalog_entries(struct probe_catalog_ctx *x, yaml_node_t *root)
{
	yaml_node_t *list = probe_yaml_get(x->t, root, "entries");
	yaml_node_item_t *it;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return probe_yaml_fail_at(x->t, list ? list : root, x->err,
		    x->errlen, "\"entries\" must be a list of entries");
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++)
		if (probe_catalog_entry(x, probe_yaml_node(x->t, *it)) != 0)
			return -1;
	return 0;
}

/*
 * A file's "hosts:": the name suffixes of its provider's servers
 * ("google.com" covers gmail-smtp-in.l.google.com). Optional; one bit
 * per file that has them (a suffix may be in several files: GMX's and
 * IONOS's servers answer alike). A file that then fails to load leaves
 * its suffixes behind: they name no entry, so they change nothing.
 */
static int
probe_catalog_hosts(struct probe_catalog_ctx *x, yaml_node_t *root)
{
	struct probe_catalog *c = x->c;
	yaml_node_t *n = probe_yaml_get(x->t, root, "hosts"), *item;
	yaml_node_item_t *it;
	const char *s;
	size_t len;

	if (n == NULL)
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"hosts\" must be a list of host name suffixes");
	if (c->nhost_files == 63)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "more than 63 catalog files with \"hosts\"");
	x->host_bit = UINT64_C(1) << c->nhost_files++;
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		item = probe_yaml_node(x->t, *it);
		s = probe_yaml_text(item);
		len = s != NULL ? strlen(s) : 0;
		if (len == 0 || len >= PROBE_CATALOG_HOST_LEN || s[0] == '.' ||
		    s[len - 1] == '.' || strspn(s,
		    "abcdefghijklmnopqrstuvwxyz0123456789.-") != len)
			return probe_yaml_fail_at(x->t, item, x->err,
			    x->errlen, "a host suffix is a lowercase name "
			    "such as \"google.com\", under %d bytes",
			    PROBE_CATALOG_HOST_LEN);
		if (c->nhosts == PROBE_CATALOG_HOSTS_MAX)
			return probe_yaml_fail_at(x->t, item, x->err,
			    x->errlen, "more than %d host suffixes in all "
			    "catalogs", PROBE_CATALOG_HOSTS_MAX);
		memcpy(c->hosts[c->nhosts].suffix, s, len + 1);
		c->hosts[c->nhosts].len = len;
		c->hosts[c->nhosts++].bit = x->host_bit;
	}
	return 0;
}

/*
 * A file's "markers:": patterns that show a reply is its provider's
 * ("gsmtp", "protection.outlook.com"), joined into one alternation for
 * the file's "named" entries (each compiles it: a handful of entries).
 */
static int
probe_catalog_markers(struct probe_catalog_ctx *x, yaml_node_t *root)
{
	yaml_node_t *n = probe_yaml_get(x->t, root, "markers");
	char *texts[PROBE_CATALOG_PATTERNS_MAX];
	pcre2_code *res[PROBE_CATALOG_PATTERNS_MAX];
	size_t count = 0, i, len = 0, o;
	int rc;

	if (n == NULL)
		return 0;
	rc = probe_catalog_list(x, n, "markers", texts, NULL,
	    PROBE_CATALOG_PATTERNS_MAX, &count);
	/* Each alone first: an error names the pattern that is wrong. */
	if (rc == 0 && count == 0)
		rc = probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"markers\" is a list of patterns");
	memset(res, 0, sizeof(res));
	if (rc == 0)
		rc = probe_catalog_compile(x, n, "markers", texts, res, count);
	for (i = 0; i < count; i++) {
		pcre2_code_free(res[i]);
		len += strlen(texts[i]) + 6;
	}
	if (rc == 0 && (x->markers = malloc(len + 1)) == NULL)
		rc = probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "out of memory");
	for (i = 0, o = 0; i < count; i++) {
		if (rc == 0)
			o += (size_t)snprintf(x->markers + o, len + 1 - o,
			    "%s(?:%s)", i > 0 ? "|" : "", texts[i]);
		free(texts[i]);
	}
	return rc;
}

/*
 * Does host[0..n) name a server? Not when it is no host name (a mask
 * such as "smtp-01.tld.t-", "mx*.example", "…") or a documentation
 * name (RFC 2606: example.com/.net/.org, .example, .test, .invalid,
 * .localhost): public bounces hide the real server behind those, and
 * a hidden server is one not named.
 */
static bool
probe_catalog_host_is_name(const char *host, size_t n)
{
	static const char *const masks[] = { "example.com", "example.net",
	    "example.org", "example", "test", "invalid", "localhost", NULL };
	size_t i, k;

	if (n == 0 || host[0] == '-' || host[0] == '.' || host[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
		    host[i] != '.' && host[i] != '_')
			return false;
	for (i = 0; masks[i] != NULL; i++) {
		k = strlen(masks[i]);
		if (k <= n && strncasecmp(host + n - k, masks[i], k) == 0 &&
		    (k == n || host[n - k - 1] == '.'))
			return false;
	}
	return true;
}

uint64_t
probe_catalog_host_set(const struct probe_catalog *c, const char *host)
{
	uint64_t set = PROBE_CATALOG_HOST_NAMED;
	size_t n, k, i;
	char last;

	if (host == NULL || host[0] == '\0')
		return 0;
	n = strcspn(host, "[");
	while (n > 0 && host[n - 1] == '.')
		n--;	/* a fully qualified "mx.example.com." */
	if (!probe_catalog_host_is_name(host, n))
		return 0;
	last = (char)tolower((unsigned char)host[n - 1]);
	/* Most suffixes differ from the name in its last letter: cheap. */
	for (i = 0; i < c->nhosts; i++) {
		k = c->hosts[i].len;
		if (k <= n && c->hosts[i].suffix[k - 1] == last &&
		    (k == n || host[n - k - 1] == '.') &&
		    strncasecmp(host + n - k, c->hosts[i].suffix, k) == 0)
			set |= c->hosts[i].bit;
	}
	return set;
}

int
probe_catalog_load_file(struct probe_catalog *c, const char *path,
    bool is_user, char *err, size_t errlen)
{
	struct probe_yaml_tree t;
	struct probe_catalog_ctx x = { .c = c, .t = &t, .is_user = is_user,
	    .err = err, .errlen = errlen };
	yaml_node_t *root;
	char **files;
	size_t first = c->nentries;
	int rc = -1;

	files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));
	if (files == NULL || (files[c->nfiles] = strdup(path)) == NULL) {
		c->files = files ? files : c->files;
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->files = files;
	x.file = files[c->nfiles++];
	if (probe_yaml_tree_load(path, &t, err, errlen) != 0)
		goto out;
	root = probe_yaml_root(&t);
	if (root == NULL) {
		rc = 0;		/* an empty file adds nothing */
		goto out;
	}
	if (probe_yaml_check_keys(&t, root, probe_catalog_file_keys, err,
	    errlen) != 0 || probe_catalog_str(&x, root, "provider", true,
	    (char **)&x.provider) != 0)
		goto out;
	if (strspn(x.provider, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(x.provider)) {
		probe_yaml_fail_at(&t, root, err, errlen, "provider must be a "
		    "lowercase token");
		goto out;
	}
	if (probe_catalog_hosts(&x, root) != 0 ||
	    probe_catalog_markers(&x, root) != 0)
		goto out;
	rc = probe_catalog_entries(&x, root);
out:
	/* A file that does not load adds nothing, not half an entry. */
	while (rc != 0 && c->nentries > first)
		probe_catalog_entry_free(&c->entries[--c->nentries]);
	free((char *)x.provider);
	free(x.markers);
	probe_yaml_tree_free(&t);
	return rc;
}

static const char *const probe_catalog_shipped[] = { "google", "yahoo",
    "microsoft", "apple", "phrases", "generic", "local", NULL };

/* Every *.yaml of the operator's folder, in name order (reproducible). */
static int
probe_catalog_load_etc(struct probe_catalog *c, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	size_t len;
	int n, i, rc = 0;

	n = scandir(PROBE_CATALOG_ETC, &names, NULL, alphasort);
	if (n < 0)
		return 0;	/* no folder: nothing of the operator's */
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (rc == 0 && len > 5 &&
		    strcmp(names[i]->d_name + len - 5, ".yaml") == 0 &&
		    names[i]->d_name[0] != '.') {
			(void)snprintf(path, sizeof(path), "%s/%s",
			    PROBE_CATALOG_ETC, names[i]->d_name);
			rc = probe_catalog_load_file(c, path, true, err,
			    errlen);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Shipped files loaded by name elsewhere in the order (not as "others"). */
static bool
probe_catalog_is_named(const char *file)
{
	size_t i, n;

	for (i = 0; probe_catalog_shipped[i] != NULL; i++) {
		n = strlen(probe_catalog_shipped[i]);
		if (strncmp(file, probe_catalog_shipped[i], n) == 0 &&
		    strcmp(file + n, ".yaml") == 0)
			return true;
	}
	return false;
}

/*
 * Every other *.yaml of the shipped folder (regional providers: gmx.yaml,
 * orange.yaml, ...), in name order, after the big four and before the
 * phrase layer, generic and local; the order only breaks ties.
 */
static int
probe_catalog_load_others(struct probe_catalog *c, const char *dir,
    char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[PATH_MAX + 320];	/* dir, "/catalogs/", a d_name */
	size_t len;
	int n, i, rc = 0;

	(void)snprintf(path, sizeof(path), "%s/catalogs", dir);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return 0;	/* a trimmed install: fewer catalogs */
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (rc == 0 && len > 5 && names[i]->d_name[0] != '.' &&
		    strcmp(names[i]->d_name + len - 5, ".yaml") == 0 &&
		    !probe_catalog_is_named(names[i]->d_name)) {
			(void)snprintf(path, sizeof(path), "%s/catalogs/%s",
			    dir, names[i]->d_name);
			rc = probe_catalog_load_file(c, path, false, err,
			    errlen);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
probe_catalog_load_default(struct probe_catalog *c,
    const char *const *extra, size_t nextra, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	size_t i;

	if (probe_datadir_find(dir, sizeof(dir), err, errlen) != 0)
		return -1;	/* err names the folder and SMTPPROBE_DATADIR */
	for (i = 0; probe_catalog_shipped[i] != NULL; i++) {
		if (strcmp(probe_catalog_shipped[i], "phrases") == 0 &&
		    probe_catalog_load_others(c, dir, err, errlen) != 0)
			return -1;
		(void)snprintf(path, sizeof(path), "%s/catalogs/%s.yaml", dir,
		    probe_catalog_shipped[i]);
		if (access(path, R_OK) != 0)
			continue;	/* a trimmed install: fewer catalogs */
		if (probe_catalog_load_file(c, path, false, err, errlen) != 0)
			return -1;
	}
	if (probe_catalog_load_etc(c, err, errlen) != 0)
		return -1;
	for (i = 0; i < nextra; i++)
		if (probe_catalog_load_file(c, extra[i], true, err,
		    errlen) != 0)
			return -1;
	return 0;
}
