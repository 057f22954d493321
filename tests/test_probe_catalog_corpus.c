/*
 * test_probe_catalog_corpus - a floor under the diagnosis of replies the
 * catalogs were not written from: the corpus scorer (tests/corpus/score.c,
 * built next to smtpprobe as corpus-score) over tests/corpus/dev, the part
 * tuning may look at. The held-out part is never tested here: it is only
 * measured (scripts/bench-diagnosis.sh). Floors sit under today's dev
 * figures so that a change that loses ground fails, with room for the
 * catalogs' authors to move entries.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"

#define RUN_MS		120000

/* Cause and verdict floors, in percent, per row of the scorer's table. */
#define FLOOR_GOOGLE_CAUSE	98.0
#define FLOOR_OTHERS_CAUSE	93.0
#define FLOOR_ALL_VERDICT	98.0

static struct cmd_run run;

static void
corpus_teardown(void)
{
	cmd_run_free(&run);
}

TestSuite(probe_catalog_corpus, .fini = corpus_teardown, .timeout = 180);

/* "google  210  99.5%  100.0%": the row's cause and verdict shares. */
static void
row(const char *out, const char *name, double *cause, double *verdict)
{
	char head[40];
	const char *p;
	char *end;

	(void)snprintf(head, sizeof(head), "\n%s ", name);
	p = strstr(out, head);
	cr_assert_not_null(p, "no row %s in:\n%s", name, out);
	p += strlen(head);
	(void)strtoul(p, &end, 10);		/* n */
	*cause = strtod(end, &end);
	cr_assert_eq(*end, '%', "row %s unreadable", name);
	*verdict = strtod(end + 1, &end);
	cr_assert_eq(*end, '%', "row %s unreadable", name);
}

Test(probe_catalog_corpus, dev_stays_above_its_floors)
{
	char bin[PATH_MAX], dirbuf[PATH_MAX];
	const char *argv[3];
	double cause, verdict;

	(void)snprintf(dirbuf, sizeof(dirbuf), "%s", SMTPPROBE_BIN);
	(void)snprintf(bin, sizeof(bin), "%s/corpus-score", dirname(dirbuf));
	argv[0] = bin;
	argv[1] = SRCDIR "/tests/corpus/dev";
	argv[2] = NULL;
	cr_assert_eq(cmd_run(&run, argv, RUN_MS), 0, "%s did not run "
	    "(status %d): %s", bin, run.status, run.err);
	cr_assert_eq(run.status, 0, "%s: status %d: %s", bin, run.status,
	    run.err);
	row(run.out, "google", &cause, &verdict);
	cr_assert_geq(cause, FLOOR_GOOGLE_CAUSE, "google cause %.1f%%:\n%s",
	    cause, run.out);
	row(run.out, "others", &cause, &verdict);
	cr_assert_geq(cause, FLOOR_OTHERS_CAUSE, "others cause %.1f%%:\n%s",
	    cause, run.out);
	row(run.out, "all", &cause, &verdict);
	cr_assert_geq(verdict, FLOOR_ALL_VERDICT, "verdict %.1f%%:\n%s",
	    verdict, run.out);
}
