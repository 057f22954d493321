/*
 * test_cli_dkim_auth - the DKIM signature decides, as at Gmail: the
 * simulated Gmail (gmail-sim-spf.scn) accepts mail whose SPF passes or
 * whose DKIM signature verifies (libopendkim, the key from a private
 * dnsmasq), and answers 550-5.7.26 otherwise. From 127.0.0.3, outside
 * "v=spf1 ip4:127.0.0.2 -all", the unsigned probe is refused and the
 * probe signed with the published key is accepted; one signed with
 * another key is refused; an Ed25519 signature (made without
 * libopendkim's signer) verifies at the MX too. Each time the pre-flight
 * check's prediction agrees with the fake MX.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

#define FIX		SRCDIR "/tests/fixtures/dkim/"
#define ARGS_MAX	40
#define PROBE_WAIT_MS	30000

static struct testnet net;
static struct cmd_run run;

/* A fixture key copied with mode 0600, as a real key is kept. */
static const char *
copy_key(const char *name, const char *fixture)
{
	const char *p = testnet_copy(&net, name, fixture, 0600);

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
		"--txt-record=_dmarc.example.test,v=DMARC1; p=reject",
		txt_arg,
		/* RFC 8463: an Ed25519 key, signed without libopendkim. */
		"--txt-record=e1._domainkey.example.test,v=DKIM1; k=ed25519; "
		    "p=ndsGpr7f7b2ikTTZxpblENVrKgWhfAT1EdEs47SjFC8=",
		NULL,
	};

	memset(&run, 0, sizeof(run));
	cr_assert_eq(testnet_txt_record(txt_arg, sizeof(txt_arg),
	    "s1._domainkey.example.test", FIX "rsa2048.txt"), 0);
	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	cr_assert_eq(testnet_mx_start(&net, "gmail-sim-spf.scn", 0,
	    TESTNET_MX_SPF), 0, "%s", net.error);
}

static void
teardown(void)
{
	cmd_run_free(&run);
	testnet_stop(&net);
}

TestSuite(cli_dkim_auth, .init = setup, .fini = teardown, .timeout = 90);

/* A probe from 127.0.0.3 (outside SPF), then the extra flags. */
static void
send_probe(const char *first, ...)
{
	const char	*argv[ARGS_MAX], *a;
	size_t		 n = 0;
	va_list		 ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = "me@gmail.test";
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--source";
	argv[n++] = "127.0.0.3";
	argv[n++] = "--server";
	argv[n++] = net.mx_server;
	argv[n++] = "--dns-server";
	argv[n++] = net.dns_server;
	argv[n++] = "--starttls";
	argv[n++] = "off";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	argv[n++] = "--dkim-selector";
	argv[n++] = "s1";
	va_start(ap, first);
	for (a = first; a != NULL && n < ARGS_MAX - 1; a = va_arg(ap,
	    const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cmd_run_free(&run);
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0);
}

static void
assert_log_has(const char *what)
{
	char *log = fakemx_run_log(&net.mx);

	cr_assert(log != NULL);
	cr_assert(strstr(log, what) != NULL, "no \"%s\" in:\n%s", what, log);
	free(log);
}

Test(cli_dkim_auth, refuses_the_unsigned_probe_from_outside_spf)
{
	send_probe(NULL);
	cr_assert_eq(run.status, 2, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "550-5.7.26 This mail is unauthenticated")
	    != NULL, "%s", run.out);
	assert_log_has("dkim none no signature");
	/* The prediction agrees: no DKIM for an unsigned probe. */
	cr_assert(strstr(run.out, "the probe is not signed: no DKIM") != NULL,
	    "%s", run.out);
	cr_assert(strstr(run.out, "neither SPF nor DKIM passes") != NULL,
	    "%s", run.out);
}

