/*
 * probe_report_html - the history as one HTML page (see the header).
 */
#include <string.h>
#include <time.h>

#include "probe/report/probe_report_html.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"

/*
 * The whole style: system fonts, a table that scrolls sideways on a
 * phone, one colour per verdict with its word beside it (colour is never
 * the only sign), and print that keeps the colours.
 */
static const char probe_html_style[] =
"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"color:#1c1e21;background:#fff;margin:0 auto;padding:1.5em;max-width:72em}"
"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.8em 0 .6em;"
"border-bottom:1px solid #d0d4da;padding-bottom:.2em}"
"h3{font-size:1em;margin:1.4em 0 .4em}"
".meta{color:#5a606b;margin:0 0 1em}"
".wrap{overflow-x:auto}"
"table{border-collapse:collapse}th,td{border:1px solid #d0d4da;"
"padding:.45em .7em;text-align:left;vertical-align:top}"
"thead th{background:#f3f5f8}"
"td small,li small{color:#5a606b;display:block}"
".v{font-weight:600;letter-spacing:.02em}"
".pass{background:#e7f6ec}.pass .v{color:#11703a}"
".tempfail{background:#fff5dc}.tempfail .v{color:#8a5a00}"
".fail{background:#fde8e8}.fail .v{color:#b3261e}"
".error,.none{background:#eef0f3}.error .v{color:#4a505a}"
"pre{background:#f6f8fa;border:1px solid #d0d4da;padding:.8em;"
"overflow-x:auto;font:13px/1.4 ui-monospace,'DejaVu Sans Mono',monospace}"
"ol.tl{padding-left:1.2em}ol.tl li{margin:.3em 0;padding:.2em .5em;"
"border-radius:3px}"
"a{color:#0b57d0}"
"@media print{body{max-width:none}.pass,.tempfail,.fail,.error{"
"-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void
probe_html_put(FILE *fp, const char *s)
{
	if (s != NULL)
		probe_escape_html(fp, s, strlen(s), false);
}

/* A verdict word as a CSS class: only our four words, else "error". */
static const char *
probe_html_class(const char *verdict)
{
	static const char *const known[] = { "pass", "tempfail", "fail",
	    "error" };
	size_t i;

	for (i = 0; verdict != NULL && i < 4; i++)
		if (strcmp(verdict, known[i]) == 0)
			return known[i];
	return "error";
}

static void
probe_html_when(FILE *fp, long long t)
{
	char buf[PROBE_WHEN_ISO_MAX];

	probe_when_iso((time_t)t, buf, sizeof(buf));
	fprintf(fp, "<time datetime=\"%s\">%s</time>", buf, buf);
}

/* "550 5.7.26 at end-of-data: unauthenticated (google.unauthenticated)". */
static void
probe_html_reply(FILE *fp, const struct probe_html_event *e)
{
	if (e->code > 0)
		fprintf(fp, " %d", e->code);
	if (e->enhanced != NULL) {
		putc(' ', fp);
		probe_html_put(fp, e->enhanced);
	}
	if (e->stage != NULL) {
		fputs(" at ", fp);
		probe_html_put(fp, e->stage);
	}
	if (e->cause != NULL) {
		fputs(": <b>", fp);
		probe_html_put(fp, e->cause);
		fputs("</b>", fp);
		if (e->match_id != NULL) {
			fputs(" (", fp);
			probe_html_put(fp, e->match_id);
			putc(')', fp);
		}
	} else if (e->code == 0 && e->error != NULL) {
		fputs(": ", fp);
		probe_html_put(fp, e->error);
	}
}

/* An anchor for a cell: its index, so that no name reaches an id. */
static void
probe_html_anchor(FILE *fp, const char *kind, const struct probe_html_doc *d,
    const struct probe_html_cell *c)
{
	fprintf(fp, "%s%zu", kind, (size_t)(c - d->cells));
}

