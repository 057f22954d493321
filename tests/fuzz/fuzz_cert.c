/*
 * fuzz_cert - the certificate facts a report shows (tls_cert): subject
 * and issuer, DNS and IP subjectAltNames, notAfter, the chain, and the
 * name check, over a certificate a hostile server sent.
 *
 * Input: DER, read with d2i_X509 as OpenSSL reads a peer's certificate;
 * when it decodes, it is parsed as the leaf and as a chain of ten copies
 * (past TLS_FACTS_CHAIN_MAX), and checked against a DNS name and an IP.
 * Invariants: every field is NUL-terminated within its buffer; the
 * subject and issuer hold no control byte (escaped, tls_cert.c); the
 * counts keep TLS_FACTS_NAMES_MAX, TLS_FACTS_IPS_MAX and
 * TLS_FACTS_CHAIN_MAX and count the rest; notAfter is "" or ISO 8601
 * ("2027-01-31T12:00:00Z", 20 characters); nothing leaks.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls/tls_cert.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_CHAIN_COPIES	10

static void
fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_terminated(const char *s, size_t size)
{
	fuzz_check(memchr(s, '\0', size) != NULL);
}

/* A distinguished name as we store it: terminated, no control byte. */
static void
fuzz_dn(const char *s, size_t size)
{
	const unsigned char *u;

	fuzz_terminated(s, size);
	for (u = (const unsigned char *)s; *u != '\0'; u++)
		fuzz_check(*u >= 0x20 && *u != 0x7f);
}

static void
fuzz_facts(const struct tls_facts *f)
{
	size_t i;

	fuzz_check(f->has_peer_cert);
	fuzz_dn(f->subject, sizeof(f->subject));
	fuzz_dn(f->issuer, sizeof(f->issuer));
	fuzz_terminated(f->not_after, sizeof(f->not_after));
	fuzz_check(f->not_after[0] == '\0' || (strlen(f->not_after) >= 20 &&
	    f->not_after[strlen(f->not_after) - 1] == 'Z'));
	fuzz_check(f->nnames <= TLS_FACTS_NAMES_MAX);
	fuzz_check(f->nips <= TLS_FACTS_IPS_MAX);
	for (i = 0; i < f->nnames; i++)
		fuzz_terminated(f->names[i], sizeof(f->names[i]));
	for (i = 0; i < f->nips; i++)
		fuzz_terminated(f->ips[i], sizeof(f->ips[i]));
	fuzz_check(f->nchain == TLS_FACTS_CHAIN_MAX);
	fuzz_check(f->chain_truncated == FUZZ_CHAIN_COPIES -
	    TLS_FACTS_CHAIN_MAX);
	for (i = 0; i < f->nchain; i++) {
		fuzz_dn(f->chain[i].subject, sizeof(f->chain[i].subject));
		fuzz_dn(f->chain[i].issuer, sizeof(f->chain[i].issuer));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	STACK_OF(X509) *chain;
	struct tls_facts *f;
	X509 *cert;
	int i;

	cert = d2i_X509(NULL, &p, (long)size);
	/*
	 * A refused certificate leaves its reasons on OpenSSL's error
	 * queue; clear it, or every input looks like a leak to libFuzzer,
	 * which then runs LeakSanitizer after each one (80 inputs a second).
	 */
	ERR_clear_error();
	if (cert == NULL)
		return 0;
	f = calloc(1, sizeof(*f));
	chain = sk_X509_new_null();
	fuzz_check(f != NULL && chain != NULL);
	for (i = 0; i < FUZZ_CHAIN_COPIES; i++)
		fuzz_check(sk_X509_push(chain, cert) > 0);
	if (tls_cert_parse(cert, f) == TLS_OK &&
	    tls_cert_parse_chain(chain, f) == TLS_OK)
		fuzz_facts(f);
	(void)tls_cert_matches_host(cert, "mx.example.com", false);
	(void)tls_cert_matches_host(cert, "192.0.2.1", true);
	(void)tls_cert_matches_host(cert, "2001:db8::1", true);
	sk_X509_free(chain);
	X509_free(cert);
	free(f);
	return 0;
}
