/*
 * test_cli_smtputf8 - non-ASCII addresses (RFC 6531) end to end: the
 * built binary (SMTPPROBE_BIN) against the fake MX and a private
 * dnsmasq that knows the recipient domain only by its A-label
 * (xn--bcher-kva.test for bücher.test), so the MX is found only when
 * the U-label is converted before DNS is asked. A server that offers
 * SMTPUTF8 gets "MAIL FROM:<...> SMTPUTF8"; one that does not gets no
 * MAIL at all, and the probe fails with error_kind smtputf8_not_offered.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/json_check.h"
#include "tests/support/testnet.h"

#define JSON_ERR_MAX	256
#define PROBE_WAIT_MS	20000
#define UTF8_RCPT	"j\xc3\xb6rg@b\xc3\xbc" "cher.test"

#define EHLO_UTF8 \
	"ehlo: 250-mx.xn--bcher-kva.test\n" \
	"ehlo: 250-8BITMIME\n" \
	"ehlo: 250 SMTPUTF8\n"
#define EHLO_PLAIN \
	"ehlo: 250-mx.xn--bcher-kva.test\n" \
	"ehlo: 250 8BITMIME\n"

static struct testnet net;
static struct cmd_run run;

static void
setup(void)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--mx-host=xn--bcher-kva.test,mx1.xn--bcher-kva.test,5",
		"--host-record=mx1.xn--bcher-kva.test,127.0.0.1",
		NULL,
	};

	memset(&run, 0, sizeof(run));
	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
}

static void
teardown(void)
{
	cmd_run_free(&run);
	testnet_stop(&net);
}

TestSuite(cli_smtputf8, .init = setup, .fini = teardown, .timeout = 60);

/* One probe to UTF8_RCPT through a fake MX playing scenario; its log. */
static char *
probe(const char *scenario)
{
	const char	*argv[24];
	size_t		 n = 0;

	cr_assert_eq(testnet_mx_start(&net, scenario, 1, 0), 0, "%s",
	    net.error);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = UTF8_RCPT;
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	argv[n++] = "--no-check";
	cr_assert_eq(testnet_args(&net, argv, &n, 24), 0, "%s", net.error);
	argv[n++] = "--json";
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", run.err);
	cr_assert_eq(fakemx_run_wait(&net.mx, 10000), 0, "fakemx failed");
	return fakemx_run_log(&net.mx);
}

Test(cli_smtputf8, sends_mail_from_with_smtputf8_to_a_server_offering_it)
{
	char	err[JSON_ERR_MAX], *log = probe(EHLO_UTF8);

	cr_assert_eq(run.status, 0, "stdout: %s stderr: %s", run.out,
	    run.err);
	cr_assert(json_check(run.out, strlen(run.out), err, sizeof(err)),
	    "%s: %s", err, run.out);
	cr_assert_not_null(log);
	cr_assert_not_null(strstr(log, "MAIL FROM:<probe@example.test> "
	    "SMTPUTF8"), "%s", log);
	/* The log writes each byte outside ASCII as \xNN. */
	cr_assert_not_null(strstr(log, "RCPT TO:<j\\xc3\\xb6rg@b\\xc3\\xbc"
	    "cher.test>"), "%s", log);
	free(log);
}

Test(cli_smtputf8, sends_no_mail_to_a_server_without_smtputf8)
{
	char	*log = probe(EHLO_PLAIN);

	cr_assert_eq(run.status, 2, "stdout: %s stderr: %s", run.out,
	    run.err);
	cr_assert_not_null(strstr(run.out,
	    "\"error_kind\":\"smtputf8_not_offered\""), "%s", run.out);
	cr_assert_not_null(log);
	cr_assert_null(strstr(log, "MAIL FROM"), "%s", log);
	cr_assert_null(strstr(log, "RCPT TO"), "%s", log);
	cr_assert_not_null(strstr(log, "QUIT"), "%s", log);
	free(log);
}

Test(cli_smtputf8, refuses_an_address_that_is_not_utf8)
{
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "j\xf6rg@example.test", "--from", "probe@example.test",
	    "--no-check", NULL };

	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0, "%s", run.err);
	cr_assert_eq(run.status, 3, "stderr: %s", run.err);
	cr_assert_not_null(strstr(run.err, "not UTF-8"), "%s", run.err);
	cr_assert_null(strchr(run.err, '\xf6'), "raw byte echoed: %s",
	    run.err);
}
