/*
 * probe_spf - RFC 7208 check_host(). See probe_spf.h for what it does,
 * its limits and its errors.
 *
 * How it works: each record is read twice in place, never copied. The
 * first pass checks the syntax of every term, because an error anywhere
 * is a permerror even after a match (RFC 7208 4.6); the second pass
 * evaluates the mechanisms in order, parsing each term again (cheap, and
 * it needs no array of terms for a record of thousands). include and
 * redirect recurse; each level keeps its own TXT answer (its record
 * lives there) and the levels share one struct spf_eval: the counters of
 * RFC 7208 4.6.4, the chain of domains being evaluated (to name an
 * include loop), the %{p} value, and two scratch answers for the
 * lookups of a mechanism.
 *
 * Every decision goes through spf_decide(), which writes the result, the
 * deciding term, its domain and the reason into the caller's struct. A
 * nested level decides too; a level that goes on after an include
 * decides again later and so overwrites it, while an error or a
 * redirect's result passes up unchanged, reason and all.
 */
#include "probe/auth/probe_spf.h"
#include "probe/util/probe_fmt.h"
#include "smtp/smtp_num.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* RFC 1035 2.3.4. */
#define SPF_NAME_MAX		253
#define SPF_LABEL_MAX		63
/* RFC 7208 4.5: the version section, then a space or the end. */
#define SPF_VERSION		"v=spf1"
#define SPF_VERSION_LEN		(sizeof(SPF_VERSION) - 1)
#define SPF_IP4_BITS		32
#define SPF_IP6_BITS		128
#define SPF_IP4_LEN		4
#define SPF_IP6_LEN		16
/* RFC 7208 4.3: the local-part of a sender that has none. */
#define SPF_POSTMASTER		"postmaster"
/* "postmaster", "@", an input of a bare domain, a NUL. */
#define SPF_SENDER_MAX	(sizeof(SPF_POSTMASTER) + 1 + PROBE_SPF_INPUT_MAX)
/*
 * The longest value a macro letter expands to: a sender with
 * "postmaster" put in, longer than a domain (253) or 32 nibbles (63).
 */
#define SPF_VALUE_MAX		SPF_SENDER_MAX
/*
 * A domain expansion has room for this much; past it only the right end
 * is kept, at least SPF_EXPAND_KEEP bytes, since RFC 7208 7.3 cuts a
 * long name on the left to 253 characters at a label boundary.
 */
#define SPF_EXPAND_MAX		1024
#define SPF_EXPAND_KEEP		(SPF_NAME_MAX + 3)
/* How much of a record a trace step or a reason quotes. */
#define SPF_QUOTE_MAX		120
/* %{t} as decimal seconds: 20 digits and a sign. */
#define SPF_NUM_TEXT_MAX	24
/* %{i} of an IPv6 address: 32 nibbles with dots, and a NUL (7.3). */
#define SPF_NIBBLES_MAX		64

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_MECH_COUNT,		/* the mechanisms end here */
	SPF_REDIRECT = SPF_MECH_COUNT,
	SPF_EXP,
	SPF_UNKNOWN_MOD,
};

enum spf_arg {			/* what follows a mechanism's name */
	SPF_ARG_NONE,		/* all */
	SPF_ARG_DOMAIN,		/* ":" domain-spec, required */
	SPF_ARG_DOMAIN_OPT,	/* [ ":" domain-spec ] */
	SPF_ARG_DOMAIN_CIDR,	/* [ ":" domain-spec ] [ dual-cidr ] */
	SPF_ARG_IP4,		/* ":" ip4-network [ ip4-cidr-length ] */
	SPF_ARG_IP6,		/* ":" ip6-network [ ip6-cidr-length ] */
};

struct spf_mech_def {
	const char	*name;
	enum spf_arg	 arg;
	bool		 is_dns;	/* counts toward RFC 7208 4.6.4 */
};

/* RFC 7208 5: the mechanisms, their arguments, whether they query DNS. */
static const struct spf_mech_def spf_mechs[] = {
	[SPF_ALL] = { "all", SPF_ARG_NONE, false },
	[SPF_INCLUDE] = { "include", SPF_ARG_DOMAIN, true },
	[SPF_A] = { "a", SPF_ARG_DOMAIN_CIDR, true },
	[SPF_MX] = { "mx", SPF_ARG_DOMAIN_CIDR, true },
	[SPF_PTR] = { "ptr", SPF_ARG_DOMAIN_OPT, true },
	[SPF_IP4] = { "ip4", SPF_ARG_IP4, false },
	[SPF_IP6] = { "ip6", SPF_ARG_IP6, false },
	[SPF_EXISTS] = { "exists", SPF_ARG_DOMAIN, true },
};
_Static_assert(sizeof(spf_mechs) / sizeof(spf_mechs[0]) == SPF_MECH_COUNT,
    "each mechanism needs a row");

static const char *const spf_res_names[] = {
	[PROBE_SPF_NONE] = "none",
	[PROBE_SPF_NEUTRAL] = "neutral",
	[PROBE_SPF_PASS] = "pass",
	[PROBE_SPF_FAIL] = "fail",
	[PROBE_SPF_SOFTFAIL] = "softfail",
	[PROBE_SPF_TEMPERROR] = "temperror",
	[PROBE_SPF_PERMERROR] = "permerror",
};
_Static_assert(sizeof(spf_res_names) / sizeof(spf_res_names[0]) ==
    PROBE_SPF_RES_COUNT, "each result needs a name");

struct spf_term {
	enum spf_kind	 kind;
	const char	*text;		/* as written, in the record */
	size_t		 len;
	char		 qual;		/* '+', '-', '~' or '?' */
	const char	*spec;		/* domain, network, value */
	size_t		 speclen;	/* 0: none given */
	unsigned	 cidr4;
	unsigned	 cidr6;
	unsigned char	 net[SPF_IP6_LEN];	/* ip4, ip6 */
};

struct spf_macro {		/* one "%{...}", "%%", "%_" or "%-" */
	char		 letter;	/* lowercase, or '%' '_' '-' */
	bool		 is_upper;	/* URL-escape the value (7.3) */
	bool		 is_reverse;
	uint64_t	 keep;		/* rightmost parts kept; 0: all */
	const char	*delims;	/* split on these; none: "." */
	size_t		 ndelims;
	size_t		 len;		/* bytes of macro text */
};

struct spf_ip {
	int		 family;	/* AF_INET for IPv4-mapped too */
	unsigned char	 b[SPF_IP6_LEN];
	char		 text[INET6_ADDRSTRLEN];	/* %{c} */
};

struct spf_eval {			/* one check: what all levels share */
	const struct probe_dns	*dns;
	struct probe_spf_result	*out;
	struct spf_ip		 ip;
	char			 sender[SPF_SENDER_MAX];
	size_t			 local_len;	/* bytes before "@" */
	const char		*helo;
	const char		*receiver;
	long long		 now;
	unsigned		 depth;
	const char		*stack[PROBE_SPF_DEPTH_MAX]; /* domains */
	char			 loop[PROBE_SPF_DOMAIN_MAX]; /* looped */
	bool			 has_p;
	char			 p_domain[PROBE_SPF_DOMAIN_MAX];
	char			 p_value[PROBE_SPF_DOMAIN_MAX];
	struct probe_dns_answer	 names;		/* MX, PTR names */
	struct probe_dns_answer	 addrs;		/* and A, AAAA */
};

struct spf_level {			/* one check_host() */
	char			 domain[PROBE_SPF_DOMAIN_MAX];
	bool			 is_long;	/* domain did not fit */
	bool			 is_included;	/* so no exp */
	struct probe_dns_answer	 txt;		/* has the record */
	const char		*rec;
	size_t			 reclen;
	bool			 has_redirect;
	bool			 has_exp;
	struct spf_term		 redirect;
	struct spf_term		 exp;
};

enum spf_hit {				/* what a mechanism found */
	SPF_HIT_NO,
	SPF_HIT_YES,
	SPF_HIT_TEMPERROR,	/* decided, reason written */
	SPF_HIT_PERMERROR,	/* decided, reason written */
};

struct spf_sink {			/* where an expansion goes */
	char		*buf;
	size_t		 cap;		/* the NUL included */
	size_t		 len;
	bool		 is_domain;	/* full: keep the right end */
	bool		 is_cut;
};

