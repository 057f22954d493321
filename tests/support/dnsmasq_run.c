/*
 * dnsmasq_run - a private dnsmasq on 127.0.0.1 for tests.
 * See dnsmasq_run.h for what it does and how it fails.
 */
#include "tests/support/dnsmasq_run.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Our fixed options, "--port=", "--user=", "--group=" and NULL. */
#define RUN_FIXED_ARGS		16
/* "--port=65535" and room to spare. */
#define RUN_PORT_ARG_MAX	24
/* How long one readiness query waits before it is sent again. */
#define RUN_PING_WAIT_MS	50
/* A DNS reply to our 17-byte query fits easily; 512 is the UDP classic. */
#define RUN_REPLY_MAX		512

struct run_argv {
	char		 port[RUN_PORT_ARG_MAX];
	const char	*argv[RUN_FIXED_ARGS + DNSMASQ_RUN_ARGS_MAX];
};

static void	run_err(struct dnsmasq_run *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
run_err(struct dnsmasq_run *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	/* Truncation keeps the start of the sentence: enough for a test. */
	(void)vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static int64_t
run_now_ms(void)
{
	struct timespec	ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
run_loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/*
 * Binds a socket of type to 127.0.0.1:port (0: any free port) and
 * returns the port bound, or -1. The socket is closed again: dnsmasq
 * binds the port itself a moment later, and a retry covers the race.
 */
static int
run_bind_port(int type, int port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, got = -1;

	fd = socket(AF_INET, type, 0);
	if (fd == -1)
		return -1;
	run_loopback(&sin, port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		got = ntohs(sin.sin_port);
	(void)close(fd);	/* nothing to flush on an unused socket */
	return got;
}

/* A port free for both UDP and TCP, as dnsmasq listens on both. */
static int
run_free_port(void)
{
	int	i, port;

	for (i = 0; i < DNSMASQ_RUN_ATTEMPTS; i++) {
		port = run_bind_port(SOCK_DGRAM, 0);
		if (port > 0 && run_bind_port(SOCK_STREAM, port) == port)
			return port;
	}
	return -1;
}

static int
run_build_argv(struct dnsmasq_run *r, const char *const *extra,
    struct run_argv *a)
{
	static const char *const fixed[] = {
		DNSMASQ_RUN_PATH, "--keep-in-foreground",
		"--conf-file=/dev/null",
		"--no-resolv", "--no-hosts", "--no-poll",
		"--listen-address=127.0.0.1", "--bind-interfaces",
		"--pid-file=", "--log-facility=/dev/null",
	};
	size_t	n = 0, i;

	_Static_assert(sizeof(fixed) / sizeof(fixed[0]) + 4 <= RUN_FIXED_ARGS,
	    "room for --port, --user, --group and NULL");
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		a->argv[n++] = fixed[i];
	/* Fits: RUN_PORT_ARG_MAX holds any port number. */
	(void)snprintf(a->port, sizeof(a->port), "--port=%d", r->port);
	a->argv[n++] = a->port;
	/*
	 * As root, dnsmasq would switch to user "nobody" and group "dip",
	 * and either change clears the parent-death signal that cleans up
	 * after a crashed test.
	 */
	if (geteuid() == 0) {
		a->argv[n++] = "--user=root";
		a->argv[n++] = "--group=root";
	}
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (i == DNSMASQ_RUN_ARGS_MAX) {
			run_err(r, "more than %d dnsmasq arguments",
			    DNSMASQ_RUN_ARGS_MAX);
			return -1;
		}
		a->argv[n++] = extra[i];
	}
	a->argv[n] = NULL;
	return 0;
}

/*
 * The child between fork() and exec: only async-signal-safe calls, as
 * the test process may have threads.
 */
static void
run_child(const struct run_argv *a, pid_t parent, int errfd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(126);
	if (dup2(errfd, STDOUT_FILENO) == -1 ||
	    dup2(errfd, STDERR_FILENO) == -1)
		_exit(126);
	/* execv() takes char *const[] for historical reasons only. */
	execv(DNSMASQ_RUN_PATH, (char *const *)(uintptr_t)a->argv);
	_exit(127);
}

/* Sends a query for ". A" and reports whether any reply came back. */
static int
run_ping(int fd, uint16_t id)
{
	unsigned char	q[] = { id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0,
			    0, 0, 0, 0, 0, 0, 1, 0, 1 };
	unsigned char	reply[RUN_REPLY_MAX];
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	ssize_t		n;

	if (send(fd, q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return 0;	/* ECONNREFUSED until dnsmasq listens */
	if (poll(&pfd, 1, RUN_PING_WAIT_MS) <= 0)
		return 0;
	n = recv(fd, reply, sizeof(reply), 0);
	return n >= 2 && reply[0] == q[0] && reply[1] == q[1];
}

/*
 * Puts the first non-empty line dnsmasq wrote to stderr into r->error.
 * Returns whether it says the port was taken, the one failure a retry
 * on another port can mend.
 */
static int
run_read_stderr(struct dnsmasq_run *r, int errfd, int status)
{
	char	buf[DNSMASQ_RUN_ERR_MAX], *line;
	ssize_t	n;

	n = pread(errfd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	/* dnsmasq starts its complaint with an empty line. */
	line = buf + strspn(buf, " \n");
	line[strcspn(line, "\n")] = '\0';
	if (WIFEXITED(status))
		run_err(r, "dnsmasq exited with %d: %s", WEXITSTATUS(status),
		    line);
	else
		run_err(r, "dnsmasq died of signal %d: %s", WTERMSIG(status),
		    line);
	return strstr(line, "in use") != NULL;
}

/* SIGTERM and reap; dnsmasq exits on SIGTERM at once. */
static void
run_kill(struct dnsmasq_run *r)
{
	int	status;

	if (r->pid <= 0)
		return;
	/* ESRCH cannot happen: the child is ours and not yet reaped. */
	(void)kill(r->pid, SIGTERM);
	while (waitpid(r->pid, &status, 0) == -1 && errno == EINTR)
		continue;
	r->pid = 0;
}

/*
 * Waits until dnsmasq answers on r->port. Returns 0 when it does, 1 when
 * it exited because the port was taken, -1 when it exited for another
 * reason, timed out or a socket failed (r->error says which).
 */
static int
run_wait_ready(struct dnsmasq_run *r, int errfd)
{
	struct sockaddr_in	sin;
	int64_t			deadline = run_now_ms() + DNSMASQ_RUN_START_MS;
	int			fd, status, rc = -1;
	uint16_t		id = 1;

	run_loopback(&sin, r->port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		run_err(r, "readiness socket: %s", strerror(errno));
		goto out;
	}
	run_err(r, "dnsmasq did not answer within %d ms", DNSMASQ_RUN_START_MS);
	while (run_now_ms() < deadline) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			r->pid = 0;
			rc = run_read_stderr(r, errfd, status) ? 1 : -1;
			break;
		}
		if (run_ping(fd, id++)) {
			r->error[0] = '\0';
			rc = 0;
			break;
		}
	}
out:
	if (fd != -1)
		(void)close(fd);	/* UDP: nothing to flush */
	return rc;
}

/* One try on a fresh port: 0 running, 1 port taken, -1 give up. */
static int
run_try(struct dnsmasq_run *r, const char *const *extra, int errfd)
{
	struct run_argv	a;
	pid_t		parent = getpid();
	int		rc;

	r->port = run_free_port();
	if (r->port == -1) {
		run_err(r, "no free port on 127.0.0.1: %s", strerror(errno));
		return -1;
	}
	if (run_build_argv(r, extra, &a) == -1)
		return -1;
	if (ftruncate(errfd, 0) == -1) {
		run_err(r, "ftruncate: %s", strerror(errno));
		return -1;
	}
	r->pid = fork();
	if (r->pid == -1) {
		r->pid = 0;
		run_err(r, "fork: %s", strerror(errno));
		return -1;
	}
	if (r->pid == 0)
		run_child(&a, parent, errfd);
	rc = run_wait_ready(r, errfd);
	if (rc == -1)
		run_kill(r);
	return rc;
}

/*
 * An unlinked temporary file for dnsmasq's stderr: nothing is left on
 * disk whatever happens to the test. Close-on-exec so dnsmasq gets it
 * only as its stdout and stderr.
 */
static int
run_errfile(struct dnsmasq_run *r)
{
	char	path[] = "/tmp/dnsmasq_run.XXXXXX";
	int	fd;

	fd = mkstemp(path);
	if (fd == -1) {
		run_err(r, "mkstemp: %s", strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		run_err(r, "fcntl: %s", strerror(errno));
		(void)close(fd);	/* unused */
		(void)unlink(path);	/* best effort on an error path */
		return -1;
	}
	/* Cannot fail: we just created it in a directory we can write. */
	(void)unlink(path);
	return fd;
}

int
dnsmasq_run_start(struct dnsmasq_run *r, const char *const *extra_args)
{
	int	errfd, i, rc = 1;

	memset(r, 0, sizeof(*r));
	errfd = run_errfile(r);
	if (errfd == -1)
		return -1;
	/* dnsmasq exits when another process took the port: try another. */
	for (i = 0; i < DNSMASQ_RUN_ATTEMPTS && rc == 1; i++)
		rc = run_try(r, extra_args, errfd);
	(void)close(errfd);	/* read-only for us */
	return rc == 0 ? 0 : -1;
}

void
dnsmasq_run_stop(struct dnsmasq_run *r)
{
	run_kill(r);
	memset(r, 0, sizeof(*r));
}
