/*
 * probe_profile - provider profiles.
 */
#include <assert.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/config/probe_profile.h"
#include "probe/util/probe_datadir.h"
#include "probe/util/probe_yaml.h"
#include "smtp/smtp_num.h"

#define PROBE_PROFILE_ETC	"/etc/smtpprobe/profiles"

static const char *const probe_profile_keys[] = {
	"name", "provider", "description", "port", "starttls", "tls_verify",
	"quit_after", "mx_patterns", "catalogs", "max_connections",
	"min_interval", NULL
};

bool
probe_profile_parse_starttls(const char *s, enum smtp_starttls_mode *out)
{
	if (strcmp(s, "required") == 0)
		*out = SMTP_STARTTLS_REQUIRED;
	else if (strcmp(s, "opportunistic") == 0)
		*out = SMTP_STARTTLS_OPPORTUNISTIC;
	else if (strcmp(s, "off") == 0)
		*out = SMTP_STARTTLS_OFF;
	else
		return false;
	return true;
}

bool
probe_profile_parse_tls_verify(const char *s, enum smtp_tls_verify *out)
{
	if (strcmp(s, "require") == 0)
		*out = SMTP_TLS_VERIFY_REQUIRE;
	else if (strcmp(s, "report") == 0)
		*out = SMTP_TLS_VERIFY_REPORT;
	else
		return false;
	return true;
}

bool
probe_profile_parse_quit_after(const char *s, enum smtp_stage *out)
{
	static const enum smtp_stage ok[] = { SMTP_STAGE_CONNECT,
	    SMTP_STAGE_BANNER, SMTP_STAGE_EHLO, SMTP_STAGE_TLS,
	    SMTP_STAGE_MAIL, SMTP_STAGE_RCPT };
	enum smtp_stage st;
	size_t i;

	if (!smtp_stage_parse(s, &st))
		return false;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ok[i] == st) {
			*out = st;
			return true;
		}
	}
	return false;
}

static bool
probe_profile_try(const char *dir, const char *name, char *path,
    size_t pathlen)
{
	struct stat sb;
	int n;

	n = snprintf(path, pathlen, "%s/%s.yaml", dir, name);
	return n > 0 && (size_t)n < pathlen && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode);
}

/* Resolve a profile name to a file, in the order the header gives. */
static int
probe_profile_find(const char *name, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	char dir[PATH_MAX + 32];
	const char *env = probe_datadir_env();

	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(name) || name[0] == '\0') {
		(void)snprintf(err, errlen, "bad profile name \"%.64s\": use "
		    "letters, digits, - and _, or a path to a .yaml file",
		    name);
		return -1;
	}
	if (env != NULL) {
		if (probe_datadir_find(dir, sizeof(dir), err, errlen) != 0)
			return -1;
		if (probe_profile_try(dir, name, path, pathlen) ||
		    probe_profile_try(PROBE_PROFILE_ETC, name, path, pathlen))
			return 0;
		(void)snprintf(err, errlen, "no profile named \"%s\" (looked "
		    "in %s and %s)", name, dir, PROBE_PROFILE_ETC);
		return -1;
	}
	if (probe_datadir_source_tree(dir, sizeof(dir)) &&
	    probe_profile_try(dir, name, path, pathlen))
		return 0;
	(void)snprintf(dir, sizeof(dir), "%s/profiles",
	    probe_datadir_compiled());
	if (probe_profile_try(PROBE_PROFILE_ETC, name, path, pathlen) ||
	    probe_profile_try(dir, name, path, pathlen))
		return 0;
	(void)snprintf(err, errlen, "no profile named \"%s\" (looked in the "
	    "source tree, %s and %s/profiles; SMTPPROBE_DATADIR names "
	    "another data folder)", name, PROBE_PROFILE_ETC,
	    probe_datadir_compiled());
	return -1;
}

__attribute__((format(printf, 5, 6)))
static int
probe_profile_bad(const struct probe_yaml_doc *doc,
    const struct probe_yaml_entry *e, char *err, size_t errlen,
    const char *fmt, ...)
{
	char what[PROBE_PROFILE_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);	/* cut is fine */
	va_end(ap);
	(void)snprintf(err, errlen, "%s:%lu:%lu: %s", doc->path, e->line,
	    e->column, what);
	return -1;
}

