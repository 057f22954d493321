/*
 * probe_signal - Ctrl-C and SIGTERM during a send run: stop starting
 * probes instead of dying with messages half sent and no report.
 *
 * The one piece of process-wide mutable state smtpprobe has lives here:
 * a volatile sig_atomic_t that the handler sets to the signal's number,
 * which is all a handler may safely do (C11 7.14.1.1). Nothing else
 * reads or writes it but through the functions below; probe_multi's
 * supervising thread polls it (probe_multi.h, "Signals").
 *
 * Errors: probe_signal_arm returns -1 when sigaction fails (errno set);
 * the run then goes on with the default dispositions.
 */
#ifndef SMTPPROBE_PROBE_SIGNAL_H
#define SMTPPROBE_PROBE_SIGNAL_H

#include <signal.h>

/* The dispositions before arming, kept by the caller. */
struct probe_signal_saved {
	struct sigaction	intr;
	struct sigaction	term;
};

/*
 * probe_signal_arm - catch SIGINT and SIGTERM from now on: the flag
 * gets the signal's number, the process goes on. The flag starts at 0.
 * A signal ignored before (nohup, a background job) stays ignored.
 * Returns 0, or -1; *saved gets what to restore either way.
 */
int	probe_signal_arm(struct probe_signal_saved *saved);

/* probe_signal_disarm - the dispositions saved by probe_signal_arm. */
void	probe_signal_disarm(const struct probe_signal_saved *saved);

/* probe_signal_flag - the flag, for a reader (never written through). */
const volatile sig_atomic_t *probe_signal_flag(void);

/* probe_signal_name - "SIGINT", "SIGTERM", or "a signal". */
const char *probe_signal_name(int sig);

#endif
