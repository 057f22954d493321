/*
 * probe_history - the history of send runs in SQLite (see the header).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "probe/history/probe_history.h"
#include "smtp/smtp_stage.h"

struct probe_history {
	sqlite3	*db;
	char	 path[PATH_MAX];
	int	 busy_ms;
};

/*
 * Migrations: entry i takes a database from schema i to i + 1, inside the
 * one transaction that also sets user_version. Never edit a shipped
 * entry; add the next one and raise PROBE_HISTORY_SCHEMA.
 */
static const char *const probe_history_migrations[PROBE_HISTORY_SCHEMA] = {
	"CREATE TABLE run ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" ncells INTEGER NOT NULL);"
	"CREATE TABLE cell ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL,"
	" time INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" profile TEXT NOT NULL,"
	" source TEXT, mail_from TEXT, rcpt TEXT, mx TEXT, address TEXT,"
	" verdict TEXT NOT NULL,"
	" stage TEXT, code INTEGER, enhanced TEXT,"
	" match_id TEXT, cause TEXT, error TEXT,"
	" tls_version TEXT, tls_verified INTEGER,"
	" elapsed_ms REAL, stage_ms TEXT,"
	" probe_id TEXT,"
	" report TEXT, report_text TEXT);"
	"CREATE INDEX cell_path ON cell(path, profile, time);"
	"CREATE INDEX cell_probe ON cell(probe_id);"
	"CREATE INDEX cell_time ON cell(time);",
};

/* SQLite's codes in an operator's words; the detail follows. */
static const char *
probe_history_why(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another process";
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_READONLY:
		return "the database is read-only";
	case SQLITE_NOTADB:
		return "not an SQLite database";
	case SQLITE_CORRUPT:
		return "the database is corrupt (move it away: the next "
		    "run starts a new one)";
	case SQLITE_CANTOPEN:
		return "cannot open the database";
	case SQLITE_IOERR:
		return "input/output error";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "permission denied";
	default:
		return NULL;
	}
}

static void
probe_history_fail(const char *path, sqlite3 *db, int rc, const char *what,
    char *err, size_t errlen)
{
	const char *why = probe_history_why(rc);
	const char *detail = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int sys = db != NULL ? sqlite3_system_errno(db) : 0;

	if ((rc & 0xff) == SQLITE_BUSY)
		(void)snprintf(err, errlen, "history %.300s: %s: %s (waited "
		    "%d s)", path, what, why, PROBE_HISTORY_BUSY_MS / 1000);
	else if (why != NULL && sys != 0)
		(void)snprintf(err, errlen, "history %.300s: %s: %s (%s)",
		    path, what, why, strerror(sys));
	else if (why != NULL)
		(void)snprintf(err, errlen, "history %.300s: %s: %s", path,
		    what, why);
	else
		(void)snprintf(err, errlen, "history %.300s: %s: %.200s",
		    path, what, detail);
}

int
probe_history_default_path(char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *dir = getenv("STATE_DIRECTORY");
	const char *sub = "";
	int n;

	if (dir != NULL && dir[0] == '/') {
		/* systemd: several folders are separated by ':'; the first. */
		n = snprintf(out, outlen, "%.*s/%s",
		    (int)strcspn(dir, ":"), dir, PROBE_HISTORY_NAME);
	} else if (geteuid() == 0) {
		n = snprintf(out, outlen, "/var/lib/smtpprobe/%s",
		    PROBE_HISTORY_NAME);
	} else {
		dir = getenv("XDG_STATE_HOME");
		if (dir == NULL || dir[0] != '/') {
			/* The XDG spec: a relative value is ignored. */
			dir = getenv("HOME");
			sub = "/.local/state";
		}
		if (dir == NULL || dir[0] != '/') {
			(void)snprintf(err, errlen, "history: neither "
			    "XDG_STATE_HOME nor HOME is set: give --history "
			    "FILE or --no-history");
			return -1;
		}
		n = snprintf(out, outlen, "%s%s/smtpprobe/%s", dir, sub,
		    PROBE_HISTORY_NAME);
	}
	if (n < 0 || (size_t)n >= outlen) {
		(void)snprintf(err, errlen, "history: the default path is "
		    "too long: give --history FILE");
		return -1;
	}
	return 0;
}

