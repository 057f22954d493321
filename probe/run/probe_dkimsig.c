/*
 * probe_dkimsig - ed25519-sha256 DKIM signatures. See probe_dkimsig.h.
 *
 * How it works (RFC 6376 3.7): the body is canonicalized and hashed
 * (bh=); the field's value is written with an empty b=; the signed
 * fields, each taken bottom-up as h= names them (RFC 6376 5.4.2), and
 * then the DKIM-Signature field itself without its CRLF are
 * canonicalized and hashed; RFC 8463 3 signs that SHA-256 hash with
 * PureEdDSA, and its base64 becomes b=.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe/run/probe_dkimsig.h"
#include "probe/run/probe_message.h"
#include "tls/tls_sign.h"

#define DKIMSIG_FIELD		"DKIM-Signature: "
/* base64 of a SHA-256 (44) or an Ed25519 signature (88), and a NUL. */
#define DKIMSIG_B64_MAX		92
/* One message's canonical headers or body: twice the message at most. */
#define DKIMSIG_CANON_MAX	(2u * PROBE_MESSAGE_MAX)

struct dkimsig_field {
	const char	*at;
	size_t		 len;
	size_t		 nlen;		/* the name, without WSP before ':' */
	bool		 is_used;	/* taken by an h= name already */
};

static bool
dkimsig_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

bool
probe_dkimsig_field_next(const char *hdrs, size_t len, size_t *pos,
    const char **field, size_t *flen)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	/* RFC 5322 2.2.3: CRLF then WSP folds; any other CRLF ends it. */
	while (i < len && !(hdrs[i] == '\r' && i + 1 < len &&
	    hdrs[i + 1] == '\n' && (i + 2 >= len || !dkimsig_is_wsp(hdrs[i +
	    2]))))
		i++;
	*field = hdrs + *pos;
	*flen = i - *pos;
	*pos = i < len ? i + 2 : len;
	return true;
}

static int
dkimsig_put(struct smtp_buf *out, const void *p, size_t n, size_t ceiling)
{
	return smtp_buf_append(out, p, n, ceiling) == SMTP_OK ? 0 : -1;
}

/* The name's length, WSP before the colon left out; 0 without a colon. */
static size_t
dkimsig_name_len(const char *field, size_t flen)
{
	const char *colon = memchr(field, ':', flen);
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - field);
	while (n > 0 && dkimsig_is_wsp(field[n - 1]))
		n--;
	return n;
}

/* Runs of WSP as one space, none first or last; CR and LF dropped. */
static int
dkimsig_squeeze(const char *s, size_t n, struct smtp_buf *out,
    size_t ceiling)
{
	bool has_text = false, is_pending = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (dkimsig_is_wsp(s[i])) {
			is_pending = has_text;
			continue;
		}
		if ((is_pending && dkimsig_put(out, " ", 1, ceiling) != 0) ||
		    dkimsig_put(out, s + i, 1, ceiling) != 0)
			return -1;
		is_pending = false;
		has_text = true;
	}
	return 0;
}

int
probe_dkimsig_canon_header(const char *field, size_t flen,
    struct smtp_buf *out, size_t ceiling)
{
	const char *colon = memchr(field, ':', flen);
	size_t i, nlen = dkimsig_name_len(field, flen);
	char c;

	if (colon == NULL)
		return -1;
	for (i = 0; i < nlen; i++) {
		c = field[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (dkimsig_put(out, &c, 1, ceiling) != 0)
			return -1;
	}
	if (dkimsig_put(out, ":", 1, ceiling) != 0 || dkimsig_squeeze(colon +
	    1, flen - (size_t)(colon + 1 - field), out, ceiling) != 0)
		return -1;
	return dkimsig_put(out, "\r\n", 2, ceiling);
}

/* One body line, relaxed: WSP runs one space, none at the end. */
static int
dkimsig_body_line(const char *s, size_t n, struct smtp_buf *out,
    size_t ceiling)
{
	size_t i;
	bool is_pending = false;

	for (i = 0; i < n; i++) {
		if (dkimsig_is_wsp(s[i])) {
			is_pending = true;
			continue;
		}
		if ((is_pending && dkimsig_put(out, " ", 1, ceiling) != 0) ||
		    dkimsig_put(out, s + i, 1, ceiling) != 0)
			return -1;
		is_pending = false;
	}
	return 0;
}

int
probe_dkimsig_canon_body(const char *body, size_t len, struct smtp_buf *out,
    size_t ceiling)
{
	size_t pos = 0, n, mark, keep = out->len;
	const char *crlf;

	while (pos < len) {
		crlf = memmem(body + pos, len - pos, "\r\n", 2);
		n = crlf != NULL ? (size_t)(crlf - body) - pos : len - pos;
		mark = out->len;
		if (dkimsig_body_line(body + pos, n, out, ceiling) != 0 ||
		    dkimsig_put(out, "\r\n", 2, ceiling) != 0)
			return -1;
		if (out->len > mark + 2)
			keep = out->len;
		pos += n + (crlf != NULL ? 2 : 0);
	}
	/* RFC 6376 3.4.4: the empty lines at the end go. */
	out->len = keep;
	if (out->data != NULL)
		out->data[keep] = '\0';
	return 0;
}

/* ---- the signature ---- */

static bool
dkimsig_is_listed(const char *name, size_t nlen, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == nlen && strncasecmp(*list, name, nlen) ==
		    0)
			return true;
	return false;
}

