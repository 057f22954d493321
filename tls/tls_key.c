/*
 * tls_key - public facts of a private key. See tls_key.h.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tls/tls_key.h"

/* RFC 8463 3: an Ed25519 public key is 32 bytes, 256 bits. */
#define TLS_KEY_ED25519_BITS	256

static enum tls_rc
tls_key_fail(struct tls_err *err, enum tls_rc rc, const char *msg)
{
	/* OpenSSL's queue names no key bytes, but it is not ours to show. */
	ERR_clear_error();
	err->rc = rc;
	(void)snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return rc;
}

/*
 * Never prompt: PEM_read_bio_PrivateKey() with no callback would ask on
 * the terminal for the passphrase of an encrypted key. Returning 0 makes
 * the read fail instead.
 */
static int
tls_key_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* i2d_* of pkey into out (cap bytes); false when it does not fit. */
static bool
tls_key_der(EVP_PKEY *pkey, bool is_spki, unsigned char *out, size_t cap,
    size_t *outlen)
{
	int n = is_spki ? i2d_PUBKEY(pkey, NULL) : i2d_PublicKey(pkey, NULL);
	unsigned char *p = out;

	if (n <= 0 || (size_t)n > cap)
		return false;
	n = is_spki ? i2d_PUBKEY(pkey, &p) : i2d_PublicKey(pkey, &p);
	if (n <= 0)
		return false;
	*outlen = (size_t)n;
	return true;
}

static enum tls_rc
tls_key_facts(EVP_PKEY *pkey, struct tls_key_facts *out, struct tls_err *err)
{
	size_t len = sizeof(out->record);

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		out->type = TLS_KEY_RSA;
		out->bits = (unsigned)EVP_PKEY_get_bits(pkey);
		if (!tls_key_der(pkey, true, out->record, sizeof(out->record),
		    &out->record_len) || !tls_key_der(pkey, false, out->id,
		    sizeof(out->id), &out->id_len))
			return tls_key_fail(err, TLS_E_CONFIG, "the RSA key "
			    "is too large");
		return TLS_OK;
	case EVP_PKEY_ED25519:
		out->type = TLS_KEY_ED25519;
		out->bits = TLS_KEY_ED25519_BITS;
		if (EVP_PKEY_get_raw_public_key(pkey, out->record, &len) != 1)
			return tls_key_fail(err, TLS_E_CONFIG, "cannot derive "
			    "the Ed25519 public key");
		out->record_len = len;
		memcpy(out->id, out->record, len);
		out->id_len = len;
		return TLS_OK;
	default:
		out->type = TLS_KEY_OTHER;
		out->bits = (unsigned)EVP_PKEY_get_bits(pkey);
		return TLS_OK;
	}
}

enum tls_rc
tls_key_parse(const void *pem, size_t len, struct tls_key_facts *out,
    struct tls_err *err)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	enum tls_rc rc;

	memset(out, 0, sizeof(*out));
	if (len > INT_MAX)
		return tls_key_fail(err, TLS_E_CONFIG, "the key file is too "
		    "large");
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return tls_key_fail(err, TLS_E_NOMEM, "out of memory");
	pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_key_no_passphrase,
	    NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return tls_key_fail(err, TLS_E_CONFIG, "not a PEM private key "
		    "(PKCS#1 \"BEGIN RSA PRIVATE KEY\" or PKCS#8 \"BEGIN "
		    "PRIVATE KEY\", unencrypted)");
	rc = tls_key_facts(pkey, out, err);
	/* EVP_PKEY_free() cleanses the private parts as it frees them. */
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}
