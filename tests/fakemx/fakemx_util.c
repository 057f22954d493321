/*
 * fakemx_util - numbers, addresses, escaping and the log of the fake MX.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakemx_util.h"

/* "\xNN" is four characters. */
#define ESCAPE_LEN	4

int
fakemx_util_parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
fakemx_util_addr_canon(const char *in, char *out, size_t size)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			 buf[FAKEMX_ADDR_MAX];
	size_t			 len;
	unsigned		 port;

	len = strlen(in);
	if (len >= 2 && in[0] == '[' && in[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, in + 1, len - 2);
		buf[len - 2] = '\0';
	} else if (snprintf(buf, sizeof(buf), "%s", in) >= (int)sizeof(buf))
		return -1;
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, buf, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		return fakemx_util_addr_format((struct sockaddr *)&sin, out,
		    size, &port);
	}
	if (inet_pton(AF_INET6, buf, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		return fakemx_util_addr_format((struct sockaddr *)&sin6, out,
		    size, &port);
	}
	return -1;
}

int
fakemx_util_addr_format(const struct sockaddr *sa, char *out, size_t size,
    unsigned *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct in_addr			 v4;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, out,
		    (socklen_t)size) ? 0 : -1;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	sin6 = (const struct sockaddr_in6 *)(const void *)sa;
	*port = ntohs(sin6->sin6_port);
	/* A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d. */
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
		return inet_ntop(AF_INET, &v4, out, (socklen_t)size) ? 0 : -1;
	}
	return inet_ntop(AF_INET6, &sin6->sin6_addr, out, (socklen_t)size) ?
	    0 : -1;
}

char *
fakemx_util_escape(const char *src, size_t len, char *dst, size_t size)
{
	unsigned char	 c;
	size_t		 i, n = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (n + 1 >= size)
				break;
			dst[n++] = (char)c;
			continue;
		}
		if (n + ESCAPE_LEN >= size)
			break;
		(void)snprintf(dst + n, size - n, "\\x%02x", c); /* fits */
		n += ESCAPE_LEN;
	}
	if (size > 0)
		dst[n] = '\0';
	return dst;
}

/* hex_value - value of one hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * unescape_one - decode the escape at p (just after the backslash) into
 * *c. Returns how many characters of p it used, or 0 if it is invalid.
 */
static size_t
unescape_one(const char *p, char *c)
{
	int	 hi, lo;

	switch (p[0]) {
	case 'r':
		*c = '\r';
		return 1;
	case 'n':
		*c = '\n';
		return 1;
	case 't':
		*c = '\t';
		return 1;
	case '\\':
		*c = '\\';
		return 1;
	case '0':
		*c = '\0';
		return 1;
	case 'x':
		hi = hex_value(p[1]);
		lo = hi < 0 ? -1 : hex_value(p[2]);
		if (lo < 0)
			return 0;
		*c = (char)(hi * 16 + lo);
		return 3;
	default:
		return 0;
	}
}

int
fakemx_util_unescape(const char *src, char **out, size_t *outlen, char *err,
    size_t errsize)
{
	char	*dst;
	size_t	 i = 0, n = 0, used;

	/* Decoding never makes the text longer. */
	dst = malloc(strlen(src) + 1);
	if (dst == NULL) {
		(void)snprintf(err, errsize, "out of memory"); /* one line */
		return -1;
	}
	while (src[i] != '\0') {
		if (src[i] != '\\') {
			dst[n++] = src[i++];
			continue;
		}
		used = unescape_one(src + i + 1, &dst[n]);
		if (used == 0) {
			(void)snprintf(err, errsize, "bad escape at character "
			    "%zu of the value (use \\r \\n \\t \\\\ \\0 "
			    "\\xNN)", i + 1);
			free(dst);
			return -1;
		}
		n++;
		i += 1 + used;
	}
	dst[n] = '\0';
	*out = dst;
	*outlen = n;
	return 0;
}

void
fakemx_util_log(int fd, const char *fmt, ...)
{
	char	 line[FAKEMX_LOG_LINE_MAX + 1];
	va_list	 ap;
	int	 n;

	if (fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A longer line is cut: the escaped command lines always fit. */
	if ((size_t)n > sizeof(line) - 2)
		n = (int)(sizeof(line) - 2);
	line[n++] = '\n';
	/*
	 * One write per line keeps lines whole. A failed or short write only
	 * loses log text, and retrying the rest would split the line.
	 */
	if (write(fd, line, (size_t)n) != n)
		return;
}

void
fakemx_util_sleep_ms(long ms)
{
	struct timespec	 ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}
