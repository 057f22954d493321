/*
 * probe_yaml - a bounded reader for flat YAML documents, on libyaml.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "probe/util/probe_file.h"
#include "probe/util/probe_yaml.h"

struct probe_yaml_state {
	yaml_parser_t		 parser;
	struct probe_yaml_doc	*doc;
	char			*err;
	size_t			 errlen;
	const char		*text;	/* the input, to place reader errors */
	size_t			 len;
};

/*
 * Errors are one line, but their words may quote a value of the file,
 * and a value can hold line breaks (a plain scalar continued after an
 * empty line keeps a LF): those become spaces. The location given with
 * the error points at the bytes themselves.
 */
static void
probe_yaml_one_line(char *what)
{
	char *p;

	for (p = strpbrk(what, "\r\n"); p != NULL; p = strpbrk(p + 1, "\r\n"))
		*p = ' ';
}

__attribute__((format(printf, 3, 4)))
static int
probe_yaml_fail(struct probe_yaml_state *st, const yaml_mark_t *mark,
    const char *fmt, ...)
{
	char what[PROBE_YAML_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);	/* may cut: fine */
	va_end(ap);
	probe_yaml_one_line(what);
	(void)snprintf(st->err, st->errlen, "%s:%lu:%lu: %s", st->doc->path,
	    (unsigned long)mark->line + 1, (unsigned long)mark->column + 1,
	    what);
	return -1;
}

/*
 * Read the whole file, refusing anything larger than the bound. The
 * buffer starts at the file's size (plus room to see it grow) rather
 * than at the bound: every catalog, profile and config is read this way,
 * and a megabyte per file is a mapping made and dropped each time.
 */
