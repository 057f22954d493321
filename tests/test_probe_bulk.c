/*
 * test_probe_bulk - the bulk-sender checklist decides each line from
 * the facts alone: a path that meets every rule passes every line but
 * the complaint rate, which is always unknown (nobody outside the
 * mailbox providers sees it); a path that misses one rule fails exactly
 * that line; from DNS alone, what only a probe can see is "unknown: run
 * send", never guessed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "probe/auth/probe_bulk.h"
#include "probe/verdict/probe_verdict.h"

static const char good_msg[] =
    "From: <probe@example.test>\n"
    "To: <me@gmail.test>\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
    "Message-ID: <sp-1@example.test>\n"
    "Subject: hello\n"
    "List-Unsubscribe: <https://example.test/u?c=7>\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
    "\n"
    "Hello.\n";
#define GOOD_H	"From:To:Date:Message-ID:Subject:List-Unsubscribe:" \
		"List-Unsubscribe-Post:from"

static struct probe_check_result check;
static struct probe_bulk_facts facts;
static struct probe_bulk_list list;

/* Facts of a path that meets every rule. */
static void
bulk_setup(void)
{
	memset(&check, 0, sizeof(check));
	(void)snprintf(check.mail_domain, sizeof(check.mail_domain),
	    "example.test");
	(void)snprintf(check.from_domain, sizeof(check.from_domain),
	    "example.test");
	(void)snprintf(check.source, sizeof(check.source), "127.0.0.2");
	check.spf.res = PROBE_SPF_PASS;
	(void)snprintf(check.spf.mechanism, sizeof(check.spf.mechanism),
	    "ip4:127.0.0.2");
	check.dmarc.status = PROBE_DMARC_FOUND;
	check.dmarc.record.p = PROBE_DMARC_P_NONE;
	(void)snprintf(check.dmarc.name, sizeof(check.dmarc.name),
	    "_dmarc.example.test");
	check.align.spf_passes = true;
	check.align.dkim_passes = true;
	check.has_dkim = true;
	check.dkim.level = PROBE_DKIM_GOOD;
	check.dkim.key.bits = 2048;
	(void)snprintf(check.dkim.name, sizeof(check.dkim.name),
	    "s1._domainkey.example.test");
	(void)snprintf(check.selector, sizeof(check.selector), "s1");
	(void)snprintf(check.dkim_domain, sizeof(check.dkim_domain),
	    "example.test");
	check.has_sign_key = true;
	check.is_key_match = true;
	check.ptr.status = PROBE_PTR_CONFIRMED;
	check.ptr.nnames = 1;
	(void)snprintf(check.ptr.names[0].name, sizeof(check.ptr.names[0].name),
	    "mail.example.test");
	memset(&facts, 0, sizeof(facts));
	facts.check = &check;
	facts.has_probe = true;
	facts.message = good_msg;
	facts.message_len = strlen(good_msg);
	facts.is_signed = true;
	facts.signed_h = GOOD_H;
	facts.has_session = true;
	facts.is_tls = true;
	facts.tls_version = "TLSv1.3";
}

TestSuite(probe_bulk, .init = bulk_setup);

static enum probe_bulk_status
status(enum probe_bulk_rule r)
{
	return list.lines[r].status;
}

/* Decide; only rule fails, every other line as on a good path. */
static void
only_fails(enum probe_bulk_rule rule)
{
	size_t i;

	probe_bulk_decide(&facts, &list);
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++) {
		if (i == PROBE_BULK_COMPLAINTS)
			continue;
		cr_assert_eq(status((enum probe_bulk_rule)i), i == rule ?
		    PROBE_BULK_FAIL : PROBE_BULK_PASS, "%s: %s",
		    probe_bulk_rule_name((enum probe_bulk_rule)i),
		    list.lines[i].evidence);
	}
	cr_assert(list.lines[rule].fix[0] != '\0', "a failing line says the "
	    "fix");
	cr_assert_eq(probe_verdict_bulk(&list), PROBE_VERDICT_FAIL);
}

Test(probe_bulk, passes_every_line_of_a_path_that_meets_every_rule)
{
	size_t i;

	probe_bulk_decide(&facts, &list);
	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++)
		if (i != PROBE_BULK_COMPLAINTS)
			cr_assert_eq(status((enum probe_bulk_rule)i),
			    PROBE_BULK_PASS, "%s: %s", probe_bulk_rule_name(
			    (enum probe_bulk_rule)i), list.lines[i].evidence);
	cr_assert_eq(list.count[PROBE_BULK_PASS], PROBE_BULK_RULE_COUNT - 1);
	cr_assert_eq(probe_verdict_bulk(&list), PROBE_VERDICT_PASS);
	cr_assert(strstr(list.lines[PROBE_BULK_TLS].evidence, "TLSv1.3"));
	cr_assert(strstr(list.lines[PROBE_BULK_FCRDNS].evidence,
	    "127.0.0.2 -> mail.example.test -> 127.0.0.2"));
}

