/*
 * probe_dkimsig - an ed25519-sha256 DKIM signature (RFC 6376 with
 * RFC 8463) made without libopendkim's signer, and the header-block
 * splitter both signing paths share.
 *
 * Why: libopendkim 2.11.0~beta2 never frees an Ed25519 signing key's
 * OpenSSL objects (README, "DKIM signing"), so it leaves the private key
 * in memory after each signature. Here the hashes are computed over our
 * own relaxed canonicalization (RFC 6376 3.4.2 and 3.4.4) and the hash
 * is signed by tls_sign, which frees and cleanses the key before it
 * returns. RSA still signs with libopendkim (probe_sign); the unit tests
 * and the fake MX verify both with libopendkim's verifier.
 *
 * What it does: probe_dkimsig_ed25519() builds the DKIM-Signature
 * field's value (v, a, c=relaxed/relaxed, d, s, t, h, bh, b; folded with
 * CRLF TAB as libopendkim folds) over the header fields present whose
 * names are in the list, in the message's order, with the oversigned
 * names once more at the end (RFC 6376 8.15).
 *
 * What it does not do: read the key file, insert the field into the
 * message (probe_sign does), or any other algorithm or canonicalization.
 *
 * Limits: at most PROBE_DKIMSIG_FIELDS_MAX header fields in a message
 * and PROBE_DKIMSIG_H_MAX bytes of h=.
 *
 * Errors: -1 with one line in err (too many fields, a field without a
 * colon, a key tls_sign refuses, out of memory). Never quotes the key.
 */
#ifndef SMTPPROBE_PROBE_DKIMSIG_H
#define SMTPPROBE_PROBE_DKIMSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtp/smtp_buf.h"

/* More header fields than any real message has; a bound for our table. */
#define PROBE_DKIMSIG_FIELDS_MAX	1024
/* The signed names joined by ':'; probe_sign keeps h= in as many. */
#define PROBE_DKIMSIG_H_MAX		512

struct probe_dkimsig_in {
	const char		*pem;		/* the private key, borrowed */
	size_t			 pem_len;
	const char		*selector;
	const char		*domain;
	time_t			 now;
	/* Each field ends in CRLF; folds are CRLF then WSP. */
	const char		*hdrs;
	size_t			 hdrs_len;
	const char		*body;		/* CRLF line ends */
	size_t			 body_len;
	const char *const	*names;		/* lowercase, NULL-ended */
	const char *const	*oversign;	/* lowercase, NULL-ended */
};

/*
 * probe_dkimsig_field_next - the next header field of hdrs[0..len) from
 * *pos on, without its last CRLF, into *field and *flen (borrowed from
 * hdrs). Returns false at the end.
 */
bool	probe_dkimsig_field_next(const char *hdrs, size_t len, size_t *pos,
	    const char **field, size_t *flen);

/*
 * probe_dkimsig_canon_header - append the relaxed form of one field
 * (RFC 6376 3.4.2: name lowercased, folds undone, runs of WSP one space,
 * no WSP around the colon or at the end) and CRLF to out.
 * Returns 0, or -1 when out would pass ceiling.
 */
int	probe_dkimsig_canon_header(const char *field, size_t flen,
	    struct smtp_buf *out, size_t ceiling);

/*
 * probe_dkimsig_canon_body - append the relaxed form of a body with CRLF
 * line ends (RFC 6376 3.4.4: runs of WSP one space, none at a line's
 * end, no empty lines at the end, a last CRLF when not empty) to out.
 * Returns 0, or -1 when out would pass ceiling.
 */
int	probe_dkimsig_canon_body(const char *body, size_t len,
	    struct smtp_buf *out, size_t ceiling);

/*
 * probe_dkimsig_ed25519 - sign in's message; the field's value goes to
 * *value (appended; the caller frees it with smtp_buf_free()).
 * Returns 0, or -1 with err filled.
 */
int	probe_dkimsig_ed25519(const struct probe_dkimsig_in *in,
	    struct smtp_buf *value, char *err, size_t errlen);

#endif
