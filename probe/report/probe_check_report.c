/*
 * probe_check_report - text and JSON for a probe_check result. See
 * probe_check_report.h for the JSON fields and the escaping rules.
 */
#include "probe/report/probe_bulk_report.h"
#include "probe/report/probe_check_report.h"
#include "probe/util/probe_escape.h"

#include <sys/socket.h>

#include <stdbool.h>
#include <string.h>

/* ---- text ---- */

/* An untrusted string, escaped for a terminal. */
static void
rt_str(FILE *fp, const char *s)
{
	probe_escape_text(fp, s, strlen(s));
}

/* "  label: value" when value is not empty. */
static void
rt_line(FILE *fp, const char *label, const char *value)
{
	if (value[0] == '\0')
		return;
	fprintf(fp, "  %s: ", label);
	rt_str(fp, value);
	putc('\n', fp);
}

static const char *
rt_yes(bool b)
{
	return b ? "yes" : "no";
}

static void
rt_spf(FILE *fp, const char *what, const char *domain,
    const struct probe_spf_result *s)
{
	fputs("SPF for ", fp);
	rt_str(fp, domain);
	fprintf(fp, " (%s): %s\n", what, probe_spf_res_name(s->res));
	if (s->mechanism[0] != '\0') {
		fputs("  decided by: ", fp);
		rt_str(fp, s->mechanism);
		fputs(" in ", fp);
		rt_str(fp, s->domain);
		putc('\n', fp);
	}
	rt_line(fp, "record", s->record);
	fprintf(fp, "  lookups: %u of %d, void lookups: %u of %d\n",
	    s->lookups, PROBE_SPF_LOOKUP_MAX, s->void_lookups,
	    PROBE_SPF_VOID_MAX);
	rt_line(fp, "reason", s->reason);
}

static void
rt_dmarc(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_dmarc_result	*d = &r->dmarc;
	const struct probe_dmarc_record	*rec = &d->record;
	const struct probe_check_align	*a = &r->align;

	fputs("DMARC for ", fp);
	rt_str(fp, d->from_domain);
	fprintf(fp, ": %s at ", probe_dmarc_status_name(d->status));
	rt_str(fp, d->name);
	fputs("\n  record: ", fp);
	probe_escape_text(fp, d->text, d->text_len);
	fprintf(fp, "%s\n  organizational domain: ", d->is_text_cut ?
	    " (cut)" : "");
	rt_str(fp, d->org_domain);
	fprintf(fp, " (%s)\n", d->is_org_guessed ? "guessed: last two "
	    "labels, no public suffix list" : "public suffix list");
	if (d->status == PROBE_DMARC_FOUND)
		fprintf(fp, "  policy: p=%s sp=%s pct=%u adkim=%c aspf=%c\n",
		    probe_dmarc_policy_name(rec->p),
		    probe_dmarc_policy_name(rec->sp), rec->pct,
		    rec->adkim == PROBE_DMARC_STRICT ? 's' : 'r',
		    rec->aspf == PROBE_DMARC_STRICT ? 's' : 'r');
	rt_line(fp, "rua", rec->rua);
	rt_line(fp, "warning", rec->warning);
	rt_line(fp, "reason", d->reason);
	fprintf(fp, "  alignment: SPF relaxed %s, strict %s; DKIM relaxed "
	    "%s, strict %s%s\n", rt_yes(a->spf_relaxed),
	    rt_yes(a->spf_strict), rt_yes(a->dkim_relaxed),
	    rt_yes(a->dkim_strict), r->has_dkim ? " (d= taken as the From "
	    "domain)" : " (no DKIM selector given)");
	fprintf(fp, "  DMARC would pass through: %s\n", a->spf_passes ?
	    (a->dkim_passes ? "SPF and DKIM" : "SPF") : a->dkim_passes ?
	    "DKIM" : "nothing");
}

