/*
 * probe_dkim - a DKIM public key record (RFC 6376 3.6.1): is it there,
 * does it parse, what key does it hold and is the key strong enough.
 *
 * What it does: probe_dkim_parse() reads the tag list (v=DKIM1 first
 * when present, k=rsa|ed25519, p= base64, h=, s=, t=, n=); an empty p=
 * is a revoked key (3.6.1). For RSA it decodes the DER of p= (a
 * SubjectPublicKeyInfo, RFC 6376 3.6.1; a bare RSAPublicKey is accepted
 * with a warning since verifiers take it) with a small bounded ASN.1
 * walk, no OpenSSL (which only tls/ may use), and reports the modulus
 * size in bits. For Ed25519 (RFC 8463) p= must be 32 bytes.
 * probe_dkim_lookup() reads SELECTOR._domainkey.DOMAIN through the
 * resolver interface and parses what it finds.
 *
 * The judgement of the key (enum probe_dkim_level): RSA below
 * PROBE_DKIM_RSA_MIN_BITS fails (RFC 8301 3.2: verifiers MUST NOT
 * accept such keys), below PROBE_DKIM_RSA_GOOD_BITS is a warning (RFC
 * 8301 3.2 asks signers for at least 2048; Google's sender guidelines
 * recommend 2048), a revoked, missing or broken key fails, a DNS
 * failure is a temperror.
 *
 * What it does not do: verify a signature (there is no message), or
 * follow the "DKIM-Signature" header's d= and s= (the caller names
 * both).
 *
 * Limits: p= decodes to at most PROBE_DKIM_KEY_MAX bytes (an RSA key of
 * 16384 bits fits); a longer one is a failure with that reason. The
 * record text is kept for the report up to PROBE_DKIM_RECORD_MAX.
 *
 * Errors (enum probe_dkim_rc): PROBE_DKIM_E_USAGE when the selector or
 * domain is unusable. errmsg gets one line in our words. Everything
 * about the record is a result, not an error.
 */
#ifndef SMTPPROBE_PROBE_DKIM_H
#define SMTPPROBE_PROBE_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/dns/probe_dns.h"

/* RFC 8301 3.2. */
#define PROBE_DKIM_RSA_MIN_BITS		1024
#define PROBE_DKIM_RSA_GOOD_BITS	2048
/* RFC 8463 3: an Ed25519 public key is 32 bytes. */
#define PROBE_DKIM_ED25519_LEN		32
/* The DER of a 16384-bit RSA key is about 2,100 bytes. */
#define PROBE_DKIM_KEY_MAX		4096
#define PROBE_DKIM_RECORD_MAX		1024
#define PROBE_DKIM_REASON_MAX		256
/* RFC 1035 2.3.4: 253 characters of name, and a NUL. */
#define PROBE_DKIM_NAME_MAX		254
#define PROBE_DKIM_FLAGS_MAX		32

enum probe_dkim_rc {
	PROBE_DKIM_OK = 0,
	PROBE_DKIM_E_USAGE,
};

enum probe_dkim_key_type {
	PROBE_DKIM_KEY_UNKNOWN,
	PROBE_DKIM_KEY_RSA,
	PROBE_DKIM_KEY_ED25519,
	PROBE_DKIM_KEY_COUNT
};

/* How the key reads for delivery: ours, not the RFC's words. */
enum probe_dkim_level {
	PROBE_DKIM_GOOD,
	PROBE_DKIM_WARN,	/* usable, but weak or in test mode */
	PROBE_DKIM_BAD,		/* missing, revoked, broken, too weak */
	PROBE_DKIM_TEMPERROR,	/* DNS failed: cannot tell */
	PROBE_DKIM_LEVEL_COUNT
};

/* One parsed key record; holds no heap memory. */
struct probe_dkim_key {
	bool			 is_valid;	/* parsed, with a key */
	bool			 is_revoked;	/* p= empty */
	enum probe_dkim_key_type type;
	unsigned		 bits;		/* modulus; Ed25519 256 */
	bool			 is_pkcs1;	/* bare RSAPublicKey */
	bool			 is_testing;	/* t=y */
	bool			 is_strict;	/* t=s */
	char			 h[PROBE_DKIM_FLAGS_MAX]; /* hashes */
	/*
	 * The key itself, to compare with a signer's: the DER RSAPublicKey
	 * (inside the SubjectPublicKeyInfo, or the whole bare p=), or the
	 * 32 Ed25519 bytes.
	 */
	unsigned char		 id[PROBE_DKIM_KEY_MAX];
	size_t			 id_len;
	/* Why it is not valid, or a warning; else "". */
	char			 reason[PROBE_DKIM_REASON_MAX];
};

struct probe_dkim_result {
	enum probe_dkim_level	 level;
	char			 name[PROBE_DKIM_NAME_MAX];
	bool			 is_found;	/* TXT records exist */
	size_t			 nrecords;	/* how many */
	char			 text[PROBE_DKIM_RECORD_MAX];
	size_t			 text_len;
	bool			 is_text_cut;
	struct probe_dkim_key	 key;
	char			 reason[PROBE_DKIM_REASON_MAX];
};

/*
 * probe_dkim_parse - parse the len bytes at text into *out (zeroed
 * first). Returns out->is_valid; a revoked key is not valid. out->reason
 * says why it is not, or holds a warning ("bare RSAPublicKey").
 */
bool	probe_dkim_parse(const char *text, size_t len,
	    struct probe_dkim_key *out);

/* probe_dkim_decide - the level of a parsed key (see above). */
enum probe_dkim_level probe_dkim_decide(const struct probe_dkim_key *key);

/*
 * probe_dkim_lookup - the key at selector._domainkey.domain through
 * dns, parsed and judged into *out (zeroed first). Several TXT records
 * (RFC 6376 3.6.2.2 leaves the choice to the verifier): the first that
 * parses is used and the count kept. Borrows all.
 * Errors: PROBE_DKIM_E_USAGE (a selector that is not a sub-domain of
 * letters, digits, "-" and ".", or a name longer than 253).
 */
enum probe_dkim_rc probe_dkim_lookup(const struct probe_dns *dns,
		    const char *selector, const char *domain,
		    struct probe_dkim_result *out, char *errmsg,
		    size_t errlen);

/* Stable lowercase tokens: "rsa", "ed25519", "warn". */
const char	*probe_dkim_key_type_name(enum probe_dkim_key_type t);
const char	*probe_dkim_level_name(enum probe_dkim_level l);

#endif
