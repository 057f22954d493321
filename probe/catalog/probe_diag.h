/*
 * probe_diag - the diagnosis: a catalog match for what a probe met (the
 * final reply of an attempt, our own error when there was no reply, or a
 * DNS outcome), and its rendering under the reply in text and JSON.
 * Summary and remediation have their {placeholders} filled from the
 * match's captures, then from the probe's facts.
 */
#ifndef SMTPPROBE_PROBE_DIAG_H
#define SMTPPROBE_PROBE_DIAG_H

#include <stdio.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/run/probe_run.h"

/* The probe's facts for placeholders; NULL or "" when unknown. */
struct probe_diag_ctx {
	const char	*domain;	/* envelope sender's domain */
	const char	*ip;		/* source address */
	const char	*helo;
	const char	*mx;
	const char	*rcpt_domain;
	char		 port[8];	/* the attempt's port, "" unknown */
};

/*
 * probe_diag_attempt - match an attempt's outcome. provider is the
 * profile's (ranks first), or NULL. Returns true when something matched.
 */
bool	probe_diag_attempt(struct probe_catalog *c,
	    const struct probe_attempt *a, const char *provider,
	    struct probe_catalog_match *m);

/* probe_diag_dns - match a DNS outcome that ended the probe. */
bool	probe_diag_dns(struct probe_catalog *c, const struct probe_result *r,
	    const char *provider, struct probe_catalog_match *m);

/*
 * probe_diag_text - the diagnosis as indented lines: id, verdict and
 * cause; summary; numbered remediation; see. "not in the catalog" when
 * the match is a fallback. Nothing for m->entry == NULL.
 */
void	probe_diag_text(FILE *fp, const struct probe_catalog_match *m,
	    const struct probe_diag_ctx *ctx, const char *indent);

/*
 * probe_diag_json - {"id","provider","cause","verdict","in_catalog",
 * "summary","remediation":[],"captures":{},"see"} or null.
 */
void	probe_diag_json(FILE *fp, const struct probe_catalog_match *m,
	    const struct probe_diag_ctx *ctx);

#endif
