/*
 * test_cli_body - what --body-file promises (issue #17): a file of at
 * most 1 MiB as read is accepted, whatever CRLF and dot-stuffing make of
 * it on the wire; one byte more is refused; a NUL byte is refused, since
 * SMTP carries text. Nothing is sent in these tests: the file is checked
 * before any connection, and the accepted case meets a closed port.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/tmp_dir.h"

#define WAIT_MS		20000
#define ONE_MIB		(1024 * 1024)

static struct tmp_dir dir;

static void
setup(void)
{
	cr_assert(tmp_dir_make(&dir));
}

static void
teardown(void)
{
	tmp_dir_remove(&dir);
}

TestSuite(cli_body, .init = setup, .fini = teardown, .timeout = 60);

/* A loopback port nobody listens on: the probe is refused at connect. */
static int
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_geq(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* send with a body file of n bytes of fill, a NUL at nul_at (or none). */
static void
send_body(struct cmd_run *r, size_t n, char fill, size_t nul_at)
{
	char *bytes = malloc(n), port[16], path[512];
	const char *argv[16];

	cr_assert_not_null(bytes);
	memset(bytes, fill, n);
	if (nul_at < n)
		bytes[nul_at] = '\0';
	cr_assert_not_null(tmp_dir_write(&dir, "body", bytes, n));
	free(bytes);
	snprintf(port, sizeof(port), "%d", closed_port());
	argv[0] = SMTPPROBE_BIN;
	argv[1] = "send";
	argv[2] = "--to";
	argv[3] = "postmaster@example.test";
	argv[4] = "--from";
	argv[5] = "probe@example.test";
	argv[6] = "--server";
	argv[7] = "127.0.0.1";
	argv[8] = "--port";
	argv[9] = port;
	argv[10] = "--body-file";
	argv[11] = tmp_dir_path(&dir, "body", path, sizeof(path));
	argv[12] = "--timeout";
	argv[13] = "2";
	argv[14] = NULL;
	cr_assert_eq(cmd_run(r, argv, WAIT_MS), 0);
}

/* Every byte a line end: the worst case on the wire, twice the size. */
Test(cli_body, a_body_file_of_exactly_1_mib_of_line_ends_is_accepted)
{
	struct cmd_run r;

	send_body(&r, ONE_MIB, '\n', (size_t)-1);
	/* Past the checks, refused at connect: a tempfail, not a usage. */
	cr_assert_eq(r.status, 1, "%s %s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "Connection refused"), "%s", r.out);
	cmd_run_free(&r);
}

Test(cli_body, one_byte_more_is_refused_before_any_connection)
{
	struct cmd_run r;

	send_body(&r, ONE_MIB + 1, 'x', (size_t)-1);
	cr_assert_eq(r.status, 3, "%s %s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "larger than 1 MiB (1048576 "
	    "bytes)"), "%s", r.err);
	cmd_run_free(&r);
}

Test(cli_body, a_nul_byte_is_refused_with_its_offset)
{
	struct cmd_run r;

	send_body(&r, 100, 'x', 42);
	cr_assert_eq(r.status, 3, "%s %s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "holds a NUL byte at offset 42"),
	    "%s", r.err);
	cmd_run_free(&r);
}
