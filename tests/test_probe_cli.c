/*
 * test_probe_cli - the flags of "smtpprobe send": every flag lands in its
 * field, the --server forms (host, host:port, [IPv6]:port, a bare IPv6
 * literal), the ranges of --port, --timeout and the --server port at
 * their edges, and a one-line refusal that names the offending word for
 * every kind of bad command line. getopt keeps global state; the parser
 * resets it, and a test parses twice to show that it does.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/config/probe_cli.h"
#include "smtp/smtp_transcript.h"
#include "tests/support/mem_out.h"

/* "send", flags, then up to this many generated words. */
#define ARGV_MAX	(2 * (SMTP_RCPTS_MAX + 2) + 8)

/* One test's state; fini frees it even when an assertion failed. */
static struct probe_cli_send o;
static char err[PROBE_CLI_ERR_MAX];
static char *argv_buf[ARGV_MAX];
static char *words;
static struct mem_out usage;

static void
cli_setup(void)
{
	memset(&o, 0, sizeof(o));
	err[0] = '\0';
	words = NULL;
}

static void
cli_teardown(void)
{
	free(words);
	words = NULL;
	mem_out_free(&usage);
}

TestSuite(probe_cli, .init = cli_setup, .fini = cli_teardown);

/* argv is NULL-terminated; getopt may permute it, so it is writable. */
static int
parse_argv(char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	err[0] = '\0';
	return probe_cli_parse_send(argc, argv, &o, err, sizeof(err));
}

#define PARSE(...)	parse_argv((char *[]){ "send", __VA_ARGS__, NULL })

static void
assert_parses(int rc)
{
	cr_assert_eq(rc, 0, "refused: %s", err);
}

static void
assert_refused(int rc, const char *want)
{
	cr_assert_eq(rc, -1, "accepted a command line it should refuse");
	cr_assert_str_eq(err, want);
	cr_assert_null(strchr(err, '\n'), "the error is not one line");
}

/* "send" then n times flag and a generated value "v<i>@example.net". */
static int
parse_repeated(const char *flag, size_t n)
{
	size_t i, len = 40;	/* "v" SIZE_MAX "@example.net" fits */
	int argc = 0;

	cr_assert_lt(2 * n + 2, ARGV_MAX);
	free(words);
	words = calloc(n, len);
	cr_assert_not_null(words);
	argv_buf[argc++] = "send";
	for (i = 0; i < n; i++) {
		(void)snprintf(words + i * len, len, "v%zu@example.net", i);
		argv_buf[argc++] = (char *)(uintptr_t)flag;
		argv_buf[argc++] = words + i * len;
	}
	argv_buf[argc] = NULL;
	return parse_argv(argv_buf);
}

/* --- every flag --- */

Test(probe_cli, leaves_every_field_at_its_default_without_flags)
{
	assert_parses(parse_argv((char *[]){ "send", NULL }));
	cr_assert_eq(o.nto, 0);
	cr_assert_null(o.profile);
	cr_assert_null(o.from);
	cr_assert_null(o.server);
	cr_assert_eq(o.server_port, 0);
	cr_assert_eq(o.port, 0);
	cr_assert_eq(o.family, AF_UNSPEC);
	cr_assert_eq(o.timeout_s, 0);
	cr_assert_not(o.json);
	cr_assert_not(o.help);
	cr_assert_eq(o.ncatalogs, 0);
}

Test(probe_cli, puts_every_flag_in_its_field)
{
	assert_parses(PARSE("--profile", "gmail", "--to", "a@gmail.com",
	    "--from", "probe@example.com", "--header-from", "hdr@example.com",
	    "--source", "203.0.113.5", "--helo", "mail.example.com",
	    "--server", "mx.example.net:2525", "--port", "587",
	    "--dns-server", "127.0.0.1:5353", "-6", "--starttls", "required",
	    "--tls-verify", "require", "--tls-ca", "/etc/ca.pem",
	    "--quit-after", "rcpt", "--timeout", "45", "--subject", "Hello",
	    "--body-file", "/tmp/body.txt", "--catalog", "mine.yaml",
	    "--json"));
	cr_assert_str_eq(o.profile, "gmail");
	cr_assert_eq(o.nto, 1);
	cr_assert_str_eq(o.to[0], "a@gmail.com");
	cr_assert_str_eq(o.from, "probe@example.com");
	cr_assert_str_eq(o.header_from, "hdr@example.com");
	cr_assert_str_eq(o.source, "203.0.113.5");
	cr_assert_str_eq(o.helo, "mail.example.com");
	cr_assert_str_eq(o.server, "mx.example.net");
	cr_assert_eq(o.server_port, 2525);
	cr_assert_eq(o.port, 587);
	cr_assert_str_eq(o.dns_server, "127.0.0.1:5353");
	cr_assert_eq(o.family, AF_INET6);
	cr_assert_str_eq(o.starttls, "required");
	cr_assert_str_eq(o.tls_verify, "require");
	cr_assert_str_eq(o.tls_ca, "/etc/ca.pem");
	cr_assert_str_eq(o.quit_after, "rcpt");
	cr_assert_eq(o.timeout_s, 45);
	cr_assert_str_eq(o.subject, "Hello");
	cr_assert_str_eq(o.body_file, "/tmp/body.txt");
	cr_assert_eq(o.ncatalogs, 1);
	cr_assert_str_eq(o.catalogs[0], "mine.yaml");
	cr_assert(o.json);
	cr_assert_not(o.help);
}

