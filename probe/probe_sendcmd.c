/*
 * probe_sendcmd - the send command: selection, lock, run, output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "probe/util/probe_escape.h"
#include "probe/report/probe_report_matrix.h"
#include "probe/report/probe_report_nagios.h"
#include "probe/report/probe_report_prom.h"
#include "probe/probe_lock.h"
#include "probe/probe_sendcmd.h"

#define PROBE_SENDCMD_ERROR	3

/* What one send run selected: paths x profiles. */
struct probe_sendcmd_sel {
	struct probe_config		 config;
	const struct probe_config_path	*paths[PROBE_CONFIG_PATHS_MAX];
	size_t				 npaths;
	const char			*profiles[PROBE_SENDCMD_PROFILES_MAX];
	size_t				 nprofiles;
	char				 list[1024];	/* storage for names */
};

static int
probe_sendcmd_error(const char *msg)
{
	fputs("smtpprobe send: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe send --help'.\n", stderr);
	return PROBE_SENDCMD_ERROR;
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

/* Cron safety: one configured run at a time (probe_lock.h). */
static int
probe_sendcmd_lock(const struct probe_cli_send *cli, char *err, size_t errlen)
{
	return probe_lock_take(cli->lock_file, cli->wait, err, errlen);
}

/* Many cells as one JSON document; each probe's own document inside. */
static void
probe_sendcmd_json(FILE *fp, const struct probe_cell *cells, size_t n,
    enum probe_verdict overall, probe_multi_exit_fn *exit_code)
{
	const struct probe_cell *c;
	size_t i, len;

	fprintf(fp, "{\"smtpprobe\":\"%s\",\"verdict\":\"%s\",\"exit_code\":%d,"
	    "\"results\":[", SMTPPROBE_VERSION, probe_verdict_name(overall),
	    exit_code(overall));
	for (i = 0; i < n; i++) {
		c = &cells[i];
		fprintf(fp, "%s{\"path\":", i ? "," : "");
		(void)probe_escape_json_str(fp, c->path);
		probe_json_str(fp, "profile", c->profile, true);
		fprintf(fp, ",\"verdict\":\"%s\",\"probe\":",
		    probe_verdict_name(c->verdict));
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
    size_t n, enum probe_verdict overall, probe_multi_exit_fn *exit_code)
{
	const char *names[PROBE_CONFIG_PATHS_MAX];
	char err[512];
	size_t i, rows = sel->npaths ? sel->npaths : 1;

	for (i = 0; i < rows; i++)
		names[i] = sel->npaths ? sel->paths[i]->name : "cli";
	if (cli->format == PROBE_CLI_FORMAT_PROMETHEUS && cli->output) {
		if (probe_report_prom_write_file(cli->output, cells, names,
		    rows, sel->profiles, sel->nprofiles, (double)time(NULL),
		    err, sizeof(err)) != 0)
			return probe_sendcmd_error(err);
		return 0;
	}
	if (cli->quiet && overall == PROBE_VERDICT_PASS &&
	    cli->format == PROBE_CLI_FORMAT_TEXT)
		return 0;
	if (cli->format == PROBE_CLI_FORMAT_PROMETHEUS)
		probe_report_prom_render(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, (double)time(NULL));
	else if (cli->format == PROBE_CLI_FORMAT_NAGIOS)
		probe_report_nagios_render(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, overall);
	else if (cli->format == PROBE_CLI_FORMAT_JSON && n == 1)
		fputs(cells[0].detail_json ? cells[0].detail_json : "null\n",
		    stdout);
	else if (cli->format == PROBE_CLI_FORMAT_JSON)
		probe_sendcmd_json(stdout, cells, n, overall, exit_code);
	else if (n == 1)
		fputs(cells[0].detail_text ? cells[0].detail_text : "", stdout);
	else
		probe_report_matrix_render(stdout, cells, names, rows,
		    sel->profiles, sel->nprofiles, overall);
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
	if (cli->output != NULL && cli->format != PROBE_CLI_FORMAT_PROMETHEUS) {
		(void)snprintf(err, errlen, "--output goes with --format "
		    "prometheus");
		return -1;
	}
	/* Found before any mail is sent, not after the whole run. */
	if (cli->output != NULL &&
	    probe_report_prom_check_file(cli->output, err, errlen) != 0)
		return -1;
	if (cli->nto > 0) {
		/* One ad-hoc path from the flags alone. */
		if (sel->nprofiles == 0)
			sel->profiles[sel->nprofiles++] = PROBE_SENDCMD_NONE;
		return 0;
	}
	if (probe_sendcmd_paths(cli, sel, err, errlen) != 0)
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

int
probe_sendcmd_run(int argc, char **argv, probe_multi_exit_fn *exit_code)
{
	struct probe_cli_send cli;
	struct probe_sendcmd_sel *sel = calloc(1, sizeof(*sel));
	struct probe_multi_opts mo = { .cli = &cli, .exit_code = exit_code };
	struct probe_cell *cells = NULL;
	enum probe_verdict overall;
	char err[PROBE_CONFIG_ERR_MAX];
	size_t n;
	int rc = PROBE_SENDCMD_ERROR;

	if (sel == NULL)
		return probe_sendcmd_error("out of memory");
	if (probe_cli_parse_send(argc, argv, &cli, err, sizeof(err)) != 0 ||
	    (!cli.help && probe_sendcmd_select(&cli, sel, err,
	    sizeof(err)) != 0)) {
		rc = probe_sendcmd_error(err);
		goto out;
	}
	if (cli.help) {
		probe_cli_send_usage(stdout);
		rc = 0;
		goto out;
	}
	mo.paths = sel->paths;
	mo.npaths = sel->npaths;
	mo.profiles = sel->profiles;
	mo.nprofiles = sel->nprofiles;
	mo.jobs = cli.jobs ? cli.jobs : PROBE_SENDCMD_JOBS_DEFAULT;
	mo.want_text = cli.format == PROBE_CLI_FORMAT_TEXT;
	mo.want_json = cli.format == PROBE_CLI_FORMAT_JSON;
	n = (sel->npaths ? sel->npaths : 1) * sel->nprofiles;
	cells = calloc(n, sizeof(*cells));
	if (cells == NULL || probe_multi_run(&mo, cells, err,
	    sizeof(err)) != 0) {
		rc = probe_sendcmd_error(cells ? err : "out of memory");
		goto out;
	}
	overall = probe_verdict_run(cells, n, NULL);
	/* One ad-hoc probe that could not start: a usage error, on stderr. */
	if (n == 1 && overall == PROBE_VERDICT_ERROR && !cells[0].has_stage &&
	    cells[0].mx[0] == '\0') {
		rc = probe_sendcmd_error(cells[0].error);
		probe_multi_free_cells(cells, n);
		goto out;
	}
	rc = probe_sendcmd_output(&cli, sel, cells, n, overall, exit_code);
	if (rc == 0)
		rc = fflush(stdout) == 0 ? exit_code(overall) :
		    probe_sendcmd_error("cannot write the report");
	probe_multi_free_cells(cells, n);
out:
	free(cells);
	probe_config_free(&sel->config);
	free(sel);
	return rc;
}
