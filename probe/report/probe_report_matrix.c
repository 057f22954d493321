/*
 * probe_report_matrix - the path x profile table and its details.
 */
#include <stdlib.h>
#include <string.h>

#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"
#include "probe/report/probe_report_cell.h"
#include "probe/report/probe_report_matrix.h"

/* The verdict as a table cell starts: upper case stands out in a row. */
static const char *const probe_matrix_words[] = {
	[PROBE_VERDICT_PASS] = "PASS",
	[PROBE_VERDICT_TEMPFAIL] = "TEMPFAIL",
	[PROBE_VERDICT_FAIL] = "FAIL",
	[PROBE_VERDICT_ERROR] = "ERROR",
};
_Static_assert(sizeof(probe_matrix_words) / sizeof(probe_matrix_words[0])
    == PROBE_VERDICT_COUNT, "each verdict needs a word");

/* What a run of the table needs besides fp. */
struct probe_matrix {
	const struct probe_cell	 *cells;
	const char *const	 *paths;
	size_t			  npaths;
	const char *const	 *profiles;
	size_t			  nprofiles;
};

/*
 * Write len bytes of s escaped, or only measure them when fp is NULL.
 * Returns the width written. Measuring and writing go through the same
 * calls, so that a cell is as wide as its column says.
 */
static size_t
probe_matrix_put(FILE *fp, const char *s, size_t len)
{
	if (fp != NULL)
		probe_escape_text(fp, s, len);
	return probe_escape_text_len(s, len);
}

static size_t
probe_matrix_puts(FILE *fp, const char *s)
{
	return probe_matrix_put(fp, s, strlen(s));
}

/* One cell: "FAIL end-of-data 550 5.7.26 unauthenticated". */
static size_t
probe_matrix_cell(FILE *fp, const struct probe_cell *c)
{
	struct probe_report_cell_words w;
	char code[16];
	size_t n;

	probe_report_cell_words(c, &w);
	n = probe_matrix_puts(fp, probe_matrix_words[w.verdict]);
	if (w.stage != NULL) {
		n += probe_matrix_puts(fp, " ");
		n += probe_matrix_puts(fp, w.stage);
	}
	if (w.code != 0) {
		/* An int fits: the result cannot be cut. */
		(void)snprintf(code, sizeof(code), " %d", w.code);
		n += probe_matrix_puts(fp, code);
	}
	if (w.enhanced_len > 0) {
		n += probe_matrix_puts(fp, " ");
		n += probe_matrix_put(fp, w.enhanced, w.enhanced_len);
	}
	if (w.why_len > 0) {
		n += probe_matrix_puts(fp, " ");
		n += probe_matrix_put(fp, w.why, w.why_len);
	}
	if (w.is_cut)
		n += probe_matrix_puts(fp, "...");
	return n + probe_report_cell_expect(fp, c);
}

static void
probe_matrix_pad(FILE *fp, size_t have, size_t want)
{
	if (have < want)
		fprintf(fp, "%*s", (int)(want - have), "");
}

/* Column widths: widths[0] for the paths, widths[1 + j] for profile j. */
static void
probe_matrix_widths(const struct probe_matrix *m, size_t *widths)
{
	size_t i, j, n;

	widths[0] = strlen(PROBE_MATRIX_PATH_HEADING);
	for (i = 0; i < m->npaths; i++) {
		n = probe_matrix_puts(NULL, m->paths[i]);
		if (n > widths[0])
			widths[0] = n;
	}
	for (j = 0; j < m->nprofiles; j++) {
		widths[1 + j] = probe_matrix_puts(NULL, m->profiles[j]);
		for (i = 0; i < m->npaths; i++) {
			n = probe_matrix_cell(NULL,
			    &m->cells[i * m->nprofiles + j]);
			if (n > widths[1 + j])
				widths[1 + j] = n;
		}
	}
}

/*
 * One row of the table; row is npaths for the heading. widths is NULL
 * when they could not be measured. The last column is not padded, so
 * that no line ends in blanks.
 */
