/*
 * test_cli_monitor - smtpprobe as monitoring systems run it. Prometheus:
 * the files of several runs in one node_exporter textfile folder never
 * hold the same series twice (checked by parsing them, and by Debian's
 * prometheus-node-exporter when it is installed), and promtool accepts
 * every file. The fake MX plays Gmail (it accepts mail from 127.0.0.2
 * only); a private dnsmasq serves gmail.test.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "tests/support/cmd_run.h"
#include "tests/support/testnet.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		30000
#define PROMTOOL	"/usr/bin/promtool"
#define NODE_EXPORTER	"/usr/bin/prometheus-node-exporter"
/* Every series of a test's files; ours hold far fewer. */
#define SERIES_MAX	512
#define SERIES_LEN	512

static struct testnet net;

static const char config[] =
    "paths:\n"
    TESTNET_PATH("mail1", "127.0.0.2")
    TESTNET_PATH("mail2", "127.0.0.3");

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

TestSuite(cli_monitor, .init = setup, .fini = teardown, .timeout = 120);

/*
 * smtpprobe send with the test network and no history, then the extra
 * flags. adhoc: one path from --to, else the config file's paths.
 */
static void
run_send(struct cmd_run *r, int adhoc, ...)
{
	const char *argv[48];
	size_t n = 0;
	const char *a;
	va_list ap;

	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	if (adhoc) {
		argv[n++] = "--to";
		argv[n++] = "postmaster@gmail.test";
		argv[n++] = "--from";
		argv[n++] = "probe@example.test";
		argv[n++] = "--source";
		argv[n++] = "127.0.0.2";
		argv[n++] = "--no-check";
	} else {
		argv[n++] = "--config";
		argv[n++] = net.config;
		argv[n++] = "--profile";
		argv[n++] = "gmail";
	}
	argv[n++] = "--lock-file";
	argv[n++] = net.lock;
	argv[n++] = "--no-history";
	cr_assert_eq(testnet_args(&net, argv, &n, 48), 0, "%s", net.error);
	va_start(ap, adhoc);
	while ((a = va_arg(ap, const char *)) != NULL && n < 47)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, WAIT_MS), 0, "%s", r->err);
}

/* A folder of .prom files, as the collector reads them. */
static char prom_dir[512];

static const char *
prom_file(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", prom_dir, name);
	return out;
}

static void
prom_dir_make(void)
{
	tmp_dir_path(&net.dir, "textfile", prom_dir, sizeof(prom_dir));
	cr_assert_eq(mkdir(prom_dir, 0755), 0);
}

/*
 * Every series (a sample line up to its value) of the files, into
 * series[]; the number of series seen more than once.
 */
static size_t
duplicates(const char *const *files, size_t nfiles, char *first_dup,
    size_t duplen)
{
	static char series[SERIES_MAX][SERIES_LEN];
	char line[SERIES_LEN];
	size_t n = 0, dups = 0, i, f;
	char *sp;
	FILE *fp;

	first_dup[0] = '\0';
	for (f = 0; f < nfiles; f++) {
		fp = fopen(files[f], "r");
		cr_assert_not_null(fp, "%s", files[f]);
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (line[0] == '#' || line[0] == '\n')
				continue;
			sp = strrchr(line, ' ');
			cr_assert_not_null(sp, "%s", line);
			*sp = '\0';
			for (i = 0; i < n; i++)
				if (strcmp(series[i], line) == 0)
					break;
			if (i < n) {
				if (dups++ == 0)
					snprintf(first_dup, duplen, "%s",
					    line);
				continue;
			}
			cr_assert_lt(n, SERIES_MAX);
			memcpy(series[n++], line, strlen(line) + 1);
		}
		fclose(fp);
	}
	return dups;
}

