/*
 * probe_file - regular files only. See probe_file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/util/probe_file.h"

/* What a file that is not regular is, in words. */
static const char *
probe_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

FILE *
probe_file_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd, flags, error;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		error = errno;
		(void)close(fd);	/* read-only, never read */
		(void)snprintf(err, errlen, "%s: %s", path, strerror(error));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);	/* read-only, never read */
		(void)snprintf(err, errlen, "%s: not a regular file (%s)",
		    path, probe_file_kind(st.st_mode));
		return NULL;
	}
	/* A regular file never blocks; clear the flag all the same. */
	flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1 ||
	    (fp = fdopen(fd, "rb")) == NULL) {
		error = errno;
		(void)close(fd);	/* read-only, never read */
		(void)snprintf(err, errlen, "%s: %s", path, strerror(error));
		return NULL;
	}
	return fp;
}
