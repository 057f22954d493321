/*
 * probe_check_report - render a probe_check result: text for a terminal,
 * or one JSON document for programs. Renders only: every judgement is
 * already in the result.
 *
 * Every string that comes from DNS or the command line (records, names,
 * reasons that quote them) is escaped through probe_escape: "\xNN" in
 * text, valid JSON strings (control bytes as \u00NN, invalid UTF-8
 * replaced) in JSON. Writes to fp only; a write error shows in
 * ferror(fp).
 *
 * JSON document (field names are stable):
 *   { "smtpprobe", "mail_from", "mail_domain", "header_from_domain",
 *     "source", "helo",
 *     "spf": { "result", "mechanism", "domain", "reason", "record",
 *              "lookups", "void_lookups" },
 *     "spf_helo": null | { the same },
 *     "dmarc": { "status", "name", "record", "organizational_domain",
 *                "psl", "policy", "subdomain_policy", "pct", "adkim",
 *                "aspf", "rua", "ruf", "warning", "reason",
 *                "alignment": { "spf_relaxed", "spf_strict",
 *                               "dkim_relaxed", "dkim_strict",
 *                               "spf_passes", "dkim_passes" } },
 *     "dkim": null | { "selector", "name", "level", "found", "records",
 *                      "record", "key_type", "bits", "revoked",
 *                      "testing", "reason" },
 *     "ptr": { "status", "ip", "reverse", "names": [ { "name",
 *              "forward", "addresses", "matches" } ], "names_dropped",
 *              "reason" },
 *     "mistakes": [ { "id", "detail", "fix" } ],
 *     "predicted": { "verdict", "cause", "causes": [ { "level", "id",
 *                    "text", "fix" } ] } }
 */
#ifndef SMTPPROBE_PROBE_CHECK_REPORT_H
#define SMTPPROBE_PROBE_CHECK_REPORT_H

#include <stdio.h>

#include "probe/probe_check.h"

/* probe_check_report_text - the report for a terminal. */
void	probe_check_report_text(FILE *fp,
	    const struct probe_check_result *r);

/* probe_check_report_json - the document above and a newline. */
void	probe_check_report_json(FILE *fp,
	    const struct probe_check_result *r);

#endif
