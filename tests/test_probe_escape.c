/*
 * test_probe_escape - what a server's bytes look like once rendered: on a
 * terminal (\xNN for anything that is not printable ASCII, so no escape
 * sequence ever reaches it) and in JSON (\u00NN for control bytes, valid
 * UTF-8 kept, each byte of an invalid sequence replaced by U+FFFD and the
 * replacement reported).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probe/util/probe_escape.h"
#include "tests/support/json_check.h"
#include "tests/support/mem_out.h"

/* Every byte value, for the exhaustive tests. */
#define BYTE_VALUES	256

/* Criterion fixtures reach only file-scope data; fini frees it. */
static struct mem_out out;
static bool replaced;

static void
escape_teardown(void)
{
	mem_out_free(&out);
}

TestSuite(probe_escape, .fini = escape_teardown);

static const char *
text_of(const char *s, size_t len)
{
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	probe_escape_text(out.fp, s, len);
	cr_assert_not_null(mem_out_close(&out));
	return out.data;
}

static const char *
json_of(const char *s, size_t len)
{
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	replaced = probe_escape_json(out.fp, s, len);
	cr_assert_not_null(mem_out_close(&out));
	return out.data;
}

/* Printable text, a backslash, control bytes, UTF-8 and a NUL. */
#define TEXT_LEN_MIXED	"ok \\ \x1b[2J caf\xc3\xa9\0|\"'"

/* Sizes from the literal, so that NUL bytes inside it count. */
#define TEXT(lit)	text_of((lit), sizeof(lit) - 1)
#define JSON(lit)	json_of((lit), sizeof(lit) - 1)

static void
assert_json_is(const char *got, const char *want, bool want_replaced)
{
	char why[JSON_CHECK_ERR_MAX];

	cr_assert_str_eq(got, want);
	cr_assert_eq(replaced, want_replaced, "%s: replaced is %d", want,
	    replaced);
	cr_assert(json_check(out.data, out.len, why, sizeof(why)),
	    "%s is not a JSON string: %s", got, why);
}

/* --- text --- */

Test(probe_escape, text_keeps_printable_ascii_as_it_is)
{
	char all[0x7f - 0x20];
	size_t i, n = 0;

	for (i = 0x20; i < 0x7f; i++)
		if (i != '\\')
			all[n++] = (char)i;
	cr_assert_eq(n, sizeof(all) - 1);
	text_of(all, n);
	cr_assert_eq(out.len, n);
	cr_assert_eq(memcmp(out.data, all, n), 0);
}

Test(probe_escape, text_doubles_a_backslash)
{
	cr_assert_str_eq(TEXT("a\\b"), "a\\\\b");
	cr_assert_str_eq(TEXT("\\x1b"), "\\\\x1b",
	    "a literal \"\\x1b\" from a server must not look like an ESC");
}

Test(probe_escape, text_writes_esc_as_x1b_so_no_terminal_sequence_gets_through)
{
	cr_assert_str_eq(TEXT("\x1b[2J\x1b]0;owned\x07"),
	    "\\x1b[2J\\x1b]0;owned\\x07");
}

Test(probe_escape, text_writes_nul_cr_lf_tab_and_del_as_hex)
{
	cr_assert_str_eq(TEXT("a\0b"), "a\\x00b");
	cr_assert_eq(out.len, strlen("a\\x00b"));
	cr_assert_str_eq(TEXT("\r\n\t\x7f"), "\\x0d\\x0a\\x09\\x7f");
}

Test(probe_escape, text_writes_every_byte_from_0x80_to_0xff_as_hex)
{
	char in[1], want[8];
	unsigned c;

	for (c = 0x80; c <= 0xff; c++) {
		in[0] = (char)c;
		(void)snprintf(want, sizeof(want), "\\x%02x", c);
		cr_assert_str_eq(text_of(in, 1), want, "byte 0x%02x", c);
	}
	cr_assert_str_eq(TEXT("caf\xc3\xa9"), "caf\\xc3\\xa9",
	    "even valid UTF-8 is shown byte by byte");
}

Test(probe_escape, text_output_is_only_printable_ascii_whatever_the_input)
{
	char all[BYTE_VALUES];
	size_t i;

	for (i = 0; i < BYTE_VALUES; i++)
		all[i] = (char)i;
	text_of(all, sizeof(all));
	cr_assert_eq(strlen(out.data), out.len, "a raw NUL came out");
	for (i = 0; i < out.len; i++)
		cr_assert((unsigned char)out.data[i] >= 0x20 &&
		    (unsigned char)out.data[i] < 0x7f, "raw byte 0x%02x at %zu",
		    (unsigned char)out.data[i], i);
}

Test(probe_escape, text_writes_exactly_len_bytes_and_nothing_for_zero)
{
	cr_assert_str_eq(text_of("abcdef", 3), "abc");
	cr_assert_str_eq(text_of("abc", 0), "");
	cr_assert_eq(out.len, 0);
}

Test(probe_escape, text_len_is_what_text_writes_for_every_byte)
{
	char in[1];
	size_t c;

	for (c = 0; c < BYTE_VALUES; c++) {
		in[0] = (char)c;
		text_of(in, 1);
		cr_assert_eq(probe_escape_text_len(in, 1), out.len,
		    "byte 0x%02zx", c);
	}
	text_of(TEXT_LEN_MIXED, sizeof(TEXT_LEN_MIXED) - 1);
	cr_assert_eq(probe_escape_text_len(TEXT_LEN_MIXED,
	    sizeof(TEXT_LEN_MIXED) - 1), out.len);
	cr_assert_eq(probe_escape_text_len("abc", 0), 0);
}

