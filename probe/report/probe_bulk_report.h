/*
 * probe_bulk_report - render a bulk-sender checklist (probe_bulk): a
 * block of text for a terminal, or a JSON object to nest in a document
 * ("check --bulk" puts it under "bulk", "send" too). Renders only: every
 * line is decided already.
 *
 * Evidence may quote DNS records and the probe's own header fields, so
 * every text is escaped through probe_escape. Writes to fp only; a write
 * error shows in ferror(fp).
 *
 * JSON object (field names are stable):
 *   { "from_probe": bool, "pass": N, "fail": N, "unknown": N,
 *     "lines": [ { "rule", "status", "title", "evidence", "fix" } ] }
 * "fix" is null on a passing line.
 */
#ifndef SMTPPROBE_PROBE_BULK_REPORT_H
#define SMTPPROBE_PROBE_BULK_REPORT_H

#include <stdio.h>

#include "probe/auth/probe_bulk.h"

/* probe_bulk_report_text - the checklist block, starting with a blank line. */
void	probe_bulk_report_text(FILE *fp, const struct probe_bulk_list *b);

/* probe_bulk_report_json_object - the object above, no newline. */
void	probe_bulk_report_json_object(FILE *fp,
	    const struct probe_bulk_list *b);

#endif
