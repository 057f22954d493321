/*
 * test_probe_dns - the resolver interface: the answer builders and their
 * limits, reverse names, and the c-ares implementation against a private
 * dnsmasq on 127.0.0.1 (tests/support/dnsmasq_run.h) or a socket of ours
 * that never answers. No test asks a real DNS server or a real name.
 */
#include "probe/dns/probe_dns.h"
#include "probe/auth/probe_spf.h"
#include "tests/support/dnsmasq_run.h"

#include <criterion/criterion.h>

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Generous for loopback; the timeout test sets its own. */
#define TEST_TIMEOUT_MS		3000
#define TEST_SILENT_MS		300
#define TEST_SERVER_MAX		32
#define TEST_ERR_MAX		256

struct test_dns {
	struct dnsmasq_run	run;
	char			server[TEST_SERVER_MAX];
	struct probe_dns	dns;
	struct probe_dns_answer	ans;
};

static int64_t
now_ms(void)
{
	struct timespec	ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* probe_dns_open() on 127.0.0.1:port, which must work. */
static void
open_at(struct test_dns *t, int port, int timeout_ms)
{
	struct probe_dns_opts	opts = { 0 };
	char			err[TEST_ERR_MAX];
	int			n;

	n = snprintf(t->server, sizeof(t->server), "127.0.0.1:%d", port);
	cr_assert(n > 0 && (size_t)n < sizeof(t->server));
	opts.dns_server = t->server;
	opts.timeout_ms = timeout_ms;
	cr_assert_eq(probe_dns_open(&t->dns, &opts, err, sizeof(err)),
	    PROBE_DNS_OK, "%s", err);
}

static void
start(struct test_dns *t, const char *const *args)
{
	memset(t, 0, sizeof(*t));
	cr_assert_eq(dnsmasq_run_start(&t->run, args), 0, "%s",
	    t->run.error);
	open_at(t, t->run.port, TEST_TIMEOUT_MS);
}

static void
stop(struct test_dns *t)
{
	probe_dns_answer_free(&t->ans);
	probe_dns_close(&t->dns);
	dnsmasq_run_stop(&t->run);
}

static void
lookup(struct test_dns *t, enum probe_dns_type type, const char *name,
    enum probe_dns_status want)
{
	enum probe_dns_status	st = probe_dns_lookup(&t->dns, type, name,
				    &t->ans);

	cr_assert_eq(st, want, "%s %s: %s, want %s: %s",
	    probe_dns_type_name(type), name, probe_dns_status_name(st),
	    probe_dns_status_name(want), t->ans.msg);
	cr_assert_eq(t->ans.status, st);
}

/* The index of the record whose text is text, or fails the test. */
static size_t
find_text(const struct probe_dns_answer *ans, const char *text)
{
	size_t	i;

	for (i = 0; i < ans->nrr; i++)
		if (strcmp(probe_dns_answer_text(ans, i), text) == 0)
			return i;
	cr_assert_fail("no record \"%s\" among %zu", text, ans->nrr);
	return 0;
}

static void
assert_addr(const struct probe_dns_answer *ans, size_t i, const char *ip)
{
	const struct probe_dns_rr	*rr = probe_dns_answer_rr(ans, i);
	char				 text[INET6_ADDRSTRLEN];

	cr_assert_not_null(inet_ntop(rr->family, rr->addr, text,
	    sizeof(text)));
	cr_assert_str_eq(text, ip);
}

#define SPF_ARGS \
	"--local=/test/", \
	"--txt-record=spf.test,v=spf1 ip4:,192.0.2.0/24 a:mail.spf.test -all", \
	"--txt-record=spf.test,google-site-verification=x", \
	"--host-record=mail.spf.test,198.51.100.10,2001:db8::10", \
	"--mx-host=spf.test,mail.spf.test,10", \
	"--mx-host=spf.test,mx2.spf.test,20", \
	"--ptr-record=7.2.0.192.in-addr.arpa,mail.spf.test"

Test(probe_dns, joins_the_strings_of_a_txt_record_and_keeps_records_apart,
    .timeout = 10)
{
	const char *const		 args[] = { SPF_ARGS, NULL };
	struct test_dns			 t;
	const struct probe_dns_rr	*rr;
	size_t				 i;

	start(&t, args);
	lookup(&t, PROBE_DNS_TXT, "spf.test", PROBE_DNS_FOUND);
	cr_assert_eq(t.ans.nrr, 2);
	cr_assert_eq(t.ans.dropped, 0);
	i = find_text(&t.ans, "v=spf1 ip4:192.0.2.0/24 a:mail.spf.test -all");
	rr = probe_dns_answer_rr(&t.ans, i);
	cr_assert_eq(rr->nstrings, 2);
	cr_assert_eq(rr->len, strlen(probe_dns_answer_text(&t.ans, i)));
	i = find_text(&t.ans, "google-site-verification=x");
	cr_assert_eq(probe_dns_answer_rr(&t.ans, i)->nstrings, 1);
	stop(&t);
}

/* A TXT record of strings "x...x" too big for one UDP reply of 512. */
#define BIG_STRINGS	8
#define BIG_STRING_LEN	200

Test(probe_dns, fetches_a_txt_record_too_big_for_udp_over_tcp,
    .timeout = 10)
{
	char		 arg[sizeof("--txt-record=big.test") +
			    BIG_STRINGS * (BIG_STRING_LEN + 1)];
	const char	*args[] = { "--local=/test/", arg, NULL };
	struct test_dns	 t;
	size_t		 i, len = strlen("--txt-record=big.test");
	const char	*text;

	memcpy(arg, "--txt-record=big.test", len);
	for (i = 0; i < BIG_STRINGS; i++) {
		arg[len++] = ',';
		memset(arg + len, 'a' + (int)i, BIG_STRING_LEN);
		len += BIG_STRING_LEN;
	}
	arg[len] = '\0';
	start(&t, args);
	lookup(&t, PROBE_DNS_TXT, "big.test", PROBE_DNS_FOUND);
	cr_assert_eq(t.ans.nrr, 1);
	cr_assert_eq(probe_dns_answer_rr(&t.ans, 0)->nstrings, BIG_STRINGS);
	cr_assert_eq(probe_dns_answer_rr(&t.ans, 0)->len,
	    BIG_STRINGS * BIG_STRING_LEN);
	text = probe_dns_answer_text(&t.ans, 0);
	for (i = 0; i < BIG_STRINGS * BIG_STRING_LEN; i++)
		cr_assert_eq(text[i], 'a' + (int)(i / BIG_STRING_LEN),
		    "byte %zu", i);
	stop(&t);
}

Test(probe_dns, answers_a_aaaa_mx_and_ptr, .timeout = 10)
{
	const char *const	args[] = { SPF_ARGS, NULL };
	struct test_dns		t;
	size_t			i;

	start(&t, args);
	lookup(&t, PROBE_DNS_A, "mail.spf.test.", PROBE_DNS_FOUND);
	cr_assert_eq(t.ans.nrr, 1);
	assert_addr(&t.ans, 0, "198.51.100.10");
	cr_assert_str_eq(probe_dns_answer_text(&t.ans, 0), "");
	lookup(&t, PROBE_DNS_AAAA, "mail.spf.test", PROBE_DNS_FOUND);
	assert_addr(&t.ans, 0, "2001:db8::10");
	lookup(&t, PROBE_DNS_MX, "spf.test", PROBE_DNS_FOUND);
	cr_assert_eq(t.ans.nrr, 2);
	i = find_text(&t.ans, "mx2.spf.test");
	cr_assert_eq(probe_dns_answer_rr(&t.ans, i)->pref, 20);
	lookup(&t, PROBE_DNS_PTR, "7.2.0.192.in-addr.arpa", PROBE_DNS_FOUND);
	cr_assert_eq(t.ans.nrr, 1);
	cr_assert_str_eq(probe_dns_answer_text(&t.ans, 0), "mail.spf.test");
	stop(&t);
}

Test(probe_dns, tells_nxdomain_from_nodata, .timeout = 10)
{
	const char *const	args[] = { SPF_ARGS, NULL };
	struct test_dns		t;

	start(&t, args);
	lookup(&t, PROBE_DNS_TXT, "nothing.spf.test", PROBE_DNS_NXDOMAIN);
	cr_assert_eq(t.ans.nrr, 0);
	cr_assert_not_null(strstr(t.ans.msg, "nothing.spf.test"), "%s",
	    t.ans.msg);
	lookup(&t, PROBE_DNS_TXT, "mail.spf.test", PROBE_DNS_NODATA);
	lookup(&t, PROBE_DNS_MX, "mail.spf.test", PROBE_DNS_NODATA);
	stop(&t);
}

Test(probe_dns, checks_spf_end_to_end_through_c_ares, .timeout = 10)
{
	const char *const	args[] = { SPF_ARGS, NULL };
	struct test_dns		t;
	struct probe_spf_query	q = { .ip = "198.51.100.10",
				    .helo = "mail.spf.test" };
	struct probe_spf_result	out;
	char			err[TEST_ERR_MAX];

	start(&t, args);
	cr_assert_eq(probe_spf_check_mailfrom(&t.dns, &q, "a@spf.test", &out,
	    err, sizeof(err)), PROBE_SPF_OK, "%s", err);
	cr_assert_eq(out.res, PROBE_SPF_PASS, "%s", out.reason);
	cr_assert_str_eq(out.mechanism, "a:mail.spf.test");
	cr_assert_eq(out.lookups, 1);
	q.ip = "203.0.113.1";
	cr_assert_eq(probe_spf_check_mailfrom(&t.dns, &q, "a@spf.test", &out,
	    err, sizeof(err)), PROBE_SPF_OK, "%s", err);
	cr_assert_eq(out.res, PROBE_SPF_FAIL, "%s", out.reason);
	stop(&t);
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

/*
 * Each lookup has its own wait (a PROBE_DNS_LOOKUP_SHARE of the whole),
 * so one unanswered query does not spend the time of those after it;
 * once the whole time has passed, a lookup is not sent at all, and its
 * words blame the time given, not the server that was never asked.
 */
Test(probe_dns, gives_each_lookup_its_own_wait_and_asks_none_past_the_deadline,
    .timeout = 10)
{
	struct test_dns	t;
	int64_t		start_ms, ms;
	int		port, fd = silent_socket(&port), timed_out = 0;
	const int	each = TEST_SILENT_MS / PROBE_DNS_LOOKUP_SHARE;

	memset(&t, 0, sizeof(t));
	open_at(&t, port, TEST_SILENT_MS);
	start_ms = now_ms();
	lookup(&t, PROBE_DNS_TXT, "spf.test", PROBE_DNS_TIMEOUT);
	ms = now_ms() - start_ms;
	cr_assert_geq(ms, each - 20, "gave up after %lld ms", (long long)ms);
	cr_assert_lt(ms, each + 200, "took %lld ms", (long long)ms);
	cr_assert_not_null(strstr(t.ans.msg, t.server), "%s", t.ans.msg);
	/* The next lookups are still sent, each with its own wait. */
	while (probe_dns_lookup(&t.dns, PROBE_DNS_A, "mail.spf.test",
	    &t.ans) == PROBE_DNS_TIMEOUT)
		timed_out++;
	cr_assert_geq(timed_out, PROBE_DNS_LOOKUP_SHARE - 2, "%d", timed_out);
	cr_assert_eq(t.ans.status, PROBE_DNS_UNASKED, "%s", t.ans.msg);
	cr_assert_lt(now_ms() - start_ms, TEST_SILENT_MS + 200);
	/* Past the deadline: not asked, at once, the server not blamed. */
	start_ms = now_ms();
	lookup(&t, PROBE_DNS_A, "mail.spf.test", PROBE_DNS_UNASKED);
	cr_assert_lt(now_ms() - start_ms, 50);
	cr_assert_null(strstr(t.ans.msg, t.server), "%s", t.ans.msg);
	cr_assert_not_null(strstr(t.ans.msg, "not asked"), "%s", t.ans.msg);
	probe_dns_answer_free(&t.ans);
	probe_dns_close(&t.dns);
	cr_assert_eq(close(fd), 0);
}

Test(probe_dns, refuses_a_dns_server_that_is_not_an_address_and_port)
{
	static const char *const bad[] = { "localhost", "127.0.0.1:0",
	    "127.0.0.1:65536", "[::1]x", "127.0.0.1:", "" };
	struct probe_dns_opts	 opts = { NULL, 0, 0 };
	struct probe_dns	 dns;
	char			 err[TEST_ERR_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		opts.dns_server = bad[i];
		cr_assert_eq(probe_dns_open(&dns, &opts, err, sizeof(err)),
		    PROBE_DNS_E_USAGE, "%s", bad[i]);
		cr_assert_null(dns.ops);
	}
	opts.dns_server = "[::1]:5353";
	cr_assert_eq(probe_dns_open(&dns, &opts, err, sizeof(err)),
	    PROBE_DNS_OK, "%s", err);
	probe_dns_close(&dns);
	probe_dns_close(&dns);
}

Test(probe_dns, refuses_a_name_too_long_to_query)
{
	struct probe_dns_opts	opts = { "127.0.0.1:9", TEST_SILENT_MS, 0 };
	struct test_dns		t;
	char			err[TEST_ERR_MAX], name[300];

	memset(&t, 0, sizeof(t));
	cr_assert_eq(probe_dns_open(&t.dns, &opts, err, sizeof(err)),
	    PROBE_DNS_OK, "%s", err);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	lookup(&t, PROBE_DNS_TXT, name, PROBE_DNS_FAILED);
	lookup(&t, PROBE_DNS_TXT, "a..b", PROBE_DNS_FAILED);
	lookup(&t, PROBE_DNS_TXT, "", PROBE_DNS_FAILED);
	probe_dns_answer_free(&t.ans);
	probe_dns_close(&t.dns);
}

Test(probe_dns, keeps_nul_bytes_and_counts_what_crosses_its_limits)
{
	static const unsigned char	v4[4] = { 192, 0, 2, 1 };
	struct probe_dns_answer		ans;
	char				*big = malloc(PROBE_DNS_TEXT_MAX);
	size_t				i;

	cr_assert_not_null(big);
	probe_dns_answer_init(&ans);
	cr_assert_eq(probe_dns_answer_txt_begin(&ans), PROBE_DNS_OK);
	cr_assert_eq(probe_dns_answer_txt_append(&ans, "a\0b", 3),
	    PROBE_DNS_OK);
	cr_assert_eq(probe_dns_answer_txt_append(&ans, "c", 1), PROBE_DNS_OK);
	cr_assert_eq(probe_dns_answer_rr(&ans, 0)->len, 4);
	cr_assert_eq(probe_dns_answer_rr(&ans, 0)->nstrings, 2);
	cr_assert_eq(memcmp(probe_dns_answer_text(&ans, 0), "a\0bc", 5), 0);
	/* A record that would cross the text limit is dropped whole. */
	memset(big, 'x', PROBE_DNS_TEXT_MAX);
	cr_assert_eq(probe_dns_answer_txt_begin(&ans), PROBE_DNS_OK);
	cr_assert_eq(probe_dns_answer_txt_append(&ans, "y", 1), PROBE_DNS_OK);
	cr_assert_eq(probe_dns_answer_txt_append(&ans, big,
	    PROBE_DNS_TEXT_MAX), PROBE_DNS_OK);
	free(big);
	cr_assert_eq(probe_dns_answer_txt_append(&ans, "z", 1), PROBE_DNS_OK);
	cr_assert_eq(ans.nrr, 1);
	cr_assert_eq(ans.dropped, 1);
	cr_assert_eq(probe_dns_answer_add_name(&ans, 5, "mx.example"),
	    PROBE_DNS_OK);
	cr_assert_str_eq(probe_dns_answer_text(&ans, 1), "mx.example");
	cr_assert_eq(memcmp(probe_dns_answer_text(&ans, 0), "a\0bc", 5), 0);
	for (i = ans.nrr; i < PROBE_DNS_RR_MAX + 3; i++)
		cr_assert_eq(probe_dns_answer_add_addr(&ans, AF_INET, v4),
		    PROBE_DNS_OK);
	cr_assert_eq(ans.nrr, PROBE_DNS_RR_MAX);
	cr_assert_eq(ans.dropped, 4);
	assert_addr(&ans, PROBE_DNS_RR_MAX - 1, "192.0.2.1");
	probe_dns_answer_free(&ans);
	probe_dns_answer_free(&ans);
}

Test(probe_dns, spells_reverse_names_as_rfc_3596_does)
{
	unsigned char	a4[4], a6[16];
	char		buf[PROBE_DNS_REVERSE_MAX];

	cr_assert_eq(inet_pton(AF_INET, "192.0.2.7", a4), 1);
	cr_assert(probe_dns_reverse_name(AF_INET, a4, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "7.2.0.192.in-addr.arpa");
	cr_assert_eq(inet_pton(AF_INET6, "2001:db8::cb01", a6), 1);
	cr_assert(probe_dns_reverse_name(AF_INET6, a6, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".8.b.d.0.1.0.0.2.ip6.arpa");
	cr_assert_not(probe_dns_reverse_name(AF_INET6, a6, buf, 10));
	cr_assert_not(probe_dns_reverse_name(AF_UNIX, a6, buf, sizeof(buf)));
}

Test(probe_dns, names_every_status_and_type)
{
	static const char *const st[] = { "found", "nxdomain", "nodata",
	    "servfail", "timeout", "failed", "unasked" };
	static const char *const ty[] = { "TXT", "A", "AAAA", "MX", "PTR" };
	size_t			 i;

	cr_assert_eq(sizeof(st) / sizeof(st[0]), PROBE_DNS_STATUS_COUNT);
	cr_assert_eq(sizeof(ty) / sizeof(ty[0]), PROBE_DNS_TYPE_COUNT);
	for (i = 0; i < PROBE_DNS_STATUS_COUNT; i++)
		cr_assert_str_eq(probe_dns_status_name(
		    (enum probe_dns_status)i), st[i]);
	for (i = 0; i < PROBE_DNS_TYPE_COUNT; i++)
		cr_assert_str_eq(probe_dns_type_name((enum probe_dns_type)i),
		    ty[i]);
}
