/*
 * smtp_io - TCP and TLS transports, and the bounded line reader.
 *
 * Sockets are non-blocking from the start so that every wait is a poll()
 * against the stage deadline: a server that goes silent costs us exactly
 * its stage timeout, never more.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtp/smtp_io.h"
#include "smtp/smtp_clock.h"

/* RFC 8446 5.1: a record's content type and legacy version bytes. */
#define SMTP_IO_TLS_HEADER_LEN		3
#define SMTP_IO_TLS_ALERT		21
#define SMTP_IO_TLS_HANDSHAKE		22
#define SMTP_IO_TLS_VERSION_MAJOR	3
/* SSL 3.0 (3.0) to TLS 1.3's record layer (3.4 at most). */
#define SMTP_IO_TLS_MINOR_MAX		4

int64_t
smtp_io_now_ms(void)
{
	return smtp_clock_ms();
}

/*
 * Wait for events on fd until the deadline. Returns 1 when ready, 0 on
 * timeout, -1 on error (errno set).
 */
static int
smtp_io_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline_ms - smtp_io_now_ms();
		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n >= 0)
			return n > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
	}
}

static ssize_t
smtp_io_tcp_read(void *ctx, void *buf, size_t len, int64_t deadline_ms,
    struct smtp_err *err)
{
	struct smtp_io *io = ctx;
	ssize_t n;
	int w;

	for (;;) {
		n = recv(io->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			smtp_err_set(err, SMTP_E_IO, "read failed: %s",
			    strerror(errno));
			return -1;
		}
		w = smtp_io_wait(io->fd, POLLIN, deadline_ms);
		if (w == 0) {
			smtp_err_set(err, SMTP_E_TIMEOUT,
			    "no reply before the timeout");
			return -1;
		}
		if (w < 0) {
			smtp_err_set(err, SMTP_E_IO, "poll failed: %s",
			    strerror(errno));
			return -1;
		}
	}
}

