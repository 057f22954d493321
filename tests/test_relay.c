/*
 * test_relay - "smtpprobe send --relay" against the fake MX playing a
 * submission server (tests/scenarios/relay-*.scn) and a private dnsmasq
 * that names it: STARTTLS with the test CA, AUTH with good and bad
 * credentials, a relay without STARTTLS, Workspace's IP allowlist
 * refusal, what libesmtp cannot do, and that no output ever shows the
 * password or its base64 forms.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"

#define ARGS_MAX	48
#define PROBE_WAIT_MS	20000
#define USER		"probe@example.test"
#define PASSWORD	"s3cret-Pa55"	/* relay-gmail.scn's credentials */

static struct dnsmasq_run dns;
static struct fakemx_run mx;
static char pwfile[FAKEMX_RUN_PATH_MAX + 16];

static void
setup(void)
{
	static const char *const zone[] = {
		"--local=/test/",
		/* The test certificate is for *.gmail.test. */
		"--host-record=smtp.gmail.test,127.0.0.1",
		"--host-record=v6only.gmail.test,::1",
		NULL,
	};

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(dnsmasq_run_start(&dns, zone), 0, "dnsmasq: %s",
	    dns.error);
}

static void
teardown(void)
{
	fakemx_run_stop(&mx);
	dnsmasq_run_stop(&dns);
}

TestSuite(relay, .init = setup, .fini = teardown, .timeout = 60);

static void
start_relay(const char *name, int sessions)
{
	char path[512];

	cr_assert_eq(fakemx_run_scenario(path, sizeof(path), name), 0);
	cr_assert_eq(fakemx_run_start(&mx, path, "127.0.0.1", sessions, true),
	    0, "fakemx did not start");
}

/* A password file in the run's directory, with this mode. */
static const char *
password_file(const char *password, mode_t mode)
{
	FILE *fp;

	snprintf(pwfile, sizeof(pwfile), "%s/pw", mx.dir);
	fp = fopen(pwfile, "w");
	cr_assert_not_null(fp);
	fprintf(fp, "%s\n", password);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(chmod(pwfile, mode), 0);
	return pwfile;
}

/* "smtpprobe send --relay smtp.gmail.test:PORT" and the extra flags. */
static void
relay(struct cmd_run *r, ...)
{
	const char *argv[ARGS_MAX];
	char dnsarg[64], relayarg[64];
	size_t n = 0;
	va_list ap;
	const char *a;

	snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns.port);
	snprintf(relayarg, sizeof(relayarg), "smtp.gmail.test:%d", mx.port);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--relay";
	argv[n++] = relayarg;
	argv[n++] = "--to";
	argv[n++] = "someone@example.org";
	argv[n++] = "--from";
	argv[n++] = USER;
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	argv[n++] = "--dns-server";
	argv[n++] = dnsarg;
	argv[n++] = "--timeout";
	argv[n++] = "5";
	argv[n++] = "--tls-ca";
	argv[n++] = fakemx_run_ca(&mx);
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, PROBE_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", r->err);
}

static char *
mx_log(void)
{
	cr_assert_eq(fakemx_run_wait(&mx, 10000), 0,
	    "fakemx reported a failed expectation");
	return fakemx_run_log(&mx);
}

Test(relay, submits_through_an_authenticated_relay_with_good_credentials)
{
	struct cmd_run r;
	char *log;

	start_relay("relay-gmail.scn", 1);
	setenv("SMTPPROBE_AUTH_PASSWORD", PASSWORD, 1);
	relay(&r, "--auth-user", USER, "--json", NULL);
	cr_assert_eq(r.status, 0, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"verdict\":\"pass\"") != NULL);
	cr_assert(strstr(r.out, "\"stage\":\"auth\",\"command\":\"AUTH "
	    "LOGIN [redacted]\",\"code\":334") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"command\":\"[redacted]\",\"code\":235")
	    != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"end-of-data\","
	    "\"code\":250") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verified\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"mx\":\"smtp.gmail.test\"") != NULL);
	/* CHUNKING is recorded as offered; the message went with DATA. */
	cr_assert(strstr(r.out, "\"250-CHUNKING\"") != NULL, "%s", r.out);
	log = mx_log();
	cr_assert(strstr(log, "auth ok") != NULL, "%s", log);
	cr_assert(strstr(log, "recv DATA") != NULL, "%s", log);
	cr_assert(strstr(log, "data-line X-Smtpprobe-Id: sp-") != NULL);
	free(log);
	cmd_run_free(&r);
}

Test(relay, bad_credentials_fail_at_auth_with_google_535)
{
	struct cmd_run r;

	start_relay("relay-gmail.scn", 1);
	relay(&r, "--auth-user", USER, "--auth-password-file",
	    password_file("wrong-password", 0600), NULL);
	cr_assert_eq(r.status, 2, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "S: 535-5.7.8 Username and Password not "
	    "accepted. For more information, go to\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "diagnosis: google.bad_credentials (fail, "
	    "cause auth_failed)") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: fail - 535 5.7.8 at auth from "
	    "smtp.gmail.test [127.0.0.1]") != NULL, "%s", r.out);
	cr_assert(strstr(r.err, "warning") == NULL, "%s", r.err);
	cmd_run_free(&r);
}