/* Whether the probe's key is the published one, when it signs. */
static const char *
rt_key_match(const struct probe_check_result *r)
{
	if (r->is_unsigned)
		return "the probe is not signed: no DKIM";
	if (!r->has_sign_key)
		return NULL;
	if (r->is_key_match)
		return "the probe will sign with the published key";
	if (!r->dkim.key.is_valid)
		return "no usable key is published for the probe's signature";
	return "the key you gave does not match the published one";
}

static void
rt_dkim(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_dkim_result	*k = &r->dkim;

	if (!r->has_dkim) {
		fputs("DKIM: not checked (give --dkim-selector)\n", fp);
		return;
	}
	fputs("DKIM key at ", fp);
	rt_str(fp, k->name);
	fprintf(fp, ": %s\n", probe_dkim_level_name(k->level));
	if (k->key.is_valid)
		fprintf(fp, "  key: %s, %u bits%s\n",
		    probe_dkim_key_type_name(k->key.type), k->key.bits,
		    k->key.is_testing ? ", test mode (t=y)" : "");
	if (k->text_len > 0) {
		fputs("  record: ", fp);
		probe_escape_text(fp, k->text, k->text_len);
		fputs(k->is_text_cut ? " (cut)\n" : "\n", fp);
	}
	if (k->nrecords > 1)
		fprintf(fp, "  records: %zu at that name\n", k->nrecords);
	rt_line(fp, "reason", k->reason);
	if (rt_key_match(r) != NULL)
		fprintf(fp, "  signing: %s", rt_key_match(r));
	if (r->has_sign_key && !r->is_key_match && k->key.is_valid)
		fprintf(fp, " (published p= %u bits, yours %u bits)",
		    k->key.bits, r->sign_key_bits);
	if (rt_key_match(r) != NULL)
		putc('\n', fp);
}

static void
rt_ptr(FILE *fp, const struct probe_ptr_result *p)
{
	size_t	i;

	fputs("PTR of ", fp);
	rt_str(fp, p->ip);
	fprintf(fp, ": %s\n", probe_ptr_status_name(p->status));
	for (i = 0; i < p->nnames; i++) {
		fputs("  ", fp);
		rt_str(fp, p->reverse);
		fputs(" -> ", fp);
		rt_str(fp, p->names[i].name);
		fprintf(fp, " (%s %s, %zu address%s%s)\n",
		    p->family == AF_INET6 ? "AAAA" : "A",
		    probe_dns_status_name(p->names[i].forward),
		    p->names[i].naddrs, p->names[i].naddrs == 1 ? "" : "es",
		    p->names[i].is_match ? ", matches" : "");
	}
	if (p->names_dropped > 0)
		fprintf(fp, "  %zu more names not checked\n", p->names_dropped);
	rt_line(fp, "reason", p->reason);
}

static void
rt_mistakes(FILE *fp, const struct probe_check_result *r)
{
	size_t	i;

	if (r->nmistakes == 0) {
		fputs("Mistakes: none found\n", fp);
		return;
	}
	fprintf(fp, "Mistakes: %zu\n", r->nmistakes + r->mistakes_dropped);
	for (i = 0; i < r->nmistakes; i++) {
		fprintf(fp, "  %s: ",
		    probe_check_mistake_name(r->mistakes[i].id));
		rt_str(fp, r->mistakes[i].detail);
		fputs("\n    fix: ", fp);
		rt_str(fp, r->mistakes[i].fix);
		putc('\n', fp);
	}
}

static void
rt_predicted(FILE *fp, const struct probe_check_predicted *p)
{
	size_t	i;

	fprintf(fp, "Predicted Gmail verdict: %s%s\n",
	    probe_check_level_name(p->level), p->level == PROBE_CHECK_PASS ?
	    " (SPF or DKIM passes, PTR confirmed, DMARC in place)" : "");
	for (i = 0; i < p->ncauses; i++) {
		fprintf(fp, "  %s %s: ",
		    probe_check_level_name(p->causes[i].level),
		    probe_check_cause_name(p->causes[i].id));
		rt_str(fp, p->causes[i].text);
		fputs("\n    change: ", fp);
		rt_str(fp, p->causes[i].fix);
		putc('\n', fp);
	}
}