static void
probe_matrix_row(FILE *fp, const struct probe_matrix *m, size_t row,
    const size_t *widths)
{
	size_t j, n;

	n = probe_matrix_puts(fp, row == m->npaths ?
	    PROBE_MATRIX_PATH_HEADING : m->paths[row]);
	for (j = 0; j < m->nprofiles; j++) {
		if (widths != NULL)
			probe_matrix_pad(fp, n, widths[j]);
		fputs(PROBE_MATRIX_GAP, fp);
		if (row == m->npaths)
			n = probe_matrix_puts(fp, m->profiles[j]);
		else
			n = probe_matrix_cell(fp,
			    &m->cells[row * m->nprofiles + j]);
	}
	putc('\n', fp);
}

/*
 * The table. Widths take one allocation; without it the rows still say
 * everything, only unaligned, which beats losing the report.
 */
static void
probe_matrix_table(FILE *fp, const struct probe_matrix *m)
{
	size_t *widths, i;

	widths = calloc(1 + m->nprofiles, sizeof(*widths));
	if (widths != NULL)
		probe_matrix_widths(m, widths);
	probe_matrix_row(fp, m, m->npaths, widths);	/* the heading */
	for (i = 0; i < m->npaths; i++)
		probe_matrix_row(fp, m, i, widths);
	free(widths);
}

/*
 * The details of one cell that did not pass, under its heading: what the
 * probe rendered, else our error (a cell that could not run has no
 * rendering).
 */
static void
probe_matrix_detail(FILE *fp, const struct probe_cell *c, const char *path,
    const char *profile)
{
	size_t len;

	fputs("\n== ", fp);
	(void)probe_matrix_puts(fp, path);	/* the width is for tables */
	fputs(" / ", fp);
	(void)probe_matrix_puts(fp, profile);	/* likewise */
	fprintf(fp, ": %s\n",
	    probe_verdict_name(probe_verdict_cell(c)));
	if (c->detail_text != NULL) {
		/* Rendered and escaped by probe_report_text already. */
		len = strlen(c->detail_text);
		fputs(c->detail_text, fp);
		if (len > 0 && c->detail_text[len - 1] != '\n')
			putc('\n', fp);
	} else if (c->error[0] != '\0') {
		fputs("  ", fp);
		probe_escape_text(fp, c->error, strnlen(c->error,
		    sizeof(c->error)));
		putc('\n', fp);
	}
}

/* What --report changes reports: a change, a due reminder, or no history. */
static bool
probe_matrix_reported(const struct probe_cell *c)
{
	return !c->has_history || c->changed || c->remind;
}

static void
probe_matrix_details(FILE *fp, const struct probe_matrix *m, bool changes)
{
	const struct probe_cell *c;
	size_t i, j;

	for (i = 0; i < m->npaths; i++) {
		for (j = 0; j < m->nprofiles; j++) {
			c = &m->cells[i * m->nprofiles + j];
			if (probe_verdict_cell(c) == PROBE_VERDICT_PASS ||
			    (changes && !probe_matrix_reported(c)))
				continue;
			/* A heading over nothing would only repeat the row. */
			if (c->detail_text != NULL || c->error[0] != '\0')
				probe_matrix_detail(fp, c, m->paths[i],
				    m->profiles[j]);
		}
	}
}

/* A pre-launch run: whether every expectation holds. */
static void
probe_matrix_ready(FILE *fp, const struct probe_matrix *m)
{
	size_t met, unmet, n = m->npaths * m->nprofiles;
	enum probe_verdict v;

	if (!probe_verdict_has_expectations(m->cells, n))
		return;
	v = probe_verdict_expectations(m->cells, n, &met, &unmet);
	if (v == PROBE_VERDICT_PASS)
		fprintf(fp, "ready: all %zu expectation%s hold\n", met,
		    met == 1 ? "" : "s");
	else if (unmet > 0)
		fprintf(fp, "NOT READY: %zu of %zu expectation%s not met\n",
		    unmet, met + unmet, met + unmet == 1 ? "" : "s");
	else
		fprintf(fp, "NOT READY: every expectation holds, but a path "
		    "could not run\n");
}

/* "3 paths x 2 profiles: 5 pass, 1 fail". */
static void
probe_matrix_summary(FILE *fp, const struct probe_matrix *m,
    const size_t *counts)
{
	const char *sep = ": ";
	size_t v;

	fprintf(fp, "%zu path%s x %zu profile%s", m->npaths,
	    m->npaths == 1 ? "" : "s", m->nprofiles,
	    m->nprofiles == 1 ? "" : "s");
	for (v = 0; v < PROBE_VERDICT_COUNT; v++) {
		if (counts[v] == 0)
			continue;
		fprintf(fp, "%s%zu %s", sep, counts[v],
		    probe_verdict_name((enum probe_verdict)v));
		sep = ", ";
	}
	if (m->npaths * m->nprofiles == 0)
		fputs(": nothing probed", fp);
	putc('\n', fp);
	probe_matrix_ready(fp, m);
}

