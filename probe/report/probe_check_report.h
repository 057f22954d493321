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
 *                    "text", "fix" } ] },
 *     "bulk": the checklist (check --bulk only; probe_bulk_report.h) }
 */
#ifndef SMTPPROBE_PROBE_CHECK_REPORT_H
#define SMTPPROBE_PROBE_CHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/auth/probe_bulk.h"
#include "probe/auth/probe_check.h"
#include "probe/verdict/probe_verdict.h"

/* probe_check_report_text - the report for a terminal. */
void	probe_check_report_text(FILE *fp,
	    const struct probe_check_result *r);

/*
 * probe_check_report_json - the document above and a newline, opening
 * with "schema_version", its "verdict" the command's (probe_verdict_check,
 * raised by the checklist's); with a bulk-sender checklist (check --bulk;
 * NULL: none) it has a "bulk" member too (probe_bulk_report.h).
 */
void	probe_check_report_json(FILE *fp,
	    const struct probe_check_result *r,
	    const struct probe_bulk_list *bulk, enum probe_verdict verdict);

/*
 * probe_check_report_json_object - the same object without the newline,
 * to nest in another document ("send" puts it under "check").
 */
void	probe_check_report_json_object(FILE *fp,
	    const struct probe_check_result *r);

/*
 * probe_check_report_text_brief - the short "pre-flight check" block of
 * a "send" report: SPF and what decided it, DMARC policy and alignment,
 * the DKIM key, PTR/FCrDNS, the predicted verdict and its causes.
 */
void	probe_check_report_text_brief(FILE *fp,
	    const struct probe_check_result *r);

/*
 * probe_check_report_text_record - one line, after indent, naming the
 * record behind a catalog cause: "unauthenticated" and "spf_fail" name
 * SPF ("SPF for example.test from 127.0.0.3: fail (the record ends in
 * -all; 127.0.0.3 is not listed)"), "dkim_fail" the DKIM key,
 * "dmarc_policy" the DMARC record. Returns false, writing nothing, for
 * any other cause.
 */
bool	probe_check_report_text_record(FILE *fp,
	    const struct probe_check_result *r, const char *cause,
	    const char *indent);

#endif