static void	spf_trace(struct spf_eval *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	spf_decide(struct spf_eval *, const struct spf_level *,
		    const struct spf_term *, enum probe_spf_res, const char *,
		    ...) __attribute__((format(printf, 5, 6)));
static enum probe_spf_res spf_check(struct spf_eval *, const char *,
		    bool);

const char *
probe_spf_res_name(enum probe_spf_res res)
{
	if ((unsigned)res >= PROBE_SPF_RES_COUNT)
		return "unknown";
	return spf_res_names[res];
}

/* Text helpers: ASCII only, whatever the locale. */

static bool
spf_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
spf_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
spf_is_alnum(char c)
{
	return spf_is_alpha(c) || spf_is_digit(c);
}

static char
spf_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
spf_is_delim(char c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

static bool
spf_is_all_digits(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!spf_is_digit(s[i]))
			return false;
	return len > 0;
}

/* A term or record quoted in our words is cut at SPF_QUOTE_MAX. */
static int
spf_quote_len(size_t len)
{
	return (int)(len < SPF_QUOTE_MAX ? len : SPF_QUOTE_MAX);
}

static const char *
spf_quote_more(size_t len)
{
	return len > SPF_QUOTE_MAX ? "..." : "";
}

/* Copies the len bytes at s as a string into dst of size n, cut to fit. */
static void
spf_copy(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Adds a step at the current depth; past PROBE_SPF_TRACE_MAX, counts it. */
static void
spf_trace(struct spf_eval *ev, const char *fmt, ...)
{
	struct probe_spf_result	*out = ev->out;
	struct probe_spf_step	*step;
	va_list			 ap;

	if (out->ntrace >= PROBE_SPF_TRACE_MAX) {
		out->trace_dropped++;
		return;
	}
	step = &out->trace[out->ntrace++];
	step->depth = ev->depth;
	va_start(ap, fmt);
	/* A step longer than PROBE_SPF_STEP_MAX loses its tail: a report. */
	(void)vsnprintf(step->text, sizeof(step->text), fmt, ap);
	va_end(ap);
}

/*
 * The result and why: the deciding term t (NULL for none) in lvl's
 * record (NULL before there is one).
 */
static void
spf_decide(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, enum probe_spf_res res, const char *fmt, ...)
{
	struct probe_spf_result	*out = ev->out;
	va_list			 ap;

	out->res = res;
	out->mechanism[0] = '\0';
	if (t != NULL)
		spf_copy(out->mechanism, sizeof(out->mechanism), t->text,
		    t->len);
	spf_copy(out->domain, sizeof(out->domain), lvl != NULL ?
	    lvl->domain : "", lvl != NULL ? strlen(lvl->domain) : 0);
	va_start(ap, fmt);
	/* Truncation keeps the start of our own sentence: acceptable. */
	(void)vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* The client address. */

/* RFC 7208 5: an IPv4-mapped IPv6 address is an IPv4 address. */
static bool
spf_ip_parse(const char *text, struct spf_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, text, ip->b) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, text, ip->b) == 1) {
		ip->family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)
		    (const void *)ip->b)) {
			memmove(ip->b, ip->b + SPF_IP6_LEN - SPF_IP4_LEN,
			    SPF_IP4_LEN);
			memset(ip->b + SPF_IP4_LEN, 0,
			    SPF_IP6_LEN - SPF_IP4_LEN);
			ip->family = AF_INET;
		}
	} else
		return false;
	/* Cannot fail: the family is valid and text holds any address. */
	(void)inet_ntop(ip->family, ip->b, ip->text, sizeof(ip->text));
	return true;
}

static bool
spf_prefix_match(const unsigned char *a, const unsigned char *b,
    unsigned bits)
{
	unsigned	full = bits / 8, rem = bits % 8;
	unsigned char	mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rem == 0)
		return true;
	mask = (unsigned char)(0xffu << (8 - rem));
	return (a[full] & mask) == (b[full] & mask);
}

/* Is the client in addr (of family) with t's CIDR length for it? */
static bool
spf_ip_in(const struct spf_ip *ip, int family, const unsigned char *addr,
    const struct spf_term *t)
{
	if (family != ip->family)
		return false;
	return spf_prefix_match(ip->b, addr, family == AF_INET ? t->cidr4 :
	    t->cidr6);
}

/* Names. */

/*
 * Why name cannot be looked up (RFC 1035 2.3.4), or NULL. RFC 7208 4.3,
 * 4.8 and 5 treat such a name as one that does not exist.
 */
static const char *
spf_name_problem(const char *name)
{
	size_t	label = 0, i;

	if (name[0] == '\0')
		return "it is empty";
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] != '.')
			label++;
		else if (label == 0)
			return "it has an empty label";
		else
			label = 0;
		if (label > SPF_LABEL_MAX)
			return "a label is longer than 63 characters";
	}
	if (i > SPF_NAME_MAX)
		return "it is longer than 253 characters";
	return label == 0 ? "it has an empty label" : NULL;
}

/*
 * RFC 7208 4.3: a malformed <domain> or one that is not multi-label has
 * no SPF record. The caller's domain comes from MAIL FROM or HELO, where
 * RFC 5321 4.1.2 allows letters, digits and "-" (we let "_" pass too),
 * so anything else, an address literal ("[192.0.2.1]") say, is
 * malformed. An include or redirect target only has to be a name DNS
 * can carry: a macro may put any byte in it.
 */
static const char *
spf_domain_problem(const char *domain, bool is_identity)
{
	const char	*problem = spf_name_problem(domain), *p;

	if (problem != NULL)
		return problem;
	for (p = domain; is_identity && *p != '\0'; p++)
		if (!spf_is_alnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return "it holds a character other than letters, "
			    "digits, \"-\", \"_\" and dots";
	if (strchr(domain, '.') == NULL)
		return "it is a single label, not a domain";
	return NULL;
}

/* Copies name without a trailing dot into dst (PROBE_SPF_DOMAIN_MAX). */
static void
spf_name_copy(char *dst, const char *name)
{
	size_t	len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	spf_copy(dst, PROBE_SPF_DOMAIN_MAX, name, len);
}

/* Is name the domain dom or below it? Both without trailing dots. */
static bool
spf_is_within(const char *name, const char *dom)
{
	size_t	n = strlen(name), d = strlen(dom);

	if (n == d)
		return strcasecmp(name, dom) == 0;
	return n > d && name[n - d - 1] == '.' &&
	    strcasecmp(name + n - d, dom) == 0;
}

/* Syntax (RFC 7208 7.1 and 12). */

static bool
spf_is_macro_letter(char c)
{
	return c != '\0' && strchr("slodiphcrtv", spf_lower(c)) != NULL;
}

/* The letter and transformers of "%{...}" at s, len > 2, s[1] == '{'. */
static const char *
spf_macro_braces(const char *s, size_t len, bool is_exp,
    struct spf_macro *m)
{
	size_t	i = 2, d;

	if (i >= len || !spf_is_macro_letter(s[i]))
		return "unknown macro letter; the letters are s, l, o, d, i, "
		    "p, h, v, and c, r, t in exp text (RFC 7208 7.1)";
	m->letter = spf_lower(s[i]);
	m->is_upper = s[i] != m->letter;
	if (!is_exp && strchr("crt", m->letter) != NULL)
		return "macro letters c, r and t are allowed only in an "
		    "explanation (RFC 7208 7.1)";
	for (d = ++i; i < len && spf_is_digit(s[i]); i++)
		continue;
	if (i > d && !smtp_num_parse(s + d, i - d, 1, UINT64_MAX, &m->keep))
		return "a macro's digit transformer must be a number from "
		    "1 up (RFC 7208 7.1)";
	if (i < len && spf_lower(s[i]) == 'r') {
		m->is_reverse = true;
		i++;
	}
	m->delims = s + i;
	for (; i < len && spf_is_delim(s[i]); i++)
		continue;
	m->ndelims = (size_t)(s + i - m->delims);
	if (i >= len || s[i] != '}')
		return "a macro is not closed by \"}\" after its transformers "
		    "and delimiters (RFC 7208 7.1)";
	m->len = i + 1;
	return NULL;
}

/*
 * One macro-expand at s (s[0] == '%', len bytes left) into *m. Returns
 * NULL, or why it is a syntax error.
 */
static const char *
spf_macro_parse(const char *s, size_t len, bool is_exp, struct spf_macro *m)
{
	memset(m, 0, sizeof(*m));
	if (len < 2)
		return "a \"%\" ends the text; a percent sign is written "
		    "\"%%\" (RFC 7208 7.1)";
	if (s[1] == '%' || s[1] == '_' || s[1] == '-') {
		m->letter = s[1];
		m->len = 2;
		return NULL;
	}
	if (s[1] != '{')
		return "\"%\" must be followed by \"{\", \"%\", \"_\" or \"-\" "
		    "(RFC 7208 7.1)";
	return spf_macro_braces(s, len, is_exp, m);
}

/*
 * RFC 7208 7.1 macro-string. *ends_in_macro tells whether the last
 * token was a macro-expand (a domain-spec may end in one).
 */
static const char *
spf_macro_string_check(const char *s, size_t len, bool is_exp,
    bool *ends_in_macro)
{
	struct spf_macro	 m;
	const char		*problem;
	size_t			 i = 0;

	*ends_in_macro = false;
	while (i < len) {
		if (s[i] != '%') {
			*ends_in_macro = false;
			i++;
			continue;
		}
		problem = spf_macro_parse(s + i, len - i, is_exp, &m);
		if (problem != NULL)
			return problem;
		*ends_in_macro = true;
		i += m.len;
	}
	return NULL;
}

/*
 * RFC 7208 7.1 toplabel: letters, digits and "-"; with a "-", it starts
 * and ends with a letter or digit; without, it holds a letter.
 */
static bool
spf_toplabel_ok(const char *s, size_t len)
{
	bool	has_alpha = false, has_dash = false;
	size_t	i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			has_dash = true;
		else if (spf_is_alpha(s[i]))
			has_alpha = true;
		else if (!spf_is_digit(s[i]))
			return false;
	}
	if (has_dash)
		return spf_is_alnum(s[0]) && spf_is_alnum(s[len - 1]);
	return has_alpha;
}

