/*
 * probe_lock - the send runs' lock. See probe_lock.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/probe_lock.h"

/*
 * Why dir is no folder of ours, or NULL when it is: a directory (not a
 * link to one), owned by uid, that neither group nor others may write.
 */
static const char *
probe_lock_dir_problem(const char *dir, uid_t uid, struct stat *st)
{
	if (lstat(dir, st) != 0)
		return strerror(errno);
	if (!S_ISDIR(st->st_mode))
		return "not a directory (a symbolic link is not followed)";
	if (st->st_uid != uid)
		return "owned by another user";
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return "writable by group or others";
	return NULL;
}

/* $XDG_RUNTIME_DIR when it is ours (pam_systemd makes it so). */
static bool
probe_lock_xdg(uid_t uid, char *buf, size_t len)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;

	if (rt == NULL || rt[0] != '/' ||
	    probe_lock_dir_problem(rt, uid, &st) != NULL)
		return false;
	n = snprintf(buf, len, "%s/" PROBE_LOCK_NAME, rt);
	return n > 0 && (size_t)n < len;
}

/* The default lock's path into buf; -1 with err filled when refused. */
static int
probe_lock_default(char *buf, size_t len, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *tmp = getenv("TMPDIR"), *why;
	uid_t uid = geteuid();
	struct stat st;
	int n;

	if (probe_lock_xdg(uid, buf, len))
		return 0;
	if (uid == 0)
		n = snprintf(dir, sizeof(dir), "%s", PROBE_LOCK_ROOT_DIR);
	else
		n = snprintf(dir, sizeof(dir), "%s/smtpprobe-%lu",
		    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp",
		    (unsigned long)uid);
	if (n <= 0 || (size_t)n + sizeof("/" PROBE_LOCK_NAME) > len) {
		(void)snprintf(err, errlen, "lock folder: the path is too "
		    "long (give --lock-file)");
		return -1;
	}
	/* EEXIST: made before (by us or not); the check below decides. */
	if (mkdir(dir, PROBE_LOCK_DIR_MODE) != 0 && errno != EEXIST) {
		(void)snprintf(err, errlen, "lock folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((why = probe_lock_dir_problem(dir, uid, &st)) != NULL) {
		(void)snprintf(err, errlen, "lock folder %s: %s, so not "
		    "ours: refusing it (give --lock-file)", dir, why);
		return -1;
	}
	n = snprintf(buf, len, "%s/" PROBE_LOCK_NAME, dir);
	return n > 0 && (size_t)n < len ? 0 : -1;	/* fits: checked above */
}

/* The default lock file: ours, regular, never through a link. */
static int
probe_lock_open_default(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, error;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    PROBE_LOCK_FILE_MODE);
	if (fd < 0) {
		error = errno;
		(void)snprintf(err, errlen, "lock file %.512s: %s", path,
		    error == ELOOP ? "a symbolic link, not followed" :
		    strerror(error));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		(void)snprintf(err, errlen, "lock file %.512s: not a regular "
		    "file owned by us (owned by uid %lu): refusing it", path,
		    (unsigned long)st.st_uid);
		(void)close(fd);	/* never locked */
		return -1;
	}
	return fd;
}

/* An explicit --lock-file: as given, read-only when not ours to write. */
static int
probe_lock_open_given(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		(void)snprintf(err, errlen, "lock file %.512s: %s", path,
		    strerror(errno));
	return fd;
}

int
probe_lock_take(const char *path, bool wait, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	int fd;

	if (path != NULL)
		fd = probe_lock_open_given(path, err, errlen);
	else if (probe_lock_default(buf, sizeof(buf), err, errlen) != 0)
		return -1;
	else
		fd = probe_lock_open_default(path = buf, err, errlen);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0)
		return 0;	/* held until exit: fd stays open */
	if (errno == EWOULDBLOCK)
		(void)snprintf(err, errlen, "another smtpprobe run holds %.512s "
		    "(use --wait to run after it)", path);
	else
		(void)snprintf(err, errlen, "lock %.512s: %s", path,
		    strerror(errno));
	(void)close(fd);	/* not locked: nothing held */
	return -1;
}
