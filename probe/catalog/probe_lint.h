/*
 * probe_lint - "smtpprobe catalog lint": beyond what loading checks (YAML,
 * keys, fields, patterns, ids), every example of every entry must
 * classify to that entry: match it, not be stolen by a more specific
 * entry, and not tie with another entry of the same rank. Placeholders in
 * summary and remediation must name a capture of the entry or a probe
 * fact ({domain}, {ip}, {helo}, {mx}, {rcpt_domain}).
 *
 * Reports go through a callback, one line each, "FILE:LINE: what".
 */
#ifndef SMTPPROBE_PROBE_LINT_H
#define SMTPPROBE_PROBE_LINT_H

#include <stddef.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/catalog/probe_explain.h"

typedef void	probe_lint_report_fn(void *arg, const char *line);

/* Working room for turning one example into a query. */
struct probe_lint_buf {
	char	line[PROBE_EXPLAIN_LINE_MAX];
	char	text[PROBE_EXPLAIN_LINE_MAX];
	char	raw[PROBE_EXPLAIN_LINE_MAX];
	char	enhanced[SMTP_REPLY_ENHANCED_MAX];
};

/*
 * probe_lint_example_query - the query an example makes: parsed as a
 * reply (raw, or a log line), or for outcome entries the text as our own
 * error message. q points into b. Returns false when no reply is found.
 */
bool	probe_lint_example_query(const struct probe_catalog_entry *e,
	    const char *example, struct probe_catalog_query *q,
	    struct probe_lint_buf *b);

/* probe_lint_run - check c; returns the number of problems reported. */
size_t	probe_lint_run(struct probe_catalog *c, probe_lint_report_fn *report,
	    void *arg);

#endif
