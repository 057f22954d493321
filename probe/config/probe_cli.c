/*
 * probe_cli - flags of "smtpprobe send".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "probe/config/probe_cli.h"
#include "probe/util/probe_when.h"
#include "smtp/smtp_num.h"

enum probe_cli_opt {
	PROBE_OPT_PROFILE = 256, PROBE_OPT_TO, PROBE_OPT_FROM,
	PROBE_OPT_HEADER_FROM, PROBE_OPT_SOURCE, PROBE_OPT_HELO,
	PROBE_OPT_SERVER, PROBE_OPT_PORT, PROBE_OPT_DNS_SERVER,
	PROBE_OPT_ALLOW_LOOPBACK_MX,
	PROBE_OPT_STARTTLS, PROBE_OPT_TLS_VERIFY, PROBE_OPT_TLS_CA,
	PROBE_OPT_QUIT_AFTER, PROBE_OPT_TIMEOUT, PROBE_OPT_SUBJECT,
	PROBE_OPT_BODY_FILE, PROBE_OPT_JSON, PROBE_OPT_CATALOG,
	PROBE_OPT_CONFIG, PROBE_OPT_PATH, PROBE_OPT_JOBS, PROBE_OPT_FORMAT,
	PROBE_OPT_OUTPUT, PROBE_OPT_QUIET, PROBE_OPT_LOCK_FILE, PROBE_OPT_WAIT,
	PROBE_OPT_NO_CHECK, PROBE_OPT_DKIM_SELECTOR,
	PROBE_OPT_HISTORY, PROBE_OPT_NO_HISTORY, PROBE_OPT_KEEP,
	PROBE_OPT_REPORT, PROBE_OPT_REMIND, PROBE_OPT_EXPECT,
	PROBE_OPT_RELAY, PROBE_OPT_AUTH_USER, PROBE_OPT_AUTH_PASSWORD_FILE,
	PROBE_OPT_DKIM_KEY, PROBE_OPT_DKIM_DOMAIN, PROBE_OPT_HEADER, PROBE_OPT_MESSAGE,
	PROBE_OPT_LIST_UNSUBSCRIBE, PROBE_OPT_PATH_NAME, PROBE_OPT_CERT_DAYS,
	PROBE_OPT_CRITICAL_AFTER,
};

static const struct option probe_cli_send_opts[] = {
	{ "profile", required_argument, NULL, PROBE_OPT_PROFILE },
	{ "to", required_argument, NULL, PROBE_OPT_TO },
	{ "from", required_argument, NULL, PROBE_OPT_FROM },
	{ "header-from", required_argument, NULL, PROBE_OPT_HEADER_FROM },
	{ "source", required_argument, NULL, PROBE_OPT_SOURCE },
	{ "helo", required_argument, NULL, PROBE_OPT_HELO },
	{ "server", required_argument, NULL, PROBE_OPT_SERVER },
	{ "port", required_argument, NULL, PROBE_OPT_PORT },
	{ "dns-server", required_argument, NULL, PROBE_OPT_DNS_SERVER },
	{ "allow-loopback-mx", no_argument, NULL, PROBE_OPT_ALLOW_LOOPBACK_MX },
	{ "starttls", required_argument, NULL, PROBE_OPT_STARTTLS },
	{ "tls-verify", required_argument, NULL, PROBE_OPT_TLS_VERIFY },
	{ "tls-ca", required_argument, NULL, PROBE_OPT_TLS_CA },
	{ "quit-after", required_argument, NULL, PROBE_OPT_QUIT_AFTER },
	{ "timeout", required_argument, NULL, PROBE_OPT_TIMEOUT },
	{ "subject", required_argument, NULL, PROBE_OPT_SUBJECT },
	{ "body-file", required_argument, NULL, PROBE_OPT_BODY_FILE },
	{ "json", no_argument, NULL, PROBE_OPT_JSON },
	{ "catalog", required_argument, NULL, PROBE_OPT_CATALOG },
	{ "config", required_argument, NULL, PROBE_OPT_CONFIG },
	{ "path", required_argument, NULL, PROBE_OPT_PATH },
	{ "jobs", required_argument, NULL, PROBE_OPT_JOBS },
	{ "format", required_argument, NULL, PROBE_OPT_FORMAT },
	{ "output", required_argument, NULL, PROBE_OPT_OUTPUT },
	{ "quiet", no_argument, NULL, PROBE_OPT_QUIET },
	{ "lock-file", required_argument, NULL, PROBE_OPT_LOCK_FILE },
	{ "wait", no_argument, NULL, PROBE_OPT_WAIT },
	{ "no-check", no_argument, NULL, PROBE_OPT_NO_CHECK },
	{ "dkim-selector", required_argument, NULL, PROBE_OPT_DKIM_SELECTOR },
	{ "history", required_argument, NULL, PROBE_OPT_HISTORY },
	{ "no-history", no_argument, NULL, PROBE_OPT_NO_HISTORY },
	{ "keep", required_argument, NULL, PROBE_OPT_KEEP },
	{ "report", required_argument, NULL, PROBE_OPT_REPORT },
	{ "remind", required_argument, NULL, PROBE_OPT_REMIND },
	{ "expect", required_argument, NULL, PROBE_OPT_EXPECT },
	{ "relay", required_argument, NULL, PROBE_OPT_RELAY },
	{ "auth-user", required_argument, NULL, PROBE_OPT_AUTH_USER },
	{ "auth-password-file", required_argument, NULL,
	    PROBE_OPT_AUTH_PASSWORD_FILE },
	{ "dkim-key", required_argument, NULL, PROBE_OPT_DKIM_KEY },
	{ "dkim-domain", required_argument, NULL, PROBE_OPT_DKIM_DOMAIN },
	{ "header", required_argument, NULL, PROBE_OPT_HEADER },
	{ "message", required_argument, NULL, PROBE_OPT_MESSAGE },
	{ "list-unsubscribe", required_argument, NULL,
	    PROBE_OPT_LIST_UNSUBSCRIBE },
	{ "path-name", required_argument, NULL, PROBE_OPT_PATH_NAME },
	{ "timeout-total", required_argument, NULL, 't' },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "cert-days", required_argument, NULL, PROBE_OPT_CERT_DAYS },
	{ "critical-after", required_argument, NULL, PROBE_OPT_CRITICAL_AFTER },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
probe_cli_port(const char *s, size_t len, int *out)
{
	uint64_t v;

	if (!smtp_num_parse(s, len, 1, 65535, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * A host --server may name: an IPv6 literal where the form says so
 * (brackets, or colons), else an IPv4 literal or a name of letters,
 * digits, "-" and "_" in non-empty labels, a final dot allowed. What is
 * neither is a typo (two colons, a scheme, a comma): refused here rather
 * than sent to DNS and reported as a domain that does not exist.
 */
