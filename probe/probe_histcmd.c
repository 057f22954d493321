/*
 * probe_histcmd - "smtpprobe history" (see the header).
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/config/probe_cli.h"
#include "probe/history/probe_history.h"
#include "probe/report/probe_report_json.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"
#include "probe/probe_histcmd.h"

enum histcmd_opt {
	HISTCMD_OPT_HISTORY = 256, HISTCMD_OPT_PATH, HISTCMD_OPT_PROFILE,
	HISTCMD_OPT_SINCE, HISTCMD_OPT_SHOW, HISTCMD_OPT_ALL, HISTCMD_OPT_JSON,
};

static const struct option histcmd_longopts[] = {
	{ "history", required_argument, NULL, HISTCMD_OPT_HISTORY },
	{ "path", required_argument, NULL, HISTCMD_OPT_PATH },
	{ "profile", required_argument, NULL, HISTCMD_OPT_PROFILE },
	{ "since", required_argument, NULL, HISTCMD_OPT_SINCE },
	{ "show", required_argument, NULL, HISTCMD_OPT_SHOW },
	{ "all", no_argument, NULL, HISTCMD_OPT_ALL },
	{ "json", no_argument, NULL, HISTCMD_OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct histcmd_opts {
	const char			*history;
	const char			*show;
	struct probe_history_filter	 filter;
	bool				 json;
	bool				 help;
};

/* The walk's state: one group (path, profile) at a time, streamed. */
struct histcmd_walk {
	FILE		*fp;
	bool		 json;
	bool		 all;
	time_t		 now;
	char		 path[256], profile[64];
	bool		 open;		/* a group has been started */
	bool		 first_row;	/* JSON: no comma before the next */
	size_t		 ngroups;
	time_t		 last_time, last_since;
	char		 last_verdict[16];
	bool		 is_bad;	/* --show: the report is not whole */
};

static void
histcmd_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe history [--path NAME] [--profile NAME] [--since TIME]\n"
"                         [--all] [--json] [--history FILE]\n"
"       smtpprobe history --show PROBE_ID [--json] [--history FILE]\n"
"\n"
"What earlier send runs found, per sending path and profile: when the\n"
"verdict or the cause changed, and the diagnosis at each change.\n"
"\n"
"  --path NAME      only this sending path (\"cli\" for runs without one)\n"
"  --profile NAME   only this profile (gmail, yahoo, ...)\n"
"  --since TIME     from TIME: 24h, 7d, 2w, 2026-12-01, 2026-12-01T03:00Z\n"
"  --all            every recorded probe, not only the changes\n"
"  --show PROBE_ID  the full stored report of one probe (text, or its\n"
"                   JSON document with --json)\n"
"  --json           one JSON document\n"
"  --history FILE   the history file (default as for send: $SMTPPROBE_HISTORY,\n"
"                   $STATE_DIRECTORY, /var/lib/smtpprobe for root, else\n"
"                   $XDG_STATE_HOME or ~/.local/state; smtpprobe/history.sqlite)\n"
"\n"
"Exit status: 0 shown, 3 usage error or no readable history.\n", fp);
}

/*
 * One line on stderr; with --json (even one not parsed yet) the error
 * document on stdout too.
 */
static enum probe_verdict
histcmd_error(bool json, const char *msg)
{
	if (json)
		probe_report_json_error(stdout, "history", msg);
	fputs("smtpprobe history: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe history --help'.\n", stderr);
	return PROBE_VERDICT_ERROR;
}

