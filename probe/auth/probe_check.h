/*
 * probe_check - "will Gmail accept mail from this sending path?" answered
 * from DNS alone: SPF, DMARC, DKIM key, PTR, the usual publishing
 * mistakes, and a predicted verdict for Gmail's 2024 sender rules.
 *
 * What it does: probe_check_run() evaluates SPF (probe_spf) for the
 * source address and the MAIL FROM domain (and the HELO name when
 * given), finds the DMARC record of the header From domain (probe_dmarc)
 * and whether SPF and DKIM identifiers align with it, reads the DKIM key
 * at SELECTOR._domainkey.<header From domain> when a selector is given
 * (we assume the signer uses d=<header From domain>), checks PTR and
 * forward-confirmed reverse DNS (probe_ptr), and looks for the mistakes
 * the seed articles warn about (enum probe_check_mistake_id). Then
 * probe_check_decide() predicts Gmail's verdict from those facts alone.
 * What it does not do: connect to anything but the resolver, see a real
 * message (so no signature is verified: a usable key is taken to mean
 * DKIM would pass), know the sending volume (the bulk-sender rules are
 * warnings), or render (probe_check_report does).
 *
 * The prediction (Gmail's sender guidelines, 2024), worst level wins:
 * - SPF or DKIM must pass: neither is a fail; only DKIM is a warning;
 *   a DNS temperror that hides the answer is a warning.
 * - PTR with forward confirmation is required: none, or names that do
 *   not resolve back, is a fail (550-5.7.25); a temperror a warning.
 * - DMARC: a record is required of bulk senders (no, invalid or several
 *   records: warning); with a record whose p (or sp) is reject or
 *   quarantine and neither SPF nor DKIM aligned and passing: fail;
 *   with p=none and no alignment: warning (bulk senders must align).
 * - A DKIM key under 2048 bits or in test mode, or an unusable key while
 *   SPF passes: warning.
 *
 * Limits: PROBE_CHECK_MISTAKES_MAX mistakes and PROBE_CHECK_CAUSES_MAX
 * causes are kept (more are counted); texts are cut at their sizes.
 * Every lookup goes through the resolver interface, whose
 * implementation owns the deadline: a check cannot hang here. A check
 * makes at most a few hundred queries (SPF's bound, twice, and about a
 * dozen of its own plus PROBE_PTR_NAMES_MAX).
 *
 * Errors (enum probe_check_rc): PROBE_CHECK_E_USAGE (an address, domain
 * or selector that cannot be checked). errmsg gets one line in our
 * words. Every DNS outcome is a result.
 */
#ifndef SMTPPROBE_PROBE_CHECK_H
#define SMTPPROBE_PROBE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/auth/probe_dkim.h"
#include "probe/auth/probe_dmarc.h"
#include "probe/dns/probe_dns.h"
#include "probe/dns/probe_ptr.h"
#include "probe/auth/probe_spf.h"

/* Each mistake kind at most twice; room to spare. */
#define PROBE_CHECK_MISTAKES_MAX	16
/* One cause per rule above, with room to spare. */
#define PROBE_CHECK_CAUSES_MAX		12
#define PROBE_CHECK_DETAIL_MAX		512
#define PROBE_CHECK_TEXT_MAX		512
/* RFC 1035 2.3.4: 253 characters of text, and a NUL. */
#define PROBE_CHECK_DOMAIN_MAX		254
#define PROBE_CHECK_ERR_MAX		256

enum probe_check_rc {
	PROBE_CHECK_OK = 0,
	PROBE_CHECK_E_USAGE,
};

enum probe_check_level {
	PROBE_CHECK_PASS,
	PROBE_CHECK_WARN,
	PROBE_CHECK_FAIL,
	PROBE_CHECK_LEVEL_COUNT
};

/* The mistakes; each has a stable token (probe_check_mistake_name). */
enum probe_check_mistake_id {
	PROBE_CHECK_M_SPF_DOUBLED_NAME,	/* at example.com.example.com */
	PROBE_CHECK_M_SPF_QUOTED,	/* quotes inside the TXT value */
	PROBE_CHECK_M_SPF_MULTIPLE,	/* two v=spf1 records */
	PROBE_CHECK_M_SPF_NO_PROVIDER,	/* MX at Google, no its include */
	PROBE_CHECK_M_SPF_SOFTFAIL_ALL,	/* ~all */
	PROBE_CHECK_M_SPF_HARDFAIL_ALL,	/* -all and this IP unlisted */
	PROBE_CHECK_M_SPF_PASS_ALL,	/* +all: anyone may send */
	PROBE_CHECK_M_DMARC_DOUBLED_NAME, /* _dmarc.example.com.example.com */
	PROBE_CHECK_M_DMARC_BARE_DOMAIN, /* v=DMARC1 at the domain itself */
	PROBE_CHECK_M_DMARC_BAD_VALUE,	/* "aspf=rvk" */
	PROBE_CHECK_M_COUNT
};

