/*
 * probe_message - the controlled test message: a unique probe id, and a
 * short plain-text message that says what it is, with the headers a
 * receiver checks (Date, From, To, Subject, Message-ID; RFC 5322 3.6).
 *
 * The probe id is in the Subject, in an X-Smtpprobe-Id header and in the
 * Message-ID, so the message can be found in the test mailbox and matched
 * to the report that sent it.
 *
 * The message operators really send: extra header fields ("Name: value",
 * --header), List-Unsubscribe with one-click List-Unsubscribe-Post (RFC
 * 8058, --list-unsubscribe), or instead of our message the operator's own
 * RFC 5322 message (--message): its header fields kept in order, the
 * probe id added to its Subject and as X-Smtpprobe-Id, the extra fields
 * added before its body, its DKIM-Signature and X-Smtpprobe-Id fields
 * dropped (the Subject changes, so an old signature would only fail),
 * its body kept byte for byte.
 *
 * Limits: PROBE_MESSAGE_HEADERS_MAX extra fields, each at most
 * PROBE_MESSAGE_FIELD_MAX bytes (RFC 5322 2.1.1: 998 characters a line).
 *
 * The Subject is folded at blanks into lines within 78 characters where
 * it can be (RFC 5322 2.1.1, 2.2.3); a subject that is not ASCII goes as
 * RFC 2047 encoded-words (UTF-8, base64). An empty From: is never
 * written.
 *
 * Errors: -1 with one line in err (a header value holding a line break
 * or another control byte, a subject that is not UTF-8 or has a word too
 * long to fold, no From: address, a field name we set ourselves, an own
 * message without From or Date, no room).
 */
#ifndef SMTPPROBE_PROBE_MESSAGE_H
#define SMTPPROBE_PROBE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtp/smtp_buf.h"

#define PROBE_ID_MAX		40
/* The message we build; a body file is bounded by SMTP_DIALOG_MESSAGE_MAX. */
#define PROBE_MESSAGE_MAX	(1024u * 1024 + 8192)
#define PROBE_MESSAGE_HEADERS_MAX	16
/* RFC 5322 2.1.1: a line is at most 998 characters. */
#define PROBE_MESSAGE_FIELD_MAX		998
/*
 * --subject: folded at blanks into lines of at most 998 characters, so a
 * word (a run without a blank) must leave room for "Subject: " and the
 * probe id; and the whole of it stays a subject, not a document.
 */
#define PROBE_MESSAGE_WORD_MAX		900
#define PROBE_MESSAGE_SUBJECT_MAX	4096
/* RFC 5321 4.5.3.1.3: a path is at most 256 octets, and a NUL. */
#define PROBE_MESSAGE_ADDR_MAX		257

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
	const char *const	*headers;	/* "Name: value", extra */
	size_t			 nheaders;
	const char		*list_unsubscribe;	/* https URL, or NULL */
	const char		*own;		/* --message: whole message */
	size_t			 own_len;
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

/*
 * probe_message_own_from - the address of the From: field of the own
 * message msg (the first addr-spec: between < and >, or the bare value),
 * into out. Returns false when there is no From: or no address in it.
 */
bool	probe_message_own_from(const char *msg, size_t len, char *out,
	    size_t outlen);

#endif
