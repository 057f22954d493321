/*
 * fakemx - a scripted fake MX for smtpprobe's integration tests and demo.
 *
 *	fakemx --scenario FILE [--listen ADDR] [--port N] [--cert PEM
 *	    --key PEM] [--log FILE] [--sessions N] [--port-file FILE]
 *	    [--timeout SECONDS] [--dns-server IP:PORT]
 *
 * Listens on ADDR (default 127.0.0.1), prints the port and a newline to
 * stdout once listening (and writes it to --port-file, atomically), then
 * serves each accepted connection in a forked child following the
 * scenario (tests/fakemx/README.md). With --dns-server, each MAIL FROM
 * is checked with the project's SPF evaluator (probe_spf) asking that
 * server, for the scenario's ?spf=RESULT conditions. With --sessions N it stops accepting
 * after N connections and exits when their children have; otherwise it
 * serves until SIGTERM or SIGINT, which it passes on to the children.
 *
 * Exit status: 0; 1 when a session broke a scenario assertion
 * (expect-source) or a child failed; 2 for a usage or configuration
 * error, such as "fakemx: FILE:LINE: message" for a bad scenario line.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "probe/dns/probe_dns.h"

#include "fakemx_scenario.h"
#include "fakemx_session.h"
#include "fakemx_util.h"

#define EXIT_ASSERT	1
#define EXIT_USAGE	2
#define BACKLOG		64
/* Children alive at once; a test never needs more. */
#define CHILDREN_MAX	128
/* How often the accept loop wakes up to reap children and see signals. */
#define POLL_MS		200
/* How often the final wait for children looks at them and at signals. */
#define WAIT_POLL_MS	10
/* The longest --port-file path with its ".tmp.PID" suffix. */
#define PATH_BUF	4096
#define TIMEOUT_MAX	86400L
#define PORT_MAX	65535L

/* Set by the SIGTERM/SIGINT handler, read by the accept and wait loops. */
static volatile sig_atomic_t	 stop_requested;

struct options {
	const char	*scenario;
	const char	*listen;
	const char	*port;
	const char	*cert;
	const char	*key;
	const char	*log;
	const char	*sessions;
	const char	*port_file;
	const char	*timeout;
	const char	*dns_server;
};

struct server {
	struct fakemx_config	 cfg;
	int			 lfd;
	long			 sessions_max;	/* 0: till a signal */
	unsigned long		 nsessions;
	pid_t			 children[CHILDREN_MAX];
	size_t			 nchildren;
	bool			 is_failed;	/* exit 1 at the end */
	bool			 is_child;	/* a session process */
	int			 child_rc;
};

static void
usage(void)
{
	fprintf(stderr, "usage: fakemx --scenario FILE [--listen ADDR] "
	    "[--port N] [--cert PEM --key PEM]\n"
	    "              [--log FILE] [--sessions N] [--port-file FILE] "
	    "[--timeout SECONDS]\n"
	    "              [--dns-server IP:PORT]\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	const struct {
		const char	 *name;
		const char	**value;
	} defs[] = {
		{ "--scenario", &o->scenario },
		{ "--listen", &o->listen },
		{ "--port", &o->port },
		{ "--cert", &o->cert },
		{ "--key", &o->key },
		{ "--log", &o->log },
		{ "--sessions", &o->sessions },
		{ "--port-file", &o->port_file },
		{ "--timeout", &o->timeout },
		{ "--dns-server", &o->dns_server },
	};
	size_t	 d, n = sizeof(defs) / sizeof(defs[0]);
	int	 i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i += 2) {
		for (d = 0; d < n && strcmp(argv[i], defs[d].name) != 0; d++)
			continue;
		if (d == n || i + 1 == argc) {
			fprintf(stderr, "fakemx: %s: %s\n", argv[i], d == n ?
			    "unknown option" : "needs a value");
			return -1;
		}
		*defs[d].value = argv[i + 1];
	}
	if (o->scenario == NULL || (o->cert == NULL) != (o->key == NULL)) {
		fprintf(stderr, "fakemx: --scenario is required, and --cert "
		    "and --key go together\n");
		return -1;
	}
	return 0;
}

