/*
 * probe_verdict - pass, tempfail, fail or error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe/auth/probe_bulk.h"
#include "probe/auth/probe_check.h"
#include "probe/verdict/probe_cell.h"
#include "probe/verdict/probe_verdict.h"

static const char *const probe_verdict_names[] = {
	[PROBE_VERDICT_PASS] = "pass",
	[PROBE_VERDICT_TEMPFAIL] = "tempfail",
	[PROBE_VERDICT_FAIL] = "fail",
	[PROBE_VERDICT_ERROR] = "error",
};
_Static_assert(sizeof(probe_verdict_names) / sizeof(probe_verdict_names[0])
    == PROBE_VERDICT_COUNT, "each verdict needs a name");

const char *
probe_verdict_name(enum probe_verdict v)
{
	if ((unsigned)v >= PROBE_VERDICT_COUNT)
		return "error";
	return probe_verdict_names[v];
}

/* What an error of ours (no reply decided) means for delivery. */
static enum probe_verdict
probe_verdict_of_rc(enum smtp_rc rc)
{
	switch (rc) {
	case SMTP_OK:
		return PROBE_VERDICT_PASS;
	case SMTP_E_NOTLS:
	/*
	 * RFC 6531 3.4: the mail cannot go to this server; an MTA bounces
	 * it (Postfix 5.6.7). Like a missing STARTTLS, another MX may do.
	 */
	case SMTP_E_NOUTF8:
	case SMTP_E_TLS:
	case SMTP_E_TLS_VERIFY:
	/* A security finding: the path to this MX is not safe for mail. */
	case SMTP_E_STARTTLS_INJECTION:
		return PROBE_VERDICT_FAIL;
	case SMTP_E_CONNECT:
	case SMTP_E_IO:
	case SMTP_E_TIMEOUT:
	case SMTP_E_PROTO:
	case SMTP_E_LIMIT:
	/* A port or server set up for implicit TLS: not this path's fault. */
	case SMTP_E_TLS_PLAIN_PORT:
		return PROBE_VERDICT_TEMPFAIL;
	default:
		return PROBE_VERDICT_ERROR;
	}
}

enum probe_verdict
probe_verdict_attempt_decide(const struct smtp_dialog *d)
{
	const struct smtp_step *final = smtp_dialog_final(d);

	/*
	 * A failed handshake under --starttls opportunistic: an MTA would
	 * go on in clear or defer, never bounce (probe_run retries in
	 * clear, and that attempt tells the rest).
	 */
	if (d->err.rc == SMTP_E_TLS && d->opts != NULL &&
	    d->opts->starttls == SMTP_STARTTLS_OPPORTUNISTIC)
		return PROBE_VERDICT_TEMPFAIL;
	if (d->err.rc != SMTP_OK)
		return probe_verdict_of_rc(d->err.rc);
	if (d->is_accepted)
		return PROBE_VERDICT_PASS;
	if (final == NULL)
		return PROBE_VERDICT_ERROR;
	switch (final->reply.code / 100) {
	case 4:
		return PROBE_VERDICT_TEMPFAIL;
	case 5:
		return PROBE_VERDICT_FAIL;
	default:
		/* A refusal with a 2xx/3xx in the wrong place: do not pass. */
		return PROBE_VERDICT_TEMPFAIL;
	}
}

bool
probe_verdict_is_definitive(const struct smtp_dialog *d)
{
	const struct smtp_step *final = smtp_dialog_final(d);

	/*
	 * STARTTLS injection is definitive: moving on to the next MX as if
	 * the connection had merely failed would hide the finding.
	 */
	if (d->err.rc == SMTP_E_STARTTLS_INJECTION)
		return true;
	if (d->err.rc != SMTP_OK)
		return probe_verdict_of_rc(d->err.rc) == PROBE_VERDICT_ERROR;
	if (d->is_accepted)
		return true;
	return final != NULL && final->reply.code / 100 == 5;
}