static bool
probe_cli_is_host(const char *host, size_t len, bool is_v6)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	size_t i, label = 0;

	if (is_v6) {
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, host, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	for (i = 0; i < len; i++) {
		if (host[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)host[i]) ||
		    host[i] == '_' || (host[i] == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return len > 0;
}

/*
 * "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal, for
 * --server and --relay: the host into buf (a copy, port cut), *host
 * pointing at it, the port into *port (left alone when none).
 */
static int
probe_cli_hostport(const char *flag, const char *arg, char *buf,
    size_t buflen, const char **hostp, int *port, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':'), *host = arg;
	size_t hostlen = strlen(arg);
	bool is_v6 = arg[0] == '[' || (colon != NULL &&
	    strchr(arg, ':') != colon);

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		host = arg + 1;
		hostlen = (size_t)(close - host);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else if (colon != NULL && strchr(arg, ':') != colon) {
		colon = NULL;	/* a bare IPv6 literal: no port */
	} else if (colon != NULL) {
		hostlen = (size_t)(colon - arg);
	}
	if (colon != NULL && probe_cli_port(colon + 1, strlen(colon + 1),
	    port) != 0)
		goto bad;
	if (hostlen == 0 || hostlen >= buflen)
		goto bad;
	if (!probe_cli_is_host(host, hostlen, is_v6)) {
		(void)snprintf(err, errlen, "%s: \"%.200s\" is neither "
		    "a host name nor an IP address", flag, arg);
		return -1;
	}
	memcpy(buf, host, hostlen);
	buf[hostlen] = '\0';
	*hostp = buf;
	return 0;
bad:
	(void)snprintf(err, errlen, "%s: expected HOST[:PORT] or "
	    "[IPv6]:PORT, got \"%.200s\"", flag, arg);
	return -1;
}

static int
probe_cli_format(const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	static const char *const names[] = { "text", "json", "nagios",
	    "prometheus" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i]) == 0) {
			o->format = (enum probe_cli_format)i;
			return 0;
		}
	}
	(void)snprintf(err, errlen, "--format: text, json, nagios or "
	    "prometheus, not \"%.64s\"", arg);
	return -1;
}

