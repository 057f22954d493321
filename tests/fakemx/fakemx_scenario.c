/*
 * fakemx_scenario - parse scenario files: one directive per line.
 *
 *	expect-source ADDR
 *	KEY[COND][ ACTION]: VALUE
 *
 * The header ends at the first ':' followed by a blank or the end of the
 * line, so an IPv6 condition such as "eod@::1: 250 OK" still parses.
 * Only whole lines starting with '#' are comments: reply text may contain
 * '#' (Gmail's "answer/81126#authentication").
 *
 * Error sentences go into the caller's fixed buffer with snprintf(); a
 * sentence cut short is still a useful message, hence the (void) casts.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakemx_scenario.h"
#include "fakemx_util.h"

/* Scenarios are written by hand; more lines than this is a mistake. */
#define STEPS_MAX	10000
#define EXPECT_SOURCE	"expect-source"
#define AUTH_CREDENTIALS "auth-credentials"
#define BLANKS		" \t"

static const char *const event_names[] = {
	[FAKEMX_EV_BANNER] = "banner",
	[FAKEMX_EV_EHLO] = "ehlo",
	[FAKEMX_EV_HELO] = "helo",
	[FAKEMX_EV_STARTTLS] = "starttls",
	[FAKEMX_EV_EHLO_TLS] = "ehlo-tls",
	[FAKEMX_EV_MAIL] = "mail",
	[FAKEMX_EV_RCPT] = "rcpt",
	[FAKEMX_EV_DATA] = "data",
	[FAKEMX_EV_EOD] = "eod",
	[FAKEMX_EV_RSET] = "rset",
	[FAKEMX_EV_NOOP] = "noop",
	[FAKEMX_EV_QUIT] = "quit",
	[FAKEMX_EV_UNKNOWN] = "unknown",
	[FAKEMX_EV_AUTH] = "auth",
};
_Static_assert(sizeof(event_names) / sizeof(event_names[0]) ==
    FAKEMX_EV_COUNT, "each event needs a name");

static const char *const action_names[] = {
	[FAKEMX_ACT_SEND] = "send",
	[FAKEMX_ACT_RAW] = "raw",
	[FAKEMX_ACT_SLEEP] = "sleep",
	[FAKEMX_ACT_CLOSE] = "close",
	[FAKEMX_ACT_STALL] = "stall",
	[FAKEMX_ACT_DRIP] = "drip",
	[FAKEMX_ACT_RESET] = "reset",
};
_Static_assert(sizeof(action_names) / sizeof(action_names[0]) ==
    FAKEMX_ACT_COUNT, "each action needs a name");

/* The RESULT of ?spf=RESULT: RFC 7208 2.6, as probe_spf_res_name(). */
static const char *const spf_names[] = {
	"pass", "fail", "softfail", "neutral", "none", "temperror",
	"permerror",
};
#define SPF_PREFIX	"spf="
/* The RESULT of ?auth=RESULT. */
static const char *const auth_names[] = { "ok", "bad" };
#define AUTH_PREFIX	"auth="
/* The RESULT of ?dkim=RESULT: of the first signature (dkim_verify). */
static const char *const dkim_names[] = { "pass", "fail", "none" };
#define DKIM_PREFIX	"dkim="

/* lookup - index of the n-byte word in names[count], or -1. */
static int
lookup(const char *const *names, int count, const char *word, size_t n)
{
	int	 i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && strncmp(names[i], word, n) == 0)
			return i;
	return -1;
}

static void
step_free(struct fakemx_step *st)
{
	free(st->cond_text);
	free(st->text);
	memset(st, 0, sizeof(*st));
}

/*
 * parse_auth - "spf=RESULT" or "dkim=RESULT" (n bytes at p) into
 * st->cond_text, and st->cond from SPF to DKIM for the latter.
 */
