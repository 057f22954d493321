/*
 * probe_checkcmd - "smtpprobe check". See probe_checkcmd.h.
 *
 * The command owns what a library may not do: it reads the flags,
 * opens the resolver and the Public Suffix List, prints the report and
 * any warning, and turns the predicted level into an exit status.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/auth/probe_check.h"
#include "probe/auth/probe_bulk.h"
#include "probe/report/probe_bulk_report.h"
#include "probe/report/probe_check_report.h"
#include "probe/report/probe_report_json.h"
#include "probe/config/probe_cli.h"
#include "probe/probe_checkcmd.h"
#include "probe/verdict/probe_verdict.h"
#include "probe/util/probe_escape.h"
#include "smtp/smtp_num.h"

/* Parsing: 0, or -1 with the message already on stderr. */
#define CHECKCMD_OK		0
#define CHECKCMD_BAD		(-1)
/* RFC 7208 4.6.4 asks for at least 20 s; an operator may want more. */
#define CHECKCMD_TIMEOUT_MAX_S	300
#define CHECKCMD_MS_PER_S	1000

enum checkcmd_opt {
	CHECKCMD_OPT_FROM = 256, CHECKCMD_OPT_HEADER_FROM,
	CHECKCMD_OPT_SOURCE, CHECKCMD_OPT_HELO, CHECKCMD_OPT_SELECTOR,
	CHECKCMD_OPT_DNS_SERVER, CHECKCMD_OPT_TIMEOUT, CHECKCMD_OPT_PSL,
	CHECKCMD_OPT_JSON, CHECKCMD_OPT_BULK,
};

struct checkcmd_opts {
	struct probe_check_opts	 check;
	struct probe_dns_opts	 dns;
	const char		*psl_path;
	bool			 json;
	bool			 bulk;
	bool			 help;
};

/*
 * One line on stderr; with --json (even one not parsed yet) the error
 * document on stdout too, for a program reads only that.
 */
static int
checkcmd_error(const struct checkcmd_opts *o, const char *msg)
{
	if (o->json)
		probe_report_json_error(stdout, "check", msg);
	fputs("smtpprobe check: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe check --help'.\n", stderr);
	return CHECKCMD_BAD;
}

static void
checkcmd_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe check --from ADDR --source IP [--header-from ADDR]\n"
"                       [--dkim-selector S] [--helo NAME]\n"
"                       [--dns-server IP[:PORT]] [--timeout SECONDS]\n"
"                       [--psl FILE] [--bulk] [--json]\n"
"\n"
"Check one sending path from DNS alone and predict whether Gmail will take\n"
"its mail: SPF for the source IP and the envelope domain (and the HELO name),\n"
"the DMARC record of the header From domain and SPF/DKIM alignment, the DKIM\n"
"key at S._domainkey.<header From domain>, PTR and forward-confirmed reverse\n"
"DNS of the source IP, and the usual publishing mistakes.\n"
"\n"
"  --from ADDR           envelope sender (MAIL FROM)\n"
"  --source IP           the address the mail leaves from (IPv4 or IPv6)\n"
"  --header-from ADDR    From: header (default: the envelope sender)\n"
"  --dkim-selector S     check the DKIM key of this selector\n"
"  --helo NAME           also check SPF for the HELO name\n"
"  --dns-server IP[:PORT] ask this resolver\n"
"  --timeout SECONDS     for all lookups together (default 20); each one\n"
"                        waits at most a quarter of it\n"
"  --psl FILE            public suffix list (default\n"
"                        " PROBE_DMARC_PSL_PATH ")\n"
"  --bulk                add the bulk-sender checklist (Gmail and Yahoo\n"
"                        2024, Microsoft 2025) as far as DNS can tell\n"
"  --json                one JSON document\n"
"\n"
"Exit status: 0 predicted to pass, 1 warnings only, 2 predicted to fail\n"
"(with --bulk: or a checklist line fails), 3 usage error.\n", fp);
}

static int
checkcmd_timeout(const char *arg, struct checkcmd_opts *o)
{
	uint64_t	s;

	if (!smtp_num_parse(arg, strlen(arg), 1, CHECKCMD_TIMEOUT_MAX_S, &s))
		return checkcmd_error(o, "--timeout: 1 to 300 seconds");
	o->dns.timeout_ms = (int)(s * CHECKCMD_MS_PER_S);
	return CHECKCMD_OK;
}

