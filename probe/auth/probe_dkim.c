/*
 * probe_dkim - DKIM key records. See probe_dkim.h for what it does, its
 * limits and its errors.
 *
 * How it works: the tag list is walked in place; p= is base64-decoded
 * into a fixed buffer on the stack (PROBE_DKIM_KEY_MAX), skipping the
 * folding white space RFC 6376 3.2 allows inside a value; the DER walk
 * reads tag and length of each element it needs, checks every length
 * against what is left, and descends only the fixed path SEQUENCE,
 * BIT STRING, SEQUENCE, INTEGER, so hostile input costs one pass.
 */
#include "probe/auth/probe_dkim.h"
#include "probe/util/probe_taglist.h"
#include "probe/util/probe_fmt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* RFC 1035 2.3.4. */
#define DKIM_NAME_MAX		253
#define DKIM_LABEL_MAX		63
#define DKIM_INFIX		"._domainkey."
/* X.690 8.1.2, 8.1.3: the tags we meet; lengths in at most 3 bytes. */
#define DER_INTEGER		0x02
#define DER_BIT_STRING		0x03
#define DER_OID			0x06
#define DER_SEQUENCE		0x30
#define DER_LONG_FORM		0x80
#define DER_LEN_BYTES_MAX	3
#define BITS_PER_BYTE		8
#define ED25519_BITS		256
#define B64_BAD			0xff
#define B64_PAD_MAX		2
/* Known tags that may appear once (RFC 6376 3.2: twice is invalid). */
#define DKIM_TAG_COUNT		7
/* Their places in dkim_tag_names. */
#define DKIM_TAG_V		0
#define DKIM_TAG_P		4

/* RFC 3279 2.3.1: rsaEncryption, 1.2.840.113549.1.1.1. */
static const unsigned char dkim_rsa_oid[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
};

static const char *const dkim_type_names[] = {
	[PROBE_DKIM_KEY_UNKNOWN] = "unknown",
	[PROBE_DKIM_KEY_RSA] = "rsa",
	[PROBE_DKIM_KEY_ED25519] = "ed25519",
};
_Static_assert(sizeof(dkim_type_names) / sizeof(dkim_type_names[0]) ==
    PROBE_DKIM_KEY_COUNT, "each key type needs a name");

static const char *const dkim_level_names[] = {
	[PROBE_DKIM_GOOD] = "good",
	[PROBE_DKIM_WARN] = "warn",
	[PROBE_DKIM_BAD] = "bad",
	[PROBE_DKIM_TEMPERROR] = "temperror",
};
_Static_assert(sizeof(dkim_level_names) / sizeof(dkim_level_names[0]) ==
    PROBE_DKIM_LEVEL_COUNT, "each level needs a name");

/* The tags we read, in the order of RFC 6376 3.6.1. */
static const char *const dkim_tag_names[DKIM_TAG_COUNT] = {
	"v", "h", "k", "n", "p", "s", "t"
};

/* A DER element's contents, or what is left of one. */
struct dkim_der {
	const unsigned char	*p;
	size_t			 len;
};

const char *
probe_dkim_key_type_name(enum probe_dkim_key_type t)
{
	return (unsigned)t < PROBE_DKIM_KEY_COUNT ? dkim_type_names[t] : "?";
}

const char *
probe_dkim_level_name(enum probe_dkim_level l)
{
	return (unsigned)l < PROBE_DKIM_LEVEL_COUNT ? dkim_level_names[l] :
	    "?";
}

static bool
dkim_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
dkim_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* ---- base64 and DER ---- */

static unsigned char
dkim_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return B64_BAD;
}

/*
 * Decodes base64 (RFC 4648 4), white space skipped, into out (cap
 * bytes). Returns the length, or -1 with why in reason.
 */
static long
dkim_b64_decode(const char *s, size_t len, unsigned char *out, size_t cap,
    char *reason, size_t rlen)
{
	uint32_t	acc = 0;
	size_t		i, nbits = 0, n = 0, pad = 0;
	unsigned char	v;

	for (i = 0; i < len; i++) {
		if (dkim_is_wsp(s[i]))
			continue;
		if (s[i] == '=' && pad < B64_PAD_MAX) {
			pad++;
			continue;
		}
		if (pad > 0 || (v = dkim_b64_value(s[i])) == B64_BAD) {
			probe_fmt(reason, rlen, "p= is not base64 (byte %zu)",
			    i);
			return -1;
		}
		acc = (acc << 6) | v;
		if ((nbits += 6) >= BITS_PER_BYTE) {
			nbits -= BITS_PER_BYTE;
			if (n == cap) {
				probe_fmt(reason, rlen, "p= is longer than %d "
				    "bytes", PROBE_DKIM_KEY_MAX);
				return -1;
			}
			out[n++] = (unsigned char)(acc >> nbits);
		}
	}
	return (long)n;
}

