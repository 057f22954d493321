/*
 * smtp_err - error codes and messages of the SMTP engine.
 */
#include <stdio.h>
#include <string.h>

#include "smtp/smtp_err.h"

static const char *const smtp_err_names[] = {
	[SMTP_OK] = "ok",
	[SMTP_E_USAGE] = "usage",
	[SMTP_E_NOMEM] = "nomem",
	[SMTP_E_BIND] = "bind",
	[SMTP_E_CONNECT] = "connect",
	[SMTP_E_IO] = "io",
	[SMTP_E_TIMEOUT] = "timeout",
	[SMTP_E_PROTO] = "protocol",
	[SMTP_E_LIMIT] = "limit",
	[SMTP_E_NOTLS] = "starttls_not_offered",
	[SMTP_E_TLS] = "tls",
	[SMTP_E_TLS_VERIFY] = "tls_verify",
	[SMTP_E_STARTTLS_INJECTION] = "starttls_injection",
	[SMTP_E_TLS_PLAIN_PORT] = "tls_on_plain_port",
	[SMTP_E_NOUTF8] = "smtputf8_not_offered",
};
_Static_assert(sizeof(smtp_err_names) / sizeof(smtp_err_names[0]) ==
    SMTP_RC_COUNT, "each rc needs a name");

enum smtp_rc
smtp_err_set(struct smtp_err *err, enum smtp_rc rc, const char *fmt, ...)
{
	va_list ap;

	err->rc = rc;
	va_start(ap, fmt);
	/* Truncation is fine: the message is our own one-line summary. */
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

void
smtp_err_clear(struct smtp_err *err)
{
	err->rc = SMTP_OK;
	err->msg[0] = '\0';
}

const char *
smtp_err_name(enum smtp_rc rc)
{
	if ((unsigned)rc >= SMTP_RC_COUNT)
		return "unknown";
	return smtp_err_names[rc];
}
