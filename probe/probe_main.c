/*
 * probe_main - smtpprobe's entry point: picks the command, runs it, and is
 * the one place that maps a verdict to an exit status and exits.
 *
 * Exit status (Nagios-compatible): 0 pass, 1 tempfail, 2 fail, 3 usage,
 * configuration or internal error.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe/probe_checkcmd.h"
#include "probe/probe_histcmd.h"
#include "probe/probe_reportcmd.h"
#include "probe/config/probe_cli.h"
#include "probe/probe_cmd.h"
#include "probe/util/probe_escape.h"
#include "probe/probe_sendcmd.h"
#include "probe/probe_servecmd.h"
#include "probe/report/probe_report_json.h"

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

/*
 * A usage error before any command ran: one line on stderr, and with
 * --json anywhere on the line the error document on stdout too.
 */
static int
probe_main_usage_error(int argc, char **argv, const char *cmd,
    const char *msg)
{
	if (probe_cli_asks_format(argc, argv) == PROBE_CLI_FORMAT_JSON)
		probe_report_json_error(stdout, cmd, msg);
	/* Messages quote flags and files: escape them like server text. */
	fprintf(stderr, "smtpprobe%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	probe_escape_text(stderr, msg, strlen(msg));
	fprintf(stderr, "\nTry 'smtpprobe%s%s --help'.\n", cmd ? " " : "",
	    cmd ? cmd : "");
	return PROBE_EXIT_ERROR;
}

/*
 * Every command's report, help or version goes to stdout; a write that
 * failed (a full disk, /dev/full, a closed pipe) left it cut, and a cut
 * report must not exit as if it were whole. Checked once here, after
 * the command, so no command can forget it.
 */
static int
probe_main_stdout(int code)
{
	int error;

	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	error = errno != 0 ? errno : EIO;
	fprintf(stderr, "smtpprobe: cannot write to standard output: %s\n",
	    strerror(error));
	return PROBE_EXIT_ERROR;
}

static int
probe_main_run(int argc, char **argv, bool *is_cut)
{
	if (argc < 2)
		return probe_main_usage_error(argc, argv, NULL,
		    "a command is needed");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		probe_cli_usage(stdout);
		return PROBE_EXIT_PASS;
	}
	/* -V as the Monitoring Plugins have it, --version as GNU has it. */
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("smtpprobe %s\n", SMTPPROBE_VERSION);
		return PROBE_EXIT_PASS;
	}
	if (strcmp(argv[1], "send") == 0)
		return probe_sendcmd_run(argc - 1, argv + 1,
		    probe_main_exit_code, is_cut);
	if (strcmp(argv[1], "serve") == 0)
		return probe_servecmd_run(argc - 1, argv + 1,
		    probe_main_exit_code, is_cut);
	if (strcmp(argv[1], "explain") == 0)
		return probe_main_exit_code(probe_cmd_explain(argc - 1,
		    argv + 1));
	if (strcmp(argv[1], "check") == 0)
		return probe_main_exit_code(probe_checkcmd_run(argc - 1,
		    argv + 1));
	if (strcmp(argv[1], "history") == 0)
		return probe_main_exit_code(probe_histcmd_run(argc - 1,
		    argv + 1));
	if (strcmp(argv[1], "report") == 0)
		return probe_main_exit_code(probe_reportcmd_run(argc - 1,
		    argv + 1));
	if (strcmp(argv[1], "catalog") == 0)
		return probe_main_exit_code(probe_cmd_catalog(argc - 1,
		    argv + 1));
	return probe_main_usage_error(argc, argv, NULL, "unknown command "
	    "(send, serve, check, explain, history, report, catalog)");
}

int
main(int argc, char **argv)
{
	/*
	 * A server that closes while OpenSSL writes must be an error we
	 * record, not a signal that kills the probe.
	 */
	bool is_cut = false;
	int code;

	(void)signal(SIGPIPE, SIG_IGN);
	code = probe_main_stdout(probe_main_run(argc, argv, &is_cut));
	/*
	 * A run cut by -t left probes running in their threads: returning
	 * would run the exit handlers (OpenSSL's, the sanitizers') under
	 * them. Everything is reported and flushed, so end here.
	 */
	if (is_cut) {
		(void)fflush(stderr);	/* nothing left to tell if it fails */
		_exit(code);
	}
	return code;
}