Test(cli_dkim_auth, accepts_the_probe_signed_with_the_published_key)
{
	send_probe("--dkim-key", copy_key("k.pem", FIX "rsa2048-pkcs8.pem"),
	    NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	assert_log_has("dkim pass d=example.test s=s1");
	cr_assert(strstr(run.out, "the probe will sign with the published "
	    "key") != NULL, "%s", run.out);
	cr_assert(strstr(run.out, "neither SPF nor DKIM passes") == NULL,
	    "%s", run.out);
	cr_assert(strstr(run.out, "DMARC fails") == NULL, "%s", run.out);
}

Test(cli_dkim_auth, accepts_the_probe_signed_with_a_published_ed25519_key)
{
	send_probe("--dkim-key", copy_key("e.pem", FIX "ed25519.pem"),
	    "--dkim-selector", "e1", "--list-unsubscribe",
	    "https://example.test/u", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	/* The fake MX verified it with libopendkim. */
	assert_log_has("dkim pass d=example.test s=e1");
	cr_assert(strstr(run.out, "a=ed25519-sha256") != NULL, "%s", run.out);
	cr_assert(strstr(run.out, "the probe will sign with the published "
	    "key") != NULL, "%s", run.out);
}

Test(cli_dkim_auth, refuses_the_probe_signed_with_another_key)
{
	send_probe("--dkim-key", copy_key("o.pem", FIX "other2048.pem"),
	    NULL);
	cr_assert_eq(run.status, 2, "%s%s", run.out, run.err);
	assert_log_has("dkim fail d=example.test s=s1");
	cr_assert(strstr(run.out, "the key you gave does not match the "
	    "published one (published p= 2048 bits, yours 2048 bits)") !=
	    NULL, "%s", run.out);
}

Test(cli_dkim_auth, accepts_an_own_message_signed_with_one_click_unsubscribe)
{
	char *log;

	send_probe("--dkim-key", copy_key("k.pem", FIX "rsa2048-pkcs1.pem"),
	    "--message", FIX "newsletter.eml", "--header", "X-Campaign: 7",
	    "--list-unsubscribe", "https://example.test/u?c=7", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	assert_log_has("dkim pass d=example.test s=s1");
	assert_log_has("data-line List-Unsubscribe-Post: "
	    "List-Unsubscribe=One-Click");
	/* Both RFC 8058 fields are signed, From oversigned. */
	cr_assert(strstr(run.out, "h=From:To:Date:Subject:Message-ID:"
	    "MIME-Version:Content-Type:Content-Transfer-Encoding:"
	    "List-Unsubscribe:List-Unsubscribe-Post:from\n") != NULL, "%s",
	    run.out);
	log = fakemx_run_log(&net.mx);
	cr_assert(log != NULL);
	cr_assert(strstr(log, "data-line Subject: Spring\n") != NULL, "%s",
	    log);
	cr_assert(strstr(log, "data-line  offers [sp-") != NULL, "%s", log);
	cr_assert(strstr(log, "data-line X-Smtpprobe-Id: sp-") != NULL);
	free(log);
}

/* --- keys per sending path --- */

/* Two paths from 127.0.0.3 signing with key_file; the config's path. */
static const char *
paths_config(const char *name, const char *key_file)
{
	char text[2048];
	int n;
	const char *p;

	n = snprintf(text, sizeof(text), "paths:\n"
	    "  - name: p1\n    source: 127.0.0.3\n    helo: mail.example.test\n"
	    "    mail_from: probe@example.test\n    dkim_key: %s\n"
	    "    dkim_selector: s1\n    recipients:\n      gmail: me@gmail.test\n"
	    "  - name: p2\n    source: 127.0.0.3\n    helo: mail.example.test\n"
	    "    mail_from: probe@example.test\n    dkim_key: %s\n"
	    "    dkim_selector: s1\n    recipients:\n      gmail: me@gmail.test\n",
	    key_file, key_file);
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	p = tmp_dir_write(&net.dir, name, text, (size_t)n);
	cr_assert(p != NULL);
	return p;
}

static void
send_paths(const char *config)
{
	const char *argv[] = { SMTPPROBE_BIN, "send", "--config", config,
	    "--lock-file", net.lock, "--profile", "gmail", "--server",
	    net.mx_server, "--starttls", "off", "--dns-server",
	    net.dns_server, "--no-check", NULL };

	cmd_run_free(&run);
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0);
}

Test(cli_dkim_auth, signs_each_path_with_its_key_and_warns_once_per_file)
{
	const char *key = copy_key("k.pem", FIX "rsa2048-pkcs1.pem");
	const char *w;

	cr_assert_eq(chmod(key, 0644), 0);
	send_paths(paths_config("c.yaml", key));
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert(strstr(run.out, "2 paths x 1 profile: 2 pass") != NULL,
	    "%s", run.out);
	w = strstr(run.err, "is readable by group or others");
	cr_assert(w != NULL, "%s", run.err);
	cr_assert(strstr(w + 1, "is readable by group or others") == NULL,
	    "twice: %s", run.err);
}

Test(cli_dkim_auth, stops_before_any_connection_on_a_paths_bad_key)
{
	char *log;

	send_paths(paths_config("c.yaml", FIX "truncated.pem"));
	cr_assert_eq(run.status, 3, "%s%s", run.out, run.err);
	cr_assert(strstr(run.err, "dkim_key " FIX "truncated.pem: not a PEM "
	    "private key") != NULL, "%s", run.err);
	log = fakemx_run_log(&net.mx);
	cr_assert(log != NULL);
	cr_assert(strstr(log, "session") == NULL, "connected: %s", log);
	free(log);
}
