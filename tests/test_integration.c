/*
 * test_integration - the smtpprobe binary against the project's fake MX
 * (tests/fakemx) and a private dnsmasq, on loopback addresses only:
 * 127.0.0.2 and 127.0.0.3 are distinct sources, the fake MX listens on
 * 127.0.0.1 and asserts what it saw in its log.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"

#define ARGS_MAX	48
/* Generous: a probe against loopback takes milliseconds. */
#define PROBE_WAIT_MS	20000
/* Where the text report puts reply lines and their diagnosis. */
#define PROBE_INDENT	"                           "

static struct testnet net;

static void
setup(void)
{
	static const char *const zone[] = {
		TESTNET_GMAIL_ZONE,
		/* Two MX hosts; the better one has nothing listening. */
		"--mx-host=two.test,mx-dead.two.test,5",
		"--mx-host=two.test,mx-live.two.test,10",
		"--host-record=mx-dead.two.test,127.0.0.9",
		"--host-record=mx-live.two.test,127.0.0.1",
		"--mx-host=nullmx.test,.,0",
		/* Two MX hosts, both answering. */
		"--mx-host=inject.test,mx-a.inject.test,5",
		"--mx-host=inject.test,mx-b.inject.test,10",
		"--host-record=mx-a.inject.test,127.0.0.1",
		"--host-record=mx-b.inject.test,127.0.0.1",
		NULL,
	};

	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
}

static void
teardown(void)
{
	testnet_stop(&net);
}

TestSuite(integration, .init = setup, .fini = teardown, .timeout = 60);

static void
start_mx(const char *scenario, int sessions)
{
	cr_assert_eq(testnet_mx_start(&net, scenario, sessions,
	    TESTNET_MX_TLS), 0, "%s", net.error);
}

/*
 * Run "smtpprobe send" with the common flags, then the extra ones
 * (NULL-terminated).
 */
static void
probe(struct cmd_run *r, const char *source, const char *to, ...)
{
	const char *argv[ARGS_MAX];
	size_t n = 0;
	va_list ap;
	const char *a;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = to;
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
	va_start(ap, to);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, PROBE_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", r->err);
}

/* The fake MX's log once it has served its sessions. */
static char *
mx_log(void)
{
	cr_assert_eq(fakemx_run_wait(&net.mx, 10000), 0,
	    "fakemx reported a failed expectation");
	return fakemx_run_log(&net.mx);
}

Test(integration, gmail_accepts_mail_from_the_allowed_source)
{
	struct cmd_run r;
	char *log;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--profile", "gmail",
	    "--json", NULL);
	cr_assert_eq(r.status, 0, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"verdict\":\"pass\"") != NULL);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"end-of-data\","
	    "\"code\":250") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verified\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"source\":\"127.0.0.2\"") != NULL);
	log = mx_log();
	cr_assert(strstr(log, "peer 127.0.0.2 ") != NULL, "%s", log);
	cr_assert(strstr(log, "tls TLSv1.3") != NULL, "%s", log);
	cr_assert(strstr(log, "recv EHLO mail.example.test") != NULL);
	cr_assert(strstr(log, "data-line X-Smtpprobe-Id: sp-") != NULL);
	free(log);
	cmd_run_free(&r);
}

Test(integration, gmail_answers_the_real_5_7_26_block_to_another_source)
{
	struct cmd_run r;
	char *log;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    "--json", NULL);
	cr_assert_eq(r.status, 2, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"verdict\":\"fail\"") != NULL);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"end-of-data\","
	    "\"code\":550,\"enhanced\":\"5.7.26\",\"lines\":[\"550-5.7.26 "
	    "This mail is unauthenticated") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "SPF check for [example.test] did not") !=
	    NULL);
	cr_assert(strstr(r.out, "pass with ip: [127.0.0.3]. The sender "
	    "should visit") != NULL);
	cr_assert(strstr(r.out, "550 5.7.26 instructions on setting up "
	    "authentication.") != NULL);
	log = mx_log();
	cr_assert(strstr(log, "peer 127.0.0.3 ") != NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(integration, text_report_shows_every_line_and_one_verdict_line)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.out, "S: 550-5.7.26 This mail is unauthenticated, "
	    "which poses a security risk to the\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "S: 550-5.7.26 DKIM checks did not pass and "
	    "SPF check for [example.test] did not\n") != NULL);
	cr_assert(strstr(r.out, "C: STARTTLS\n") != NULL);
	cr_assert(strstr(r.out, "certificate verified for mx1.gmail.test") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: fail - 550 5.7.26 at end-of-data "
	    "from mx1.gmail.test [127.0.0.1] (source 127.0.0.3)\n") != NULL,
	    "%s", r.out);
	cmd_run_free(&r);
}

