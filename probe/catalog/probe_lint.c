/*
 * probe_lint - example and placeholder checks over loaded catalogs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_explain.h"
#include "probe/catalog/probe_lint.h"

static const char *const probe_lint_facts[] = { "domain", "ip", "helo",
    "mx", "rcpt_domain", "port", NULL };

struct probe_lint_state {
	probe_lint_report_fn	*report;
	void			*arg;
	size_t			 problems;
};

__attribute__((format(printf, 4, 5)))
static void
probe_lint_say(struct probe_lint_state *st, const struct probe_catalog_entry *e,
    unsigned long line, const char *fmt, ...)
{
	char what[1024], out[1400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);	/* may cut */
	va_end(ap);
	(void)snprintf(out, sizeof(out), "%s:%lu: %s: %s", e->file, line,
	    e->id, what);
	st->problems++;
	if (st->report != NULL)
		st->report(st->arg, out);
}

bool
probe_lint_example_query(const struct probe_catalog_entry *e,
    const char *example, struct probe_catalog_query *q,
    struct probe_lint_buf *b)
{
	struct probe_explain_reply r;
	size_t len = strlen(example), i, o = 0;

	memset(q, 0, sizeof(*q));
	q->provider = e->provider;
	if (len >= PROBE_EXPLAIN_LINE_MAX)
		len = PROBE_EXPLAIN_LINE_MAX - 1;
	/* A multi-line example is one raw reply: one line, as explain sees. */
	for (i = 0; i < len; i++)
		if (example[i] != '\r')
			b->line[o++] = example[i] == '\n' ? ' ' : example[i];
	while (o > 0 && b->line[o - 1] == ' ')
		o--;
	b->line[o] = '\0';
	if (e->outcome != NULL) {
		q->outcome = e->outcome;
		q->text = b->line;
		q->len = o;
		return true;
	}
	if (!probe_explain_parse(b->line, o, &r, b->text, b->raw))
		return false;
	memcpy(b->enhanced, r.enhanced, sizeof(b->enhanced));
	q->code = r.code;
	q->enhanced = b->enhanced;
	q->has_stage = r.has_stage;
	q->stage = r.stage;
	q->text = r.text;
	q->len = r.len;
	return true;
}

/* Is name a named group of one of e's patterns? */
static bool
probe_lint_is_capture(const struct probe_catalog_entry *e, const char *name,
    size_t len)
{
	PCRE2_SPTR table;
	uint32_t count, size, i;
	size_t k;

	const pcre2_code *re;

	for (k = 0; k < e->npatterns + e->nany; k++) {
		re = k < e->npatterns ? e->patterns[k] :
		    e->any[k - e->npatterns];
		if (pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
		    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE,
		    &size) != 0 ||
		    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table) != 0)
			continue;
		for (i = 0; i < count; i++, table += size)
			if (strlen((const char *)table + 2) == len &&
			    strncmp((const char *)table + 2, name, len) == 0)
				return true;
	}
	return false;
}

static void
probe_lint_placeholders(struct probe_lint_state *st,
    const struct probe_catalog_entry *e, const char *tmpl)
{
	const char *p = tmpl, *close;
	size_t len, i;

	while ((p = strchr(p, '{')) != NULL) {
		close = strchr(p, '}');
		if (close == NULL)
			return;
		len = (size_t)(close - p - 1);
		for (i = 0; probe_lint_facts[i] != NULL; i++)
			if (strlen(probe_lint_facts[i]) == len &&
			    strncmp(probe_lint_facts[i], p + 1, len) == 0)
				break;
		if (len > 0 && len < 32 && strspn(p + 1,
		    "abcdefghijklmnopqrstuvwxyz_0123456789") == len &&
		    probe_lint_facts[i] == NULL &&
		    !probe_lint_is_capture(e, p + 1, len))
			probe_lint_say(st, e, e->line, "placeholder {%.*s} is "
			    "neither a capture of this entry nor a probe fact",
			    (int)len, p + 1);
		p = close + 1;
	}
}