enum probe_verdict
probe_verdict_dns_decide(enum probe_mx_status status)
{
	switch (status) {
	case PROBE_MX_FOUND:
	case PROBE_MX_IMPLICIT:
		return PROBE_VERDICT_PASS;
	case PROBE_MX_NULL:
	case PROBE_MX_NXDOMAIN:
	case PROBE_MX_NODATA:
	/* An MTA bounces it too (Postfix: 5.4.6 "loops back to myself"). */
	case PROBE_MX_LOOPBACK:
		return PROBE_VERDICT_FAIL;
	default:
		return PROBE_VERDICT_TEMPFAIL;
	}
}

enum probe_verdict
probe_verdict_probe(const enum probe_verdict *v, size_t n,
    bool last_is_definitive, size_t *decided)
{
	enum probe_verdict worst = PROBE_VERDICT_PASS;
	size_t i;

	if (decided != NULL)
		*decided = SIZE_MAX;
	if (n == 0)
		return PROBE_VERDICT_TEMPFAIL;
	if (last_is_definitive)
		worst = v[n - 1];
	else
		for (i = 0; i < n; i++)
			if (v[i] > worst)	/* ordered by severity */
				worst = v[i];
	if (decided != NULL) {
		i = n;
		while (i > 1 && v[i - 1] != worst)
			i--;
		*decided = i - 1;
	}
	return worst;
}

bool
probe_verdict_cell_has_run(const struct probe_cell *c)
{
	if (!c->is_done)
		return false;
	return !(c->verdict == PROBE_VERDICT_ERROR && c->error[0] != '\0');
}

enum probe_verdict
probe_verdict_cell(const struct probe_cell *c)
{
	if (!probe_verdict_cell_has_run(c) ||
	    (unsigned)c->verdict >= PROBE_VERDICT_COUNT)
		return PROBE_VERDICT_ERROR;
	return c->verdict;
}

/* Rank in a run: the Monitoring Plugins' max_state_alt order. */
static int
probe_verdict_run_rank(enum probe_verdict v)
{
	switch (v) {
	case PROBE_VERDICT_PASS:
		return 0;
	case PROBE_VERDICT_ERROR:
		return 1;
	case PROBE_VERDICT_TEMPFAIL:
		return 2;
	default:
		return 3;	/* fail */
	}
}

enum probe_verdict
probe_verdict_run(const struct probe_cell *cells, size_t n,
    size_t counts[PROBE_VERDICT_COUNT])
{
	enum probe_verdict v, worst = PROBE_VERDICT_PASS;
	size_t i;

	if (counts != NULL)
		memset(counts, 0, PROBE_VERDICT_COUNT * sizeof(counts[0]));
	if (n == 0)
		return PROBE_VERDICT_ERROR;
	for (i = 0; i < n; i++) {
		v = probe_verdict_cell(&cells[i]);
		if (counts != NULL)
			counts[v]++;
		if (probe_verdict_run_rank(v) > probe_verdict_run_rank(worst))
			worst = v;
	}
	return worst;
}

/* The state of one kind of limit: critical, else warning, else none. */
static enum probe_verdict
probe_verdict_limit_state(bool is_crit, bool is_warn)
{
	return is_crit ? PROBE_VERDICT_FAIL : is_warn ?
	    PROBE_VERDICT_TEMPFAIL : PROBE_VERDICT_PASS;
}

enum probe_verdict
probe_verdict_cell_limit(const struct probe_cell *c,
    const struct probe_verdict_limits *l, enum probe_verdict_limit *which)
{
	enum probe_verdict dur = PROBE_VERDICT_PASS, cert = PROBE_VERDICT_PASS;
	double secs = c->elapsed_ms / 1000.0;
	long long left;

	if (which != NULL)
		*which = PROBE_LIMIT_NONE;
	if (!probe_verdict_cell_has_run(c))
		return PROBE_VERDICT_PASS;
	/* A deferral that lasts is a refusal in all but name. */
	if (l->critical_after_s > 0 && c->has_history &&
	    probe_verdict_cell(c) == PROBE_VERDICT_TEMPFAIL &&
	    c->state_s >= l->critical_after_s) {
		if (which != NULL)
			*which = PROBE_LIMIT_LASTING;
		return PROBE_VERDICT_FAIL;
	}
	dur = probe_verdict_limit_state(l->crit_s > 0 && secs > l->crit_s,
	    l->warn_s > 0 && secs > l->warn_s);
	if (c->has_cert) {
		left = c->cert_not_after - l->now;
		cert = probe_verdict_limit_state(l->cert_crit_days >= 0 &&
		    left < (long long)l->cert_crit_days * 86400,
		    l->cert_warn_days >= 0 &&
		    left < (long long)l->cert_warn_days * 86400);
	}
	if (probe_verdict_run_rank(cert) > probe_verdict_run_rank(dur)) {
		if (which != NULL)
			*which = PROBE_LIMIT_CERT;
		return cert;
	}
	if (which != NULL && dur != PROBE_VERDICT_PASS)
		*which = PROBE_LIMIT_DURATION;
	return dur;
}

