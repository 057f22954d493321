/*
 * probe_bulk - the bulk-sender checklist. See probe_bulk.h.
 *
 * One small decider per line, each from the facts alone; the sources:
 * Gmail's "Email sender guidelines" (February 2024), Yahoo's "Sender
 * Best Practices" (February 2024), Microsoft's requirements for
 * high-volume senders to Outlook.com (May 2025).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe/auth/probe_bulk.h"
#include "smtp/smtp_data.h"

/* RFC 8058 3.1: the one value List-Unsubscribe-Post may have. */
#define BULK_ONE_CLICK		"List-Unsubscribe=One-Click"
/* What we keep of a List-Unsubscribe field to look for its https URI. */
#define BULK_FIELD_MAX		1024

struct bulk_rule_def {
	const char	*name;
	const char	*title;
};

static const struct bulk_rule_def bulk_rules[] = {
	[PROBE_BULK_SPF] = { "spf", "SPF passes (Gmail, Yahoo, Microsoft)" },
	[PROBE_BULK_DKIM] = { "dkim",
	    "DKIM signature with the published key (Gmail, Yahoo, Microsoft)" },
	[PROBE_BULK_DMARC] = { "dmarc",
	    "DMARC record, at least p=none (Gmail, Yahoo, Microsoft)" },
	[PROBE_BULK_ALIGNMENT] = { "alignment",
	    "From: aligned with SPF or DKIM (Gmail, Yahoo, Microsoft)" },
	[PROBE_BULK_FCRDNS] = { "fcrdns",
	    "forward-confirmed reverse DNS (Gmail, Yahoo)" },
	[PROBE_BULK_TLS] = { "tls", "sent over TLS (Gmail)" },
	[PROBE_BULK_FORMAT] = { "format",
	    "RFC 5322 message format (Gmail, Yahoo)" },
	[PROBE_BULK_UNSUBSCRIBE] = { "unsubscribe",
	    "one-click unsubscribe, RFC 8058, signed (Gmail, Yahoo, "
	    "Microsoft)" },
	[PROBE_BULK_COMPLAINTS] = { "complaints",
	    "spam complaints under 0.3% (Gmail, Yahoo)" },
};
_Static_assert(sizeof(bulk_rules) / sizeof(bulk_rules[0]) ==
    PROBE_BULK_RULE_COUNT, "each rule needs a row");

static const char *const bulk_status_names[] = {
	[PROBE_BULK_PASS] = "pass",
	[PROBE_BULK_FAIL] = "fail",
	[PROBE_BULK_UNKNOWN] = "unknown",
};
_Static_assert(sizeof(bulk_status_names) / sizeof(bulk_status_names[0]) ==
    PROBE_BULK_STATUS_COUNT, "each status needs a name");

#define BULK_RUN_SEND	"unknown until a probe sends: run smtpprobe send"

const char *
probe_bulk_rule_name(enum probe_bulk_rule r)
{
	return r < PROBE_BULK_RULE_COUNT ? bulk_rules[r].name : "?";
}

const char *
probe_bulk_rule_title(enum probe_bulk_rule r)
{
	return r < PROBE_BULK_RULE_COUNT ? bulk_rules[r].title : "?";
}

const char *
probe_bulk_status_name(enum probe_bulk_status s)
{
	return s < PROBE_BULK_STATUS_COUNT ? bulk_status_names[s] : "?";
}

/* Set a line: its status, its evidence and (unless NULL) its fix. */
__attribute__((format(printf, 4, 5)))
static void
bulk_set(struct probe_bulk_line *l, enum probe_bulk_status st,
    const char *fix, const char *fmt, ...)
{
	va_list ap;

	l->status = st;
	va_start(ap, fmt);
	(void)vsnprintf(l->evidence, sizeof(l->evidence), fmt, ap);
	va_end(ap);
	(void)snprintf(l->fix, sizeof(l->fix), "%s", fix != NULL ? fix : "");
}

/* ---- from DNS ---- */