static enum smtp_rc
smtp_io_tcp_write(void *ctx, const void *buf, size_t len,
    int64_t deadline_ms, struct smtp_err *err)
{
	struct smtp_io *io = ctx;
	const char *p = buf;
	ssize_t n;
	int w;

	while (len > 0) {
		/* MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE. */
		n = send(io->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return smtp_err_set(err, SMTP_E_IO, "write failed: %s",
			    strerror(errno));
		w = smtp_io_wait(io->fd, POLLOUT, deadline_ms);
		if (w == 0)
			return smtp_err_set(err, SMTP_E_TIMEOUT,
			    "write did not complete before the timeout");
		if (w < 0)
			return smtp_err_set(err, SMTP_E_IO, "poll failed: %s",
			    strerror(errno));
	}
	return SMTP_OK;
}

static smtp_io_starttls_fn smtp_io_tcp_starttls;

static const struct smtp_io_ops smtp_io_tcp_ops = {
	.read = smtp_io_tcp_read,
	.write = smtp_io_tcp_write,
	.close = NULL,
	.starttls = smtp_io_tcp_starttls,
};

/* A failed handshake: a TLS finding, unless the deadline ended it. */
static enum smtp_rc
smtp_io_tls_rc(const struct tls_err *terr)
{
	return terr->rc == TLS_E_TIMEOUT ? SMTP_E_TIMEOUT : SMTP_E_TLS;
}

/*
 * A failed read or write on an established session. A socket error (a
 * reset) or a close is network trouble, as the same event in plaintext
 * is: the handshake succeeded, so TLS policy has nothing to do with it.
 * Only a TLS protocol error (a bad record, an alert) stays a TLS one.
 */
static enum smtp_rc
smtp_io_tls_io_rc(const struct tls_err *terr)
{
	if (terr->rc == TLS_E_IO || terr->rc == TLS_E_CLOSED)
		return SMTP_E_IO;
	return smtp_io_tls_rc(terr);
}

static ssize_t
smtp_io_tls_read(void *ctx, void *buf, size_t len, int64_t deadline_ms,
    struct smtp_err *err)
{
	struct smtp_io *io = ctx;
	struct tls_err terr = { 0 };
	ssize_t n;

	n = tls_conn_read(io->tls, buf, len, deadline_ms, &terr);
	if (n < 0)
		smtp_err_set(err, smtp_io_tls_io_rc(&terr), "%s", terr.msg);
	return n;
}

static enum smtp_rc
smtp_io_tls_write(void *ctx, const void *buf, size_t len,
    int64_t deadline_ms, struct smtp_err *err)
{
	struct smtp_io *io = ctx;
	struct tls_err terr = { 0 };

	if (tls_conn_write(io->tls, buf, len, deadline_ms, &terr) != 0)
		return smtp_err_set(err, smtp_io_tls_io_rc(&terr), "%s",
		    terr.msg);
	return SMTP_OK;
}

/* TLS cannot be started twice on one connection: starttls is NULL. */
static const struct smtp_io_ops smtp_io_tls_ops = {
	.read = smtp_io_tls_read,
	.write = smtp_io_tls_write,
	.close = NULL,
	.starttls = NULL,
};

/* The TCP transport's upgrade: the handshake on its socket. */
static enum smtp_rc
smtp_io_tcp_starttls(void *ctx, struct tls_ctx *tls_ctx, const char *host,
    int64_t deadline_ms, struct tls_facts *facts, struct smtp_err *err)
{
	struct smtp_io *io = ctx;
	struct tls_err terr = { 0 };

	if (io->fd < 0 || io->tls != NULL)
		return smtp_err_set(err, SMTP_E_USAGE,
		    "STARTTLS needs a plain TCP connection");
	io->tls = tls_conn_open(tls_ctx, io->fd, host, deadline_ms, facts,
	    &terr);
	if (io->tls == NULL)
		return smtp_err_set(err, smtp_io_tls_rc(&terr), "%s",
		    terr.msg);
	io->ops = &smtp_io_tls_ops;
	io->ctx = io;
	return SMTP_OK;
}

void
smtp_io_init(struct smtp_io *io, const struct smtp_io_ops *ops, void *ctx)
{
	memset(io, 0, offsetof(struct smtp_io, buf));
	io->ops = ops;
	io->ctx = ctx;
	io->fd = -1;
	io->pos = 0;
	io->len = 0;
	io->is_eof = false;
}

static void
smtp_io_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *bin;

	if (sa->sa_family == AF_INET6)
		bin = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		bin = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, bin, out, (socklen_t)outlen) == NULL)
		(void)snprintf(out, outlen, "?");	/* text is cosmetic */
}

/*
 * Bind fd to src. The reasons an operator meets are an address that is
 * not configured here and one a non-root user may not use; say which.
 */
static enum smtp_rc
smtp_io_bind(int fd, const struct sockaddr *src, socklen_t srclen,
    struct smtp_err *err)
{
	char text[INET6_ADDRSTRLEN];

	if (bind(fd, src, srclen) == 0)
		return SMTP_OK;
	smtp_io_addr_text(src, text, sizeof(text));
	if (errno == EADDRNOTAVAIL)
		return smtp_err_set(err, SMTP_E_BIND,
		    "source address %s is not configured on this machine",
		    text);
	return smtp_err_set(err, SMTP_E_BIND,
	    "cannot bind source address %s: %s", text, strerror(errno));
}

enum smtp_rc
smtp_io_check_source(const struct sockaddr *src, socklen_t srclen,
    struct smtp_err *err)
{
	enum smtp_rc rc;
	int fd;

