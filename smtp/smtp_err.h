/*
 * smtp_err - the error codes of the SMTP engine and the caller-owned struct
 * that carries our words about them.
 *
 * A server refusal (4xx, 5xx) is never an error here: it is a reply, and
 * the engine returns SMTP_OK with it. Errors are what kept us from getting
 * a reply at all: the network, the TLS layer, a server that broke the
 * protocol, a limit, a deadline, or bad input of our own.
 *
 * SMTP_E_STARTTLS_INJECTION is a security finding, not a network fault:
 * the server (or something on the path) sent bytes after its 220 to
 * STARTTLS and before the handshake, the STARTTLS command injection
 * (RFC 3207 5, CVE-2011-0411 family). The engine ends the attempt there,
 * without a handshake and without QUIT. Callers must treat it as a
 * definitive answer for the attempt: trying the next MX as if the
 * connection had merely failed would hide the finding.
 */
#ifndef SMTPPROBE_SMTP_ERR_H
#define SMTPPROBE_SMTP_ERR_H

#include <stdarg.h>

#define SMTP_ERR_MSG_MAX	512

enum smtp_rc {
	SMTP_OK = 0,
	SMTP_E_USAGE,		/* our own input is unusable (CR in HELO...) */
	SMTP_E_NOMEM,
	SMTP_E_BIND,		/* the source address cannot be bound */
	SMTP_E_CONNECT,		/* refused, unreachable, reset at connect */
	SMTP_E_IO,		/* read/write failed, or peer closed */
	SMTP_E_TIMEOUT,		/* a stage deadline passed */
	SMTP_E_PROTO,		/* the server broke RFC 5321 framing */
	SMTP_E_LIMIT,		/* the server crossed one of our bounds */
	SMTP_E_NOTLS,		/* STARTTLS required but not offered */
	SMTP_E_TLS,		/* TLS handshake or TLS I/O failed */
	SMTP_E_TLS_VERIFY,	/* certificate not verified, policy: require */
	SMTP_E_STARTTLS_INJECTION, /* bytes after the 220 to STARTTLS */
	SMTP_E_TLS_PLAIN_PORT,	/* a TLS record where a reply should start */
	SMTP_E_NOUTF8,		/* non-ASCII address, SMTPUTF8 not offered */
	SMTP_RC_COUNT
};

struct smtp_err {
	enum smtp_rc	rc;
	char		msg[SMTP_ERR_MSG_MAX];	/* our words, one line */
};

/*
 * smtp_err_set - set rc and format msg (truncated, never overflowed).
 * Returns rc so callers can write "return smtp_err_set(...)".
 */
enum smtp_rc	smtp_err_set(struct smtp_err *err, enum smtp_rc rc,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* smtp_err_clear - back to SMTP_OK with an empty message. */
void		smtp_err_clear(struct smtp_err *err);

/* smtp_err_name - stable lowercase token for an rc ("timeout"). */
const char	*smtp_err_name(enum smtp_rc rc);

#endif