Test(integration, unknown_recipient_is_refused_at_rcpt_before_data)
{
	struct cmd_run r;
	char *log;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.2", "nosuchuser@gmail.test", "--profile", "gmail",
	    "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"rcpt\",\"code\":550,"
	    "\"enhanced\":\"5.1.1\",\"lines\":[\"550-5.1.1 The email account "
	    "that you tried to reach does not exist.") != NULL, "%s", r.out);
	log = mx_log();
	cr_assert(strstr(log, "recv DATA") == NULL, "%s", log);
	cr_assert(strstr(log, "recv QUIT") != NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(integration, a_421_banner_is_a_tempfail_without_quit)
{
	struct cmd_run r;

	start_mx("banner-421.scn", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"banner\",\"code\":421"
	    ",\"enhanced\":\"4.7.0\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"quit\"") == NULL);
	cmd_run_free(&r);
}

Test(integration, gmail_profile_fails_when_starttls_is_not_offered)
{
	struct cmd_run r;

	start_mx("tls-required.scn", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--profile", "gmail",
	    "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"starttls_not_offered\"") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"tls\":null") != NULL);
	cmd_run_free(&r);
}

Test(integration, without_tls_the_530_5_7_0_at_mail_is_the_final_reply)
{
	struct cmd_run r;

	start_mx("tls-required.scn", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--starttls",
	    "opportunistic", "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"mail\",\"code\":530,"
	    "\"enhanced\":\"5.7.0\",\"lines\":[\"530 5.7.0 Must issue a "
	    "STARTTLS command first.") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

/*
 * STARTTLS injection (bytes planted after the 220 to STARTTLS): the
 * attempt ends there as a security finding, in every output, the
 * verdict is a fail, and the next MX is not tried as if the connection
 * had merely failed (the fake MX would answer a second connection).
 */
Test(integration, bytes_after_the_starttls_220_end_the_attempt_as_a_finding)
{
	struct cmd_run r;

	start_mx("starttls-inject.scn", 2);
	probe(&r, "127.0.0.2", "postmaster@inject.test", "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"security\":[{\"finding\":"
	    "\"starttls_injection\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"starttls_injection\"") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"ehlo-tls\"") == NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "\"250 injected\"") == NULL);
	cr_assert(strstr(r.out, "\"mx\":\"mx-b.inject.test\"") == NULL,
	    "the next MX was tried: %s", r.out);
	cmd_run_free(&r);
	probe(&r, "127.0.0.2", "postmaster@inject.test", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "SECURITY: ") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

/*
 * The remediation names the port the probe used (local.yaml's {port}),
 * not a hard-coded 25: here a closed port on loopback.
 */
Test(integration, a_refused_connection_advice_names_the_port_used)
{
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@gmail.test", "--from", "probe@example.test",
	    "--server", NULL, "--starttls", "off", "--timeout", "5",
	    "--no-check", NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char server[64], want[128];
	struct cmd_run r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port the kernel picks, then closed: nothing listens there. */
	cr_assert(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(server, sizeof(server), "127.0.0.1:%d", ntohs(sin.sin_port));
	argv[7] = server;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	snprintf(want, sizeof(want), "nc -vz 127.0.0.1 %d`",
	    ntohs(sin.sin_port));
	cr_assert(strstr(r.out, want) != NULL, "no \"%s\" in:\n%s", want,
	    r.out);
	cr_assert(strstr(r.out, "nc -vz 127.0.0.1 25`") == NULL);
	cmd_run_free(&r);
}

Test(integration, tls_verify_require_fails_against_an_unknown_ca)
{
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@gmail.test", "--from", "probe@example.test",
	    "--server", NULL, "--tls-verify", "require", "--starttls",
	    "required", "--json", "--timeout", "5", NULL };
	struct cmd_run r;
	char server[64];

	start_mx("gmail-sim.scn", 1);
	snprintf(server, sizeof(server), "127.0.0.1:%d", net.mx.port);
	argv[7] = server;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"verified\":false") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"tls_verify\"") != NULL);
	cmd_run_free(&r);
}

