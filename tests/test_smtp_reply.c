/*
 * test_smtp_reply - the reply reader: RFC 5321 4.2 framing, RFC 3463
 * enhanced codes, the per-line and per-reply limits, and what is kept as
 * evidence when a server breaks the rules.
 *
 * Every reply comes from the in-memory transport (tests/support/mem_io),
 * fed whole and one byte at a time; no sockets.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "smtp/smtp_reply.h"
#include "tests/support/mem_io.h"

/* Chunk sizes of the script: 0 hands over everything a read can take. */
#define WHOLE		0
#define BYTEWISE	1

/* Room for any server text our error messages could quote. */
#define QUOTE_ROOM	(SMTP_REPLY_QUOTE_MAX * 4 + 8)

/*
 * One test's state. Criterion fixtures can only reach file-scope data;
 * init zeroes it and fini frees it even when an assertion failed.
 */
struct reply_case {
	struct mem_io		m;
	struct smtp_io		io;
	struct smtp_reply	reply;
	struct smtp_err		err;
	enum smtp_rc		rc;
	struct smtp_buf		script;	/* scripts built at run time */
};

static struct reply_case tc;

static void
reply_setup(void)
{
	memset(&tc, 0, sizeof(tc));
	smtp_reply_init(&tc.reply);
}

static void
reply_teardown(void)
{
	smtp_reply_free(&tc.reply);
	smtp_buf_free(&tc.script);
	mem_io_free(&tc.m);
}

TestSuite(smtp_reply, .init = reply_setup, .fini = reply_teardown);

/* The real Gmail refusal of an unauthenticated message, line by line. */
static const char *const gmail_550_5_7_26[] = {
	"550-5.7.26 This mail is unauthenticated, which poses a security "
	    "risk to the",
	"550-5.7.26 sender and Gmail users, and has been blocked. The "
	    "sender must",
	"550-5.7.26 authenticate with at least one of SPF or DKIM. For this "
	    "message,",
	"550-5.7.26 DKIM checks did not pass and SPF check for "
	    "[example.com] did not",
	"550-5.7.26 pass with ip: [203.0.113.5]. The sender should visit",
	"550-5.7.26  https://support.google.com/mail/answer/81126"
	    "#authentication for",
	"550 5.7.26 instructions on setting up authentication. "
	    "d2-20020a05600c4e0200b0040e3b7e9a5dsi123456wmq.170 - gsmtp",
};
#define GMAIL_LINES	(sizeof(gmail_550_5_7_26) / sizeof(gmail_550_5_7_26[0]))

/* Append text to the run-time script; the ceiling is only a sanity cap. */
static void
script_add(const char *bytes, size_t len)
{
	cr_assert_eq(smtp_buf_append(&tc.script, bytes, len, 64u << 20),
	    SMTP_OK, "the test script could not grow");
}

static void
script_add_str(const char *s)
{
	script_add(s, strlen(s));
}

/* "250 xxx..." of exactly len bytes (without its line end). */
static void
script_add_line_of(size_t len, const char *end)
{
	size_t i;

	cr_assert_geq(len, 4);
	script_add_str("250 ");
	for (i = 4; i < len; i++)
		script_add("x", 1);
	script_add_str(end);
}

/* n lines of one 250 reply: "250-line 1" ... "250 line n". */
static void
script_add_lines(size_t n)
{
	char line[64];
	size_t i;
	int len;

	for (i = 1; i <= n; i++) {
		len = snprintf(line, sizeof(line), "250%cline %zu\r\n",
		    i < n ? '-' : ' ', i);
		cr_assert_gt(len, 0);
		script_add(line, (size_t)len);
	}
}

static void
script_add_gmail(void)
{
	size_t i;

	for (i = 0; i < GMAIL_LINES; i++) {
		script_add_str(gmail_550_5_7_26[i]);
		script_add_str("\r\n");
	}
}

/* Point the transport at a script (borrowed) from its start. */
static void
start_bytes(const char *in, size_t len, size_t chunk)
{
	mem_io_free(&tc.m);
	mem_io_set_bytes(&tc.m, in, len, chunk);
	smtp_io_init(&tc.io, &mem_io_ops, &tc.m);
}

