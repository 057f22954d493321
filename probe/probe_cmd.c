/*
 * probe_cmd - explain and catalog lint.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/probe_cmd.h"
#include "probe/verdict/probe_verdict.h"
#include "probe/config/probe_cli.h"
#include "probe/catalog/probe_diag.h"
#include "probe/util/probe_escape.h"
#include "probe/catalog/probe_explain.h"
#include "probe/catalog/probe_explain_report.h"
#include "probe/catalog/probe_lint.h"
#include "probe/config/probe_profile.h"
#include "probe/report/probe_report_json.h"

/* What each command concludes, as verdicts: main() maps them to exits. */
#define PROBE_CMD_OK		PROBE_VERDICT_PASS
#define PROBE_CMD_TEMPFAIL	PROBE_VERDICT_TEMPFAIL
#define PROBE_CMD_FAIL		PROBE_VERDICT_FAIL
#define PROBE_CMD_ERROR		PROBE_VERDICT_ERROR

struct probe_cmd_explain_opts {
	bool		 json;
	bool		 help;
	bool		 each;		/* one diagnosis per reply, no groups */
	const char	*profile;
	const char	*catalogs[PROBE_CLI_CATALOGS_MAX];
	size_t		 ncatalogs;
};

/* What an explain run has seen, for the summary and the exit status. */
struct probe_cmd_tally {
	unsigned long	replies;
	unsigned long	fails;
	unsigned long	tempfails;
	unsigned long	unknowns;	/* no code, no word said which */
	unsigned long	lines;
	bool		first_json;
};

/* One explain run: options, catalogs, tally, and the log report. */
struct probe_cmd_explain_run {
	const struct probe_cmd_explain_opts *o;
	struct probe_catalog	*c;
	const char		*provider;
	struct probe_cmd_tally	 t;
	bool			 grouped;	/* a log: gather, render at end */
	struct probe_explain_report rep;
	struct probe_explain_cache memo;
	/* The first reply in full: a log of one reply is shown as one. */
	struct probe_explain_reply first;
	struct probe_explain_diag first_d;
	char			*first_raw;
};

/*
 * One line on stderr; with json (explain --json, even not parsed yet) the
 * error document on stdout too.
 */
static int
probe_cmd_error(const char *cmd, const char *msg, bool json)
{
	if (json)
		probe_report_json_error(stdout, cmd, msg);
	fprintf(stderr, "smtpprobe %s: ", cmd);
	probe_escape_text(stderr, msg, strlen(msg));
	fprintf(stderr, "\nTry 'smtpprobe %s --help'.\n", cmd);
	return PROBE_CMD_ERROR;
}

static void
probe_cmd_explain_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe explain [--json] [--each] [--profile NAME] [--catalog FILE]...\n"
"                         [TEXT...]\n"
"\n"
"Diagnose SMTP replies: each TEXT argument, or standard input when there is\n"
"none. Input may be a raw reply (\"550-5.7.26 ...\" lines), with or without\n"
"its code, a client library's error (Python smtplib, Nodemailer, PHPMailer,\n"
"Java, .NET, Go), mail log lines as Postfix, Exim, Sendmail or qmail write\n"
"them, or a bounce message (Diagnostic-Code).\n"
"A log on standard input gives a report: one group per catalog entry,\n"
"sender domain and source IP, with counts, first and last time, recipient\n"
"domains, one example and one remediation, worst first.\n"
"\n"
"  --json            one JSON document\n"
"  --each            one diagnosis per reply instead of groups\n"
"  --profile NAME    rank this profile's provider first\n"
"  --catalog FILE    also use this catalog (repeatable; ranks first)\n"
"\n"
"Exit status: 0 no refusal found, 1 worst is a temporary failure, 2 worst\n"
"is a permanent failure, 3 no SMTP reply found, only replies whose verdict\n"
"is unknown, or a usage or catalog error.\n",
	    fp);
}

static int
probe_cmd_explain_parse(int argc, char **argv,
    struct probe_cmd_explain_opts *o, int *first)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "each", no_argument, NULL, 'e' },
		{ "profile", required_argument, NULL, 'p' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'j')
			o->json = true;
		else if (ch == 'e')
			o->each = true;
		else if (ch == 'p')
			o->profile = optarg;
		else if (ch == 'h')
			o->help = true;
		else if (ch == 'c' && o->ncatalogs < PROBE_CLI_CATALOGS_MAX)
			o->catalogs[o->ncatalogs++] = optarg;
		else
			return probe_cmd_error("explain", "unknown option, "
			    "missing value or too many --catalog",
			    probe_cli_asks_format(argc, argv) ==
			    PROBE_CLI_FORMAT_JSON);
	}
	*first = optind;
	return PROBE_CMD_OK;
}