/* ---- the pre-flight block and the record pointer of "send" ---- */

/* Why SPF said what it said, in a few words, after "SPF ...: fail". */
static void
rt_spf_why(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_spf_result	*s = &r->spf;
	size_t				 len = strlen(s->mechanism);

	if (s->res == PROBE_SPF_FAIL && len >= 3 &&
	    strcmp(s->mechanism + len - 3, "all") == 0) {
		fputs(" (the record ends in ", fp);
		rt_str(fp, s->mechanism);
		fputs("; ", fp);
		rt_str(fp, r->source);
		fputs(" is not listed)", fp);
	} else if (len > 0) {
		fputs(" (decided by ", fp);
		rt_str(fp, s->mechanism);
		fputs(" in ", fp);
		rt_str(fp, s->domain);
		putc(')', fp);
	} else if (s->reason[0] != '\0') {
		fputs(" (", fp);
		rt_str(fp, s->reason);
		putc(')', fp);
	}
}

static void
rt_brief_spf(FILE *fp, const char *indent, const struct probe_check_result *r)
{
	fprintf(fp, "%sSPF for ", indent);
	rt_str(fp, r->mail_domain);
	fputs(" from ", fp);
	rt_str(fp, r->source);
	fprintf(fp, ": %s", probe_spf_res_name(r->spf.res));
	rt_spf_why(fp, r);
	putc('\n', fp);
}

static void
rt_brief_dmarc(FILE *fp, const char *indent,
    const struct probe_check_result *r)
{
	const struct probe_dmarc_result	*d = &r->dmarc;

	fprintf(fp, "%sDMARC for ", indent);
	rt_str(fp, d->from_domain);
	fprintf(fp, ": %s at ", probe_dmarc_status_name(d->status));
	rt_str(fp, d->name);
	if (d->status == PROBE_DMARC_FOUND)
		fprintf(fp, ", p=%s", probe_dmarc_policy_name(d->record.p));
	fprintf(fp, "; aligned and passing: SPF %s, DKIM %s\n",
	    rt_yes(r->align.spf_passes), rt_yes(r->align.dkim_passes));
}

static void
rt_brief_dkim(FILE *fp, const char *indent,
    const struct probe_check_result *r)
{
	if (!r->has_dkim) {
		fprintf(fp, "%sDKIM: not checked (give --dkim-selector)\n",
		    indent);
		return;
	}
	fprintf(fp, "%sDKIM key at ", indent);
	rt_str(fp, r->dkim.name);
	fprintf(fp, ": %s", probe_dkim_level_name(r->dkim.level));
	if (r->dkim.reason[0] != '\0') {
		fputs(" (", fp);
		rt_str(fp, r->dkim.reason);
		putc(')', fp);
	}
	putc('\n', fp);
	if (rt_key_match(r) != NULL) {
		fprintf(fp, "%s  %s", indent, rt_key_match(r));
		if (r->has_sign_key && !r->is_key_match &&
		    r->dkim.key.is_valid)
			fprintf(fp, " (published p= %u bits, yours %u bits)",
			    r->dkim.key.bits, r->sign_key_bits);
		putc('\n', fp);
	}
}