Test(integration, next_mx_is_tried_after_a_refused_connection)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.2", "postmaster@two.test", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"mx\":\"mx-dead.two.test\"") != NULL);
	cr_assert(strstr(r.out, "\"error_kind\":\"connect\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"mx\":\"mx-live.two.test\",\"preference\":"
	    "10,\"address\":\"127.0.0.1\"") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(integration, nxdomain_and_null_mx_are_failures_in_words)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 0);
	probe(&r, NULL, "someone@nowhere.test", "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"status\":\"nxdomain\"") != NULL, "%s",
	    r.out);
	cmd_run_free(&r);
	probe(&r, NULL, "someone@nullmx.test", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "null MX") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(integration, a_silent_server_is_a_timeout_at_the_banner)
{
	struct cmd_run r;

	start_mx("banner stall:\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json",
	    "--timeout", "1", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"banner\",\"code\":"
	    "null") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"timeout\"") != NULL);
	cr_assert(r.elapsed_ms < 4000, "took %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
}

Test(integration, a_source_that_is_not_local_is_a_usage_error)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 0);
	probe(&r, "192.0.2.1", "postmaster@gmail.test", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "192.0.2.1 is not configured on this "
	    "machine") != NULL, "%s", r.err);
	cr_assert_str_eq(r.out, "");
	cmd_run_free(&r);
}

Test(integration, bad_flags_and_missing_values_exit_3_with_one_line)
{
	const char *unknown[] = { SMTPPROBE_BIN, "send", "--bogus", NULL };
	const char *noto[] = { SMTPPROBE_BIN, "send", "--from", "a@b.test",
	    NULL };
	const char *port[] = { SMTPPROBE_BIN, "send", "--port", "99999",
	    NULL };
	const char *version[] = { SMTPPROBE_BIN, "--version", NULL };
	struct cmd_run r;

	cr_assert_eq(cmd_run(&r, unknown, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "--bogus") != NULL, "%s", r.err);
	cmd_run_free(&r);
	cr_assert_eq(cmd_run(&r, noto, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "nothing to probe: give --to, or sending "
	    "paths") != NULL, "%s", r.err);
	cmd_run_free(&r);
	cr_assert_eq(cmd_run(&r, port, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "--port") != NULL, "%s", r.err);
	cmd_run_free(&r);
	cr_assert_eq(cmd_run(&r, version, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 0);
	cr_assert(strncmp(r.out, "smtpprobe ", 10) == 0);
	cmd_run_free(&r);
}

/* What cannot be an address or a source is a usage error (exit 3). */
Test(integration, an_address_with_two_ats_and_an_unspecified_source_exit_3)
{
	static const char *const sources[] = { "0.0.0.0", "::", "::0" };
	struct cmd_run r;
	size_t i;

	start_mx("gmail-sim.scn", 0);
	probe(&r, NULL, "a@b@gmail.test", NULL);
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert(strstr(r.err, "a@b@gmail.test") != NULL, "%s", r.err);
	cmd_run_free(&r);
	probe(&r, NULL, "postmaster@gmail.test", "--from", "a@b@example.test",
	    NULL);
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert(strstr(r.err, "--from") != NULL, "%s", r.err);
	cmd_run_free(&r);
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		probe(&r, sources[i], "postmaster@gmail.test", NULL);
		cr_assert_eq(r.status, 3, "--source %s: %s", sources[i],
		    r.err);
		cr_assert(strstr(r.err, "--source") != NULL, "%s", r.err);
		cmd_run_free(&r);
	}
	/* A quoted local part may hold an "@" (RFC 5321 4.1.2). */
	probe(&r, NULL, "\"a@b\"@gmail.test", "--quit-after", "rcpt", NULL);
	cr_assert_neq(r.status, 3, "%s", r.err);
	cmd_run_free(&r);
}

