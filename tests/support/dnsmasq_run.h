/*
 * dnsmasq_run - a private dnsmasq on 127.0.0.1 for tests, never the
 * system resolver and never the network.
 *
 * What it does: starts /usr/sbin/dnsmasq in the foreground on a free high
 * port of 127.0.0.1 (UDP and TCP), with no configuration file, no
 * /etc/hosts, no /etc/resolv.conf and no upstream server, so it answers
 * only from the records given in extra_args ("--mx-host=...",
 * "--host-record=...", "--dns-rr=...", "--local=/test/", ...). It waits
 * until dnsmasq answers a query, and stops it again.
 *
 * How dnsmasq 2.90 answers, found by trying it (see tests/test_probe_mx.c):
 * a name it has no record for is REFUSED (no upstream), unless a
 * "--local=/zone/" covers it: then it is NXDOMAIN, and a known name asked
 * for a type it lacks is NOERROR with no data. "--mx-host=d,.,0" and
 * "--dns-rr=d,15,000000" both publish a null MX (RFC 7505).
 *
 * It leaves nothing on disk: dnsmasq logs to /dev/null and its stderr goes
 * to an unlinked temporary file, read only to explain a failed start.
 *
 * Limits: DNSMASQ_RUN_START_MS to come up, DNSMASQ_RUN_ATTEMPTS ports
 * tried; DNSMASQ_RUN_ARGS_MAX extra arguments.
 *
 * Errors: dnsmasq_run_start() returns -1 and leaves one line in r->error.
 */
#ifndef SMTPPROBE_DNSMASQ_RUN_H
#define SMTPPROBE_DNSMASQ_RUN_H

#include <sys/types.h>

#define DNSMASQ_RUN_PATH	"/usr/sbin/dnsmasq"
/*
 * dnsmasq starts in a few milliseconds; a loaded machine (ASan tests run
 * in parallel with builds) was seen to need more than 3 s. The wait ends
 * as soon as it answers.
 */
#define DNSMASQ_RUN_START_MS	10000
/* Another process may take the port between our probe and dnsmasq's bind. */
#define DNSMASQ_RUN_ATTEMPTS	5
/*
 * Enough for a test publishing a few hundred records (300 MX records in
 * tests/test_hostile_dns.c).
 */
#define DNSMASQ_RUN_ARGS_MAX	320
#define DNSMASQ_RUN_ERR_MAX	256

struct dnsmasq_run {
	pid_t	pid;				/* 0 when not running */
	int	port;				/* UDP and TCP on 127.0.0.1 */
	char	error[DNSMASQ_RUN_ERR_MAX];	/* why start failed */
};

/*
 * dnsmasq_run_start - start dnsmasq with extra_args (NULL-terminated,
 * borrowed; NULL for none) and wait until it answers on r->port.
 * Fills *r (zeroed first). Stop with dnsmasq_run_stop(). dnsmasq gets
 * SIGTERM if the calling thread dies first, so a failed test leaves no
 * process behind.
 * Returns 0, or -1 with r->error set.
 */
int	dnsmasq_run_start(struct dnsmasq_run *r,
	    const char *const *extra_args);

/*
 * dnsmasq_run_stop - SIGTERM, wait, zero *r. Safe on a zeroed or already
 * stopped struct.
 */
void	dnsmasq_run_stop(struct dnsmasq_run *r);

#endif
