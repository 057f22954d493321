/*
 * test_smtp_stage - the stage table. Stage names are stable tokens in
 * JSON and metrics: these tests pin them so that a rename cannot slip in.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "smtp/smtp_stage.h"

TestSuite(smtp_stage);

/* The documented list, in enum order. Changing it breaks our users. */
static const char *const documented[] = {
	"connect", "banner", "ehlo", "starttls", "tls", "ehlo-tls", "auth", "mail",
	"rcpt", "data", "end-of-data", "quit",
};

static enum smtp_stage
stage_at(size_t i)
{
	return (enum smtp_stage)i;
}

Test(smtp_stage, names_the_stages_exactly_as_documented)
{
	size_t i;

	cr_assert_eq(sizeof(documented) / sizeof(documented[0]),
	    SMTP_STAGE_COUNT, "the documented list and the enum differ");
	for (i = 0; i < SMTP_STAGE_COUNT; i++)
		cr_assert_str_eq(smtp_stage_name(stage_at(i)), documented[i],
		    "stage %zu", i);
}

Test(smtp_stage, gives_every_stage_a_non_empty_lowercase_name)
{
	const char *name, *p;
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		name = smtp_stage_name(stage_at(i));
		cr_assert_not_null(name, "stage %zu", i);
		cr_assert_gt(strlen(name), 0, "stage %zu", i);
		for (p = name; *p != '\0'; p++)
			cr_assert((*p >= 'a' && *p <= 'z') || *p == '-',
			    "stage %zu: \"%s\" is not a lowercase token", i,
			    name);
		cr_assert_neq(name[0], '-');
	}
}

Test(smtp_stage, gives_every_stage_a_unique_name)
{
	size_t i, j;

	for (i = 0; i < SMTP_STAGE_COUNT; i++)
		for (j = i + 1; j < SMTP_STAGE_COUNT; j++)
			cr_assert_str_neq(smtp_stage_name(stage_at(i)),
			    smtp_stage_name(stage_at(j)),
			    "stages %zu and %zu", i, j);
}

Test(smtp_stage, parses_every_name_back_to_its_stage)
{
	enum smtp_stage got;
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		got = SMTP_STAGE_COUNT;
		cr_assert(smtp_stage_parse(smtp_stage_name(stage_at(i)), &got),
		    "stage %zu", i);
		cr_assert_eq(got, stage_at(i));
	}
}

Test(smtp_stage, refuses_to_parse_a_name_no_stage_has)
{
	static const char *const bad[] = {
		"", "?", "EHLO", "Banner", "end_of_data", "ehlo ", " ehlo",
		"ehlo-tl", "rcpts",
	};
	enum smtp_stage got;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = SMTP_STAGE_QUIT;
		cr_assert_not(smtp_stage_parse(bad[i], &got), "\"%s\"",
		    bad[i]);
		cr_assert_eq(got, SMTP_STAGE_QUIT, "\"%s\" changed *stage",
		    bad[i]);
	}
}

Test(smtp_stage, names_an_invalid_stage_with_a_question_mark)
{
	cr_assert_str_eq(smtp_stage_name(SMTP_STAGE_COUNT), "?");
	cr_assert_str_eq(smtp_stage_name(stage_at(SMTP_STAGE_COUNT + 7)),
	    "?");
	cr_assert_str_eq(smtp_stage_name((enum smtp_stage)-1), "?");
	cr_assert_null(smtp_stage_def(SMTP_STAGE_COUNT));
	cr_assert_null(smtp_stage_def((enum smtp_stage)-1));
}

Test(smtp_stage, gives_every_stage_a_row_with_its_name_and_a_timeout)
{
	const struct smtp_stage_def *def;
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		def = smtp_stage_def(stage_at(i));
		cr_assert_not_null(def, "stage %zu", i);
		cr_assert_str_eq(def->name, smtp_stage_name(stage_at(i)));
		cr_assert_gt(def->timeout_ms, 0, "stage %zu", i);
		cr_assert(def->expect == 0 || def->expect == '2' ||
		    def->expect == '3', "stage %zu", i);
	}
}

Test(smtp_stage, expects_354_after_data_and_2xx_after_the_other_commands)
{
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		const struct smtp_stage_def *def = smtp_stage_def(stage_at(i));

		if (stage_at(i) == SMTP_STAGE_DATA)
			cr_assert_eq(def->expect, '3');
		else if (stage_at(i) == SMTP_STAGE_CONNECT ||
		    stage_at(i) == SMTP_STAGE_TLS)
			cr_assert_eq(def->expect, 0, "stage %zu", i);
		else
			cr_assert_eq(def->expect, '2', "stage %zu", i);
	}
}

