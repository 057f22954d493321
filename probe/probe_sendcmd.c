/*
 * probe_sendcmd - the send command: selection, lock, run, output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "probe/history/probe_history.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"
#include "probe/report/probe_report_json.h"
#include "probe/report/probe_report_matrix.h"
#include "probe/report/probe_report_nagios.h"
#include "probe/report/probe_report_progress.h"
#include "probe/report/probe_report_prom.h"
#include "probe/probe_lock.h"
#include "probe/probe_sendcmd.h"
#include "probe/probe_signal.h"
#include "probe/run/probe_send.h"

#define PROBE_SENDCMD_ERROR	3
/* A year of 15-minute runs over a few paths stays under a gigabyte. */
#define PROBE_SENDCMD_KEEP_DAYS	90
/* A failure that lasts is mailed again once a day (--remind). */
#define PROBE_SENDCMD_REMIND_S	86400

/* What one send run selected: paths x profiles. */
struct probe_sendcmd_sel {
	struct probe_config		 config;
	const struct probe_config_path	*paths[PROBE_CONFIG_PATHS_MAX];
	size_t				 npaths;
	const char			*profiles[PROBE_SENDCMD_PROFILES_MAX];
	size_t				 nprofiles;
	char				 list[1024];	/* storage for names */
	/* The DKIM keys of the run, each file read once, before any probe. */
	struct probe_sign_key		*keys;
	size_t				 nkeys;
	/* Here, not on the stack: probes cut by -t may still read them. */
	struct probe_cli_send		 cli;
	struct probe_multi_opts		 mo;
};

/*
 * An error that ends the run: one line on stderr, and on stdout what the
 * format owes: with --format nagios the one status line, for a
 * monitoring system reads only that (Monitoring Plugins guidelines:
 * UNKNOWN, exit 3); with --json the error document, for a program reads
 * only that.
 */
static int
probe_sendcmd_error(enum probe_cli_format fmt, const char *msg)
{
	if (fmt == PROBE_CLI_FORMAT_NAGIOS)
		probe_report_nagios_unknown(stdout, msg);
	else if (fmt == PROBE_CLI_FORMAT_JSON)
		probe_report_json_error(stdout, "send", msg);
	fputs("smtpprobe send: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe send --help'.\n", stderr);
	return PROBE_SENDCMD_ERROR;
}

