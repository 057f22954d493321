/*
 * test_cli_bulk - the bulk-sender checklist end to end: a private
 * dnsmasq publishes a domain that meets every rule (SPF for 127.0.0.2,
 * DMARC p=none, the DKIM key at s1, PTR mail.example.test resolving
 * back) and the simulated Gmail (gmail-sim-spf.scn) offers STARTTLS and
 * verifies DKIM. "send" signed, with one-click unsubscribe, over TLS,
 * passes every line but the complaint rate; without unsubscribe and
 * without TLS those two lines fail. "check --bulk" says from DNS alone
 * what it can, leaves the rest "unknown: run send", and fails a domain
 * without DMARC.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"

#define FIX		SRCDIR "/tests/fixtures/dkim/"
#define ARGS_MAX	40
#define PROBE_WAIT_MS	30000

static struct testnet net;
static struct cmd_run run;

/* A fixture key copied with mode 0600, as a real key is kept. */
static const char *
copy_key(const char *fixture)
{
	const char *p = testnet_copy(&net, "k.pem", fixture, 0600);

	cr_assert_not_null(p, "%s", net.error);
	return p;
}

static void
setup(void)
{
	/* The key record, made from the fixture before dnsmasq starts. */
	char txt_arg[TESTNET_TXT_MAX];
	const char *zone[] = {
		"--local=/test/",
		TESTNET_SENDER_ZONE,
		"--txt-record=_dmarc.example.test,v=DMARC1; p=none",
		txt_arg,
		"--ptr-record=2.0.0.127.in-addr.arpa,mail.example.test",
		"--host-record=mail.example.test,127.0.0.2",
		/* The same, but no DMARC record. */
		"--txt-record=nodmarc.test,v=spf1 ip4:127.0.0.2 -all",
		NULL,
	};

	memset(&run, 0, sizeof(run));
	cr_assert_eq(testnet_txt_record(txt_arg, sizeof(txt_arg),
	    "s1._domainkey.example.test", FIX "rsa2048.txt"), 0);
	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	cr_assert_eq(testnet_mx_start(&net, "gmail-sim-spf.scn", 0,
	    TESTNET_MX_TLS | TESTNET_MX_SPF), 0, "%s", net.error);
}

static void
teardown(void)
{
	cmd_run_free(&run);
	testnet_stop(&net);
}

TestSuite(cli_bulk, .init = setup, .fini = teardown, .timeout = 90);

/* argv[0..n) and the extra flags after first, into run. */
static void
run_with(const char **argv, size_t n, const char *first, va_list ap)
{
	const char *a;

	for (a = first; a != NULL && n < ARGS_MAX - 1; a = va_arg(ap,
	    const char *))
		argv[n++] = a;
	argv[n] = NULL;
	cmd_run_free(&run);
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0);
}

/* A probe from 127.0.0.2 (inside SPF, FCrDNS), then the extra flags. */
static void
send_probe(const char *first, ...)
{
	const char *argv[ARGS_MAX] = { SMTPPROBE_BIN, "send", "--to",
	    "me@gmail.test", "--from", "probe@example.test", "--source",
	    "127.0.0.2", "--server", net.mx_server, "--dns-server",
	    net.dns_server, "--helo", "mail.example.test", "--dkim-selector",
	    "s1" };
	va_list ap;

	va_start(ap, first);
	run_with(argv, 16, first, ap);
	va_end(ap);
}

static void
check_bulk(const char *first, ...)
{
	const char *argv[ARGS_MAX] = { SMTPPROBE_BIN, "check", "--bulk",
	    "--source", "127.0.0.2", "--dns-server", net.dns_server,
	    "--dkim-selector", "s1" };
	va_list ap;

	va_start(ap, first);
	run_with(argv, 9, first, ap);
	va_end(ap);
}

/* The checklist's line for rule has status, as the text report shows it. */
static void
assert_line(const char *status, const char *rule)
{
	char want[64];

	(void)snprintf(want, sizeof(want), "  %-8s %-11s ", status, rule);
	cr_assert(strstr(run.out, want) != NULL, "no \"%s\" in:\n%s", want,
	    run.out);
}

Test(cli_bulk, passes_every_line_for_a_signed_one_click_probe_over_tls)
{
	send_probe("--dkim-key", copy_key(FIX "rsa2048-pkcs8.pem"),
	    "--list-unsubscribe", "https://example.test/u?c=7", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "bulk-sender checklist (Gmail and Yahoo "
	    "2024, Microsoft 2025), from this probe and DNS:") != NULL, "%s",
	    run.out);
	assert_line("pass", "spf");
	assert_line("pass", "dkim");
	assert_line("pass", "dmarc");
	assert_line("pass", "alignment");
	assert_line("pass", "fcrdns");
	assert_line("pass", "tls");
	assert_line("pass", "format");
	assert_line("pass", "unsubscribe");
	assert_line("unknown", "complaints");
	cr_assert(strstr(run.out, "8 pass, 0 fail, 1 unknown") != NULL, "%s",
	    run.out);
}

Test(cli_bulk, fails_unsubscribe_and_tls_when_the_probe_has_neither)
{
	send_probe("--dkim-key", copy_key(FIX "rsa2048-pkcs8.pem"),
	    "--starttls", "off", NULL);
	cr_assert_eq(run.status, 0, "the delivery passes: %s%s", run.out,
	    run.err);
	assert_line("fail", "tls");
	assert_line("fail", "unsubscribe");
	assert_line("pass", "dkim");
	cr_assert(strstr(run.out, "fix: send --list-unsubscribe") != NULL,
	    "%s", run.out);
}

Test(cli_bulk, fails_dkim_for_an_unsigned_probe)
{
	send_probe("--starttls", "off", NULL);
	assert_line("fail", "dkim");
	assert_line("pass", "alignment");
}

Test(cli_bulk, puts_the_checklist_in_sends_json)
{
	send_probe("--dkim-key", copy_key(FIX "rsa2048-pkcs8.pem"),
	    "--list-unsubscribe", "https://example.test/u", "--json", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "\"bulk\":{\"from_probe\":true,\"pass\":8,"
	    "\"fail\":0,\"unknown\":1,\"lines\":[{\"rule\":\"spf\","
	    "\"status\":\"pass\"") != NULL, "%s", run.out);
}

Test(cli_bulk, check_bulk_says_what_dns_alone_can_tell)
{
	check_bulk("--from", "probe@example.test", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "from DNS alone:") != NULL, "%s", run.out);
	assert_line("pass", "spf");
	assert_line("pass", "dmarc");
	assert_line("pass", "alignment");
	assert_line("pass", "fcrdns");
	assert_line("unknown", "dkim");
	assert_line("unknown", "tls");
	assert_line("unknown", "format");
	assert_line("unknown", "unsubscribe");
	assert_line("unknown", "complaints");
	cr_assert(strstr(run.out, "unknown until a probe sends: run smtpprobe "
	    "send") != NULL, "%s", run.out);
}

Test(cli_bulk, check_bulk_fails_a_domain_without_dmarc)
{
	check_bulk("--from", "probe@nodmarc.test", NULL);
	cr_assert_eq(run.status, 2, "%s%s", run.out, run.err);
	assert_line("fail", "dmarc");
	cr_assert(strstr(run.out, "v=DMARC1; p=none") != NULL, "%s", run.out);
}

Test(cli_bulk, check_bulk_json_has_the_checklist)
{
	check_bulk("--from", "probe@example.test", "--json", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "\"bulk\":{\"from_probe\":false,") != NULL,
	    "%s", run.out);
}
