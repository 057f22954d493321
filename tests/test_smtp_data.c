/*
 * test_smtp_data - what goes on the wire after DATA (RFC 5321 4.5.2 and
 * 4.1.1.4): CRLF line ends, dot-stuffing, a final CRLF, the ".\r\n"
 * terminator, the line count, and the caller's ceiling; and the queue id
 * in the reply to the end of data, for each MTA's form.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_data.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "smtp/smtp_reply.h"
#include "tests/support/mem_io.h"

/* Far above anything these tests encode, unless a test says otherwise. */
#define ROOMY	4096

/* One encoding per test; fini frees it even after a failed assertion. */
struct data_case {
	struct smtp_buf	out;
	size_t		nlines;
	enum smtp_rc	rc;
	/* A reply to the end of data, framed as the dialogue frames it. */
	struct mem_io	m;
	struct smtp_io	io;
	struct smtp_reply reply;
	char		queue_id[SMTP_DATA_QUEUE_ID_MAX];
};

static struct data_case tc;

static void
data_setup(void)
{
	memset(&tc, 0, sizeof(tc));
}

static void
data_teardown(void)
{
	smtp_buf_free(&tc.out);
	smtp_reply_free(&tc.reply);
	mem_io_free(&tc.m);
}

TestSuite(smtp_data, .init = data_setup, .fini = data_teardown);

static enum smtp_rc
encode(const char *msg, size_t max)
{
	tc.nlines = 9999;
	tc.rc = smtp_data_encode(msg, strlen(msg), &tc.out, max, &tc.nlines);
	return tc.rc;
}

/* The whole output, compared byte for byte. */
static void
assert_wire(const char *want)
{
	cr_assert_eq(tc.rc, SMTP_OK, "rc %s", smtp_err_name(tc.rc));
	cr_assert_eq(tc.out.len, strlen(want), "length %zu, want %zu",
	    tc.out.len, strlen(want));
	cr_assert_eq(memcmp(tc.out.data, want, tc.out.len), 0,
	    "wire \"%s\", want \"%s\"", tc.out.data, want);
	cr_assert_eq(tc.out.data[tc.out.len], '\0');
}

Test(smtp_data, turns_lf_line_ends_into_crlf)
{
	encode("Subject: hi\n\nbody\n", ROOMY);
	assert_wire("Subject: hi\r\n\r\nbody\r\n.\r\n");
	cr_assert_eq(tc.nlines, 3);
}

Test(smtp_data, keeps_crlf_line_ends_as_they_are)
{
	encode("Subject: hi\r\n\r\nbody\r\n", ROOMY);
	assert_wire("Subject: hi\r\n\r\nbody\r\n.\r\n");
	cr_assert_eq(tc.nlines, 3);
}

Test(smtp_data, turns_a_lone_cr_into_crlf)
{
	encode("one\rtwo\r", ROOMY);
	assert_wire("one\r\ntwo\r\n.\r\n");
	cr_assert_eq(tc.nlines, 2);
}

Test(smtp_data, handles_lf_crlf_and_lone_cr_mixed_in_one_message)
{
	encode("a\nb\r\nc\rd\n", ROOMY);
	assert_wire("a\r\nb\r\nc\r\nd\r\n.\r\n");
	cr_assert_eq(tc.nlines, 4);
}

Test(smtp_data, keeps_empty_lines)
{
	encode("a\n\n\nb\n", ROOMY);
	assert_wire("a\r\n\r\n\r\nb\r\n.\r\n");
	cr_assert_eq(tc.nlines, 4);
}

Test(smtp_data, doubles_a_dot_at_the_start_of_a_line)
{
	encode("Hi\n.hidden\n..two\n", ROOMY);
	assert_wire("Hi\r\n..hidden\r\n...two\r\n.\r\n");
	cr_assert_eq(tc.nlines, 3);
}

Test(smtp_data, doubles_a_dot_at_the_very_start_of_the_message)
{
	encode(".first", ROOMY);
	assert_wire("..first\r\n.\r\n");
	cr_assert_eq(tc.nlines, 1);
}

