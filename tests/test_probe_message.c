/*
 * test_probe_message - the controlled test message: the probe id's form
 * and uniqueness, every header for a fixed time (Date in RFC 5322 3.3
 * form, From, To folded over several recipients, Subject, Message-ID,
 * X-Smtpprobe-Id), the --subject and --body-file overrides, refusal of a
 * line break in any header value, and the size bound at N-1, N and N+1.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/run/probe_message.h"
#include "smtp/smtp_buf.h"

/* Tue, 14 Nov 2023 22:13:20 UTC. */
#define FIXED_NOW	((time_t)1700000000)
#define FIXED_HEX	"6553f100"
#define PROBE_ID	"sp-" FIXED_HEX "-0123456789ab"
#define ID_RANDOM_HEX	12
/* Enough calls that a weak generator would repeat itself. */
#define UNIQUE_RUNS	1000

static const char *const one_to[] = { "postmaster@example.net" };
static const char *const three_to[] = { "a@example.net", "b@example.net",
    "c@example.net" };

/* One test's state; fini frees it even when an assertion failed. */
static struct probe_message_opts o;
static struct smtp_buf out;
static char err[256];
static char (*ids)[PROBE_ID_MAX];
static char *body;

static void
message_setup(void)
{
	memset(&o, 0, sizeof(o));
	memset(&out, 0, sizeof(out));
	err[0] = '\0';
	o.probe_id = PROBE_ID;
	o.header_from = "probe@example.org";
	o.to = one_to;
	o.nto = 1;
	o.id_domain = "example.org";
	o.now = FIXED_NOW;
	ids = NULL;
	body = NULL;
}

static void
message_teardown(void)
{
	smtp_buf_free(&out);
	free(ids);
	free(body);
}

TestSuite(probe_message, .init = message_setup, .fini = message_teardown);

static int
build(void)
{
	err[0] = '\0';
	return probe_message_build(&o, &out, err, sizeof(err));
}

static void
assert_builds(void)
{
	cr_assert_eq(build(), 0, "refused: %s", err);
	cr_assert_not_null(out.data);
	cr_assert_eq(strlen(out.data), out.len, "a NUL in the message");
}

static bool
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* The headers, up to and including the blank line that ends them. */
static size_t
header_len(void)
{
	const char *end = strstr(out.data, "\n\n");

	cr_assert_not_null(end, "no blank line after the headers");
	return (size_t)(end - out.data) + 2;
}

static void
assert_has(const char *needle)
{
	cr_assert_not_null(strstr(out.data, needle), "the message lacks "
	    "\"%s\":\n%s", needle, out.data);
}

/* --- the probe id --- */

Test(probe_message, new_id_is_sp_then_the_time_then_48_random_bits_in_hex)
{
	char id[PROBE_ID_MAX];
	const char *prefix = "sp-" FIXED_HEX "-";

	probe_message_new_id(id, sizeof(id), FIXED_NOW);
	cr_assert_eq(strncmp(id, prefix, strlen(prefix)), 0, "%s", id);
	cr_assert_eq(strlen(id), strlen(prefix) + ID_RANDOM_HEX, "%s", id);
	cr_assert(is_lower_hex(id + strlen(prefix), ID_RANDOM_HEX), "%s", id);
}

Test(probe_message, new_id_is_unique_across_calls_in_the_same_second)
{
	size_t i, j;

	ids = calloc(UNIQUE_RUNS, sizeof(*ids));
	cr_assert_not_null(ids);
	for (i = 0; i < UNIQUE_RUNS; i++)
		probe_message_new_id(ids[i], sizeof(ids[i]), FIXED_NOW);
	for (i = 0; i < UNIQUE_RUNS; i++)
		for (j = i + 1; j < UNIQUE_RUNS; j++)
			cr_assert_str_neq(ids[i], ids[j], "ids %zu and %zu are "
			    "both %s", i, j, ids[i]);
}

Test(probe_message, new_id_fits_probe_id_max_even_for_the_largest_time)
{
	char id[PROBE_ID_MAX];
	time_t last = (time_t)((~(unsigned long long)0) >> 1);

	probe_message_new_id(id, sizeof(id), last);
	cr_assert_lt(strlen(id), PROBE_ID_MAX);
	cr_assert_eq(strncmp(id, "sp-7fffffffffffffff-", 20), 0, "%s", id);
	cr_assert_eq(strlen(id), 20 + ID_RANDOM_HEX);
}

Test(probe_message, new_id_never_writes_past_a_short_buffer)
{
	char buf[16];

	memset(buf, 'Z', sizeof(buf));
	probe_message_new_id(buf, 8, FIXED_NOW);
	cr_assert_str_eq(buf, "sp-6553");
	cr_assert_eq(buf[8], 'Z');
	cr_assert_eq(buf[15], 'Z');
}

/* --- headers --- */

Test(probe_message, writes_every_header_for_a_fixed_time)
{
	assert_builds();
	cr_assert_eq(strncmp(out.data,
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
	    "From: <probe@example.org>\n"
	    "To: <postmaster@example.net>\n"
	    "Subject: smtpprobe test " PROBE_ID "\n"
	    "Message-ID: <" PROBE_ID "@example.org>\n"
	    "X-Smtpprobe-Id: " PROBE_ID "\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: 7bit\n"
	    "\n", header_len()), 0, "headers:\n%s", out.data);
}

