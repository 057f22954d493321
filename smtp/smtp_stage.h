/*
 * smtp_stage - the stages of one SMTP dialogue and the one table that
 * describes them: the name used in every report, JSON and metric label,
 * the command, the reply class that means "go on", and the timeout.
 *
 * Stage names are stable lowercase tokens; renaming one is a breaking
 * change for everyone who parses our output.
 */
#ifndef SMTPPROBE_SMTP_STAGE_H
#define SMTPPROBE_SMTP_STAGE_H

#include <stdbool.h>
#include <stddef.h>

enum smtp_stage {
	SMTP_STAGE_CONNECT,
	SMTP_STAGE_BANNER,
	SMTP_STAGE_EHLO,
	SMTP_STAGE_STARTTLS,
	SMTP_STAGE_TLS,
	SMTP_STAGE_EHLO_TLS,
	SMTP_STAGE_AUTH,	/* relay path only: RFC 4954 */
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_DATA,
	SMTP_STAGE_END_OF_DATA,
	SMTP_STAGE_QUIT,
	SMTP_STAGE_COUNT
};

/*
 * Default per-stage waits. RFC 5321 4.5.3.2 gives minutes (5 for the
 * greeting, MAIL and RCPT, 10 for the end of data) because a real MTA
 * must not give up early; a probe run from cron would rather report a
 * stall within a minute. End of data gets the longest: that is when
 * receivers run content and authentication checks.
 */
#define SMTP_WAIT_CONNECT	10000
#define SMTP_WAIT_REPLY		30000
#define SMTP_WAIT_TLS		30000
#define SMTP_WAIT_END_OF_DATA	60000
#define SMTP_WAIT_QUIT		5000

/* Which value of ours a stage's command carries. */
enum smtp_stage_arg {
	SMTP_STAGE_ARG_NONE,
	SMTP_STAGE_ARG_HELO,		/* our EHLO/HELO name */
	SMTP_STAGE_ARG_SENDER,		/* the envelope sender */
	SMTP_STAGE_ARG_RCPT,		/* the recipient being sent */
};

/*
 * One row per stage. The command line is command, then arg_open, the
 * value named by arg, arg_close, and then the parameters the dialogue
 * adds (RFC 1870 SIZE when declares_size, RFC 6531 SMTPUTF8 when
 * declares_smtputf8): "MAIL FROM" ":<" sender ">" " SIZE=1234 SMTPUTF8". The whole format of every command is here, in one place.
 */
struct smtp_stage_def {
	const char	*name;		/* "end-of-data" */
	const char	*command;	/* verb as sent, NULL when none */
	/*
	 * The verb to retry with when command gets a 5xx, NULL when there
	 * is none: RFC 5321 4.1.4, a server that refuses EHLO may take HELO.
	 */
	const char	*fallback;
	enum smtp_stage_arg arg;
	const char	*arg_open;	/* between the verb and the value */
	const char	*arg_close;	/* after the value */
	bool		 declares_size;	/* RFC 1870: " SIZE=n" when offered */
	/* RFC 6531 3.4: " SMTPUTF8" when an address is not ASCII. */
	bool		 declares_smtputf8;
	bool		 sends_message;	/* the message, not the command */
	char		 expect;	/* reply class that goes on: '2', '3' */
	int		 timeout_ms;
};

/* smtp_stage_def - the table row of stage; never NULL for a valid stage. */
const struct smtp_stage_def *smtp_stage_def(enum smtp_stage stage);

/*
 * smtp_stage_command - write the command line of def (without CRLF) to
 * out: its verb, or fallback when use_fallback and the row has one; then
 * arg (borrowed; ignored when the row takes none) between arg_open and
 * arg_close; then params (borrowed, "" or NULL for none). Returns false
 * when it does not fit in outlen bytes (out then holds "") or the row has
 * no command. Pure.
 */
bool		smtp_stage_command(const struct smtp_stage_def *def,
		    bool use_fallback, const char *arg, const char *params,
		    char *out, size_t outlen);

/* smtp_stage_name - the stable token, "?" for an invalid stage. */
const char	*smtp_stage_name(enum smtp_stage stage);

/*
 * smtp_stage_parse - the stage whose name is text. Returns false when no
 * stage has that name.
 */
bool		smtp_stage_parse(const char *text, enum smtp_stage *stage);

#endif