static void
start(const char *in, size_t chunk)
{
	start_bytes(in, strlen(in), chunk);
}

static void
start_script(size_t chunk)
{
	start_bytes(tc.script.data, tc.script.len, chunk);
}

/* Read the next reply; mem_io never waits, so the deadline is moot. */
static enum smtp_rc
read_next(void)
{
	smtp_err_clear(&tc.err);
	tc.rc = smtp_reply_read(&tc.io, &tc.reply, 0, &tc.err);
	return tc.rc;
}

static enum smtp_rc
read_one(const char *in, size_t chunk)
{
	start(in, chunk);
	return read_next();
}

static void
assert_line(size_t i, const char *want)
{
	const char *got;
	size_t len = 0;

	got = smtp_reply_line(&tc.reply, i, &len);
	cr_assert_not_null(got, "line %zu is missing", i);
	cr_assert_eq(len, strlen(want), "line %zu: length %zu, want %zu", i,
	    len, strlen(want));
	cr_assert_str_eq(got, want, "line %zu differs", i);
}

static void
assert_gmail_block(void)
{
	size_t i;

	cr_assert_eq(tc.rc, SMTP_OK, "rc %s: %s", smtp_err_name(tc.rc),
	    tc.err.msg);
	cr_assert_eq(tc.reply.code, 550);
	cr_assert_str_eq(tc.reply.enhanced, "5.7.26");
	cr_assert_eq(tc.reply.nlines, GMAIL_LINES);
	for (i = 0; i < GMAIL_LINES; i++)
		assert_line(i, gmail_550_5_7_26[i]);
	cr_assert(tc.reply.is_complete);
	cr_assert_not(tc.reply.has_bare_lf);
	cr_assert_eq(smtp_io_pending(&tc.io), 0);
}

/* Our words must never carry a server's raw control bytes. */
static void
assert_msg_is_printable(void)
{
	const unsigned char *p;

	for (p = (const unsigned char *)tc.err.msg; *p != '\0'; p++)
		cr_assert(*p >= 0x20 && *p < 0x7f,
		    "byte 0x%02x at %zu of the error message", *p,
		    (size_t)(p - (const unsigned char *)tc.err.msg));
}

static void
assert_msg_has(const char *needle)
{
	cr_assert_not_null(strstr(tc.err.msg, needle),
	    "error message \"%s\" lacks \"%s\"", tc.err.msg, needle);
}

/* --- single and multi-line replies --- */

Test(smtp_reply, reads_a_single_line_reply)
{
	cr_assert_eq(read_one("250 2.0.0 OK\r\n", BYTEWISE), SMTP_OK);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_str_eq(tc.reply.enhanced, "2.0.0");
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, "250 2.0.0 OK");
	cr_assert(tc.reply.is_complete);
	cr_assert_not(tc.reply.has_bare_lf);
	cr_assert_eq(tc.err.rc, SMTP_OK);
	cr_assert_eq(tc.err.msg[0], '\0');
}

Test(smtp_reply, keeps_every_line_of_the_gmail_550_5_7_26_in_order)
{
	script_add_gmail();
	start_script(WHOLE);
	read_next();
	assert_gmail_block();
}

Test(smtp_reply, keeps_the_gmail_550_5_7_26_when_fed_one_byte_at_a_time)
{
	script_add_gmail();
	start_script(BYTEWISE);
	read_next();
	assert_gmail_block();
	/* One read per byte proves the reader saw it a byte at a time. */
	cr_assert_eq(tc.m.reads, tc.script.len);
}

Test(smtp_reply, frames_the_gmail_550_5_7_26_in_chunks_of_every_size_to_16)
{
	size_t chunk;

	script_add_gmail();
	for (chunk = 1; chunk <= 16; chunk++) {
		start_script(chunk);
		read_next();
		assert_gmail_block();
	}
}

Test(smtp_reply, returns_a_refusal_as_a_result_not_an_error)
{
	cr_assert_eq(read_one("554 5.7.1 Service unavailable\r\n", BYTEWISE),
	    SMTP_OK);
	cr_assert_eq(tc.reply.code, 554);
	cr_assert_str_eq(tc.reply.enhanced, "5.7.1");
	cr_assert_eq(tc.err.rc, SMTP_OK);
}

