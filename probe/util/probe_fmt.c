/*
 * probe_fmt - our own sentences into bounded buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe/util/probe_fmt.h"

void
probe_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	/* A cut keeps the start of our own sentence: acceptable. */
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

size_t
probe_fmt_keep(char *buf, size_t size, const char *src, size_t len)
{
	size_t keep = len < size ? len : size - 1;

	memcpy(buf, src, keep);
	buf[keep] = '\0';
	return keep;
}
