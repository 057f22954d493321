/*
 * tmp_dir - scratch directories for file-reading tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/tmp_dir.h"

bool
tmp_dir_make(struct tmp_dir *d)
{
	const char *base = getenv("TMPDIR");
	int n;

	memset(d, 0, sizeof(*d));
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(d->path, sizeof(d->path), "%s/smtpprobe-test-XXXXXX",
	    base);
	if (n < 0 || (size_t)n >= sizeof(d->path) || mkdtemp(d->path) == NULL) {
		d->path[0] = '\0';
		return false;
	}
	return true;
}

const char *
tmp_dir_path(struct tmp_dir *d, const char *name, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s/%s", d->path, name);

	/* Built aside: out may be one of d's own buffers (-Wrestrict). */
	if (n < 0 || (size_t)n >= outlen || (size_t)n >= sizeof(buf))
		return NULL;
	memcpy(out, buf, (size_t)n + 1);
	return out;
}

const char *
tmp_dir_write(struct tmp_dir *d, const char *name, const void *bytes,
    size_t len)
{
	char *path;
	FILE *fp;
	size_t i;
	bool ok;

	for (i = 0; i < d->nfiles; i++)
		if (strcmp(strrchr(d->files[i], '/') + 1, name) == 0)
			break;
	if (i == TMP_DIR_FILES_MAX || strchr(name, '/') != NULL)
		return NULL;
	path = d->files[i];
	if (tmp_dir_path(d, name, path, sizeof(d->files[i])) == NULL)
		return NULL;
	if (i == d->nfiles)
		d->nfiles++;
	fp = fopen(path, "wb");
	if (fp == NULL)
		return NULL;
	ok = fwrite(bytes, 1, len, fp) == len;
	ok = fclose(fp) == 0 && ok;
	return ok ? path : NULL;
}

void
tmp_dir_remove(struct tmp_dir *d)
{
	size_t i;

	/* Best effort: a file already gone is what we want anyway. */
	for (i = 0; i < d->nfiles; i++)
		(void)unlink(d->files[i]);
	if (d->path[0] != '\0')
		(void)rmdir(d->path);
	memset(d, 0, sizeof(*d));
}
