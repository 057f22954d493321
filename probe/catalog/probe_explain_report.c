/*
 * probe_explain_report - replies of a log gathered into groups.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_explain_report.h"

/* Twice the groups, a power of two: the index stays sparse. */
#define PROBE_EXPLAIN_REPORT_SLOTS	(2u * PROBE_EXPLAIN_REPORT_GROUPS_MAX)

_Static_assert((PROBE_EXPLAIN_REPORT_SLOTS &
    (PROBE_EXPLAIN_REPORT_SLOTS - 1)) == 0, "slots: a power of two");

int
probe_explain_report_init(struct probe_explain_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	/* calloc: pages of groups never used are never touched. */
	rep->groups = calloc(PROBE_EXPLAIN_REPORT_GROUPS_MAX,
	    sizeof(*rep->groups));
	rep->slots = calloc(PROBE_EXPLAIN_REPORT_SLOTS, sizeof(*rep->slots));
	if (rep->groups != NULL && rep->slots != NULL)
		return 0;
	probe_explain_report_free(rep);
	return -1;
}

void
probe_explain_report_free(struct probe_explain_report *rep)
{
	free(rep->groups);
	free(rep->slots);
	memset(rep, 0, sizeof(*rep));
}

/* FNV-1a, folded in field by field. */
static uint64_t
probe_explain_report_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ 0xff;
}

/* The domain of the address after key ("to=<", "from=<") on the line. */
static void
probe_explain_report_addr(const char *line, size_t len, const char *key,
    char *out)
{
	size_t k = strlen(key), i, j;
	const char *at, *hit;

	out[0] = '\0';
	hit = memmem(line, len, key, k);
	if (hit != NULL) {
		i = (size_t)(hit - line);
		for (j = i + k; j < len && line[j] != '>' && line[j] != ' ' &&
		    line[j] != ','; j++)
			;
		at = memchr(line + i + k, '@', j - i - k);
		if (at == NULL || (size_t)(line + j - at - 1) >=
		    PROBE_EXPLAIN_REPORT_NAME_MAX)
			return;
		memcpy(out, at + 1, (size_t)(line + j - at - 1));
		out[line + j - at - 1] = '\0';
		return;
	}
}

/* The line's log stamp, cut to the room there is. */
static void
probe_explain_report_time(const char *line, size_t len, char *out)
{
	size_t n = probe_explain_stamp_len(line, len);

	if (n >= PROBE_EXPLAIN_REPORT_TIME_MAX)
		n = PROBE_EXPLAIN_REPORT_TIME_MAX - 1;
	memcpy(out, line, n);
	out[n] = '\0';
}

static const char *
probe_explain_report_capture(const struct probe_catalog_match *m,
    const char *name)
{
	size_t i;

	for (i = 0; i < m->ncaptures; i++)
		if (strcmp(m->captures[i].name, name) == 0)
			return m->captures[i].value;
	return NULL;
}

/* The group's facts of one reply: sender domain, source IP. */
static void
probe_explain_report_facts(const struct probe_explain_reply *r,
    const struct probe_explain_diag *d, const char *line, size_t len,
    char *sender, char *ip)
{
	const char *v;

	v = probe_explain_report_capture(&d->match, "domain");
	if (v != NULL && strlen(v) < PROBE_EXPLAIN_REPORT_NAME_MAX)
		memcpy(sender, v, strlen(v) + 1);
	else if (r->sender[0] != '\0')
		memcpy(sender, r->sender, strlen(r->sender) + 1);
	else
		probe_explain_report_addr(line, len, "from=<", sender);
	if (sender[0] == '\0')
		probe_explain_report_addr(line, len, " F=<", sender);
	v = probe_explain_report_capture(&d->match, "ip");
	ip[0] = '\0';
	if (v != NULL && strlen(v) < PROBE_EXPLAIN_REPORT_NAME_MAX)
		memcpy(ip, v, strlen(v) + 1);
}

static void
probe_explain_report_rcpt(struct probe_explain_group *g, const char *line,
    size_t len)
{
	char dom[PROBE_EXPLAIN_REPORT_NAME_MAX];
	size_t i;

	probe_explain_report_addr(line, len, "to=<", dom);
	if (dom[0] == '\0')
		probe_explain_report_addr(line, len, "** ", dom);
	if (dom[0] == '\0')
		return;
	for (i = 0; i < g->nrcpts; i++)
		if (strcmp(g->rcpts[i], dom) == 0)
			return;
	if (g->nrcpts == PROBE_EXPLAIN_REPORT_RCPTS_MAX) {
		g->rcpts_more++;
		return;
	}
	memcpy(g->rcpts[g->nrcpts++], dom, strlen(dom) + 1);
}

