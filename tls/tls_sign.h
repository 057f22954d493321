/*
 * tls_sign - the cryptographic primitives a DKIM signature needs that
 * libopendkim cannot be trusted with: SHA-256, an Ed25519 signature made
 * from a PEM private key, and base64.
 *
 * Why it exists: libopendkim 2.11.0~beta2 frees the signing key's
 * OpenSSL objects only for RSA, so each Ed25519 signature it made left a
 * copy of the private key in memory (README, "DKIM signing"). Ed25519
 * signatures are made here instead, where the key's OpenSSL object is
 * freed (and cleansed, EVP_PKEY_free) before the call returns. It lives
 * in tls/ because only tls/ includes OpenSSL headers (STYLE.md); it knows
 * no DKIM tag: probe_dkimsig decides what is hashed and signed.
 *
 * What it does not do: keep the key, read files, prompt for a
 * passphrase (an encrypted key is an error), or sign with RSA.
 *
 * Errors (enum tls_rc): TLS_E_CONFIG (not an unencrypted PEM Ed25519
 * private key), TLS_E_NOMEM. The message never quotes the key's bytes.
 */
#ifndef SMTPPROBE_TLS_SIGN_H
#define SMTPPROBE_TLS_SIGN_H

#include <stddef.h>

#include "tls/tls_conn.h"

#define TLS_SIGN_SHA256_LEN	32
#define TLS_SIGN_ED25519_LEN	64	/* RFC 8032 5.1.6: R and S */

/* tls_sign_sha256 - the SHA-256 of len bytes at data into out. */
enum tls_rc	tls_sign_sha256(const void *data, size_t len,
		    unsigned char out[TLS_SIGN_SHA256_LEN],
		    struct tls_err *err);

/*
 * tls_sign_ed25519 - sign the len bytes at data with the Ed25519 private
 * key in the pem_len bytes of PEM at pem (PureEdDSA, RFC 8032 5.1.6, as
 * RFC 8463 3 asks). Borrows pem; keeps nothing of it.
 * Errors: TLS_E_CONFIG, TLS_E_NOMEM.
 */
enum tls_rc	tls_sign_ed25519(const void *pem, size_t pem_len,
		    const void *data, size_t len,
		    unsigned char sig[TLS_SIGN_ED25519_LEN],
		    struct tls_err *err);

/*
 * tls_sign_base64 - len bytes at data as base64 (RFC 4648 4, padded, no
 * line breaks) into out, NUL-terminated. Returns the characters written
 * (not the NUL), or 0 when outlen cannot hold 4 * ceil(len / 3) + 1.
 */
size_t		tls_sign_base64(const void *data, size_t len, char *out,
		    size_t outlen);

#endif
