/*
 * fakemx_run - run the fake MX as a child of a test process.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakemx_run.h"

#ifndef FAKEMX_BIN
#define FAKEMX_BIN	"tests/fakemx/fakemx"
#endif
#ifndef MKCERTS_SH
#define MKCERTS_SH	"tests/mkcerts.sh"
#endif

/* fakemx takes at most 9 options with values, plus its name and NULL. */
#define ARGV_MAX	24
/* A decimal int with its newline and NUL. */
#define NUM_BUF		32
/* How often waits look at the child. */
#define POLL_STEP_MS	10
#define EXEC_FAILED	127

struct args {
	char	*v[ARGV_MAX];
	size_t	 n;
};

static void complain(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

static void
complain(const char *fmt, ...)
{
	va_list	 ap;

	fputs("fakemx_run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* add - append s to the argument vector; execv() does not write to it. */
static void
add(struct args *a, const char *s)
{
	if (a->n + 1 < ARGV_MAX)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static int
path_join(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, FAKEMX_RUN_PATH_MAX, "%s/%s", dir, name) >=
	    FAKEMX_RUN_PATH_MAX) {
		complain("path too long: %s/%s", dir, name);
		return -1;
	}
	return 0;
}

static long
now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail */
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL); /* a short sleep is harmless */
}

/*
 * spawn - run argv[0] in a child with stdout on out_fd (-1: inherited).
 * The child gets SIGTERM when this process dies and starts with no
 * blocked signals whatever the test runner blocked.
 */
static pid_t
spawn(const struct args *a, int out_fd)
{
	sigset_t	 none;
	pid_t		 parent = getpid(), pid;

	pid = fork();
	if (pid != 0)
		return pid;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(EXEC_FAILED);
	if (out_fd != -1 && dup2(out_fd, STDOUT_FILENO) == -1)
		_exit(EXEC_FAILED);
	execv(a->v[0], a->v);
	_exit(EXEC_FAILED);
}

