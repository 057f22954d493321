/*
 * smtp_data - turn a message into what goes on the wire after DATA
 * (RFC 5321 4.5.2 and 4.1.1.4): CRLF line ends, a "." doubled at the start
 * of any line that begins with one, a final CRLF if the text lacks one,
 * and the terminating ".\r\n". Pure: bytes in, bytes out.
 */
#ifndef SMTPPROBE_SMTP_DATA_H
#define SMTPPROBE_SMTP_DATA_H

#include <stddef.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"

/*
 * smtp_data_encode - encode len bytes of msg into out (reset first), not
 * letting out pass max bytes. LF, CRLF and lone CR all end a line. The
 * number of message lines goes to *nlines.
 * Errors: SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
enum smtp_rc	smtp_data_encode(const char *msg, size_t len,
		    struct smtp_buf *out, size_t max, size_t *nlines);

#endif
