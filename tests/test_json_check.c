/*
 * test_json_check - the validator the report tests lean on. A validator
 * that accepted everything would make every "the report is valid JSON"
 * assertion empty, so each rule it enforces is shown refusing a
 * document that breaks it, next to one that keeps it.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/json_check.h"

static char err[JSON_CHECK_ERR_MAX];

static bool
check_bytes(const char *text, size_t len)
{
	return json_check(text, len, err, sizeof(err));
}

static bool
check(const char *text)
{
	return check_bytes(text, strlen(text));
}

#define CHECK_LIT(lit)	check_bytes((lit), sizeof(lit) - 1)

static void
assert_valid(const char *text)
{
	cr_assert(check(text), "refused %s: %s", text, err);
}

static void
assert_invalid(const char *text)
{
	cr_assert_not(check(text), "accepted %s", text);
	cr_assert_neq(err[0], '\0', "a refusal says why");
}

/* Nest depth arrays: "[[...]]". */
static void
nest(char *out, size_t outlen, size_t depth)
{
	size_t i;

	cr_assert_lt(2 * depth, outlen);
	for (i = 0; i < depth; i++) {
		out[i] = '[';
		out[2 * depth - 1 - i] = ']';
	}
	out[2 * depth] = '\0';
}

Test(json_check, accepts_every_kind_of_value_at_the_top)
{
	assert_valid("{}");
	assert_valid("[]");
	assert_valid("\"\"");
	assert_valid("0");
	assert_valid("-0.5e+10");
	assert_valid("true");
	assert_valid("false");
	assert_valid("null");
	assert_valid(" \t\r\n{ \"a\" : [ 1 , 2.5 , -3E-2 , \"x\" , null ] }"
	    " \n");
}

Test(json_check, accepts_every_escape_of_rfc_8259)
{
	assert_valid("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u001b \\u00e9\"");
	assert_valid("\"\\ud83d\\ude00\"");
	assert_valid("\"\\uFFFD\"");
}

Test(json_check, refuses_what_is_not_exactly_one_value)
{
	assert_invalid("");
	assert_invalid("   ");
	assert_invalid("{} {}");
	assert_invalid("{}x");
	assert_invalid("nul");
	assert_invalid("True");
	assert_invalid("'a'");
	assert_invalid("undefined");
}

Test(json_check, refuses_broken_objects_and_arrays)
{
	assert_invalid("{");
	assert_invalid("[1,]");
	assert_invalid("{\"a\":1,}");
	assert_invalid("{a:1}");
	assert_invalid("{\"a\" 1}");
	assert_invalid("{\"a\":}");
	assert_invalid("[1 2]");
	assert_invalid("[,1]");
	assert_invalid("{\"a\":1]");
}

Test(json_check, refuses_numbers_outside_the_grammar)
{
	assert_invalid("01");
	assert_invalid("+1");
	assert_invalid("1.");
	assert_invalid(".5");
	assert_invalid("1e");
	assert_invalid("-");
	assert_invalid("NaN");
	assert_invalid("nan");
	assert_invalid("inf");
	assert_invalid("0x10");
}

Test(json_check, refuses_raw_control_bytes_and_unknown_escapes_in_strings)
{
	assert_invalid("\"a\nb\"");
	assert_invalid("\"\x1b\"");
	cr_assert_not(CHECK_LIT("\"a\0b\""), "a raw NUL in a string");
	assert_invalid("\"\\x1b\"");
	assert_invalid("\"\\u12\"");
	assert_invalid("\"\\u12g4\"");
	assert_invalid("\"abc");
	assert_invalid("\"\\\"");
}

Test(json_check, refuses_a_surrogate_escape_that_is_not_a_pair)
{
	assert_invalid("\"\\ud800\"");
	assert_invalid("\"\\udc00\"");
	assert_invalid("\"\\ud800\\u0041\"");
	assert_invalid("\"\\ud800x\"");
}

Test(json_check, accepts_well_formed_utf8_at_the_edges_of_each_form)
{
	assert_valid("\"\xc2\x80 \xdf\xbf\"");	/* U+0080, U+07FF */
	assert_valid("\"\xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\"");
	assert_valid("\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"");	/* U+10000.. */
}

Test(json_check, refuses_ill_formed_utf8_in_strings)
{
	assert_invalid("\"\x80\"");			/* lone continuation */
	assert_invalid("\"\xc0\x80\"");			/* overlong NUL */
	assert_invalid("\"\xc1\xbf\"");			/* overlong */
	assert_invalid("\"\xe0\x80\x80\"");		/* overlong */
	assert_invalid("\"\xed\xa0\x80\"");		/* surrogate U+D800 */
	assert_invalid("\"\xf0\x80\x80\x80\"");		/* overlong */
	assert_invalid("\"\xf4\x90\x80\x80\"");		/* past U+10FFFF */
	assert_invalid("\"\xf5\x80\x80\x80\"");
	assert_invalid("\"\xff\"");
	assert_invalid("\"\xe2\x82\"");			/* cut short */
	assert_invalid("\"\xe2\x82");
	assert_invalid("\"\xc3\x28\"");
}

Test(json_check, refuses_nesting_past_its_depth_limit)
{
	char doc[2 * (JSON_CHECK_DEPTH_MAX + 1) + 1];

	nest(doc, sizeof(doc), JSON_CHECK_DEPTH_MAX - 1);
	assert_valid(doc);
	nest(doc, sizeof(doc), JSON_CHECK_DEPTH_MAX);
	assert_valid(doc);
	nest(doc, sizeof(doc), JSON_CHECK_DEPTH_MAX + 1);
	assert_invalid(doc);
	cr_assert(strstr(err, "deep") != NULL, "%s", err);
}

Test(json_check, says_where_the_document_went_wrong)
{
	cr_assert_not(check("[1, 2, x]"));
	cr_assert_str_eq(err, "offset 7: not a JSON value");
}