static void
bulk_spf(const struct probe_check_result *c, struct probe_bulk_line *l)
{
	char fix[PROBE_BULK_TEXT_MAX];
	const char *res = probe_spf_res_name(c->spf.res);

	if (c->spf.res == PROBE_SPF_PASS) {
		bulk_set(l, PROBE_BULK_PASS, NULL, "SPF for %s from %s: pass "
		    "(%s)", c->mail_domain, c->source, c->spf.mechanism);
		return;
	}
	if (c->spf.res == PROBE_SPF_TEMPERROR) {
		bulk_set(l, PROBE_BULK_UNKNOWN, "run it again; if it lasts, "
		    "check that the SPF record's DNS servers answer", "SPF for "
		    "%s from %s: temperror (%s)", c->mail_domain, c->source,
		    c->spf.reason);
		return;
	}
	(void)snprintf(fix, sizeof(fix), "publish one SPF record at %s that "
	    "lists %s (e.g. \"ip%c:%s\" before the all term)",
	    c->mail_domain, c->source, strchr(c->source, ':') ? '6' : '4',
	    c->source);
	bulk_set(l, PROBE_BULK_FAIL, fix, "SPF for %s from %s: %s (%s)",
	    c->mail_domain, c->source, res, c->spf.reason);
}

static void
bulk_dmarc(const struct probe_check_result *c, struct probe_bulk_line *l)
{
	const struct probe_dmarc_result *d = &c->dmarc;
	char fix[PROBE_BULK_TEXT_MAX];

	(void)snprintf(fix, sizeof(fix), "publish one TXT record at _dmarc.%s:"
	    " \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" (p=none is enough; "
	    "tighten it once the reports are clean)", d->org_domain[0] ?
	    d->org_domain : c->from_domain, d->org_domain[0] ? d->org_domain :
	    c->from_domain);
	switch (d->status) {
	case PROBE_DMARC_FOUND:
		bulk_set(l, PROBE_BULK_PASS, NULL, "%s: p=%s", d->name,
		    probe_dmarc_policy_name(d->record.p));
		return;
	case PROBE_DMARC_TEMPERROR:
		bulk_set(l, PROBE_BULK_UNKNOWN, "run it again", "DMARC for %s: "
		    "DNS did not answer (%s)", c->from_domain, d->reason);
		return;
	default:
		bulk_set(l, PROBE_BULK_FAIL, fix, "DMARC for %s: %s (%s)",
		    c->from_domain, probe_dmarc_status_name(d->status),
		    d->reason);
		return;
	}
}

static void
bulk_fcrdns(const struct probe_check_result *c, struct probe_bulk_line *l)
{
	const struct probe_ptr_result *p = &c->ptr;
	char fix[PROBE_BULK_TEXT_MAX];

	(void)snprintf(fix, sizeof(fix), "ask whoever holds %s (your hosting "
	    "or network provider) for a PTR record naming a host whose A/AAAA "
	    "record is %s; use that name as the HELO name", c->source,
	    c->source);
	switch (p->status) {
	case PROBE_PTR_CONFIRMED:
		bulk_set(l, PROBE_BULK_PASS, NULL, "%s -> %s -> %s", c->source,
		    p->names[p->confirmed].name, c->source);
		return;
	case PROBE_PTR_TEMPERROR:
		bulk_set(l, PROBE_BULK_UNKNOWN, "run it again", "PTR of %s: "
		    "DNS did not answer (%s)", c->source, p->reason);
		return;
	default:
		bulk_set(l, PROBE_BULK_FAIL, fix, "PTR of %s: %s (%s)",
		    c->source, probe_ptr_status_name(p->status), p->reason);
		return;
	}
}

/* The published key's state, when it decides the line; else false. */
static bool
bulk_dkim_key_bad(const struct probe_check_result *c,
    struct probe_bulk_line *l)
{
	char fix[PROBE_BULK_TEXT_MAX];

	if (c->dkim.level == PROBE_DKIM_TEMPERROR) {
		bulk_set(l, PROBE_BULK_UNKNOWN, "run it again", "the key at %s:"
		    " DNS did not answer (%s)", c->dkim.name, c->dkim.reason);
		return true;
	}
	if (c->dkim.level != PROBE_DKIM_BAD)
		return false;
	(void)snprintf(fix, sizeof(fix), "publish the public key of your "
	    "signing key at %s (opendkim-genkey and rspamd print the record)",
	    c->dkim.name);
	bulk_set(l, PROBE_BULK_FAIL, fix, "the key at %s: %s", c->dkim.name,
	    c->dkim.reason);
	return true;
}

static void
bulk_dkim(const struct probe_bulk_facts *f, struct probe_bulk_line *l)
{
	const struct probe_check_result *c = f->check;

	if (f->has_probe && !f->is_signed) {
		bulk_set(l, PROBE_BULK_FAIL, "sign as your mail is signed: "
		    "send --dkim-key FILE --dkim-selector S (and have your "
		    "MTA or ESP sign every message)", "the probe's message "
		    "carries no DKIM signature");
		return;
	}
	if (!c->has_dkim) {
		bulk_set(l, PROBE_BULK_UNKNOWN, "give --dkim-selector S",
		    "no selector given: no key was looked up");
		return;
	}
	if (bulk_dkim_key_bad(c, l))
		return;
	if (!f->has_probe) {
		bulk_set(l, PROBE_BULK_UNKNOWN, NULL, "the key at %s is "
		    "published (%u "
		    "bits); whether the mail is signed with it is %s",
		    c->dkim.name, c->dkim.key.bits, BULK_RUN_SEND);
		(void)snprintf(l->fix, sizeof(l->fix), "run smtpprobe send "
		    "--dkim-key FILE --dkim-selector %s", c->selector);
		return;
	}
	if (c->has_sign_key && !c->is_key_match) {
		bulk_set(l, PROBE_BULK_FAIL, "sign with the private key of the "
		    "published record, or publish the public half of yours",
		    "signed, but the key at %s is not the one the probe signed "
		    "with", c->dkim.name);
		return;
	}
	bulk_set(l, PROBE_BULK_PASS, NULL, "signed d=%s s=%s; the key at %s "
	    "matches (%u bits)", c->dkim_domain, c->selector, c->dkim.name,
	    c->dkim.key.bits);
}

static void
bulk_alignment(const struct probe_bulk_facts *f, struct probe_bulk_line *l)
{
	const struct probe_check_result *c = f->check;
	char fix[PROBE_BULK_TEXT_MAX];

	(void)snprintf(fix, sizeof(fix), "send with a MAIL FROM in %s whose "
	    "SPF passes, or sign with d=%s (DMARC, RFC 7489 3.1)",
	    c->from_domain, c->from_domain);
	if (c->align.spf_passes) {
		bulk_set(l, PROBE_BULK_PASS, NULL, "SPF passes for %s, aligned "
		    "with From: %s", c->mail_domain, c->from_domain);
		return;
	}
	if (f->has_probe && c->align.dkim_passes) {
		bulk_set(l, PROBE_BULK_PASS, NULL, "DKIM d=%s passes, aligned "
		    "with From: %s", c->dkim_domain, c->from_domain);
		return;
	}
	if (!f->has_probe && (!c->has_dkim || c->align.dkim_passes)) {
		bulk_set(l, PROBE_BULK_UNKNOWN, fix, "SPF does not pass "
		    "aligned with From: %s; DKIM alignment is %s",
		    c->from_domain, BULK_RUN_SEND);
		return;
	}
	bulk_set(l, PROBE_BULK_FAIL, fix, "neither SPF (%s for %s) nor DKIM "
	    "passes aligned with From: %s", probe_spf_res_name(c->spf.res),
	    c->mail_domain, c->from_domain);
}

static void
bulk_tls(const struct probe_bulk_facts *f, struct probe_bulk_line *l)
{
	if (!f->has_probe) {
		bulk_set(l, PROBE_BULK_UNKNOWN, NULL, "%s", BULK_RUN_SEND);
		return;
	}
	if (!f->has_session) {
		bulk_set(l, PROBE_BULK_UNKNOWN, "run send again once a server "
		    "answers", "the probe reached no server");
		return;
	}
	if (f->is_tls) {
		bulk_set(l, PROBE_BULK_PASS, NULL, "the probe's session used "
		    "%s", f->tls_version);
		return;
	}
	bulk_set(l, PROBE_BULK_FAIL, "send over STARTTLS (RFC 3207): the "
	    "probe follows --starttls; your MTA should use opportunistic TLS "
	    "(Postfix: smtp_tls_security_level = may)", "the probe's session "
	    "was plain text");
}

static void
bulk_complaints(struct probe_bulk_line *l)
{
	bulk_set(l, PROBE_BULK_UNKNOWN, "watch Gmail Postmaster Tools, Yahoo "
	    "Sender Hub and Microsoft SNDS; keep it under 0.1%",
	    "cannot be measured from outside: only the mailbox providers see "
	    "spam complaints");
}

/* ---- from the message the probe sent ---- */

/* What the checklist needs of a message's header. */
struct bulk_msg {
	unsigned	nfrom, ndate, nmsgid;
	size_t		longest;	/* the longest line, header or body */
	bool		has_bad_line;	/* neither a field nor a fold */
	bool		has_lu, has_lup;
	char		lu[BULK_FIELD_MAX];	/* List-Unsubscribe */
	char		lup[BULK_FIELD_MAX];	/* List-Unsubscribe-Post */
	char		*cur;		/* the kept field being read, or NULL */
};

static bool
bulk_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Append s[0..n) to the NUL-terminated dst of size cap, cut at cap. */
static void
bulk_keep(char *dst, size_t cap, const char *s, size_t n)
{
	size_t have = strlen(dst);

	if (have + 1 >= cap)
		return;
	if (n > cap - have - 1)
		n = cap - have - 1;
	memcpy(dst + have, s, n);
	dst[have + n] = '\0';
}

static bool
bulk_name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* One header line that is not a fold: count it, keep what we need. */
static void
bulk_msg_field(struct bulk_msg *m, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	size_t nlen;

	m->cur = NULL;
	if (colon == NULL || colon == line) {
		m->has_bad_line = true;
		return;
	}
	nlen = (size_t)(colon - line);
	if (bulk_name_is(line, nlen, "from"))
		m->nfrom++;
	else if (bulk_name_is(line, nlen, "date"))
		m->ndate++;
	else if (bulk_name_is(line, nlen, "message-id"))
		m->nmsgid++;
	else if (bulk_name_is(line, nlen, "list-unsubscribe") && !m->has_lu) {
		m->has_lu = true;
		m->cur = m->lu;
	} else if (bulk_name_is(line, nlen, "list-unsubscribe-post") &&
	    !m->has_lup) {
		m->has_lup = true;
		m->cur = m->lup;
	}
	if (m->cur != NULL)
		bulk_keep(m->cur, BULK_FIELD_MAX, colon + 1, n - nlen - 1);
}

static void
bulk_msg_scan(const char *msg, size_t len, struct bulk_msg *m)
{
	const char *line;
	size_t pos = 0, n;
	bool in_body = false;

	memset(m, 0, sizeof(*m));
	while (smtp_data_line_next(msg, len, &pos, &line, &n)) {
		if (n > m->longest)
			m->longest = n;
		if (in_body)
			continue;
		if (n == 0)
			in_body = true;
		else if (bulk_is_wsp(line[0]) && m->cur != NULL)
			bulk_keep(m->cur, BULK_FIELD_MAX, line, n);
		else if (!bulk_is_wsp(line[0]))
			bulk_msg_field(m, line, n);
	}
}

/* The value without the white space around it, in place. */
static const char *
bulk_trim(char *s)
{
	size_t n;

	while (bulk_is_wsp(*s))
		s++;
	n = strlen(s);
	while (n > 0 && bulk_is_wsp(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void
bulk_format(const struct bulk_msg *m, struct probe_bulk_line *l)
{
	bool is_ok = m->nfrom == 1 && m->ndate == 1 && m->nmsgid == 1 &&
	    m->longest <= PROBE_BULK_LINE_MAX && !m->has_bad_line;

	if (is_ok) {
		bulk_set(l, PROBE_BULK_PASS, NULL, "one From, one Date, one "
		    "Message-ID; the longest line has %zu characters",
		    m->longest);
		return;
	}
	bulk_set(l, PROBE_BULK_FAIL, "give every message exactly one From, "
	    "Date and Message-ID (RFC 5322 3.6), header lines that are fields "
	    "or folds, and lines of at most 998 characters (RFC 5322 2.1.1)",
	    "%u From, %u Date, %u Message-ID; the longest line has %zu "
	    "characters%s", m->nfrom, m->ndate, m->nmsgid, m->longest,
	    m->has_bad_line ? "; a header line is no field" : "");
}

/* Whether h= (names joined by ':') names field, in any case. */
static bool
bulk_h_has(const char *h, const char *field)
{
	const char *end;
	size_t n;

	while (*h != '\0') {
		while (bulk_is_wsp(*h))
			h++;
		end = strchr(h, ':');
		n = end != NULL ? (size_t)(end - h) : strlen(h);
		while (n > 0 && bulk_is_wsp(h[n - 1]))
			n--;
		if (bulk_name_is(h, n, field))
			return true;
		if (end == NULL)
			break;
		h = end + 1;
	}
	return false;
}

#define BULK_UNSUB_FIX	"send --list-unsubscribe https://... adds both " \
	"fields (RFC 8058), and --dkim-key signs them; your own mail needs " \
	"the same two fields, covered by its DKIM signature"

static void
bulk_unsubscribe(const struct probe_bulk_facts *f, struct bulk_msg *m,
    struct probe_bulk_line *l)
{
	const char *lu = bulk_trim(m->lu), *lup = bulk_trim(m->lup);
	const char *h = f->signed_h != NULL ? f->signed_h : "";

	if (!m->has_lu) {
		bulk_set(l, PROBE_BULK_FAIL, BULK_UNSUB_FIX, "no "
		    "List-Unsubscribe field");
		return;
	}
	if (strcasestr(lu, "<https:") == NULL) {
		bulk_set(l, PROBE_BULK_FAIL, BULK_UNSUB_FIX, "List-Unsubscribe "
		    "has no https URI (RFC 8058 3.1): %s", lu);
		return;
	}
	if (!m->has_lup || strcmp(lup, BULK_ONE_CLICK) != 0) {
		bulk_set(l, PROBE_BULK_FAIL, BULK_UNSUB_FIX, "List-Unsubscribe-"
		    "Post is %s%s, not \"%s\"", m->has_lup ? "" : "missing",
		    lup, BULK_ONE_CLICK);
		return;
	}
	if (!f->is_signed || !bulk_h_has(h, "list-unsubscribe") ||
	    !bulk_h_has(h, "list-unsubscribe-post")) {
		bulk_set(l, PROBE_BULK_FAIL, BULK_UNSUB_FIX, "both fields are "
		    "there, but the DKIM signature does not cover them (%s%s)",
		    f->is_signed ? "h=" : "unsigned", f->is_signed ? h : "");
		return;
	}
	bulk_set(l, PROBE_BULK_PASS, NULL, "List-Unsubscribe: %s and "
	    "List-Unsubscribe-Post: %s, both signed", lu, lup);
}

/* ---- the checklist ---- */

void
probe_bulk_decide(const struct probe_bulk_facts *f,
    struct probe_bulk_list *out)
{
	struct bulk_msg m;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->is_from_probe = f->has_probe;
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++)
		out->lines[i].rule = (enum probe_bulk_rule)i;
	bulk_spf(f->check, &out->lines[PROBE_BULK_SPF]);
	bulk_dkim(f, &out->lines[PROBE_BULK_DKIM]);
	bulk_dmarc(f->check, &out->lines[PROBE_BULK_DMARC]);
	bulk_alignment(f, &out->lines[PROBE_BULK_ALIGNMENT]);
	bulk_fcrdns(f->check, &out->lines[PROBE_BULK_FCRDNS]);
	bulk_tls(f, &out->lines[PROBE_BULK_TLS]);
	if (f->has_probe && f->message != NULL) {
		bulk_msg_scan(f->message, f->message_len, &m);
		bulk_format(&m, &out->lines[PROBE_BULK_FORMAT]);
		bulk_unsubscribe(f, &m, &out->lines[PROBE_BULK_UNSUBSCRIBE]);
	} else {
		bulk_set(&out->lines[PROBE_BULK_FORMAT], PROBE_BULK_UNKNOWN,
		    NULL, "%s", BULK_RUN_SEND);
		bulk_set(&out->lines[PROBE_BULK_UNSUBSCRIBE],
		    PROBE_BULK_UNKNOWN, "send --list-unsubscribe URL "
		    "--dkim-key FILE", "%s", BULK_RUN_SEND);
	}
	bulk_complaints(&out->lines[PROBE_BULK_COMPLAINTS]);
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++)
		out->count[out->lines[i].status]++;
}
