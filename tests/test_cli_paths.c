/*
 * test_cli_paths - "smtpprobe send" over the sending paths of a config
 * file: the matrix, the Nagios line, the Prometheus file, --quiet, the
 * cron lock, and a path that cannot run beside ones that can. The fake
 * MX plays Gmail (it accepts mail from 127.0.0.2 only); a private
 * dnsmasq serves gmail.test.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/json_check.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS	30000

static struct testnet net;

static const char config[] =
    "paths:\n"
    "  - name: mail1\n"
    "    source: 127.0.0.2\n"
    "    helo: mail1.example.test\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      gmail: postmaster@gmail.test\n"
    "  - name: mail2\n"
    "    source: 127.0.0.3\n"
    "    helo: mail2.example.test\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      gmail: postmaster@gmail.test\n"
    "  - name: mail3\n"
    "    source: 192.0.2.1\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      gmail: postmaster@gmail.test\n"
    "  - name: mail4\n"
    "    source: 127.0.0.2\n"
    "    mail_from: probe@example.test\n"
    "    recipients:\n"
    "      yahoo: someone@yahoo.test\n";

static void
setup(void)
{
	cr_assert_eq(testnet_gmail_start(&net, config), 0, "%s", net.error);
}

static void
teardown(void)
{
	testnet_stop(&net);
}

TestSuite(cli_paths, .init = setup, .fini = teardown, .timeout = 90);

/* smtpprobe send --config ... with the test network, then extra flags. */
/* The next send() runs under "ulimit -f 0" (a signal mid-write). */
static bool is_fsize_limited;
/* Set: the next send() takes the default lock, with this environment. */
static const char *default_lock_env;

static void
send(struct cmd_run *r, ...)
{
	const char *argv[44];
	size_t n = 0;
	const char *a;
	va_list ap;

	if (is_fsize_limited) {
		/* RLIMIT_FSIZE 0: the first byte written to a file raises
		 * SIGXFSZ, whose default action ends the process. */
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = "ulimit -f 0 && exec \"$@\"";
		argv[n++] = "sh";
	}
	if (default_lock_env != NULL) {
		argv[n++] = "/usr/bin/env";
		argv[n++] = default_lock_env;
	}
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--config";
	argv[n++] = net.config;
	if (default_lock_env == NULL) {
		argv[n++] = "--lock-file";
		argv[n++] = net.lock;
	}
	cr_assert_eq(testnet_args(&net, argv, &n, 44), 0, "%s", net.error);
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL && n < 43)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	/* A run ended by a signal is what the limited one expects. */
	if (cmd_run(r, argv, WAIT_MS) != 0)
		cr_assert(is_fsize_limited, "%s", r->err);
}

Test(cli_paths, the_matrix_has_a_row_per_path_and_details_of_each_non_pass)
{
	struct cmd_run r;

	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "\nmail1  PASS\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nmail2  FAIL end-of-data 550 5.7.26 "
	    "unauthenticated\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "== mail2 / gmail: fail\n") != NULL);
	cr_assert(strstr(r.out, "== mail1") == NULL, "a pass has no details");
	cr_assert(strstr(r.out, "diagnosis: google.unauthenticated") != NULL);
	cr_assert(strstr(r.out, "2 paths x 1 profile: 1 pass, 1 fail") !=
	    NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(cli_paths, nagios_gets_one_line_with_the_failing_path_and_perfdata)
{
	struct cmd_run r;

	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--format", "nagios", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert(strncmp(r.out, "SMTPPROBE CRITICAL - 1 of 2 paths fail: "
	    "mail2/gmail 550 5.7.26 unauthenticated | 'mail1/gmail'=", 91) ==
	    0, "%s", r.out);
	cr_assert(strchr(r.out, '\n') == r.out + strlen(r.out) - 1,
	    "one line only: %s", r.out);
	cmd_run_free(&r);
}

