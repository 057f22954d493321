/*
 * mem_io - the in-memory smtp_io transport of the unit tests: the server's
 * bytes come from a string, in chunks of a chosen size (1 feeds a reply a
 * byte at a time), and what the client writes is kept for assertions.
 * When the string is used up a read reports end of stream, or a timeout
 * when is_silent_at_end is set.
 */
#ifndef SMTPPROBE_TESTS_MEM_IO_H
#define SMTPPROBE_TESTS_MEM_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_io.h"

struct mem_io {
	const char	*in;
	size_t		 inlen;
	size_t		 inpos;
	size_t		 chunk;		/* bytes per read; 0: all at once */
	bool		 is_silent_at_end;
	struct smtp_buf	 out;		/* every byte the client wrote */
	size_t		 reads;
};

extern const struct smtp_io_ops mem_io_ops;

/* mem_io_set - start a script; in is borrowed (length from strlen). */
void	mem_io_set(struct mem_io *m, const char *in, size_t chunk);
/* mem_io_set_bytes - as above with an explicit length (NUL bytes). */
void	mem_io_set_bytes(struct mem_io *m, const char *in, size_t len,
	    size_t chunk);
void	mem_io_free(struct mem_io *m);

#endif
