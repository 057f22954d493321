/*
 * probe_idna - a domain name as DNS must be asked for it: an
 * internationalised name (U-labels, "bücher.example") becomes its
 * A-label form ("xn--bcher-kva.example", RFC 5890 2.3.2.1) with libidn2,
 * the library curl and wget use; an ASCII name stays as it is.
 *
 * What it does not do: check an ASCII name (the resolver does), or turn
 * A-labels back into Unicode for display. Conversion follows IDNA2008
 * (RFC 5891) with Unicode NFC on the input, and falls back to the
 * transitional mapping of UTS #46 only for a character IDNA2008
 * disallows, as curl does, so names that browsers reach are reached.
 *
 * Errors: false with one line in err (libidn2's reason) when the name is
 * not UTF-8, not a valid IDN, or too long once converted.
 */
#ifndef SMTPPROBE_PROBE_IDNA_H
#define SMTPPROBE_PROBE_IDNA_H

#include <stdbool.h>
#include <stddef.h>

/* A DNS name is at most 253 characters without the root dot. */
#define PROBE_IDNA_NAME_MAX	253

/* probe_idna_is_ascii - name holds no byte above 0x7f. Pure. */
bool	probe_idna_is_ascii(const char *name);

/*
 * probe_idna_to_ascii - the A-label form of name (borrowed) into out
 * (outlen bytes, NUL-terminated): name itself when it is ASCII. Returns
 * false with err filled (and out "") when it cannot be converted or does
 * not fit.
 */
bool	probe_idna_to_ascii(const char *name, char *out, size_t outlen,
	    char *err, size_t errlen);

#endif
