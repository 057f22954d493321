/*
 * smtp_buf - growable buffer with a ceiling.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_buf.h"

/* Small replies are the rule; start at a size that holds most in one go. */
#define SMTP_BUF_FIRST	256

enum smtp_rc
smtp_buf_append(struct smtp_buf *buf, const void *bytes, size_t n,
    size_t ceiling)
{
	size_t need, cap;
	char *p;

	if (n > ceiling || buf->len > ceiling - n)
		return SMTP_E_LIMIT;
	need = buf->len + n + 1;
	if (need > buf->cap) {
		cap = buf->cap ? buf->cap : SMTP_BUF_FIRST;
		while (cap < need)
			cap *= 2;
		p = realloc(buf->data, cap);
		if (p == NULL)
			return SMTP_E_NOMEM;
		buf->data = p;
		buf->cap = cap;
	}
	if (n > 0)
		memcpy(buf->data + buf->len, bytes, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return SMTP_OK;
}

void
smtp_buf_free(struct smtp_buf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}