/* The options of many paths: config, selection, parallelism, output. */
static int
probe_cli_many(int c, const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	uint64_t v;

	switch (c) {
	case PROBE_OPT_CONFIG: o->config = arg; return 0;
	case PROBE_OPT_PATH:
		if (o->npaths == PROBE_CLI_PATHS_MAX)
			break;
		o->paths[o->npaths++] = arg;
		return 0;
	case PROBE_OPT_JOBS:
		if (!smtp_num_parse(arg, strlen(arg), 1, 256, &v))
			break;
		o->jobs = (int)v;
		return 0;
	case PROBE_OPT_FORMAT: return probe_cli_format(arg, o, err, errlen);
	case PROBE_OPT_OUTPUT: o->output = arg; return 0;
	case PROBE_OPT_QUIET: o->quiet = true; return 0;
	case PROBE_OPT_LOCK_FILE: o->lock_file = arg; return 0;
	case PROBE_OPT_WAIT: o->wait = true; return 0;
	case PROBE_OPT_HISTORY: o->history = arg; return 0;
	case PROBE_OPT_NO_HISTORY: o->no_history = true; return 0;
	case PROBE_OPT_KEEP:
		/* 0 keeps everything; 100 years is "everything" too. */
		if (!smtp_num_parse(arg, strlen(arg), 0, 36600, &v))
			break;
		o->keep_days = (int)v;
		return 0;
	case PROBE_OPT_REPORT:
		if (strcmp(arg, "all") != 0 && strcmp(arg, "changes") != 0) {
			(void)snprintf(err, errlen, "--report: all or changes, "
			    "not \"%.64s\"", arg);
			return -1;
		}
		o->report_changes = strcmp(arg, "changes") == 0;
		return 0;
	case PROBE_OPT_REMIND:
		if (probe_when_duration(arg, &o->remind_s) == 0)
			return 0;
		(void)snprintf(err, errlen, "--remind: a duration such as 24h, "
		    "12h or 7d (0: never), not \"%.64s\"", arg);
		return -1;
	default: break;
	}
	if (c == PROBE_OPT_KEEP)
		(void)snprintf(err, errlen, "--keep: a number of days from 0 "
		    "(keep everything) to 36600, not \"%.64s\"", arg);
	else
		(void)snprintf(err, errlen, c == PROBE_OPT_JOBS ? "--jobs: a "
		    "number from 1 to 256" : "--path: at most %d",
		    PROBE_CLI_PATHS_MAX);
	return -1;
}

/* -w, -c: seconds, a decimal number above 0 and at most a day. */
static int
probe_cli_seconds(const char *flag, const char *arg, double *out, char *err,
    size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno == 0 && end != arg && *end == '\0' && v > 0 && v <= 86400) {
		*out = v;
		return 0;
	}
	(void)snprintf(err, errlen, "%s: a number of seconds above 0 and at "
	    "most 86400, not \"%.64s\"", flag, arg);
	return -1;
}

/* --cert-days WARN,CRIT: whole days, WARN at least CRIT (21,7). */
static int
probe_cli_cert_days(const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	const char *comma = strchr(arg, ',');
	uint64_t w, c;

	if (comma != NULL && smtp_num_parse(arg, (size_t)(comma - arg), 0,
	    3650, &w) && smtp_num_parse(comma + 1, strlen(comma + 1), 0,
	    3650, &c) && w >= c) {
		o->cert_warn_days = (int)w;
		o->cert_crit_days = (int)c;
		return 0;
	}
	(void)snprintf(err, errlen, "--cert-days: WARN,CRIT in days (0 to "
	    "3650, WARN at least CRIT, as 21,7), not \"%.64s\"", arg);
	return -1;
}

