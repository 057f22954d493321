/*
 * smtp_clock - one monotonic clock.
 */
#include <time.h>

#include "smtp/smtp_clock.h"

int64_t
smtp_clock_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
smtp_clock_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail */
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}
