/*
 * probe_lock - the lock that keeps configured send runs one at a time
 * (cron safety), and where it lives by default.
 *
 * The default must be a place no other local user can reach first: in a
 * world-writable folder (/tmp, /run/lock) anyone may create the file
 * before us and hold it, so that every run exits "another run holds the
 * lock", or put a symbolic link there to aim our O_CREAT elsewhere. So
 * the default lock is "smtpprobe.lock" in a folder of our own: 
 * $XDG_RUNTIME_DIR when it is ours; else, for root, /run/smtpprobe;
 * else ${TMPDIR:-/tmp}/smtpprobe-UID. The last two are created (0700)
 * when missing. A folder that is not a real directory owned by us and
 * closed to group and others, a lock file owned by someone else, and a
 * symbolic link in the lock's place are refused, never used or
 * followed. The systemd unit gives its own folder with --lock-file.
 *
 * An explicit --lock-file is the operator's choice and is taken as
 * given: a file that exists but is not ours to write (root's, or one
 * that fs.protected_regular keeps us from opening with O_CREAT) is
 * opened read-only, as flock(2) needs no write access.
 *
 * The lock is held until the process exits: the descriptor is never
 * closed before that.
 *
 * Errors: -1 with one line in err: the lock is held by another run (and
 * wait is false), or a refused folder or file, or the system's reason.
 */
#ifndef SMTPPROBE_PROBE_LOCK_H
#define SMTPPROBE_PROBE_LOCK_H

#include <stdbool.h>
#include <stddef.h>

/* Root's default folder: /run is root's alone, unlike /run/lock. */
#define PROBE_LOCK_ROOT_DIR	"/run/smtpprobe"
#define PROBE_LOCK_NAME		"smtpprobe.lock"
/* A folder we create for the lock: ours alone. */
#define PROBE_LOCK_DIR_MODE	0700
#define PROBE_LOCK_FILE_MODE	0600

/*
 * probe_lock_take - lock path (NULL: the default above), waiting for it
 * when wait is true. Borrows path. Returns 0 with the lock held until
 * exit, or -1 with err filled.
 */
int	probe_lock_take(const char *path, bool wait, char *err,
	    size_t errlen);

#endif