/* RFC 7208 7.1: domain-spec = macro-string domain-end. */
static const char *
spf_domain_spec_check(const char *s, size_t len)
{
	const char	*problem, *dot;
	bool		 ends_in_macro;
	size_t		 end = len;

	if (len == 0)
		return "the domain is empty";
	problem = spf_macro_string_check(s, len, false, &ends_in_macro);
	if (problem != NULL || ends_in_macro)
		return problem;
	if (s[end - 1] == '.')
		end--;
	dot = end > 0 ? memrchr(s, '.', end) : NULL;
	if (dot == NULL)
		return "the domain must end in a dot and a top-level label, "
		    "or in a macro (RFC 7208 7.1)";
	if (!spf_toplabel_ok(dot + 1, (size_t)(s + end - dot - 1)))
		return "the domain's top-level label must be letters, "
		    "digits and \"-\", not all digits and not starting or "
		    "ending with \"-\" (RFC 7208 7.1)";
	return NULL;
}

/* A CIDR length: "0", or digits without a leading zero, up to max. */
static const char *
spf_cidr_value(const char *s, size_t len, unsigned max, unsigned *out)
{
	uint64_t	v;

	if ((len > 1 && s[0] == '0') || !smtp_num_parse(s, len, 0, max, &v))
		return max == SPF_IP4_BITS ?
		    "an IPv4 CIDR length must be 0 to 32, without leading "
		    "zeros (RFC 7208 5.6)" :
		    "an IPv6 CIDR length must be 0 to 128, without leading "
		    "zeros (RFC 7208 5.6)";
	*out = (unsigned)v;
	return NULL;
}

/*
 * Takes a dual-cidr-length ("/24", "//64", "/24//64") off the end of
 * the *len bytes at s, shortening *len to what comes before it.
 */
static const char *
spf_cidr_split(const char *s, size_t *len, struct spf_term *t)
{
	const char	*slash, *problem;
	size_t		 digits;

	slash = *len > 0 ? memrchr(s, '/', *len) : NULL;
	digits = slash != NULL ? (size_t)(s + *len - slash - 1) : 0;
	if (slash != NULL && slash > s && slash[-1] == '/' &&
	    spf_is_all_digits(slash + 1, digits)) {
		problem = spf_cidr_value(slash + 1, digits, SPF_IP6_BITS,
		    &t->cidr6);
		if (problem != NULL)
			return problem;
		*len = (size_t)(slash - 1 - s);
	}
	slash = *len > 0 ? memrchr(s, '/', *len) : NULL;
	digits = slash != NULL ? (size_t)(s + *len - slash - 1) : 0;
	if (slash != NULL && spf_is_all_digits(slash + 1, digits)) {
		problem = spf_cidr_value(slash + 1, digits, SPF_IP4_BITS,
		    &t->cidr4);
		if (problem != NULL)
			return problem;
		*len = (size_t)(slash - s);
	}
	return NULL;
}

/* a and mx: [ ":" domain-spec ] [ dual-cidr-length ] (RFC 7208 5.3). */
static const char *
spf_arg_domain_cidr(struct spf_term *t, const char *rest, size_t len)
{
	const char	*problem;
	bool		 has_domain = len > 0 && rest[0] == ':';

	if (has_domain) {
		rest++;
		len--;
	}
	problem = spf_cidr_split(rest, &len, t);
	if (problem != NULL)
		return problem;
	if (!has_domain)
		return len == 0 ? NULL : "malformed CIDR length; it is "
		    "\"/\" and digits, or \"//\" and digits for IPv6 "
		    "(RFC 7208 5.3)";
	t->spec = rest;
	t->speclen = len;
	return spf_domain_spec_check(rest, len);
}

/* ip4 and ip6: ":" network [ "/" length ] (RFC 7208 5.6). */
static const char *
spf_arg_ip(struct spf_term *t, const char *rest, size_t len, int family)
{
	const char	*slash;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 alen;
	unsigned	 bits = family == AF_INET ? SPF_IP4_BITS : SPF_IP6_BITS;

	if (len < 2 || rest[0] != ':')
		return family == AF_INET ? "ip4 needs \":\" and an IPv4 "
		    "network (RFC 7208 5.6)" : "ip6 needs \":\" and an IPv6 "
		    "network (RFC 7208 5.6)";
	rest++;
	len--;
	slash = memchr(rest, '/', len);
	alen = slash != NULL ? (size_t)(slash - rest) : len;
	if (alen == 0 || alen >= sizeof(buf))
		return "the network is not an address (RFC 7208 5.6)";
	memcpy(buf, rest, alen);
	buf[alen] = '\0';
	if (inet_pton(family, buf, t->net) != 1)
		return family == AF_INET ? "the network is not a dotted-quad "
		    "IPv4 address (RFC 7208 5.6)" : "the network is not an "
		    "IPv6 address (RFC 7208 5.6)";
	t->spec = rest;
	t->speclen = len;
	if (slash == NULL)
		return NULL;
	alen = (size_t)(rest + len - slash - 1);
	if (!spf_is_all_digits(slash + 1, alen))
		return "malformed CIDR length; it is \"/\" and digits "
		    "(RFC 7208 5.6)";
	return spf_cidr_value(slash + 1, alen, bits, family == AF_INET ?
	    &t->cidr4 : &t->cidr6);
}

/* What follows a mechanism's name, by its table row. */
static const char *
spf_mech_arg(struct spf_term *t, const char *rest, size_t len)
{
	switch (spf_mechs[t->kind].arg) {
	case SPF_ARG_NONE:
		return len == 0 ? NULL : "\"all\" takes no argument "
		    "(RFC 7208 5.1)";
	case SPF_ARG_DOMAIN:
		if (len == 0 || rest[0] != ':')
			return "this mechanism needs \":\" and a domain "
			    "(RFC 7208 5.2, 5.7)";
		t->spec = rest + 1;
		t->speclen = len - 1;
		return spf_domain_spec_check(t->spec, t->speclen);
	case SPF_ARG_DOMAIN_OPT:
		if (len == 0)
			return NULL;
		if (rest[0] != ':')
			return "\"ptr\" takes a domain, no CIDR length "
			    "(RFC 7208 5.5)";
		t->spec = rest + 1;
		t->speclen = len - 1;
		return spf_domain_spec_check(t->spec, t->speclen);
	case SPF_ARG_DOMAIN_CIDR:
		return spf_arg_domain_cidr(t, rest, len);
	case SPF_ARG_IP4:
		return spf_arg_ip(t, rest, len, AF_INET);
	case SPF_ARG_IP6:
		return spf_arg_ip(t, rest, len, AF_INET6);
	}
	return "unknown mechanism";
}

/* RFC 7208 4.6.1: directive = [ qualifier ] mechanism. */
static const char *
spf_mech_parse(struct spf_term *t)
{
	const char	*s = t->text;
	size_t		 i = 0, end, k;

	if (t->len > 0 && strchr("+-?~", s[0]) != NULL) {
		t->qual = s[0];
		i = 1;
	}
	for (end = i; end < t->len && s[end] != ':' && s[end] != '/'; end++)
		continue;
	for (k = 0; k < SPF_MECH_COUNT; k++)
		if (strlen(spf_mechs[k].name) == end - i &&
		    strncasecmp(spf_mechs[k].name, s + i, end - i) == 0)
			break;
	if (k == SPF_MECH_COUNT)
		return "unknown mechanism; the mechanisms are all, include, "
		    "a, mx, ptr, ip4, ip6 and exists, and modifiers are "
		    "name=value (RFC 7208 4.6.1, 5)";
	t->kind = (enum spf_kind)k;
	return spf_mech_arg(t, s + end, t->len - end);
}

/* RFC 7208 6: modifier = name "=" value, name at t->text of n bytes. */
static const char *
spf_modifier_parse(struct spf_term *t, size_t n)
{
	bool	ends_in_macro;

	t->spec = t->text + n + 1;
	t->speclen = t->len - n - 1;
	if (n == strlen("redirect") &&
	    strncasecmp(t->text, "redirect", n) == 0) {
		t->kind = SPF_REDIRECT;
		return spf_domain_spec_check(t->spec, t->speclen);
	}
	if (n == strlen("exp") && strncasecmp(t->text, "exp", n) == 0) {
		t->kind = SPF_EXP;
		return spf_domain_spec_check(t->spec, t->speclen);
	}
	/* Never expanded, so any macro letter may appear (RFC 7208 6). */
	t->kind = SPF_UNKNOWN_MOD;
	return spf_macro_string_check(t->spec, t->speclen, true,
	    &ends_in_macro);
}

