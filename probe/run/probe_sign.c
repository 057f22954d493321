/*
 * probe_sign - DKIM signing with libopendkim. See probe_sign.h.
 *
 * How it works: the message is split into lines by smtp_data_line_next(),
 * exactly as smtp_data_encode() splits it for the wire (LF, CRLF and a
 * lone CR each end a line; a last line without an end gets one), so
 * that what is signed is byte for byte what is sent. Header fields (a
 * line and the lines after it that start with white space, RFC 5322
 * 2.2.3) go to dkim_header() with CRLF inside folds; the body goes to
 * dkim_body() with CRLF line ends. One libopendkim handle per message, made and
 * closed here: nothing is shared between threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dkim.h>

#include "probe/run/probe_dkimsig.h"
#include "probe/run/probe_message.h"
#include "probe/run/probe_sign.h"
#include "probe/util/probe_taglist.h"
#include "smtp/smtp_data.h"

#define SIGN_FIELD_PREFIX	"DKIM-Signature: "
/* One message's body, with CRLF line ends: twice the bytes at most. */
#define SIGN_BODY_MAX		(2u * PROBE_MESSAGE_MAX)
/* Room in front of each block our allocator hands libopendkim. */
#define SIGN_ALLOC_HDR		16

_Static_assert(SIGN_ALLOC_HDR >= sizeof(size_t) && SIGN_ALLOC_HDR %
    _Alignof(max_align_t) == 0, "the block size fits, alignment kept");

static const char *const sign_headers[] = { PROBE_SIGN_HEADERS, NULL };
/* RFC 6376 8.15: sign one more From than there is. */
static const char *const sign_oversign[] = { "from", NULL };

const char *
probe_sign_alg_name(enum probe_sign_alg alg)
{
	return alg == PROBE_SIGN_ED25519_SHA256 ? "ed25519-sha256" :
	    "rsa-sha256";
}

/* ---- the key ---- */

/* The file into k->pem, NUL-terminated; -1 with err filled. */
static int
sign_key_read(int fd, struct probe_sign_key *k, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)snprintf(err, errlen, "not a regular file");
		return -1;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > PROBE_SIGN_KEY_FILE_MAX) {
		(void)snprintf(err, errlen, "%s", st.st_size <= 0 ? "empty" :
		    "larger than 64 KiB: not a DKIM key");
		return -1;
	}
	k->is_readable_by_others = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	k->pem = calloc(1, (size_t)st.st_size + 1);
	if (k->pem == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (k->pem_len < (size_t)st.st_size) {
		n = read(fd, k->pem + k->pem_len, (size_t)st.st_size -
		    k->pem_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(err, errlen, "%s", n < 0 ?
			    strerror(errno) : "shorter than its size");
			return -1;
		}
		k->pem_len += (size_t)n;
	}
	return 0;
}

/* Whether DKIM can sign with the parsed key; -1 with why. */
static int
sign_key_check(struct probe_sign_key *k, char *err, size_t errlen)
{
	switch (k->facts.type) {
	case TLS_KEY_RSA:
		if (k->facts.bits < PROBE_SIGN_RSA_MIN_BITS) {
			(void)snprintf(err, errlen, "an RSA key of %u bits: "
			    "verifiers refuse keys under %d bits (RFC 8301 "
			    "3.2)", k->facts.bits, PROBE_SIGN_RSA_MIN_BITS);
			return -1;
		}
		k->alg = PROBE_SIGN_RSA_SHA256;
		return 0;
	case TLS_KEY_ED25519:
		k->alg = PROBE_SIGN_ED25519_SHA256;
		return 0;
	default:
		(void)snprintf(err, errlen, "neither an RSA nor an Ed25519 "
		    "key: DKIM signs with no other (RFC 6376 3.3, RFC 8463)");
		return -1;
	}
}