Test(smtp_reply, reads_a_code_with_nothing_after_it)
{
	cr_assert_eq(read_one("250\r\n", BYTEWISE), SMTP_OK);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_str_eq(tc.reply.enhanced, "");
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, "250");
	cr_assert(tc.reply.is_complete);
}

Test(smtp_reply, ends_a_reply_at_a_last_line_that_is_only_the_code)
{
	cr_assert_eq(read_one("250-first\r\n250\r\n", BYTEWISE), SMTP_OK);
	cr_assert_eq(tc.reply.nlines, 2);
	assert_line(0, "250-first");
	assert_line(1, "250");
	cr_assert(tc.reply.is_complete);
}

Test(smtp_reply, resets_the_reply_before_each_read)
{
	start("550-5.1.1 one\r\n550 5.1.1 two\r\n250 ok\r\n", BYTEWISE);
	cr_assert_eq(read_next(), SMTP_OK);
	cr_assert_eq(tc.reply.nlines, 2);
	cr_assert_eq(read_next(), SMTP_OK);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_str_eq(tc.reply.enhanced, "");
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, "250 ok");
}

Test(smtp_reply, gives_no_line_for_an_index_past_the_last)
{
	size_t len = 12345;

	read_one("250 ok\r\n", WHOLE);
	cr_assert_null(smtp_reply_line(&tc.reply, 1, &len));
	cr_assert_eq(len, 12345, "len must be left alone");
	cr_assert_not_null(smtp_reply_line(&tc.reply, 0, NULL));
}

/* --- RFC 3463 enhanced status codes --- */

Test(smtp_reply, parses_the_enhanced_code_2_0_0_of_a_250)
{
	read_one("250 2.0.0 OK  1700000000 "
	    "d2-20020a05600c4e0200b0040e3b7e9a5dsi123456wmq.170 - gsmtp\r\n",
	    BYTEWISE);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_str_eq(tc.reply.enhanced, "2.0.0");
}

Test(smtp_reply, parses_the_enhanced_code_4_7_0_of_a_421)
{
	read_one("421 4.7.0 Try again later, closing connection.\r\n",
	    BYTEWISE);
	cr_assert_eq(tc.reply.code, 421);
	cr_assert_str_eq(tc.reply.enhanced, "4.7.0");
}

Test(smtp_reply, parses_an_enhanced_code_that_ends_the_line)
{
	read_one("550 5.1.1\r\n", BYTEWISE);
	cr_assert_str_eq(tc.reply.enhanced, "5.1.1");
}

Test(smtp_reply, ignores_an_enhanced_code_whose_class_differs_from_the_reply)
{
	cr_assert_eq(read_one("250 5.1.1 odd but seen\r\n", BYTEWISE),
	    SMTP_OK);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_str_eq(tc.reply.enhanced, "");
}

Test(smtp_reply, ignores_an_enhanced_code_with_a_four_digit_detail)
{
	read_one("550 5.7.1234 no such code\r\n", BYTEWISE);
	cr_assert_eq(tc.reply.code, 550);
	cr_assert_str_eq(tc.reply.enhanced, "");
}

Test(smtp_reply, ignores_an_enhanced_code_without_a_detail)
{
	read_one("550 5.7 half a code\r\n", BYTEWISE);
	cr_assert_str_eq(tc.reply.enhanced, "");
	read_one("550 5.7\r\n", BYTEWISE);
	cr_assert_str_eq(tc.reply.enhanced, "");
}

Test(smtp_reply, ignores_an_enhanced_code_glued_to_the_text)
{
	read_one("250 2.0.0Ok\r\n", BYTEWISE);
	cr_assert_str_eq(tc.reply.enhanced, "");
}

