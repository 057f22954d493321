/*
 * probe_config - the operator's sending paths, from a YAML file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe/config/probe_config.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_yaml.h"
#include "smtp/smtp_num.h"

#define PROBE_CONFIG_NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789._-"
/* The characters probe_profile_load() accepts in a profile's name. */
#define PROBE_CONFIG_PROFILE_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"

static const char *const probe_config_top_keys[] = { "paths", NULL };
static const char *const probe_config_path_keys[] = { "name", "source",
    "helo", "mail_from", "header_from", "recipients", "relay", "auth_user",
    "auth_password_file", "dkim_key", "dkim_selector", "dkim_domain",
    "expect", NULL };
static const char *const probe_config_expect_keys[] = { "verdict",
    "enhanced", "cause", NULL };

/* Everything one path's parse needs, to keep argument lists short. */
struct probe_config_ctx {
	struct probe_config	*c;
	struct probe_yaml_tree	*t;
	char			*err;
	size_t			 errlen;
};

/* "key:", "key: ~" and "key: null" all say "nothing here" in YAML. */
static bool
probe_config_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n == NULL || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

/*
 * No space and no control byte: the value goes into a command line
 * (EHLO, MAIL FROM, RCPT TO), where CR or LF would inject a command.
 */
static bool
probe_config_is_word(const char *s)
{
	const unsigned char *u;

	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u <= ' ' || *u == 0x7f)
			return false;
	return true;
}

/*
 * The value of key in map: *node is NULL when the key is absent, *text
 * is NULL when it is absent or null. Only a scalar is a value.
 */
static int
probe_config_value(struct probe_config_ctx *x, yaml_node_t *map,
    const char *key, yaml_node_t **node, const char **text)
{
	*node = probe_yaml_get(x->t, map, key);
	*text = NULL;
	if (*node == NULL || probe_config_is_null(*node))
		return 0;
	*text = probe_yaml_text(*node);
	if (*text == NULL)
		return probe_yaml_fail_at(x->t, *node, x->err, x->errlen,
		    "\"%s\" takes one text value, not a list or a mapping",
		    key);
	return 0;
}

/* Why s is not an address we can put in MAIL FROM or RCPT TO, or NULL. */
static const char *
probe_config_addr_problem(const char *s)
{
	const char *at = strrchr(s, '@');

	if (strlen(s) >= PROBE_CONFIG_ADDR_MAX)
		return "is longer than 256 characters (RFC 5321 4.5.3.1.3)";
	if (!probe_config_is_word(s) || strpbrk(s, "<>") != NULL)
		return "holds a space, a control character, < or >: give the "
		    "bare address, like probe@example.com";
	if (at == NULL || at == s || at[1] == '\0')
		return "must be an address with an @, like probe@example.com";
	/* RFC 6531 3.3: a non-ASCII address is UTF-8 and nothing else. */
	if (!probe_escape_is_utf8(s))
		return "holds bytes that are not UTF-8";
	return NULL;
}

/* what is the subject of the message: "\"mail_from\"", "the recipient". */
static int
probe_config_addr(struct probe_config_ctx *x, yaml_node_t *n, const char *s,
    const char *what, char *out)
{
	const char *why;

	if (s == NULL || s[0] == '\0')
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "%s is empty: give an address with an @", what);
	why = probe_config_addr_problem(s);
	if (why != NULL)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen, "%s %s",
		    what, why);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int
probe_config_name(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	const struct probe_config *c = x->c;
	yaml_node_t *n;
	const char *s;
	size_t len, i;

	if (probe_config_value(x, map, "name", &n, &s) != 0)
		return -1;
	if (n == NULL)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "a path needs a \"name\"");
	len = s != NULL ? strlen(s) : 0;
	if (len == 0 || len >= sizeof(p->name) ||
	    strspn(s, PROBE_CONFIG_NAME_CHARS) != len)
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"name\" must be 1 to %zu letters, digits, '.', '_' or "
		    "'-'", sizeof(p->name) - 1);
	/* Names select paths on the command line: one name, one path. */
	for (i = 0; i < c->npaths; i++)
		if (strcmp(c->paths[i].name, s) == 0)
			return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
			    "duplicate path name \"%s\" (first at line %lu)", s,
			    c->paths[i].line);
	memcpy(p->name, s, len + 1);
	return 0;
}