static void
probe_sendcmd_warn(const char *msg, const char *tail)
{
	fputs("smtpprobe send: warning: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs(tail, stderr);
	putc('\n', stderr);
}

/*
 * The history file of this run, or NULL for none: --no-history, then
 * --history, then $SMTPPROBE_HISTORY (a file, or "off"), then the
 * default place (probe_history_default_path).
 */
static const char *
probe_sendcmd_history_path(const struct probe_cli_send *cli, char *buf,
    size_t len)
{
	char err[PROBE_HISTORY_ERR_MAX];
	const char *path;
	bool off;

	if (cli->no_history)
		return NULL;
	path = probe_history_path(cli->history, buf, len, &off, err,
	    sizeof(err));
	if (path == NULL && !off)
		probe_sendcmd_warn(err, "; this run was not recorded");
	return path;
}

/*
 * Record the run. The history is a record of the probe, never a reason
 * to lose its result: any failure (locked, corrupt, read-only, disk
 * full) is one warning on stderr, and the run's report and exit status
 * come out as without it.
 */
static void
probe_sendcmd_history(const struct probe_cli_send *cli, const char *path,
    struct probe_cell *cells, size_t n, time_t started)
{
	char err[PROBE_HISTORY_ERR_MAX];
	struct probe_history_last last;
	struct probe_history *h;
	int keep = cli->keep_days >= 0 ? cli->keep_days :
	    PROBE_SENDCMD_KEEP_DAYS;
	long long remind = cli->remind_s >= 0 ? cli->remind_s :
	    PROBE_SENDCMD_REMIND_S;
	long removed;
	size_t i;

	if (path == NULL)
		return;
	h = probe_history_open(path, true, true, PROBE_HISTORY_BUSY_MS, err,
	    sizeof(err));
	if (h == NULL) {
		probe_sendcmd_warn(err, "; this run was not recorded");
		return;
	}
	/* What changed, before this run becomes the last one. */
	for (i = 0; i < n; i++) {
		if (probe_history_last(h, cells[i].path ? cells[i].path :
		    "cli", cells[i].profile ? cells[i].profile : "none", &last,
		    err, sizeof(err)) != 0)
			break;
		probe_history_note(&last, started, remind, &cells[i]);
	}
	if (i < n || probe_history_record(h, started, cells, n, err,
	    sizeof(err)) != 0) {
		probe_sendcmd_warn(err, "; this run was not recorded");
	} else if (keep > 0 && probe_history_prune(h, started -
	    (time_t)keep * 86400, &removed, err, sizeof(err)) != 0) {
		probe_sendcmd_warn(err, "");
	}
	probe_history_close(h);
}

/* "gmail,yahoo" or "all" into sel->profiles. */
static int
probe_sendcmd_profiles(const char *arg, struct probe_sendcmd_sel *sel,
    char *err, size_t errlen)
{
	char *p, *comma;

	if (strcmp(arg, "all") == 0)
		arg = PROBE_SENDCMD_ALL;
	if (strlen(arg) >= sizeof(sel->list)) {
		(void)snprintf(err, errlen, "--profile: list too long");
		return -1;
	}
	memcpy(sel->list, arg, strlen(arg) + 1);
	for (p = sel->list; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (p[0] == '\0' || sel->nprofiles == PROBE_SENDCMD_PROFILES_MAX) {
			(void)snprintf(err, errlen, "--profile: empty name or "
			    "more than %d profiles", PROBE_SENDCMD_PROFILES_MAX);
			return -1;
		}
		sel->profiles[sel->nprofiles++] = p;
	}
	return 0;
}

/* With no --profile: every profile the selected paths have a mailbox at. */
static void
probe_sendcmd_default_profiles(struct probe_sendcmd_sel *sel)
{
	const struct probe_config_path *p;
	size_t i, k, m;

	for (i = 0; i < sel->npaths; i++) {
		p = sel->paths[i];
		for (k = 0; k < p->nrcpts; k++) {
			for (m = 0; m < sel->nprofiles; m++)
				if (strcmp(sel->profiles[m],
				    p->rcpts[k].profile) == 0)
					break;
			if (m == sel->nprofiles &&
			    sel->nprofiles < PROBE_SENDCMD_PROFILES_MAX)
				sel->profiles[sel->nprofiles++] =
				    p->rcpts[k].profile;
		}
	}
}

static int
probe_sendcmd_paths(const struct probe_cli_send *cli,
    struct probe_sendcmd_sel *sel, char *err, size_t errlen)
{
	size_t i;

	if (probe_config_load(cli->config, &sel->config, err, errlen) != 0)
		return -1;
	if (cli->npaths == 0) {
		for (i = 0; i < sel->config.npaths; i++)
			sel->paths[sel->npaths++] = &sel->config.paths[i];
	}
	for (i = 0; i < cli->npaths; i++) {
		sel->paths[sel->npaths] = probe_config_find(&sel->config,
		    cli->paths[i]);
		if (sel->paths[sel->npaths++] == NULL) {
			(void)snprintf(err, errlen, "--path: no path named "
			    "\"%.64s\" in %s", cli->paths[i],
			    sel->config.file[0] ? sel->config.file :
			    "the configuration");
			return -1;
		}
	}
	if (sel->npaths == 0) {
		(void)snprintf(err, errlen, "nothing to probe: give --to, or "
		    "sending paths in %s (see --config)",
		    sel->config.file[0] ? sel->config.file :
		    PROBE_CONFIG_ETC);
		return -1;
	}
	return 0;
}

/* What a signal left of a run: what was done, what was not. */
struct probe_sendcmd_stop {
	int	sig;		/* 0: the run was not stopped */
	size_t	accepted;	/* test messages a server accepted */
	size_t	not_run;	/* cells not run, or not finished */
};

/* Count what a stopped run did (a cell's own facts, no judgement). */
static void
probe_sendcmd_stop_count(const struct probe_cell *cells, size_t n,
    struct probe_sendcmd_stop *stop)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!cells[i].is_done)
			stop->not_run++;
		else if (cells[i].verdict == PROBE_VERDICT_PASS &&
		    cells[i].has_stage &&
		    cells[i].stage == SMTP_STAGE_END_OF_DATA)
			stop->accepted++;
	}
}