static int
run_mkcerts(const char *dir)
{
	struct args	 a = { { NULL }, 0 };
	pid_t		 pid;
	int		 st;

	add(&a, "/bin/sh");
	add(&a, MKCERTS_SH);
	add(&a, dir);
	pid = spawn(&a, -1);
	if (pid == -1) {
		complain("fork: %s", strerror(errno));
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	complain("%s %s failed", MKCERTS_SH, dir);
	return -1;
}

static int
write_file(const char *path, const char *text)
{
	FILE	*fp;
	int	 rc;

	fp = fopen(path, "w");
	if (fp == NULL) {
		complain("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = fputs(text, fp) == EOF ? -1 : 0;
	if (fclose(fp) == EOF || rc == -1) {
		complain("cannot write %s", path);
		return -1;
	}
	return 0;
}

/* scenario_path - the scenario file to use; text goes into the run dir. */
static int
scenario_path(struct fakemx_run *r, const char *scenario, char *path)
{
	struct stat	 sb;

	if (strchr(scenario, '\n') == NULL && stat(scenario, &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		if (snprintf(path, FAKEMX_RUN_PATH_MAX, "%s", scenario) <
		    FAKEMX_RUN_PATH_MAX)
			return 0;
		complain("path too long: %s", scenario);
		return -1;
	}
	if (path_join(path, r->dir, "scenario.scn") == -1)
		return -1;
	return write_file(path, scenario);
}

static int
make_dir(struct fakemx_run *r)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(r->dir, sizeof(r->dir), "%s/fakemx-run.XXXXXX", tmp) >=
	    (int)sizeof(r->dir) || mkdtemp(r->dir) == NULL) {
		complain("cannot create a directory in %s", tmp);
		r->dir[0] = '\0';
		return -1;
	}
	return path_join(r->logpath, r->dir, "fakemx.log");
}

/* read_port - the first line fakemx prints, within FAKEMX_RUN_START_MS. */
static int
read_port(struct fakemx_run *r, int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[NUM_BUF], *end;
	long		 deadline = now_ms() + FAKEMX_RUN_START_MS, port;
	size_t		 len = 0;
	ssize_t		 n;

	while (memchr(buf, '\n', len) == NULL) {
		if (now_ms() >= deadline || len == sizeof(buf) - 1) {
			complain("no port from %s", FAKEMX_BIN);
			return -1;
		}
		if (poll(&pfd, 1, (int)(deadline - now_ms())) < 1)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0) {
			complain("%s exited before it listened", FAKEMX_BIN);
			return -1;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	errno = 0;
	port = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\n' || port < 1 || port > 65535) {
		complain("bad port line from %s", FAKEMX_BIN);
		return -1;
	}
	r->port = (int)port;
	return 0;
}

/* launch - start fakemx with the arguments and read its port. */
static int
launch(struct fakemx_run *r, const struct args *a)
{
	int	 p[2], rc;

	if (pipe(p) == -1) {
		complain("pipe: %s", strerror(errno));
		return -1;
	}
	/*
	 * Only the child's stdout should keep the pipe open; if this fails,
	 * a copy leaks into the child, which matters to nobody.
	 */
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	r->pid = spawn(a, p[1]);
	(void)close(p[1]); /* the child has its copy */
	rc = r->pid == -1 ? -1 : read_port(r, p[0]);
	if (r->pid == -1)
		complain("fork: %s", strerror(errno));
	(void)close(p[0]); /* fakemx prints nothing more */
	return rc;
}

/*
 * cert_paths - make the run's certificates and name the pair cert_name
 * (NAME.pem, NAME.key) and the CA.
 */
static int
cert_paths(struct fakemx_run *r, const char *cert_name, char *cert,
    char *key)
{
	char	 name[FAKEMX_RUN_PATH_MAX];

	if (snprintf(name, sizeof(name), "%s.pem", cert_name) >=
	    (int)sizeof(name) || path_join(cert, r->dir, name) == -1 ||
	    snprintf(name, sizeof(name), "%s.key", cert_name) >=
	    (int)sizeof(name) || path_join(key, r->dir, name) == -1 ||
	    path_join(r->capath, r->dir, "ca.pem") == -1 ||
	    run_mkcerts(r->dir) == -1)
		return -1;
	if (access(cert, R_OK) == -1) {
		complain("no certificate %s in %s", cert_name, r->dir);
		return -1;
	}
	return 0;
}

int
fakemx_run_start(struct fakemx_run *r, const char *scenario,
    const char *listen_addr, int sessions, bool with_tls)
{
	return fakemx_run_start_cert(r, scenario, listen_addr, sessions,
	    with_tls ? "server" : NULL);
}

int
fakemx_run_start_cert(struct fakemx_run *r, const char *scenario,
    const char *listen_addr, int sessions, const char *cert_name)
{
	return fakemx_run_start_dns(r, scenario, listen_addr, sessions,
	    cert_name, NULL);
}

int
fakemx_run_start_dns(struct fakemx_run *r, const char *scenario,
    const char *listen_addr, int sessions, const char *cert_name,
    const char *dns_server)
{
	char		 scn[FAKEMX_RUN_PATH_MAX], nsessions[NUM_BUF];
	char		 cert[FAKEMX_RUN_PATH_MAX];
	char		 key[FAKEMX_RUN_PATH_MAX];
	struct args	 a = { { NULL }, 0 };
	bool		 with_tls = cert_name != NULL;

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->status = -1;
	r->has_tls = with_tls;
	if (make_dir(r) == -1 || scenario_path(r, scenario, scn) == -1)
		return -1;
	if (with_tls && cert_paths(r, cert_name, cert, key) == -1)
		return -1;
	(void)snprintf(nsessions, sizeof(nsessions), "%d", sessions); /* fits */
	add(&a, FAKEMX_BIN);
	add(&a, "--scenario");
	add(&a, scn);
	add(&a, "--listen");
	add(&a, listen_addr != NULL ? listen_addr : "127.0.0.1");
	add(&a, "--sessions");
	add(&a, nsessions);
	add(&a, "--log");
	add(&a, r->logpath);
	if (with_tls) {
		add(&a, "--cert");
		add(&a, cert);
		add(&a, "--key");
		add(&a, key);
	}
	if (dns_server != NULL) {
		add(&a, "--dns-server");
		add(&a, dns_server);
	}
	return launch(r, &a);
}

/* reap_within - 0 once fakemx has exited (status noted), -1 on timeout. */
static int
reap_within(struct fakemx_run *r, int timeout_ms)
{
	long	 deadline = now_ms() + timeout_ms;
	pid_t	 p;
	int	 st;

	for (;;) {
		p = waitpid(r->pid, &st, WNOHANG);
		if (p == r->pid || (p == -1 && errno != EINTR)) {
			r->is_reaped = true;
			r->status = p == r->pid && WIFEXITED(st) ?
			    WEXITSTATUS(st) : -1;
			return 0;
		}
		if (now_ms() >= deadline)
			return -1;
		sleep_ms(POLL_STEP_MS);
	}
}

static void
kill_hard(struct fakemx_run *r)
{
	int	 st;

	(void)kill(r->pid, SIGKILL); /* it may be gone already */
	while (waitpid(r->pid, &st, 0) == -1 && errno == EINTR)
		continue;
	r->is_reaped = true;
	r->status = -1;
}

int
fakemx_run_wait(struct fakemx_run *r, int timeout_ms)
{
	if (r->pid <= 0)
		return -1;
	if (r->is_reaped)
		return r->status;
	if (reap_within(r, timeout_ms) == 0)
		return r->status;
	complain("fakemx did not exit within %d ms; killed it", timeout_ms);
	kill_hard(r);
	return -1;
}

static void
remove_dir(struct fakemx_run *r)
{
	char		 path[FAKEMX_RUN_PATH_MAX];
	struct dirent	*e;
	DIR		*d;

	if (r->dir[0] == '\0')
		return;
	d = opendir(r->dir);
	for (e = d != NULL ? readdir(d) : NULL; e != NULL; e = readdir(d)) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (path_join(path, r->dir, e->d_name) == 0)
			(void)unlink(path); /* rmdir() below tells */
	}
	if (d != NULL)
		(void)closedir(d);
	if (rmdir(r->dir) == -1)
		complain("cannot remove %s: %s", r->dir, strerror(errno));
	r->dir[0] = '\0';
}

int
fakemx_run_stop(struct fakemx_run *r)
{
	if (r->pid > 0 && !r->is_reaped) {
		(void)kill(r->pid, SIGTERM); /* it may have just exited */
		if (reap_within(r, FAKEMX_RUN_STOP_MS) == -1) {
			complain("fakemx ignored SIGTERM; killed it");
			kill_hard(r);
		}
	}
	remove_dir(r);
	return r->pid > 0 ? r->status : -1;
}

char *
fakemx_run_log(const struct fakemx_run *r)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n = 1;
	int		 fd;

	fd = open(r->logpath, O_RDONLY);
	if (fd == -1 || fstat(fd, &sb) == -1 ||
	    sb.st_size > FAKEMX_RUN_LOG_MAX) {
		complain("cannot read %s", r->logpath);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	while (buf != NULL && n > 0 && len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		len += n > 0 ? (size_t)n : 0;
	}
	if (buf == NULL || n < 0) {
		complain("cannot read %s", r->logpath);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
out:
	if (fd != -1)
		(void)close(fd); /* read-only */
	return buf;
}

const char *
fakemx_run_ca(const struct fakemx_run *r)
{
	return r->has_tls ? r->capath : NULL;
}

int
fakemx_run_scenario(char *buf, size_t size, const char *name)
{
	const char	*slash = strrchr(MKCERTS_SH, '/');
	int		 n;

	if (slash != NULL)
		n = snprintf(buf, size, "%.*s/scenarios/%s",
		    (int)(slash - MKCERTS_SH), MKCERTS_SH, name);
	else
		n = snprintf(buf, size, "scenarios/%s", name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