	fd = socket(src->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return smtp_err_set(err, SMTP_E_BIND, "socket: %s",
		    strerror(errno));
	rc = smtp_io_bind(fd, src, srclen, err);
	(void)close(fd);	/* nothing was sent; close cannot lose data */
	return rc;
}

/* Finish a non-blocking connect: wait, then read the socket's verdict. */
static enum smtp_rc
smtp_io_connect_wait(int fd, int64_t deadline_ms, struct smtp_err *err)
{
	socklen_t sl = sizeof(int);
	int w, soerr = 0;

	w = smtp_io_wait(fd, POLLOUT, deadline_ms);
	if (w == 0)
		return smtp_err_set(err, SMTP_E_TIMEOUT,
		    "connection timed out");
	if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return smtp_err_set(err, SMTP_E_CONNECT, "connect: %s",
		    strerror(errno));
	if (soerr != 0)
		return smtp_err_set(err, SMTP_E_CONNECT, "%s",
		    strerror(soerr));
	return SMTP_OK;
}

enum smtp_rc
smtp_io_open_tcp(struct smtp_io *io, const struct sockaddr *dst,
    socklen_t dstlen, const struct sockaddr *src, socklen_t srclen,
    int64_t deadline_ms, struct smtp_err *err)
{
	enum smtp_rc rc = SMTP_OK;
	int fd, one = 1;

	smtp_io_init(io, &smtp_io_tcp_ops, io);
	if (src != NULL && src->sa_family != dst->sa_family)
		return smtp_err_set(err, SMTP_E_USAGE,
		    "source and destination address families differ");
	fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return smtp_err_set(err, SMTP_E_CONNECT, "socket: %s",
		    strerror(errno));
	/*
	 * Every command goes out in one write and waits for its reply, so
	 * Nagle's algorithm can only add delayed-ACK stalls (40 ms right
	 * after the TLS handshake) to the stage times we report.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src != NULL) {
		rc = smtp_io_bind(fd, src, srclen, err);
		if (rc != SMTP_OK)
			goto out;
	}
	if (connect(fd, dst, dstlen) != 0) {
		if (errno != EINPROGRESS) {
			rc = smtp_err_set(err, SMTP_E_CONNECT, "%s",
			    strerror(errno));
			goto out;
		}
		rc = smtp_io_connect_wait(fd, deadline_ms, err);
	}
out:
	if (rc != SMTP_OK)
		(void)close(fd);	/* failed before any data moved */
	else
		io->fd = fd;
	return rc;
}

/* Refill the read-ahead buffer; only called when it is empty. */
static enum smtp_rc
smtp_io_fill(struct smtp_io *io, int64_t deadline_ms, struct smtp_err *err)
{
	ssize_t n;

	if (io->is_eof)
		return smtp_err_set(err, SMTP_E_IO,
		    "connection closed by the server");
	n = io->ops->read(io->ctx, io->buf, sizeof(io->buf), deadline_ms, err);
	if (n < 0)
		return err->rc;
	if (n == 0) {
		io->is_eof = true;
		return smtp_err_set(err, SMTP_E_IO,
		    "connection closed by the server");
	}
	io->pos = 0;
	io->len = (size_t)n;
	return SMTP_OK;
}

/*
 * Move bytes up to and including the next LF into line, but never let
 * line pass max + 2 bytes (the text plus CRLF). Returns true when a LF
 * was reached.
 */
static bool
smtp_io_take(struct smtp_io *io, struct smtp_buf *line, size_t max,
    enum smtp_rc *rc)
{
	const unsigned char *start = io->buf + io->pos;
	const unsigned char *lf;
	size_t avail = io->len - io->pos, n, room;