void
probe_report_matrix_render(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, enum probe_verdict overall)
{
	const struct probe_matrix m = { cells, paths, npaths, profiles,
	    nprofiles };
	size_t counts[PROBE_VERDICT_COUNT];

	/* The worst is overall's business; only the counts are needed. */
	(void)probe_verdict_run(cells, npaths * nprofiles, counts);
	fprintf(fp, "smtpprobe %s: verdict %s\n\n", SMTPPROBE_VERSION,
	    probe_verdict_name(overall));
	probe_matrix_table(fp, &m);
	probe_matrix_details(fp, &m, false);
	putc('\n', fp);
	probe_matrix_summary(fp, &m, counts);
}

/*
 * "mail2 / gmail: PASS -> FAIL end-of-data 550 5.7.26 unauthenticated",
 * or for a reminder "mail2 / gmail: still FAIL ... since TIME".
 */
static void
probe_matrix_change(FILE *fp, const struct probe_cell *c, const char *path,
    const char *profile)
{
	char when[PROBE_WHEN_ISO_MAX];
	enum probe_verdict was = c->prev_verdict < PROBE_VERDICT_COUNT ?
	    c->prev_verdict : PROBE_VERDICT_ERROR;

	(void)probe_matrix_puts(fp, path);
	fputs(" / ", fp);
	(void)probe_matrix_puts(fp, profile);
	fputs(": ", fp);
	if (!c->has_history) {
		fputs("(no history) ", fp);
	} else if (!c->had_prev) {
		fputs("new: ", fp);
	} else if (c->changed) {
		(void)probe_matrix_puts(fp, probe_matrix_words[was]);
		if (c->prev_cause[0] != '\0') {
			fputs(" (", fp);
			(void)probe_matrix_puts(fp, c->prev_cause);
			putc(')', fp);
		}
		fputs(" -> ", fp);
	} else {
		fputs("still ", fp);
	}
	(void)probe_matrix_cell(fp, c);
	if (c->has_history && !c->changed) {
		probe_when_iso((time_t)c->since, when, sizeof(when));
		fprintf(fp, " since %s", when);
	}
	putc('\n', fp);
}

void
probe_report_matrix_changes(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, enum probe_verdict overall)
{
	const struct probe_matrix m = { cells, paths, npaths, profiles,
	    nprofiles };
	size_t counts[PROBE_VERDICT_COUNT], i, j, n = 0, total;

	total = npaths * nprofiles;
	for (i = 0; i < total; i++)
		n += probe_matrix_reported(&cells[i]);
	if (n == 0)
		return;
	(void)probe_verdict_run(cells, total, counts);
	fprintf(fp, "smtpprobe %s: verdict %s; %zu of %zu cell%s changed or "
	    "still failing\n\n", SMTPPROBE_VERSION,
	    probe_verdict_name(overall), n, total, total == 1 ? "" : "s");
	for (i = 0; i < npaths; i++)
		for (j = 0; j < nprofiles; j++)
			if (probe_matrix_reported(&cells[i * nprofiles + j]))
				probe_matrix_change(fp, &cells[i * nprofiles +
				    j], paths[i], profiles[j]);
	putc('\n', fp);
	probe_matrix_table(fp, &m);
	probe_matrix_details(fp, &m, true);
	putc('\n', fp);
	probe_matrix_summary(fp, &m, counts);
}

void
probe_report_matrix_quiet(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, enum probe_verdict overall)
{
	size_t counts[PROBE_VERDICT_COUNT];

	/* Only the counts are needed: every cell must pass. */
	(void)probe_verdict_run(cells, npaths * nprofiles, counts);
	if (overall == PROBE_VERDICT_PASS &&
	    counts[PROBE_VERDICT_PASS] == npaths * nprofiles)
		return;
	probe_report_matrix_render(fp, cells, paths, npaths, profiles,
	    nprofiles, overall);
}
