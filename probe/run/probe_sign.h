/*
 * probe_sign - DKIM signing of the probe's message (RFC 6376; Ed25519 by
 * RFC 8463): RSA with libopendkim, the library OpenDKIM itself signs
 * with; Ed25519 with probe_dkimsig, because libopendkim 2.11.0~beta2
 * never frees an Ed25519 signing key.
 *
 * What it does: probe_sign_key_load() reads a PEM private key file
 * (PKCS#1 or PKCS#8, RSA or Ed25519: what opendkim-genkey and rspamd
 * write), checks it parses (tls_key) and is usable for DKIM, and notes
 * whether group or others may read the file. probe_sign_message() signs
 * a built message with a=rsa-sha256 or a=ed25519-sha256 (by the key's
 * type), c=relaxed/relaxed, over the header fields present among
 * PROBE_SIGN_HEADERS with From oversigned (one more From in h= than the
 * message has, so nobody can add a second From: RFC 6376 8.15), puts
 * the DKIM-Signature field first, and records what it signed (struct
 * probe_sign_facts) for the reports.
 *
 * Secrets: the key's bytes live only in struct probe_sign_key and in
 * libopendkim's (RSA) or tls_sign's (Ed25519) OpenSSL objects while a
 * message is signed. Ours are zeroed when freed; libopendkim allocates
 * through our allocator, which zeroes every block it frees; OpenSSL
 * cleanses its private key on free, and both paths free it before
 * probe_sign_message() returns. No error text quotes the file's content.
 *
 * What it does not do: print (the caller warns about a readable key
 * file), look up DNS (probe_check compares the key with the record), or
 * sign with any other algorithm or canonicalization.
 *
 * Limits: a key file of at most PROBE_SIGN_KEY_FILE_MAX bytes; RSA keys
 * of at least PROBE_SIGN_RSA_MIN_BITS (RFC 8301 3.2); the signature
 * field at most PROBE_SIGN_FIELD_MAX bytes; the signed message within
 * PROBE_MESSAGE_MAX.
 *
 * Errors: -1 with one line in err (a file that cannot be read, is not a
 * key, is encrypted, is an algorithm DKIM lacks or a key too weak; a
 * message libopendkim refuses).
 */
#ifndef SMTPPROBE_PROBE_SIGN_H
#define SMTPPROBE_PROBE_SIGN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtp/smtp_buf.h"
#include "tls/tls_key.h"

/* A 16384-bit RSA key in PEM is about 12 KiB; anything past 64 is not one. */
#define PROBE_SIGN_KEY_FILE_MAX	(64u * 1024)
/* RFC 8301 3.2: verifiers MUST NOT accept RSA keys under 1024 bits. */
#define PROBE_SIGN_RSA_MIN_BITS	1024
/* A 16384-bit signature is 2,731 base64 bytes; the tags add a few hundred. */
#define PROBE_SIGN_FIELD_MAX	4096
/* RFC 1035 2.3.4: 253 characters of name, and a NUL. */
#define PROBE_SIGN_NAME_MAX	254
#define PROBE_SIGN_H_MAX	512
#define PROBE_SIGN_BH_MAX	64	/* base64 of SHA-256: 44 */
/* The header fields signed when present (lowercase, RFC 6376 5.4.1). */
#define PROBE_SIGN_HEADERS	"from", "to", "cc", "reply-to", "subject", \
				"date", "message-id", "mime-version", \
				"content-type", "content-transfer-encoding", \
				"list-unsubscribe", "list-unsubscribe-post"

enum probe_sign_alg {
	PROBE_SIGN_RSA_SHA256,
	PROBE_SIGN_ED25519_SHA256,
};

/* A loaded key. Holds the private key: free with probe_sign_key_free(). */
struct probe_sign_key {
	char			*pem;		/* owned, zeroed on free */
	size_t			 pem_len;
	enum probe_sign_alg	 alg;
	struct tls_key_facts	 facts;		/* public: bits, p= */
	bool			 is_readable_by_others;	/* group or other */
	char			 path[PATH_MAX];
};

/* What was signed, for the reports: the DKIM-Signature's tags. */
struct probe_sign_facts {
	bool	is_signed;
	char	d[PROBE_SIGN_NAME_MAX];
	char	s[PROBE_SIGN_NAME_MAX];
	char	a[16];			/* "rsa-sha256" */
	char	c[24];			/* "relaxed/relaxed" */
	char	h[PROBE_SIGN_H_MAX];	/* "From:To:...:From" */
	char	bh[PROBE_SIGN_BH_MAX];
	unsigned bits;			/* the key's */
};

/*
 * probe_sign_key_load - read and check the key at path into *k (zeroed
 * first). Free with probe_sign_key_free() either way.
 * Returns 0, or -1 with err filled.
 */
int	probe_sign_key_load(const char *path, struct probe_sign_key *k,
	    char *err, size_t errlen);

/* probe_sign_key_free - zero the key's bytes, free, zero *k. */
void	probe_sign_key_free(struct probe_sign_key *k);

/* probe_sign_alg_name - "rsa-sha256" or "ed25519-sha256". */
const char *probe_sign_alg_name(enum probe_sign_alg alg);

/*
 * probe_sign_message - sign msg (a whole message, LF or CRLF line ends
 * as smtp_data_encode() reads them) as selector._domainkey.domain, time
 * now, and insert the DKIM-Signature field at its top (LF line ends).
 * Fills *out (zeroed first). Borrows k, selector and domain.
 * Returns 0, or -1 with err filled (msg unchanged).
 */
int	probe_sign_message(const struct probe_sign_key *k,
	    const char *selector, const char *domain, time_t now,
	    struct smtp_buf *msg, struct probe_sign_facts *out, char *err,
	    size_t errlen);

#endif
