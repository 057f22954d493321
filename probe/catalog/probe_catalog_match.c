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
	r |= strcmp(e->provider, "generic") != 0 ? 16u : 0;
	r |= e->npatterns > 0 ? 8u : 0;
	r |= e->enhanced[0] != '\0' ? 4u : 0;
	r |= e->stages != 0 ? 2u : 0;
	r |= e->code != 0 ? 1u : 0;
	return r;
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
	} else if (e->code != 0 ? e->code != q->code :
	    e->code_class != q->code / 100) {
		return false;
	}
	if (e->enhanced[0] != '\0' && (q->enhanced == NULL ||
	    strcmp(e->enhanced, q->enhanced) != 0))
		return false;
	/* An unknown stage (a log line may not say) contradicts nothing. */
	return e->stages == 0 || !q->has_stage ||
	    (e->stages & (1u << q->stage)) != 0;
}

static bool
probe_catalog_run(struct probe_catalog *c, const pcre2_code *re,
    const struct probe_catalog_query *q)
{
	int rc;

	rc = pcre2_match(re, (PCRE2_SPTR)(q->text ? q->text : ""),
	    q->text ? q->len : 0, 0, 0, c->mdata, c->mctx);
	/* Errors, the match limit among them, count as no match. */
	return rc > 0;
}

static bool
probe_catalog_texts(struct probe_catalog *c,
    const struct probe_catalog_entry *e, const struct probe_catalog_query *q)
{
	size_t i;

	for (i = 0; i < e->npatterns; i++)
		if (!probe_catalog_run(c, e->patterns[i], q))
			return false;
	return true;
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

	if (!probe_catalog_run(c, re, q) ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
	    count == 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table) != 0)
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
	return probe_catalog_applies(e, q) && probe_catalog_texts(c, e, q);
}

bool
probe_catalog_match(struct probe_catalog *c,
    const struct probe_catalog_query *q, struct probe_catalog_match *m)
{
	const struct probe_catalog_entry *e, *best = NULL;
	unsigned r, best_rank = 0;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		if (!probe_catalog_applies(e, q))
			continue;
		r = probe_catalog_rank(e, q);
		/* Rank first: the regex runs only when it could win. */
		if (best != NULL && r <= best_rank)
			continue;
		if (!probe_catalog_texts(c, e, q))
			continue;
		best = e;
		best_rank = r;
	}
	if (best == NULL)
		return false;
	m->entry = best;
	m->is_fallback = strcmp(best->provider, "generic") == 0 &&
	    best->npatterns == 0;
	for (i = 0; i < best->npatterns; i++)
		probe_catalog_names(c, best->patterns[i], q, m);
	return true;
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
