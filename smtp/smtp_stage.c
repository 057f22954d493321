/*
 * smtp_stage - the stage table.
 */
#include <stdio.h>
#include <string.h>

#include "smtp/smtp_stage.h"

static const struct smtp_stage_def smtp_stages[] = {
	[SMTP_STAGE_CONNECT] = { .name = "connect",
	    .timeout_ms = SMTP_WAIT_CONNECT },
	[SMTP_STAGE_BANNER] = { .name = "banner", .expect = '2',
	    .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_EHLO] = { .name = "ehlo", .command = "EHLO",
	    .fallback = "HELO", .arg = SMTP_STAGE_ARG_HELO, .arg_open = " ",
	    .arg_close = "", .expect = '2', .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_STARTTLS] = { .name = "starttls", .command = "STARTTLS",
	    .expect = '2', .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_TLS] = { .name = "tls", .timeout_ms = SMTP_WAIT_TLS },
	/* RFC 3207 4.2: no HELO fallback once TLS is up. */
	[SMTP_STAGE_EHLO_TLS] = { .name = "ehlo-tls", .command = "EHLO",
	    .arg = SMTP_STAGE_ARG_HELO, .arg_open = " ", .arg_close = "",
	    .expect = '2', .timeout_ms = SMTP_WAIT_REPLY },
	/*
	 * RFC 4954 4: AUTH and its mechanism; a 334 asks for one more line.
	 * Only the relay path (probe_relay) authenticates, and its engine
	 * words the command: no argument here, the transcript keeps the
	 * mechanism and "[redacted]" for every credential.
	 */
	[SMTP_STAGE_AUTH] = { .name = "auth", .command = "AUTH",
	    .expect = '2', .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_MAIL] = { .name = "mail", .command = "MAIL FROM",
	    .arg = SMTP_STAGE_ARG_SENDER, .arg_open = ":<", .arg_close = ">",
	    .declares_size = true, .declares_smtputf8 = true, .expect = '2',
	    .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_RCPT] = { .name = "rcpt", .command = "RCPT TO",
	    .arg = SMTP_STAGE_ARG_RCPT, .arg_open = ":<", .arg_close = ">",
	    .expect = '2', .timeout_ms = SMTP_WAIT_REPLY },
	[SMTP_STAGE_DATA] = { .name = "data", .command = "DATA",
	    .expect = '3', .timeout_ms = SMTP_WAIT_REPLY },
	/* The step records "." as its command; the message is what goes. */
	[SMTP_STAGE_END_OF_DATA] = { .name = "end-of-data", .command = ".",
	    .sends_message = true, .expect = '2',
	    .timeout_ms = SMTP_WAIT_END_OF_DATA },
	[SMTP_STAGE_QUIT] = { .name = "quit", .command = "QUIT",
	    .expect = '2', .timeout_ms = SMTP_WAIT_QUIT },
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

bool
smtp_stage_command(const struct smtp_stage_def *def, bool use_fallback,
    const char *arg, const char *params, char *out, size_t outlen)
{
	const char *verb = def->command;
	int n;

	if (use_fallback && def->fallback != NULL)
		verb = def->fallback;
	if (verb == NULL) {
		out[0] = '\0';
		return false;
	}
	if (def->arg == SMTP_STAGE_ARG_NONE || arg == NULL)
		n = snprintf(out, outlen, "%s%s", verb,
		    params != NULL ? params : "");
	else
		n = snprintf(out, outlen, "%s%s%s%s%s", verb, def->arg_open,
		    arg, def->arg_close, params != NULL ? params : "");
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return false;
	}
	return true;
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
