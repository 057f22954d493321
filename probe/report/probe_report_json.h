/*
 * probe_report_json - one JSON document per probe, for programs. The
 * schema is documented in README.md ("JSON output"); field names are
 * stable. Server bytes are valid JSON strings: control bytes escaped,
 * invalid UTF-8 replaced by U+FFFD and flagged per step. Writes to fp
 * only; a write error shows in ferror(fp).
 */
#ifndef SMTPPROBE_PROBE_REPORT_JSON_H
#define SMTPPROBE_PROBE_REPORT_JSON_H

#include <stdio.h>

#include "probe/report/probe_report_text.h"
#include "probe/run/probe_run.h"

/*
 * probe_report_json_head - '{' and the members every document opens
 * with: "schema_version" (PROBE_JSON_SCHEMA_VERSION) and "smtpprobe"
 * (the release).
 */
void	probe_report_json_head(FILE *fp);

/*
 * The exit status of an error as probe_main gives it (Nagios UNKNOWN);
 * error.schema.json fixes it, so the document can say it before main
 * has run its map.
 */
#define PROBE_REPORT_JSON_ERROR_EXIT	3

/*
 * probe_report_json_error - the error document (error.schema.json) and a
 * newline: command ("send", ...; NULL before one is known), msg, verdict
 * "error" and exit_code PROBE_REPORT_JSON_ERROR_EXIT.
 */
void	probe_report_json_error(FILE *fp, const char *command,
	    const char *msg);

/* probe_report_json_render - the document and a newline. */
void	probe_report_json_render(FILE *fp,
	    const struct probe_report_info *info, const struct probe_result *r);

#endif
