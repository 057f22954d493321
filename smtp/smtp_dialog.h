/*
 * smtp_dialog - one SMTP client dialogue, from connect to QUIT, driven by
 * the stage table in smtp_stage.
 *
 * What it does: connects from the given source address to the given
 * destination address (never a host name: resolving is the caller's job),
 * reads the banner, says EHLO (HELO when EHLO is refused), upgrades with
 * STARTTLS according to policy, says EHLO again (RFC 3207 4.2), submits
 * one message to one or more recipients, and says QUIT. Every step goes
 * into the transcript.
 *
 * How it decides: each stage has one small handler that takes the step
 * just completed and owns the whole decision (errors, refusals, the HELO
 * fallback after a 5xx to EHLO, a refused STARTTLS, the next recipient)
 * and names the next stage; the command each stage sends is built from
 * its row in the stage table; one driver loop does all the reading and
 * writing, the STARTTLS handshake included (through the smtp_io seam);
 * smtp_dialog_enter() is the only way to change stage. A 4xx/5xx reply
 * at any stage ends the dialogue with QUIT and becomes the final step: it
 * is a result (SMTP_OK), not an error. What it does not do: judge pass or
 * fail. That is probe_verdict's job.
 *
 * STARTTLS (RFC 3207): bytes the server sent after its 220 to STARTTLS
 * and before the handshake end the attempt at stage starttls with
 * SMTP_E_STARTTLS_INJECTION: no handshake, no QUIT, the 220 kept as the
 * step's reply and the bytes (count and a quoted preview) in its note.
 * That is a security finding: the caller must report it and treat it as
 * the definitive answer of the attempt, never move on to the next MX as
 * after a network failure. After a handshake EHLO is sent again and its
 * list replaces every capability learnt before (RFC 3207 4.2).
 *
 * Errors (smtp_dialog_run() and d->err.rc): SMTP_E_USAGE (a CR or LF in
 * HELO name or an address, no recipient, too many), SMTP_E_BIND,
 * SMTP_E_CONNECT, SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_PROTO, SMTP_E_LIMIT,
 * SMTP_E_NOTLS, SMTP_E_TLS, SMTP_E_TLS_VERIFY, SMTP_E_STARTTLS_INJECTION,
 * SMTP_E_TLS_PLAIN_PORT (no QUIT follows: the peer speaks TLS),
 * SMTP_E_NOUTF8 (an address is not ASCII and the last EHLO offered no
 * SMTPUTF8, RFC 6531 3.4: QUIT before MAIL, nothing sent; when it is
 * offered, MAIL FROM carries " SMTPUTF8"), SMTP_E_NOMEM.
 */
#ifndef SMTPPROBE_SMTP_DIALOG_H
#define SMTPPROBE_SMTP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "smtp/smtp_ehlo.h"
#include "smtp/smtp_data.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "smtp/smtp_stage.h"
#include "smtp/smtp_transcript.h"
#include "tls/tls_conn.h"

/*
 * A probe message is a few hundred bytes; a body file may be up to 1 MiB
 * (as read), and our header fields come on top. On the wire, CRLF line
 * ends and dot-stuffing (RFC 5321 4.5.2) at most double it.
 */
#define SMTP_DIALOG_MESSAGE_MAX	(1024u * 1024 + 64u * 1024)
#define SMTP_DIALOG_WIRE_MAX	(2u * SMTP_DIALOG_MESSAGE_MAX + 8u)

enum smtp_starttls_mode {
	SMTP_STARTTLS_REQUIRED,		/* no STARTTLS: the attempt fails */
	SMTP_STARTTLS_OPPORTUNISTIC,	/* use it when offered */
	SMTP_STARTTLS_OFF,		/* never */
};

enum smtp_tls_verify {
	SMTP_TLS_VERIFY_REPORT,		/* record, carry on like an MTA */
	SMTP_TLS_VERIFY_REQUIRE,	/* unverified peer: stop */
};

