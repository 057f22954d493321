/*
 * probe_catalog - catalogs of provider replies (the YAML files in
 * profiles/catalogs/) and the matcher that turns a reply, or an outcome
 * with no reply, into a diagnosis: cause, summary, remediation with
 * captured names filled in.
 *
 * Loading validates every entry and reports FILE:LINE:COL: unknown keys
 * (with the nearest known one), missing fields, bad codes, stages and
 * causes, patterns that do not compile, duplicate ids. Patterns are PCRE2,
 * case-insensitive, JIT-compiled when the platform allows, and run with
 * explicit match and depth limits so that a pathological pattern costs a
 * bounded amount of work and fails as "no match", never hangs.
 *
 * Matching has three layers, one matcher (profiles/catalogs/README.md
 * "How matching works"): entries with text patterns (provider layer),
 * then the phrases of phrases.yaml in file order (phrase layer), then
 * entries with codes only (code layer: a provider's, then generic's by
 * enhanced code, then by class, flagged is_fallback). A code-only entry
 * never beats a text match. Within a layer the most specific entry wins;
 * the order is total, so the result is deterministic. The match says
 * which layer decided and, for a phrase, which pattern.
 *
 * Limits: PROBE_CATALOG_ENTRIES_MAX entries in all, PROBE_CATALOG_PATTERNS_MAX
 * patterns and PROBE_CATALOG_STEPS_MAX remediation steps per entry,
 * PROBE_CATALOG_CAPTURES_MAX captures, captured values cut to
 * PROBE_CATALOG_CAPTURE_LEN bytes.
 *
 * The code is in two files of this one module: probe_catalog.c loads and
 * validates, probe_catalog_match.c matches and fills placeholders.
 *
 * Errors: -1 with one line in err (with the location).
 */
#ifndef SMTPPROBE_PROBE_CATALOG_H
#define SMTPPROBE_PROBE_CATALOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"

#define PROBE_CATALOG_ENTRIES_MAX	2000
#define PROBE_CATALOG_PATTERNS_MAX	8
/* Alternatives of one entry ("any:"): a phrase entry lists many. */
#define PROBE_CATALOG_ANY_MAX		64
#define PROBE_CATALOG_STEPS_MAX		16
#define PROBE_CATALOG_EXAMPLES_MAX	32
/* A catalog file's "hosts:" (its servers' name suffixes), in all files. */
#define PROBE_CATALOG_HOSTS_MAX		256
#define PROBE_CATALOG_HOST_LEN		64
#define PROBE_CATALOG_CAPTURES_MAX	8
#define PROBE_CATALOG_CAPTURE_LEN	256
#define PROBE_CATALOG_ERR_MAX		1024
/* PCRE2 work bounds per match: generous for sane patterns. */
#define PROBE_CATALOG_MATCH_LIMIT	100000
#define PROBE_CATALOG_DEPTH_LIMIT	1000
/* The joined text of one reply that patterns see. */
#define PROBE_CATALOG_TEXT_MAX		65536

/* An entry's optional "verdict:"; the reply's code decides (lint checks). */
enum probe_catalog_verdict {
	PROBE_CATALOG_UNSTATED,
	PROBE_CATALOG_FAIL,
	PROBE_CATALOG_TEMPFAIL,
};

/*
 * Which layer decided a match (README "How matching works"): an entry
 * with text patterns of a provider catalog, a phrase of phrases.yaml, or
 * a code alone.
 */
enum probe_catalog_layer {
	PROBE_CATALOG_LAYER_NONE,
	PROBE_CATALOG_LAYER_PROVIDER,
	PROBE_CATALOG_LAYER_PHRASE,
	PROBE_CATALOG_LAYER_CODE,
};

/* The provider token of the phrase layer. */
#define PROBE_CATALOG_PHRASES	"phrases"