/* X.690 8.1: the next element of *in, which must have tag want. */
static bool
dkim_der_next(struct dkim_der *in, unsigned char want, struct dkim_der *out)
{
	size_t	len, i, nlen, hdr = 2;

	if (in->len < 2 || in->p[0] != want)
		return false;
	len = in->p[1];
	if (len & DER_LONG_FORM) {
		nlen = len & ~(size_t)DER_LONG_FORM;
		if (nlen == 0 || nlen > DER_LEN_BYTES_MAX || in->len < 2 + nlen)
			return false;
		for (len = 0, i = 0; i < nlen; i++)
			len = (len << BITS_PER_BYTE) | in->p[2 + i];
		hdr += nlen;
	}
	if (len > in->len - hdr)
		return false;
	out->p = in->p + hdr;
	out->len = len;
	in->p += hdr + len;
	in->len -= hdr + len;
	return true;
}

/* The size of an unsigned big-endian integer, leading zeros skipped. */
static unsigned
dkim_int_bits(const struct dkim_der *n)
{
	size_t		i = 0;
	unsigned	top, bits;

	while (i < n->len && n->p[i] == 0)
		i++;
	if (i == n->len)
		return 0;
	for (top = n->p[i], bits = 0; top != 0; top >>= 1)
		bits++;
	return (unsigned)((n->len - i - 1) * BITS_PER_BYTE) + bits;
}

/* RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus, exponent }. */
static bool
dkim_rsa_pub(struct dkim_der *in, struct probe_dkim_key *out)
{
	struct dkim_der	seq, n, e;
	const unsigned char *start = in->p;

	if (!dkim_der_next(in, DER_SEQUENCE, &seq) ||
	    !dkim_der_next(&seq, DER_INTEGER, &n) ||
	    !dkim_der_next(&seq, DER_INTEGER, &e))
		return false;
	/* The whole RSAPublicKey: what two keys are compared by. */
	out->id_len = (size_t)(in->p - start);
	memcpy(out->id, start, out->id_len);
	out->bits = dkim_int_bits(&n);
	return out->bits > 0;
}

/* RFC 5280 4.1.1.2, 4.1.2.7: SubjectPublicKeyInfo holding an RSA key. */
static bool
dkim_rsa_key(const unsigned char *der, size_t len, struct probe_dkim_key *out)
{
	struct dkim_der	in = { der, len }, peek = in;
	struct dkim_der	spki, algo, oid, bits;

	/* An RSAPublicKey's SEQUENCE starts with an INTEGER, not another. */
	if (dkim_der_next(&peek, DER_SEQUENCE, &spki) && spki.len > 0 &&
	    spki.p[0] == DER_INTEGER) {
		out->is_pkcs1 = true;
		return dkim_rsa_pub(&in, out);
	}
	if (!dkim_der_next(&in, DER_SEQUENCE, &spki) ||
	    !dkim_der_next(&spki, DER_SEQUENCE, &algo) ||
	    !dkim_der_next(&algo, DER_OID, &oid))
		return false;
	if (oid.len != sizeof(dkim_rsa_oid) ||
	    memcmp(oid.p, dkim_rsa_oid, oid.len) != 0)
		return false;
	/* X.690 8.6.2.2: the first byte counts unused bits, here none. */
	if (!dkim_der_next(&spki, DER_BIT_STRING, &bits) || bits.len < 1 ||
	    bits.p[0] != 0)
		return false;
	bits.p++;
	bits.len--;
	return dkim_rsa_pub(&bits, out);
}

/* ---- the record ---- */

