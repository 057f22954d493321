/*
 * testnet - the test network a command-line test runs smtpprobe on, the
 * C side of scripts/lib-testnet.sh: a private folder (tmp_dir), a
 * dnsmasq on a high port of 127.0.0.1 serving the test's zone
 * (dnsmasq_run), the fake MX on 127.0.0.1 playing a scenario
 * (fakemx_run), and the flags that point a run of smtpprobe at them.
 *
 * What it does not do: run smtpprobe (cmd_run does, with the argv the
 * test builds), or assert anything: a test asserts on what the
 * functions return, so a failure names the test.
 *
 * Ownership: struct testnet is the test's (a static of the test file, as
 * Criterion's .init and .fini share nothing else); it owns the folder,
 * both processes and the strings below. Every pointer it hands out stays
 * valid until testnet_stop(). A test may reach the parts directly
 * (tmp_dir_write(&net.dir, ...), fakemx_run_log(&net.mx), a fake MX of
 * its own on ::1 in net.mx): testnet_stop() stops whatever is running.
 * Only testnet_mx_start() fills mx_port and mx_server: after starting
 * net.mx by hand, a test takes the port from net.mx.port.
 *
 * Limits: TESTNET_ARGS flags at most from testnet_args(); zone and
 * scenario as dnsmasq_run and fakemx_run take them.
 *
 * Errors: functions returning int return 0, or -1 with one line in
 * t->error (fakemx_run also says why on stderr).
 */
#ifndef SMTPPROBE_TESTS_TESTNET_H
#define SMTPPROBE_TESTS_TESTNET_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"
#include "tests/support/tmp_dir.h"

#define TESTNET_ERR_MAX		256
/* "127.0.0.1:65535" and "[::1]:65535" with room to spare. */
#define TESTNET_ADDR_MAX	48
/* The most flags testnet_args() appends. */
#define TESTNET_ARGS		9
/* The largest file testnet_copy() copies; fixture keys are a few KiB. */
#define TESTNET_COPY_MAX	(64 * 1024)
/* --timeout of a probe at the fake MX: loopback answers in milliseconds. */
#define TESTNET_TIMEOUT		"5"

/*
 * The simulated Gmail's zone (tests/scenarios/gmail-sim.scn): gmail.test's
 * MX is mx1.gmail.test at 127.0.0.1, and any other name under .test is
 * NXDOMAIN. For a zone array: { TESTNET_GMAIL_ZONE, more..., NULL }.
 */
#define TESTNET_GMAIL_ZONE \
	"--local=/test/", \
	"--mx-host=gmail.test,mx1.gmail.test,5", \
	"--host-record=mx1.gmail.test,127.0.0.1"

/*
 * The sender's domain, for a zone after "--local=/test/" (or
 * TESTNET_GMAIL_ZONE): example.test's SPF lists 127.0.0.2 only, so
 * mail from 127.0.0.3 fails SPF (gmail-sim-spf.scn decides by it), and
 * reverse names are NXDOMAIN unless the test adds a PTR record.
 */
#define TESTNET_SENDER_ZONE \
	"--local=/in-addr.arpa/", \
	"--txt-record=example.test,v=spf1 ip4:127.0.0.2 -all"

/*
 * One sending path of a config file, for the simulated Gmail: from
 * probe@example.test at source to postmaster@gmail.test under the
 * profile "gmail". A config is "paths:\n" and one or more of these
 * (lib-testnet.sh's testnet_paths writes the same).
 */
#define TESTNET_PATH(name, source) \
	"  - name: " name "\n" \
	"    source: " source "\n" \
	"    mail_from: probe@example.test\n" \
	"    recipients:\n" \
	"      gmail: postmaster@gmail.test\n"

/* Room for testnet_txt_record()'s argument: a 2048-bit RSA key's record. */
#define TESTNET_TXT_MAX		1024

/* testnet_mx_start()'s flags. */
/* STARTTLS with the certificate "server" (tests/mkcerts.sh). */
#define TESTNET_MX_TLS		0x1
/* fakemx's ?spf conditions ask our dnsmasq (--dns-server). */
#define TESTNET_MX_SPF		0x2

