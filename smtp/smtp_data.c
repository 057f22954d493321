/*
 * smtp_data - line-end normalisation and dot-stuffing.
 */
#include <string.h>

#include "smtp/smtp_data.h"

/* Append one line (without its end) stuffed, plus CRLF. */
static enum smtp_rc
smtp_data_line(struct smtp_buf *out, const char *line, size_t len,
    size_t max)
{
	enum smtp_rc rc = SMTP_OK;

	/* RFC 5321 4.5.2: a line starting with "." gets one more. */
	if (len > 0 && line[0] == '.')
		rc = smtp_buf_append(out, ".", 1, max);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, line, len, max);
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, "\r\n", 2, max);
	return rc;
}

enum smtp_rc
smtp_data_encode(const char *msg, size_t len, struct smtp_buf *out,
    size_t max, size_t *nlines)
{
	enum smtp_rc rc = SMTP_OK;
	size_t i = 0, start;

	out->len = 0;
	*nlines = 0;
	while (i < len && rc == SMTP_OK) {
		start = i;
		while (i < len && msg[i] != '\r' && msg[i] != '\n')
			i++;
		rc = smtp_data_line(out, msg + start, i - start, max);
		(*nlines)++;
		if (i < len && msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
	}
	if (rc == SMTP_OK)
		rc = smtp_buf_append(out, ".\r\n", 3, max);
	return rc;
}
