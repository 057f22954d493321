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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cmd_run.h"
#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		30000
/* Long enough to tell apart from two probes started together. */
#define INTERVAL_S	2

static struct dnsmasq_run dns;
static struct fakemx_run mx;
static struct tmp_dir dir;

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
	static const char *const zone[] = { "--local=/test/",
	    "--mx-host=gmail.test,mx1.gmail.test,5",
	    "--mx-host=googlemail.test,mx1.gmail.test,5",
	    "--host-record=mx1.gmail.test,127.0.0.1", NULL };

	signal(SIGPIPE, SIG_IGN);
	cr_assert(tmp_dir_make(&dir));
	cr_assert_not_null(tmp_dir_write(&dir, "polite.yaml", profile,
	    strlen(profile)));
	cr_assert_not_null(tmp_dir_write(&dir, "smtpprobe.yaml", config,
	    strlen(config)));
	cr_assert_eq(dnsmasq_run_start(&dns, zone), 0, "%s", dns.error);
	/* A server that takes every message, in clear. */
	cr_assert_eq(fakemx_run_start(&mx, "ehlo: 250 fakemx\n", "127.0.0.1",
	    0, false), 0);
}

static void
teardown(void)
{
	fakemx_run_stop(&mx);
	dnsmasq_run_stop(&dns);
	tmp_dir_remove(&dir);
}

TestSuite(cli_polite, .init = setup, .fini = teardown, .timeout = 60);

Test(cli_polite, two_domains_on_one_mx_share_its_interval)
{
	struct cmd_run r;
	const char *argv[32];
	char dnsarg[64], port[16], cfg[512], prof[512], lock[512];
	size_t n = 0;

	snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns.port);
	snprintf(port, sizeof(port), "%d", mx.port);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--config";
	argv[n++] = tmp_dir_path(&dir, "smtpprobe.yaml", cfg, sizeof(cfg));
	argv[n++] = "--profile";
	argv[n++] = tmp_dir_path(&dir, "polite.yaml", prof, sizeof(prof));
	argv[n++] = "--lock-file";
	argv[n++] = tmp_dir_path(&dir, "lock", lock, sizeof(lock));
	/* The test MX hosts are on loopback. */
	argv[n++] = "--allow-loopback-mx";
	argv[n++] = "--dns-server";
	argv[n++] = dnsarg;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--jobs";
	argv[n++] = "2";
	argv[n++] = "--no-check";
	argv[n++] = "--timeout";
	argv[n++] = "5";
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
