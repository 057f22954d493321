/*
 * fuzz_catalog - the catalog loader, catalog lint and the matcher against
 * whatever bytes a catalog file (profiles/catalogs/, --catalog,
 * /etc/smtpprobe/catalogs) could hold.
 *
 * Input: the whole file. probe_catalog_load_file() takes a path, so the
 * bytes go into an anonymous memory file (memfd_create) read back through
 * /proc/self/fd/N. Into a fresh catalog each time: an error must be one
 * non-empty line naming the file first, and a reader error (a control
 * byte, bad UTF-8) must name the line it is on (yaml_loc.h). When it
 * loads, every entry must keep the documented limits, probe_lint_run()
 * (which matches every entry's own examples) must report one line per
 * problem, and a fixed refusal and a fixed outcome are matched against it: captures within
 * their bounds, placeholders filled within the buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/catalog/probe_lint.h"
#include "tests/fuzz/fuzz.h"
#include "tests/support/yaml_loc.h"

/* "/proc/self/fd/" and any int. */
#define FUZZ_PATH_MAX	32
/* Room for a filled summary or remediation step. */
#define FUZZ_FILL_MAX	1024

/* The reply every loaded catalog is asked about (Gmail's 5.7.26). */
static const char fuzz_reply_text[] =
    "This mail is unauthenticated, which poses a security risk to the "
    "sender and Gmail users, and has been blocked. The sender must "
    "authenticate with at least one of SPF or DKIM. For this message, "
    "DKIM checks did not pass and SPF check for [example.com] did not "
    "pass with ip: [203.0.113.5]. gsmtp";

static void
fuzz_require(bool cond)
{
	if (!cond)
		abort();
}

/* A NUL-terminated string inside its buffer. */
static void
fuzz_check_buf(const char *s, size_t size)
{
	fuzz_require(memchr(s, '\0', size) != NULL);
}

/* One line of ours: non-empty, no line break. */
static void
fuzz_check_line(const char *s)
{
	fuzz_require(s != NULL && s[0] != '\0');
	fuzz_require(strpbrk(s, "\r\n") == NULL);
}

/* The bytes into a memory file; its fd, with its path in path. */
static int
fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_catalog", MFD_CLOEXEC);
	size_t done = 0;
	ssize_t n;

	/* No memory file means no test at all: a broken harness. */
	fuzz_require(fd >= 0);
	while (done < size) {
		n = write(fd, data + done, size - done);
		fuzz_require(n > 0);
		done += (size_t)n;
	}
	n = snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	fuzz_require(n > 0 && (size_t)n < pathlen);
	return fd;
}

/* A loaded entry keeps the limits probe_catalog.h promises. */
static void
fuzz_check_entry(const struct probe_catalog_entry *e)
{
	size_t i;

	fuzz_require(e->id != NULL && e->id[0] != '\0');
	fuzz_require(e->line >= 1);
	fuzz_require(e->npatterns <= PROBE_CATALOG_PATTERNS_MAX);
	fuzz_require(e->nremediation <= PROBE_CATALOG_STEPS_MAX);
	fuzz_require(e->nexamples <= PROBE_CATALOG_EXAMPLES_MAX);
	fuzz_require(e->code == 0 || (e->code >= 200 && e->code <= 599));
	fuzz_require(e->code_class == 0 || e->code_class == 4 ||
	    e->code_class == 5);
	fuzz_check_buf(e->enhanced, sizeof(e->enhanced));
	for (i = 0; i < e->npatterns; i++)
		fuzz_require(e->patterns[i] != NULL);
	for (i = 0; i < e->nexamples; i++)
		fuzz_require(e->examples[i] != NULL);
}

static void
fuzz_lint_line(void *arg, const char *line)
{
	size_t *n = arg;

	fuzz_check_line(line);
	(*n)++;
}

/* What a match gives: bounded captures, and text that fills in bounds. */
static void
fuzz_check_match(const struct probe_catalog_match *m)
{
	static const char *const ctx[] = { "domain", "example.com", "ip",
	    "203.0.113.5", NULL };
	char out[FUZZ_FILL_MAX];
	size_t i;

	fuzz_require(m->ncaptures <= PROBE_CATALOG_CAPTURES_MAX);
	for (i = 0; i < m->ncaptures; i++) {
		fuzz_check_buf(m->captures[i].name,
		    sizeof(m->captures[i].name));
		fuzz_check_buf(m->captures[i].value,
		    sizeof(m->captures[i].value));
	}
	if (m->entry == NULL)
		return;
	if (m->entry->summary != NULL) {
		probe_catalog_fill(m->entry->summary, m, ctx, out,
		    sizeof(out));
		fuzz_check_buf(out, sizeof(out));
	}
	for (i = 0; i < m->entry->nremediation; i++) {
		probe_catalog_fill(m->entry->remediation[i], m, ctx, out,
		    sizeof(out));
		fuzz_check_buf(out, sizeof(out));
	}
}

/* A refusal at end of data and a timeout with no reply. */
static void
fuzz_match_fixed(struct probe_catalog *c)
{
	struct probe_catalog_query q;
	struct probe_catalog_match m;

	memset(&q, 0, sizeof(q));
	q.code = 550;
	q.enhanced = "5.7.26";
	q.has_stage = true;
	q.stage = SMTP_STAGE_END_OF_DATA;
	q.text = fuzz_reply_text;
	q.len = sizeof(fuzz_reply_text) - 1;
	q.provider = "google";
	(void)probe_catalog_match(c, &q, &m);	/* none is a result too */
	fuzz_check_match(&m);
	/* From a named server, the catalog's own or another's: hosts:. */
	q.provider = NULL;
	q.hosts = probe_catalog_host_set(c, "gmail-smtp-in.l.google.com[::1]");
	(void)probe_catalog_match(c, &q, &m);
	fuzz_check_match(&m);
	q.hosts = probe_catalog_host_set(c, "mx1.smallisp.net");
	(void)probe_catalog_match(c, &q, &m);
	fuzz_check_match(&m);
	memset(&q, 0, sizeof(q));
	q.outcome = "timeout";
	q.has_stage = true;
	q.stage = SMTP_STAGE_BANNER;
	q.text = "";
	(void)probe_catalog_match(c, &q, &m);
	fuzz_check_match(&m);
}

static void
fuzz_catalog(const char *path, const uint8_t *data, size_t size)
{
	struct probe_catalog c;
	char err[PROBE_CATALOG_ERR_MAX];
	size_t i, problems = 0;

	fuzz_require(probe_catalog_init(&c, false, err, sizeof(err)) == 0);
	if (probe_catalog_load_file(&c, path, true, err, sizeof(err)) != 0) {
		fuzz_check_buf(err, sizeof(err));
		fuzz_check_line(err);
		fuzz_require(strncmp(err, path, strlen(path)) == 0);
		fuzz_require(yaml_loc_is_right(err, path, data, size));
		goto out;
	}
	fuzz_require(c.nentries <= PROBE_CATALOG_ENTRIES_MAX);
	for (i = 0; i < c.nentries; i++) {
		fuzz_check_entry(&c.entries[i]);
		fuzz_require(c.entries[i].is_user);
	}
	fuzz_require(probe_lint_run(&c, fuzz_lint_line, &problems) ==
	    problems);
	fuzz_match_fixed(&c);
out:
	probe_catalog_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX];
	int fd;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	fuzz_catalog(path, data, size);
	fuzz_require(close(fd) == 0);
	return 0;
}