/* The fields of in->hdrs into f (PROBE_DKIMSIG_FIELDS_MAX); -1 with why. */
static int
dkimsig_fields(const struct probe_dkimsig_in *in, struct dkimsig_field *f,
    size_t *nf, char *err, size_t errlen)
{
	size_t pos = 0;
	const char *at;
	size_t len;

	*nf = 0;
	while (probe_dkimsig_field_next(in->hdrs, in->hdrs_len, &pos, &at,
	    &len)) {
		if (*nf == PROBE_DKIMSIG_FIELDS_MAX) {
			(void)snprintf(err, errlen, "DKIM: more than %d header "
			    "fields", PROBE_DKIMSIG_FIELDS_MAX);
			return -1;
		}
		f[*nf].at = at;
		f[*nf].len = len;
		f[*nf].nlen = dkimsig_name_len(at, len);
		if (f[*nf].nlen == 0) {
			(void)snprintf(err, errlen, "DKIM: a header line "
			    "without a field name and colon");
			return -1;
		}
		(*nf)++;
	}
	return 0;
}

/* h=: the listed fields present, as spelt, then the oversigned names. */
static int
dkimsig_h(const struct probe_dkimsig_in *in, const struct dkimsig_field *f,
    size_t nf, struct smtp_buf *h)
{
	const char *const *o;
	size_t i;

	for (i = 0; i < nf; i++) {
		if (!dkimsig_is_listed(f[i].at, f[i].nlen, in->names))
			continue;
		if ((h->len > 0 && dkimsig_put(h, ":", 1,
		    PROBE_DKIMSIG_H_MAX) != 0) || dkimsig_put(h, f[i].at,
		    f[i].nlen, PROBE_DKIMSIG_H_MAX) != 0)
			return -1;
	}
	for (o = in->oversign; *o != NULL; o++)
		if ((h->len > 0 && dkimsig_put(h, ":", 1,
		    PROBE_DKIMSIG_H_MAX) != 0) || dkimsig_put(h, *o,
		    strlen(*o), PROBE_DKIMSIG_H_MAX) != 0)
			return -1;
	return 0;
}

/* RFC 6376 5.4.2: each h= name takes the lowest field not taken yet. */
static int
dkimsig_signed_fields(struct dkimsig_field *f, size_t nf, const char *h,
    struct smtp_buf *out)
{
	const char *name = h, *end;
	size_t nlen, i;

	while (*name != '\0') {
		end = strchr(name, ':');
		nlen = end != NULL ? (size_t)(end - name) : strlen(name);
		for (i = nf; i > 0; i--)
			if (!f[i - 1].is_used && f[i - 1].nlen == nlen &&
			    strncasecmp(f[i - 1].at, name, nlen) == 0)
				break;
		/* A name with no field left (the oversigned From) is empty. */
		if (i > 0) {
			f[i - 1].is_used = true;
			if (probe_dkimsig_canon_header(f[i - 1].at,
			    f[i - 1].len, out, DKIMSIG_CANON_MAX) != 0)
				return -1;
		}
		name += nlen + (end != NULL ? 1 : 0);
	}
	return 0;
}

/* The SHA-256 of the canonical body, in base64, into bh. */
static int
dkimsig_bh(const struct probe_dkimsig_in *in, char *bh, size_t bhlen)
{
	struct smtp_buf canon = { 0 };
	unsigned char hash[TLS_SIGN_SHA256_LEN];
	struct tls_err terr = { 0 };
	int rc = -1;

	if (probe_dkimsig_canon_body(in->body, in->body_len, &canon,
	    DKIMSIG_CANON_MAX) == 0 && tls_sign_sha256(canon.data != NULL ?
	    canon.data : "", canon.len, hash, &terr) == TLS_OK &&
	    tls_sign_base64(hash, sizeof(hash), bh, bhlen) > 0)
		rc = 0;
	smtp_buf_free(&canon);
	return rc;
}

