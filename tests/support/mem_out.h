/*
 * mem_out - capture what a renderer writes to a FILE, for assertions: an
 * open_memstream() stream and the bytes it holds once closed. The bytes
 * may contain NUL (a renderer that wrote one is what some tests look
 * for), so len, not strlen, is their length.
 */
#ifndef SMTPPROBE_TESTS_MEM_OUT_H
#define SMTPPROBE_TESTS_MEM_OUT_H

#include <stddef.h>
#include <stdio.h>

struct mem_out {
	FILE	*fp;		/* open between mem_out_open and _close */
	char	*data;		/* NUL-terminated after _close, owned */
	size_t	 len;
};

/* mem_out_open - start a capture; returns fp, or NULL on failure. */
FILE	*mem_out_open(struct mem_out *o);

/*
 * mem_out_close - end the capture; data and len then hold every byte
 * written. Returns data (never NULL after a successful open).
 */
const char *mem_out_close(struct mem_out *o);

/* mem_out_free - close if open, free, zero; safe on a zeroed struct. */
void	mem_out_free(struct mem_out *o);

#endif
