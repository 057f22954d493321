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

/* --- the message operators really send --- */

static const char *const two_headers[] = { "X-Campaign: spring-2026",
    "Precedence: bulk" };

Test(probe_message, adds_header_fields_after_the_probe_id)
{
	o.headers = two_headers;
	o.nheaders = 2;
	assert_builds();
	assert_has("X-Smtpprobe-Id: " PROBE_ID "\nX-Campaign: spring-2026\n"
	    "Precedence: bulk\nMIME-Version: 1.0\n");
}

/* A --header that is refused, and the words of the refusal. */
static void
refuses_header(const char *h, const char *why)
{
	const char *one[1] = { h };

	o.headers = one;
	o.nheaders = 1;
	cr_assert_eq(build(), -1, "built with \"%s\"", h);
	cr_assert_not_null(strstr(err, why), "%s", err);
}

Test(probe_message, refuses_a_header_with_a_line_break_or_control_byte)
{
	refuses_header("X-A: a\r\nBcc: x@example.net", "control characters");
	refuses_header("X-A: a\nb", "control characters");
	refuses_header("X-A: a\tb", "control characters");
	refuses_header("X-A: a\x7f", "control characters");
	refuses_header("X-A: a\x1b[31m", "control characters");
}

Test(probe_message, refuses_a_header_that_is_not_name_colon_value)
{
	refuses_header("no colon here", "not \"Name: value\"");
	refuses_header("Bad Name: x", "not \"Name: value\"");
	refuses_header(": empty name", "not \"Name: value\"");
}

Test(probe_message, refuses_a_header_smtpprobe_sets_itself)
{
	refuses_header("From: other@example.net", "From is set by smtpprobe");
	refuses_header("dkim-signature: v=1", "is set by smtpprobe");
	refuses_header("List-Unsubscribe: <https://x.example>",
	    "is set by smtpprobe");
}

Test(probe_message, adds_one_click_list_unsubscribe)
{
	o.list_unsubscribe = "https://example.org/u?id=1";
	assert_builds();
	assert_has("List-Unsubscribe: <https://example.org/u?id=1>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
	cr_assert_lt((size_t)(strstr(out.data, "List-Unsubscribe-Post") -
	    out.data), header_len());
}

Test(probe_message, refuses_a_list_unsubscribe_that_is_not_https)
{
	static const char *const bad[] = { "http://example.org/u",
	    "mailto:u@example.org", "https://", "https://a b",
	    "https://x>\r\nBcc: y" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.list_unsubscribe = bad[i];
		cr_assert_eq(build(), -1, "built with %s", bad[i]);
		cr_assert_not_null(strstr(err, "--list-unsubscribe"));
	}
}

static const char own_msg[] =
    "Received: from a by b\r\n"
    "From: \"News\" <news@example.org>\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Subject: Spring\r\n"
    "  offers\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\r\n"
    "\tb=old\r\n"
    "X-Smtpprobe-Id: sp-old\r\n"
    "To: you@example.net\r\n"
    "\r\n"
    "Hello,\r\n"
    ".a dot\r\n"
    "no end";

Test(probe_message, sends_an_own_message_with_the_probe_id_in_its_subject)
{
	o.own = own_msg;
	o.own_len = sizeof(own_msg) - 1;
	assert_builds();
	cr_assert_str_eq(out.data,
	    "Received: from a by b\n"
	    "From: \"News\" <news@example.org>\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
	    "Subject: Spring\n"
	    "  offers [" PROBE_ID "]\n"
	    "To: you@example.net\n"
	    "X-Smtpprobe-Id: " PROBE_ID "\n"
	    "\n"
	    "Hello,\r\n"
	    ".a dot\r\n"
	    "no end");
}

Test(probe_message, adds_a_subject_and_the_extra_fields_to_an_own_message)
{
	static const char m[] = "From: a@example.org\nDate: x\n\nbody\n";

	o.own = m;
	o.own_len = sizeof(m) - 1;
	o.headers = two_headers;
	o.nheaders = 1;
	o.list_unsubscribe = "https://example.org/u";
	assert_builds();
	cr_assert_str_eq(out.data, "From: a@example.org\nDate: x\n"
	    "Subject: smtpprobe test " PROBE_ID "\n"
	    "X-Smtpprobe-Id: " PROBE_ID "\n"
	    "X-Campaign: spring-2026\n"
	    "List-Unsubscribe: <https://example.org/u>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
	    "\nbody\n");
}

Test(probe_message, refuses_an_own_message_without_from_or_date)
{
	static const char no_from[] = "Date: x\nSubject: s\n\nb\n";
	static const char no_date[] = "From: a@example.org\n\nb\n";

	o.own = no_from;
	o.own_len = sizeof(no_from) - 1;
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "no From field"), "%s", err);
	o.own = no_date;
	o.own_len = sizeof(no_date) - 1;
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "no Date field"), "%s", err);
}

Test(probe_message, refuses_an_own_message_whose_header_is_not_one)
{
	static const char m[] = "From: a@example.org\nthis is text\n\nb\n";

	o.own = m;
	o.own_len = sizeof(m) - 1;
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "line 2 is not a header field"), "%s",
	    err);
}

