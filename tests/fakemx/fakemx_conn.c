/*
 * fakemx_conn - line reading, writing and STARTTLS on one connection.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "fakemx_conn.h"
#include "fakemx_util.h"

/* A read buffer for dropping input; its size only sets the pace. */
#define DISCARD_BUF	4096

static int
set_timeout(int fd, long ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
fakemx_conn_open(struct fakemx_conn *c, int fd, int timeout_s)
{
	c->fd = fd;
	c->ssl = NULL;
	return set_timeout(fd, timeout_s * 1000L);
}

/*
 * tls_result - map an SSL_read/SSL_peek/SSL_write result to the plain
 * socket convention: > 0 bytes, 0 orderly close, -1 error with errno
 * (EAGAIN when the idle timeout passed).
 */
static ssize_t
tls_result(SSL *ssl, int n)
{
	if (n > 0)
		return n;
	switch (SSL_get_error(ssl, n)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		/* Blocking socket: only SO_RCVTIMEO/SO_SNDTIMEO get here. */
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

/* conn_read - read (or with peek, look at) up to len bytes. */
static ssize_t
conn_read(struct fakemx_conn *c, char *buf, size_t len, bool is_peek)
{
	ssize_t	 n;
	int	 max = len > INT_MAX ? INT_MAX : (int)len;

	if (c->ssl != NULL) {
		ERR_clear_error();
		n = is_peek ? SSL_peek(c->ssl, buf, max) :
		    SSL_read(c->ssl, buf, max);
		return tls_result(c->ssl, (int)n);
	}
	do
		n = recv(c->fd, buf, len, is_peek ? MSG_PEEK : 0);
	while (n == -1 && errno == EINTR);
	return n;
}

int
fakemx_conn_write(struct fakemx_conn *c, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = tls_result(c->ssl, SSL_write(c->ssl, p,
			    len > INT_MAX ? INT_MAX : (int)len));
		} else
			n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum fakemx_conn_rc
read_failure(ssize_t n)
{
	if (n == 0)
		return FAKEMX_CONN_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return FAKEMX_CONN_TIMEOUT;
	return FAKEMX_CONN_ERROR;
}

/*
 * take - consume n bytes already seen by a peek. They are in the socket or
 * TLS buffer, so the reads return them at once.
 */
static ssize_t
take(struct fakemx_conn *c, char *buf, size_t n)
{
	ssize_t	 got;
	size_t	 done = 0;

	while (done < n) {
		got = conn_read(c, buf + done, n - done, false);
		if (got <= 0)
			return got;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

/* chomp - remove the line end of a complete line and check its length. */
static enum fakemx_conn_rc
chomp(char *line, size_t *len)
{
	(*len)--;
	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	line[*len] = '\0';
	return *len > FAKEMX_LINE_MAX ? FAKEMX_CONN_TOO_LONG : FAKEMX_CONN_OK;
}

/*
 * Peek, then consume only through the LF, so bytes after the line stay
 * unread (see the header). Bytes without a LF are consumed as they come:
 * they belong to this line whatever follows. Once the line cannot fit,
 * the rest of it is read into the same buffer and dropped.
 */
enum fakemx_conn_rc
fakemx_conn_read_line(struct fakemx_conn *c, char *line, size_t size,
    size_t *len)
{
	const char	*lf;
	ssize_t		 n;
	size_t		 room;
	bool		 is_long = false;

	*len = 0;
	for (;;) {
		room = size - 1 - *len;
		n = conn_read(c, line + *len, room, true);
		if (n <= 0)
			return read_failure(n);
		lf = memchr(line + *len, '\n', (size_t)n);
		if (lf != NULL)
			n = lf - (line + *len) + 1;
		n = take(c, line + *len, (size_t)n);
		if (n <= 0)
			return read_failure(n);
		*len += (size_t)n;
		if (lf != NULL && is_long) {
			*len = 0;
			return FAKEMX_CONN_TOO_LONG;
		}
		if (lf != NULL)
			return chomp(line, len);
		if (*len == size - 1) {
			is_long = true;
			*len = 0;
		}
	}
}

void
fakemx_conn_discard(struct fakemx_conn *c)
{
	char	 buf[DISCARD_BUF];

	while (conn_read(c, buf, sizeof(buf), false) > 0)
		continue;
}

void
fakemx_conn_reset(struct fakemx_conn *c)
{
	struct linger	 l = { .l_onoff = 1, .l_linger = 0 };

	if (c->ssl != NULL) {
		SSL_free(c->ssl);	/* no close_notify: an abort */
		c->ssl = NULL;
	}
	if (c->fd == -1)
		return;
	/* Without it the close is a FIN, which is no reset. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1)
		(void)shutdown(c->fd, SHUT_RDWR);
	(void)close(c->fd);
	c->fd = -1;
}

int
fakemx_conn_starttls(struct fakemx_conn *c, SSL_CTX *ctx, char *err,
    size_t errsize)
{
	const char	*reason;
	ssize_t		 n;
	int		 r;

	ERR_clear_error();
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		(void)snprintf(err, errsize, "cannot set up TLS");
		goto fail;
	}
	r = SSL_accept(c->ssl);
	if (r == 1)
		return 0;
	reason = ERR_reason_error_string(ERR_peek_last_error());
	n = tls_result(c->ssl, r);
	if (reason != NULL)
		(void)snprintf(err, errsize, "%s", reason);
	else if (n == -1 && errno == EAGAIN)
		(void)snprintf(err, errsize, "idle timeout in the handshake");
	else
		(void)snprintf(err, errsize, "connection closed in the "
		    "handshake");
fail:
	SSL_free(c->ssl);
	c->ssl = NULL;
	return -1;
}

const char *
fakemx_conn_tls_version(const struct fakemx_conn *c)
{
	return c->ssl != NULL ? SSL_get_version(c->ssl) : "none";
}

const char *
fakemx_conn_tls_cipher(const struct fakemx_conn *c)
{
	return c->ssl != NULL ? SSL_get_cipher_name(c->ssl) : "none";
}

void
fakemx_conn_close(struct fakemx_conn *c)
{
	char	 buf[DISCARD_BUF];
	size_t	 total = 0;
	ssize_t	 n = 1;

	if (c->ssl != NULL) {
		/* Our close_notify only; the client's is not waited for. */
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd == -1)
		return;
	/* Failures below only make the close less graceful. */
	(void)shutdown(c->fd, SHUT_WR);
	if (set_timeout(c->fd, FAKEMX_CONN_LINGER_MS) == -1)
		n = 0;
	while (n > 0 && total < FAKEMX_CONN_LINGER_BYTES) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		total += n > 0 ? (size_t)n : 0;
	}
	(void)close(c->fd);
	c->fd = -1;
}