/* "line 2: 550 5.7.26 at end-of-data from H", the reply, the diagnosis. */
static void
probe_cmd_reply_text(FILE *fp, const char *label,
    const struct probe_explain_reply *r, const struct probe_explain_diag *d,
    const struct probe_diag_ctx *ctx)
{
	fprintf(fp, "%sline %lu: ", label, r->line);
	if (r->code != 0)
		fprintf(fp, "%d", r->code);
	else
		fputs("(no reply code)", fp);
	fprintf(fp, "%s%s", r->enhanced[0] ? " " : "", r->enhanced);
	if (r->has_stage)
		fprintf(fp, " at %s", smtp_stage_name(r->stage));
	if (r->host[0] != '\0') {
		fputs(" from ", fp);
		probe_escape_text(fp, r->host, strlen(r->host));
	}
	fputs(r->is_cut ? " (line cut: too long)\n  " : "\n  ", fp);
	probe_escape_text(fp, r->raw, r->rawlen);
	putc('\n', fp);
	if (!d->is_refusal)
		fputs("  not a refusal: no diagnosis needed\n", fp);
	else if (d->match.entry != NULL)
		probe_diag_text(fp, &d->match, ctx, "  ");
	else
		fprintf(fp, "  no catalog entry knows this reply (%s)\n",
		    probe_explain_verdict_name(d));
	if (d->is_refusal && !d->has_verdict)
		fputs("  verdict unknown: the text has no reply code and no "
		    "word saying whether the refusal is permanent\n", fp);
}

/* The reply's fields of a JSON object, without its braces. */
static void
probe_cmd_reply_fields(FILE *fp, const struct probe_explain_reply *r)
{
	fprintf(fp, "\"line\":%lu,\"code\":", r->line);
	if (r->code != 0)
		fprintf(fp, "%d", r->code);
	else
		fputs("null", fp);
	probe_json_str(fp, "enhanced", r->enhanced[0] ? r->enhanced : NULL,
	    true);
	probe_json_str(fp, "stage", r->has_stage ?
	    smtp_stage_name(r->stage) : NULL, true);
	probe_json_str(fp, "host", r->host[0] ? r->host : NULL, true);
	fputs(",\"reply\":", fp);
	(void)probe_escape_json(fp, r->raw, r->rawlen);
	/* The one reply shape (common.schema.json): its lines, here one. */
	fputs(",\"lines\":[", fp);
	(void)probe_escape_json(fp, r->raw, r->rawlen);
	fprintf(fp, "],\"cut\":%s", r->is_cut ? "true" : "false");
}

/* The one verdict vocabulary: a verdict, or null when none can be told. */
static void
probe_cmd_verdict_json(FILE *fp, const struct probe_explain_diag *d)
{
	if (d->has_verdict)
		fprintf(fp, "\"%s\"", probe_verdict_name(d->verdict));
	else
		fputs("null", fp);
}

static void
probe_cmd_reply_json(FILE *fp, struct probe_cmd_tally *t, size_t text_no,
    const struct probe_explain_reply *r, const struct probe_explain_diag *d,
    const struct probe_diag_ctx *ctx)
{
	fprintf(fp, "%s{\"text\":%zu,", t->first_json ? "" : ",", text_no);
	t->first_json = false;
	probe_cmd_reply_fields(fp, r);
	probe_json_key(fp, "verdict", true);
	probe_cmd_verdict_json(fp, d);
	fputs(",\"match\":", fp);
	probe_diag_json(fp, &d->match, ctx);
	putc('}', fp);
}

static void
probe_cmd_count(struct probe_cmd_tally *t, const struct probe_explain_diag *d)
{
	t->replies++;
	t->fails += d->has_verdict && d->verdict == PROBE_VERDICT_FAIL;
	t->tempfails += d->has_verdict && d->verdict == PROBE_VERDICT_TEMPFAIL;
	t->unknowns += !d->has_verdict;
}

/* Keep the first reply of a log whole, in case it stays the only one. */
static void
probe_cmd_keep_first(struct probe_cmd_explain_run *x,
    const struct probe_explain_reply *r, const struct probe_explain_diag *d)
{
	x->first = *r;
	x->first_d = *d;
	memcpy(x->first_raw, r->raw, r->rawlen);
	x->first_raw[r->rawlen] = '\0';
	x->first.raw = x->first_raw;
	x->first.text = NULL;
	x->first.whole = NULL;
}

