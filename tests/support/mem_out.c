/*
 * mem_out - output capture for renderer tests.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/support/mem_out.h"

FILE *
mem_out_open(struct mem_out *o)
{
	memset(o, 0, sizeof(*o));
	o->fp = open_memstream(&o->data, &o->len);
	return o->fp;
}

const char *
mem_out_close(struct mem_out *o)
{
	if (o->fp != NULL) {
		/* A memory stream fails to close only when out of memory. */
		if (fclose(o->fp) != 0) {
			free(o->data);
			o->data = NULL;
			o->len = 0;
		}
		o->fp = NULL;
	}
	return o->data;
}

void
mem_out_free(struct mem_out *o)
{
	(void)mem_out_close(o);	/* only to release the stream */
	free(o->data);
	memset(o, 0, sizeof(*o));
}