Test(cli_paths, prometheus_goes_to_the_output_file_and_not_stdout)
{
	struct cmd_run r;
	char prom[512], buf[8192];
	FILE *fp;
	size_t n;

	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--format", "prometheus", "--output",
	    tmp_dir_path(&net.dir, "smtpprobe.prom", prom, sizeof(prom)), NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.out, "");
	fp = fopen(prom, "r");
	cr_assert_not_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	cr_assert(strstr(buf, "smtpprobe_path_up{path=\"mail1\",profile="
	    "\"gmail\"} 1\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "smtpprobe_path_up{path=\"mail2\",profile="
	    "\"gmail\"} 0\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "smtpprobe_path_info{path=\"mail2\",profile="
	    "\"gmail\",mx=\"mx1.gmail.test\",address=\"127.0.0.1\","
	    "stage=\"end-of-data\"} 1\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "smtpprobe_last_run_timestamp_seconds{path=\""
	    "mail1\",profile=\"gmail\"} ") != NULL);
	cmd_run_free(&r);
}

Test(cli_paths, quiet_prints_nothing_when_every_probe_passes)
{
	struct cmd_run r;

	send(&r, "--profile", "gmail", "--path", "mail1", "--quiet", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.out, "");
	cmd_run_free(&r);
	send(&r, "--profile", "gmail", "--path", "mail2", "--quiet", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.out, "550-5.7.26") != NULL, "trouble is printed");
	cmd_run_free(&r);
}

Test(cli_paths, a_second_run_exits_3_while_the_lock_is_held)
{
	struct cmd_run r;
	char lock[512];
	int fd;

	fd = open(tmp_dir_path(&net.dir, "lock", lock, sizeof(lock)),
	    O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	send(&r, "--profile", "gmail", "--path", "mail1", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "another smtpprobe run holds") != NULL, "%s",
	    r.err);
	cmd_run_free(&r);
	close(fd);
	send(&r, "--profile", "gmail", "--path", "mail1", NULL);
	cr_assert_eq(r.status, 0, "the lock is free again: %s", r.err);
	cmd_run_free(&r);
}

Test(cli_paths, a_path_that_cannot_run_is_an_error_and_the_others_still_run)
{
	struct cmd_run r;

	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail3",
	    "--path", "mail4", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "\nmail1  PASS\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nmail3  ERROR") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "192.0.2.1 is not configured on this "
	    "machine") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "path mail4 has no recipient for profile "
	    "gmail") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(cli_paths, json_holds_every_path_and_is_valid)
{
	struct cmd_run r;
	char why[256];

	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--format", "json", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(json_check(r.out, strlen(r.out), why, sizeof(why)), "%s: %s",
	    why, r.out);
	cr_assert(strstr(r.out, "\"results\":[{\"path\":\"mail1\",\"profile\":"
	    "\"gmail\",\"verdict\":\"pass\",\"history\":null,\"expect\":null,"
	    "\"probe\":{") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "{\"path\":\"mail2\",\"profile\":\"gmail\","
	    "\"verdict\":\"fail\"") != NULL);
	cmd_run_free(&r);
}

Test(cli_paths, an_unknown_path_or_a_broken_config_exits_3_with_a_location)
{
	struct cmd_run r;
	const char *bad = "paths:\n  - name: x\n    mail_form: a@b.test\n";

	send(&r, "--path", "nosuch", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "no path named \"nosuch\"") != NULL, "%s",
	    r.err);
	cmd_run_free(&r);
	cr_assert_not_null(tmp_dir_write(&net.dir, "smtpprobe.yaml", bad,
	    strlen(bad)));
	send(&r, NULL);
	cr_assert_eq(r.status, 3);
	cr_assert(strstr(r.err, "smtpprobe.yaml:3:5: unknown key "
	    "\"mail_form\" (did you mean \"mail_from\"?)") != NULL, "%s",
	    r.err);
	cmd_run_free(&r);
}