Test(relay, a_relay_without_starttls_fails_before_auth_by_default)
{
	struct cmd_run r;
	char *log;

	start_relay("tls-required.scn", 1);
	setenv("SMTPPROBE_AUTH_PASSWORD", PASSWORD, 1);
	relay(&r, "--auth-user", USER, "--json", NULL);
	cr_assert_eq(r.status, 2, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"error_kind\":\"starttls_not_offered\"") !=
	    NULL, "%s", r.out);
	log = mx_log();
	cr_assert(strstr(log, "recv AUTH") == NULL, "%s", log);
	cr_assert(strstr(log, "recv MAIL") == NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(relay, an_unverified_relay_under_tls_verify_require_fails_at_tls_at_once)
{
	struct cmd_run r;
	char path[512], *log;

	cr_assert_eq(fakemx_run_scenario(path, sizeof(path),
	    "relay-gmail.scn"), 0);
	/* Signed by the test CA, but for other.example only. */
	cr_assert_eq(fakemx_run_start_cert(&mx, path, "127.0.0.1", 1,
	    "wrongname"), 0);
	setenv("SMTPPROBE_AUTH_PASSWORD", PASSWORD, 1);
	relay(&r, "--auth-user", USER, "--tls-verify", "require", "--json",
	    NULL);
	cr_assert_eq(r.status, 2, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"error_kind\":\"tls_verify\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"name_matches\":false") != NULL, "%s",
	    r.out);
	/* libesmtp quits at once; no wait for a reply that cannot come. */
	cr_assert_lt(r.elapsed_ms, 4000.0, "took %.0f ms", r.elapsed_ms);
	log = mx_log();
	cr_assert(strstr(log, "recv AUTH") == NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(relay, workspace_relay_refuses_an_address_not_in_its_allowlist)
{
	struct cmd_run r;

	start_relay("relay-ip-not-allowed.scn", 1);
	relay(&r, NULL);
	cr_assert_eq(r.status, 1, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "S: 421 4.7.0 IP not in whitelist for RCPT "
	    "domain, closing connection.") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "cause ip_not_allowlisted") != NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "C: AUTH") == NULL, "no AUTH without "
	    "--auth-user: %s", r.out);
	cmd_run_free(&r);
}

/* base64 of n bytes of in, NUL-terminated in out. */
static void
b64(const char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in,
	    (int)n);
}

static void
assert_no_secret(const struct cmd_run *r, const char *format)
{
	static const char plain[] = "\0" USER "\0" PASSWORD;
	char forms[4][256];
	size_t i, k;

	snprintf(forms[0], sizeof(forms[0]), "%s", PASSWORD);
	b64(PASSWORD, strlen(PASSWORD), forms[1]);
	b64(plain, sizeof(plain) - 1, forms[2]);
	/* AUTH PLAIN with the authorization id set, as some clients send. */
	{
		char buf[128];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", USER);

		memcpy(buf + n, plain, sizeof(plain) - 1);
		b64(buf, n + sizeof(plain) - 1, forms[3]);
	}
	for (i = 0; i < 4; i++) {
		/* Also without the padding, and cut at any 4-byte group. */
		k = strcspn(forms[i], "=");
		forms[i][k] = '\0';
		cr_assert(strstr(r->out, forms[i]) == NULL, "%s stdout shows "
		    "secret form %zu: %s", format, i, r->out);
		cr_assert(strstr(r->err, forms[i]) == NULL, "%s stderr shows "
		    "secret form %zu: %s", format, i, r->err);
	}
}

Test(relay, no_output_format_shows_the_password_or_its_base64)
{
	static const char *const formats[] = { "text", "json", "nagios",
	    "prometheus" };
	struct cmd_run r;
	size_t i;

	start_relay("relay-gmail.scn", 0);
	setenv("SMTPPROBE_AUTH_PASSWORD", PASSWORD, 1);
	for (i = 0; i < 4; i++) {
		relay(&r, "--auth-user", USER, "--format", formats[i], NULL);
		cr_assert_eq(r.status, 0, "%s: %s %s", formats[i], r.out,
		    r.err);
		assert_no_secret(&r, formats[i]);
		cmd_run_free(&r);
	}
	/* A refusal adds the diagnosis; the file path goes in argv. */
	relay(&r, "--auth-user", USER, "--auth-password-file",
	    password_file(PASSWORD "x", 0600), "--json", NULL);
	cr_assert_eq(r.status, 2, "%s %s", r.out, r.err);
	cr_assert(strstr(r.out, "AUTH LOGIN [redacted]") != NULL, "%s",
	    r.out);
	assert_no_secret(&r, "json after a refusal");
	cmd_run_free(&r);
}

