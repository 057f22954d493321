/*
 * probe_report_text - the human report.
 */
#include <string.h>

#include "probe/report/probe_bulk_report.h"
#include "probe/report/probe_check_report.h"
#include "probe/util/probe_escape.h"
#include "probe/report/probe_report_text.h"

/* Lines up under the text after "  %-12s %7.1f ms  " (27 columns). */
#define PROBE_TEXT_INDENT	"                           "

static void
probe_text_reply(FILE *fp, const struct smtp_reply *reply, bool first)
{
	const char *line;
	size_t i, len;

	for (i = 0; i < reply->nlines; i++) {
		line = smtp_reply_line(reply, i, &len);
		fputs(first && i == 0 ? "S: " : PROBE_TEXT_INDENT "S: ", fp);
		probe_escape_text(fp, line, len);
		putc('\n', fp);
	}
}

static void
probe_text_step(FILE *fp, const struct smtp_dialog *d,
    const struct smtp_step *s)
{
	bool first = true;

	fprintf(fp, "  %-12s %7.1f ms  ", smtp_stage_name(s->stage),
	    s->elapsed_ms);
	if (s->stage == SMTP_STAGE_END_OF_DATA && s->note[0] != '\0') {
		fprintf(fp, "C: (%s)\n" PROBE_TEXT_INDENT, s->note);
	}
	if (s->command[0] != '\0') {
		fputs("C: ", fp);
		probe_escape_text(fp, s->command, strlen(s->command));
		fputs("\n", fp);
		first = false;
	}
	if (s->stage == SMTP_STAGE_TLS && s->rc == SMTP_OK) {
		fprintf(fp, "%s%s %s\n", first ? "" : PROBE_TEXT_INDENT,
		    d->tls.version, d->tls.cipher);
		first = false;
	}
	if (s->stage == SMTP_STAGE_CONNECT && s->rc == SMTP_OK) {
		fputs("connected\n", fp);
		first = false;
	}
	probe_text_reply(fp, &s->reply, first);
	if (first && s->reply.nlines == 0 && s->rc == SMTP_OK)
		putc('\n', fp);
	if (first && s->reply.nlines > 0)
		first = false;
	if (s->rc != SMTP_OK) {
		fprintf(fp, "%s!! %s: ", first ? "" : PROBE_TEXT_INDENT,
		    smtp_err_name(s->rc));
		probe_escape_words(fp, s->error, strlen(s->error));
		putc('\n', fp);
	}
	if (s->note[0] != '\0' && s->stage != SMTP_STAGE_END_OF_DATA) {
		fputs(PROBE_TEXT_INDENT "note: ", fp);
		probe_escape_words(fp, s->note, strlen(s->note));
		putc('\n', fp);
	}
}

static void
probe_text_names(FILE *fp, const struct tls_facts *t)
{
	size_t i;

	fputs("       names:", fp);
	for (i = 0; i < t->nnames; i++) {
		fputs(i ? ", " : " ", fp);
		probe_escape_text(fp, t->names[i], strlen(t->names[i]));
	}
	if (t->names_truncated > 0)
		fprintf(fp, " (and %zu more)", t->names_truncated);
	putc('\n', fp);
}

/* The leaf's IP SANs and the chain the server sent, depth by depth. */
static void
probe_text_chain(FILE *fp, const struct tls_facts *t)
{
	size_t i;

	if (t->nips > 0) {
		fputs("       IP names:", fp);
		for (i = 0; i < t->nips; i++) {
			putc(' ', fp);
			probe_escape_text(fp, t->ips[i], strlen(t->ips[i]));
		}
		if (t->ips_truncated > 0)
			fprintf(fp, " (and %zu more)", t->ips_truncated);
		putc('\n', fp);
	}
	for (i = 0; i < t->nchain; i++) {
		fprintf(fp, "       chain %zu: ", i);
		probe_escape_text(fp, t->chain[i].subject,
		    strlen(t->chain[i].subject));
		fputs(" <- ", fp);
		probe_escape_text(fp, t->chain[i].issuer,
		    strlen(t->chain[i].issuer));
		putc('\n', fp);
	}
	if (t->chain_truncated > 0)
		fprintf(fp, "       (and %zu more certificates)\n",
		    t->chain_truncated);
}

