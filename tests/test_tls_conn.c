/*
 * Tests for tls/tls_conn: real handshakes against an in-process OpenSSL
 * server (a thread on the other end of a socketpair), with certificates
 * made at run time by tests/support/tls_testcert. No network at all.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tests/support/tls_testcert.h"
#include "tls/tls_conn.h"

/* The fake server's socket timeout: a broken test ends, never hangs. */
#define FAKE_WAIT_S		5
#define FAKE_READ_CHUNK		4096
/* Generous: sanitizers make handshakes slow. */
#define TEST_DEADLINE_MS	5000
/* The brief's "short deadline"; the slack allows for a loaded machine. */
#define SHORT_DEADLINE_MS	300
#define DEADLINE_SLACK_MS	700
/* Several times a socketpair's buffer, so writes must wait and resume. */
#define BIG_LEN			(1024 * 1024)

/* RFC 8446 6: a fatal (2) handshake_failure (40) alert record. */
static const unsigned char fake_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02,
    0x02, 0x28 };
/* What a confused server says instead of a ServerHello. */
static const char fake_garbage[] =
    "454 4.7.0 TLS not available due to local problem\r\n";

enum fake_mode {
	FAKE_ECHO,		/* handshake, read echo_len bytes, echo */
	FAKE_HOLD,		/* handshake, wait for the client to go */
	FAKE_CLOSE_NOTIFY,	/* handshake, close_notify, close */
	FAKE_DROP,		/* handshake, close without close_notify */
	FAKE_GARBAGE,		/* answer the ClientHello in SMTP */
	FAKE_ALERT,		/* answer it with a fatal alert */
	FAKE_HANGUP,		/* read it, close */
	FAKE_SILENT,		/* never answer */
};

struct fake_mx {
	enum fake_mode	 mode;
	int		 fd;	/* server end; the thread closes it */
	SSL_CTX		*ctx;
	size_t		 echo_len;
	pthread_t	 thread;
	bool		 is_running;
	bool		 has_sni;
	char		 sni[TLS_FACTS_NAME_LEN];
	size_t		 extra_cas;	/* CA copies sent after the leaf */
};

/* Per-test fixture: Criterion runs each test in its own process. */
static struct tls_testcert_set	 certs;
static struct fake_mx		 fake;
static int			 client_fd = -1;

static void
setup(void)
{
	char	 errbuf[256];

	cr_assert_eq(tls_testcert_make(&certs, errbuf, sizeof(errbuf)), 0,
	    "test certificates: %s", errbuf);
}

static void
teardown(void)
{
	if (client_fd != -1)
		close(client_fd);
	if (fake.is_running)
		pthread_join(fake.thread, NULL);
	SSL_CTX_free(fake.ctx);
	tls_testcert_free(&certs);
}

TestSuite(tls_conn, .init = setup, .fini = teardown, .timeout = 30);

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until the client goes away or the socket timeout fires. */
static void
fake_drain(int fd)
{
	char	 buf[FAKE_READ_CHUNK];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		continue;
}

static void
fake_echo(struct fake_mx *f, SSL *ssl)
{
	unsigned char	*buf;
	size_t		 got = 0, n;

	buf = malloc(f->echo_len);
	if (buf == NULL)
		return;
	while (got < f->echo_len &&
	    SSL_read_ex(ssl, buf + got, f->echo_len - got, &n) == 1)
		got += n;
	if (got == f->echo_len && SSL_write_ex(ssl, buf, got, &n) == 1)
		SSL_shutdown(ssl);
	free(buf);
	fake_drain(f->fd);
}

static void
fake_tls(struct fake_mx *f)
{
	SSL		*ssl;
	const char	*sni;

	ssl = SSL_new(f->ctx);
	if (ssl == NULL || SSL_set_fd(ssl, f->fd) != 1 ||
	    SSL_accept(ssl) != 1)
		goto out;
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (sni != NULL) {
		f->has_sni = true;
		snprintf(f->sni, sizeof(f->sni), "%s", sni);
	}
	if (f->mode == FAKE_ECHO)
		fake_echo(f, ssl);
	else if (f->mode == FAKE_HOLD)
		fake_drain(f->fd);
	else if (f->mode == FAKE_CLOSE_NOTIFY)
		SSL_shutdown(ssl);
out:
	SSL_free(ssl);
}