const char *
probe_history_path(const char *flag, char *buf, size_t buflen, bool *off,
    char *err, size_t errlen)
{
	const char *env = getenv("SMTPPROBE_HISTORY");

	*off = false;
	if (flag != NULL)
		return flag;
	if (env != NULL && env[0] != '\0') {
		*off = strcmp(env, "off") == 0;
		if (*off)
			(void)snprintf(err, errlen, "history: "
			    "SMTPPROBE_HISTORY is off");
		return *off ? NULL : env;
	}
	return probe_history_default_path(buf, buflen, err, errlen) == 0 ?
	    buf : NULL;
}

/* mkdir -p of path's folder, each new folder 0700 (XDG asks that). */
static int
probe_history_mkdirs(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;
	size_t i;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		goto toolong;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (i = 1; ; i++) {
		char c = dir[i];

		if (c != '/' && c != '\0')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			(void)snprintf(err, errlen, "history %.300s: cannot "
			    "create the folder %.200s: %s", path, dir,
			    strerror(errno));
			return -1;
		}
		dir[i] = c;
		if (c == '\0')
			break;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		(void)snprintf(err, errlen, "history %.300s: %.200s is not a "
		    "folder", path, dir);
		return -1;
	}
	return 0;
toolong:
	(void)snprintf(err, errlen, "history: path too long");
	return -1;
}

static int
probe_history_exec(struct probe_history *h, const char *sql, const char *what,
    char *err, size_t errlen)
{
	int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		probe_history_fail(h->path, h->db, rc, what, err, errlen);
		return -1;
	}
	return 0;
}

/* One integer from a query such as PRAGMA user_version. */
static int
probe_history_int(struct probe_history *h, const char *sql, long long *out,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		probe_history_fail(h->path, h->db, rc, "reading the schema",
		    err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Bring the schema up to date, or refuse: a newer schema is another
 * program's business, and a version-0 file that already has tables is
 * somebody else's database.
 */
static int
probe_history_schema(struct probe_history *h, bool writable, char *err,
    size_t errlen)
{
	long long v, ntables;
	char sql[64];

	if (probe_history_int(h, "PRAGMA user_version", &v, err, errlen) != 0)
		return -1;
	if (v == PROBE_HISTORY_SCHEMA)
		return 0;
	if (v > PROBE_HISTORY_SCHEMA || v < 0) {
		(void)snprintf(err, errlen, "history %.300s: written by a "
		    "newer smtpprobe (schema %lld; this one knows up to %d): "
		    "left as it is", h->path, v, PROBE_HISTORY_SCHEMA);
		return -1;
	}
	if (!writable) {
		(void)snprintf(err, errlen, "history %.300s: %s", h->path,
		    v == 0 ? "no history recorded yet" : "an older schema: "
		    "the next send run updates it");
		return -1;
	}
	if (probe_history_exec(h, "BEGIN IMMEDIATE", "updating the schema",
	    err, errlen) != 0)
		return -1;
	/* Again under the write lock: another run may have done it. */
	if (probe_history_int(h, "PRAGMA user_version", &v, err, errlen) != 0)
		goto fail;
	if (v == 0) {
		if (probe_history_int(h, "SELECT count(*) FROM sqlite_schema",
		    &ntables, err, errlen) != 0)
			goto fail;
		if (ntables != 0) {
			(void)snprintf(err, errlen, "history %.300s: an "
			    "SQLite database of something else (it has "
			    "tables but no smtpprobe schema): left as it is",
			    h->path);
			goto fail;
		}
	}
	for (; v >= 0 && v < PROBE_HISTORY_SCHEMA; v++)
		if (probe_history_exec(h, probe_history_migrations[v],
		    "updating the schema", err, errlen) != 0)
			goto fail;
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    PROBE_HISTORY_SCHEMA);
	if (probe_history_exec(h, sql, "updating the schema", err,
	    errlen) != 0 ||
	    probe_history_exec(h, "COMMIT", "updating the schema", err,
	    errlen) != 0)
		goto fail;
	return 0;
fail:
	(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct probe_history *
probe_history_open(const char *path, bool writable, bool create_ok,
    int busy_ms, char *err, size_t errlen)
{
	struct probe_history *h;
	struct stat st;
	int rc, flags;

	if (strlen(path) >= PATH_MAX || path[0] == '\0') {
		(void)snprintf(err, errlen, "history: %s", path[0] ? "path "
		    "too long" : "empty path");
		return NULL;
	}
	/* A FIFO or a device would hang or mean nothing: regular files. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "history %.300s: not a regular "
		    "file", path);
		return NULL;
	}
	if (create_ok && writable && probe_history_mkdirs(path, err,
	    errlen) != 0)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		(void)snprintf(err, errlen, "history: out of memory");
		return NULL;
	}
	(void)snprintf(h->path, sizeof(h->path), "%s", path);
	h->busy_ms = busy_ms;
	flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	if (writable && create_ok)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &h->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		probe_history_fail(path, h->db, rc, "opening", err, errlen);
		goto fail;
	}
	(void)sqlite3_extended_result_codes(h->db, 1);
	(void)sqlite3_busy_timeout(h->db, busy_ms);
	/*
	 * WAL: readers (history, report) never block a run's write, and a
	 * crash mid-write leaves the last commit intact. NORMAL sync is
	 * durable to the last checkpoint in WAL mode, enough for a log.
	 */
	if (writable && (probe_history_exec(h, "PRAGMA journal_mode=WAL",
	    "opening", err, errlen) != 0 || probe_history_exec(h,
	    "PRAGMA synchronous=NORMAL", "opening", err, errlen) != 0))
		goto fail;
	if (probe_history_schema(h, writable, err, errlen) != 0)
		goto fail;
	return h;
fail:
	probe_history_close(h);
	return NULL;
}

void
probe_history_close(struct probe_history *h)
{
	if (h == NULL)
		return;
	(void)sqlite3_close_v2(h->db);
	free(h);
}

static void
probe_history_cpy(char *dst, size_t dstlen, const unsigned char *src)
{
	(void)snprintf(dst, dstlen, "%s", src ? (const char *)src : "");
}

static bool
probe_history_verdict_parse(const char *s, enum probe_verdict *v)
{
	static const enum probe_verdict all[] = { PROBE_VERDICT_PASS,
	    PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_FAIL, PROBE_VERDICT_ERROR };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, probe_verdict_name(all[i])) == 0) {
			*v = all[i];
			return true;
		}
	}
	return false;
}