struct testnet {
	struct tmp_dir		dir;
	struct dnsmasq_run	dns;
	struct fakemx_run	mx;
	char	dns_server[TESTNET_ADDR_MAX];	/* "127.0.0.1:PORT"; "" */
	char	mx_port[16];			/* for --port; "" */
	char	mx_server[TESTNET_ADDR_MAX];	/* for --server; "" */
	char	config[PATH_MAX];	/* dir/smtpprobe.yaml once written */
	char	lock[PATH_MAX];		/* dir/lock, for --lock-file */
	/* --timeout in testnet_args(): TESTNET_TIMEOUT; a test may set it. */
	const char *timeout;
	char	error[TESTNET_ERR_MAX];
};

/*
 * testnet_start - zero *t, ignore SIGPIPE in this process (a server that
 * closes first must not end the test), make the folder and, unless zone
 * is NULL, start dnsmasq with zone (NULL-terminated, borrowed) and fill
 * t->dns_server. Call testnet_stop() whatever it returns.
 * Returns 0, or -1 with t->error set.
 */
int	testnet_start(struct testnet *t, const char *const *zone);

/*
 * testnet_config - write text (NUL-terminated) to smtpprobe.yaml in the
 * folder and fill t->config with its path.
 * Returns 0, or -1 with t->error set.
 */
int	testnet_config(struct testnet *t, const char *text);

/*
 * testnet_mx_start - start the fake MX on 127.0.0.1 playing scenario: a
 * shipped scenario's name when it holds neither '/' nor a newline
 * ("gmail-sim.scn", from tests/scenarios/), else what fakemx_run_start()
 * takes (a path, or the text). sessions 0 serves until stopped. flags:
 * TESTNET_MX_TLS, TESTNET_MX_SPF (needs dnsmasq). Fills t->mx_port and
 * t->mx_server. A fake MX already running in t->mx is stopped first.
 * Returns 0, or -1 with t->error set.
 */
int	testnet_mx_start(struct testnet *t, const char *scenario,
	    int sessions, unsigned flags);

/*
 * testnet_args - append to argv[*n..max) the flags that send smtpprobe's
 * probes to this network: --allow-loopback-mx (the test MX is on
 * loopback), --dns-server (when dnsmasq runs), --port (when the fake MX
 * runs), --tls-ca (when it has TLS) and --timeout t->timeout. The
 * strings are t's or literals. Adds to *n; argv[*n] is not terminated.
 * Returns 0, or -1 with nothing appended and t->error set when
 * TESTNET_ARGS more do not fit below max.
 */
int	testnet_args(struct testnet *t, const char **argv, size_t *n,
	    size_t max);

/*
 * testnet_gmail_start - the network most command-line tests use:
 * testnet_start() with TESTNET_GMAIL_ZONE alone, testnet_config(config)
 * unless config is NULL, and the simulated Gmail (gmail-sim.scn: mail
 * from 127.0.0.2 only) with STARTTLS, serving until stopped. Call
 * testnet_stop() whatever it returns.
 * Returns 0, or -1 with t->error set.
 */
int	testnet_gmail_start(struct testnet *t, const char *config);

/*
 * testnet_txt_record - "--txt-record=NAME,PART,PART..." in out, for a
 * zone: the first line of the file at path (a DKIM key record from
 * tests/fixtures/dkim/) as one TXT record of name, split into strings
 * dnsmasq can carry (RFC 1035 3.3.14: at most 255 bytes each). Needs no
 * network: the zone is made before testnet_start().
 * Returns 0, or -1 when the file cannot be read or the argument does
 * not fit in outlen.
 */
int	testnet_txt_record(char *out, size_t outlen, const char *name,
	    const char *path);

/*
 * testnet_copy - copy the file at path (a fixture: git keeps no modes)
 * into the folder as name, with mode. Returns the copy's path, valid
 * until testnet_stop(), or NULL with t->error set (the file cannot be
 * read or is longer than TESTNET_COPY_MAX).
 */
const char *testnet_copy(struct testnet *t, const char *name,
	    const char *path, mode_t mode);

/*
 * testnet_stop - stop the fake MX, then dnsmasq, and remove the folder
 * and what is in it. Safe on a zeroed struct and when called twice.
 */
void	testnet_stop(struct testnet *t);

#endif
