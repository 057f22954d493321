/*
 * probe_history - what earlier runs found: every cell of every "send" run
 * in one SQLite file, so that a run can say what changed since the last
 * one and "smtpprobe history" can show when it changed.
 *
 * The file: WAL journal (a reader never blocks the writer), a busy
 * timeout (two runs at once wait for each other and never corrupt it,
 * with or without the run lock), the schema version in PRAGMA
 * user_version, migrated forward in one transaction when an older
 * smtpprobe wrote it; a newer schema than this program knows is refused
 * and never written.
 *
 * Every row keeps "since": the time its path and profile entered the
 * state it is in (the verdict and the cause), so a change is a row whose
 * time equals its since, and "for how long" needs no scan.
 *
 * Ownership: probe_history_open() returns a handle the caller closes
 * with probe_history_close(); strings handed to callbacks live for the
 * call only.
 * Errors: every call returns -1 with one line in err, naming the file
 * ("history /x/h.sqlite: database is locked (waited 10 s)"); the caller
 * decides what it means (send makes it a warning: the probe's own result
 * still comes out with its exit status).
 */
#ifndef SMTPPROBE_PROBE_HISTORY_H
#define SMTPPROBE_PROBE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "probe/verdict/probe_cell.h"

#define PROBE_HISTORY_ERR_MAX		640
/* The schema this program writes; older ones are migrated up to it. */
#define PROBE_HISTORY_SCHEMA		1
/* A probe's JSON report larger than this is not kept (the cell is). */
#define PROBE_HISTORY_REPORT_MAX	(512u * 1024)
/* How long a run waits for another one holding the database. */
#define PROBE_HISTORY_BUSY_MS		10000
#define PROBE_HISTORY_NAME		"history.sqlite"

struct probe_history;

/*
 * probe_history_default_path - where the history lives when --history is
 * not given: $STATE_DIRECTORY (systemd's StateDirectory=, the service),
 * /var/lib/smtpprobe for root, else $XDG_STATE_HOME/smtpprobe or
 * $HOME/.local/state/smtpprobe; the file is history.sqlite there.
 * Returns 0, or -1 with err filled (no HOME, too long).
 */
int	probe_history_default_path(char *out, size_t outlen, char *err,
	    size_t errlen);

/*
 * probe_history_path - the history file of a command: flag (--history)
 * when given, else $SMTPPROBE_HISTORY (a file; "off" for none), else the
 * default place (probe_history_default_path, into buf). Returns the
 * file, or NULL: with *off true when the history is off, else with err
 * filled.
 */
const char *probe_history_path(const char *flag, char *buf, size_t buflen,
	    bool *off, char *err, size_t errlen);

/*
 * probe_history_open - open (create_ok: create, with its folder, mode
 * 0700, when missing) and bring the schema up to date. A read-only open
 * (create_ok false, writable false) never changes the file, and refuses
 * one whose schema is older or newer than ours. busy_ms: how long to wait
 * for a lock held by another run.
 * Returns the handle, or NULL with err filled.
 */
struct probe_history *probe_history_open(const char *path, bool writable,
	    bool create_ok, int busy_ms, char *err, size_t errlen);

/* probe_history_close - close; NULL is fine. */
void	probe_history_close(struct probe_history *h);

/* The latest row of one path and profile, as the next run compares it. */
struct probe_history_last {
	bool			found;
	time_t			time;		/* when it was probed */
	time_t			since;		/* when that state began */
	enum probe_verdict	verdict;
	char			cause[32];
	char			match_id[96];
	int			code;
	char			enhanced[16];
};

/*
 * probe_history_last - the latest recorded row of path and profile
 * (found false when there is none). Returns 0, or -1 with err filled.
 */
int	probe_history_last(struct probe_history *h, const char *path,
	    const char *profile, struct probe_history_last *out, char *err,
	    size_t errlen);

/*
 * probe_history_same_state - whether a cell is in the state of a row:
 * the verdict and the cause (the catalog cause, or the error text for a
 * cell without one). The one place that says what a change is.
 */
bool	probe_history_same_state(const struct probe_history_last *last,
	    const struct probe_cell *c);

/*
 * probe_history_note - compare cell c, probed at now, with the last row
 * of its path and profile and fill c's history fields: whether its state
 * changed (probe_history_same_state), since when the present state
 * holds, and whether a reminder is due: the state is unchanged and not
 * a pass, and a multiple of remind_s since it began was crossed between
 * the last run and this one (remind_s 0: never). Stateless, so a run
 * that is skipped or fails to record only delays a reminder.
 */
void	probe_history_note(const struct probe_history_last *last, time_t now,
	    long long remind_s, struct probe_cell *c);

/*
 * probe_history_record - record one run: its cells, all in one
 * transaction, at time now; since is carried over from the previous row
 * of the same path and profile when the state is the same. Returns 0, or
 * -1 with err filled (nothing of the run is then recorded).
 */
int	probe_history_record(struct probe_history *h, time_t now,
	    const struct probe_cell *cells, size_t n, char *err,
	    size_t errlen);

/*
 * probe_history_prune - delete the rows older than before; *removed gets
 * their number. Returns 0, or -1 with err filled.
 */
int	probe_history_prune(struct probe_history *h, time_t before,
	    long *removed, char *err, size_t errlen);

/* One row, as the timeline and --show hand it over (borrowed strings). */
struct probe_history_row {
	long long	 id;
	time_t		 time;
	time_t		 since;
	const char	*path, *profile, *source, *mail_from, *rcpt;
	const char	*mx, *address, *verdict, *stage, *enhanced;
	const char	*cause, *match_id, *error, *tls_version, *probe_id;
	const char	*report;	/* the probe's JSON, NULL if not kept */
	const char	*report_text;	/* its text report, likewise */
	int		 code;		/* 0: no reply */
	int		 tls_verified;	/* -1 no TLS, 0 no, 1 yes */
	double		 elapsed_ms;
};

/* Called once per row; non-zero stops the walk and is returned. */
typedef int	probe_history_row_fn(void *ctx,
		    const struct probe_history_row *r);

/* What the timeline shows; NULL/0 fields do not filter. */
struct probe_history_filter {
	const char	*path;
	const char	*profile;
	time_t		 since;		/* rows at or after */
	bool		 changes_only;	/* rows where the state changed */
};

/*
 * probe_history_walk - the rows that pass f, by path, profile and time.
 * Returns 0, fn's non-zero value, or -1 with err filled.
 */
int	probe_history_walk(struct probe_history *h,
	    const struct probe_history_filter *f, probe_history_row_fn *fn,
	    void *ctx, char *err, size_t errlen);

/*
 * probe_history_show - the row of one probe id (its report included);
 * fn is not called when there is none. Returns 0 (*found set), fn's
 * value, or -1 with err filled.
 */
int	probe_history_show(struct probe_history *h, const char *probe_id,
	    probe_history_row_fn *fn, void *ctx, bool *found, char *err,
	    size_t errlen);

#endif