static int
parse_auth(const char *p, size_t n, struct fakemx_step *st, char *err,
    size_t errsize)
{
	size_t	 k = strlen(SPF_PREFIX), kd = strlen(DKIM_PREFIX);
	bool	 is_not = st->cond == FAKEMX_COND_NOT_SPF;
	int	 i = -1;

	if (n > k && strncmp(p, SPF_PREFIX, k) == 0)
		i = lookup(spf_names, (int)(sizeof(spf_names) /
		    sizeof(spf_names[0])), p + k, n - k);
	else if (n > kd && strncmp(p, DKIM_PREFIX, kd) == 0 &&
	    (i = lookup(dkim_names, (int)(sizeof(dkim_names) /
	    sizeof(dkim_names[0])), p + kd, n - kd)) >= 0) {
		st->cond = is_not ? FAKEMX_COND_NOT_DKIM : FAKEMX_COND_DKIM;
		st->cond_text = strdup(dkim_names[i]);
		goto out;
	}
	if (i < 0) {
		(void)snprintf(err, errsize, "'?%s%.*s' is not a condition: "
		    "want ?spf=RESULT or ?!spf=RESULT, RESULT one of pass fail "
		    "softfail neutral none temperror permerror, or "
		    "?dkim=RESULT or ?!dkim=RESULT, RESULT one of pass fail "
		    "none", is_not ? "!" : "", (int)n, p);
		return -1;
	}
	st->cond_text = strdup(spf_names[i]);
out:
	if (st->cond_text == NULL) {
		(void)snprintf(err, errsize, "out of memory");
		return -1;
	}
	return 0;
}

/* parse_smtp_auth - "auth=ok" or "auth=bad" (n bytes at p) into cond_text. */
static int
parse_smtp_auth(const char *p, size_t n, struct fakemx_step *st, char *err,
    size_t errsize)
{
	size_t	 k = strlen(AUTH_PREFIX);
	int	 i;

	if (st->cond == FAKEMX_COND_SPF)
		st->cond = FAKEMX_COND_AUTH;
	else
		st->cond = FAKEMX_COND_NOT_AUTH;
	if (n <= k || (i = lookup(auth_names, 2, p + k, n - k)) < 0) {
		(void)snprintf(err, errsize, "'?%.*s' is not a condition: "
		    "want ?auth=ok, ?auth=bad or ?!auth=...", (int)n, p);
		return -1;
	}
	st->cond_text = strdup(auth_names[i]);
	return st->cond_text == NULL ? -1 : 0;
}

/*
 * parse_cond - read "@ADDR", "@!ADDR", "~TEXT", "?spf=RESULT" or
 * "?!spf=RESULT" at *pp, advance *pp.
 */
static int
parse_cond(char **pp, struct fakemx_step *st, char *err, size_t errsize)
{
	char	 addr[FAKEMX_ADDR_MAX];
	char	*p = *pp;
	size_t	 n;
	bool	 is_not = p[0] != '~' && p[1] == '!';

	if (*p == '~')
		st->cond = FAKEMX_COND_ARG;
	else if (*p == '?')
		st->cond = is_not ? FAKEMX_COND_NOT_SPF : FAKEMX_COND_SPF;
	else
		st->cond = is_not ? FAKEMX_COND_NOT_PEER : FAKEMX_COND_PEER;
	p += is_not ? 2 : 1;
	n = strcspn(p, BLANKS);
	if (n == 0) {
		(void)snprintf(err, errsize, "empty condition");
		return -1;
	}
	if ((st->cond == FAKEMX_COND_SPF || st->cond == FAKEMX_COND_NOT_SPF) &&
	    strncmp(p, AUTH_PREFIX, strlen(AUTH_PREFIX)) == 0) {
		*pp = p + n;
		return parse_smtp_auth(p, n, st, err, errsize);
	}
	if (st->cond == FAKEMX_COND_SPF || st->cond == FAKEMX_COND_NOT_SPF) {
		*pp = p + n;
		return parse_auth(p, n, st, err, errsize);
	}
	st->cond_text = strndup(p, n);
	if (st->cond_text == NULL) {
		(void)snprintf(err, errsize, "out of memory");
		return -1;
	}
	*pp = p + n;
	if (st->cond == FAKEMX_COND_ARG)
		return 0;
	if (fakemx_util_addr_canon(st->cond_text, addr, sizeof(addr)) == -1) {
		(void)snprintf(err, errsize, "'%s' is not an IP address",
		    st->cond_text);
		return -1;
	}
	free(st->cond_text);
	st->cond_text = strdup(addr);
	return st->cond_text == NULL ? -1 : 0;
}

