/*
 * tls_testcert - throwaway certificates for TLS tests, made at run time.
 * See tls_testcert.h for what is made and where it goes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tests/support/tls_testcert.h"

#define TLS_TESTCERT_DAY_S	(24L * 60 * 60)
/* TLS_TESTCERT_GOOD_NOT_AFTER in the form ASN1_TIME_set_string takes. */
#define TLS_TESTCERT_GOOD_NOT_AFTER_ASN1	"20491231235959Z"
#define TLS_TESTCERT_CA_SERIAL	1000

/* One row per certificate the set makes; GOOD's notAfter is fixed. */
struct tls_testcert_spec {
	const char	*file;
	const char	*cn;
	const char	*san;
	long		 not_before_s;	/* relative to now */
	long		 not_after_s;	/* relative to now */
	bool		 is_self_signed;
};

static const struct tls_testcert_spec tls_testcert_specs[] = {
	[TLS_TESTCERT_GOOD] = { "good.pem", TLS_TESTCERT_HOST,
	    "DNS:" TLS_TESTCERT_HOST ",IP:" TLS_TESTCERT_IP,
	    -TLS_TESTCERT_DAY_S, 0, false },
	[TLS_TESTCERT_WRONG_NAME] = { "wrong-name.pem",
	    TLS_TESTCERT_OTHER_HOST, "DNS:" TLS_TESTCERT_OTHER_HOST,
	    -TLS_TESTCERT_DAY_S, 30 * TLS_TESTCERT_DAY_S, false },
	[TLS_TESTCERT_EXPIRED] = { "expired.pem", TLS_TESTCERT_HOST,
	    "DNS:" TLS_TESTCERT_HOST ",IP:" TLS_TESTCERT_IP,
	    -30 * TLS_TESTCERT_DAY_S, -TLS_TESTCERT_DAY_S, false },
	[TLS_TESTCERT_SELF_SIGNED] = { "self-signed.pem", TLS_TESTCERT_HOST,
	    "DNS:" TLS_TESTCERT_HOST ",IP:" TLS_TESTCERT_IP,
	    -TLS_TESTCERT_DAY_S, 30 * TLS_TESTCERT_DAY_S, true },
};
_Static_assert(sizeof(tls_testcert_specs) / sizeof(tls_testcert_specs[0]) ==
    TLS_TESTCERT_COUNT, "each kind needs a row");

static int
tls_testcert_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	int		 ok;

	ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int
tls_testcert_name(X509 *x, const char *cn)
{
	X509_NAME	*name;

	name = X509_get_subject_name(x);
	/* Added O first: RFC 2253 prints the last RDN first, "CN=..,O=..". */
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"smtpprobe", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	return 0;
}

static int
tls_testcert_times(X509 *x, long not_before_s, long not_after_s,
    bool is_fixed)
{
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, not_before_s,
	    NULL) == NULL)
		return -1;
	if (is_fixed)
		return ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
		    TLS_TESTCERT_GOOD_NOT_AFTER_ASN1) == 1 ? 0 : -1;
	return X509_time_adj_ex(X509_getm_notAfter(x), 0, not_after_s,
	    NULL) == NULL ? -1 : 0;
}

static int
tls_testcert_exts(X509 *x, X509 *issuer, const char *san)
{
	X509V3_CTX	 v3;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if (san == NULL)
		return tls_testcert_ext(x, &v3, NID_basic_constraints,
		    "critical,CA:TRUE") ||
		    tls_testcert_ext(x, &v3, NID_key_usage,
		    "critical,keyCertSign,cRLSign") ||
		    tls_testcert_ext(x, &v3, NID_subject_key_identifier,
		    "hash") ? -1 : 0;
	return tls_testcert_ext(x, &v3, NID_basic_constraints, "CA:FALSE") ||
	    tls_testcert_ext(x, &v3, NID_key_usage,
	    "critical,digitalSignature") ||
	    tls_testcert_ext(x, &v3, NID_ext_key_usage, "serverAuth") ||
	    tls_testcert_ext(x, &v3, NID_subject_alt_name, san) ? -1 : 0;
}

/*
 * One certificate for key. issuer NULL with signer NULL: self-signed by
 * key. san NULL: a CA. is_fixed: notAfter is the fixed GOOD date.
 */
