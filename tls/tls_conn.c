/*
 * tls_conn - one client-side TLS session over an already connected socket.
 * See tls_conn.h for what it does, its limits and its errors.
 *
 * Every OpenSSL call that can fail is preceded by ERR_clear_error(), so
 * that the reason we quote belongs to this call on this connection and
 * not to an earlier one in the same thread. The socket is driven through
 * our own BIO (send() with MSG_NOSIGNAL, recv()) and waited on with
 * poll() against the caller's absolute deadline.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/tls_cert.h"
#include "tls/tls_conn.h"

/*
 * RFC 1035 2.3.4: a domain name is at most 255 octets, and RFC 6066 3
 * caps SNI at the same length. A longer name cannot be an MX host.
 */
#define TLS_CONN_HOST_MAX	255

/*
 * After one batch of TLS 1.3 session tickets, how long to wait for more:
 * servers send theirs in one flight, so a few milliseconds tell.
 */
#define TLS_CONN_SETTLE_MORE_MS	5

/*
 * BIO type of our socket BIO. Nothing looks it up by type; a fixed value
 * avoids taking a new process-wide index (BIO_get_new_index()) for every
 * context, when a type has only 8 bits for it.
 */
#define TLS_CONN_BIO_TYPE	(BIO_TYPE_START | BIO_TYPE_SOURCE_SINK)

struct tls_ctx {
	SSL_CTX		*ssl_ctx;
	BIO_METHOD	*bio_method;	/* shared by every connection */
};

struct tls_conn {
	SSL	*ssl;
	int	 fd;		/* borrowed: never closed here */
	int	 io_errno;	/* errno of the last failed send/recv */
	bool	 at_eof;	/* recv() saw the peer's FIN */
	bool	 is_broken;	/* fatal error: no close_notify now */
};

/* What one poll-and-retry round left us with. */
enum tls_step {
	TLS_STEP_AGAIN,		/* socket ready: call OpenSSL again */
	TLS_STEP_EOF,		/* the peer closed */
	TLS_STEP_FAIL,		/* err is filled */
};

enum tls_conn_op {
	TLS_CONN_OP_HANDSHAKE,
	TLS_CONN_OP_READ,
	TLS_CONN_OP_WRITE,
	TLS_CONN_OP_COUNT
};

/*
 * Per operation: the word in messages, the code for a TLS protocol error
 * and the code when the peer closes (read turns a close into 0 bytes).
 */
struct tls_conn_op_def {
	const char	*name;
	enum tls_rc	 proto_rc;
	enum tls_rc	 eof_rc;
};

static const struct tls_conn_op_def tls_conn_ops[] = {
	[TLS_CONN_OP_HANDSHAKE] = { "handshake", TLS_E_HANDSHAKE,
	    TLS_E_HANDSHAKE },
	[TLS_CONN_OP_READ] = { "read", TLS_E_HANDSHAKE, TLS_OK },
	[TLS_CONN_OP_WRITE] = { "write", TLS_E_IO, TLS_E_CLOSED },
};
_Static_assert(sizeof(tls_conn_ops) / sizeof(tls_conn_ops[0]) ==
    TLS_CONN_OP_COUNT, "each operation needs a row");