void
probe_check_report_text_brief(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_check_predicted	*p = &r->predicted;
	size_t					 i;

	fputs("\npre-flight check (DNS only):\n", fp);
	rt_brief_spf(fp, "  ", r);
	rt_brief_dmarc(fp, "  ", r);
	rt_brief_dkim(fp, "  ", r);
	fputs("  PTR/FCrDNS of ", fp);
	rt_str(fp, r->ptr.ip);
	fprintf(fp, ": %s\n", probe_ptr_status_name(r->ptr.status));
	fprintf(fp, "  predicted Gmail verdict: %s\n",
	    probe_check_level_name(p->level));
	for (i = 0; i < p->ncauses; i++) {
		fprintf(fp, "    %s %s: ",
		    probe_check_level_name(p->causes[i].level),
		    probe_check_cause_name(p->causes[i].id));
		rt_str(fp, p->causes[i].text);
		putc('\n', fp);
	}
}

bool
probe_check_report_text_record(FILE *fp, const struct probe_check_result *r,
    const char *cause, const char *indent)
{
	if (strcmp(cause, "unauthenticated") == 0 ||
	    strcmp(cause, "spf_fail") == 0)
		rt_brief_spf(fp, indent, r);
	else if (strcmp(cause, "dkim_fail") == 0)
		rt_brief_dkim(fp, indent, r);
	else if (strcmp(cause, "dmarc_policy") == 0)
		rt_brief_dmarc(fp, indent, r);
	else
		return false;
	return true;
}

void
probe_check_report_text(FILE *fp, const struct probe_check_result *r)
{
	fputs("smtpprobe check: MAIL FROM <", fp);
	rt_str(fp, r->mail_from);
	fputs("> from ", fp);
	rt_str(fp, r->source);
	fputs(", header From domain ", fp);
	rt_str(fp, r->from_domain);
	fputs("\n\n", fp);
	rt_spf(fp, "MAIL FROM", r->mail_domain, &r->spf);
	if (r->has_helo)
		rt_spf(fp, "HELO", r->helo, &r->spf_helo);
	rt_dmarc(fp, r);
	rt_dkim(fp, r);
	rt_ptr(fp, &r->ptr);
	rt_mistakes(fp, r);
	putc('\n', fp);
	rt_predicted(fp, &r->predicted);
}

/* ---- JSON ---- */

/* The same for a string that may hold NUL bytes; "" is null. */
static void
rj_bytes(FILE *fp, const char *key, const char *s, size_t len)
{
	fprintf(fp, ",\"%s\":", key);
	if (len == 0)
		fputs("null", fp);
	else
		(void)probe_escape_json(fp, s, len);	/* as above */
}

