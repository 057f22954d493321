/*
 * fakemx_conn - one accepted client connection of the fake MX, plain TCP
 * until STARTTLS, then TLS (server side, OpenSSL).
 *
 * Reading never takes bytes past the end of the current line: the reader
 * peeks, then consumes up to the LF. So after "STARTTLS\r\n" whatever a
 * client wrongly sent next is still in the socket and reaches the TLS
 * handshake, which breaks, as it would on a real server that discards
 * nothing (RFC 3207 5).
 *
 * The idle timeout is the socket's SO_RCVTIMEO/SO_SNDTIMEO: every single
 * read or write, including the TLS handshake, may wait that long.
 *
 * Errors: fakemx_conn_read_line() returns an enum fakemx_conn_rc; the
 * other functions return 0 or -1 and, where they can, a reason in err.
 */
#ifndef SMTPPROBE_FAKEMX_CONN_H
#define SMTPPROBE_FAKEMX_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/*
 * After closing our side, read and drop what the client still sends for
 * this long, so that unread input does not make the kernel answer with a
 * RST that could destroy our last reply before the client reads it.
 */
#define FAKEMX_CONN_LINGER_MS		1000
#define FAKEMX_CONN_LINGER_BYTES	(1024 * 1024)

enum fakemx_conn_rc {
	FAKEMX_CONN_OK,		/* a line, CRLF or LF removed */
	FAKEMX_CONN_TOO_LONG,	/* over FAKEMX_LINE_MAX, read to its LF */
	FAKEMX_CONN_EOF,	/* the client closed */
	FAKEMX_CONN_TIMEOUT,	/* nothing for the idle timeout */
	FAKEMX_CONN_ERROR	/* read error; reason in errno or TLS */
};

struct fakemx_conn {
	int	 fd;		/* -1 once closed */
	SSL	*ssl;		/* NULL until STARTTLS */
};

/*
 * fakemx_conn_open - take over the connected socket fd and set its idle
 * timeout. Returns 0, or -1 if the timeout cannot be set.
 */
int	 fakemx_conn_open(struct fakemx_conn *c, int fd, int timeout_s);

/*
 * fakemx_conn_write - write all len bytes. Returns 0, or -1 when the
 * client has gone or the write timed out.
 */
int	 fakemx_conn_write(struct fakemx_conn *c, const void *buf,
	    size_t len);

/*
 * fakemx_conn_read_line - read one line into line (size bytes, at least
 * FAKEMX_LINE_MAX + 3) without its line end; *len is its length. NUL bytes
 * are kept (line is also NUL-terminated). Accepts a bare LF.
 */
enum fakemx_conn_rc fakemx_conn_read_line(struct fakemx_conn *c, char *line,
	    size_t size, size_t *len);

/*
 * fakemx_conn_discard - read and drop everything until the client closes
 * or the idle timeout passes (the stall action).
 */
void	 fakemx_conn_discard(struct fakemx_conn *c);

/*
 * fakemx_conn_reset - abort the connection (the reset action): no TLS
 * close_notify, SO_LINGER 0, close, so the client gets a TCP RST.
 */
void	 fakemx_conn_reset(struct fakemx_conn *c);

/*
 * fakemx_conn_starttls - server-side TLS handshake on the connection.
 * Returns 0, or -1 with the reason in err (the connection is then unusable).
 */
int	 fakemx_conn_starttls(struct fakemx_conn *c, SSL_CTX *ctx, char *err,
	    size_t errsize);

/* fakemx_conn_tls_version, _tls_cipher - names after the handshake. */
const char *fakemx_conn_tls_version(const struct fakemx_conn *c);
const char *fakemx_conn_tls_cipher(const struct fakemx_conn *c);

/*
 * fakemx_conn_close - send a TLS close_notify if in TLS, end our side,
 * drain the client for up to FAKEMX_CONN_LINGER_MS and close. Safe twice.
 */
void	 fakemx_conn_close(struct fakemx_conn *c);

#endif
