/*
 * probe_verdict - pass, tempfail, fail or error.
 */
#include "probe/verdict/probe_verdict.h"

static const char *const probe_verdict_names[] = {
	[PROBE_VERDICT_PASS] = "pass",
	[PROBE_VERDICT_TEMPFAIL] = "tempfail",
	[PROBE_VERDICT_FAIL] = "fail",
	[PROBE_VERDICT_ERROR] = "error",
};
_Static_assert(sizeof(probe_verdict_names) / sizeof(probe_verdict_names[0])
    == PROBE_VERDICT_COUNT, "each verdict needs a name");

const char *
probe_verdict_name(enum probe_verdict v)
{
	if ((unsigned)v >= PROBE_VERDICT_COUNT)
		return "error";
	return probe_verdict_names[v];
}

/* What an error of ours (no reply decided) means for delivery. */
static enum probe_verdict
probe_verdict_of_rc(enum smtp_rc rc)
{
	switch (rc) {
	case SMTP_OK:
		return PROBE_VERDICT_PASS;
	case SMTP_E_NOTLS:
	case SMTP_E_TLS:
	case SMTP_E_TLS_VERIFY:
		return PROBE_VERDICT_FAIL;
	case SMTP_E_CONNECT:
	case SMTP_E_IO:
	case SMTP_E_TIMEOUT:
	case SMTP_E_PROTO:
	case SMTP_E_LIMIT:
		return PROBE_VERDICT_TEMPFAIL;
	default:
		return PROBE_VERDICT_ERROR;
	}
}

enum probe_verdict
probe_verdict_attempt_decide(const struct smtp_dialog *d)
{
	const struct smtp_step *final = smtp_dialog_final(d);

	if (d->err.rc != SMTP_OK)
		return probe_verdict_of_rc(d->err.rc);
	if (d->is_accepted)
		return PROBE_VERDICT_PASS;
	if (final == NULL)
		return PROBE_VERDICT_ERROR;
	switch (final->reply.code / 100) {
	case 4:
		return PROBE_VERDICT_TEMPFAIL;
	case 5:
		return PROBE_VERDICT_FAIL;
	default:
		/* A refusal with a 2xx/3xx in the wrong place: do not pass. */
		return PROBE_VERDICT_TEMPFAIL;
	}
}

bool
probe_verdict_is_definitive(const struct smtp_dialog *d)
{
	const struct smtp_step *final = smtp_dialog_final(d);

	if (d->err.rc != SMTP_OK)
		return probe_verdict_of_rc(d->err.rc) == PROBE_VERDICT_ERROR;
	if (d->is_accepted)
		return true;
	return final != NULL && final->reply.code / 100 == 5;
}

enum probe_verdict
probe_verdict_dns_decide(enum probe_mx_status status)
{
	switch (status) {
	case PROBE_MX_FOUND:
	case PROBE_MX_IMPLICIT:
		return PROBE_VERDICT_PASS;
	case PROBE_MX_NULL:
	case PROBE_MX_NXDOMAIN:
	case PROBE_MX_NODATA:
		return PROBE_VERDICT_FAIL;
	default:
		return PROBE_VERDICT_TEMPFAIL;
	}
}

enum probe_verdict
probe_verdict_combine(const enum probe_verdict *v, size_t n,
    bool last_is_definitive)
{
	enum probe_verdict worst = PROBE_VERDICT_PASS;
	size_t i;

	if (n == 0)
		return PROBE_VERDICT_ERROR;
	if (last_is_definitive)
		return v[n - 1];
	for (i = 0; i < n; i++)
		if (v[i] > worst)
			worst = v[i];
	return worst;
}

enum probe_verdict
probe_verdict_worse(enum probe_verdict a, enum probe_verdict b)
{
	return a > b ? a : b;
}
