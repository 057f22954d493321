/*
 * probe_idna - U-labels to A-labels with libidn2.
 */
#include <idn2.h>
#include <stdio.h>
#include <string.h>

#include "probe/dns/probe_idna.h"

bool
probe_idna_is_ascii(const char *name)
{
	const unsigned char *u;

	for (u = (const unsigned char *)name; *u != '\0'; u++)
		if (*u >= 0x80)
			return false;
	return true;
}

/* libidn2's conversion, curl's flags (lib/idn.c); *out to idn2_free(). */
static int
probe_idna_convert(const char *name, char **out)
{
	int rc;

	rc = idn2_to_ascii_8z(name, out, IDN2_NFC_INPUT |
	    IDN2_NONTRANSITIONAL);
	/* UTS #46: "faß.de" and friends, disallowed by IDNA2008 alone. */
	if (rc == IDN2_DISALLOWED)
		rc = idn2_to_ascii_8z(name, out, IDN2_NFC_INPUT |
		    IDN2_TRANSITIONAL);
	return rc;
}

bool
probe_idna_to_ascii(const char *name, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char *conv = NULL;
	const char *a = name;
	bool ok = false;
	int rc;

	out[0] = '\0';
	if (!probe_idna_is_ascii(name)) {
		rc = probe_idna_convert(name, &conv);
		if (rc != IDN2_OK) {
			(void)snprintf(err, errlen, "not a valid "
			    "internationalised domain name (IDNA2008): %s",
			    idn2_strerror(rc));
			goto out;
		}
		a = conv;
	}
	if (strlen(a) >= outlen || strlen(a) > PROBE_IDNA_NAME_MAX) {
		(void)snprintf(err, errlen, "the name is longer than %d "
		    "characters%s (RFC 1035 2.3.4)", PROBE_IDNA_NAME_MAX,
		    conv != NULL ? " in its A-label form" : "");
		goto out;
	}
	memcpy(out, a, strlen(a) + 1);
	ok = true;
out:
	idn2_free(conv);
	return ok;
}
