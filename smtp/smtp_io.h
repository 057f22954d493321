/*
 * smtp_io - the transport seam of the SMTP engine: a byte stream with
 * deadlines, and a line reader on top of it.
 *
 * Three implementations sit behind struct smtp_io_ops: plain TCP and TLS
 * (both here) and the in-memory script the unit tests use. Everything
 * above this module reads lines, writes commands and starts TLS without
 * knowing which one it talks to: the TLS upgrade is a transport operation
 * too (ops->starttls), so the in-memory transport can fake it and the
 * unit tests run the dialogue through STARTTLS. The read buffer lives
 * here so that STARTTLS can see bytes a server sent after its 220 and
 * before the handshake (RFC 3207 5).
 *
 * Limits: SMTP_IO_BUF_SIZE bytes of read-ahead; a line is bounded by the
 * caller's max. All waits end at an absolute deadline in CLOCK_MONOTONIC
 * milliseconds (smtp_io_now_ms()).
 *
 * Errors: SMTP_E_BIND, SMTP_E_CONNECT, SMTP_E_IO (includes the peer
 * closing), SMTP_E_TIMEOUT, SMTP_E_LIMIT, SMTP_E_TLS, SMTP_E_NOMEM.
 */
#ifndef SMTPPROBE_SMTP_IO_H
#define SMTPPROBE_SMTP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "tls/tls_conn.h"

/* One TCP segment of replies fits; more would only delay error checks. */
#define SMTP_IO_BUF_SIZE	4096

/* Returns bytes read (> 0), 0 at end of stream, -1 with err filled. */
typedef ssize_t	smtp_io_read_fn(void *ctx, void *buf, size_t len,
		    int64_t deadline_ms, struct smtp_err *err);
/* Writes all len bytes or fails with err filled. */
typedef enum smtp_rc smtp_io_write_fn(void *ctx, const void *buf,
		    size_t len, int64_t deadline_ms, struct smtp_err *err);
typedef void	smtp_io_close_fn(void *ctx);
/*
 * Runs the TLS handshake on the transport (tls_ctx and host borrowed),
 * fills *facts as far as it got, and from then on carries reads and
 * writes over TLS. Read-ahead has already been dropped by the caller.
 * Returns SMTP_OK, or SMTP_E_TLS / SMTP_E_TIMEOUT with err filled.
 */
typedef enum smtp_rc smtp_io_starttls_fn(void *ctx, struct tls_ctx *tls_ctx,
		    const char *host, int64_t deadline_ms,
		    struct tls_facts *facts, struct smtp_err *err);

struct smtp_io_ops {
	smtp_io_read_fn		*read;
	smtp_io_write_fn	*write;
	smtp_io_close_fn	*close;		/* may be NULL */
	smtp_io_starttls_fn	*starttls;	/* NULL: cannot start TLS */
};

struct smtp_io {
	const struct smtp_io_ops *ops;
	void			*ctx;
	int			 fd;	/* -1 unless a TCP socket is open */
	struct tls_conn		*tls;	/* set after smtp_io_starttls() */
	unsigned char		 buf[SMTP_IO_BUF_SIZE];
	size_t			 pos;
	size_t			 len;
	bool			 is_eof;
};

/* smtp_io_now_ms - CLOCK_MONOTONIC in milliseconds. */
int64_t		smtp_io_now_ms(void);

/*
 * smtp_io_init - attach a caller-provided implementation (tests). Borrows
 * ops and ctx for the life of io.
 */
void		smtp_io_init(struct smtp_io *io, const struct smtp_io_ops *ops,
		    void *ctx);

/*
 * smtp_io_check_source - can src be bound on this machine? Creates and
 * closes a socket; nothing is sent.
 * Errors: SMTP_E_BIND (with the system's reason), SMTP_E_USAGE.
 */
enum smtp_rc	smtp_io_check_source(const struct sockaddr *src,
		    socklen_t srclen, struct smtp_err *err);

/*
 * smtp_io_open_tcp - bind to src (when not NULL) and connect to dst before
 * the deadline. Addresses are borrowed. On failure io is left closed.
 * Errors: SMTP_E_BIND, SMTP_E_CONNECT, SMTP_E_TIMEOUT, SMTP_E_USAGE.
 */
enum smtp_rc	smtp_io_open_tcp(struct smtp_io *io,
		    const struct sockaddr *dst, socklen_t dstlen,
		    const struct sockaddr *src, socklen_t srclen,
		    int64_t deadline_ms, struct smtp_err *err);

/*
 * smtp_io_read_line - read one line into line (reset first), without its
 * CRLF or bare LF; *bare_lf tells which ended it. A line longer than max
 * bytes is SMTP_E_LIMIT with its first max bytes left in line as
 * evidence. End of stream before a line end is SMTP_E_IO, with the partial
 * line kept. Embedded NUL bytes are kept: judging them is the caller's job.
 * A line that opens with a TLS record header (RFC 8446 5.1) is
 * SMTP_E_TLS_PLAIN_PORT as soon as its third byte is in, the bytes kept:
 * the peer speaks TLS and no line end will come.
 * Errors: SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_LIMIT, SMTP_E_TLS, SMTP_E_NOMEM,
 * SMTP_E_TLS_PLAIN_PORT.
 */
enum smtp_rc	smtp_io_read_line(struct smtp_io *io, struct smtp_buf *line,
		    size_t max, bool *bare_lf, int64_t deadline_ms,
		    struct smtp_err *err);

/*
 * smtp_io_write - write all len bytes.
 * Errors: SMTP_E_IO, SMTP_E_TIMEOUT, SMTP_E_TLS.
 */
enum smtp_rc	smtp_io_write(struct smtp_io *io, const void *buf, size_t len,
		    int64_t deadline_ms, struct smtp_err *err);

/* smtp_io_pending - bytes read from the peer but not yet consumed. */
size_t		smtp_io_pending(const struct smtp_io *io);

/*
 * smtp_io_starttls - throw away any read-ahead (*discarded says how many
 * bytes: RFC 3207 5, they must never be taken as a reply after the
 * handshake), then run the transport's TLS handshake (ops->starttls).
 * Borrows ctx; host is the SNI and peer name. *facts is filled as far as
 * the handshake got. From here on reads and writes go through TLS.
 * Deciding that such bytes end the attempt is the dialogue's job (it
 * never calls this when there are any); the discard here is the last
 * line of defence, so that no transport ever carries plaintext read
 * before the handshake into the TLS session.
 * Errors: SMTP_E_TLS, SMTP_E_TIMEOUT, SMTP_E_USAGE (the transport cannot
 * start TLS, or already did).
 */
enum smtp_rc	smtp_io_starttls(struct smtp_io *io, struct tls_ctx *ctx,
		    const char *host, int64_t deadline_ms,
		    struct tls_facts *facts, size_t *discarded,
		    struct smtp_err *err);

/* smtp_io_close - close TLS and the socket; safe to call twice. */
void		smtp_io_close(struct smtp_io *io);

#endif
