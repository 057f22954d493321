/*
 * probe_report_text - the human report: what was resolved, each attempt as
 * a transcript (C: what we sent, S: every reply line verbatim, escaped,
 * with timings), the TLS facts, and one verdict line. When a pre-flight
 * check ran (info->check), a short block of its findings follows the
 * header, and under a diagnosis whose cause is about authentication
 * (unauthenticated, spf_fail, dkim_fail, dmarc_policy) one line names
 * the record that explains it. Reporters only
 * render; probe_verdict has judged already. Writes to fp only; a write
 * error shows in ferror(fp), which the caller checks.
 */
#ifndef SMTPPROBE_PROBE_REPORT_TEXT_H
#define SMTPPROBE_PROBE_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/auth/probe_bulk.h"
#include "probe/auth/probe_check.h"
#include "probe/catalog/probe_diag.h"
#include "probe/config/probe_profile.h"
#include "probe/run/probe_run.h"
#include "probe/run/probe_sign.h"

/* What the report says about the run besides the result. */
struct probe_report_info {
	const char	*probe_id;
	const char	*profile;	/* profile name, or "none" */
	const char	*domain;	/* recipient domain, or --server */
	bool		 is_server;	/* domain is a --server host */
	const char	*mail_from;
	const char	*source;	/* "" when the kernel picks */
	const char	*helo;
	int		 exit_code;
	/* Diagnoses, when catalogs were consulted (else NULL). */
	const struct probe_catalog_match *matches;	/* one per attempt */
	const struct probe_catalog_match *dns_match;
	const struct probe_diag_ctx	*diag;		/* placeholder facts */
	/* The profile, to warn when an MX is not the provider's (or NULL). */
	const struct probe_profile	*profile_def;
	/* The pre-flight check (NULL: none), or why it was skipped. */
	const struct probe_check_result	*check;
	const char			*check_note;
	/* What the DKIM signature covers (NULL: the message is unsigned). */
	const struct probe_sign_facts	*dkim;
	/* The bulk-sender checklist from this probe (NULL: no check ran). */
	const struct probe_bulk_list	*bulk;
};

/* probe_report_text_render - the whole human report. */
void	probe_report_text_render(FILE *fp,
	    const struct probe_report_info *info, const struct probe_result *r);

/*
 * probe_report_text_verdict - the one-line summary of the verdict that
 * ends the report (also what --quiet style outputs will reuse).
 */
void	probe_report_text_verdict(FILE *fp,
	    const struct probe_report_info *info, const struct probe_result *r);

#endif