Test(cli_paths, an_output_that_cannot_be_written_is_found_before_any_mail)
{
	struct cmd_run r;
	char out[512], *log;

	send(&r, "--profile", "gmail", "--path", "mail1", "--format",
	    "prometheus", "--output",
	    tmp_dir_path(&net.dir, "no-such-folder/smtpprobe.prom", out,
	    sizeof(out)), NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "no-such-folder/smtpprobe.prom") != NULL,
	    "%s", r.err);
	cmd_run_free(&r);
	log = fakemx_run_log(&net.mx);
	cr_assert(log == NULL || strstr(log, "session ") == NULL,
	    "no connection was made: %s", log ? log : "");
	free(log);
}

/*
 * A cron job of another user meets a lock file it cannot write (made by
 * root, or by someone else in a sticky folder): flock needs only a
 * read-only descriptor, so the run goes ahead instead of exiting 3.
 */
Test(cli_paths, a_lock_file_that_is_not_ours_to_write_still_locks)
{
	struct cmd_run r;
	const char *argv[32];
	char cfg[512], lock[512], datadir[600];
	size_t n = 0;
	int fd;

	if (getuid() != 0)
		cr_skip_test("needs root to run the probe as another user");
	cr_assert_eq(chmod(net.dir.path, 0755), 0);
	cr_assert_eq(chmod(net.mx.dir, 0755), 0);
	fd = open(tmp_dir_path(&net.dir, "rootlock", lock, sizeof(lock)),
	    O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(chmod(tmp_dir_path(&net.dir, "smtpprobe.yaml", cfg,
	    sizeof(cfg)), 0644), 0);
	/*
	 * The other user may not reach the source tree (under /root on a
	 * fresh machine): give it a readable copy of the data folder.
	 */
	{
		const char *cp[] = { "/bin/cp", "-r", SRCDIR "/profiles",
		    net.dir.path, NULL };
		struct cmd_run c;

		cr_assert_eq(cmd_run(&c, cp, WAIT_MS), 0, "%s", c.err);
		cr_assert_eq(c.status, 0, "%s", c.err);
		cmd_run_free(&c);
	}
	snprintf(datadir, sizeof(datadir), "SMTPPROBE_DATADIR=%.500s",
	    net.dir.path);
	argv[n++] = "/usr/bin/env";
	argv[n++] = datadir;
	argv[n++] = "/usr/bin/setpriv";
	argv[n++] = "--reuid=65534";
	argv[n++] = "--regid=65534";
	argv[n++] = "--clear-groups";
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--config";
	argv[n++] = cfg;
	argv[n++] = "--lock-file";
	argv[n++] = lock;
	cr_assert_eq(testnet_args(&net, argv, &n, 32), 0, "%s", net.error);
	argv[n++] = "--profile";
	argv[n++] = "gmail";
	argv[n++] = "--path";
	argv[n++] = "mail1";
	argv[n] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0, "%s", r.err);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	{
		char copy[600];
		const char *rm[] = { "/bin/rm", "-rf", copy, lock, NULL };
		struct cmd_run c;

		snprintf(copy, sizeof(copy), "%.500s/profiles", net.dir.path);
		cr_assert_eq(cmd_run(&c, rm, WAIT_MS), 0, "%s", c.err);
		cmd_run_free(&c);
	}
}

/* smtpprobe history --history FILE, then extra flags. */
static void
history(struct cmd_run *r, const char *file, ...)
{
	const char *argv[16];
	size_t n = 0;
	const char *a;
	va_list ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "history";
	argv[n++] = "--history";
	argv[n++] = file;
	va_start(ap, file);
	while ((a = va_arg(ap, const char *)) != NULL && n < 15)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, WAIT_MS), 0, "%s", r->err);
}

