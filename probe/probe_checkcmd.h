/*
 * probe_checkcmd - "smtpprobe check": one sending path checked from DNS
 * (SPF, DMARC, DKIM key, PTR, publishing mistakes) with a predicted
 * verdict for Gmail's sender rules; text or --json. Returns the verdict
 * (probe_verdict_check) for main() to map: pass, tempfail for warnings
 * only (softfail relied on, a 1024-bit key, a DNS temperror, no DMARC),
 * fail for a predicted failure, error for a usage error or a resolver
 * that cannot start (with one line on stderr).
 */
#ifndef SMTPPROBE_PROBE_CHECKCMD_H
#define SMTPPROBE_PROBE_CHECKCMD_H

#include "probe/verdict/probe_verdict.h"

/* probe_checkcmd_run - argv[0] is "check". */
enum probe_verdict probe_checkcmd_run(int argc, char **argv);

#endif