/* number - parse an optional numeric option, def when absent. */
static int
number(const char *name, const char *s, long max, long def, long *out)
{
	if (s == NULL) {
		*out = def;
		return 0;
	}
	if (fakemx_util_parse_long(s, 0, max, out) == 0)
		return 0;
	fprintf(stderr, "fakemx: %s: '%s' is not a number from 0 to %ld\n",
	    name, s, max);
	return -1;
}

static SSL_CTX *
tls_setup(const char *cert, const char *key)
{
	const char	*why;
	SSL_CTX		*ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		why = ERR_reason_error_string(ERR_peek_last_error());
		fprintf(stderr, "fakemx: cannot use %s and %s: %s\n", cert, key,
		    why != NULL ? why : "OpenSSL error");
		SSL_CTX_free(ctx);
		return NULL;
	}
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* A client that drops the TCP connection just ends the session. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	return ctx;
}

/* listen_on - a listening TCP socket on the address literal and port. */
static int
listen_on(const char *addr, long port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 canon[FAKEMX_ADDR_MAX];
	int			 fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (fakemx_util_addr_canon(addr, canon, sizeof(canon)) == -1) {
		fprintf(stderr, "fakemx: --listen: '%s' is not an IP address\n",
		    addr);
		return -1;
	}
	if (inet_pton(AF_INET, canon, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, canon, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(*sin) : sizeof(*sin6)) == -1 || listen(fd, BACKLOG) == -1) {
		fprintf(stderr, "fakemx: listen on %s port %ld: %s\n", addr,
		    port, strerror(errno));
		if (fd != -1)
			(void)close(fd); /* failing anyway */
		return -1;
	}
	return fd;
}

static int
bound_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 addr[FAKEMX_ADDR_MAX];
	unsigned		 port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    fakemx_util_addr_format((struct sockaddr *)&ss, addr,
	    sizeof(addr), &port) == -1)
		return -1;
	return (int)port;
}

/* write_port_file - write the port to path.tmp, then rename it to path. */
static int
write_port_file(const char *path, int port)
{
	char	 tmp[PATH_BUF];
	FILE	*fp;
	int	 rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	fp = fopen(tmp, "w");
	if (fp == NULL)
		return -1;
	rc = fprintf(fp, "%d\n", port) < 0 ? -1 : 0;
	if (fclose(fp) == EOF || rc == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp); /* best effort */
		return -1;
	}
	return 0;
}