/*
 * RFC 5321 4.1.3: user@[192.0.2.1] names the host by its address. The
 * probe connects there without asking DNS: the resolver given is one
 * that does not exist.
 */
Test(integration, an_address_literal_is_delivered_there_without_dns)
{
	struct cmd_run r;
	char *log;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.1", "postmaster@[127.0.0.1]", "--dns-server",
	    "127.0.0.1:9", "--no-check", "--quit-after", "rcpt", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	log = mx_log();
	cr_assert(strstr(log, "RCPT TO:<postmaster@[127.0.0.1]>") != NULL,
	    "%s", log);
	cmd_run_free(&r);
}

/*
 * A literal is a mail host like an MX: one that is this host or no host
 * loops back (exit 3: it is what was typed), loopback unless
 * --allow-loopback-mx; and a literal that holds no address is refused.
 */
Test(integration, an_address_literal_that_loops_back_is_refused)
{
	static const char *const to[] = { "postmaster@[127.0.0.1]",
	    "postmaster@[0.0.0.0]", "postmaster@[IPv6:::]",
	    "postmaster@[192.0.2.300]", "postmaster@[mx.example.test]" };
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to", NULL, "--from",
	    "probe@example.test", "--no-check", NULL };
	struct cmd_run r;
	size_t i;

	for (i = 0; i < sizeof(to) / sizeof(to[0]); i++) {
		argv[3] = to[i];
		cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
		cr_assert_eq(r.status, 3, "%s: %s%s", to[i], r.out, r.err);
		cr_assert(strstr(r.err, i < 3 ? "loops back to myself" :
		    "address literal") != NULL, "%s", r.err);
		cmd_run_free(&r);
	}
}

/* Hostile servers: each behaviour has a defined outcome and exit status. */

Test(integration, a_garbage_banner_is_a_protocol_tempfail_quoted_escaped)
{
	struct cmd_run r;

	start_mx("banner raw: HELLO\\x1b[2J I AM NOT SMTP\\r\\n\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "S: HELLO\\x1b[2J I AM NOT SMTP\n") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "!! protocol: malformed reply line") != NULL);
	cr_assert(strchr(r.out, 0x1b) == NULL, "raw ESC reached the terminal");
	cmd_run_free(&r);
}

Test(integration, a_1_mib_reply_line_is_a_limit_with_the_start_kept)
{
	static const char head[] = "banner: 220 ";
	struct cmd_run r;
	size_t n = (1u << 20) + sizeof(head) + 2;
	char *scn = malloc(n);

	cr_assert_not_null(scn);
	memcpy(scn, head, sizeof(head) - 1);
	memset(scn + sizeof(head) - 1, 'A', 1u << 20);
	memcpy(scn + sizeof(head) - 1 + (1u << 20), "\n", 2);
	start_mx(scn, 1);
	free(scn);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json", NULL);
	cr_assert_eq(r.status, 1, "%.300s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"limit\"") != NULL);
	cr_assert(strstr(r.out, "reply line longer than 8192 bytes") != NULL);
	cr_assert(strstr(r.out, "\"complete\":false") != NULL);
	cmd_run_free(&r);
}

Test(integration, an_unterminated_line_then_silence_times_out_with_evidence)
{
	struct cmd_run r;

	start_mx("banner raw: 220 no line end\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json",
	    "--timeout", "1", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"stage\":\"banner\",\"code\":null,"
	    "\"enhanced\":null,\"lines\":[\"220 no line end\"]") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"timeout\"") != NULL);
	cr_assert(r.elapsed_ms < 4000, "took %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
}

Test(integration, a_disconnect_after_data_is_an_io_tempfail_at_end_of_data)
{
	struct cmd_run r;

	start_mx("eod close:\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json",
	    "--starttls", "off", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"end-of-data\","
	    "\"code\":null") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"error_kind\":\"io\"") != NULL);
	cmd_run_free(&r);
}

