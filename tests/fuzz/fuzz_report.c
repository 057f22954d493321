/*
 * fuzz_report - the four reports of a probe over hostile data: the text
 * report and the JSON document of one probe whose server and every
 * string of ours are fuzzed, and the Nagios line and the Prometheus
 * metrics of one cell whose strings are fuzzed.
 *
 * Input: byte 0 picks the verdict (bits 0-1), the stage (bits 2-5) and
 * the reply class (bits 6-7); then NUL-separated fields: MX host name,
 * the error of a second host without address, probe id, profile,
 * recipient domain, envelope sender, HELO name, source, path name,
 * enhanced code, cause, catalog id, our error; the rest is what the
 * server sends (NULs included), run through a real dialogue (mem_io).
 * Invariants: the text report is printable ASCII and newlines (no
 * control byte reaches a terminal); the JSON document is valid JSON
 * (tests/support/json_check); the Nagios output is one line of
 * printable ASCII ending in its only newline (before any performance
 * data, no '|' but the separator); every Prometheus line is a comment
 * or a sample whose name is [a-zA-Z_:][a-zA-Z0-9_:]*, printable ASCII.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/report/probe_report_json.h"
#include "probe/report/probe_report_nagios.h"
#include "probe/report/probe_report_prom.h"
#include "probe/report/probe_report_text.h"
#include "tests/fuzz/fuzz.h"
#include "tests/support/json_check.h"
#include "tests/support/report_case.h"

#define FUZZ_FIELDS	13

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Render into memory; the caller frees *out. */
static FILE *
fuzz_open(char **out, size_t *len)
{
	FILE *fp;

	*out = NULL;
	*len = 0;
	fp = open_memstream(out, len);
	fuzz_check(fp != NULL);
	return fp;
}

static void
fuzz_text_and_json(struct report_case *c)
{
	char *out, jerr[JSON_CHECK_ERR_MAX];
	size_t len, i;
	FILE *fp;

	fp = fuzz_open(&out, &len);
	probe_report_text_render(fp, &c->info, &c->r);
	fuzz_check(fclose(fp) == 0);
	for (i = 0; i < len; i++)
		fuzz_check(fuzz_printable(out[i]) || out[i] == '\n');
	free(out);
	fp = fuzz_open(&out, &len);
	probe_report_json_render(fp, &c->info, &c->r);
	fuzz_check(fclose(fp) == 0);
	fuzz_check(json_check(out, len, jerr, sizeof(jerr)));
	free(out);
}

static void
fuzz_nagios(const struct probe_cell *cell, enum probe_verdict v)
{
	char *out;
	size_t len, i;
	FILE *fp;

	fp = fuzz_open(&out, &len);
	probe_report_nagios_render(fp, cell, &cell->path, 1, &cell->profile,
	    1, v);
	fuzz_check(fclose(fp) == 0);
	fuzz_check(len > 0 && out[len - 1] == '\n');
	for (i = 0; i + 1 < len; i++)
		fuzz_check(fuzz_printable(out[i]));
	fuzz_check(strchr(out, '|') == strrchr(out, '|'));
	free(out);
}

static bool
fuzz_prom_name(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (!first && c >= '0' && c <= '9');
}

static void
fuzz_prom(const struct probe_cell *cell)
{
	char *out, *line, *nl;
	size_t len, i;
	FILE *fp;

	fp = fuzz_open(&out, &len);
	probe_report_prom_render(fp, cell, &cell->path, 1, &cell->profile,
	    1, 1764720000.0);
	fuzz_check(fclose(fp) == 0);
	fuzz_check(len > 0 && out[len - 1] == '\n');
	for (line = out; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		fuzz_check(nl != NULL);
		for (i = 0; line + i < nl; i++)
			fuzz_check(fuzz_printable(line[i]));
		if (line[0] == '#')
			continue;
		fuzz_check(fuzz_prom_name(line[0], true));
	}
	free(out);
}

/* One cell from the fuzzed strings, cut to their buffers. */
static void
fuzz_cell(const char *const *f, uint8_t flags)
{
	struct probe_cell cell;

	memset(&cell, 0, sizeof(cell));
	cell.path = f[8];
	cell.profile = f[3];
	cell.verdict = (enum probe_verdict)(flags & 3);
	cell.has_stage = (flags >> 2 & 15) < SMTP_STAGE_COUNT;
	cell.stage = cell.has_stage ? (enum smtp_stage)(flags >> 2 & 15) :
	    SMTP_STAGE_CONNECT;
	cell.code = (flags >> 6) ? 200 + 100 * (flags >> 6) + flags % 53 : 0;
	(void)snprintf(cell.enhanced, sizeof(cell.enhanced), "%s", f[9]);
	(void)snprintf(cell.cause, sizeof(cell.cause), "%s", f[10]);
	(void)snprintf(cell.match_id, sizeof(cell.match_id), "%s", f[11]);
	(void)snprintf(cell.mx, sizeof(cell.mx), "%s", f[0]);
	(void)snprintf(cell.error, sizeof(cell.error), "%s", f[12]);
	(void)snprintf(cell.probe_id, sizeof(cell.probe_id), "%s", f[2]);
	cell.tls_verified = -1;
	cell.elapsed_ms = flags * 3.5;
	cell.is_done = true;
	fuzz_nagios(&cell, cell.verdict);
	fuzz_prom(&cell);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[FUZZ_FIELDS];
	struct report_case *c;
	char *buf, *p, *end;
	size_t i;

	if (size == 0)
		return 0;
	buf = malloc(size);
	c = malloc(sizeof(*c));
	fuzz_check(buf != NULL && c != NULL);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;
	for (i = 0, p = buf; i < FUZZ_FIELDS; i++) {
		f[i] = p < end ? p : "";
		if (p < end)
			p += strlen(p) + 1;
	}
	fuzz_check(report_case_init(c));
	c->info.probe_id = f[2];
	c->info.profile = f[3];
	c->info.domain = f[4];
	c->info.mail_from = f[5];
	c->info.helo = f[6];
	c->info.source = f[7];
	fuzz_check(report_case_add_host(c, f[0], 10, "127.0.0.1", NULL));
	fuzz_check(report_case_add_host(c, "mx2.example.test", 20, NULL,
	    f[1]));
	fuzz_check(report_case_attempt(c, f[0], 10, "127.0.0.1", p < end ?
	    p : "", p < end ? (size_t)(end - p) : 0));
	c->r.verdict = c->r.attempts[0].verdict;
	c->info.exit_code = (int)c->r.verdict;
	c->r.elapsed_ms = 12.5;
	fuzz_text_and_json(c);
	fuzz_cell(f, data[0]);
	report_case_free(c);
	free(c);
	free(buf);
	return 0;
}
