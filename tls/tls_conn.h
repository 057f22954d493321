/*
 * tls_conn - one client-side TLS session over an already connected socket.
 *
 * What it does: the TLS handshake for STARTTLS (RFC 3207) with SNI set to
 * the MX host name, certificate chain verification against the context's
 * trust store, the peer-name check against the MX host name, and then
 * encrypted reads and writes with deadlines. It records the facts an
 * operator wants (protocol, cipher, peer names, verify result) in a
 * caller-owned struct tls_facts. Writing to a peer that hung up fails
 * with TLS_E_CLOSED; it never raises SIGPIPE.
 *
 * What it does not do: it knows no SMTP verb, never reads or writes the
 * socket before tls_conn_open() and never closes the socket: the fd stays
 * owned by the caller. It does not decide whether an unverified peer is
 * acceptable: the verify result is recorded, the caller applies policy.
 *
 * Limits: TLS_FACTS_NAMES_MAX peer DNS names and TLS_FACTS_IPS_MAX IP
 * addresses from the leaf's subjectAltName are kept (the rest counted in
 * names_truncated and ips_truncated); the subject and issuer of the first
 * TLS_FACTS_CHAIN_MAX certificates the server sent are kept (the rest
 * counted in chain_truncated); every field is truncated to its buffer,
 * never overflowed. All waits end at the caller's absolute deadline
 * (CLOCK_MONOTONIC milliseconds).
 *
 * Errors (enum tls_rc): TLS_E_NOMEM, TLS_E_CONFIG (bad CA file, no trust
 * store), TLS_E_HANDSHAKE (alert, protocol error, peer closed during the
 * handshake), TLS_E_IO (socket error), TLS_E_TIMEOUT (deadline passed),
 * TLS_E_CLOSED (peer closed the TLS session). Detail goes to struct tls_err.
 */
#ifndef SMTPPROBE_TLS_CONN_H
#define SMTPPROBE_TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_ERR_MSG_MAX		256
/* A certificate with more SANs than this is rare; the count says so. */
#define TLS_FACTS_NAMES_MAX	32
#define TLS_FACTS_NAME_LEN	256
#define TLS_FACTS_DN_LEN	512
/*
 * Servers send a leaf and one or two intermediates; 8 is past any honest
 * chain and bounds what a hostile one makes us keep. Names in the chain
 * get half the leaf's room: 16 of them would otherwise double the size
 * of every dialogue for text that is the leaf's issuer again.
 */
#define TLS_FACTS_CHAIN_MAX	8
#define TLS_FACTS_CHAIN_DN_LEN	256
/* IP SANs are rare on MX certificates; more than 8 is counted. */
#define TLS_FACTS_IPS_MAX	8
#define TLS_FACTS_IP_LEN	46	/* INET6_ADDRSTRLEN */

enum tls_rc {
	TLS_OK = 0,
	TLS_E_NOMEM,
	TLS_E_CONFIG,
	TLS_E_HANDSHAKE,
	TLS_E_IO,
	TLS_E_TIMEOUT,
	TLS_E_CLOSED,
};

struct tls_err {
	enum tls_rc	rc;
	char		msg[TLS_ERR_MSG_MAX];	/* our words, one line */
};

/* One certificate of the chain the server sent, in RFC 2253 form. */
struct tls_facts_cert {
	char	subject[TLS_FACTS_CHAIN_DN_LEN];
	char	issuer[TLS_FACTS_CHAIN_DN_LEN];
};

/* Facts about the session and the peer certificate, all NUL-terminated. */
struct tls_facts {
	char	version[16];		/* "TLSv1.3" */
	char	cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	bool	verified;		/* chain and peer name both good */
	char	verify_error[160];	/* OpenSSL's text when !verified */
	bool	name_matches;		/* peer name check alone */
	char	subject[TLS_FACTS_DN_LEN];	/* RFC 2253 form */
	char	issuer[TLS_FACTS_DN_LEN];
	char	not_after[32];		/* "2027-01-31T12:00:00Z" */
	char	names[TLS_FACTS_NAMES_MAX][TLS_FACTS_NAME_LEN]; /* DNS SANs */
	size_t	nnames;
	size_t	names_truncated;	/* SANs not kept */
	char	ips[TLS_FACTS_IPS_MAX][TLS_FACTS_IP_LEN]; /* IP SANs, as text */
	size_t	nips;
	size_t	ips_truncated;		/* IP SANs not kept */
	/*
	 * The chain as the server sent it, depth 0 (the leaf) first, as
	 * sent: not the verified path, which may differ.
	 */
	struct tls_facts_cert chain[TLS_FACTS_CHAIN_MAX];
	size_t	nchain;
	size_t	chain_truncated;	/* certificates past the bound */
	bool	has_peer_cert;
};