/* promtool check metrics FILE, when promtool is installed. */
static void
promtool_check(const char *file)
{
	static const char *const argv[] = { PROMTOOL, "check", "metrics",
	    NULL };
	struct cmd_run r;

	cr_assert_eq(cmd_run_stdin(&r, argv, WAIT_MS, file), 0);
	cr_assert_eq(r.status, 0, "promtool on %s: %s%s", file, r.out, r.err);
	cmd_run_free(&r);
}

/* A free loopback TCP port, for the exporter to listen on. */
static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_geq(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* One GET /metrics on 127.0.0.1:port into buf; false if none answered. */
static bool
scrape(int port, char *buf, size_t len)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n"
	    "Host: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	size_t got = 0;
	ssize_t k;
	int fd;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return false;
	}
	cr_assert_eq(write(fd, req, sizeof(req) - 1),
	    (ssize_t)(sizeof(req) - 1));
	while (got + 1 < len && (k = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)k;
	buf[got] = '\0';
	close(fd);
	return true;
}

/*
 * Start node_exporter with only the textfile collector on prom_dir,
 * scrape it once, stop it. Its log (stderr) goes to log_path, the
 * scrape into body.
 */
static void
node_exporter_scrape(const char *log_path, char *body, size_t len)
{
	char listen[64], textdir[600];
	int port = free_port(), i, status;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	bool ok = false;
	pid_t pid;
	FILE *log;

	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d",
	    port);
	snprintf(textdir, sizeof(textdir),
	    "--collector.textfile.directory=%s", prom_dir);
	log = fopen(log_path, "w");
	cr_assert_not_null(log);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fileno(log), 1);
		dup2(fileno(log), 2);
		execl(NODE_EXPORTER, NODE_EXPORTER,
		    "--collector.disable-defaults", "--collector.textfile",
		    textdir, listen, (char *)NULL);
		_exit(127);
	}
	fclose(log);
	for (i = 0; i < 100 && !ok; i++) {
		nanosleep(&pause, NULL);
		ok = scrape(port, body, len);
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	cr_assert(ok, "node_exporter did not answer on port %d", port);
	cr_assert_not_null(strstr(body, " 200 "), "%.200s", body);
}

/* The whole of a small file, NUL-terminated, into buf. */
static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	cr_assert_not_null(fp, "%s", path);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/*
 * Four runs, four files in one folder: two of configured paths, two of
 * --to with --path-name. No series twice, and node_exporter, which
 * complains "was collected before" on every scrape of a collision,
 * takes them all.
 */
