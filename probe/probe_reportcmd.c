/*
 * probe_reportcmd - "smtpprobe report --html FILE" (see the header).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe/history/probe_history.h"
#include "probe/report/probe_report_html.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"
#include "probe/probe_reportcmd.h"

enum reportcmd_opt {
	REPORTCMD_OPT_HTML = 256, REPORTCMD_OPT_SINCE, REPORTCMD_OPT_HISTORY,
};

static const struct option reportcmd_longopts[] = {
	{ "html", required_argument, NULL, REPORTCMD_OPT_HTML },
	{ "since", required_argument, NULL, REPORTCMD_OPT_SINCE },
	{ "history", required_argument, NULL, REPORTCMD_OPT_HISTORY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A cell being gathered: its strings are owned (freed with the cell). */
struct reportcmd_cell {
	struct probe_html_cell	 pub;
	struct probe_html_event	*changes;	/* owned, cap entries */
	size_t			 cap;
};

struct reportcmd_state {
	struct reportcmd_cell	*cells;
	size_t			 ncells, capcells;
	bool			 is_oom;
};

static enum probe_verdict
reportcmd_error(const char *msg)
{
	fputs("smtpprobe report: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe report --help'.\n", stderr);
	return PROBE_VERDICT_ERROR;
}

static void
reportcmd_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe report --html FILE [--since TIME] [--history FILE]\n"
"\n"
"Write one self-contained HTML page of what send runs recorded: the latest\n"
"verdict of every path and profile, the transcript and fix of each that\n"
"does not pass, and each one's timeline of changes. No script and nothing\n"
"fetched: it reads offline and as a mail attachment.\n"
"\n"
"  --html FILE      write the page here (atomically: FILE.tmp, then renamed)\n"
"  --since TIME     the timeline from TIME: 24h, 7d, 2026-12-01 (default: all)\n"
"  --history FILE   the history file (default as for send)\n"
"\n"
"Exit status: 0 written, 3 usage error, no readable history, or FILE not\n"
"written.\n", fp);
}

static char *
reportcmd_dup(struct reportcmd_state *st, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		st->is_oom = true;
	return d;
}

static void
reportcmd_event_free(struct probe_html_event *e)
{
	free((char *)e->verdict);
	free((char *)e->stage);
	free((char *)e->enhanced);
	free((char *)e->cause);
	free((char *)e->match_id);
	free((char *)e->error);
	free((char *)e->probe_id);
	free((char *)e->source);
	free((char *)e->mx);
	free((char *)e->tls_version);
	memset(e, 0, sizeof(*e));
}

static void
reportcmd_event(struct reportcmd_state *st, struct probe_html_event *e,
    const struct probe_history_row *r)
{
	e->time = (long long)r->time;
	e->code = r->code;
	e->verdict = reportcmd_dup(st, r->verdict);
	e->stage = reportcmd_dup(st, r->stage);
	e->enhanced = reportcmd_dup(st, r->enhanced);
	e->cause = reportcmd_dup(st, r->cause);
	e->match_id = reportcmd_dup(st, r->match_id);
	e->error = reportcmd_dup(st, r->error);
	e->probe_id = reportcmd_dup(st, r->probe_id);
	e->source = reportcmd_dup(st, r->source);
	e->mx = reportcmd_dup(st, r->mx);
	e->tls_version = reportcmd_dup(st, r->tls_version);
}

/* The cell of the row's path and profile: rows come grouped by both. */
static struct reportcmd_cell *
reportcmd_cell(struct reportcmd_state *st, const struct probe_history_row *r)
{
	struct reportcmd_cell *c = st->ncells ? &st->cells[st->ncells - 1] :
	    NULL, *more;

	if (c != NULL && strcmp(c->pub.path, r->path) == 0 &&
	    strcmp(c->pub.profile, r->profile) == 0)
		return c;
	if (st->ncells == st->capcells) {
		size_t n = st->capcells ? st->capcells * 2 : 16;

		if ((more = realloc(st->cells, n * sizeof(*more))) == NULL) {
			st->is_oom = true;
			return NULL;
		}
		st->cells = more;
		st->capcells = n;
	}
	c = &st->cells[st->ncells++];
	memset(c, 0, sizeof(*c));
	c->pub.path = reportcmd_dup(st, r->path);
	c->pub.profile = reportcmd_dup(st, r->profile);
	return c;
}

