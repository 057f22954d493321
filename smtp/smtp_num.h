/*
 * smtp_num - the one range-checking number parser of the project.
 * The atoi and sscanf functions are banned: they accept junk and overflow
 * silently.
 */
#ifndef SMTPPROBE_SMTP_NUM_H
#define SMTPPROBE_SMTP_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * smtp_num_parse - parse len bytes of s as an unsigned decimal number in
 * [min, max]. Only digits are accepted: no sign, no space, no empty text.
 * Returns true and sets *out on success; false leaves *out alone.
 */
bool	smtp_num_parse(const char *s, size_t len, uint64_t min, uint64_t max,
	    uint64_t *out);

#endif