static int
probe_profile_text(char *out, size_t outlen, const struct probe_yaml_doc *doc,
    const struct probe_yaml_entry *e, char *err, size_t errlen)
{
	if (e->is_list || strlen(e->values[0]) >= outlen ||
	    strpbrk(e->values[0], "\r\n") != NULL)
		return probe_profile_bad(doc, e, err, errlen,
		    "\"%s\" takes one line of at most %zu characters", e->key,
		    outlen - 1);
	memcpy(out, e->values[0], strlen(e->values[0]) + 1);
	return 0;
}

static int
probe_profile_list(char *out, size_t n, size_t itemlen, size_t *count,
    const struct probe_yaml_doc *doc, const struct probe_yaml_entry *e,
    char *err, size_t errlen)
{
	size_t i;

	if (e->nvalues > n)
		return probe_profile_bad(doc, e, err, errlen,
		    "\"%s\" takes at most %zu items", e->key, n);
	for (i = 0; i < e->nvalues; i++) {
		if (strlen(e->values[i]) >= itemlen)
			return probe_profile_bad(doc, e, err, errlen,
			    "an item of \"%s\" is too long", e->key);
		memcpy(out + i * itemlen, e->values[i],
		    strlen(e->values[i]) + 1);
	}
	*count = e->nvalues;
	return 0;
}

/* A number key: one value in [min, max]. */
static int
probe_profile_num(int *out, uint64_t min, uint64_t max, const char *what,
    const struct probe_yaml_doc *doc, const struct probe_yaml_entry *e,
    char *err, size_t errlen)
{
	const char *v = e->values[0];
	uint64_t n;

	if (!smtp_num_parse(v, strlen(v), min, max, &n))
		return probe_profile_bad(doc, e, err, errlen, "%s must be %s "
		    "from %ju to %ju", e->key, what, (uintmax_t)min,
		    (uintmax_t)max);
	*out = (int)n;
	return 0;
}

/* A key that takes one value: the numbers and the policy words. */
static int
probe_profile_apply_one(struct probe_profile *p,
    const struct probe_yaml_doc *doc, const struct probe_yaml_entry *e,
    char *err, size_t errlen)
{
	const char *v = e->values[0];

	if (strcmp(e->key, "port") == 0)
		return probe_profile_num(&p->port, 1, 65535, "a number", doc,
		    e, err, errlen);
	if (strcmp(e->key, "max_connections") == 0)
		return probe_profile_num(&p->max_connections, 1,
		    PROBE_PROFILE_CONNECTIONS_MAX, "a number", doc, e, err,
		    errlen);
	if (strcmp(e->key, "min_interval") == 0)
		return probe_profile_num(&p->min_interval, 0,
		    PROBE_PROFILE_INTERVAL_MAX, "seconds", doc, e, err,
		    errlen);
	if (strcmp(e->key, "starttls") == 0) {
		p->has_starttls = probe_profile_parse_starttls(v, &p->starttls);
		return p->has_starttls ? 0 : probe_profile_bad(doc, e, err,
		    errlen, "starttls is required, opportunistic or off");
	}
	if (strcmp(e->key, "tls_verify") == 0) {
		p->has_tls_verify = probe_profile_parse_tls_verify(v,
		    &p->tls_verify);
		return p->has_tls_verify ? 0 : probe_profile_bad(doc, e, err,
		    errlen, "tls_verify is require or report");
	}
	/* What is left of one[] in probe_profile_apply() is quit_after. */
	assert(strcmp(e->key, "quit_after") == 0);
	p->has_quit_after = strcmp(v, "none") != 0;
	if (!p->has_quit_after ||
	    probe_profile_parse_quit_after(v, &p->quit_after))
		return 0;
	return probe_profile_bad(doc, e, err, errlen, "quit_after is none, "
	    "connect, banner, ehlo, tls, mail or rcpt");
}

