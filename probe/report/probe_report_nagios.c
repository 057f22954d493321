/*
 * probe_report_nagios - one Nagios status line with performance data.
 */
#include <stdbool.h>
#include <string.h>

#include "probe/report/probe_report_cell.h"
#include "probe/util/probe_when.h"
#include "probe/report/probe_report_nagios.h"

/* The same order as the exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3. */
static const char *const probe_nagios_states[] = {
	[PROBE_VERDICT_PASS] = "OK",
	[PROBE_VERDICT_TEMPFAIL] = "WARNING",
	[PROBE_VERDICT_FAIL] = "CRITICAL",
	[PROBE_VERDICT_ERROR] = "UNKNOWN",
};
_Static_assert(sizeof(probe_nagios_states) / sizeof(probe_nagios_states[0])
    == PROBE_VERDICT_COUNT, "each verdict needs a state");

static const char probe_nagios_hex[] = "0123456789abcdef";

/* What a run of the line needs besides fp. */
struct probe_nagios {
	const struct probe_cell	 *cells;
	const char *const	 *paths;
	size_t			  npaths;
	const char *const	 *profiles;
	size_t			  nprofiles;
	const struct probe_verdict_limits *lim;	/* NULL: none */
};

const char *
probe_report_nagios_state(enum probe_verdict v)
{
	if ((unsigned)v >= PROBE_VERDICT_COUNT)
		return probe_nagios_states[PROBE_VERDICT_ERROR];
	return probe_nagios_states[v];
}

/*
 * Write len bytes of s for the status line or a perfdata label: '|'
 * would start performance data, '=' and a single quote would end a
 * label, a newline would end the output Nagios reads as the status.
 */
static void
probe_nagios_escape(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", fp);
		else if (c >= 0x20 && c < 0x7f && c != '|' && c != '=' &&
		    c != '\'')
			putc(c, fp);
		else
			fprintf(fp, "\\x%c%c", probe_nagios_hex[c >> 4],
			    probe_nagios_hex[c & 15]);
	}
}

/* "mail2/gmail". */
static void
probe_nagios_name(FILE *fp, const struct probe_nagios *m, size_t cell)
{
	const char *path = m->paths[cell / m->nprofiles];
	const char *profile = m->profiles[cell % m->nprofiles];

	probe_nagios_escape(fp, path, strlen(path));
	putc('/', fp);
	probe_nagios_escape(fp, profile, strlen(profile));
}

/*
 * One entry of the list: "mail2/gmail 550 5.7.26 unauthenticated", or
 * with no reply, the stage: "mail2/yahoo connect Connection timed out".
 */
static void
probe_nagios_entry(FILE *fp, const struct probe_nagios *m, size_t cell)
{
	struct probe_report_cell_words w;

	probe_report_cell_words(&m->cells[cell], &w);
	probe_nagios_name(fp, m, cell);
	/* Listed although it passed: only an expectation does that. */
	if (w.verdict == PROBE_VERDICT_PASS)
		fputs(" pass", fp);
	if (w.code != 0)
		fprintf(fp, " %d", w.code);
	else if (w.stage != NULL)
		fprintf(fp, " %s", w.stage);
	if (w.enhanced_len > 0) {
		putc(' ', fp);
		probe_nagios_escape(fp, w.enhanced, w.enhanced_len);
	}
	if (w.why_len > 0) {
		putc(' ', fp);
		probe_nagios_escape(fp, w.why, w.why_len);
	}
	if (w.is_cut)
		fputs("...", fp);
	(void)probe_report_cell_expect(fp, &m->cells[cell]);
	/* A state that lasts is worse than a new one: say for how long. */
	if (m->cells[cell].has_history && !m->cells[cell].changed) {
		char span[32];

		probe_when_span(m->cells[cell].state_s, span, sizeof(span));
		fprintf(fp, " (for %s)", span);
	}
}

