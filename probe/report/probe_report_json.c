/*
 * probe_report_json - the JSON document.
 */
#include <string.h>

#include "probe/report/probe_bulk_report.h"
#include "probe/report/probe_check_report.h"
#include "probe/util/probe_escape.h"
#include "probe/report/probe_report_json.h"

/* Lines as an array; returns true when any needed U+FFFD. */
static bool
probe_json_lines(FILE *fp, const struct smtp_reply *reply)
{
	const char *line;
	bool replaced = false;
	size_t i, len;

	putc('[', fp);
	for (i = 0; i < reply->nlines; i++) {
		line = smtp_reply_line(reply, i, &len);
		if (i > 0)
			putc(',', fp);
		replaced |= probe_escape_json(fp, line, len);
	}
	putc(']', fp);
	return replaced;
}

static void
probe_json_reply(FILE *fp, const struct smtp_step *s)
{
	bool replaced;

	probe_json_key(fp, "code", true);
	if (s->reply.code > 0)
		fprintf(fp, "%d", s->reply.code);
	else
		fputs("null", fp);
	probe_json_str(fp, "enhanced", s->reply.enhanced[0] ?
	    s->reply.enhanced : NULL, true);
	probe_json_key(fp, "lines", true);
	replaced = probe_json_lines(fp, &s->reply);
	fprintf(fp, ",\"complete\":%s,\"bare_lf\":%s,\"utf8_replaced\":%s",
	    s->reply.nlines == 0 || s->reply.is_complete ? "true" : "false",
	    s->reply.has_bare_lf ? "true" : "false",
	    replaced ? "true" : "false");
	probe_json_str(fp, "error", s->rc != SMTP_OK ? s->error : NULL, true);
	probe_json_str(fp, "error_kind", s->rc != SMTP_OK ?
	    smtp_err_name(s->rc) : NULL, true);
}

static void
probe_json_step(FILE *fp, const struct smtp_step *s, bool comma)
{
	fprintf(fp, "%s{", comma ? "," : "");
	probe_json_str(fp, "stage", smtp_stage_name(s->stage), false);
	probe_json_str(fp, "command", s->command[0] ? s->command : NULL, true);
	probe_json_reply(fp, s);
	probe_json_str(fp, "note", s->note[0] ? s->note : NULL, true);
	fprintf(fp, ",\"elapsed_ms\":%.3f}", s->elapsed_ms);
}

static void
probe_json_tls(FILE *fp, const struct smtp_dialog *d)
{
	const struct tls_facts *t = &d->tls;
	size_t i;

	probe_json_key(fp, "tls", true);
	if (!d->tls_attempted) {
		fputs("null", fp);
		return;
	}
	fprintf(fp, "{\"established\":%s", d->tls_active ? "true" : "false");
	probe_json_str(fp, "version", t->version[0] ? t->version : NULL, true);
	probe_json_str(fp, "cipher", t->cipher[0] ? t->cipher : NULL, true);
	fprintf(fp, ",\"verified\":%s,\"name_matches\":%s",
	    t->verified ? "true" : "false", t->name_matches ? "true" : "false");
	probe_json_str(fp, "verify_error", t->verified ? NULL :
	    t->verify_error, true);
	probe_json_str(fp, "subject", t->has_peer_cert ? t->subject : NULL,
	    true);
	probe_json_str(fp, "issuer", t->has_peer_cert ? t->issuer : NULL,
	    true);
	probe_json_str(fp, "not_after", t->has_peer_cert ? t->not_after : NULL,
	    true);
	probe_json_key(fp, "peer_names", true);
	putc('[', fp);
	for (i = 0; i < t->nnames; i++) {
		if (i > 0)
			putc(',', fp);
		(void)probe_escape_json_str(fp, t->names[i]);
	}
	fprintf(fp, "],\"peer_names_truncated\":%zu", t->names_truncated);
	probe_json_key(fp, "peer_ips", true);
	putc('[', fp);
	for (i = 0; i < t->nips; i++) {
		if (i > 0)
			putc(',', fp);
		(void)probe_escape_json_str(fp, t->ips[i]);
	}
	fprintf(fp, "],\"peer_ips_truncated\":%zu", t->ips_truncated);
	probe_json_key(fp, "chain", true);
	putc('[', fp);
	for (i = 0; i < t->nchain; i++) {
		fprintf(fp, "%s{\"depth\":%zu", i > 0 ? "," : "", i);
		probe_json_str(fp, "subject", t->chain[i].subject, true);
		probe_json_str(fp, "issuer", t->chain[i].issuer, true);
		putc('}', fp);
	}
	fprintf(fp, "],\"chain_truncated\":%zu}", t->chain_truncated);
}

