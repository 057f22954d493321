/*
 * corpus-score - how well the diagnosis generalises: classify every reply
 * of a corpus folder (tests/corpus/dev or a held-out part, format in
 * tests/corpus/README.md) through the same path as `smtpprobe explain`
 * (the shipped catalogs, the explain scanner, probe_explain_decide) and
 * print, per provider group, the number of replies, the share whose cause
 * is right (the labelled cause or one of its accept list) and the share
 * whose verdict is right.
 *
 * usage: corpus-score [--misses | --all] [--catalog FILE]... DIR
 *
 * --misses lists each wrong entry (id FILE#N, expected, got, layer,
 * phrase, text): for tuning on dev/ only; it refuses a path that names
 * a held-out part ("heldout" anywhere in it: heldout6/ next). --all
 * prints one tab-separated line per entry instead (ALL, id, group, cause
 * wanted, cause got, ok|miss, catalog entry, layer), for analyses over
 * dev/ (which provider entries decide other groups' replies); it refuses
 * a held-out part too.
 * Exit: 0, or 3 when a file or the catalogs do not load.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/catalog/probe_explain.h"

#define SCORE_GROUPS_MAX	64
#define SCORE_ACCEPT_MAX	8
#define SCORE_EXTRA_MAX		16

struct score_group {
	char		name[64];
	unsigned	n, cause_ok, verdict_ok;
};

struct score_entry {
	const char	*provider, *cause, *verdict, *text;
	const char	*accept[SCORE_ACCEPT_MAX];
	size_t		 naccept;
};

struct score_run {
	struct probe_catalog	 cat;
	struct probe_explain_cache memo;	/* as explain uses it */
	struct score_group	 groups[SCORE_GROUPS_MAX];
	size_t			 ngroups;
	int			 misses;
	int			 all;	/* --all: one line per entry */
};

static const char *
score_scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *
score_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;
	const char *k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = score_scalar(doc, yaml_document_get_node(doc, p->key));
		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static struct score_group *
score_group(struct score_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->ngroups; i++)
		if (strcmp(run->groups[i].name, name) == 0)
			return &run->groups[i];
	if (run->ngroups == SCORE_GROUPS_MAX)
		return &run->groups[SCORE_GROUPS_MAX - 1];
	(void)snprintf(run->groups[run->ngroups].name,
	    sizeof(run->groups[0].name), "%s", name);
	return &run->groups[run->ngroups++];
}

/* The first refusal of the text, as explain finds it; false: none. */
static bool
score_classify(struct score_run *run, const char *text,
    struct probe_explain_diag *d)
{
	struct probe_explain_scan s;
	struct probe_explain_reply r;
	FILE *in;
	bool found = false;

	memset(d, 0, sizeof(*d));
	in = fmemopen((void *)text, strlen(text), "r");
	if (in == NULL)
		return false;
	if (probe_explain_scan_init(&s, in) == 0) {
		while (!found && probe_explain_next(&s, &r) == 1) {
			probe_explain_decide(&run->cat, &r, NULL, &run->memo,
			    d);
			found = d->is_refusal;
		}
		probe_explain_scan_free(&s);
	}
	(void)fclose(in);	/* memory stream: nothing to lose */
	return found;
}

static void
score_one(struct score_run *run, const struct score_entry *e,
    const char *file, size_t idx)
{
	struct probe_explain_diag d;
	struct score_group *g = score_group(run, e->provider);
	const char *got = "-", *verdict = "unknown";
	bool cause_ok, verdict_ok;
	size_t i;

	if (score_classify(run, e->text, &d)) {
		verdict = probe_explain_verdict_name(&d);
		if (d.match.entry != NULL)
			got = d.match.entry->cause;
	}
	cause_ok = strcmp(got, e->cause) == 0;
	for (i = 0; i < e->naccept; i++)
		cause_ok |= strcmp(got, e->accept[i]) == 0;
	verdict_ok = strcmp(verdict, e->verdict) == 0;
	g->n++;
	g->cause_ok += cause_ok;
	g->verdict_ok += verdict_ok;
	if (run->all)
		printf("ALL\t%s#%zu\t%s\t%s\t%s\t%s\t%s\t%s\n", file, idx,
		    e->provider, e->cause, got, cause_ok ? "ok" : "miss",
		    d.match.entry ? d.match.entry->id : "-",
		    probe_catalog_layer_name(d.match.layer));
	else if (run->misses && (!cause_ok || !verdict_ok))
		printf("MISS %s#%zu want %s/%s got %s/%s by %s %s%s%s\n  %s\n",
		    file, idx, e->cause, e->verdict, got, verdict,
		    d.match.entry ? d.match.entry->id : "-",
		    probe_catalog_layer_name(d.match.layer),
		    d.match.phrase ? " phrase: " : "",
		    d.match.phrase ? d.match.phrase : "", e->text);
}

