/*
 * tmp_dir - a private directory under $TMPDIR (or /tmp) for tests that
 * read files: write a file with exact bytes (NUL and junk included), get
 * its path, and remove the directory and everything written into it.
 */
#ifndef SMTPPROBE_TESTS_TMP_DIR_H
#define SMTPPROBE_TESTS_TMP_DIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define TMP_DIR_FILES_MAX	16

struct tmp_dir {
	char	path[PATH_MAX];			/* "" until made */
	char	files[TMP_DIR_FILES_MAX][PATH_MAX];
	size_t	nfiles;
};

/* tmp_dir_make - create the directory. Returns false on failure. */
bool		 tmp_dir_make(struct tmp_dir *d);

/*
 * tmp_dir_write - write len bytes to name inside the directory (created
 * or truncated). Returns the file's path, valid until tmp_dir_remove(),
 * or NULL on failure.
 */
const char	*tmp_dir_write(struct tmp_dir *d, const char *name,
		    const void *bytes, size_t len);

/* tmp_dir_path - the path name would have; NULL when it does not fit. */
const char	*tmp_dir_path(struct tmp_dir *d, const char *name, char *out,
		    size_t outlen);

/* tmp_dir_remove - remove what was written and the directory; zero d. */
void		 tmp_dir_remove(struct tmp_dir *d);

#endif