Test(smtp_reply, parses_enhanced_codes_of_one_to_three_digits_per_field)
{
	char out[SMTP_REPLY_ENHANCED_MAX];

	cr_assert_eq(smtp_reply_parse_enhanced("5.7.26 x", 8, 550, out), 6);
	cr_assert_str_eq(out, "5.7.26");
	cr_assert_eq(smtp_reply_parse_enhanced("5.999.999", 9, 550, out), 9);
	cr_assert_str_eq(out, "5.999.999");
	cr_assert_eq(smtp_reply_parse_enhanced("2.0.0", 5, 250, out), 5);
	cr_assert_str_eq(out, "2.0.0");
	cr_assert_eq(smtp_reply_parse_enhanced("5.1000.1 x", 10, 550, out), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(smtp_reply_parse_enhanced("3.0.0 x", 7, 354, out), 0,
	    "RFC 3463 has no class 3");
	cr_assert_str_eq(out, "");
}

Test(smtp_reply, takes_the_enhanced_code_from_the_first_line)
{
	read_one("451-4.3.0 first\r\n451 4.7.1 second\r\n", BYTEWISE);
	cr_assert_str_eq(tc.reply.enhanced, "4.3.0");
}

/* --- broken frames --- */

Test(smtp_reply, rejects_a_code_that_changes_between_lines)
{
	cr_assert_eq(read_one("250-first\r\n251 second\r\n", BYTEWISE),
	    SMTP_E_PROTO);
	cr_assert_eq(tc.err.rc, SMTP_E_PROTO);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_eq(tc.reply.nlines, 2, "both lines are evidence");
	assert_line(0, "250-first");
	assert_line(1, "251 second");
	cr_assert_not(tc.reply.is_complete);
	assert_msg_has("\"251 second\"");
}

Test(smtp_reply, rejects_a_garbage_line_and_quotes_it_escaped)
{
	static const char garbage[] = "\x1b[31mhello\tthere\x7f\\\r";

	start("\x1b[31mhello\tthere\x7f\\\r\r\n", BYTEWISE);
	cr_assert_eq(read_next(), SMTP_E_PROTO);
	cr_assert_eq(tc.err.rc, SMTP_E_PROTO);
	assert_msg_has("\"\\x1b[31mhello\\x09there\\x7f\\x5c\\x0d\"");
	assert_msg_is_printable();
	/* The evidence itself stays verbatim: escaping is for rendering. */
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, garbage);
	cr_assert_not(tc.reply.is_complete);
	cr_assert_eq(tc.reply.code, 0);
}

Test(smtp_reply, quotes_only_the_start_of_a_long_garbage_line)
{
	char want[SMTP_REPLY_QUOTE_MAX + 8];
	size_t i;

	for (i = 0; i < 100; i++)
		script_add("g", 1);
	script_add_str("\r\n");
	start_script(WHOLE);
	cr_assert_eq(read_next(), SMTP_E_PROTO);
	memset(want, 'g', SMTP_REPLY_QUOTE_MAX);
	memcpy(want + SMTP_REPLY_QUOTE_MAX, "...\"", 5);
	assert_msg_has(want);
	/* One byte more of it would mean the quote was not cut there. */
	memset(want, 'g', SMTP_REPLY_QUOTE_MAX + 1);
	want[SMTP_REPLY_QUOTE_MAX + 1] = '\0';
	cr_assert_null(strstr(tc.err.msg, want));
	cr_assert_eq(tc.reply.nlines, 1);
	cr_assert_eq(tc.reply.lens[0], 100, "the evidence is not cut");
}

Test(smtp_reply, quotes_server_bytes_with_every_unprintable_byte_escaped)
{
	char out[QUOTE_ROOM];

	smtp_reply_quote("a\0b\r\n\x80\xff\\", 8, out, sizeof(out));
	cr_assert_str_eq(out, "a\\x00b\\x0d\\x0a\\x80\\xff\\x5c");
	smtp_reply_quote("", 0, out, sizeof(out));
	cr_assert_str_eq(out, "");
}

Test(smtp_reply, rejects_a_nul_byte_in_a_line)
{
	static const char in[] = "250 o\0k\r\n";
	size_t len = 0;
	const char *line;

	start_bytes(in, sizeof(in) - 1, BYTEWISE);
	cr_assert_eq(read_next(), SMTP_E_PROTO);
	cr_assert_eq(tc.err.rc, SMTP_E_PROTO);
	assert_msg_has("250 o\\x00k");
	assert_msg_is_printable();
	line = smtp_reply_line(&tc.reply, 0, &len);
	cr_assert_not_null(line);
	cr_assert_eq(len, 7);
	cr_assert_eq(memcmp(line, "250 o\0k", 7), 0);
	cr_assert_not(tc.reply.is_complete);
}