static int
score_file(struct score_run *run, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *list, *n, *acc;
	yaml_node_item_t *it, *a;
	struct score_entry e;
	FILE *fp = fopen(path, "rb");
	size_t idx = 0;
	int rc = -1;

	if (fp == NULL)
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		(void)fclose(fp);	/* read only */
		return -1;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc))
		goto out_parser;
	root = yaml_document_get_root_node(&doc);
	list = score_get(&doc, root, "replies");
	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		goto out_doc;
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++, idx++) {
		n = yaml_document_get_node(&doc, *it);
		memset(&e, 0, sizeof(e));
		e.provider = score_scalar(&doc, score_get(&doc, n, "provider"));
		e.cause = score_scalar(&doc, score_get(&doc, n, "cause"));
		e.verdict = score_scalar(&doc, score_get(&doc, n, "verdict"));
		e.text = score_scalar(&doc, score_get(&doc, n, "text"));
		acc = score_get(&doc, n, "accept");
		if (acc != NULL && acc->type == YAML_SEQUENCE_NODE)
			for (a = acc->data.sequence.items.start;
			    a < acc->data.sequence.items.top &&
			    e.naccept < SCORE_ACCEPT_MAX; a++)
				e.accept[e.naccept++] = score_scalar(&doc,
				    yaml_document_get_node(&doc, *a));
		if (e.provider == NULL || e.cause == NULL ||
		    e.verdict == NULL || e.text == NULL)
			goto out_doc;
		score_one(run, &e, path, idx);
	}
	rc = 0;
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	(void)fclose(fp);	/* read only */
	return rc;
}

static bool
score_is_big4(const char *name)
{
	return strcmp(name, "google") == 0 || strcmp(name, "microsoft") == 0 ||
	    strcmp(name, "yahoo") == 0 || strcmp(name, "apple") == 0;
}

static void
score_row(const char *name, unsigned n, unsigned c, unsigned v)
{
	printf("%-16s %5u  %6.1f%%  %6.1f%%\n", name, n,
	    n ? 100.0 * c / n : 0.0, n ? 100.0 * v / n : 0.0);
}

static void
score_print(const struct score_run *run)
{
	static const char *const big4[] = { "google", "microsoft", "yahoo",
	    "apple", NULL };
	unsigned on = 0, oc = 0, ov = 0, an = 0, ac = 0, av = 0;
	size_t i, k;

	printf("%-16s %5s  %7s  %7s\n", "group", "n", "cause", "verdict");
	for (k = 0; big4[k] != NULL; k++)
		for (i = 0; i < run->ngroups; i++)
			if (strcmp(run->groups[i].name, big4[k]) == 0)
				score_row(big4[k], run->groups[i].n,
				    run->groups[i].cause_ok,
				    run->groups[i].verdict_ok);
	for (i = 0; i < run->ngroups; i++) {
		an += run->groups[i].n;
		ac += run->groups[i].cause_ok;
		av += run->groups[i].verdict_ok;
		if (score_is_big4(run->groups[i].name))
			continue;
		on += run->groups[i].n;
		oc += run->groups[i].cause_ok;
		ov += run->groups[i].verdict_ok;
	}
	score_row("others", on, oc, ov);
	score_row("all", an, ac, av);
	printf("-- others by group\n");
	for (i = 0; i < run->ngroups; i++)
		if (!score_is_big4(run->groups[i].name))
			score_row(run->groups[i].name, run->groups[i].n,
			    run->groups[i].cause_ok,
			    run->groups[i].verdict_ok);
}

static int
score_dir(struct score_run *run, const char *dir)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	size_t len;
	int n, i, rc = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]->d_name);
		if (rc == 0 && len > 5 &&
		    strcmp(names[i]->d_name + len - 5, ".yaml") == 0) {
			(void)snprintf(path, sizeof(path), "%s/%s", dir,
			    names[i]->d_name);
			if (score_file(run, path) != 0) {
				fprintf(stderr, "corpus-score: %s does not "
				    "load\n", path);
				rc = -1;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct score_run run;
	const char *extra[SCORE_EXTRA_MAX];
	char err[PROBE_CATALOG_ERR_MAX];
	size_t nextra = 0;
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--all") == 0)
			run.misses = run.all = 1;
		else if (strcmp(argv[i], "--misses") == 0)
			run.misses = 1;
		else if (strcmp(argv[i], "--catalog") == 0 && i + 1 < argc &&
		    nextra < SCORE_EXTRA_MAX)
			extra[nextra++] = argv[++i];
		else
			break;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: corpus-score [--misses | --all] "
		    "[--catalog FILE]... DIR\n");
		return 3;
	}
	/* The held-out part is scored, never read: no texts from it. */
	if (run.misses && strstr(argv[i], "heldout") != NULL) {
		fprintf(stderr, "corpus-score: --misses is for dev/ only; "
		    "held-out texts are never shown\n");
		return 3;
	}
	if (probe_explain_cache_init(&run.memo) != 0 ||
	    probe_catalog_init(&run.cat, true, err, sizeof(err)) != 0 ||
	    probe_catalog_load_default(&run.cat, extra, nextra, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "corpus-score: %s\n", err);
		probe_catalog_free(&run.cat);
		probe_explain_cache_free(&run.memo);
		return 3;
	}
	rc = score_dir(&run, argv[i]);
	if (rc == 0)
		score_print(&run);
	probe_catalog_free(&run.cat);
	probe_explain_cache_free(&run.memo);
	return rc == 0 ? 0 : 3;
}