struct smtp_dialog_opts {
	const struct sockaddr	*dst;		/* port set */
	socklen_t		 dstlen;
	const struct sockaddr	*src;		/* NULL: the kernel picks */
	socklen_t		 srclen;
	const char		*mx_host;	/* SNI and certificate name */
	const char		*helo;
	const char		*mail_from;	/* "" is the null sender */
	const char *const	*rcpts;
	size_t			 nrcpts;
	const char		*message;	/* headers and body */
	size_t			 message_len;
	enum smtp_starttls_mode	 starttls;
	enum smtp_tls_verify	 tls_verify;
	struct tls_ctx		*tls_ctx;	/* needed unless starttls off */
	bool			 has_quit_after;
	enum smtp_stage		 quit_after;	/* when has_quit_after */
	int			 timeout_ms;	/* > 0: every stage's wait */
	/*
	 * The in-memory transport of the unit tests; NULL: TCP. Its
	 * starttls op stands in for the handshake.
	 */
	const struct smtp_io_ops *test_ops;
	void			*test_ctx;
};

struct smtp_dialog {
	const struct smtp_dialog_opts *opts;	/* borrowed */
	struct smtp_io		 io;
	enum smtp_stage		 stage;
	bool			 is_done;
	size_t			 rcpt_next;	/* next recipient to send */
	bool			 used_helo;
	bool			 has_caps;
	/*
	 * The latest 2xx EHLO's list: the one over TLS replaces the clear
	 * one whole (RFC 3207 4.2); until it comes the clear one stays, for
	 * reports only.
	 */
	struct smtp_ehlo_caps	 caps;
	bool			 tls_attempted;
	bool			 tls_active;
	struct tls_facts	 tls;
	struct smtp_transcript	 transcript;
	bool			 is_accepted;	/* reached its goal */
	/*
	 * The provider's queue id from the 2xx to the end of data
	 * (smtp_data_parse_queue_id()): printable ASCII, "" when none was
	 * recognised or the message was not accepted.
	 */
	char			 queue_id[SMTP_DATA_QUEUE_ID_MAX];
	bool			 has_final;
	size_t			 final_step;	/* index in transcript */
	struct smtp_err		 err;		/* what ended it early */
	struct smtp_buf		 wire;		/* encoded message */
	size_t			 message_lines;
};

/* smtp_dialog_init - ready d for a run with opts (borrowed until free). */
void		smtp_dialog_init(struct smtp_dialog *d,
		    const struct smtp_dialog_opts *opts);

/*
 * smtp_dialog_check - refuse values of ours that cannot go into a command
 * (a CR or LF, too long, no recipient) and encode the message; the first
 * thing smtp_dialog_run() does, and what an engine of its own calls
 * before it starts. Returns SMTP_OK or the error (also in d->err).
 * Errors: SMTP_E_USAGE.
 */
enum smtp_rc	smtp_dialog_check(struct smtp_dialog *d);

/*
 * smtp_dialog_run - run the whole dialogue. Returns SMTP_OK when it ended
 * with a reply the server chose (accepted or refused), or the error that
 * ended it (also in d->err). Either way d->transcript holds every step
 * and d->final_step (when has_final) names the one that decided.
 * Errors: see the top of this file.
 */
enum smtp_rc	smtp_dialog_run(struct smtp_dialog *d);

/*
 * smtp_dialog_enter - change stage: the one place that does, adding a
 * step for the new stage to the transcript. Returns the step's index, or
 * -1 when the transcript is full (d->err set).
 */
long		smtp_dialog_enter(struct smtp_dialog *d, enum smtp_stage stage);

/*
 * smtp_dialog_decide - for an engine that runs its own session (the
 * relay path, probe_relay): the step at idx, which the caller added with
 * smtp_dialog_enter() and filled (command, reply, rc, error, elapsed), is
 * judged by its stage's handler exactly as in smtp_dialog_run(): the
 * deciding step, acceptance, the queue id, EHLO capabilities, the TLS
 * policy (d->tls must be filled before a tls step is decided) and the
 * errors of ours (STARTTLS required but not offered) come out the same.
 * The next stage the handler names is not used: the other engine has
 * chosen it already. No I/O; d->io is never touched.
 */
void		smtp_dialog_decide(struct smtp_dialog *d, size_t idx);

/* smtp_dialog_final - the deciding step, or NULL. Borrowed from d. */
const struct smtp_step *smtp_dialog_final(const struct smtp_dialog *d);

/* smtp_dialog_free - close the connection and free everything. */
void		smtp_dialog_free(struct smtp_dialog *d);

#endif
