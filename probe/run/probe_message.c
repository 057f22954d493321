/*
 * probe_message - the test message.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "probe/run/probe_message.h"

void
probe_message_new_id(char *out, size_t outlen, time_t now)
{
	unsigned char r[6] = { 0 };
	ssize_t n;

	/* getrandom on a few bytes does not block once the pool is up. */
	n = getrandom(r, sizeof(r), 0);
	if (n != (ssize_t)sizeof(r))
		memcpy(r, &now, sizeof(r) < sizeof(now) ? sizeof(r) :
		    sizeof(now));
	(void)snprintf(out, outlen, "sp-%llx-%02x%02x%02x%02x%02x%02x",
	    (unsigned long long)now, r[0], r[1], r[2], r[3], r[4], r[5]);
}

__attribute__((format(printf, 3, 4)))
static bool
probe_message_add(struct smtp_buf *out, bool ok, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (!ok)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return false;
	return smtp_buf_append(out, line, (size_t)n, PROBE_MESSAGE_MAX) ==
	    SMTP_OK;
}

/* A header value must stay one line: no CR, LF or NUL tricks. */
static bool
probe_message_is_safe(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

static bool
probe_message_headers(const struct probe_message_opts *o,
    struct smtp_buf *out)
{
	char date[64];
	struct tm tm;
	bool ok = true;
	size_t i;

	if (gmtime_r(&o->now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) == 0)
		return false;
	ok = probe_message_add(out, ok, "Date: %s\n", date);
	ok = probe_message_add(out, ok, "From: <%s>\n", o->header_from);
	for (i = 0; i < o->nto; i++)
		ok = probe_message_add(out, ok, "%s<%s>%s", i ? " " : "To: ",
		    o->to[i], i + 1 < o->nto ? ",\n" : "\n");
	if (o->subject != NULL)
		ok = probe_message_add(out, ok, "Subject: %s [%s]\n",
		    o->subject, o->probe_id);
	else
		ok = probe_message_add(out, ok, "Subject: smtpprobe test %s\n",
		    o->probe_id);
	ok = probe_message_add(out, ok, "Message-ID: <%s@%s>\n", o->probe_id,
	    o->id_domain);
	ok = probe_message_add(out, ok, "X-Smtpprobe-Id: %s\n", o->probe_id);
	ok = probe_message_add(out, ok, "MIME-Version: 1.0\nContent-Type: "
	    "text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n"
	    "\n");
	return ok;
}

int
probe_message_build(const struct probe_message_opts *o, struct smtp_buf *out,
    char *err, size_t errlen)
{
	size_t i;
	bool ok;

	out->len = 0;
	ok = probe_message_is_safe(o->header_from) &&
	    probe_message_is_safe(o->subject) &&
	    probe_message_is_safe(o->id_domain);
	for (i = 0; i < o->nto; i++)
		ok = ok && probe_message_is_safe(o->to[i]);
	if (!ok) {
		(void)snprintf(err, errlen, "a header value holds a line break");
		return -1;
	}
	ok = probe_message_headers(o, out);
	if (ok && o->body != NULL)
		ok = smtp_buf_append(out, o->body, o->body_len,
		    PROBE_MESSAGE_MAX) == SMTP_OK;
	else
		ok = probe_message_add(out, ok, "This is a test message from "
		    "smtpprobe, sent to check that mail from this\nsending path "
		    "is accepted by the receiving server. Probe id: %s.\nNo "
		    "action is needed; it is safe to delete.\n", o->probe_id);
	if (!ok) {
		(void)snprintf(err, errlen, "the message does not fit in %u "
		    "bytes", PROBE_MESSAGE_MAX);
		return -1;
	}
	return 0;
}
