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

struct smtp_stage_def {
	const char	*name;		/* "end-of-data" */
	const char	*command;	/* verb as sent, NULL when none */
	char		 expect;	/* reply class that goes on: '2', '3' */
	int		 timeout_ms;
};

/* smtp_stage_def - the table row of stage; never NULL for a valid stage. */
const struct smtp_stage_def *smtp_stage_def(enum smtp_stage stage);

/* smtp_stage_name - the stable token, "?" for an invalid stage. */
const char	*smtp_stage_name(enum smtp_stage stage);

/*
 * smtp_stage_parse - the stage whose name is text. Returns false when no
 * stage has that name.
 */
bool		smtp_stage_parse(const char *text, enum smtp_stage *stage);

#endif