Test(probe_bulk, says_plainly_that_the_complaint_rate_cannot_be_measured)
{
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_COMPLAINTS), PROBE_BULK_UNKNOWN);
	cr_assert(strstr(list.lines[PROBE_BULK_COMPLAINTS].evidence,
	    "cannot be measured from outside") != NULL);
	cr_assert(strstr(list.lines[PROBE_BULK_COMPLAINTS].fix,
	    "Postmaster Tools") != NULL);
	cr_assert(strstr(list.lines[PROBE_BULK_COMPLAINTS].fix, "SNDS") !=
	    NULL);
}

Test(probe_bulk, fails_spf_that_does_not_pass)
{
	check.spf.res = PROBE_SPF_SOFTFAIL;
	only_fails(PROBE_BULK_SPF);
	cr_assert(strstr(list.lines[PROBE_BULK_SPF].fix, "ip4:127.0.0.2"));
}

Test(probe_bulk, fails_dkim_when_the_message_is_unsigned)
{
	facts.is_signed = false;
	facts.signed_h = "";
	check.align.dkim_passes = false;
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_DKIM), PROBE_BULK_FAIL);
	cr_assert(strstr(list.lines[PROBE_BULK_DKIM].evidence, "no DKIM"));
	/* The unsubscribe fields are then unsigned too. */
	cr_assert_eq(status(PROBE_BULK_UNSUBSCRIBE), PROBE_BULK_FAIL);
}

Test(probe_bulk, fails_dkim_signed_with_a_key_that_is_not_published)
{
	check.is_key_match = false;
	only_fails(PROBE_BULK_DKIM);
}

Test(probe_bulk, fails_dkim_when_the_published_key_is_broken)
{
	check.dkim.level = PROBE_DKIM_BAD;
	only_fails(PROBE_BULK_DKIM);
}

Test(probe_bulk, fails_dmarc_without_a_record)
{
	check.dmarc.status = PROBE_DMARC_NONE;
	only_fails(PROBE_BULK_DMARC);
	cr_assert(strstr(list.lines[PROBE_BULK_DMARC].fix, "p=none"));
}

Test(probe_bulk, passes_dmarc_with_p_none)
{
	check.dmarc.record.p = PROBE_DMARC_P_NONE;
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_DMARC), PROBE_BULK_PASS);
	cr_assert(strstr(list.lines[PROBE_BULK_DMARC].evidence, "p=none"));
}

Test(probe_bulk, fails_alignment_when_neither_spf_nor_dkim_aligns)
{
	check.align.spf_passes = false;
	check.align.dkim_passes = false;
	only_fails(PROBE_BULK_ALIGNMENT);
}

Test(probe_bulk, passes_alignment_on_dkim_alone)
{
	check.align.spf_passes = false;
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_ALIGNMENT), PROBE_BULK_PASS);
	cr_assert(strstr(list.lines[PROBE_BULK_ALIGNMENT].evidence, "DKIM"));
}

Test(probe_bulk, fails_fcrdns_when_the_ptr_does_not_resolve_back)
{
	check.ptr.status = PROBE_PTR_UNCONFIRMED;
	only_fails(PROBE_BULK_FCRDNS);
}

Test(probe_bulk, fails_fcrdns_without_a_ptr)
{
	check.ptr.status = PROBE_PTR_NONE;
	only_fails(PROBE_BULK_FCRDNS);
}

Test(probe_bulk, fails_tls_when_the_session_was_plain_text)
{
	facts.is_tls = false;
	only_fails(PROBE_BULK_TLS);
}

Test(probe_bulk, fails_format_with_two_from_fields)
{
	static const char m[] = "From: a@example.test\nFrom: b@example.test\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <x@y>\n"
	    "List-Unsubscribe: <https://example.test/u>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nhi\n";

	facts.message = m;
	facts.message_len = strlen(m);
	only_fails(PROBE_BULK_FORMAT);
	cr_assert(strstr(list.lines[PROBE_BULK_FORMAT].evidence, "2 From"));
}

Test(probe_bulk, fails_format_without_a_message_id)
{
	static const char m[] = "From: a@example.test\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
	    "List-Unsubscribe: <https://example.test/u>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nhi\n";

	facts.message = m;
	facts.message_len = strlen(m);
	only_fails(PROBE_BULK_FORMAT);
}