enum probe_verdict
probe_verdict_stopped(void)
{
	return PROBE_VERDICT_ERROR;
}

enum probe_verdict
probe_verdict_limits_run(const struct probe_cell *cells, size_t n,
    const struct probe_verdict_limits *l, enum probe_verdict overall)
{
	enum probe_verdict v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = probe_verdict_cell_limit(&cells[i], l, NULL);
		if (probe_verdict_run_rank(v) > probe_verdict_run_rank(overall))
			overall = v;
	}
	return overall;
}

/* "X.Y.Z" (RFC 3463: class 2, 4 or 5, 1-3 digits each); *cls gets X. */
static bool
probe_verdict_triplet(const char *s, unsigned *cls)
{
	size_t part, n;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return false;
	*cls = (unsigned)(s[0] - '0');
	s += 2;
	for (part = 0; part < 2; part++) {
		n = strspn(s, "0123456789");
		if (n == 0 || n > 3)
			return false;
		s += n;
		if (part == 0 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

int
probe_verdict_expect_parse(const char *verdict, const char *enhanced,
    const char *cause, struct probe_expect *e, char *err, size_t errlen)
{
	static const enum probe_verdict words[] = { PROBE_VERDICT_PASS,
	    PROBE_VERDICT_TEMPFAIL, PROBE_VERDICT_FAIL };
	const char *colon = enhanced == NULL ? strchr(verdict, ':') : NULL;
	size_t len = colon ? (size_t)(colon - verdict) : strlen(verdict), i;
	unsigned a;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = probe_verdict_name(words[i]);

		if (strlen(w) == len && strncmp(verdict, w, len) == 0)
			break;
	}
	if (i == sizeof(words) / sizeof(words[0])) {
		(void)snprintf(err, errlen, "an expectation is pass, tempfail "
		    "or fail (fail:5.7.26 with an enhanced code), not "
		    "\"%.64s\"", verdict);
		return -1;
	}
	e->verdict = words[i];
	if (colon != NULL)
		enhanced = colon + 1;
	if (enhanced != NULL && enhanced[0] != '\0') {
		/* X.Y.Z, as RFC 3463 writes it; the class must agree. */
		if (strlen(enhanced) >= sizeof(e->enhanced) ||
		    !probe_verdict_triplet(enhanced, &a) ||
		    (a == 2) != (e->verdict == PROBE_VERDICT_PASS) ||
		    (a == 4) != (e->verdict == PROBE_VERDICT_TEMPFAIL)) {
			(void)snprintf(err, errlen, "an expected enhanced code "
			    "is X.Y.Z of the verdict's class (fail:5.7.26, "
			    "tempfail:4.7.0), not \"%.32s\"", enhanced);
			return -1;
		}
		memcpy(e->enhanced, enhanced, strlen(enhanced) + 1);
	}
	if (cause != NULL && cause[0] != '\0') {
		if (strlen(cause) >= sizeof(e->cause) ||
		    strspn(cause, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(cause)) {
			(void)snprintf(err, errlen, "an expected cause is a word "
			    "of the cause vocabulary (unauthenticated, "
			    "spf_fail, ...), not \"%.40s\"", cause);
			return -1;
		}
		memcpy(e->cause, cause, strlen(cause) + 1);
	}
	e->set = true;
	return 0;
}

bool
probe_verdict_expect_met(const struct probe_cell *c)
{
	const struct probe_expect *e = &c->expect;

	if (!e->set)
		return true;
	if (probe_verdict_cell(c) != e->verdict)
		return false;
	if (e->enhanced[0] != '\0' && strcmp(e->enhanced, c->enhanced) != 0)
		return false;
	return e->cause[0] == '\0' || strcmp(e->cause, c->cause) == 0;
}

bool
probe_verdict_has_expectations(const struct probe_cell *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cells[i].expect.set)
			return true;
	return false;
}

enum probe_verdict
probe_verdict_expectations(const struct probe_cell *cells, size_t n,
    size_t *met, size_t *unmet)
{
	size_t i, yes = 0, no = 0, errors = 0;

	for (i = 0; i < n; i++) {
		if (cells[i].expect.set) {
			if (probe_verdict_expect_met(&cells[i]))
				yes++;
			else
				no++;
		} else if (probe_verdict_cell(&cells[i]) ==
		    PROBE_VERDICT_ERROR) {
			errors++;
		}
	}
	if (met != NULL)
		*met = yes;
	if (unmet != NULL)
		*unmet = no;
	if (no > 0)
		return PROBE_VERDICT_FAIL;
	return errors > 0 || n == 0 ? PROBE_VERDICT_ERROR : PROBE_VERDICT_PASS;
}

enum probe_verdict
probe_verdict_check(struct probe_check_predicted *p)
{
	size_t i;

	/* p->level already counts causes dropped for want of room. */
	for (i = 0; i < p->ncauses; i++)
		if (p->causes[i].level > p->level)
			p->level = p->causes[i].level;
	return probe_verdict_check_level((int)p->level);
}

enum probe_verdict
probe_verdict_check_level(int level)
{
	switch (level) {
	case PROBE_CHECK_PASS:
		return PROBE_VERDICT_PASS;
	case PROBE_CHECK_WARN:
		return PROBE_VERDICT_TEMPFAIL;
	default:
		return PROBE_VERDICT_FAIL;
	}
}

enum probe_verdict
probe_verdict_bulk(const struct probe_bulk_list *b)
{
	return b->count[PROBE_BULK_FAIL] > 0 ? PROBE_VERDICT_FAIL :
	    PROBE_VERDICT_PASS;
}

/* Case-insensitive search for a word in len bytes (no NUL needed). */
static bool
probe_verdict_says(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (strncasecmp(s + i, word, n) == 0)
			return true;
	return false;
}

bool
probe_verdict_reply(int code, const char *enhanced, const char *text,
    size_t len, enum probe_verdict *v)
{
	/* Words of a reply (or an MTA's wrapper) that say how it ends. */
	static const char *const temporary[] = { "temporar", "try again",
	    "deferred", "transient", "try later", "retry later", "not yet",
	    "come back later", "greylist", "graylist", "rate limited",
	    "rate-limited", NULL };
	size_t i;

	if (code == 0 && enhanced != NULL &&
	    (enhanced[0] == '4' || enhanced[0] == '5'))
		code = (enhanced[0] - '0') * 100;
	if (code >= 200 && code < 600) {
		*v = code >= 500 ? PROBE_VERDICT_FAIL : code >= 400 ?
		    PROBE_VERDICT_TEMPFAIL : PROBE_VERDICT_PASS;
		return true;
	}
	if (text == NULL)
		return false;
	/* "permanently deferred" is permanent: look for it first. */
	if (probe_verdict_says(text, len, "permanent")) {
		*v = PROBE_VERDICT_FAIL;
		return true;
	}
	for (i = 0; temporary[i] != NULL; i++) {
		if (probe_verdict_says(text, len, temporary[i])) {
			*v = PROBE_VERDICT_TEMPFAIL;
			return true;
		}
	}
	return false;
}

enum probe_verdict
probe_verdict_replies(unsigned long replies, unsigned long fails,
    unsigned long tempfails, unsigned long unknowns)
{
	/* Nothing to judge: the document still says so, as an error. */
	if (replies == 0)
		return PROBE_VERDICT_ERROR;
	if (fails > 0)
		return PROBE_VERDICT_FAIL;
	if (tempfails > 0)
		return PROBE_VERDICT_TEMPFAIL;
	/* Nagios: a reply we cannot judge is UNKNOWN, the 3 of main(). */
	return unknowns > 0 ? PROBE_VERDICT_ERROR : PROBE_VERDICT_PASS;
}
