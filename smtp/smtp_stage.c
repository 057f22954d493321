/*
 * smtp_stage - the stage table.
 */
#include <string.h>

#include "smtp/smtp_stage.h"

static const struct smtp_stage_def smtp_stages[] = {
	[SMTP_STAGE_CONNECT] = { "connect", NULL, 0, SMTP_WAIT_CONNECT },
	[SMTP_STAGE_BANNER] = { "banner", NULL, '2', SMTP_WAIT_REPLY },
	[SMTP_STAGE_EHLO] = { "ehlo", "EHLO", '2', SMTP_WAIT_REPLY },
	[SMTP_STAGE_STARTTLS] = { "starttls", "STARTTLS", '2',
	    SMTP_WAIT_REPLY },
	[SMTP_STAGE_TLS] = { "tls", NULL, 0, SMTP_WAIT_TLS },
	[SMTP_STAGE_EHLO_TLS] = { "ehlo-tls", "EHLO", '2', SMTP_WAIT_REPLY },
	[SMTP_STAGE_MAIL] = { "mail", "MAIL FROM", '2', SMTP_WAIT_REPLY },
	[SMTP_STAGE_RCPT] = { "rcpt", "RCPT TO", '2', SMTP_WAIT_REPLY },
	[SMTP_STAGE_DATA] = { "data", "DATA", '3', SMTP_WAIT_REPLY },
	[SMTP_STAGE_END_OF_DATA] = { "end-of-data", ".", '2',
	    SMTP_WAIT_END_OF_DATA },
	[SMTP_STAGE_QUIT] = { "quit", "QUIT", '2', SMTP_WAIT_QUIT },
};
_Static_assert(sizeof(smtp_stages) / sizeof(smtp_stages[0]) ==
    SMTP_STAGE_COUNT, "each stage needs a row");

const struct smtp_stage_def *
smtp_stage_def(enum smtp_stage stage)
{
	if ((unsigned)stage >= SMTP_STAGE_COUNT)
		return NULL;
	return &smtp_stages[stage];
}

const char *
smtp_stage_name(enum smtp_stage stage)
{
	if ((unsigned)stage >= SMTP_STAGE_COUNT)
		return "?";
	return smtp_stages[stage].name;
}

bool
smtp_stage_parse(const char *text, enum smtp_stage *stage)
{
	size_t i;

	for (i = 0; i < SMTP_STAGE_COUNT; i++) {
		if (strcmp(text, smtp_stages[i].name) == 0) {
			*stage = (enum smtp_stage)i;
			return true;
		}
	}
	return false;
}