static X509 *
tls_testcert_build(const struct tls_testcert_spec *spec, long serial,
    EVP_PKEY *key, X509 *issuer, EVP_PKEY *signer, bool is_fixed)
{
	X509	*x;
	int	 ok;

	x = X509_new();
	if (x == NULL)
		return NULL;
	ok = X509_set_version(x, X509_VERSION_3) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
	    X509_set_pubkey(x, key) == 1 &&
	    tls_testcert_name(x, spec->cn) == 0 &&
	    tls_testcert_times(x, spec->not_before_s, spec->not_after_s,
	    is_fixed) == 0;
	if (ok)
		ok = X509_set_issuer_name(x, X509_get_subject_name(
		    issuer != NULL ? issuer : x)) == 1 &&
		    tls_testcert_exts(x, issuer != NULL ? issuer : x,
		    spec->san) == 0 &&
		    X509_sign(x, signer != NULL ? signer : key,
		    EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
tls_testcert_write(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE	*fp;
	int	 ok;

	fp = fopen(path, "w");
	if (fp == NULL)
		return -1;
	if (x != NULL)
		ok = PEM_write_X509(fp, x) == 1;
	else
		ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL,
		    NULL) == 1;
	if (fclose(fp) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/*
 * dst and dir are both members of one set; formatting into a local
 * buffer first keeps gcc's -Wrestrict from suspecting they overlap.
 */
static int
tls_testcert_path(char *dst, const char *dir, const char *file)
{
	char	 buf[PATH_MAX];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	memcpy(dst, buf, (size_t)n + 1);
	return 0;
}

static int
tls_testcert_make_all(struct tls_testcert_set *set)
{
	static const struct tls_testcert_spec ca_spec = { "ca.pem",
	    "smtpprobe test CA", NULL, -TLS_TESTCERT_DAY_S,
	    3650 * TLS_TESTCERT_DAY_S, true };
	const struct tls_testcert_spec	*spec;
	int				 i;

	set->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	set->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (set->ca_key == NULL || set->key == NULL)
		return -1;
	set->ca = tls_testcert_build(&ca_spec, TLS_TESTCERT_CA_SERIAL,
	    set->ca_key, NULL, NULL, false);
	if (set->ca == NULL ||
	    tls_testcert_path(set->ca_file, set->dir, ca_spec.file) != 0 ||
	    tls_testcert_write(set->ca_file, set->ca, NULL) != 0 ||
	    tls_testcert_path(set->key_file, set->dir, "server.key") != 0 ||
	    tls_testcert_write(set->key_file, NULL, set->key) != 0)
		return -1;
	for (i = 0; i < TLS_TESTCERT_COUNT; i++) {
		spec = &tls_testcert_specs[i];
		set->certs[i] = tls_testcert_build(spec, i + 1, set->key,
		    spec->is_self_signed ? NULL : set->ca,
		    spec->is_self_signed ? NULL : set->ca_key,
		    i == TLS_TESTCERT_GOOD);
		if (set->certs[i] == NULL ||
		    tls_testcert_path(set->cert_file[i], set->dir,
		    spec->file) != 0 ||
		    tls_testcert_write(set->cert_file[i], set->certs[i],
		    NULL) != 0)
			return -1;
	}
	return 0;
}

int
tls_testcert_make(struct tls_testcert_set *set, char *errbuf, size_t errlen)
{
	const char	*tmp;
	int		 n;

	memset(set, 0, sizeof(*set));
	tmp = getenv("TMPDIR");
	n = snprintf(set->dir, sizeof(set->dir), "%s/tls_testcert.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(set->dir) ||
	    mkdtemp(set->dir) == NULL) {
		set->dir[0] = '\0';
		(void)snprintf(errbuf, errlen, "cannot make a temporary "
		    "directory");
		return -1;
	}
	if (tls_testcert_make_all(set) != 0) {
		ERR_error_string_n(ERR_peek_error(), errbuf, errlen);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void
tls_testcert_free(struct tls_testcert_set *set)
{
	int	 i;

	for (i = 0; i < TLS_TESTCERT_COUNT; i++) {
		/* A file that was never written is not there to remove. */
		if (set->cert_file[i][0] != '\0')
			(void)unlink(set->cert_file[i]);
		X509_free(set->certs[i]);
	}
	if (set->ca_file[0] != '\0')
		(void)unlink(set->ca_file);
	if (set->key_file[0] != '\0')
		(void)unlink(set->key_file);
	if (set->dir[0] != '\0')
		(void)rmdir(set->dir);
	X509_free(set->ca);
	EVP_PKEY_free(set->ca_key);
	EVP_PKEY_free(set->key);
	memset(set, 0, sizeof(*set));
}
