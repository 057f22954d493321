/*
 * probe_dmarc - DMARC (RFC 7489) for a header From domain: find and parse
 * the policy record, find the organizational domain with the Public
 * Suffix List, and say whether SPF and DKIM identifiers would align.
 *
 * What it does: probe_dmarc_parse() reads one record's tag list (RFC
 * 7489 6.3, 6.4): v=DMARC1 first, p= required (and valid), then sp, pct,
 * adkim, aspf, rua, ruf, fo, rf, ri; unknown tags are ignored, as 6.3
 * asks. A known tag with a bad value (the seed article's "aspf=rvk") is
 * a warning and its default applies (6.3: "syntax errors in the
 * remainder of the record SHOULD be discarded in favor of default
 * values"). probe_dmarc_lookup() does policy discovery (6.6.3): TXT at
 * _dmarc.<From domain>, then at _dmarc.<organizational domain>; records
 * not starting with "v=DMARC1" are discarded; two or more that do mean
 * no policy applies. probe_dmarc_aligned() compares two domains in
 * relaxed or strict mode (3.1).
 *
 * The organizational domain (RFC 7489 3.2) comes from the Public Suffix
 * List as Debian's "publicsuffix" package installs it
 * (PROBE_DMARC_PSL_PATH), read and matched by libpsl, the library curl
 * and wget use. Why libpsl and not a matcher of our own: the list spells
 * internationalised rules in UTF-8 ("公司.cn") while mail domains arrive
 * as A-labels ("xn--55qx5d.cn"); libpsl indexes both spellings (with
 * libidn2), so mail.example.xn--55qx5d.cn gives example.xn--55qx5d.cn,
 * where our own matcher fell through to the default rule and said
 * xn--55qx5d.cn. It takes normal rules, wildcards ("*.ck") and
 * exceptions ("!www.ck"), the ICANN and the private sections alike.
 * When the file is absent, the last two labels are used and the result
 * says so (wrong for example.co.uk). A loaded list is read-only, so
 * threads may share it.
 *
 * What it does not do: evaluate SPF or DKIM (probe_spf, probe_dkim),
 * send or read reports, or decide what a result means for delivery.
 *
 * Limits: PROBE_DMARC_PSL_BYTES_MAX of list file and
 * PROBE_DMARC_PSL_RULES_MAX rules (more is PROBE_DMARC_E_LIMIT); a
 * record is parsed in place however long it is, its URIs kept up to
 * PROBE_DMARC_URI_MAX bytes (longer is cut and flagged), the record
 * text for the report up to PROBE_DMARC_RECORD_MAX.
 *
 * Errors (enum probe_dmarc_rc): PROBE_DMARC_E_IO (the list cannot be
 * read, other than being absent), PROBE_DMARC_E_LIMIT,
 * PROBE_DMARC_E_NOMEM; PROBE_DMARC_E_USAGE for an unusable domain.
 * errmsg gets one line in our words. A missing, malformed or duplicated
 * record is a result, not an error.
 */
#ifndef SMTPPROBE_PROBE_DMARC_H
#define SMTPPROBE_PROBE_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/dns/probe_dns.h"
#include "smtp/smtp_buf.h"

#define PROBE_DMARC_PSL_PATH "/usr/share/publicsuffix/public_suffix_list.dat"
/*
 * The same list compiled by the publicsuffix package (psl-make-dafsa):
 * libpsl reads it in well under a millisecond, where the text list costs
 * it about 10 ms of parsing and IDN conversion on every run. Used for
 * the default when present; --psl FILE takes either form.
 */
#define PROBE_DMARC_PSL_DAFSA "/usr/share/publicsuffix/public_suffix_list.dafsa"
/* The list is about 240 KB in 2024; four times that is still a list. */
#define PROBE_DMARC_PSL_BYTES_MAX	(1024 * 1024)
/* About 9,500 rules in 2024. */
#define PROBE_DMARC_PSL_RULES_MAX	65536
/* RFC 1035 2.3.4: 253 characters of text, and a NUL. */
#define PROBE_DMARC_DOMAIN_MAX	254
/* "_dmarc." and a domain. */
#define PROBE_DMARC_NAME_MAX	(PROBE_DMARC_DOMAIN_MAX + 7)
#define PROBE_DMARC_URI_MAX	512
#define PROBE_DMARC_RECORD_MAX	1024
#define PROBE_DMARC_REASON_MAX	256
/* fo= holds at most "0:1:d:s" and some room for junk we report. */
#define PROBE_DMARC_FO_MAX	16
/* RFC 7489 6.3: ri defaults to 86400; we accept up to a year. */
#define PROBE_DMARC_RI_DEFAULT	86400
#define PROBE_DMARC_RI_MAX	31536000

enum probe_dmarc_rc {
	PROBE_DMARC_OK = 0,
	PROBE_DMARC_E_USAGE,
	PROBE_DMARC_E_IO,
	PROBE_DMARC_E_LIMIT,
	PROBE_DMARC_E_NOMEM,
};

enum probe_dmarc_policy {
	PROBE_DMARC_P_NONE,
	PROBE_DMARC_P_QUARANTINE,
	PROBE_DMARC_P_REJECT,
	PROBE_DMARC_P_COUNT	/* not a policy: sizes the name table */
};

enum probe_dmarc_mode {
	PROBE_DMARC_RELAXED,	/* r: organizational domains match */
	PROBE_DMARC_STRICT,	/* s: the domains match exactly */
};

