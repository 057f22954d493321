/*
 * probe_diag - catalog matches for probe outcomes, rendered.
 */
#include <string.h>

#include "probe/catalog/probe_diag.h"
#include "probe/util/probe_escape.h"

/* Long enough for any filled remediation step. */
#define PROBE_DIAG_FILL_MAX	4096

bool
probe_diag_attempt(struct probe_catalog *c, const struct probe_attempt *a,
    const char *provider, struct probe_catalog_match *m)
{
	const struct smtp_step *f = smtp_dialog_final(&a->dialog);
	struct probe_catalog_query q = { .provider = provider };
	char text[PROBE_CATALOG_TEXT_MAX];

	memset(m, 0, sizeof(*m));
	if (f == NULL || a->verdict == PROBE_VERDICT_PASS)
		return false;
	q.has_stage = true;
	q.stage = f->stage;
	if (a->dialog.err.rc != SMTP_OK) {
		q.outcome = smtp_err_name(a->dialog.err.rc);
		q.text = a->dialog.err.msg;
		q.len = strlen(a->dialog.err.msg);
	} else {
		q.code = f->reply.code;
		q.enhanced = f->reply.enhanced;
		q.len = probe_catalog_join(&f->reply, text, sizeof(text));
		q.text = text;
	}
	if (!probe_catalog_match(c, &q, m))
		return false;
	m->verdict = probe_verdict_name(a->verdict);
	return true;
}

bool
probe_diag_dns(struct probe_catalog *c, const struct probe_result *r,
    const char *provider, struct probe_catalog_match *m)
{
	struct probe_catalog_query q = { .provider = provider };

	memset(m, 0, sizeof(*m));
	if (!r->has_dns_verdict)
		return false;
	/* A DNS timeout is its own outcome, apart from an SMTP one. */
	q.outcome = r->mx.status == PROBE_MX_TIMEOUT ? "dns_timeout" :
	    probe_mx_status_name(r->mx.status);
	q.text = r->mx.message;
	q.len = strlen(r->mx.message);
	if (!probe_catalog_match(c, &q, m))
		return false;
	m->verdict = probe_verdict_name(r->verdict);
	return true;
}

/* The verdict shown: the caller's (from probe_verdict), else the entry's. */
static const char *
probe_diag_verdict(const struct probe_catalog_match *m)
{
	const char *v = probe_catalog_verdict_name(m->entry->verdict);

	return m->verdict != NULL ? m->verdict : v != NULL ? v : "unknown";
}

static void
probe_diag_fill(const struct probe_catalog_match *m,
    const struct probe_diag_ctx *ctx, const char *tmpl, char *out)
{
	const char *facts[] = { "domain", ctx->domain, "ip", ctx->ip, "helo",
	    ctx->helo, "mx", ctx->mx, "rcpt_domain", ctx->rcpt_domain, "port",
	    ctx->port[0] != '\0' ? ctx->port : NULL, NULL, NULL };

	probe_catalog_fill(tmpl, m, facts, out, PROBE_DIAG_FILL_MAX);
}

void
probe_diag_text(FILE *fp, const struct probe_catalog_match *m,
    const struct probe_diag_ctx *ctx, const char *indent)
{
	const struct probe_catalog_entry *e = m->entry;
	char buf[PROBE_DIAG_FILL_MAX];
	size_t i;

	if (e == NULL)
		return;
	fprintf(fp, "%sdiagnosis: %s (%s, cause %s)%s\n", indent, e->id,
	    probe_diag_verdict(m), e->cause,
	    m->is_fallback ? " - not in the catalog: matched by code only" :
	    "");

	probe_diag_fill(m, ctx, e->summary, buf);
	fprintf(fp, "%s  ", indent);
	probe_escape_text(fp, buf, strlen(buf));
	putc('\n', fp);
	/* Why this entry: the layer that decided and, for a phrase, which. */
	fprintf(fp, "%s  decided by the %s layer", indent,
	    probe_catalog_layer_name(m->layer));
	if (m->phrase != NULL) {
		fputs(", phrase: ", fp);
		probe_escape_text(fp, m->phrase, strlen(m->phrase));
	}
	putc('\n', fp);
	for (i = 0; i < e->nremediation; i++) {
		probe_diag_fill(m, ctx, e->remediation[i], buf);
		fprintf(fp, "%s  %zu. ", indent, i + 1);
		probe_escape_text(fp, buf, strlen(buf));
		putc('\n', fp);
	}
	fprintf(fp, "%s  see: ", indent);
	probe_escape_text(fp, e->see, strlen(e->see));
	putc('\n', fp);
}

void
probe_diag_json(FILE *fp, const struct probe_catalog_match *m,
    const struct probe_diag_ctx *ctx)
{
	const struct probe_catalog_entry *e = m->entry;
	char buf[PROBE_DIAG_FILL_MAX];
	size_t i;

	if (e == NULL) {
		fputs("null", fp);
		return;
	}
	fputs("{\"id\":", fp);
	(void)probe_escape_json_str(fp, e->id);
	probe_json_str(fp, "provider", e->provider, true);
	probe_json_str(fp, "cause", e->cause, true);
	/* One vocabulary in JSON: a verdict, or null for none told. */
	probe_json_str(fp, "verdict", strcmp(probe_diag_verdict(m),
	    "unknown") == 0 ? NULL : probe_diag_verdict(m), true);
	fprintf(fp, ",\"in_catalog\":%s,\"summary\":",
	    m->is_fallback ? "false" : "true");
	probe_diag_fill(m, ctx, e->summary, buf);
	(void)probe_escape_json_str(fp, buf);
	fputs(",\"remediation\":[", fp);
	for (i = 0; i < e->nremediation; i++) {
		probe_diag_fill(m, ctx, e->remediation[i], buf);
		if (i > 0)
			putc(',', fp);
		(void)probe_escape_json_str(fp, buf);
	}
	fprintf(fp, "],\"layer\":\"%s\",\"phrase\":",
	    probe_catalog_layer_name(m->layer));
	(void)probe_escape_json_str(fp, m->phrase);
	fputs(",\"captures\":{", fp);
	for (i = 0; i < m->ncaptures; i++) {
		fputs(i ? "," : "", fp);
		(void)probe_escape_json_str(fp, m->captures[i].name);
		putc(':', fp);
		(void)probe_escape_json_str(fp, m->captures[i].value);
	}
	fputs("},\"see\":", fp);
	(void)probe_escape_json_str(fp, e->see);
	putc('}', fp);
}
