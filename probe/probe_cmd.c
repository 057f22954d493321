/*
 * probe_cmd - explain and catalog lint.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/probe_cmd.h"
#include "probe/config/probe_cli.h"
#include "probe/catalog/probe_diag.h"
#include "probe/util/probe_escape.h"
#include "probe/catalog/probe_explain.h"
#include "probe/catalog/probe_lint.h"
#include "probe/config/probe_profile.h"

#define PROBE_CMD_OK		0
#define PROBE_CMD_TEMPFAIL	1
#define PROBE_CMD_FAIL		2
#define PROBE_CMD_ERROR		3

struct probe_cmd_explain_opts {
	bool		 json;
	bool		 help;
	const char	*profile;
	const char	*catalogs[PROBE_CLI_CATALOGS_MAX];
	size_t		 ncatalogs;
};

/* What an explain run has seen, for the summary and the exit status. */
struct probe_cmd_tally {
	unsigned long	replies;
	unsigned long	fails;
	unsigned long	tempfails;
	unsigned long	lines;
	bool		first_json;
};

static int
probe_cmd_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "smtpprobe %s: ", cmd);
	probe_escape_text(stderr, msg, strlen(msg));
	fprintf(stderr, "\nTry 'smtpprobe %s --help'.\n", cmd);
	return PROBE_CMD_ERROR;
}

static void
probe_cmd_explain_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe explain [--json] [--profile NAME] [--catalog FILE]... [TEXT...]\n"
"\n"
"Diagnose SMTP replies: each TEXT argument, or standard input when there is\n"
"none. Input may be a raw reply (\"550-5.7.26 ...\" lines), mail log lines as\n"
"Postfix, Exim or Sendmail write them, or a bounce message (Diagnostic-Code).\n"
"A log gives one diagnosis per line that holds a reply.\n"
"\n"
"  --json            one JSON document\n"
"  --profile NAME    rank this profile's provider first\n"
"  --catalog FILE    also use this catalog (repeatable; ranks first)\n"
"\n"
"Exit status: 0 no refusal found, 1 worst is a temporary failure, 2 worst\n"
"is a permanent failure, 3 no SMTP reply found, or a usage or catalog error.\n",
	    fp);
}

static int
probe_cmd_explain_parse(int argc, char **argv,
    struct probe_cmd_explain_opts *o, int *first)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
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
		else if (ch == 'p')
			o->profile = optarg;
		else if (ch == 'h')
			o->help = true;
		else if (ch == 'c' && o->ncatalogs < PROBE_CLI_CATALOGS_MAX)
			o->catalogs[o->ncatalogs++] = optarg;
		else
			return probe_cmd_error("explain", "unknown option, "
			    "missing value or too many --catalog");
	}
	*first = optind;
	return PROBE_CMD_OK;
}

static void
probe_cmd_reply_text(FILE *fp, const char *label,
    const struct probe_explain_reply *r, const struct probe_catalog_match *m)
{
	static const struct probe_diag_ctx none = { 0 };

	fprintf(fp, "%sline %lu: %d%s%s", label, r->line, r->code,
	    r->enhanced[0] ? " " : "", r->enhanced);
	if (r->has_stage)
		fprintf(fp, " at %s", smtp_stage_name(r->stage));
	if (r->host[0] != '\0') {
		fputs(" from ", fp);
		probe_escape_text(fp, r->host, strlen(r->host));
	}
	fputs(r->is_cut ? " (line cut: too long)\n  " : "\n  ", fp);
	probe_escape_text(fp, r->raw, r->rawlen);
	putc('\n', fp);
	if (m->entry != NULL)
		probe_diag_text(fp, m, &none, "  ");
	else
		fputs("  not a refusal: no diagnosis needed\n", fp);
}

static void
probe_cmd_reply_json(FILE *fp, struct probe_cmd_tally *t, size_t text_no,
    const struct probe_explain_reply *r, const struct probe_catalog_match *m)
{
	static const struct probe_diag_ctx none = { 0 };

	fprintf(fp, "%s{\"text\":%zu,\"line\":%lu,\"code\":%d,\"enhanced\":",
	    t->first_json ? "" : ",", text_no, r->line, r->code);
	t->first_json = false;
	(void)probe_escape_json_str(fp, r->enhanced[0] ? r->enhanced : NULL);
	fputs(",\"stage\":", fp);
	(void)probe_escape_json_str(fp, r->has_stage ?
	    smtp_stage_name(r->stage) : NULL);
	fputs(",\"host\":", fp);
	(void)probe_escape_json_str(fp, r->host[0] ? r->host : NULL);
	fputs(",\"reply\":", fp);
	(void)probe_escape_json(fp, r->raw, r->rawlen);
	fprintf(fp, ",\"cut\":%s,\"match\":", r->is_cut ? "true" : "false");
	probe_diag_json(fp, m, &none);
	putc('}', fp);
}