/* The probe id of path's last row, from history --all --json. */
static void
probe_id_of(const char *file, const char *path, char *out, size_t outlen)
{
	struct cmd_run r;
	char key[64];
	const char *p, *id;

	history(&r, file, "--all", "--json", "--path", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	(void)snprintf(key, sizeof(key), "\"probe_id\":\"");
	cr_assert_not_null(p = strstr(r.out, key), "%s", r.out);
	id = p + strlen(key);
	cr_assert_lt((size_t)(strchr(id, '"') - id), outlen);
	(void)snprintf(out, outlen, "%.*s", (int)(strchr(id, '"') - id), id);
	cmd_run_free(&r);
}

Test(cli_paths, history_records_each_run_and_shows_only_the_changes)
{
	struct cmd_run r;
	char file[512], id[64];
	char err[JSON_CHECK_ERR_MAX];

	tmp_dir_path(&net.dir, "history.sqlite", file, sizeof(file));
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--format", "nagios", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.err, "", "no warning: %s", r.err);
	cmd_run_free(&r);
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--format", "nagios", NULL);
	cmd_run_free(&r);
	history(&r, file, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "mail1 -> gmail\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "mail2 -> gmail\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "fail     550 5.7.26 at end-of-data: "
	    "unauthenticated (google.unauthenticated)"), "%s", r.out);
	/* Two runs, one state each: one change line per path. */
	cr_assert_null(strstr(r.out, "(no change)"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  now: fail for "), "%s", r.out);
	cmd_run_free(&r);
	history(&r, file, "--all", NULL);
	cr_assert_not_null(strstr(r.out, "(no change)"), "%s", r.out);
	cmd_run_free(&r);
	history(&r, file, "--json", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(json_check(r.out, strlen(r.out), err, sizeof(err)), "%s: %s",
	    err, r.out);
	cr_assert_not_null(strstr(r.out, "\"schema_version\":1"));
	cmd_run_free(&r);
	/* The full report of one probe, as it was printed then. */
	probe_id_of(file, "mail2", id, sizeof(id));
	history(&r, file, "--show", id, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "diagnosis: google.unauthenticated"),
	    "%s", r.out);
	cr_assert_not_null(strstr(r.out, id), "%s", r.out);
	cmd_run_free(&r);
	history(&r, file, "--show", id, "--json", NULL);
	cr_assert(json_check(r.out, strlen(r.out), err, sizeof(err)), "%s",
	    err);
	cmd_run_free(&r);
	history(&r, file, "--show", "sp-nothing", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_not_null(strstr(r.err, "no probe sp-nothing"), "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_paths, a_broken_history_is_a_warning_and_the_verdict_stands)
{
	struct cmd_run r;
	char file[512];

	cr_assert_not_null(tmp_dir_write(&net.dir, "junk.sqlite", "junk junk "
	    "junk junk junk junk junk junk junk junk junk junk\n", 61));
	tmp_dir_path(&net.dir, "junk.sqlite", file, sizeof(file));
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--format", "nagios", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE CRITICAL", 18), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.err, "warning: history "), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "not an SQLite database; this run "
	    "was not recorded"), "%s", r.err);
	cmd_run_free(&r);
	history(&r, file, NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_not_null(strstr(r.err, "not an SQLite database"), "%s",
	    r.err);
	cmd_run_free(&r);
	/* --no-history: not even opened, so no warning. */
	send(&r, "--profile", "gmail", "--path", "mail1", "--history", file,
	    "--no-history", "--format", "nagios", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.err, "");
	cmd_run_free(&r);
}

Test(cli_paths, report_changes_prints_only_what_changed_and_keeps_the_exit)
{
	static const char moved[] =
	    "paths:\n"
	    "  - name: mail1\n"
	    "    source: 127.0.0.3\n"
	    "    mail_from: probe@example.test\n"
	    "    recipients:\n"
	    "      gmail: postmaster@gmail.test\n"
	    "  - name: mail2\n"
	    "    source: 127.0.0.3\n"
	    "    mail_from: probe@example.test\n"
	    "    recipients:\n"
	    "      gmail: postmaster@gmail.test\n";
	struct cmd_run r;
	char file[512], cfg2[512];

	tmp_dir_path(&net.dir, "changes.sqlite", file, sizeof(file));
	cr_assert_not_null(tmp_dir_write(&net.dir, "moved.yaml", moved,
	    strlen(moved)));
	tmp_dir_path(&net.dir, "moved.yaml", cfg2, sizeof(cfg2));
	/* First run: everything is new, so everything is reported. */
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--report", "changes", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "2 of 2 cells changed"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "mail1 / gmail: new: PASS"), "%s",
	    r.out);
	cmd_run_free(&r);
	/* Nothing changed: nothing to mail, the exit status unchanged. */
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--report", "changes", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_str_eq(r.out, "", "nothing changed, nothing printed");
	cmd_run_free(&r);
	/* mail1 now leaves from outside SPF: that one cell is reported. */
	send(&r, "--config", cfg2, "--profile", "gmail", "--history", file,
	    "--report", "changes", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "1 of 2 cells changed"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "mail1 / gmail: PASS -> FAIL "
	    "end-of-data 550 5.7.26 unauthenticated\n"), "%s", r.out);
	cr_assert_null(strstr(r.out, "mail2 / gmail:"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "== mail1 / gmail: fail"), "%s",
	    r.out);
	cr_assert_null(strstr(r.out, "== mail2"), "%s", r.out);
	cmd_run_free(&r);
	/* Nagios says for how long a state has lasted; Prometheus since. */
	send(&r, "--config", cfg2, "--profile", "gmail", "--history", file,
	    "--format", "nagios", NULL);
	cr_assert_not_null(strstr(r.out, "unauthenticated (for "), "%s", r.out);
	cmd_run_free(&r);
	send(&r, "--config", cfg2, "--profile", "gmail", "--history", file,
	    "--format", "prometheus", NULL);
	cr_assert_not_null(strstr(r.out, "smtpprobe_path_state_since_timestamp"
	    "_seconds{path=\"mail2\",profile=\"gmail\"} "),
	    "%s", r.out);
	cmd_run_free(&r);
	/* Without a history nothing is hidden. */
	send(&r, "--config", cfg2, "--profile", "gmail", "--no-history",
	    "--report", "changes", NULL);
	cr_assert_not_null(strstr(r.out, "mail2 / gmail: (no history) FAIL"),
	    "%s", r.out);
	cmd_run_free(&r);
	send(&r, "--report", "changes", "--format", "nagios", NULL);
	cr_assert_eq(r.status, 3, "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_paths, expectations_decide_a_pre_launch_run)
{
	static const char launch[] =
	    "paths:\n"
	    "  - name: new-ip\n"
	    "    source: 127.0.0.2\n"
	    "    mail_from: probe@example.test\n"
	    "    recipients:\n"
	    "      gmail: postmaster@gmail.test\n"
	    "    expect: pass\n"
	    "  - name: control\n"
	    "    source: 127.0.0.3\n"
	    "    mail_from: probe@example.test\n"
	    "    recipients:\n"
	    "      gmail: postmaster@gmail.test\n"
	    "    expect:\n"
	    "      gmail: {verdict: fail, enhanced: 5.7.26, cause: "
	    "unauthenticated}\n";
	static const char bad[] =
	    "paths:\n"
	    "  - name: new-ip\n"
	    "    source: 127.0.0.2\n"
	    "    mail_from: probe@example.test\n"
	    "    expect: {verdict: fail, enhanced: 4.7.26}\n";
	struct cmd_run r;
	char cfg[512], badcfg[512], err[JSON_CHECK_ERR_MAX];

	cr_assert_not_null(tmp_dir_write(&net.dir, "launch.yaml", launch,
	    strlen(launch)));
	cr_assert_not_null(tmp_dir_write(&net.dir, "bad.yaml", bad,
	    strlen(bad)));
	tmp_dir_path(&net.dir, "launch.yaml", cfg, sizeof(cfg));
	tmp_dir_path(&net.dir, "bad.yaml", badcfg, sizeof(badcfg));
	/* The control path is refused, as it must be: the server is ready. */
	send(&r, "--config", cfg, "--profile", "gmail", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "new-ip   PASS [as expected]"), "%s",
	    r.out);
	cr_assert_not_null(strstr(r.out, "FAIL end-of-data 550 5.7.26 "
	    "unauthenticated [as expected]"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "ready: all 2 expectations hold\n"),
	    "%s", r.out);
	cmd_run_free(&r);
	/* --expect overrides: now the control path is not as expected. */
	send(&r, "--config", cfg, "--profile", "gmail", "--expect", "pass",
	    NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "[NOT as expected: wanted pass]"),
	    "%s", r.out);
	cr_assert_not_null(strstr(r.out, "NOT READY: 1 of 2 expectations not "
	    "met\n"), "%s", r.out);
	cmd_run_free(&r);
	send(&r, "--config", cfg, "--profile", "gmail", "--format", "nagios",
	    NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE OK - 2 of 2 expectations hold "
	    "|", 40), 0, "%s", r.out);
	cmd_run_free(&r);
	send(&r, "--config", cfg, "--profile", "gmail", "--expect",
	    "fail:5.7.26", "--format", "nagios", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "SMTPPROBE CRITICAL - 1 of 2 "
	    "expectations not met: new-ip/gmail pass [NOT as expected: "
	    "wanted fail 5.7.26]"), "%s", r.out);
	cmd_run_free(&r);
	send(&r, "--config", cfg, "--profile", "gmail", "--json", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(json_check(r.out, strlen(r.out), err, sizeof(err)), "%s",
	    err);
	cr_assert_not_null(strstr(r.out, "\"expect\":{\"verdict\":\"fail\","
	    "\"enhanced\":\"5.7.26\",\"cause\":\"unauthenticated\","
	    "\"met\":true}"), "%s", r.out);
	cmd_run_free(&r);
	/* Refused before any mail: a 4.x.x code cannot be a fail. */
	send(&r, "--config", badcfg, NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "bad.yaml:5: an expected enhanced "
	    "code"), "%s", r.err);
	cmd_run_free(&r);
	send(&r, "--config", cfg, "--expect", "maybe", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "--expect: an expectation is pass"),
	    "%s", r.err);
	cmd_run_free(&r);
}