/* --- JSON: ASCII --- */

Test(probe_escape, json_quotes_the_string_and_escapes_quote_and_backslash)
{
	assert_json_is(JSON("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"",
	    false);
	assert_json_is(JSON(""), "\"\"", false);
}

Test(probe_escape, json_uses_the_short_escapes_for_lf_cr_and_tab)
{
	assert_json_is(JSON("a\r\nb\tc"), "\"a\\r\\nb\\tc\"", false);
}

Test(probe_escape, json_writes_other_control_bytes_and_del_as_u00nn)
{
	assert_json_is(JSON("\x1b[31m"), "\"\\u001b[31m\"", false);
	assert_json_is(JSON("a\0b"), "\"a\\u0000b\"", false);
	assert_json_is(JSON("\x01\x08\x0c\x1f\x7f"),
	    "\"\\u0001\\u0008\\u000c\\u001f\\u007f\"", false);
}

Test(probe_escape, json_renders_every_ascii_byte_as_valid_json)
{
	char in[1];
	unsigned c;

	for (c = 0; c < 0x80; c++) {
		in[0] = (char)c;
		json_of(in, 1);
		cr_assert(json_check(out.data, out.len, NULL, 0),
		    "byte 0x%02x gave %s", c, out.data);
		cr_assert_not(replaced, "byte 0x%02x is not invalid UTF-8", c);
	}
}

/* --- JSON: UTF-8 --- */

Test(probe_escape, json_keeps_valid_two_three_and_four_byte_utf8)
{
	assert_json_is(JSON("caf\xc3\xa9"), "\"caf\xc3\xa9\"", false);
	assert_json_is(JSON("\xe2\x82\xac 5"), "\"\xe2\x82\xac 5\"", false);
	assert_json_is(JSON("\xf0\x9f\x98\x80!"), "\"\xf0\x9f\x98\x80!\"",
	    false);
}

Test(probe_escape, json_keeps_utf8_at_the_edges_of_each_length)
{
	/* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF */
	assert_json_is(JSON("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
	    false);
}

Test(probe_escape, json_replaces_a_lone_continuation_byte)
{
	assert_json_is(JSON("a\x80z"), "\"a\\ufffdz\"", true);
}

Test(probe_escape, json_replaces_each_byte_of_an_overlong_sequence)
{
	assert_json_is(JSON("\xc0\x80"), "\"\\ufffd\\ufffd\"", true);
	assert_json_is(JSON("\xc1\xbf"), "\"\\ufffd\\ufffd\"", true);
	assert_json_is(JSON("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"",
	    true);
	assert_json_is(JSON("\xf0\x8f\xbf\xbf"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", true);
}

Test(probe_escape, json_replaces_an_encoded_surrogate)
{
	assert_json_is(JSON("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"",
	    true);
	assert_json_is(JSON("\xed\xbf\xbf"), "\"\\ufffd\\ufffd\\ufffd\"",
	    true);
}

Test(probe_escape, json_replaces_lead_bytes_past_u_10ffff)
{
	assert_json_is(JSON("\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", true);
	assert_json_is(JSON("\xf5\x80\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", true);
	assert_json_is(JSON("\xfe\xff"), "\"\\ufffd\\ufffd\"", true);
}

Test(probe_escape, json_replaces_a_sequence_cut_short_at_the_end)
{
	assert_json_is(JSON("ok \xe2\x82"), "\"ok \\ufffd\\ufffd\"", true);
	assert_json_is(JSON("\xf0\x9f\x98"), "\"\\ufffd\\ufffd\\ufffd\"",
	    true);
	assert_json_is(JSON("\xc3"), "\"\\ufffd\"", true);
}

Test(probe_escape, json_resumes_after_an_invalid_byte_without_eating_text)
{
	assert_json_is(JSON("\xc3(\xe2\x82" "A\xc3\xa9"),
	    "\"\\ufffd(\\ufffd\\ufffdA\xc3\xa9\"", true);
}

Test(probe_escape, json_renders_every_lone_high_byte_as_valid_json)
{
	char in[2] = { 0, 'x' };
	unsigned c;

	for (c = 0x80; c <= 0xff; c++) {
		in[0] = (char)c;
		json_of(in, sizeof(in));
		cr_assert_str_eq(out.data, "\"\\ufffdx\"", "byte 0x%02x", c);
		cr_assert(replaced, "byte 0x%02x", c);
		cr_assert(json_check(out.data, out.len, NULL, 0));
	}
}

Test(probe_escape, json_str_writes_null_for_a_null_pointer)
{
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	cr_assert_not(probe_escape_json_str(out.fp, NULL));
	fputc(' ', out.fp);
	cr_assert_not(probe_escape_json_str(out.fp, "a\"b"));
	fputc(' ', out.fp);
	cr_assert(probe_escape_json_str(out.fp, "\xff"));
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_str_eq(out.data, "null \"a\\\"b\" \"\\ufffd\"");
}

static const char *
words_of(const char *s, size_t len)
{
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	probe_escape_words(out.fp, s, len);
	cr_assert_not_null(mem_out_close(&out));
	return out.data;
}

Test(probe_escape, words_escape_control_bytes_but_keep_our_own_quoting)
{
	cr_assert_str_eq(words_of("quoted: \"a\\x00b\"", 16),
	    "quoted: \"a\\x00b\"", "our \\xNN quoting is not doubled");
	cr_assert_str_eq(words_of("a\x1b[2Jb\n", 7), "a\\x1b[2Jb\\x0a");
	cr_assert_str_eq(words_of("\0\xff", 2), "\\x00\\xff");
}