int
probe_history_last(struct probe_history *h, const char *path,
    const char *profile, struct probe_history_last *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite3_prepare_v2(h->db, "SELECT time, since, verdict, cause, "
	    "match_id, code, enhanced FROM cell WHERE path = ?1 AND "
	    "profile = ?2 ORDER BY time DESC, id DESC LIMIT 1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, profile, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->time = (time_t)sqlite3_column_int64(st, 0);
		out->since = (time_t)sqlite3_column_int64(st, 1);
		/* A verdict word we do not know is no state to compare. */
		out->found = probe_history_verdict_parse((const char *)
		    sqlite3_column_text(st, 2) ? (const char *)
		    sqlite3_column_text(st, 2) : "", &out->verdict);
		probe_history_cpy(out->cause, sizeof(out->cause),
		    sqlite3_column_text(st, 3));
		probe_history_cpy(out->match_id, sizeof(out->match_id),
		    sqlite3_column_text(st, 4));
		out->code = sqlite3_column_int(st, 5);
		probe_history_cpy(out->enhanced, sizeof(out->enhanced),
		    sqlite3_column_text(st, 6));
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		probe_history_fail(h->path, h->db, rc, "reading", err, errlen);
		return -1;
	}
	return 0;
}

bool
probe_history_same_state(const struct probe_history_last *last,
    const struct probe_cell *c)
{
	if (!last->found || last->verdict != c->verdict ||
	    strcmp(last->cause, c->cause) != 0)
		return false;
	/* No catalog cause: the reply itself is the state. */
	if (c->cause[0] == '\0' && c->verdict != PROBE_VERDICT_PASS)
		return last->code == c->code &&
		    strcmp(last->enhanced, c->enhanced) == 0;
	return true;
}

void
probe_history_note(const struct probe_history_last *last, time_t now,
    long long remind_s, struct probe_cell *c)
{
	long long before, after;

	c->has_history = true;
	c->had_prev = last->found;
	c->prev_verdict = last->verdict;
	(void)snprintf(c->prev_cause, sizeof(c->prev_cause), "%s",
	    last->found ? last->cause : "");
	c->changed = !probe_history_same_state(last, c);
	c->since = c->changed || last->since > now ? (long long)now :
	    (long long)last->since;
	c->state_s = (long long)now - c->since;
	c->remind = false;
	if (!c->changed && c->verdict != PROBE_VERDICT_PASS && remind_s > 0 &&
	    last->time >= c->since) {
		before = ((long long)last->time - c->since) / remind_s;
		after = ((long long)now - c->since) / remind_s;
		c->remind = after > before;
	}
}

