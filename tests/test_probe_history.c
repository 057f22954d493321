/*
 * test_probe_history - the SQLite history: what a run records, when a
 * state began ("since"), the timeline of changes, pruning, the schema,
 * and each way the database can fail (corrupt, somebody else's, newer,
 * locked, read-only, disk full, two writers at once).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "probe/history/probe_history.h"
#include "probe/util/probe_when.h"
#include "tests/support/tmp_dir.h"

static struct tmp_dir dir;
static char db[PATH_MAX];

static void
setup(void)
{
	cr_assert(tmp_dir_make(&dir));
	cr_assert_not_null(tmp_dir_path(&dir, "h/history.sqlite", db,
	    sizeof(db)));
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	/* The history folder is made by the code under test: rm -r. */
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir.path);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(history, .init = setup, .fini = teardown, .timeout = 60);

static struct probe_cell
cell(const char *path, enum probe_verdict v, const char *cause, int code,
    const char *enh)
{
	struct probe_cell c;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.profile = "gmail";
	c.verdict = v;
	c.code = code;
	c.has_stage = code > 0;
	c.stage = SMTP_STAGE_DATA;
	(void)snprintf(c.enhanced, sizeof(c.enhanced), "%s", enh);
	(void)snprintf(c.cause, sizeof(c.cause), "%s", cause);
	(void)snprintf(c.match_id, sizeof(c.match_id), "%s%s",
	    cause[0] ? "google." : "", cause);
	(void)snprintf(c.probe_id, sizeof(c.probe_id), "sp-%s-%d-%s", path,
	    code, cause);
	(void)snprintf(c.source, sizeof(c.source), "127.0.0.2");
	c.tls_verified = 1;
	(void)snprintf(c.tls_version, sizeof(c.tls_version), "TLSv1.3");
	c.detail_json = (char *)"{\"verdict\":\"x\"}";
	c.detail_text = (char *)"verdict: x\n";
	return c;
}

static struct probe_history *
open_rw(void)
{
	char err[PROBE_HISTORY_ERR_MAX];
	struct probe_history *h = probe_history_open(db, true, true, 2000,
	    err, sizeof(err));

	cr_assert_not_null(h, "%s", err);
	return h;
}

static void
record(struct probe_history *h, time_t t, struct probe_cell *c, size_t n)
{
	char err[PROBE_HISTORY_ERR_MAX];

	cr_assert_eq(probe_history_record(h, t, c, n, err, sizeof(err)), 0,
	    "%s", err);
}

struct rows {
	size_t	n;
	time_t	time[16], since[16];
	char	verdict[16][16], path[16][32];
	char	report[256];
};

static int
collect(void *ctx, const struct probe_history_row *r)
{
	struct rows *rs = ctx;

	if (rs->n < 16) {
		rs->time[rs->n] = r->time;
		rs->since[rs->n] = r->since;
		(void)snprintf(rs->verdict[rs->n], 16, "%s", r->verdict);
		(void)snprintf(rs->path[rs->n], 32, "%s", r->path);
	}
	if (r->report != NULL)
		(void)snprintf(rs->report, sizeof(rs->report), "%s",
		    r->report);
	rs->n++;
	return 0;
}

Test(history, since_carries_over_while_the_state_holds_and_resets_on_change)
{
	struct probe_history *h = open_rw();
	struct probe_cell pass = cell("mail2", PROBE_VERDICT_PASS, "", 250,
	    "2.0.0");
	struct probe_cell fail = cell("mail2", PROBE_VERDICT_FAIL,
	    "unauthenticated", 550, "5.7.26");
	struct probe_cell other = cell("mail2", PROBE_VERDICT_FAIL,
	    "blocklisted", 550, "5.7.1");
	struct probe_history_filter f = { .changes_only = true };
	struct probe_history_last last;
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];

	record(h, 1000, &pass, 1);
	record(h, 2000, &pass, 1);
	record(h, 3000, &fail, 1);
	record(h, 4000, &fail, 1);
	record(h, 5000, &other, 1);	/* same verdict, other cause */
	cr_assert_eq(probe_history_last(h, "mail2", "gmail", &last, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert(last.found);
	cr_assert_eq(last.time, 5000);
	cr_assert_eq(last.since, 5000);
	cr_assert_str_eq(last.cause, "blocklisted");
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(rs.n, 3, "changes at 1000, 3000, 5000, got %zu", rs.n);
	cr_assert_eq(rs.time[0], 1000);
	cr_assert_str_eq(rs.verdict[0], "pass");
	cr_assert_eq(rs.time[1], 3000);
	cr_assert_str_eq(rs.verdict[1], "fail");
	cr_assert_eq(rs.time[2], 5000);
	/* Every row: the repeat at 4000 began at 3000. */
	memset(&rs, 0, sizeof(rs));
	f.changes_only = false;
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0);
	cr_assert_eq(rs.n, 5);
	cr_assert_eq(rs.since[3], 3000);
	cr_assert_eq(rs.since[1], 1000);
	probe_history_close(h);
}

