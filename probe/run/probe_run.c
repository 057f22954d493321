/*
 * probe_run - MX lookup and attempts, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/run/probe_run.h"
#include "smtp/smtp_clock.h"

static int
probe_run_resolve(const struct probe_run_opts *o, struct probe_result *r)
{
	enum probe_mx_rc rc;

	if (o->server != NULL)
		rc = probe_mx_resolve_host(o->server, &o->dns, &r->mx,
		    r->error, sizeof(r->error));
	else
		rc = probe_mx_resolve(o->domain, &o->dns, &r->mx, r->error,
		    sizeof(r->error));
	if (rc != PROBE_MX_OK)
		return -1;
	if (r->mx.status != PROBE_MX_FOUND &&
	    r->mx.status != PROBE_MX_IMPLICIT) {
		r->has_dns_verdict = true;
		r->verdict = probe_verdict_dns_decide(r->mx.status);
		(void)snprintf(r->error, sizeof(r->error), "%s",
		    r->mx.message);
	}
	return 0;
}

/* Run one dialogue to one address of one MX host. */
static void
probe_run_attempt(const struct probe_run_opts *o,
    const struct probe_mx_host *h, const struct probe_mx_addr *a,
    struct probe_attempt *at, bool is_clear_retry)
{
	in_port_t port = htons((in_port_t)o->port);
	void *token;

	(void)snprintf(at->mx, sizeof(at->mx), "%s", h->name);
	(void)snprintf(at->address, sizeof(at->address), "%s", a->text);
	at->pref = h->pref;
	at->port = o->port;
	memcpy(&at->dst, &a->sa, a->salen);
	if (at->dst.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&at->dst)->sin6_port = port;
	else
		((struct sockaddr_in *)(void *)&at->dst)->sin_port = port;
	at->opts = o->dialog;
	at->opts.dst = (const struct sockaddr *)&at->dst;
	at->opts.dstlen = a->salen;
	at->opts.src = o->source;
	at->opts.srclen = o->sourcelen;
	at->opts.mx_host = at->mx;
	at->is_clear_retry = is_clear_retry;
	if (is_clear_retry)
		at->opts.starttls = SMTP_STARTTLS_OFF;
	smtp_dialog_init(&at->dialog, &at->opts);
	token = o->gate != NULL ? o->gate(o->gate_ctx, at->mx, at->address) :
	    NULL;
	/* The outcome is in the dialogue; the return value repeats it. */
	if (o->relay != NULL)
		(void)probe_relay_run(o->relay, &at->dialog);
	else
		(void)smtp_dialog_run(&at->dialog);
	if (o->ungate != NULL)
		o->ungate(o->gate_ctx, token);
	at->verdict = probe_verdict_attempt_decide(&at->dialog);
}

/*
 * Under --starttls opportunistic a failed handshake is not the end: an
 * MTA retries the same address in clear (Exim's default) or defers, and
 * none bounces. So do we, on a new connection, and both are recorded.
 */
static bool
probe_run_wants_clear_retry(const struct probe_run_opts *o,
    const struct probe_attempt *at)
{
	/* Not through a relay: that retry could send a password in clear. */
	return o->relay == NULL &&
	    o->dialog.starttls == SMTP_STARTTLS_OPPORTUNISTIC &&
	    !at->is_clear_retry && at->dialog.err.rc == SMTP_E_TLS;
}

/* Try addresses in order; true when one gave a definitive answer. */
static bool
probe_run_attempts(const struct probe_run_opts *o, struct probe_result *r)
{
	const struct probe_mx_host *h;
	size_t i, j;

	for (i = 0; i < r->mx.nhosts; i++) {
		h = &r->mx.hosts[i];
		for (j = 0; j < h->naddrs; j++) {
			if (r->nattempts == PROBE_ATTEMPTS_MAX) {
				r->untried++;
				continue;
			}
			probe_run_attempt(o, h, &h->addrs[j],
			    &r->attempts[r->nattempts++], false);
			if (probe_verdict_is_definitive(
			    &r->attempts[r->nattempts - 1].dialog))
				return true;
			if (!probe_run_wants_clear_retry(o,
			    &r->attempts[r->nattempts - 1]))
				continue;
			if (r->nattempts == PROBE_ATTEMPTS_MAX) {
				r->untried++;
				continue;
			}
			probe_run_attempt(o, h, &h->addrs[j],
			    &r->attempts[r->nattempts++], true);
			if (probe_verdict_is_definitive(
			    &r->attempts[r->nattempts - 1].dialog))
				return true;
		}
	}
	return false;
}

int
probe_run(const struct probe_run_opts *o, struct probe_result *r)
{
	enum probe_verdict v[PROBE_ATTEMPTS_MAX];
	double t0 = smtp_clock_us() / 1e3;
	bool is_definitive;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->verdict = PROBE_VERDICT_ERROR;
	r->decided = SIZE_MAX;
	r->attempts = calloc(PROBE_ATTEMPTS_MAX, sizeof(*r->attempts));
	if (r->attempts == NULL) {
		(void)snprintf(r->error, sizeof(r->error), "out of memory");
		return -1;
	}
	if (probe_run_resolve(o, r) != 0)
		return -1;
	if (!r->has_dns_verdict) {
		is_definitive = probe_run_attempts(o, r);
		for (i = 0; i < r->nattempts; i++)
			v[i] = r->attempts[i].verdict;
		r->verdict = probe_verdict_probe(v, r->nattempts,
		    is_definitive, &r->decided);
		if (r->nattempts == 0)
			(void)snprintf(r->error, sizeof(r->error),
			    "no MX address to try");
	}
	r->elapsed_ms = smtp_clock_us() / 1e3 - t0;
	return 0;
}

void
probe_result_free(struct probe_result *r)
{
	size_t i;

	for (i = 0; r->attempts != NULL && i < r->nattempts; i++)
		smtp_dialog_free(&r->attempts[i].dialog);
	free(r->attempts);
	probe_mx_result_free(&r->mx);
	memset(r, 0, sizeof(*r));
}