/* "stopped by SIGTERM: 2 test messages already accepted, 3 paths not run" */
static void
probe_sendcmd_stop_line(FILE *fp, const struct probe_sendcmd_stop *stop)
{
	fprintf(fp, "stopped by %s: %zu test message%s already accepted, "
	    "%zu path%s not run\n", probe_signal_name(stop->sig),
	    stop->accepted, stop->accepted == 1 ? "" : "s", stop->not_run,
	    stop->not_run == 1 ? "" : "s");
}

/*
 * The progress line (probe_report_progress), drawn only when stderr is a
 * terminal: ctx is the unit, "paths" or "probes".
 */
static void
probe_sendcmd_progress(void *ctx, size_t done, size_t total, size_t failing)
{
	probe_report_progress_render(stderr, done, total, failing, ctx);
}

/* Cron safety: one configured run at a time (probe_lock.h). */
static int
probe_sendcmd_lock(const struct probe_cli_send *cli, char *err, size_t errlen)
{
	return probe_lock_take(cli->lock_file, cli->wait, err, errlen);
}

/* What the history and the expectation add to a cell (null: none). */
static void
probe_sendcmd_json_extra(FILE *fp, const struct probe_cell *c)
{
	char when[PROBE_WHEN_ISO_MAX];

	probe_json_key(fp, "history", true);
	if (c->has_history) {
		probe_when_iso((time_t)c->since, when, sizeof(when));
		fprintf(fp, "{\"changed\":%s,\"remind\":%s,\"since\":\"%s\","
		    "\"state_seconds\":%lld", c->changed ? "true" : "false",
		    c->remind ? "true" : "false", when, c->state_s);
		probe_json_key(fp, "previous_verdict", true);
		if (c->had_prev)
			fprintf(fp, "\"%s\"", probe_verdict_name(
			    c->prev_verdict));
		else
			fputs("null", fp);
		probe_json_str(fp, "previous_cause", c->had_prev &&
		    c->prev_cause[0] ? c->prev_cause : NULL, true);
		putc('}', fp);
	} else {
		fputs("null", fp);
	}
	probe_json_key(fp, "expect", true);
	if (c->expect.set) {
		fprintf(fp, "{\"verdict\":\"%s\"",
		    probe_verdict_name(c->expect.verdict));
		probe_json_str(fp, "enhanced", c->expect.enhanced[0] ?
		    c->expect.enhanced : NULL, true);
		probe_json_str(fp, "cause", c->expect.cause[0] ?
		    c->expect.cause : NULL, true);
		probe_json_bool(fp, "met", probe_verdict_expect_met(c), true);
		putc('}', fp);
	} else {
		fputs("null", fp);
	}
}

/* Many cells as one JSON document; each probe's own document inside. */
static void
probe_sendcmd_json(FILE *fp, const struct probe_cell *cells, size_t n,
    enum probe_verdict overall, probe_multi_exit_fn *exit_code,
    const struct probe_sendcmd_stop *stop)
{
	const struct probe_cell *c;
	size_t i, len;

	probe_report_json_head(fp);
	fprintf(fp, ",\"verdict\":\"%s\",\"exit_code\":%d",
	    probe_verdict_name(overall), exit_code(overall));
	if (stop->sig != 0)
		fprintf(fp, ",\"interrupted\":{\"signal\":\"%s\","
		    "\"accepted\":%zu,\"not_run\":%zu}",
		    probe_signal_name(stop->sig), stop->accepted,
		    stop->not_run);
	fputs(",\"results\":[", fp);
	for (i = 0; i < n; i++) {
		c = &cells[i];
		fprintf(fp, "%s{\"path\":", i ? "," : "");
		(void)probe_escape_json_str(fp, c->path);
		probe_json_str(fp, "profile", c->profile, true);
		fprintf(fp, ",\"verdict\":\"%s\"",
		    probe_verdict_name(c->verdict));
		probe_sendcmd_json_extra(fp, c);
		fputs(",\"probe\":", fp);
		len = c->detail_json ? strlen(c->detail_json) : 0;
		while (len > 0 && c->detail_json[len - 1] == '\n')
			len--;
		if (len > 0)
			fwrite(c->detail_json, 1, len, fp);
		else
			fputs("null", fp);
		putc('}', fp);
	}
	fputs("]}\n", fp);
}