/* The layer an entry belongs to (README "How matching works"). */
static enum probe_catalog_layer
probe_lint_layer(const struct probe_catalog_entry *e)
{
	if (e->is_phrase)
		return PROBE_CATALOG_LAYER_PHRASE;
	return e->npatterns > 0 || e->nany > 0 ?
	    PROBE_CATALOG_LAYER_PROVIDER : PROBE_CATALOG_LAYER_CODE;
}

/*
 * Issue #11: a stated verdict must agree with the example's code class
 * (5xx fail, 4xx tempfail). An example without a code says nothing.
 */
static void
probe_lint_verdict(struct probe_lint_state *st,
    const struct probe_catalog_entry *e, size_t k,
    const struct probe_catalog_query *q)
{
	enum probe_catalog_verdict want;

	if (e->verdict == PROBE_CATALOG_UNSTATED || e->outcome != NULL ||
	    q->code < 400)
		return;
	want = q->code >= 500 ? PROBE_CATALOG_FAIL : PROBE_CATALOG_TEMPFAIL;
	if (want != e->verdict)
		probe_lint_say(st, e, e->example_lines[k], "verdict %s "
		    "contradicts example %zu's code %d (the code decides: "
		    "write %s or leave verdict out)",
		    probe_catalog_verdict_name(e->verdict), k + 1, q->code,
		    probe_catalog_verdict_name(want));
}

/* One example: it must pick e, and no other entry may tie with e. */
static void
probe_lint_example(struct probe_lint_state *st, struct probe_catalog *c,
    const struct probe_catalog_entry *e, size_t k, struct probe_lint_buf *b)
{
	struct probe_catalog_query q;
	struct probe_catalog_match m;
	const struct probe_catalog_entry *o;
	unsigned rank;
	size_t i;

	if (!probe_lint_example_query(e, e->examples[k], &q, b)) {
		probe_lint_say(st, e, e->example_lines[k], "example %zu holds no "
		    "SMTP reply", k + 1);
		return;
	}
	/*
	 * A phrase or code-only entry is checked within its own layer: its
	 * example may be a provider's text that a provider entry rightly
	 * takes first (README "How matching works").
	 */
	if (probe_lint_layer(e) != PROBE_CATALOG_LAYER_PROVIDER)
		q.only_layer = probe_lint_layer(e);
	if (!probe_catalog_match(c, &q, &m) || m.entry != e) {
		probe_lint_say(st, e, e->example_lines[k], "example %zu %s%s",
		    k + 1, m.entry ? "is taken by " : "matches no entry",
		    m.entry ? m.entry->id : "");
		return;
	}
	probe_lint_verdict(st, e, k, &q);
	/* Phrase entries do not tie: their order in the file decides. */
	if (e->is_phrase)
		return;
	rank = probe_catalog_rank(e, &q);
	for (i = 0; i < c->nentries; i++) {
		o = &c->entries[i];
		if (o != e && probe_lint_layer(o) == probe_lint_layer(e) &&
		    probe_catalog_rank(o, &q) == rank &&
		    probe_catalog_entry_matches(c, o, &q))
			probe_lint_say(st, e, e->example_lines[k], "example %zu "
			    "ties with %s (%s:%lu): make one more specific",
			    k + 1, o->id, o->file, o->line);
	}
}

size_t
probe_lint_run(struct probe_catalog *c, probe_lint_report_fn *report,
    void *arg)
{
	struct probe_lint_state st = { .report = report, .arg = arg };
	struct probe_lint_buf *b = malloc(sizeof(*b));
	const struct probe_catalog_entry *e;
	size_t i, k;

	if (b == NULL) {
		if (report != NULL)
			report(arg, "lint: out of memory");
		return 1;
	}
	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		probe_lint_placeholders(&st, e, e->summary);
		for (k = 0; k < e->nremediation; k++)
			probe_lint_placeholders(&st, e, e->remediation[k]);
		for (k = 0; k < e->nexamples; k++)
			probe_lint_example(&st, c, e, k, b);
	}
	free(b);
	return st.problems;
}