Test(cli_monitor, several_runs_files_in_one_folder_never_collide)
{
	static char body[256 * 1024], logbuf[64 * 1024];
	char f[4][600], dup[SERIES_LEN], logp[512];
	const char *files[4] = { f[0], f[1], f[2], f[3] };
	struct cmd_run r;
	size_t i;

	prom_dir_make();
	run_send(&r, false, "--path", "mail1", "--format", "prometheus",
	    "--output", prom_file("mail1.prom", f[0], sizeof(f[0])), NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	run_send(&r, false, "--path", "mail2", "--format", "prometheus",
	    "--output", prom_file("mail2.prom", f[1], sizeof(f[1])), NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	run_send(&r, true, "--path-name", "adhoc-a", "--format", "prometheus",
	    "--output", prom_file("a.prom", f[2], sizeof(f[2])), NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	run_send(&r, true, "--path-name", "adhoc-b", "--format", "prometheus",
	    "--output", prom_file("b.prom", f[3], sizeof(f[3])), NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	cr_assert_eq(duplicates(files, 4, dup, sizeof(dup)), 0,
	    "a series twice: %s", dup);
	slurp(f[2], body, sizeof(body));
	cr_assert_not_null(strstr(body, "smtpprobe_path_up{path=\"adhoc-a\","
	    "profile=\"none\"} 1\n"), "%s", body);
	cr_assert_not_null(strstr(body, "smtpprobe_path_tls_version_info{"
	    "path=\"adhoc-a\",profile=\"none\",version=\"TLSv1."), "%s", body);
	cr_assert_not_null(strstr(body, "smtpprobe_path_cert_not_after_"
	    "timestamp_seconds{path=\"adhoc-a\",profile=\"none\"} "), "%s",
	    body);
	if (access(NODE_EXPORTER, X_OK) != 0) {
		fprintf(stderr, "cli_monitor: "
		    "%s is not installed (Debian package "
		    "prometheus-node-exporter): the files were checked for "
		    "series uniqueness only\n", NODE_EXPORTER);
		return;
	}
	node_exporter_scrape(tmp_dir_path(&net.dir, "ne.log", logp,
	    sizeof(logp)), body, sizeof(body));
	slurp(logp, logbuf, sizeof(logbuf));
	cr_assert_null(strstr(logbuf, "collected before"), "%s", logbuf);
	cr_assert_not_null(strstr(body, "node_textfile_scrape_error 0\n"));
	for (i = 0; i < 4; i++)
		cr_assert_not_null(strstr(body, (const char *[]){
		    "smtpprobe_path_up{path=\"mail1\",profile=\"gmail\"} 1\n",
		    "smtpprobe_path_up{path=\"mail2\",profile=\"gmail\"} 0\n",
		    "smtpprobe_path_up{path=\"adhoc-a\",profile=\"none\"} 1\n",
		    "smtpprobe_path_up{path=\"adhoc-b\",profile=\"none\"} 1\n",
		    }[i]), "file %zu missing from the scrape:\n%s", i, body);
}

/*
 * The checks above can see a collision: two --to runs without
 * --path-name both name their path "cli", and both the parse and
 * node_exporter say so.
 */
Test(cli_monitor, two_unnamed_runs_do_collide_and_the_checks_see_it)
{
	static char body[256 * 1024], logbuf[64 * 1024];
	char f[2][600], dup[SERIES_LEN], logp[512];
	const char *files[2] = { f[0], f[1] };
	struct cmd_run r;
	size_t i;

	prom_dir_make();
	for (i = 0; i < 2; i++) {
		run_send(&r, true, "--format", "prometheus", "--output",
		    prom_file(i ? "b.prom" : "a.prom", f[i], sizeof(f[i])),
		    NULL);
		cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
		cmd_run_free(&r);
	}
	cr_assert_gt(duplicates(files, 2, dup, sizeof(dup)), 0);
	cr_assert_not_null(strstr(dup, "path=\"cli\""), "%s", dup);
	if (access(NODE_EXPORTER, X_OK) != 0) {
		fprintf(stderr, "cli_monitor: "
		    "%s is not installed: not scraped\n",
		    NODE_EXPORTER);
		return;
	}
	node_exporter_scrape(tmp_dir_path(&net.dir, "ne.log", logp,
	    sizeof(logp)), body, sizeof(body));
	slurp(logp, logbuf, sizeof(logbuf));
	cr_assert_not_null(strstr(logbuf, "collected before"), "%s", logbuf);
}

Test(cli_monitor, path_name_goes_with_to_only_and_holds_a_plain_name)
{
	struct cmd_run r;

	run_send(&r, false, "--path-name", "x", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "--path-name names the one path of "
	    "--to"), "%s", r.err);
	cmd_run_free(&r);
	run_send(&r, true, "--path-name", "a\"b", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "--path-name: 1 to 63"), "%s",
	    r.err);
	cmd_run_free(&r);
}

/* promtool check metrics passes on what every kind of run writes. */
Test(cli_monitor, promtool_accepts_every_output)
{
	char f[4][600], hist[512];
	struct cmd_run r;
	size_t i;

	if (access(PROMTOOL, X_OK) != 0) {
		/*
		 * Not cr_skip_test() nor cr_log_warn(): with either, Debian
		 * 12's Criterion exits 1 although every test passed.
		 */
		fprintf(stderr, "cli_monitor: "
		    "%s is not installed (Debian package prometheus):"
		    " not checked\n", PROMTOOL);
		return;
	}
	prom_dir_make();
	/* A pass and a fail, with the history's since. */
	run_send(&r, false, "--format", "prometheus", "--history",
	    tmp_dir_path(&net.dir, "h.sqlite", hist, sizeof(hist)), "--output",
	    prom_file("both.prom", f[0], sizeof(f[0])), NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	run_send(&r, true, "--format", "prometheus", "--output",
	    prom_file("adhoc.prom", f[1], sizeof(f[1])), NULL);
	cmd_run_free(&r);
	/* A path that cannot run: an error cell without MX or TLS. */
	run_send(&r, true, "--source", "192.0.2.1", "--format", "prometheus",
	    "--output", prom_file("err.prom", f[2], sizeof(f[2])), NULL);
	cmd_run_free(&r);
	/* A profile file, to stdout. */
	run_send(&r, false, "--profile", SRCDIR "/profiles/gmail.yaml",
	    "--format", "prometheus", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_null(strstr(r.out, "/profiles/"), "%s", r.out);
	cr_assert_not_null(tmp_dir_write(&net.dir, "stdout.prom", r.out,
	    strlen(r.out)));
	prom_file("../stdout.prom", f[3], sizeof(f[3]));
	cmd_run_free(&r);
	for (i = 0; i < 4; i++)
		if (access(f[i], R_OK) == 0)
			promtool_check(f[i]);
}

/* --- Nagios / Icinga: the Monitoring Plugins guidelines --- */

/* stdout is exactly one line, "SMTPPROBE UNKNOWN - " and why. */
static void
assert_unknown_line(const struct cmd_run *r, const char *why)
{
	cr_assert_eq(r->status, 3, "%s%s", r->out, r->err);
	cr_assert_eq(strncmp(r->out, "SMTPPROBE UNKNOWN - ", 20), 0, "%s",
	    r->out);
	cr_assert(strchr(r->out, '\n') == r->out + strlen(r->out) - 1,
	    "one line only: %s", r->out);
	cr_assert_not_null(strstr(r->out, why), "%s", r->out);
}

Test(cli_monitor, every_error_prints_one_unknown_status_line)
{
	static const char bad[] = "paths:\n  - name: x\n    sauce: 1\n";
	char lock[512], cfg[512];
	struct cmd_run r;
	int fd;

	/* A held lock. */
	tmp_dir_path(&net.dir, "lock", lock, sizeof(lock));
	fd = open(lock, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	run_send(&r, false, "--format", "nagios", NULL);
	assert_unknown_line(&r, "lock");
	cmd_run_free(&r);
	close(fd);
	/* An output that cannot be written. */
	run_send(&r, false, "--format", "nagios", "--output",
	    "/nonexistent/smtpprobe.prom", NULL);
	assert_unknown_line(&r, "--output");
	cmd_run_free(&r);
	/* A bad config (the last --config wins). */
	cr_assert_not_null(tmp_dir_write(&net.dir, "bad.yaml", bad,
	    strlen(bad)));
	run_send(&r, false, "--format=nagios", "--config",
	    tmp_dir_path(&net.dir, "bad.yaml", cfg, sizeof(cfg)), NULL);
	assert_unknown_line(&r, "bad.yaml");
	cmd_run_free(&r);
	/* A bad flag, before the format is even parsed. */
	run_send(&r, true, "--jobs", "0", "--format", "nagios", NULL);
	assert_unknown_line(&r, "--jobs");
	cmd_run_free(&r);
	/* The last format asked for wins, there too. */
	run_send(&r, true, "--format", "nagios", "--json", "--jobs", "0",
	    NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_null(strstr(r.out, "SMTPPROBE"), "%s", r.out);
	cmd_run_free(&r);
	/* A probe that cannot start. */
	run_send(&r, true, "--format", "nagios", "--source", "192.0.2.1",
	    NULL);
	assert_unknown_line(&r, "192.0.2.1");
	cmd_run_free(&r);
}

Test(cli_monitor, warning_and_critical_thresholds_on_duration)
{
	struct cmd_run r;

	run_send(&r, true, "--format", "nagios", "-w", "0.001", NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE WARNING - 1 of 1 path pass; "
	    "cli/none took ", 38), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "s (warning above 0.001s) | "
	    "'cli/none'="), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "s;0.001;;0\n"), "%s", r.out);
	cmd_run_free(&r);
	run_send(&r, true, "--format", "nagios", "-w", "0.001", "-c",
	    "0.002", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "(critical above 0.002s)"), "%s",
	    r.out);
	cmd_run_free(&r);
	/* Under the thresholds: OK. */
	run_send(&r, true, "--format", "nagios", "-w", "60", "-c", "120",
	    NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE OK - 1 of 1 path pass | ", 34),
	    0, "%s", r.out);
	cmd_run_free(&r);
}

/* The test certificates are valid for one day (tests/mkcerts.sh). */
Test(cli_monitor, cert_days_warns_and_criticals_on_expiry)
{
	struct cmd_run r;

	run_send(&r, true, "--format", "nagios", "--cert-days", "30,0", NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	/* 0 or 1 day, as the certificate's second and ours fall. */
	cr_assert_not_null(strstr(r.out, "; cli/none certificate expires in "),
	    "%s", r.out);
	cr_assert_not_null(strstr(r.out, " (warning within 30) |"), "%s",
	    r.out);
	cmd_run_free(&r);
	run_send(&r, true, "--format", "nagios", "--cert-days", "30,2", NULL);
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "(critical within 2)"), "%s", r.out);
	cmd_run_free(&r);
	run_send(&r, true, "--cert-days", "7,30", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cmd_run_free(&r);
}

/*
 * -t bounds the whole run, as check_smtp's alarm does: a server that
 * never sends its banner, with a per-stage --timeout of 20 s, ends the
 * run at -t 2 with UNKNOWN and the reason.
 */
Test(cli_monitor, timeout_total_ends_the_run_and_says_what_was_cut)
{
	struct fakemx_run slow;
	struct cmd_run r;
	char port[16];

	cr_assert_eq(fakemx_run_start(&slow, "banner stall:\n", "127.0.0.1",
	    0, false), 0);
	snprintf(port, sizeof(port), "%d", slow.port);
	run_send(&r, true, "--format", "nagios", "--server", "127.0.0.1",
	    "--timeout", "20", "-t", "2", "--port", port, NULL);
	fakemx_run_stop(&slow);
	assert_unknown_line(&r, "cli/none");
	cr_assert_not_null(strstr(r.out, "not finished within the time limit "
	    "of the run (-t 2)"), "%s", r.out);
	cr_assert_lt(r.elapsed_ms, 5000, "ran %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
	/* The text format is cut alike. */
	cr_assert_eq(fakemx_run_start(&slow, "banner stall:\n", "127.0.0.1",
	    0, false), 0);
	snprintf(port, sizeof(port), "%d", slow.port);
	run_send(&r, true, "--server", "127.0.0.1", "--timeout", "20",
	    "--timeout-total", "1", "--port", port, NULL);
	fakemx_run_stop(&slow);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_lt(r.elapsed_ms, 4000, "ran %.0f ms", r.elapsed_ms);
	cmd_run_free(&r);
}

/* send --to the one-path server at port, recording into the history hist. */
static void
run_send_history(struct cmd_run *r, int port, const char *hist,
    const char *critical_after)
{
	char portarg[16], lock[512];
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@gmail.test", "--from", "probe@example.test",
	    "--no-check", "--server", "127.0.0.1", "--port", portarg,
	    "--allow-loopback-mx", "--lock-file", lock, "--history", hist,
	    "--format", "nagios", "--critical-after", critical_after, NULL };

	snprintf(portarg, sizeof(portarg), "%d", port);
	tmp_dir_path(&net.dir, "lock", lock, sizeof(lock));
	cr_assert_eq(cmd_run(r, argv, WAIT_MS), 0, "%s", r->err);
}

/* Move every recorded state secs into the past, as if it began then. */
static void
history_age(const char *hist, long long secs)
{
	char sql[128];
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(hist, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "UPDATE cell SET since = since - %lld, "
	    "time = time - 1", secs);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

/*
 * --critical-after: the first 421 is a WARNING; the same 421 once the
 * history says it began 2h 5m ago is CRITICAL, and the line says why.
 */
Test(cli_monitor, critical_after_turns_a_lasting_tempfail_critical)
{
	struct fakemx_run slow;
	struct cmd_run r;
	char hist[512];

	cr_assert_eq(fakemx_run_start(&slow, "banner: 421 4.7.0 Try again "
	    "later\nbanner close:\n", "127.0.0.1", 0, false), 0);
	tmp_dir_path(&net.dir, "lasting.sqlite", hist, sizeof(hist));
	run_send_history(&r, slow.port, hist, "2h");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE WARNING - ", 20), 0, "%s",
	    r.out);
	cr_assert_null(strstr(r.out, "--critical-after"), "%s", r.out);
	cmd_run_free(&r);
	history_age(hist, 2 * 3600 + 5 * 60);
	run_send_history(&r, slow.port, hist, "2h");
	cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "SMTPPROBE CRITICAL - ", 21), 0, "%s",
	    r.out);
	cr_assert_not_null(strstr(r.out, "; cli/none tempfail for 2h 5m >= "
	    "--critical-after 2h |"), "%s", r.out);
	cmd_run_free(&r);
	/* Not yet long enough for a longer limit: still a WARNING. */
	run_send_history(&r, slow.port, hist, "1d");
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cmd_run_free(&r);
	fakemx_run_stop(&slow);
}