static int
probe_sendcmd_output(const struct probe_cli_send *cli,
    const struct probe_sendcmd_sel *sel, const struct probe_cell *cells,
    size_t n, enum probe_verdict overall, probe_multi_exit_fn *exit_code,
    const struct probe_verdict_limits *lim,
    const struct probe_sendcmd_stop *stop)
{
	const char *names[PROBE_CONFIG_PATHS_MAX];
	char err[512];
	size_t i, rows = sel->npaths ? sel->npaths : 1;

	for (i = 0; i < rows; i++)
		names[i] = sel->npaths ? sel->paths[i]->name :
		    cli->path_name ? cli->path_name : "cli";
	if (cli->format == PROBE_CLI_FORMAT_PROMETHEUS && cli->output) {
		if (probe_report_prom_write_file(cli->output, cells, names,
		    rows, sel->profiles, sel->nprofiles, (double)time(NULL),
		    err, sizeof(err)) != 0)
			return probe_sendcmd_error(cli->format, err);
		return 0;
	}
	if (cli->quiet && overall == PROBE_VERDICT_PASS &&
	    cli->format == PROBE_CLI_FORMAT_TEXT)
		return 0;
	if (cli->format == PROBE_CLI_FORMAT_PROMETHEUS)
		probe_report_prom_render(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, (double)time(NULL));
	else if (cli->format == PROBE_CLI_FORMAT_NAGIOS)
		probe_report_nagios_render_limits(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, overall, lim);
	else if (cli->format == PROBE_CLI_FORMAT_JSON && n == 1)
		fputs(cells[0].detail_json ? cells[0].detail_json : "null\n",
		    stdout);
	else if (cli->format == PROBE_CLI_FORMAT_JSON)
		probe_sendcmd_json(stdout, cells, n, overall, exit_code,
		    stop);
	else if (cli->report_changes)
		probe_report_matrix_changes(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, overall);
	else if (n == 1 && !cells[0].expect.set)
		fputs(cells[0].detail_text ? cells[0].detail_text : "", stdout);
	else
		probe_report_matrix_render(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, overall);
	/* A stopped run says so at its end, where a reader looks last. */
	if (stop->sig != 0 && cli->format == PROBE_CLI_FORMAT_TEXT)
		probe_sendcmd_stop_line(stdout, stop);
	return 0;
}

/* A password file others can read is worth a word, not a refusal. */
static void
probe_sendcmd_password_warnings(const struct probe_cli_send *cli,
    const struct probe_sendcmd_sel *sel)
{
	char msg[PATH_MAX + 128];
	const char *f;
	size_t i;

	for (i = 0; i <= sel->npaths; i++) {
		f = i == 0 ? cli->auth_password_file :
		    sel->paths[i - 1]->auth_password_file;
		if (i > 0 && cli->auth_password_file != NULL)
			break;
		if (f == NULL || f[0] == '\0' ||
		    !probe_send_password_warning(f, msg, sizeof(msg)))
			continue;
		fputs("smtpprobe send: ", stderr);
		probe_escape_text(stderr, msg, strlen(msg));
		putc('\n', stderr);
	}
}

