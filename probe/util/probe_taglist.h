/*
 * probe_taglist - the "tag=value; tag=value" lists that DKIM key records
 * (RFC 6376 3.2) and DMARC records (RFC 7489 6.4) share: split at ";",
 * white space around names and values trimmed, empty segments (a final
 * ";") skipped. Pure: no copy, no allocation; names and values point into
 * the caller's text. What the tags mean is the caller's business.
 */
#ifndef SMTPPROBE_PROBE_TAGLIST_H
#define SMTPPROBE_PROBE_TAGLIST_H

#include <stdbool.h>
#include <stddef.h>

struct probe_taglist_tag {
	const char	*name;
	size_t		 nlen;
	const char	*val;		/* empty when has_eq is false */
	size_t		 vlen;
	bool		 has_eq;	/* a segment without "=" is malformed */
};

/*
 * probe_taglist_next - the next tag of text[0..len) from *pos on, into
 * *t; *pos moves past it. Returns false past the end.
 */
bool	probe_taglist_next(const char *text, size_t len, size_t *pos,
	    struct probe_taglist_tag *t);

/* probe_taglist_is_wsp - RFC 6376 3.2 white space (with CR and LF). */
bool	probe_taglist_is_wsp(char c);

#endif