/*
 * --critical-after DURATION: a tempfail that has lasted this long is
 * CRITICAL. Above 0 (0 would make every tempfail critical, which is
 * what -c does not mean either) and at most a year.
 */
static int
probe_cli_critical_after(const char *arg, struct probe_cli_send *o,
    char *err, size_t errlen)
{
	long long secs;

	if (probe_when_duration(arg, &secs) == 0 && secs > 0 &&
	    secs <= PROBE_CLI_CRITICAL_AFTER_MAX) {
		o->critical_after_s = secs;
		return 0;
	}
	(void)snprintf(err, errlen, "--critical-after: a duration such as "
	    "30m, 2h or 1d (above 0, at most 365d), not \"%.64s\"", arg);
	return -1;
}

/*
 * --path-name: it becomes a Prometheus label value and the history's
 * name for the path, so it is kept to what a config path name holds.
 */
static int
probe_cli_path_name(const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	size_t len = strlen(arg);

	if (len > 0 && len < PROBE_CLI_PATH_NAME_MAX && strspn(arg,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-") == len) {
		o->path_name = arg;
		return 0;
	}
	(void)snprintf(err, errlen, "--path-name: 1 to %d letters, digits, "
	    "'.', '_' or '-', not \"%.64s\"", PROBE_CLI_PATH_NAME_MAX - 1,
	    arg);
	return -1;
}

/* The flags monitoring systems expect (Monitoring Plugins guidelines). */
static int
probe_cli_monitor(int c, const char *arg, struct probe_cli_send *o,
    char *err, size_t errlen)
{
	uint64_t v;

	switch (c) {
	case PROBE_OPT_PATH_NAME:
		return probe_cli_path_name(arg, o, err, errlen);
	case PROBE_OPT_CERT_DAYS:
		return probe_cli_cert_days(arg, o, err, errlen);
	case PROBE_OPT_CRITICAL_AFTER:
		return probe_cli_critical_after(arg, o, err, errlen);
	case 'w': return probe_cli_seconds("-w", arg, &o->warn_s, err, errlen);
	case 'c': return probe_cli_seconds("-c", arg, &o->crit_s, err, errlen);
	case 'V': o->version = true; return 0;
	default: break;
	}
	if (smtp_num_parse(arg, strlen(arg), 1, 86400, &v)) {
		o->timeout_total_s = (int)v;
		return 0;
	}
	(void)snprintf(err, errlen, "-t: a number of seconds from 1 to 86400, "
	    "not \"%.64s\"", arg);
	return -1;
}

/*
 * --to ADDR[,ADDR...]: swaks and mail(1) take a comma list, so we do.
 * The list is split in place: optarg points into argv, which is ours to
 * write (C11 5.1.2.2.1), and each address is then a string of its own.
 */
static int
probe_cli_to(const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	char *p = (char *)arg, *comma;	/* argv: writable, see above */

	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*p == '\0') {
			(void)snprintf(err, errlen, "--to: an empty address "
			    "in the list");
			return -1;
		}
		if (o->nto == SMTP_RCPTS_MAX) {
			(void)snprintf(err, errlen, "--to: at most %d "
			    "recipients", SMTP_RCPTS_MAX);
			return -1;
		}
		o->to[o->nto++] = p;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* One option; -1 with err filled when its value is unusable. */
static int
probe_cli_one(int c, const char *arg, struct probe_cli_send *o, char *err,
    size_t errlen)
{
	uint64_t v;

	switch (c) {
	case PROBE_OPT_PROFILE: o->profile = arg; break;
	case PROBE_OPT_TO:
		return probe_cli_to(arg, o, err, errlen);
	case PROBE_OPT_FROM: o->from = arg; break;
	case PROBE_OPT_HEADER_FROM: o->header_from = arg; break;
	case PROBE_OPT_SOURCE: o->source = arg; break;
	case PROBE_OPT_HELO: o->helo = arg; break;
	case PROBE_OPT_SERVER:
		return probe_cli_hostport("--server", arg, o->server_buf,
		    sizeof(o->server_buf), &o->server, &o->server_port, err,
		    errlen);
	case PROBE_OPT_RELAY:
		return probe_cli_hostport("--relay", arg, o->relay_buf,
		    sizeof(o->relay_buf), &o->relay, &o->relay_port, err,
		    errlen);
	case PROBE_OPT_AUTH_USER: o->auth_user = arg; break;
	case PROBE_OPT_AUTH_PASSWORD_FILE: o->auth_password_file = arg; break;
	case PROBE_OPT_PORT:
		if (probe_cli_port(arg, strlen(arg), &o->port) == 0)
			break;
		(void)snprintf(err, errlen, "--port: not a number from 1 to "
		    "65535: \"%.64s\"", arg);
		return -1;
	case PROBE_OPT_DNS_SERVER: o->dns_server = arg; break;
	case PROBE_OPT_ALLOW_LOOPBACK_MX: o->allow_loopback_mx = true; break;
	case PROBE_OPT_STARTTLS: o->starttls = arg; break;
	case PROBE_OPT_TLS_VERIFY: o->tls_verify = arg; break;
	case PROBE_OPT_TLS_CA: o->tls_ca = arg; break;
	case PROBE_OPT_QUIT_AFTER: o->quit_after = arg; break;
	case PROBE_OPT_TIMEOUT:
		if (smtp_num_parse(arg, strlen(arg), 1, 3600, &v)) {
			o->timeout_s = (int)v;
			break;
		}
		(void)snprintf(err, errlen, "--timeout: not a number of "
		    "seconds from 1 to 3600: \"%.64s\"", arg);
		return -1;
	case PROBE_OPT_SUBJECT: o->subject = arg; break;
	case PROBE_OPT_EXPECT: o->expect = arg; break;
	case PROBE_OPT_NO_CHECK: o->no_check = true; break;
	case PROBE_OPT_DKIM_SELECTOR: o->dkim_selector = arg; break;
	case PROBE_OPT_DKIM_KEY: o->dkim_key = arg; break;
	case PROBE_OPT_DKIM_DOMAIN: o->dkim_domain = arg; break;
	case PROBE_OPT_MESSAGE: o->message_file = arg; break;
	case PROBE_OPT_LIST_UNSUBSCRIBE: o->list_unsubscribe = arg; break;
	case PROBE_OPT_HEADER:
		if (o->nheaders == PROBE_CLI_HEADERS_MAX) {
			(void)snprintf(err, errlen, "--header: at most %d",
			    PROBE_CLI_HEADERS_MAX);
			return -1;
		}
		o->headers[o->nheaders++] = arg;
		break;
	case PROBE_OPT_BODY_FILE: o->body_file = arg; break;
	case PROBE_OPT_JSON:
		o->json = true;
		o->format = PROBE_CLI_FORMAT_JSON;
		break;
	case PROBE_OPT_CONFIG: case PROBE_OPT_PATH: case PROBE_OPT_JOBS:
	case PROBE_OPT_FORMAT: case PROBE_OPT_OUTPUT: case PROBE_OPT_QUIET:
	case PROBE_OPT_LOCK_FILE: case PROBE_OPT_WAIT:
	case PROBE_OPT_HISTORY: case PROBE_OPT_NO_HISTORY: case PROBE_OPT_KEEP:
	case PROBE_OPT_REPORT: case PROBE_OPT_REMIND:
		return probe_cli_many(c, arg, o, err, errlen);
	case PROBE_OPT_CATALOG:
		if (o->ncatalogs == PROBE_CLI_CATALOGS_MAX) {
			(void)snprintf(err, errlen, "--catalog: at most %d "
			    "files", PROBE_CLI_CATALOGS_MAX);
			return -1;
		}
		o->catalogs[o->ncatalogs++] = arg;
		break;
	case PROBE_OPT_PATH_NAME: case PROBE_OPT_CERT_DAYS:
	case PROBE_OPT_CRITICAL_AFTER:
	case 't': case 'w': case 'c': case 'V':
		return probe_cli_monitor(c, arg, o, err, errlen);
	case '4': o->family = AF_INET; break;
	case '6': o->family = AF_INET6; break;
	case 'h': o->help = true; break;
	default:
		(void)snprintf(err, errlen, "unknown or incomplete option");
		return -1;
	}
	return 0;
}

/*
 * Name the option getopt refused. A short one is named by optopt: inside
 * a cluster ("-x4") optind has not moved on, so argv[optind - 1] would
 * be the word before it. A long one is named by the whole word.
 */
static void
probe_cli_bad_option(char **argv, char *err, size_t errlen)
{
	if (optopt > 0 && optopt < PROBE_OPT_PROFILE)
		(void)snprintf(err, errlen, "unknown option or missing "
		    "value: \"-%c\"", optopt);
	else
		(void)snprintf(err, errlen, "unknown option or missing "
		    "value: \"%.100s\"", argv[optind - 1]);
}

int
probe_cli_parse_send(int argc, char **argv, struct probe_cli_send *o,
    char *err, size_t errlen)
{
	int c, seen4 = 0, seen6 = 0;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->keep_days = -1;
	o->remind_s = -1;
	o->cert_warn_days = -1;
	o->cert_crit_days = -1;
	/*
	 * 0, not 1: glibc keeps its place inside a cluster of short options
	 * ("-x4") in state that only optind = 0 resets; with 1, a second
	 * parse would resume in the previous argv's leftover characters.
	 */
	optind = 0;
	opterr = 0;	/* our own one-line message instead of getopt's */
	while ((c = getopt_long(argc, argv, "46ht:w:c:V", probe_cli_send_opts,
	    NULL)) != -1) {
		if (c == '?' || c == ':') {
			probe_cli_bad_option(argv, err, errlen);
			return -1;
		}
		seen4 |= c == '4';
		seen6 |= c == '6';
		if (probe_cli_one(c, optarg, o, err, errlen) != 0)
			return -1;
	}
	if (optind < argc) {
		(void)snprintf(err, errlen, "unexpected argument \"%.100s\"",
		    argv[optind]);
		return -1;
	}
	if (o->timeout_total_s > 0 && o->wait) {
		(void)snprintf(err, errlen, "-t and --wait exclude each other: "
		    "waiting for the lock could outlast the run's time");
		return -1;
	}
	if (o->warn_s > 0 && o->crit_s > 0 && o->warn_s > o->crit_s) {
		(void)snprintf(err, errlen, "-w is above -c: a probe would be "
		    "critical before it is a warning");
		return -1;
	}
	if (seen4 && seen6) {
		(void)snprintf(err, errlen, "-4 and -6 exclude each other");
		return -1;
	}
	return 0;
}

enum probe_cli_format
probe_cli_asks_format(int argc, char **argv)
{
	enum probe_cli_format f = PROBE_CLI_FORMAT_TEXT;
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		v = NULL;
		if (strcmp(argv[i], "--json") == 0)
			f = PROBE_CLI_FORMAT_JSON;
		else if (strncmp(argv[i], "--format=", 9) == 0)
			v = argv[i] + 9;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			v = argv[++i];
		if (v != NULL)
			f = strcmp(v, "json") == 0 ? PROBE_CLI_FORMAT_JSON :
			    strcmp(v, "nagios") == 0 ? PROBE_CLI_FORMAT_NAGIOS :
			    strcmp(v, "prometheus") == 0 ?
			    PROBE_CLI_FORMAT_PROMETHEUS : PROBE_CLI_FORMAT_TEXT;
	}
	return f;
}