Test(smtp_reply, rejects_a_first_digit_of_1)
{
	cr_assert_eq(read_one("150 ok\r\n", BYTEWISE), SMTP_E_PROTO);
	cr_assert_eq(tc.err.rc, SMTP_E_PROTO);
	cr_assert_eq(tc.reply.code, 0);
	assert_msg_has("\"150 ok\"");
}

Test(smtp_reply, rejects_a_first_digit_of_6)
{
	cr_assert_eq(read_one("600 ok\r\n", BYTEWISE), SMTP_E_PROTO);
	cr_assert_eq(tc.err.rc, SMTP_E_PROTO);
	cr_assert_eq(tc.reply.code, 0);
	assert_msg_has("\"600 ok\"");
}

Test(smtp_reply, rejects_a_separator_other_than_dash_or_space)
{
	cr_assert_eq(read_one("250_ok\r\n", BYTEWISE), SMTP_E_PROTO);
	cr_assert_eq(read_one("25\r\n", BYTEWISE), SMTP_E_PROTO);
	cr_assert_eq(read_one("\r\n", BYTEWISE), SMTP_E_PROTO);
	cr_assert_eq(read_one("2x0 ok\r\n", BYTEWISE), SMTP_E_PROTO);
}

Test(smtp_reply, frames_lines_by_code_and_separator)
{
	int code = 0;
	bool is_last = false;

	cr_assert(smtp_reply_parse_line("250-a", 5, &code, &is_last));
	cr_assert_eq(code, 250);
	cr_assert_not(is_last);
	cr_assert(smtp_reply_parse_line("599 a", 5, &code, &is_last));
	cr_assert_eq(code, 599);
	cr_assert(is_last);
	cr_assert(smtp_reply_parse_line("200", 3, &code, &is_last));
	cr_assert_eq(code, 200);
	cr_assert(is_last);
	cr_assert_not(smtp_reply_parse_line("199 a", 5, &code, &is_last));
	cr_assert_not(smtp_reply_parse_line("600 a", 5, &code, &is_last));
	cr_assert_not(smtp_reply_parse_line("25", 2, &code, &is_last));
	cr_assert_not(smtp_reply_parse_line("250\0", 4, &code, &is_last));
}

/* --- line ends --- */

Test(smtp_reply, accepts_a_bare_lf_and_records_it)
{
	cr_assert_eq(read_one("250-first\n250 last\r\n", BYTEWISE), SMTP_OK);
	cr_assert(tc.reply.has_bare_lf);
	cr_assert_eq(tc.reply.nlines, 2);
	assert_line(0, "250-first");
	assert_line(1, "250 last");
	cr_assert(tc.reply.is_complete);
}

Test(smtp_reply, records_a_bare_lf_on_the_last_line)
{
	cr_assert_eq(read_one("250 only\n", WHOLE), SMTP_OK);
	cr_assert(tc.reply.has_bare_lf);
	assert_line(0, "250 only");
}

/* --- the line limit: SMTP_REPLY_LINE_MAX bytes without the CRLF --- */

static void
assert_line_of_is_accepted(size_t len)
{
	size_t chunk;

	script_add_line_of(len, "\r\n");
	for (chunk = WHOLE; chunk <= BYTEWISE; chunk++) {
		start_script(chunk);
		cr_assert_eq(read_next(), SMTP_OK, "chunk %zu: %s", chunk,
		    tc.err.msg);
		cr_assert_eq(tc.reply.nlines, 1);
		cr_assert_eq(tc.reply.lens[0], len);
		cr_assert_eq(strlen(smtp_reply_line(&tc.reply, 0, NULL)), len);
		cr_assert(tc.reply.is_complete);
	}
}

