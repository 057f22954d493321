/*
 * probe_report_cell - what the matrix, Nagios and Prometheus reporters
 * show of one cell (probe_cell.h), so that the three agree: the verdict
 * as shown and the few words that say why ("end-of-data 550 5.7.26
 * unauthenticated"). It judges nothing: probe_verdict decided each
 * probe, and a cell that could not run has no verdict of its own, so it
 * is shown as an error with our words for why.
 *
 * A cell could not run when it never finished (is_done false: a source
 * address that is not local, no recipient for that profile) or when it
 * ended as an error with our words in error.
 *
 * Limits: PROBE_REPORT_CELL_WHY_MAX bytes of the reason are shown; the
 * rest is cut and flagged (is_cut) so that reporters can mark it.
 *
 * Nothing here writes, allocates or fails; the words point into the
 * cell and stay valid as long as it does. Text is returned raw: each
 * reporter escapes it for its own output.
 *
 * The functions are static inline, so this header has no .c: it is a
 * shared reading of probe_cell for the three reporters, not a module of
 * its own with a place in PROBE_SRCS.
 */
#ifndef SMTPPROBE_PROBE_REPORT_CELL_H
#define SMTPPROBE_PROBE_REPORT_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "probe/verdict/probe_cell.h"
#include "probe/verdict/probe_verdict.h"

/*
 * A matrix cell and an entry of the Nagios line are summaries; the whole
 * error is in the details. 60 bytes keep an entry readable next to its
 * neighbours and a Nagios line of five entries far below the 4 KB that
 * Nagios keeps of a plugin's first line.
 */
#define PROBE_REPORT_CELL_WHY_MAX	60

/* Shown for a cell that never ran and says nothing about why. */
#define PROBE_REPORT_CELL_NOT_RUN	"not run"

/*
 * The words of one cell. stage is a stage name or NULL; code is 0 when
 * there was no reply; enhanced (RFC 3463) is "" when there was none; why
 * is the catalog's cause or our error, "" when there is nothing to say,
 * of which why_len bytes are shown; is_cut says there was more.
 */
struct probe_report_cell_words {
	enum probe_verdict	 verdict;	/* as shown */
	const char		*stage;
	int			 code;
	const char		*enhanced;
	size_t			 enhanced_len;
	const char		*why;
	size_t			 why_len;
	bool			 is_cut;
};

/*
 * probe_report_cell_has_run - false when the cell could not run (see
 * above); such a cell is shown as an error.
 */
static inline bool
probe_report_cell_has_run(const struct probe_cell *c)
{
	if (!c->is_done)
		return false;
	return !(c->verdict == PROBE_VERDICT_ERROR && c->error[0] != '\0');
}

/* probe_report_cell_verdict - the verdict shown for c. */
static inline enum probe_verdict
probe_report_cell_verdict(const struct probe_cell *c)
{
	if (!probe_report_cell_has_run(c) ||
	    (unsigned)c->verdict >= PROBE_VERDICT_COUNT)
		return PROBE_VERDICT_ERROR;
	return c->verdict;
}

/*
 * probe_report_cell_why - point w's reason at text (a field of size
 * bytes that may lack its NUL), cut to PROBE_REPORT_CELL_WHY_MAX.
 */
static inline void
probe_report_cell_why(struct probe_report_cell_words *w, const char *text,
    size_t size)
{
	size_t len = strnlen(text, size);

	w->why = text;
	w->why_len = len > PROBE_REPORT_CELL_WHY_MAX ?
	    PROBE_REPORT_CELL_WHY_MAX : len;
	w->is_cut = len > PROBE_REPORT_CELL_WHY_MAX;
}

/*
 * probe_report_cell_words - the words shown for c. A pass has none. A
 * cell that could not run has only why: its error, or "not run". Others
 * have the stage and the reply (when there was one), and why: the
 * catalog's cause, else, when there was no reply, our error.
 */
static inline void
probe_report_cell_words(const struct probe_cell *c,
    struct probe_report_cell_words *w)
{
	memset(w, 0, sizeof(*w));
	w->verdict = probe_report_cell_verdict(c);
	w->enhanced = "";
	w->why = "";
	if (!probe_report_cell_has_run(c)) {
		if (c->error[0] != '\0')
			probe_report_cell_why(w, c->error, sizeof(c->error));
		else
			probe_report_cell_why(w, PROBE_REPORT_CELL_NOT_RUN,
			    sizeof(PROBE_REPORT_CELL_NOT_RUN));
		return;
	}
	if (w->verdict == PROBE_VERDICT_PASS)
		return;
	if (c->has_stage) {
		w->stage = smtp_stage_name(c->stage);
		w->code = c->code;
		w->enhanced = c->enhanced;
		w->enhanced_len = strnlen(c->enhanced, sizeof(c->enhanced));
	}
	if (c->cause[0] != '\0')
		probe_report_cell_why(w, c->cause, sizeof(c->cause));
	else if (w->code == 0)
		probe_report_cell_why(w, c->error, sizeof(c->error));
}

/*
 * probe_report_cell_count - count the n cells by shown verdict into
 * counts[PROBE_VERDICT_COUNT] (overwritten). Returns the worst shown
 * verdict, PROBE_VERDICT_PASS when n is 0.
 */
static inline enum probe_verdict
probe_report_cell_count(const struct probe_cell *cells, size_t n,
    size_t counts[PROBE_VERDICT_COUNT])
{
	enum probe_verdict v, worst = PROBE_VERDICT_PASS;
	size_t i;

	memset(counts, 0, PROBE_VERDICT_COUNT * sizeof(counts[0]));
	for (i = 0; i < n; i++) {
		v = probe_report_cell_verdict(&cells[i]);
		counts[v]++;
		/* The enum is ordered by severity (probe_verdict.h). */
		if (v > worst)
			worst = v;
	}
	return worst;
}

#endif
