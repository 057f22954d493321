/*
 * probe_file - open a file the operator named (a body, a config, a
 * catalog, a profile) for reading, refusing anything that is not a
 * regular file before the first read.
 *
 * Why: fopen() on a FIFO blocks until a writer comes, a read from a tty
 * or another device waits for input, and a directory fails only at the
 * first read with a confusing EISDIR. The file is opened with O_NONBLOCK
 * (so opening a FIFO returns at once), checked with fstat(), and only a
 * regular file is handed back, in blocking mode again. Symbolic links
 * are followed: the operator may keep a config behind one.
 *
 * Errors: NULL with "PATH: why" in err (one line): the system's reason,
 * or "not a regular file (a FIFO)", "(a directory)", "(a device)", "(a
 * socket)".
 */
#ifndef SMTPPROBE_PROBE_FILE_H
#define SMTPPROBE_PROBE_FILE_H

#include <stddef.h>
#include <stdio.h>

/*
 * probe_file_open - path opened read-only ("rb") as a stream, or NULL
 * with err filled. Borrows path. The caller fclose()s the stream.
 */
FILE	*probe_file_open(const char *path, char *err, size_t errlen);

#endif