/* The per-stage times as a small JSON object; NULL when none or no room. */
static char *
probe_history_stage_ms(const struct probe_cell *c)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);
	const char *sep = "";

	if (fp == NULL)
		return NULL;
	putc('{', fp);
	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		if (!c->has_stage_ms[i])
			continue;
		fprintf(fp, "%s\"%s\":%.1f", sep,
		    smtp_stage_name((enum smtp_stage)i), c->stage_ms[i]);
		sep = ",";
	}
	putc('}', fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
probe_history_text(sqlite3_stmt *st, int col, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return sqlite3_bind_null(st, col);
	return sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT);
}

static int
probe_history_bind_cell(sqlite3_stmt *st, long long run, time_t now,
    time_t since, const struct probe_cell *c)
{
	char *stage_ms = probe_history_stage_ms(c);
	const char *report = c->detail_json, *text = c->detail_text;
	int rc;

	if (report != NULL && strlen(report) > PROBE_HISTORY_REPORT_MAX)
		report = NULL;
	if (text != NULL && strlen(text) > PROBE_HISTORY_REPORT_MAX)
		text = NULL;
	rc = sqlite3_bind_int64(st, 1, run);
	if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, (long long)now);
	if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, (long long)since);
	if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 4, c->path ? c->path :
	    "cli", -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 5, c->profile ?
	    c->profile : "none", -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 6, c->source);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 7, c->mail_from);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 8, c->rcpt);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 9, c->mx);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 10, c->address);
	if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 11,
	    probe_verdict_name(c->verdict), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 12, c->has_stage ?
	    smtp_stage_name(c->stage) : NULL);
	if (rc == SQLITE_OK) rc = c->code > 0 ? sqlite3_bind_int(st, 13,
	    c->code) : sqlite3_bind_null(st, 13);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 14, c->enhanced);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 15, c->match_id);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 16, c->cause);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 17, c->error);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 18, c->tls_version);
	if (rc == SQLITE_OK) rc = c->tls_verified < 0 ?
	    sqlite3_bind_null(st, 19) : sqlite3_bind_int(st, 19,
	    c->tls_verified);
	if (rc == SQLITE_OK) rc = sqlite3_bind_double(st, 20, c->elapsed_ms);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 21, stage_ms);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 22, c->probe_id);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 23, report);
	if (rc == SQLITE_OK) rc = probe_history_text(st, 24, text);
	free(stage_ms);
	return rc;
}

