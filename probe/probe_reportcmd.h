/*
 * probe_reportcmd - the report command: one self-contained HTML page of
 * the history (probe_report_html), written atomically to FILE: the
 * latest verdict of every path and profile, the transcript and fix of
 * each that does not pass, and each one's timeline of changes.
 *
 * Errors: a bad flag, an unreadable history, a file that cannot be
 * written: one line on stderr and PROBE_VERDICT_ERROR (exit 3); nothing
 * is left half-written. The history is opened read-only.
 */
#ifndef SMTPPROBE_PROBE_REPORTCMD_H
#define SMTPPROBE_PROBE_REPORTCMD_H

#include "probe/verdict/probe_verdict.h"

/* Timeline entries kept per cell; older changes are counted, not shown. */
#define PROBE_REPORTCMD_CHANGES_MAX	200

/* probe_reportcmd_run - argv[0] is "report". PASS or ERROR. */
enum probe_verdict	probe_reportcmd_run(int argc, char **argv);

#endif