/* The causes of a prediction; stable tokens (probe_check_cause_name). */
enum probe_check_cause_id {
	PROBE_CHECK_C_NOT_AUTHENTICATED,
	PROBE_CHECK_C_AUTH_TEMPERROR,
	PROBE_CHECK_C_SPF_NOT_PASS,
	PROBE_CHECK_C_DKIM_WEAK,
	PROBE_CHECK_C_DKIM_UNUSABLE,
	PROBE_CHECK_C_PTR_MISSING,
	PROBE_CHECK_C_PTR_UNCONFIRMED,
	PROBE_CHECK_C_PTR_TEMPERROR,
	PROBE_CHECK_C_DMARC_MISSING,
	PROBE_CHECK_C_DMARC_POLICY,
	PROBE_CHECK_C_DMARC_NOT_ALIGNED,
	PROBE_CHECK_C_DKIM_KEY_MISMATCH,
	PROBE_CHECK_C_COUNT
};

struct probe_check_opts {
	const char			*mail_from;	/* required */
	const char			*header_from;	/* or mail_from */
	const char			*source;	/* required: IP */
	const char			*helo;		/* or unchecked */
	const char			*dkim_selector;	/* or no DKIM */
	/*
	 * The message judged carries no DKIM signature (smtpprobe send's
	 * own test message): a published key then passes nothing, and
	 * the prediction rests on SPF alone.
	 */
	bool				 is_unsigned;
	/* d= of the signature; NULL: the header From domain. */
	const char			*dkim_domain;
	/*
	 * The key the probe signs with (tls_key's id: the RSAPublicKey DER
	 * or the 32 Ed25519 bytes), to compare with the published one;
	 * NULL when the message is unsigned or the key is not known.
	 */
	const unsigned char		*sign_key_id;
	size_t				 sign_key_id_len;
	unsigned			 sign_key_bits;
	const struct probe_dmarc_psl	*psl;		/* required */
};

struct probe_check_mistake {
	enum probe_check_mistake_id	id;
	char				detail[PROBE_CHECK_DETAIL_MAX];
	char				fix[PROBE_CHECK_TEXT_MAX];
};

struct probe_check_cause {
	enum probe_check_level		level;
	enum probe_check_cause_id	id;
	char				text[PROBE_CHECK_TEXT_MAX];
	char				fix[PROBE_CHECK_TEXT_MAX];
};

struct probe_check_predicted {
	enum probe_check_level		level;
	struct probe_check_cause	causes[PROBE_CHECK_CAUSES_MAX];
	size_t				ncauses;
	size_t				causes_dropped;
};

/* RFC 7489 3.1 identifier alignment, and what DMARC would conclude. */
struct probe_check_align {
	bool	spf_relaxed;	/* MAIL FROM domain vs header From */
	bool	spf_strict;
	bool	dkim_relaxed;	/* d= (taken as header From) vs it */
	bool	dkim_strict;
	bool	spf_passes;	/* SPF pass, aligned in the aspf mode */
	bool	dkim_passes;	/* a usable key, aligned in adkim */
};

/* Everything a check found; large (SPF traces), so not on a stack. */
struct probe_check_result {
	char				 mail_from[PROBE_SPF_INPUT_MAX];
	char			mail_domain[PROBE_CHECK_DOMAIN_MAX];
	char			from_domain[PROBE_CHECK_DOMAIN_MAX];
	char				 source[PROBE_PTR_IP_MAX];
	char				 helo[PROBE_CHECK_DOMAIN_MAX];
	struct probe_spf_result		 spf;
	bool				 has_helo;
	struct probe_spf_result		 spf_helo;
	struct probe_dmarc_result	 dmarc;
	struct probe_check_align	 align;
	bool				 has_dkim;
	bool				 is_unsigned;	/* opts' */
	char				 selector[PROBE_CHECK_DOMAIN_MAX];
	char			dkim_domain[PROBE_CHECK_DOMAIN_MAX];	/* d= */
	bool				 has_sign_key;	/* opts gave one */
	bool				 is_key_match;	/* it is the published */
	unsigned			 sign_key_bits;
	struct probe_dkim_result	 dkim;
	struct probe_ptr_result		 ptr;
	struct probe_check_mistake	 mistakes[PROBE_CHECK_MISTAKES_MAX];
	size_t				 nmistakes;
	size_t				 mistakes_dropped;
	struct probe_check_predicted	 predicted;
};

/*
 * probe_check_run - every check of one sending path through dns into
 * *out (zeroed first), ending with probe_check_decide(). Borrows dns and
 * opts. Errors: PROBE_CHECK_E_USAGE.
 */
enum probe_check_rc probe_check_run(const struct probe_dns *dns,
		    const struct probe_check_opts *opts,
		    struct probe_check_result *out, char *errmsg,
		    size_t errlen);

/*
 * probe_check_decide - the predicted Gmail verdict (rules above) from
 * the facts in r, into *p (zeroed first). Pure: no I/O.
 */
void	probe_check_decide(const struct probe_check_result *r,
	    struct probe_check_predicted *p);

/* Stable lowercase tokens: "pass", "spf_quoted", "ptr_missing". */
const char	*probe_check_level_name(enum probe_check_level l);
const char	*probe_check_mistake_name(enum probe_check_mistake_id id);
const char	*probe_check_cause_name(enum probe_check_cause_id id);

#endif