static void
probe_json_caps(FILE *fp, const struct smtp_dialog *d)
{
	size_t i;
	bool comma = false;

	probe_json_key(fp, "capabilities", true);
	putc('[', fp);
	for (i = 0; d->has_caps && i < SMTP_EHLO_CAP_COUNT; i++) {
		if (!d->caps.has[i])
			continue;
		fprintf(fp, "%s\"%s\"", comma ? "," : "",
		    smtp_ehlo_cap_name((enum smtp_ehlo_cap)i));
		comma = true;
	}
	fputs("]", fp);
	probe_json_key(fp, "size_max", true);
	fprintf(fp, "%llu", (unsigned long long)d->caps.size_max);
}

static void
probe_json_final(FILE *fp, const struct smtp_dialog *d)
{
	const struct smtp_step *f = smtp_dialog_final(d);

	probe_json_key(fp, "final", true);
	if (f == NULL) {
		fputs("null", fp);
		return;
	}
	putc('{', fp);
	probe_json_str(fp, "stage", smtp_stage_name(f->stage), false);
	probe_json_reply(fp, f);
	putc('}', fp);
}

static void
probe_json_attempt(FILE *fp, const struct probe_report_info *info,
    const struct probe_attempt *a, const struct probe_catalog_match *match,
    bool comma)
{
	size_t i;

	fprintf(fp, "%s{", comma ? "," : "");
	probe_json_str(fp, "mx", a->mx, false);
	fprintf(fp, ",\"preference\":%u", a->pref);
	probe_json_str(fp, "address", a->address, true);
	fprintf(fp, ",\"port\":%d", a->port);
	probe_json_str(fp, "source", info->source[0] ? info->source : NULL,
	    true);
	probe_json_str(fp, "verdict", probe_verdict_name(a->verdict), true);
	probe_json_str(fp, "error", a->dialog.err.rc != SMTP_OK ?
	    a->dialog.err.msg : NULL, true);
	probe_json_tls(fp, &a->dialog);
	probe_json_caps(fp, &a->dialog);
	probe_json_key(fp, "stages", true);
	putc('[', fp);
	for (i = 0; i < a->dialog.transcript.nsteps; i++)
		probe_json_step(fp, &a->dialog.transcript.steps[i], i > 0);
	putc(']', fp);
	probe_json_final(fp, &a->dialog);
	probe_json_key(fp, "match", true);
	if (match != NULL) {
		struct probe_diag_ctx ctx = *info->diag;

		ctx.mx = a->mx;
		(void)snprintf(ctx.port, sizeof(ctx.port), "%d", a->port);
		probe_diag_json(fp, match, &ctx);
	} else {
		fputs("null", fp);
	}
	fprintf(fp, ",\"clear_retry\":%s", a->is_clear_retry ? "true" :
	    "false");
	probe_json_str(fp, "queue_id", a->dialog.queue_id[0] ?
	    a->dialog.queue_id : NULL, true);
	/* Findings that are about safety, not delivery. */
	probe_json_key(fp, "security", true);
	if (a->dialog.err.rc == SMTP_E_STARTTLS_INJECTION) {
		fputs("[{\"finding\":\"starttls_injection\",\"detail\":", fp);
		(void)probe_escape_json_str(fp, a->dialog.err.msg);
		fputs("}]", fp);
	} else {
		fputs("[]", fp);
	}
	probe_json_key(fp, "mx_is_provider", true);
	fputs(info->profile_def == NULL || info->profile_def->nmx_patterns == 0 ?
	    "null" : probe_profile_mx_matches(info->profile_def, a->mx) ? "true" :
	    "false", fp);
	putc('}', fp);
}