/*
 * Only the syntax: whether the address is one of this host's is checked
 * when the path runs, so that one stale path does not stop the others.
 */
static int
probe_config_source(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	unsigned char addr[sizeof(struct in6_addr)];
	yaml_node_t *n;
	const char *s;

	if (probe_config_value(x, map, "source", &n, &s) != 0)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (strlen(s) >= sizeof(p->source) ||
	    (inet_pton(AF_INET, s, addr) != 1 &&
	    inet_pton(AF_INET6, s, addr) != 1))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"source\" must be an IPv4 or IPv6 address, like "
		    "203.0.113.5 or 2001:db8::5");
	memcpy(p->source, s, strlen(s) + 1);
	return 0;
}

static int
probe_config_helo(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	yaml_node_t *n;
	const char *s;

	if (probe_config_value(x, map, "helo", &n, &s) != 0)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (strlen(s) >= sizeof(p->helo) || !probe_config_is_word(s))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"helo\" must be a host name of at most %zu characters, "
		    "without spaces or control characters",
		    sizeof(p->helo) - 1);
	memcpy(p->helo, s, strlen(s) + 1);
	return 0;
}

/* A word of ours into dst (dstlen bytes); "" when the key is absent. */
static int
probe_config_word(struct probe_config_ctx *x, yaml_node_t *map,
    const char *key, char *dst, size_t dstlen)
{
	yaml_node_t *n;
	const char *s;

	if (probe_config_value(x, map, key, &n, &s) != 0)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (strlen(s) >= dstlen || !probe_config_is_word(s))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"%s\" must be at most %zu characters, without spaces "
		    "or control characters", key, dstlen - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/*
 * relay: HOST[:PORT] instead of a source address (libesmtp binds none),
 * with auth_user and auth_password_file (never the password itself).
 */
static int
probe_config_relay(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	yaml_node_t *n = probe_yaml_get(x->t, map, "relay");
	char *colon;
	uint64_t port;

	if (probe_config_word(x, map, "relay", p->relay,
	    sizeof(p->relay)) != 0 ||
	    probe_config_word(x, map, "auth_user", p->auth_user,
	    sizeof(p->auth_user)) != 0 ||
	    probe_config_word(x, map, "auth_password_file",
	    p->auth_password_file, sizeof(p->auth_password_file)) != 0)
		return -1;
	if (p->relay[0] == '\0')
		return p->auth_user[0] == '\0' ? 0 : probe_yaml_fail_at(x->t,
		    map, x->err, x->errlen, "\"auth_user\" needs \"relay\"");
	if (p->source[0] != '\0')
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen, "a path "
		    "names a relay or a source address, not both (the relay "
		    "path cannot bind one)");
	colon = strchr(p->relay, ':');
	if (colon == NULL)
		return 0;
	if (colon == p->relay || !smtp_num_parse(colon + 1, strlen(colon + 1),
	    1, 65535, &port))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "\"relay\" must be HOST or HOST:PORT (IPv4 or a name)");
	*colon = '\0';
	p->relay_port = (int)port;
	return 0;
}

static int
probe_config_senders(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	yaml_node_t *n;
	const char *s;

	if (probe_config_value(x, map, "mail_from", &n, &s) != 0)
		return -1;
	/* A probe's bounces must reach the operator: no null sender. */
	if (n == NULL)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "a path needs \"mail_from\", the envelope sender: an "
		    "address with an @ (the null sender <> is not supported)");
	if (probe_config_addr(x, n, s, "\"mail_from\"", p->mail_from) != 0)
		return -1;
	if (probe_config_value(x, map, "header_from", &n, &s) != 0)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;	/* the message uses mail_from */
	return probe_config_addr(x, n, s, "\"header_from\"", p->header_from);
}

static int
probe_config_rcpt_one(struct probe_config_ctx *x,
    struct probe_config_path *p, yaml_node_t *k, yaml_node_t *v)
{
	struct probe_config_rcpt *r = &p->rcpts[p->nrcpts];
	const char *name = probe_yaml_text(k), *addr;
	char what[sizeof(r->profile) + 32];
	size_t len = name != NULL ? strlen(name) : 0, i;