static const char *
rj_opt(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

static void
rj_spf(FILE *fp, const char *key, const struct probe_spf_result *s)
{
	fprintf(fp, ",\"%s\":{\"result\":\"%s\"", key,
	    probe_spf_res_name(s->res));
	probe_json_str(fp, "mechanism", rj_opt(s->mechanism), true);
	probe_json_str(fp, "domain", rj_opt(s->domain), true);
	probe_json_str(fp, "reason", rj_opt(s->reason), true);
	probe_json_str(fp, "record", rj_opt(s->record), true);
	fprintf(fp, ",\"lookups\":%u,\"void_lookups\":%u}", s->lookups,
	    s->void_lookups);
}

static void
rj_align(FILE *fp, const struct probe_check_align *a)
{
	fprintf(fp, ",\"alignment\":{\"spf_relaxed\":%s",
	    a->spf_relaxed ? "true" : "false");
	probe_json_bool(fp, "spf_strict", a->spf_strict, true);
	probe_json_bool(fp, "dkim_relaxed", a->dkim_relaxed, true);
	probe_json_bool(fp, "dkim_strict", a->dkim_strict, true);
	probe_json_bool(fp, "spf_passes", a->spf_passes, true);
	probe_json_bool(fp, "dkim_passes", a->dkim_passes, true);
	putc('}', fp);
}

static void
rj_dmarc(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_dmarc_result	*d = &r->dmarc;
	const struct probe_dmarc_record	*rec = &d->record;
	bool				 is_found = d->status ==
					    PROBE_DMARC_FOUND;

	fprintf(fp, ",\"dmarc\":{\"status\":\"%s\"",
	    probe_dmarc_status_name(d->status));
	probe_json_str(fp, "name", d->name, true);
	rj_bytes(fp, "record", d->text, d->text_len);
	probe_json_str(fp, "organizational_domain", d->org_domain, true);
	probe_json_str(fp, "psl", d->is_org_guessed ? "fallback" : "file",
	    true);
	probe_json_str(fp, "policy", is_found ?
	    probe_dmarc_policy_name(rec->p) : NULL, true);
	probe_json_str(fp, "subdomain_policy", is_found ?
	    probe_dmarc_policy_name(rec->sp) : NULL, true);
	if (is_found)
		fprintf(fp, ",\"pct\":%u", rec->pct);
	else
		fputs(",\"pct\":null", fp);
	probe_json_str(fp, "adkim", probe_dmarc_mode_name(rec->adkim), true);
	probe_json_str(fp, "aspf", probe_dmarc_mode_name(rec->aspf), true);
	probe_json_str(fp, "rua", rj_opt(rec->rua), true);
	probe_json_str(fp, "ruf", rj_opt(rec->ruf), true);
	probe_json_str(fp, "warning", rj_opt(rec->warning), true);
	probe_json_str(fp, "reason", rj_opt(d->reason), true);
	rj_align(fp, &r->align);
	putc('}', fp);
}

static void
rj_dkim(FILE *fp, const struct probe_check_result *r)
{
	const struct probe_dkim_result	*k = &r->dkim;

	if (!r->has_dkim) {
		fputs(",\"dkim\":null", fp);
		return;
	}
	fputs(",\"dkim\":{\"selector\":", fp);
	(void)probe_escape_json_str(fp, r->selector);	/* no flag field */
	probe_json_str(fp, "name", k->name, true);
	probe_json_str(fp, "level", probe_dkim_level_name(k->level), true);
	probe_json_bool(fp, "found", k->is_found, true);
	fprintf(fp, ",\"records\":%zu", k->nrecords);
	rj_bytes(fp, "record", k->text, k->text_len);
	probe_json_str(fp, "key_type", k->key.is_valid ?
	    probe_dkim_key_type_name(k->key.type) : NULL, true);
	fprintf(fp, ",\"bits\":%u", k->key.bits);
	probe_json_bool(fp, "revoked", k->key.is_revoked, true);
	probe_json_bool(fp, "testing", k->key.is_testing, true);
	probe_json_str(fp, "reason", rj_opt(k->reason), true);
	probe_json_str(fp, "domain", r->dkim_domain, true);
	probe_json_bool(fp, "signed", !r->is_unsigned, true);
	if (r->has_sign_key) {
		probe_json_bool(fp, "key_matches", r->is_key_match, true);
		fprintf(fp, ",\"signing_bits\":%u", r->sign_key_bits);
	}
	putc('}', fp);
}

static void
rj_ptr(FILE *fp, const struct probe_ptr_result *p)
{
	size_t	i;

	fprintf(fp, ",\"ptr\":{\"status\":\"%s\"",
	    probe_ptr_status_name(p->status));
	probe_json_str(fp, "ip", p->ip, true);
	probe_json_str(fp, "reverse", p->reverse, true);
	fputs(",\"names\":[", fp);
	for (i = 0; i < p->nnames; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", fp);
		(void)probe_escape_json_str(fp, p->names[i].name); /* same */
		probe_json_str(fp, "forward",
		    probe_dns_status_name(p->names[i].forward), true);
		fprintf(fp, ",\"addresses\":%zu", p->names[i].naddrs);
		probe_json_bool(fp, "matches", p->names[i].is_match, true);
		putc('}', fp);
	}
	fprintf(fp, "],\"names_dropped\":%zu", p->names_dropped);
	probe_json_str(fp, "reason", rj_opt(p->reason), true);
	putc('}', fp);
}

static void
rj_mistakes(FILE *fp, const struct probe_check_result *r)
{
	size_t	i;

	fputs(",\"mistakes\":[", fp);
	for (i = 0; i < r->nmistakes; i++) {
		fprintf(fp, "%s{\"id\":\"%s\"", i ? "," : "",
		    probe_check_mistake_name(r->mistakes[i].id));
		probe_json_str(fp, "detail", r->mistakes[i].detail, true);
		probe_json_str(fp, "fix", r->mistakes[i].fix, true);
		putc('}', fp);
	}
	putc(']', fp);
}

/* The first cause at the verdict's level names the verdict. */
static const char *
rj_cause(const struct probe_check_predicted *p)
{
	size_t	i;

	for (i = 0; i < p->ncauses; i++)
		if (p->causes[i].level == p->level)
			return p->causes[i].text;
	return NULL;
}

static void
rj_predicted(FILE *fp, const struct probe_check_predicted *p)
{
	size_t	i;

	/* The verdict in the one vocabulary; the level in the check's. */
	fprintf(fp, ",\"predicted\":{\"verdict\":\"%s\",\"level\":\"%s\"",
	    probe_verdict_name(probe_verdict_check_level((int)p->level)),
	    probe_check_level_name(p->level));
	probe_json_str(fp, "cause", rj_cause(p), true);
	fputs(",\"causes\":[", fp);
	for (i = 0; i < p->ncauses; i++) {
		fprintf(fp, "%s{\"level\":\"%s\",\"id\":\"%s\"", i ? "," : "",
		    probe_check_level_name(p->causes[i].level),
		    probe_check_cause_name(p->causes[i].id));
		probe_json_str(fp, "text", p->causes[i].text, true);
		probe_json_str(fp, "fix", p->causes[i].fix, true);
		putc('}', fp);
	}
	fputs("]}", fp);
}

/*
 * The object from its '{' up to (not with) the '}'; a document
 * (check.schema.json) opens with "schema_version", an object nested in
 * another document does not.
 */
static void
rj_members(FILE *fp, const struct probe_check_result *r, bool is_document,
    enum probe_verdict verdict)
{
	putc('{', fp);
	if (is_document)
		fprintf(fp, "\"schema_version\":%d,", PROBE_JSON_SCHEMA_VERSION);
	fprintf(fp, "\"smtpprobe\":\"%s\"", SMTPPROBE_VERSION);
	probe_json_str(fp, "verdict", probe_verdict_name(verdict), true);
	probe_json_str(fp, "mail_from", r->mail_from, true);
	probe_json_str(fp, "mail_domain", r->mail_domain, true);
	probe_json_str(fp, "header_from_domain", r->from_domain, true);
	probe_json_str(fp, "source", r->source, true);
	probe_json_str(fp, "helo", r->has_helo ? r->helo : NULL, true);
	rj_spf(fp, "spf", &r->spf);
	if (r->has_helo)
		rj_spf(fp, "spf_helo", &r->spf_helo);
	else
		fputs(",\"spf_helo\":null", fp);
	rj_dmarc(fp, r);
	rj_dkim(fp, r);
	rj_ptr(fp, &r->ptr);
	rj_mistakes(fp, r);
	rj_predicted(fp, &r->predicted);
}

void
probe_check_report_json_object(FILE *fp, const struct probe_check_result *r)
{
	rj_members(fp, r, false, probe_verdict_check_level(
	    (int)r->predicted.level));
	putc('}', fp);
}

void
probe_check_report_json(FILE *fp, const struct probe_check_result *r,
    const struct probe_bulk_list *bulk, enum probe_verdict verdict)
{
	rj_members(fp, r, true, verdict);
	if (bulk != NULL) {
		probe_json_key(fp, "bulk", true);
		probe_bulk_report_json_object(fp, bulk);
	}
	fputs("}\n", fp);
}