/* One key of the file into the struct. */
static int
probe_profile_apply(struct probe_profile *p, const struct probe_yaml_doc *doc,
    const struct probe_yaml_entry *e, char *err, size_t errlen)
{
	static const char *const one[] = { "port", "starttls", "tls_verify",
	    "quit_after", "max_connections", "min_interval", NULL };
	const char *near;
	size_t i;

	/* "key: []" has no values array at all: check before reading it. */
	if (e->nvalues == 0)
		return probe_profile_bad(doc, e, err, errlen,
		    "\"%s\" is empty", e->key);
	if (strcmp(e->key, "name") == 0)
		return probe_profile_text(p->name, sizeof(p->name), doc, e,
		    err, errlen);
	if (strcmp(e->key, "provider") == 0)
		return probe_profile_text(p->provider, sizeof(p->provider),
		    doc, e, err, errlen);
	if (strcmp(e->key, "description") == 0)
		return probe_profile_text(p->description,
		    sizeof(p->description), doc, e, err, errlen);
	if (strcmp(e->key, "mx_patterns") == 0)
		return probe_profile_list(&p->mx_patterns[0][0],
		    PROBE_PROFILE_PATTERNS_MAX, PROBE_PROFILE_TEXT_MAX,
		    &p->nmx_patterns, doc, e, err, errlen);
	if (strcmp(e->key, "catalogs") == 0)
		return probe_profile_list(&p->catalogs[0][0],
		    PROBE_PROFILE_CATALOGS_MAX, sizeof(p->catalogs[0]),
		    &p->ncatalogs, doc, e, err, errlen);
	for (i = 0; one[i] != NULL && strcmp(e->key, one[i]) != 0; i++)
		;
	if (one[i] != NULL && e->is_list)
		return probe_profile_bad(doc, e, err, errlen,
		    "\"%s\" takes one value, not a list", e->key);
	if (one[i] != NULL)
		return probe_profile_apply_one(p, doc, e, err, errlen);
	near = probe_yaml_nearest(e->key, probe_profile_keys);
	if (near != NULL)
		return probe_profile_bad(doc, e, err, errlen,
		    "unknown key \"%s\" (did you mean \"%s\"?)", e->key, near);
	return probe_profile_bad(doc, e, err, errlen, "unknown key \"%s\"",
	    e->key);
}

bool
probe_profile_mx_matches(const struct probe_profile *p, const char *mx_host)
{
	char host[PROBE_PROFILE_TEXT_MAX];
	size_t len = strlen(mx_host), i;

	if (p->nmx_patterns == 0)
		return true;
	/* "mx.example." and "mx.example" name the same host. */
	if (len > 0 && mx_host[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(host))
		return false;	/* no DNS name is longer than 253 */
	memcpy(host, mx_host, len);
	host[len] = '\0';
	for (i = 0; i < p->nmx_patterns; i++)
		if (fnmatch(p->mx_patterns[i], host, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

int
probe_profile_load(const char *name_or_path, struct probe_profile *p,
    char *err, size_t errlen)
{
	struct probe_yaml_doc doc;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	p->max_connections = PROBE_PROFILE_CONNECTIONS_DEFAULT;
	p->min_interval = PROBE_PROFILE_INTERVAL_DEFAULT;
	if (strchr(name_or_path, '/') != NULL ||
	    (strlen(name_or_path) > 5 && strcmp(name_or_path +
	    strlen(name_or_path) - 5, ".yaml") == 0)) {
		if (strlen(name_or_path) >= sizeof(p->path)) {
			(void)snprintf(err, errlen, "profile path too long");
			return -1;
		}
		memcpy(p->path, name_or_path, strlen(name_or_path) + 1);
	} else if (probe_profile_find(name_or_path, p->path, sizeof(p->path),
	    err, errlen) != 0)
		return -1;
	rc = probe_yaml_load(p->path, &doc, err, errlen);
	for (i = 0; rc == 0 && i < doc.nentries; i++)
		rc = probe_profile_apply(p, &doc, &doc.entries[i], err, errlen);
	probe_yaml_free(&doc);
	if (rc == 0 && p->name[0] == '\0')
		(void)snprintf(p->name, sizeof(p->name), "%.63s",
		    name_or_path);
	return rc;
}