static const struct probe_html_cell *
probe_html_find(const struct probe_html_doc *d, const char *path,
    const char *profile)
{
	size_t i;

	for (i = 0; i < d->ncells; i++)
		if (strcmp(d->cells[i].path, path) == 0 &&
		    strcmp(d->cells[i].profile, profile) == 0)
			return &d->cells[i];
	return NULL;
}

static void
probe_html_matrix(FILE *fp, const struct probe_html_doc *d)
{
	const struct probe_html_cell *c;
	char span[32];
	size_t i, j;

	fputs("<h2>Now</h2>\n<div class=\"wrap\"><table>\n<thead><tr>"
	    "<th scope=\"col\">path</th>", fp);
	for (j = 0; j < d->nprofiles; j++) {
		fputs("<th scope=\"col\">", fp);
		probe_html_put(fp, d->profiles[j]);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < d->npaths; i++) {
		fputs("<tr><th scope=\"row\">", fp);
		probe_html_put(fp, d->paths[i]);
		fputs("</th>", fp);
		for (j = 0; j < d->nprofiles; j++) {
			c = probe_html_find(d, d->paths[i], d->profiles[j]);
			if (c == NULL) {
				fputs("<td class=\"none\">&mdash;</td>", fp);
				continue;
			}
			fprintf(fp, "<td class=\"%s\"><span class=\"v\">",
			    probe_html_class(c->last.verdict));
			probe_html_put(fp, c->last.verdict);
			fputs("</span>", fp);
			probe_html_reply(fp, &c->last);
			probe_when_span(c->last.time - c->since, span,
			    sizeof(span));
			fprintf(fp, "<small>for %s, last probed ", span);
			probe_html_when(fp, c->last.time);
			fputs("</small>", fp);
			if (strcmp(probe_html_class(c->last.verdict),
			    "pass") != 0 && c->report_text != NULL) {
				fputs("<small><a href=\"#", fp);
				probe_html_anchor(fp, "d", d, c);
				fputs("\">transcript and fix</a></small>", fp);
			}
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
}

static void
probe_html_cell_title(FILE *fp, const struct probe_html_cell *c)
{
	probe_html_put(fp, c->path);
	fputs(" &rarr; ", fp);
	probe_html_put(fp, c->profile);
}

/* Each cell that does not pass: its latest probe's report, as printed. */
static void
probe_html_details(FILE *fp, const struct probe_html_doc *d)
{
	const struct probe_html_cell *c;
	size_t i, n = 0;

	for (i = 0; i < d->ncells; i++) {
		c = &d->cells[i];
		if (strcmp(probe_html_class(c->last.verdict), "pass") == 0)
			continue;
		if (n++ == 0)
			fputs("<h2>What is refused, and why</h2>\n", fp);
		fputs("<section id=\"", fp);
		probe_html_anchor(fp, "d", d, c);
		fprintf(fp, "\">\n<h3 class=\"%s\"><span class=\"v\">",
		    probe_html_class(c->last.verdict));
		probe_html_put(fp, c->last.verdict);
		fputs("</span> ", fp);
		probe_html_cell_title(fp, c);
		probe_html_reply(fp, &c->last);
		fputs("</h3>\n<p class=\"meta\">probe ", fp);
		probe_html_put(fp, c->last.probe_id);
		fputs(", ", fp);
		probe_html_when(fp, c->last.time);
		if (c->last.source != NULL) {
			fputs(", from ", fp);
			probe_html_put(fp, c->last.source);
		}
		if (c->last.mx != NULL) {
			fputs(" to ", fp);
			probe_html_put(fp, c->last.mx);
		}
		fputs("</p>\n", fp);
		if (c->report_text != NULL) {
			fputs("<pre>", fp);
			probe_escape_html(fp, c->report_text,
			    strlen(c->report_text), true);
			fputs("</pre>\n", fp);
		} else {
			fputs("<p>(the report of this probe was not kept)</p>\n",
			    fp);
		}
		fputs("</section>\n", fp);
	}
}

static void
probe_html_timelines(FILE *fp, const struct probe_html_doc *d)
{
	const struct probe_html_cell *c;
	const struct probe_html_event *e;
	size_t i, k;

	fputs("<h2>Timeline of changes</h2>\n", fp);
	for (i = 0; i < d->ncells; i++) {
		c = &d->cells[i];
		fputs("<h3 id=\"", fp);
		probe_html_anchor(fp, "t", d, c);
		fputs("\">", fp);
		probe_html_cell_title(fp, c);
		fputs("</h3>\n", fp);
		if (c->nchanges_dropped > 0)
			fprintf(fp, "<p class=\"meta\">%zu earlier change%s not "
			    "shown</p>\n", c->nchanges_dropped,
			    c->nchanges_dropped == 1 ? "" : "s");
		if (c->nchanges == 0) {
			fputs("<p class=\"meta\">no change in this window: "
			    "the state began before it</p>\n", fp);
			continue;
		}
		fputs("<ol class=\"tl\">\n", fp);
		for (k = 0; k < c->nchanges; k++) {
			e = &c->changes[k];
			fprintf(fp, "<li class=\"%s\">",
			    probe_html_class(e->verdict));
			probe_html_when(fp, e->time);
			fputs(" <span class=\"v\">", fp);
			probe_html_put(fp, e->verdict);
			fputs("</span>", fp);
			probe_html_reply(fp, e);
			fputs("<small>", fp);
			if (e->source != NULL) {
				fputs("from ", fp);
				probe_html_put(fp, e->source);
				putc(' ', fp);
			}
			if (e->mx != NULL) {
				fputs("to ", fp);
				probe_html_put(fp, e->mx);
				putc(' ', fp);
			}
			if (e->tls_version != NULL) {
				probe_html_put(fp, e->tls_version);
				putc(' ', fp);
			}
			fputs("probe ", fp);
			probe_html_put(fp, e->probe_id);
			fputs("</small></li>\n", fp);
		}
		fputs("</ol>\n", fp);
	}
}

void
probe_report_html_render(FILE *fp, const struct probe_html_doc *d)
{
	size_t i, counts[4] = { 0 };
	static const char *const words[] = { "pass", "tempfail", "fail",
	    "error" };
	const char *cls, *sep = "";

	for (i = 0; i < d->ncells; i++) {
		cls = probe_html_class(d->cells[i].last.verdict);
		counts[strcmp(cls, "pass") == 0 ? 0 : strcmp(cls, "tempfail") ==
		    0 ? 1 : strcmp(cls, "fail") == 0 ? 2 : 3]++;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>smtpprobe: will our mail get in?"
	    "</title>\n<style>", fp);
	fputs(probe_html_style, fp);
	fputs("</style>\n</head>\n<body>\n<h1>smtpprobe: will our mail get "
	    "in?</h1>\n<p class=\"meta\">", fp);
	fprintf(fp, "smtpprobe %s, ", SMTPPROBE_VERSION);
	probe_html_when(fp, d->generated);
	fputs(", from ", fp);
	probe_html_put(fp, d->source);
	if (d->since > 0) {
		fputs("; changes since ", fp);
		probe_html_when(fp, d->since);
	}
	fputs(".<br>", fp);
	if (d->ncells == 0)
		fputs("No probe recorded in this window.", fp);
	for (i = 0; i < 4; i++) {
		if (counts[i] == 0)
			continue;
		fprintf(fp, "%s%zu %s", sep, counts[i], words[i]);
		sep = ", ";
	}
	fputs("</p>\n", fp);
	if (d->ncells > 0) {
		probe_html_matrix(fp, d);
		probe_html_details(fp, d);
		probe_html_timelines(fp, d);
	}
	fputs("</body>\n</html>\n", fp);
}