/*
 * One term (RFC 7208 12: term = directive / modifier) into *t. Returns
 * NULL, or why it is a syntax error.
 */
static const char *
spf_term_parse(const char *s, size_t len, struct spf_term *t)
{
	size_t	n = 0;

	memset(t, 0, sizeof(*t));
	t->text = s;
	t->len = len;
	t->qual = '+';
	t->cidr4 = SPF_IP4_BITS;
	t->cidr6 = SPF_IP6_BITS;
	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	if (len > 0 && spf_is_alpha(s[0]))
		for (n = 1; n < len && (spf_is_alnum(s[n]) || s[n] == '-' ||
		    s[n] == '_' || s[n] == '.'); n++)
			continue;
	if (n > 0 && n < len && s[n] == '=')
		return spf_modifier_parse(t, n);
	return spf_mech_parse(t);
}

/* The next space-separated term at or after *pos, or false at the end. */
static bool
spf_next_term(const char *rec, size_t len, size_t *pos, const char **term,
    size_t *tlen)
{
	size_t	i = *pos, start;

	while (i < len && rec[i] == ' ')
		i++;
	if (i >= len)
		return false;
	for (start = i; i < len && rec[i] != ' '; i++)
		continue;
	*term = rec + start;
	*tlen = i - start;
	*pos = i;
	return true;
}

/* Macro expansion (RFC 7208 7.3). */

static void
spf_sink_put(struct spf_sink *k, const char *s, size_t n)
{
	size_t	room;

	while (n > 0) {
		room = k->cap - 1 - k->len;
		if (room > 0) {
			room = room < n ? room : n;
			memcpy(k->buf + k->len, s, room);
			k->len += room;
			s += room;
			n -= room;
			continue;
		}
		k->is_cut = true;
		if (!k->is_domain)
			return;
		/* Only the right end of a domain can survive 7.3's cut. */
		memmove(k->buf, k->buf + k->len - SPF_EXPAND_KEEP,
		    SPF_EXPAND_KEEP);
		k->len = SPF_EXPAND_KEEP;
	}
}

/* RFC 3986 2.3 unreserved characters stay; the rest become %XX. */
static void
spf_sink_escaped(struct spf_sink *k, const char *s, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			esc[3];
	size_t			i;

	for (i = 0; i < n; i++) {
		if (spf_is_alnum(s[i]) || strchr("-._~", s[i]) != NULL) {
			spf_sink_put(k, s + i, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[(unsigned char)s[i] >> 4];
		esc[2] = hex[(unsigned char)s[i] & 0x0f];
		spf_sink_put(k, esc, sizeof(esc));
	}
}

/*
 * %{i} of an IPv6 address: 32 nibbles with dots (RFC 7208 7.3). They are
 * upper case, as the RFC 7208 test suite expects in explanations (its
 * v-macro-ip6 case) and RFC 4408 8.1 showed; RFC 7208 7.4 shows lower
 * case. DNS ignores case, so only explanation text can tell.
 */
static const char *
spf_nibbles(const struct spf_ip *ip, char *buf)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, o = 0;

	for (i = 0; i < SPF_IP6_LEN; i++) {
		buf[o++] = hex[ip->b[i] >> 4];
		buf[o++] = '.';
		buf[o++] = hex[ip->b[i] & 0x0f];
		buf[o++] = '.';
	}
	buf[o - 1] = '\0';
	return buf;
}

/*
 * Every DNS query of an evaluation, counted. A lookup never sent (the
 * time for all lookups had run out) is remembered: the temperror it
 * leads to is no fault of the domain's DNS.
 */
static enum probe_dns_status
spf_lookup(struct spf_eval *ev, enum probe_dns_type type, const char *name,
    struct probe_dns_answer *ans)
{
	enum probe_dns_status	st;

	ev->out->queries++;
	st = probe_dns_lookup(ev->dns, type, name, ans);
	if (st == PROBE_DNS_UNASKED)
		ev->out->is_unasked = true;
	return st;
}

/* Does name (without a trailing dot) have the client's address? */
static bool
spf_name_has_ip(struct spf_eval *ev, const char *name)
{
	enum probe_dns_type	type = ev->ip.family == AF_INET ?
				    PROBE_DNS_A : PROBE_DNS_AAAA;
	size_t			i;

	if (spf_lookup(ev, type, name, &ev->addrs) !=
	    PROBE_DNS_FOUND)
		return false;
	for (i = 0; i < ev->addrs.nrr; i++)
		if (memcmp(probe_dns_answer_rr(&ev->addrs, i)->addr, ev->ip.b,
		    ev->ip.family == AF_INET ? SPF_IP4_LEN : SPF_IP6_LEN) == 0)
			return true;
	return false;
}

/*
 * The PTR names of the client (RFC 7208 5.5 step 1) into ev->names.
 * Returns the lookup's status.
 */
static enum probe_dns_status
spf_ptr_names(struct spf_eval *ev)
{
	char	rev[PROBE_DNS_REVERSE_MAX];

	/* Cannot fail: the family is ours and rev has the room. */
	(void)probe_dns_reverse_name(ev->ip.family, ev->ip.b, rev,
	    sizeof(rev));
	return spf_lookup(ev, PROBE_DNS_PTR, rev, &ev->names);
}

/*
 * %{p} (RFC 7208 7.3): a validated name of the client, preferring the
 * current domain, then a name below it, then any; "unknown" if none.
 * Looked up once per domain, so an explanation full of %{p} cannot
 * multiply lookups.
 */
static const char *
spf_p_value(struct spf_eval *ev, const char *domain)
{
	char	name[PROBE_SPF_DOMAIN_MAX];
	size_t	n, i, pass;
	bool	is_same, is_below;

	if (ev->has_p && strcasecmp(ev->p_domain, domain) == 0)
		return ev->p_value;
	ev->has_p = true;
	spf_name_copy(ev->p_domain, domain);
	spf_name_copy(ev->p_value, "unknown");
	if (spf_ptr_names(ev) != PROBE_DNS_FOUND)
		return ev->p_value;
	n = ev->names.nrr < PROBE_SPF_PTR_NAMES_MAX ? ev->names.nrr :
	    PROBE_SPF_PTR_NAMES_MAX;
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < n; i++) {
			spf_name_copy(name,
			    probe_dns_answer_text(&ev->names, i));
			is_same = strcasecmp(name, domain) == 0;
			is_below = !is_same && spf_is_within(name, domain);
			if ((pass == 0 && !is_same) ||
			    (pass == 1 && !is_below) ||
			    (pass == 2 && (is_same || is_below)))
				continue;
			if (spf_name_has_ip(ev, name)) {
				spf_name_copy(ev->p_value, name);
				return ev->p_value;
			}
		}
	return ev->p_value;
}

/* The value of a macro letter; buf (SPF_NIBBLES_MAX) may hold it. */
static const char *
spf_macro_value(struct spf_eval *ev, const struct spf_level *lvl, char c,
    char *buf, size_t *len)
{
	const char	*v = "";

	*len = 0;
	switch (c) {
	case 'l':
		*len = ev->local_len;
		return ev->sender;
	case 's':
		v = ev->sender;
		break;
	case 'o':
		v = ev->sender + ev->local_len + 1;
		break;
	case 'd':
		v = lvl->domain;
		break;
	case 'i':
		v = ev->ip.family == AF_INET ? ev->ip.text :
		    spf_nibbles(&ev->ip, buf);
		break;
	case 'p':
		v = spf_p_value(ev, lvl->domain);
		break;
	case 'v':
		v = ev->ip.family == AF_INET ? "in-addr" : "ip6";
		break;
	case 'h':
		v = ev->helo;
		break;
	case 'c':
		v = ev->ip.text;
		break;
	case 'r':
		v = ev->receiver;
		break;
	case 't':
		/* Fits: SPF_NIBBLES_MAX holds any long long. */
		(void)snprintf(buf, SPF_NIBBLES_MAX, "%lld", ev->now);
		v = buf;
		break;
	}
	*len = strlen(v);
	return v;
}

static bool
spf_macro_splits_at(const struct spf_macro *m, char c)
{
	if (m->ndelims == 0)
		return c == '.';
	return memchr(m->delims, c, m->ndelims) != NULL;
}

/*
 * RFC 7208 7.3: split v on the delimiters, reverse if asked, keep the
 * rightmost parts, join them with dots, URL-escape for an upper-case
 * letter.
 */