Test(relay, warns_when_others_can_read_the_password_file)
{
	struct cmd_run r;

	start_relay("relay-gmail.scn", 1);
	relay(&r, "--auth-user", USER, "--auth-password-file",
	    password_file(PASSWORD, 0644), NULL);
	cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
	cr_assert(strstr(r.err, "can be read by its group or by others "
	    "(mode 644)") != NULL, "%s", r.err);
	cmd_run_free(&r);
}

/* What libesmtp cannot do is refused before anything is sent (exit 3). */
static void
assert_refused(const char *why, ...)
{
	struct cmd_run r;
	const char *argv[ARGS_MAX];
	size_t n = 0;
	va_list ap;
	const char *a;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = "someone@example.org";
	argv[n++] = "--from";
	argv[n++] = USER;
	va_start(ap, why);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 3, "%s: %s %s", why, r.out, r.err);
	cr_assert(strstr(r.err, why) != NULL, "%s", r.err);
	cr_assert_str_eq(r.out, "");
	cmd_run_free(&r);
}

Test(relay, refuses_what_libesmtp_cannot_do)
{
	unsetenv("SMTPPROBE_AUTH_PASSWORD");
	assert_refused("port 465 is implicit TLS (RFC 8314), which libesmtp "
	    "cannot speak", "--relay", "smtp.gmail.test:465", NULL);
	assert_refused("libesmtp cannot bind a source address", "--relay",
	    "smtp.gmail.test", "--source", "127.0.0.1", NULL);
	assert_refused("libesmtp cannot dial IPv6", "--relay",
	    "smtp.gmail.test", "-6", NULL);
	assert_refused("--auth-user needs a password", "--relay",
	    "smtp.gmail.test", "--auth-user", USER, NULL);
	assert_refused("would send the password in clear", "--relay",
	    "smtp.gmail.test", "--auth-user", USER, "--starttls", "off",
	    NULL);
	assert_refused("need --relay", "--auth-user", USER, NULL);
	assert_refused("--relay and --server exclude each other", "--relay",
	    "smtp.gmail.test", "--server", "127.0.0.1", NULL);
}

Test(relay, a_configured_path_may_name_a_relay_instead_of_a_source)
{
	const char *argv[ARGS_MAX];
	char cfg[FAKEMX_RUN_PATH_MAX + 16], lock[FAKEMX_RUN_PATH_MAX + 16];
	char dnsarg[64];
	struct cmd_run r;
	FILE *fp;
	size_t n = 0;

	start_relay("relay-gmail.scn", 1);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", mx.dir);
	snprintf(lock, sizeof(lock), "%s/lock", mx.dir);
	snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns.port);
	fp = fopen(cfg, "w");
	cr_assert_not_null(fp);
	fprintf(fp, "paths:\n  - name: ws\n    relay: smtp.gmail.test:%d\n"
	    "    mail_from: " USER "\n    helo: mail.example.test\n"
	    "    auth_user: " USER "\n    auth_password_file: %s\n"
	    "    recipients:\n      generic: someone@example.org\n", mx.port,
	    password_file(PASSWORD, 0600));
	cr_assert_eq(fclose(fp), 0);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--config";
	argv[n++] = cfg;
	argv[n++] = "--profile";
	argv[n++] = "generic";
	argv[n++] = "--format";
	argv[n++] = "nagios";
	argv[n++] = "--lock-file";
	argv[n++] = lock;
	argv[n++] = "--dns-server";
	argv[n++] = dnsarg;
	argv[n++] = "--tls-ca";
	argv[n++] = fakemx_run_ca(&mx);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
	cr_assert(strncmp(r.out, "SMTPPROBE OK", 12) == 0, "%s", r.out);
	cmd_run_free(&r);
}

/*
 * A relay whose address drops SYNs (here a listener with a full accept
 * queue, whose kernel drops further SYNs) fails at connect within our
 * --timeout, not after the kernel's two minutes: libesmtp's connect()
 * has no bound of its own (probe_relay_watch). Without the watchdog the
 * run outlives PROBE_WAIT_MS and cmd_run kills it: the test fails.
 */
Test(relay, a_relay_that_never_answers_the_connect_fails_within_the_timeout)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l, c[3], i;
	struct cmd_run r;
	const char *argv[16];
	char relayarg[64];

	l = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(l, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(l, 0), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	for (i = 0; i < 3; i++) {	/* fill the queue, never accept */
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(c[i], (struct sockaddr *)&a, sizeof(a));
	}
	snprintf(relayarg, sizeof(relayarg), "127.0.0.1:%d",
	    ntohs(a.sin_port));
	argv[0] = SMTPPROBE_BIN;
	argv[1] = "send";
	argv[2] = "--relay";
	argv[3] = relayarg;
	argv[4] = "--to";
	argv[5] = "someone@example.org";
	argv[6] = "--from";
	argv[7] = USER;
	argv[8] = "--starttls";
	argv[9] = "off";
	argv[10] = "--timeout";
	argv[11] = "2";
	argv[12] = "--format";
	argv[13] = "nagios";
	argv[14] = NULL;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 1, "%s %s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "connect no answer to the TCP "
	    "connect within 2000 ms"), "%s", r.out);
	cmd_run_free(&r);
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(l);
}