/* Read file into the next key unless it is read already; -1 with err. */
static int
probe_sendcmd_key(const char *file, const char *what,
    struct probe_sendcmd_sel *sel, char *err, size_t errlen)
{
	struct probe_sign_key *k;
	char why[PROBE_CONFIG_ERR_MAX];
	size_t i;

	for (i = 0; i < sel->nkeys; i++)
		if (strcmp(sel->keys[i].path, file) == 0)
			return 0;
	k = &sel->keys[sel->nkeys];
	if (probe_sign_key_load(file, k, why, sizeof(why)) != 0) {
		probe_sign_key_free(k);
		(void)snprintf(err, errlen, "%s %.900s", what, why);
		return -1;
	}
	sel->nkeys++;
	/* Said once per file, however many paths use it. */
	if (k->is_readable_by_others) {
		fputs("smtpprobe send: warning: the DKIM key ", stderr);
		probe_escape_text(stderr, file, strlen(file));
		fputs(" is readable by group or others (chmod 600 it)\n",
		    stderr);
	}
	return 0;
}

/*
 * Every DKIM key the run will sign with, read and checked now: a key
 * that does not parse stops the run (exit 3) before any connection.
 */
static int
probe_sendcmd_keys(const struct probe_cli_send *cli,
    struct probe_sendcmd_sel *sel, char *err, size_t errlen)
{
	size_t i;

	sel->keys = calloc(sel->npaths + 1, sizeof(*sel->keys));
	if (sel->keys == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cli->dkim_key != NULL)
		return probe_sendcmd_key(cli->dkim_key, "--dkim-key", sel, err,
		    errlen);
	for (i = 0; i < sel->npaths; i++)
		if (sel->paths[i]->dkim_key[0] != '\0' &&
		    probe_sendcmd_key(sel->paths[i]->dkim_key, "dkim_key",
		    sel, err, errlen) != 0)
			return -1;
	return 0;
}

/* Parse, select, lock; -1 with err filled for exit status 3. */
static int
probe_sendcmd_select(const struct probe_cli_send *cli,
    struct probe_sendcmd_sel *sel, char *err, size_t errlen)
{
	if (cli->profile != NULL && probe_sendcmd_profiles(cli->profile, sel,
	    err, errlen) != 0)
		return -1;
	if (cli->report_changes && cli->format != PROBE_CLI_FORMAT_TEXT) {
		(void)snprintf(err, errlen, "--report changes goes with the "
		    "text format (Nagios and Prometheus carry since when)");
		return -1;
	}
	if (cli->output != NULL && cli->format != PROBE_CLI_FORMAT_PROMETHEUS) {
		(void)snprintf(err, errlen, "--output goes with --format "
		    "prometheus");
		return -1;
	}
	/* Found before any mail is sent, not after the whole run. */
	if (cli->output != NULL &&
	    probe_report_prom_check_file(cli->output, err, errlen) != 0)
		return -1;
	if (cli->dkim_key != NULL && cli->dkim_selector == NULL) {
		(void)snprintf(err, errlen, "--dkim-key needs --dkim-selector, "
		    "the s= of the signature");
		return -1;
	}
	if (cli->critical_after_s > 0 && cli->no_history) {
		(void)snprintf(err, errlen, "--critical-after reads how long a "
		    "tempfail has lasted from the history: not with "
		    "--no-history");
		return -1;
	}
	if (cli->path_name != NULL && cli->nto == 0) {
		(void)snprintf(err, errlen, "--path-name names the one path of "
		    "--to; configured paths have their names");
		return -1;
	}
	if (cli->nto > 0) {
		/* One ad-hoc path from the flags alone. */
		if (probe_multi_expect_check(cli, "", NULL, 0, err,
		    errlen) != 0)
			return -1;
		if (sel->nprofiles == 0)
			sel->profiles[sel->nprofiles++] = PROBE_SENDCMD_NONE;
		return probe_sendcmd_keys(cli, sel, err, errlen);
	}
	if (probe_sendcmd_paths(cli, sel, err, errlen) != 0 ||
	    probe_multi_expect_check(cli, sel->config.file, sel->paths,
	    sel->npaths, err, errlen) != 0 ||
	    probe_sendcmd_keys(cli, sel, err, errlen) != 0)
		return -1;
	if (sel->nprofiles == 0)
		probe_sendcmd_default_profiles(sel);
	if (sel->nprofiles == 0) {
		(void)snprintf(err, errlen, "no profile: give --profile, or "
		    "recipients per profile in the paths");
		return -1;
	}
	return probe_sendcmd_lock(cli, err, errlen);
}

