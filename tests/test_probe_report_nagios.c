/*
 * test_probe_report_nagios - a multi-path run as one Nagios status line:
 * the state word from the run's verdict, how many cells (path x profile)
 * did not pass, the worst first and at most five of them, then
 * performance data with each cell's time under a single-quoted label.
 * Whatever bytes the names and errors hold, the output is one line with
 * one '|', and no label holds a quote or '='. Cells come from
 * tests/support/cell_case.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probe/report/probe_report_nagios.h"
#include "tests/support/cell_case.h"
#include "tests/support/mem_out.h"

/* The hostile path name as the Nagios line shows it. */
#define HOSTILE_NAGIOS	"a\\x7cb\\x27c\"d\\x0ae\\x1bf\\\\g\\x3dh"

/* The performance data of cell_case_all_pass(). */
#define ALL_PASS_PERF \
	" | 'mail1/gmail'=0.100s;;;0 'mail1/yahoo'=0.200s;;;0 " \
	"'mail2/gmail'=0.300s;;;0 'mail2/yahoo'=0.400s;;;0 " \
	"'mail3/gmail'=0.500s;;;0 'mail3/yahoo'=0.600s;;;0\n"

/* One test's state; fini frees it even when an assertion failed. */
static struct cell_case k;
static struct mem_out out;

static void
nagios_setup(void)
{
	memset(&k, 0, sizeof(k));
	memset(&out, 0, sizeof(out));
}

static void
nagios_teardown(void)
{
	cell_case_free(&k);
	mem_out_free(&out);
}

TestSuite(probe_report_nagios, .init = nagios_setup,
    .fini = nagios_teardown);

/* Render, and check what every Nagios line must be: one line, one '|'. */
static const char *
render(void)
{
	const char *bar;

	cr_assert_not_null(mem_out_open(&out));
	probe_report_nagios_render(out.fp, k.cells, k.paths, k.npaths,
	    k.profiles, k.nprofiles, k.overall);
	cr_assert_not(ferror(out.fp));
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_gt(out.len, 0);
	cr_assert_eq(strlen(out.data), out.len, "a NUL in the line");
	cr_assert_eq(strchr(out.data, '\n'), out.data + out.len - 1,
	    "not exactly one line:\n%s", out.data);
	bar = strchr(out.data, '|');
	if (bar != NULL)
		cr_assert_null(strchr(bar + 1, '|'), "a second '|': %s",
		    out.data);
	return out.data;
}

/* A cell that fails at the end of data, as Gmail refuses mail2. */
static void
set_fail_550(struct probe_cell *c)
{
	c->verdict = PROBE_VERDICT_FAIL;
	c->code = 550;
	(void)snprintf(c->enhanced, sizeof(c->enhanced), "5.7.26");
	(void)snprintf(c->cause, sizeof(c->cause), "unauthenticated");
}

/*
 * Check one perfdata item at *p ("'label'=0.412s;;;0" or "'label'=U;;;0"
 * per the Nagios plugin guidelines) and move *p past it.
 */
static void
assert_perf_item(const char **p)
{
	const char *s = *p;
	size_t n;

	cr_assert_eq(*s, '\'', "no opening quote at: %s", s);
	s++;
	n = strcspn(s, "'=");
	cr_assert_gt(n, 0, "an empty label at: %s", *p);
	cr_assert_eq(s[n], '\'', "a label that holds '=' at: %s", *p);
	s += n + 1;
	cr_assert_eq(*s, '=', "no '=' after the label at: %s", *p);
	s++;
	if (*s == 'U') {
		s++;
	} else {
		n = strspn(s, "0123456789.");
		cr_assert_gt(n, 0, "no value at: %s", *p);
		cr_assert_eq(strspn(s, "0123456789"), n - 4,
		    "not 3 decimals at: %s", *p);
		s += n;
		cr_assert_eq(*s, 's', "no unit at: %s", *p);
		s++;
	}
	cr_assert_eq(strncmp(s, ";;;0", 4), 0, "no ;;;0 at: %s", *p);
	*p = s + 4;
}

