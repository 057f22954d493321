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
 * The verdict shown is probe_verdict_cell's: this module only finds the
 * words.
 */
#ifndef SMTPPROBE_PROBE_REPORT_CELL_H
#define SMTPPROBE_PROBE_REPORT_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
 * probe_report_cell_words - the words shown for c. A pass has none. A
 * cell that could not run has only why: its error, or "not run". Others
 * have the stage and the reply (when there was one), and why: the
 * catalog's cause, else, when there was no reply, our error.
 */
void	probe_report_cell_words(const struct probe_cell *c,
	    struct probe_report_cell_words *w);

/*
 * probe_report_cell_expect - for a cell with an expectation: " [as
 * expected]" or " [NOT as expected: wanted fail 5.7.26 unauthenticated]"
 * into fp (nothing without one; fp NULL measures). Returns the width.
 * Our own words and the expectation's checked words only: no escaping
 * is needed.
 */
size_t	probe_report_cell_expect(FILE *fp, const struct probe_cell *c);

#endif
