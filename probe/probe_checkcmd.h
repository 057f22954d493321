/*
 * probe_checkcmd - "smtpprobe check": one sending path checked from DNS
 * (SPF, DMARC, DKIM key, PTR, publishing mistakes) with a predicted
 * verdict for Gmail's sender rules; text or --json. Returns the exit
 * status for main() to use: 0 the prediction passes, 1 warnings only
 * (softfail relied on, a 1024-bit key, a DNS temperror, no DMARC), 2 a
 * predicted failure, 3 a usage error or a resolver that cannot start.
 */
#ifndef SMTPPROBE_PROBE_CHECKCMD_H
#define SMTPPROBE_PROBE_CHECKCMD_H

/* probe_checkcmd_run - argv[0] is "check". */
int	probe_checkcmd_run(int argc, char **argv);

#endif