Test(probe_report_nagios, names_the_state_of_each_verdict)
{
	cr_assert_str_eq(probe_report_nagios_state(PROBE_VERDICT_PASS), "OK");
	cr_assert_str_eq(probe_report_nagios_state(PROBE_VERDICT_TEMPFAIL),
	    "WARNING");
	cr_assert_str_eq(probe_report_nagios_state(PROBE_VERDICT_FAIL),
	    "CRITICAL");
	cr_assert_str_eq(probe_report_nagios_state(PROBE_VERDICT_ERROR),
	    "UNKNOWN");
	cr_assert_str_eq(probe_report_nagios_state((enum probe_verdict)99),
	    "UNKNOWN");
}

Test(probe_report_nagios, says_ok_and_every_time_when_all_pass)
{
	cell_case_all_pass(&k);
	cr_assert_str_eq(render(), "SMTPPROBE OK - 6 of 6 probes pass"
	    ALL_PASS_PERF);
}

Test(probe_report_nagios, is_critical_with_the_refusal_as_the_issue_shows_it)
{
	cell_case_all_pass(&k);
	set_fail_550(&k.cells[2]);
	k.overall = PROBE_VERDICT_FAIL;
	cr_assert_str_eq(render(), "SMTPPROBE CRITICAL - 1 of 6 probes fail: "
	    "mail2/gmail 550 5.7.26 unauthenticated" ALL_PASS_PERF);
}

Test(probe_report_nagios, is_warning_for_a_tempfail)
{
	struct probe_cell *c;

	cell_case_all_pass(&k);
	c = &k.cells[5];
	c->verdict = PROBE_VERDICT_TEMPFAIL;
	c->stage = SMTP_STAGE_MAIL;
	c->code = 421;
	(void)snprintf(c->enhanced, sizeof(c->enhanced), "4.7.0");
	(void)snprintf(c->cause, sizeof(c->cause), "rate_limited");
	k.overall = PROBE_VERDICT_TEMPFAIL;
	cr_assert_str_eq(render(), "SMTPPROBE WARNING - 1 of 6 probes "
	    "tempfail: mail3/yahoo 421 4.7.0 rate_limited" ALL_PASS_PERF);
}

/* The issue's case: fails and an error are CRITICAL, not UNKNOWN. */
Test(probe_report_nagios, is_critical_when_fails_stand_beside_an_error)
{
	cell_case_mixed(&k);
	cr_assert_str_eq(render(), "SMTPPROBE CRITICAL - 2 of 6 probes fail, "
	    "1 tempfail, 1 error: "
	    "mail2/gmail 550 5.7.26 unauthenticated, "
	    HOSTILE_NAGIOS "/gmail 550 5.1.1 no_such_user, "
	    "mail2/yahoo connect connection timed out, "
	    HOSTILE_NAGIOS "/yahoo " CELL_CASE_NOT_LOCAL
	    " | 'mail1/gmail'=0.412s;;;0 'mail1/yahoo'=1.234s;;;0 "
	    "'mail2/gmail'=2.345s;;;0 'mail2/yahoo'=10.001s;;;0 "
	    "'" HOSTILE_NAGIOS "/gmail'=0.800s;;;0 "
	    "'" HOSTILE_NAGIOS "/yahoo'=U;;;0\n");
}

Test(probe_report_nagios, lists_five_cells_then_counts_the_rest)
{
	cell_case_many_fail(&k);
	cr_assert_str_eq(strstr(render(), " - "), " - 7 of 8 probes fail, "
	    "1 tempfail: p1/gmail 550 5.1.1 no_such_user, "
	    "p1/yahoo 550 5.1.1 no_such_user, "
	    "p2/gmail 550 5.1.1 no_such_user, "
	    "p3/gmail 550 5.1.1 no_such_user, "
	    "p3/yahoo 550 5.1.1 no_such_user, and 3 more | "
	    "'p1/gmail'=0.050s;;;0 'p1/yahoo'=0.050s;;;0 "
	    "'p2/gmail'=0.050s;;;0 'p2/yahoo'=30.000s;;;0 "
	    "'p3/gmail'=0.050s;;;0 'p3/yahoo'=0.050s;;;0 "
	    "'p4/gmail'=0.050s;;;0 'p4/yahoo'=0.050s;;;0\n");
	cr_assert_eq(strncmp(out.data, "SMTPPROBE CRITICAL", 18), 0);
}