int
probe_sign_key_load(const char *path, struct probe_sign_key *k, char *err,
    size_t errlen)
{
	struct tls_err terr = { 0 };
	char why[256];
	int fd, rc = -1;

	memset(k, 0, sizeof(*k));
	if (strlen(path) >= sizeof(k->path)) {
		(void)snprintf(err, errlen, "the key's file name is too long");
		return -1;
	}
	memcpy(k->path, path, strlen(path) + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		(void)snprintf(err, errlen, "%.512s: %s", path, strerror(errno));
		return -1;
	}
	if (sign_key_read(fd, k, why, sizeof(why)) != 0)
		goto fail;
	if (tls_key_parse(k->pem, k->pem_len, &k->facts, &terr) != TLS_OK) {
		(void)snprintf(why, sizeof(why), "%s", terr.msg);
		goto fail;
	}
	if (sign_key_check(k, why, sizeof(why)) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	(void)snprintf(err, errlen, "%.512s: %s", path, why);
out:
	(void)close(fd);	/* read-only */
	return rc;
}

void
probe_sign_key_free(struct probe_sign_key *k)
{
	if (k->pem != NULL) {
		explicit_bzero(k->pem, k->pem_len);
		free(k->pem);
	}
	memset(k, 0, sizeof(*k));
}

/* ---- libopendkim's memory: every block zeroed when freed ---- */

static void *
sign_malloc(void *closure, size_t n)
{
	unsigned char *p;

	(void)closure;
	if (n > SIZE_MAX - SIGN_ALLOC_HDR)
		return NULL;
	if ((p = malloc(SIGN_ALLOC_HDR + n)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + SIGN_ALLOC_HDR;
}

static void
sign_free(void *closure, void *ptr)
{
	unsigned char *p;
	size_t n;

	(void)closure;
	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - SIGN_ALLOC_HDR;
	memcpy(&n, p, sizeof(n));
	explicit_bzero(p, SIGN_ALLOC_HDR + n);
	free(p);
}

/* ---- the message ---- */

/* The message as DKIM reads it: fields ending in CRLF, then the body. */
struct sign_parts {
	struct smtp_buf	 hdrs;		/* folds as CRLF WSP */
	struct smtp_buf	 body;		/* CRLF line ends */
};

static bool
sign_put(struct smtp_buf *b, const char *p, size_t n)
{
	return smtp_buf_append(b, p, n, SIGN_BODY_MAX) == SMTP_OK;
}

/* Split msg into p; false when a part would not fit. */
static bool
sign_split(const char *msg, size_t len, struct sign_parts *p)
{
	const char *line;
	size_t pos = 0, n;
	bool in_body = false;

	while (smtp_data_line_next(msg, len, &pos, &line, &n)) {
		if (!in_body && n == 0) {
			in_body = true;
			continue;
		}
		if (!sign_put(in_body ? &p->body : &p->hdrs, line, n) ||
		    !sign_put(in_body ? &p->body : &p->hdrs, "\r\n", 2))
			return false;
	}
	return true;
}

/* Feed p to libopendkim through dkim_eom(); the status it stopped on. */
static DKIM_STAT
sign_feed(DKIM *dkim, const struct sign_parts *p)
{
	const char *field;
	size_t pos = 0, n;
	DKIM_STAT st;

	while (probe_dkimsig_field_next(p->hdrs.data, p->hdrs.len, &pos,
	    &field, &n))
		if ((st = dkim_header(dkim, (u_char *)field, n)) !=
		    DKIM_STAT_OK)
			return st;
	if ((st = dkim_eoh(dkim)) != DKIM_STAT_OK)
		return st;
	if (p->body.len > 0 && (st = dkim_body(dkim, (u_char *)p->body.data,
	    p->body.len)) != DKIM_STAT_OK)
		return st;
	return dkim_eom(dkim, NULL);
}

/* Copy a tag's value without the folding white space inside it. */
static void
sign_copy_tag(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	size_t i, n = 0;

	for (i = 0; i < vlen && n + 1 < dstlen; i++)
		if (!probe_taglist_is_wsp(v[i]))
			dst[n++] = v[i];
	dst[n] = '\0';
}

static void
sign_facts(const char *value, const struct probe_sign_key *k,
    struct probe_sign_facts *out)
{
	struct probe_taglist_tag t;
	size_t pos = 0, len = strlen(value);

	out->is_signed = true;
	out->bits = k->facts.bits;
	while (probe_taglist_next(value, len, &pos, &t)) {
		if (t.nlen != 1 && !(t.nlen == 2 && memcmp(t.name, "bh",
		    2) == 0))
			continue;
		if (t.nlen == 2)
			sign_copy_tag(out->bh, sizeof(out->bh), t.val, t.vlen);
		else if (t.name[0] == 'd')
			sign_copy_tag(out->d, sizeof(out->d), t.val, t.vlen);
		else if (t.name[0] == 's')
			sign_copy_tag(out->s, sizeof(out->s), t.val, t.vlen);
		else if (t.name[0] == 'a')
			sign_copy_tag(out->a, sizeof(out->a), t.val, t.vlen);
		else if (t.name[0] == 'c')
			sign_copy_tag(out->c, sizeof(out->c), t.val, t.vlen);
		else if (t.name[0] == 'h')
			sign_copy_tag(out->h, sizeof(out->h), t.val, t.vlen);
	}
}

/* "DKIM-Signature: VALUE\n" then msg, into msg; CRs of the folds dropped. */
static int
sign_insert(const char *value, struct smtp_buf *msg, char *err, size_t errlen)
{
	struct smtp_buf out = { 0 };
	size_t i;
	int rc = -1;

	if (smtp_buf_append(&out, SIGN_FIELD_PREFIX, strlen(SIGN_FIELD_PREFIX),
	    PROBE_MESSAGE_MAX) != SMTP_OK)
		goto out;
	for (i = 0; value[i] != '\0'; i++)
		if (value[i] != '\r' && smtp_buf_append(&out, value + i, 1,
		    PROBE_MESSAGE_MAX) != SMTP_OK)
			goto out;
	if (smtp_buf_append(&out, "\n", 1, PROBE_MESSAGE_MAX) != SMTP_OK ||
	    smtp_buf_append(&out, msg->data, msg->len, PROBE_MESSAGE_MAX) !=
	    SMTP_OK)
		goto out;
	smtp_buf_free(msg);
	*msg = out;
	memset(&out, 0, sizeof(out));
	rc = 0;
out:
	if (rc != 0)
		(void)snprintf(err, errlen, "the signed message does not fit "
		    "in %u bytes", PROBE_MESSAGE_MAX);
	smtp_buf_free(&out);
	return rc;
}

/* The library handle with our header lists and clock; NULL on failure. */
static DKIM_LIB *
sign_lib(time_t now)
{
	DKIM_LIB *lib = dkim_init(sign_malloc, sign_free);
	uint64_t fixed = (uint64_t)now;

	if (lib == NULL)
		return NULL;
	/* libopendkim takes the arrays by pointer: the size of one. */
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
	    (void *)sign_headers, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    (void *)sign_oversign, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed,
	    sizeof(fixed)) != DKIM_STAT_OK) {
		dkim_close(lib);
		return NULL;
	}
	return lib;
}

/* rsa-sha256 by libopendkim: the field's value into *value. */
static int
sign_rsa(const struct probe_sign_key *k, const char *selector,
    const char *domain, time_t now, const struct sign_parts *p,
    struct smtp_buf *value, char *err, size_t errlen)
{
	DKIM_LIB *lib;
	DKIM *dkim;
	u_char *v = NULL;
	DKIM_STAT st = DKIM_STAT_OK;
	int rc = -1;

	if ((lib = sign_lib(now)) == NULL) {
		(void)snprintf(err, errlen, "DKIM: libopendkim did not start");
		return -1;
	}
	dkim = dkim_sign(lib, (const u_char *)"smtpprobe", NULL,
	    (dkim_sigkey_t)k->pem, (const u_char *)selector,
	    (const u_char *)domain, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
	    DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL || (st = sign_feed(dkim, p)) != DKIM_STAT_OK ||
	    (v = malloc(PROBE_SIGN_FIELD_MAX)) == NULL ||
	    (st = dkim_getsighdr(dkim, v, PROBE_SIGN_FIELD_MAX,
	    strlen(SIGN_FIELD_PREFIX))) != DKIM_STAT_OK ||
	    smtp_buf_append(value, v, strlen((char *)v), PROBE_SIGN_FIELD_MAX)
	    != SMTP_OK) {
		(void)snprintf(err, errlen, "DKIM: cannot sign: %s",
		    st != DKIM_STAT_OK ? dkim_getresultstr(st) :
		    "out of memory or message too large");
		goto out;
	}
	rc = 0;
out:
	free(v);
	if (dkim != NULL)
		(void)dkim_free(dkim);	/* frees only */
	dkim_close(lib);
	return rc;
}

int
probe_sign_message(const struct probe_sign_key *k, const char *selector,
    const char *domain, time_t now, struct smtp_buf *msg,
    struct probe_sign_facts *out, char *err, size_t errlen)
{
	struct sign_parts p = { 0 };
	struct smtp_buf value = { 0 };
	struct probe_dkimsig_in in = { k->pem, k->pem_len, selector, domain,
	    now, NULL, 0, NULL, 0, sign_headers, sign_oversign };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!sign_split(msg->data, msg->len, &p)) {
		(void)snprintf(err, errlen, "DKIM: cannot sign: out of memory "
		    "or message too large");
		goto out;
	}
	/*
	 * Ed25519 is signed without libopendkim, which would keep the
	 * private key in memory (probe_dkimsig.h says why).
	 */
	if (k->alg == PROBE_SIGN_ED25519_SHA256) {
		in.hdrs = p.hdrs.data != NULL ? p.hdrs.data : "";
		in.hdrs_len = p.hdrs.len;
		in.body = p.body.data != NULL ? p.body.data : "";
		in.body_len = p.body.len;
		rc = probe_dkimsig_ed25519(&in, &value, err, errlen);
	} else
		rc = sign_rsa(k, selector, domain, now, &p, &value, err,
		    errlen);
	if (rc != 0)
		goto out;
	sign_facts(value.data, k, out);
	if ((rc = sign_insert(value.data, msg, err, errlen)) != 0)
		memset(out, 0, sizeof(*out));
out:
	smtp_buf_free(&value);
	smtp_buf_free(&p.hdrs);
	smtp_buf_free(&p.body);
	return rc;
}