struct probe_catalog_entry {
	char			*id;
	char			*provider;
	char			*file;		/* shared with the catalog */
	unsigned long		 line;
	unsigned long		 column;
	size_t			 order;		/* load order: the last tie-break */
	bool			 is_user;	/* from --catalog or /etc */
	int			 code;		/* exact, or 0 */
	int			 code_class;	/* 4 or 5 for "4xx"/"5xx", or 0 */
	char			 enhanced[SMTP_REPLY_ENHANCED_MAX];
	unsigned		 stages;	/* bit per enum smtp_stage; 0: any */
	char			*outcome;	/* local entries: error kind */
	pcre2_code		*patterns[PROBE_CATALOG_PATTERNS_MAX];
	char			*pattern_text[PROBE_CATALOG_PATTERNS_MAX];
	size_t			 npatterns;
	pcre2_code		*any[PROBE_CATALOG_ANY_MAX];
	char			*any_text[PROBE_CATALOG_ANY_MAX];
	size_t			 nany;		/* 0: no "any:" list */
	/*
	 * All of "any" as one alternation, or NULL: a prefilter, so that an
	 * entry none of whose patterns match costs one search, not one per
	 * pattern (probe_catalog_any_all() says when it can be built).
	 */
	pcre2_code		*any_all;
	bool			 is_phrase;	/* provider "phrases" */
	bool			 is_generic;	/* provider "generic" */
	/*
	 * The bit of this entry's file's "hosts:" (probe_catalog_host_set),
	 * or 0 when it has none: an entry of a file with hosts never decides
	 * a reply whose server is named and is not one of them (another
	 * provider's server).
	 */
	uint64_t		 host_bit;
	/*
	 * "named: true": the entry's words are common to many servers, so it
	 * decides only a reply known to be its provider's: from one of the
	 * file's hosts, under that provider's profile, or with one of the
	 * file's "markers:" in the text (compiled here as one alternation,
	 * or NULL when the file has none).
	 */
	bool			 needs_named;
	pcre2_code		*markers;
	enum probe_catalog_verdict verdict;
	char			*cause;
	char			*summary;
	char			*remediation[PROBE_CATALOG_STEPS_MAX];
	size_t			 nremediation;
	char			*see;
	char			*examples[PROBE_CATALOG_EXAMPLES_MAX];
	unsigned long		 example_lines[PROBE_CATALOG_EXAMPLES_MAX];
	size_t			 nexamples;
};

struct probe_catalog_host {
	char		suffix[PROBE_CATALOG_HOST_LEN];	/* lowercase */
	size_t		len;
	uint64_t	bit;		/* its file's: one of the low 63 */
};

struct probe_catalog {
	struct probe_catalog_entry *entries;
	size_t			 nentries;
	size_t			 cap_entries;	/* room in entries */
	struct probe_catalog_host hosts[PROBE_CATALOG_HOSTS_MAX];
	size_t			 nhosts;
	unsigned		 nhost_files;	/* files with "hosts:" */
	char			**files;	/* owned paths */
	size_t			 nfiles;
	pcre2_match_context	*mctx;
	pcre2_match_data	*mdata;		/* reused: one thread */
	bool			 use_jit;
	/*
	 * Pattern runs stopped by PROBE_CATALOG_MATCH_LIMIT or
	 * PROBE_CATALOG_DEPTH_LIMIT (they count as no match), and the last
	 * pattern that was: a pathological pattern is reported, not hidden.
	 */
	unsigned long		 limit_hits;
	const pcre2_code	*limit_re;
	/*
	 * Of the last probe_catalog_match: the "hosts:" bits of the entries
	 * whose words matched and whose decision the server named could
	 * change (0: the decision holds for any server, named or not).
	 */
	uint64_t		 host_bits;
};

/* What is known of the reply or outcome being matched. */
struct probe_catalog_query {
	int		 code;		/* 0 for an outcome with no reply */
	const char	*enhanced;	/* "" or NULL when none */
	bool		 has_stage;
	enum smtp_stage	 stage;
	const char	*text;		/* joined text (probe_catalog_join) */
	size_t		 len;
	const char	*outcome;	/* error kind or DNS status, or NULL */
	const char	*provider;	/* the profile's provider, or NULL */
	/* The replying server's (probe_catalog_host_set): 0, not named. */
	uint64_t	 hosts;
	/* Lint: consider this layer alone (NONE: every layer, in order). */
	enum probe_catalog_layer only_layer;
};

struct probe_catalog_capture {
	char	name[32];
	char	value[PROBE_CATALOG_CAPTURE_LEN];
};

struct probe_catalog_match {
	const struct probe_catalog_entry *entry;	/* NULL: nothing */
	bool			 is_fallback;	/* by code only: not known */
	enum probe_catalog_layer layer;
	const char		*phrase;	/* pattern that decided or NULL */
	/*
	 * The verdict name to show, set by the caller from probe_verdict
	 * (the reply's code decides); NULL shows the entry's stated one.
	 */
	const char		*verdict;
	struct probe_catalog_capture captures[PROBE_CATALOG_CAPTURES_MAX];
	size_t			 ncaptures;
};

/*
 * probe_catalog_init - an empty catalog; free with probe_catalog_free.
 * use_jit JIT-compiles every pattern: worth it for explain over a log
 * (millions of matches), not for a probe that matches one reply.
 */
int	probe_catalog_init(struct probe_catalog *c, bool use_jit, char *err,
	    size_t errlen);
