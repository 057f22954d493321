/*
 * test_probe_lint - "smtpprobe catalog lint" beyond loading: an example
 * that does not match its entry, one a more specific entry takes, one on
 * which two entries tie, an example with no reply in it, and a
 * placeholder nothing fills; each is reported once, as "FILE:LINE: id:
 * what", and counted. The shipped catalogs lint clean.
 *
 * Catalogs are written into a fresh mkdtemp directory
 * (tests/support/tmp_dir); reports are collected through the callback.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/catalog/probe_lint.h"
#include "tests/support/tmp_dir.h"

/* More report lines than any catalog of these tests makes. */
#define LINES_MAX	256
#define LINE_LEN	1500

/* One test's state; fini frees it even when an assertion failed. */
static struct tmp_dir dir;
static struct probe_catalog cat;
static char err[PROBE_CATALOG_ERR_MAX + PATH_MAX];
static const char *path;
static char lines[LINES_MAX][LINE_LEN];
static size_t nlines;
static struct probe_lint_buf *buf;

static void
lint_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(probe_catalog_init(&cat, false, err, sizeof(err)), 0,
	    "%s", err);
	path = NULL;
	nlines = 0;
	buf = NULL;
}

static void
lint_teardown(void)
{
	probe_catalog_free(&cat);
	tmp_dir_remove(&dir);
	free(buf);
	buf = NULL;
}

TestSuite(probe_lint, .init = lint_setup, .fini = lint_teardown,
    .timeout = 60);

/* ---- helpers ---- */

static void
collect(void *arg, const char *line)
{
	(void)arg;	/* the lines go to the file-scope list */
	cr_assert_lt(nlines, LINES_MAX, "more report lines than expected");
	cr_assert_lt(strlen(line), LINE_LEN, "a report line was cut");
	(void)snprintf(lines[nlines], LINE_LEN, "%s", line);
	nlines++;
}

static void
load(const char *name, const char *text)
{
	path = tmp_dir_write(&dir, name, text, strlen(text));
	cr_assert_not_null(path, "cannot write %s", name);
	cr_assert_eq(probe_catalog_load_file(&cat, path, false, err,
	    sizeof(err)), 0, "refused: %s", err);
}

/* Every line reported, for failure messages. */
static const char *
all_lines(void)
{
	static char all[LINES_MAX * 64];
	size_t i, used = 0;

	all[0] = '\0';
	for (i = 0; i < nlines && used + 2 < sizeof(all); i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used,
		    "\n  %.200s", lines[i]);	/* enough to see which */
	return all;
}

static size_t
lint(void)
{
	size_t problems = probe_lint_run(&cat, collect, NULL);

	cr_assert_eq(problems, nlines, "counted %zu problems, reported %zu:%s",
	    problems, nlines, all_lines());
	return problems;
}

/* Line k of the report is "PATH:LINE: ID: " followed by what. */
static void
assert_reported(size_t k, unsigned long line, const char *id,
    const char *what)
{
	char want[PATH_MAX + 128];

	cr_assert_lt(k, nlines, "report %zu missing:%s", k, all_lines());
	(void)snprintf(want, sizeof(want), "%s:%lu: %s: ", path, line, id);
	cr_assert_eq(strncmp(lines[k], want, strlen(want)), 0,
	    "\"%s\" does not start with \"%s\"", lines[k], want);
	cr_assert_not_null(strstr(lines[k] + strlen(want), what),
	    "\"%s\" does not say \"%s\"", lines[k], what);
	cr_assert_null(strchr(lines[k], '\n'), "not one line: %s", lines[k]);
}

#define ENTRY_HEAD(id, match) \
	"  - id: " id "\n    match: " match "\n" \
	"    verdict: fail\n    cause: policy\n    see: x\n"

/* ---- problems ---- */

Test(probe_lint, a_good_catalog_lints_clean)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.blocked", "{ code: 550, text: "
	    "['blocked\\s+(?<who>\\S+)'] }")
	    "    summary: Blocked by {who} for {domain}.\n"
	    "    remediation: ['Ask {who} about {ip} and {helo}, {mx}, "
	    "{rcpt_domain}.']\n"
	    "    examples:\n"
	    "      - \"550 blocked acme\"\n"
	    "      - |\n"
	    "        550-5.7.1 you are\n"
	    "        550 5.7.1 blocked acme\n"
	    "      - \"host mx.acme.example[192.0.2.1] said: 550 blocked "
	    "acme (in reply to RCPT TO command)\"\n");
	cr_assert_eq(lint(), 0, "%s", all_lines());
}

Test(probe_lint, an_example_its_entry_does_not_match_is_reported)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.blocked", "{ code: 550, text: ['blocked'] }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples:\n"
	    "      - \"550 blocked here\"\n"
	    "      - \"550 nothing to see\"\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 12, "acme.blocked", "example 2 matches no entry");
}

Test(probe_lint, an_example_another_entry_takes_is_reported)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.loose", "{ code: 5xx }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 blocked\"]\n"
	    ENTRY_HEAD("acme.tight", "{ code: 550, enhanced: 5.7.1 }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 blocked\"]\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 10, "acme.loose", "example 1 is taken by "
	    "acme.tight");
}

Test(probe_lint, a_code_only_example_is_checked_in_its_own_layer)
{
	/* The text entry rightly takes the reply first; no problem. */
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.loose", "{ code: 5xx }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 blocked\"]\n"
	    ENTRY_HEAD("acme.text", "{ code: 550, text: ['blocked'] }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 blocked\"]\n");
	cr_assert_eq(lint(), 0, "%s", all_lines());
}