/* Opaque: a trust store and settings, shared read-only by connections. */
struct tls_ctx;
/* Opaque: one TLS session. */
struct tls_conn;

/*
 * tls_conn_ctx_new - make a client context. ca_file NULL means the system
 * trust store (the hashed certificate directory, loaded lazily so a probe
 * does not parse every root at start). Returns NULL and fills err on
 * failure. Free with tls_conn_ctx_free().
 * Errors: TLS_E_NOMEM, TLS_E_CONFIG.
 */
struct tls_ctx	*tls_conn_ctx_new(const char *ca_file, struct tls_err *err);
/* tls_conn_ctx_free - free a context; NULL is fine. */
void		 tls_conn_ctx_free(struct tls_ctx *ctx);

/*
 * Opaque: a TLS context for a library that runs its own handshake
 * (libesmtp on the relay path), with the peer name and the facts hooked
 * in. OpenSSL's SSL_CTX is named by its struct tag so that callers need
 * no OpenSSL header.
 */
struct tls_hosted;
struct ssl_ctx_st;

/*
 * tls_conn_hosted_new - a client context like tls_conn_ctx_new()'s
 * (ca_file NULL: the system trust store), for one peer: every SSL made
 * from it sends host as SNI (none for an IP literal) and verifies the
 * certificate against host (SSL_get_verify_result() says
 * X509_V_ERR_HOSTNAME_MISMATCH otherwise), and when a handshake finishes,
 * *facts (borrowed: it must outlive every handshake on the context) is
 * zeroed and filled as tls_conn_open() fills it. The handshake itself
 * goes on whatever the verify result, as tls_conn_open()'s does; policy
 * is the caller's. Free with tls_conn_hosted_free().
 * Errors: TLS_E_NOMEM, TLS_E_CONFIG (CA file, trust store, host empty or
 * longer than a DNS name).
 */
struct tls_hosted *tls_conn_hosted_new(const char *ca_file, const char *host,
		    struct tls_facts *facts, struct tls_err *err);

/*
 * tls_conn_hosted_ssl_ctx - the SSL_CTX to hand to the library, which
 * takes its own reference (SSL_CTX_up_ref) if it keeps it. Borrowed from
 * h.
 */
struct ssl_ctx_st *tls_conn_hosted_ssl_ctx(struct tls_hosted *h);

/*
 * tls_conn_hosted_settle - after a handshake the library ran on ssl (an
 * SSL made from a hosted context, its socket non-blocking): under TLS
 * 1.3, process the server's post-handshake messages (session tickets)
 * that arrive within wait_ms, without taking any application data (it
 * stays buffered in ssl for the library). Nothing under TLS 1.2. Errors
 * are left for the library's next read to meet; none is reported here.
 */
struct ssl_st;
void		 tls_conn_hosted_settle(struct ssl_st *ssl, int wait_ms);

/*
 * tls_conn_hosted_free - free h; NULL is fine. A library still holding
 * the SSL_CTX keeps a context that records no more facts.
 */
void		 tls_conn_hosted_free(struct tls_hosted *h);

/*
 * tls_conn_open - run the client handshake on fd (a connected, blocking
 * or non-blocking socket; it is left non-blocking). sni_host is sent as
 * SNI and is the name the certificate must match; it is copied. Fills
 * *facts (zeroed first) as far as the handshake got. Returns the session,
 * or NULL with err filled. Free with tls_conn_close().
 * Errors: TLS_E_NOMEM, TLS_E_CONFIG (sni_host empty or longer than a
 * DNS name), TLS_E_HANDSHAKE, TLS_E_IO, TLS_E_TIMEOUT.
 */
struct tls_conn	*tls_conn_open(struct tls_ctx *ctx, int fd, const char *sni_host,
		    int64_t deadline_ms, struct tls_facts *facts,
		    struct tls_err *err);

/*
 * tls_conn_read - read up to len (> 0) decrypted bytes. Returns the
 * count (> 0), 0 when the peer closed (close_notify or EOF), -1 with err
 * filled.
 * Errors: TLS_E_IO, TLS_E_TIMEOUT, TLS_E_HANDSHAKE (protocol error).
 */
ssize_t		 tls_conn_read(struct tls_conn *conn, void *buf, size_t len,
		    int64_t deadline_ms, struct tls_err *err);

/*
 * tls_conn_write - write all len bytes (a partial write is never reported
 * as done). Returns 0, or -1 with err filled.
 * Errors: TLS_E_IO, TLS_E_TIMEOUT, TLS_E_CLOSED.
 */
int		 tls_conn_write(struct tls_conn *conn, const void *buf,
		    size_t len, int64_t deadline_ms, struct tls_err *err);

/*
 * tls_conn_close - send close_notify without waiting for the peer's, and
 * free the session. Does not close the fd. NULL is fine.
 */
void		 tls_conn_close(struct tls_conn *conn);

#endif
