/*
 * fuzz_explain - explain's input parser (probe_explain.h) against whatever
 * text people paste or logs hold: mail logs, bounces, raw replies.
 *
 * Input: the text. It is scanned as a stream (fmemopen) with
 * probe_explain_scan_init() and probe_explain_next(), as "smtpprobe
 * explain" reads a file; every reply found must keep the limits of the
 * header, its raw form must render as printable text and as JSON, and
 * every 4xx/5xx reply is matched against the shipped catalogs, as explain
 * does. Then the whole input is given to probe_explain_parse() as one
 * line (line breaks turned into spaces, as the header asks), in a buffer
 * of exactly its size.
 *
 * The shipped catalogs are loaded once, from the profiles/ folder found
 * as the program finds it (next to the binary or two levels up, the
 * build tree), else from SRCDIR when the build defines it. A harness
 * that cannot find them still fuzzes the parser and skips matching. The
 * loaded catalog is the one piece of state kept across inputs: loading
 * 2000 patterns per input would leave no time for the parser.
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/util/probe_escape.h"
#include "probe/catalog/probe_explain.h"
#include "probe/util/probe_datadir.h"
#include "tests/fuzz/fuzz.h"

struct fuzz_catalogs {
	struct probe_catalog	 c;
	bool			 is_tried;
	bool			 is_loaded;
};

/* Loaded on the first input, kept to the end (see above). */
static struct fuzz_catalogs fuzz_shipped;

static void
fuzz_require(bool cond)
{
	if (!cond)
		abort();
}

static void
fuzz_check_buf(const char *s, size_t size)
{
	fuzz_require(memchr(s, '\0', size) != NULL);
}

static int
fuzz_is_yaml(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0;
}