static const char probe_cli_exit_text[] =
"Exit status (the same as Nagios plugins):\n"
"  0  pass      the server accepted the message (or the --quit-after stage)\n"
"  1  tempfail  a 4xx reply, network trouble or a DNS failure that may pass\n"
"  2  fail      a 5xx reply, a TLS policy failure, or DNS that says no mail\n"
"  3  error     bad usage, configuration or an internal error\n";

void
probe_cli_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe COMMAND [OPTIONS]\n"
"\n"
"Will my mail get in? smtpprobe connects straight to a provider's MX from a\n"
"chosen source address, upgrades with STARTTLS, submits one test message and\n"
"reports every reply verbatim, with a verdict.\n"
"\n"
"Commands:\n"
"  send          probe one sending path (see: smtpprobe send --help)\n"
"  serve         probe the configured paths on a schedule and serve the\n"
"                results as Prometheus metrics (see: smtpprobe serve --help)\n"
"  check         SPF, DMARC, DKIM and PTR of a sending path, and what\n"
"                Gmail would say (see: smtpprobe check --help)\n"
"  explain       diagnose replies from text, a mail log or a bounce\n"
"                (see: smtpprobe explain --help)\n"
"  history       what earlier send runs found, and when it changed\n"
"                (see: smtpprobe history --help)\n"
"  report        the history as one HTML page\n"
"                (see: smtpprobe report --help)\n"
"  catalog lint  check catalog files (see: smtpprobe catalog --help)\n"
"\n"
"Options:\n"
"  --help         this text\n"
"  --version, -V  print the version\n"
"\n", fp);
	fputs(probe_cli_exit_text, fp);
}

