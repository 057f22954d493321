/*
 * probe_config - the operator's sending paths, from a YAML file
 * (--config FILE; by default /etc/smtpprobe/smtpprobe.yaml, then
 * ~/.config/smtpprobe/smtpprobe.yaml):
 *
 *   paths:
 *     - name: mail1                    # [A-Za-z0-9._-], unique
 *       source: 203.0.113.5            # local address to bind
 *       helo: mail1.example.com
 *       mail_from: probe@example.com   # envelope sender
 *       header_from: probe@example.com # optional, default mail_from
 *       dkim_key: /etc/dkimkeys/s1.private # optional: sign the probe
 *       dkim_selector: s1              # with dkim_key; also checked
 *       dkim_domain: example.com       # optional, default From's domain
 *       recipients:                    # per profile: a mailbox you own there
 *         gmail: example.probe@gmail.com
 *         yahoo: example.probe@yahoo.com
 *       expect: pass                   # optional, pre-launch tests: for
 *                                      # every profile, or per profile:
 *       # expect: {gmail: pass, yahoo: {verdict: fail, enhanced: 5.7.26}}
 *
 * Only the first of the default files that exists is read. An optional
 * key of a path left empty ("helo:", "helo: ~", "helo: \"\"") is the same
 * as no key; name, mail_from and each address under recipients must have
 * a value. The null sender <> is not accepted as mail_from (a probe's
 * bounces must reach the operator).
 *
 * Every error names FILE:LINE:COL; unknown keys are refused with the
 * nearest known key suggested. Values are checked as the command line
 * checks them (addresses without CR, LF, <, > or spaces; a HELO name
 * without spaces); whether a source address is local is checked when the
 * path runs, so one bad path does not stop the others.
 *
 * Limits: PROBE_CONFIG_PATHS_MAX paths, PROBE_CONFIG_RCPTS_MAX profiles
 * per path.
 *
 * Errors: -1 with one line in err.
 */
#ifndef SMTPPROBE_PROBE_CONFIG_H
#define SMTPPROBE_PROBE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define PROBE_CONFIG_PATHS_MAX	1000
#define PROBE_CONFIG_RCPTS_MAX	16
#define PROBE_CONFIG_NAME_MAX	64
#define PROBE_CONFIG_ADDR_MAX	257	/* RFC 5321 path: 256 and a NUL */
/* A key file's name; a thousand paths of PATH_MAX would be 4 MiB. */
#define PROBE_CONFIG_FILE_MAX	1024
/* RFC 1035 2.3.4: 253 characters of name, and a NUL. */
#define PROBE_CONFIG_DOMAIN_MAX	254
#define PROBE_CONFIG_ERR_MAX	1024
#define PROBE_CONFIG_ETC	"/etc/smtpprobe/smtpprobe.yaml"
#define PROBE_CONFIG_USER	".config/smtpprobe/smtpprobe.yaml"

struct probe_config_rcpt {
	char	profile[PROBE_CONFIG_NAME_MAX];
	char	address[PROBE_CONFIG_ADDR_MAX];
};

/*
 * An expectation as written (pre-launch tests): checked against the
 * verdict vocabulary by the caller (probe_verdict_expect_parse), which
 * names FILE:line when it is wrong.
 */
struct probe_config_expect {
	char		profile[PROBE_CONFIG_NAME_MAX];	/* "": every profile */
	char		verdict[16];
	char		enhanced[16];	/* "" when any */
	char		cause[32];	/* "" when any */
	unsigned long	line;
};

struct probe_config_path {
	char			 name[PROBE_CONFIG_NAME_MAX];
	char			 source[64];		/* "" when not set */
	char			 helo[256];		/* "" when not set */
	char			 mail_from[PROBE_CONFIG_ADDR_MAX];
	char			 header_from[PROBE_CONFIG_ADDR_MAX]; /* "" */
	char			 dkim_key[PROBE_CONFIG_FILE_MAX];	/* "" */
	char			 dkim_selector[PROBE_CONFIG_DOMAIN_MAX]; /* "" */
	char			 dkim_domain[PROBE_CONFIG_DOMAIN_MAX];	/* "" */
	struct probe_config_rcpt rcpts[PROBE_CONFIG_RCPTS_MAX];
	size_t			 nrcpts;
	struct probe_config_expect expects[PROBE_CONFIG_RCPTS_MAX + 1];
	size_t			 nexpects;
	char			 relay[256];		/* host, "" when none */
	int			 relay_port;		/* 0 when none */
	char			 auth_user[256];	/* "" when none */
	char			 auth_password_file[PATH_MAX]; /* "" */
	unsigned long		 line;		/* where it is defined */
};

struct probe_config {
	char			 file[PATH_MAX];	/* "" when none */
	struct probe_config_path *paths;		/* owned */
	size_t			 npaths;
};

/*
 * probe_config_load - read path (NULL: the default places, in order; none
 * there is not an error: an empty config). Fills *c (zeroed first); free
 * with probe_config_free() either way.
 * Returns 0, or -1 with err filled.
 */
int	probe_config_load(const char *path, struct probe_config *c, char *err,
	    size_t errlen);

/* probe_config_free - free and zero; safe on a zeroed struct. */
void	probe_config_free(struct probe_config *c);

/* probe_config_find - the path named name, or NULL. */
const struct probe_config_path *probe_config_find(const struct probe_config *c,
	    const char *name);

/* probe_config_rcpt - the path's test mailbox for profile, or NULL. */
const char *probe_config_rcpt(const struct probe_config_path *p,
	    const char *profile);

#endif
