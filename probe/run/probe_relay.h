/*
 * probe_relay - one submission through a smarthost or submission server
 * (--relay), with libesmtp, recorded as a dialogue of our own.
 *
 * What it does: hands the envelope and the message to libesmtp, which
 * runs its own session loop (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA,
 * QUIT), and turns what libesmtp shows of it into the same struct
 * smtp_dialog a direct probe fills: every line the server sent, verbatim,
 * from libesmtp's protocol monitor; each command we sent, with every
 * credential of the AUTH exchange replaced by "[redacted]" before it is
 * stored anywhere; the time of each step; the TLS facts, from our own
 * SSL_CTX (tls_conn_hosted_new(): the relay's name checked, --tls-ca
 * honoured). Each step is then judged by the direct engine's own stage
 * handler (smtp_dialog_decide()), so the deciding step, acceptance, the
 * TLS policy and the queue id mean the same for both paths, and reports
 * and verdicts need nothing of their own for a relay.
 *
 * What it does not do, because libesmtp cannot: bind a source address,
 * dial an IPv6 address (its host:port is split at the first colon),
 * speak TLS from the first byte (port 465), or bound the TCP connect
 * (the kernel's timeout applies). The caller refuses those set-ups.
 * After every AUTH mechanism failed, libesmtp goes on to MAIL without
 * authentication (RFC 4954 allows a server to take mail for its own
 * domains); the AUTH refusal still decides the attempt.
 *
 * Limits: a command line is kept up to PROBE_RELAY_LINE_MAX bytes, a
 * reply line up to SMTP_REPLY_LINE_MAX, a reply up to
 * SMTP_REPLY_LINES_MAX lines, all replies up to the transcript's bound;
 * past those the step ends with SMTP_E_LIMIT. At most
 * PROBE_RELAY_PENDING_MAX commands may wait for their replies
 * (pipelining).
 *
 * Errors (probe_relay_run() and d->err.rc): those of smtp_dialog_run():
 * SMTP_E_USAGE, SMTP_E_CONNECT, SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_LIMIT,
 * SMTP_E_NOTLS, SMTP_E_TLS, SMTP_E_TLS_VERIFY, SMTP_E_NOMEM; a refusal
 * is a result (SMTP_OK), not an error.
 */
#ifndef SMTPPROBE_PROBE_RELAY_H
#define SMTPPROBE_PROBE_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_dialog.h"
#include "smtp/smtp_transcript.h"

/* Our commands are short; an AUTH PLAIN line with a long password is not. */
#define PROBE_RELAY_LINE_MAX	4096
/* MAIL, every RCPT and DATA may go in one pipelined batch. */
#define PROBE_RELAY_PENDING_MAX	(SMTP_RCPTS_MAX + 8)
/* RFC 587 is submission (RFC 6409 3.1). */
#define PROBE_RELAY_PORT	587
/* What stands in the transcript for every credential. */
#define PROBE_RELAY_REDACTED	"[redacted]"

struct probe_relay_opts {
	const char	*user;		/* NULL: no AUTH */
	const char	*password;	/* with user; borrowed, never copied */
	const char	*tls_ca;	/* NULL: the system trust store */
};

/*
 * probe_relay_run - submit the message of d->opts (smtp_dialog_init()
 * done; dst an IPv4 address with its port, mx_host the relay's name for
 * SNI and the certificate check, helo, envelope, message, starttls,
 * tls_verify, timeout_ms; src, quit_after and test_ops are not used)
 * through libesmtp, with AUTH when ro->user is set. Fills d as
 * smtp_dialog_run() does. Borrows ro and d->opts for the call.
 * Returns SMTP_OK when the session ended with a reply the server chose,
 * or the error that ended it (also in d->err).
 * Errors: see the top of this file.
 */
enum smtp_rc	probe_relay_run(const struct probe_relay_opts *ro,
		    struct smtp_dialog *d);

/*
 * probe_relay_redact - the command line as the transcript keeps it:
 * inside an AUTH exchange (in_auth: the last reply was a 334 to AUTH)
 * PROBE_RELAY_REDACTED alone; "AUTH MECH initial-response" as "AUTH MECH
 * [redacted]"; anything else as it is. line need not be NUL-terminated.
 * Writes a NUL-terminated result, cut to outlen. Pure.
 */
void		probe_relay_redact(const char *line, size_t len, bool in_auth,
		    char *out, size_t outlen);

#endif
