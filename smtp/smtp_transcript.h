/*
 * smtp_transcript - the whole record of one dialogue, as data: one step per
 * stage entered, with what we sent, every line the server answered, how
 * long it took, and our own words when something other than a reply ended
 * the step. Like Postfix's smtp_chat, the session owns it and reporters
 * render it; nothing here prints.
 *
 * Limits: SMTP_TRANSCRIPT_STEPS_MAX steps and SMTP_TRANSCRIPT_BYTES_MAX
 * bytes of server replies in all, so a hostile server cannot make us hold
 * more than that. smtp_transcript_fits() says whether another reply of a
 * given size may still be kept.
 *
 * Errors: SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
#ifndef SMTPPROBE_SMTP_TRANSCRIPT_H
#define SMTPPROBE_SMTP_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_err.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"

/*
 * Every stage, a HELO retry, up to SMTP_RCPTS_MAX recipients and the
 * extra rounds of an AUTH exchange (RFC 4954 4: one per 334; LOGIN
 * needs two, and a relay engine may try a second mechanism).
 */
#define SMTP_RCPTS_MAX			100
#define SMTP_AUTH_ROUNDS_MAX		8
#define SMTP_TRANSCRIPT_STEPS_MAX	(SMTP_STAGE_COUNT + 1 + \
					 SMTP_RCPTS_MAX + SMTP_AUTH_ROUNDS_MAX)
/* Honest dialogues hold a few KiB; four full-size replies is plenty. */
#define SMTP_TRANSCRIPT_BYTES_MAX	(4u * 1024 * 1024)
#define SMTP_STEP_TEXT_MAX		512

struct smtp_step {
	enum smtp_stage		stage;
	char			command[SMTP_STEP_TEXT_MAX]; /* "" if none */
	struct smtp_reply	reply;		/* nlines 0 when none */
	double			elapsed_ms;	/* command sent to reply read */
	enum smtp_rc		rc;		/* SMTP_OK unless error below */
	char			error[SMTP_ERR_MSG_MAX]; /* our words */
	char			note[SMTP_STEP_TEXT_MAX]; /* a fact, or "" */
};

struct smtp_transcript {
	struct smtp_step	*steps;
	size_t			 nsteps;
	size_t			 cap;
	size_t			 reply_bytes;
};

/* smtp_transcript_init - empty transcript. */
void		smtp_transcript_init(struct smtp_transcript *t);

/*
 * smtp_transcript_add - append a zeroed step for stage and return it, or
 * NULL when SMTP_TRANSCRIPT_STEPS_MAX is reached or memory ran out. The
 * pointer is valid until the next add or smtp_transcript_free().
 */
struct smtp_step *smtp_transcript_add(struct smtp_transcript *t,
		    enum smtp_stage stage);

/*
 * smtp_transcript_account - count a stored reply of len bytes against the
 * byte bound. Returns false when it does not fit (nothing is counted).
 */
bool		smtp_transcript_account(struct smtp_transcript *t, size_t len);

/* smtp_transcript_free - free every step, leave t zeroed. */
void		smtp_transcript_free(struct smtp_transcript *t);

#endif
