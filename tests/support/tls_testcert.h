/*
 * tls_testcert - throwaway certificates for TLS tests, made at run time.
 *
 * What it does: makes an EC P-256 test CA and, signed by it or by
 * themselves, one server certificate per enum tls_testcert_kind, all on
 * one server key. It writes them as PEM into a fresh mkdtemp() directory
 * (ca.pem, server.key, good.pem, wrong-name.pem, expired.pem,
 * self-signed.pem) so that tests and the fake MX can name files, and
 * keeps the OpenSSL objects for in-process servers. Nothing is committed
 * to the repository and nothing outlives tls_testcert_free().
 *
 * What it does not do: no chains longer than CA -> leaf, no RSA, no
 * revocation. Test code only: it includes OpenSSL, which production code
 * outside tls/ must not.
 *
 * Names: the good, expired and self-signed certificates carry the SANs
 * DNS:mx.test and IP:127.0.0.1; wrong-name carries DNS:other.test only.
 * The good certificate's notAfter is fixed (TLS_TESTCERT_GOOD_NOT_AFTER)
 * so that tests can compare it; expired ended a day ago.
 *
 * Errors: tls_testcert_make() returns -1 and fills errbuf when OpenSSL
 * or the file system fails.
 */
#ifndef SMTPPROBE_TLS_TESTCERT_H
#define SMTPPROBE_TLS_TESTCERT_H

#include <limits.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define TLS_TESTCERT_HOST		"mx.test"
#define TLS_TESTCERT_IP			"127.0.0.1"
#define TLS_TESTCERT_OTHER_HOST		"other.test"
/* UTCTime on the wire (before 2050), as most real certificates are. */
#define TLS_TESTCERT_GOOD_NOT_AFTER	"2049-12-31T23:59:59Z"
#define TLS_TESTCERT_CA_SUBJECT	"CN=smtpprobe test CA,O=smtpprobe"
#define TLS_TESTCERT_GOOD_SUBJECT	"CN=mx.test,O=smtpprobe"

enum tls_testcert_kind {
	TLS_TESTCERT_GOOD,
	TLS_TESTCERT_WRONG_NAME,
	TLS_TESTCERT_EXPIRED,
	TLS_TESTCERT_SELF_SIGNED,
	TLS_TESTCERT_COUNT
};

struct tls_testcert_set {
	char		 dir[PATH_MAX];		/* made by mkdtemp() */
	char		 ca_file[PATH_MAX];	/* dir/ca.pem */
	char		 key_file[PATH_MAX];	/* dir/server.key */
	char		 cert_file[TLS_TESTCERT_COUNT][PATH_MAX];
	EVP_PKEY	*ca_key;
	X509		*ca;
	EVP_PKEY	*key;		/* of every server cert */
	X509		*certs[TLS_TESTCERT_COUNT];
};

/*
 * tls_testcert_make - make the CA and every kind of server certificate
 * and write them under a new temporary directory. *set is zeroed first;
 * everything in it is owned by it. Free with tls_testcert_free() even on
 * failure. Returns 0, or -1 with errbuf filled.
 */
int	tls_testcert_make(struct tls_testcert_set *set, char *errbuf,
	    size_t errlen);

/*
 * tls_testcert_free - free the objects, remove the files and the
 * directory, and zero *set. Safe on a zeroed or already freed set.
 */
void	tls_testcert_free(struct tls_testcert_set *set);

#endif
