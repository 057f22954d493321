/*
 * test_hostile_dns - the smtpprobe binary against DNS trouble: a private
 * dnsmasq on 127.0.0.1 publishes what each test needs (an MX at a CNAME,
 * at an IP literal, a null MX, 300 MX records), and a UDP socket the test
 * binds and never answers plays a name server that times out. The fake
 * MX (tests/fakemx) on 127.0.0.1 takes the probe where there is one,
 * and listens also where the probe must not connect, so that "no
 * attempt" means the probe decided not to connect.
 * Nothing leaves loopback.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/cmd_run.h"
#include "tests/support/dnsmasq_run.h"
#include "tests/support/fakemx_run.h"

#define DNS_ARGS_MAX		32
/* Generous: a probe against loopback takes milliseconds. */
#define DNS_WAIT_MS		20000
/* More MX records than PROBE_MX_HOSTS_MAX (16) by far. */
#define DNS_MANY_MX		300
#define DNS_MX_KEPT		16
/* "--mx-host=many.test,mx299.many.test,299" and room. */
#define DNS_ARG_LEN		64
/* What the probe may take past its --timeout (start-up, ASan). */
#define DNS_SLACK_MS		900

static struct dnsmasq_run dns;
static struct fakemx_run mx;

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	fakemx_run_stop(&mx);
	dnsmasq_run_stop(&dns);
}

TestSuite(hostile_dns, .init = setup, .fini = teardown, .timeout = 60);

/* dnsmasq with zone (NULL-terminated), and a fake MX for one session. */
static void
start(const char *const *zone)
{
	cr_assert_eq(dnsmasq_run_start(&dns, zone), 0, "dnsmasq: %s",
	    dns.error);
	cr_assert_eq(fakemx_run_start(&mx, "eod: 250 2.0.0 OK\n", "127.0.0.1",
	    1, false), 0, "fakemx did not start");
}

/*
 * Run "smtpprobe send --to postmaster@DOMAIN" with the common flags and
 * the DNS server at dns_port, then the extra ones (NULL-terminated).
 */
static void
probe(struct cmd_run *r, const char *domain, int dns_port, ...)
{
	const char *argv[DNS_ARGS_MAX];
	char to[128], dnsarg[64], portarg[16];
	size_t n = 0;
	va_list ap;
	const char *a;

	snprintf(to, sizeof(to), "postmaster@%s", domain);
	snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns_port);
	snprintf(portarg, sizeof(portarg), "%d", mx.port);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = to;
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	/* The test MX hosts are on loopback. */
	argv[n++] = "--allow-loopback-mx";
	argv[n++] = "--dns-server";
	argv[n++] = dnsarg;
	if (mx.port > 0) {
		argv[n++] = "--port";
		argv[n++] = portarg;
	}
	argv[n++] = "--starttls";
	argv[n++] = "off";
	va_start(ap, dns_port);
	while ((a = va_arg(ap, const char *)) != NULL && n < DNS_ARGS_MAX - 1)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(cmd_run(r, argv, DNS_WAIT_MS), 0,
	    "smtpprobe did not exit normally: %s", r->err);
}

Test(hostile_dns, an_mx_pointing_at_a_cname_is_followed_and_passes)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--mx-host=cname.test,alias.cname.test,10",
		"--cname=alias.cname.test,real.cname.test",
		"--host-record=real.cname.test,127.0.0.1",
		NULL,
	};
	struct cmd_run r;

	start(zone);
	probe(&r, "cname.test", dns.port, "--json", "--timeout", "5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "\"dns\":{\"status\":\"found\"") != NULL,
	    "%s", r.out);
	/* The MX name is kept as published; its address comes via the alias. */
	cr_assert(strstr(r.out, "{\"name\":\"alias.cname.test\",\"preference\":"
	    "10,\"addresses\":[\"127.0.0.1\"],\"error\":null}") != NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"pass\"") != NULL);
	cmd_run_free(&r);
}

/*
 * RFC 1035 3.3.9 and RFC 5321 5.1: an MX names a host, never an address.
 * We look "127.0.0.1" up as a name, as MTAs do; a real resolver says
 * NXDOMAIN for the TLD "1", which --local=/1/ reproduces. So the outcome
 * is no address for any MX: tempfail, exit 1, the rule said in words,
 * and no connection to 127.0.0.1 although something listens there.
 */
Test(hostile_dns, an_mx_that_is_an_ip_literal_is_no_address_said_in_words)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--local=/1/",
		"--mx-host=literal.test,127.0.0.1,10",
		NULL,
	};
	struct cmd_run r;

	start(zone);
	probe(&r, "literal.test", dns.port, "--json", "--timeout", "5", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"dns\":{\"status\":\"noaddr\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"error\":\"127.0.0.1: no address (NXDOMAIN); "
	    "an MX target must be a host name, not an IP address (RFC 1035 "
	    "3.3.9)\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"attempts\":[]") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"tempfail\"") != NULL);
	cmd_run_free(&r);
}

