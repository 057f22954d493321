/*
 * fakemx_scenario - load a fake MX scenario file into a list of steps.
 *
 * A scenario says, per SMTP event, what the fake MX does: send reply
 * lines, write raw bytes, sleep, close, stall. The language is described
 * in tests/fakemx/README.md. This module only parses and checks; running
 * the steps is fakemx_session's job.
 *
 * Steps keep file order. Lines of one event with the same condition form
 * one group; fakemx_scenario_pick() chooses the group for a session.
 *
 * Errors: fakemx_scenario_load() prints "fakemx: FILE:LINE: message" to
 * stderr and returns -1 (the program then exits 2).
 */
#ifndef SMTPPROBE_FAKEMX_SCENARIO_H
#define SMTPPROBE_FAKEMX_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

/* The longest sleep or drip delay, in milliseconds: ten minutes. */
#define FAKEMX_SCENARIO_MS_MAX	600000L

enum fakemx_event {
	FAKEMX_EV_BANNER,
	FAKEMX_EV_EHLO,
	FAKEMX_EV_HELO,
	FAKEMX_EV_STARTTLS,
	FAKEMX_EV_EHLO_TLS,
	FAKEMX_EV_MAIL,
	FAKEMX_EV_RCPT,
	FAKEMX_EV_DATA,
	FAKEMX_EV_EOD,
	FAKEMX_EV_RSET,
	FAKEMX_EV_NOOP,
	FAKEMX_EV_QUIT,
	FAKEMX_EV_UNKNOWN,
	FAKEMX_EV_AUTH,		/* the outcome of an AUTH exchange */
	FAKEMX_EV_COUNT
};

enum fakemx_cond {
	FAKEMX_COND_NONE,	/* always matches */
	FAKEMX_COND_PEER,	/* @ADDR: peer address equals */
	FAKEMX_COND_NOT_PEER,	/* @!ADDR: peer address differs */
	FAKEMX_COND_ARG,	/* ~TEXT: argument contains, any case */
	FAKEMX_COND_SPF,	/* ?spf=RESULT: the session's SPF result */
	FAKEMX_COND_NOT_SPF,	/* ?!spf=RESULT: any other (or none yet) */
	FAKEMX_COND_AUTH,	/* ?auth=ok|bad: the session's last AUTH */
	FAKEMX_COND_NOT_AUTH,	/* ?!auth=ok|bad: any other (or none yet) */
	FAKEMX_COND_DKIM,	/* ?dkim=RESULT: the message's DKIM result */
	FAKEMX_COND_NOT_DKIM,	/* ?!dkim=RESULT: any other (or none yet) */
	FAKEMX_COND_COUNT
};

enum fakemx_action {
	FAKEMX_ACT_SEND,	/* text plus CRLF */
	FAKEMX_ACT_RAW,		/* unescaped bytes as they are */
	FAKEMX_ACT_SLEEP,	/* wait ms before the following output */
	FAKEMX_ACT_CLOSE,	/* close after the preceding output */
	FAKEMX_ACT_STALL,	/* never answer, read until EOF or timeout */
	FAKEMX_ACT_DRIP,	/* write the event's output byte by byte */
	FAKEMX_ACT_RESET,	/* abort the connection: a TCP RST */
	FAKEMX_ACT_COUNT
};

struct fakemx_step {
	enum fakemx_event	 event;
	enum fakemx_cond	 cond;
	char			*cond_text;	/* address, text, result */
	enum fakemx_action	 action;
	char			*text;		/* send/raw text */
	size_t			 text_len;	/* raw may hold NULs */
	long			 ms;		/* sleep, drip */
	int			 lineno;
};

struct fakemx_scenario {
	struct fakemx_step	*steps;		/* owned, file order */
	size_t			 nsteps;
	char			*expect_source;	/* NULL: any peer */
	char			*auth_user;	/* auth-credentials; NULL */
	char			*auth_password;
};

/* Everything a condition can be tested against. */
struct fakemx_match {
	const char	*peer;		/* canonical peer address */
	const char	*arg;		/* the argument, or "" */
	const char	*spf;		/* SPF result name; NULL: none yet */
	const char	*auth;		/* "ok", "bad"; NULL: no AUTH yet */
	const char	*dkim;		/* "pass", "fail", "none"; NULL: none yet */
};

/*
 * fakemx_scenario_load - parse the file at path into *sc (zeroed first).
 * Free with fakemx_scenario_free(), also after a failure.
 * Errors: -1 after printing "fakemx: FILE:LINE: message" to stderr.
 */
int	 fakemx_scenario_load(struct fakemx_scenario *sc, const char *path);

/* fakemx_scenario_free - free and zero *sc; safe on a zeroed struct. */
void	 fakemx_scenario_free(struct fakemx_scenario *sc);

/* fakemx_scenario_has - whether any line is about event ev. */
bool	 fakemx_scenario_has(const struct fakemx_scenario *sc,
	    enum fakemx_event ev);

/*
 * fakemx_scenario_pick - the first step of the first group of event ev
 * whose condition matches m, or NULL when none does (or ev has no lines).
 * Borrowed from sc. Walk the group with fakemx_scenario_next().
 */
const struct fakemx_step *fakemx_scenario_pick(
	    const struct fakemx_scenario *sc, enum fakemx_event ev,
	    const struct fakemx_match *m);

/*
 * fakemx_scenario_next - the step after st in the same group (same event
 * and condition), or NULL after its last step.
 */
const struct fakemx_step *fakemx_scenario_next(
	    const struct fakemx_scenario *sc, const struct fakemx_step *st);

/*
 * fakemx_scenario_has_spf - whether any line has a ?spf or a ?dkim
 * condition: both need --dns-server.
 */
bool	 fakemx_scenario_has_spf(const struct fakemx_scenario *sc);

/* fakemx_scenario_event_name - the event's scenario keyword ("ehlo-tls"). */
const char *fakemx_scenario_event_name(enum fakemx_event ev);

#endif