/* p=: decodes and sizes the key; false with out->reason set. */
static bool
dkim_key_value(const char *v, size_t vlen, struct probe_dkim_key *out)
{
	unsigned char	der[PROBE_DKIM_KEY_MAX];
	long		n;

	n = dkim_b64_decode(v, vlen, der, sizeof(der), out->reason,
	    sizeof(out->reason));
	if (n < 0)
		return false;
	if (n == 0) {
		out->is_revoked = true;
		probe_fmt(out->reason, sizeof(out->reason), "p= is empty: the "
		    "key is revoked (RFC 6376 3.6.1)");
		return false;
	}
	if (out->type == PROBE_DKIM_KEY_ED25519) {
		if (n != PROBE_DKIM_ED25519_LEN) {
			probe_fmt(out->reason, sizeof(out->reason), "an "
			    "Ed25519 key is %d bytes, p= has %ld (RFC 8463 "
			    "3)", PROBE_DKIM_ED25519_LEN, n);
			return false;
		}
		out->bits = ED25519_BITS;
		memcpy(out->id, der, PROBE_DKIM_ED25519_LEN);
		out->id_len = PROBE_DKIM_ED25519_LEN;
		return true;
	}
	if (!dkim_rsa_key(der, (size_t)n, out)) {
		probe_fmt(out->reason, sizeof(out->reason), "p= is not an RSA "
		    "SubjectPublicKeyInfo (DER)");
		return false;
	}
	if (out->is_pkcs1)
		probe_fmt(out->reason, sizeof(out->reason), "p= is a bare "
		    "RSAPublicKey, not the SubjectPublicKeyInfo RFC 6376 "
		    "3.6.1 asks for; some verifiers refuse it");
	return true;
}

/* The tags besides p=; false with out->reason set. */
static bool
dkim_apply(const struct probe_taglist_tag *t, struct probe_dkim_key *out)
{
	size_t	n;

	if (dkim_is(t->name, t->nlen, "k")) {
		if (dkim_is(t->val, t->vlen, "rsa"))
			out->type = PROBE_DKIM_KEY_RSA;
		else if (dkim_is(t->val, t->vlen, "ed25519"))
			out->type = PROBE_DKIM_KEY_ED25519;
		else {
			probe_fmt(out->reason, sizeof(out->reason), "k=%.*s: "
			    "unknown key type", (int)(t->vlen < 16 ? t->vlen :
			    16), t->val);
			return false;
		}
	} else if (dkim_is(t->name, t->nlen, "h")) {
		n = t->vlen < sizeof(out->h) ? t->vlen : sizeof(out->h) - 1;
		memcpy(out->h, t->val, n);
		out->h[n] = '\0';
	} else if (dkim_is(t->name, t->nlen, "t")) {
		/* RFC 6376 3.6.1: colon-separated flags "y" and "s". */
		out->is_testing = memchr(t->val, 'y', t->vlen) != NULL;
		out->is_strict = memchr(t->val, 's', t->vlen) != NULL;
	}
	return true;
}

/* Which known tag t is, or -1; flags a second one in *seen. */
static int
dkim_tag_index(const struct probe_taglist_tag *t, unsigned *seen, bool *is_dup)
{
	int	i;

	for (i = 0; i < DKIM_TAG_COUNT; i++)
		if (dkim_is(t->name, t->nlen, dkim_tag_names[i])) {
			*is_dup = (*seen & (1u << i)) != 0;
			*seen |= 1u << i;
			return i;
		}
	return -1;
}

/* Walks the tag list; p is left in *pv. False with out->reason set. */
static bool
dkim_tags(const char *text, size_t len, struct probe_dkim_key *out,
    struct probe_taglist_tag *pv)
{
	struct probe_taglist_tag	t;
	size_t		pos = 0;
	unsigned	seen = 0;
	bool		is_dup = false, is_first = true;
	int		i;

	for (; probe_taglist_next(text, len, &pos, &t); is_first = false) {
		if (!t.has_eq) {
			probe_fmt(out->reason, sizeof(out->reason), "a tag "
			    "without \"=\" (RFC 6376 3.2)");
			return false;
		}
		i = dkim_tag_index(&t, &seen, &is_dup);
		if (is_dup) {
			probe_fmt(out->reason, sizeof(out->reason), "tag %s= "
			    "twice (RFC 6376 3.2)", dkim_tag_names[i]);
			return false;
		}
		if (i == DKIM_TAG_V && (!is_first || !dkim_is(t.val, t.vlen,
		    "DKIM1"))) {
			probe_fmt(out->reason, sizeof(out->reason), "v= must "
			    "be first and DKIM1 (RFC 6376 3.6.1)");
			return false;
		}
		if (i == DKIM_TAG_P)
			*pv = t;
		else if (!dkim_apply(&t, out))
			return false;
	}
	if ((seen & (1u << DKIM_TAG_P)) == 0) {
		probe_fmt(out->reason, sizeof(out->reason), "no p= tag (RFC "
		    "6376 3.6.1: it is required)");
		return false;
	}
	return true;
}