static const struct option checkcmd_longopts[] = {
	{ "from", required_argument, NULL, CHECKCMD_OPT_FROM },
	{ "header-from", required_argument, NULL, CHECKCMD_OPT_HEADER_FROM },
	{ "source", required_argument, NULL, CHECKCMD_OPT_SOURCE },
	{ "helo", required_argument, NULL, CHECKCMD_OPT_HELO },
	{ "dkim-selector", required_argument, NULL, CHECKCMD_OPT_SELECTOR },
	{ "dns-server", required_argument, NULL, CHECKCMD_OPT_DNS_SERVER },
	{ "timeout", required_argument, NULL, CHECKCMD_OPT_TIMEOUT },
	{ "psl", required_argument, NULL, CHECKCMD_OPT_PSL },
	{ "json", no_argument, NULL, CHECKCMD_OPT_JSON },
	{ "bulk", no_argument, NULL, CHECKCMD_OPT_BULK },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option getopt_long() returned, with its argument. */
static int
checkcmd_opt(int ch, const char *arg, struct checkcmd_opts *o)
{
	switch (ch) {
	case CHECKCMD_OPT_FROM:
		o->check.mail_from = arg;
		break;
	case CHECKCMD_OPT_HEADER_FROM:
		o->check.header_from = arg;
		break;
	case CHECKCMD_OPT_SOURCE:
		o->check.source = arg;
		break;
	case CHECKCMD_OPT_HELO:
		o->check.helo = arg;
		break;
	case CHECKCMD_OPT_SELECTOR:
		o->check.dkim_selector = arg;
		break;
	case CHECKCMD_OPT_DNS_SERVER:
		o->dns.dns_server = arg;
		break;
	case CHECKCMD_OPT_TIMEOUT:
		return checkcmd_timeout(arg, o);
	case CHECKCMD_OPT_PSL:
		o->psl_path = arg;
		break;
	case CHECKCMD_OPT_JSON:
		o->json = true;
		break;
	case CHECKCMD_OPT_BULK:
		o->bulk = true;
		break;
	case 'h':
		o->help = true;
		break;
	default:
		return checkcmd_error(o, "unknown option or missing value");
	}
	return CHECKCMD_OK;
}

static int
checkcmd_parse(int argc, char **argv, struct checkcmd_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	/* Errors found while parsing are owed as JSON already. */
	o->json = probe_cli_asks_format(argc, argv) == PROBE_CLI_FORMAT_JSON;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", checkcmd_longopts,
	    NULL)) != -1)
		if (checkcmd_opt(ch, optarg, o) != CHECKCMD_OK)
			return CHECKCMD_BAD;
	if (optind < argc)
		return checkcmd_error(o, "unexpected argument");
	if (!o->help && (o->check.mail_from == NULL ||
	    o->check.source == NULL))
		return checkcmd_error(o, "--from and --source are required");
	return CHECKCMD_OK;
}

/* Runs the check with an open resolver and list; prints the report. */
static enum probe_verdict
checkcmd_check(struct checkcmd_opts *o, const struct probe_dns *dns)
{
	struct probe_check_result	*r;
	struct probe_bulk_list		 bulk;
	char				 err[PROBE_CHECK_ERR_MAX];
	enum probe_verdict		 rc = PROBE_VERDICT_ERROR;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		(void)checkcmd_error(o, "out of memory");
		return PROBE_VERDICT_ERROR;
	}
	if (probe_check_run(dns, &o->check, r, err, sizeof(err)) !=
	    PROBE_CHECK_OK) {
		(void)checkcmd_error(o, err);
		goto out;
	}
	rc = probe_verdict_check(&r->predicted);
	if (o->bulk) {
		/* DNS alone: whatever needs a probe is an "unknown" line. */
		struct probe_bulk_facts f = { .check = r };

		probe_bulk_decide(&f, &bulk);
		if (probe_verdict_bulk(&bulk) > rc)
			rc = probe_verdict_bulk(&bulk);
	}
	if (o->json)
		probe_check_report_json(stdout, r, o->bulk ? &bulk : NULL,
		    rc);
	else {
		probe_check_report_text(stdout, r);
		if (o->bulk)
			probe_bulk_report_text(stdout, &bulk);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("smtpprobe check: write error\n", stderr);
		rc = PROBE_VERDICT_ERROR;
	}
out:
	free(r);
	return rc;
}

enum probe_verdict
probe_checkcmd_run(int argc, char **argv)
{
	struct checkcmd_opts	o;
	struct probe_dmarc_psl	psl;
	struct probe_dns	dns;
	char			err[PROBE_CHECK_ERR_MAX];
	enum probe_verdict	rc;

	if (checkcmd_parse(argc, argv, &o) != CHECKCMD_OK)
		return PROBE_VERDICT_ERROR;
	if (o.help) {
		checkcmd_usage(stdout);
		return PROBE_VERDICT_PASS;
	}
	probe_dmarc_psl_init(&psl);
	if (probe_dmarc_psl_load(&psl, o.psl_path, err, sizeof(err)) !=
	    PROBE_DMARC_OK) {
		(void)checkcmd_error(&o, err);
		return PROBE_VERDICT_ERROR;
	}
	if (psl.warning[0] != '\0') {
		fputs("smtpprobe check: warning: ", stderr);
		probe_escape_text(stderr, psl.warning, strlen(psl.warning));
		putc('\n', stderr);
	}
	o.check.psl = &psl;
	if (probe_dns_open(&dns, &o.dns, err, sizeof(err)) != PROBE_DNS_OK) {
		probe_dmarc_psl_free(&psl);
		(void)checkcmd_error(&o, err);
		return PROBE_VERDICT_ERROR;
	}
	rc = checkcmd_check(&o, &dns);
	probe_dns_close(&dns);
	probe_dmarc_psl_free(&psl);
	return rc;
}