static void
assert_line_of_is_refused(size_t len, const char *end)
{
	size_t chunk;

	script_add_line_of(len, end);
	for (chunk = WHOLE; chunk <= BYTEWISE; chunk++) {
		start_script(chunk);
		cr_assert_eq(read_next(), SMTP_E_LIMIT, "chunk %zu", chunk);
		cr_assert_eq(tc.err.rc, SMTP_E_LIMIT);
		assert_msg_has("8192");
		/* The first SMTP_REPLY_LINE_MAX bytes stay as evidence. */
		cr_assert_eq(tc.reply.nlines, 1);
		cr_assert_eq(tc.reply.lens[0], SMTP_REPLY_LINE_MAX);
		cr_assert_eq(memcmp(smtp_reply_line(&tc.reply, 0, NULL),
		    tc.script.data, SMTP_REPLY_LINE_MAX), 0);
		cr_assert_not(tc.reply.is_complete);
	}
}

Test(smtp_reply, accepts_a_line_of_8191_bytes)
{
	cr_assert_eq(SMTP_REPLY_LINE_MAX, 8192);
	assert_line_of_is_accepted(SMTP_REPLY_LINE_MAX - 1);
}

Test(smtp_reply, accepts_a_line_of_exactly_8192_bytes)
{
	assert_line_of_is_accepted(SMTP_REPLY_LINE_MAX);
}

Test(smtp_reply, refuses_a_line_of_8193_bytes_with_smtp_e_limit)
{
	assert_line_of_is_refused(SMTP_REPLY_LINE_MAX + 1, "\r\n");
}

Test(smtp_reply, refuses_a_line_of_8193_bytes_ended_by_a_bare_lf)
{
	assert_line_of_is_refused(SMTP_REPLY_LINE_MAX + 1, "\n");
}

Test(smtp_reply, accepts_a_line_of_8192_bytes_ended_by_a_bare_lf)
{
	script_add_line_of(SMTP_REPLY_LINE_MAX, "\n");
	start_script(BYTEWISE);
	cr_assert_eq(read_next(), SMTP_OK, "%s", tc.err.msg);
	cr_assert_eq(tc.reply.lens[0], SMTP_REPLY_LINE_MAX);
	cr_assert(tc.reply.has_bare_lf);
}

/* --- the reply limit: SMTP_REPLY_LINES_MAX lines --- */

static void
assert_lines_are_accepted(size_t n)
{
	char last[64];
	size_t chunk;

	script_add_lines(n);
	(void)snprintf(last, sizeof(last), "250 line %zu", n); /* fits */
	for (chunk = WHOLE; chunk <= BYTEWISE; chunk++) {
		start_script(chunk);
		cr_assert_eq(read_next(), SMTP_OK, "chunk %zu: %s", chunk,
		    tc.err.msg);
		cr_assert_eq(tc.reply.nlines, n);
		assert_line(0, "250-line 1");
		assert_line(n - 1, last);
		cr_assert(tc.reply.is_complete);
	}
}

Test(smtp_reply, accepts_a_reply_of_499_lines)
{
	cr_assert_eq(SMTP_REPLY_LINES_MAX, 500);
	assert_lines_are_accepted(SMTP_REPLY_LINES_MAX - 1);
}

Test(smtp_reply, accepts_a_reply_of_exactly_500_lines)
{
	assert_lines_are_accepted(SMTP_REPLY_LINES_MAX);
}

Test(smtp_reply, refuses_a_reply_of_501_lines_with_smtp_e_limit)
{
	size_t chunk;

	script_add_lines(SMTP_REPLY_LINES_MAX + 1);
	for (chunk = WHOLE; chunk <= BYTEWISE; chunk++) {
		start_script(chunk);
		cr_assert_eq(read_next(), SMTP_E_LIMIT, "chunk %zu", chunk);
		cr_assert_eq(tc.err.rc, SMTP_E_LIMIT);
		assert_msg_has("500");
		cr_assert_eq(tc.reply.nlines, SMTP_REPLY_LINES_MAX);
		assert_line(SMTP_REPLY_LINES_MAX - 1, "250-line 500");
		cr_assert_not(tc.reply.is_complete);
	}
}

/* --- end of stream, silence, read-ahead --- */