Test(integration, a_code_that_changes_inside_a_reply_is_a_protocol_error)
{
	struct cmd_run r;

	start_mx("ehlo raw: 250-first\\r\\n550 second\\r\\n\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "reply code changed within one reply") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"lines\":[\"250-first\",\"550 second\"]") !=
	    NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(integration, control_and_8bit_bytes_stay_escaped_in_json)
{
	struct cmd_run r;

	start_mx("banner raw: 220 evil \\x1b]0;owned\\x07 \\xc3\\x28 ok\\r\\n\n",
	    1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json",
	    "--starttls", "off", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"220 evil \\u001b]0;owned\\u0007 "
	    "\\ufffd( ok\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"utf8_replaced\":true") != NULL);
	cmd_run_free(&r);
}

Test(integration, quit_after_rcpt_sends_no_message_and_passes)
{
	struct cmd_run r;
	char *log;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    "--quit-after", "rcpt", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"final\":{\"stage\":\"rcpt\",\"code\":250")
	    != NULL, "%s", r.out);
	log = mx_log();
	cr_assert(strstr(log, "recv DATA") == NULL, "%s", log);
	cr_assert(strstr(log, "recv QUIT") != NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

/*
 * --quit-after tls: TLS is up but no EHLO was said over it, so the
 * capabilities shown are those said in clear; the verdict line says
 * where the probe stopped instead of ending at a colon.
 */
Test(integration, quit_after_tls_names_the_stop_and_the_clear_capabilities)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 1);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    "--quit-after", "tls", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "capabilities (after TLS)") == NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "  capabilities:") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: pass - stopped after tls as asked "
	    "(--quit-after) at mx1.gmail.test [127.0.0.1]") != NULL, "%s",
	    r.out);
	cmd_run_free(&r);
}

Test(integration, probes_over_ipv6_from_an_ipv6_source)
{
	/* No --dns-server: --no-check keeps the system resolver out. */
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@gmail.test", "--from", "probe@example.test",
	    "--server", NULL, "--source", "::1", "--starttls", "off",
	    "--json", "--timeout", "5", "--no-check", NULL };
	struct cmd_run r;
	char server[64], *log;

	cr_assert_eq(fakemx_run_start(&net.mx, "eod: 250 2.0.0 OK v6\n",
	    "::1", 1, false), 0);
	snprintf(server, sizeof(server), "[::1]:%d", net.mx.port);
	argv[7] = server;
	cr_assert_eq(cmd_run(&r, argv, PROBE_WAIT_MS), 0);
	cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"address\":\"::1\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"source\":\"::1\"") != NULL);
	log = mx_log();
	cr_assert(strstr(log, "peer ::1 ") != NULL, "%s", log);
	free(log);
	cmd_run_free(&r);
}

Test(integration, a_refusal_comes_with_its_catalog_diagnosis)
{
	struct cmd_run r;

	start_mx("gmail-sim.scn", 2);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    "--json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"match\":{\"id\":\"google.unauthenticated\","
	    "\"provider\":\"google\",\"cause\":\"unauthenticated\","
	    "\"verdict\":\"fail\",\"in_catalog\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"captures\":{\"domain\":\"example.test\","
	    "\"ip\":\"127.0.0.3\"}") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "ip4:127.0.0.3") != NULL);
	cmd_run_free(&r);
	probe(&r, "127.0.0.3", "postmaster@gmail.test", "--profile", "gmail",
	    NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.out, "S: 550 5.7.26 instructions on setting up "
	    "authentication. smtpprobe-sim - gsmtp\n" PROBE_INDENT
	    "diagnosis: google.unauthenticated (fail, cause "
	    "unauthenticated)\n") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(integration, a_passing_probe_has_no_diagnosis_and_a_timeout_has_one)
{
	struct cmd_run r;

	start_mx("banner stall:\n", 1);
	probe(&r, "127.0.0.2", "postmaster@gmail.test", "--json",
	    "--timeout", "1", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"match\":{\"id\":\"local.") != NULL, "%s",
	    r.out);
	cmd_run_free(&r);
}
