/*
 * smtp_ehlo - EHLO keyword parsing.
 */
#include <string.h>
#include <strings.h>

#include "smtp/smtp_ehlo.h"
#include "smtp/smtp_num.h"

static const char *const smtp_ehlo_names[] = {
	[SMTP_EHLO_STARTTLS] = "STARTTLS",
	[SMTP_EHLO_SIZE] = "SIZE",
	[SMTP_EHLO_PIPELINING] = "PIPELINING",
	[SMTP_EHLO_8BITMIME] = "8BITMIME",
	[SMTP_EHLO_SMTPUTF8] = "SMTPUTF8",
	[SMTP_EHLO_ENHANCEDSTATUSCODES] = "ENHANCEDSTATUSCODES",
	[SMTP_EHLO_CHUNKING] = "CHUNKING",
	[SMTP_EHLO_DSN] = "DSN",
	[SMTP_EHLO_REQUIRETLS] = "REQUIRETLS",
};
_Static_assert(sizeof(smtp_ehlo_names) / sizeof(smtp_ehlo_names[0]) ==
    SMTP_EHLO_CAP_COUNT, "each capability needs a name");

const char *
smtp_ehlo_cap_name(enum smtp_ehlo_cap cap)
{
	if ((unsigned)cap >= SMTP_EHLO_CAP_COUNT)
		return "?";
	return smtp_ehlo_names[cap];
}

/* One "250-KEYWORD params" line. */
static void
smtp_ehlo_line(const char *line, size_t len, struct smtp_ehlo_caps *caps)
{
	const char *kw = line + 4, *param;
	size_t kwlen, i;
	uint64_t v;

	if (len <= 4)
		return;
	param = memchr(kw, ' ', len - 4);
	kwlen = param != NULL ? (size_t)(param - kw) : len - 4;
	for (i = 0; i < SMTP_EHLO_CAP_COUNT; i++) {
		if (strlen(smtp_ehlo_names[i]) == kwlen &&
		    strncasecmp(kw, smtp_ehlo_names[i], kwlen) == 0)
			break;
	}
	if (i == SMTP_EHLO_CAP_COUNT)
		return;
	caps->has[i] = true;
	/* RFC 1870: SIZE may carry the largest message size accepted. */
	if (i == SMTP_EHLO_SIZE && param != NULL &&
	    smtp_num_parse(param + 1, (size_t)(line + len - param - 1), 0,
	    UINT64_MAX, &v))
		caps->size_max = v;
}

void
smtp_ehlo_parse(const struct smtp_reply *reply, struct smtp_ehlo_caps *caps)
{
	const char *line;
	size_t i, len;

	memset(caps, 0, sizeof(*caps));
	/* The first line is the greeting; keywords start on the second. */
	for (i = 1; i < reply->nlines; i++) {
		line = smtp_reply_line(reply, i, &len);
		smtp_ehlo_line(line, len, caps);
	}
}
