/*
 * probe_when - points in time as operators write them on a command line
 * (--since 24h, --since 2026-12-01) and as reports print them (ISO 8601,
 * UTC, so that two hosts' reports read the same).
 *
 * Errors: probe_when_parse returns -1 for anything it does not know; the
 * caller names the flag.
 */
#ifndef SMTPPROBE_PROBE_WHEN_H
#define SMTPPROBE_PROBE_WHEN_H

#include <stddef.h>
#include <time.h>

/* "2026-12-03T13:05:18Z" and its NUL. */
#define PROBE_WHEN_ISO_MAX	21

/*
 * probe_when_parse - s as a time: a duration before now ("90s", "30m",
 * "24h", "7d", "2w"), a UTC date "YYYY-MM-DD" (its midnight), a UTC time
 * "YYYY-MM-DDTHH:MM[:SS][Z]" (also with a blank instead of T), or
 * "@SECONDS" since the epoch. Returns 0 with *out set, or -1.
 */
int	probe_when_parse(const char *s, time_t now, time_t *out);

/*
 * probe_when_duration - s as a number of seconds: "0", or a count with
 * one of the units s, m, h, d, w ("24h"). Returns 0 with *secs set, or -1.
 */
int	probe_when_duration(const char *s, long long *secs);

/* probe_when_iso - t as "YYYY-MM-DDTHH:MM:SSZ" into out (>= ISO_MAX). */
void	probe_when_iso(time_t t, char *out, size_t outlen);

/*
 * probe_when_span - a duration in seconds as operators say it ("3d 4h",
 * "12m", "40s"), into out. Negative spans print as "0s".
 */
void	probe_when_span(long long secs, char *out, size_t outlen);

#endif