int
probe_history_record(struct probe_history *h, time_t now,
    const struct probe_cell *cells, size_t n, char *err, size_t errlen)
{
	struct probe_history_last last;
	sqlite3_stmt *run = NULL, *ins = NULL;
	long long run_id;
	time_t since;
	size_t i;
	int rc;

	if (probe_history_exec(h, "BEGIN IMMEDIATE", "recording", err,
	    errlen) != 0)
		return -1;
	rc = sqlite3_prepare_v2(h->db, "INSERT INTO run (time, ncells) "
	    "VALUES (?1, ?2)", -1, &run, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(run, 1, (long long)now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(run, 2, (long long)n);
	if (rc == SQLITE_OK && (rc = sqlite3_step(run)) == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK)
		goto sqlfail;
	run_id = sqlite3_last_insert_rowid(h->db);
	rc = sqlite3_prepare_v2(h->db, "INSERT INTO cell (run_id, time, "
	    "since, path, profile, source, mail_from, rcpt, mx, address, "
	    "verdict, stage, code, enhanced, match_id, cause, error, "
	    "tls_version, tls_verified, elapsed_ms, stage_ms, probe_id, "
	    "report, report_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
	    "?22, ?23, ?24)",
	    -1, &ins, NULL);
	if (rc != SQLITE_OK)
		goto sqlfail;
	for (i = 0; i < n; i++) {
		const struct probe_cell *c = &cells[i];

		/* Noted before the run's report (probe_history_note). */
		if (c->has_history) {
			since = (time_t)c->since;
		} else {
			if (probe_history_last(h, c->path ? c->path : "cli",
			    c->profile ? c->profile : "none", &last, err,
			    errlen) != 0)
				goto fail;
			since = probe_history_same_state(&last, c) &&
			    last.since <= now ? last.since : now;
		}
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		rc = probe_history_bind_cell(ins, run_id, now, since, c);
		if (rc == SQLITE_OK && (rc = sqlite3_step(ins)) == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK)
			goto sqlfail;
	}
	sqlite3_finalize(run);
	sqlite3_finalize(ins);
	run = ins = NULL;
	if (probe_history_exec(h, "COMMIT", "recording", err, errlen) != 0)
		goto fail;
	return 0;
sqlfail:
	probe_history_fail(h->path, h->db, rc, "recording", err, errlen);
fail:
	sqlite3_finalize(run);
	sqlite3_finalize(ins);
	(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
probe_history_prune(struct probe_history *h, time_t before, long *removed,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*removed = 0;
	rc = sqlite3_prepare_v2(h->db, "DELETE FROM cell WHERE time < ?1",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, (long long)before);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE) {
		*removed = (long)sqlite3_changes(h->db);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	/*
	 * A run's cells share its time: the runs go by the same bound, and
	 * only when cells went (most runs prune nothing, in no time).
	 */
	if (rc == SQLITE_OK && *removed > 0) {
		rc = sqlite3_prepare_v2(h->db, "DELETE FROM run WHERE time < ?1",
		    -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 1, (long long)before);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK) {
		probe_history_fail(h->path, h->db, rc, "pruning", err, errlen);
		return -1;
	}
	return 0;
}

static const char *
probe_history_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

#define PROBE_HISTORY_COLS "id, time, since, path, profile, source, " \
	"mail_from, rcpt, mx, address, verdict, stage, code, enhanced, " \
	"match_id, cause, error, tls_version, tls_verified, elapsed_ms, " \
	"probe_id"

static void
probe_history_row(sqlite3_stmt *st, struct probe_history_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->time = (time_t)sqlite3_column_int64(st, 1);
	r->since = (time_t)sqlite3_column_int64(st, 2);
	r->path = probe_history_col(st, 3);
	r->profile = probe_history_col(st, 4);
	r->source = probe_history_col(st, 5);
	r->mail_from = probe_history_col(st, 6);
	r->rcpt = probe_history_col(st, 7);
	r->mx = probe_history_col(st, 8);
	r->address = probe_history_col(st, 9);
	r->verdict = probe_history_col(st, 10);
	r->stage = probe_history_col(st, 11);
	r->code = sqlite3_column_int(st, 12);
	r->enhanced = probe_history_col(st, 13);
	r->match_id = probe_history_col(st, 14);
	r->cause = probe_history_col(st, 15);
	r->error = probe_history_col(st, 16);
	r->tls_version = probe_history_col(st, 17);
	r->tls_verified = sqlite3_column_type(st, 18) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 18);
	r->elapsed_ms = sqlite3_column_double(st, 19);
	r->probe_id = probe_history_col(st, 20);
	if (r->path == NULL)
		r->path = "";
	if (r->profile == NULL)
		r->profile = "";
	if (r->verdict == NULL)
		r->verdict = "";
}

static int
probe_history_rows(struct probe_history *h, sqlite3_stmt *st, bool report,
    probe_history_row_fn *fn, void *ctx, bool *found, char *err,
    size_t errlen)
{
	struct probe_history_row r;
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		probe_history_row(st, &r);
		if (report) {
			r.report = probe_history_col(st, 21);
			r.report_text = probe_history_col(st, 22);
		}
		if (found != NULL)
			*found = true;
		if ((ret = fn(ctx, &r)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		probe_history_fail(h->path, h->db, rc, "reading", err, errlen);
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
probe_history_walk(struct probe_history *h,
    const struct probe_history_filter *f, probe_history_row_fn *fn,
    void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(h->db, "SELECT " PROBE_HISTORY_COLS " FROM "
	    "cell WHERE (?1 IS NULL OR path = ?1) AND (?2 IS NULL OR "
	    "profile = ?2) AND time >= ?3 AND (?4 = 0 OR time = since) "
	    "ORDER BY path, profile, time, id", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = f->path ? sqlite3_bind_text(st, 1, f->path, -1,
		    SQLITE_STATIC) : sqlite3_bind_null(st, 1);
	if (rc == SQLITE_OK)
		rc = f->profile ? sqlite3_bind_text(st, 2, f->profile, -1,
		    SQLITE_STATIC) : sqlite3_bind_null(st, 2);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (long long)f->since);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 4, f->changes_only ? 1 : 0);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		probe_history_fail(h->path, h->db, rc, "reading", err, errlen);
		return -1;
	}
	return probe_history_rows(h, st, false, fn, ctx, NULL, err, errlen);
}

int
probe_history_show(struct probe_history *h, const char *probe_id,
    probe_history_row_fn *fn, void *ctx, bool *found, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*found = false;
	rc = sqlite3_prepare_v2(h->db, "SELECT " PROBE_HISTORY_COLS ", report, report_text "
	    "FROM cell WHERE probe_id = ?1 ORDER BY id", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, probe_id, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		probe_history_fail(h->path, h->db, rc, "reading", err, errlen);
		return -1;
	}
	return probe_history_rows(h, st, true, fn, ctx, found, err, errlen);
}