Test(cli_monitor, critical_after_needs_a_duration_and_the_history)
{
	struct cmd_run r;

	run_send(&r, true, "--critical-after", "2h", "--format", "nagios",
	    NULL);
	assert_unknown_line(&r, "--no-history");
	cmd_run_free(&r);
	run_send(&r, true, "--critical-after", "soon", NULL);
	cr_assert_eq(r.status, 3, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "--critical-after"), "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_monitor, capital_v_prints_the_version)
{
	static const char *const top[] = { SMTPPROBE_BIN, "-V", NULL };
	static const char *const sub[] = { SMTPPROBE_BIN, "send", "-V", NULL };
	struct cmd_run r;

	cr_assert_eq(cmd_run(&r, top, WAIT_MS), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "smtpprobe " SMTPPROBE_VERSION "\n");
	cmd_run_free(&r);
	cr_assert_eq(cmd_run(&r, sub, WAIT_MS), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "smtpprobe " SMTPPROBE_VERSION "\n");
	cmd_run_free(&r);
}

/* --- contrib/monitoring: the shipped Nagios and Icinga 2 commands --- */

#define NAGIOS_CFG	SRCDIR "/contrib/monitoring/smtpprobe-nagios.cfg"
#define ICINGA_CONF	SRCDIR "/contrib/monitoring/smtpprobe-icinga2.conf"
#define NAGIOS_BIN	"/usr/sbin/nagios4"
#define ICINGA_BIN	"/usr/sbin/icinga2"

static struct tmp_dir cdir;

static void
contrib_setup(void)
{
	cr_assert(tmp_dir_make(&cdir));
}

static void
contrib_teardown(void)
{
	tmp_dir_remove(&cdir);
}

TestSuite(contrib_monitor, .init = contrib_setup, .fini = contrib_teardown,
    .timeout = 60);

/* This process's user and group names: the tools drop privileges. */
static void
user_group(const char **user, const char **group)
{
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());

	cr_assert(pw != NULL && gr != NULL);
	*user = pw->pw_name;
	*group = gr->gr_name;
}