/* -t: when the run must end, counted from now; tv_sec 0 for never. */
static struct timespec
probe_sendcmd_deadline(const struct probe_cli_send *cli)
{
	struct timespec ts = { 0, 0 };

	if (cli->timeout_total_s > 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		ts.tv_sec += cli->timeout_total_s;
	return ts;
}

/*
 * Record a run cut by -t: only the cells that finished, for the others
 * said nothing about their paths.
 */
static void
probe_sendcmd_history_cut(const struct probe_cli_send *cli, const char *path,
    struct probe_cell *cells, size_t n, time_t started)
{
	struct probe_cell *done = calloc(n, sizeof(*done));
	size_t i, k = 0;

	if (done == NULL) {
		probe_sendcmd_warn("out of memory", "; this run was not "
		    "recorded");
		return;
	}
	for (i = 0; i < n; i++)
		if (cells[i].is_done)
			done[k++] = cells[i];
	if (k > 0)
		probe_sendcmd_history(cli, path, done, k, started);
	/* The history's notes belong to the report too. */
	for (i = 0, k = 0; i < n; i++)
		if (cells[i].is_done)
			cells[i] = done[k++];
	free(done);
}

/*
 * Run the cells with Ctrl-C and SIGTERM caught (probe_signal) and, when
 * stderr is a terminal and there is more than one cell, the progress
 * line, erased at the end. stop->sig gets the signal that stopped it.
 * Returns 0, or -1 with err filled.
 */
static int
probe_sendcmd_multi(struct probe_multi_opts *mo, struct probe_cell *cells,
    size_t n, struct probe_sendcmd_stop *stop, char *err, size_t errlen)
{
	struct probe_signal_saved saved;
	int rc;

	if (n > 1 && isatty(STDERR_FILENO)) {
		mo->progress = probe_sendcmd_progress;
		mo->progress_ctx = mo->nprofiles > 1 ? "probes" : "paths";
	}
	mo->stopped_by = &stop->sig;
	if (probe_signal_arm(&saved) == 0)
		mo->stop = probe_signal_flag();
	rc = probe_multi_run(mo, cells, err, errlen);
	probe_signal_disarm(&saved);
	if (mo->progress != NULL)
		probe_report_progress_erase(stderr);
	return rc;
}

int
probe_sendcmd_run(int argc, char **argv, probe_multi_exit_fn *exit_code,
    bool *is_cut)
{
	struct probe_sendcmd_sel *sel = calloc(1, sizeof(*sel));
	struct probe_cli_send *cli = sel ? &sel->cli : NULL;
	struct probe_multi_opts *mo = sel ? &sel->mo : NULL;
	struct probe_verdict_limits lim;
	struct probe_sendcmd_stop stop = { 0, 0, 0 };
	struct probe_cell *cells = NULL;
	enum probe_verdict overall;
	char err[PROBE_CONFIG_ERR_MAX], hbuf[PATH_MAX];
	const char *hpath;
	time_t started;
	size_t n;
	int rc = PROBE_SENDCMD_ERROR;
	enum probe_cli_format fmt = probe_cli_asks_format(argc, argv);

	*is_cut = false;
	if (sel == NULL)
		return probe_sendcmd_error(fmt, "out of memory");
	mo->cli = cli;
	mo->exit_code = exit_code;
	mo->is_cut = is_cut;
	if (probe_cli_parse_send(argc, argv, cli, err, sizeof(err)) != 0) {
		rc = probe_sendcmd_error(fmt, err);
		goto out;
	}
	/* Parsed: the format is known for sure (--json may follow). */
	fmt = cli->format;
	if (!cli->help && !cli->version && probe_sendcmd_select(cli, sel, err,
	    sizeof(err)) != 0) {
		rc = probe_sendcmd_error(fmt, err);
		goto out;
	}
	mo->deadline = probe_sendcmd_deadline(cli);
	if (cli->help || cli->version) {
		if (cli->help)
			probe_cli_send_usage(stdout);
		else
			printf("smtpprobe %s\n", SMTPPROBE_VERSION);
		rc = 0;
		goto out;
	}
	probe_sendcmd_password_warnings(cli, sel);
	mo->paths = sel->paths;
	mo->npaths = sel->npaths;
	mo->profiles = sel->profiles;
	mo->nprofiles = sel->nprofiles;
	mo->jobs = cli->jobs ? cli->jobs : PROBE_SENDCMD_JOBS_DEFAULT;
	hpath = probe_sendcmd_history_path(cli, hbuf, sizeof(hbuf));
	/* The history keeps each probe's reports, text and JSON. */
	mo->want_text = cli->format == PROBE_CLI_FORMAT_TEXT || hpath != NULL;
	mo->want_json = cli->format == PROBE_CLI_FORMAT_JSON || hpath != NULL;
	mo->keys = sel->keys;
	mo->nkeys = sel->nkeys;
	n = (sel->npaths ? sel->npaths : 1) * sel->nprofiles;
	started = time(NULL);
	cells = calloc(n, sizeof(*cells));
	if (cells == NULL) {
		rc = probe_sendcmd_error(fmt, "out of memory");
		goto out;
	}
	if (probe_sendcmd_multi(mo, cells, n, &stop, err, sizeof(err)) != 0) {
		rc = probe_sendcmd_error(fmt, err);
		goto out;
	}
	overall = probe_verdict_run(cells, n, NULL);
	/* One ad-hoc probe that could not start: a usage error, on stderr. */
	if (n == 1 && overall == PROBE_VERDICT_ERROR && !cells[0].has_stage &&
	    cells[0].mx[0] == '\0' && !*is_cut) {
		rc = probe_sendcmd_error(fmt, cells[0].error);
		probe_multi_free_cells(cells, n);
		goto out;
	}
	/* First: --critical-after reads how long each state has lasted. */
	if (*is_cut || stop.sig != 0)
		probe_sendcmd_history_cut(cli, hpath, cells, n, started);
	else
		probe_sendcmd_history(cli, hpath, cells, n, started);
	lim = (struct probe_verdict_limits){ cli->warn_s, cli->crit_s,
	    cli->cert_warn_days, cli->cert_crit_days, (long long)time(NULL),
	    cli->critical_after_s };
	/* A pre-launch run is judged by its expectations. */
	if (probe_verdict_has_expectations(cells, n))
		overall = probe_verdict_expectations(cells, n, NULL, NULL);
	else
		overall = probe_verdict_limits_run(cells, n, &lim, overall);
	if (stop.sig != 0)
		probe_sendcmd_stop_count(cells, n, &stop);
	/* Every probe ended within the grace: the run is whole after all. */
	if (stop.sig != 0 && stop.not_run == 0)
		stop.sig = 0;
	if (stop.sig != 0) {
		overall = probe_verdict_stopped();
		fputs("smtpprobe send: ", stderr);
		probe_sendcmd_stop_line(stderr, &stop);
	}
	rc = probe_sendcmd_output(cli, sel, cells, n, overall, exit_code,
	    &lim, &stop);
	if (rc == 0)
		rc = fflush(stdout) == 0 ? exit_code(overall) :
		    probe_sendcmd_error(PROBE_CLI_FORMAT_TEXT,
		    "cannot write the report");
	probe_multi_free_cells(cells, n);
out:
	free(cells);
	/* Cut: the probes still running read sel until the process ends. */
	if (*is_cut)
		return rc;
	probe_config_free(&sel->config);
	while (sel->keys != NULL && sel->nkeys > 0)
		probe_sign_key_free(&sel->keys[--sel->nkeys]);
	free(sel->keys);
	free(sel);
	return rc;
}
