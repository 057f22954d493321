/*
 * test_cli_send_check - the pre-flight check of "smtpprobe send": the
 * built binary (SMTPPROBE_BIN) against the fake MX (gmail-sim.scn, which
 * blocks with 550-5.7.26 anything not sent from 127.0.0.2) and a private
 * dnsmasq that publishes "v=spf1 ip4:127.0.0.2 -all" for example.test.
 * From 127.0.0.3 the check finds SPF fail, the JSON carries it under
 * "check", and the text names the SPF record under the 5.7.26
 * diagnosis; --no-check leaves it out; without --source it is skipped.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/json_check.h"
#include "tests/support/testnet.h"

#define ARGS_MAX	40
#define JSON_ERR_MAX	256
/* Generous: a check and a probe against loopback take milliseconds. */
#define PROBE_WAIT_MS	20000
#define SPF_LINE	"SPF for example.test from 127.0.0.3: fail (the " \
	"record ends in -all; 127.0.0.3 is not listed)"

static struct testnet net;
static struct cmd_run run;

static void
setup(void)
{
	static const char *const zone[] = {
		TESTNET_GMAIL_ZONE,
		TESTNET_SENDER_ZONE,
		NULL,
	};

	memset(&run, 0, sizeof(run));
	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	cr_assert_eq(testnet_mx_start(&net, "gmail-sim.scn", 1,
	    TESTNET_MX_TLS), 0, "%s", net.error);
}

static void
teardown(void)
{
	cmd_run_free(&run);
	testnet_stop(&net);
}

TestSuite(cli_send_check, .init = setup, .fini = teardown, .timeout = 60);

/* "smtpprobe send" with the common flags, then the extra ones. */
static void
send_probe(const char *source, ...)
{
	const char	*argv[ARGS_MAX], *a;
	size_t		 n = 0;
	va_list		 ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--profile";
	argv[n++] = "gmail";
	argv[n++] = "--to";
	argv[n++] = "postmaster@gmail.test";
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	cr_assert_eq(testnet_args(&net, argv, &n, ARGS_MAX), 0, "%s",
	    net.error);
	if (source != NULL) {
		argv[n++] = "--source";
		argv[n++] = source;
	}
	va_start(ap, source);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", run.err);
	cr_assert_eq(fakemx_run_wait(&net.mx, 10000), 0,
	    "fakemx reported a failed expectation");
}

Test(cli_send_check, puts_the_failing_spf_check_in_the_json)
{
	const char	*check;
	char		 err[JSON_ERR_MAX];

	send_probe("127.0.0.3", "--json", NULL);
	cr_assert_eq(run.status, 2, "stdout: %s stderr: %s", run.out,
	    run.err);
	cr_assert(json_check(run.out, strlen(run.out), err, sizeof(err)),
	    "%s: %s", err, run.out);
	check = strstr(run.out, ",\"check\":{");
	cr_assert_not_null(check, "%s", run.out);
	cr_assert_not_null(strstr(check, "\"spf\":{\"result\":\"fail\""),
	    "%s", run.out);
	cr_assert_not_null(strstr(check, "\"dmarc\":{"), "%s", run.out);
	cr_assert_not_null(strstr(check, "\"ptr\":{"), "%s", run.out);
	cr_assert_not_null(strstr(check, "\"predicted\":{\"verdict\":"
	    "\"fail\""), "%s", run.out);
}

Test(cli_send_check, names_the_spf_record_under_the_5_7_26_diagnosis)
{
	const char	*brief, *diag, *line;

	send_probe("127.0.0.3", NULL);
	cr_assert_eq(run.status, 2, "stdout: %s stderr: %s", run.out,
	    run.err);
	brief = strstr(run.out, "\npre-flight check (DNS only):\n");
	diag = strstr(run.out, "5.7.26");
	cr_assert_not_null(brief, "%s", run.out);
	cr_assert_not_null(diag, "%s", run.out);
	cr_assert_lt(brief, strstr(run.out, "\nattempt 1:"), "%s", run.out);
	/* Once in the block, once again under the diagnosis. */
	line = strstr(brief, SPF_LINE);
	cr_assert_not_null(line, "%s", run.out);
	cr_assert_not_null(strstr(diag, SPF_LINE), "%s", run.out);
	cr_assert_not_null(strstr(run.out, "predicted Gmail verdict: fail"),
	    "%s", run.out);
}

Test(cli_send_check, leaves_the_check_out_with_no_check)
{
	send_probe("127.0.0.3", "--no-check", "--json", NULL);
	cr_assert_eq(run.status, 2, "stdout: %s stderr: %s", run.out,
	    run.err);
	cr_assert_null(strstr(run.out, "\"check\""), "%s", run.out);
}

Test(cli_send_check, leaves_the_check_out_of_the_text_with_no_check)
{
	send_probe("127.0.0.3", "--no-check", NULL);
	cr_assert_null(strstr(run.out, "pre-flight"), "%s", run.out);
	cr_assert_null(strstr(run.out, "SPF for"), "%s", run.out);
	cr_assert_null(strstr(run.out, "check skipped"), "%s", run.out);
}

Test(cli_send_check, skips_the_check_without_a_source)
{
	send_probe(NULL, NULL);
	cr_assert_not_null(strstr(run.out, "\ncheck skipped: no --source\n"),
	    "%s", run.out);
	cr_assert_null(strstr(run.out, "pre-flight"), "%s", run.out);
}

Test(cli_send_check, says_in_the_json_why_the_check_was_skipped)
{
	char	err[JSON_ERR_MAX];

	send_probe(NULL, "--json", NULL);
	cr_assert(json_check(run.out, strlen(run.out), err, sizeof(err)),
	    "%s: %s", err, run.out);
	cr_assert_not_null(strstr(run.out, ",\"check\":{\"skipped\":"
	    "\"check skipped: no --source\"}"), "%s", run.out);
}