Test(history, a_failure_without_a_cause_changes_with_its_reply_code)
{
	struct probe_cell a = cell("m", PROBE_VERDICT_TEMPFAIL, "", 421,
	    "4.7.0");
	struct probe_cell b = cell("m", PROBE_VERDICT_TEMPFAIL, "", 451,
	    "4.3.0");
	struct probe_history_last last = { 0 };

	last.found = true;
	last.verdict = PROBE_VERDICT_TEMPFAIL;
	last.code = 421;
	(void)snprintf(last.enhanced, sizeof(last.enhanced), "4.7.0");
	cr_assert(probe_history_same_state(&last, &a));
	cr_assert_not(probe_history_same_state(&last, &b));
	last.found = false;
	cr_assert_not(probe_history_same_state(&last, &a));
}

Test(history, paths_filters_since_and_show)
{
	struct probe_history *h = open_rw();
	struct probe_cell c[2] = {
		cell("mail1", PROBE_VERDICT_PASS, "", 250, "2.0.0"),
		cell("mail2", PROBE_VERDICT_FAIL, "unauthenticated", 550,
		    "5.7.26"),
	};
	struct probe_history_filter f = { .path = "mail2" };
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];
	bool found;

	record(h, 1000, c, 2);
	record(h, 2000, c, 2);
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0);
	cr_assert_eq(rs.n, 2);
	cr_assert_str_eq(rs.path[0], "mail2");
	memset(&rs, 0, sizeof(rs));
	f.path = NULL;
	f.since = 1500;
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0);
	cr_assert_eq(rs.n, 2, "only the run at 2000");
	cr_assert_eq(rs.time[0], 2000);
	memset(&rs, 0, sizeof(rs));
	cr_assert_eq(probe_history_show(h, "sp-mail2-550-unauthenticated",
	    collect, &rs, &found, err, sizeof(err)), 0);
	cr_assert(found);
	cr_assert_str_eq(rs.report, "{\"verdict\":\"x\"}");
	cr_assert_eq(probe_history_show(h, "sp-none", collect, &rs, &found,
	    err, sizeof(err)), 0);
	cr_assert_not(found);
	probe_history_close(h);
}

Test(history, prune_forgets_old_rows_only)
{
	struct probe_history *h = open_rw();
	struct probe_cell c = cell("m", PROBE_VERDICT_PASS, "", 250, "2.0.0");
	struct probe_history_filter f = { 0 };
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];
	long removed;

	record(h, 1000, &c, 1);
	record(h, 2000, &c, 1);
	record(h, 3000, &c, 1);
	cr_assert_eq(probe_history_prune(h, 2500, &removed, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(removed, 2);
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.time[0], 3000);
	/* The state still began at 1000: pruning keeps "since". */
	cr_assert_eq(rs.since[0], 1000);
	probe_history_close(h);
}

Test(history, a_report_over_the_bound_is_not_kept_but_the_cell_is)
{
	struct probe_history *h = open_rw();
	struct probe_cell c = cell("m", PROBE_VERDICT_PASS, "", 250, "2.0.0");
	size_t big = PROBE_HISTORY_REPORT_MAX + 10;
	char *json = malloc(big + 1);
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];
	bool found;

	cr_assert_not_null(json);
	memset(json, 'x', big);
	json[big] = '\0';
	c.detail_json = json;
	record(h, 1000, &c, 1);
	cr_assert_eq(probe_history_show(h, c.probe_id, collect, &rs, &found,
	    err, sizeof(err)), 0);
	cr_assert(found);
	cr_assert_str_eq(rs.report, "", "no report kept");
	free(json);
	probe_history_close(h);
}