Test(probe_message, reads_the_from_address_of_an_own_message)
{
	char a[PROBE_MESSAGE_ADDR_MAX];

	cr_assert(probe_message_own_from(own_msg, sizeof(own_msg) - 1, a,
	    sizeof(a)));
	cr_assert_str_eq(a, "news@example.org");
	cr_assert(probe_message_own_from("from:  b@example.net \n\n", 23, a,
	    sizeof(a)));
	cr_assert_str_eq(a, "b@example.net");
	cr_assert(!probe_message_own_from("From: no address\n\n", 18, a,
	    sizeof(a)));
	cr_assert(!probe_message_own_from("Subject: x\n\nFrom: a@b.c\n", 24,
	    a, sizeof(a)));
}

/* --- #17: what reaches the wire is what was meant --- */

/* Word i of a long subject: "wordNN-of-a-long-subject". */
static void
strcat_safe_word(char *buf, size_t size, size_t i)
{
	size_t n = strlen(buf);

	(void)snprintf(buf + n, size - n, "%sword%02zu-of-a-long-subject",
	    n ? " " : "", i);
}

Test(probe_message, control_bytes_in_the_subject_are_refused)
{
	o.subject = "hi \x1b[31mthere";
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "control character"), "%s", err);
	o.subject = "rub\x7fout";
	cr_assert_eq(build(), -1);
	o.subject = "tab\there";
	cr_assert_eq(build(), -1);
}

Test(probe_message, a_subject_that_is_not_utf8_is_refused)
{
	o.subject = "caf\xe9";		/* Latin-1 */
	cr_assert_eq(build(), -1);
	o.subject = "\xc0\xaf";		/* overlong "/" */
	cr_assert_eq(build(), -1);
	o.subject = "\xed\xa0\x80";	/* a surrogate */
	cr_assert_eq(build(), -1);
}

/* The Subject field, unfolded, and each of its lines checked. */
static char *
subject_field(size_t *longest)
{
	const char *p = strstr(out.data, "\nSubject:"), *e;
	char *f;
	size_t n = 0, line = 0;

	cr_assert_not_null(p, "%s", out.data);
	p++;
	f = calloc(1, strlen(p) + 1);
	cr_assert_not_null(f);
	*longest = 0;
	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			if (line > *longest)
				*longest = line;
			line = 0;
			if (p[1] != ' ' && p[1] != '\t')
				break;		/* the field ends */
			continue;		/* unfold: drop the line end */
		}
		f[n++] = *p;
		line++;
	}
	e = f;
	(void)e;
	return f;
}

Test(probe_message, a_long_subject_is_folded_at_blanks_within_78)
{
	char subject[1200];
	size_t i, longest;
	char *f;

	subject[0] = '\0';
	for (i = 0; i < 50; i++)
		strcat_safe_word(subject, sizeof(subject), i);
	o.subject = subject;
	assert_builds();
	f = subject_field(&longest);
	cr_assert_leq(longest, 78, "a line of %zu", longest);
	cr_assert_not_null(strstr(f, subject), "unfolded: %s", f);
	cr_assert_not_null(strstr(f, "[" PROBE_ID "]"), "%s", f);
	free(f);
}

Test(probe_message, a_non_ascii_subject_goes_as_rfc2047_encoded_words)
{
	size_t longest;
	char *f;

	o.subject = "Pr\xc3\xbc" "fung der Zustellung \xe6\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e \xe2\x80\x94 deliverability check of the new server";
	assert_builds();
	f = subject_field(&longest);
	cr_assert_leq(longest, 78, "a line of %zu", longest);
	cr_assert_eq(strncmp(f, "Subject: =?UTF-8?B?", 19), 0, "%s", f);
	/* No 8-bit byte anywhere in the headers. */
	for (size_t i = 0; i < header_len(); i++)
		cr_assert_lt((unsigned char)out.data[i], 0x80);
	/* The first word decodes to the text's first 45 bytes or fewer. */
	cr_assert_not_null(strstr(f, "=?UTF-8?B?UHLDvGZ1bmcgZGVy"), "%s", f);
	cr_assert_not_null(strstr(f, "[" PROBE_ID "]"), "%s", f);
	free(f);
}

Test(probe_message, refuses_a_to_address_with_a_control_byte)
{
	static const char *const bad_to[] = { "postma\x01ster@example.net" };

	o.to = bad_to;
	o.nto = 1;
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "To: header needs addresses"), "%s",
	    err);
}

Test(probe_message, refuses_a_from_address_that_would_make_a_line_over_998)
{
	char *from = malloc(1001);

	cr_assert_not_null(from);
	memset(from, 'a', 1000);
	memcpy(from + 990, "@ex.test", 9);
	o.header_from = from;
	cr_assert_eq(build(), -1);
	free(from);
	cr_assert_not_null(strstr(err, "at most 256 characters"), "%s", err);
}

Test(probe_message, an_empty_from_is_never_written)
{
	o.header_from = "";
	cr_assert_eq(build(), -1);
	cr_assert_not_null(strstr(err, "From: header needs an address"), "%s",
	    err);
}