/*
 * A signal that ends the run between the temporary file's creation and
 * its rename (here SIGXFSZ from the first byte written, under ulimit -f
 * 0; SIGTERM or SIGINT there would do the same) leaves no
 * FILE.tmp.XXXXXX behind, and the old file as it was.
 */
Test(cli_paths, a_signal_while_writing_the_output_leaves_no_temporary_file)
{
	struct cmd_run r;
	char prom[512], buf[64];
	DIR *d;
	struct dirent *e;
	FILE *fp;

	cr_assert_not_null(tmp_dir_write(&net.dir, "smtpprobe.prom", "old\n",
	    4));
	is_fsize_limited = true;
	send(&r, "--profile", "gmail", "--path", "mail1", "--format",
	    "prometheus", "--output",
	    tmp_dir_path(&net.dir, "smtpprobe.prom", prom, sizeof(prom)), NULL);
	is_fsize_limited = false;
	cr_assert_neq(r.status, 0, "%s%s", r.out, r.err);
	d = opendir(net.dir.path);
	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		cr_assert_null(strstr(e->d_name, ".tmp."), "left behind: %s",
		    e->d_name);
	closedir(d);
	fp = fopen(prom, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	cr_assert_str_eq(buf, "old\n");
	cmd_run_free(&r);
}

/*
 * The default lock lives in a folder of the user's own (here
 * $XDG_RUNTIME_DIR): a lock file there that another user made, or a
 * symbolic link put in its place, is refused (exit 3), never used or
 * followed, so nobody else can hold our lock first or aim it elsewhere.
 */
Test(cli_paths, the_default_lock_refuses_a_foreign_file_and_a_symlink)
{
	struct cmd_run r;
	char xdg[600], env[700], lock[700], target[600];
	struct stat st;
	int fd;

	cr_assert_not_null(tmp_dir_path(&net.dir, "xdg", xdg, sizeof(xdg)));
	cr_assert_eq(mkdir(xdg, 0700), 0);
	snprintf(env, sizeof(env), "XDG_RUNTIME_DIR=%s", xdg);
	snprintf(lock, sizeof(lock), "%s/smtpprobe.lock", xdg);
	default_lock_env = env;
	/* Ours: taken, made in that folder, owned by us. */
	send(&r, "--profile", "gmail", "--path", "mail1", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	cr_assert_eq(lstat(lock, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_uid, geteuid());
	/* A symbolic link in its place is not followed. */
	cr_assert_eq(unlink(lock), 0);
	cr_assert_not_null(tmp_dir_path(&net.dir, "elsewhere", target,
	    sizeof(target)));
	cr_assert_eq(symlink(target, lock), 0);
	send(&r, "--profile", "gmail", "--path", "mail1", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, lock), "%s", r.err);
	cr_assert_neq(access(target, F_OK), 0, "the link was followed");
	cmd_run_free(&r);
	/* A file another user made there is not ours to lock. */
	cr_assert_eq(unlink(lock), 0);
	fd = open(lock, O_RDWR | O_CREAT | O_EXCL, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(fchown(fd, 65534, 65534), 0);
	close(fd);
	send(&r, "--profile", "gmail", "--path", "mail1", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "owned by"), "%s", r.err);
	cmd_run_free(&r);
	default_lock_env = NULL;
	(void)unlink(lock);
	(void)rmdir(xdg);
}

Test(cli_paths, report_writes_one_html_page_of_the_history)
{
	struct cmd_run r;
	char file[512], html[512], bad[PATH_MAX + 32];
	const char *argv[8];
	char *page;
	FILE *fp;
	long len;

	tmp_dir_path(&net.dir, "report.sqlite", file, sizeof(file));
	tmp_dir_path(&net.dir, "report.html", html, sizeof(html));
	send(&r, "--profile", "gmail", "--path", "mail1", "--path", "mail2",
	    "--history", file, "--format", "nagios", NULL);
	cmd_run_free(&r);
	argv[0] = SMTPPROBE_BIN;
	argv[1] = "report";
	argv[2] = "--html";
	argv[3] = html;
	argv[4] = "--history";
	argv[5] = file;
	argv[6] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_run_free(&r);
	cr_assert_not_null(fp = fopen(html, "r"));
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	page = calloc(1, (size_t)len + 1);
	cr_assert_not_null(page);
	cr_assert_eq(fread(page, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	cr_assert_eq(strncmp(page, "<!DOCTYPE html>", 15), 0);
	cr_assert_not_null(strstr(page, "<th scope=\"row\">mail2</th>"));
	cr_assert_not_null(strstr(page, "What is refused, and why"));
	/* The stored transcript of the refusal, as send printed it. */
	cr_assert_not_null(strstr(page, "diagnosis: google.unauthenticated"));
	free(page);
	/* No --html, and a folder that does not exist: exit 3, no litter. */
	argv[2] = "--history";
	argv[3] = file;
	argv[4] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
	cr_assert_eq(r.status, 3);
	cmd_run_free(&r);
	(void)snprintf(bad, sizeof(bad), "%s/no/such/dir/r.html", net.dir.path);
	argv[2] = "--html";
	argv[3] = bad;
	argv[4] = "--history";
	argv[5] = file;
	argv[6] = NULL;
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "No such file or directory"), "%s",
	    r.err);
	cmd_run_free(&r);
}