Test(smtp_data, leaves_dots_inside_a_line_alone)
{
	encode("a.b.\nend. \n", ROOMY);
	assert_wire("a.b.\r\nend. \r\n.\r\n");
}

Test(smtp_data, turns_a_lone_dot_line_into_two_dots)
{
	encode("before\n.\nafter\n", ROOMY);
	assert_wire("before\r\n..\r\nafter\r\n.\r\n");
	cr_assert_eq(tc.nlines, 3);
}

Test(smtp_data, stuffs_a_lone_dot_line_ended_by_cr_or_crlf)
{
	encode("a\r\n.\r\nb\r.\rc", ROOMY);
	assert_wire("a\r\n..\r\nb\r\n..\r\nc\r\n.\r\n");
	cr_assert_eq(tc.nlines, 5);
}

Test(smtp_data, adds_crlf_when_the_last_line_has_no_line_end)
{
	encode("no newline", ROOMY);
	assert_wire("no newline\r\n.\r\n");
	cr_assert_eq(tc.nlines, 1);
}

Test(smtp_data, ends_every_message_with_the_terminator)
{
	encode("x\n", ROOMY);
	cr_assert_geq(tc.out.len, 5);
	cr_assert_eq(memcmp(tc.out.data + tc.out.len - 5, "\r\n.\r\n", 5), 0);
}

Test(smtp_data, encodes_an_empty_message_as_the_terminator_alone)
{
	encode("", ROOMY);
	assert_wire(".\r\n");
	cr_assert_eq(tc.nlines, 0);
}

Test(smtp_data, passes_eight_bit_bytes_through_verbatim)
{
	encode("Gr\xc3\xbc\xc3\x9f" "e\n", ROOMY);
	assert_wire("Gr\xc3\xbc\xc3\x9f" "e\r\n.\r\n");
}

Test(smtp_data, resets_the_output_before_encoding)
{
	encode("first message that is longer\n", ROOMY);
	encode("b\n", ROOMY);
	assert_wire("b\r\n.\r\n");
	cr_assert_eq(tc.nlines, 1);
}

/*
 * The ceiling bounds everything written, terminator and stuffed dots
 * included. "abc\n.x\n" becomes "abc\r\n..x\r\n.\r\n": 13 bytes.
 */
#define STUFFED_MSG	"abc\n.x\n"
#define STUFFED_WIRE	"abc\r\n..x\r\n.\r\n"
#define STUFFED_LEN	13

Test(smtp_data, fits_a_message_one_byte_under_the_ceiling)
{
	cr_assert_eq(strlen(STUFFED_WIRE), STUFFED_LEN);
	cr_assert_eq(encode(STUFFED_MSG, STUFFED_LEN + 1), SMTP_OK);
	assert_wire(STUFFED_WIRE);
}

Test(smtp_data, fits_a_message_exactly_at_the_ceiling)
{
	cr_assert_eq(encode(STUFFED_MSG, STUFFED_LEN), SMTP_OK);
	assert_wire(STUFFED_WIRE);
	cr_assert_eq(tc.nlines, 2);
}

Test(smtp_data, refuses_a_message_one_byte_over_the_ceiling)
{
	cr_assert_eq(encode(STUFFED_MSG, STUFFED_LEN - 1), SMTP_E_LIMIT);
	cr_assert_leq(tc.out.len, STUFFED_LEN - 1, "never past the ceiling");
}

Test(smtp_data, counts_the_stuffed_dot_against_the_ceiling)
{
	/* ".x\n" is 5 bytes on the wire only because of the stuffed dot. */
	cr_assert_eq(encode(".x\n", 7), SMTP_E_LIMIT);
	cr_assert_eq(encode(".x\n", 8), SMTP_OK);
	assert_wire("..x\r\n.\r\n");
}

Test(smtp_data, counts_the_terminator_against_the_ceiling)
{
	cr_assert_eq(encode("", 2), SMTP_E_LIMIT);
	cr_assert_eq(encode("", 3), SMTP_OK);
	assert_wire(".\r\n");
}

/* --- the queue id in the reply to the end of data --- */