static int
reportcmd_row(void *ctx, const struct probe_history_row *r)
{
	struct reportcmd_state *st = ctx;
	struct reportcmd_cell *c = reportcmd_cell(st, r);
	struct probe_html_event *more;

	if (c == NULL || st->is_oom)
		return -1;
	reportcmd_event_free(&c->pub.last);
	reportcmd_event(st, &c->pub.last, r);
	c->pub.since = (long long)r->since;
	if (r->time != r->since)
		return st->is_oom ? -1 : 0;
	/* A change: into the timeline, the oldest dropped past the cap. */
	if (c->pub.nchanges == PROBE_REPORTCMD_CHANGES_MAX) {
		reportcmd_event_free(&c->changes[0]);
		memmove(&c->changes[0], &c->changes[1],
		    (c->pub.nchanges - 1) * sizeof(c->changes[0]));
		c->pub.nchanges--;
		c->pub.nchanges_dropped++;
	} else if (c->pub.nchanges == c->cap) {
		size_t n = c->cap ? c->cap * 2 : 8;

		if ((more = realloc(c->changes, n * sizeof(*more))) == NULL) {
			st->is_oom = true;
			return -1;
		}
		c->changes = more;
		c->cap = n;
	}
	reportcmd_event(st, &c->changes[c->pub.nchanges++], r);
	return st->is_oom ? -1 : 0;
}

static int
reportcmd_report(void *ctx, const struct probe_history_row *r)
{
	struct reportcmd_cell *c = ctx;

	if (r->report_text != NULL && (c->pub.report_text =
	    strdup(r->report_text)) == NULL)
		return -1;
	return 1;
}

static void
reportcmd_free(struct reportcmd_state *st)
{
	size_t i, k;

	for (i = 0; i < st->ncells; i++) {
		struct reportcmd_cell *c = &st->cells[i];

		free((char *)c->pub.path);
		free((char *)c->pub.profile);
		free((char *)c->pub.report_text);
		reportcmd_event_free(&c->pub.last);
		for (k = 0; k < c->pub.nchanges; k++)
			reportcmd_event_free(&c->changes[k]);
		free(c->changes);
	}
	free(st->cells);
	memset(st, 0, sizeof(*st));
}

/* Names in first-seen order, without repeats; borrowed from the cells. */
static size_t
reportcmd_names(const struct reportcmd_state *st, bool profiles,
    const char **out)
{
	size_t i, k, n = 0;
	const char *s;

	for (i = 0; i < st->ncells; i++) {
		s = profiles ? st->cells[i].pub.profile : st->cells[i].pub.path;
		for (k = 0; k < n && strcmp(out[k], s) != 0; k++)
			;
		if (k == n)
			out[n++] = s;
	}
	return n;
}

/* Render into a temporary file beside path, then rename it over path. */
static int
reportcmd_write(const char *path, const struct probe_html_doc *doc,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	FILE *fp;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		(void)snprintf(err, errlen, "%.200s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		(void)snprintf(err, errlen, "%.300s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* The page is for people: readable like any report file. */
	(void)fchmod(fd, 0644);
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		(void)close(fd);
		goto fail;
	}
	probe_report_html_render(fp, doc);
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
		saved = errno ? errno : EIO;
		(void)fclose(fp);
		goto fail;
	}
	if (fclose(fp) != 0) {
		saved = errno;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	(void)snprintf(err, errlen, "%.300s: %s", path, strerror(saved));
	return -1;
}

