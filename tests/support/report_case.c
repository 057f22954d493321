/*
 * report_case - probe results for the reporter tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/verdict/probe_verdict.h"
#include "tests/support/report_case.h"

#define GSMTP	"d2-20020a05600c4e0200b0040e3b7e9a5dsi123456wmq.170 - gsmtp"

const char *const report_case_gmail_550[REPORT_CASE_GMAIL_LINES] = {
	"550-5.7.26 This mail is unauthenticated, which poses a security "
	    "risk to the",
	"550-5.7.26 sender and Gmail users, and has been blocked. The sender "
	    "must",
	"550-5.7.26 authenticate with at least one of SPF or DKIM. For this "
	    "message,",
	"550-5.7.26 DKIM checks did not pass and SPF check for [example.com] "
	    "did not",
	"550-5.7.26 pass with ip: [127.0.0.3]. The sender should visit",
	"550-5.7.26  https://support.google.com/mail/answer/81126"
	    "#authentication for",
	"550 5.7.26 instructions on setting up authentication. " GSMTP,
};

static const char script_hostile[] =
	REPORT_CASE_BANNER_LINE1 "\r\n"
	REPORT_CASE_BANNER_LINE2 "\r\n"
	"221 2.0.0 bye\r\n";

static void
append(char *s, size_t *pos, const char *text)
{
	memcpy(s + *pos, text, strlen(text));
	*pos += strlen(text);
}

/* Built at run time from the table above, so the two cannot differ. */
static char *
script_gmail(void)
{
	static const char head[] =
	    "220 mx.google.com ESMTP " GSMTP "\r\n"
	    "250-mx.google.com at your service, [127.0.0.3]\r\n"
	    "250-SIZE 157286400\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 SMTPUTF8\r\n"
	    "250 2.1.0 OK " GSMTP "\r\n"
	    "250 2.1.5 OK " GSMTP "\r\n"
	    "354  Go ahead " GSMTP "\r\n";
	static const char tail[] =
	    "221 2.0.0 closing connection " GSMTP "\r\n";
	size_t i, pos = 0, len = sizeof(head) + sizeof(tail);
	char *s;

	for (i = 0; i < REPORT_CASE_GMAIL_LINES; i++)
		len += strlen(report_case_gmail_550[i]) + 2;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	append(s, &pos, head);
	for (i = 0; i < REPORT_CASE_GMAIL_LINES; i++) {
		append(s, &pos, report_case_gmail_550[i]);
		append(s, &pos, "\r\n");
	}
	append(s, &pos, tail);
	s[pos] = '\0';
	return s;
}

bool
report_case_init(struct report_case *c)
{
	memset(c, 0, sizeof(*c));
	c->rcpts[0] = "postmaster@gmail.test";
	c->r.verdict = PROBE_VERDICT_ERROR;
	c->r.attempts = calloc(PROBE_ATTEMPTS_MAX, sizeof(*c->r.attempts));
	c->r.mx.status = PROBE_MX_FOUND;
	c->info.probe_id = REPORT_CASE_PROBE_ID;
	c->info.profile = "gmail";
	c->info.domain = "gmail.test";
	c->info.mail_from = "probe@example.org";
	c->info.source = REPORT_CASE_SOURCE;
	c->info.helo = "probe.example.org";
	c->info.exit_code = 3;
	return c->r.attempts != NULL;
}

bool
report_case_add_host(struct report_case *c, const char *name, unsigned pref,
    const char *address, const char *error)
{
	struct probe_mx_host *hosts, *h;

	hosts = realloc(c->r.mx.hosts, (c->r.mx.nhosts + 1) * sizeof(*hosts));
	if (hosts == NULL)
		return false;
	c->r.mx.hosts = hosts;
	h = &hosts[c->r.mx.nhosts];
	memset(h, 0, sizeof(*h));
	h->name = strdup(name);
	if (h->name == NULL)
		return false;
	c->r.mx.nhosts++;
	h->pref = pref;
	if (address != NULL) {
		(void)snprintf(h->addrs[0].text, sizeof(h->addrs[0].text), "%s",
		    address);	/* test addresses are short */
		h->naddrs = 1;
	} else {
		(void)snprintf(h->error, sizeof(h->error), "%s", error);
	}
	return true;
}

bool
report_case_attempt(struct report_case *c, const char *mx, unsigned pref,
    const char *address, const char *script, size_t len)
{
	struct probe_attempt *a;
	struct mem_io *m;

	if (c->r.nattempts == PROBE_ATTEMPTS_MAX)
		return false;
	m = &c->m[c->r.nattempts];
	a = &c->r.attempts[c->r.nattempts++];
	(void)snprintf(a->mx, sizeof(a->mx), "%s", mx);	/* short */
	(void)snprintf(a->address, sizeof(a->address), "%s", address);
	a->pref = pref;
	a->port = 25;
	mem_io_set_bytes(m, script, len, 0);
	a->opts.helo = c->info.helo;
	a->opts.mail_from = c->info.mail_from;
	a->opts.rcpts = c->rcpts;
	a->opts.nrcpts = 1;
	a->opts.message = "Subject: smtpprobe test " REPORT_CASE_PROBE_ID
	    "\n\nHello.\n";
	a->opts.message_len = strlen(a->opts.message);
	a->opts.mx_host = a->mx;
	a->opts.starttls = SMTP_STARTTLS_OFF;
	a->opts.test_ops = &mem_io_ops;
	a->opts.test_ctx = m;
	smtp_dialog_init(&a->dialog, &a->opts);
	/* The outcome is in the dialogue; its return value repeats it. */
	(void)smtp_dialog_run(&a->dialog);
	a->verdict = probe_verdict_attempt_decide(&a->dialog);
	return true;
}

/* The gmail script must outlive the dialogue only while it runs. */
bool
report_case_two_attempts(struct report_case *c)
{
	enum probe_verdict v[2];
	char *gmail;
	bool ok;

	if (!report_case_init(c) ||
	    !report_case_add_host(c, "mx1.gmail.test", 5, "127.0.0.1", NULL) ||
	    !report_case_add_host(c, "mx2.gmail.test", 10, "127.0.0.2", NULL))
		return false;
	gmail = script_gmail();
	if (gmail == NULL)
		return false;
	ok = report_case_attempt(c, "mx1.gmail.test", 5, "127.0.0.1",
	    script_hostile, sizeof(script_hostile) - 1) &&
	    report_case_attempt(c, "mx2.gmail.test", 10, "127.0.0.2", gmail,
	    strlen(gmail));
	free(gmail);
	if (!ok)
		return false;
	v[0] = c->r.attempts[0].verdict;
	v[1] = c->r.attempts[1].verdict;
	c->r.verdict = probe_verdict_probe(v, 2,
	    probe_verdict_is_definitive(&c->r.attempts[1].dialog),
	    &c->r.decided);
	c->info.exit_code = c->r.verdict == PROBE_VERDICT_FAIL ? 2 : 3;
	c->r.elapsed_ms = 12.5;
	return true;
}

void
report_case_free(struct report_case *c)
{
	size_t i;

	probe_result_free(&c->r);
	for (i = 0; i < PROBE_ATTEMPTS_MAX; i++)
		mem_io_free(&c->m[i]);
	memset(c, 0, sizeof(*c));
}