static void
spf_macro_emit(struct spf_sink *k, const struct spf_macro *m, const char *v,
    size_t vlen)
{
	uint16_t	off[SPF_VALUE_MAX + 1], plen[SPF_VALUE_MAX + 1];
	size_t		n = 0, start = 0, i, count, idx;

	if (vlen > SPF_VALUE_MAX)
		vlen = SPF_VALUE_MAX;
	for (i = 0; i <= vlen; i++)
		if (i == vlen || spf_macro_splits_at(m, v[i])) {
			off[n] = (uint16_t)start;
			plen[n++] = (uint16_t)(i - start);
			start = i + 1;
		}
	count = m->keep != 0 && m->keep < n ? (size_t)m->keep : n;
	for (i = 0; i < count; i++) {
		idx = m->is_reverse ? count - 1 - i : n - count + i;
		if (i > 0)
			spf_sink_put(k, ".", 1);
		if (m->is_upper)
			spf_sink_escaped(k, v + off[idx], plen[idx]);
		else
			spf_sink_put(k, v + off[idx], plen[idx]);
	}
}

/* Expands a macro-string whose syntax was checked into k. */
static void
spf_expand(struct spf_eval *ev, const struct spf_level *lvl, const char *s,
    size_t len, struct spf_sink *k)
{
	struct spf_macro	 m;
	char			 buf[SPF_NIBBLES_MAX];
	const char		*v, *pct;
	size_t			 i = 0, vlen;

	while (i < len) {
		pct = memchr(s + i, '%', len - i);
		vlen = pct != NULL ? (size_t)(pct - s) - i : len - i;
		spf_sink_put(k, s + i, vlen);
		i += vlen;
		if (i >= len || spf_macro_parse(s + i, len - i, true, &m) !=
		    NULL)
			return;
		i += m.len;
		if (m.letter == '%' || m.letter == '_')
			spf_sink_put(k, m.letter == '%' ? "%" : " ", 1);
		else if (m.letter == '-')
			spf_sink_put(k, "%20", 3);
		else {
			v = spf_macro_value(ev, lvl, m.letter, buf, &vlen);
			spf_macro_emit(k, &m, v, vlen);
		}
	}
}

/*
 * Expands domain-spec s into name (PROBE_SPF_DOMAIN_MAX): a trailing dot
 * dropped, a name over 253 characters cut on the left at a label
 * boundary (RFC 7208 7.3). Returns NULL, or why the result is no name
 * that can be looked up.
 */
static const char *
spf_expand_domain(struct spf_eval *ev, const struct spf_level *lvl,
    const char *s, size_t len, char *name)
{
	char		buf[SPF_EXPAND_MAX];
	struct spf_sink	k = { buf, sizeof(buf), 0, true, false };
	size_t		start = 0, end;

	spf_expand(ev, lvl, s, len, &k);
	end = k.len;
	if (end > 0 && buf[end - 1] == '.')
		end--;
	if (end > SPF_NAME_MAX) {
		for (start = end - SPF_NAME_MAX; start < end &&
		    buf[start - 1] != '.'; start++)
			continue;
	}
	spf_copy(name, PROBE_SPF_DOMAIN_MAX, buf + start, end - start);
	return spf_name_problem(name);
}

/* Counting (RFC 7208 4.6.4). */

/* One more DNS-querying term; false (decided) past the limit. */
static bool
spf_count_lookup(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	if (++ev->out->lookups <= PROBE_SPF_LOOKUP_MAX)
		return true;
	spf_trace(ev, "\"%.*s%s\": lookup %u: over the limit of %d",
	    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
	    ev->out->lookups, PROBE_SPF_LOOKUP_MAX);
	if (ev->loop[0] != '\0')
		spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "include loop: "
		    "%s is included again while it is being evaluated; the "
		    "loop ended at the limit of %d DNS-querying terms "
		    "(RFC 7208 4.6.4)", ev->loop, PROBE_SPF_LOOKUP_MAX);
	else
		spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "more than %d "
		    "DNS-querying terms (include, a, mx, ptr, exists, "
		    "redirect): \"%.*s%s\" in %s is number %u "
		    "(RFC 7208 4.6.4)", PROBE_SPF_LOOKUP_MAX,
		    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
		    lvl->domain, ev->out->lookups);
	return false;
}

static bool
spf_is_void(enum probe_dns_status st)
{
	return st == PROBE_DNS_NXDOMAIN || st == PROBE_DNS_NODATA;
}

/* One more void lookup, ans's; false (decided) past the limit. */
static bool
spf_count_void(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, const struct probe_dns_answer *ans)
{
	ev->out->void_lookups++;
	spf_trace(ev, "\"%.*s%s\": %s: void lookup %u of %d",
	    spf_quote_len(t->len), t->text, spf_quote_more(t->len), ans->msg,
	    ev->out->void_lookups, PROBE_SPF_VOID_MAX);
	if (ev->out->void_lookups <= PROBE_SPF_VOID_MAX)
		return true;
	spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "more than %d void "
	    "lookups (names that do not exist or have no record): the last "
	    "was \"%.*s%s\" in %s, %s (RFC 7208 4.6.4)", PROBE_SPF_VOID_MAX,
	    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
	    lvl->domain, ans->msg);
	return false;
}

/* RFC 7208 5: a DNS error ends the check with temperror. */
static enum spf_hit
spf_dns_error(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, const struct probe_dns_answer *ans)
{
	spf_trace(ev, "\"%.*s%s\": %s", spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), ans->msg);
	spf_decide(ev, lvl, t, PROBE_SPF_TEMPERROR, "a DNS lookup for "
	    "\"%.*s%s\" in %s failed: %s (RFC 7208 5)", spf_quote_len(t->len),
	    t->text, spf_quote_more(t->len), lvl->domain, ans->msg);
	return SPF_HIT_TEMPERROR;
}

/* Mechanisms (RFC 7208 5). */

/*
 * The target-name of t into name: its domain-spec expanded, or the
 * current domain. Returns NULL, or why it cannot be looked up (then the
 * caller decides what that means for the mechanism).
 */
static const char *
spf_target(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, char *name)
{
	if (t->speclen == 0) {
		spf_name_copy(name, lvl->domain);
		return NULL;
	}
	return spf_expand_domain(ev, lvl, t->spec, t->speclen, name);
}

/* A target-name that is no domain name matches nothing (4.3, 4.8). */
static enum spf_hit
spf_bad_target(struct spf_eval *ev, const struct spf_term *t,
    const char *name, const char *problem)
{
	spf_trace(ev, "\"%.*s%s\": \"%s\" is not a domain name that can be "
	    "looked up (%s): no match", spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), name, problem);
	return SPF_HIT_NO;
}

/*
 * The addresses of name, of the client's family, against t's CIDR. A
 * void answer counts toward the limit when is_counted (the a mechanism;
 * not the hosts of an mx).
 */
static enum spf_hit
spf_addr_match(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, const char *name, bool is_counted)
{
	int			 family = ev->ip.family;
	enum probe_dns_status	 st;
	size_t			 i;

	st = spf_lookup(ev, family == AF_INET ? PROBE_DNS_A :
	    PROBE_DNS_AAAA, name, &ev->addrs);
	if (spf_is_void(st))
		return !is_counted || spf_count_void(ev, lvl, t, &ev->addrs) ?
		    SPF_HIT_NO : SPF_HIT_PERMERROR;
	if (st != PROBE_DNS_FOUND)
		return spf_dns_error(ev, lvl, t, &ev->addrs);
	for (i = 0; i < ev->addrs.nrr; i++)
		if (spf_ip_in(&ev->ip, family,
		    probe_dns_answer_rr(&ev->addrs, i)->addr, t))
			return SPF_HIT_YES;
	return SPF_HIT_NO;
}

/* RFC 7208 5.3. */
static enum spf_hit
spf_mech_a(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	char		 name[PROBE_SPF_DOMAIN_MAX];
	const char	*problem = spf_target(ev, lvl, t, name);

	if (problem != NULL)
		return spf_bad_target(ev, t, name, problem);
	return spf_addr_match(ev, lvl, t, name, true);
}

/* RFC 7208 7.4 and 7505: an MX host of "." is a null MX, no host. */
static bool
spf_is_root(const char *host)
{
	return host[0] == '\0' || strcmp(host, ".") == 0;
}

/* RFC 7208 5.4, with the 10-name limit of 4.6.4. */
static enum spf_hit
spf_mech_mx(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	char			 name[PROBE_SPF_DOMAIN_MAX];
	const char		*problem = spf_target(ev, lvl, t, name);
	enum probe_dns_status	 st;
	enum spf_hit		 hit;
	size_t			 i, n;

	if (problem != NULL)
		return spf_bad_target(ev, t, name, problem);
	st = spf_lookup(ev, PROBE_DNS_MX, name, &ev->names);
	if (spf_is_void(st))
		return spf_count_void(ev, lvl, t, &ev->names) ? SPF_HIT_NO :
		    SPF_HIT_PERMERROR;
	if (st != PROBE_DNS_FOUND)
		return spf_dns_error(ev, lvl, t, &ev->names);
	n = ev->names.nrr + ev->names.dropped;
	if (n > PROBE_SPF_MX_NAMES_MAX) {
		spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "%s has %zu MX "
		    "records; an mx mechanism may look up at most %d "
		    "(RFC 7208 4.6.4)", name, n, PROBE_SPF_MX_NAMES_MAX);
		return SPF_HIT_PERMERROR;
	}
	for (i = 0; i < ev->names.nrr; i++) {
		spf_name_copy(name, probe_dns_answer_text(&ev->names, i));
		if (spf_is_root(name))
			continue;
		hit = spf_addr_match(ev, lvl, t, name, false);
		if (hit != SPF_HIT_NO)
			return hit;
	}
	return SPF_HIT_NO;
}

