/*
 * fuzz_config - the configuration loader (the operator's sending paths,
 * probe_config.h) against whatever bytes a smtpprobe.yaml could hold.
 *
 * Input: the whole file, in an anonymous memory file (memfd_create) read
 * back through /proc/self/fd/N, so probe_config_load() runs unchanged on
 * a path and never looks at the default places. An error must be one
 * non-empty line naming the file first, a reader error (a control byte,
 * bad UTF-8) on the line it is on (yaml_loc.h); a loaded config must
 * keep the documented limits and the rules of the header: unique names, a
 * mail_from and an address per recipient, no CR, LF, space, < or > in
 * addresses, no space in a HELO name. probe_config_free() leaves the
 * struct zeroed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/config/probe_config.h"
#include "tests/fuzz/fuzz.h"
#include "tests/support/yaml_loc.h"

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

/* The bytes into a memory file; its fd, with its path in path. */
static int
fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_config", MFD_CLOEXEC);
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

/* An address as the command line would take it; empty when allowed. */
static void
fuzz_check_addr(const char *s, size_t size, bool may_be_empty)
{
	fuzz_check_buf(s, size);
	fuzz_require(may_be_empty || s[0] != '\0');
	fuzz_require(strpbrk(s, "\r\n <>") == NULL);
}

static void
fuzz_check_path(const struct probe_config *c,
    const struct probe_config_path *p)
{
	size_t i, j;

	fuzz_check_buf(p->name, sizeof(p->name));
	fuzz_require(p->name[0] != '\0');
	fuzz_require(probe_config_find(c, p->name) == p);
	fuzz_check_buf(p->source, sizeof(p->source));
	fuzz_check_buf(p->helo, sizeof(p->helo));
	fuzz_require(strpbrk(p->helo, "\r\n ") == NULL);
	fuzz_check_addr(p->mail_from, sizeof(p->mail_from), false);
	fuzz_check_addr(p->header_from, sizeof(p->header_from), true);
	fuzz_require(p->nrcpts <= PROBE_CONFIG_RCPTS_MAX);
	fuzz_require(p->line >= 1);
	for (i = 0; i < p->nrcpts; i++) {
		fuzz_check_buf(p->rcpts[i].profile,
		    sizeof(p->rcpts[i].profile));
		fuzz_check_addr(p->rcpts[i].address,
		    sizeof(p->rcpts[i].address), false);
		fuzz_require(probe_config_rcpt(p, p->rcpts[i].profile) !=
		    NULL);
		for (j = 0; j < i; j++)
			fuzz_require(strcmp(p->rcpts[i].profile,
			    p->rcpts[j].profile) != 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_config c;
	char path[FUZZ_PATH_MAX], err[PROBE_CONFIG_ERR_MAX];
	size_t i;
	int fd;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (probe_config_load(path, &c, err, sizeof(err)) != 0) {
		fuzz_check_buf(err, sizeof(err));
		fuzz_require(err[0] != '\0');
		fuzz_require(strpbrk(err, "\r\n") == NULL);
		fuzz_require(strncmp(err, path, strlen(path)) == 0);
		fuzz_require(yaml_loc_is_right(err, path, data, size));
	} else {
		fuzz_require(strcmp(c.file, path) == 0);
		fuzz_require(c.npaths <= PROBE_CONFIG_PATHS_MAX);
		for (i = 0; i < c.npaths; i++)
			fuzz_check_path(&c, &c.paths[i]);
	}
	probe_config_free(&c);
	fuzz_require(c.paths == NULL && c.npaths == 0);
	fuzz_require(close(fd) == 0);
	return 0;
}
