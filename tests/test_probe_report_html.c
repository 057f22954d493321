/*
 * test_probe_report_html - the HTML page of the history: its parts, and
 * that nothing from a server, a config or the history file can change
 * the page (no tag, no attribute, no control byte gets through).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/report/probe_report_html.h"

static char *
render(const struct probe_html_doc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	probe_report_html_render(fp, d);
	cr_assert_eq(fclose(fp), 0);
	return buf;
}

static const char hostile[] =
    "</pre><script>alert(1)</script><img src=x onerror=alert(2)>"
    "\" onmouseover=\"x' \x1b[31mred\x7f &amp;";

Test(report_html, hostile_text_never_becomes_markup)
{
	struct probe_html_event ch[1] = { {
		.time = 1764720000, .verdict = "fail", .code = 550,
		.enhanced = "5.7.26", .cause = hostile, .match_id = hostile,
		.probe_id = "sp-1", .source = hostile, .mx = hostile,
		.tls_version = hostile,
	} };
	struct probe_html_cell cell = {
		.path = hostile, .profile = hostile, .last = ch[0],
		.since = 1764720000, .report_text = hostile, .changes = ch,
		.nchanges = 1,
	};
	const char *paths[] = { hostile }, *profiles[] = { hostile };
	struct probe_html_doc d = {
		.source = hostile, .generated = 1764720000, .paths = paths,
		.npaths = 1, .profiles = profiles, .nprofiles = 1,
		.cells = &cell, .ncells = 1,
	};
	char *out = render(&d);
	const char *p;

	cr_assert_null(strstr(out, "<script"), "%s", out);
	cr_assert_null(strstr(out, "<img"), "%s", out);
	cr_assert_not_null(strstr(out, "&lt;img src=x onerror=alert(2)&gt;"));
	cr_assert_null(strstr(out, "\" onmouseover"), "%s", out);
	cr_assert_null(strstr(out, "</pre><"), "%s", out);
	cr_assert_not_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	cr_assert_not_null(strstr(out, "\\x1b[31mred\\x7f &amp;amp;"));
	/* No byte outside printable ASCII but newlines. */
	for (p = out; *p != '\0'; p++)
		cr_assert((*p >= 0x20 && *p < 0x7f) || *p == '\n',
		    "byte 0x%02x at %zu", (unsigned char)*p, (size_t)(p - out));
	/* Nothing is fetched: no element that loads anything. */
	cr_assert_null(strstr(out, "src=\""));
	cr_assert_null(strstr(out, "<link"));
	cr_assert_not_null(strstr(out, "default-src 'none'"));
	free(out);
}

Test(report_html, the_matrix_the_refusals_and_the_timeline)
{
	struct probe_html_event ch[2] = {
		{ .time = 1764720000, .verdict = "pass", .code = 250,
		    .enhanced = "2.0.0", .stage = "end-of-data",
		    .probe_id = "sp-a" },
		{ .time = 1764723600, .verdict = "fail", .code = 550,
		    .enhanced = "5.7.26", .stage = "end-of-data",
		    .cause = "unauthenticated",
		    .match_id = "google.unauthenticated", .probe_id = "sp-b" },
	};
	struct probe_html_cell cells[2] = {
		{ .path = "mail1", .profile = "gmail", .last = ch[0],
		    .since = 1764720000, .changes = ch, .nchanges = 1 },
		{ .path = "mail2", .profile = "gmail", .last = ch[1],
		    .since = 1764723600, .report_text = "  diagnosis: x\n",
		    .changes = ch, .nchanges = 2, .nchanges_dropped = 3 },
	};
	const char *paths[] = { "mail1", "mail2" }, *profiles[] = { "gmail",
	    "yahoo" };
	struct probe_html_doc d = {
		.source = "/var/lib/smtpprobe/history.sqlite",
		.generated = 1764727200, .paths = paths, .npaths = 2,
		.profiles = profiles, .nprofiles = 2, .cells = cells,
		.ncells = 2,
	};
	char *out = render(&d);

	cr_assert_eq(strncmp(out, "<!DOCTYPE html>\n", 16), 0);
	cr_assert_not_null(strstr(out, "1 pass, 1 fail"), "%s", out);
	cr_assert_not_null(strstr(out, "<td class=\"fail\"><span class=\"v\">"
	    "fail</span> 550 5.7.26 at end-of-data: <b>unauthenticated</b> "
	    "(google.unauthenticated)"), "%s", out);
	/* A profile the path is not probed with: a dash, not a verdict. */
	cr_assert_not_null(strstr(out, "<td class=\"none\">&mdash;</td>"));
	cr_assert_not_null(strstr(out, "<a href=\"#d1\">transcript and fix"
	    "</a>"), "%s", out);
	cr_assert_not_null(strstr(out, "<section id=\"d1\">"), "%s", out);
	cr_assert_not_null(strstr(out, "<pre>  diagnosis: x\n</pre>"));
	cr_assert_not_null(strstr(out, "3 earlier changes not shown"));
	cr_assert_not_null(strstr(out, "<time datetime=\"2025-12-03T01:00:00Z"
	    "\">"), "%s", out);
	cr_assert(strstr(out, "</html>\n") != NULL);
	free(out);
}

Test(report_html, an_empty_window_says_so)
{
	struct probe_html_doc d = { .source = "h.sqlite",
	    .generated = 1764727200, .since = 1764720000 };
	char *out = render(&d);

	cr_assert_not_null(strstr(out, "No probe recorded in this window."));
	cr_assert_null(strstr(out, "<table"));
	free(out);
}
