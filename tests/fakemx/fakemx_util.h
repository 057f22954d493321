/*
 * fakemx_util - small helpers shared by the fake MX: numbers, addresses,
 * escaping for the log, unescaping raw scenario bytes, and the log itself.
 *
 * None of these allocate except fakemx_util_unescape(). The log is a file
 * opened with O_APPEND; each line goes out in one write(), so the forked
 * session processes interleave whole lines, never parts of lines.
 *
 * Errors: functions returning int return 0 or -1; the ones that can say
 * why write one line into a caller-owned err buffer.
 */
#ifndef SMTPPROBE_FAKEMX_UTIL_H
#define SMTPPROBE_FAKEMX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The longest address text: an IPv6 literal (INET6_ADDRSTRLEN is 46). */
#define FAKEMX_ADDR_MAX		64
/* Our own error sentences, one line. */
#define FAKEMX_ERR_MAX		256
/*
 * RFC 5321 4.5.3.1.4 allows 512 octets per command line and 4.5.3.1.6 1000
 * per text line. We accept up to 4096 bytes without the CRLF, so a client
 * that exceeds the RFC is still logged, and reply 500 beyond that.
 */
#define FAKEMX_LINE_MAX		4096
/*
 * Escaped, every byte of a line may become four ("\xNN"), plus room for
 * the prefix such as "recv " or "data-line ".
 */
#define FAKEMX_LOG_LINE_MAX	(4 * FAKEMX_LINE_MAX + 128)

/*
 * fakemx_util_parse_long - s must be a whole decimal number in [min, max].
 * Stores it in *out. Returns 0, or -1 when s is empty, has trailing
 * characters or is out of range.
 */
int	 fakemx_util_parse_long(const char *s, long min, long max,
	    long *out);

/*
 * fakemx_util_addr_canon - parse an IPv4 or IPv6 literal (brackets allowed)
 * and write its canonical text into out, so "::0001" and "::1" compare
 * equal. An IPv4-mapped IPv6 address becomes plain IPv4, as peers do.
 * Returns 0, or -1 when in is not an address or out is too small.
 */
int	 fakemx_util_addr_canon(const char *in, char *out, size_t size);

/*
 * fakemx_util_addr_format - canonical text and port of a socket address,
 * mapped IPv4 shown as IPv4. Returns 0, or -1 for another family.
 */
int	 fakemx_util_addr_format(const struct sockaddr *sa, char *out,
	    size_t size, unsigned *port);

/*
 * fakemx_util_escape - copy len bytes of src into dst as text: printable
 * ASCII stays, everything else (and the backslash) becomes \xNN. Always
 * NUL-terminates; stops early rather than overflow dst. Returns dst.
 */
char	*fakemx_util_escape(const char *src, size_t len, char *dst,
	    size_t size);

/*
 * fakemx_util_unescape - decode the C escapes \r \n \t \\ \0 and \xNN of
 * a raw: scenario value. Hands *out (malloc'd, NUL-terminated, may hold
 * NUL bytes; free() it) and its length to the caller. Returns 0, or -1
 * with a sentence in err for an unknown or truncated escape.
 */
int	 fakemx_util_unescape(const char *src, char **out, size_t *outlen,
	    char *err, size_t errsize);

/*
 * fakemx_util_log - append one formatted line (newline added) to the log
 * in a single write(). Does nothing when fd is -1. A failed write is not
 * reported: the log is evidence for tests, not part of the dialogue.
 */
void	 fakemx_util_log(int fd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* fakemx_util_sleep_ms - sleep ms milliseconds, resuming after signals. */
void	 fakemx_util_sleep_ms(long ms);

#endif
