/*
 * test_smtp_ehlo - the service extensions of an EHLO reply (RFC 5321
 * 4.1.1.1): keywords from the second line on, case-insensitive, SIZE's
 * parameter (RFC 1870), unknown keywords ignored.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "smtp/smtp_ehlo.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "smtp/smtp_reply.h"
#include "tests/support/mem_io.h"

/* Google's EHLO reply as a real server sends it. */
#define GOOGLE_EHLO \
	"250-mx.google.com at your service, [203.0.113.5]\r\n" \
	"250-SIZE 157286400\r\n" \
	"250-8BITMIME\r\n" \
	"250-STARTTLS\r\n" \
	"250-ENHANCEDSTATUSCODES\r\n" \
	"250-PIPELINING\r\n" \
	"250-CHUNKING\r\n" \
	"250 SMTPUTF8\r\n"

/* One reply per test; fini frees it even after a failed assertion. */
struct ehlo_case {
	struct mem_io		m;
	struct smtp_io		io;
	struct smtp_reply	reply;
	struct smtp_ehlo_caps	caps;
};

static struct ehlo_case tc;

static void
ehlo_setup(void)
{
	memset(&tc, 0, sizeof(tc));
	smtp_reply_init(&tc.reply);
}

static void
ehlo_teardown(void)
{
	smtp_reply_free(&tc.reply);
	mem_io_free(&tc.m);
}

TestSuite(smtp_ehlo, .init = ehlo_setup, .fini = ehlo_teardown);

/* Read script as a server would send it (one byte at a time), then parse. */
static void
parse(const char *script)
{
	struct smtp_err err = { 0 };

	mem_io_free(&tc.m);
	mem_io_set(&tc.m, script, 1);
	smtp_io_init(&tc.io, &mem_io_ops, &tc.m);
	cr_assert_eq(smtp_reply_read(&tc.io, &tc.reply, 0, &err), SMTP_OK,
	    "the script is not a reply: %s", err.msg);
	/* Garbage in, to show that parsing starts from a clean slate. */
	memset(&tc.caps, 0xa5, sizeof(tc.caps));
	smtp_ehlo_parse(&tc.reply, &tc.caps);
}

/* Every capability but the ones named in want is off. */
static void
assert_only(const enum smtp_ehlo_cap *want, size_t nwant)
{
	size_t i, j;
	bool on;

	for (i = 0; i < SMTP_EHLO_CAP_COUNT; i++) {
		on = false;
		for (j = 0; j < nwant; j++)
			on |= want[j] == i;
		cr_assert_eq(tc.caps.has[i], on, "%s is %s", smtp_ehlo_cap_name(
		    (enum smtp_ehlo_cap)i), tc.caps.has[i] ? "on" : "off");
	}
}

Test(smtp_ehlo, finds_every_capability_of_google_s_ehlo_reply)
{
	static const enum smtp_ehlo_cap want[] = {
		SMTP_EHLO_SIZE, SMTP_EHLO_8BITMIME, SMTP_EHLO_STARTTLS,
		SMTP_EHLO_ENHANCEDSTATUSCODES, SMTP_EHLO_PIPELINING,
		SMTP_EHLO_CHUNKING, SMTP_EHLO_SMTPUTF8,
	};

	parse(GOOGLE_EHLO);
	cr_assert_eq(tc.reply.nlines, 8);
	assert_only(want, sizeof(want) / sizeof(want[0]));
	cr_assert_not(tc.caps.has[SMTP_EHLO_DSN]);
	cr_assert_not(tc.caps.has[SMTP_EHLO_REQUIRETLS]);
	cr_assert_eq(tc.caps.size_max, UINT64_C(157286400));
}

