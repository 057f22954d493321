/*
 * probe_catalog_match - the matcher and placeholder filling of the
 * probe_catalog module.
 */
#include <stdio.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"

/* Length of "550-5.7.26 " style prefix at the start of a reply line. */
static size_t
probe_catalog_prefix(const char *line, size_t len)
{
	char enh[SMTP_REPLY_ENHANCED_MAX];
	size_t n, i = 3;
	int code;
	bool is_last;

	if (!smtp_reply_parse_line(line, len, &code, &is_last))
		return 0;
	if (len > 3)
		i = 4;
	n = smtp_reply_parse_enhanced(line + i, len - i, code, enh);
	if (n > 0) {
		i += n;
		if (i < len && line[i] == ' ')
			i++;
	}
	return i;
}

size_t
probe_catalog_join(const struct smtp_reply *reply, char *out, size_t outlen)
{
	const char *line;
	size_t i, len, skip, o = 0, n;

	if (outlen == 0)
		return 0;
	for (i = 0; i < reply->nlines; i++) {
		line = smtp_reply_line(reply, i, &len);
		skip = probe_catalog_prefix(line, len);
		line += skip;
		len -= skip;
		/* Providers indent continuations; one space is the join. */
		while (len > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (o > 0 && len > 0 && o + 1 < outlen)
			out[o++] = ' ';
		n = len < outlen - 1 - o ? len : outlen - 1 - o;
		memcpy(out + o, line, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/*
 * Specificity of e for q, larger is more specific (README "How matching
 * works"); ties go to the earlier entry.
 */
unsigned
probe_catalog_rank(const struct probe_catalog_entry *e,
    const struct probe_catalog_query *q)
{
	unsigned r = 0;

	r |= e->is_user ? 64u : 0;
	r |= q->provider && strcmp(e->provider, q->provider) == 0 ? 32u : 0;
	r |= !e->is_generic ? 16u : 0;
	r |= e->npatterns > 0 || e->nany > 0 ? 8u : 0;
	r |= e->enhanced[0] != '\0' ? 4u : 0;
	r |= e->stages != 0 ? 2u : 0;
	r |= e->code != 0 ? 1u : 0;
	return r;
}

static const char *const probe_catalog_layer_names[] = {
	[PROBE_CATALOG_LAYER_NONE] = "none",
	[PROBE_CATALOG_LAYER_PROVIDER] = "provider",
	[PROBE_CATALOG_LAYER_PHRASE] = "phrase",
	[PROBE_CATALOG_LAYER_CODE] = "code",
};

const char *
probe_catalog_layer_name(enum probe_catalog_layer l)
{
	if ((size_t)l >= sizeof(probe_catalog_layer_names) /
	    sizeof(probe_catalog_layer_names[0]))
		return "none";
	return probe_catalog_layer_names[l];
}

const char *
probe_catalog_verdict_name(enum probe_catalog_verdict v)
{
	return v == PROBE_CATALOG_FAIL ? "fail" :
	    v == PROBE_CATALOG_TEMPFAIL ? "tempfail" : NULL;
}

/*
 * The reply code against the entry's. A reply given without its code
 * (q->code 0, pasted text) is held to the class of its enhanced code when
 * it has one and otherwise contradicts no code: the words decide.
 */
static bool
probe_catalog_code_fits(const struct probe_catalog_entry *e,
    const struct probe_catalog_query *q)
{
	int cls = q->code / 100;

	if (q->code == 0) {
		/* Nothing but words: only an entry with words may say. */
		if (q->enhanced == NULL || q->enhanced[0] == '\0')
			return e->npatterns > 0 || e->nany > 0;
		cls = q->enhanced[0] - '0';
		/*
		 * An entry for one exact code (535) says that code's meaning:
		 * with the code unknown only its words may say ("5.4.14 Hop
		 * count exceeded" is no AUTH failure).
		 */
		if (e->code != 0)
			return e->code / 100 == cls &&
			    (e->npatterns > 0 || e->nany > 0);
		return e->code_class == cls || e->code_class == 0;
	}
	if (e->code != 0)
		return e->code == q->code;
	if (e->code_class != 0)
		return e->code_class == cls;
	/* A phrase entry with no code: any refusal. */
	return cls == 4 || cls == 5;
}

/* Code, enhanced code, stage and outcome: the cheap tests, no regex. */
static bool
probe_catalog_applies(const struct probe_catalog_entry *e,
    const struct probe_catalog_query *q)
{
	if (q->outcome != NULL || e->outcome != NULL) {
		if (q->outcome == NULL || e->outcome == NULL ||
		    strcmp(q->outcome, e->outcome) != 0)
			return false;
	} else if (!probe_catalog_code_fits(e, q)) {
		return false;
	}
	if (e->enhanced[0] != '\0' && (q->enhanced == NULL ||
	    strcmp(e->enhanced, q->enhanced) != 0))
		return false;
	/*
	 * An unknown stage (a log line may not say) contradicts nothing,
	 * except for a phrase entry: its words mean its cause only at the
	 * stages it names ("user unknown" in reply to MAIL FROM is about
	 * the sender), so it needs the stage said.
	 */
	if (e->stages == 0)
		return true;
	if (!q->has_stage)
		return !e->is_phrase;
	return (e->stages & (1u << q->stage)) != 0;
}

static bool
probe_catalog_run(struct probe_catalog *c, const pcre2_code *re,
    const struct probe_catalog_query *q)
{
	int rc;

	rc = pcre2_match(re, (PCRE2_SPTR)(q->text ? q->text : ""),
	    q->text ? q->len : 0, 0, 0, c->mdata, c->mctx);
	/* Errors, the match limit among them, count as no match. */
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		c->limit_hits++;
		c->limit_re = re;
	}
	return rc > 0;
}

const struct probe_catalog_entry *
probe_catalog_limit_entry(const struct probe_catalog *c)
{
	const struct probe_catalog_entry *e;
	size_t i, k;

	for (i = 0; c->limit_re != NULL && i < c->nentries; i++) {
		e = &c->entries[i];
		for (k = 0; k < e->npatterns; k++)
			if (e->patterns[k] == c->limit_re)
				return e;
		for (k = 0; k < e->nany; k++)
			if (e->any[k] == c->limit_re)
				return e;
	}
	return NULL;
}

/*
 * Is the reply known to be e's provider's ("named: true")? Its server is
 * one of the file's hosts, the profile is that provider's, or the text
 * has one of the file's markers.
 */
static bool
probe_catalog_is_named(struct probe_catalog *c,
    const struct probe_catalog_entry *e, const struct probe_catalog_query *q)
{
	c->host_bits |= e->host_bit;
	return (q->hosts & e->host_bit) != 0 ||
	    (q->provider != NULL && strcmp(q->provider, e->provider) == 0) ||
	    (e->markers != NULL && probe_catalog_run(c, e->markers, q));
}

/*
 * All "text" patterns, then one of "any". *which gets the index of the
 * "any" pattern that matched (or -1 when there is no list).
 */
static bool
probe_catalog_texts(struct probe_catalog *c,
    const struct probe_catalog_entry *e, const struct probe_catalog_query *q,
    int *which)
{
	size_t i;

	*which = -1;
	for (i = 0; i < e->npatterns; i++)
		if (!probe_catalog_run(c, e->patterns[i], q))
			return false;
	if (e->nany > 0) {
		/* None of them: one search says so (an error is no answer). */
		if (e->any_all != NULL && pcre2_match(e->any_all,
		    (PCRE2_SPTR)(q->text ? q->text : ""), q->text ? q->len : 0,
		    0, 0, c->mdata, c->mctx) == PCRE2_ERROR_NOMATCH)
			return false;
		for (i = 0; i < e->nany && *which < 0; i++)
			if (probe_catalog_run(c, e->any[i], q))
				*which = (int)i;
		if (*which < 0)
			return false;
	}
	/*
	 * A named server of another provider: not this provider's text.
	 * Asked once the words matched, so that host_bits names only the
	 * files whose hosts could change this decision.
	 */
	if (e->host_bit != 0) {
		c->host_bits |= e->host_bit;
		if (q->hosts != 0 && (q->hosts & e->host_bit) == 0)
			return false;
	}
	return !e->needs_named || probe_catalog_is_named(c, e, q);
}

static bool
probe_catalog_has_text(const struct probe_catalog_entry *e)
{
	return e->npatterns > 0 || e->nany > 0;
}

/* Named groups of one matching pattern into m (first value wins). */
static void
probe_catalog_names(struct probe_catalog *c, const pcre2_code *re,
    const struct probe_catalog_query *q, struct probe_catalog_match *m)
{
	PCRE2_SPTR table;
	PCRE2_SIZE *ov;
	uint32_t count = 0, size = 0, i, nov;
	size_t k, len, start;
	int group;

	if (pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
	    count == 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table) != 0 ||
	    !probe_catalog_run(c, re, q))
		return;
	ov = pcre2_get_ovector_pointer(c->mdata);
	nov = pcre2_get_ovector_count(c->mdata);
	for (i = 0; i < count && m->ncaptures < PROBE_CATALOG_CAPTURES_MAX;
	    i++, table += size) {
		group = (table[0] << 8) | table[1];
		if ((uint32_t)group >= nov || ov[2 * group] == PCRE2_UNSET)
			continue;
		for (k = 0; k < m->ncaptures; k++)
			if (strcmp(m->captures[k].name,
			    (const char *)table + 2) == 0)
				break;
		if (k < m->ncaptures)
			continue;
		start = ov[2 * group];
		len = ov[2 * group + 1] - start;
		if (len >= PROBE_CATALOG_CAPTURE_LEN)
			len = PROBE_CATALOG_CAPTURE_LEN - 1;
		(void)snprintf(m->captures[m->ncaptures].name,
		    sizeof(m->captures[0].name), "%s", (const char *)table + 2);
		memcpy(m->captures[m->ncaptures].value, q->text + start, len);
		m->captures[m->ncaptures].value[len] = '\0';
		m->ncaptures++;
	}
}

bool
probe_catalog_entry_matches(struct probe_catalog *c,
    const struct probe_catalog_entry *e, const struct probe_catalog_query *q)
{
	int which;

	return probe_catalog_applies(e, q) &&
	    probe_catalog_texts(c, e, q, &which);
}

/*
 * One pass of the search (README "How matching works"): a layer and, for
 * the code layer, which part of it: a provider's own code-only entries,
 * then generic's.
 */
struct probe_catalog_pass {
	enum probe_catalog_layer layer;
	int	 generic;	/* code: 1 generic only, 0 all but generic */
};

static const struct probe_catalog_pass probe_catalog_passes[] = {
	{ PROBE_CATALOG_LAYER_PROVIDER, -1 },
	{ PROBE_CATALOG_LAYER_PHRASE, -1 },
	{ PROBE_CATALOG_LAYER_CODE, 0 },
	{ PROBE_CATALOG_LAYER_CODE, 1 },
};

/* Does e belong to pass p? */
static bool
probe_catalog_in_pass(const struct probe_catalog_entry *e,
    const struct probe_catalog_pass *p)
{
	if (e->is_phrase != (p->layer == PROBE_CATALOG_LAYER_PHRASE) ||
	    probe_catalog_has_text(e) != (p->layer != PROBE_CATALOG_LAYER_CODE))
		return false;
	return p->generic < 0 ||
	    e->is_generic == p->generic;
}

/*
 * The best entry of one pass. The provider and code layers rank by
 * specificity (ties to the earlier entry); the phrase layer takes the
 * first entry in file order (README: most specific cause first).
 */
static const struct probe_catalog_entry *
probe_catalog_best(struct probe_catalog *c,
    const struct probe_catalog_query *q, const struct probe_catalog_pass *p,
    int *which)
{
	const struct probe_catalog_entry *e, *best = NULL;
	unsigned r, best_rank = 0;
	size_t i;
	int w;

	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		if (!probe_catalog_in_pass(e, p) ||
		    !probe_catalog_applies(e, q))
			continue;
		r = probe_catalog_rank(e, q);
		/* Rank first: the regex runs only when it could win. */
		if (best != NULL && r <= best_rank)
			continue;
		if (!probe_catalog_texts(c, e, q, &w))
			continue;
		best = e;
		best_rank = r;
		*which = w;
		if (p->layer == PROBE_CATALOG_LAYER_PHRASE)
			break;
	}
	return best;
}

bool
probe_catalog_match(struct probe_catalog *c,
    const struct probe_catalog_query *q, struct probe_catalog_match *m)
{
	const struct probe_catalog_entry *best = NULL, *code;
	const struct probe_catalog_pass *p = NULL;
	size_t i;
	int which = -1;

	memset(m, 0, sizeof(*m));
	c->host_bits = 0;
	for (i = 0; best == NULL && i < sizeof(probe_catalog_passes) /
	    sizeof(probe_catalog_passes[0]); i++) {
		p = &probe_catalog_passes[i];
		if (q->only_layer != PROBE_CATALOG_LAYER_NONE &&
		    q->only_layer != p->layer)
			continue;
		best = probe_catalog_best(c, q, p, &which);
	}
	if (best == NULL)
		return false;
	/*
	 * A phrase of cause "policy" names no cause, so it contradicts no
	 * provider's own code-only entry (Apple's [CS01], a profile's
	 * bare 5.7.1): that entry says more, and wins.
	 */
	if (p->layer == PROBE_CATALOG_LAYER_PHRASE &&
	    strcmp(best->cause, "policy") == 0 &&
	    q->only_layer == PROBE_CATALOG_LAYER_NONE &&
	    (code = probe_catalog_best(c, q, &probe_catalog_passes[2],
	    &which)) != NULL) {
		best = code;
		p = &probe_catalog_passes[2];
	}
	probe_catalog_match_entry(c, q, best, p->layer, which, m);
	return true;
}

void
probe_catalog_match_entry(struct probe_catalog *c,
    const struct probe_catalog_query *q, const struct probe_catalog_entry *e,
    enum probe_catalog_layer layer, int which, struct probe_catalog_match *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->entry = e;
	m->layer = layer;
	m->is_fallback = e->is_generic &&
	    !probe_catalog_has_text(e);
	if (which >= 0 && (size_t)which < e->nany)
		m->phrase = e->any_text[which];
	else if (e->npatterns > 0 && e->is_phrase)
		m->phrase = e->pattern_text[0];
	for (i = 0; i < e->npatterns; i++)
		probe_catalog_names(c, e->patterns[i], q, m);
	if (which >= 0 && (size_t)which < e->nany)
		probe_catalog_names(c, e->any[which], q, m);
}

int
probe_catalog_any_index(const struct probe_catalog_match *m)
{
	size_t i;

	for (i = 0; m->entry != NULL && m->phrase != NULL &&
	    i < m->entry->nany; i++)
		if (m->entry->any_text[i] == m->phrase)
			return (int)i;
	return -1;
}

static const char *
probe_catalog_lookup(const struct probe_catalog_match *m,
    const char *const *ctx, const char *name, size_t len)
{
	size_t i, n;

	for (i = 0; m != NULL && i < m->ncaptures; i++)
		if (strlen(m->captures[i].name) == len &&
		    strncmp(m->captures[i].name, name, len) == 0)
			return m->captures[i].value;
	for (; ctx != NULL && ctx[0] != NULL; ctx += 2) {
		n = strlen(ctx[0]);
		if (n == len && strncmp(ctx[0], name, len) == 0 &&
		    ctx[1] != NULL && ctx[1][0] != '\0')
			return ctx[1];
	}
	return NULL;
}

void
probe_catalog_fill(const char *tmpl, const struct probe_catalog_match *m,
    const char *const *ctx, char *out, size_t outlen)
{
	const char *p = tmpl, *close, *v;
	size_t o = 0, n;
	char unknown[64];

	while (*p != '\0' && o + 1 < outlen) {
		close = *p == '{' ? strchr(p, '}') : NULL;
		/* "{}" names nothing: shell commands in steps use it. */
		if (close == NULL || close == p + 1 || close - p > 32 ||
		    strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") !=
		    (size_t)(close - p - 1)) {
			out[o++] = *p++;
			continue;
		}
		v = probe_catalog_lookup(m, ctx, p + 1, (size_t)(close - p - 1));
		if (v == NULL) {
			(void)snprintf(unknown, sizeof(unknown), "<%.*s>",
			    (int)(close - p - 1), p + 1);
			v = unknown;
		}
		n = strlen(v);
		if (n > outlen - 1 - o)
			n = outlen - 1 - o;
		memcpy(out + o, v, n);
		o += n;
		p = close + 1;
	}
	out[o] = '\0';
}