Test(probe_bulk, fails_format_with_a_line_over_998_characters)
{
	static char m[2048];
	size_t n = (size_t)snprintf(m, sizeof(m), "%s", good_msg);

	memset(m + n, 'x', 999);
	m[n + 999] = '\n';
	facts.message = m;
	facts.message_len = n + 1000;
	only_fails(PROBE_BULK_FORMAT);
}

Test(probe_bulk, fails_unsubscribe_without_list_unsubscribe_post)
{
	static const char m[] = "From: a@example.test\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <x@y>\n"
	    "List-Unsubscribe: <https://example.test/u>\n\nhi\n";

	facts.message = m;
	facts.message_len = strlen(m);
	only_fails(PROBE_BULK_UNSUBSCRIBE);
	cr_assert(strstr(list.lines[PROBE_BULK_UNSUBSCRIBE].evidence,
	    "missing") != NULL, "%s", list.lines[PROBE_BULK_UNSUBSCRIBE]
	    .evidence);
}

Test(probe_bulk, fails_unsubscribe_with_only_a_mailto_uri)
{
	static const char m[] = "From: a@example.test\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <x@y>\n"
	    "List-Unsubscribe: <mailto:u@example.test>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nhi\n";

	facts.message = m;
	facts.message_len = strlen(m);
	only_fails(PROBE_BULK_UNSUBSCRIBE);
}

Test(probe_bulk, fails_unsubscribe_when_the_signature_leaves_it_out)
{
	facts.signed_h = "From:To:Date:Message-ID:Subject:from";
	only_fails(PROBE_BULK_UNSUBSCRIBE);
	cr_assert(strstr(list.lines[PROBE_BULK_UNSUBSCRIBE].evidence,
	    "does not cover") != NULL);
}

Test(probe_bulk, from_dns_alone_leaves_what_needs_a_probe_unknown)
{
	facts.has_probe = false;
	probe_bulk_decide(&facts, &list);
	cr_assert_not(list.is_from_probe);
	cr_assert_eq(status(PROBE_BULK_SPF), PROBE_BULK_PASS);
	cr_assert_eq(status(PROBE_BULK_DMARC), PROBE_BULK_PASS);
	cr_assert_eq(status(PROBE_BULK_ALIGNMENT), PROBE_BULK_PASS);
	cr_assert_eq(status(PROBE_BULK_FCRDNS), PROBE_BULK_PASS);
	cr_assert_eq(status(PROBE_BULK_DKIM), PROBE_BULK_UNKNOWN);
	cr_assert_eq(status(PROBE_BULK_TLS), PROBE_BULK_UNKNOWN);
	cr_assert_eq(status(PROBE_BULK_FORMAT), PROBE_BULK_UNKNOWN);
	cr_assert_eq(status(PROBE_BULK_UNSUBSCRIBE), PROBE_BULK_UNKNOWN);
	cr_assert(strstr(list.lines[PROBE_BULK_TLS].evidence,
	    "run smtpprobe send") != NULL);
	cr_assert_eq(probe_verdict_bulk(&list), PROBE_VERDICT_PASS);
}

Test(probe_bulk, from_dns_alone_fails_what_dns_already_rules_out)
{
	facts.has_probe = false;
	check.dmarc.status = PROBE_DMARC_NONE;
	check.dkim.level = PROBE_DKIM_BAD;
	check.align.spf_passes = false;
	check.align.dkim_passes = false;
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_DMARC), PROBE_BULK_FAIL);
	cr_assert_eq(status(PROBE_BULK_DKIM), PROBE_BULK_FAIL);
	cr_assert_eq(status(PROBE_BULK_ALIGNMENT), PROBE_BULK_FAIL);
}

Test(probe_bulk, a_dns_temperror_is_unknown_not_fail)
{
	check.spf.res = PROBE_SPF_TEMPERROR;
	check.ptr.status = PROBE_PTR_TEMPERROR;
	probe_bulk_decide(&facts, &list);
	cr_assert_eq(status(PROBE_BULK_SPF), PROBE_BULK_UNKNOWN);
	cr_assert_eq(status(PROBE_BULK_FCRDNS), PROBE_BULK_UNKNOWN);
}

Test(probe_bulk, every_rule_and_status_has_a_name)
{
	size_t i;

	for (i = 0; i < PROBE_BULK_RULE_COUNT; i++) {
		cr_assert_str_neq(probe_bulk_rule_name((enum probe_bulk_rule)i),
		    "?");
		cr_assert_str_neq(probe_bulk_rule_title(
		    (enum probe_bulk_rule)i), "?");
	}
	for (i = 0; i < PROBE_BULK_STATUS_COUNT; i++)
		cr_assert_str_neq(probe_bulk_status_name(
		    (enum probe_bulk_status)i), "?");
}
