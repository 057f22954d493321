/*
 * probe_main - smtpprobe's entry point: picks the command, runs it, and is
 * the one place that maps a verdict to an exit status and exits.
 *
 * Exit status (Nagios-compatible): 0 pass, 1 tempfail, 2 fail, 3 usage,
 * configuration or internal error.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "probe/probe_catalog.h"
#include "probe/probe_cli.h"
#include "probe/probe_cmd.h"
#include "probe/probe_diag.h"
#include "probe/probe_escape.h"
#include "probe/probe_report_json.h"
#include "probe/probe_report_text.h"
#include "probe/probe_run.h"
#include "probe/probe_send.h"

#define PROBE_EXIT_PASS		0
#define PROBE_EXIT_TEMPFAIL	1
#define PROBE_EXIT_FAIL		2
#define PROBE_EXIT_ERROR	3

static int
probe_main_exit_code(enum probe_verdict v)
{
	switch (v) {
	case PROBE_VERDICT_PASS:
		return PROBE_EXIT_PASS;
	case PROBE_VERDICT_TEMPFAIL:
		return PROBE_EXIT_TEMPFAIL;
	case PROBE_VERDICT_FAIL:
		return PROBE_EXIT_FAIL;
	default:
		return PROBE_EXIT_ERROR;
	}
}

static int
probe_main_usage_error(const char *cmd, const char *msg)
{
	/* Messages quote flags and files: escape them like server text. */
	fprintf(stderr, "smtpprobe%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	probe_escape_text(stderr, msg, strlen(msg));
	fprintf(stderr, "\nTry 'smtpprobe%s%s --help'.\n", cmd ? " " : "",
	    cmd ? cmd : "");
	return PROBE_EXIT_ERROR;
}

/*
 * Diagnoses for what did not pass. Catalogs are read only then: a probe
 * that passes (the cron case) pays nothing for them. A catalog that does
 * not load costs the diagnosis, not the probe: say so and go on.
 */
static bool
probe_main_diagnose(const struct probe_cli_send *cli,
    const struct probe_send *s, const struct probe_result *r,
    struct probe_catalog *c, struct probe_catalog_match *m,
    struct probe_catalog_match *dns)
{
	const char *provider = s->has_profile ? s->profile.provider : NULL;
	char err[PROBE_CATALOG_ERR_MAX];
	size_t i;

	if (r->verdict == PROBE_VERDICT_PASS)
		return false;
	if (probe_catalog_init(c, false, err, sizeof(err)) != 0 ||
	    probe_catalog_load_default(c, cli->catalogs, cli->ncatalogs, err,
	    sizeof(err)) != 0) {
		fputs("smtpprobe send: no diagnosis: ", stderr);
		probe_escape_text(stderr, err, strlen(err));
		putc('\n', stderr);
		probe_catalog_free(c);
		return false;
	}
	for (i = 0; i < r->nattempts; i++)
		(void)probe_diag_attempt(c, &r->attempts[i], provider, &m[i]);
	(void)probe_diag_dns(c, r, provider, dns);
	return true;
}

/* Render, and make sure the output really went out. */
static int
probe_main_report(const struct probe_cli_send *cli, const struct probe_send *s,
    const struct probe_result *r)
{
	struct probe_catalog_match m[PROBE_ATTEMPTS_MAX], dns;
	struct probe_catalog c;
	const char *from_at = strrchr(cli->from, '@');
	struct probe_diag_ctx diag = {
		.domain = from_at ? from_at + 1 : NULL,
		.ip = s->source_text,
		.helo = s->helo,
		.rcpt_domain = s->domain,
	};
	bool has_diag;
	struct probe_report_info info = {
		.probe_id = s->probe_id,
		.profile = s->has_profile ? s->profile.name : "none",
		.domain = cli->server ? cli->server : s->domain,
		.is_server = cli->server != NULL,
		.mail_from = cli->from,
		.source = s->source_text,
		.helo = s->helo,
		.exit_code = probe_main_exit_code(r->verdict),
		.diag = &diag,
	};

	memset(m, 0, sizeof(m));
	memset(&dns, 0, sizeof(dns));
	has_diag = probe_main_diagnose(cli, s, r, &c, m, &dns);
	if (has_diag) {
		info.matches = m;
		info.dns_match = &dns;
	}
	if (cli->json)
		probe_report_json_render(stdout, &info, r);
	else
		probe_report_text_render(stdout, &info, r);
	if (has_diag)
		probe_catalog_free(&c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "smtpprobe: cannot write the report\n");
		return PROBE_EXIT_ERROR;
	}
	return info.exit_code;
}

static int
probe_main_send(int argc, char **argv)
{
	struct probe_cli_send cli;
	struct probe_send s;
	struct probe_result r;
	char err[PROBE_SEND_ERR_MAX];
	int code;

	if (probe_cli_parse_send(argc, argv, &cli, err, sizeof(err)) != 0)
		return probe_main_usage_error("send", err);
	if (cli.help) {
		probe_cli_send_usage(stdout);
		return PROBE_EXIT_PASS;
	}
	if (probe_send_prepare(&cli, &s, err, sizeof(err)) != 0) {
		probe_send_free(&s);
		return probe_main_usage_error("send", err);
	}
	if (probe_run(&s.run, &r) != 0) {
		fputs("smtpprobe send: ", stderr);
		probe_escape_text(stderr, r.error, strlen(r.error));
		putc('\n', stderr);
		code = PROBE_EXIT_ERROR;
	} else {
		code = probe_main_report(&cli, &s, &r);
	}
	probe_result_free(&r);
	probe_send_free(&s);
	return code;
}

int
main(int argc, char **argv)
{
	/*
	 * A server that closes while OpenSSL writes must be an error we
	 * record, not a signal that kills the probe.
	 */
	(void)signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return probe_main_usage_error(NULL, "a command is needed");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		probe_cli_usage(stdout);
		return PROBE_EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("smtpprobe %s\n", SMTPPROBE_VERSION);
		return PROBE_EXIT_PASS;
	}
	if (strcmp(argv[1], "send") == 0)
		return probe_main_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return probe_cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "catalog") == 0)
		return probe_cmd_catalog(argc - 1, argv + 1);
	return probe_main_usage_error(NULL, "unknown command (send, explain, catalog)");
}