	if (len == 0 || len >= sizeof(r->profile) ||
	    strspn(name, PROBE_CONFIG_PROFILE_CHARS) != len)
		return probe_yaml_fail_at(x->t, k, x->err, x->errlen,
		    "a key of \"recipients\" is a profile name: 1 to %zu of "
		    "a-z, 0-9, '_' and '-' (like gmail)",
		    sizeof(r->profile) - 1);
	for (i = 0; i < p->nrcpts; i++)
		if (strcmp(p->rcpts[i].profile, name) == 0)
			return probe_yaml_fail_at(x->t, k, x->err, x->errlen,
			    "duplicate recipient for profile \"%s\"", name);
	if (p->nrcpts == PROBE_CONFIG_RCPTS_MAX)
		return probe_yaml_fail_at(x->t, k, x->err, x->errlen,
		    "more than %d recipients in one path",
		    PROBE_CONFIG_RCPTS_MAX);
	addr = probe_yaml_text(v);
	if (addr == NULL)
		return probe_yaml_fail_at(x->t, v, x->err, x->errlen,
		    "the recipient for \"%s\" takes one address, not a list "
		    "or a mapping", name);
	(void)snprintf(what, sizeof(what), "the recipient for \"%s\"",
	    name);	/* name is at most 63 characters: it fits */
	if (probe_config_addr(x, v, addr, what, r->address) != 0)
		return -1;
	memcpy(r->profile, name, len + 1);
	p->nrcpts++;
	return 0;
}

static int
probe_config_rcpts(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	yaml_node_t *m = probe_yaml_get(x->t, map, "recipients");
	yaml_node_pair_t *pair;

	if (m == NULL || probe_config_is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
		    "\"recipients\" must be a mapping of profile names to "
		    "addresses (gmail: you@gmail.com)");
	for (pair = m->data.mapping.pairs.start;
	    pair < m->data.mapping.pairs.top; pair++)
		if (probe_config_rcpt_one(x, p, probe_yaml_node(x->t,
		    pair->key), probe_yaml_node(x->t, pair->value)) != 0)
			return -1;
	return 0;
}