/* Every reply of one input; returns -1 on a read error. */
static int
probe_cmd_explain_stream(FILE *in, size_t text_no, bool many,
    struct probe_cmd_explain_run *x)
{
	static const struct probe_diag_ctx none = { 0 };
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	struct probe_explain_diag d;
	char label[32] = "";
	int rc;

	if (probe_explain_scan_init(&s, in) != 0)
		return -1;
	if (many)
		(void)snprintf(label, sizeof(label), "text %zu, ", text_no);
	while ((rc = probe_explain_next(&s, &r)) == 1) {
		probe_explain_decide(x->c, &r, x->provider, &x->memo, &d);
		/* A bare text that says nothing is no reply at all. */
		if (r.is_bare && !d.is_refusal)
			continue;
		d.match.verdict = probe_explain_verdict_name(&d);
		if (x->grouped && x->t.replies == 0)
			probe_cmd_keep_first(x, &r, &d);
		probe_cmd_count(&x->t, &d);
		if (x->grouped)
			probe_explain_report_add(&x->rep, &r, &d, r.whole,
			    r.wholelen, text_no);
		else if (x->o->json)
			probe_cmd_reply_json(stdout, &x->t, text_no, &r, &d,
			    &none);
		else
			probe_cmd_reply_text(stdout, label, &r, &d, &none);
	}
	x->t.lines += s.lines_seen;
	probe_explain_scan_free(&s);
	return rc < 0 ? -1 : 0;
}

/* The placeholders' facts of a group: what its replies said. */
static void
probe_cmd_group_ctx(const struct probe_explain_group *g,
    struct probe_diag_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->domain = g->sender;
	ctx->ip = g->ip;
	ctx->rcpt_domain = g->nrcpts > 0 ? g->rcpts[0] : NULL;
}

static void
probe_cmd_group_text(FILE *fp, size_t no, const struct probe_explain_group *g)
{
	struct probe_diag_ctx ctx;
	size_t i;

	probe_cmd_group_ctx(g, &ctx);
	fprintf(fp, "group %zu: %lu %s, %s\n", no, g->count,
	    g->count == 1 ? "reply" : "replies",
	    probe_explain_verdict_name(&g->diag));
	fputs("  sender domain ", fp);
	probe_escape_text(fp, g->sender[0] ? g->sender : "(not in the log)",
	    strlen(g->sender[0] ? g->sender : "(not in the log)"));
	fputs(", source IP ", fp);
	probe_escape_text(fp, g->ip[0] ? g->ip : "(not in the log)",
	    strlen(g->ip[0] ? g->ip : "(not in the log)"));
	fprintf(fp, "\n  first seen line %lu", g->first_line);
	if (g->first_time[0] != '\0')
		fprintf(fp, " (%s)", g->first_time);
	fprintf(fp, ", last line %lu", g->last_line);
	if (g->last_time[0] != '\0')
		fprintf(fp, " (%s)", g->last_time);
	fputs("\n  recipient domains:", fp);
	for (i = 0; i < g->nrcpts; i++) {
		fputs(i ? ", " : " ", fp);
		probe_escape_text(fp, g->rcpts[i], strlen(g->rcpts[i]));
	}
	if (g->nrcpts == 0)
		fputs(" (not in the log)", fp);
	if (g->rcpts_more > 0)
		fprintf(fp, " (and %lu replies to other domains)",
		    g->rcpts_more);
	fputs("\n  example, ", fp);
	probe_cmd_reply_text(fp, "", &g->example, &g->diag, &ctx);
}

static void
probe_cmd_group_json(FILE *fp, size_t no, const struct probe_explain_group *g)
{
	struct probe_diag_ctx ctx;
	size_t i;

	probe_cmd_group_ctx(g, &ctx);
	fprintf(fp, "%s{\"count\":%lu,\"verdict\":", no > 1 ? "," : "",
	    g->count);
	probe_cmd_verdict_json(fp, &g->diag);
	fputs(",\"sender_domain\":", fp);
	(void)probe_escape_json_str(fp, g->sender[0] ? g->sender : NULL);
	probe_json_str(fp, "source_ip", g->ip[0] ? g->ip : NULL, true);
	fprintf(fp, ",\"first_line\":%lu,\"last_line\":%lu,\"first_time\":",
	    g->first_line, g->last_line);
	(void)probe_escape_json_str(fp, g->first_time[0] ? g->first_time :
	    NULL);
	probe_json_str(fp, "last_time", g->last_time[0] ? g->last_time :
	    NULL, true);
	fputs(",\"recipient_domains\":[", fp);
	for (i = 0; i < g->nrcpts; i++) {
		fputs(i ? "," : "", fp);
		(void)probe_escape_json_str(fp, g->rcpts[i]);
	}
	fprintf(fp, "],\"recipient_domains_more\":%lu,\"example\":{",
	    g->rcpts_more);
	probe_cmd_reply_fields(fp, &g->example);
	fputs("},\"match\":", fp);
	probe_diag_json(fp, &g->diag.match, &ctx);
	putc('}', fp);
}