static void *
fake_run(void *arg)
{
	struct fake_mx	*f = arg;
	char		 buf[FAKE_READ_CHUNK];
	sigset_t	 set;

	/*
	 * Our writes to a departed client must fail with EPIPE rather than
	 * kill the test; the client thread keeps SIGPIPE, so a test can
	 * show that tls_conn never raises it.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	switch (f->mode) {
	case FAKE_SILENT:
		fake_drain(f->fd);
		break;
	case FAKE_GARBAGE:
	case FAKE_ALERT:
	case FAKE_HANGUP:
		if (recv(f->fd, buf, sizeof(buf), 0) <= 0 ||
		    f->mode == FAKE_HANGUP)
			break;
		if (f->mode == FAKE_ALERT)
			send(f->fd, fake_alert, sizeof(fake_alert), 0);
		else
			send(f->fd, fake_garbage, strlen(fake_garbage), 0);
		fake_drain(f->fd);
		break;
	default:
		fake_tls(f);
		break;
	}
	close(f->fd);
	return NULL;
}

/* Start a fake server with certificate kind; sets client_fd. */
static void
fake_start(enum fake_mode mode, enum tls_testcert_kind kind)
{
	struct timeval	 tv = { .tv_sec = FAKE_WAIT_S };
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	client_fd = sv[0];
	fake.mode = mode;
	fake.fd = sv[1];
	cr_assert_eq(setsockopt(fake.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	cr_assert_eq(setsockopt(fake.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	fake.ctx = SSL_CTX_new(TLS_server_method());
	cr_assert_not_null(fake.ctx);
	cr_assert_eq(SSL_CTX_use_certificate(fake.ctx, certs.certs[kind]), 1);
	cr_assert_eq(SSL_CTX_use_PrivateKey(fake.ctx, certs.key), 1);
	for (size_t i = 0; i < fake.extra_cas; i++)
		cr_assert_eq(SSL_CTX_add1_chain_cert(fake.ctx, certs.ca), 1);
	cr_assert_eq(pthread_create(&fake.thread, NULL, fake_run, &fake), 0);
	fake.is_running = true;
}

/* Close our end, as the caller of tls_conn must, and let the fake go. */
static void
client_hangup(void)
{
	cr_assert_eq(close(client_fd), 0);
	client_fd = -1;
}

/* Wait for the fake server to finish: its end of the socket is closed. */
static void
fake_join(void)
{
	cr_assert_eq(pthread_join(fake.thread, NULL), 0);
	fake.is_running = false;
}

static struct tls_ctx *
ctx_with_test_ca(void)
{
	struct tls_err	 err;
	struct tls_ctx	*ctx;

	ctx = tls_conn_ctx_new(certs.ca_file, &err);
	cr_assert_not_null(ctx, "tls_conn_ctx_new: %s", err.msg);
	return ctx;
}

/* Handshake with a fresh fake server; the caller closes conn and ctx. */
static struct tls_conn *
open_fake(struct tls_ctx *ctx, enum fake_mode mode,
    enum tls_testcert_kind kind, const char *host, int64_t deadline_ms,
    struct tls_facts *facts, struct tls_err *err)
{
	fake_start(mode, kind);
	return tls_conn_open(ctx, client_fd, host, now_ms() + deadline_ms,
	    facts, err);
}

static struct tls_conn *
open_ok(struct tls_ctx *ctx, enum fake_mode mode,
    enum tls_testcert_kind kind, const char *host, struct tls_facts *facts)
{
	struct tls_err	 err;
	struct tls_conn	*conn;

	conn = open_fake(ctx, mode, kind, host, TEST_DEADLINE_MS, facts,
	    &err);
	cr_assert_not_null(conn, "tls_conn_open: %s", err.msg);
	cr_assert_eq(err.rc, TLS_OK);
	return conn;
}

/* A handshake that must fail with rc; returns nothing, checks all. */
static void
open_fails(enum fake_mode mode, enum tls_rc rc, const char *msg)
{
	struct tls_facts	 facts;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_fake(ctx, mode, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    TEST_DEADLINE_MS, &facts, &err);
	cr_assert_null(conn);
	cr_assert_eq(err.rc, rc, "rc %d: %s", err.rc, err.msg);
	if (msg != NULL)
		cr_assert_str_eq(err.msg, msg);
	cr_assert_str_empty(facts.version);
	cr_assert_not(facts.verified);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, records_version_cipher_and_peer_names)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect(f.verified);
	cr_expect(f.name_matches);
	cr_expect(f.has_peer_cert);
	cr_expect_str_empty(f.verify_error);
	cr_expect_str_eq(f.version, "TLSv1.3");
	cr_expect_str_not_empty(f.cipher);
	cr_expect_str_eq(f.subject, TLS_TESTCERT_GOOD_SUBJECT);
	cr_expect_str_eq(f.issuer, TLS_TESTCERT_CA_SUBJECT);
	cr_expect_eq(f.nnames, 1);
	cr_expect_eq(f.names_truncated, 0);
	cr_expect_str_eq(f.names[0], TLS_TESTCERT_HOST);
	cr_expect_str_eq(f.not_after, TLS_TESTCERT_GOOD_NOT_AFTER);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	cr_expect(fake.has_sni);
	cr_expect_str_eq(fake.sni, TLS_TESTCERT_HOST);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, checks_an_ip_literal_against_the_ip_san_without_sending_sni)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_IP, &f);
	cr_expect(f.verified, "verify_error: %s", f.verify_error);
	cr_expect(f.name_matches);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	/* RFC 6066 3: literal IPv4 and IPv6 addresses are not permitted. */
	cr_expect_not(fake.has_sni, "SNI sent: %s", fake.sni);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, drops_one_trailing_dot_from_the_host_name)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, "mx.test.", &f);
	cr_expect(f.verified, "verify_error: %s", f.verify_error);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	cr_expect_str_eq(fake.sni, TLS_TESTCERT_HOST);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, completes_but_does_not_verify_a_certificate_for_another_name)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_WRONG_NAME,
	    TLS_TESTCERT_HOST, &f);
	cr_expect_not(f.verified);
	cr_expect_not(f.name_matches);
	cr_expect_str_eq(f.verify_error,
	    X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH));
	cr_expect(strstr(f.verify_error, "hostname mismatch") != NULL,
	    "verify_error: %s", f.verify_error);
	cr_expect_str_eq(f.names[0], TLS_TESTCERT_OTHER_HOST);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, reports_a_self_signed_certificate_in_openssl_words)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_SELF_SIGNED,
	    TLS_TESTCERT_HOST, &f);
	cr_expect_not(f.verified);
	cr_expect_str_eq(f.verify_error, X509_verify_cert_error_string(
	    X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
	/* The name is right even though the chain is not. */
	cr_expect(f.name_matches);
	cr_expect_str_eq(f.issuer, f.subject);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, reports_an_expired_certificate_as_unverified)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_EXPIRED, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_not(f.verified);
	cr_expect(f.name_matches);
	cr_expect_str_eq(f.verify_error,
	    X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
	cr_expect_eq(strlen(f.not_after), strlen("2000-01-01T00:00:00Z"));
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, does_not_trust_the_test_ca_through_the_system_store)
{
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx;
	struct tls_conn		*conn;

	ctx = tls_conn_ctx_new(NULL, &err);
	cr_assert_not_null(ctx, "system store: %s", err.msg);
	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_not(f.verified);
	cr_expect(f.name_matches);
	cr_expect_str_eq(f.verify_error, X509_verify_cert_error_string(
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, fails_the_handshake_on_garbage_instead_of_a_server_hello)
{
	struct tls_facts	 facts;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	const char		*prefix = "TLS handshake failed: ";

	cr_assert_null(open_fake(ctx, FAKE_GARBAGE, TLS_TESTCERT_GOOD,
	    TLS_TESTCERT_HOST, TEST_DEADLINE_MS, &facts, &err));
	cr_expect_eq(err.rc, TLS_E_HANDSHAKE, "rc %d: %s", err.rc, err.msg);
	cr_expect_eq(strncmp(err.msg, prefix, strlen(prefix)), 0, "%s",
	    err.msg);
	cr_expect_gt(strlen(err.msg), strlen(prefix));
	cr_expect_null(strchr(err.msg, '\n'));
	cr_expect_not(facts.has_peer_cert);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, quotes_the_alert_the_server_sent)
{
	open_fails(FAKE_ALERT, TLS_E_HANDSHAKE,
	    "TLS handshake failed: sslv3 alert handshake failure");
}

/*
 * OpenSSL keeps one error queue per thread, and SSL_get_error() reads it:
 * an error left by an earlier call would turn "wait for data" into a
 * failure quoting someone else's reason.
 */
Test(tls_conn, ignores_an_openssl_error_left_by_an_earlier_call)
{
	char			 buf[64];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + SHORT_DEADLINE_MS, &err), -1);
	cr_expect_str_eq(err.msg, "TLS read timed out");
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, fails_the_handshake_when_the_server_hangs_up)
{
	open_fails(FAKE_HANGUP, TLS_E_HANDSHAKE,
	    "TLS handshake failed: the peer closed the connection");
}

Test(tls_conn, times_out_a_silent_server_at_the_deadline)
{
	struct tls_facts	 facts;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	int64_t			 start, took;

	start = now_ms();
	cr_assert_null(open_fake(ctx, FAKE_SILENT, TLS_TESTCERT_GOOD,
	    TLS_TESTCERT_HOST, SHORT_DEADLINE_MS, &facts, &err));
	took = now_ms() - start;
	cr_expect_eq(err.rc, TLS_E_TIMEOUT, "rc %d: %s", err.rc, err.msg);
	cr_expect_str_eq(err.msg, "TLS handshake timed out");
	cr_expect_geq(took, SHORT_DEADLINE_MS);
	cr_expect_lt(took, SHORT_DEADLINE_MS + DEADLINE_SLACK_MS);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, round_trips_data_and_leaves_the_fd_open)
{
	static const char	 msg[] = "hello through TLS\r\n";
	char			 buf[sizeof(msg)];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;
	size_t			 got = 0;
	ssize_t			 n;

	fake.echo_len = strlen(msg);
	conn = open_ok(ctx, FAKE_ECHO, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect(fcntl(client_fd, F_GETFL) & O_NONBLOCK);
	cr_assert_eq(tls_conn_write(conn, msg, strlen(msg),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	while (got < strlen(msg)) {
		n = tls_conn_read(conn, buf + got, sizeof(buf) - 1 - got,
		    now_ms() + TEST_DEADLINE_MS, &err);
		cr_assert_gt(n, 0, "read %zd: %s", n, err.msg);
		got += (size_t)n;
	}
	buf[got] = '\0';
	cr_expect_str_eq(buf, msg);
	tls_conn_close(conn);
	cr_expect_neq(fcntl(client_fd, F_GETFD), -1, "fd was closed");
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, writes_and_reads_every_byte_of_a_large_buffer)
{
	unsigned char		*out, *in;
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;
	size_t			 i, got = 0;
	ssize_t			 n;

	out = malloc(BIG_LEN);
	in = malloc(BIG_LEN);
	cr_assert(out != NULL && in != NULL);
	for (i = 0; i < BIG_LEN; i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	fake.echo_len = BIG_LEN;
	conn = open_ok(ctx, FAKE_ECHO, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_assert_eq(tls_conn_write(conn, out, BIG_LEN,
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	while (got < BIG_LEN) {
		n = tls_conn_read(conn, in + got, BIG_LEN - got,
		    now_ms() + TEST_DEADLINE_MS, &err);
		cr_assert_gt(n, 0, "read %zd after %zu: %s", n, got, err.msg);
		got += (size_t)n;
	}
	cr_expect_eq(memcmp(in, out, BIG_LEN), 0);
	/* The fake server ends with close_notify. */
	cr_expect_eq(tls_conn_read(conn, in, BIG_LEN,
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
	free(out);
	free(in);
}

Test(tls_conn, read_returns_zero_after_close_notify)
{
	char			 buf[64];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_CLOSE_NOTIFY, TLS_TESTCERT_GOOD,
	    TLS_TESTCERT_HOST, &f);
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	/* And again: the end is sticky. */
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, read_returns_zero_when_the_server_just_closes)
{
	char			 buf[64];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_DROP, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, times_out_a_read_when_the_server_sends_nothing)
{
	char			 buf[64];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;
	int64_t			 start, took;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	start = now_ms();
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    start + SHORT_DEADLINE_MS, &err), -1);
	took = now_ms() - start;
	cr_expect_eq(err.rc, TLS_E_TIMEOUT, "rc %d: %s", err.rc, err.msg);
	cr_expect_str_eq(err.msg, "TLS read timed out");
	cr_expect_geq(took, SHORT_DEADLINE_MS);
	cr_expect_lt(took, SHORT_DEADLINE_MS + DEADLINE_SLACK_MS);
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

/* Without MSG_NOSIGNAL this test dies of SIGPIPE. */
static void
write_after_hangup(enum fake_mode mode)
{
	static const char	 msg[] = "QUIT\r\n";
	char			 buf[64];
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, mode, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST, &f);
	cr_expect_eq(tls_conn_read(conn, buf, sizeof(buf),
	    now_ms() + TEST_DEADLINE_MS, &err), 0, "%s", err.msg);
	fake_join();
	cr_expect_eq(tls_conn_write(conn, msg, strlen(msg),
	    now_ms() + TEST_DEADLINE_MS, &err), -1);
	cr_expect_eq(err.rc, TLS_E_CLOSED, "rc %d: %s", err.rc, err.msg);
	cr_expect_str_eq(err.msg,
	    "TLS write failed: the peer closed the connection");
	tls_conn_close(conn);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, write_after_close_notify_fails_as_closed_without_sigpipe)
{
	write_after_hangup(FAKE_CLOSE_NOTIFY);
}

Test(tls_conn, write_after_a_bare_close_fails_as_closed_without_sigpipe)
{
	write_after_hangup(FAKE_DROP);
}

Test(tls_conn, refuses_a_missing_ca_file_as_a_config_error)
{
	struct tls_err	 err;

	cr_expect_null(tls_conn_ctx_new("/nonexistent/smtpprobe-ca.pem",
	    &err));
	cr_expect_eq(err.rc, TLS_E_CONFIG);
	cr_expect(strstr(err.msg, "/nonexistent/smtpprobe-ca.pem") != NULL,
	    "%s", err.msg);
	cr_expect_null(strchr(err.msg, '\n'));
}

Test(tls_conn, refuses_a_ca_file_without_certificates)
{
	char		 path[PATH_MAX];
	struct tls_err	 err;
	FILE		*fp;

	cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/empty.pem",
	    certs.dir), sizeof(path));
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs("not a certificate\n", fp);
	fclose(fp);
	cr_expect_null(tls_conn_ctx_new(path, &err));
	unlink(path);
	cr_expect_eq(err.rc, TLS_E_CONFIG, "rc %d: %s", err.rc, err.msg);
}

Test(tls_conn, refuses_an_empty_host_name_before_touching_the_socket)
{
	struct tls_facts	 f;
	struct tls_err		 err;
	struct tls_ctx		*ctx = ctx_with_test_ca();

	cr_expect_null(tls_conn_open(ctx, -1, "", now_ms() + 1000, &f, &err));
	cr_expect_eq(err.rc, TLS_E_CONFIG);
	cr_expect_null(tls_conn_open(ctx, -1, ".", now_ms() + 1000, &f,
	    &err));
	cr_expect_eq(err.rc, TLS_E_CONFIG);
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, takes_null_in_the_free_functions)
{
	tls_conn_ctx_free(NULL);
	tls_conn_close(NULL);
}

/* --- the chain the server sent, and IP SANs --- */

Test(tls_conn, records_the_leaf_as_the_whole_chain_when_only_it_is_sent)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_eq(f.nchain, 1);
	cr_expect_eq(f.chain_truncated, 0);
	cr_expect_str_eq(f.chain[0].subject, TLS_TESTCERT_GOOD_SUBJECT);
	cr_expect_str_eq(f.chain[0].issuer, TLS_TESTCERT_CA_SUBJECT);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, records_subject_and_issuer_at_each_depth_of_the_chain)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	fake.extra_cas = 1;
	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect(f.verified, "verify_error: %s", f.verify_error);
	cr_expect_eq(f.nchain, 2);
	cr_expect_eq(f.chain_truncated, 0);
	cr_expect_str_eq(f.chain[0].subject, TLS_TESTCERT_GOOD_SUBJECT);
	cr_expect_str_eq(f.chain[0].issuer, TLS_TESTCERT_CA_SUBJECT);
	cr_expect_str_eq(f.chain[1].subject, TLS_TESTCERT_CA_SUBJECT);
	cr_expect_str_eq(f.chain[1].issuer, TLS_TESTCERT_CA_SUBJECT);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	tls_conn_ctx_free(ctx);
}

/* A chain of n certificates: the leaf and n - 1 copies of the CA. */
static void
assert_chain_kept(size_t n, size_t kept, size_t truncated)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	fake.extra_cas = n - 1;
	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_eq(f.nchain, kept, "%zu sent: kept %zu, want %zu", n,
	    f.nchain, kept);
	cr_expect_eq(f.chain_truncated, truncated);
	cr_expect_str_eq(f.chain[kept - 1].subject, n == 1 ?
	    TLS_TESTCERT_GOOD_SUBJECT : TLS_TESTCERT_CA_SUBJECT);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, keeps_a_chain_one_under_the_bound)
{
	assert_chain_kept(TLS_FACTS_CHAIN_MAX - 1, TLS_FACTS_CHAIN_MAX - 1, 0);
}

Test(tls_conn, keeps_a_chain_exactly_at_the_bound)
{
	assert_chain_kept(TLS_FACTS_CHAIN_MAX, TLS_FACTS_CHAIN_MAX, 0);
}

Test(tls_conn, counts_the_certificate_one_past_the_bound)
{
	assert_chain_kept(TLS_FACTS_CHAIN_MAX + 1, TLS_FACTS_CHAIN_MAX, 1);
}

Test(tls_conn, records_the_leafs_ip_sans_as_text)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_GOOD, TLS_TESTCERT_HOST,
	    &f);
	cr_expect_eq(f.nips, 1);
	cr_expect_eq(f.ips_truncated, 0);
	cr_expect_str_eq(f.ips[0], TLS_TESTCERT_IP);
	/* The DNS names are what they were: the IP is not among them. */
	cr_expect_eq(f.nnames, 1);
	cr_expect_str_eq(f.names[0], TLS_TESTCERT_HOST);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	tls_conn_ctx_free(ctx);
}

Test(tls_conn, records_no_ip_san_for_a_certificate_without_one)
{
	struct tls_facts	 f;
	struct tls_ctx		*ctx = ctx_with_test_ca();
	struct tls_conn		*conn;

	conn = open_ok(ctx, FAKE_HOLD, TLS_TESTCERT_WRONG_NAME,
	    TLS_TESTCERT_HOST, &f);
	cr_expect_eq(f.nips, 0);
	cr_expect_eq(f.ips_truncated, 0);
	tls_conn_close(conn);
	client_hangup();
	fake_join();
	tls_conn_ctx_free(ctx);
}