static void
probe_json_mx(FILE *fp, const struct probe_report_info *info,
    const struct probe_result *r)
{
	const struct probe_mx_host *h;
	size_t i, j;

	probe_json_key(fp, "dns", true);
	putc('{', fp);
	probe_json_str(fp, "status", probe_mx_status_name(r->mx.status),
	    false);
	probe_json_str(fp, "message", r->mx.message[0] ? r->mx.message : NULL,
	    true);
	fprintf(fp, ",\"hosts_dropped\":%zu,\"hosts\":[", r->mx.hosts_dropped);
	for (i = 0; i < r->mx.nhosts; i++) {
		h = &r->mx.hosts[i];
		fprintf(fp, "%s{", i ? "," : "");
		probe_json_str(fp, "name", h->name, false);
		fprintf(fp, ",\"preference\":%u,\"addresses\":[", h->pref);
		for (j = 0; j < h->naddrs; j++)
			fprintf(fp, "%s\"%s\"", j ? "," : "", h->addrs[j].text);
		putc(']', fp);
		probe_json_str(fp, "error", h->naddrs ? NULL : h->error, true);
		putc('}', fp);
	}
	fputs("]", fp);
	probe_json_key(fp, "match", true);
	if (info->dns_match != NULL)
		probe_diag_json(fp, info->dns_match, info->diag);
	else
		fputs("null", fp);
	putc('}', fp);
}

/*
 * "check": the pre-flight check's object, or {"skipped": why}; nothing
 * when --no-check asked for none.
 */
static void
probe_json_check(FILE *fp, const struct probe_report_info *info)
{
	if (info->check != NULL) {
		probe_json_key(fp, "check", true);
		probe_check_report_json_object(fp, info->check);
	} else if (info->check_note != NULL) {
		probe_json_key(fp, "check", true);
		putc('{', fp);
		probe_json_str(fp, "skipped", info->check_note, false);
		putc('}', fp);
	}
}

/* "dkim_signature": what was signed, or null for an unsigned message. */
static void
probe_json_dkim(FILE *fp, const struct probe_sign_facts *d)
{
	probe_json_key(fp, "dkim_signature", true);
	if (d == NULL) {
		fputs("null", fp);
		return;
	}
	putc('{', fp);
	probe_json_str(fp, "d", d->d, false);
	probe_json_str(fp, "s", d->s, true);
	probe_json_str(fp, "a", d->a, true);
	probe_json_str(fp, "c", d->c, true);
	probe_json_str(fp, "h", d->h, true);
	probe_json_str(fp, "bh", d->bh, true);
	fprintf(fp, ",\"bits\":%u}", d->bits);
}

void
probe_report_json_head(FILE *fp)
{
	fprintf(fp, "{\"schema_version\":%d", PROBE_JSON_SCHEMA_VERSION);
	probe_json_str(fp, "smtpprobe", SMTPPROBE_VERSION, true);
}

void
probe_report_json_error(FILE *fp, const char *command, const char *msg)
{
	probe_report_json_head(fp);
	probe_json_str(fp, "command", command, true);
	probe_json_str(fp, "verdict", probe_verdict_name(PROBE_VERDICT_ERROR),
	    true);
	fprintf(fp, ",\"exit_code\":%d", PROBE_REPORT_JSON_ERROR_EXIT);
	probe_json_str(fp, "error", msg, true);
	fputs("}\n", fp);
}

void
probe_report_json_render(FILE *fp, const struct probe_report_info *info,
    const struct probe_result *r)
{
	size_t i;

	probe_report_json_head(fp);
	probe_json_str(fp, "probe_id", info->probe_id, true);
	probe_json_str(fp, "profile", info->profile, true);
	probe_json_str(fp, "verdict", probe_verdict_name(r->verdict), true);
	fprintf(fp, ",\"exit_code\":%d", info->exit_code);
	probe_json_str(fp, "domain", info->domain, true);
	probe_json_str(fp, "mail_from", info->mail_from, true);
	probe_json_str(fp, "helo", info->helo, true);
	probe_json_str(fp, "source", info->source[0] ? info->source : NULL,
	    true);
	probe_json_check(fp, info);
	if (info->bulk != NULL) {
		probe_json_key(fp, "bulk", true);
		probe_bulk_report_json_object(fp, info->bulk);
	}
	probe_json_mx(fp, info, r);
	probe_json_key(fp, "attempts", true);
	putc('[', fp);
	for (i = 0; i < r->nattempts; i++)
		probe_json_attempt(fp, info, &r->attempts[i], info->matches ?
		    &info->matches[i] : NULL, i > 0);
	fprintf(fp, "],\"untried\":%zu", r->untried);
	probe_json_str(fp, "error", r->error[0] ? r->error : NULL, true);
	probe_json_dkim(fp, info->dkim);
	fprintf(fp, ",\"elapsed_ms\":%.3f}\n", r->elapsed_ms);
}