/* A new group from its first reply. */
static void
probe_explain_report_start(struct probe_explain_group *g,
    const struct probe_explain_reply *r, const struct probe_explain_diag *d,
    size_t text_no)
{
	size_t n = r->rawlen < sizeof(g->example_raw) - 1 ? r->rawlen :
	    sizeof(g->example_raw) - 1;

	g->diag = *d;
	g->example = *r;
	memcpy(g->example_raw, r->raw, n);
	g->example_raw[n] = '\0';
	g->example.raw = g->example_raw;
	g->example.rawlen = n;
	g->example.is_cut |= n < r->rawlen;
	g->example.text = NULL;		/* not kept: the match is */
	g->example.len = 0;
	g->first_line = r->line;
	g->text_no = text_no;
}

void
probe_explain_report_add(struct probe_explain_report *rep,
    const struct probe_explain_reply *r, const struct probe_explain_diag *d,
    const char *line, size_t len, size_t text_no)
{
	char sender[PROBE_EXPLAIN_REPORT_NAME_MAX];
	char ip[PROBE_EXPLAIN_REPORT_NAME_MAX];
	const struct probe_catalog_entry *e = d->match.entry;
	struct probe_explain_group *g = NULL;
	uint64_t h = 1469598103934665603ull;
	uint32_t slot, k;
	int v = d->has_verdict ? (int)d->verdict : -1;

	/* Addresses of the envelope are in the log's words, not the reply. */
	if (r->offset > 0 && r->offset < len)
		len = r->offset;
	probe_explain_report_facts(r, d, line, len, sender, ip);
	h = probe_explain_report_mix(h, &e, sizeof(e));
	h = probe_explain_report_mix(h, &v, sizeof(v));
	h = probe_explain_report_mix(h, sender, strlen(sender));
	h = probe_explain_report_mix(h, ip, strlen(ip));
	for (k = 0; k < PROBE_EXPLAIN_REPORT_SLOTS; k++) {
		slot = (uint32_t)(h + k) & (PROBE_EXPLAIN_REPORT_SLOTS - 1);
		if (rep->slots[slot] == 0)
			break;
		g = &rep->groups[rep->slots[slot] - 1];
		if (g->hash == h && g->diag.match.entry == e &&
		    (g->diag.has_verdict ? (int)g->diag.verdict : -1) == v &&
		    strcmp(g->sender, sender) == 0 && strcmp(g->ip, ip) == 0)
			break;
		g = NULL;
	}
	if (g == NULL) {
		if (rep->ngroups == PROBE_EXPLAIN_REPORT_GROUPS_MAX ||
		    k == PROBE_EXPLAIN_REPORT_SLOTS) {
			rep->other++;
			return;
		}
		g = &rep->groups[rep->ngroups++];
		rep->slots[slot] = (uint32_t)rep->ngroups;
		g->hash = h;
		memcpy(g->sender, sender, sizeof(sender));
		memcpy(g->ip, ip, sizeof(ip));
		probe_explain_report_start(g, r, d, text_no);
		probe_explain_report_time(line, len, g->first_time);
	}
	g->count++;
	g->last_line = r->line;
	probe_explain_report_time(line, len, g->last_time);
	probe_explain_report_rcpt(g, line, len);
}

static int
probe_explain_report_severity(const struct probe_explain_group *g)
{
	if (!g->diag.has_verdict)
		return 1;
	return g->diag.verdict == PROBE_VERDICT_FAIL ? 3 :
	    g->diag.verdict == PROBE_VERDICT_TEMPFAIL ? 2 : 0;
}

static int
probe_explain_report_cmp(const void *a, const void *b)
{
	const struct probe_explain_group *x = a, *y = b;
	int sx = probe_explain_report_severity(x);
	int sy = probe_explain_report_severity(y);

	if (sx != sy)
		return sy - sx;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->text_no != y->text_no)
		return x->text_no < y->text_no ? -1 : 1;
	return x->first_line < y->first_line ? -1 :
	    x->first_line > y->first_line;
}

void
probe_explain_report_sort(struct probe_explain_report *rep)
{
	size_t i;

	/* After sorting the index is stale: nothing is added any more. */
	qsort(rep->groups, rep->ngroups, sizeof(*rep->groups),
	    probe_explain_report_cmp);
	/* A group moved: its example's text lives inside it. */
	for (i = 0; i < rep->ngroups; i++)
		rep->groups[i].example.raw = rep->groups[i].example_raw;
	memset(rep->slots, 0, PROBE_EXPLAIN_REPORT_SLOTS *
	    sizeof(*rep->slots));
}