/* The end of a log: its groups, or its one reply as it was. */
static void
probe_cmd_report(struct probe_cmd_explain_run *x)
{
	static const struct probe_diag_ctx none = { 0 };
	size_t i;

	if (x->t.replies <= 1) {
		if (x->o->json) {
			probe_report_json_head(stdout);
			fputs(",\"replies\":[", stdout);
		}
		if (x->t.replies == 0)
			return;
		if (x->o->json)
			probe_cmd_reply_json(stdout, &x->t, 1, &x->first,
			    &x->first_d, &none);
		else
			probe_cmd_reply_text(stdout, "", &x->first,
			    &x->first_d, &none);
		return;
	}
	probe_explain_report_sort(&x->rep);
	if (x->o->json) {
		probe_report_json_head(stdout);
		fputs(",\"groups\":[", stdout);
		for (i = 0; i < x->rep.ngroups; i++)
			probe_cmd_group_json(stdout, i + 1, &x->rep.groups[i]);
		printf("],\"other\":%lu", x->rep.other);
		return;
	}
	for (i = 0; i < x->rep.ngroups; i++)
		probe_cmd_group_text(stdout, i + 1, &x->rep.groups[i]);
	printf("%zu groups, worst first", x->rep.ngroups);
	if (x->rep.other > 0)
		printf("; %lu replies past the limit of %d groups are only "
		    "counted", x->rep.other, PROBE_EXPLAIN_REPORT_GROUPS_MAX);
	putc('\n', stdout);
}

/* Catalogs for explain and lint; prints its own error. */
static int
probe_cmd_load(struct probe_catalog *c, const char *cmd, bool use_jit,
    const char *const *extra, size_t nextra, bool json)
{
	char err[PROBE_CATALOG_ERR_MAX];

	if (probe_catalog_init(c, use_jit, err, sizeof(err)) != 0 ||
	    probe_catalog_load_default(c, extra, nextra, err,
	    sizeof(err)) != 0) {
		if (json)
			probe_report_json_error(stdout, "explain", err);
		fprintf(stderr, "smtpprobe %s: ", cmd);
		probe_escape_text(stderr, err, strlen(err));
		putc('\n', stderr);
		probe_catalog_free(c);
		return -1;
	}
	return 0;
}

static int
probe_cmd_explain_inputs(int argc, char **argv, int first,
    struct probe_cmd_explain_run *x)
{
	FILE *in;
	int i, rc = 0;

	if (first >= argc)
		return probe_cmd_explain_stream(stdin, 1, false, x);
	for (i = first; i < argc && rc == 0; i++) {
		in = fmemopen(argv[i], strlen(argv[i]), "r");
		if (in == NULL)
			return -1;
		rc = probe_cmd_explain_stream(in, (size_t)(i - first + 1),
		    argc - first > 1, x);
		(void)fclose(in);	/* memory stream: nothing to lose */
	}
	return rc;
}

/* What explain says of all it read (decided in probe_verdict). */
static enum probe_verdict
probe_cmd_explain_status(const struct probe_cmd_tally *t)
{
	return probe_verdict_replies(t->replies, t->fails, t->tempfails,
	    t->unknowns);
}

/* The last words: the JSON tail or the one-line summary. */
static void
probe_cmd_explain_summary(const struct probe_cmd_explain_run *x)
{
	const struct probe_cmd_tally *t = &x->t;

	if (x->o->json) {
		printf("%s,\"lines\":%lu,\"found\":%lu,\"unknown\":%lu",
		    x->grouped && t->replies > 1 ? "" : "]", t->lines,
		    t->replies, t->unknowns);
		probe_json_str(stdout, "verdict", probe_verdict_name(
		    probe_cmd_explain_status(t)), true);
		fputs("}\n", stdout);
		return;
	}
	if (t->replies == 0)
		return;
	printf("%lu SMTP replies in %lu lines: %lu fail, %lu tempfail",
	    t->replies, t->lines, t->fails, t->tempfails);
	if (t->unknowns > 0)
		printf(", %lu unknown", t->unknowns);
	putc('\n', stdout);
}