/* "$ARGn$" (n from 1 to 9): true with *k = n. */
static bool
arg_macro(const char *word, size_t *k)
{
	if (strncmp(word, "$ARG", 4) != 0 || word[4] < '1' ||
	    word[4] > '9' || strcmp(word + 5, "$") != 0)
		return false;
	*k = (size_t)(word[4] - '0');
	return true;
}

/*
 * Every command_line of the Nagios file, its $ARGn$ filled with what the
 * example service passes, parses as smtpprobe flags: with -V appended
 * the program parses them all, then prints its version instead of
 * probing.
 */
Test(contrib_monitor, nagios_command_lines_are_flags_smtpprobe_takes)
{
	/* check_smtpprobe, check_smtpprobe_path, check_smtpprobe_lasting. */
	static const char *const args[3][5] = {
		{ "gmail", "", "", "", "" },
		{ "mail1", "gmail", "20", "40", "21,7" },
		{ "mail1", "gmail", "2h", "", "" },
	};
	static char words[64][128];
	char line[1024], word[128], *p;
	const char *argv[64];
	size_t n, k, len, found = 0;
	struct cmd_run r;
	size_t kind = 0;
	FILE *fp = fopen(NAGIOS_CFG, "r");

	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "command_name") != NULL)
			kind = strstr(line, "check_smtpprobe_path") != NULL ?
			    1 : strstr(line, "check_smtpprobe_lasting") !=
			    NULL ? 2 : 0;
		p = strstr(line, "command_line");
		if (p == NULL || line[0] == '#')
			continue;
		p += strlen("command_line");
		n = 0;
		while ((p += strspn(p, " \t\n")), *p != '\0') {
			len = strcspn(p, " \t\n");
			cr_assert_lt(len, sizeof(word));
			memcpy(word, p, len);
			word[len] = '\0';
			p += len;
			cr_assert_lt(n, 60);
			if (arg_macro(word, &k)) {
				cr_assert_leq(k, 5);
				snprintf(words[n], sizeof(words[n]), "%s",
				    args[kind][k - 1]);
			}
			else {
				snprintf(words[n], sizeof(words[n]), "%s",
				    word);
			}
			argv[n] = words[n];
			n++;
		}
		cr_assert_str_eq(argv[0], "/usr/bin/smtpprobe");
		argv[0] = SMTPPROBE_BIN;
		argv[n++] = "-V";
		argv[n] = NULL;
		cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
		cr_assert_eq(r.status, 0, "%s", r.err);
		cmd_run_free(&r);
		found++;
	}
	fclose(fp);
	cr_assert_eq(found, 3);
}

