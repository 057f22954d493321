/*
 * test_cli_schema - JSON as a contract: every document smtpprobe prints
 * with --json (send, one probe and a run of cells; check; explain, per
 * reply and grouped; history and history --show; errors) validates
 * against its schema in scripts/schemas/, in passing, failing, deferred
 * and error cases; the schemas themselves are valid draft 2020-12.
 *
 * Validation is python3-jsonschema's (Debian python3-jsonschema, which
 * make check installs). Where it is missing a test says so on stderr and
 * returns: Debian 12's Criterion exits 1 on a skipped test.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		30000
#define SCHEMAS		SRCDIR "/scripts/schemas"
#define CHECKER		SRCDIR "/tests/support/schema_check.py"
/* schema_check.py's status when python3-jsonschema is not installed. */
#define CHECKER_MISSING	77
/* Documents checked in one run of the checker. */
#define DOCS_MAX	24
#define ARGS_MAX	64

static struct testnet net;
static struct fakemx_run busy;	/* a 421 at the banner */

/* What one test validates: schema name and file, pairs. */
static const char *docs[2 * DOCS_MAX + 4];
static char doc_paths[DOCS_MAX][512];
static size_t ndocs;

static const char config[] =
    "paths:\n"
    TESTNET_PATH("mail1", "127.0.0.2")
    TESTNET_PATH("mail2", "127.0.0.3")
    TESTNET_PATH("away", "192.0.2.1");

static void
setup(void)
{
	static const char *const zone[] = { TESTNET_GMAIL_ZONE,
	    TESTNET_SENDER_ZONE,
	    "--txt-record=_dmarc.example.test,v=DMARC1; p=reject",
	    "--ptr-record=2.0.0.127.in-addr.arpa,mail.example.test",
	    "--host-record=mail.example.test,127.0.0.2", NULL };

	ndocs = 0;
	cr_assert_eq(testnet_start(&net, zone), 0, "%s", net.error);
	cr_assert_eq(testnet_config(&net, config), 0, "%s", net.error);
	cr_assert_eq(testnet_mx_start(&net, "gmail-sim.scn", 0,
	    TESTNET_MX_TLS), 0, "%s", net.error);
	cr_assert_eq(fakemx_run_start(&busy, "banner: 421 4.7.0 Try again "
	    "later\nbanner close:\n", "127.0.0.1", 0, false), 0);
}

static void
teardown(void)
{
	fakemx_run_stop(&busy);
	testnet_stop(&net);
}

TestSuite(cli_schema, .init = setup, .fini = teardown, .timeout = 120);

/* Run argv (NULL-terminated list after the first), assert the status. */
static void
run(struct cmd_run *r, int want, const char *first, ...)
{
	const char *argv[ARGS_MAX], *a;
	size_t n = 0;
	va_list ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = first;
	va_start(ap, first);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, WAIT_MS), 0, "%s", r->err);
	cr_assert_eq(r->status, want, "exit %d, want %d\nstdout: %s\n"
	    "stderr: %s", r->status, want, r->out, r->err);
}

/* Keep r's stdout as a document to validate against schema. */
static void
keep(const char *schema, const struct cmd_run *r)
{
	char name[32];

	cr_assert_lt(ndocs, DOCS_MAX);
	cr_assert_neq(r->out[0], '\0', "no document on stdout: %s", r->err);
	snprintf(name, sizeof(name), "doc%zu.json", ndocs);
	cr_assert_not_null(tmp_dir_write(&net.dir, name, r->out,
	    strlen(r->out)));
	tmp_dir_path(&net.dir, name, doc_paths[ndocs], sizeof(doc_paths[0]));
	docs[2 * ndocs] = schema;
	docs[2 * ndocs + 1] = doc_paths[ndocs];
	ndocs++;
}

/*
 * Validate every kept document; returns the checker's status (0 valid,
 * 1 not, CHECKER_MISSING), said on stderr when the checker is missing.
 */
static int
validate_status(const char *mode)
{
	const char *argv[2 * DOCS_MAX + 6];
	struct cmd_run r;
	size_t n = 0, i;
	int status;

	argv[n++] = "/usr/bin/env";
	argv[n++] = "python3";
	argv[n++] = CHECKER;
	argv[n++] = SCHEMAS;
	if (mode != NULL)
		argv[n++] = mode;
	for (i = 0; mode == NULL && i < 2 * ndocs; i++)
		argv[n++] = docs[i];
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0, "%s", r.err);
	status = r.status;
	if (status == CHECKER_MISSING || status == 127)
		fprintf(stderr, "test_cli_schema: python3-jsonschema is not "
		    "installed (Debian: python3-jsonschema; make check "
		    "installs it): the documents were not validated\n");
	else
		cr_assert_eq(status, mode ? 0 : status, "%s", r.err);
	if (mode == NULL && status != CHECKER_MISSING && status != 127)
		cr_assert_eq(status, 0, "not valid:\n%s", r.err);
	cmd_run_free(&r);
	return status;
}

