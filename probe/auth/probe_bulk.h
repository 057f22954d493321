/*
 * probe_bulk - the bulk-sender readiness checklist of one sending path:
 * the requirements Gmail and Yahoo published for bulk senders in 2024
 * and Microsoft (Outlook.com) in 2025, each line pass, fail or unknown,
 * with the evidence it rests on and the fix.
 *
 * What it does: probe_bulk_decide() turns facts into lines. The facts
 * are what a pre-flight check read from DNS (probe_check) and, after a
 * probe, what the probe itself did: the message it sent, the h= of its
 * DKIM signature, the TLS it negotiated. Nothing is guessed: a line
 * whose facts only a probe has is "unknown: run send" when there was
 * none (smtpprobe check --bulk), and the complaint-rate line is always
 * unknown, because only the mailbox providers see complaints.
 *
 * The lines (stable tokens, in this order):
 *   spf          SPF passes for the source IP and the MAIL FROM domain
 *   dkim         the message is DKIM-signed with the published key
 *   dmarc        a DMARC record is published (p=none is enough)
 *   alignment    the From: domain aligns with a passing SPF or DKIM
 *   fcrdns       the source IP has a PTR whose name resolves back to it
 *   tls          the message went over TLS
 *   format       the message is RFC 5322: one From, one Date, one
 *                Message-ID, no line over 998 octets
 *   unsubscribe  one-click unsubscribe (RFC 8058): List-Unsubscribe with
 *                an https URI and List-Unsubscribe-Post, both signed
 *   complaints   spam complaints under 0.3%: cannot be measured here
 *
 * What it does not do: look anything up, judge the probe's delivery
 * (probe_verdict does), or render (probe/report/probe_bulk_report does).
 *
 * Limits: texts are cut at PROBE_BULK_TEXT_MAX. The message is read up
 * to the end of its header.
 *
 * Errors: none; every missing fact is an "unknown" line.
 */
#ifndef SMTPPROBE_PROBE_BULK_H
#define SMTPPROBE_PROBE_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/auth/probe_check.h"

#define PROBE_BULK_TEXT_MAX	1024	/* two domain names and our words */
/* RFC 5322 2.1.1: a line is at most 998 characters, CRLF excluded. */
#define PROBE_BULK_LINE_MAX	998

enum probe_bulk_rule {
	PROBE_BULK_SPF,
	PROBE_BULK_DKIM,
	PROBE_BULK_DMARC,
	PROBE_BULK_ALIGNMENT,
	PROBE_BULK_FCRDNS,
	PROBE_BULK_TLS,
	PROBE_BULK_FORMAT,
	PROBE_BULK_UNSUBSCRIBE,
	PROBE_BULK_COMPLAINTS,
	PROBE_BULK_RULE_COUNT
};

enum probe_bulk_status {
	PROBE_BULK_PASS,
	PROBE_BULK_FAIL,
	PROBE_BULK_UNKNOWN,
	PROBE_BULK_STATUS_COUNT
};

/* What the checklist is decided from; every pointer is borrowed. */
struct probe_bulk_facts {
	const struct probe_check_result	*check;	/* required: the DNS */
	/* false: DNS alone (check --bulk); the fields below are unset. */
	bool				 has_probe;
	const char			*message;	/* as sent */
	size_t				 message_len;
	bool				 is_signed;
	const char			*signed_h;	/* its h=, or "" */
	/* An attempt reached a server's reply to EHLO or further. */
	bool				 has_session;
	bool				 is_tls;
	const char			*tls_version;	/* "TLSv1.3", or "" */
};

struct probe_bulk_line {
	enum probe_bulk_rule	rule;
	enum probe_bulk_status	status;
	char			evidence[PROBE_BULK_TEXT_MAX];
	char			fix[PROBE_BULK_TEXT_MAX];	/* "" on pass */
};

struct probe_bulk_list {
	bool			is_from_probe;	/* facts.has_probe */
	struct probe_bulk_line	lines[PROBE_BULK_RULE_COUNT];
	unsigned		count[PROBE_BULK_STATUS_COUNT];
};

/*
 * probe_bulk_decide - every line from f into *out (zeroed first). Pure:
 * no I/O.
 */
void	probe_bulk_decide(const struct probe_bulk_facts *f,
	    struct probe_bulk_list *out);

/* Stable lowercase tokens: "spf", "unsubscribe"; "pass", "unknown". */
const char	*probe_bulk_rule_name(enum probe_bulk_rule r);
const char	*probe_bulk_status_name(enum probe_bulk_status s);
/* What the rule asks, in a few words, and who publishes it. */
const char	*probe_bulk_rule_title(enum probe_bulk_rule r);

#endif