/* nagios4 -v: the commands with a host and a service that uses one. */
Test(contrib_monitor, nagios_accepts_the_command_definitions)
{
	static const char objects[] =
	    "define timeperiod {\n timeperiod_name always\n alias always\n"
	    " monday 00:00-24:00\n}\n"
	    "define contact {\n contact_name nobody\n"
	    " host_notifications_enabled 0\n"
	    " service_notifications_enabled 0\n"
	    " host_notification_period always\n"
	    " service_notification_period always\n"
	    " host_notification_options n\n service_notification_options n\n"
	    " host_notification_commands check_smtpprobe\n"
	    " service_notification_commands check_smtpprobe\n}\n"
	    "define host {\n host_name mail1\n address 127.0.0.1\n"
	    " max_check_attempts 1\n check_period always\n contacts nobody\n"
	    " notification_period always\n}\n"
	    "define service {\n host_name mail1\n"
	    " service_description Mail to Gmail\n"
	    " check_command check_smtpprobe_path!mail1!gmail!20!40!21,7\n"
	    " max_check_attempts 1\n check_interval 60\n retry_interval 60\n"
	    " notification_interval 0\n check_period always\n"
	    " contacts nobody\n notification_period always\n}\n";
	char main_cfg[4096], obj[512], spool[512], cfg[512];
	const char *user, *group;
	const char *argv[] = { NAGIOS_BIN, "-v", cfg, NULL };
	struct cmd_run r;

	if (access(NAGIOS_BIN, X_OK) != 0) {
		/*
		 * Not cr_skip_test() nor cr_log_warn(): with either, Debian
		 * 12's Criterion exits 1 although every test passed.
		 */
		fprintf(stderr, "cli_monitor: "
		    "%s is not installed (Debian package "
		    "nagios4-core): not checked\n", NAGIOS_BIN);
		return;
	}
	user_group(&user, &group);
	cr_assert_not_null(tmp_dir_write(&cdir, "objects.cfg", objects,
	    strlen(objects)));
	tmp_dir_path(&cdir, "objects.cfg", obj, sizeof(obj));
	tmp_dir_path(&cdir, "spool", spool, sizeof(spool));
	cr_assert_eq(mkdir(spool, 0700), 0);
	snprintf(main_cfg, sizeof(main_cfg), "cfg_file=%s\ncfg_file=%s\n"
	    "check_result_path=%s\nlock_file=%s/lock\ntemp_file=%s/tmp\n"
	    "status_file=%s/status.dat\nlog_file=%s/nagios.log\n"
	    "nagios_user=%s\nnagios_group=%s\n"
	    "illegal_macro_output_chars=`~$&|\"<>\n", NAGIOS_CFG, obj,
	    spool, spool, spool, spool, spool, user, group);
	cr_assert_not_null(tmp_dir_write(&cdir, "nagios.cfg", main_cfg,
	    strlen(main_cfg)));
	tmp_dir_path(&cdir, "nagios.cfg", cfg, sizeof(cfg));
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "Total Errors:   0"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Total Warnings: 0"), "%s", r.out);
	cmd_run_free(&r);
}

