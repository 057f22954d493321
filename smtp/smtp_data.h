/*
 * smtp_data - the two ends of the DATA transaction, both pure.
 *
 * Out: turn a message into what goes on the wire after DATA (RFC 5321
 * 4.5.2 and 4.1.1.4): CRLF line ends, a "." doubled at the start of any
 * line that begins with one, a final CRLF if the text lacks one, and the
 * terminating ".\r\n". Bytes in, bytes out.
 *
 * Back: the receiving server's queue id, from its 2xx reply to the end
 * of the message: the handle an operator quotes when asking the provider
 * where a probe went. Each line of the reply is tried against the common
 * forms, first match wins:
 *   Postfix    "250 2.0.0 Ok: queued as 4XyZ123"          -> 4XyZ123
 *   Microsoft  "250 2.6.0 <id@host> [InternalId=123, ...]" -> 123
 *   Exim       "250 OK id=1qXyZa-000abc-Cd"                -> 1qXyZa-000abc-Cd
 *   Gmail      "250 2.0.0 OK  1699999999 a1-2.12 - gsmtp"
 *                                                -> 1699999999 a1-2.12
 *   Sendmail   "250 2.0.0 x8M3abc123 Message accepted for delivery"
 *                                                          -> x8M3abc123
 * Yahoo's "250 ok dirdel" names no id (dirdel is the same word for every
 * message, "delivered directly"), so it gives none, as does any reply
 * that matches no form. These are MTA software conventions, not provider
 * verdict phrases, which is why they sit here and not in profiles/.
 * An id is at most SMTP_DATA_QUEUE_ID_MAX - 1 bytes of printable ASCII
 * (spaces only inside Gmail's two-part id). A candidate that is longer or
 * holds any other byte is refused, never cut or cleaned: a half id would
 * send an operator after the wrong message.
 */
#ifndef SMTPPROBE_SMTP_DATA_H
#define SMTPPROBE_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_reply.h"

/* Real ids are under 64 bytes; Gmail's two parts together about 60. */
#define SMTP_DATA_QUEUE_ID_MAX	128

/*
 * smtp_data_encode - encode len bytes of msg into out (reset first), not
 * letting out pass max bytes. LF, CRLF and lone CR all end a line. The
 * number of message lines goes to *nlines.
 * Errors: SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
enum smtp_rc	smtp_data_encode(const char *msg, size_t len,
		    struct smtp_buf *out, size_t max, size_t *nlines);

/*
 * smtp_data_line_next - the next line of msg[0..len) from *pos on, cut
 * as smtp_data_encode() cuts lines (LF, CRLF or a lone CR ends one; a
 * last line without an end is a line). *line points into msg, *linelen
 * excludes the line end; *pos moves past it. Returns false at the end.
 * Whoever must see the message as it goes on the wire (the DKIM signer,
 * the message builder) cuts it with this.
 */
bool		smtp_data_line_next(const char *msg, size_t len, size_t *pos,
		    const char **line, size_t *linelen);

/*
 * smtp_data_parse_queue_id - write the queue id found in reply (borrowed)
 * to out, NUL-terminated, at most outlen bytes (SMTP_DATA_QUEUE_ID_MAX
 * holds every id kept); "" when there is none. Returns whether one was
 * found. Errors: none; no id is an empty string.
 */
bool		smtp_data_parse_queue_id(const struct smtp_reply *reply,
		    char *out, size_t outlen);

#endif