/* Frame text as a reply, then look for its queue id. */
static bool
queue_id_of(const char *text)
{
	struct smtp_err err = { 0 };

	smtp_reply_free(&tc.reply);
	mem_io_free(&tc.m);
	mem_io_set(&tc.m, text, 0);
	smtp_io_init(&tc.io, &mem_io_ops, &tc.m);
	cr_assert_eq(smtp_reply_read(&tc.io, &tc.reply, 1000, &err), SMTP_OK,
	    "%s", err.msg);
	memset(tc.queue_id, 'x', sizeof(tc.queue_id));
	return smtp_data_parse_queue_id(&tc.reply, tc.queue_id,
	    sizeof(tc.queue_id));
}

static void
assert_queue_id(const char *reply, const char *want)
{
	cr_assert(queue_id_of(reply), "no id in %s", reply);
	cr_assert_str_eq(tc.queue_id, want);
}

static void
assert_no_queue_id(const char *reply)
{
	cr_assert_not(queue_id_of(reply), "an id in %s: %s", reply,
	    tc.queue_id);
	cr_assert_str_empty(tc.queue_id);
}

Test(smtp_data, finds_postfixs_queued_as_id)
{
	assert_queue_id("250 2.0.0 Ok: queued as 4XyZ123\r\n", "4XyZ123");
}

Test(smtp_data, finds_gmails_two_part_id_between_ok_and_gsmtp)
{
	assert_queue_id("250 2.0.0 OK  1699999999 a1-20020a05abc.12 - gsmtp"
	    "\r\n", "1699999999 a1-20020a05abc.12");
}

Test(smtp_data, finds_exims_id)
{
	assert_queue_id("250 OK id=1qXyZa-000abc-Cd\r\n", "1qXyZa-000abc-Cd");
}

Test(smtp_data, finds_microsofts_internal_id)
{
	assert_queue_id("250 2.6.0 <0123abc@AM0PR01MB1234.eurprd01.prod."
	    "exchangelabs.com> [InternalId=12345678901234, Hostname="
	    "AM0PR01MB1234.eurprd01.prod.exchangelabs.com] 10234 bytes in "
	    "0.123, 81.234 KB/sec Queued mail for delivery\r\n",
	    "12345678901234");
}

Test(smtp_data, finds_sendmails_id_before_message_accepted)
{
	assert_queue_id("250 2.0.0 x8M3abc123 Message accepted for delivery"
	    "\r\n", "x8M3abc123");
}

/* "dirdel" is the same word for every message: no id to quote. */
Test(smtp_data, finds_no_id_in_yahoos_ok_dirdel)
{
	assert_no_queue_id("250 ok dirdel\r\n");
}

Test(smtp_data, finds_no_id_in_a_bare_ok)
{
	assert_no_queue_id("250 2.0.0 OK\r\n");
	assert_no_queue_id("250 OK - gsmtp\r\n");
	assert_no_queue_id("250 Message accepted for delivery\r\n");
}

Test(smtp_data, finds_the_id_on_any_line_of_a_multiline_reply)
{
	assert_queue_id("250-2.0.0 Thanks\r\n250 2.0.0 Ok: queued as ABC12\r\n",
	    "ABC12");
}

Test(smtp_data, refuses_an_id_with_a_byte_outside_printable_ascii)
{
	assert_no_queue_id("250 2.0.0 Ok: queued as 4Xy\x1b[2J\r\n");
	assert_no_queue_id("250 2.0.0 Ok: queued as 4Xy\xc3\xa9\r\n");
}

/* An id of max - 1 bytes fits exactly; one more is refused, not cut. */
Test(smtp_data, keeps_an_id_of_127_bytes_and_refuses_128)
{
	char reply[512], id[SMTP_DATA_QUEUE_ID_MAX + 1];

	memset(id, 'A', sizeof(id));
	id[SMTP_DATA_QUEUE_ID_MAX - 1] = '\0';
	(void)snprintf(reply, sizeof(reply), "250 queued as %s\r\n", id);
	assert_queue_id(reply, id);
	id[SMTP_DATA_QUEUE_ID_MAX - 1] = 'A';
	id[SMTP_DATA_QUEUE_ID_MAX] = '\0';
	(void)snprintf(reply, sizeof(reply), "250 queued as %s\r\n", id);
	assert_no_queue_id(reply);
}
