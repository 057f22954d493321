/*
 * fakemx_run - start and stop the fake MX (tests/fakemx) from a test.
 *
 * For Criterion tests only: it forks and executes the fakemx binary
 * (FAKEMX_BIN, an absolute path set by the Makefile) and, for TLS, the
 * certificate script (MKCERTS_SH). Each run gets its own temporary
 * directory (under $TMPDIR or /tmp) holding the scenario (when given as
 * text), the log and the certificates; fakemx_run_stop() removes it.
 *
 * The fakemx process gets SIGTERM when the test process dies, so a test
 * that fails half-way does not leave a server behind.
 *
 * Read the log only after fakemx has exited (fakemx_run_wait() with
 * --sessions given to start), or lines of a session still running may
 * be missing.
 *
 * Errors: functions returning int return -1 after printing one line to
 * stderr beginning with "fakemx_run:".
 */
#ifndef SMTPPROBE_FAKEMX_RUN_H
#define SMTPPROBE_FAKEMX_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Room for a temporary directory path plus a file name. */
#define FAKEMX_RUN_PATH_MAX	512
/* How long start waits for the port, and stop for the exit. */
#define FAKEMX_RUN_START_MS	5000
#define FAKEMX_RUN_STOP_MS	5000
/* A log longer than this is a runaway test. */
#define FAKEMX_RUN_LOG_MAX	(16 * 1024 * 1024)

struct fakemx_run {
	pid_t	 pid;		/* -1 when not running */
	int	 port;		/* where fakemx listens */
	int	 status;	/* exit status once reaped, else -1 */
	bool	 is_reaped;
	bool	 has_tls;
	char	 dir[FAKEMX_RUN_PATH_MAX];	/* the run's temp dir */
	char	 logpath[FAKEMX_RUN_PATH_MAX];
	char	 capath[FAKEMX_RUN_PATH_MAX];	/* dir/ca.pem */
};

/*
 * fakemx_run_start - start fakemx. scenario is a path when it has no
 * newline and names an existing file; otherwise it is the scenario text,
 * written to a file in the run's directory. listen_addr NULL means
 * 127.0.0.1; sessions 0 means serve until stopped. with_tls makes
 * certificates (tests/mkcerts.sh) and passes server.pem to --cert.
 * Returns 0 with r->port set, or -1. Call fakemx_run_stop() in both
 * cases: after -1 it returns fakemx's exit status if it ran (2 for a bad
 * scenario) and removes the directory.
 */
int	 fakemx_run_start(struct fakemx_run *r, const char *scenario,
	    const char *listen_addr, int sessions, bool with_tls);

/*
 * fakemx_run_start_cert - fakemx_run_start() serving the certificate
 * cert_name (one tests/mkcerts.sh makes: "server", "wrongname",
 * "expired", "selfsigned"; NAME.pem and NAME.key in the run's directory)
 * for STARTTLS; NULL means no TLS. fakemx_run_ca() is the CA either way
 * when cert_name is given. Returns 0 with r->port set, or -1.
 */
int	 fakemx_run_start_cert(struct fakemx_run *r, const char *scenario,
	    const char *listen_addr, int sessions, const char *cert_name);

/*
 * fakemx_run_start_dns - fakemx_run_start_cert() with --dns-server
 * dns_server ("IP:PORT"; NULL: none), which fakemx's ?spf conditions
 * ask. Returns 0 with r->port set, or -1.
 */
int	 fakemx_run_start_dns(struct fakemx_run *r, const char *scenario,
	    const char *listen_addr, int sessions, const char *cert_name,
	    const char *dns_server);

/*
 * fakemx_run_wait - wait up to timeout_ms for fakemx to exit by itself
 * (--sessions). Returns its exit status (0, 1 or 2), or -1 on timeout,
 * after killing it.
 */
int	 fakemx_run_wait(struct fakemx_run *r, int timeout_ms);

/*
 * fakemx_run_stop - SIGTERM fakemx if it still runs, reap it, remove the
 * run's directory. Returns the exit status, or -1 if it did not exit
 * normally or never ran. Safe on a zeroed struct and when called twice.
 */
int	 fakemx_run_stop(struct fakemx_run *r);

/*
 * fakemx_run_log - the whole log so far, NUL-terminated. The caller owns
 * it and frees it with free(). NULL on error.
 */
char	*fakemx_run_log(const struct fakemx_run *r);

/* fakemx_run_ca - path of the test CA (ca.pem); NULL without TLS. */
const char *fakemx_run_ca(const struct fakemx_run *r);

/*
 * fakemx_run_scenario - the path of a shipped scenario such as
 * "gmail-sim.scn", found next to MKCERTS_SH (tests/scenarios/). Returns
 * 0, or -1 if it does not fit in size.
 */
int	 fakemx_run_scenario(char *buf, size_t size, const char *name);

#endif