static int
announce_port(const struct options *o, int lfd)
{
	int	 port;

	port = bound_port(lfd);
	if (port == -1 || printf("%d\n", port) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "fakemx: cannot report the port\n");
		return -1;
	}
	if (o->port_file != NULL && write_port_file(o->port_file, port) == -1) {
		fprintf(stderr, "fakemx: cannot write %s\n", o->port_file);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
signals_setup(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() and nanosleep() return to see the flag. */
	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	/* A client that goes away must not kill its session with SIGPIPE. */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* child_exited - forget pid; a failed or crashed child fails the run. */
static void
child_exited(struct server *sv, pid_t pid, int status)
{
	size_t	 i;

	for (i = 0; i < sv->nchildren; i++)
		if (sv->children[i] == pid) {
			sv->children[i] = sv->children[--sv->nchildren];
			break;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		sv->is_failed = true;
	/* The SIGTERM we pass on when told to stop is not a failure. */
	if (WIFSIGNALED(status) &&
	    !(stop_requested && WTERMSIG(status) == SIGTERM))
		sv->is_failed = true;
}

/* reap - collect every child that has exited, without waiting. */
static void
reap(struct server *sv)
{
	pid_t	 pid;
	int	 status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == ECHILD)
			sv->nchildren = 0;
		if (pid <= 0)
			return;
		child_exited(sv, pid, status);
	}
}

/* wait_children - wait for every child, passing on a stop request. */
static void
wait_children(struct server *sv)
{
	size_t	 i;
	bool	 is_passed_on = false;

	for (;;) {
		reap(sv);
		if (sv->nchildren == 0)
			return;
		if (stop_requested && !is_passed_on) {
			/* A child may have exited since reap(): no check. */
			for (i = 0; i < sv->nchildren; i++)
				(void)kill(sv->children[i], SIGTERM);
			is_passed_on = true;
		}
		fakemx_util_sleep_ms(WAIT_POLL_MS);
	}
}

static int
peer_facts(struct server *sv, int fd, const struct sockaddr_storage *ss,
    struct fakemx_peer *p)
{
	struct sockaddr_storage	 local;
	socklen_t		 len = sizeof(local);
	const char		*expect = sv->cfg.scenario->expect_source;

	memset(p, 0, sizeof(*p));
	p->id = ++sv->nsessions;
	if (fakemx_util_addr_format((const struct sockaddr *)ss, p->addr,
	    sizeof(p->addr), &p->port) == -1 ||
	    getsockname(fd, (struct sockaddr *)&local, &len) == -1 ||
	    fakemx_util_addr_format((struct sockaddr *)&local, p->local,
	    sizeof(p->local), &p->local_port) == -1)
		return -1;
	p->is_unexpected = expect != NULL && strcmp(expect, p->addr) != 0;
	if (p->is_unexpected)
		sv->is_failed = true;
	return 0;
}

/*
 * fork_session - serve the connection in a child. Signals stay blocked
 * across fork() so that a SIGTERM cannot reach the child before it has
 * its default action back; it is delivered right after.
 */
static void
fork_session(struct server *sv, int fd, const struct fakemx_peer *peer)
{
	sigset_t	 block, old;
	pid_t		 pid;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &block, &old); /* valid arguments */
	pid = fork();
	if (pid == 0) {
		(void)signal(SIGTERM, SIG_DFL); /* valid arguments */
		(void)signal(SIGINT, SIG_DFL);
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		(void)close(sv->lfd); /* the parent keeps listening */
		sv->lfd = -1;
		sv->is_child = true;
		sv->child_rc = fakemx_session_serve(&sv->cfg, fd, peer);
		return;
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)close(fd); /* the child has it */
	if (pid == -1) {
		fprintf(stderr, "fakemx: fork: %s\n", strerror(errno));
		sv->is_failed = true;
		return;
	}
	sv->children[sv->nchildren++] = pid;
}

static void
accept_one(struct server *sv)
{
	struct sockaddr_storage	 ss;
	struct fakemx_peer	 peer;
	socklen_t		 len = sizeof(ss);
	int			 fd, one = 1;

	fd = accept(sv->lfd, (struct sockaddr *)&ss, &len);
	if (fd == -1)
		return;	/* EINTR, or the client gave up already */
	/*
	 * Real MX hosts answer without Nagle delays; without this the reply
	 * after the TLS session tickets waits 40 ms for a delayed ACK and
	 * the client's stage timings would show it.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (peer_facts(sv, fd, &ss, &peer) == -1) {
		fprintf(stderr, "fakemx: cannot read the peer address\n");
		sv->is_failed = true;
		(void)close(fd); /* nothing was sent on it */
		return;
	}
	fork_session(sv, fd, &peer);
}

static bool
wants_more(const struct server *sv)
{
	if (stop_requested || sv->is_child)
		return false;
	return sv->sessions_max == 0 ||
	    sv->nsessions < (unsigned long)sv->sessions_max;
}

