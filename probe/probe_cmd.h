/*
 * probe_cmd - the commands besides send: "explain" (diagnose replies found
 * in text, logs and bounces; a log on standard input becomes a report of
 * groups, probe_explain_report) and "catalog lint". Each returns a
 * verdict for main() to map to the exit status: explain gives the worst
 * verdict among the replies it diagnosed (pass when none refused,
 * tempfail, fail) and error when no reply was found, when every verdict
 * is unknown (no code, no word), or on a usage or catalog error; lint
 * gives pass when clean, fail when it found problems, error when a file
 * does not load.
 */
#ifndef SMTPPROBE_PROBE_CMD_H
#define SMTPPROBE_PROBE_CMD_H

#include "probe/verdict/probe_verdict.h"

/* probe_cmd_explain - argv[0] is "explain". */
enum probe_verdict probe_cmd_explain(int argc, char **argv);

/* probe_cmd_catalog - argv[0] is "catalog", argv[1] the subcommand. */
enum probe_verdict probe_cmd_catalog(int argc, char **argv);

#endif