/* icinga2 daemon -C: the CheckCommand and a service that uses it. */
Test(contrib_monitor, icinga2_validates_the_check_command)
{
	char conf[4096], cfg[512], cache[512], d1[600], d2[600], d3[600];
	const char *user, *group;
	const char *argv[] = { ICINGA_BIN, "daemon", "-C", "-c", cfg, "-D",
	    d1, "-D", d2, "-D", d3, NULL };
	struct cmd_run r;

	if (access(ICINGA_BIN, X_OK) != 0) {
		/*
		 * Not cr_skip_test() nor cr_log_warn(): with either, Debian
		 * 12's Criterion exits 1 although every test passed.
		 */
		fprintf(stderr, "cli_monitor: "
		    "%s is not installed (Debian package icinga2-bin):"
		    " not checked\n", ICINGA_BIN);
		return;
	}
	user_group(&user, &group);
	snprintf(conf, sizeof(conf), "include \"%s\"\n"
	    "object Host \"mail1\" {\n  check_command = \"smtpprobe\"\n"
	    "  address = \"127.0.0.1\"\n}\n"
	    "apply Service \"smtpprobe-gmail\" {\n"
	    "  check_command = \"smtpprobe\"\n  check_interval = 1h\n"
	    "  vars.smtpprobe_path = [ \"mail1\" ]\n"
	    "  vars.smtpprobe_profile = \"gmail\"\n"
	    "  vars.smtpprobe_warning = 20\n  vars.smtpprobe_critical = 40\n"
	    "  vars.smtpprobe_cert_days = \"21,7\"\n"
	    "  assign where host.name == \"mail1\"\n}\n", ICINGA_CONF);
	cr_assert_not_null(tmp_dir_write(&cdir, "icinga2.conf", conf,
	    strlen(conf)));
	tmp_dir_path(&cdir, "icinga2.conf", cfg, sizeof(cfg));
	tmp_dir_path(&cdir, "", cache, sizeof(cache));
	snprintf(d1, sizeof(d1), "Configuration.CacheDir=%s", cache);
	snprintf(d2, sizeof(d2), "Configuration.RunAsUser=%s", user);
	snprintf(d3, sizeof(d3), "Configuration.RunAsGroup=%s", group);
	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "Instantiated 1 CheckCommand."),
	    "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Instantiated 1 Service."), "%s",
	    r.out);
	cmd_run_free(&r);
}
