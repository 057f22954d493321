/*
 * probe_fmt - our own one-line sentences into a bounded buffer.
 *
 * Every module that explains an outcome in words (SPF, DMARC, DKIM, PTR,
 * MX, the resolver, the pre-flight check) writes them the same way: into
 * a fixed buffer the caller owns, cut when too long (a cut keeps the
 * start of our sentence, which is enough, and text from DNS inside it is
 * bounded by the buffer). One function instead of a wrapper per module.
 */
#ifndef SMTPPROBE_PROBE_FMT_H
#define SMTPPROBE_PROBE_FMT_H

#include <stddef.h>

/*
 * probe_fmt - vsnprintf into buf (len bytes, always terminated when len
 * > 0). buf may be NULL or len 0 when the caller wants no text: then
 * nothing is written. Cannot fail.
 */
__attribute__((format(printf, 3, 4)))
void	probe_fmt(char *buf, size_t len, const char *fmt, ...);

/*
 * probe_fmt_keep - the first bytes of the len bytes at src (NUL bytes
 * too: a DNS answer may hold them) into buf, cut to fit its size and
 * terminated. Returns how many were kept; fewer than len means cut.
 * size must be > 0.
 */
size_t	probe_fmt_keep(char *buf, size_t size, const char *src, size_t len);

#endif