Test(smtp_reply, keeps_the_lines_read_before_the_server_closed_mid_reply)
{
	cr_assert_eq(read_one("250-first\r\n250-sec", BYTEWISE), SMTP_E_IO);
	cr_assert_eq(tc.err.rc, SMTP_E_IO);
	cr_assert_eq(tc.reply.code, 250);
	cr_assert_eq(tc.reply.nlines, 2, "the partial line is evidence");
	assert_line(0, "250-first");
	assert_line(1, "250-sec");
	cr_assert_not(tc.reply.is_complete);
}

Test(smtp_reply, reports_a_close_between_two_lines_of_a_reply)
{
	cr_assert_eq(read_one("250-first\r\n", WHOLE), SMTP_E_IO);
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, "250-first");
	cr_assert_not(tc.reply.is_complete);
}

Test(smtp_reply, reports_a_close_before_any_byte)
{
	cr_assert_eq(read_one("", BYTEWISE), SMTP_E_IO);
	cr_assert_eq(tc.err.rc, SMTP_E_IO);
	cr_assert_eq(tc.reply.code, 0);
	cr_assert_eq(tc.reply.nlines, 0);
	cr_assert_not(tc.reply.is_complete);
}

Test(smtp_reply, reports_silence_as_a_timeout_and_keeps_what_came)
{
	start("250-first\r\n250-sec", BYTEWISE);
	tc.m.is_silent_at_end = true;
	cr_assert_eq(read_next(), SMTP_E_TIMEOUT);
	cr_assert_eq(tc.err.rc, SMTP_E_TIMEOUT);
	cr_assert_eq(tc.reply.nlines, 2);
	assert_line(0, "250-first");
	assert_line(1, "250-sec");
	cr_assert_not(tc.reply.is_complete);
}

Test(smtp_reply, reports_a_server_silent_from_the_start_as_a_timeout)
{
	start("", WHOLE);
	tc.m.is_silent_at_end = true;
	cr_assert_eq(read_next(), SMTP_E_TIMEOUT);
	cr_assert_eq(tc.reply.nlines, 0);
}

Test(smtp_reply, leaves_bytes_after_a_complete_reply_for_the_next_read)
{
	start("250 one\r\n354 two\r\n", WHOLE);
	cr_assert_eq(read_next(), SMTP_OK);
	cr_assert_eq(tc.reply.nlines, 1);
	assert_line(0, "250 one");
	cr_assert_eq(smtp_io_pending(&tc.io), strlen("354 two\r\n"));
	cr_assert_eq(read_next(), SMTP_OK);
	cr_assert_eq(tc.reply.code, 354);
	assert_line(0, "354 two");
	cr_assert_eq(smtp_io_pending(&tc.io), 0);
	cr_assert_eq(read_next(), SMTP_E_IO);
}

/*
 * RFC 8446 5.1: a TLS record opens with its content type (21 alert, 22
 * handshake) and version 3.x. Where a reply should start, that is a
 * server speaking TLS on a plain port: refused after those three bytes,
 * without waiting for a line end that will never come.
 */
Test(smtp_reply, refuses_a_tls_record_after_its_first_three_bytes)
{
	static const char alert[] = "\x15\x03\x03\x00\x02\x02\x32";
	static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc";

	script_add(alert, sizeof(alert) - 1);
	start_script(BYTEWISE);
	cr_assert_eq(read_next(), SMTP_E_TLS_PLAIN_PORT, "%s", tc.err.msg);
	cr_assert_eq(tc.m.reads, 3, "decided after %zu reads", tc.m.reads);
	assert_msg_has("speaks TLS");
	cr_assert_not(tc.reply.is_complete);
	reply_teardown();
	reply_setup();
	script_add(hello, sizeof(hello) - 1);
	start_script(BYTEWISE);
	cr_assert_eq(read_next(), SMTP_E_TLS_PLAIN_PORT, "%s", tc.err.msg);
	cr_assert_eq(tc.m.reads, 3);
	/* A line that only starts with the same byte is framed as usual. */
	cr_assert_eq(read_one("\x16\x04 x\r\n", BYTEWISE), SMTP_E_PROTO);
	assert_msg_has("malformed reply line");
}
