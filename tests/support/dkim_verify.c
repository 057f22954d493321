/*
 * dkim_verify - libopendkim's verifier for the tests. See dkim_verify.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "dkim_verify.h"

#define VERIFY_NAME_MAX	300

struct verify_ctx {
	dkim_verify_lookup_fn	*lookup;
	void			*ctx;
};

static DKIM_CBSTAT
verify_key(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct verify_ctx *v = dkim_get_user_context(dkim);
	char name[VERIFY_NAME_MAX];

	(void)snprintf(name, sizeof(name), "%s._domainkey.%s",
	    (const char *)dkim_sig_getselector(sig),
	    (const char *)dkim_sig_getdomain(sig));
	if (v->lookup(v->ctx, name, (char *)buf, buflen) != 0)
		return DKIM_CBSTAT_NOTFOUND;
	return DKIM_CBSTAT_CONTINUE;
}

/* Lines cut as the SMTP layer cuts them: LF, CRLF or a lone CR. */
static bool
verify_line(const char *m, size_t len, size_t *pos, const char **line,
    size_t *n)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	*line = m + i;
	while (i < len && m[i] != '\r' && m[i] != '\n')
		i++;
	*n = (size_t)(m + i - *line);
	i += (i < len && m[i] == '\r' && i + 1 < len && m[i + 1] == '\n') ? 2 :
	    i < len ? 1 : 0;
	*pos = i;
	return true;
}

static void
verify_feed(DKIM *dkim, const char *msg, size_t len)
{
	char *field = malloc(len * 2 + 3), *body = malloc(len * 2 + 3);
	size_t pos = 0, n, flen = 0, blen = 0;
	const char *line;
	bool in_body = false;

	if (field == NULL || body == NULL)
		goto out;
	while (verify_line(msg, len, &pos, &line, &n)) {
		if (in_body) {
			memcpy(body + blen, line, n);
			memcpy(body + blen + n, "\r\n", 2);
			blen += n + 2;
		} else if (n == 0) {
			in_body = true;
		} else {
			if (line[0] != ' ' && line[0] != '\t' && flen > 0) {
				(void)dkim_header(dkim, (u_char *)field, flen);
				flen = 0;
			}
			if (flen > 0) {
				memcpy(field + flen, "\r\n", 2);
				flen += 2;
			}
			memcpy(field + flen, line, n);
			flen += n;
		}
	}
	if (flen > 0)
		(void)dkim_header(dkim, (u_char *)field, flen);
	(void)dkim_eoh(dkim);
	if (blen > 0)
		(void)dkim_body(dkim, (u_char *)body, blen);
out:
	free(field);
	free(body);
}

enum dkim_verify_result
dkim_verify_message(const char *msg, size_t len, dkim_verify_lookup_fn *lookup,
    void *ctx, char *why, size_t whylen)
{
	struct verify_ctx v = { lookup, ctx };
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_SIGINFO *sig;
	DKIM *dkim;
	DKIM_STAT st;
	enum dkim_verify_result r = DKIM_VERIFY_FAIL;

	(void)snprintf(why, whylen, "no verifier");
	if (lib == NULL)
		return r;
	(void)dkim_set_key_lookup(lib, verify_key);
	dkim = dkim_verify(lib, (const u_char *)"fakemx", NULL, &st);
	if (dkim == NULL)
		goto out;
	(void)dkim_set_user_context(dkim, &v);
	verify_feed(dkim, msg, len);
	st = dkim_eom(dkim, NULL);
	sig = dkim_getsignature(dkim);
	if (st == DKIM_STAT_NOSIG || sig == NULL) {
		r = DKIM_VERIFY_NONE;
		(void)snprintf(why, whylen, "no signature");
	} else {
		r = st == DKIM_STAT_OK && DKIM_SIG_CHECK(sig) ?
		    DKIM_VERIFY_PASS : DKIM_VERIFY_FAIL;
		(void)snprintf(why, whylen, "d=%s s=%s%s%s",
		    (const char *)dkim_sig_getdomain(sig),
		    (const char *)dkim_sig_getselector(sig),
		    r == DKIM_VERIFY_PASS ? "" : " ",
		    r == DKIM_VERIFY_PASS ? "" : dkim_sig_geterrorstr(
		    dkim_sig_geterror(sig)));
	}
	(void)dkim_free(dkim);
out:
	dkim_close(lib);
	return r;
}

const char *
dkim_verify_result_name(enum dkim_verify_result r)
{
	return r == DKIM_VERIFY_PASS ? "pass" : r == DKIM_VERIFY_FAIL ?
	    "fail" : "none";
}