/* parse_header - "KEY[COND][ ACTION]" (the part before the ':'). */
static int
parse_header(char *p, struct fakemx_step *st, char *err, size_t errsize)
{
	size_t	 n;
	int	 i;

	n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
	i = lookup(event_names, FAKEMX_EV_COUNT, p, n);
	if (i < 0) {
		(void)snprintf(err, errsize, "unknown event '%.*s'",
		    (int)strcspn(p, "@~?" BLANKS), p);
		return -1;
	}
	st->event = (enum fakemx_event)i;
	p += n;
	if ((*p == '@' || *p == '~' || *p == '?') && parse_cond(&p, st, err, errsize) == -1)
		return -1;
	p += strspn(p, BLANKS);
	n = strcspn(p, BLANKS);
	i = n == 0 ? FAKEMX_ACT_SEND :
	    lookup(action_names, FAKEMX_ACT_COUNT, p, n);
	if (i < 0) {
		(void)snprintf(err, errsize, "unknown action '%.*s'", (int)n,
		    p);
		return -1;
	}
	st->action = (enum fakemx_action)i;
	p += n;
	p += strspn(p, BLANKS);
	if (*p != '\0') {
		(void)snprintf(err, errsize, "unexpected '%s' before ':'", p);
		return -1;
	}
	return 0;
}

/* parse_value - the text after "ACTION: ", checked for the action. */
static int
parse_value(const char *v, struct fakemx_step *st, char *err, size_t errsize)
{
	switch (st->action) {
	case FAKEMX_ACT_SEND:
		st->text = strdup(v);
		st->text_len = st->text == NULL ? 0 : strlen(st->text);
		if (st->text == NULL)
			(void)snprintf(err, errsize, "out of memory");
		return st->text == NULL ? -1 : 0;
	case FAKEMX_ACT_RAW:
		return fakemx_util_unescape(v, &st->text, &st->text_len, err,
		    errsize);
	case FAKEMX_ACT_SLEEP:
	case FAKEMX_ACT_DRIP:
		if (fakemx_util_parse_long(v, 0, FAKEMX_SCENARIO_MS_MAX,
		    &st->ms) == 0)
			return 0;
		(void)snprintf(err, errsize, "%s: wants milliseconds, 0 to %ld",
		    action_names[st->action], FAKEMX_SCENARIO_MS_MAX);
		return -1;
	default:
		if (*v == '\0')
			return 0;
		(void)snprintf(err, errsize, "%s: takes no value",
		    action_names[st->action]);
		return -1;
	}
}

static int
add_step(struct fakemx_scenario *sc, struct fakemx_step *st, char *err,
    size_t errsize)
{
	struct fakemx_step	*steps;

	if (sc->nsteps == STEPS_MAX) {
		(void)snprintf(err, errsize, "more than %d lines", STEPS_MAX);
		return -1;
	}
	steps = realloc(sc->steps, (sc->nsteps + 1) * sizeof(*steps));
	if (steps == NULL) {
		(void)snprintf(err, errsize, "out of memory");
		return -1;
	}
	sc->steps = steps;
	sc->steps[sc->nsteps++] = *st;
	memset(st, 0, sizeof(*st));
	return 0;
}

/*
 * find_separator - the ':' that ends the header: the first one followed
 * by a blank or the end of the line. NULL if there is none.
 */
static char *
find_separator(char *line)
{
	char	*p;

	for (p = strchr(line, ':'); p != NULL; p = strchr(p + 1, ':'))
		if (p[1] == '\0' || p[1] == ' ' || p[1] == '\t')
			return p;
	return NULL;
}

