/*
 * smtp_ehlo - the service extensions a server announces in its EHLO reply
 * (RFC 5321 4.1.1.1): each line after the first is a keyword and
 * parameters. Pure parsing; nothing here decides what to do with them.
 */
#ifndef SMTPPROBE_SMTP_EHLO_H
#define SMTPPROBE_SMTP_EHLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_reply.h"

enum smtp_ehlo_cap {
	SMTP_EHLO_STARTTLS,		/* RFC 3207 */
	SMTP_EHLO_SIZE,			/* RFC 1870 */
	SMTP_EHLO_PIPELINING,		/* RFC 2920 */
	SMTP_EHLO_8BITMIME,		/* RFC 6152 */
	SMTP_EHLO_SMTPUTF8,		/* RFC 6531 */
	SMTP_EHLO_ENHANCEDSTATUSCODES,	/* RFC 2034 */
	SMTP_EHLO_CHUNKING,		/* RFC 3030 */
	SMTP_EHLO_DSN,			/* RFC 3461 */
	SMTP_EHLO_REQUIRETLS,		/* RFC 8689 */
	SMTP_EHLO_CAP_COUNT
};

struct smtp_ehlo_caps {
	bool		has[SMTP_EHLO_CAP_COUNT];
	uint64_t	size_max;	/* SIZE's parameter; 0: none given */
};

/*
 * smtp_ehlo_parse - fill *caps (zeroed first) from a 2xx EHLO reply.
 * Keywords are case-insensitive; unknown ones are ignored. A SIZE
 * parameter that is not a number in range leaves size_max 0.
 */
void		smtp_ehlo_parse(const struct smtp_reply *reply,
		    struct smtp_ehlo_caps *caps);

/* smtp_ehlo_cap_name - the keyword as servers spell it ("STARTTLS"). */
const char	*smtp_ehlo_cap_name(enum smtp_ehlo_cap cap);

#endif
