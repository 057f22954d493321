/*
 * smtp_reply - read and frame one complete SMTP reply (all its lines).
 *
 * Framing follows RFC 5321 4.2: each line is three digits (the first 2-5),
 * then "-" for a line that is followed by more, or a space or the end of
 * the line for the last one; every line of one reply carries the same
 * code. The enhanced status code (RFC 3463, announced per RFC 2034) is
 * taken from the text after the code when its class matches the code's.
 * Lines are stored verbatim, without their CRLF, in arrival order: nothing
 * is cleaned, escaping is the reporters' job.
 *
 * Limits: SMTP_REPLY_LINE_MAX bytes per line and SMTP_REPLY_LINES_MAX lines
 * per reply. Crossing either is SMTP_E_LIMIT; a broken frame is
 * SMTP_E_PROTO. In both cases the lines seen so far stay in the reply as
 * evidence, with is_complete false. A bare LF is accepted and recorded in
 * has_bare_lf.
 *
 * Errors: SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_TLS, SMTP_E_TLS_PLAIN_PORT,
 * SMTP_E_PROTO, SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
#ifndef SMTPPROBE_SMTP_REPLY_H
#define SMTPPROBE_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"

/*
 * RFC 5321 4.5.3.1.5 allows 512 octets per reply line; real servers send
 * longer ones (long URLs, tracking ids), so accept 8 KiB before calling
 * it hostile.
 */
#define SMTP_REPLY_LINE_MAX	8192
/* Real replies have fewer than 20 lines; 500 is far past any honest one. */
#define SMTP_REPLY_LINES_MAX	500
/* "5.7.26" and the longest legal "5.999.999" fit. */
#define SMTP_REPLY_ENHANCED_MAX	12

struct smtp_reply {
	int		 code;		/* 200-599; 0 when no line framed */
	char		 enhanced[SMTP_REPLY_ENHANCED_MAX]; /* "" if none */
	struct smtp_buf	 text;		/* lines, each followed by a NUL */
	size_t		*offs;		/* start of each line in text */
	size_t		*lens;		/* length of each line */
	size_t		 nlines;
	size_t		 cap;		/* slots in offs/lens */
	bool		 is_complete;	/* last line framed */
	bool		 has_bare_lf;
};

/* smtp_reply_init - zero a reply; smtp_reply_free() is safe after it. */
void		smtp_reply_init(struct smtp_reply *reply);
/* smtp_reply_free - free lines, leave the reply zeroed. */
void		smtp_reply_free(struct smtp_reply *reply);

/*
 * smtp_reply_read - read one complete reply from io before the deadline.
 * Borrows io; reply is reset first and owns its lines until freed. A
 * 4xx/5xx reply is SMTP_OK: it is a result, not an error.
 * Errors: SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_TLS, SMTP_E_TLS_PLAIN_PORT,
 * SMTP_E_PROTO, SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
enum smtp_rc	smtp_reply_read(struct smtp_io *io, struct smtp_reply *reply,
		    int64_t deadline_ms, struct smtp_err *err);

/*
 * smtp_reply_line - line i (0-based) and its length. Borrowed: valid until
 * the reply is read into again or freed. NULL when i is out of range.
 */
const char	*smtp_reply_line(const struct smtp_reply *reply, size_t i,
		    size_t *len);

/*
 * smtp_reply_parse_line - check one line's frame. Sets *code and *is_last.
 * Returns false for anything that is not "DDD", "DDD-..." or "DDD ..."
 * with the first digit 2-5, or that holds a NUL byte.
 */
bool		smtp_reply_parse_line(const char *line, size_t len, int *code,
		    bool *is_last);

/*
 * smtp_reply_parse_enhanced - find an RFC 3463 code "c.sss.ddd" at the
 * start of text (after the reply code and separator). The class must
 * equal the reply code's first digit. Writes it NUL-terminated to out
 * (SMTP_REPLY_ENHANCED_MAX bytes) and returns its length, or 0 when there
 * is none.
 */
size_t		smtp_reply_parse_enhanced(const char *text, size_t len,
		    int code, char *out);

/* How much of a server's bytes our one-line error messages quote. */
#define SMTP_REPLY_QUOTE_MAX	48

/*
 * smtp_reply_quote - the first SMTP_REPLY_QUOTE_MAX bytes of a server's
 * text for one of our error messages, every byte outside printable ASCII
 * (and the backslash) written as \xNN, "..." when cut, NUL-terminated in
 * out (at most outlen bytes; 4 * SMTP_REPLY_QUOTE_MAX + 8 always fits).
 */
void		smtp_reply_quote(const char *bytes, size_t len, char *out,
		    size_t outlen);

/*
 * smtp_reply_add_line - append a line to a reply without framing checks
 * (for evidence of broken replies and for tests).
 * Errors: SMTP_E_LIMIT (too many lines), SMTP_E_NOMEM.
 */
enum smtp_rc	smtp_reply_add_line(struct smtp_reply *reply, const char *line,
		    size_t len);

#endif
