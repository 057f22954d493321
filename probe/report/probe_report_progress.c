/*
 * probe_report_progress - the progress line.
 */
#include "probe/report/probe_report_progress.h"

void
probe_report_progress_render(FILE *fp, size_t done, size_t total,
    size_t failing, const char *unit)
{
	char line[PROBE_REPORT_PROGRESS_WIDTH + 1];

	(void)snprintf(line, sizeof(line), "smtpprobe: %zu/%zu %s done, %zu "
	    "not passing", done, total, unit, failing);
	fprintf(fp, "\r%-*s", PROBE_REPORT_PROGRESS_WIDTH, line);
	(void)fflush(fp);	/* a terminal line; nothing to do if it fails */
}

void
probe_report_progress_erase(FILE *fp)
{
	fprintf(fp, "\r%*s\r", PROBE_REPORT_PROGRESS_WIDTH, "");
	(void)fflush(fp);	/* as above */
}
