/*
 * probe_report_matrix - the human report of a multi-path run: a header
 * line, a table with one row per sending path and one column per
 * provider profile whose cells say the verdict with stage, reply code and
 * cause ("FAIL end-of-data 550 5.7.26 unauthenticated"), then the details
 * of each cell that did not pass, in path order, under a heading
 * ("== mail2 / gmail: fail"), and a one-line count ("3 paths x 2
 * profiles: 5 pass, 1 fail").
 *
 * Path and profile names, causes and errors are escaped as text (\xNN,
 * probe_escape); column widths are those of the escaped text, so the
 * table stays aligned whatever the bytes. A cell's detail_text is
 * printed as it is: it was rendered and escaped when the probe ended. A
 * cell that could not run is shown as ERROR with our words for why
 * (probe_report_cell); a reason is cut after PROBE_REPORT_CELL_WHY_MAX
 * bytes with "...", the details below have it whole.
 *
 * Cells are row-major: paths[i] x profiles[j] is cells[i * nprofiles +
 * j]. Everything is borrowed. Writes to fp only; a write error shows in
 * ferror(fp), which the caller checks.
 */
#ifndef SMTPPROBE_PROBE_REPORT_MATRIX_H
#define SMTPPROBE_PROBE_REPORT_MATRIX_H

#include <stddef.h>
#include <stdio.h>

#include "probe/verdict/probe_cell.h"
#include "probe/verdict/probe_verdict.h"

/* Between two columns of the table. */
#define PROBE_MATRIX_GAP	"  "

/* The heading of the first column. */
#define PROBE_MATRIX_PATH_HEADING	"path"

/*
 * probe_report_matrix_render - the whole report; overall is the run's
 * verdict, named in the header line.
 */
void	probe_report_matrix_render(FILE *fp, const struct probe_cell *cells,
	    const char *const *paths, size_t npaths,
	    const char *const *profiles, size_t nprofiles,
	    enum probe_verdict overall);

/*
 * probe_report_matrix_quiet - for --quiet: nothing at all when overall
 * and every cell pass, else the same as probe_report_matrix_render().
 */
void	probe_report_matrix_quiet(FILE *fp, const struct probe_cell *cells,
	    const char *const *paths, size_t npaths,
	    const char *const *profiles, size_t nprofiles,
	    enum probe_verdict overall);

/*
 * probe_report_matrix_changes - for --report changes: nothing at all when
 * no cell changed its state since the last run and no reminder is due
 * (probe_history_note); else a header with how many, one line per such
 * cell ("mail2 / gmail: PASS -> FAIL end-of-data 550 5.7.26
 * unauthenticated", "still FAIL ... since TIME", "new: ..."), the whole
 * table, the details of those cells that do not pass, and the count. A
 * cell without history (none kept, or it could not be read) counts as
 * changed: nothing is hidden for want of a history.
 */
void	probe_report_matrix_changes(FILE *fp, const struct probe_cell *cells,
	    const char *const *paths, size_t npaths,
	    const char *const *profiles, size_t nprofiles,
	    enum probe_verdict overall);

#endif
