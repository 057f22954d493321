/*
 * test_cli_check - "smtpprobe check" as a user runs it: the built binary
 * (SMTPPROBE_BIN) against a private dnsmasq on 127.0.0.1
 * (tests/support/dnsmasq_run.h), with the exit status (0 pass, 1
 * warnings only, 2 predicted failure, 3 usage), the text and the JSON
 * output.
 *
 * dnsmasq 2.90 keeps double quotes given on its command line as part of
 * a TXT value, which is how the "quoted record" mistake is published
 * here. "--local" makes names it does not know NXDOMAIN rather than
 * REFUSED, for the forward and the reverse zones.
 */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/dns_filter.h"
#include "tests/support/json_check.h"
#include "tests/support/testnet.h"

/* A check makes a few dozen queries to a local dnsmasq. */
#define RUN_MS		20000
#define ARGS_MAX	24
#define RSA1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDA9EeFJGwx9ekBdNTbXOd3" \
	"54Pq3oV1EwOJXhG5WgeAT5gme9sLxa42P3b0RsqQZBsgDUL/QljBoVlhEa9HiNCBmqEe" \
	"yrZ+ovW5OtlTZkjOGDWjOziqVkIuRN/BMflArY9CYAlnjpWoGLCptDa+LGvrrnUJGrVT" \
	"nXaJVITitrFVEwIDAQAB"
#define RSA2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr1uc1Nhn3qLpqHOE" \
	"oSUb7qVzsKE1+6YwVrC1nAS4t6+6vxLDHOfOiaOoFI2XLFsELGTUPGeAuKv55m9yQv6O" \
	"sA91g1ixiwZtRXlUPfslkd/MiQ7GojVXVOn2SOnVmm/Ej0g3VhPKVGY+Wl9AfArIAGxn" \
	"W7cysIkGBEjnNk3z0lglaWQ6umr7geT/LsV7stXXNg6+V7VMOqizLc2PQNuO5D3XZsXp" \
	"v+dR30W0l8e5N81mNJb/W7hL0//zaUphBaefyRZzJRPVP3Tk4LkDB4N5wzuyCIWf15ej" \
	"HwOfuHSkOChQsc3aLR/kOuwSfBjG6U377uDNrYlMDEC7jt7q5BxElwIDAQAB"

/* Only its dnsmasq: a check sends no mail. */
static struct testnet net;
static struct cmd_run run;

static void
setup(void)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--local=/in-addr.arpa/",
		"--local=/ip6.arpa/",
		/* A good path: example.test from 127.0.0.2. */
		"--txt-record=example.test,v=spf1 ip4:127.0.0.2 -all",
		"--txt-record=_dmarc.example.test,v=DMARC1; p=reject; "
		    "rua=mailto:dmarc@example.test",
		"--txt-record=s1._domainkey.example.test,v=DKIM1; k=rsa; p="
		    RSA2048,
		"--txt-record=k1024._domainkey.example.test,v=DKIM1; p="
		    RSA1024,
		"--ptr-record=2.0.0.127.in-addr.arpa,mail.example.test",
		"--host-record=mail.example.test,127.0.0.2,::1",
		"--ptr-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "0.0.0.0.0.0.0.0.0.ip6.arpa,mail.example.test",
		/* Seed article 002: the doubled name and the quotes. */
		"--txt-record=doubled.test.doubled.test,v=spf1 ip4:127.0.0.2 "
		    "-all",
		"--txt-record=quoted.test,\"v=spf1 ip4:127.0.0.2 -all\"",
		"--txt-record=_dmarc.quoted.test,v=DMARC1; p=none",
		/* An ESP envelope that does not align with From. */
		"--txt-record=esp.test,v=spf1 ip4:127.0.0.2 -all",
		NULL,
	};

	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	memset(&run, 0, sizeof(run));
}

static void
teardown(void)
{
	cmd_run_free(&run);
	testnet_stop(&net);
}

TestSuite(cli_check, .init = setup, .fini = teardown, .timeout = 60);

/*
 * Runs "smtpprobe check --dns-server <ours>" and the arguments given
 * (NULL-terminated), and asserts the exit status.
 */