Test(probe_cli, takes_flags_in_any_order_and_the_last_of_a_repeated_one)
{
	assert_parses(PARSE("--json", "--from", "a@x.test", "-4", "--from",
	    "b@x.test"));
	cr_assert_str_eq(o.from, "b@x.test");
	cr_assert_eq(o.family, AF_INET);
	cr_assert(o.json);
}

Test(probe_cli, sets_help_for_h_and_help)
{
	assert_parses(PARSE("-h"));
	cr_assert(o.help);
	assert_parses(PARSE("--help"));
	cr_assert(o.help);
}

/* --- recipients --- */

Test(probe_cli, keeps_each_to_in_order)
{
	assert_parses(PARSE("--to", "a@x.test", "--to", "b@x.test", "--to",
	    "c@x.test"));
	cr_assert_eq(o.nto, 3);
	cr_assert_str_eq(o.to[0], "a@x.test");
	cr_assert_str_eq(o.to[2], "c@x.test");
}

/* As swaks and mail(1) take them: one --to with a comma list. */
Test(probe_cli, splits_a_comma_list_of_recipients)
{
	char list[] = "a@x.test,b@y.test";
	char bad[] = "a@x.test,";

	assert_parses(PARSE("--to", list, "--to", "c@x.test"));
	cr_assert_eq(o.nto, 3);
	cr_assert_str_eq(o.to[0], "a@x.test");
	cr_assert_str_eq(o.to[1], "b@y.test");
	cr_assert_str_eq(o.to[2], "c@x.test");
	assert_refused(PARSE("--to", bad), "--to: an empty address in the "
	    "list");
}

Test(probe_cli, takes_one_to_under_the_recipient_limit)
{
	assert_parses(parse_repeated("--to", SMTP_RCPTS_MAX - 1));
	cr_assert_eq(o.nto, SMTP_RCPTS_MAX - 1);
}

Test(probe_cli, takes_to_up_to_the_recipient_limit)
{
	assert_parses(parse_repeated("--to", SMTP_RCPTS_MAX));
	cr_assert_eq(o.nto, SMTP_RCPTS_MAX);
	cr_assert_str_eq(o.to[SMTP_RCPTS_MAX - 1], "v99@example.net");
}

Test(probe_cli, refuses_one_to_over_the_recipient_limit)
{
	assert_refused(parse_repeated("--to", SMTP_RCPTS_MAX + 1),
	    "--to: at most 100 recipients");
}

Test(probe_cli, takes_catalogs_up_to_their_limit_and_refuses_one_more)
{
	assert_parses(parse_repeated("--catalog", PROBE_CLI_CATALOGS_MAX - 1));
	cr_assert_eq(o.ncatalogs, PROBE_CLI_CATALOGS_MAX - 1);
	assert_parses(parse_repeated("--catalog", PROBE_CLI_CATALOGS_MAX));
	cr_assert_eq(o.ncatalogs, PROBE_CLI_CATALOGS_MAX);
	cr_assert_eq(parse_repeated("--catalog", PROBE_CLI_CATALOGS_MAX + 1),
	    -1);
	cr_assert(strstr(err, "--catalog") != NULL, "%s", err);
}

/* --- --server --- */

static void
assert_server(const char *arg, const char *host, int port)
{
	assert_parses(PARSE("--server", (char *)(uintptr_t)arg));
	cr_assert_str_eq(o.server, host, "--server %s", arg);
	cr_assert_eq(o.server_port, port, "--server %s", arg);
}

Test(probe_cli, server_takes_a_host_alone_or_with_a_port)
{
	assert_server("mx.example.net", "mx.example.net", 0);
	assert_server("mx.example.net:2525", "mx.example.net", 2525);
	assert_server("127.0.0.1:25", "127.0.0.1", 25);
}

Test(probe_cli, server_takes_an_ipv6_literal_in_brackets_with_or_without_port)
{
	assert_server("[::1]:2525", "::1", 2525);
	assert_server("[::1]", "::1", 0);
	assert_server("[2001:db8::25]:587", "2001:db8::25", 587);
}