bool
probe_dkim_parse(const char *text, size_t len, struct probe_dkim_key *out)
{
	struct probe_taglist_tag	p;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	out->type = PROBE_DKIM_KEY_RSA;	/* RFC 6376 3.6.1: k=rsa */
	if (memchr(text, '\0', len) != NULL) {
		probe_fmt(out->reason, sizeof(out->reason), "the record holds "
		    "a NUL byte");
		return false;
	}
	if (!dkim_tags(text, len, out, &p) || !dkim_key_value(p.val, p.vlen,
	    out))
		return false;
	out->is_valid = true;
	return true;
}

enum probe_dkim_level
probe_dkim_decide(const struct probe_dkim_key *key)
{
	if (!key->is_valid)
		return PROBE_DKIM_BAD;
	if (key->type == PROBE_DKIM_KEY_RSA) {
		if (key->bits < PROBE_DKIM_RSA_MIN_BITS)
			return PROBE_DKIM_BAD;
		if (key->bits < PROBE_DKIM_RSA_GOOD_BITS)
			return PROBE_DKIM_WARN;
	}
	return key->is_testing || key->is_pkcs1 ? PROBE_DKIM_WARN :
	    PROBE_DKIM_GOOD;
}

/* ---- the lookup ---- */

/* RFC 6376 3.1: a selector is a sub-domain: letters, digits, "-". */
static bool
dkim_selector_ok(const char *s)
{
	size_t	label = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
		    *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '_') {
			if (++label > DKIM_LABEL_MAX)
				return false;
		} else
			return false;
	}
	return label > 0;
}

/* The records found: the first that parses, else the first. */
static void
dkim_take(struct probe_dkim_result *out, const struct probe_dns_answer *ans)
{
	struct probe_dkim_key	 key;
	size_t			 i, len;
	const char		*text;

	out->is_found = true;
	out->nrecords = ans->nrr;
	for (i = ans->nrr; i-- > 0;) {
		text = probe_dns_answer_text(ans, i);
		len = probe_dns_answer_rr(ans, i)->len;
		if (probe_dkim_parse(text, len, &key) || i == 0) {
			if (!key.is_valid && out->key.is_valid)
				continue;
			out->key = key;
			out->text_len = probe_fmt_keep(out->text,
			    sizeof(out->text), text, len);
			out->is_text_cut = out->text_len < len;
		}
	}
	out->level = probe_dkim_decide(&out->key);
	probe_fmt(out->reason, sizeof(out->reason), "%s", out->key.reason);
}

enum probe_dkim_rc
probe_dkim_lookup(const struct probe_dns *dns, const char *selector,
    const char *domain, struct probe_dkim_result *out, char *errmsg,
    size_t errlen)
{
	struct probe_dns_answer	ans;
	enum probe_dns_status	st;
	int			n;

	memset(out, 0, sizeof(*out));
	n = snprintf(out->name, sizeof(out->name), "%s%s%s", selector,
	    DKIM_INFIX, domain);
	if (!dkim_selector_ok(selector) || n < 0 || n > DKIM_NAME_MAX) {
		probe_fmt(errmsg, errlen, "unusable DKIM selector or domain");
		return PROBE_DKIM_E_USAGE;
	}
	probe_dns_answer_init(&ans);
	st = probe_dns_lookup(dns, PROBE_DNS_TXT, out->name, &ans);
	if (st == PROBE_DNS_FOUND)
		dkim_take(out, &ans);
	else {
		out->level = st == PROBE_DNS_NXDOMAIN || st ==
		    PROBE_DNS_NODATA ? PROBE_DKIM_BAD : PROBE_DKIM_TEMPERROR;
		probe_fmt(out->reason, sizeof(out->reason), "%s",
		    out->level == PROBE_DKIM_BAD ? "no key record at that "
		    "name" : ans.msg);
	}
	probe_dns_answer_free(&ans);
	return PROBE_DKIM_OK;
}
