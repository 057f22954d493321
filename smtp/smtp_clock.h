/*
 * smtp_clock - the one monotonic clock of the engine and of probe/: stage
 * deadlines, stage and probe timings, DNS deadlines, politeness. Below
 * everything that times, so that each of them reads the same clock in
 * the same units. (tls/, under smtp/, keeps its own reading for its
 * handshake deadline: it may include nothing of ours.)
 *
 * CLOCK_MONOTONIC cannot fail on Linux with a valid pointer, so neither
 * can these. No state.
 */
#ifndef SMTPPROBE_SMTP_CLOCK_H
#define SMTPPROBE_SMTP_CLOCK_H

#include <stdint.h>

/* smtp_clock_ms - monotonic milliseconds, for deadlines. */
int64_t	smtp_clock_ms(void);

/* smtp_clock_us - monotonic microseconds as a double, for timings. */
double	smtp_clock_us(void);

#endif