	lf = memchr(start, '\n', avail);
	n = lf != NULL ? (size_t)(lf - start) + 1 : avail;
	room = max + 2 - line->len;
	if (n > room)
		n = room;
	*rc = smtp_buf_append(line, start, n, max + 2);
	io->pos += n;
	return *rc == SMTP_OK && n > 0 && line->data[line->len - 1] == '\n';
}

/* Strip the line end; report a bare LF; enforce the text bound. */
static enum smtp_rc
smtp_io_finish_line(struct smtp_buf *line, size_t max, bool *bare_lf,
    struct smtp_err *err)
{
	line->data[--line->len] = '\0';
	*bare_lf = true;
	if (line->len > 0 && line->data[line->len - 1] == '\r') {
		line->data[--line->len] = '\0';
		*bare_lf = false;
	}
	if (line->len > max) {
		line->len = max;
		line->data[max] = '\0';
		return smtp_err_set(err, SMTP_E_LIMIT,
		    "reply line longer than %zu bytes", max);
	}
	return SMTP_OK;
}

/*
 * RFC 8446 5.1: a TLS record opens with its content type (21 alert, 22
 * handshake) and a version whose first byte is 3. No SMTP line starts
 * so, and a peer that sends one speaks TLS here: it will send no line
 * end, so waiting for one would only spend the stage's timeout.
 */
static bool
smtp_io_is_tls_record(const struct smtp_buf *line)
{
	const unsigned char *b = (const unsigned char *)line->data;

	return line->len >= SMTP_IO_TLS_HEADER_LEN &&
	    (b[0] == SMTP_IO_TLS_ALERT || b[0] == SMTP_IO_TLS_HANDSHAKE) &&
	    b[1] == SMTP_IO_TLS_VERSION_MAJOR && b[2] <= SMTP_IO_TLS_MINOR_MAX;
}

enum smtp_rc
smtp_io_read_line(struct smtp_io *io, struct smtp_buf *line, size_t max,
    bool *bare_lf, int64_t deadline_ms, struct smtp_err *err)
{
	enum smtp_rc rc;
	bool is_line;

	line->len = 0;
	if (line->data != NULL)
		line->data[0] = '\0';
	*bare_lf = false;
	for (;;) {
		if (io->pos == io->len) {
			rc = smtp_io_fill(io, deadline_ms, err);
			if (rc != SMTP_OK)
				return rc;
		}
		is_line = smtp_io_take(io, line, max, &rc);
		if (rc == SMTP_E_NOMEM)
			return smtp_err_set(err, rc, "out of memory");
		if (smtp_io_is_tls_record(line))
			return smtp_err_set(err, SMTP_E_TLS_PLAIN_PORT, "a TLS record "
			    "came where an SMTP reply should start: the "
			    "server speaks TLS on this port (implicit TLS, "
			    "as on port 465), not SMTP");
		if (is_line)
			return smtp_io_finish_line(line, max, bare_lf, err);
		if (line->len >= max + 2) {
			line->len = max;
			line->data[max] = '\0';
			return smtp_err_set(err, SMTP_E_LIMIT,
			    "reply line longer than %zu bytes", max);
		}
	}
}

enum smtp_rc
smtp_io_write(struct smtp_io *io, const void *buf, size_t len,
    int64_t deadline_ms, struct smtp_err *err)
{
	return io->ops->write(io->ctx, buf, len, deadline_ms, err);
}

size_t
smtp_io_pending(const struct smtp_io *io)
{
	return io->len - io->pos;
}

enum smtp_rc
smtp_io_starttls(struct smtp_io *io, struct tls_ctx *ctx, const char *host,
    int64_t deadline_ms, struct tls_facts *facts, size_t *discarded,
    struct smtp_err *err)
{
	/* RFC 3207 5: nothing sent before the handshake may count after it. */
	*discarded = smtp_io_pending(io);
	io->pos = io->len = 0;
	if (io->ops == NULL || io->ops->starttls == NULL)
		return smtp_err_set(err, SMTP_E_USAGE,
		    "this connection cannot start TLS");
	return io->ops->starttls(io->ctx, ctx, host, deadline_ms, facts, err);
}

void
smtp_io_close(struct smtp_io *io)
{
	/* Never opened (a zeroed struct has fd 0, which is not ours). */
	if (io->ops == NULL)
		return;
	if (io->tls != NULL) {
		tls_conn_close(io->tls);
		io->tls = NULL;
	}
	if (io->fd >= 0) {
		(void)close(io->fd);	/* QUIT is done; nothing left to lose */
		io->fd = -1;
	}
	if (io->ops != NULL && io->ops->close != NULL)
		io->ops->close(io->ctx);
	io->ops = NULL;
	io->pos = io->len = 0;
}