static void
probe_text_tls(FILE *fp, const struct probe_attempt *a)
{
	const struct tls_facts *t = &a->dialog.tls;

	if (!a->dialog.tls_active)
		return;
	fprintf(fp, "  TLS: %s, %s; certificate ", t->version, t->cipher);
	if (t->verified)
		fputs("verified for ", fp);
	else
		fputs("NOT verified for ", fp);
	probe_escape_text(fp, a->mx, strlen(a->mx));
	if (!t->verified) {
		fputs(" (", fp);
		probe_escape_text(fp, t->verify_error, strlen(t->verify_error));
		putc(')', fp);
	}
	fputs("\n       subject ", fp);
	probe_escape_text(fp, t->subject, strlen(t->subject));
	fputs("; issuer ", fp);
	probe_escape_text(fp, t->issuer, strlen(t->issuer));
	fprintf(fp, "; expires %s\n", t->not_after);
	probe_text_names(fp, t);
	probe_text_chain(fp, t);
}

/* Whether d's capabilities came from the EHLO said over TLS. */
static bool
probe_text_caps_after_tls(const struct smtp_dialog *d)
{
	const struct smtp_step *st;
	size_t i;

	for (i = 0; i < d->transcript.nsteps; i++) {
		st = &d->transcript.steps[i];
		if (st->stage == SMTP_STAGE_EHLO_TLS &&
		    st->reply.code / 100 == 2)
			return true;
	}
	return false;
}

static void
probe_text_caps(FILE *fp, const struct smtp_dialog *d)
{
	size_t i;
	bool any = false;

	if (!d->has_caps)
		return;
	/*
	 * After TLS only when the EHLO after TLS answered: --quit-after tls
	 * ends with TLS up and the capabilities still those said in clear.
	 */
	fprintf(fp, "  capabilities%s:", probe_text_caps_after_tls(d) ?
	    " (after TLS)" : "");
	for (i = 0; i < SMTP_EHLO_CAP_COUNT; i++) {
		if (!d->caps.has[i])
			continue;
		fprintf(fp, " %s", smtp_ehlo_cap_name((enum smtp_ehlo_cap)i));
		if (i == SMTP_EHLO_SIZE && d->caps.size_max > 0)
			fprintf(fp, "=%llu",
			    (unsigned long long)d->caps.size_max);
		any = true;
	}
	fputs(any ? "\n" : " none\n", fp);
}

/* A diagnosis, and the record behind it when the check found one. */
static void
probe_text_diag(FILE *fp, const struct probe_report_info *info,
    const struct probe_catalog_match *m, const struct probe_diag_ctx *ctx)
{
	probe_diag_text(fp, m, ctx, PROBE_TEXT_INDENT);
	/* false: a cause no record explains, and no line for it. */
	if (info->check != NULL && m->entry->cause != NULL)
		(void)probe_check_report_text_record(fp, info->check,
		    m->entry->cause, PROBE_TEXT_INDENT);
}

