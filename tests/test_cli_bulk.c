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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support/cmd_run.h"
#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"
#include "tests/support/tmp_dir.h"

#define FIX		SRCDIR "/tests/fixtures/dkim/"
#define ARGS_MAX	40
#define PROBE_WAIT_MS	30000
/* RFC 1035 3.3.14: a TXT string is at most 255 bytes; dnsmasq splits at ','. */
#define TXT_CHUNK	200
#define TXT_ARG_MAX	1024

static struct dnsmasq_run dns;
static struct fakemx_run mx;
static struct cmd_run run;
static struct tmp_dir dir;
static char txt_arg[TXT_ARG_MAX];
static char dnsarg[32];

/* "--txt-record=s1._domainkey.example.test,PART,PART" from a fixture. */
static void
key_record(const char *fixture)
{
	char rec[TXT_ARG_MAX], *nl;
	FILE *fp = fopen(fixture, "r");
	size_t i, n, len;

	cr_assert(fp != NULL);
	cr_assert(fgets(rec, sizeof(rec), fp) != NULL);
	fclose(fp);
	if ((nl = strchr(rec, '\n')) != NULL)
		*nl = '\0';
	n = (size_t)snprintf(txt_arg, sizeof(txt_arg),
	    "--txt-record=s1._domainkey.example.test");
	len = strlen(rec);
	for (i = 0; i < len; i += TXT_CHUNK)
		n += (size_t)snprintf(txt_arg + n, sizeof(txt_arg) - n, ",%.*s",
		    TXT_CHUNK, rec + i);
	cr_assert(n < sizeof(txt_arg));
}

/* A fixture key copied with mode 0600, as a real key is kept. */
static const char *
copy_key(const char *fixture)
{
	char buf[4096];
	FILE *in = fopen(fixture, "r");
	size_t n;
	const char *p;

	cr_assert(in != NULL);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	p = tmp_dir_write(&dir, "k.pem", buf, n);
	cr_assert(p != NULL);
	cr_assert_eq(chmod(p, 0600), 0);
	return p;
}

static void
setup(void)
{
	const char *zone[] = {
		"--local=/test/",
		"--local=/in-addr.arpa/",
		"--txt-record=example.test,v=spf1 ip4:127.0.0.2 -all",
		"--txt-record=_dmarc.example.test,v=DMARC1; p=none",
		txt_arg,
		"--ptr-record=2.0.0.127.in-addr.arpa,mail.example.test",
		"--host-record=mail.example.test,127.0.0.2",
		/* The same, but no DMARC record. */
		"--txt-record=nodmarc.test,v=spf1 ip4:127.0.0.2 -all",
		NULL,
	};
	char path[512];

	signal(SIGPIPE, SIG_IGN);
	memset(&run, 0, sizeof(run));
	cr_assert(tmp_dir_make(&dir));
	key_record(FIX "rsa2048.txt");
	cr_assert_eq(dnsmasq_run_start(&dns, zone), 0, "dnsmasq: %s",
	    dns.error);
	(void)snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns.port);
	cr_assert_eq(fakemx_run_scenario(path, sizeof(path),
	    "gmail-sim-spf.scn"), 0);
	cr_assert_eq(fakemx_run_start_dns(&mx, path, "127.0.0.1", 0, "server",
	    dnsarg), 0, "fakemx did not start");
}

static void
teardown(void)
{
	cmd_run_free(&run);
	fakemx_run_stop(&mx);
	dnsmasq_run_stop(&dns);
	tmp_dir_remove(&dir);
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
	    "127.0.0.2", "--server", NULL, "--dns-server", dnsarg, "--helo",
	    "mail.example.test", "--dkim-selector", "s1" };
	char server[32];
	va_list ap;

	(void)snprintf(server, sizeof(server), "127.0.0.1:%d", mx.port);
	argv[9] = server;
	va_start(ap, first);
	run_with(argv, 16, first, ap);
	va_end(ap);
}

static void
check_bulk(const char *first, ...)
{
	const char *argv[ARGS_MAX] = { SMTPPROBE_BIN, "check", "--bulk",
	    "--source", "127.0.0.2", "--dns-server", dnsarg,
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
