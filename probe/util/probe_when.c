/*
 * probe_when - parsing and printing points in time (see the header).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe/util/probe_when.h"
#include "smtp/smtp_num.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long
probe_when_days(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static bool
probe_when_digits(const char *s, size_t n, uint64_t lo, uint64_t hi,
    unsigned *out)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (!smtp_num_parse(s, n, lo, hi, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static int
probe_when_date(const char *s, time_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	size_t len = strlen(s);

	if (len < 10 || s[4] != '-' || s[7] != '-' ||
	    !probe_when_digits(s, 4, 1970, 9999, &y) ||
	    !probe_when_digits(s + 5, 2, 1, 12, &mo) ||
	    !probe_when_digits(s + 8, 2, 1, 31, &d) || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 &&
	    y % 400 != 0))))
		return -1;
	s += 10;
	if (*s == 'T' || *s == ' ') {
		if (strlen(s) < 6 || s[3] != ':' ||
		    !probe_when_digits(s + 1, 2, 0, 23, &h) ||
		    !probe_when_digits(s + 4, 2, 0, 59, &mi))
			return -1;
		s += 6;
		if (*s == ':') {
			if (!probe_when_digits(s + 1, 2, 0, 60, &sec))
				return -1;
			s += 3;
		}
		if (*s == 'Z')
			s++;
	}
	if (*s != '\0')
		return -1;
	*out = (time_t)(probe_when_days(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec);
	return 0;
}

int
probe_when_parse(const char *s, time_t now, time_t *out)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	size_t len = strlen(s), i;
	uint64_t v;

	if (len == 0)
		return -1;
	if (s[0] == '@') {
		if (len < 2 || !smtp_num_parse(s + 1, len - 1, 0,
		    (uint64_t)INT64_MAX / 2, &v))
			return -1;
		*out = (time_t)v;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		/* Ten years is more history than anybody keeps. */
		if (len >= 2 && s[len - 1] == units[i].unit &&
		    smtp_num_parse(s, len - 1, 0, 10LL * 366 * 86400 /
		    (uint64_t)units[i].secs, &v)) {
			*out = now - (time_t)((long long)v * units[i].secs);
			return 0;
		}
	}
	return probe_when_date(s, out);
}

int
probe_when_duration(const char *s, long long *secs)
{
	time_t t;

	if (strcmp(s, "0") == 0) {
		*secs = 0;
		return 0;
	}
	/* Units only: a date is a point, not a length. */
	if (s[0] == '@' || strchr(s, '-') != NULL ||
	    probe_when_parse(s, 0, &t) != 0)
		return -1;
	*secs = -(long long)t;
	return 0;
}

void
probe_when_iso(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, outlen, "@%lld", (long long)t);
}

void
probe_when_span(long long secs, char *out, size_t outlen)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		(void)snprintf(out, outlen, "%lldd %lldh", secs / 86400,
		    secs % 86400 / 3600);
	else if (secs >= 3600)
		(void)snprintf(out, outlen, "%lldh %lldm", secs / 3600,
		    secs % 3600 / 60);
	else if (secs >= 60)
		(void)snprintf(out, outlen, "%lldm", secs / 60);
	else
		(void)snprintf(out, outlen, "%llds", secs);
}
