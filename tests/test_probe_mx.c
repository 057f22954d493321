/*
 * test_probe_mx - MX lookup against a private dnsmasq on 127.0.0.1, or a
 * socket of ours that never answers or answers wrongly. No test asks a
 * real DNS server or a real name.
 *
 * dnsmasq 2.90 as these tests use it: "--local=/test/" makes an unknown
 * name under .test NXDOMAIN and a known name asked for a type it lacks
 * NOERROR/NODATA; a name outside every --local zone is REFUSED (there is
 * no upstream). It cannot send SERVFAIL or a malformed answer on demand,
 * so fake_dns below does.
 */
#include "probe/dns/probe_mx.h"
#include "tests/support/dnsmasq_run.h"

#include <criterion/criterion.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Generous for loopback; the timeout tests set their own. */
#define TEST_TIMEOUT_MS		3000
#define TEST_SERVER_MAX		32
/* A DNS query from c-ares fits; 512 is the UDP classic. */
#define TEST_DNS_MAX		512
/* DNS header (RFC 1035 4.1.1): flag bytes and the answer count. */
#define DNS_FLAGS1		2
#define DNS_FLAGS2		3
#define DNS_ANCOUNT_LO		7
#define DNS_QR			0x80
#define DNS_RA			0x80
#define DNS_RCODE_SERVFAIL	2
/* More MX records than PROBE_MX_HOSTS_MAX, each with a long name. */
#define MANY_MX			20
#define MANY_ARG_MAX		96

struct test_lookup {
	char			server[TEST_SERVER_MAX];
	struct probe_mx_opts	opts;
	char			err[PROBE_MX_MSG_MAX];
	struct probe_mx_result	res;
};

static void	format_into(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* snprintf() that fails the test instead of cutting the text. */
static void
format_into(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < len, "test text too long: %s", fmt);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
dns_start(struct dnsmasq_run *dns, const char *const *args)
{
	cr_assert_eq(dnsmasq_run_start(dns, args), 0, "%s", dns->error);
}

static void
lookup_init(struct test_lookup *t, int port, int family, int timeout_ms)
{
	memset(t, 0, sizeof(*t));
	format_into(t->server, sizeof(t->server), "127.0.0.1:%d", port);
	t->opts.dns_server = t->server;
	t->opts.family = family;
	t->opts.timeout_ms = timeout_ms;
	/* The test MX hosts are on 127.0.0.0/8 and ::1. */
	t->opts.allow_loopback = true;
}

/* MX lookup of domain that must not fail as a call. */
static void
resolve(struct test_lookup *t, const char *domain)
{
	cr_assert_eq(probe_mx_resolve(domain, &t->opts, &t->res, t->err,
	    sizeof(t->err)), PROBE_MX_OK, "%s", t->err);
}

static void
resolve_host(struct test_lookup *t, const char *host)
{
	cr_assert_eq(probe_mx_resolve_host(host, &t->opts, &t->res, t->err,
	    sizeof(t->err)), PROBE_MX_OK, "%s", t->err);
}

static void
assert_status(const struct test_lookup *t, enum probe_mx_status want)
{
	cr_assert_eq(t->res.status, want, "status %s, want %s: %s",
	    probe_mx_status_name(t->res.status), probe_mx_status_name(want),
	    t->res.message);
}

/* The address as text and as a sockaddr with the port left 0. */
static void
assert_addr(const struct probe_mx_addr *a, const char *text)
{
	const struct sockaddr_in	*sin = (const void *)&a->sa;
	const struct sockaddr_in6	*sin6 = (const void *)&a->sa;
	unsigned char			 want[sizeof(struct in6_addr)];

	cr_assert_str_eq(a->text, text);
	if (inet_pton(AF_INET, text, want) == 1) {
		cr_assert_eq(sin->sin_family, AF_INET);
		cr_assert_eq(a->salen, sizeof(*sin));
		cr_assert_eq(sin->sin_port, 0);
		cr_assert_eq(memcmp(&sin->sin_addr, want, 4), 0);
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, text, want), 1, "bad test: %s", text);
	cr_assert_eq(sin6->sin6_family, AF_INET6);
	cr_assert_eq(a->salen, sizeof(*sin6));
	cr_assert_eq(sin6->sin6_port, 0);
	cr_assert_eq(memcmp(&sin6->sin6_addr, want, sizeof(want)), 0);
}

