/*
 * test_probe_ares - the c-ares plumbing shared by probe_mx and probe_dns:
 * the DNS server text (every shape it takes, the port at its limits, and
 * the message each refusal gets), the server's name in messages, and a
 * wait that ends at its deadline. No query leaves the machine: the only
 * channel opened is never asked anything.
 */
#include "probe/dns/probe_ares.h"

#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#define TEST_ERR_MAX		256
/* Short, so the deadline test is quick; the slack absorbs a busy host. */
#define TEST_DEADLINE_MS	100
#define TEST_SLACK_MS		2000

struct server_case {
	const char	*text;
	int		 family;
	int		 port;
	const char	*shown;		/* probe_ares_server_text() */
};

struct bad_case {
	const char	*text;
	const char	*msg;		/* what errmsg must say */
};

#define TEST_MSG_ADDR	"DNS server must be IP, IP:PORT or [IPv6]:PORT, " \
			"with an IP address, not a name"
#define TEST_MSG_PORT	"DNS server port must be 1-65535"

static const struct server_case good[] = {
	{ "1.2.3.4", AF_INET, 53, "1.2.3.4:53" },
	{ "1.2.3.4:53", AF_INET, 53, "1.2.3.4:53" },
	{ "1.2.3.4:1", AF_INET, 1, "1.2.3.4:1" },
	{ "1.2.3.4:65534", AF_INET, 65534, "1.2.3.4:65534" },
	{ "1.2.3.4:65535", AF_INET, 65535, "1.2.3.4:65535" },
	{ "[::1]:5353", AF_INET6, 5353, "[::1]:5353" },
	{ "[::1]", AF_INET6, 53, "[::1]:53" },
	/* More than one colon: all of them belong to the address. */
	{ "::1", AF_INET6, 53, "[::1]:53" },
	{ "2001:db8::53", AF_INET6, 53, "[2001:db8::53]:53" },
};

static const struct bad_case bad[] = {
	{ "1.2.3.4:0", TEST_MSG_PORT },
	{ "1.2.3.4:65536", TEST_MSG_PORT },
	{ "1.2.3.4:", TEST_MSG_PORT },
	{ "1.2.3.4:53x", TEST_MSG_PORT },
	{ "1.2.3.4:+53", TEST_MSG_PORT },
	{ "[::1]:", TEST_MSG_PORT },
	{ ":53", TEST_MSG_ADDR },
	{ "[::1", TEST_MSG_ADDR },
	{ "[::1]53", TEST_MSG_ADDR },
	{ "host.example", TEST_MSG_ADDR },
	{ "[host.example]:53", TEST_MSG_ADDR },
	{ "", TEST_MSG_ADDR },
};

Test(probe_ares, reads_every_shape_of_a_dns_server_with_its_port)
{
	struct ares_addr_port_node	node;
	char				err[TEST_ERR_MAX];
	size_t				i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(probe_ares_parse_server(good[i].text, &node, err,
		    sizeof(err)), PROBE_ARES_OK, "\"%s\": %s", good[i].text,
		    err);
		cr_assert_eq(node.family, good[i].family, "%s", good[i].text);
		cr_assert_eq(node.udp_port, good[i].port, "%s", good[i].text);
		cr_assert_eq(node.tcp_port, good[i].port, "%s", good[i].text);
		cr_assert_null(node.next);
	}
}

Test(probe_ares, refuses_a_dns_server_that_is_not_an_address_and_port)
{
	struct ares_addr_port_node	node;
	char				err[TEST_ERR_MAX];
	size_t				i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(probe_ares_parse_server(bad[i].text, &node, err,
		    sizeof(err)), PROBE_ARES_E_USAGE, "accepted \"%s\"",
		    bad[i].text);
		cr_assert_str_eq(err, bad[i].msg, "\"%s\"", bad[i].text);
	}
}

Test(probe_ares, refuses_a_bad_server_with_no_room_for_a_message)
{
	struct ares_addr_port_node	node;

	cr_assert_eq(probe_ares_parse_server("host.example", &node, NULL, 0),
	    PROBE_ARES_E_USAGE);
}

