/*
 * probe_profile - what smtpprobe knows about a provider, from a YAML file
 * in profiles/: port, STARTTLS and certificate policy, where to stop, the
 * MX host names that identify the provider, and its catalogs. Provider
 * knowledge lives in those files, not in C.
 *
 * Politeness: at most max_connections probes to the provider's MX hosts
 * at once, and min_interval seconds between two probe starts to them;
 * a profile that does not say gets PROBE_PROFILE_CONNECTIONS_DEFAULT and
 * PROBE_PROFILE_INTERVAL_DEFAULT (probes are rare and cheap to space out,
 * while a burst from one address is what rate limits and blocklists key
 * on).
 *
 * A name ("gmail") is looked up in the data folder (probe_datadir_find),
 * then /etc/smtpprobe/profiles, then, without SMTPPROBE_DATADIR, the
 * compiled-in folder. Anything holding a "/" or ending in ".yaml" is taken as a
 * path.
 *
 * Errors: -1 with one line in err: "no profile named x (looked in ...)",
 * or "FILE:LINE:COL: unknown key \"prot\" (did you mean \"port\"?)".
 */
#ifndef SMTPPROBE_PROBE_PROFILE_H
#define SMTPPROBE_PROBE_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_dialog.h"
#include "smtp/smtp_stage.h"

#define PROBE_PROFILE_TEXT_MAX		256
#define PROBE_PROFILE_PATTERNS_MAX	16
#define PROBE_PROFILE_CATALOGS_MAX	8
#define PROBE_PROFILE_ERR_MAX		1024
/* Past 100 at once a probe is a load test, not a probe. */
#define PROBE_PROFILE_CONNECTIONS_MAX	100
#define PROBE_PROFILE_CONNECTIONS_DEFAULT 2
/* An hour between probes is the longest wait that still makes a run. */
#define PROBE_PROFILE_INTERVAL_MAX	3600
#define PROBE_PROFILE_INTERVAL_DEFAULT	1

struct probe_profile {
	char			name[64];
	char			provider[64];
	char			description[PROBE_PROFILE_TEXT_MAX];
	char			path[PATH_MAX];
	int			port;		/* 0: 25 */
	bool			has_starttls;
	enum smtp_starttls_mode	starttls;
	bool			has_tls_verify;
	enum smtp_tls_verify	tls_verify;
	bool			has_quit_after;
	enum smtp_stage		quit_after;
	char			mx_patterns[PROBE_PROFILE_PATTERNS_MAX]
				    [PROBE_PROFILE_TEXT_MAX];
	size_t			nmx_patterns;
	int			max_connections; /* 1..100 */
	int			min_interval;	/* seconds, 0..3600 */
	char			catalogs[PROBE_PROFILE_CATALOGS_MAX][64];
	size_t			ncatalogs;
};

/*
 * probe_profile_load - find and read a profile by name or path into *p
 * (zeroed first, then the politeness defaults).
 * Returns 0, or -1 with err filled.
 */
int	probe_profile_load(const char *name_or_path, struct probe_profile *p,
	    char *err, size_t errlen);

/*
 * probe_profile_mx_matches - whether mx_host (a host name, a trailing dot
 * allowed) matches one of p's mx_patterns: fnmatch(3) globs, compared
 * without regard to case as DNS names are. True when p has no patterns
 * (a profile for any MX). A false answer is a warning for the caller to
 * give ("the recipient's MX is not Gmail's"), not an error.
 */
bool	probe_profile_mx_matches(const struct probe_profile *p,
	    const char *mx_host);

/*
 * probe_profile_parse_starttls / _tls_verify - the words of the CLI and
 * the files ("required", "opportunistic", "off"; "require", "report").
 * Return false for anything else.
 */
bool	probe_profile_parse_starttls(const char *s,
	    enum smtp_starttls_mode *out);
bool	probe_profile_parse_tls_verify(const char *s,
	    enum smtp_tls_verify *out);

/*
 * probe_profile_parse_quit_after - connect, banner, ehlo, tls, mail or
 * rcpt (the stages it makes sense to stop after). False otherwise.
 */
bool	probe_profile_parse_quit_after(const char *s, enum smtp_stage *out);

#endif
