/*
 * probe_report_cell - the words the matrix, Nagios and Prometheus
 * reporters show of one cell.
 */
#include <string.h>

#include "probe/report/probe_report_cell.h"

/*
 * Point w's reason at text (a field of size bytes that may lack its
 * NUL), cut to PROBE_REPORT_CELL_WHY_MAX.
 */
static void
probe_report_cell_why(struct probe_report_cell_words *w, const char *text,
    size_t size)
{
	size_t len = strnlen(text, size);

	w->why = text;
	w->why_len = len > PROBE_REPORT_CELL_WHY_MAX ?
	    PROBE_REPORT_CELL_WHY_MAX : len;
	w->is_cut = len > PROBE_REPORT_CELL_WHY_MAX;
}

void
probe_report_cell_words(const struct probe_cell *c,
    struct probe_report_cell_words *w)
{
	memset(w, 0, sizeof(*w));
	w->verdict = probe_verdict_cell(c);
	w->enhanced = "";
	w->why = "";
	if (!probe_verdict_cell_has_run(c)) {
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


size_t
probe_report_cell_expect(FILE *fp, const struct probe_cell *c)
{
	const struct probe_expect *e = &c->expect;
	char buf[128];
	int n;

	if (!e->set)
		return 0;
	if (probe_verdict_expect_met(c))
		n = snprintf(buf, sizeof(buf), " [as expected]");
	else
		n = snprintf(buf, sizeof(buf), " [NOT as expected: wanted "
		    "%s%s%s%s%s]", probe_verdict_name(e->verdict),
		    e->enhanced[0] ? " " : "", e->enhanced,
		    e->cause[0] ? " " : "", e->cause);
	if (n < 0)
		return 0;
	if (fp != NULL)
		fputs(buf, fp);
	return strlen(buf);
}
