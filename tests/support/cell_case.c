/*
 * cell_case - cell arrays for the multi-path reporter tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cell_case.h"

/* A finished probe decided by a reply (code 0: by our error). */
static void
cell_set(struct probe_cell *c, enum probe_verdict v, enum smtp_stage stage,
    int code, const char *enhanced, const char *cause, const char *mx,
    double elapsed_ms)
{
	c->verdict = v;
	c->has_stage = true;
	c->stage = stage;
	c->code = code;
	(void)snprintf(c->enhanced, sizeof(c->enhanced), "%s", enhanced);
	(void)snprintf(c->cause, sizeof(c->cause), "%s", cause);
	(void)snprintf(c->mx, sizeof(c->mx), "%s", mx);
	c->elapsed_ms = elapsed_ms;
	c->is_done = true;
}

static void
cell_time(struct probe_cell *c, enum smtp_stage stage, double ms)
{
	c->has_stage_ms[stage] = true;
	c->stage_ms[stage] = ms;
}

static char *
cell_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();	/* a test without memory cannot go on */
	return p;
}

static void
cell_case_grid(struct cell_case *k, size_t npaths)
{
	size_t i, j;

	k->npaths = npaths;
	k->nprofiles = 2;
	k->profiles[0] = "gmail";
	k->profiles[1] = "yahoo";
	for (i = 0; i < npaths; i++)
		for (j = 0; j < k->nprofiles; j++) {
			k->cells[i * 2 + j].path = k->paths[i];
			k->cells[i * 2 + j].profile = k->profiles[j];
		}
}

static void
cell_case_mail1(struct cell_case *k)
{
	struct probe_cell *c = &k->cells[0];
	int s;

	cell_set(c, PROBE_VERDICT_PASS, SMTP_STAGE_END_OF_DATA, 250, "2.0.0",
	    "", CELL_CASE_GMAIL_MX, 412);
	for (s = 0; s < SMTP_STAGE_COUNT; s++)
		cell_time(c, (enum smtp_stage)s, 10.5 + s);
	c = &k->cells[1];
	cell_set(c, PROBE_VERDICT_PASS, SMTP_STAGE_END_OF_DATA, 250, "",
	    "", CELL_CASE_YAHOO_MX, 1234.25);
	cell_time(c, SMTP_STAGE_CONNECT, 100);
}

void
cell_case_mixed(struct cell_case *k)
{
	struct probe_cell *c;

	memset(k, 0, sizeof(*k));
	k->paths[0] = "mail1";
	k->paths[1] = "mail2";
	k->paths[2] = CELL_CASE_HOSTILE_PATH;
	cell_case_grid(k, 3);
	cell_case_mail1(k);
	c = &k->cells[2];
	cell_set(c, PROBE_VERDICT_FAIL, SMTP_STAGE_END_OF_DATA, 550, "5.7.26",
	    "unauthenticated", CELL_CASE_GMAIL_MX, 2345);
	cell_time(c, SMTP_STAGE_END_OF_DATA, 1500.25);
	c->detail_text = cell_strdup(CELL_CASE_DETAIL_550);
	c = &k->cells[3];
	cell_set(c, PROBE_VERDICT_TEMPFAIL, SMTP_STAGE_CONNECT, 0, "", "",
	    CELL_CASE_YAHOO_MX, 10001);
	(void)snprintf(c->error, sizeof(c->error), "%s", CELL_CASE_TIMEOUT);
	c = &k->cells[4];
	cell_set(c, PROBE_VERDICT_FAIL, SMTP_STAGE_RCPT, 550, "5.1.1",
	    "no_such_user", CELL_CASE_HOSTILE_MX, 800);
	c->detail_text = cell_strdup(CELL_CASE_DETAIL_RCPT);
	c = &k->cells[5];
	(void)snprintf(c->error, sizeof(c->error), "%s", CELL_CASE_NOT_LOCAL);
	/* Fails beside an error: a fail (probe_verdict_run). */
	k->overall = PROBE_VERDICT_FAIL;
}

void
cell_case_all_pass(struct cell_case *k)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->paths[0] = "mail1";
	k->paths[1] = "mail2";
	k->paths[2] = "mail3";
	cell_case_grid(k, 3);
	for (i = 0; i < 6; i++)
		cell_set(&k->cells[i], PROBE_VERDICT_PASS,
		    SMTP_STAGE_END_OF_DATA, 250, "2.0.0", "",
		    i % 2 ? CELL_CASE_YAHOO_MX : CELL_CASE_GMAIL_MX,
		    100.0 * (double)(i + 1));
	k->overall = PROBE_VERDICT_PASS;
}

void
cell_case_many_fail(struct cell_case *k)
{
	struct probe_cell *c;
	size_t i;

	memset(k, 0, sizeof(*k));
	k->paths[0] = "p1";
	k->paths[1] = "p2";
	k->paths[2] = "p3";
	k->paths[3] = "p4";
	cell_case_grid(k, 4);
	for (i = 0; i < 8; i++)
		cell_set(&k->cells[i], PROBE_VERDICT_FAIL, SMTP_STAGE_RCPT, 550,
		    "5.1.1", "no_such_user",
		    i % 2 ? CELL_CASE_YAHOO_MX : CELL_CASE_GMAIL_MX, 50);
	c = &k->cells[3];
	cell_set(c, PROBE_VERDICT_TEMPFAIL, SMTP_STAGE_CONNECT, 0, "", "",
	    CELL_CASE_YAHOO_MX, 30000);
	(void)snprintf(c->error, sizeof(c->error), "%s", CELL_CASE_LONG_ERROR);
	k->overall = PROBE_VERDICT_FAIL;
}

void
cell_case_free(struct cell_case *k)
{
	size_t i;

	for (i = 0; i < CELL_CASE_CELLS_MAX; i++) {
		free(k->cells[i].detail_text);
		free(k->cells[i].detail_json);
		k->cells[i].detail_text = k->cells[i].detail_json = NULL;
	}
}