Test(probe_lint, a_verdict_that_contradicts_the_code_is_reported)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    "  - id: acme.later\n    match: { code: 4xx, text: ['later'] }\n"
	    "    verdict: fail\n    cause: policy\n    see: x\n"
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"451 4.7.1 later\"]\n"
	    "  - id: acme.nover\n    match: { code: 5xx, text: ['no'] }\n"
	    "    cause: policy\n    see: x\n"
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 no\"]\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 10, "acme.later", "verdict fail contradicts "
	    "example 1's code 451");
}

Test(probe_lint, phrase_entries_are_checked_in_file_order_without_ties)
{
	load("phrases.yaml", "provider: phrases\nentries:\n"
	    "  - id: phrases.dmarc\n    match: { any: ['dmarc'] }\n"
	    "    cause: dmarc_policy\n    see: x\n"
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 DMARC policy reject, spf fail\"]\n"
	    "  - id: phrases.spf\n    match: { any: ['spf'] }\n"
	    "    cause: spf_fail\n    see: x\n"
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 5.7.1 DMARC policy reject, spf fail\"]\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 16, "phrases.spf", "example 1 is taken by "
	    "phrases.dmarc");
}

Test(probe_lint, two_entries_that_tie_on_an_example_are_reported)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.one", "{ code: 550, text: ['blocked'] }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 blocked by acme\"]\n"
	    ENTRY_HEAD("acme.two", "{ code: 550, text: ['by\\s+acme'] }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"550 done by acme\"]\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 10, "acme.one", "example 1 ties with acme.two (");
	cr_assert_not_null(strstr(lines[0], ":11)"), "%s", lines[0]);
}

Test(probe_lint, an_example_with_no_reply_is_reported)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.x", "{ code: 550 }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples:\n      - \"the server said no\"\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 11, "acme.x", "example 1 holds no SMTP reply");
}

Test(probe_lint, a_placeholder_nothing_fills_is_reported_once_per_text)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.x", "{ code: 550, text: ['(?<list>\\S+)'] }")
	    "    summary: Listed on {list} as {reason}.\n"
	    "    remediation:\n      - Ask {lsit}.\n      - 'Run `xargs -I{} "
	    "dig {}` for {domain}.'\n"
	    "    examples: [\"550 zen\"]\n");
	cr_assert_eq(lint(), 2, "%s", all_lines());
	assert_reported(0, 3, "acme.x", "placeholder {reason} is neither a "
	    "capture of this entry nor a probe fact");
	assert_reported(1, 3, "acme.x", "placeholder {lsit}");
}

Test(probe_lint, an_outcome_example_is_matched_as_our_own_message)
{
	load("local.yaml", "provider: local\nentries:\n"
	    ENTRY_HEAD("local.refused", "{ outcome: connect, text: "
	    "['Connection\\s+refused'] }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples: [\"Connection refused\", \"Connection reset\"]\n");
	cr_assert_eq(lint(), 1, "%s", all_lines());
	assert_reported(0, 10, "local.refused", "example 2 matches no entry");
}

Test(probe_lint, problems_in_several_entries_are_all_counted)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.a", "{ code: 550, text: ['aaa'] }")
	    "    summary: '{nope}'\n    remediation: [r]\n"
	    "    examples: [\"550 bbb\", \"hello\"]\n"
	    ENTRY_HEAD("acme.b", "{ code: 451 }")
	    "    summary: s\n    remediation: ['{nada}']\n"
	    "    examples: [\"550 ccc\"]\n");
	cr_assert_eq(lint(), 5, "%s", all_lines());
	assert_reported(0, 3, "acme.a", "placeholder {nope}");
	assert_reported(1, 10, "acme.a", "example 1 matches no entry");
	assert_reported(2, 10, "acme.a", "example 2 holds no SMTP reply");
	assert_reported(3, 11, "acme.b", "placeholder {nada}");
	assert_reported(4, 18, "acme.b", "example 1 matches no entry");
}

Test(probe_lint, runs_without_a_report_callback)
{
	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.x", "{ code: 550 }")
	    "    summary: '{nope}'\n    remediation: [r]\n"
	    "    examples: [\"hello\"]\n");
	cr_assert_eq(probe_lint_run(&cat, NULL, NULL), 2);
}

/* ---- the query an example makes ---- */

Test(probe_lint, a_multiline_example_is_one_raw_reply)
{
	struct probe_catalog_query q;

	load("c.yaml", "provider: acme\nentries:\n"
	    ENTRY_HEAD("acme.x", "{ code: 550 }")
	    "    summary: s\n    remediation: [r]\n"
	    "    examples:\n      - |\n        550-5.7.26 first\r\n"
	    "        550 5.7.26 second\n");
	buf = malloc(sizeof(*buf));
	cr_assert_not_null(buf);
	cr_assert(probe_lint_example_query(&cat.entries[0],
	    cat.entries[0].examples[0], &q, buf));
	cr_assert_eq(q.code, 550);
	cr_assert_str_eq(q.enhanced, "5.7.26");
	cr_assert_str_eq(q.provider, "acme");
	cr_assert_eq(q.len, strlen("first second"));
	cr_assert_eq(memcmp(q.text, "first second", q.len), 0);
	cr_assert_null(q.outcome);
}

/* ---- the shipped catalogs ---- */

Test(probe_lint, the_shipped_catalogs_lint_clean)
{
	cr_assert_eq(probe_catalog_load_default(&cat, NULL, 0, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_gt(cat.nentries, 100);
	cr_assert_eq(lint(), 0, "%s", all_lines());
}