/*
 * RFC 7208 5.5: a validated PTR name at or below the target. Names not
 * within the target are not validated: they could not match anyway. A
 * DNS error on the PTR lookup means no match; on an address lookup, the
 * name is skipped.
 */
static enum spf_hit
spf_mech_ptr(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	char			 target[PROBE_SPF_DOMAIN_MAX];
	char			 name[PROBE_SPF_DOMAIN_MAX];
	const char		*problem = spf_target(ev, lvl, t, target);
	enum probe_dns_status	 st;
	size_t			 i, n;

	if (problem != NULL)
		return spf_bad_target(ev, t, target, problem);
	st = spf_ptr_names(ev);
	if (spf_is_void(st))
		return spf_count_void(ev, lvl, t, &ev->names) ? SPF_HIT_NO :
		    SPF_HIT_PERMERROR;
	if (st != PROBE_DNS_FOUND) {
		spf_trace(ev, "\"%.*s%s\": %s: no match (RFC 7208 5.5)",
		    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
		    ev->names.msg);
		return SPF_HIT_NO;
	}
	n = ev->names.nrr;
	if (n > PROBE_SPF_PTR_NAMES_MAX) {
		spf_trace(ev, "\"%.*s%s\": %zu PTR names; only the first %d "
		    "are checked (RFC 7208 4.6.4)", spf_quote_len(t->len),
		    t->text, spf_quote_more(t->len), n,
		    PROBE_SPF_PTR_NAMES_MAX);
		n = PROBE_SPF_PTR_NAMES_MAX;
	}
	for (i = 0; i < n; i++) {
		spf_name_copy(name, probe_dns_answer_text(&ev->names, i));
		if (spf_is_within(name, target) && spf_name_has_ip(ev, name))
			return SPF_HIT_YES;
	}
	return SPF_HIT_NO;
}

/* RFC 7208 5.7: an A lookup, whatever the client's family. */
static enum spf_hit
spf_mech_exists(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	char			 name[PROBE_SPF_DOMAIN_MAX];
	const char		*problem = spf_target(ev, lvl, t, name);
	enum probe_dns_status	 st;

	if (problem != NULL)
		return spf_bad_target(ev, t, name, problem);
	st = spf_lookup(ev, PROBE_DNS_A, name, &ev->addrs);
	if (st == PROBE_DNS_FOUND)
		return SPF_HIT_YES;
	if (spf_is_void(st))
		return spf_count_void(ev, lvl, t, &ev->addrs) ? SPF_HIT_NO :
		    SPF_HIT_PERMERROR;
	return spf_dns_error(ev, lvl, t, &ev->addrs);
}

/*
 * check_host() of name one level down, for an include or a redirect.
 * A name already being evaluated is a loop: noted here, ended by the
 * lookup limit, as RFC 7208 4.6.4 intends.
 */
static enum probe_spf_res
spf_recurse(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, const char *name, bool is_included)
{
	enum probe_spf_res	res;
	unsigned		i;

	for (i = 0; i <= ev->depth && ev->loop[0] == '\0'; i++)
		if (strcasecmp(ev->stack[i], name) == 0)
			spf_name_copy(ev->loop, name);
	if (ev->depth + 1 >= PROBE_SPF_DEPTH_MAX) {
		spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "records nest "
		    "deeper than %d levels", PROBE_SPF_DEPTH_MAX);
		return PROBE_SPF_PERMERROR;
	}
	ev->depth++;
	res = spf_check(ev, name, is_included);
	ev->depth--;
	return res;
}

/* RFC 7208 5.2: the include table. */
static enum spf_hit
spf_mech_include(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	char			 name[PROBE_SPF_DOMAIN_MAX];
	const char		*problem = spf_target(ev, lvl, t, name);
	enum probe_spf_res	 res;

	if (problem != NULL) {
		spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "\"%.*s%s\" in %s "
		    "names no domain that can be looked up (%s); that is a "
		    "domain without an SPF record (RFC 7208 4.3, 5.2)",
		    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
		    lvl->domain, problem);
		return SPF_HIT_PERMERROR;
	}
	spf_trace(ev, "\"%.*s%s\": evaluating %s", spf_quote_len(t->len),
	    t->text, spf_quote_more(t->len), name);
	res = spf_recurse(ev, lvl, t, name, true);
	if (res == PROBE_SPF_PASS)
		return SPF_HIT_YES;
	if (res == PROBE_SPF_TEMPERROR)
		return SPF_HIT_TEMPERROR;
	if (res == PROBE_SPF_PERMERROR)
		return SPF_HIT_PERMERROR;
	if (res != PROBE_SPF_NONE) {
		spf_trace(ev, "\"%.*s%s\": %s gave %s: no match",
		    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
		    name, probe_spf_res_name(res));
		return SPF_HIT_NO;
	}
	spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "\"%.*s%s\" in %s: %s "
	    "has no SPF record, and including a domain without one is a "
	    "permerror (RFC 7208 5.2)", spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), lvl->domain, name);
	return SPF_HIT_PERMERROR;
}

/* Evaluates mechanism t, after counting it if it queries DNS. */
static enum spf_hit
spf_mech_eval(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	if (spf_mechs[t->kind].is_dns && !spf_count_lookup(ev, lvl, t))
		return SPF_HIT_PERMERROR;
	switch (t->kind) {
	case SPF_ALL:
		return SPF_HIT_YES;
	case SPF_INCLUDE:
		return spf_mech_include(ev, lvl, t);
	case SPF_A:
		return spf_mech_a(ev, lvl, t);
	case SPF_MX:
		return spf_mech_mx(ev, lvl, t);
	case SPF_PTR:
		return spf_mech_ptr(ev, lvl, t);
	case SPF_IP4:
		return spf_ip_in(&ev->ip, AF_INET, t->net, t) ? SPF_HIT_YES :
		    SPF_HIT_NO;
	case SPF_IP6:
		return spf_ip_in(&ev->ip, AF_INET6, t->net, t) ? SPF_HIT_YES :
		    SPF_HIT_NO;
	case SPF_EXISTS:
		return spf_mech_exists(ev, lvl, t);
	default:
		return SPF_HIT_NO;
	}
}

/* Explanations (RFC 7208 6.2). */

/* A TXT record that is no explain-string leaves the explanation out. */
static void
spf_explain_text(struct spf_eval *ev, const struct spf_level *lvl,
    const char *text, size_t len)
{
	struct probe_spf_result	*out = ev->out;
	struct spf_sink		 k = { out->explanation,
				    sizeof(out->explanation), 0, false, false };
	const char		*problem = NULL;
	bool			 ends_in_macro;
	size_t			 i;

	for (i = 0; i < len && problem == NULL; i++)
		if (text[i] < ' ' || text[i] > '~')
			problem = "it is not printable ASCII";
	if (problem == NULL)
		problem = spf_macro_string_check(text, len, true,
		    &ends_in_macro);
	if (problem != NULL) {
		spf_trace(ev, "exp= text ignored: %s", problem);
		return;
	}
	spf_expand(ev, lvl, text, len, &k);
	out->explanation[k.len] = '\0';
}

/*
 * The explanation of a fail decided in lvl's record, when it has exp=.
 * Any trouble (a bad name, a DNS error, not exactly one TXT record, a
 * bad text) leaves it out; none of it counts toward the limits.
 */
static void
spf_explain(struct spf_eval *ev, const struct spf_level *lvl)
{
	char			 name[PROBE_SPF_DOMAIN_MAX];
	struct probe_dns_answer	 ans;
	const struct spf_term	*t = &lvl->exp;

	if (spf_expand_domain(ev, lvl, t->spec, t->speclen, name) != NULL) {
		spf_trace(ev, "exp= names no domain: ignored");
		return;
	}
	probe_dns_answer_init(&ans);
	if (spf_lookup(ev, PROBE_DNS_TXT, name, &ans) !=
	    PROBE_DNS_FOUND)
		spf_trace(ev, "exp=%s ignored: %s", name, ans.msg);
	else if (ans.nrr != 1 || ans.dropped != 0)
		spf_trace(ev, "exp=%s ignored: %zu TXT records, not one",
		    name, ans.nrr + ans.dropped);
	else
		spf_explain_text(ev, lvl, probe_dns_answer_text(&ans, 0),
		    probe_dns_answer_rr(&ans, 0)->len);
	probe_dns_answer_free(&ans);
}

/* Records. */

static bool
spf_is_v1(const char *text, size_t len)
{
	return len >= SPF_VERSION_LEN &&
	    strncasecmp(text, SPF_VERSION, SPF_VERSION_LEN) == 0 &&
	    (len == SPF_VERSION_LEN || text[SPF_VERSION_LEN] == ' ');
}

