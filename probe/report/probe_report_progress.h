/*
 * probe_report_progress - the one line a person at a terminal sees while
 * a run of many probes goes on: "smtpprobe: 7/20 paths done, 2 not
 * passing", rewritten in place with a carriage return and erased when
 * the run ends, so that the report that follows starts on a clean line.
 *
 * Rendering only: the caller decides whether stderr is a terminal (the
 * line is never written to a pipe, a file or cron's mail) and when to
 * draw. Writes to fp only; a write error shows in ferror(fp).
 */
#ifndef SMTPPROBE_PROBE_REPORT_PROGRESS_H
#define SMTPPROBE_PROBE_REPORT_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

/* The widest line drawn, so that erasing it needs no terminal codes. */
#define PROBE_REPORT_PROGRESS_WIDTH	72

/*
 * probe_report_progress_render - "\r" and the line for done of total
 * probes (unit "paths" or "probes"), failing of them not passing,
 * padded to PROBE_REPORT_PROGRESS_WIDTH so a shorter line covers a
 * longer one; no newline.
 */
void	probe_report_progress_render(FILE *fp, size_t done, size_t total,
	    size_t failing, const char *unit);

/* probe_report_progress_erase - blank the line and return to its start. */
void	probe_report_progress_erase(FILE *fp);

#endif