static int
histcmd_parse(int argc, char **argv, struct histcmd_opts *o, char *err,
    size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->filter.changes_only = true;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", histcmd_longopts,
	    NULL)) != -1) {
		switch (c) {
		case HISTCMD_OPT_HISTORY: o->history = optarg; break;
		case HISTCMD_OPT_PATH: o->filter.path = optarg; break;
		case HISTCMD_OPT_PROFILE: o->filter.profile = optarg; break;
		case HISTCMD_OPT_SHOW: o->show = optarg; break;
		case HISTCMD_OPT_ALL: o->filter.changes_only = false; break;
		case HISTCMD_OPT_JSON: o->json = true; break;
		case HISTCMD_OPT_SINCE:
			if (probe_when_parse(optarg, time(NULL),
			    &o->filter.since) != 0) {
				(void)snprintf(err, errlen, "--since: a time "
				    "such as 24h, 7d, 2026-12-01 or "
				    "2026-12-01T03:00Z, not \"%.64s\"",
				    optarg);
				return -1;
			}
			break;
		case 'h': o->help = true; break;
		default:
			(void)snprintf(err, errlen, "unknown option or "
			    "missing value: \"%.100s\"", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		(void)snprintf(err, errlen, "unexpected argument \"%.100s\"",
		    argv[optind]);
		return -1;
	}
	return 0;
}


static void
histcmd_text_field(FILE *fp, const char *label, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return;
	fputs(label, fp);
	probe_escape_text(fp, s, strlen(s));
}

/* The end of a group: how long it has been in its last state. */
static void
histcmd_close_group(struct histcmd_walk *w)
{
	char when[PROBE_WHEN_ISO_MAX], span[32];

	if (!w->open)
		return;
	probe_when_iso(w->last_time, when, sizeof(when));
	probe_when_span((long long)(w->last_time - w->last_since), span,
	    sizeof(span));
	if (w->json) {
		fputs("]", w->fp);
		probe_json_str(w->fp, "last_probed", when, true);
		probe_json_str(w->fp, "state", w->last_verdict, true);
		probe_when_iso(w->last_since, when, sizeof(when));
		probe_json_str(w->fp, "state_since", when, true);
		fputs("}", w->fp);
	} else {
		fprintf(w->fp, "  now: %s for %s (last probed %s)\n\n",
		    w->last_verdict, span, when);
	}
	w->open = false;
}

static void
histcmd_open_group(struct histcmd_walk *w, const struct probe_history_row *r)
{
	histcmd_close_group(w);
	(void)snprintf(w->path, sizeof(w->path), "%s", r->path);
	(void)snprintf(w->profile, sizeof(w->profile), "%s", r->profile);
	if (w->json) {
		fputs(w->ngroups > 0 ? ",{" : "{", w->fp);
		probe_json_str(w->fp, "path", r->path, false);
		probe_json_str(w->fp, "profile", r->profile, true);
		probe_json_key(w->fp, "rows", true);
		fputs("[", w->fp);
	} else {
		probe_escape_text(w->fp, r->path, strlen(r->path));
		fputs(" -> ", w->fp);
		probe_escape_text(w->fp, r->profile, strlen(r->profile));
		putc('\n', w->fp);
	}
	w->ngroups++;
	w->open = true;
	w->first_row = true;
}

static void
histcmd_json_row(FILE *fp, const struct probe_history_row *r, bool comma)
{
	char when[PROBE_WHEN_ISO_MAX];

	fputs(comma ? ",{" : "{", fp);
	probe_when_iso(r->time, when, sizeof(when));
	probe_json_str(fp, "time", when, false);
	probe_json_bool(fp, "changed", r->time == r->since, true);
	probe_json_str(fp, "verdict", r->verdict, true);
	probe_json_str(fp, "stage", r->stage, true);
	probe_json_key(fp, "code", true);
	if (r->code > 0)
		fprintf(fp, "%d", r->code);
	else
		fputs("null", fp);
	probe_json_str(fp, "enhanced", r->enhanced, true);
	probe_json_str(fp, "cause", r->cause, true);
	probe_json_str(fp, "match_id", r->match_id, true);
	probe_json_str(fp, "error", r->error, true);
	probe_json_str(fp, "source", r->source, true);
	probe_json_str(fp, "mail_from", r->mail_from, true);
	probe_json_str(fp, "rcpt", r->rcpt, true);
	probe_json_str(fp, "mx", r->mx, true);
	probe_json_str(fp, "address", r->address, true);
	probe_json_str(fp, "tls_version", r->tls_version, true);
	probe_json_key(fp, "tls_verified", true);
	fputs(r->tls_verified < 0 ? "null" : r->tls_verified ? "true" :
	    "false", fp);
	probe_json_key(fp, "elapsed_ms", true);
	fprintf(fp, "%.1f", r->elapsed_ms);
	probe_json_str(fp, "probe_id", r->probe_id, true);
	fputs("}", fp);
}

static void
histcmd_text_row(FILE *fp, const struct probe_history_row *r)
{
	char when[PROBE_WHEN_ISO_MAX];

	probe_when_iso(r->time, when, sizeof(when));
	fprintf(fp, "  %s  %-8s", when, r->verdict);
	if (r->code > 0)
		fprintf(fp, " %d", r->code);
	histcmd_text_field(fp, " ", r->enhanced);
	histcmd_text_field(fp, " at ", r->stage);
	if (r->cause != NULL && r->cause[0] != '\0') {
		histcmd_text_field(fp, ": ", r->cause);
		histcmd_text_field(fp, " (", r->match_id);
		if (r->match_id != NULL && r->match_id[0] != '\0')
			putc(')', fp);
	} else if (r->code == 0) {
		histcmd_text_field(fp, ": ", r->error);
	}
	if (!(r->time == r->since))
		fputs(" (no change)", fp);
	putc('\n', fp);
	fputs("             ", fp);
	histcmd_text_field(fp, " from ", r->source);
	histcmd_text_field(fp, " via ", r->mx);
	histcmd_text_field(fp, " ", r->tls_version);
	histcmd_text_field(fp, " probe ", r->probe_id);
	putc('\n', fp);
}

static int
histcmd_row(void *ctx, const struct probe_history_row *r)
{
	struct histcmd_walk *w = ctx;

	if (!w->open || strcmp(w->path, r->path) != 0 ||
	    strcmp(w->profile, r->profile) != 0)
		histcmd_open_group(w, r);
	w->last_time = r->time;
	w->last_since = r->since;
	(void)snprintf(w->last_verdict, sizeof(w->last_verdict), "%s",
	    r->verdict);
	/* Every row keeps the group's "now" right; only changes print. */
	if (!w->all && r->time != r->since)
		return 0;
	if (w->json)
		histcmd_json_row(w->fp, r, !w->first_row);
	else
		histcmd_text_row(w->fp, r);
	w->first_row = false;
	return 0;
}

static int
histcmd_show_row(void *ctx, const struct probe_history_row *r)
{
	struct histcmd_walk *w = ctx;
	const char *rep = w->json ? r->report : r->report_text, *p;

	if (rep == NULL) {
		if (w->json)
			probe_report_json_error(w->fp, "history", "the report "
			    "of this probe was not kept");
		else
			fputs("(the report of this probe was not kept)\n",
			    w->fp);
		w->is_bad = true;
		return 0;
	}
	/*
	 * Stored as rendered, so already escaped for a terminal (text) or
	 * as JSON; a control byte means the file was edited since, and
	 * then nothing of it reaches the terminal.
	 */
	for (p = rep; *p != '\0'; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') ||
		    *p == 0x7f) {
			if (w->json)
				probe_report_json_error(w->fp, "history",
				    "the stored report is damaged");
			else
				fputs("(the stored report is damaged)\n",
				    w->fp);
			w->is_bad = true;
			return 1;
		}
	}
	fputs(rep, w->fp);
	if (p != rep && p[-1] != '\n')
		putc('\n', w->fp);
	return 1;	/* one probe id, one report */
}