Test(probe_cli, server_takes_a_bare_ipv6_literal_as_a_host_without_port)
{
	assert_server("::1", "::1", 0);
	assert_server("2001:db8::25", "2001:db8::25", 0);
}

Test(probe_cli, server_port_takes_1_and_65535)
{
	assert_server("h:1", "h", 1);
	assert_server("h:65535", "h", 65535);
	assert_server("[::1]:65535", "::1", 65535);
}

Test(probe_cli, server_refuses_a_bad_port_or_a_broken_form)
{
	static const char *const bad[] = { "host:0", "host:65536",
	    "host:99999", "host:", "host:abc", "host:-1", ":25", "",
	    "[::1", "[::1]x", "[::1]:", "[::1]:0", "[]:25", "[]" };
	char want[PROBE_CLI_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(want, sizeof(want), "--server: expected "
		    "HOST[:PORT] or [IPv6]:PORT, got \"%s\"", bad[i]);
		assert_refused(PARSE("--server", (char *)(uintptr_t)bad[i]),
		    want);
	}
}

/*
 * Typos that used to reach DNS (or the address parser) as a host name:
 * two colons that make no IPv6 address, brackets around a name, a
 * scheme, a comma or a space, an empty label.
 */
Test(probe_cli, server_refuses_a_host_that_is_neither_a_name_nor_an_address)
{
	static const char *const bad[] = { "mx.example.net:25:26",
	    "mx:example:net", "[mx.example.net]", "[mx.example.net]:25",
	    "[1.2.3.4]", "mx.example.net,mx2.example.net", "mx example.net",
	    "mx..example.net", ".mx.example.net", "mx/example.net",
	    "mx@example.net", "-mx.example.net", "mx.example.net..",
	    "[::1::2]:25" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(PARSE("--server", (char *)(uintptr_t)bad[i]), -1,
		    "--server %s was taken", bad[i]);
		cr_assert_eq(strncmp(err, "--server: ", 10), 0, "%s", err);
		cr_assert_not_null(strstr(err, bad[i]), "%s", err);
	}
	assert_server("mx.example.net.", "mx.example.net.", 0);
	assert_server("MX-1.example.net:25", "MX-1.example.net", 25);
	assert_server("::ffff:192.0.2.1", "::ffff:192.0.2.1", 0);
}

Test(probe_cli, server_host_takes_up_to_255_characters)
{
	char host[258];

	memset(host, 'h', sizeof(host));
	host[254] = '\0';
	assert_parses(PARSE("--server", host));
	cr_assert_eq(strlen(o.server), 254);
	host[254] = 'h';
	host[255] = '\0';
	assert_parses(PARSE("--server", host));
	cr_assert_eq(strlen(o.server), 255);
	host[255] = 'h';
	host[256] = '\0';
	cr_assert_eq(PARSE("--server", host), -1, "a 256-byte host fit");
	cr_assert_eq(strncmp(err, "--server: ", 10), 0, "%s", err);
}

/* --- --port and --timeout --- */

Test(probe_cli, port_takes_1_and_65535)
{
	assert_parses(PARSE("--port", "1"));
	cr_assert_eq(o.port, 1);
	assert_parses(PARSE("--port", "65535"));
	cr_assert_eq(o.port, 65535);
}

Test(probe_cli, port_refuses_0_65536_and_what_is_not_a_number)
{
	static const char *const bad[] = { "0", "65536", "99999", "abc", "",
	    "-1", "+1", " 1", "1 ", "0x19", "25.0" };
	char want[PROBE_CLI_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(want, sizeof(want), "--port: not a number from "
		    "1 to 65535: \"%s\"", bad[i]);
		assert_refused(PARSE("--port", (char *)(uintptr_t)bad[i]),
		    want);
	}
}

Test(probe_cli, timeout_takes_1_and_3600_seconds)
{
	assert_parses(PARSE("--timeout", "1"));
	cr_assert_eq(o.timeout_s, 1);
	assert_parses(PARSE("--timeout", "3600"));
	cr_assert_eq(o.timeout_s, 3600);
}

Test(probe_cli, timeout_refuses_0_3601_and_what_is_not_a_number)
{
	static const char *const bad[] = { "0", "3601", "-5", "10s", "" };
	char want[PROBE_CLI_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(want, sizeof(want), "--timeout: not a number "
		    "of seconds from 1 to 3600: \"%s\"", bad[i]);
		assert_refused(PARSE("--timeout", (char *)(uintptr_t)bad[i]),
		    want);
	}
}

/* --- address families --- */

Test(probe_cli, four_and_six_pick_one_family)
{
	assert_parses(PARSE("-4"));
	cr_assert_eq(o.family, AF_INET);
	assert_parses(PARSE("-6"));
	cr_assert_eq(o.family, AF_INET6);
	assert_parses(PARSE("-4", "-4"));
	cr_assert_eq(o.family, AF_INET);
}

