/*
 * smtp_buf - a growable byte buffer that never grows past a ceiling the
 * caller names at each append. It is the only place in smtp/ that calls
 * realloc(), so every buffer a server can make us grow has a bound.
 *
 * Errors: smtp_buf_append() returns SMTP_E_LIMIT when the ceiling would be
 * crossed (nothing is appended) and SMTP_E_NOMEM when allocation fails.
 */
#ifndef SMTPPROBE_SMTP_BUF_H
#define SMTPPROBE_SMTP_BUF_H

#include <stddef.h>

#include "smtp/smtp_err.h"

struct smtp_buf {
	char	*data;		/* always NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 cap;
};

/*
 * smtp_buf_append - append n bytes and keep a NUL after them. ceiling
 * bounds len (the NUL excluded).
 * Errors: SMTP_E_LIMIT, SMTP_E_NOMEM.
 */
enum smtp_rc	smtp_buf_append(struct smtp_buf *buf, const void *bytes,
		    size_t n, size_t ceiling);

/* smtp_buf_free - free and zero; safe on a zeroed struct. */
void		smtp_buf_free(struct smtp_buf *buf);

#endif