enum probe_verdict
probe_reportcmd_run(int argc, char **argv)
{
	struct probe_history_filter f = { 0 };
	struct reportcmd_state st = { 0 };
	struct probe_html_cell *pub = NULL;
	struct probe_html_doc doc = { 0 };
	struct probe_history *h = NULL;
	const char *html = NULL, *hist = NULL, *path;
	const char **paths = NULL, **profiles = NULL;
	char err[PROBE_HISTORY_ERR_MAX], buf[PATH_MAX];
	enum probe_verdict v = PROBE_VERDICT_ERROR;
	bool help = false, off, found;
	size_t i;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", reportcmd_longopts,
	    NULL)) != -1) {
		switch (c) {
		case REPORTCMD_OPT_HTML: html = optarg; break;
		case REPORTCMD_OPT_HISTORY: hist = optarg; break;
		case REPORTCMD_OPT_SINCE:
			if (probe_when_parse(optarg, time(NULL), &f.since) ==
			    0)
				break;
			(void)snprintf(err, sizeof(err), "--since: a time such "
			    "as 24h, 7d or 2026-12-01, not \"%.64s\"", optarg);
			return reportcmd_error(err);
		case 'h': help = true; break;
		default:
			(void)snprintf(err, sizeof(err), "unknown option or "
			    "missing value: \"%.100s\"", argv[optind - 1]);
			return reportcmd_error(err);
		}
	}
	if (help) {
		reportcmd_usage(stdout);
		return fflush(stdout) == 0 ? PROBE_VERDICT_PASS :
		    PROBE_VERDICT_ERROR;
	}
	if (optind < argc || html == NULL)
		return reportcmd_error(optind < argc ? "unexpected argument" :
		    "--html FILE is needed (the only format so far)");
	if ((path = probe_history_path(hist, buf, sizeof(buf), &off, err,
	    sizeof(err))) == NULL)
		return reportcmd_error(off ? "SMTPPROBE_HISTORY is off: give "
		    "--history FILE" : err);
	if ((h = probe_history_open(path, false, false, PROBE_HISTORY_BUSY_MS,
	    err, sizeof(err))) == NULL)
		return reportcmd_error(err);
	if (probe_history_walk(h, &f, reportcmd_row, &st, err,
	    sizeof(err)) != 0) {
		if (st.is_oom)
			(void)snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	/* The transcript and fix of each latest probe that did not pass. */
	for (i = 0; i < st.ncells; i++) {
		const struct probe_html_event *e = &st.cells[i].pub.last;

		if (e->verdict == NULL || strcmp(e->verdict, "pass") == 0 ||
		    e->probe_id == NULL)
			continue;
		if (probe_history_show(h, e->probe_id, reportcmd_report,
		    &st.cells[i], &found, err, sizeof(err)) < 0)
			goto out;
	}
	pub = calloc(st.ncells + 1, sizeof(*pub));
	paths = calloc(st.ncells + 1, sizeof(*paths));
	profiles = calloc(st.ncells + 1, sizeof(*profiles));
	if (pub == NULL || paths == NULL || profiles == NULL) {
		(void)snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	for (i = 0; i < st.ncells; i++) {
		pub[i] = st.cells[i].pub;
		pub[i].changes = st.cells[i].changes;
	}
	doc.source = path;
	doc.generated = (long long)time(NULL);
	doc.since = (long long)f.since;
	doc.cells = pub;
	doc.ncells = st.ncells;
	doc.paths = paths;
	doc.npaths = reportcmd_names(&st, false, paths);
	doc.profiles = profiles;
	doc.nprofiles = reportcmd_names(&st, true, profiles);
	if (reportcmd_write(html, &doc, err, sizeof(err)) == 0)
		v = PROBE_VERDICT_PASS;
out:
	probe_history_close(h);
	free(pub);
	free(paths);
	free(profiles);
	reportcmd_free(&st);
	return v == PROBE_VERDICT_PASS ? v : reportcmd_error(err);
}
