/*
 * cell_case - hand-made cell arrays (probe_cell.h) for the reporters of a
 * multi-path run (matrix, Nagios, Prometheus), laid out as probe_multi
 * lays them out: row-major, paths[i] x profiles[j] at cells[i *
 * nprofiles + j].
 *
 * The mixed case is 3 paths x 2 profiles (gmail, yahoo):
 *   mail1   PASS (412 ms, every stage timed)    PASS (1234.25 ms)
 *   mail2   FAIL end-of-data 550 5.7.26         TEMPFAIL connect, no
 *           unauthenticated, with details       reply: our error
 *   hostile FAIL rcpt 550 5.1.1 no_such_user,   never ran: the source
 *           at a hostile MX name                is not local
 * where "hostile" is CELL_CASE_HOSTILE_PATH. Its overall verdict is
 * fail: fails beside an error (probe_verdict_run).
 */
#ifndef SMTPPROBE_TESTS_CELL_CASE_H
#define SMTPPROBE_TESTS_CELL_CASE_H

#include <stddef.h>

#include "probe/verdict/probe_cell.h"
#include "probe/verdict/probe_verdict.h"

#define CELL_CASE_PATHS_MAX	4
#define CELL_CASE_PROFILES_MAX	2
#define CELL_CASE_CELLS_MAX \
	(CELL_CASE_PATHS_MAX * CELL_CASE_PROFILES_MAX)

/*
 * Every byte an output format must not let through raw: '|' (Nagios
 * perfdata), quotes (perfdata labels, Prometheus label values), a
 * newline, ESC (terminals), a backslash (every escape) and '='.
 */
#define CELL_CASE_HOSTILE_PATH	"a|b'c\"d\ne\x1b" "f\\g=h"
#define CELL_CASE_HOSTILE_MX	"mx|1\"q'\n\x1b" "\\.example"

#define CELL_CASE_GMAIL_MX	"gmail-smtp-in.l.google.com"
#define CELL_CASE_YAHOO_MX	"mta5.am0.yahoodns.net"
/* smtp_io's words for a connect that timed out. */
#define CELL_CASE_TIMEOUT	"connection timed out"
#define CELL_CASE_NOT_LOCAL	"source 192.0.2.9 is not a local address"
#define CELL_CASE_DETAIL_550	"attempt 1: gmail-smtp-in.l.google.com " \
				"-> fail\n  S: 550-5.7.26 \\x1b[2J|x\n"
#define CELL_CASE_DETAIL_RCPT	"attempt 1: hostile -> fail (no newline)"

struct cell_case {
	const char		*paths[CELL_CASE_PATHS_MAX];
	size_t			 npaths;
	const char		*profiles[CELL_CASE_PROFILES_MAX];
	size_t			 nprofiles;
	struct probe_cell	 cells[CELL_CASE_CELLS_MAX];
	enum probe_verdict	 overall;
};

/* cell_case_mixed - the case above. */
void	cell_case_mixed(struct cell_case *k);

/* cell_case_all_pass - 3 paths x 2 profiles, every cell a pass. */
void	cell_case_all_pass(struct cell_case *k);

/*
 * cell_case_many_fail - 4 paths (p1..p4) x 2 profiles: seven cells fail
 * with 550 5.1.1 no_such_user; p2/yahoo is a tempfail at connect whose
 * error (CELL_CASE_LONG_ERROR) is longer than a cell shows. Overall fail.
 */
#define CELL_CASE_LONG_ERROR \
	"connect to 2001:db8::25 port 25: Network is unreachable after " \
	"trying every route"
void	cell_case_many_fail(struct cell_case *k);

/* cell_case_free - free the details; safe on a zeroed case. */
void	cell_case_free(struct cell_case *k);

#endif
