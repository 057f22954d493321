/*
 * test_probe_report_cell - what the multi-path reporters show of a cell:
 * a cell that never ran (or ended as an error in our words) is an error
 * whose only words are that error; a pass has no words; any other cell
 * shows its stage, its reply and the catalog's cause, or our error when
 * there was no reply; the reason is cut at PROBE_REPORT_CELL_WHY_MAX
 * bytes and says so; counting goes by the verdict shown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "probe/report/probe_report_cell.h"

static struct probe_cell c;
static struct probe_report_cell_words w;

static void
cell_setup(void)
{
	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
}

TestSuite(probe_report_cell, .init = cell_setup);

static void
set_reply(enum probe_verdict v, enum smtp_stage stage, int code,
    const char *enhanced, const char *cause)
{
	c.is_done = true;
	c.verdict = v;
	c.has_stage = true;
	c.stage = stage;
	c.code = code;
	(void)snprintf(c.enhanced, sizeof(c.enhanced), "%s", enhanced);
	(void)snprintf(c.cause, sizeof(c.cause), "%s", cause);
}

/* The reason as shown, as a string. */
static const char *
why(char *buf, size_t len)
{
	cr_assert_lt(w.why_len, len);
	memcpy(buf, w.why, w.why_len);
	buf[w.why_len] = '\0';
	return buf;
}

Test(probe_report_cell, shows_a_cell_that_never_ran_as_an_error_with_its_words)
{
	char buf[128];

	(void)snprintf(c.error, sizeof(c.error), "source not local");
	/* Zeroed, which means nothing yet. */
	c.verdict = PROBE_VERDICT_PASS;
	cr_assert_not(probe_verdict_cell_has_run(&c));
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.verdict, PROBE_VERDICT_ERROR);
	cr_assert_null(w.stage);
	cr_assert_eq(w.code, 0);
	cr_assert_eq(w.enhanced_len, 0);
	cr_assert_str_eq(why(buf, sizeof(buf)), "source not local");
	cr_assert_not(w.is_cut);
}

Test(probe_report_cell, says_not_run_for_a_cell_with_no_words_at_all)
{
	char buf[128];

	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.verdict, PROBE_VERDICT_ERROR);
	cr_assert_str_eq(why(buf, sizeof(buf)), PROBE_REPORT_CELL_NOT_RUN);
}

Test(probe_report_cell, treats_a_finished_error_with_our_words_as_not_run)
{
	char buf[128];

	set_reply(PROBE_VERDICT_ERROR, SMTP_STAGE_CONNECT, 0, "", "");
	(void)snprintf(c.error, sizeof(c.error), "no recipient for yahoo");
	cr_assert_not(probe_verdict_cell_has_run(&c));
	probe_report_cell_words(&c, &w);
	cr_assert_null(w.stage, "a cell that could not run has no stage");
	cr_assert_str_eq(why(buf, sizeof(buf)), "no recipient for yahoo");
}

Test(probe_report_cell, gives_a_pass_no_words)
{
	set_reply(PROBE_VERDICT_PASS, SMTP_STAGE_END_OF_DATA, 250, "2.0.0",
	    "");
	cr_assert(probe_verdict_cell_has_run(&c));
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.verdict, PROBE_VERDICT_PASS);
	cr_assert_null(w.stage);
	cr_assert_eq(w.code, 0);
	cr_assert_eq(w.enhanced_len, 0);
	cr_assert_eq(w.why_len, 0);
}

Test(probe_report_cell, gives_a_refusal_its_stage_reply_and_cause)
{
	char buf[128];

	set_reply(PROBE_VERDICT_FAIL, SMTP_STAGE_END_OF_DATA, 550, "5.7.26",
	    "unauthenticated");
	(void)snprintf(c.error, sizeof(c.error), "not shown: there is a cause");
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.verdict, PROBE_VERDICT_FAIL);
	cr_assert_str_eq(w.stage, "end-of-data");
	cr_assert_eq(w.code, 550);
	cr_assert_eq(w.enhanced_len, 6);
	cr_assert_eq(strncmp(w.enhanced, "5.7.26", 6), 0);
	cr_assert_str_eq(why(buf, sizeof(buf)), "unauthenticated");
}

Test(probe_report_cell, gives_a_reply_without_a_cause_no_reason)
{
	set_reply(PROBE_VERDICT_FAIL, SMTP_STAGE_RCPT, 550, "", "");
	(void)snprintf(c.error, sizeof(c.error), "not shown: there is a reply");
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.code, 550);
	cr_assert_eq(w.why_len, 0);
}

Test(probe_report_cell, gives_our_error_when_there_was_no_reply_and_no_cause)
{
	char buf[128];

	set_reply(PROBE_VERDICT_TEMPFAIL, SMTP_STAGE_CONNECT, 0, "", "");
	(void)snprintf(c.error, sizeof(c.error), "connection timed out");
	cr_assert(probe_verdict_cell_has_run(&c));
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.verdict, PROBE_VERDICT_TEMPFAIL);
	cr_assert_str_eq(w.stage, "connect");
	cr_assert_str_eq(why(buf, sizeof(buf)), "connection timed out");
}

Test(probe_report_cell, cuts_the_reason_only_past_the_limit)
{
	size_t lens[] = { PROBE_REPORT_CELL_WHY_MAX - 1,
	    PROBE_REPORT_CELL_WHY_MAX, PROBE_REPORT_CELL_WHY_MAX + 1 };
	size_t i;

	for (i = 0; i < 3; i++) {
		set_reply(PROBE_VERDICT_TEMPFAIL, SMTP_STAGE_BANNER, 0, "", "");
		memset(c.error, 'e', sizeof(c.error));
		c.error[lens[i]] = '\0';
		probe_report_cell_words(&c, &w);
		cr_assert_eq(w.why_len, i < 2 ? lens[i] :
		    PROBE_REPORT_CELL_WHY_MAX, "length %zu", lens[i]);
		cr_assert_eq(w.is_cut, i == 2, "length %zu", lens[i]);
	}
}

Test(probe_report_cell, reads_no_further_than_a_field_that_lacks_its_nul)
{
	set_reply(PROBE_VERDICT_FAIL, SMTP_STAGE_RCPT, 550, "", "");
	memset(c.enhanced, '5', sizeof(c.enhanced));
	memset(c.cause, 'c', sizeof(c.cause));
	probe_report_cell_words(&c, &w);
	cr_assert_eq(w.enhanced_len, sizeof(c.enhanced));
	cr_assert_eq(w.why_len, sizeof(c.cause));
}

Test(probe_report_cell, shows_a_verdict_out_of_range_as_an_error)
{
	set_reply((enum probe_verdict)42, SMTP_STAGE_RCPT, 550, "", "");
	cr_assert_eq(probe_verdict_cell(&c), PROBE_VERDICT_ERROR);
}