/* What policy discovery found (RFC 7489 6.6.3). */
enum probe_dmarc_status {
	PROBE_DMARC_FOUND,	/* one valid record */
	PROBE_DMARC_NONE,	/* no v=DMARC1 record at either name */
	PROBE_DMARC_MULTIPLE,	/* two or more: no policy applies */
	PROBE_DMARC_INVALID,	/* one record, unusable (no valid p=) */
	PROBE_DMARC_TEMPERROR,	/* DNS failed: cannot tell */
	PROBE_DMARC_STATUS_COUNT
};

/* One parsed record; holds no heap memory. */
struct probe_dmarc_record {
	bool			 is_valid;
	enum probe_dmarc_policy	 p;
	enum probe_dmarc_policy	 sp;		/* p when absent */
	bool			 has_sp;
	unsigned		 pct;		/* 0..100, default 100 */
	enum probe_dmarc_mode	 adkim;
	enum probe_dmarc_mode	 aspf;
	char			 rua[PROBE_DMARC_URI_MAX];
	char			 ruf[PROBE_DMARC_URI_MAX];
	bool			 is_uri_cut;
	char			 fo[PROBE_DMARC_FO_MAX];
	unsigned long		 ri;
	/* Why it is invalid, else "". */
	char			 reason[PROBE_DMARC_REASON_MAX];
	/* The first bad value ignored, else ""; nwarnings counts all. */
	char			 warning[PROBE_DMARC_REASON_MAX];
	unsigned		 nwarnings;
};

/* libpsl's list (psl_ctx_t), opaque here: only probe_dmarc.c uses it. */
struct psl_ctx_st;

/* The Public Suffix List in memory. Zero it or _init() it. */
struct probe_dmarc_psl {
	struct psl_ctx_st *ctx;		/* libpsl's, owned; NULL: none */
	size_t		 nrules;	/* rules and exceptions; 0 when the
					   list is a compiled DAFSA, which
					   does not count them */
	bool		 is_loaded;	/* false: the last two labels */
	char		 warning[PROBE_DMARC_REASON_MAX];
};

/* The outcome of probe_dmarc_lookup(); holds no heap memory. */
struct probe_dmarc_result {
	enum probe_dmarc_status	  status;
	char			  from_domain[PROBE_DMARC_DOMAIN_MAX];
	char			  org_domain[PROBE_DMARC_DOMAIN_MAX];
	bool			  is_org_guessed;	/* no list */
	/* Where the record was found (or last looked for). */
	char			  name[PROBE_DMARC_NAME_MAX];
	char			  text[PROBE_DMARC_RECORD_MAX];
	size_t			  text_len;	/* NUL bytes kept */
	bool			  is_text_cut;
	struct probe_dmarc_record record;
	char			  reason[PROBE_DMARC_REASON_MAX];
};

/* probe_dmarc_psl_init - an empty list (the same as zeroing it). */
void	probe_dmarc_psl_init(struct probe_dmarc_psl *psl);

/*
 * probe_dmarc_psl_load - read the list at path (NULL:
 * PROBE_DMARC_PSL_PATH) into psl (emptied first). A file that does not
 * exist is PROBE_DMARC_OK with psl->is_loaded false and psl->warning
 * set: the last-two-labels rule then applies. Free with
 * probe_dmarc_psl_free().
 * Errors: PROBE_DMARC_E_IO, PROBE_DMARC_E_LIMIT, PROBE_DMARC_E_NOMEM.
 */
enum probe_dmarc_rc probe_dmarc_psl_load(struct probe_dmarc_psl *psl,
		    const char *path, char *errmsg, size_t errlen);

/* probe_dmarc_psl_free - free and zero; safe on a zeroed list. */
void	probe_dmarc_psl_free(struct probe_dmarc_psl *psl);

/*
 * probe_dmarc_org_domain - the organizational domain of domain (RFC
 * 7489 3.2) into out (PROBE_DMARC_DOMAIN_MAX bytes), lowercase, no
 * trailing dot. A domain that is itself a public suffix is its own.
 * Borrows psl (an unloaded one uses the last two labels). Returns false
 * when domain is empty or longer than 253 characters.
 */
bool	probe_dmarc_org_domain(const struct probe_dmarc_psl *psl,
	    const char *domain, char *out, size_t outlen);

/*
 * probe_dmarc_aligned - do the identifiers a and b align (RFC 7489
 * 3.1)? Strict: equal, ignoring case and a trailing dot. Relaxed: the
 * same organizational domain.
 */
bool	probe_dmarc_aligned(const struct probe_dmarc_psl *psl,
	    const char *a, const char *b, enum probe_dmarc_mode mode);

/*
 * probe_dmarc_parse - parse the len bytes at text (NUL bytes allowed:
 * they make the record invalid) into *out (zeroed first). Returns
 * out->is_valid; when false, out->reason says why.
 */
bool	probe_dmarc_parse(const char *text, size_t len,
	    struct probe_dmarc_record *out);

/*
 * probe_dmarc_lookup - policy discovery for from_domain through dns,
 * with psl for the organizational domain. Fills *out (zeroed first).
 * Borrows all. Errors: PROBE_DMARC_E_USAGE (from_domain empty or too
 * long).
 */
enum probe_dmarc_rc probe_dmarc_lookup(const struct probe_dns *dns,
		    const struct probe_dmarc_psl *psl, const char *from_domain,
		    struct probe_dmarc_result *out, char *errmsg,
		    size_t errlen);

/* Stable lowercase tokens: "quarantine", "relaxed", "multiple". */
const char	*probe_dmarc_policy_name(enum probe_dmarc_policy p);
const char	*probe_dmarc_mode_name(enum probe_dmarc_mode m);
const char	*probe_dmarc_status_name(enum probe_dmarc_status s);

#endif
