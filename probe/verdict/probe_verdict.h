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
 *   (STARTTLS required but missing, handshake failed under required,
 *   certificate not verified under --tls-verify require), a STARTTLS
 *   injection (bytes after the 220 to STARTTLS: a security finding, and
 *   definitive, so the next MX does not hide it), or DNS that says no
 *   mail can go there (NXDOMAIN, null MX, no MX and no address).
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
 * probe_verdict_probe - the probe's verdict from its attempts' verdicts
 * v[0..n-1] in order; last_is_definitive tells whether the last one
 * stopped the search. A definitive last attempt decides; otherwise the
 * worst attempt does, so a TLS policy failure on one MX is not hidden by
 * a timeout on another. No attempt at all (MX hosts without addresses)
 * is a tempfail: DNS that may answer later. *decided (may be NULL) gets
 * the index of the attempt that decided: the last one whose verdict is
 * the probe's, or SIZE_MAX when there was none.
 */
enum probe_verdict probe_verdict_probe(const enum probe_verdict *v,
		    size_t n, bool last_is_definitive, size_t *decided);

struct probe_cell;
struct probe_check_predicted;

/*
 * probe_verdict_cell_has_run - false when the cell could not run: it
 * never finished (a source address that is not local, no recipient for
 * that profile), or it ended as an error with our words in its error.
 */
bool		probe_verdict_cell_has_run(const struct probe_cell *c);

/*
 * probe_verdict_cell - the verdict of one cell of a run: its probe's,
 * or error when it could not run or holds no valid verdict.
 */
enum probe_verdict probe_verdict_cell(const struct probe_cell *c);

/*
 * probe_verdict_run - the verdict of a whole run of n cells, ranked like
 * the Monitoring Plugins' max_state_alt: pass < error < tempfail < fail.
 * Any fail makes the run a fail (CRITICAL) even when another cell is an
 * error; error (UNKNOWN) only when nothing failed or was deferred and
 * something could not be judged. No cells at all is an error. counts
 * (PROBE_VERDICT_COUNT entries, may be NULL) gets the cells per verdict.
 */
enum probe_verdict probe_verdict_run(const struct probe_cell *cells,
		    size_t n, size_t counts[PROBE_VERDICT_COUNT]);

/*
 * What the monitoring thresholds ask for (-w, -c, --cert-days,
 * --critical-after): a probe that took longer than warn_s / crit_s
 * seconds, a server certificate that expires within cert_warn_days /
 * cert_crit_days days of now, a tempfail whose state (verdict and cause,
 * as the history keeps it) has lasted critical_after_s seconds or more.
 * 0 seconds and -1 days mean no such limit.
 */
struct probe_verdict_limits {
	double		warn_s;
	double		crit_s;
	int		cert_warn_days;
	int		cert_crit_days;
	long long	now;		/* seconds since the epoch */
	long long	critical_after_s;
};

enum probe_verdict_limit {
	PROBE_LIMIT_NONE,
	PROBE_LIMIT_DURATION,
	PROBE_LIMIT_CERT,
	PROBE_LIMIT_LASTING,	/* a tempfail past --critical-after */
};

/*
 * probe_verdict_cell_limit - the state the limits give cell c: pass when
 * it crossed none, tempfail (WARNING) for a warning limit, fail
 * (CRITICAL) for a critical one. *which (may be NULL) names the limit
 * that decided: a lasting tempfail first, then the duration before the
 * certificate at the same state. A cell that did not run crosses none;
 * an expired certificate is critical; a tempfail lasts only as long as
 * the history says (c->has_history), so without one it never becomes
 * critical.
 */
enum probe_verdict probe_verdict_cell_limit(const struct probe_cell *c,
		    const struct probe_verdict_limits *l,
		    enum probe_verdict_limit *which);

/*
 * probe_verdict_stopped - the verdict of a run that Ctrl-C or SIGTERM
 * stopped: error (UNKNOWN), whatever its finished cells say, for the run
 * that was asked for did not happen; the report still shows each cell.
 */
enum probe_verdict probe_verdict_stopped(void);

/*
 * probe_verdict_limits_run - overall raised to the worst state the limits
 * give any of the n cells, ranked as probe_verdict_run ranks; never
 * lowered (a failing run stays CRITICAL however fast it was).
 */