/* Tag values we write must not end or fold the field (RFC 6376 3.2). */
static bool
dkimsig_is_tag_value(const char *s)
{
	return *s != '\0' && strpbrk(s, "; \t\r\n") == NULL;
}

/* The value with b= empty: what the header hash covers last. */
static int
dkimsig_value_head(const struct probe_dkimsig_in *in, const char *h,
    const char *bh, struct smtp_buf *value)
{
	char head[PROBE_DKIMSIG_H_MAX + 1024];
	int n;

	n = snprintf(head, sizeof(head), "v=1; a=ed25519-sha256; "
	    "c=relaxed/relaxed; d=%s; s=%s;\r\n\tt=%" PRIdMAX "; h=%s;\r\n\t"
	    "bh=%s;\r\n\tb=", in->domain, in->selector, (intmax_t)in->now, h,
	    bh);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return dkimsig_put(value, head, (size_t)n, PROBE_MESSAGE_MAX);
}

/* Hash what is signed, sign the hash, append b='s value. */
static int
dkimsig_b(const struct probe_dkimsig_in *in, struct dkimsig_field *f,
    size_t nf, const char *h, struct smtp_buf *value, char *err,
    size_t errlen)
{
	struct smtp_buf canon = { 0 }, field = { 0 };
	unsigned char hash[TLS_SIGN_SHA256_LEN], sig[TLS_SIGN_ED25519_LEN];
	char b64[DKIMSIG_B64_MAX];
	struct tls_err terr = { 0 };
	int rc = -1;

	(void)snprintf(err, errlen, "DKIM: out of memory or message too "
	    "large");
	if (dkimsig_signed_fields(f, nf, h, &canon) != 0 ||
	    dkimsig_put(&field, DKIMSIG_FIELD, strlen(DKIMSIG_FIELD),
	    PROBE_MESSAGE_MAX) != 0 || dkimsig_put(&field, value->data,
	    value->len, PROBE_MESSAGE_MAX) != 0 ||
	    probe_dkimsig_canon_header(field.data, field.len, &canon,
	    DKIMSIG_CANON_MAX) != 0)
		goto out;
	/* RFC 6376 3.7: the signature field is hashed without its CRLF. */
	canon.len -= 2;
	if (tls_sign_sha256(canon.data, canon.len, hash, &terr) != TLS_OK ||
	    tls_sign_ed25519(in->pem, in->pem_len, hash, sizeof(hash), sig,
	    &terr) != TLS_OK) {
		(void)snprintf(err, errlen, "DKIM: cannot sign: %s", terr.msg);
		goto out;
	}
	if (tls_sign_base64(sig, sizeof(sig), b64, sizeof(b64)) == 0 ||
	    dkimsig_put(value, b64, strlen(b64), PROBE_MESSAGE_MAX) != 0)
		goto out;
	rc = 0;
out:
	smtp_buf_free(&canon);
	smtp_buf_free(&field);
	return rc;
}

int
probe_dkimsig_ed25519(const struct probe_dkimsig_in *in,
    struct smtp_buf *value, char *err, size_t errlen)
{
	struct dkimsig_field *f;
	struct smtp_buf h = { 0 };
	char bh[DKIMSIG_B64_MAX];
	size_t nf;
	int rc = -1;

	if (!dkimsig_is_tag_value(in->domain) ||
	    !dkimsig_is_tag_value(in->selector)) {
		(void)snprintf(err, errlen, "DKIM: the domain or selector is "
		    "empty or holds white space or ';'");
		return -1;
	}
	if ((f = calloc(PROBE_DKIMSIG_FIELDS_MAX, sizeof(*f))) == NULL) {
		(void)snprintf(err, errlen, "DKIM: out of memory");
		return -1;
	}
	if (dkimsig_fields(in, f, &nf, err, errlen) != 0)
		goto out;
	if (dkimsig_h(in, f, nf, &h) != 0 || h.data == NULL ||
	    dkimsig_bh(in, bh, sizeof(bh)) != 0 ||
	    dkimsig_value_head(in, h.data, bh, value) != 0) {
		(void)snprintf(err, errlen, "DKIM: out of memory, or more "
		    "than %d bytes of signed field names", PROBE_DKIMSIG_H_MAX);
		goto out;
	}
	rc = dkimsig_b(in, f, nf, h.data, value, err, errlen);
out:
	smtp_buf_free(&h);
	free(f);
	return rc;
}