void
probe_cli_send_usage(FILE *fp)
{
	fputs(
"usage: smtpprobe send --to ADDR --from ADDR [OPTIONS]\n"
"\n"
"Look up the MX hosts of the recipient's domain, connect to each address in\n"
"preference order until one answers definitively, and report the dialogue.\n"
"\n"
"Envelope and message:\n"
"  --to ADDR[,ADDR]     recipients (repeatable or a comma list, one\n"
"                       domain); required\n"
"  --from ADDR          envelope sender (MAIL FROM); required: it decides SPF\n"
"  --header-from ADDR   From: header (default: the envelope sender)\n"
"  --helo NAME          EHLO/HELO name (default: this host's name)\n"
"  --subject TEXT       Subject (the probe id is appended)\n"
"  --body-file FILE     message body from FILE (at most 1 MiB as read, no\n"
"                       NUL byte)\n"
"  --header \"N: V\"     add this header field (repeatable, at most 16; no\n"
"                       control characters; not one smtpprobe sets)\n"
"  --list-unsubscribe URL  add List-Unsubscribe: <URL> (https) and\n"
"                       List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
"  --message FILE       send this RFC 5322 message (at most 1 MiB) instead\n"
"                       of ours: the probe id goes into its Subject and an\n"
"                       X-Smtpprobe-Id field; its From: is the header From\n"
"\n"
"DKIM signing (RFC 6376; rsa-sha256 or ed25519-sha256, relaxed/relaxed):\n"
"  --dkim-key FILE      sign the message with this PEM private key (PKCS#1\n"
"                       or PKCS#8, RSA or Ed25519); needs --dkim-selector\n"
"  --dkim-selector SEL  the selector: sign as s=SEL, and check the key at\n"
"                       SEL._domainkey.<d= domain> before sending\n"
"  --dkim-domain D      d= (default: the From: header's domain)\n"
"\n"
"Where and how:\n"
"  --profile NAME|FILE  provider profile (gmail, ...) or a YAML file\n"
"  --source IP          bind to this local address before connecting\n"
"  --server HOST[:PORT] skip the MX lookup and connect to HOST\n"
"  --relay HOST[:PORT]  submit through this smarthost or submission server\n"
"                       (default port 587; STARTTLS required by default;\n"
"                       no --source, IPv4 only, never 465: see README)\n"
"  --auth-user USER     authenticate (AUTH PLAIN, LOGIN or CRAM-MD5) with\n"
"                       --relay; the password comes from\n"
"  --auth-password-file FILE  its first line, or $SMTPPROBE_AUTH_PASSWORD\n"
"  --port N             TCP port (default 25, or the profile's)\n"
"  --dns-server IP[:PORT]  send DNS queries to this resolver\n"
"  --allow-loopback-mx  connect to an MX (or address literal) on 127.0.0.0/8\n"
"                       or ::1, for tests and the demo; refused otherwise as\n"
"                       mail that loops back to this host\n"
"  -4, -6               use only IPv4 or only IPv6 addresses\n"
"  --starttls MODE      required | opportunistic | off\n"
"                       (default: the profile's, else opportunistic)\n"
"  --tls-verify MODE    require | report (default: report, like an MTA)\n"
"  --tls-ca FILE        trust these CA certificates instead of the system's\n"
"  --quit-after STAGE   connect | banner | ehlo | tls | mail | rcpt: stop\n"
"                       after that stage with QUIT (connect: just close)\n"
"  --timeout SECONDS    wait at most this long at each stage (1-3600;\n"
"                       default 10 s to connect, 30 s per reply, 60 s\n"
"                       after the message)\n"
"\n"
"Pre-flight check (as \"smtpprobe check\", before sending):\n"
"  --no-check           do not check SPF, DMARC, DKIM and PTR first (the\n"
"                       check runs only for a path with a --source)\n"
"\n"
"Many paths (from the config file):\n"
"  --config FILE        sending paths (default /etc/smtpprobe/smtpprobe.yaml,\n"
"                       then ~/.config/smtpprobe/smtpprobe.yaml)\n"
"  --path NAME          only this path (repeatable; default: all)\n"
"  --profile LIST       gmail,yahoo,... or all (gmail,yahoo,outlook,icloud)\n"
"  --jobs N             probes at once (1-256, default 4), within each\n"
"                       profile's politeness limits\n"
"  --lock-file FILE     cron safety: one run at a time (default per\n"
"                       user, in a folder of its own: $XDG_RUNTIME_DIR,\n"
"                       else /run/smtpprobe for root, else\n"
"                       ${TMPDIR:-/tmp}/smtpprobe-UID)\n"
"  --wait               wait for a running smtpprobe instead of exiting 3\n"
"\n"
"History (every run's cells, for 'smtpprobe history'):\n"
"  --history FILE       the SQLite file (default: $STATE_DIRECTORY, then\n"
"                       /var/lib/smtpprobe for root, else $XDG_STATE_HOME\n"
"                       or ~/.local/state: smtpprobe/history.sqlite there;\n"
"                       $SMTPPROBE_HISTORY overrides: a file, or off)\n"
"  --no-history         record nothing\n"
"  --keep DAYS          forget rows older than DAYS (default 90; 0 keeps\n"
"                       everything)\n"
"  --report changes     print only the cells whose verdict or cause changed\n"
"                       since the last run, and reminders (nothing when\n"
"                       nothing changed: cron mails on a change); the exit\n"
"                       status stays the run's (default: --report all)\n"
"  --expect VERDICT[:ENHANCED]\n"
"                       pre-launch test: every cell must end so (pass,\n"
"                       tempfail, fail, fail:5.7.26); exit 0 when all do,\n"
"                       2 when one does not (config: expect: per path)\n"
"  --remind DURATION    with --report changes, repeat a cell that still\n"
"                       does not pass once per DURATION (default 24h; 0:\n"
"                       never)\n"
"\n"
"Output:\n"
"  --format FORMAT      text (default), json, nagios or prometheus\n"
"  --output FILE        with prometheus: write FILE atomically (for\n"
"                       node_exporter's textfile collector); checked\n"
"                       before any mail is sent\n"
"  --path-name NAME     the name of the one path of --to in reports and\n"
"                       the history (default: cli), so that two such runs\n"
"                       write metrics that do not collide\n"
"  --quiet              print nothing when every probe passes (for cron)\n"
"                       (at a terminal a progress line shows on stderr;\n"
"                       Ctrl-C stops the run and reports what was done)\n"
"  --json               the same as --format json\n"
"  --catalog FILE       also use this catalog of replies (repeatable; ranks\n"
"                       above the shipped ones and /etc/smtpprobe/catalogs)\n"
"  --help               this text\n"
"  -V, --version        print the version\n"
"\n"
"Monitoring (Nagios, Icinga; thresholds raise the state, never lower it):\n"
"  -t, --timeout-total SECONDS  end the whole run after SECONDS (1-86400),\n"
"                       like a plugin's alarm: what has not finished is\n"
"                       an error (exit 3), said on the status line\n"
"  -w, --warning SECONDS   WARNING when a probe took longer\n"
"  -c, --critical SECONDS  CRITICAL when a probe took longer\n"
"  --cert-days WARN,CRIT   WARNING / CRITICAL when a server certificate\n"
"                       expires within WARN / CRIT days (21,7)\n"
"  --critical-after DURATION  CRITICAL when a tempfail has lasted this\n"
"                       long (30m, 2h, 1d), as the history tells\n"
"\n", fp);
	fputs(probe_cli_exit_text, fp);
}
