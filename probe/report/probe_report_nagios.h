/*
 * probe_report_nagios - a multi-path run as one Nagios plugin status
 * line (Nagios Plugin Development Guidelines, "Plugin Output" and
 * "Performance data"):
 *
 *   SMTPPROBE CRITICAL - 1 of 6 paths fail: mail2/gmail 550 5.7.26
 *   unauthenticated | 'mail1/gmail'=0.412s;;;0 'mail1/yahoo'=1.234s;;;0 ...
 *
 * (one line, wrapped here). The state word follows the run's verdict:
 * OK, WARNING, CRITICAL, UNKNOWN for pass, tempfail, fail, error, the
 * same numbers main() exits with. A "path" in the counts is one cell
 * (path x profile). The cells that did not pass are listed worst first,
 * in path order within a verdict, at most PROBE_NAGIOS_LIST_MAX of them,
 * then "and N more". Performance data gives each cell's time in seconds,
 * "U" for a cell that never ran.
 *
 * Escaping: the line must hold no newline but the last and no '|' but
 * the one that starts performance data, and a perfdata label is quoted
 * with single quotes and may hold neither a quote nor '='. So every name,
 * cause and error is written with printable ASCII as it is, except '|',
 * '=' and the single quote, which become \xNN like every control or
 * non-ASCII byte; a backslash is written "\\".
 *
 * Cells are row-major: paths[i] x profiles[j] is cells[i * nprofiles +
 * j]. Everything is borrowed. Writes to fp only; a write error shows in
 * ferror(fp), which the caller checks.
 */
#ifndef SMTPPROBE_PROBE_REPORT_NAGIOS_H
#define SMTPPROBE_PROBE_REPORT_NAGIOS_H

#include <stddef.h>
#include <stdio.h>

#include "probe/verdict/probe_cell.h"
#include "probe/verdict/probe_verdict.h"

/* Cells named on the status line; the rest are counted. */
#define PROBE_NAGIOS_LIST_MAX	5

/*
 * probe_report_nagios_state - "OK", "WARNING", "CRITICAL" or "UNKNOWN"
 * for v ("UNKNOWN" for a value out of range). Static storage.
 */
const char	*probe_report_nagios_state(enum probe_verdict v);

/*
 * probe_report_nagios_render - the status line and its performance data,
 * ending in one newline; overall is the run's verdict and sets the
 * state word.
 */
void	probe_report_nagios_render(FILE *fp, const struct probe_cell *cells,
	    const char *const *paths, size_t npaths,
	    const char *const *profiles, size_t nprofiles,
	    enum probe_verdict overall);

/*
 * probe_report_nagios_render_limits - probe_report_nagios_render with the
 * thresholds (lim may be NULL: none): the cells that crossed one are
 * named after the list ("; mail1/gmail took 12.301s (critical above
 * 10s)", "; mail2/gmail certificate expires in 5 days (warning within
 * 21)"), and the performance data carries -w and -c.
 */
void	probe_report_nagios_render_limits(FILE *fp,
	    const struct probe_cell *cells, const char *const *paths,
	    size_t npaths, const char *const *profiles, size_t nprofiles,
	    enum probe_verdict overall,
	    const struct probe_verdict_limits *lim);

/*
 * probe_report_nagios_unknown - the one status line of a run that could
 * not report its probes: "SMTPPROBE UNKNOWN - reason" (reason escaped as
 * above) and a newline.
 */
void	probe_report_nagios_unknown(FILE *fp, const char *reason);

#endif
