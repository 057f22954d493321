/*
 * probe_explain_report - a log is a report, not a dump: the replies that
 * explain finds in a log, gathered into groups, one per (catalog entry,
 * verdict, sender domain, source IP), each with its count, the first and
 * last time and line it was seen, the recipient domains, one example
 * reply and the diagnosis of its first reply. Rendering is the caller's
 * (probe_cmd); this module only gathers and orders.
 *
 * Where the facts come from: the time is the log line's syslog
 * ("Nov 23 17:30:01") or ISO 8601 stamp; the sender domain and source IP
 * are the match's {domain} and {ip} captures, else the line's "from=<>"
 * (Postfix) or "F=<>" (Exim); the recipient domain is the line's "to=<>"
 * or Exim's "** addr". Missing facts are "" and group together.
 *
 * Limits (memory stays flat however long the log): at most
 * PROBE_EXPLAIN_REPORT_GROUPS_MAX groups, replies of any further group are
 * counted in "other"; PROBE_EXPLAIN_REPORT_RCPTS_MAX recipient domains per
 * group, more only counted; the example is cut to
 * PROBE_EXPLAIN_REPORT_EXAMPLE_MAX bytes (flagged).
 *
 * Errors: probe_explain_report_init returns -1 when out of memory.
 */
#ifndef SMTPPROBE_PROBE_EXPLAIN_REPORT_H
#define SMTPPROBE_PROBE_EXPLAIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/catalog/probe_explain.h"

#define PROBE_EXPLAIN_REPORT_GROUPS_MAX		4096
#define PROBE_EXPLAIN_REPORT_RCPTS_MAX		6
#define PROBE_EXPLAIN_REPORT_EXAMPLE_MAX	1024
#define PROBE_EXPLAIN_REPORT_NAME_MAX		128	/* a domain, an IP */
#define PROBE_EXPLAIN_REPORT_TIME_MAX		32

struct probe_explain_group {
	uint64_t		 hash;
	struct probe_explain_diag diag;		/* of the first reply */
	char			 sender[PROBE_EXPLAIN_REPORT_NAME_MAX];
	char			 ip[PROBE_EXPLAIN_REPORT_NAME_MAX];
	unsigned long		 count;
	unsigned long		 first_line, last_line;
	char			 first_time[PROBE_EXPLAIN_REPORT_TIME_MAX];
	char			 last_time[PROBE_EXPLAIN_REPORT_TIME_MAX];
	char			 rcpts[PROBE_EXPLAIN_REPORT_RCPTS_MAX]
				    [PROBE_EXPLAIN_REPORT_NAME_MAX];
	size_t			 nrcpts;
	unsigned long		 rcpts_more;	/* replies to domains not kept */
	struct probe_explain_reply example;	/* text, raw point below */
	char			 example_raw[PROBE_EXPLAIN_REPORT_EXAMPLE_MAX];
	size_t			 text_no;	/* which input it came from */
};

struct probe_explain_report {
	struct probe_explain_group *groups;
	size_t			 ngroups;
	uint32_t		*slots;		/* hash index: group + 1, 0 free */
	unsigned long		 other;		/* replies past the group limit */
};

/* probe_explain_report_init - an empty report. Returns 0 or -1. */
int	probe_explain_report_init(struct probe_explain_report *rep);
void	probe_explain_report_free(struct probe_explain_report *rep);

/*
 * probe_explain_report_add - count one diagnosed reply r (d its
 * diagnosis) found in the logical line line[0..len) of input text_no.
 * Copies what it keeps; borrows nothing.
 */
void	probe_explain_report_add(struct probe_explain_report *rep,
	    const struct probe_explain_reply *r,
	    const struct probe_explain_diag *d, const char *line, size_t len,
	    size_t text_no);

/*
 * probe_explain_report_sort - worst first: fail, tempfail, unknown, then
 * pass; within one verdict the larger count, then the earlier line.
 */
void	probe_explain_report_sort(struct probe_explain_report *rep);

#endif