/* A TXT record that is an SPF record wrapped in quote characters. */
static bool
spf_is_quoted_v1(const char *text, size_t len)
{
	size_t	i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '"' ||
	    text[i] == '\''))
		i++;
	return i > 0 && memchr(text, '"', i) != NULL &&
	    spf_is_v1(text + i, len - i);
}

/* No v=spf1 record: none, with a word on a quoted one (RFC 7208 4.5). */
static void
spf_no_record(struct spf_eval *ev, const struct spf_level *lvl)
{
	const struct probe_dns_rr	*rr;
	const char			*text;
	size_t				 i;

	for (i = 0; i < lvl->txt.nrr; i++) {
		rr = probe_dns_answer_rr(&lvl->txt, i);
		text = probe_dns_answer_text(&lvl->txt, i);
		if (!spf_is_quoted_v1(text, rr->len))
			continue;
		spf_decide(ev, lvl, NULL, PROBE_SPF_NONE, "%s has no SPF "
		    "record: its TXT record '%.*s%s' starts with a stray "
		    "quote character (\"), which is part of the published "
		    "text; publish it without quotes (RFC 7208 4.5)",
		    lvl->domain, spf_quote_len(rr->len), text,
		    spf_quote_more(rr->len));
		return;
	}
	spf_decide(ev, lvl, NULL, PROBE_SPF_NONE, "%s has no SPF record: "
	    "none of its %zu TXT records starts with \"v=spf1\" "
	    "(RFC 7208 4.5)", lvl->domain, lvl->txt.nrr);
}

/* RFC 7208 4.5: exactly one record starting "v=spf1". */
static bool
spf_select(struct spf_eval *ev, struct spf_level *lvl,
    enum probe_spf_res *res)
{
	size_t	i, n = 0;

	for (i = 0; i < lvl->txt.nrr; i++)
		if (spf_is_v1(probe_dns_answer_text(&lvl->txt, i),
		    probe_dns_answer_rr(&lvl->txt, i)->len)) {
			n++;
			lvl->rec = probe_dns_answer_text(&lvl->txt, i);
			lvl->reclen = probe_dns_answer_rr(&lvl->txt, i)->len;
		}
	*res = PROBE_SPF_PERMERROR;
	if (lvl->txt.dropped > 0)
		spf_decide(ev, lvl, NULL, *res, "the TXT answer of %s is "
		    "larger than we accept (%d records, %d bytes), so its SPF "
		    "record cannot be told", lvl->domain, PROBE_DNS_RR_MAX,
		    PROBE_DNS_TEXT_MAX);
	else if (n > 1)
		spf_decide(ev, lvl, NULL, *res, "%s publishes %zu SPF "
		    "records (TXT starting with \"v=spf1\"); there must be "
		    "one (RFC 7208 4.5)", lvl->domain, n);
	else if (n == 0) {
		*res = PROBE_SPF_NONE;
		spf_no_record(ev, lvl);
	}
	return lvl->txt.dropped == 0 && n == 1;
}

/* RFC 7208 3 and 4.6.1: US-ASCII, terms separated by spaces only. */
static bool
spf_record_chars(struct spf_eval *ev, const struct spf_level *lvl)
{
	const unsigned char	*p = (const unsigned char *)lvl->rec;
	size_t			 i;

	for (i = 0; i < lvl->reclen; i++)
		if (p[i] < ' ' || p[i] > '~')
			break;
	if (i == lvl->reclen)
		return true;
	spf_decide(ev, lvl, NULL, PROBE_SPF_PERMERROR, "%s's SPF record "
	    "has %s byte 0x%02x at offset %zu: a record is printable "
	    "US-ASCII with terms separated by spaces (RFC 7208 3, 4.6.1)",
	    lvl->domain, p[i] >= 0x80 ? "a non-ASCII" : "a control", p[i],
	    i);
	return false;
}

/* A syntax error in term t: permerror, naming a stray quote. */
static void
spf_syntax_error(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t, const char *problem)
{
	bool	is_quoted = memchr(t->text, '"', t->len) != NULL;

	spf_trace(ev, "\"%.*s%s\": %s", spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), problem);
	spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "syntax error in %s's "
	    "SPF record at '%.*s%s': %s%s", lvl->domain, spf_quote_len(t->len),
	    t->text, spf_quote_more(t->len), problem, is_quoted ? "; the "
	    "term holds a stray quote character (\"), which is part of the "
	    "published text: publish the record without quotes" : "");
}

/*
 * The first pass: every term's syntax, and redirect= and exp= at most
 * once each (RFC 7208 6). Returns false when it decided a permerror.
 */
static bool
spf_record_parse(struct spf_eval *ev, struct spf_level *lvl)
{
	struct spf_term	 t;
	const char	*term, *problem;
	size_t		 pos = SPF_VERSION_LEN, len;

	while (spf_next_term(lvl->rec, lvl->reclen, &pos, &term, &len)) {
		problem = spf_term_parse(term, len, &t);
		if (problem == NULL && ((t.kind == SPF_REDIRECT &&
		    lvl->has_redirect) || (t.kind == SPF_EXP && lvl->has_exp)))
			problem = "redirect= and exp= may each appear once "
			    "(RFC 7208 6)";
		if (problem != NULL) {
			spf_syntax_error(ev, lvl, &t, problem);
			return false;
		}
		if (t.kind == SPF_REDIRECT) {
			lvl->redirect = t;
			lvl->has_redirect = true;
		} else if (t.kind == SPF_EXP) {
			lvl->exp = t;
			lvl->has_exp = true;
		}
	}
	return true;
}

/*
 * RFC 7208 4.3 to 4.6: the domain's one SPF record, checked. Returns
 * true when there is one to evaluate; otherwise *res is decided.
 */
static bool
spf_load(struct spf_eval *ev, struct spf_level *lvl, enum probe_spf_res *res)
{
	const char		*problem = lvl->is_long ? "it is longer than "
				    "253 characters" :
				    spf_domain_problem(lvl->domain,
				    ev->depth == 0);
	enum probe_dns_status	 st;

	*res = PROBE_SPF_NONE;
	if (problem != NULL) {
		spf_decide(ev, lvl, NULL, *res, "\"%s\" is not a domain name "
		    "SPF can check: %s (RFC 7208 4.3)", lvl->domain, problem);
		return false;
	}
	st = spf_lookup(ev, PROBE_DNS_TXT, lvl->domain, &lvl->txt);
	if (spf_is_void(st)) {
		spf_decide(ev, lvl, NULL, *res, "%s has no SPF record: %s "
		    "(RFC 7208 4.3)", lvl->domain, lvl->txt.msg);
		return false;
	}
	*res = PROBE_SPF_TEMPERROR;
	if (st != PROBE_DNS_FOUND) {
		spf_decide(ev, lvl, NULL, *res, "the SPF record of %s could "
		    "not be fetched: %s (RFC 7208 4.4)", lvl->domain,
		    lvl->txt.msg);
		return false;
	}
	if (!spf_select(ev, lvl, res))
		return false;
	spf_trace(ev, "%s: '%.*s%s'", lvl->domain, spf_quote_len(lvl->reclen),
	    lvl->rec, spf_quote_more(lvl->reclen));
	*res = PROBE_SPF_PERMERROR;
	return spf_record_chars(ev, lvl) && spf_record_parse(ev, lvl);
}

static enum probe_spf_res
spf_qualifier_res(char qual)
{
	switch (qual) {
	case '-':
		return PROBE_SPF_FAIL;
	case '~':
		return PROBE_SPF_SOFTFAIL;
	case '?':
		return PROBE_SPF_NEUTRAL;
	default:
		return PROBE_SPF_PASS;
	}
}

/* Mechanism t matched: its qualifier decides (RFC 7208 4.6.2). */
static enum probe_spf_res
spf_matched(struct spf_eval *ev, const struct spf_level *lvl,
    const struct spf_term *t)
{
	enum probe_spf_res	res = spf_qualifier_res(t->qual);
	const char		*what;

	what = res == PROBE_SPF_PASS ? "is allowed" :
	    res == PROBE_SPF_FAIL ? "is not allowed" :
	    res == PROBE_SPF_SOFTFAIL ? "is probably not allowed (softfail)" :
	    "is neither allowed nor refused (neutral)";
	spf_trace(ev, "\"%.*s%s\": match: %s", spf_quote_len(t->len),
	    t->text, spf_quote_more(t->len), probe_spf_res_name(res));
	spf_decide(ev, lvl, t, res, "%s %s: \"%.*s%s\" in %s's SPF record "
	    "matched", ev->ip.text, what, spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), lvl->domain);
	/* Below an include a fail only means "no match": no explanation. */
	if (res == PROBE_SPF_FAIL && lvl->has_exp && !lvl->is_included)
		spf_explain(ev, lvl);
	return res;
}