Test(probe_message, writes_the_date_in_rfc_5322_form_with_a_padded_day)
{
	o.now = (time_t)1704070800;	/* Mon, 1 Jan 2024 01:00:00 UTC */
	assert_builds();
	cr_assert_eq(strncmp(out.data,
	    "Date: Mon, 01 Jan 2024 01:00:00 +0000\n", 38), 0, "%s",
	    out.data);
}

Test(probe_message, folds_to_over_several_recipients)
{
	o.to = three_to;
	o.nto = 3;
	assert_builds();
	assert_has("\nTo: <a@example.net>,\n <b@example.net>,\n"
	    " <c@example.net>\nSubject: ");
}

Test(probe_message, uses_lf_line_ends_only)
{
	assert_builds();
	cr_assert_null(strchr(out.data, '\r'),
	    "the SMTP layer adds the CR; the builder must not");
	cr_assert_eq(out.data[out.len - 1], '\n');
}

Test(probe_message, default_body_names_the_probe_id)
{
	assert_builds();
	cr_assert(strstr(out.data + header_len(), PROBE_ID) != NULL,
	    "body:\n%s", out.data + header_len());
}

Test(probe_message, a_subject_override_keeps_the_probe_id_in_brackets)
{
	o.subject = "Quarterly check";
	assert_builds();
	assert_has("\nSubject: Quarterly check [" PROBE_ID "]\n");
	assert_has("\nX-Smtpprobe-Id: " PROBE_ID "\n");
}

Test(probe_message, a_body_override_is_the_whole_body_byte_for_byte)
{
	static const char mine[] = "line one\n.\n..dots\nlast line\n";

	o.body = mine;
	o.body_len = sizeof(mine) - 1;
	assert_builds();
	cr_assert_str_eq(out.data + header_len(), mine);
	cr_assert_eq(out.len, header_len() + o.body_len);
}

Test(probe_message, an_empty_body_override_leaves_only_the_headers)
{
	o.body = "";
	o.body_len = 0;
	assert_builds();
	cr_assert_eq(out.len, header_len());
}

Test(probe_message, building_again_starts_from_an_empty_buffer)
{
	size_t first;

	assert_builds();
	first = out.len;
	assert_builds();
	cr_assert_eq(out.len, first);
	cr_assert_eq(strncmp(out.data, "Date: ", 6), 0);
}

/* --- refusals --- */

static void
assert_line_break_refused(void)
{
	cr_assert_eq(build(), -1, "a line break got into a header");
	cr_assert_str_eq(err, "a header value holds a line break");
}

Test(probe_message, a_line_break_in_the_subject_is_refused)
{
	o.subject = "hi\nBcc: victim@example.net";
	assert_line_break_refused();
	o.subject = "hi\rthere";
	assert_line_break_refused();
}

Test(probe_message, a_line_break_in_header_from_is_refused)
{
	o.header_from = "probe@example.org>\r\nX-Injected: yes";
	assert_line_break_refused();
}

Test(probe_message, a_line_break_in_a_recipient_or_the_id_domain_is_refused)
{
	static const char *const bad_to[] = { "a@example.net",
	    "b@example.net\nBcc: c@example.net" };

	o.to = bad_to;
	o.nto = 2;
	assert_line_break_refused();
	o.to = one_to;
	o.nto = 1;
	o.id_domain = "example.org>\n";
	assert_line_break_refused();
}

Test(probe_message, a_subject_too_long_for_its_header_line_is_refused_not_cut)
{
	body = malloc(4096);
	cr_assert_not_null(body);
	memset(body, 's', 4095);
	body[4095] = '\0';
	o.subject = body;
	cr_assert_eq(build(), -1, "a 4 KiB subject was accepted (cut?)");
	cr_assert_neq(err[0], '\0');
}

/* A body that makes the whole message total bytes long. */
static int
build_total(size_t total, size_t headers)
{
	free(body);
	body = malloc(total - headers + 1);
	cr_assert_not_null(body);
	memset(body, 'b', total - headers);
	body[total - headers] = '\0';
	o.body = body;
	o.body_len = total - headers;
	return build();
}

static size_t
headers_only_len(void)
{
	o.body = "";
	o.body_len = 0;
	assert_builds();
	return out.len;
}

Test(probe_message, takes_a_message_one_byte_under_the_size_bound)
{
	size_t h = headers_only_len();

	cr_assert_eq(build_total(PROBE_MESSAGE_MAX - 1, h), 0, "%s", err);
	cr_assert_eq(out.len, PROBE_MESSAGE_MAX - 1);
}

Test(probe_message, takes_a_message_at_the_size_bound)
{
	size_t h = headers_only_len();

	cr_assert_eq(build_total(PROBE_MESSAGE_MAX, h), 0, "%s", err);
	cr_assert_eq(out.len, PROBE_MESSAGE_MAX);
}

Test(probe_message, refuses_a_message_one_byte_over_the_size_bound)
{
	size_t h = headers_only_len();
	char want[128];

	cr_assert_eq(build_total(PROBE_MESSAGE_MAX + 1, h), -1);
	(void)snprintf(want, sizeof(want), "the message does not fit in %u "
	    "bytes", PROBE_MESSAGE_MAX);	/* 128 is plenty */
	cr_assert_str_eq(err, want);
}
