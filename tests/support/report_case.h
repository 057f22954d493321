/*
 * report_case - a whole probe result for the reporter tests, made the way
 * probe_run makes one: attempt slots from calloc, each attempt's dialogue
 * run for real over the in-memory transport (mem_io), its verdict from
 * probe_verdict, and an MX result that probe_result_free can free.
 *
 * The standard case has two attempts at the simulated Gmail:
 *   1. mx1.gmail.test [127.0.0.1]: a banner whose first line carries ESC
 *      sequences and invalid UTF-8 and whose second line adds a NUL byte
 *      (a framing error): tempfail, not definitive;
 *   2. mx2.gmail.test [127.0.0.2]: the whole dialogue, refused at the
 *      end of data with Gmail's seven-line 550-5.7.26 block: fail.
 * The probe's verdict is fail, exit code 2, source 127.0.0.3.
 */
#ifndef SMTPPROBE_TESTS_REPORT_CASE_H
#define SMTPPROBE_TESTS_REPORT_CASE_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/report/probe_report_text.h"
#include "probe/run/probe_run.h"
#include "tests/support/mem_io.h"

#define REPORT_CASE_PROBE_ID	"sp-6553f100-0123456789ab"
#define REPORT_CASE_SOURCE	"127.0.0.3"

/* The 550-5.7.26 block's lines, as the server sent them (no CRLF). */
#define REPORT_CASE_GMAIL_LINES	7
extern const char *const report_case_gmail_550[REPORT_CASE_GMAIL_LINES];

/* The banner lines of attempt 1, with their hostile bytes. */
#define REPORT_CASE_BANNER_LINE1 \
	"220-mx1.gmail.test ESMTP \x1b[2J\x1b]0;owned\x07 caf\xc3\x28"
#define REPORT_CASE_BANNER_LINE2 \
	"220 ready \x1b[31m\0 \xff\xfe end"

struct report_case {
	struct mem_io			 m[PROBE_ATTEMPTS_MAX];
	const char			*rcpts[1];
	struct probe_result		 r;
	struct probe_report_info	 info;
};

/*
 * report_case_two_attempts - the standard case above. Returns false
 * when memory ran out (c is then safe to free).
 */
bool	report_case_two_attempts(struct report_case *c);

/*
 * report_case_attempt - add one attempt at mx [address] whose server
 * sends len bytes of script (borrowed), and decide its verdict. Returns
 * false when all PROBE_ATTEMPTS_MAX slots are used.
 */
bool	report_case_attempt(struct report_case *c, const char *mx,
	    unsigned pref, const char *address, const char *script,
	    size_t len);

/*
 * report_case_init - an empty result (attempt slots allocated, no MX
 * hosts) and the info of the standard case. Returns false on no memory.
 */
bool	report_case_init(struct report_case *c);

/*
 * report_case_add_host - an MX host with one address (or none when
 * address is NULL, with error as the reason). Returns false on no memory.
 */
bool	report_case_add_host(struct report_case *c, const char *name,
	    unsigned pref, const char *address, const char *error);

/* report_case_free - free the result and the scripts' buffers. */
void	report_case_free(struct report_case *c);

#endif