Test(probe_report_nagios, cuts_a_long_error_in_the_list)
{
	cell_case_many_fail(&k);
	k.cells[0].verdict = PROBE_VERDICT_PASS;
	k.cells[1].verdict = PROBE_VERDICT_PASS;
	k.cells[2].verdict = PROBE_VERDICT_PASS;
	k.cells[4].verdict = PROBE_VERDICT_PASS;
	k.cells[5].verdict = PROBE_VERDICT_PASS;
	render();
	cr_assert_not_null(strstr(out.data, ", p2/yahoo connect connect to "
	    "2001:db8::25 port 25: Network is unreachable afte... |"),
	    "%s", out.data);
}

Test(probe_report_nagios, replaces_bar_equals_quote_and_newline_in_an_error)
{
	cell_case_all_pass(&k);
	memset(&k.cells[0], 0, sizeof(k.cells[0]));
	(void)snprintf(k.cells[0].error, sizeof(k.cells[0].error),
	    "bad | path = x\n'y'\\");
	k.overall = PROBE_VERDICT_ERROR;
	render();
	cr_assert_not_null(strstr(out.data, "SMTPPROBE UNKNOWN - 1 of 6 "
	    "probes error: mail1/gmail bad \\x7c path \\x3d x\\x0a\\x27y\\x27"
	    "\\\\ | 'mail1/gmail'=U;;;0 "), "%s", out.data);
}

Test(probe_report_nagios, writes_perfdata_that_follows_the_plugin_guidelines)
{
	const char *p;
	size_t items = 0;

	cell_case_mixed(&k);
	p = strstr(render(), " | ");
	cr_assert_not_null(p);
	p += 3;
	for (;;) {
		assert_perf_item(&p);
		items++;
		if (*p == '\n')
			break;
		cr_assert_eq(*p, ' ', "no blank between items at: %s", p);
		p++;
	}
	cr_assert_eq(items, 6);
	cr_assert_eq(p, out.data + out.len - 1);
}

Test(probe_report_nagios, holds_only_printable_ascii_before_the_newline)
{
	size_t i;

	cell_case_mixed(&k);
	render();
	for (i = 0; i + 1 < out.len; i++)
		cr_assert((unsigned char)out.data[i] >= 0x20 &&
		    (unsigned char)out.data[i] < 0x7f, "raw byte 0x%02x at %zu",
		    (unsigned char)out.data[i], i);
}

Test(probe_report_nagios, takes_the_state_from_the_run_not_from_the_cells)
{
	cell_case_all_pass(&k);
	k.overall = PROBE_VERDICT_ERROR;
	cr_assert_str_eq(render(), "SMTPPROBE UNKNOWN - 6 of 6 probes pass"
	    ALL_PASS_PERF);
}

Test(probe_report_nagios, says_so_when_there_is_nothing_to_probe)
{
	cell_case_all_pass(&k);
	k.nprofiles = 0;
	k.overall = PROBE_VERDICT_ERROR;
	cr_assert_str_eq(render(), "SMTPPROBE UNKNOWN - no paths to probe\n");
}

Test(probe_report_nagios, counts_one_cell_as_one_path)
{
	cell_case_all_pass(&k);
	k.npaths = 1;
	k.nprofiles = 1;
	cr_assert_str_eq(render(), "SMTPPROBE OK - 1 of 1 path pass | "
	    "'mail1/gmail'=0.100s;;;0\n");
}

/* An error's line: one line, no '|' that would start perfdata. */
Test(probe_report_nagios, an_unknown_line_is_one_line_whatever_the_reason)
{
	cr_assert_not_null(mem_out_open(&out));
	probe_report_nagios_unknown(out.fp, "bad | value\nsecond line");
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_str_eq(out.data, "SMTPPROBE UNKNOWN - bad \\x7c value"
	    "\\x0asecond line\n");
}
