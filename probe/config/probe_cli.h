/*
 * probe_cli - the command line of "smtpprobe send": flags into a struct,
 * and the help texts. Parsing only: no file is read, no name resolved.
 *
 * Errors: -1 with one line in err ("--port: not a number from 1 to
 * 65535: 99999"); the caller prints it and exits 3.
 */
#ifndef SMTPPROBE_PROBE_CLI_H
#define SMTPPROBE_PROBE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "smtp/smtp_transcript.h"

#define PROBE_CLI_ERR_MAX	512
#define PROBE_CLI_CATALOGS_MAX	16
#define PROBE_CLI_PATHS_MAX	64
/* --header: the message module's bound, checked there with its words. */
#define PROBE_CLI_HEADERS_MAX	16
/* --path-name: a label value and a history key, so short and plain. */
#define PROBE_CLI_PATH_NAME_MAX	64
/* --critical-after: a year; a tempfail older than that is no news. */
#define PROBE_CLI_CRITICAL_AFTER_MAX	(365LL * 86400)

enum probe_cli_format {
	PROBE_CLI_FORMAT_TEXT,
	PROBE_CLI_FORMAT_JSON,
	PROBE_CLI_FORMAT_NAGIOS,
	PROBE_CLI_FORMAT_PROMETHEUS,
};

struct probe_cli_send {
	const char	*profile;
	const char	*to[SMTP_RCPTS_MAX];
	size_t		 nto;
	const char	*from;
	const char	*header_from;
	const char	*source;
	const char	*helo;
	const char	*server;	/* host part of --server */
	int		 server_port;	/* its :PORT, 0 when none */
	int		 port;		/* --port, 0 when not given */
	const char	*dns_server;
	bool		 allow_loopback_mx;	/* --allow-loopback-mx */
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6 */
	const char	*starttls;
	const char	*tls_verify;
	const char	*tls_ca;
	const char	*quit_after;
	int		 timeout_s;	/* 0 when not given */
	const char	*subject;
	const char	*body_file;
	const char	*headers[PROBE_CLI_HEADERS_MAX];	/* --header */
	size_t		 nheaders;
	const char	*message_file;	/* --message FILE */
	const char	*list_unsubscribe;	/* --list-unsubscribe URL */
	bool		 json;
	bool		 help;
	const char	*catalogs[PROBE_CLI_CATALOGS_MAX];	/* --catalog */
	size_t		 ncatalogs;
	const char	*config;	/* --config FILE */
	const char	*paths[PROBE_CLI_PATHS_MAX];	/* --path NAME */
	size_t		 npaths;
	int		 jobs;		/* --jobs, 0 when not given */
	enum probe_cli_format format;
	const char	*output;	/* --output FILE */
	bool		 quiet;
	const char	*lock_file;
	bool		 wait;		/* --wait for the lock */
	bool		 no_check;	/* --no-check: no pre-flight check */
	const char	*dkim_selector;	/* signs as, and checks, SEL */
	const char	*dkim_key;	/* --dkim-key FILE: sign with it */
	const char	*dkim_domain;	/* d=; NULL: the From domain */
	const char	*history;	/* --history FILE, NULL: default */
	bool		 no_history;	/* --no-history */
	int		 keep_days;	/* --keep, -1 when not given */
	bool		 report_changes;	/* --report changes */
	long long	 remind_s;	/* --remind, -1 when not given */
	const char	*expect;	/* --expect VERDICT[:ENHANCED] */
	char		 server_buf[256];	/* --server copy, port cut */
	const char	*relay;		/* host part of --relay */
	int		 relay_port;	/* its :PORT, 0 when none */
	const char	*auth_user;	/* --auth-user */
	const char	*auth_password_file;	/* never the password */
	char		 relay_buf[256];	/* --relay copy, port cut */
	/* Monitoring (Nagios, Prometheus). */
	const char	*path_name;	/* --path-name NAME for --to */
	int		 timeout_total_s;	/* -t, 0 when not given */
	double		 warn_s;	/* -w SECONDS, 0 when not given */
	double		 crit_s;	/* -c SECONDS, 0 when not given */
	int		 cert_warn_days;	/* --cert-days W,C; -1: none */
	int		 cert_crit_days;
	long long	 critical_after_s;	/* 0 when not given */
	bool		 version;	/* -V, --version */
};

/*
 * probe_cli_parse_send - parse argv (argv[0] is "send"). Borrows argv's
 * strings. Returns 0, or -1 with err filled.
 */
int	probe_cli_parse_send(int argc, char **argv, struct probe_cli_send *o,
	    char *err, size_t errlen);

/*
 * probe_cli_asks_format - the output format argv (argv[0] is the command)
 * asks for, read before or without parsing, so that an error found while
 * parsing is still reported in that format: --json and --format FORMAT
 * (or --format=FORMAT), the last one winning, nothing after "--".
 * Returns PROBE_CLI_FORMAT_TEXT when none is asked for.
 */
enum probe_cli_format probe_cli_asks_format(int argc, char **argv);

/* probe_cli_usage - the top-level help. */
void	probe_cli_usage(FILE *fp);
/* probe_cli_send_usage - help for "send": every flag and exit code. */
void	probe_cli_send_usage(FILE *fp);

#endif