/* The cells that did not pass, worst first, then how many were left. */
static void
probe_nagios_list(FILE *fp, const struct probe_nagios *m, size_t total)
{
	/* The run's order (probe_verdict_run): fail, tempfail, error. */
	static const enum probe_verdict order[] = { PROBE_VERDICT_FAIL,
	    PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_ERROR };
	size_t i, k, listed = 0, left = 0;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (i = 0; i < total; i++) {
			if (probe_verdict_cell(&m->cells[i]) != order[k])
				continue;
			if (listed == PROBE_NAGIOS_LIST_MAX) {
				left++;
				continue;
			}
			fputs(listed == 0 ? ": " : ", ", fp);
			probe_nagios_entry(fp, m, i);
			listed++;
		}
	}
	if (left > 0)
		fprintf(fp, ", and %zu more", left);
}

/* "6 of 6 paths pass", or "1 of 6 paths error, 2 fail, 1 tempfail". */
/*
 * "6 of 7 paths fail, 1 error": the cells at the run's verdict, then the
 * other verdicts that are not pass, worst first.
 */
static void
probe_nagios_counts(FILE *fp, const size_t *counts, size_t total,
    const char *unit, enum probe_verdict overall)
{
	static const enum probe_verdict others[] = { PROBE_VERDICT_FAIL,
	    PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_ERROR };
	size_t i;

	fprintf(fp, "%zu of %zu %s %s", counts[overall], total, unit,
	    probe_verdict_name(overall));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (others[i] != overall && counts[others[i]] > 0)
			fprintf(fp, ", %zu %s", counts[others[i]],
			    probe_verdict_name(others[i]));
}

/*
 * A pre-launch run: "4 of 4 expectations hold", or "1 of 4 expectations
 * not met: new/yahoo 550 5.7.1 blocklisted [NOT as expected: wanted
 * pass]", the unmet ones listed.
 */
static void
probe_nagios_expectations(FILE *fp, const struct probe_nagios *m,
    size_t total)
{
	size_t met, unmet, i, listed = 0;

	(void)probe_verdict_expectations(m->cells, total, &met, &unmet);
	if (unmet == 0) {
		fprintf(fp, "%zu of %zu expectations hold", met, met);
		return;
	}
	fprintf(fp, "%zu of %zu expectations not met", unmet, met + unmet);
	for (i = 0; i < total && listed < PROBE_NAGIOS_LIST_MAX; i++) {
		if (probe_verdict_expect_met(&m->cells[i]))
			continue;
		fputs(listed == 0 ? ": " : ", ", fp);
		probe_nagios_entry(fp, m, i);
		listed++;
	}
	if (unmet > listed)
		fprintf(fp, ", and %zu more", unmet - listed);
}

/* A threshold in perfdata: "" when not given. */
static void
probe_nagios_threshold(FILE *fp, double secs)
{
	if (secs > 0)
		fprintf(fp, "%g", secs);
}

/*
 * " | 'mail1/gmail'=0.412s;W;C;0 ...": each cell's time, U if never run,
 * W and C the -w and -c thresholds when given.
 */
static void
probe_nagios_perfdata(FILE *fp, const struct probe_nagios *m, size_t total)
{
	size_t i;

	fputs(" |", fp);
	for (i = 0; i < total; i++) {
		fputs(" '", fp);
		probe_nagios_name(fp, m, i);
		if (m->cells[i].is_done)
			fprintf(fp, "'=%.3fs;", m->cells[i].elapsed_ms / 1000.0);
		else
			fputs("'=U;", fp);
		probe_nagios_threshold(fp, m->lim ? m->lim->warn_s : 0);
		putc(';', fp);
		probe_nagios_threshold(fp, m->lim ? m->lim->crit_s : 0);
		fputs(";0", fp);
	}
}

/* " certificate expires in 5 days (critical within 7)". */
static void
probe_nagios_cert_days(FILE *fp, long long days, bool is_crit, int limit)
{
	fprintf(fp, " certificate expires in %lld day%s (%s within %d)", days,
	    days == 1 ? "" : "s", is_crit ? "critical" : "warning", limit);
}

/*
 * A --critical-after duration as it was most likely written: "2h", "1d",
 * "90m", in the largest unit that divides it.
 */
static void
probe_nagios_duration(FILE *fp, long long secs)
{
	if (secs % 86400 == 0)
		fprintf(fp, "%lldd", secs / 86400);
	else if (secs % 3600 == 0)
		fprintf(fp, "%lldh", secs / 3600);
	else if (secs % 60 == 0)
		fprintf(fp, "%lldm", secs / 60);
	else
		fprintf(fp, "%llds", secs);
}

