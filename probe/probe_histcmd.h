/*
 * probe_histcmd - the history command: per sending path and profile, the
 * timeline of changes (verdict or cause) recorded by send runs, with
 * when each began and the diagnosis at each change; or, with --show, the
 * full stored report of one probe.
 *
 * Errors: a bad flag, a missing or unreadable history: one line on
 * stderr and PROBE_VERDICT_ERROR (exit 3). The history is opened
 * read-only and never changed.
 */
#ifndef SMTPPROBE_PROBE_HISTCMD_H
#define SMTPPROBE_PROBE_HISTCMD_H

#include "probe/verdict/probe_verdict.h"

/* probe_histcmd_run - argv[0] is "history". PASS or ERROR. */
enum probe_verdict	probe_histcmd_run(int argc, char **argv);

#endif