static int
parse_step(struct fakemx_scenario *sc, char *line, int lineno, char *err,
    size_t errsize)
{
	struct fakemx_step	 st;
	char			*sep, *value;

	memset(&st, 0, sizeof(st));
	st.lineno = lineno;
	sep = find_separator(line);
	if (sep == NULL) {
		(void)snprintf(err, errsize, "expected 'KEY[COND][ ACTION]: "
		    "VALUE'");
		return -1;
	}
	*sep = '\0';
	value = sep + 1;
	/* Exactly one blank separates ':' from the value; more is text. */
	if (*value == ' ' || *value == '\t')
		value++;
	if (parse_header(line, &st, err, errsize) == -1 ||
	    parse_value(value, &st, err, errsize) == -1 ||
	    add_step(sc, &st, err, errsize) == -1) {
		step_free(&st);
		return -1;
	}
	return 0;
}

static int
parse_expect(struct fakemx_scenario *sc, const char *p, char *err,
    size_t errsize)
{
	char	 addr[FAKEMX_ADDR_MAX], word[FAKEMX_ADDR_MAX];
	size_t	 n;

	p += strspn(p, BLANKS);
	n = strcspn(p, BLANKS);
	if (n == 0 || n >= sizeof(word) ||
	    p[n + strspn(p + n, BLANKS)] != '\0') {
		(void)snprintf(err, errsize, "expect-source wants one address");
		return -1;
	}
	memcpy(word, p, n);
	word[n] = '\0';
	if (fakemx_util_addr_canon(word, addr, sizeof(addr)) == -1) {
		(void)snprintf(err, errsize, "'%s' is not an IP address", word);
		return -1;
	}
	if (sc->expect_source != NULL) {
		(void)snprintf(err, errsize, "expect-source given twice");
		return -1;
	}
	sc->expect_source = strdup(addr);
	return sc->expect_source == NULL ? -1 : 0;
}

/* "auth-credentials USER PASSWORD": what AUTH PLAIN and LOGIN accept. */
static int
parse_credentials(struct fakemx_scenario *sc, const char *p, char *err,
    size_t errsize)
{
	size_t	 n, m;

	p += strspn(p, BLANKS);
	n = strcspn(p, BLANKS);
	m = strcspn(p + n + strspn(p + n, BLANKS), BLANKS);
	if (n == 0 || m == 0 || sc->auth_user != NULL) {
		(void)snprintf(err, errsize, "auth-credentials wants USER "
		    "PASSWORD, once");
		return -1;
	}
	sc->auth_user = strndup(p, n);
	p += n + strspn(p + n, BLANKS);
	sc->auth_password = strndup(p, m);
	return sc->auth_user == NULL || sc->auth_password == NULL ? -1 : 0;
}