Test(smtp_ehlo, matches_keywords_case_insensitively)
{
	static const enum smtp_ehlo_cap want[] = {
		SMTP_EHLO_STARTTLS, SMTP_EHLO_SIZE, SMTP_EHLO_PIPELINING,
		SMTP_EHLO_DSN,
	};

	parse("250-mx.example.net\r\n250-starttls\r\n250-Size 1000\r\n"
	    "250-dsn\r\n250 PiPeLiNiNg\r\n");
	assert_only(want, sizeof(want) / sizeof(want[0]));
	cr_assert_eq(tc.caps.size_max, 1000);
}

Test(smtp_ehlo, does_not_take_the_greeting_line_for_a_keyword)
{
	static const enum smtp_ehlo_cap want[] = { SMTP_EHLO_8BITMIME };

	parse("250-STARTTLS\r\n250 8BITMIME\r\n");
	assert_only(want, sizeof(want) / sizeof(want[0]));
}

Test(smtp_ehlo, finds_nothing_in_a_one_line_reply)
{
	parse("250 SIZE 1000\r\n");
	assert_only(NULL, 0);
	cr_assert_eq(tc.caps.size_max, 0);
}

Test(smtp_ehlo, reads_the_size_parameter)
{
	parse("250-mx\r\n250 SIZE 35882577\r\n");
	cr_assert(tc.caps.has[SMTP_EHLO_SIZE]);
	cr_assert_eq(tc.caps.size_max, UINT64_C(35882577));
}

Test(smtp_ehlo, reads_the_largest_size_that_fits_in_64_bits)
{
	parse("250-mx\r\n250 SIZE 18446744073709551615\r\n");
	cr_assert_eq(tc.caps.size_max, UINT64_MAX);
}

Test(smtp_ehlo, leaves_size_max_at_zero_for_a_bad_size_parameter)
{
	static const char *const bad[] = {
		"250-mx\r\n250 SIZE abc\r\n",
		"250-mx\r\n250 SIZE -1\r\n",
		"250-mx\r\n250 SIZE +5\r\n",
		"250-mx\r\n250 SIZE 12x\r\n",
		"250-mx\r\n250 SIZE 1 2\r\n",
		"250-mx\r\n250 SIZE \r\n",
		"250-mx\r\n250 SIZE 18446744073709551616\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i]);
		cr_assert(tc.caps.has[SMTP_EHLO_SIZE], "case %zu", i);
		cr_assert_eq(tc.caps.size_max, 0, "case %zu", i);
	}
}

Test(smtp_ehlo, leaves_size_max_at_zero_when_size_has_no_parameter)
{
	parse("250-mx\r\n250 SIZE\r\n");
	cr_assert(tc.caps.has[SMTP_EHLO_SIZE]);
	cr_assert_eq(tc.caps.size_max, 0);
}

Test(smtp_ehlo, ignores_unknown_keywords)
{
	static const enum smtp_ehlo_cap want[] = { SMTP_EHLO_CHUNKING };

	parse("250-mx.example.net\r\n250-AUTH LOGIN PLAIN\r\n250-X-FOO\r\n"
	    "250-STARTTLSX\r\n250-SIZEX 10\r\n250-8BITMIM\r\n250-\r\n"
	    "250-CHUNKING\r\n250 XCLIENT NAME\r\n");
	assert_only(want, sizeof(want) / sizeof(want[0]));
	cr_assert_eq(tc.caps.size_max, 0);
}

Test(smtp_ehlo, names_each_capability_as_servers_spell_it)
{
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_STARTTLS), "STARTTLS");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_SIZE), "SIZE");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_PIPELINING),
	    "PIPELINING");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_8BITMIME), "8BITMIME");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_SMTPUTF8), "SMTPUTF8");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_ENHANCEDSTATUSCODES),
	    "ENHANCEDSTATUSCODES");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_CHUNKING), "CHUNKING");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_DSN), "DSN");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_REQUIRETLS),
	    "REQUIRETLS");
	cr_assert_str_eq(smtp_ehlo_cap_name(SMTP_EHLO_CAP_COUNT), "?");
}