/* Every *.yaml of dir/catalogs, in name order; 0 when all loaded. */
static int
fuzz_load_dir(struct probe_catalog *c, const char *dir)
{
	char sub[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	char err[PROBE_CATALOG_ERR_MAX];
	struct dirent **names = NULL;
	int i, n, rc = 0;

	if (snprintf(sub, sizeof(sub), "%s/catalogs", dir) >= (int)sizeof(sub))
		return -1;
	n = scandir(sub, &names, fuzz_is_yaml, alphasort);
	if (n <= 0)
		rc = -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && (snprintf(path, sizeof(path), "%s/%s", sub,
		    names[i]->d_name) >= (int)sizeof(path) ||
		    probe_catalog_load_file(c, path, false, err,
		    sizeof(err)) != 0))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static void
fuzz_load_shipped(struct fuzz_catalogs *s)
{
	char dir[PATH_MAX], err[PROBE_CATALOG_ERR_MAX];

	s->is_tried = true;
	fuzz_require(probe_catalog_init(&s->c, true, err, sizeof(err)) == 0);
	if (probe_datadir_find(dir, sizeof(dir), err, sizeof(err)) == 0 &&
	    fuzz_load_dir(&s->c, dir) == 0) {
		s->is_loaded = true;
		return;
	}
#ifdef SRCDIR
	probe_catalog_free(&s->c);
	fuzz_require(probe_catalog_init(&s->c, true, err, sizeof(err)) == 0);
	if (fuzz_load_dir(&s->c, SRCDIR "/profiles") == 0) {
		s->is_loaded = true;
		return;
	}
#endif
	/* No catalogs: fuzz the parser alone. */
	probe_catalog_free(&s->c);
}

/* What the renderers make of server text: printable, and one line. */
static void
fuzz_check_render(const char *s, size_t len)
{
	char *out = NULL;
	size_t outlen = 0, i;
	FILE *fp = open_memstream(&out, &outlen);

	fuzz_require(fp != NULL);
	probe_escape_text(fp, s, len);
	fuzz_require(fclose(fp) == 0);
	fuzz_require(outlen == probe_escape_text_len(s, len));
	for (i = 0; i < outlen; i++)
		fuzz_require(out[i] >= 0x20 && out[i] < 0x7f);
	free(out);
	fp = open_memstream(&out, &outlen);
	fuzz_require(fp != NULL);
	/* Replaced or not, the output must be JSON text. */
	(void)probe_escape_json(fp, s, len);
	fuzz_require(fclose(fp) == 0);
	fuzz_require(outlen >= 2 && out[0] == '"' && out[outlen - 1] == '"');
	for (i = 0; i < outlen; i++)
		fuzz_require((unsigned char)out[i] >= 0x20);
	free(out);
}

static void
fuzz_check_reply(const struct probe_explain_reply *r)
{
	/* A bare reply (no code found) may carry a code glued to a word. */
	fuzz_require(r->is_bare ? r->code == 0 ||
	    (r->code >= 400 && r->code <= 599) :
	    r->code >= 200 && r->code <= 599);
	fuzz_check_buf(r->enhanced, sizeof(r->enhanced));
	fuzz_check_buf(r->host, sizeof(r->host));
	fuzz_require(!r->has_stage || (unsigned)r->stage < SMTP_STAGE_COUNT);
	fuzz_require(r->text != NULL && r->len < PROBE_EXPLAIN_LINE_MAX);
	fuzz_require(r->raw != NULL && r->rawlen < PROBE_EXPLAIN_LINE_MAX);
	fuzz_check_render(r->raw, r->rawlen);
	fuzz_check_render(r->host, strlen(r->host));
}

/* The diagnosis as explain makes it: verdict, then the three layers. */
static void
fuzz_match(const struct probe_explain_reply *r)
{
	struct probe_explain_diag d;
	const struct probe_catalog_match *m = &d.match;
	size_t i;

	if (!fuzz_shipped.is_loaded)
		return;
	probe_explain_decide(&fuzz_shipped.c, r, NULL, NULL, &d);
	fuzz_require(strlen(probe_explain_verdict_name(&d)) > 0);
	fuzz_require(m->ncaptures <= PROBE_CATALOG_CAPTURES_MAX);
	fuzz_require((m->entry == NULL) ==
	    (m->layer == PROBE_CATALOG_LAYER_NONE));
	fuzz_require(m->phrase == NULL || m->entry != NULL);
	for (i = 0; i < m->ncaptures; i++)
		fuzz_check_buf(m->captures[i].value,
		    sizeof(m->captures[i].value));
}

static void
fuzz_scan(const uint8_t *data, size_t size)
{
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	unsigned long last = 0;
	FILE *fp;
	int rc;

	/* fmemopen() does not write in "r" mode; it takes void * anyway. */
	fp = fmemopen((void *)(uintptr_t)data, size, "r");
	if (fp == NULL) {
		fuzz_require(size == 0);	/* older glibc refuse 0 bytes */
		return;
	}
	fuzz_require(probe_explain_scan_init(&s, fp) == 0);
	while ((rc = probe_explain_next(&s, &r)) == 1) {
		fuzz_check_reply(&r);
		fuzz_require(r.line >= 1 && r.line >= last);
		last = r.line;
		fuzz_match(&r);
	}
	fuzz_require(rc == 0);
	probe_explain_scan_free(&s);
	fuzz_require(fclose(fp) == 0);
}

static void
fuzz_parse_one_line(const uint8_t *data, size_t size)
{
	struct probe_explain_reply r;
	char *line, *text, *raw;
	size_t i;

	line = malloc(size > 0 ? size : 1);
	text = malloc(PROBE_EXPLAIN_LINE_MAX);
	raw = malloc(PROBE_EXPLAIN_LINE_MAX);
	fuzz_require(line != NULL && text != NULL && raw != NULL);
	for (i = 0; i < size; i++)
		line[i] = data[i] == '\r' || data[i] == '\n' ? ' ' :
		    (char)data[i];
	if (probe_explain_parse(line, size, &r, text, raw)) {
		fuzz_require(r.text == text && r.raw == raw);
		fuzz_check_reply(&r);
		fuzz_match(&r);
	}
	free(raw);
	free(text);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_shipped.is_tried)
		fuzz_load_shipped(&fuzz_shipped);
	fuzz_scan(data, size);
	fuzz_parse_one_line(data, size);
	return 0;
}
