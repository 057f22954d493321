/*
 * test_cli_polite - politeness is per MX host: two recipient domains that
 * share an MX (gmail.com and googlemail.com, every Workspace domain)
 * share the profile's max_connections and min_interval instead of each
 * getting the full allowance. A private dnsmasq says that gmail.test and
 * googlemail.test both have mx1.gmail.test; a profile allows one
 * connection at a time and min_interval seconds between two starts; two
 * paths, one per domain, run with --jobs 2.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		30000
/* Long enough to tell apart from two probes started together. */
#define INTERVAL_S	2

static struct testnet net;

static const char profile[] =
    "name: polite\n"
    "provider: generic\n"
    "starttls: opportunistic\n"
    "max_connections: 1\n"
    "min_interval: 2\n";

static const char config[] =
    "paths:\n"
    "  - name: to-gmail\n"
    "    source: 127.0.0.2\n"
    "    helo: mail1.example.test\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      polite: postmaster@gmail.test\n"
    "  - name: to-googlemail\n"
    "    source: 127.0.0.2\n"
    "    helo: mail1.example.test\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      polite: postmaster@googlemail.test\n";

static void
setup(void)
{
	static const char *const zone[] = { TESTNET_GMAIL_ZONE,
	    "--mx-host=googlemail.test,mx1.gmail.test,5", NULL };

	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	cr_assert_not_null(tmp_dir_write(&net.dir, "polite.yaml", profile,
	    strlen(profile)));
	cr_assert_eq(testnet_config(&net, config), 0, "%s", net.error);
	/* A server that takes every message, in clear. */
	cr_assert_eq(testnet_mx_start(&net, "ehlo: 250 fakemx\n", 0, 0), 0,
	    "%s", net.error);
}

static void
teardown(void)
{
	testnet_stop(&net);
}

TestSuite(cli_polite, .init = setup, .fini = teardown, .timeout = 60);

Test(cli_polite, two_domains_on_one_mx_share_its_interval)
{
	struct cmd_run r;
	const char *argv[32];
	char prof[512];
	size_t n = 0;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--config";
	argv[n++] = net.config;
	argv[n++] = "--profile";
	argv[n++] = tmp_dir_path(&net.dir, "polite.yaml", prof, sizeof(prof));
	argv[n++] = "--lock-file";
	argv[n++] = net.lock;
	cr_assert_eq(testnet_args(&net, argv, &n, 32), 0, "%s", net.error);
	argv[n++] = "--jobs";
	argv[n++] = "2";
	argv[n++] = "--no-check";
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0, "%s", r.err);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	/*
	 * Per recipient domain, both probes would start at once; per MX
	 * host, the second waits out the profile's interval.
	 */
	cr_assert_geq(r.elapsed_ms, INTERVAL_S * 1000 * 0.95,
	    "both probes started within %.0f ms: politeness is per domain",
	    r.elapsed_ms);
	cmd_run_free(&r);
}