enum probe_verdict
probe_histcmd_run(int argc, char **argv)
{
	struct histcmd_opts o;
	struct histcmd_walk w;
	struct probe_history *h;
	char err[PROBE_HISTORY_ERR_MAX], buf[PATH_MAX];
	const char *path;
	bool found = false, off;
	bool json = probe_cli_asks_format(argc, argv) == PROBE_CLI_FORMAT_JSON;
	int rc;

	if (histcmd_parse(argc, argv, &o, err, sizeof(err)) != 0)
		return histcmd_error(json, err);
	if (o.help) {
		histcmd_usage(stdout);
		return fflush(stdout) == 0 ? PROBE_VERDICT_PASS :
		    PROBE_VERDICT_ERROR;
	}
	if ((path = probe_history_path(o.history, buf, sizeof(buf), &off,
	    err, sizeof(err))) == NULL)
		return histcmd_error(json, off ? "SMTPPROBE_HISTORY is off: give "
		    "--history FILE" : err);
	if ((h = probe_history_open(path, false, false, PROBE_HISTORY_BUSY_MS,
	    err, sizeof(err))) == NULL)
		return histcmd_error(json, err);
	memset(&w, 0, sizeof(w));
	w.fp = stdout;
	w.json = o.json;
	w.all = !o.filter.changes_only;
	w.now = time(NULL);
	if (o.show != NULL) {
		rc = probe_history_show(h, o.show, histcmd_show_row, &w,
		    &found, err, sizeof(err));
		probe_history_close(h);
		if (rc < 0)
			return histcmd_error(json, err);
		if (!found) {
			(void)snprintf(err, sizeof(err), "no probe %.64s in "
			    "%.300s", o.show, path);
			return histcmd_error(json, err);
		}
		if (w.is_bad)
			return PROBE_VERDICT_ERROR;
		return fflush(stdout) == 0 ? PROBE_VERDICT_PASS :
		    PROBE_VERDICT_ERROR;
	}
	/* Walk every row, print the changes: "now" needs the last row. */
	o.filter.changes_only = false;
	if (o.json) {
		probe_report_json_head(stdout);
		probe_json_str(stdout, "history", path, true);
		probe_json_key(stdout, "cells", true);
		fputs("[", stdout);
	}
	rc = probe_history_walk(h, &o.filter, histcmd_row, &w, err,
	    sizeof(err));
	probe_history_close(h);
	if (rc < 0)
		return histcmd_error(json, err);
	histcmd_close_group(&w);
	if (o.json)
		fputs("]}\n", stdout);
	else if (w.ngroups == 0)
		fputs("no probes recorded for this selection\n", stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? PROBE_VERDICT_PASS :
	    PROBE_VERDICT_ERROR;
}
