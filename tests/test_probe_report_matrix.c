/*
 * test_probe_report_matrix - the human report of a multi-path run: a
 * table of paths x profiles whose columns line up whatever bytes the
 * names hold, each cell the verdict with stage, code and cause, a cell
 * that never ran shown as ERROR with its error, the details of every cell
 * that did not pass in path order, a count at the end, and --quiet
 * printing nothing when everything passes. Cells come from
 * tests/support/cell_case.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/report/probe_report_cell.h"
#include "probe/report/probe_report_matrix.h"
#include "tests/support/cell_case.h"
#include "tests/support/mem_out.h"

/* The hostile path name, as the text escaping shows it. */
#define HOSTILE_TEXT	"a|b'c\"d\\x0ae\\x1bf\\\\g=h"

/* One test's state; fini frees it even when an assertion failed. */
static struct cell_case k;
static struct mem_out out;

static void
matrix_setup(void)
{
	memset(&k, 0, sizeof(k));
	memset(&out, 0, sizeof(out));
}

static void
matrix_teardown(void)
{
	cell_case_free(&k);
	mem_out_free(&out);
}

TestSuite(probe_report_matrix, .init = matrix_setup,
    .fini = matrix_teardown);

static const char *
render_with(bool is_quiet)
{
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	if (is_quiet)
		probe_report_matrix_quiet(out.fp, k.cells, k.paths, k.npaths,
		    k.profiles, k.nprofiles, k.overall);
	else
		probe_report_matrix_render(out.fp, k.cells, k.paths, k.npaths,
		    k.profiles, k.nprofiles, k.overall);
	cr_assert_not(ferror(out.fp));
	cr_assert_not_null(mem_out_close(&out));
	return out.data;
}

static const char *
render(void)
{
	return render_with(false);
}

/* Line n (from 0) of the output, copied into buf without its newline. */
static const char *
line_of(size_t n, char *buf, size_t len)
{
	const char *p = out.data, *end;

	while (n-- > 0) {
		p = strchr(p, '\n');
		cr_assert_not_null(p, "too few lines in:\n%s", out.data);
		p++;
	}
	end = strchr(p, '\n');
	cr_assert_not_null(end, "no newline after line in:\n%s", out.data);
	cr_assert_lt((size_t)(end - p), len);
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return buf;
}

Test(probe_report_matrix, renders_the_mixed_run_line_for_line)
{
	static const char want[] =
	    "smtpprobe " SMTPPROBE_VERSION ": verdict fail\n"
	    "\n"
	    "path                    gmail"
	    "                                        yahoo\n"
	    "mail1                   PASS"
	    "                                         PASS\n"
	    "mail2                   FAIL end-of-data 550 5.7.26 "
	    "unauthenticated  TEMPFAIL connect connection timed out\n"
	    HOSTILE_TEXT "  FAIL rcpt 550 5.1.1 no_such_user"
	    "             ERROR source 192.0.2.9 is not a local address\n"
	    "\n"
	    "== mail2 / gmail: fail\n"
	    CELL_CASE_DETAIL_550
	    "\n"
	    "== mail2 / yahoo: tempfail\n"
	    "  connection timed out\n"
	    "\n"
	    "== " HOSTILE_TEXT " / gmail: fail\n"
	    CELL_CASE_DETAIL_RCPT "\n"
	    "\n"
	    "== " HOSTILE_TEXT " / yahoo: error\n"
	    "  " CELL_CASE_NOT_LOCAL "\n"
	    "\n"
	    "3 paths x 2 profiles: 2 pass, 1 tempfail, 2 fail, 1 error\n";

	cell_case_mixed(&k);
	cr_assert_str_eq(render(), want);
	cr_assert_eq(out.len, sizeof(want) - 1);
}

Test(probe_report_matrix, lines_up_each_column_under_its_heading)
{
	char head[256], row[256];
	size_t i, gmail, yahoo;

	cell_case_mixed(&k);
	render();
	line_of(2, head, sizeof(head));
	gmail = (size_t)(strstr(head, "gmail") - head);
	yahoo = (size_t)(strstr(head, "yahoo") - head);
	/* The widest path is the hostile one, escaped: 22 columns. */
	cr_assert_eq(gmail, strlen(HOSTILE_TEXT) + strlen(PROBE_MATRIX_GAP));
	for (i = 3; i <= 5; i++) {
		line_of(i, row, sizeof(row));
		cr_assert_gt(strlen(row), yahoo, "%s", row);
		cr_assert_neq(row[gmail], ' ', "row %zu: %s", i, row);
		cr_assert_eq(row[gmail - 1], ' ', "row %zu: %s", i, row);
		cr_assert_neq(row[yahoo], ' ', "row %zu: %s", i, row);
		cr_assert_eq(row[yahoo - 1], ' ', "row %zu: %s", i, row);
		cr_assert_eq(row[yahoo - 2], ' ', "row %zu: %s", i, row);
	}
}

Test(probe_report_matrix, keeps_a_hostile_name_on_its_own_row_as_printable_text)
{
	size_t i, lines = 0;

	cell_case_mixed(&k);
	render();
	for (i = 0; i < out.len; i++) {
		unsigned char c = (unsigned char)out.data[i];

		if (c == '\n')
			lines++;
		else
			cr_assert(c >= 0x20 && c < 0x7f, "raw byte 0x%02x at "
			    "%zu", c, i);
	}
	/* 2 header lines, 4 table rows, 13 detail lines, 2 at the end. */
	cr_assert_eq(lines, 21, "%zu lines in:\n%s", lines, out.data);
}

