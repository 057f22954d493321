/*
 * test_cli_files - a file the operator names (--body-file, --config,
 * --catalog, --profile) that is a FIFO, a device or a directory gets a
 * clear error at once and exit 3, never a wait for a writer that will
 * not come.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/tmp_dir.h"

/* Far longer than an error takes; a hang on the FIFO would hit it. */
#define FILES_WAIT_MS	5000
#define FILES_FAST_MS	3000

static struct tmp_dir dir;
static char fifo[PATH_MAX];

static void
setup(void)
{
	cr_assert(tmp_dir_make(&dir));
	cr_assert_not_null(tmp_dir_path(&dir, "fifo", fifo, sizeof(fifo)));
	cr_assert_eq(mkfifo(fifo, 0600), 0);
}

static void
teardown(void)
{
	(void)unlink(fifo);	/* tmp_dir knows only what it wrote */
	tmp_dir_remove(&dir);
}

TestSuite(cli_files, .init = setup, .fini = teardown, .timeout = 60);

/* smtpprobe CMD FLAG PATH with what a send needs; exit 3 at once. */
static void
assert_refused(const char *cmd, const char *flag, const char *path,
    const char *kind)
{
	const char *send[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@example.test", "--from", "probe@example.test",
	    "--server", "127.0.0.1:9", "--no-check", flag, path, NULL };
	const char *other[] = { SMTPPROBE_BIN, cmd, flag, path, "x", NULL };
	const char *const *argv = other;
	struct cmd_run r;

	/* --to makes an ad-hoc run, which reads no config file. */
	if (strcmp(cmd, "send") == 0 && strcmp(flag, "--config") == 0)
		other[4] = NULL;
	else if (strcmp(cmd, "send") == 0)
		argv = send;
	cr_assert_eq(cmd_run(&r, argv, FILES_WAIT_MS), 0,
	    "%s %s %s did not exit", cmd, flag, path);
	/*
	 * send takes a catalog that does not load as a warning ("no
	 * diagnosis") and probes all the same: exit 1 here, the connection
	 * being refused. Everywhere else the file is needed: exit 3.
	 */
	cr_assert_eq(r.status, strcmp(cmd, "send") == 0 &&
	    strcmp(flag, "--catalog") == 0 ? 1 : 3, "%s %s %s: exit %d: %s",
	    cmd, flag, path, r.status, r.err);
	cr_assert_lt(r.elapsed_ms, FILES_FAST_MS);
	cr_assert_not_null(strstr(r.err, "not a regular file"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, kind), "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_files, a_fifo_is_refused_at_once_wherever_a_file_is_read)
{
	assert_refused("send", "--body-file", fifo, "FIFO");
	assert_refused("send", "--config", fifo, "FIFO");
	assert_refused("send", "--profile", fifo, "FIFO");
	assert_refused("send", "--catalog", fifo, "FIFO");
	assert_refused("explain", "--catalog", fifo, "FIFO");
	assert_refused("explain", "--profile", fifo, "FIFO");
}

Test(cli_files, a_directory_and_a_device_are_refused_in_words)
{
	assert_refused("send", "--body-file", dir.path, "directory");
	assert_refused("send", "--config", dir.path, "directory");
	assert_refused("send", "--catalog", "/dev/zero", "device");
	assert_refused("send", "--body-file", "/dev/zero", "device");
}