void	probe_catalog_free(struct probe_catalog *c);

/*
 * probe_catalog_load_file - add the entries of one catalog file. is_user
 * marks files the operator gave (they rank above shipped ones).
 * Returns 0, or -1 with err filled.
 */
int	probe_catalog_load_file(struct probe_catalog *c, const char *path,
	    bool is_user, char *err, size_t errlen);

/*
 * probe_catalog_load_default - the shipped catalogs (google, yahoo,
 * microsoft, apple, every other *.yaml there in name order, phrases,
 * generic, local) from the profiles' catalogs/ folder,
 * then every *.yaml in /etc/smtpprobe/catalogs (as user catalogs), then
 * the extra files given (user catalogs too).
 * Returns 0, or -1 with err filled.
 */
int	probe_catalog_load_default(struct probe_catalog *c,
	    const char *const *extra, size_t nextra, char *err, size_t errlen);

/*
 * probe_catalog_join - the text patterns see: a reply's lines joined by
 * single spaces, each line's "550-5.7.26 " prefix (code, separator and
 * the enhanced code when present) removed. Writes at most outlen - 1
 * bytes and a NUL; returns the length.
 */
size_t	probe_catalog_join(const struct smtp_reply *reply, char *out,
	    size_t outlen);

/*
 * probe_catalog_match - the best entry for q into *m (zeroed first).
 * Returns true when an entry matched (possibly a fallback).
 */
bool	probe_catalog_match(struct probe_catalog *c,
	    const struct probe_catalog_query *q, struct probe_catalog_match *m);

/*
 * probe_catalog_limit_entry - the entry whose pattern last hit a match
 * limit (c->limit_hits > 0), or NULL.
 */
const struct probe_catalog_entry *probe_catalog_limit_entry(
	    const struct probe_catalog *c);

/* Set in every probe_catalog_host_set of a named server. */
#define PROBE_CATALOG_HOST_NAMED	(UINT64_C(1) << 63)

/*
 * probe_catalog_host_set - which catalog files' "hosts:" a server named
 * host belongs to ("mx3.qq.com", "gmail-smtp-in.l.google.com[142.250.1.26]":
 * what follows "[" is left out), one bit per file, with
 * PROBE_CATALOG_HOST_NAMED; 0 when host is NULL, empty, no host name
 * (a mask: "smtp-01.tld.t-") or a documentation name (example.com,
 * .test ...): not named, every entry may decide. A suffix matches the whole name or a part
 * after a dot: "google.com" covers gmail-smtp-in.l.google.com.
 */
uint64_t	probe_catalog_host_set(const struct probe_catalog *c,
		    const char *host);

/* probe_catalog_layer_name - "provider", "phrase", "code" or "none". */
const char *probe_catalog_layer_name(enum probe_catalog_layer l);

/* probe_catalog_verdict_name - "fail", "tempfail" or NULL (unstated). */
const char *probe_catalog_verdict_name(enum probe_catalog_verdict v);

/*
 * probe_catalog_match_entry - fill *m (zeroed first) as probe_catalog_match
 * would for entry e decided in layer by q: the phrase ("any" pattern
 * index which, or -1) and the captures of e's patterns on q's text. For a
 * cache of decisions (probe_explain): the costly search is skipped, the
 * captures are the text's own.
 */
void	probe_catalog_match_entry(struct probe_catalog *c,
	    const struct probe_catalog_query *q,
	    const struct probe_catalog_entry *e, enum probe_catalog_layer layer,
	    int which, struct probe_catalog_match *m);

/* probe_catalog_any_index - which "any" pattern m->phrase is, or -1. */
int	probe_catalog_any_index(const struct probe_catalog_match *m);

/*
 * probe_catalog_rank - how specific entry e is for query q (larger wins;
 * equal ranks go to the earlier entry).
 */
unsigned probe_catalog_rank(const struct probe_catalog_entry *e,
	    const struct probe_catalog_query *q);

/* probe_catalog_entry_matches - does e match q (code, stage, patterns)? */
bool	probe_catalog_entry_matches(struct probe_catalog *c,
	    const struct probe_catalog_entry *e,
	    const struct probe_catalog_query *q);

/*
 * probe_catalog_fill - expand {name} placeholders of tmpl from the
 * captures, then from ctx (name=value pairs, NULL-terminated, may be
 * NULL); an unknown name becomes "<name>". Output cut to outlen - 1.
 */
void	probe_catalog_fill(const char *tmpl,
	    const struct probe_catalog_match *m, const char *const *ctx,
	    char *out, size_t outlen);

#endif
