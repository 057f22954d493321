/*
 * test_cli_terminal - smtpprobe send as a person at a terminal runs it:
 * a progress line on stderr only when stderr is a terminal (a pty here),
 * nothing of it in a pipe; Ctrl-C or SIGTERM in the middle of a run of
 * several paths stops it within a short bound, with the report of what
 * was done, how many test messages were already accepted and how many
 * paths were not run, exit 3, and no temporary file left behind.
 *
 * The fake MX waits SLOW_MS before its banner, so that a run of PATHS
 * paths one at a time lasts long enough to be interrupted.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/fakemx_run.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		30000
#define SLOW_MS		"600"
#define PATHS		6
/* Ample: the grace is 2 s (PROBE_MULTI_STOP_GRACE_MS), a probe 0.6 s. */
#define STOP_BOUND_MS	4000
#define OUT_MAX		(256 * 1024)

static struct fakemx_run mx;
static struct tmp_dir dir;
static char port[16], cfg[512], lock[512], hist[512];

static void
setup(void)
{
	char text[2048];
	size_t len = 0;
	int i;

	signal(SIGPIPE, SIG_IGN);
	cr_assert(tmp_dir_make(&dir));
	len += (size_t)snprintf(text + len, sizeof(text) - len, "paths:\n");
	for (i = 1; i <= PATHS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "  - name: p%d\n    mail_from: probe@example.test\n"
		    "    recipients: {generic: postmaster@example.test}\n",
		    i);
	cr_assert_not_null(tmp_dir_write(&dir, "smtpprobe.yaml", text, len));
	tmp_dir_path(&dir, "smtpprobe.yaml", cfg, sizeof(cfg));
	tmp_dir_path(&dir, "lock", lock, sizeof(lock));
	tmp_dir_path(&dir, "h.sqlite", hist, sizeof(hist));
	cr_assert_eq(fakemx_run_start(&mx, "banner sleep: " SLOW_MS "\n"
	    "banner: 220 slow.test ESMTP\n", "127.0.0.1", 0, false), 0);
	snprintf(port, sizeof(port), "%d", mx.port);
}

static void
teardown(void)
{
	fakemx_run_stop(&mx);
	tmp_dir_remove(&dir);
}

TestSuite(cli_terminal, .init = setup, .fini = teardown, .timeout = 60);