static enum tls_rc tls_conn_fail(struct tls_err *, enum tls_rc,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
tls_conn_err_clear(struct tls_err *err)
{
	err->rc = TLS_OK;
	err->msg[0] = '\0';
}

static enum tls_rc
tls_conn_fail(struct tls_err *err, enum tls_rc rc, const char *fmt, ...)
{
	va_list	 ap;

	err->rc = rc;
	va_start(ap, fmt);
	/* Truncation is fine: the message is one line for a human. */
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
	va_end(ap);
	return rc;
}

/*
 * OpenSSL's reason for the first queued error: the cause, where later
 * entries are OpenSSL unwinding. For an alert from the peer the reason is
 * the alert description ("sslv3 alert handshake failure"), so alerts
 * need no info callback. The queue is emptied afterwards.
 */
static void
tls_conn_reason(char *buf, size_t len)
{
	unsigned long	 e;
	const char	*r;

	e = ERR_peek_error();
	r = e == 0 ? "no detail from OpenSSL" : ERR_reason_error_string(e);
	/* snprintf may cut the reason to fit: fine for one line of text. */
	if (r != NULL)
		(void)snprintf(buf, len, "%s", r);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

static int64_t
tls_conn_now_ms(void)
{
	struct timespec	 ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Our BIO: MSG_NOSIGNAL, so a peer that hung up cannot raise SIGPIPE. */
static int
tls_conn_bio_write(BIO *bio, const char *buf, size_t len, size_t *written)
{
	struct tls_conn	*conn = BIO_get_data(bio);
	ssize_t		 n;

	BIO_clear_retry_flags(bio);
	n = send(conn->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0) {
		*written = (size_t)n;
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(bio);
	else
		conn->io_errno = errno;
	return 0;
}

static int
tls_conn_bio_read(BIO *bio, char *buf, size_t len, size_t *nread)
{
	struct tls_conn	*conn = BIO_get_data(bio);
	ssize_t		 n;

	BIO_clear_retry_flags(bio);
	n = recv(conn->fd, buf, len, 0);
	if (n > 0) {
		*nread = (size_t)n;
		return 1;
	}
	if (n == 0)
		conn->at_eof = true;
	else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(bio);
	else
		conn->io_errno = errno;
	return 0;
}

static long
tls_conn_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	struct tls_conn	*conn = BIO_get_data(bio);

	(void)num;	/* no command we answer takes arguments */
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		/* send() keeps nothing back; OpenSSL fails a flush of 0. */
		return 1;
	case BIO_CTRL_EOF:
		/* Lets OpenSSL tell a FIN mid-record from a socket error. */
		return conn->at_eof;
	default:
		return 0;
	}
}

static BIO_METHOD *
tls_conn_bio_method_new(void)
{
	BIO_METHOD	*m;

	m = BIO_meth_new(TLS_CONN_BIO_TYPE, "smtpprobe socket");
	if (m == NULL)
		return NULL;
	if (BIO_meth_set_write_ex(m, tls_conn_bio_write) != 1 ||
	    BIO_meth_set_read_ex(m, tls_conn_bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, tls_conn_bio_ctrl) != 1) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

static void
tls_conn_ctx_settings(SSL_CTX *sctx)
{
	/*
	 * The minimum protocol version is OpenSSL's default on purpose: a
	 * probe should meet what a real MTA meets. Note that at OpenSSL 3's
	 * default security level 1 this already means TLS 1.2 or later.
	 * SSL_CTX_set_options returns the new mask, not a status.
	 */
	(void)SSL_CTX_set_options(sctx, SSL_OP_NO_COMPRESSION);
	/* One probe, one session: nothing to resume, so nothing to cache. */
	(void)SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
	/*
	 * Verify and record, but let the handshake finish: as an MTA doing
	 * opportunistic TLS (RFC 7435) carries on, the caller decides what
	 * an unverified peer means.
	 */
	SSL_CTX_set_verify(sctx, SSL_VERIFY_NONE, NULL);
	/* tls_conn_write loops; partial writes let it see each step. */
	(void)SSL_CTX_set_mode(sctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

static enum tls_rc
tls_conn_ctx_trust(SSL_CTX *sctx, const char *ca_file, struct tls_err *err)
{
	char		 reason[TLS_ERR_MSG_MAX];
	const char	*dir;
	struct stat	 st;

	ERR_clear_error();
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_file(sctx, ca_file) == 1)
			return TLS_OK;
		tls_conn_reason(reason, sizeof(reason));
		return tls_conn_fail(err, TLS_E_CONFIG,
		    "cannot load CA file %s: %s", ca_file, reason);
	}
	/*
	 * The hashed directory is read one issuer at a time, only while a
	 * chain is verified. The bundle file would be parsed whole (every
	 * root) at start, which costs more CPU than the rest of a probe.
	 */
	dir = X509_get_default_cert_dir();
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return tls_conn_fail(err, TLS_E_CONFIG,
		    "no system trust store: %s is not a directory", dir);
	if (SSL_CTX_load_verify_dir(sctx, dir) == 1)
		return TLS_OK;
	tls_conn_reason(reason, sizeof(reason));
	return tls_conn_fail(err, TLS_E_CONFIG,
	    "cannot use the system trust store %s: %s", dir, reason);
}

struct tls_ctx *
tls_conn_ctx_new(const char *ca_file, struct tls_err *err)
{
	struct tls_ctx	*ctx;
	char		 reason[TLS_ERR_MSG_MAX];
	enum tls_rc	 rc;

	tls_conn_err_clear(err);
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		tls_conn_fail(err, TLS_E_NOMEM, "out of memory for TLS");
		return NULL;
	}
	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (ctx->ssl_ctx != NULL)
		ctx->bio_method = tls_conn_bio_method_new();
	if (ctx->bio_method == NULL) {
		tls_conn_reason(reason, sizeof(reason));
		rc = tls_conn_fail(err, TLS_E_NOMEM,
		    "cannot create the TLS context: %s", reason);
		goto out;
	}
	tls_conn_ctx_settings(ctx->ssl_ctx);
	rc = tls_conn_ctx_trust(ctx->ssl_ctx, ca_file, err);
out:
	if (rc != TLS_OK) {
		tls_conn_ctx_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

void
tls_conn_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	BIO_meth_free(ctx->bio_method);
	free(ctx);
}

/*
 * Copy sni_host without one trailing dot: RFC 6066 3 sends host names
 * without it, and certificates never carry it. IP literals are found
 * here because they get no SNI and an iPAddress check instead.
 */
static enum tls_rc
tls_conn_host(const char *sni_host, char *host, size_t hostlen, bool *is_ip,
    struct tls_err *err)
{
	unsigned char	 addr[sizeof(struct in6_addr)];
	size_t		 len;

	len = strlen(sni_host);
	if (len > 0 && sni_host[len - 1] == '.')
		len--;
	if (len == 0 || len >= hostlen)
		return tls_conn_fail(err, TLS_E_CONFIG,
		    "TLS peer name is empty or longer than %zu bytes",
		    hostlen - 1);
	memcpy(host, sni_host, len);
	host[len] = '\0';
	*is_ip = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
	return TLS_OK;
}

static enum tls_rc
tls_conn_new(struct tls_ctx *ctx, int fd, struct tls_conn **out,
    struct tls_err *err)
{
	struct tls_conn	*conn;
	BIO		*bio;
	int		 fl;

	*out = NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return tls_conn_fail(err, TLS_E_IO,
		    "cannot make the socket non-blocking: %s", strerror(errno));
	conn = calloc(1, sizeof(*conn));
	if (conn == NULL)
		return tls_conn_fail(err, TLS_E_NOMEM,
		    "out of memory for the TLS session");
	conn->fd = fd;
	*out = conn;
	ERR_clear_error();
	conn->ssl = SSL_new(ctx->ssl_ctx);
	bio = BIO_new(ctx->bio_method);
	if (conn->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		ERR_clear_error();
		return tls_conn_fail(err, TLS_E_NOMEM,
		    "out of memory for the TLS session");
	}
	BIO_set_data(bio, conn);
	BIO_set_init(bio, 1);
	SSL_set_bio(conn->ssl, bio, bio);	/* the SSL owns it now */
	SSL_set_connect_state(conn->ssl);
	return TLS_OK;
}

/*
 * Name the peer must have. RFC 6066 3: SNI carries host names only,
 * never an address literal, so an IP literal is only checked against the
 * certificate's iPAddress SANs.
 */
static enum tls_rc
tls_conn_peer_name(struct tls_conn *conn, const char *host, bool is_ip,
    struct tls_err *err)
{
	bool	 ok;

	ERR_clear_error();
	if (is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(conn->ssl),
		    host) == 1;
	else {
		SSL_set_hostflags(conn->ssl, TLS_CERT_HOST_FLAGS);
		ok = SSL_set_tlsext_host_name(conn->ssl, host) == 1 &&
		    SSL_set1_host(conn->ssl, host) == 1;
	}
	if (ok)
		return TLS_OK;
	ERR_clear_error();
	return tls_conn_fail(err, TLS_E_NOMEM,
	    "cannot set the TLS peer name %s", host);
}

static enum tls_step
tls_conn_wait(int fd, short events, enum tls_conn_op op, int64_t deadline_ms,
    struct tls_err *err)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 n;

	for (;;) {
		left = deadline_ms - tls_conn_now_ms();
		if (left <= 0) {
			tls_conn_fail(err, TLS_E_TIMEOUT, "TLS %s timed out",
			    tls_conn_ops[op].name);
			return TLS_STEP_FAIL;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		/* POLLERR and POLLHUP too: the next OpenSSL call says why. */
		if (n > 0)
			return TLS_STEP_AGAIN;
		if (n < 0 && errno != EINTR) {
			tls_conn_fail(err, TLS_E_IO, "TLS %s failed: poll: %s",
			    tls_conn_ops[op].name, strerror(errno));
			return TLS_STEP_FAIL;
		}
	}
}

/* Call before each OpenSSL I/O call, so what follows is its own. */
static void
tls_conn_begin(struct tls_conn *conn)
{
	ERR_clear_error();
	conn->io_errno = 0;
}

/*
 * Whether a fatal error is really the peer going away: a FIN seen by
 * our BIO (at any time: the session is over either way), EPIPE on send,
 * OpenSSL's "unexpected eof", or its older SYSCALL-with-nothing form.
 * With or without close_notify it is EOF: SMTP has its own end (QUIT)
 * and many servers just close, so truncation attacks do not apply.
 */
static bool
tls_conn_is_eof(const struct tls_conn *conn, int sslerr)
{
	unsigned long	 e;

	e = ERR_peek_error();
	if (conn->at_eof || conn->io_errno == EPIPE)
		return true;
	if (sslerr == SSL_ERROR_SYSCALL && conn->io_errno == 0 && e == 0)
		return true;
	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/*
 * After an OpenSSL I/O call returned ret (not success): wait for the
 * socket it needs, or say how the session ended.
 */
static enum tls_step
tls_conn_settle(struct tls_conn *conn, int ret, enum tls_conn_op op,
    int64_t deadline_ms, struct tls_err *err)
{
	char	 reason[TLS_ERR_MSG_MAX];
	int	 sslerr;

	sslerr = SSL_get_error(conn->ssl, ret);
	switch (sslerr) {
	case SSL_ERROR_WANT_READ:
		return tls_conn_wait(conn->fd, POLLIN, op, deadline_ms, err);
	case SSL_ERROR_WANT_WRITE:
		return tls_conn_wait(conn->fd, POLLOUT, op, deadline_ms, err);
	case SSL_ERROR_ZERO_RETURN:
		return TLS_STEP_EOF;	/* close_notify: a clean end */
	default:
		break;
	}
	/* Anything else is fatal for this session. */
	conn->is_broken = true;
	if (tls_conn_is_eof(conn, sslerr))
		return TLS_STEP_EOF;
	if (conn->io_errno != 0) {
		ERR_clear_error();
		tls_conn_fail(err, TLS_E_IO, "TLS %s failed: %s",
		    tls_conn_ops[op].name, strerror(conn->io_errno));
		return TLS_STEP_FAIL;
	}
	tls_conn_reason(reason, sizeof(reason));
	tls_conn_fail(err, tls_conn_ops[op].proto_rc, "TLS %s failed: %s",
	    tls_conn_ops[op].name, reason);
	return TLS_STEP_FAIL;
}

/* The peer closed where a close is an error for op. */
static enum tls_rc
tls_conn_fail_eof(struct tls_err *err, enum tls_conn_op op)
{
	ERR_clear_error();
	return tls_conn_fail(err, tls_conn_ops[op].eof_rc,
	    "TLS %s failed: the peer closed the connection",
	    tls_conn_ops[op].name);
}

static enum tls_rc
tls_conn_handshake(struct tls_conn *conn, int64_t deadline_ms,
    struct tls_err *err)
{
	enum tls_step	 step;
	int		 r;

	for (;;) {
		tls_conn_begin(conn);
		r = SSL_connect(conn->ssl);
		if (r == 1)
			return TLS_OK;
		step = tls_conn_settle(conn, r, TLS_CONN_OP_HANDSHAKE,
		    deadline_ms, err);
		if (step == TLS_STEP_EOF)
			return tls_conn_fail_eof(err, TLS_CONN_OP_HANDSHAKE);
		if (step == TLS_STEP_FAIL)
			return err->rc;
	}
}

/*
 * Record what the handshake showed. Version, cipher and the verify
 * result only count once it finished; the certificate's own facts are
 * worth having whenever the peer sent one.
 */
static enum tls_rc
tls_conn_facts(const SSL *ssl, const char *host, bool is_ip,
    bool is_done, struct tls_facts *facts)
{
	X509		*peer;
	long		 vr;

	peer = SSL_get0_peer_certificate(ssl);
	if (peer != NULL)
		facts->name_matches = tls_cert_matches_host(peer, host, is_ip);
	if (tls_cert_parse_chain(SSL_get_peer_cert_chain(ssl),
	    facts) != TLS_OK)
		return TLS_E_NOMEM;
	if (!is_done)
		return peer == NULL ? TLS_OK : tls_cert_parse(peer, facts);
	(void)snprintf(facts->version, sizeof(facts->version), "%s",
	    SSL_get_version(ssl));	/* cut to fit is fine */
	(void)snprintf(facts->cipher, sizeof(facts->cipher), "%s",
	    SSL_get_cipher_name(ssl));
	if (peer == NULL) {
		(void)snprintf(facts->verify_error,
		    sizeof(facts->verify_error), "%s",
		    "the server sent no certificate");
		return TLS_OK;
	}
	vr = SSL_get_verify_result(ssl);
	facts->verified = vr == X509_V_OK;
	if (!facts->verified)
		(void)snprintf(facts->verify_error,
		    sizeof(facts->verify_error), "%s",
		    X509_verify_cert_error_string(vr));
	return tls_cert_parse(peer, facts);
}

static void
tls_conn_free(struct tls_conn *conn)
{
	if (conn == NULL)
		return;
	SSL_free(conn->ssl);
	ERR_clear_error();
	free(conn);
}

struct tls_conn *
tls_conn_open(struct tls_ctx *ctx, int fd, const char *sni_host,
    int64_t deadline_ms, struct tls_facts *facts, struct tls_err *err)
{
	struct tls_conn	*conn = NULL;
	char		 host[TLS_CONN_HOST_MAX + 1];
	bool		 is_ip = false;
	enum tls_rc	 rc;

	memset(facts, 0, sizeof(*facts));
	tls_conn_err_clear(err);
	rc = tls_conn_host(sni_host, host, sizeof(host), &is_ip, err);
	if (rc == TLS_OK)
		rc = tls_conn_new(ctx, fd, &conn, err);
	if (rc == TLS_OK)
		rc = tls_conn_peer_name(conn, host, is_ip, err);
	if (rc == TLS_OK)
		rc = tls_conn_handshake(conn, deadline_ms, err);
	if (conn != NULL && tls_conn_facts(conn->ssl, host, is_ip, rc == TLS_OK,
	    facts) != TLS_OK && rc == TLS_OK)
		rc = tls_conn_fail(err, TLS_E_NOMEM,
		    "out of memory for the certificate facts");
	if (rc != TLS_OK) {
		tls_conn_free(conn);
		conn = NULL;
	}
	return conn;
}

ssize_t
tls_conn_read(struct tls_conn *conn, void *buf, size_t len,
    int64_t deadline_ms, struct tls_err *err)
{
	enum tls_step	 step;
	size_t		 n;
	int		 r;

	/* 0 means "peer closed", so a 0-byte read could not be told apart. */
	assert(len > 0);
	tls_conn_err_clear(err);
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	for (;;) {
		tls_conn_begin(conn);
		r = SSL_read_ex(conn->ssl, buf, len, &n);
		if (r == 1)
			return (ssize_t)n;
		step = tls_conn_settle(conn, r, TLS_CONN_OP_READ, deadline_ms,
		    err);
		if (step == TLS_STEP_EOF)
			return 0;
		if (step == TLS_STEP_FAIL)
			return -1;
	}
}

int
tls_conn_write(struct tls_conn *conn, const void *buf, size_t len,
    int64_t deadline_ms, struct tls_err *err)
{
	const unsigned char	*p = buf;
	enum tls_step		 step;
	size_t			 off = 0, n;
	int			 r;

	tls_conn_err_clear(err);
	while (off < len) {
		tls_conn_begin(conn);
		/* After WANT_*, OpenSSL wants the same p + off and length. */
		r = SSL_write_ex(conn->ssl, p + off, len - off, &n);
		if (r == 1) {
			off += n;
			continue;
		}
		step = tls_conn_settle(conn, r, TLS_CONN_OP_WRITE,
		    deadline_ms, err);
		if (step == TLS_STEP_EOF)
			tls_conn_fail_eof(err, TLS_CONN_OP_WRITE);
		if (step != TLS_STEP_AGAIN)
			return -1;
	}
	return 0;
}

void
tls_conn_close(struct tls_conn *conn)
{
	if (conn == NULL)
		return;
	/*
	 * RFC 8446 6.1: close_notify tells the peer we are done. Waiting for
	 * its own would only spend the caller's deadline, so SSL_shutdown()
	 * runs once and its result does not matter. OpenSSL forbids it
	 * after a fatal error, and before the handshake there is no session.
	 */
	if (!conn->is_broken && SSL_is_init_finished(conn->ssl)) {
		tls_conn_begin(conn);
		(void)SSL_shutdown(conn->ssl);
	}
	tls_conn_free(conn);
}

/*
 * A context for a library that runs its own handshake (SSL_new() on the
 * SSL_CTX we hand it, then SSL_connect()): the same settings and trust as
 * tls_conn_ctx_new(), the peer name set on the context so that every SSL
 * made from it verifies it, SNI set when the handshake starts, and the
 * facts recorded when it ends, through the info callback.
 */
struct tls_hosted {
	SSL_CTX			*sctx;
	char			 host[TLS_CONN_HOST_MAX + 1];
	bool			 is_ip;
	struct tls_facts	*facts;		/* borrowed */
};

/*
 * The SSL is const here only because the callback's type says so; the
 * object is the library's live session, and SNI must be set on it before
 * the ClientHello is written, which SSL_CB_HANDSHAKE_START precedes.
 */
static void
tls_conn_hosted_info(const SSL *ssl, int where, int ret)
{
	struct tls_hosted *h = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	(void)ret;	/* failure shows as a handshake that never ends */
	if (h == NULL)
		return;
	if ((where & SSL_CB_HANDSHAKE_START) && !h->is_ip &&
	    SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL &&
	    SSL_set_tlsext_host_name((SSL *)(uintptr_t)ssl, h->host) != 1)
		ERR_clear_error();	/* no SNI: the certificate still says */
	if (where & SSL_CB_HANDSHAKE_DONE) {
		memset(h->facts, 0, sizeof(*h->facts));
		/* Out of memory leaves fields empty: facts, not an error. */
		(void)tls_conn_facts(ssl, h->host, h->is_ip, true, h->facts);
	}
}

static enum tls_rc
tls_conn_hosted_name(SSL_CTX *sctx, const struct tls_hosted *h,
    struct tls_err *err)
{
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(sctx);
	bool ok;

	ERR_clear_error();
	if (h->is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, h->host) == 1;
	else {
		X509_VERIFY_PARAM_set_hostflags(vp, TLS_CERT_HOST_FLAGS);
		ok = X509_VERIFY_PARAM_set1_host(vp, h->host, 0) == 1;
	}
	if (ok)
		return TLS_OK;
	ERR_clear_error();
	return tls_conn_fail(err, TLS_E_NOMEM, "cannot set the TLS peer "
	    "name %s", h->host);
}

struct tls_hosted *
tls_conn_hosted_new(const char *ca_file, const char *host,
    struct tls_facts *facts, struct tls_err *err)
{
	struct tls_hosted	*h;
	SSL_CTX			*sctx = NULL;
	enum tls_rc		 rc;

	tls_conn_err_clear(err);
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		tls_conn_fail(err, TLS_E_NOMEM, "out of memory for TLS");
		return NULL;
	}
	h->facts = facts;
	rc = tls_conn_host(host, h->host, sizeof(h->host), &h->is_ip, err);
	if (rc != TLS_OK)
		goto out;
	ERR_clear_error();
	sctx = SSL_CTX_new(TLS_client_method());
	if (sctx == NULL) {
		rc = tls_conn_fail(err, TLS_E_NOMEM, "cannot create the TLS "
		    "context");
		goto out;
	}
	tls_conn_ctx_settings(sctx);
	rc = tls_conn_ctx_trust(sctx, ca_file, err);
	if (rc == TLS_OK)
		rc = tls_conn_hosted_name(sctx, h, err);
	SSL_CTX_set_info_callback(sctx, tls_conn_hosted_info);
	/* Index 0 is the application's own slot: nothing to register. */
	if (rc == TLS_OK && SSL_CTX_set_app_data(sctx, h) != 1)
		rc = tls_conn_fail(err, TLS_E_NOMEM, "out of memory for TLS");
out:
	if (rc != TLS_OK) {
		SSL_CTX_free(sctx);
		free(h);
		return NULL;
	}
	h->sctx = sctx;
	return h;
}

void
tls_conn_hosted_settle(struct ssl_st *ssl, int wait_ms)
{
	int64_t		 deadline = tls_conn_now_ms() + wait_ms, left;
	struct pollfd	 pfd;
	char		 c;
	int		 n;

	if (ssl == NULL || SSL_version(ssl) < TLS1_3_VERSION)
		return;
	pfd.fd = SSL_get_rfd(ssl);
	pfd.events = POLLIN;
	while ((left = deadline - tls_conn_now_ms()) > 0 && pfd.fd >= 0) {
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ERR_clear_error();
		n = SSL_peek(ssl, &c, 1);
		if (n > 0 || SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
			break;		/* a reply is there, or an error */
		/* Tickets taken; more may follow in the same flight. */
		deadline = tls_conn_now_ms() + TLS_CONN_SETTLE_MORE_MS;
	}
	ERR_clear_error();
}

struct ssl_ctx_st *
tls_conn_hosted_ssl_ctx(struct tls_hosted *h)
{
	return h->sctx;
}

void
tls_conn_hosted_free(struct tls_hosted *h)
{
	if (h == NULL)
		return;
	/* A reference the library kept must not reach freed memory. */
	if (SSL_CTX_set_app_data(h->sctx, NULL) != 1)
		ERR_clear_error();
	SSL_CTX_free(h->sctx);
	free(h);
}
