/*
 * probe_signal - the stop flag and its handler.
 */
#include <string.h>

#include "probe/probe_signal.h"

/* The signal that asked the run to stop; 0 while none did. */
static volatile sig_atomic_t probe_signal_stop;

static void
probe_signal_handler(int sig)
{
	probe_signal_stop = sig;
}

int
probe_signal_arm(struct probe_signal_saved *saved)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_signal_handler;
	(void)sigemptyset(&sa.sa_mask);	/* a valid set */
	/*
	 * SA_RESTART: a write of the main thread's is resumed, not failed;
	 * the supervisor wakes every tick and looks at the flag anyway.
	 */
	sa.sa_flags = SA_RESTART;
	probe_signal_stop = 0;
	if (sigaction(SIGINT, NULL, &saved->intr) != 0 ||
	    sigaction(SIGTERM, NULL, &saved->term) != 0)
		return -1;
	if ((saved->intr.sa_handler != SIG_IGN &&
	    sigaction(SIGINT, &sa, NULL) != 0) ||
	    (saved->term.sa_handler != SIG_IGN &&
	    sigaction(SIGTERM, &sa, NULL) != 0))
		return -1;
	return 0;
}

void
probe_signal_disarm(const struct probe_signal_saved *saved)
{
	/* What sigaction gave back: valid, so this cannot fail. */
	(void)sigaction(SIGINT, &saved->intr, NULL);
	(void)sigaction(SIGTERM, &saved->term, NULL);
}

const volatile sig_atomic_t *
probe_signal_flag(void)
{
	return &probe_signal_stop;
}

const char *
probe_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" :
	    "a signal";
}