/* A pattern that hit PCRE2's limits: said on stderr, with its entry. */
static void
probe_cmd_limits(const struct probe_catalog *c, const char *cmd)
{
	const struct probe_catalog_entry *e = probe_catalog_limit_entry(c);

	if (c->limit_hits == 0)
		return;
	fprintf(stderr, "smtpprobe %s: warning: %lu pattern runs hit the "
	    "match limit and counted as no match", cmd, c->limit_hits);
	if (e != NULL) {
		fputs(" (last: ", stderr);
		probe_escape_text(stderr, e->id, strlen(e->id));
		fprintf(stderr, " at %s:%lu)", e->file, e->line);
	}
	putc('\n', stderr);
}

static void
probe_cmd_explain_free(struct probe_cmd_explain_run *x)
{
	probe_explain_report_free(&x->rep);
	probe_explain_cache_free(&x->memo);
	free(x->first_raw);
	x->first_raw = NULL;
}

enum probe_verdict
probe_cmd_explain(int argc, char **argv)
{
	struct probe_cmd_explain_opts o;
	struct probe_cmd_explain_run x;
	struct probe_profile p = { 0 };
	struct probe_catalog c;
	char err[PROBE_PROFILE_ERR_MAX];
	int first = 1, rc;

	if (probe_cmd_explain_parse(argc, argv, &o, &first) != PROBE_CMD_OK)
		return PROBE_CMD_ERROR;
	if (o.help) {
		probe_cmd_explain_usage(stdout);
		return PROBE_CMD_OK;
	}
	if (o.profile != NULL && probe_profile_load(o.profile, &p, err,
	    sizeof(err)) != 0)
		return probe_cmd_error("explain", err, o.json);
	memset(&x, 0, sizeof(x));
	x.o = &o;
	x.c = &c;
	x.provider = o.profile ? p.provider : NULL;
	x.t.first_json = true;
	/* A log on standard input is a report; arguments are pastes. */
	x.grouped = !o.each && first >= argc;
	if (probe_explain_cache_init(&x.memo) != 0 || (x.grouped &&
	    (probe_explain_report_init(&x.rep) != 0 ||
	    (x.first_raw = malloc(PROBE_EXPLAIN_LINE_MAX)) == NULL))) {
		probe_cmd_explain_free(&x);
		return probe_cmd_error("explain", "out of memory", o.json);
	}
	if (probe_cmd_load(&c, "explain", true, o.catalogs, o.ncatalogs,
	    o.json) != 0) {
		probe_cmd_explain_free(&x);
		return PROBE_CMD_ERROR;
	}
	if (o.json && !x.grouped) {
		probe_report_json_head(stdout);
		fputs(",\"replies\":[", stdout);
	}
	rc = probe_cmd_explain_inputs(argc, argv, first, &x);
	if (x.grouped)
		probe_cmd_report(&x);
	probe_cmd_explain_summary(&x);
	probe_cmd_limits(&c, "explain");
	probe_catalog_free(&c);
	probe_cmd_explain_free(&x);
	if (rc != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "smtpprobe explain: read or write error\n");
		return PROBE_CMD_ERROR;
	}
	if (x.t.replies == 0) {
		fprintf(stderr, "smtpprobe explain: no SMTP reply found\n");
		return PROBE_CMD_ERROR;
	}
	return probe_cmd_explain_status(&x.t);
}

static void
probe_cmd_lint_line(void *arg, const char *line)
{
	(void)arg;	/* the report goes to stdout */
	probe_escape_text(stdout, line, strlen(line));
	putc('\n', stdout);
}

enum probe_verdict
probe_cmd_catalog(int argc, char **argv)
{
	struct probe_catalog c;
	size_t problems;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs("usage: smtpprobe catalog lint [FILE...]\n\n"
		    "Load the shipped catalogs, /etc/smtpprobe/catalogs and the "
		    "FILEs, and check\nthat every example of every entry "
		    "classifies to that entry.\nExit status: 0 clean, 2 "
		    "problems found, 3 a file does not load.\n",
		    argc < 2 ? stderr : stdout);
		return argc < 2 ? PROBE_CMD_ERROR : PROBE_CMD_OK;
	}
	if (strcmp(argv[1], "lint") != 0)
		return probe_cmd_error("catalog", "unknown subcommand (lint)",
		    false);
	if (probe_cmd_load(&c, "catalog lint", false,
	    (const char *const *)argv + 2, (size_t)(argc - 2), false) != 0)
		return PROBE_CMD_ERROR;
	problems = probe_lint_run(&c, probe_cmd_lint_line, NULL);
	probe_cmd_limits(&c, "catalog lint");
	printf("%zu entries in %zu files: %zu problems\n", c.nentries,
	    c.nfiles, problems);
	probe_catalog_free(&c);
	return problems ? PROBE_CMD_FAIL : PROBE_CMD_OK;
}