static void
assert_host(const struct probe_mx_host *h, const char *name, unsigned pref,
    const char *addr)
{
	cr_assert_str_eq(h->name, name);
	cr_assert_eq(h->pref, pref, "%s: pref %u", name, h->pref);
	cr_assert_eq(h->naddrs, 1, "%s: %zu addresses", name, h->naddrs);
	assert_addr(&h->addrs[0], addr);
	cr_assert_str_empty(h->error);
}

/* A UDP socket on 127.0.0.1 that nobody answers from; returns the fd. */
static int
silent_socket(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_neq(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* How many datagrams wait on fd. */
static int
datagrams_waiting(int fd)
{
	unsigned char	buf[TEST_DNS_MAX];
	int		n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/*
 * fake_dns: a child process answering every query on fd, either with
 * SERVFAIL or with a header that claims an answer the packet lacks.
 */
static void
fake_dns_serve(int fd, bool is_servfail)
{
	unsigned char		q[TEST_DNS_MAX];
	struct sockaddr_in	from;
	socklen_t		len;
	ssize_t			n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		_exit(1);
	for (;;) {
		len = sizeof(from);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &len);
		if (n < 12)
			continue;
		q[DNS_FLAGS1] |= DNS_QR;
		q[DNS_FLAGS2] = DNS_RA;
		if (is_servfail)
			q[DNS_FLAGS2] |= DNS_RCODE_SERVFAIL;
		else
			q[DNS_ANCOUNT_LO] = 1;
		/* A lost reply is a retry for c-ares, as on a real network. */
		(void)sendto(fd, q, (size_t)n, 0, (struct sockaddr *)&from,
		    len);
	}
}

static pid_t
fake_dns_start(int *port, bool is_servfail)
{
	int	fd = silent_socket(port);
	pid_t	pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0)
		fake_dns_serve(fd, is_servfail);
	cr_assert_eq(close(fd), 0);
	return pid;
}

static void
fake_dns_stop(pid_t pid)
{
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

/* Records shared by most tests; .test is ours, unknown names NXDOMAIN. */
#define GMAIL_ARGS \
	"--local=/test/", \
	"--mx-host=gmail.test,mx1.gmail.test,10", \
	"--mx-host=gmail.test,mx2.gmail.test,5", \
	"--host-record=mx1.gmail.test,127.0.0.1", \
	"--host-record=mx2.gmail.test,127.0.0.2,::1"

Test(probe_mx, lists_mx_hosts_by_preference_with_their_addresses,
    .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_INET, TEST_TIMEOUT_MS);
	resolve(&t, "gmail.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 2);
	cr_assert_eq(t.res.hosts_dropped, 0);
	assert_host(&t.res.hosts[0], "mx2.gmail.test", 5, "127.0.0.2");
	assert_host(&t.res.hosts[1], "mx1.gmail.test", 10, "127.0.0.1");
	cr_assert_str_eq(t.res.message,
	    "gmail.test has 2 MX hosts, 2 with an address");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, lists_ipv4_addresses_before_ipv6_ones, .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "gmail.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 2);
	cr_assert_str_eq(t.res.hosts[0].name, "mx2.gmail.test");
	cr_assert_eq(t.res.hosts[0].naddrs, 2);
	assert_addr(&t.res.hosts[0].addrs[0], "127.0.0.2");
	assert_addr(&t.res.hosts[0].addrs[1], "::1");
	/* mx1 has no AAAA: one address, and no error as it has one. */
	assert_host(&t.res.hosts[1], "mx1.gmail.test", 10, "127.0.0.1");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, keeps_only_ipv6_addresses_when_asked_for_ipv6, .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_INET6, TEST_TIMEOUT_MS);
	resolve(&t, "gmail.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 2);
	assert_host(&t.res.hosts[0], "mx2.gmail.test", 5, "::1");
	cr_assert_eq(t.res.hosts[1].naddrs, 0);
	cr_assert_str_eq(t.res.hosts[1].error,
	    "mx1.gmail.test: no IPv6 address (no data)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, breaks_preference_ties_by_name_and_lists_a_host_once,
    .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--mx-host=ties.test,b.ties.test,10",
		"--mx-host=ties.test,a.ties.test,10",
		"--mx-host=ties.test,B.TIES.TEST,20",
		"--host-record=a.ties.test,127.0.0.1",
		"--host-record=b.ties.test,127.0.0.2", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_INET, TEST_TIMEOUT_MS);
	resolve(&t, "ties.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 2);
	assert_host(&t.res.hosts[0], "a.ties.test", 10, "127.0.0.1");
	assert_host(&t.res.hosts[1], "b.ties.test", 10, "127.0.0.2");
	cr_assert_eq(t.res.hosts_dropped, 0);
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, uses_the_domain_itself_when_it_has_no_mx, .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--host-record=implicit.test,127.0.0.3", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "implicit.test");
	assert_status(&t, PROBE_MX_IMPLICIT);
	cr_assert_eq(t.res.nhosts, 1);
	assert_host(&t.res.hosts[0], "implicit.test", 0, "127.0.0.3");
	cr_assert_str_eq(t.res.message, "no MX record; using the domain's "
	    "own address (RFC 5321 5.1)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

/* On the wire both are preference 0 and the root name (RFC 7505 3). */
Test(probe_mx, reports_a_null_mx_as_accepting_no_mail, .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--dns-rr=nullmx.test,15,000000",
		"--mx-host=dotmx.test,.,0", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "nullmx.test");
	assert_status(&t, PROBE_MX_NULL);
	cr_assert_eq(t.res.nhosts, 0);
	cr_assert_null(t.res.hosts);
	cr_assert_str_eq(t.res.message, "nullmx.test publishes a null MX "
	    "(RFC 7505): it accepts no mail");
	probe_mx_result_free(&t.res);
	resolve(&t, "dotmx.test");
	assert_status(&t, PROBE_MX_NULL);
	cr_assert_eq(t.res.nhosts, 0);
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, ignores_a_null_mx_published_next_to_real_ones, .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS,
		"--mx-host=mixed.test,.,0",
		"--mx-host=mixed.test,mx1.gmail.test,10", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_INET, TEST_TIMEOUT_MS);
	resolve(&t, "mixed.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 1);
	assert_host(&t.res.hosts[0], "mx1.gmail.test", 10, "127.0.0.1");
	cr_assert_not_null(strstr(t.res.message, "ignored a null MX"),
	    "%s", t.res.message);
	cr_assert_not_null(strstr(t.res.message, "RFC 7505"));
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, reports_nxdomain_for_a_domain_that_does_not_exist,
    .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "example.test");
	assert_status(&t, PROBE_MX_NXDOMAIN);
	cr_assert_eq(t.res.nhosts, 0);
	cr_assert_str_eq(t.res.message,
	    "example.test does not exist (NXDOMAIN)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, reports_nodata_for_a_domain_with_neither_mx_nor_address,
    .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--txt-record=nodata.test,v=spf1 -all", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "nodata.test");
	assert_status(&t, PROBE_MX_NODATA);
	cr_assert_eq(t.res.nhosts, 0);
	cr_assert_null(t.res.hosts);
	cr_assert_str_eq(t.res.message,
	    "nodata.test has no MX and no address record");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, follows_a_cname_from_an_mx_host_to_its_address,
    .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS,
		"--mx-host=alias.test,mx.alias.test,10",
		"--cname=mx.alias.test,mx1.gmail.test", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "alias.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 1);
	/* The AAAA answer holds the CNAME alone: no address, no error. */
	assert_host(&t.res.hosts[0], "mx.alias.test", 10, "127.0.0.1");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

/*
 * Twenty long names make the answer larger than 512 bytes, so c-ares
 * also has to retry it over TCP.
 */
Test(probe_mx, keeps_sixteen_of_twenty_mx_hosts_and_counts_the_rest,
    .timeout = 10)
{
	char			mx[MANY_MX][MANY_ARG_MAX];
	char			host[MANY_MX][MANY_ARG_MAX];
	char			name[MANY_ARG_MAX], addr[MANY_ARG_MAX];
	const char		*args[2 * MANY_MX + 2];
	struct dnsmasq_run	dns;
	struct test_lookup	t;
	size_t			i, n = 0;

	args[n++] = "--local=/test/";
	for (i = 0; i < MANY_MX; i++) {
		format_into(mx[i], sizeof(mx[i]), "--mx-host=many.test,"
		    "mx%02zu.a-rather-long-mail-host-name.many.test,%zu",
		    i + 1, i + 1);
		format_into(host[i], sizeof(host[i]), "--host-record="
		    "mx%02zu.a-rather-long-mail-host-name.many.test,"
		    "127.0.1.%zu", i + 1, i + 1);
		args[n++] = mx[i];
		args[n++] = host[i];
	}
	args[n] = NULL;
	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_INET, TEST_TIMEOUT_MS);
	resolve(&t, "many.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, PROBE_MX_HOSTS_MAX);
	cr_assert_eq(t.res.hosts_dropped, MANY_MX - PROBE_MX_HOSTS_MAX);
	for (i = 0; i < t.res.nhosts; i++) {
		format_into(name, sizeof(name),
		    "mx%02zu.a-rather-long-mail-host-name.many.test", i + 1);
		format_into(addr, sizeof(addr), "127.0.1.%zu", i + 1);
		assert_host(&t.res.hosts[i], name, (unsigned)i + 1, addr);
	}
	cr_assert_not_null(strstr(t.res.message,
	    "4 more MX hosts ignored (limit 16)"), "%s", t.res.message);
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, reports_noaddr_when_no_mx_host_has_an_address, .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--mx-host=noaddr.test,gone.noaddr.test,10", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "noaddr.test");
	assert_status(&t, PROBE_MX_NOADDR);
	cr_assert_eq(t.res.nhosts, 1);
	cr_assert_str_eq(t.res.hosts[0].name, "gone.noaddr.test");
	cr_assert_eq(t.res.hosts[0].naddrs, 0);
	cr_assert_str_eq(t.res.hosts[0].error,
	    "gone.noaddr.test: no address (NXDOMAIN)");
	cr_assert_str_eq(t.res.message, "no MX host of noaddr.test has an "
	    "address; gone.noaddr.test: no address (NXDOMAIN)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

/* "--local=/1/" makes the name "192.0.2.1" NXDOMAIN instead of REFUSED. */
Test(probe_mx, says_why_an_mx_target_written_as_an_address_fails,
    .timeout = 10)
{
	const char *const	args[] = { "--local=/test/", "--local=/1/",
		"--mx-host=literal.test,192.0.2.1,10", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "literal.test");
	assert_status(&t, PROBE_MX_NOADDR);
	cr_assert_eq(t.res.nhosts, 1);
	cr_assert_eq(t.res.hosts[0].naddrs, 0);
	cr_assert_str_eq(t.res.hosts[0].error, "192.0.2.1: no address "
	    "(NXDOMAIN); an MX target must be a host name, not an IP "
	    "address (RFC 1035 3.3.9)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

/*
 * The exchange is the label "a", LF, "b" under .test. c-ares 1.18 hands
 * such bytes over as RFC 1035 5.1 "\DDD" escapes, never raw.
 */
Test(probe_mx, keeps_a_control_byte_in_an_mx_name_escaped, .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--dns-rr=weird.test,15,000a03610a620474657374" "00", NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "weird.test");
	assert_status(&t, PROBE_MX_NOADDR);
	cr_assert_eq(t.res.nhosts, 1);
	cr_assert_str_eq(t.res.hosts[0].name, "a\\010b.test");
	cr_assert_eq(t.res.hosts[0].pref, 10);
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, reports_refused_when_the_server_will_not_answer,
    .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;
	char			want[PROBE_MX_MSG_MAX];

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "elsewhere.example");
	assert_status(&t, PROBE_MX_REFUSED);
	format_into(want, sizeof(want), "DNS server 127.0.0.1:%d refused "
	    "to answer for elsewhere.example (REFUSED)", dns.port);
	cr_assert_str_eq(t.res.message, want);
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, reports_servfail_from_the_dns_server, .timeout = 10)
{
	struct test_lookup	t;
	char			want[PROBE_MX_MSG_MAX];
	int			port;
	pid_t			pid = fake_dns_start(&port, true);

	lookup_init(&t, port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "servfail.test");
	assert_status(&t, PROBE_MX_SERVFAIL);
	format_into(want, sizeof(want), "DNS server 127.0.0.1:%d failed "
	    "to resolve servfail.test (SERVFAIL)", port);
	cr_assert_str_eq(t.res.message, want);
	probe_mx_result_free(&t.res);
	fake_dns_stop(pid);
}

Test(probe_mx, reports_a_malformed_answer_as_badreply, .timeout = 10)
{
	struct test_lookup	t;
	int			port;
	pid_t			pid = fake_dns_start(&port, false);

	lookup_init(&t, port, AF_UNSPEC, TEST_TIMEOUT_MS);
	resolve(&t, "broken.test");
	assert_status(&t, PROBE_MX_BADREPLY);
	cr_assert_not_null(strstr(t.res.message, "malformed reply"), "%s",
	    t.res.message);
	probe_mx_result_free(&t.res);
	fake_dns_stop(pid);
}

Test(probe_mx, times_out_when_the_dns_server_never_answers, .timeout = 10)
{
	struct test_lookup	t;
	char			want[PROBE_MX_MSG_MAX];
	int			port, fd = silent_socket(&port);
	int64_t			start, took;

	lookup_init(&t, port, AF_UNSPEC, 500);
	start = now_ms();
	resolve(&t, "gmail.test");
	took = now_ms() - start;
	assert_status(&t, PROBE_MX_TIMEOUT);
	cr_assert_geq(took, 500, "gave up after %lld ms", (long long)took);
	cr_assert_lt(took, 700, "took %lld ms", (long long)took);
	format_into(want, sizeof(want),
	    "no answer from 127.0.0.1:%d within 0.5 s", port);
	cr_assert_str_eq(t.res.message, want);
	/* A lost UDP packet is sent again within the budget. */
	cr_assert_geq(datagrams_waiting(fd), 3);
	probe_mx_result_free(&t.res);
	cr_assert_eq(close(fd), 0);
}

Test(probe_mx, reports_a_closed_dns_port_as_a_refused_connection,
    .timeout = 10)
{
	struct test_lookup	t;
	char			want[PROBE_MX_MSG_MAX];
	int			port, fd = silent_socket(&port);
	int64_t			start;

	/* Nothing listens there now: the kernel answers port unreachable. */
	cr_assert_eq(close(fd), 0);
	lookup_init(&t, port, AF_UNSPEC, TEST_TIMEOUT_MS);
	start = now_ms();
	resolve(&t, "gmail.test");
	cr_assert_lt(now_ms() - start, TEST_TIMEOUT_MS / 2);
	/* The status says what the words say (it was "timeout"). */
	assert_status(&t, PROBE_MX_REFUSED);
	format_into(want, sizeof(want),
	    "DNS server 127.0.0.1:%d refused the connection", port);
	cr_assert_str_eq(t.res.message, want);
	probe_mx_result_free(&t.res);
}

Test(probe_mx, refuses_a_dns_server_that_is_not_an_address_and_port)
{
	static const char *const bad[] = {
		"", "dns.example", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:53x", "127.0.0.1: 53",
		"127.0.0.1:+53", "127.0.0.1:-1", "[::1", "[::1]53",
		"[::1]:", "[dns.example]:53", "127.0.0.1:53:53", "::1]:53",
	};
	struct probe_mx_opts	opts = { NULL, AF_UNSPEC, TEST_TIMEOUT_MS, false };
	struct probe_mx_result	res;
	char			err[PROBE_MX_MSG_MAX];
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		opts.dns_server = bad[i];
		err[0] = '\0';
		cr_assert_eq(probe_mx_resolve("gmail.test", &opts, &res, err,
		    sizeof(err)), PROBE_MX_E_USAGE, "accepted \"%s\"", bad[i]);
		cr_assert_not_null(strstr(err, "DNS server"), "\"%s\": %s",
		    bad[i], err);
		cr_assert_eq(res.nhosts, 0);
		cr_assert_null(res.hosts);
	}
}

/* Port 1 has no DNS server: the lookup fails fast, but it is tried. */
Test(probe_mx, accepts_an_ipv6_dns_server_in_brackets_with_a_port,
    .timeout = 10)
{
	struct probe_mx_opts	opts = { "[::1]:1", AF_UNSPEC, 300, false };
	struct probe_mx_result	res;
	char			err[PROBE_MX_MSG_MAX] = "";

	cr_assert_eq(probe_mx_resolve("gmail.test", &opts, &res, err,
	    sizeof(err)), PROBE_MX_OK, "%s", err);
	/* Refused at once, or no answer, as the kernel decides. */
	cr_assert(res.status == PROBE_MX_REFUSED ||
	    res.status == PROBE_MX_TIMEOUT, "%s", res.message);
	cr_assert_not_null(strstr(res.message, "[::1]:1"), "%s",
	    res.message);
	probe_mx_result_free(&res);
}

Test(probe_mx, refuses_a_malformed_domain)
{
	char			longname[300], longlabel[80];
	const char		*bad[] = { "", ".", "has space.test",
		"crlf\r\n.test", "tab\t.test", "a..b.test", ".lead.test",
		longname, longlabel };
	struct probe_mx_opts	opts = { "127.0.0.1:1", AF_UNSPEC, 100, false };
	struct probe_mx_result	res;
	char			err[PROBE_MX_MSG_MAX];
	size_t			i;

	/* "a.a.a...aa": 254 characters, one past RFC 1035's 253. */
	memset(longname, 'a', sizeof(longname));
	longname[254] = '\0';
	for (i = 1; i < 252; i += 2)
		longname[i] = '.';
	memset(longlabel, 'b', sizeof(longlabel));
	format_into(longlabel + 64, sizeof(longlabel) - 64, ".test");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(probe_mx_resolve(bad[i], &opts, &res, err,
		    sizeof(err)), PROBE_MX_E_USAGE, "accepted \"%s\"", bad[i]);
		cr_assert_not_null(strstr(err, "bad domain name"), "%s", err);
		cr_assert_eq(res.nhosts, 0);
	}
}

Test(probe_mx, refuses_a_bad_family_or_a_negative_timeout)
{
	struct probe_mx_opts	opts = { "127.0.0.1:1", AF_UNIX, 100, false };
	struct probe_mx_result	res;
	char			err[PROBE_MX_MSG_MAX];

	cr_assert_eq(probe_mx_resolve("gmail.test", &opts, &res, err,
	    sizeof(err)), PROBE_MX_E_USAGE);
	opts.family = AF_INET;
	opts.timeout_ms = -1;
	cr_assert_eq(probe_mx_resolve("gmail.test", &opts, &res, err,
	    sizeof(err)), PROBE_MX_E_USAGE);
	cr_assert_str_eq(err, "DNS timeout must not be negative");
}

/* The DNS server is a silent socket: any query would show up there. */
Test(probe_mx, resolve_host_uses_an_ip_literal_without_asking_dns,
    .timeout = 10)
{
	static const char *const in[] = { "192.0.2.7", "2001:db8::25",
		"[2001:db8::25]" };
	static const char *const want[] = { "192.0.2.7", "2001:db8::25",
		"2001:db8::25" };
	struct test_lookup	t;
	int			port, fd = silent_socket(&port);
	size_t			i;

	lookup_init(&t, port, AF_UNSPEC, TEST_TIMEOUT_MS);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		resolve_host(&t, in[i]);
		assert_status(&t, PROBE_MX_FOUND);
		cr_assert_eq(t.res.nhosts, 1);
		assert_host(&t.res.hosts[0], in[i], 0, want[i]);
		probe_mx_result_free(&t.res);
	}
	cr_assert_eq(datagrams_waiting(fd), 0);
	cr_assert_eq(close(fd), 0);
}

Test(probe_mx, resolve_host_refuses_an_ipv6_literal_when_ipv4_is_asked)
{
	struct probe_mx_opts	opts = { NULL, AF_INET, 0, false };
	struct probe_mx_result	res;
	char			err[PROBE_MX_MSG_MAX] = "";

	cr_assert_eq(probe_mx_resolve_host("2001:db8::25", &opts, &res, err,
	    sizeof(err)), PROBE_MX_E_USAGE);
	cr_assert_str_eq(err, "2001:db8::25 is an IPv6 address, but only "
	    "IPv4 was asked for");
	cr_assert_eq(res.nhosts, 0);
}

Test(probe_mx, resolve_host_looks_a_name_up_through_dns, .timeout = 10)
{
	const char *const	args[] = { GMAIL_ARGS, NULL };
	struct dnsmasq_run	dns;
	struct test_lookup	t;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, 0);	/* the default */
	resolve_host(&t, "mx2.gmail.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.nhosts, 1);
	cr_assert_str_eq(t.res.hosts[0].name, "mx2.gmail.test");
	cr_assert_eq(t.res.hosts[0].pref, 0);
	cr_assert_eq(t.res.hosts[0].naddrs, 2);
	assert_addr(&t.res.hosts[0].addrs[0], "127.0.0.2");
	assert_addr(&t.res.hosts[0].addrs[1], "::1");
	probe_mx_result_free(&t.res);
	resolve_host(&t, "gone.gmail.test");
	assert_status(&t, PROBE_MX_NXDOMAIN);
	cr_assert_eq(t.res.nhosts, 1);
	cr_assert_eq(t.res.hosts[0].naddrs, 0);
	cr_assert_str_eq(t.res.hosts[0].error,
	    "gone.gmail.test: no address (NXDOMAIN)");
	cr_assert_str_eq(t.res.message,
	    "gone.gmail.test does not exist (NXDOMAIN)");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}

Test(probe_mx, names_every_status_with_a_distinct_lowercase_token)
{
	const char	*a, *b;
	int		 i, j;

	for (i = 0; i < PROBE_MX_STATUS_COUNT; i++) {
		a = probe_mx_status_name((enum probe_mx_status)i);
		cr_assert_not_null(a);
		cr_assert_neq(strcmp(a, "unknown"), 0, "status %d", i);
		for (j = 0; a[j] != '\0'; j++)
			cr_assert(a[j] >= 'a' && a[j] <= 'z', "%s", a);
		for (j = 0; j < i; j++) {
			b = probe_mx_status_name((enum probe_mx_status)j);
			cr_assert_neq(strcmp(a, b), 0, "%s twice", a);
		}
	}
	cr_assert_str_eq(probe_mx_status_name(PROBE_MX_NXDOMAIN), "nxdomain");
	cr_assert_str_eq(probe_mx_status_name(PROBE_MX_STATUS_COUNT),
	    "unknown");
}

Test(probe_mx, frees_a_zeroed_result_twice_safely)
{
	struct probe_mx_result	res;

	memset(&res, 0, sizeof(res));
	probe_mx_result_free(&res);
	probe_mx_result_free(&res);
	cr_assert_null(res.hosts);
	cr_assert_eq(res.nhosts, 0);
}

/*
 * An MX that resolves to 0.0.0.0, :: or another address that is no
 * remote host would make the probe connect to itself. As an MTA says,
 * mail for the domain loops back to myself: the address is refused, and
 * with no other the lookup says so. Loopback is kept only when asked.
 */
Test(probe_mx, an_mx_at_a_special_purpose_address_loops_back, .timeout = 10)
{
	const char *const	args[] = { "--local=/test/",
		"--mx-host=zero.test,mx.zero.test,10",
		"--host-record=mx.zero.test,0.0.0.0,::",
		"--mx-host=lo.test,mx.lo.test,10",
		"--host-record=mx.lo.test,127.0.0.1,::1",
		"--mx-host=mcast.test,mx.mcast.test,10",
		"--host-record=mx.mcast.test,224.0.0.1,ff02::1",
		"--mx-host=mixed.test,mx1.mixed.test,10",
		"--mx-host=mixed.test,mx2.mixed.test,20",
		"--host-record=mx1.mixed.test,0.0.0.0",
		"--host-record=mx2.mixed.test,192.0.2.25", NULL };
	static const char *const looped[] = { "zero.test", "mcast.test" };
	struct dnsmasq_run	dns;
	struct test_lookup	t;
	char			want[128];
	size_t			i;

	dns_start(&dns, args);
	lookup_init(&t, dns.port, AF_UNSPEC, TEST_TIMEOUT_MS);
	for (i = 0; i < sizeof(looped) / sizeof(looped[0]); i++) {
		resolve(&t, looped[i]);
		assert_status(&t, PROBE_MX_LOOPBACK);
		format_into(want, sizeof(want), "mail for %s loops back to "
		    "myself", looped[i]);
		cr_assert_not_null(strstr(t.res.message, want), "%s",
		    t.res.message);
		cr_assert_eq(t.res.hosts[0].naddrs, 0);
		probe_mx_result_free(&t.res);
	}
	resolve(&t, "lo.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.hosts[0].naddrs, 2);
	probe_mx_result_free(&t.res);
	t.opts.allow_loopback = false;
	resolve(&t, "lo.test");
	assert_status(&t, PROBE_MX_LOOPBACK);
	cr_assert_not_null(strstr(t.res.message, "127.0.0.1"), "%s",
	    t.res.message);
	probe_mx_result_free(&t.res);
	resolve(&t, "mixed.test");
	assert_status(&t, PROBE_MX_FOUND);
	cr_assert_eq(t.res.hosts[0].naddrs, 0);
	cr_assert_not_null(strstr(t.res.hosts[0].error, "0.0.0.0"), "%s",
	    t.res.hosts[0].error);
	assert_addr(&t.res.hosts[1].addrs[0], "192.0.2.25");
	probe_mx_result_free(&t.res);
	dnsmasq_run_stop(&dns);
}
