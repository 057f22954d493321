/*
 * tls_cert - the facts an operator wants from a peer certificate.
 *
 * What it does: copies the subject and issuer (RFC 2253 form), the DNS
 * and IP address subjectAltNames and notAfter (ISO 8601 UTC,
 * "2027-01-31T12:00:00Z") of an X.509 certificate into struct tls_facts,
 * the subject and issuer of each certificate of the chain a server sent,
 * and checks the certificate
 * alone against the host name the caller dialled (RFC 6125 6.4, or an
 * iPAddress SAN for an IP literal). Internal to tls/: callers outside use
 * tls_conn.h, which hides OpenSSL.
 *
 * What it does not do: no chain verification and no policy; it reads one
 * certificate and says what is in it.
 *
 * Limits: the buffer sizes of struct tls_facts. A longer field is cut at
 * its buffer; SANs past TLS_FACTS_NAMES_MAX, and DNS SANs holding a NUL
 * byte (which no C string can show faithfully), are counted in
 * names_truncated instead of being kept; IP SANs past TLS_FACTS_IPS_MAX
 * or of a length that is neither IPv4 nor IPv6 in ips_truncated;
 * certificates past TLS_FACTS_CHAIN_MAX in chain_truncated.
 *
 * Errors (enum tls_rc): TLS_E_NOMEM. A field OpenSSL cannot decode is
 * left empty: a broken certificate is a fact to report, not an error.
 */
#ifndef SMTPPROBE_TLS_CERT_H
#define SMTPPROBE_TLS_CERT_H

#include <stdbool.h>

#include "tls/tls_conn.h"

/*
 * OpenSSL's X509 and STACK_OF(X509); declared here so that this header
 * needs no OpenSSL.
 */
struct x509_st;
struct stack_st_X509;

/*
 * tls_cert_parse - fill subject, issuer, names, nnames, names_truncated,
 * ips, nips, ips_truncated and not_after of *facts from cert, and set
 * has_peer_cert. Borrows cert; other fields of *facts are left as they
 * are.
 * Errors: TLS_E_NOMEM.
 */
enum tls_rc	 tls_cert_parse(const struct x509_st *cert,
		    struct tls_facts *facts);

/*
 * tls_cert_parse_chain - fill chain, nchain and chain_truncated of *facts
 * from the certificates a server sent (leaf first; NULL: none). Borrows
 * chain; other fields are left as they are.
 * Errors: TLS_E_NOMEM.
 */
enum tls_rc	 tls_cert_parse_chain(const struct stack_st_X509 *chain,
		    struct tls_facts *facts);

/*
 * tls_cert_matches_host - whether cert is valid for host by its name
 * alone, independent of the chain. host is a DNS name (wildcards match
 * one whole left-most label only) or, when is_ip is true, an IPv4 or
 * IPv6 literal. Borrows both.
 */
bool		 tls_cert_matches_host(struct x509_st *cert,
		    const char *host, bool is_ip);

/*
 * Host name check flags shared by the chain check in tls_conn and by
 * tls_cert_matches_host, so that both judge a name the same way: no
 * partial wildcards ("mx*.example.com"), per RFC 6125 6.4.3. The macro
 * names OpenSSL's flag; only files that include <openssl/x509v3.h> use it.
 */
#define TLS_CERT_HOST_FLAGS	X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS

#endif