/*
 * An MX at 0.0.0.0 or :: would have the probe connect to itself (where
 * the fake MX listens). As an MTA says, mail for the domain loops back
 * to myself: fail, exit 2, no attempt, even with --allow-loopback-mx.
 * A loopback MX is refused the same way unless that flag is given.
 */
Test(hostile_dns, an_mx_at_this_host_loops_back_and_fails_without_connecting)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--mx-host=zero.test,mx.zero.test,10",
		"--host-record=mx.zero.test,0.0.0.0,::",
		"--mx-host=lo.test,mx.lo.test,10",
		"--host-record=mx.lo.test,127.0.0.1",
		NULL,
	};
	char dnsarg[64], portarg[16];
	const char *argv[] = { SMTPPROBE_BIN, "send", "--to",
	    "postmaster@lo.test", "--from", "probe@example.test", "--helo",
	    "mail.example.test", "--dns-server", dnsarg, "--port", portarg,
	    "--json", NULL };
	struct cmd_run r;

	start(zone);
	probe(&r, "zero.test", dns.port, "--json", "--timeout", "5", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"dns\":{\"status\":\"loopback\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "mail for zero.test loops back to myself")
	    != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"attempts\":[]") != NULL, "%s", r.out);
	cmd_run_free(&r);
	snprintf(dnsarg, sizeof(dnsarg), "127.0.0.1:%d", dns.port);
	snprintf(portarg, sizeof(portarg), "%d", mx.port);
	cr_assert_eq(cmd_run(&r, argv, DNS_WAIT_MS), 0);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "mail for lo.test loops back to myself: "
	    "mx.lo.test resolves to 127.0.0.1, a loopback address") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"attempts\":[]") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

Test(hostile_dns, a_null_mx_fails_in_words_without_connecting)
{
	static const char *const zone[] = {
		"--local=/test/",
		"--mx-host=nullmx.test,.,0",
		NULL,
	};
	struct cmd_run r;

	start(zone);
	probe(&r, "nullmx.test", dns.port, "--timeout", "5", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "null MX") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nattempt ") == NULL, "%s", r.out);
	cmd_run_free(&r);
	probe(&r, "nullmx.test", dns.port, "--json", "--timeout", "5", NULL);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert(strstr(r.out, "\"dns\":{\"status\":\"null\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"attempts\":[]") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

/*
 * 300 MX records (preferences 0-299, too many for one UDP answer, so the
 * resolver also has to fall back to TCP): the best 16 are kept, the rest
 * counted and said, and the probe goes on to the best one.
 */
Test(hostile_dns, three_hundred_mx_records_are_capped_at_16_and_said)
{
	static char args[DNS_MANY_MX][DNS_ARG_LEN];
	const char *zone[DNS_MANY_MX + 3];
	struct cmd_run r;
	char want[64];
	size_t i, n = 0;

	zone[n++] = "--local=/test/";
	zone[n++] = "--host-record=mx000.many.test,127.0.0.1";
	for (i = 0; i < DNS_MANY_MX; i++) {
		snprintf(args[i], sizeof(args[i]),
		    "--mx-host=many.test,mx%03zu.many.test,%zu", i, i);
		zone[n++] = args[i];
	}
	zone[n] = NULL;
	start(zone);
	probe(&r, "many.test", dns.port, "--timeout", "5", NULL);
	cr_assert_eq(r.status, 0, "%s", r.out);
	snprintf(want, sizeof(want), "(%d more MX records not used)\n",
	    DNS_MANY_MX - DNS_MX_KEPT);
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "MX 15 mx015.many.test") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "mx016.many.test") == NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nattempt 1: mx000.many.test [127.0.0.1]") !=
	    NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\nverdict: pass") != NULL, "%s", r.out);
	cmd_run_free(&r);
}

/* A UDP socket on 127.0.0.1 that takes queries and never answers. */
static int
silent_server(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

Test(hostile_dns, a_name_server_that_never_answers_is_a_tempfail_in_time)
{
	struct cmd_run r;
	int fd, port;

	fd = silent_server(&port);
	probe(&r, "slow.test", port, "--json", "--timeout", "2", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.out, "\"dns\":{\"status\":\"timeout\"") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "within 2.0 s") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"attempts\":[]") != NULL, "%s", r.out);
	cr_assert(r.elapsed_ms < 2000 + DNS_SLACK_MS, "took %.0f ms",
	    r.elapsed_ms);
	cr_assert_eq(close(fd), 0);
	cmd_run_free(&r);
}