enum probe_verdict probe_verdict_limits_run(const struct probe_cell *cells,
		    size_t n, const struct probe_verdict_limits *l,
		    enum probe_verdict overall);

/*
 * An expectation of a pre-launch test: the verdict a cell must have, and
 * optionally its enhanced code and catalog cause ("from the control
 * address, Gmail must refuse with 5.7.26").
 */
struct probe_expect {
	bool			set;
	enum probe_verdict	verdict;	/* pass, tempfail or fail */
	char			enhanced[16];	/* "" when any */
	char			cause[32];	/* "" when any */
};

/*
 * probe_verdict_expect_parse - verdict ("pass", "tempfail", "fail"; the
 * CLI form "fail:5.7.26" too, when enhanced is NULL), enhanced (NULL or
 * "" for any, else X.Y.Z) and cause (NULL or "" for any) into *e.
 * Returns 0, or -1 with err filled.
 */
int		probe_verdict_expect_parse(const char *verdict,
		    const char *enhanced, const char *cause,
		    struct probe_expect *e, char *err, size_t errlen);

/*
 * probe_verdict_expect_met - whether cell c meets its expectation (true
 * when it has none): the same verdict (probe_verdict_cell), and the same
 * enhanced code and cause where the expectation names them.
 */
bool		probe_verdict_expect_met(const struct probe_cell *c);

/*
 * probe_verdict_expectations - the verdict of a pre-launch run: fail when
 * a cell does not meet its expectation, else error when a cell could not
 * run, else pass (the server is ready). Cells without an expectation
 * count only when they are errors. *met and *unmet (may be NULL) get the
 * numbers of expectations that hold and that do not.
 */
enum probe_verdict probe_verdict_expectations(const struct probe_cell *cells,
		    size_t n, size_t *met, size_t *unmet);

/* probe_verdict_has_expectations - whether any of the n cells has one. */
bool		probe_verdict_has_expectations(const struct probe_cell *cells,
		    size_t n);

/*
 * probe_verdict_check - the verdict of a pre-flight check: its worst
 * cause (Gmail's answer to that fact) decides: a fail is a fail, a
 * warning a tempfail (it may pass, it may not), none a pass. p->level
 * (which also counts causes dropped for want of room) is raised to the
 * worst cause level, so that reports show the level that decided.
 */
enum probe_verdict probe_verdict_check(struct probe_check_predicted *p);

/*
 * probe_verdict_check_level - the verdict a check level stands for (the
 * mapping probe_verdict_check applies), for reports that state both.
 */
enum probe_verdict probe_verdict_check_level(int level);

struct probe_bulk_list;

/*
 * probe_verdict_bulk - the verdict of a bulk-sender checklist: a line
 * that fails is a fail; unknown lines are not held against it (what
 * cannot be seen from DNS alone, or from outside at all, is said in the
 * line, not guessed as a failure); otherwise a pass.
 */
enum probe_verdict probe_verdict_bulk(const struct probe_bulk_list *b);

/*
 * probe_verdict_reply - the verdict of a reply found in text (explain,
 * issue #11): its code class decides, 2xx/3xx pass, 4xx tempfail, 5xx
 * fail. With no code (code 0, a reply pasted without it) the class of
 * the enhanced code decides, then the text's words: "permanent" fail;
 * "temporar", "try again", "deferred", "transient", "not yet",
 * "greylist", "rate limited" tempfail. Borrows
 * text (len bytes, may be NULL). Returns false when nothing says
 * (an unknown verdict; *v is then untouched).
 */
bool		probe_verdict_reply(int code, const char *enhanced,
		    const char *text, size_t len, enum probe_verdict *v);

/*
 * probe_verdict_replies - the verdict of all the replies explain found:
 * any fail is a fail, else any tempfail a tempfail; a reply whose verdict
 * cannot be told makes an otherwise clean read an error (Nagios UNKNOWN),
 * and so does reading no reply at all. Counts of the replies found, the
 * failed, the deferred and those of unknown verdict.
 */
enum probe_verdict probe_verdict_replies(unsigned long replies,
		    unsigned long fails, unsigned long tempfails,
		    unsigned long unknowns);


#endif
