/*
 * tls_sign - SHA-256, Ed25519 and base64 with OpenSSL. See tls_sign.h.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tls/tls_sign.h"

static enum tls_rc
tls_sign_fail(struct tls_err *err, enum tls_rc rc, const char *msg)
{
	/* OpenSSL's queue names no key bytes, but it is not ours to show. */
	ERR_clear_error();
	err->rc = rc;
	(void)snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return rc;
}

enum tls_rc
tls_sign_sha256(const void *data, size_t len,
    unsigned char out[TLS_SIGN_SHA256_LEN], struct tls_err *err)
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != TLS_SIGN_SHA256_LEN)
		return tls_sign_fail(err, TLS_E_NOMEM, "SHA-256 failed");
	return TLS_OK;
}

/* Never prompt: an encrypted key fails instead (see tls_key.c). */
static int
tls_sign_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* The Ed25519 key in pem, or NULL. Free with EVP_PKEY_free(). */
static EVP_PKEY *
tls_sign_key(const void *pem, size_t pem_len)
{
	EVP_PKEY *pkey;
	BIO *bio;

	if (pem_len > INT_MAX)
		return NULL;
	/* A read-only view of the caller's bytes: no copy to cleanse. */
	if ((bio = BIO_new_mem_buf(pem, (int)pem_len)) == NULL)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_sign_no_passphrase,
	    NULL);
	BIO_free(bio);
	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

enum tls_rc
tls_sign_ed25519(const void *pem, size_t pem_len, const void *data,
    size_t len, unsigned char sig[TLS_SIGN_ED25519_LEN], struct tls_err *err)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	size_t siglen = TLS_SIGN_ED25519_LEN;
	enum tls_rc rc = TLS_OK;

	if ((pkey = tls_sign_key(pem, pem_len)) == NULL)
		return tls_sign_fail(err, TLS_E_CONFIG, "not an unencrypted "
		    "PEM Ed25519 private key");
	/* Ed25519 hashes inside the signature: no digest is named. */
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, data, len) != 1 ||
	    siglen != TLS_SIGN_ED25519_LEN)
		rc = tls_sign_fail(err, TLS_E_NOMEM, "the Ed25519 signature "
		    "failed");
	EVP_MD_CTX_free(md);
	/* EVP_PKEY_free() cleanses the private parts as it frees them. */
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}

size_t
tls_sign_base64(const void *data, size_t len, char *out, size_t outlen)
{
	int n;

	if (len > (size_t)INT_MAX / 4 * 3 - 3 || outlen < (len + 2) / 3 * 4 +
	    1)
		return 0;
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return n < 0 ? 0 : (size_t)n;
}