static void
probe_text_attempt(FILE *fp, const struct probe_report_info *info, size_t n,
    const struct probe_attempt *a)
{
	struct probe_diag_ctx ctx = { 0 };
	bool has_match = info->matches != NULL &&
	    info->matches[n - 1].entry != NULL;
	size_t i;

	fprintf(fp, "\nattempt %zu: ", n);
	probe_escape_text(fp, a->mx, strlen(a->mx));
	fprintf(fp, " [%s] port %d", a->address, a->port);
	if (info->source[0] != '\0') {
		fputs(" from ", fp);
		probe_escape_text(fp, info->source, strlen(info->source));
	}
	if (a->is_clear_retry)
		fputs(" in clear (retry after the failed TLS handshake, "
		    "--starttls opportunistic)", fp);
	fprintf(fp, " -> %s\n", probe_verdict_name(a->verdict));
	if (info->profile_def != NULL && info->profile_def->nmx_patterns > 0 &&
	    !probe_profile_mx_matches(info->profile_def, a->mx)) {
		fputs("  warning: ", fp);
		probe_escape_text(fp, a->mx, strlen(a->mx));
		fprintf(fp, " is not one of %s's MX hosts (%s...): this "
		    "domain's mail does not go to that provider\n",
		    info->profile_def->name, info->profile_def->mx_patterns[0]);
	}
	if (has_match) {
		ctx = *info->diag;
		ctx.mx = a->mx;
		(void)snprintf(ctx.port, sizeof(ctx.port), "%d", a->port);
	}
	for (i = 0; i < a->dialog.transcript.nsteps; i++) {
		probe_text_step(fp, &a->dialog, &a->dialog.transcript.steps[i]);
		/* The diagnosis goes right under the reply it explains. */
		if (has_match && a->dialog.has_final &&
		    a->dialog.final_step == i)
			probe_text_diag(fp, info, &info->matches[n - 1], &ctx);
	}
	probe_text_tls(fp, a);
	probe_text_caps(fp, &a->dialog);
	if (a->dialog.queue_id[0] != '\0') {
		fputs("  queue id: ", fp);
		probe_escape_text(fp, a->dialog.queue_id,
		    strlen(a->dialog.queue_id));
		putc('\n', fp);
	}
	if (a->dialog.err.rc == SMTP_E_STARTTLS_INJECTION) {
		fputs("  SECURITY: ", fp);
		probe_escape_words(fp, a->dialog.err.msg,
		    strlen(a->dialog.err.msg));
		fputs(" - STARTTLS command injection (RFC 3207 5, the "
		    "CVE-2011-0411 family): the attempt was ended before any "
		    "handshake, and no other MX was tried\n", fp);
	}
}

static void
probe_text_dns(FILE *fp, const struct probe_report_info *info,
    const struct probe_result *r)
{
	const struct probe_mx_host *h;
	size_t i, j;

	fputs(info->is_server ? "  server " : "  mail for ", fp);
	probe_escape_text(fp, info->domain, strlen(info->domain));
	fprintf(fp, ": %s\n", info->is_server ? "given with --server, no MX "
	    "lookup" : probe_mx_status_name(r->mx.status));
	if (r->mx.message[0] != '\0') {
		fputs("    ", fp);
		probe_escape_words(fp, r->mx.message, strlen(r->mx.message));
		putc('\n', fp);
	}
	for (i = 0; i < r->mx.nhosts; i++) {
		h = &r->mx.hosts[i];
		fprintf(fp, "    MX %u ", h->pref);
		probe_escape_text(fp, h->name, strlen(h->name));
		for (j = 0; j < h->naddrs; j++)
			fprintf(fp, "%s%s", j ? ", " : " [", h->addrs[j].text);
		fputs(h->naddrs ? "]" : "", fp);
		if (h->naddrs == 0) {
			fputs(" ", fp);
			probe_escape_words(fp, h->error, strlen(h->error));
		}
		putc('\n', fp);
	}
	if (r->mx.hosts_dropped > 0)
		fprintf(fp, "    (%zu more MX records not used)\n",
		    r->mx.hosts_dropped);
	if (info->dns_match != NULL && info->dns_match->entry != NULL)
		probe_diag_text(fp, info->dns_match, info->diag, "    ");
}

/*
 * The reason on the verdict line: the deciding reply ("550 5.7.26 at
 * end-of-data from mx [addr]"), or our words ("at connect to mx [addr]:
 * Connection refused").
 */