Test(probe_report_matrix, ends_no_line_in_blanks)
{
	size_t i;

	cell_case_mixed(&k);
	render();
	for (i = 1; i < out.len; i++)
		if (out.data[i] == '\n')
			cr_assert_neq(out.data[i - 1], ' ', "blank before the "
			    "newline at %zu in:\n%s", i, out.data);
}

Test(probe_report_matrix, cuts_a_long_reason_in_the_table_not_in_the_details)
{
	char row[256], want[256];

	cell_case_many_fail(&k);
	render();
	(void)snprintf(want, sizeof(want), "TEMPFAIL connect %.*s...",
	    PROBE_REPORT_CELL_WHY_MAX, CELL_CASE_LONG_ERROR);
	line_of(4, row, sizeof(row));
	cr_assert_str_eq(strstr(row, "TEMPFAIL"), want);
	cr_assert_not_null(strstr(out.data, "== p2 / yahoo: tempfail\n  "
	    CELL_CASE_LONG_ERROR "\n"), "%s", out.data);
}

Test(probe_report_matrix, skips_the_heading_of_a_cell_with_nothing_to_show)
{
	cell_case_many_fail(&k);
	render();
	cr_assert_null(strstr(out.data, "== p1 / gmail"), "%s", out.data);
	cr_assert_not_null(strstr(out.data, "== p2 / yahoo: tempfail\n"));
	cr_assert_not_null(strstr(out.data,
	    "\n\n4 paths x 2 profiles: 1 tempfail, 7 fail\n"));
}

Test(probe_report_matrix, shows_a_cell_that_never_ran_wordless_as_not_run)
{
	cell_case_all_pass(&k);
	memset(&k.cells[3], 0, sizeof(k.cells[3]));
	k.overall = PROBE_VERDICT_ERROR;
	render();
	cr_assert_not_null(strstr(out.data, "mail2  PASS   ERROR not run\n"),
	    "%s", out.data);
	cr_assert_null(strstr(out.data, "=="), "%s", out.data);
	cr_assert_not_null(strstr(out.data,
	    "3 paths x 2 profiles: 5 pass, 1 error\n"));
}

Test(probe_report_matrix, shows_an_error_cell_that_ran_as_error_with_its_words)
{
	struct probe_cell *c;

	cell_case_all_pass(&k);
	c = &k.cells[0];
	c->verdict = PROBE_VERDICT_ERROR;
	(void)snprintf(c->error, sizeof(c->error), "no recipient for gmail");
	render();
	cr_assert_not_null(strstr(out.data,
	    "mail1  ERROR no recipient for gmail  PASS\n"), "%s", out.data);
	cr_assert_not_null(strstr(out.data,
	    "\n== mail1 / gmail: error\n  no recipient for gmail\n"));
}

Test(probe_report_matrix, prints_every_pass_as_a_bare_pass)
{
	static const char want[] =
	    "smtpprobe " SMTPPROBE_VERSION ": verdict pass\n"
	    "\n"
	    "path   gmail  yahoo\n"
	    "mail1  PASS   PASS\n"
	    "mail2  PASS   PASS\n"
	    "mail3  PASS   PASS\n"
	    "\n"
	    "3 paths x 2 profiles: 6 pass\n";

	cell_case_all_pass(&k);
	cr_assert_str_eq(render(), want);
}

Test(probe_report_matrix, counts_one_path_and_one_profile_in_the_singular)
{
	cell_case_all_pass(&k);
	k.npaths = 1;
	k.nprofiles = 1;
	render();
	cr_assert_not_null(strstr(out.data,
	    "\n\n1 path x 1 profile: 1 pass\n"), "%s", out.data);
}

Test(probe_report_matrix, says_nothing_was_probed_for_an_empty_run)
{
	cell_case_all_pass(&k);
	k.npaths = 0;
	render();
	cr_assert_str_eq(out.data,
	    "smtpprobe " SMTPPROBE_VERSION ": verdict pass\n"
	    "\n"
	    "path  gmail  yahoo\n"
	    "\n"
	    "0 paths x 2 profiles: nothing probed\n");
}

Test(probe_report_matrix, quiet_prints_nothing_when_everything_passes)
{
	cell_case_all_pass(&k);
	render_with(true);
	cr_assert_eq(out.len, 0, "%s", out.data);
}

Test(probe_report_matrix, quiet_prints_the_whole_report_when_one_cell_fails)
{
	char *full;

	cell_case_mixed(&k);
	full = strdup(render());
	cr_assert_not_null(full);
	render_with(true);
	cr_assert_str_eq(out.data, full);
	free(full);
}

Test(probe_report_matrix, quiet_speaks_when_the_run_failed_though_cells_passed)
{
	cell_case_all_pass(&k);
	k.overall = PROBE_VERDICT_ERROR;
	render_with(true);
	cr_assert_gt(out.len, 0);
	cr_assert_not_null(strstr(out.data, ": verdict error\n"));
}
