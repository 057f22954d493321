/*
 * test_cli_output - every command that writes to standard output says
 * so and exits non-zero when that write fails (stdout on /dev/full), as
 * a silently truncated report would be read as a complete one.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/cmd_run.h"

#define OUTPUT_WAIT_MS	20000
#define OUTPUT_CMD_MAX	512

TestSuite(cli_output, .timeout = 60);

/* Runs "smtpprobe ARGS >/dev/full" through the shell. */
static void
assert_full_fails(const char *args)
{
	char cmd[OUTPUT_CMD_MAX];
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct cmd_run r;

	(void)snprintf(cmd, sizeof(cmd), "exec %s %s >/dev/full",
	    SMTPPROBE_BIN, args);
	cr_assert_eq(cmd_run(&r, argv, OUTPUT_WAIT_MS), 0, "%s", cmd);
	cr_assert_eq(r.status, 3, "smtpprobe %s: exit %d: %s", args,
	    r.status, r.err);
	cr_assert(strstr(r.err, "standard output") != NULL, "smtpprobe %s: %s",
	    args, r.err);
	cmd_run_free(&r);
}

Test(cli_output, help_version_and_every_usage_fail_on_a_full_stdout)
{
	assert_full_fails("--help");
	assert_full_fails("--version");
	assert_full_fails("send --help");
	assert_full_fails("check --help");
	assert_full_fails("explain --help");
	assert_full_fails("catalog --help");
}

Test(cli_output, catalog_lint_and_explain_fail_on_a_full_stdout)
{
	assert_full_fails("catalog lint");
	assert_full_fails("explain '550 5.1.1 no such user'");
}
