/*
 * probe_message - the controlled test message: a unique probe id, and a
 * short plain-text message that says what it is, with the headers a
 * receiver checks (Date, From, To, Subject, Message-ID; RFC 5322 3.6).
 *
 * The probe id is in the Subject, in an X-Smtpprobe-Id header and in the
 * Message-ID, so the message can be found in the test mailbox and matched
 * to the report that sent it.
 *
 * Errors: -1 with one line in err (a header value holding a line break,
 * no room).
 */
#ifndef SMTPPROBE_PROBE_MESSAGE_H
#define SMTPPROBE_PROBE_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "smtp/smtp_buf.h"

#define PROBE_ID_MAX		40
/* The message we build; a body file is bounded by SMTP_DIALOG_MESSAGE_MAX. */
#define PROBE_MESSAGE_MAX	(1024u * 1024 + 8192)

struct probe_message_opts {
	const char		*probe_id;
	const char		*header_from;
	const char *const	*to;
	size_t			 nto;
	const char		*subject;	/* NULL: ours */
	const char		*body;		/* NULL: ours */
	size_t			 body_len;
	const char		*id_domain;	/* right side of Message-ID */
	time_t			 now;
};

/*
 * probe_message_new_id - a fresh id, "sp-" then the time and 48 random
 * bits in hex, NUL-terminated in out (PROBE_ID_MAX bytes).
 */
void	probe_message_new_id(char *out, size_t outlen, time_t now);

/*
 * probe_message_build - write the message into out (reset first), with
 * LF line ends (the SMTP layer makes them CRLF).
 * Returns 0, or -1 with err filled.
 */
int	probe_message_build(const struct probe_message_opts *o,
	    struct smtp_buf *out, char *err, size_t errlen);

#endif