Test(probe_cli, four_with_six_is_refused_in_any_spelling)
{
	assert_refused(PARSE("-4", "-6"), "-4 and -6 exclude each other");
	assert_refused(PARSE("-6", "--to", "a@x.test", "-4"),
	    "-4 and -6 exclude each other");
	assert_refused(PARSE("-46"), "-4 and -6 exclude each other");
}

/* --- bad command lines name the word --- */

Test(probe_cli, an_unknown_long_option_is_named)
{
	assert_refused(PARSE("--to", "a@x.test", "--bogus"),
	    "unknown option or missing value: \"--bogus\"");
	assert_refused(PARSE("--bogus=1"),
	    "unknown option or missing value: \"--bogus=1\"");
}

Test(probe_cli, an_unknown_short_option_is_named_even_inside_a_cluster)
{
	assert_refused(PARSE("-x"), "unknown option or missing value: \"-x\"");
	assert_refused(PARSE("-4x"), "unknown option or missing value: \"-x\"");
	assert_refused(PARSE("-x4"), "unknown option or missing value: \"-x\"");
}

Test(probe_cli, a_missing_value_names_its_flag)
{
	assert_refused(PARSE("--from", "a@x.test", "--to"),
	    "unknown option or missing value: \"--to\"");
	assert_refused(PARSE("--port"),
	    "unknown option or missing value: \"--port\"");
}

Test(probe_cli, a_value_for_a_flag_that_takes_none_is_refused)
{
	assert_refused(PARSE("--json=yes"),
	    "unknown option or missing value: \"--json=yes\"");
}

Test(probe_cli, a_positional_argument_is_refused)
{
	assert_refused(PARSE("--to", "a@x.test", "extra"),
	    "unexpected argument \"extra\"");
	assert_refused(PARSE("extra", "--to", "a@x.test"),
	    "unexpected argument \"extra\"");
	assert_refused(PARSE("--", "--to"), "unexpected argument \"--to\"");
}

/* --- getopt's global state --- */

Test(probe_cli, parsing_twice_starts_afresh_each_time)
{
	assert_parses(PARSE("-4", "--port", "2525", "--to", "a@x.test",
	    "--json"));
	cr_assert_eq(o.port, 2525);
	assert_parses(PARSE("--to", "b@x.test"));
	cr_assert_eq(o.nto, 1);
	cr_assert_str_eq(o.to[0], "b@x.test");
	cr_assert_eq(o.port, 0, "the struct is reset");
	cr_assert_eq(o.family, AF_UNSPEC);
	cr_assert_not(o.json);
}

Test(probe_cli, parsing_again_after_an_error_inside_a_cluster_starts_afresh)
{
	/* getopt stopped at the "x" of "-x4" with "4" still pending. */
	cr_assert_eq(PARSE("-x4"), -1);
	assert_parses(PARSE("--to", "a@x.test"));
	cr_assert_eq(o.family, AF_UNSPEC, "the old \"4\" was taken");
	cr_assert_eq(o.nto, 1);
	cr_assert_str_eq(o.to[0], "a@x.test");
}

Test(probe_cli, parsing_again_after_a_refused_value_starts_afresh)
{
	cr_assert_eq(PARSE("--port", "0", "--to", "a@x.test"), -1);
	assert_parses(PARSE("--timeout", "5"));
	cr_assert_eq(o.timeout_s, 5);
	cr_assert_eq(o.nto, 0);
}

/* --- help texts --- */

Test(probe_cli, send_usage_names_every_flag_and_every_exit_status)
{
	static const char *const flags[] = { "--to ", "--from ",
	    "--header-from ", "--helo ", "--subject ", "--body-file ",
	    "--profile ", "--source ", "--server ", "--port ",
	    "--dns-server ", "-4, -6", "--starttls ", "--tls-verify ",
	    "--tls-ca ", "--quit-after ", "--timeout ", "--json",
	    "--catalog ", "--help", "  0  pass", "  1  tempfail", "  2  fail",
	    "  3  error" };
	size_t i;

	cr_assert_not_null(mem_out_open(&usage));
	probe_cli_send_usage(usage.fp);
	cr_assert_not_null(mem_out_close(&usage));
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		cr_assert(strstr(usage.data, flags[i]) != NULL,
		    "send --help lacks \"%s\"", flags[i]);
}

Test(probe_cli, top_usage_names_the_send_command_and_the_exit_statuses)
{
	cr_assert_not_null(mem_out_open(&usage));
	probe_cli_usage(usage.fp);
	cr_assert_not_null(mem_out_close(&usage));
	cr_assert(strstr(usage.data, "usage: smtpprobe COMMAND") != NULL);
	cr_assert(strstr(usage.data, "  send ") != NULL);
	cr_assert(strstr(usage.data, "  3  error") != NULL);
}