/* RFC 7208 6.1: no mechanism matched; evaluate the redirect target. */
static enum probe_spf_res
spf_redirect(struct spf_eval *ev, const struct spf_level *lvl)
{
	const struct spf_term	*t = &lvl->redirect;
	char			 name[PROBE_SPF_DOMAIN_MAX];
	const char		*problem;
	enum probe_spf_res	 res;

	if (!spf_count_lookup(ev, lvl, t))
		return PROBE_SPF_PERMERROR;
	problem = spf_expand_domain(ev, lvl, t->spec, t->speclen, name);
	if (problem == NULL) {
		spf_trace(ev, "\"%.*s%s\": evaluating %s",
		    spf_quote_len(t->len), t->text, spf_quote_more(t->len),
		    name);
		res = spf_recurse(ev, lvl, t, name, lvl->is_included);
		if (res != PROBE_SPF_NONE)
			return res;
	}
	spf_decide(ev, lvl, t, PROBE_SPF_PERMERROR, "\"%.*s%s\" in %s: %s "
	    "%s, and a redirect to a domain without an SPF record is a "
	    "permerror (RFC 7208 6.1)", spf_quote_len(t->len), t->text,
	    spf_quote_more(t->len), lvl->domain, name, problem != NULL ?
	    "is not a domain name that can be looked up" :
	    "has no SPF record");
	return PROBE_SPF_PERMERROR;
}

/* The second pass: the mechanisms in order, then redirect (4.6.2, 4.7). */
static enum probe_spf_res
spf_eval_record(struct spf_eval *ev, const struct spf_level *lvl)
{
	struct spf_term	 t;
	const char	*term;
	size_t		 pos = SPF_VERSION_LEN, len;
	enum spf_hit	 hit;

	while (spf_next_term(lvl->rec, lvl->reclen, &pos, &term, &len)) {
		/* The first pass parsed every term without an error. */
		(void)spf_term_parse(term, len, &t);
		if (t.kind >= SPF_MECH_COUNT)
			continue;
		hit = spf_mech_eval(ev, lvl, &t);
		/* Address mechanisms stay out: a record may have thousands. */
		if (hit == SPF_HIT_NO && spf_mechs[t.kind].is_dns &&
		    t.kind != SPF_INCLUDE)
			spf_trace(ev, "\"%.*s%s\": no match",
			    spf_quote_len(t.len), t.text,
			    spf_quote_more(t.len));
		if (hit == SPF_HIT_YES)
			return spf_matched(ev, lvl, &t);
		if (hit == SPF_HIT_TEMPERROR)
			return PROBE_SPF_TEMPERROR;
		if (hit == SPF_HIT_PERMERROR)
			return PROBE_SPF_PERMERROR;
	}
	if (lvl->has_redirect)
		return spf_redirect(ev, lvl);
	spf_decide(ev, lvl, NULL, PROBE_SPF_NEUTRAL, "no mechanism of %s's "
	    "SPF record matched %s and it has no redirect=, so the result "
	    "is neutral (RFC 7208 4.7)", lvl->domain, ev->ip.text);
	return PROBE_SPF_NEUTRAL;
}

/* check_host() for domain at ev->depth (RFC 7208 4). */
static enum probe_spf_res
spf_check(struct spf_eval *ev, const char *domain, bool is_included)
{
	struct spf_level	lvl;
	struct probe_spf_result	*out = ev->out;
	enum probe_spf_res	res;

	memset(&lvl, 0, sizeof(lvl));
	spf_name_copy(lvl.domain, domain);
	/* Only the caller's domain can be this long; targets are cut. */
	lvl.is_long = strlen(domain) > SPF_NAME_MAX + 1 ||
	    (strlen(domain) == SPF_NAME_MAX + 1 &&
	    domain[SPF_NAME_MAX] != '.');
	lvl.is_included = is_included;
	ev->stack[ev->depth] = lvl.domain;
	if (spf_load(ev, &lvl, &res))
		res = spf_eval_record(ev, &lvl);
	if (ev->depth == 0 && lvl.rec != NULL) {
		spf_copy(out->record, sizeof(out->record), lvl.rec,
		    lvl.reclen);
		out->is_record_cut = lvl.reclen >= sizeof(out->record);
	}
	probe_dns_answer_free(&lvl.txt);
	return res;
}

/* The entry points. */

/*
 * The sender with "postmaster" for an empty local-part (RFC 7208 4.3);
 * a sender without "@" is taken as a domain.
 */
static void
spf_sender_set(struct spf_eval *ev, const char *sender)
{
	const char	*at = strrchr(sender, '@');
	const char	*dom = at != NULL ? at + 1 : sender;
	size_t		 local = at != NULL ? (size_t)(at - sender) : 0;

	if (local == 0) {
		/* Fits: dom is at most PROBE_SPF_INPUT_MAX bytes. */
		(void)snprintf(ev->sender, sizeof(ev->sender), "%s@%s",
		    SPF_POSTMASTER, dom);
		ev->local_len = strlen(SPF_POSTMASTER);
		return;
	}
	spf_copy(ev->sender, sizeof(ev->sender), sender, strlen(sender));
	ev->local_len = local;
}

/* Is one of the inputs unusable? Errors: PROBE_SPF_E_USAGE. */
static enum probe_spf_rc
spf_check_query(const struct probe_dns *dns, const struct probe_spf_query *q,
    char *errmsg, size_t errlen)
{
	const char	*in[] = { q->sender, q->helo, q->receiver,
			    q->domain };
	size_t		 i;

	if (dns == NULL || dns->ops == NULL) {
		probe_fmt(errmsg, errlen, "no DNS resolver to look up with");
		return PROBE_SPF_E_USAGE;
	}
	if (q->ip == NULL || q->domain == NULL || q->sender == NULL) {
		probe_fmt(errmsg, errlen, "SPF needs an address, a domain and "
		    "a sender");
		return PROBE_SPF_E_USAGE;
	}
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		if (in[i] != NULL && strlen(in[i]) > PROBE_SPF_INPUT_MAX) {
			probe_fmt(errmsg, errlen, "an SPF input is longer than "
			    "%d bytes", PROBE_SPF_INPUT_MAX);
			return PROBE_SPF_E_USAGE;
		}
	return PROBE_SPF_OK;
}

enum probe_spf_rc
probe_spf_check_host(const struct probe_dns *dns,
    const struct probe_spf_query *q, struct probe_spf_result *out,
    char *errmsg, size_t errlen)
{
	struct spf_eval		ev;
	enum probe_spf_rc	rc;

	memset(out, 0, sizeof(*out));
	rc = spf_check_query(dns, q, errmsg, errlen);
	if (rc != PROBE_SPF_OK)
		return rc;
	memset(&ev, 0, sizeof(ev));
	if (!spf_ip_parse(q->ip, &ev.ip)) {
		probe_fmt(errmsg, errlen, "\"%.64s\" is not an IP address",
		    q->ip);
		return PROBE_SPF_E_USAGE;
	}
	ev.dns = dns;
	ev.out = out;
	spf_sender_set(&ev, q->sender);
	ev.helo = q->helo != NULL ? q->helo : "";
	ev.receiver = q->receiver != NULL ? q->receiver : "unknown";
	ev.now = q->now != 0 ? q->now : (long long)time(NULL);
	spf_name_copy(out->checked, q->domain);
	out->res = spf_check(&ev, q->domain, false);
	if (out->res == PROBE_SPF_FAIL && out->explanation[0] == '\0' &&
	    q->default_exp != NULL)
		spf_copy(out->explanation, sizeof(out->explanation),
		    q->default_exp, strlen(q->default_exp));
	probe_dns_answer_free(&ev.names);
	probe_dns_answer_free(&ev.addrs);
	return PROBE_SPF_OK;
}

enum probe_spf_rc
probe_spf_check_mailfrom(const struct probe_dns *dns,
    const struct probe_spf_query *q, const char *mailfrom,
    struct probe_spf_result *out, char *errmsg, size_t errlen)
{
	struct probe_spf_query	 mq = *q;
	const char		*at;

	if (mailfrom == NULL || mailfrom[0] == '\0')
		return probe_spf_check_helo(dns, q, out, errmsg, errlen);
	at = strrchr(mailfrom, '@');
	mq.domain = at != NULL ? at + 1 : mailfrom;
	mq.sender = mailfrom;
	return probe_spf_check_host(dns, &mq, out, errmsg, errlen);
}

enum probe_spf_rc
probe_spf_check_helo(const struct probe_dns *dns,
    const struct probe_spf_query *q, struct probe_spf_result *out,
    char *errmsg, size_t errlen)
{
	struct probe_spf_query	mq = *q;

	if (q->helo == NULL) {
		memset(out, 0, sizeof(*out));
		probe_fmt(errmsg, errlen, "the HELO identity needs a HELO name");
		return PROBE_SPF_E_USAGE;
	}
	/* RFC 7208 2.3: the sender is postmaster@ the HELO name. */
	mq.domain = q->helo;
	mq.sender = q->helo;
	return probe_spf_check_host(dns, &mq, out, errmsg, errlen);
}
