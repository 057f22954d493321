/*
 * probe_sendcmd - "smtpprobe send": one ad-hoc probe (--to ...) or every
 * configured sending path against every selected profile, with a lock so
 * cron runs do not stack, and the four output formats. Returns the exit
 * status, mapped from the overall verdict by the caller's exit_code
 * function (main's), or 3 for usage and configuration errors.
 */
#ifndef SMTPPROBE_PROBE_SENDCMD_H
#define SMTPPROBE_PROBE_SENDCMD_H

#include <stdbool.h>

#include "probe/probe_multi.h"

/* The profiles "--profile all" means. */
#define PROBE_SENDCMD_ALL	"gmail,yahoo,outlook,icloud"
/* The profile name of a probe run with no profile at all. */
#define PROBE_SENDCMD_NONE	"none"
#define PROBE_SENDCMD_PROFILES_MAX	16
#define PROBE_SENDCMD_JOBS_DEFAULT	4

/*
 * probe_sendcmd_run - argv[0] is "send". *is_cut is set when -t ended
 * the run with probes still running in their threads: the caller must
 * then end the process with _exit() once stdout is flushed, never
 * return from main (see probe_multi.h).
 */
int	probe_sendcmd_run(int argc, char **argv, probe_multi_exit_fn *exit_code,
	    bool *is_cut);

#endif
