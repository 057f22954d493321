/*
 * tls_cert - the facts an operator wants from a peer certificate.
 * See tls_cert.h for what it does, its limits and its errors.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/tls_cert.h"

/*
 * RFC 2253 order and escaping, but UTF-8 left as UTF-8: XN_FLAG_RFC2253
 * alone escapes every byte over 0x7f as \XX, which makes an
 * internationalised DN unreadable. Reporters escape bytes per format, so
 * raw UTF-8 is what we store. Control characters are still escaped.
 */
#define TLS_CERT_DN_FLAGS	(XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)

/* ISO 8601 in UTC, the form every report uses for times. */
#define TLS_CERT_TIME_FMT	"%Y-%m-%dT%H:%M:%SZ"

static void
tls_cert_copy(char *dst, size_t dstlen, const void *src, size_t srclen)
{
	size_t	 n;

	n = srclen < dstlen - 1 ? srclen : dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static enum tls_rc
tls_cert_dn(const X509_NAME *name, char *dst, size_t dstlen)
{
	BIO	*mem;
	char	*data;
	long	 len;

	dst[0] = '\0';
	if (name == NULL)
		return TLS_OK;
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL)
		return TLS_E_NOMEM;
	/* A negative return means an undecodable name: leave it empty. */
	if (X509_NAME_print_ex(mem, name, 0, TLS_CERT_DN_FLAGS) >= 0) {
		len = BIO_get_mem_data(mem, &data);
		if (len > 0)
			tls_cert_copy(dst, dstlen, data, (size_t)len);
	}
	BIO_free(mem);
	return TLS_OK;
}

static void
tls_cert_add_name(struct tls_facts *facts, const ASN1_IA5STRING *dns)
{
	const unsigned char	*data;
	int			 len;

	data = ASN1_STRING_get0_data(dns);
	len = ASN1_STRING_length(dns);
	/*
	 * "mx.test\0.evil.example" would be shown as "mx.test": hiding the
	 * rest misleads, so such a name is counted, not kept. X509_check_host
	 * refuses it as well.
	 */
	if (data == NULL || len < 0 ||
	    memchr(data, '\0', (size_t)len) != NULL ||
	    facts->nnames == TLS_FACTS_NAMES_MAX) {
		facts->names_truncated++;
		return;
	}
	tls_cert_copy(facts->names[facts->nnames], TLS_FACTS_NAME_LEN,
	    data, (size_t)len);
	facts->nnames++;
}

/* An iPAddress SAN as text: 4 bytes are IPv4, 16 IPv6 (RFC 5280 4.2.1.6). */
static void
tls_cert_add_ip(struct tls_facts *facts, const ASN1_OCTET_STRING *ip)
{
	const unsigned char	*data = ASN1_STRING_get0_data(ip);
	int			 len = ASN1_STRING_length(ip), af;

	af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : AF_UNSPEC;
	if (data == NULL || af == AF_UNSPEC ||
	    facts->nips == TLS_FACTS_IPS_MAX ||
	    inet_ntop(af, data, facts->ips[facts->nips],
	    TLS_FACTS_IP_LEN) == NULL) {
		facts->ips_truncated++;
		return;
	}
	facts->nips++;
}

static void
tls_cert_names(const X509 *cert, struct tls_facts *facts)
{
	GENERAL_NAMES		*sans;
	const GENERAL_NAME	*gn;
	int			 i, n;

	/*
	 * NULL means no subjectAltName, a duplicate one or an undecodable
	 * one; each leaves no names to report.
	 */
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (sans == NULL)
		return;
	n = sk_GENERAL_NAME_num(sans);
	for (i = 0; i < n; i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type == GEN_DNS)
			tls_cert_add_name(facts, gn->d.dNSName);
		else if (gn->type == GEN_IPADD)
			tls_cert_add_ip(facts, gn->d.iPAddress);
	}
	GENERAL_NAMES_free(sans);
}

static void
tls_cert_not_after(const X509 *cert, char *dst, size_t dstlen)
{
	const ASN1_TIME	*t;
	struct tm	 tm;

	dst[0] = '\0';
	t = X509_get0_notAfter(cert);
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	if (strftime(dst, dstlen, TLS_CERT_TIME_FMT, &tm) == 0)
		dst[0] = '\0';
}

enum tls_rc
tls_cert_parse(const struct x509_st *cert, struct tls_facts *facts)
{
	enum tls_rc	 rc;

	facts->has_peer_cert = true;
	facts->nnames = 0;
	facts->names_truncated = 0;
	facts->nips = 0;
	facts->ips_truncated = 0;
	rc = tls_cert_dn(X509_get_subject_name(cert), facts->subject,
	    sizeof(facts->subject));
	if (rc == TLS_OK)
		rc = tls_cert_dn(X509_get_issuer_name(cert), facts->issuer,
		    sizeof(facts->issuer));
	tls_cert_names(cert, facts);
	tls_cert_not_after(cert, facts->not_after, sizeof(facts->not_after));
	/* Decoding failures above are facts; only keep the queue clean. */
	ERR_clear_error();
	return rc;
}

enum tls_rc
tls_cert_parse_chain(const struct stack_st_X509 *chain,
    struct tls_facts *facts)
{
	struct tls_facts_cert	*c;
	const X509		*cert;
	enum tls_rc		 rc = TLS_OK;
	int			 i, n;

	facts->nchain = 0;
	facts->chain_truncated = 0;
	n = chain == NULL ? 0 : sk_X509_num(chain);
	for (i = 0; i < n && rc == TLS_OK; i++) {
		if (facts->nchain == TLS_FACTS_CHAIN_MAX) {
			facts->chain_truncated = (size_t)(n - i);
			break;
		}
		cert = sk_X509_value(chain, i);
		c = &facts->chain[facts->nchain++];
		rc = tls_cert_dn(X509_get_subject_name(cert), c->subject,
		    sizeof(c->subject));
		if (rc == TLS_OK)
			rc = tls_cert_dn(X509_get_issuer_name(cert), c->issuer,
			    sizeof(c->issuer));
	}
	/* Decoding failures above are facts; only keep the queue clean. */
	ERR_clear_error();
	return rc;
}

bool
tls_cert_matches_host(struct x509_st *cert, const char *host, bool is_ip)
{
	int	 r;

	if (is_ip)
		r = X509_check_ip_asc(cert, host, 0);
	else
		r = X509_check_host(cert, host, 0, TLS_CERT_HOST_FLAGS, NULL);
	ERR_clear_error();
	return r == 1;
}