/* serve - accept and fork until done, then wait for the children. */
static void
serve(struct server *sv)
{
	struct pollfd	 pfd;

	pfd.fd = sv->lfd;
	pfd.events = POLLIN;
	while (wants_more(sv)) {
		reap(sv);
		if (sv->nchildren == CHILDREN_MAX) {
			fakemx_util_sleep_ms(WAIT_POLL_MS);
			continue;
		}
		if (poll(&pfd, 1, POLL_MS) == 1)
			accept_one(sv);
	}
	if (sv->is_child)
		return;
	(void)close(sv->lfd); /* refuse further clients at once */
	sv->lfd = -1;
	wait_children(sv);
}

/*
 * dns_setup - check --dns-server (by opening and closing a resolver on
 * it) and that the scenario's ?spf conditions have one.
 */
static int
dns_setup(struct server *sv, const struct options *o)
{
	struct probe_dns	 dns;
	char			 err[PROBE_DNS_MSG_MAX];

	if (o->dns_server == NULL) {
		if (!fakemx_scenario_has_spf(sv->cfg.scenario))
			return 0;
		fprintf(stderr, "fakemx: %s: a ?spf or ?dkim condition "
		    "needs --dns-server\n", o->scenario);
		return -1;
	}
	if (probe_dns_open(&dns, &(struct probe_dns_opts){
	    .dns_server = o->dns_server }, err, sizeof(err)) !=
	    PROBE_DNS_OK) {
		fprintf(stderr, "fakemx: --dns-server: %s\n", err);
		return -1;
	}
	probe_dns_close(&dns);
	sv->cfg.dns_server = o->dns_server;
	return 0;
}

static int
setup(struct server *sv, const struct options *o)
{
	long	 port, timeout;

	if (number("--port", o->port, PORT_MAX, 0, &port) == -1 ||
	    number("--sessions", o->sessions, LONG_MAX, 0,
	    &sv->sessions_max) == -1 ||
	    number("--timeout", o->timeout, TIMEOUT_MAX, 30, &timeout) == -1)
		return -1;
	sv->cfg.timeout_s = (int)timeout;
	if (dns_setup(sv, o) == -1)
		return -1;
	if (o->cert != NULL) {
		sv->cfg.tls = tls_setup(o->cert, o->key);
		if (sv->cfg.tls == NULL)
			return -1;
	}
	if (o->log != NULL) {
		sv->cfg.log_fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND,
		    0644);
		if (sv->cfg.log_fd == -1) {
			fprintf(stderr, "fakemx: %s: %s\n", o->log,
			    strerror(errno));
			return -1;
		}
	}
	if (signals_setup() == -1)
		return -1;
	sv->lfd = listen_on(o->listen != NULL ? o->listen : "127.0.0.1", port);
	if (sv->lfd == -1)
		return -1;
	return announce_port(o, sv->lfd);
}

int
main(int argc, char **argv)
{
	struct options		 o;
	struct fakemx_scenario	 sc;
	struct server		 sv;
	int			 rc = EXIT_USAGE;

	memset(&sc, 0, sizeof(sc));
	memset(&sv, 0, sizeof(sv));
	sv.lfd = -1;
	sv.cfg.log_fd = -1;
	sv.cfg.scenario = &sc;
	if (parse_options(argc, argv, &o) == -1) {
		usage();
		return EXIT_USAGE;
	}
	if (fakemx_scenario_load(&sc, o.scenario) == -1 ||
	    setup(&sv, &o) == -1)
		goto out;
	serve(&sv);
	if (sv.is_child)
		rc = sv.child_rc;
	else
		rc = sv.is_failed ? EXIT_ASSERT : EXIT_SUCCESS;
out:
	if (sv.lfd != -1)
		(void)close(sv.lfd); /* exiting */
	if (sv.cfg.log_fd != -1)
		(void)close(sv.cfg.log_fd);
	SSL_CTX_free(sv.cfg.tls);
	fakemx_scenario_free(&sc);
	return rc;
}
