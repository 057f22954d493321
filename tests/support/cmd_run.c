/*
 * cmd_run - spawn, collect output, reap, with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"

extern char **environ;

/* Captured output beyond this is a runaway program. */
#define CMD_RUN_OUT_MAX	(8u << 20)

/*
 * Tests never write the real history (/var/lib/smtpprobe for root): the
 * commands they run record nothing unless a test names a file with
 * --history, which wins over this.
 */
__attribute__((constructor)) static void
cmd_run_no_history(void)
{
	(void)setenv("SMTPPROBE_HISTORY", "off", 0);
}

static double
cmd_run_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmd_run_append(char **buf, size_t *len, int fd)
{
	char chunk[4096], *p;
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n <= 0)
		return n < 0 && errno == EINTR ? 1 : 0;
	if (*len + (size_t)n > CMD_RUN_OUT_MAX)
		return 1;
	p = realloc(*buf, *len + (size_t)n + 1);
	if (p == NULL)
		return 0;
	*buf = p;
	memcpy(p + *len, chunk, (size_t)n);
	*len += (size_t)n;
	p[*len] = '\0';
	return 1;
}

static void
cmd_run_collect(struct cmd_run *r, int outfd, int errfd, pid_t pid,
    double deadline)
{
	struct pollfd pfd[2] = { { .fd = outfd, .events = POLLIN },
	    { .fd = errfd, .events = POLLIN } };
	size_t outlen = 0, errlen = 0;
	int open = 2, n;

	while (open > 0) {
		n = poll(pfd, 2, 100);
		if (cmd_run_now_ms() > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (n <= 0)
			continue;
		if (pfd[0].revents && !cmd_run_append(&r->out, &outlen,
		    outfd)) {
			pfd[0].fd = -1;
			open--;
		}
		if (pfd[1].revents && !cmd_run_append(&r->err, &errlen,
		    errfd)) {
			pfd[1].fd = -1;
			open--;
		}
	}
}

int
cmd_run(struct cmd_run *r, const char *const *argv, int timeout_ms)
{
	return cmd_run_stdin(r, argv, timeout_ms, NULL);
}

int
cmd_run_stdin(struct cmd_run *r, const char *const *argv, int timeout_ms,
    const char *stdin_path)
{
	posix_spawn_file_actions_t fa;
	int outp[2], errp[2], st;
	pid_t pid;
	double t0 = cmd_run_now_ms();

	memset(r, 0, sizeof(*r));
	r->status = -1;
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if (r->out == NULL || r->err == NULL || pipe(outp) != 0 ||
	    pipe(errp) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawn_file_actions_addclose(&fa, outp[0]);
	posix_spawn_file_actions_addclose(&fa, errp[0]);
	/* The child opens the file: one that cannot be opened fails here. */
	if ((stdin_path != NULL && posix_spawn_file_actions_addopen(&fa, 0,
	    stdin_path, O_RDONLY, 0) != 0) || posix_spawn(&pid, argv[0], &fa,
	    NULL, (char *const *)argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(outp[1]);
	close(errp[1]);
	if (pid > 0)
		cmd_run_collect(r, outp[0], errp[0], pid, t0 + timeout_ms);
	close(outp[0]);
	close(errp[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	r->elapsed_ms = cmd_run_now_ms() - t0;
	if (!WIFEXITED(st))
		return -1;
	r->status = WEXITSTATUS(st);
	return 0;
}

void
cmd_run_free(struct cmd_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}