static int
parse_line(struct fakemx_scenario *sc, char *line, int lineno, char *err,
    size_t errsize)
{
	size_t	 n;

	line[strcspn(line, "\r\n")] = '\0';
	line += strspn(line, BLANKS);
	if (*line == '\0' || *line == '#')
		return 0;
	n = strlen(EXPECT_SOURCE);
	if (strncmp(line, EXPECT_SOURCE, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ' || line[n] == '\t'))
		return parse_expect(sc, line + n, err, errsize);
	n = strlen(AUTH_CREDENTIALS);
	if (strncmp(line, AUTH_CREDENTIALS, n) == 0 &&
	    (line[n] == ' ' || line[n] == '\t'))
		return parse_credentials(sc, line + n, err, errsize);
	return parse_step(sc, line, lineno, err, errsize);
}

int
fakemx_scenario_load(struct fakemx_scenario *sc, const char *path)
{
	char	 err[FAKEMX_ERR_MAX];
	char	*line = NULL;
	size_t	 cap = 0;
	FILE	*fp;
	int	 lineno = 0, rc = -1;

	memset(sc, 0, sizeof(*sc));
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "fakemx: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (getline(&line, &cap, fp) == -1)
			break;
		lineno++;
		err[0] = '\0';
		if (parse_line(sc, line, lineno, err, sizeof(err)) == -1) {
			fprintf(stderr, "fakemx: %s:%d: %s\n", path, lineno,
			    err[0] != '\0' ? err : "out of memory");
			goto out;
		}
	}
	if (ferror(fp)) {
		fprintf(stderr, "fakemx: %s: read error\n", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	(void)fclose(fp); /* opened for reading only */
	return rc;
}

void
fakemx_scenario_free(struct fakemx_scenario *sc)
{
	size_t	 i;

	for (i = 0; i < sc->nsteps; i++)
		step_free(&sc->steps[i]);
	free(sc->steps);
	free(sc->expect_source);
	free(sc->auth_user);
	free(sc->auth_password);
	memset(sc, 0, sizeof(*sc));
}

bool
fakemx_scenario_has(const struct fakemx_scenario *sc, enum fakemx_event ev)
{
	size_t	 i;

	for (i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].event == ev)
			return true;
	return false;
}

bool
fakemx_scenario_has_spf(const struct fakemx_scenario *sc)
{
	size_t	 i;

	for (i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].cond == FAKEMX_COND_SPF ||
		    sc->steps[i].cond == FAKEMX_COND_NOT_SPF ||
		    sc->steps[i].cond == FAKEMX_COND_DKIM ||
		    sc->steps[i].cond == FAKEMX_COND_NOT_DKIM)
			return true;
	return false;
}

/* contains_nocase - whether hay contains needle, ASCII case ignored. */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t	 i, j, n = strlen(needle);

	for (i = 0; hay[i] != '\0'; i++) {
		for (j = 0; j < n && hay[i + j] != '\0'; j++)
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		if (j == n)
			return true;
	}
	return n == 0;
}

static bool
cond_matches(const struct fakemx_step *st, const struct fakemx_match *m)
{
	switch (st->cond) {
	case FAKEMX_COND_PEER:
		return strcmp(st->cond_text, m->peer) == 0;
	case FAKEMX_COND_NOT_PEER:
		return strcmp(st->cond_text, m->peer) != 0;
	case FAKEMX_COND_ARG:
		return contains_nocase(m->arg, st->cond_text);
	case FAKEMX_COND_SPF:
		return m->spf != NULL && strcmp(st->cond_text, m->spf) == 0;
	case FAKEMX_COND_NOT_SPF:
		return m->spf == NULL || strcmp(st->cond_text, m->spf) != 0;
	case FAKEMX_COND_AUTH:
		return m->auth != NULL && strcmp(st->cond_text, m->auth) == 0;
	case FAKEMX_COND_NOT_AUTH:
		return m->auth == NULL || strcmp(st->cond_text, m->auth) != 0;
	case FAKEMX_COND_DKIM:
		return m->dkim != NULL && strcmp(st->cond_text, m->dkim) == 0;
	case FAKEMX_COND_NOT_DKIM:
		return m->dkim == NULL || strcmp(st->cond_text, m->dkim) != 0;
	default:
		return true;
	}
}

static bool
same_group(const struct fakemx_step *a, const struct fakemx_step *b)
{
	if (a->event != b->event || a->cond != b->cond)
		return false;
	return a->cond == FAKEMX_COND_NONE ||
	    strcmp(a->cond_text, b->cond_text) == 0;
}

/*
 * Groups are ordered by their first line, so the first matching line in
 * file order belongs to the first matching group.
 */
const struct fakemx_step *
fakemx_scenario_pick(const struct fakemx_scenario *sc, enum fakemx_event ev,
    const struct fakemx_match *m)
{
	size_t	 i;

	for (i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].event == ev && cond_matches(&sc->steps[i], m))
			return &sc->steps[i];
	return NULL;
}

const struct fakemx_step *
fakemx_scenario_next(const struct fakemx_scenario *sc,
    const struct fakemx_step *st)
{
	const struct fakemx_step	*p;

	for (p = st + 1; p < sc->steps + sc->nsteps; p++)
		if (same_group(p, st))
			return p;
	return NULL;
}

const char *
fakemx_scenario_event_name(enum fakemx_event ev)
{
	return ev < FAKEMX_EV_COUNT ? event_names[ev] : "?";
}