Test(probe_ares, reads_an_address_only_when_it_is_all_there_is)
{
	union probe_ares_ip	ip;

	cr_assert_eq(probe_ares_parse_ip("1.2.3.4", 7, &ip), AF_INET);
	cr_assert_eq(ip.v4.s_addr, htonl(0x01020304));
	cr_assert_eq(probe_ares_parse_ip("[::1]", 5, &ip), AF_INET6);
	/* The length, not a NUL, ends the text. */
	cr_assert_eq(probe_ares_parse_ip("1.2.3.4:53", 7, &ip), AF_INET);
	cr_assert_eq(probe_ares_parse_ip("1.2.3.4:53", 10, &ip), AF_UNSPEC);
	cr_assert_eq(probe_ares_parse_ip("mx.example", 10, &ip), AF_UNSPEC);
	cr_assert_eq(probe_ares_parse_ip("", 0, &ip), AF_UNSPEC);
}

Test(probe_ares, names_the_server_it_was_given_with_its_port)
{
	struct probe_ares	ar;
	char			err[TEST_ERR_MAX] = "";
	char			text[PROBE_ARES_SERVER_TEXT_MAX];
	size_t			i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(probe_ares_init(&ar, good[i].text,
		    TEST_DEADLINE_MS, err, sizeof(err)), PROBE_ARES_OK, "%s",
		    err);
		cr_assert(ar.has_server);
		probe_ares_server_text(&ar, text, sizeof(text));
		cr_assert_str_eq(text, good[i].shown);
		probe_ares_free(&ar);
	}
}

Test(probe_ares, sets_the_deadline_and_opens_nothing_at_init)
{
	struct probe_ares	ar;
	char			err[TEST_ERR_MAX] = "";

	cr_assert_eq(probe_ares_init(&ar, NULL, TEST_DEADLINE_MS, err,
	    sizeof(err)), PROBE_ARES_OK, "%s", err);
	cr_assert_not(ar.has_server);
	cr_assert_null(ar.channel);
	cr_assert_eq(ar.deadline_ms - ar.start_ms, TEST_DEADLINE_MS);
	cr_assert_eq(probe_ares_init(&ar, "host.example", TEST_DEADLINE_MS,
	    err, sizeof(err)), PROBE_ARES_E_USAGE);
	cr_assert_str_eq(err, TEST_MSG_ADDR);
	cr_assert_null(ar.channel);
	probe_ares_free(&ar);
}

Test(probe_ares, frees_a_zeroed_struct_twice_safely)
{
	struct probe_ares	ar;

	memset(&ar, 0, sizeof(ar));
	probe_ares_free(&ar);
	probe_ares_free(&ar);
	cr_assert_null(ar.channel);
}

/* Nothing is asked, so nothing calls back: only the deadline ends it. */
Test(probe_ares, stops_waiting_at_the_deadline, .timeout = 10)
{
	struct probe_ares	ar;
	char			err[TEST_ERR_MAX] = "";
	size_t			pending = 1;
	int64_t			took;

	cr_assert_eq(probe_ares_init(&ar, "127.0.0.1:9", TEST_DEADLINE_MS,
	    err, sizeof(err)), PROBE_ARES_OK, "%s", err);
	cr_assert_eq(probe_ares_open(&ar, err, sizeof(err)), PROBE_ARES_OK,
	    "%s", err);
	cr_assert_eq(probe_ares_wait(&ar, &pending, err, sizeof(err)),
	    PROBE_ARES_OK, "%s", err);
	took = probe_ares_now_ms() - ar.start_ms;
	cr_assert_geq(took, TEST_DEADLINE_MS);
	cr_assert_lt(took, TEST_DEADLINE_MS + TEST_SLACK_MS);
	cr_assert_eq(pending, 1);
	probe_ares_free(&ar);
	cr_assert_null(ar.channel);
}

Test(probe_ares, reads_a_name_a_parser_could_not_read_as_a_bad_reply)
{
	cr_assert_eq(probe_ares_parsed(ARES_EBADNAME), ARES_EBADRESP);
	cr_assert_eq(probe_ares_parsed(ARES_SUCCESS), ARES_SUCCESS);
	cr_assert_eq(probe_ares_parsed(ARES_ENODATA), ARES_ENODATA);
}