static void
validate(void)
{
	(void)validate_status(NULL);
	ndocs = 0;
}

/*
 * The common flags of a send at the test network (testnet_args()'s,
 * spelt out for a list of arguments) and the fake MX at port.
 */
#define SEND_NET(port) "--allow-loopback-mx", \
	"--dns-server", net.dns_server, "--port", (port), \
	"--lock-file", net.lock, "--tls-ca", fakemx_run_ca(&net.mx), \
	"--timeout", TESTNET_TIMEOUT

Test(cli_schema, the_schemas_are_valid_draft_2020_12)
{
	(void)validate_status("--meta");
}

/*
 * A validator that accepted everything would make every other test
 * empty: a document that breaks the schema is refused.
 */
Test(cli_schema, a_document_off_the_schema_is_refused)
{
	struct cmd_run r = { 0 };
	const char *argv[] = { "/usr/bin/env", "python3", CHECKER, SCHEMAS,
	    "error", NULL, NULL };
	char path[512];
	static const char bad[] = "{\"schema_version\":1,\"smtpprobe\":"
	    "\"0.1.0\",\"command\":\"send\",\"verdict\":\"warn\","
	    "\"exit_code\":3,\"error\":\"x\"}";

	cr_assert_not_null(tmp_dir_write(&net.dir, "bad.json", bad,
	    strlen(bad)));
	argv[5] = tmp_dir_path(&net.dir, "bad.json", path, sizeof(path));
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0, "%s", r.err);
	if (r.status == CHECKER_MISSING || r.status == 127) {
		fprintf(stderr, "test_cli_schema: python3-jsonschema is not "
		    "installed: nothing validated\n");
		cmd_run_free(&r);
		return;
	}
	cr_assert_eq(r.status, 1, "accepted a verdict \"warn\": %s", r.err);
	cr_assert_not_null(strstr(r.err, "verdict"), "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_schema, send_one_probe_pass_fail_tempfail_and_errors)
{
	struct cmd_run r[7];
	char bport[16];
	int fd;

	snprintf(bport, sizeof(bport), "%d", busy.port);
	run(&r[0], 0, "send", "--to", "postmaster@gmail.test", "--from",
	    "probe@example.test", "--source", "127.0.0.2", "--no-history",
	    "--json", SEND_NET(net.mx_port), NULL);
	keep("send-probe", &r[0]);
	run(&r[1], 2, "send", "--to", "postmaster@gmail.test", "--from",
	    "probe@example.test", "--source", "127.0.0.3", "--no-history",
	    "--json", SEND_NET(net.mx_port), NULL);
	keep("send-probe", &r[1]);
	run(&r[2], 1, "send", "--to", "postmaster@gmail.test", "--from",
	    "probe@example.test", "--no-check", "--no-history",
	    "--json", "--server", "127.0.0.1", SEND_NET(bport),
	    NULL);
	keep("send-probe", &r[2]);
	/* A source that is not local: once nothing on stdout. */
	run(&r[3], 3, "send", "--to", "postmaster@gmail.test", "--from",
	    "probe@example.test", "--source", "192.0.2.1", "--no-history",
	    "--json", SEND_NET(net.mx_port), NULL);
	keep("error", &r[3]);
	cr_assert_not_null(strstr(r[3].out, "192.0.2.1"), "%s", r[3].out);
	/* A usage error after --json. */
	run(&r[4], 3, "send", "--json", "--jobs", "0", NULL);
	keep("error", &r[4]);
	/* A held lock. */
	fd = open(net.lock, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	run(&r[5], 3, "send", "--config", net.config, "--profile",
	    "gmail", "--no-history", "--format=json",
	    SEND_NET(net.mx_port), NULL);
	close(fd);
	keep("error", &r[5]);
	/* A bad config. */
	cr_assert_not_null(tmp_dir_write(&net.dir, "bad.yaml", "paths: 3\n",
	    9));
	run(&r[6], 3, "send", "--format", "json", "--config",
	    tmp_dir_path(&net.dir, "bad.yaml", doc_paths[DOCS_MAX - 1],
	    sizeof(doc_paths[0])), NULL);
	keep("error", &r[6]);
	validate();
	for (fd = 0; fd < 7; fd++)
		cmd_run_free(&r[fd]);
}

/* The probe id in a document: "probe_id":"sp-...". */
static void
probe_id_of(const char *doc, char *out, size_t outlen)
{
	const char *p = strstr(doc, "\"probe_id\":\"sp-");
	size_t len;

	cr_assert_not_null(p, "%s", doc);
	p += strlen("\"probe_id\":\"");
	len = strcspn(p, "\"");
	cr_assert_lt(len, outlen);
	memcpy(out, p, len);
	out[len] = '\0';
}

Test(cli_schema, a_run_of_cells_and_its_history)
{
	struct cmd_run r[6];
	char hist[512], id[64];
	int i;

	tmp_dir_path(&net.dir, "h.sqlite", hist, sizeof(hist));
	/* pass, fail and a path that cannot run: CRITICAL. */
	run(&r[0], 2, "send", "--config", net.config, "--profile", "gmail",
	    "--history", hist, "--json", SEND_NET(net.mx_port), NULL);
	keep("send-run", &r[0]);
	cr_assert_not_null(strstr(r[0].out, "\"command\":\"send\""), "%s",
	    r[0].out);
	run(&r[1], 0, "history", "--history", hist, "--json", NULL);
	keep("history", &r[1]);
	run(&r[2], 0, "history", "--history", hist, "--all", "--json", NULL);
	keep("history", &r[2]);
	probe_id_of(r[2].out, id, sizeof(id));
	run(&r[3], 0, "history", "--history", hist, "--show", id, "--json",
	    NULL);
	keep("send-probe", &r[3]);
	run(&r[4], 3, "history", "--history", hist, "--show", "sp-nothing",
	    "--json", NULL);
	keep("error", &r[4]);
	run(&r[5], 3, "history", "--json", "--since", "whenever", NULL);
	keep("error", &r[5]);
	validate();
	for (i = 0; i < 6; i++)
		cmd_run_free(&r[i]);
}

Test(cli_schema, check_pass_fail_and_error)
{
	struct cmd_run r[4];
	int i;

	run(&r[0], 0, "check", "--dns-server", net.dns_server, "--from",
	    "probe@example.test", "--source", "127.0.0.2", "--json", NULL);
	keep("check", &r[0]);
	cr_assert_not_null(strstr(r[0].out, "\"verdict\":\"pass\""), "%s",
	    r[0].out);
	run(&r[1], 2, "check", "--dns-server", net.dns_server, "--from",
	    "probe@example.test", "--source", "127.0.0.3", "--bulk", "--json",
	    NULL);
	keep("check", &r[1]);
	run(&r[2], 3, "check", "--json", "--from", "probe@example.test",
	    NULL);
	keep("error", &r[2]);
	run(&r[3], 3, "check", "--json", "--timeout", "0", NULL);
	keep("error", &r[3]);
	validate();
	for (i = 0; i < 4; i++)
		cmd_run_free(&r[i]);
}

Test(cli_schema, explain_per_reply_grouped_unknown_and_error)
{
	static const char log[] =
	    "Dec  1 00:00:01 mx postfix/smtp[1]: A1: to=<a@gmail.com>, "
	    "relay=g[192.0.2.1]:25, status=bounced (host g[192.0.2.1] said: "
	    "550-5.7.26 unauthenticated (in reply to end of DATA command))\n"
	    "Dec  1 00:00:02 mx postfix/smtp[1]: A2: to=<b@yahoo.com>, "
	    "relay=y[192.0.2.2]:25, status=deferred (host y[192.0.2.2] said: "
	    "421 4.7.0 [TSS04] Messages temporarily deferred (in reply to "
	    "MAIL FROM command))\n";
	const char *argv[] = { SMTPPROBE_BIN, "explain", "--json", NULL };
	struct cmd_run r[6];
	char path[512];
	int i;

	run(&r[0], 2, "explain", "--json", "550 5.7.26 unauthenticated", NULL);
	keep("explain", &r[0]);
	cr_assert_not_null(strstr(r[0].out, "\"lines\":[\"550 5.7.26"), "%s",
	    r[0].out);
	run(&r[1], 1, "explain", "--json", "--each", "421 4.7.0 try later",
	    "451 4.3.0 busy", NULL);
	keep("explain", &r[1]);
	/* A refusal that says neither 4xx nor 5xx: its verdict is null. */
	run(&r[2], 3, "explain", "--json", "the message was rejected", NULL);
	keep("explain", &r[2]);
	run(&r[3], 3, "explain", "--json", "hello", NULL);
	keep("explain", &r[3]);
	run(&r[4], 3, "explain", "--json", "--bogus", NULL);
	keep("error", &r[4]);
	cr_assert_not_null(tmp_dir_write(&net.dir, "mail.log", log,
	    strlen(log)));
	cr_assert_eq(cmd_run_stdin(&r[5], argv, WAIT_MS, tmp_dir_path(&net.dir,
	    "mail.log", path, sizeof(path))), 0, "%s", r[5].err);
	cr_assert_eq(r[5].status, 2, "%s%s", r[5].out, r[5].err);
	cr_assert_not_null(strstr(r[5].out, "\"groups\":["), "%s", r[5].out);
	keep("explain", &r[5]);
	validate();
	for (i = 0; i < 6; i++)
		cmd_run_free(&r[i]);
}

Test(cli_schema, an_unknown_command_with_json_prints_the_error_document)
{
	struct cmd_run r;

	run(&r, 3, "bogus", "--json", NULL);
	cr_assert_not_null(strstr(r.out, "\"command\":null,\"verdict\":"
	    "\"error\",\"exit_code\":3,"), "%s", r.out);
	keep("error", &r);
	validate();
	cmd_run_free(&r);
}