static char *
probe_yaml_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *fp = probe_file_open(path, err, errlen);
	char *buf = NULL, *grown;
	struct stat st;
	size_t n = 0, cap, got;

	if (fp == NULL)
		return NULL;
	cap = PROBE_YAML_FILE_MAX + 1;
	if (fstat(fileno(fp), &st) == 0 && st.st_size >= 0 &&
	    (unsigned long long)st.st_size < PROBE_YAML_FILE_MAX)
		cap = (size_t)st.st_size + 4096 < cap ?
		    (size_t)st.st_size + 4096 : cap;
	buf = malloc(cap);
	for (;;) {
		if (buf == NULL) {
			(void)snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (n < cap || cap > PROBE_YAML_FILE_MAX)
			break;
		/* The file grew while read: go on up to the bound. */
		cap = cap * 2 < PROBE_YAML_FILE_MAX + 1 ? cap * 2 :
		    PROBE_YAML_FILE_MAX + 1;
		grown = realloc(buf, cap);
		if (grown == NULL)
			free(buf);
		buf = grown;
	}
	if (ferror(fp) || n > PROBE_YAML_FILE_MAX) {
		if (ferror(fp))
			(void)snprintf(err, errlen, "%s: read error", path);
		else
			(void)snprintf(err, errlen, "%s: larger than %u KiB",
			    path, PROBE_YAML_FILE_MAX / 1024);
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = n;
out:
	(void)fclose(fp);	/* read-only: nothing to lose */
	return buf;
}

/*
 * Where libyaml's reader gave up (bytes that are not UTF-8, control
 * characters). It reports those with a byte offset and no mark, and it
 * decodes ahead of the parser, so without this every such error would
 * read "1:1". Columns count characters, as libyaml's marks do.
 */
static yaml_mark_t
probe_yaml_reader_mark(const struct probe_yaml_state *st)
{
	yaml_mark_t m = st->parser.problem_mark;
	size_t i, end = st->parser.problem_offset;

	if (st->text == NULL)
		return m;
	m.line = m.column = 0;
	for (i = 0; i < end && i < st->len; i++) {
		if (st->text[i] == '\n' || (st->text[i] == '\r' &&
		    (i + 1 == st->len || st->text[i + 1] != '\n'))) {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)st->text[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	m.index = i;
	return m;
}

/* The error libyaml's parser stopped at, located. Returns -1. */
static int
probe_yaml_parser_fail(struct probe_yaml_state *st)
{
	yaml_mark_t at;

	at = st->parser.error == YAML_READER_ERROR ?
	    probe_yaml_reader_mark(st) : st->parser.problem_mark;
	return probe_yaml_fail(st, &at, "%s",
	    st->parser.problem ? st->parser.problem : "YAML syntax error");
}

static int
probe_yaml_next(struct probe_yaml_state *st, yaml_event_t *ev)
{
	if (yaml_parser_parse(&st->parser, ev))
		return 0;
	return probe_yaml_parser_fail(st);
}

/*
 * Error messages quote keys and must stay one line (the header's
 * promise), so a key that holds a line break or another control byte,
 * which YAML lets a quoted key carry as "\n", is refused unquoted.
 */
static bool
probe_yaml_is_key(const char *key)
{
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Anchors, aliases and tags are refused: see the header. */
static int
probe_yaml_plain(struct probe_yaml_state *st, const yaml_event_t *ev)
{
	const char *why = NULL;

	if (ev->type == YAML_ALIAS_EVENT)
		why = "aliases are not supported";
	else if (ev->type == YAML_SCALAR_EVENT && (ev->data.scalar.anchor ||
	    (ev->data.scalar.tag && !ev->data.scalar.plain_implicit &&
	    !ev->data.scalar.quoted_implicit)))
		why = "anchors and tags are not supported";
	else if ((ev->type == YAML_SEQUENCE_START_EVENT &&
	    ev->data.sequence_start.anchor) ||
	    (ev->type == YAML_MAPPING_START_EVENT &&
	    ev->data.mapping_start.anchor))
		why = "anchors are not supported";
	if (why == NULL)
		return 0;
	return probe_yaml_fail(st, &ev->start_mark, "%s", why);
}

static int
probe_yaml_add_value(struct probe_yaml_state *st, struct probe_yaml_entry *e,
    const yaml_event_t *ev)
{
	char **v;

	if (e->nvalues >= PROBE_YAML_ITEMS_MAX)
		return probe_yaml_fail(st, &ev->start_mark,
		    "more than %d items", PROBE_YAML_ITEMS_MAX);
	v = realloc(e->values, (e->nvalues + 1) * sizeof(*v));
	if (v == NULL)
		return probe_yaml_fail(st, &ev->start_mark, "out of memory");
	e->values = v;
	v[e->nvalues] = strndup((const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	if (v[e->nvalues] == NULL)
		return probe_yaml_fail(st, &ev->start_mark, "out of memory");
	e->nvalues++;
	if (strlen(v[e->nvalues - 1]) != ev->data.scalar.length)
		return probe_yaml_fail(st, &ev->start_mark,
		    "a NUL byte in a value");
	return 0;
}

/* The items of "key: [a, b]" or a block list, up to its end. */
static int
probe_yaml_list(struct probe_yaml_state *st, struct probe_yaml_entry *e)
{
	yaml_event_t ev;
	int rc;

	e->is_list = true;
	for (;;) {
		if (probe_yaml_next(st, &ev) != 0)
			return -1;
		rc = probe_yaml_plain(st, &ev);
		if (rc == 0 && ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (rc == 0 && ev.type != YAML_SCALAR_EVENT)
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "a list here holds only plain values");
		if (rc == 0)
			rc = probe_yaml_add_value(st, e, &ev);
		yaml_event_delete(&ev);
		if (rc != 0)
			return -1;
	}
}

static int
probe_yaml_value(struct probe_yaml_state *st, struct probe_yaml_entry *e)
{
	yaml_event_t ev;
	int rc;

	if (probe_yaml_next(st, &ev) != 0)
		return -1;
	rc = probe_yaml_plain(st, &ev);
	if (rc == 0 && ev.type == YAML_SCALAR_EVENT)
		rc = probe_yaml_add_value(st, e, &ev);
	else if (rc == 0 && ev.type == YAML_SEQUENCE_START_EVENT)
		rc = probe_yaml_list(st, e);
	else if (rc == 0)
		rc = probe_yaml_fail(st, &ev.start_mark,
		    "\"%s\" takes a value or a list of values", e->key);
	yaml_event_delete(&ev);
	return rc;
}

/* One "key: value" pair; *done at the end of the mapping. */
static int
probe_yaml_pair(struct probe_yaml_state *st, bool *done)
{
	struct probe_yaml_doc *doc = st->doc;
	struct probe_yaml_entry *e;
	yaml_event_t ev;
	size_t i;
	int rc = 0;

	if (probe_yaml_next(st, &ev) != 0)
		return -1;
	*done = ev.type == YAML_MAPPING_END_EVENT;
	if (*done)
		goto out;
	rc = probe_yaml_plain(st, &ev);
	if (rc == 0 && ev.type != YAML_SCALAR_EVENT)
		rc = probe_yaml_fail(st, &ev.start_mark, "expected a key");
	/* Cut at a NUL, "port\0x" would pass for "port". */
	if (rc == 0 && strlen((const char *)ev.data.scalar.value) !=
	    ev.data.scalar.length)
		rc = probe_yaml_fail(st, &ev.start_mark, "a NUL byte in a key");
	if (rc == 0 && !probe_yaml_is_key((const char *)ev.data.scalar.value))
		rc = probe_yaml_fail(st, &ev.start_mark,
		    "a key holds a line break or another control character");
	if (rc == 0 && doc->nentries >= PROBE_YAML_KEYS_MAX)
		rc = probe_yaml_fail(st, &ev.start_mark, "more than %d keys",
		    PROBE_YAML_KEYS_MAX);
	for (i = 0; rc == 0 && i < doc->nentries; i++)
		if (strcmp(doc->entries[i].key,
		    (const char *)ev.data.scalar.value) == 0)
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "duplicate key \"%s\"", doc->entries[i].key);
	if (rc != 0)
		goto out;
	e = &doc->entries[doc->nentries++];
	e->line = (unsigned long)ev.start_mark.line + 1;
	e->column = (unsigned long)ev.start_mark.column + 1;
	e->key = strdup((const char *)ev.data.scalar.value);
	rc = e->key == NULL ? probe_yaml_fail(st, &ev.start_mark,
	    "out of memory") : probe_yaml_value(st, e);
out:
	yaml_event_delete(&ev);
	return rc;
}

/* Stream start, document start, mapping start; or an empty file. */
static int
probe_yaml_open(struct probe_yaml_state *st, bool *is_empty)
{
	static const yaml_event_type_t want[] = { YAML_STREAM_START_EVENT,
	    YAML_DOCUMENT_START_EVENT, YAML_MAPPING_START_EVENT };
	yaml_event_t ev;
	size_t i;
	int rc = 0;

	*is_empty = false;
	for (i = 0; i < sizeof(want) / sizeof(want[0]) && rc == 0; i++) {
		if (probe_yaml_next(st, &ev) != 0)
			return -1;
		if (ev.type == YAML_STREAM_END_EVENT && i == 1)
			*is_empty = true;
		else if (ev.type != want[i])
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "the document must be a mapping of keys to values");
		else
			rc = probe_yaml_plain(st, &ev);
		yaml_event_delete(&ev);
		if (*is_empty)
			break;
	}
	return rc;
}

/*
 * After the mapping: the end of its document, then of the stream. A
 * second document would otherwise be ignored without a word.
 */
static int
probe_yaml_close(struct probe_yaml_state *st)
{
	static const yaml_event_type_t want[] = { YAML_DOCUMENT_END_EVENT,
	    YAML_STREAM_END_EVENT };
	yaml_event_t ev;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(want) / sizeof(want[0]) && rc == 0; i++) {
		if (probe_yaml_next(st, &ev) != 0)
			return -1;
		if (ev.type != want[i])
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "only one YAML document per file");
		yaml_event_delete(&ev);
	}
	return rc;
}

int
probe_yaml_load(const char *path, struct probe_yaml_doc *doc, char *err,
    size_t errlen)
{
	struct probe_yaml_state st = { .doc = doc, .err = err,
	    .errlen = errlen };
	char *text;
	size_t len = 0;
	bool done = false, is_empty;
	int rc;

	memset(doc, 0, sizeof(*doc));
	doc->path = strdup(path);
	if (doc->path == NULL) {
		(void)snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	text = probe_yaml_slurp(path, &len, err, errlen);
	if (text == NULL)
		return -1;
	if (!yaml_parser_initialize(&st.parser)) {
		free(text);
		(void)snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_string(&st.parser, (unsigned char *)text, len);
	st.text = text;
	st.len = len;
	rc = probe_yaml_open(&st, &is_empty);
	while (rc == 0 && !is_empty && !done)
		rc = probe_yaml_pair(&st, &done);
	if (rc == 0 && !is_empty)
		rc = probe_yaml_close(&st);
	yaml_parser_delete(&st.parser);
	free(text);
	return rc;
}

void
probe_yaml_free(struct probe_yaml_doc *doc)
{
	size_t i, j;

	for (i = 0; i < doc->nentries; i++) {
		for (j = 0; j < doc->entries[i].nvalues; j++)
			free(doc->entries[i].values[j]);
		free(doc->entries[i].values);
		free(doc->entries[i].key);
	}
	free(doc->path);
	memset(doc, 0, sizeof(*doc));
}

/* Edit distance, bounded: keys are short, so a small table will do. */
static size_t
probe_yaml_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33], prev, tmp, best;

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
probe_yaml_nearest(const char *word, const char *const *known)
{
	const char *best = NULL;
	size_t d, bestd = (size_t)-1;

	for (; *known != NULL; known++) {
		d = probe_yaml_distance(word, *known);
		if (d < bestd) {
			bestd = d;
			best = *known;
		}
	}
	/* Suggest only what looks like a typo, not any word at all. */
	return bestd <= 2 || (best && bestd <= strlen(best) / 3) ? best : NULL;
}

/*
 * First pass over the events: refuse what the tree must never hold
 * (aliases, anchors, explicit tags) and bound size and depth, before
 * libyaml builds anything.
 */
static int
probe_yaml_prescan(struct probe_yaml_state *st)
{
	yaml_event_t ev;
	size_t events = 0;
	int depth = 0, rc = 0;
	bool done = false;

	while (rc == 0 && !done) {
		if (probe_yaml_next(st, &ev) != 0)
			return -1;
		rc = probe_yaml_plain(st, &ev);
		if (ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (rc == 0 && depth > PROBE_YAML_DEPTH_MAX)
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "nested more than %d levels", PROBE_YAML_DEPTH_MAX);
		if (rc == 0 && ++events > PROBE_YAML_EVENTS_MAX)
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "more than %d YAML events", PROBE_YAML_EVENTS_MAX);
		if (rc == 0 && ev.type == YAML_DOCUMENT_START_EVENT &&
		    events > 2)
			rc = probe_yaml_fail(st, &ev.start_mark,
			    "only one YAML document per file");
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	return rc;
}

int
probe_yaml_tree_load(const char *path, struct probe_yaml_tree *t, char *err,
    size_t errlen)
{
	struct probe_yaml_doc doc;	/* carries the path for messages */
	struct probe_yaml_state st = { .doc = &doc, .err = err,
	    .errlen = errlen };
	char *text;
	size_t len = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(&doc, 0, sizeof(doc));
	t->path = strdup(path);
	doc.path = t->path;
	if (t->path == NULL) {
		(void)snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	text = probe_yaml_slurp(path, &len, err, errlen);
	if (text == NULL)
		return -1;
	/* For probe_yaml_reader_mark(): reader errors carry no mark. */
	st.text = text;
	st.len = len;
	rc = yaml_parser_initialize(&st.parser) ? 0 : -1;
	if (rc == 0) {
		yaml_parser_set_input_string(&st.parser, (unsigned char *)text,
		    len);
		rc = probe_yaml_prescan(&st);
		yaml_parser_delete(&st.parser);
	}
	if (rc == 0 && yaml_parser_initialize(&st.parser)) {
		yaml_parser_set_input_string(&st.parser, (unsigned char *)text,
		    len);
		if (yaml_parser_load(&st.parser, &t->doc))
			t->is_loaded = true;
		else
			rc = probe_yaml_parser_fail(&st);
		yaml_parser_delete(&st.parser);
	}
	free(text);
	return rc;
}

void
probe_yaml_tree_free(struct probe_yaml_tree *t)
{
	if (t->is_loaded)
		yaml_document_delete(&t->doc);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

yaml_node_t *
probe_yaml_root(struct probe_yaml_tree *t)
{
	return t->is_loaded ? yaml_document_get_root_node(&t->doc) : NULL;
}

yaml_node_t *
probe_yaml_node(struct probe_yaml_tree *t, int index)
{
	return t->is_loaded ? yaml_document_get_node(&t->doc, index) : NULL;
}

int
probe_yaml_fail_at(const struct probe_yaml_tree *t, const yaml_node_t *node,
    char *err, size_t errlen, const char *fmt, ...)
{
	char what[PROBE_YAML_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);	/* may cut: fine */
	va_end(ap);
	probe_yaml_one_line(what);
	(void)snprintf(err, errlen, "%s:%lu:%lu: %s", t->path,
	    node ? (unsigned long)node->start_mark.line + 1 : 1UL,
	    node ? (unsigned long)node->start_mark.column + 1 : 1UL, what);
	return -1;
}

const char *
probe_yaml_text(const yaml_node_t *node)
{
	const char *s;

	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)node->data.scalar.value;
	return strlen(s) == node->data.scalar.length ? s : NULL;
}

yaml_node_t *
probe_yaml_get(struct probe_yaml_tree *t, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;
	const char *k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = probe_yaml_text(probe_yaml_node(t, p->key));
		if (k != NULL && strcmp(k, key) == 0)
			return probe_yaml_node(t, p->value);
	}
	return NULL;
}

int
probe_yaml_check_keys(struct probe_yaml_tree *t, yaml_node_t *map,
    const char *const *known, char *err, size_t errlen)
{
	yaml_node_pair_t *p, *q;
	yaml_node_t *kn;
	const char *k, *near;
	size_t i;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return probe_yaml_fail_at(t, map, err, errlen,
		    "expected a mapping of keys to values");
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		kn = probe_yaml_node(t, p->key);
		k = probe_yaml_text(kn);
		if (k == NULL)
			return probe_yaml_fail_at(t, kn, err, errlen,
			    "a key must be plain text");
		if (!probe_yaml_is_key(k))
			return probe_yaml_fail_at(t, kn, err, errlen, "a key "
			    "holds a line break or another control character");
		for (q = map->data.mapping.pairs.start; q < p; q++)
			if (strcmp(probe_yaml_text(probe_yaml_node(t, q->key)),
			    k) == 0)
				return probe_yaml_fail_at(t, kn, err, errlen,
				    "duplicate key \"%s\"", k);
		for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] != NULL)
			continue;
		near = probe_yaml_nearest(k, known);
		return near ? probe_yaml_fail_at(t, kn, err, errlen, "unknown "
		    "key \"%s\" (did you mean \"%s\"?)", k, near) :
		    probe_yaml_fail_at(t, kn, err, errlen, "unknown key "
		    "\"%s\"", k);
	}
	return 0;
}