/* The run: every path, one at a time, at the slow fake MX. */
#define SEND_ARGS(fmt) SMTPPROBE_BIN, "send", "--config", cfg, \
	"--server", "127.0.0.1", "--port", port, "--allow-loopback-mx", \
	"--no-check", "--starttls", "off", "--jobs", "1", "--lock-file", \
	lock, "--history", hist, "--format", (fmt), NULL

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* A whole file as a string (owned), "" when it cannot be read. */
static char *
slurp(const char *name)
{
	char path[512], *buf = calloc(1, OUT_MAX);
	FILE *fp;
	size_t n = 0;

	cr_assert_not_null(buf);
	fp = fopen(tmp_dir_path(&dir, name, path, sizeof(path)), "r");
	if (fp != NULL) {
		n = fread(buf, 1, OUT_MAX - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Start argv with stdout and stderr in files of the test folder, send
 * sig after delay_ms, and return its exit status; *after_ms gets how
 * long it ran on after the signal.
 */
static int
run_and_signal(const char *const *argv, int sig, long delay_ms,
    double *after_ms)
{
	char out[512], err[512];
	struct timespec d = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
	double t0, deadline;
	pid_t pid, w;
	int status = -1, fd;

	tmp_dir_path(&dir, "out", out, sizeof(out));
	tmp_dir_path(&dir, "err", err, sizeof(err));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	nanosleep(&d, NULL);
	cr_assert_eq(kill(pid, sig), 0);
	t0 = now_ms();
	deadline = t0 + WAIT_MS;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
	    now_ms() < deadline) {
		struct timespec tick = { 0, 20 * 1000000L };

		nanosleep(&tick, NULL);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("smtpprobe did not end after the signal");
	}
	*after_ms = now_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Nothing in the folder but what the test and the run should leave. */
static void
assert_no_temp_files(void)
{
	static const char *const known[] = { "smtpprobe.yaml", "lock", "out",
	    "err", "h.sqlite", NULL };
	struct dirent *e;
	DIR *d = opendir(dir.path);
	size_t i;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(e->d_name, known[i]) == 0)
				break;
		cr_assert_not_null(known[i], "left behind: %s", e->d_name);
	}
	closedir(d);
}

Test(cli_terminal, sigterm_stops_the_run_and_reports_what_was_done)
{
	const char *argv[] = { SEND_ARGS("text") };
	double after;
	char *out, *err;
	int status;

	/* About two probes in: one accepted, one running, four to go. */
	status = run_and_signal(argv, SIGTERM, 900, &after);
	out = slurp("out");
	err = slurp("err");
	cr_assert_eq(status, 3, "exit %d\n%s\n%s", status, out, err);
	cr_assert_lt(after, STOP_BOUND_MS, "ran %.0f ms after SIGTERM",
	    after);
	/* The matrix of what was done, and the line that says it. */
	cr_assert_not_null(strstr(out, "p1    PASS"), "%s", out);
	cr_assert_not_null(strstr(out, "ERROR not run: the run was stopped "
	    "by SIGTERM"), "%s", out);
	cr_assert_not_null(strstr(out, "stopped by SIGTERM: "), "%s", out);
	cr_assert_not_null(strstr(out, " already accepted, "), "%s", out);
	cr_assert_not_null(strstr(out, " paths not run\n"), "%s", out);
	cr_assert_null(strstr(out, "stopped by SIGTERM: 0 test messages"),
	    "%s", out);
	cr_assert_not_null(strstr(err, "smtpprobe send: stopped by SIGTERM"),
	    "%s", err);
	free(out);
	free(err);
	assert_no_temp_files();
}

Test(cli_terminal, sigint_stops_a_json_run_with_an_interrupted_member)
{
	const char *argv[] = { SEND_ARGS("json") };
	double after;
	char *out;
	int status;

	status = run_and_signal(argv, SIGINT, 900, &after);
	out = slurp("out");
	cr_assert_eq(status, 3, "exit %d\n%s", status, out);
	cr_assert_not_null(strstr(out, "\"verdict\":\"error\",\"exit_code\":3,"
	    "\"interrupted\":{\"signal\":\"SIGINT\",\"accepted\":"), "%s", out);
	cr_assert_not_null(strstr(out, "not run: the run was stopped by "
	    "SIGINT"), "%s", out);
	free(out);
	assert_no_temp_files();
}

Test(cli_terminal, no_progress_when_stderr_is_not_a_terminal)
{
	const char *argv[] = { SEND_ARGS("text") };
	struct cmd_run r;

	cr_assert_eq(cmd_run(&r, argv, WAIT_MS), 0, "%s", r.err);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_null(strstr(r.err, "paths done"), "%s", r.err);
	cr_assert_null(strchr(r.err, '\r'), "%s", r.err);
	cmd_run_free(&r);
}

/* Everything the child writes to the terminal until it closes it. */
static size_t
read_pty(int master, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap) {
		n = read(master, buf + len, cap - 1 - len);
		if (n > 0)
			len += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;	/* EIO: the child closed the terminal */
	}
	buf[len] = '\0';
	return len;
}

Test(cli_terminal, progress_on_a_terminal_is_one_line_erased_at_the_end)
{
	const char *argv[] = { SEND_ARGS("text") };
	char out[512], *buf = calloc(1, OUT_MAX), *report;
	int master, status, fd;
	pid_t pid;

	cr_assert_not_null(buf);
	tmp_dir_path(&dir, "out", out, sizeof(out));
	pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* stdout to a file, stderr stays the terminal. */
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	(void)read_pty(master, buf, OUT_MAX);
	close(master);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", buf);
	/* Drawn in place, counting up to the whole run, then erased. */
	cr_assert_not_null(strstr(buf, "\rsmtpprobe: 0/6 paths done, 0 not "
	    "passing"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\rsmtpprobe: 6/6 paths done, 0 not "
	    "passing"), "%s", buf);
	cr_assert_null(strchr(buf, '\n'), "one line, no newline: %s", buf);
	cr_assert_eq(buf[strlen(buf) - 1], '\r', "erased at the end: %s",
	    buf);
	/* The report itself is untouched. */
	report = slurp("out");
	cr_assert_null(strstr(report, "paths done"), "%s", report);
	cr_assert_not_null(strstr(report, "p6    PASS"), "%s", report);
	free(report);
	free(buf);
}
