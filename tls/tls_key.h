/*
 * tls_key - the public facts of a DKIM private key: which algorithm,
 * how many bits, and the public half in the two forms DKIM needs.
 *
 * What it does: tls_key_parse() reads a PEM private key (PKCS#1 "BEGIN
 * RSA PRIVATE KEY" as opendkim-genkey writes, or PKCS#8 "BEGIN PRIVATE
 * KEY" as rspamd and openssl genpkey write) from memory with OpenSSL,
 * derives the public key and fills struct tls_key_facts. It lives here
 * because only tls/ includes OpenSSL headers (STYLE.md); it knows no
 * DKIM tag and no SMTP verb.
 *
 * What it does not do: sign (libopendkim for RSA, tls_sign for Ed25519), keep
 * the private key (OpenSSL's copy is freed, and cleansed, before it
 * returns), read files, or ask for a passphrase: an encrypted key is an
 * error, never a prompt on the terminal.
 *
 * Limits: the public key in either form must fit TLS_KEY_PUB_MAX bytes
 * (RSA up to 16384 bits).
 *
 * Errors (enum tls_rc): TLS_E_CONFIG (not a PEM private key, encrypted,
 * or too large), TLS_E_NOMEM. The message never quotes the key's bytes.
 */
#ifndef SMTPPROBE_TLS_KEY_H
#define SMTPPROBE_TLS_KEY_H

#include <stddef.h>

#include "tls/tls_conn.h"

/* The SubjectPublicKeyInfo of a 16384-bit RSA key is about 2,100 bytes. */
#define TLS_KEY_PUB_MAX		2600

enum tls_key_type {
	TLS_KEY_OTHER,		/* parses, but DKIM has no such algorithm */
	TLS_KEY_RSA,
	TLS_KEY_ED25519,
};

struct tls_key_facts {
	enum tls_key_type	type;
	unsigned		bits;	/* RSA modulus; Ed25519 256 */
	/*
	 * What a DKIM record's p= holds (RFC 6376 3.6.1, RFC 8463 4): the
	 * DER SubjectPublicKeyInfo of an RSA key, the 32 raw bytes of an
	 * Ed25519 key.
	 */
	unsigned char		record[TLS_KEY_PUB_MAX];
	size_t			record_len;
	/*
	 * What two keys are compared by: the DER RSAPublicKey (RFC 8017
	 * A.1.1), found inside a SubjectPublicKeyInfo and as the whole of a
	 * bare p=, or the 32 raw Ed25519 bytes.
	 */
	unsigned char		id[TLS_KEY_PUB_MAX];
	size_t			id_len;
};

/*
 * tls_key_parse - parse the len bytes of PEM at pem into *out (zeroed
 * first). Borrows pem; copies nothing secret into out.
 * Returns TLS_OK, or an error with err filled.
 * Errors: TLS_E_CONFIG, TLS_E_NOMEM.
 */
enum tls_rc	tls_key_parse(const void *pem, size_t len,
		    struct tls_key_facts *out, struct tls_err *err);

#endif
