/*
 * dkim_verify - the receiving side of DKIM for the tests: verify the
 * first signature of a message with libopendkim's verifier, the key
 * record fetched by a caller's function (the fake MX asks its DNS
 * server, unit tests hand over a fixture). Used by tests/fakemx for its
 * ?dkim= condition and by the signer's unit tests.
 */
#ifndef SMTPPROBE_DKIM_VERIFY_H
#define SMTPPROBE_DKIM_VERIFY_H

#include <stddef.h>

enum dkim_verify_result {
	DKIM_VERIFY_NONE,	/* no DKIM-Signature */
	DKIM_VERIFY_PASS,
	DKIM_VERIFY_FAIL,	/* bad signature, no key, wrong key */
};

/* Write the TXT record at name into txt; 0, or -1 when there is none. */
typedef int	dkim_verify_lookup_fn(void *ctx, const char *name, char *txt,
		    size_t txtlen);

/*
 * dkim_verify_message - verify msg (LF or CRLF lines, not dot-stuffed).
 * why gets one line: "d=example.test s=sel" and, on failure, the reason.
 */
enum dkim_verify_result dkim_verify_message(const char *msg, size_t len,
		    dkim_verify_lookup_fn *lookup, void *ctx, char *why,
		    size_t whylen);

/* "pass", "fail", "none". */
const char	*dkim_verify_result_name(enum dkim_verify_result r);

#endif