Test(smtp_stage, sends_a_command_only_at_stages_that_have_one)
{
	cr_assert_null(smtp_stage_def(SMTP_STAGE_CONNECT)->command);
	cr_assert_null(smtp_stage_def(SMTP_STAGE_BANNER)->command);
	cr_assert_null(smtp_stage_def(SMTP_STAGE_TLS)->command);
	cr_assert_str_eq(smtp_stage_def(SMTP_STAGE_EHLO)->command, "EHLO");
	cr_assert_str_eq(smtp_stage_def(SMTP_STAGE_STARTTLS)->command,
	    "STARTTLS");
	cr_assert_str_eq(smtp_stage_def(SMTP_STAGE_EHLO_TLS)->command, "EHLO");
	cr_assert_str_eq(smtp_stage_def(SMTP_STAGE_DATA)->command, "DATA");
	cr_assert_str_eq(smtp_stage_def(SMTP_STAGE_QUIT)->command, "QUIT");
}

Test(smtp_stage, waits_longest_for_the_end_of_data_reply)
{
	size_t i;
	int eod = smtp_stage_def(SMTP_STAGE_END_OF_DATA)->timeout_ms;

	for (i = 0; i < SMTP_STAGE_COUNT; i++)
		cr_assert_leq(smtp_stage_def(stage_at(i))->timeout_ms, eod,
		    "stage %zu", i);
}

/* --- the command lines, built from the table alone --- */

static void
assert_command(enum smtp_stage stage, bool use_fallback, const char *arg,
    const char *params, const char *want)
{
	char line[600];

	cr_assert(smtp_stage_command(smtp_stage_def(stage), use_fallback, arg,
	    params, line, sizeof(line)), "stage %s has no command",
	    smtp_stage_name(stage));
	cr_assert_str_eq(line, want);
}

Test(smtp_stage, builds_every_command_line_from_its_row)
{
	assert_command(SMTP_STAGE_EHLO, false, "mx.example", "",
	    "EHLO mx.example");
	assert_command(SMTP_STAGE_STARTTLS, false, NULL, NULL, "STARTTLS");
	assert_command(SMTP_STAGE_EHLO_TLS, false, "mx.example",
	    NULL, "EHLO mx.example");
	assert_command(SMTP_STAGE_MAIL, false, "a@example.org",
	    "", "MAIL FROM:<a@example.org>");
	assert_command(SMTP_STAGE_RCPT, false, "b@example.net",
	    NULL, "RCPT TO:<b@example.net>");
	assert_command(SMTP_STAGE_DATA, false, NULL, NULL, "DATA");
	assert_command(SMTP_STAGE_END_OF_DATA, false, NULL, NULL, ".");
	assert_command(SMTP_STAGE_QUIT, false, NULL, NULL, "QUIT");
}

Test(smtp_stage, keeps_the_null_sender_as_empty_brackets)
{
	assert_command(SMTP_STAGE_MAIL, false, "", NULL, "MAIL FROM:<>");
}

Test(smtp_stage, adds_the_size_parameter_after_the_sender)
{
	cr_assert(smtp_stage_def(SMTP_STAGE_MAIL)->declares_size);
	assert_command(SMTP_STAGE_MAIL, false, "a@example.org",
	    " SIZE=1234", "MAIL FROM:<a@example.org> SIZE=1234");
}

/* RFC 5321 4.1.4 before TLS; RFC 3207 4.2 wants EHLO after it. */
Test(smtp_stage, falls_back_to_helo_only_at_the_first_ehlo)
{
	size_t i;

	assert_command(SMTP_STAGE_EHLO, true, "mx.example", "",
	    "HELO mx.example");
	assert_command(SMTP_STAGE_EHLO_TLS, true, "mx.example",
	    "", "EHLO mx.example");
	for (i = 0; i < SMTP_STAGE_COUNT; i++)
		if (stage_at(i) != SMTP_STAGE_EHLO)
			cr_assert_null(smtp_stage_def(stage_at(i))->fallback,
			    "stage %zu", i);
}

Test(smtp_stage, sends_the_message_only_at_the_end_of_data)
{
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++)
		cr_assert_eq(smtp_stage_def(stage_at(i))->sends_message,
		    stage_at(i) == SMTP_STAGE_END_OF_DATA, "stage %zu", i);
}

Test(smtp_stage, builds_no_line_for_a_stage_without_a_command)
{
	char line[16] = "x";

	cr_assert_not(smtp_stage_command(smtp_stage_def(SMTP_STAGE_BANNER),
	    false, NULL, NULL, line, sizeof(line)));
	cr_assert_str_empty(line);
}

/* A line that does not fit is refused whole, never sent cut short. */
Test(smtp_stage, refuses_a_line_one_byte_too_long_and_fits_it_exactly)
{
	char line[sizeof("RCPT TO:<ab>")];

	cr_assert(smtp_stage_command(smtp_stage_def(SMTP_STAGE_RCPT), false,
	    "ab", NULL, line, sizeof(line)));
	cr_assert_str_eq(line, "RCPT TO:<ab>");
	cr_assert_not(smtp_stage_command(smtp_stage_def(SMTP_STAGE_RCPT),
	    false, "abc", NULL, line, sizeof(line)));
	cr_assert_str_empty(line);
}