static long long
user_version(void)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	long long v = -1;

	cr_assert_eq(sqlite3_open(db, &s), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static void
mkdir_h(void)
{
	char h[PATH_MAX];

	cr_assert_not_null(tmp_dir_path(&dir, "h", h, sizeof(h)));
	(void)mkdir(h, 0700);
}

static void
raw_sql(const char *sql)
{
	sqlite3 *s;

	mkdir_h();
	cr_assert_eq(sqlite3_open(db, &s), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(s));
	sqlite3_close(s);
}

static void
open_fails(bool writable, const char *want)
{
	char err[PROBE_HISTORY_ERR_MAX];
	struct probe_history *h = probe_history_open(db, writable, writable,
	    200, err, sizeof(err));

	cr_assert_null(h);
	cr_assert_not_null(strstr(err, want), "want \"%s\" in: %s", want,
	    err);
	cr_assert_not_null(strstr(err, db), "the file is named: %s", err);
}

Test(history, a_new_file_gets_the_schema_and_its_folder)
{
	struct probe_history *h = open_rw();
	char hdir[PATH_MAX];
	struct stat st;

	probe_history_close(h);
	cr_assert_eq(user_version(), PROBE_HISTORY_SCHEMA);
	cr_assert_not_null(tmp_dir_path(&dir, "h", hdir, sizeof(hdir)));
	cr_assert_eq(stat(hdir, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	/* Opened again: nothing to migrate, nothing lost. */
	h = open_rw();
	probe_history_close(h);
	cr_assert_eq(user_version(), PROBE_HISTORY_SCHEMA);
}

Test(history, a_newer_schema_is_refused_and_left_alone)
{
	raw_sql("CREATE TABLE cell (x); PRAGMA user_version = 99;");
	open_fails(true, "newer smtpprobe (schema 99");
	cr_assert_eq(user_version(), 99);
}

Test(history, somebody_elses_database_is_refused_and_left_alone)
{
	raw_sql("CREATE TABLE accounts (name TEXT);");
	open_fails(true, "of something else");
	cr_assert_eq(user_version(), 0);
}

Test(history, a_corrupt_file_is_named_not_crashed_on)
{
	char junk[4096];
	FILE *fp;

	memset(junk, 0x5a, sizeof(junk));
	memcpy(junk, "not sqlite at all\n", 18);

	mkdir_h();
	cr_assert_not_null(fp = fopen(db, "wb"));
	cr_assert_eq(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	cr_assert_eq(fclose(fp), 0);
	open_fails(true, "not an SQLite database");
}

Test(history, a_fifo_is_refused_at_once)
{
	mkdir_h();
	cr_assert_eq(mkfifo(db, 0600), 0);
	open_fails(true, "not a regular file");
}

Test(history, read_only_open_never_creates_or_migrates)
{
	open_fails(false, "cannot open");
	raw_sql("SELECT 1;");	/* an empty database: schema 0 */
	open_fails(false, "no history recorded yet");
	cr_assert_eq(user_version(), 0);
}

Test(history, a_lock_held_too_long_is_an_error_not_a_hang)
{
	struct probe_history *h = open_rw();
	struct probe_cell c = cell("m", PROBE_VERDICT_PASS, "", 250, "2.0.0");
	char err[PROBE_HISTORY_ERR_MAX];
	struct probe_history *h2;
	sqlite3 *s;

	probe_history_close(h);
	cr_assert_eq(sqlite3_open(db, &s), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(s, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK);
	h2 = probe_history_open(db, true, true, 200, err, sizeof(err));
	if (h2 != NULL) {
		cr_assert_neq(probe_history_record(h2, 1000, &c, 1, err,
		    sizeof(err)), 0);
		probe_history_close(h2);
	}
	cr_assert_not_null(strstr(err, "locked by another process"), "%s",
	    err);
	sqlite3_exec(s, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s);
}

/* In a child, so the limits and the user change stay there. */
static int
child_record(int (*prepare)(void), time_t t)
{
	pid_t pid = fork();
	int st;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char err[PROBE_HISTORY_ERR_MAX];
		struct probe_cell c = cell("m", PROBE_VERDICT_FAIL,
		    "unauthenticated", 550, "5.7.26");
		size_t big = 256 * 1024;
		char *json = malloc(big + 1);
		struct probe_history *h;
		int rc;

		if (json == NULL || prepare() != 0)
			_exit(10);
		memset(json, 'y', big);
		json[big] = '\0';
		c.detail_json = json;
		h = probe_history_open(db, true, true, 200, err, sizeof(err));
		rc = h != NULL && probe_history_record(h, t, &c, 1, err,
		    sizeof(err)) == 0 ? 0 : 1;
		probe_history_close(h);
		/* The reason, for the parent: 1 + which word it used. */
		if (rc != 0)
			_exit(strstr(err, "disk is full") ? 2 :
			    strstr(err, "input/output") ? 3 :
			    strstr(err, "read-only") ? 4 :
			    strstr(err, "cannot open") ? 5 : 6);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
small_disk(void)
{
	struct rlimit rl = { 96 * 1024, 96 * 1024 };

	/* A file over the limit: EFBIG from write(), not a signal. */
	(void)signal(SIGXFSZ, SIG_IGN);
	return setrlimit(RLIMIT_FSIZE, &rl);
}

Test(history, a_full_disk_loses_this_run_only)
{
	struct probe_history *h = open_rw();
	struct probe_cell c = cell("m", PROBE_VERDICT_PASS, "", 250, "2.0.0");
	struct probe_history_filter f = { 0 };
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];
	int why;

	record(h, 1000, &c, 1);
	probe_history_close(h);
	why = child_record(small_disk, 2000);
	cr_assert(why == 2 || why == 3, "a disk-full or I/O error, got %d",
	    why);
	h = open_rw();
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(rs.n, 1, "the earlier run intact, nothing of the new");
	cr_assert_eq(rs.time[0], 1000);
	probe_history_close(h);
}

static int
stay(void)
{
	return 0;
}

static int
become_nobody(void)
{
	return setgid(65534) != 0 || setuid(65534) != 0 ? -1 : 0;
}

Test(history, a_file_we_may_not_write_is_an_error)
{
	struct probe_history *h = open_rw();
	char hdir[PATH_MAX];
	int why;

	probe_history_close(h);
	if (geteuid() != 0) {
		cr_assert_eq(chmod(db, 0444), 0);
		why = child_record(stay, 1000);
	} else {
		/* Root may write anything: the child gives that up. */
		cr_assert_not_null(tmp_dir_path(&dir, "h", hdir,
		    sizeof(hdir)));
		cr_assert_eq(chmod(dir.path, 0755), 0);
		cr_assert_eq(chmod(hdir, 0755), 0);
		cr_assert_eq(chmod(db, 0644), 0);
		why = child_record(become_nobody, 1000);
	}
	cr_assert(why == 4 || why == 5, "read-only or cannot open, got %d",
	    why);
}

Test(history, two_writers_at_once_lose_nothing)
{
	struct probe_history *h = open_rw();
	struct probe_history_filter f = { 0 };
	struct rows rs = { 0 };
	char err[PROBE_HISTORY_ERR_MAX];
	pid_t pid[2];
	int k, st;

	probe_history_close(h);
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		cr_assert_neq(pid[k], -1);
		if (pid[k] == 0) {
			struct probe_cell c = cell(k ? "b" : "a",
			    PROBE_VERDICT_PASS, "", 250, "2.0.0");
			struct probe_history *w;
			int i;

			w = probe_history_open(db, true, true, 10000, err,
			    sizeof(err));
			for (i = 0; w != NULL && i < 40; i++)
				if (probe_history_record(w, 1000 + i, &c, 1,
				    err, sizeof(err)) != 0)
					_exit(1);
			probe_history_close(w);
			_exit(w == NULL ? 2 : 0);
		}
	}
	for (k = 0; k < 2; k++) {
		cr_assert_eq(waitpid(pid[k], &st, 0), pid[k]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "writer %d: %d", k, st);
	}
	h = open_rw();
	cr_assert_eq(probe_history_walk(h, &f, collect, &rs, err,
	    sizeof(err)), 0);
	cr_assert_eq(rs.n, 80);
	probe_history_close(h);
}

Test(when, parses_what_operators_write)
{
	time_t now = 1764720000, t;	/* 2025-12-03T00:00:00Z */

	cr_assert_eq(probe_when_parse("24h", now, &t), 0);
	cr_assert_eq(t, now - 86400);
	cr_assert_eq(probe_when_parse("7d", now, &t), 0);
	cr_assert_eq(t, now - 7 * 86400);
	cr_assert_eq(probe_when_parse("2w", now, &t), 0);
	cr_assert_eq(t, now - 14 * 86400);
	cr_assert_eq(probe_when_parse("30m", now, &t), 0);
	cr_assert_eq(t, now - 1800);
	cr_assert_eq(probe_when_parse("2025-12-03", now, &t), 0);
	cr_assert_eq(t, 1764720000);
	cr_assert_eq(probe_when_parse("2025-12-03T03:00Z", now, &t), 0);
	cr_assert_eq(t, 1764720000 + 3 * 3600);
	cr_assert_eq(probe_when_parse("2024-02-29 23:59:59", now, &t), 0);
	cr_assert_eq(t, 1709251199);
	cr_assert_eq(probe_when_parse("@42", now, &t), 0);
	cr_assert_eq(t, 42);
}

Test(when, refuses_the_rest)
{
	static const char *const bad[] = { "", "h", "-1d", "1y", "24 h",
	    "2025-13-01", "2025-02-29", "2025-12-03T25:00", "2025-12-03x",
	    "@", "@x", "99999999999999999999d", "2025-1-1", NULL };
	time_t t;
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		cr_assert_eq(probe_when_parse(bad[i], 0, &t), -1, "%s",
		    bad[i]);
}

Test(when, prints_iso_and_spans)
{
	char buf[32];

	probe_when_iso(1764720000 + 3723, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2025-12-03T01:02:03Z");
	probe_when_span(40, buf, sizeof(buf));
	cr_assert_str_eq(buf, "40s");
	probe_when_span(3 * 86400 + 4 * 3600 + 5, buf, sizeof(buf));
	cr_assert_str_eq(buf, "3d 4h");
	probe_when_span(-5, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0s");
}

Test(history, note_reports_changes_and_reminds_once_per_period)
{
	struct probe_cell c = cell("m", PROBE_VERDICT_FAIL, "unauthenticated",
	    550, "5.7.26");
	struct probe_history_last last = { 0 };

	/* First probe of the path. */
	probe_history_note(&last, 1000, 86400, &c);
	cr_assert(c.has_history && !c.had_prev && c.changed && !c.remind);
	cr_assert_eq(c.since, 1000);
	/* Same state an hour later: since kept, no reminder yet. */
	last.found = true;
	last.time = 1000;
	last.since = 1000;
	last.verdict = PROBE_VERDICT_FAIL;
	(void)snprintf(last.cause, sizeof(last.cause), "unauthenticated");
	probe_history_note(&last, 4600, 86400, &c);
	cr_assert(!c.changed && !c.remind);
	cr_assert_eq(c.since, 1000);
	cr_assert_eq(c.state_s, 3600);
	/* The run that crosses a day since it began reminds, once. */
	last.time = 1000 + 86400 - 60;
	probe_history_note(&last, 1000 + 86400 + 60, 86400, &c);
	cr_assert(c.remind);
	last.time = 1000 + 86400 + 60;
	probe_history_note(&last, 1000 + 86400 + 3660, 86400, &c);
	cr_assert_not(c.remind);
	/* 0: never; a pass: never. */
	last.time = 1000 + 86400 - 60;
	probe_history_note(&last, 1000 + 86400 + 60, 0, &c);
	cr_assert_not(c.remind);
	c = cell("m", PROBE_VERDICT_PASS, "", 250, "2.0.0");
	last.verdict = PROBE_VERDICT_PASS;
	last.cause[0] = '\0';
	last.code = 250;
	probe_history_note(&last, 1000 + 86400 + 60, 86400, &c);
	cr_assert(!c.changed && !c.remind);
	/* Another cause, same verdict: a change. */
	c = cell("m", PROBE_VERDICT_FAIL, "blocklisted", 550, "5.7.1");
	last.verdict = PROBE_VERDICT_FAIL;
	(void)snprintf(last.cause, sizeof(last.cause), "unauthenticated");
	probe_history_note(&last, 200000, 86400, &c);
	cr_assert(c.changed);
	cr_assert_str_eq(c.prev_cause, "unauthenticated");
	cr_assert_eq(c.since, 200000);
}

Test(when, durations)
{
	long long s;

	cr_assert_eq(probe_when_duration("24h", &s), 0);
	cr_assert_eq(s, 86400);
	cr_assert_eq(probe_when_duration("0", &s), 0);
	cr_assert_eq(s, 0);
	cr_assert_eq(probe_when_duration("90s", &s), 0);
	cr_assert_eq(s, 90);
	cr_assert_eq(probe_when_duration("2026-01-01", &s), -1);
	cr_assert_eq(probe_when_duration("@5", &s), -1);
	cr_assert_eq(probe_when_duration("5", &s), -1);
}