/* A scalar of an expectation into dst (dstlen bytes), or a clear error. */
static int
probe_config_expect_word(struct probe_config_ctx *x, yaml_node_t *n,
    const char *what, char *dst, size_t dstlen)
{
	const char *s = n != NULL ? probe_yaml_text(n) : NULL;

	if (n == NULL || probe_config_is_null(n))
		return 0;
	if (s == NULL || strlen(s) >= dstlen || s[0] == '\0' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz_0123456789.:") != strlen(s))
		return probe_yaml_fail_at(x->t, n, x->err, x->errlen,
		    "%s: a word such as pass, fail, 5.7.26 or unauthenticated",
		    what);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* "pass", or {verdict: fail, enhanced: 5.7.26, cause: ...}, for profile. */
static int
probe_config_expect_one(struct probe_config_ctx *x,
    struct probe_config_path *p, const char *profile, yaml_node_t *v)
{
	struct probe_config_expect *e = &p->expects[p->nexpects];

	if (p->nexpects == sizeof(p->expects) / sizeof(p->expects[0]))
		return probe_yaml_fail_at(x->t, v, x->err, x->errlen,
		    "too many expectations in one path");
	memset(e, 0, sizeof(*e));
	(void)snprintf(e->profile, sizeof(e->profile), "%s", profile);
	e->line = (unsigned long)v->start_mark.line + 1;
	if (v->type == YAML_SCALAR_NODE) {
		if (probe_config_expect_word(x, v, "\"expect\"", e->verdict,
		    sizeof(e->verdict)) != 0)
			return -1;
	} else if (v->type == YAML_MAPPING_NODE) {
		if (probe_yaml_check_keys(x->t, v, probe_config_expect_keys,
		    x->err, x->errlen) != 0 ||
		    probe_config_expect_word(x, probe_yaml_get(x->t, v,
		    "verdict"), "\"verdict\"", e->verdict,
		    sizeof(e->verdict)) != 0 ||
		    probe_config_expect_word(x, probe_yaml_get(x->t, v,
		    "enhanced"), "\"enhanced\"", e->enhanced,
		    sizeof(e->enhanced)) != 0 ||
		    probe_config_expect_word(x, probe_yaml_get(x->t, v,
		    "cause"), "\"cause\"", e->cause, sizeof(e->cause)) != 0)
			return -1;
	}
	if (e->verdict[0] == '\0')
		return probe_yaml_fail_at(x->t, v, x->err, x->errlen,
		    "an expectation needs a verdict: pass, tempfail or fail");
	p->nexpects++;
	return 0;
}

/*
 * "expect": one expectation for every profile (a word, or a mapping of
 * verdict/enhanced/cause), or a mapping of profile names to expectations.
 */
static int
probe_config_expects(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	yaml_node_t *m = probe_yaml_get(x->t, map, "expect"), *k;
	yaml_node_pair_t *pair;
	const char *name;
	size_t len;

	if (m == NULL || probe_config_is_null(m))
		return 0;
	if (m->type == YAML_SCALAR_NODE || (m->type == YAML_MAPPING_NODE &&
	    (probe_yaml_get(x->t, m, "verdict") != NULL ||
	    probe_yaml_get(x->t, m, "enhanced") != NULL ||
	    probe_yaml_get(x->t, m, "cause") != NULL)))
		return probe_config_expect_one(x, p, "", m);
	if (m->type != YAML_MAPPING_NODE)
		return probe_yaml_fail_at(x->t, m, x->err, x->errlen,
		    "\"expect\" is pass, tempfail or fail, a mapping of "
		    "verdict/enhanced/cause, or such values per profile "
		    "(gmail: pass)");
	for (pair = m->data.mapping.pairs.start;
	    pair < m->data.mapping.pairs.top; pair++) {
		k = probe_yaml_node(x->t, pair->key);
		name = probe_yaml_text(k);
		len = name != NULL ? strlen(name) : 0;
		if (len == 0 || len >= PROBE_CONFIG_NAME_MAX ||
		    strspn(name, PROBE_CONFIG_PROFILE_CHARS) != len)
			return probe_yaml_fail_at(x->t, k, x->err, x->errlen,
			    "a key of \"expect\" is a profile name (gmail)");
		if (probe_config_expect_one(x, p, name, probe_yaml_node(x->t,
		    pair->value)) != 0)
			return -1;
	}
	return 0;
}

/*
 * dkim_key, dkim_selector, dkim_domain: only their form here; the key
 * itself is read before any probe runs (probe_sendcmd), so that a bad
 * key stops the run before any connection.
 */
static int
probe_config_dkim(struct probe_config_ctx *x, yaml_node_t *map,
    struct probe_config_path *p)
{
	if (probe_config_word(x, map, "dkim_key", p->dkim_key,
	    sizeof(p->dkim_key)) != 0 || probe_config_word(x, map,
	    "dkim_selector", p->dkim_selector, sizeof(p->dkim_selector)) != 0 ||
	    probe_config_word(x, map, "dkim_domain", p->dkim_domain,
	    sizeof(p->dkim_domain)) != 0)
		return -1;
	if (p->dkim_key[0] != '\0' && p->dkim_selector[0] == '\0')
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "\"dkim_key\" needs \"dkim_selector\", the s= of the "
		    "signature");
	return 0;
}

/* One item of "paths"; it counts only once every field is valid. */
static int
probe_config_path(struct probe_config_ctx *x, yaml_node_t *map)
{
	struct probe_config_path *p = &x->c->paths[x->c->npaths];

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return probe_yaml_fail_at(x->t, map, x->err, x->errlen,
		    "each item of \"paths\" must be a mapping (name: ..., "
		    "mail_from: ...)");
	if (probe_yaml_check_keys(x->t, map, probe_config_path_keys, x->err,
	    x->errlen) != 0)
		return -1;
	p->line = (unsigned long)map->start_mark.line + 1;
	if (probe_config_name(x, map, p) != 0 ||
	    probe_config_source(x, map, p) != 0 ||
	    probe_config_helo(x, map, p) != 0 ||
	    probe_config_senders(x, map, p) != 0 ||
	    probe_config_relay(x, map, p) != 0 ||
	    probe_config_rcpts(x, map, p) != 0 ||
	    probe_config_dkim(x, map, p) != 0 ||
	    probe_config_expects(x, map, p) != 0)
		return -1;
	x->c->npaths++;
	return 0;
}

static int
probe_config_paths(struct probe_config_ctx *x, yaml_node_t *list)
{
	yaml_node_item_t *it;
	size_t n;

	if (list->type != YAML_SEQUENCE_NODE)
		return probe_yaml_fail_at(x->t, list, x->err, x->errlen,
		    "\"paths\" must be a list of paths (- name: ...)");
	n = (size_t)(list->data.sequence.items.top -
	    list->data.sequence.items.start);
	if (n > PROBE_CONFIG_PATHS_MAX)
		return probe_yaml_fail_at(x->t, probe_yaml_node(x->t,
		    list->data.sequence.items.start[PROBE_CONFIG_PATHS_MAX]),
		    x->err, x->errlen, "more than %d paths",
		    PROBE_CONFIG_PATHS_MAX);
	if (n == 0)
		return 0;
	/* Room for every path up front: a path never moves once parsed. */
	x->c->paths = calloc(n, sizeof(*x->c->paths));
	if (x->c->paths == NULL)
		return probe_yaml_fail_at(x->t, list, x->err, x->errlen,
		    "out of memory");
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++)
		if (probe_config_path(x, probe_yaml_node(x->t, *it)) != 0)
			return -1;
	return 0;
}

