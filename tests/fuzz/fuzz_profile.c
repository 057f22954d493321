/*
 * fuzz_profile - the YAML reader and the profile loader against whatever
 * bytes a profile file could hold.
 *
 * Input: the whole file. probe_yaml_load() and probe_profile_load() take
 * a path, so the bytes go into an anonymous memory file (memfd_create)
 * read back through /proc/self/fd/N: the loaders run unchanged, and no
 * file is left behind. Both loaders run on it; what they return must keep
 * the documented limits, and every error must be one non-empty line that
 * starts with the file's name.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/config/probe_profile.h"
#include "probe/util/probe_yaml.h"
#include "tests/fuzz/fuzz.h"

/* "/proc/self/fd/" and any int. */
#define FUZZ_PATH_MAX	32

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

/* An error of ours: one line, non-empty, naming the file first. */
static void
fuzz_check_err(const char *err, size_t size, const char *path)
{
	fuzz_check_buf(err, size);
	fuzz_require(err[0] != '\0');
	fuzz_require(strpbrk(err, "\r\n") == NULL);
	fuzz_require(strncmp(err, path, strlen(path)) == 0);
}

/* The bytes into a memory file; its fd, with its path in path. */
static int
fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_profile", MFD_CLOEXEC);
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

/* One entry of a loaded document. */
static void
fuzz_check_entry(const struct probe_yaml_entry *e)
{
	size_t j;

	fuzz_require(e->key != NULL);
	fuzz_require(e->line >= 1 && e->column >= 1);
	fuzz_require(e->nvalues <= PROBE_YAML_ITEMS_MAX);
	fuzz_require(e->is_list || e->nvalues == 1);
	for (j = 0; j < e->nvalues; j++)
		fuzz_require(e->values[j] != NULL);
}

static void
fuzz_yaml(const char *path)
{
	struct probe_yaml_doc doc;
	char err[PROBE_YAML_ERR_MAX];
	size_t i, j;

	if (probe_yaml_load(path, &doc, err, sizeof(err)) != 0) {
		fuzz_check_err(err, sizeof(err), path);
		probe_yaml_free(&doc);
		return;
	}
	fuzz_require(doc.path != NULL && strcmp(doc.path, path) == 0);
	fuzz_require(doc.nentries <= PROBE_YAML_KEYS_MAX);
	for (i = 0; i < doc.nentries; i++) {
		fuzz_check_entry(&doc.entries[i]);
		for (j = 0; j < i; j++)
			fuzz_require(strcmp(doc.entries[i].key,
			    doc.entries[j].key) != 0);
	}
	probe_yaml_free(&doc);
	fuzz_require(doc.path == NULL && doc.nentries == 0);
}

static void
fuzz_profile(const char *path)
{
	struct probe_profile p;
	char err[PROBE_PROFILE_ERR_MAX];
	size_t i;

	if (probe_profile_load(path, &p, err, sizeof(err)) != 0) {
		fuzz_check_err(err, sizeof(err), path);
		return;
	}
	fuzz_check_buf(p.name, sizeof(p.name));
	fuzz_require(p.name[0] != '\0');
	fuzz_check_buf(p.provider, sizeof(p.provider));
	fuzz_check_buf(p.description, sizeof(p.description));
	fuzz_require(strpbrk(p.description, "\r\n") == NULL);
	fuzz_require(strcmp(p.path, path) == 0);
	fuzz_require(p.port >= 0 && p.port <= 65535);
	fuzz_require(p.nmx_patterns <= PROBE_PROFILE_PATTERNS_MAX);
	for (i = 0; i < p.nmx_patterns; i++)
		fuzz_check_buf(p.mx_patterns[i], sizeof(p.mx_patterns[i]));
	fuzz_require(p.ncatalogs <= PROBE_PROFILE_CATALOGS_MAX);
	for (i = 0; i < p.ncatalogs; i++)
		fuzz_check_buf(p.catalogs[i], sizeof(p.catalogs[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FUZZ_PATH_MAX];
	int fd;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	fuzz_yaml(path);
	fuzz_profile(path);
	fuzz_require(close(fd) == 0);
	return 0;
}
