/*
 * probe_verdict - the one place that says what an outcome means: pass,
 * tempfail, fail or error, for one attempt, for a DNS outcome, and for a
 * whole probe. The SMTP engine reports what happened; reporters render;
 * only this module judges.
 *
 * The rules, as a mail operator reads them:
 * - pass: the server accepted the message (2xx after end of data), or
 *   the stage named by --quit-after got its 2xx.
 * - fail: a 5xx reply (the mail would bounce), a TLS policy failure
 *   (STARTTLS required but missing, handshake failed, certificate not
 *   verified under --tls-verify require), or DNS that says no mail can go
 *   there (NXDOMAIN, null MX, no MX and no address).
 * - tempfail: a 4xx reply, network trouble (refused, unreachable,
 *   timeout, reset), a server that broke the protocol, DNS that failed
 *   for now (SERVFAIL, timeout, MX hosts without addresses): an MTA
 *   would queue and retry.
 * - error: we could not run the probe as asked (bad source address,
 *   bad input, out of memory).
 * Attempts stop at the first definitive outcome (pass or a 5xx reply); a
 * probe whose attempts all ended otherwise takes the worst of them, so a
 * TLS policy failure on one MX is not hidden by a timeout on another.
 */
#ifndef SMTPPROBE_PROBE_VERDICT_H
#define SMTPPROBE_PROBE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/dns/probe_mx.h"
#include "smtp/smtp_dialog.h"

/* Ordered by severity: a larger value is worse. */
enum probe_verdict {
	PROBE_VERDICT_PASS,
	PROBE_VERDICT_TEMPFAIL,
	PROBE_VERDICT_FAIL,
	PROBE_VERDICT_ERROR,
	PROBE_VERDICT_COUNT
};

/* probe_verdict_name - "pass", "tempfail", "fail", "error". */
const char	*probe_verdict_name(enum probe_verdict v);

/* probe_verdict_attempt_decide - the verdict of one finished dialogue. */
enum probe_verdict probe_verdict_attempt_decide(const struct smtp_dialog *d);

/*
 * probe_verdict_is_definitive - true when no other MX would change the
 * answer: the message was accepted or refused with a 5xx, or we could not
 * run at all.
 */
bool		probe_verdict_is_definitive(const struct smtp_dialog *d);

/* probe_verdict_dns_decide - the verdict when DNS ended the probe. */
enum probe_verdict probe_verdict_dns_decide(enum probe_mx_status status);

/*
 * probe_verdict_combine - the probe's verdict from its attempts' verdicts
 * in order; last_is_definitive tells whether the last one stopped the
 * search. No attempts at all is an error.
 */
enum probe_verdict probe_verdict_combine(const enum probe_verdict *v,
		    size_t n, bool last_is_definitive);

/* probe_verdict_worse - the more severe of two verdicts. */
enum probe_verdict probe_verdict_worse(enum probe_verdict a,
		    enum probe_verdict b);

#endif