static void
check(int want, ...)
{
	const char	*argv[ARGS_MAX], *a;
	size_t		 n = 0;
	va_list		 ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "check";
	argv[n++] = "--dns-server";
	argv[n++] = net.dns_server;
	va_start(ap, want);
	while ((a = va_arg(ap, const char *)) != NULL) {
		cr_assert_lt(n, ARGS_MAX - 1, "too many arguments");
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	cmd_run_free(&run);
	cr_assert_eq(cmd_run(&run, argv, RUN_MS), 0, "did not run or exit "
	    "(status %d); stderr:\n%s", run.status, run.err);
	cr_assert_eq(run.status, want, "exit %d, want %d\nstdout:\n%s\n"
	    "stderr:\n%s", run.status, want, run.out, run.err);
}

static void
assert_out(const char *text)
{
	cr_assert_not_null(strstr(run.out, text), "no \"%s\" in:\n%s", text,
	    run.out);
}

Test(cli_check, passes_a_good_ipv4_path)
{
	check(0, "--from", "probe@example.test", "--source", "127.0.0.2",
	    "--dkim-selector", "s1", NULL);
	assert_out("SPF for example.test (MAIL FROM): pass");
	assert_out("DMARC for example.test: found at _dmarc.example.test");
	assert_out("key: rsa, 2048 bits");
	assert_out("PTR of 127.0.0.2: confirmed");
	assert_out("Predicted Gmail verdict: pass");
}

Test(cli_check, checks_ptr_of_an_ipv6_source)
{
	check(2, "--from", "probe@example.test", "--source", "::1", NULL);
	assert_out("PTR of ::1: confirmed");
	assert_out("SPF for example.test (MAIL FROM): fail");
}

Test(cli_check, exits_1_for_warnings_only)
{
	check(1, "--from", "probe@example.test", "--source", "127.0.0.2",
	    "--dkim-selector", "k1024", NULL);
	assert_out("warn dkim_weak");
}

Test(cli_check, exits_2_without_ptr_or_spf)
{
	check(2, "--from", "probe@example.test", "--source", "127.0.0.3",
	    NULL);
	assert_out("fail ptr_missing");
	assert_out("fail not_authenticated");
	assert_out("spf_hardfail_all_unlisted");
}

Test(cli_check, names_the_seed_articles_mistakes)
{
	check(2, "--from", "probe@doubled.test", "--source", "127.0.0.2",
	    NULL);
	assert_out("spf_at_doubled_name: a v=spf1 record is published at "
	    "doubled.test.doubled.test");
	check(2, "--from", "probe@quoted.test", "--source", "127.0.0.2",
	    NULL);
	assert_out("spf_quoted");
}

Test(cli_check, fails_dmarc_when_the_envelope_does_not_align)
{
	check(2, "--from", "bounce@esp.test", "--header-from",
	    "news@example.test", "--source", "127.0.0.2", NULL);
	assert_out("fail dmarc_policy");
	assert_out("SPF for esp.test (MAIL FROM): pass");
}

Test(cli_check, prints_one_valid_json_document)
{
	char	err[JSON_CHECK_ERR_MAX];

	check(0, "--json", "--from", "probe@example.test", "--source",
	    "127.0.0.2", "--helo", "mail.example.test", "--dkim-selector",
	    "s1", NULL);
	cr_assert(json_check(run.out, strlen(run.out), err, sizeof(err)),
	    "%s\n%s", err, run.out);
	assert_out("\"predicted\":{\"verdict\":\"pass\"");
	check(2, "--json", "--from", "probe@quoted.test", "--source",
	    "127.0.0.3", NULL);
	cr_assert(json_check(run.out, strlen(run.out), err, sizeof(err)),
	    "%s\n%s", err, run.out);
	assert_out("\"id\":\"spf_quoted\"");
}

Test(cli_check, warns_and_guesses_without_a_suffix_list)
{
	check(0, "--from", "probe@example.test", "--source", "127.0.0.2",
	    "--dkim-selector", "s1", "--psl", "/nonexistent/psl.dat", NULL);
	cr_assert_not_null(strstr(run.err, "last two labels"), "%s", run.err);
	assert_out("guessed: last two labels");
}

Test(cli_check, exits_1_when_dns_does_not_answer)
{
	const char	*argv[] = { SMTPPROBE_BIN, "check", "--dns-server",
			    "127.0.0.1:1", "--timeout", "2", "--from",
			    "probe@example.test", "--source", "127.0.0.2",
			    NULL };

	cr_assert_eq(cmd_run(&run, argv, RUN_MS), 0);
	cr_assert_eq(run.status, 1, "exit %d\n%s\n%s", run.status, run.out,
	    run.err);
	cr_assert_lt(run.elapsed_ms, 10000);
	assert_out("temperror");
}

Test(cli_check, exits_3_on_usage_errors)
{
	check(3, "--source", "127.0.0.2", NULL);
	check(3, "--from", "probe@example.test", NULL);
	check(3, "--from", "probe@example.test", "--source", "nope", NULL);
	/* "Any address" is no source a receiver could look up. */
	check(3, "--from", "probe@example.test", "--source", "0.0.0.0", NULL);
	check(3, "--from", "probe@example.test", "--source", "::", NULL);
	check(3, "--from", "probe@example.test", "--source", "127.0.0.2",
	    "--timeout", "0", NULL);
	check(3, "--bogus", NULL);
	check(0, "--help", NULL);
	assert_out("Exit status: 0 predicted to pass");
}

/*
 * A resolver that drops only PTR queries (DNS type 12). The PTR lookup
 * goes unanswered; it must spend its own bounded wait, not the whole
 * check's, so that SPF is still asked and decides: example.test's
 * "-all" does not list 127.0.0.9, so the prediction is fail (exit 2),
 * not a warning about a DNS failure of the sender's that never was.
 */
Test(cli_check, a_dropped_ptr_query_leaves_time_for_spf_and_is_not_blamed)
{
	struct dns_filter	f;
	char			 filtered[TESTNET_ADDR_MAX];
	const char		*argv[] = { SMTPPROBE_BIN, "check",
				    "--dns-server", filtered, "--timeout", "4",
				    "--from", "probe@example.test", "--source",
				    "127.0.0.9", "--json", NULL };

	cr_assert_eq(dns_filter_start(&f, net.dns.port, 12), 0, "%s", f.error);
	(void)snprintf(filtered, sizeof(filtered), "127.0.0.1:%d", f.port);
	cr_assert_eq(cmd_run(&run, argv, RUN_MS), 0, "%s", run.err);
	dns_filter_stop(&f);
	cr_assert_eq(run.status, 2, "exit %d\n%s\n%s", run.status, run.out,
	    run.err);
	cr_assert_lt(run.elapsed_ms, 4000 + 1000);
	assert_out("\"not_authenticated\"");
	assert_out("\"ptr_temperror\"");
	/* The SPF record was fetched: the verdict is its fail. */
	assert_out("v=spf1 ip4:127.0.0.2 -all");
}
