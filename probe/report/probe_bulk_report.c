/*
 * probe_bulk_report - the checklist as text or JSON. See
 * probe_bulk_report.h.
 */
#include <string.h>

#include "probe/report/probe_bulk_report.h"
#include "probe/util/probe_escape.h"

/* Under the title: past "  STATUS   RULE        ". */
#define BULK_INDENT	"                     "

static void
bulk_text_line(FILE *fp, const struct probe_bulk_line *l)
{
	(void)fprintf(fp, "  %-8s %-11s %s\n",
	    probe_bulk_status_name(l->status), probe_bulk_rule_name(l->rule),
	    probe_bulk_rule_title(l->rule));
	fputs("  " BULK_INDENT, fp);
	probe_escape_text(fp, l->evidence, strlen(l->evidence));
	putc('\n', fp);
	if (l->fix[0] == '\0')
		return;
	fputs("  " BULK_INDENT "fix: ", fp);
	probe_escape_text(fp, l->fix, strlen(l->fix));
	putc('\n', fp);
}

void
probe_bulk_report_text(FILE *fp, const struct probe_bulk_list *b)
{
	size_t i;

	(void)fprintf(fp, "\nbulk-sender checklist (Gmail and Yahoo 2024, "
	    "Microsoft 2025), %s:\n", b->is_from_probe ? "from this probe "
	    "and DNS" : "from DNS alone");
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++)
		bulk_text_line(fp, &b->lines[i]);
	(void)fprintf(fp, "  %u pass, %u fail, %u unknown\n",
	    b->count[PROBE_BULK_PASS], b->count[PROBE_BULK_FAIL],
	    b->count[PROBE_BULK_UNKNOWN]);
}

void
probe_bulk_report_json_object(FILE *fp, const struct probe_bulk_list *b)
{
	const struct probe_bulk_line *l;
	size_t i;

	putc('{', fp);
	probe_json_bool(fp, "from_probe", b->is_from_probe, false);
	(void)fprintf(fp, ",\"pass\":%u,\"fail\":%u,\"unknown\":%u",
	    b->count[PROBE_BULK_PASS], b->count[PROBE_BULK_FAIL],
	    b->count[PROBE_BULK_UNKNOWN]);
	probe_json_key(fp, "lines", true);
	putc('[', fp);
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++) {
		l = &b->lines[i];
		if (i > 0)
			putc(',', fp);
		putc('{', fp);
		probe_json_str(fp, "rule", probe_bulk_rule_name(l->rule),
		    false);
		probe_json_str(fp, "status", probe_bulk_status_name(l->status),
		    true);
		probe_json_str(fp, "title", probe_bulk_rule_title(l->rule),
		    true);
		probe_json_str(fp, "evidence", l->evidence, true);
		probe_json_str(fp, "fix", l->fix[0] != '\0' ? l->fix : NULL,
		    true);
		putc('}', fp);
	}
	fputs("]}", fp);
}