static int
probe_config_load_file(struct probe_config *c, const char *path, char *err,
    size_t errlen)
{
	struct probe_yaml_tree t;
	struct probe_config_ctx x = { .c = c, .t = &t, .err = err,
	    .errlen = errlen };
	yaml_node_t *root, *list;
	int rc = -1;

	if (strlen(path) >= sizeof(c->file)) {
		(void)snprintf(err, errlen, "config path too long");
		return -1;
	}
	memcpy(c->file, path, strlen(path) + 1);
	if (probe_yaml_tree_load(path, &t, err, errlen) != 0)
		goto out;
	root = probe_yaml_root(&t);
	if (root == NULL || probe_config_is_null(root)) {
		rc = 0;		/* an empty file: no paths */
		goto out;
	}
	if (probe_yaml_check_keys(&t, root, probe_config_top_keys, err,
	    errlen) != 0)
		goto out;
	list = probe_yaml_get(&t, root, "paths");
	rc = list == NULL || probe_config_is_null(list) ? 0 :
	    probe_config_paths(&x, list);
out:
	probe_yaml_tree_free(&t);
	return rc;
}

/*
 * Absent is only "no such file": anything else (a file we may not read)
 * is there, and loading it reports why.
 */
static bool
probe_config_is_there(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

int
probe_config_load(const char *path, struct probe_config *c, char *err,
    size_t errlen)
{
	char user[PATH_MAX];
	const char *home;
	int n;

	memset(c, 0, sizeof(*c));
	if (path != NULL)
		return probe_config_load_file(c, path, err, errlen);
	if (probe_config_is_there(PROBE_CONFIG_ETC))
		return probe_config_load_file(c, PROBE_CONFIG_ETC, err,
		    errlen);
	/* No HOME (cron, a service): there is no user file to look for. */
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		return 0;
	n = snprintf(user, sizeof(user), "%s/%s", home, PROBE_CONFIG_USER);
	if (n < 0 || (size_t)n >= sizeof(user)) {
		(void)snprintf(err, errlen, "$HOME/%s: path too long",
		    PROBE_CONFIG_USER);
		return -1;
	}
	if (!probe_config_is_there(user))
		return 0;
	return probe_config_load_file(c, user, err, errlen);
}

void
probe_config_free(struct probe_config *c)
{
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

const struct probe_config_path *
probe_config_find(const struct probe_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->npaths; i++)
		if (strcmp(c->paths[i].name, name) == 0)
			return &c->paths[i];
	return NULL;
}

const char *
probe_config_rcpt(const struct probe_config_path *p, const char *profile)
{
	size_t i;

	for (i = 0; i < p->nrcpts; i++)
		if (strcmp(p->rcpts[i].profile, profile) == 0)
			return p->rcpts[i].address;
	return NULL;
}
