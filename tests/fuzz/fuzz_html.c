/*
 * fuzz_html - the HTML report over hostile data: every string a server,
 * a config or an edited history file could put in it.
 *
 * Input: NUL-separated fields filling, in order, the path, the profile,
 * the verdict, the stage, the enhanced code, the cause, the catalog id,
 * the error, the probe id, the source, the MX, the TLS version and the
 * stored text report of one cell (and of its one change), then the
 * history file's name. Invariant: the page is printable ASCII and
 * newlines only, holds exactly one <style> and no other element that
 * runs or loads anything, and ends with </html>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/report/probe_report_html.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FIELDS	14

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static size_t
fuzz_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *page = NULL;
	const char *f[FUZZ_FIELDS], *p;
	struct probe_html_event ev;
	struct probe_html_cell cell;
	struct probe_html_doc d;
	size_t i, len = 0;
	FILE *fp;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0, p = buf; i < FUZZ_FIELDS; i++) {
		f[i] = p < buf + size ? p : NULL;
		if (p < buf + size)
			p += strlen(p) + 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.time = 1764720000;
	ev.verdict = f[2];
	ev.stage = f[3];
	ev.code = size > 0 ? data[0] * 3 : 0;
	ev.enhanced = f[4];
	ev.cause = f[5];
	ev.match_id = f[6];
	ev.error = f[7];
	ev.probe_id = f[8];
	ev.source = f[9];
	ev.mx = f[10];
	ev.tls_version = f[11];
	memset(&cell, 0, sizeof(cell));
	cell.path = f[0] ? f[0] : "";
	cell.profile = f[1] ? f[1] : "";
	cell.last = ev;
	cell.since = 1764716400;
	cell.report_text = f[12];
	cell.changes = &ev;
	cell.nchanges = 1;
	memset(&d, 0, sizeof(d));
	d.source = f[13];
	d.generated = 1764723600;
	d.paths = &cell.path;
	d.npaths = 1;
	d.profiles = &cell.profile;
	d.nprofiles = 1;
	d.cells = &cell;
	d.ncells = 1;
	fp = open_memstream(&page, &len);
	fuzz_check(fp != NULL);
	probe_report_html_render(fp, &d);
	fuzz_check(fclose(fp) == 0);
	for (i = 0; i < len; i++)
		fuzz_check((page[i] >= 0x20 && page[i] < 0x7f) ||
		    page[i] == '\n');
	fuzz_check(fuzz_count(page, "<style") == 1);
	fuzz_check(fuzz_count(page, "<script") == 0);
	fuzz_check(fuzz_count(page, "<img") == 0);
	fuzz_check(fuzz_count(page, "<iframe") == 0);
	fuzz_check(fuzz_count(page, "<link") == 0);
	fuzz_check(fuzz_count(page, "</html>\n") == 1);
	free(page);
	free(buf);
	return 0;
}