/* Every reply of one input; returns -1 on a read error. */
static int
probe_cmd_explain_stream(FILE *in, size_t text_no, bool many,
    const struct probe_cmd_explain_opts *o, struct probe_catalog *c,
    const char *provider, struct probe_cmd_tally *t)
{
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	struct probe_catalog_match m;
	struct probe_catalog_query q;
	char label[32] = "";
	int rc;

	if (probe_explain_scan_init(&s, in) != 0)
		return -1;
	if (many)
		(void)snprintf(label, sizeof(label), "text %zu, ", text_no);
	while ((rc = probe_explain_next(&s, &r)) == 1) {
		memset(&q, 0, sizeof(q));
		q.code = r.code;
		q.enhanced = r.enhanced;
		q.has_stage = r.has_stage;
		q.stage = r.stage;
		q.text = r.text;
		q.len = r.len;
		q.provider = provider;
		memset(&m, 0, sizeof(m));
		if (r.code >= 400)
			(void)probe_catalog_match(c, &q, &m);
		t->replies++;
		t->fails += m.entry && m.entry->verdict == PROBE_CATALOG_FAIL;
		t->tempfails += m.entry &&
		    m.entry->verdict == PROBE_CATALOG_TEMPFAIL;
		if (o->json)
			probe_cmd_reply_json(stdout, t, text_no, &r, &m);
		else
			probe_cmd_reply_text(stdout, label, &r, &m);
	}
	t->lines += s.lines_seen;
	probe_explain_scan_free(&s);
	return rc < 0 ? -1 : 0;
}

/* Catalogs for explain and lint; prints its own error. */
static int
probe_cmd_load(struct probe_catalog *c, const char *cmd, bool use_jit,
    const char *const *extra, size_t nextra)
{
	char err[PROBE_CATALOG_ERR_MAX];

	if (probe_catalog_init(c, use_jit, err, sizeof(err)) != 0 ||
	    probe_catalog_load_default(c, extra, nextra, err,
	    sizeof(err)) != 0) {
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
    const struct probe_cmd_explain_opts *o, struct probe_catalog *c,
    const char *provider, struct probe_cmd_tally *t)
{
	FILE *in;
	int i, rc = 0;

	if (first >= argc)
		return probe_cmd_explain_stream(stdin, 1, false, o, c,
		    provider, t);
	for (i = first; i < argc && rc == 0; i++) {
		in = fmemopen(argv[i], strlen(argv[i]), "r");
		if (in == NULL)
			return -1;
		rc = probe_cmd_explain_stream(in, (size_t)(i - first + 1),
		    argc - first > 1, o, c, provider, t);
		(void)fclose(in);	/* memory stream: nothing to lose */
	}
	return rc;
}

int
probe_cmd_explain(int argc, char **argv)
{
	struct probe_cmd_explain_opts o;
	struct probe_cmd_tally t = { .first_json = true };
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
		return probe_cmd_error("explain", err);
	if (probe_cmd_load(&c, "explain", true, o.catalogs, o.ncatalogs) != 0)
		return PROBE_CMD_ERROR;
	if (o.json)
		fputs("{\"replies\":[", stdout);
	rc = probe_cmd_explain_inputs(argc, argv, first, &o, &c,
	    o.profile ? p.provider : NULL, &t);
	probe_catalog_free(&c);
	if (o.json)
		printf("],\"lines\":%lu,\"found\":%lu}\n", t.lines, t.replies);
	else if (t.replies > 0)
		printf("%lu SMTP replies in %lu lines: %lu fail, %lu "
		    "tempfail\n", t.replies, t.lines, t.fails, t.tempfails);
	if (rc != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "smtpprobe explain: read or write error\n");
		return PROBE_CMD_ERROR;
	}
	if (t.replies == 0) {
		fprintf(stderr, "smtpprobe explain: no SMTP reply found\n");
		return PROBE_CMD_ERROR;
	}
	return t.fails ? PROBE_CMD_FAIL : t.tempfails ? PROBE_CMD_TEMPFAIL :
	    PROBE_CMD_OK;
}

static void
probe_cmd_lint_line(void *arg, const char *line)
{
	(void)arg;	/* the report goes to stdout */
	probe_escape_text(stdout, line, strlen(line));
	putc('\n', stdout);
}

int
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
		return probe_cmd_error("catalog", "unknown subcommand (lint)");
	if (probe_cmd_load(&c, "catalog lint", false,
	    (const char *const *)argv + 2, (size_t)(argc - 2)) != 0)
		return PROBE_CMD_ERROR;
	problems = probe_lint_run(&c, probe_cmd_lint_line, NULL);
	printf("%zu entries in %zu files: %zu problems\n", c.nentries,
	    c.nfiles, problems);
	probe_catalog_free(&c);
	return problems ? PROBE_CMD_FAIL : PROBE_CMD_OK;
}