static void
probe_text_reason(FILE *fp, const struct probe_attempt *a)
{
	const struct smtp_step *f = smtp_dialog_final(&a->dialog);
	bool is_reply = f != NULL && a->dialog.err.rc == SMTP_OK &&
	    f->reply.code > 0;

	if (a->dialog.err.rc == SMTP_OK && a->dialog.is_accepted &&
	    a->opts.has_quit_after) {
		/* A pass that stopped early has no refusal to name. */
		fprintf(fp, "stopped after %s as asked (--quit-after) at ",
		    smtp_stage_name(a->opts.quit_after));
		probe_escape_text(fp, a->mx, strlen(a->mx));
		fprintf(fp, " [%s]", a->address);
		return;
	}
	if (is_reply)
		fprintf(fp, "%d%s%s at %s from ", f->reply.code,
		    f->reply.enhanced[0] ? " " : "", f->reply.enhanced,
		    smtp_stage_name(f->stage));
	else
		fprintf(fp, "at %s to ", f ? smtp_stage_name(f->stage) :
		    "start");
	probe_escape_text(fp, a->mx, strlen(a->mx));
	fprintf(fp, " [%s]", a->address);
	if (!is_reply) {
		fputs(": ", fp);
		probe_escape_words(fp, a->dialog.err.msg,
		    strlen(a->dialog.err.msg));
	}
}

void
probe_report_text_verdict(FILE *fp, const struct probe_report_info *info,
    const struct probe_result *r)
{
	fprintf(fp, "verdict: %s - ", probe_verdict_name(r->verdict));
	/* The attempt that set the verdict, as probe_verdict_probe said. */
	if (r->decided < r->nattempts)
		probe_text_reason(fp, &r->attempts[r->decided]);
	else
		probe_escape_words(fp, r->error, strlen(r->error));
	if (info->source[0] != '\0') {
		fputs(" (source ", fp);
		probe_escape_text(fp, info->source, strlen(info->source));
		putc(')', fp);
	}
	putc('\n', fp);
}

/* What was signed: the DKIM-Signature's tags but b=. */
static void
probe_text_dkim(FILE *fp, const struct probe_sign_facts *d)
{
	if (d == NULL) {
		fputs("  DKIM: not signed\n", fp);
		return;
	}
	fputs("  DKIM: signed d=", fp);
	probe_escape_text(fp, d->d, strlen(d->d));
	fputs(" s=", fp);
	probe_escape_text(fp, d->s, strlen(d->s));
	fprintf(fp, " a=%s c=%s (%u-bit key)\n    h=", d->a, d->c, d->bits);
	probe_escape_text(fp, d->h, strlen(d->h));
	fputs("\n    bh=", fp);
	probe_escape_text(fp, d->bh, strlen(d->bh));
	putc('\n', fp);
}

void
probe_report_text_render(FILE *fp, const struct probe_report_info *info,
    const struct probe_result *r)
{
	size_t i;

	/*
	 * The profile may be a file name (--profile FILE), and a name may
	 * hold any byte: escaped like everything else that is not ours.
	 */
	fprintf(fp, "smtpprobe %s: probe ", SMTPPROBE_VERSION);
	probe_escape_text(fp, info->probe_id, strlen(info->probe_id));
	fputs(", profile ", fp);
	probe_escape_text(fp, info->profile, strlen(info->profile));
	fputs("\n  envelope <", fp);
	probe_escape_text(fp, info->mail_from, strlen(info->mail_from));
	fputs(">, HELO ", fp);
	probe_escape_text(fp, info->helo, strlen(info->helo));
	fputs(", source ", fp);
	if (info->source[0] != '\0')
		probe_escape_text(fp, info->source, strlen(info->source));
	else
		fputs("(system default)", fp);
	putc('\n', fp);
	probe_text_dns(fp, info, r);
	probe_text_dkim(fp, info->dkim);
	/* The check's block belongs to the header, before any attempt. */
	if (info->check != NULL)
		probe_check_report_text_brief(fp, info->check);
	else if (info->check_note != NULL) {
		putc('\n', fp);
		probe_escape_text(fp, info->check_note,
		    strlen(info->check_note));
		putc('\n', fp);
	}
	for (i = 0; i < r->nattempts; i++)
		probe_text_attempt(fp, info, i + 1, &r->attempts[i]);
	if (r->untried > 0)
		fprintf(fp, "\n(%zu more addresses not tried: at most %d "
		    "attempts per probe)\n", r->untried, PROBE_ATTEMPTS_MAX);
	if (info->bulk != NULL)
		probe_bulk_report_text(fp, info->bulk);
	putc('\n', fp);
	probe_report_text_verdict(fp, info, r);
}