/* " tempfail for 2h 5m >= --critical-after 2h". */
static void
probe_nagios_lasting(FILE *fp, const struct probe_cell *c, long long limit)
{
	char span[32];

	probe_when_span(c->state_s, span, sizeof(span));
	fprintf(fp, " tempfail for %s >= --critical-after ", span);
	probe_nagios_duration(fp, limit);
}

/*
 * "; mail1/gmail took 12.301s (critical above 10s), ...": the cells a
 * threshold raised, at most PROBE_NAGIOS_LIST_MAX of them.
 */
static void
probe_nagios_limits(FILE *fp, const struct probe_nagios *m, size_t total)
{
	const struct probe_verdict_limits *l = m->lim;
	const struct probe_cell *c;
	enum probe_verdict_limit which;
	enum probe_verdict v;
	size_t i, listed = 0, left = 0;
	bool is_crit;

	for (i = 0; l != NULL && i < total; i++) {
		c = &m->cells[i];
		v = probe_verdict_cell_limit(c, l, &which);
		if (v == PROBE_VERDICT_PASS)
			continue;
		if (listed == PROBE_NAGIOS_LIST_MAX) {
			left++;
			continue;
		}
		is_crit = v == PROBE_VERDICT_FAIL;
		fputs(listed++ == 0 ? "; " : ", ", fp);
		probe_nagios_name(fp, m, i);
		if (which == PROBE_LIMIT_LASTING)
			probe_nagios_lasting(fp, c, l->critical_after_s);
		else if (which == PROBE_LIMIT_DURATION)
			fprintf(fp, " took %.3fs (%s above %gs)",
			    c->elapsed_ms / 1000.0, is_crit ? "critical" :
			    "warning", is_crit ? l->crit_s : l->warn_s);
		else if (c->cert_not_after <= l->now)
			fputs(" certificate expired", fp);
		else
			probe_nagios_cert_days(fp, (c->cert_not_after - l->now) /
			    86400, is_crit, is_crit ? l->cert_crit_days :
			    l->cert_warn_days);
	}
	if (left > 0)
		fprintf(fp, ", and %zu more", left);
}

void
probe_report_nagios_unknown(FILE *fp, const char *reason)
{
	fprintf(fp, "SMTPPROBE %s - ", probe_report_nagios_state(
	    PROBE_VERDICT_ERROR));
	probe_nagios_escape(fp, reason, strlen(reason));
	putc('\n', fp);
}

void
probe_report_nagios_render(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, enum probe_verdict overall)
{
	probe_report_nagios_render_limits(fp, cells, paths, npaths, profiles,
	    nprofiles, overall, NULL);
}

void
probe_report_nagios_render_limits(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, enum probe_verdict overall,
    const struct probe_verdict_limits *lim)
{
	const struct probe_nagios m = { cells, paths, npaths, profiles,
	    nprofiles, lim };
	size_t counts[PROBE_VERDICT_COUNT], total = npaths * nprofiles;
	enum probe_verdict counted;

	/*
	 * The state is overall, decided already. The counts start at the
	 * cells' own verdict when overall is not among them (a run that
	 * failed after its probes, as when its output cannot be written).
	 */
	counted = probe_verdict_run(cells, total, counts);
	if (counts[overall] > 0)
		counted = overall;
	fprintf(fp, "SMTPPROBE %s - ", probe_report_nagios_state(overall));
	if (total == 0) {
		fputs("no paths to probe\n", fp);
		return;
	}
	if (probe_verdict_has_expectations(cells, total)) {
		probe_nagios_expectations(fp, &m, total);
	} else {
		/* A cell is a path against one profile: say so then. */
		probe_nagios_counts(fp, counts, total, nprofiles > 1 ?
		    "probes" : total == 1 ? "path" : "paths", counted);
		probe_nagios_list(fp, &m, total);
		probe_nagios_limits(fp, &m, total);
	}
	probe_nagios_perfdata(fp, &m, total);
	putc('\n', fp);
}
