/*
 * test_probe_yaml - the bounded reader of flat YAML files (profiles):
 * what it keeps of a good file (every key with its line and column, the
 * values of scalars and lists), and how it refuses what a hostile or
 * broken file holds, each time with one line that starts "FILE:LINE:COL:"
 * where the position is known: anchors and aliases, tags, nesting,
 * duplicate keys, NUL bytes, bytes that are not UTF-8, more than one
 * document, and the file, key and item limits at N-1, N and N+1.
 *
 * Every file is written into a fresh mkdtemp directory (tests/support/
 * tmp_dir) with the exact bytes the test names.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/util/probe_yaml.h"
#include "tests/support/tmp_dir.h"
#include "tests/support/located_err.h"

/* A line of a generated file: a comment that fills a given size. */
#define FILL_LINE	64

/* One test's state; fini frees it even when an assertion failed. */
static struct tmp_dir dir;
static struct probe_yaml_doc doc;
static char err[PROBE_YAML_ERR_MAX + PATH_MAX];
static const char *path;
static char *big;

static void
yaml_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	memset(&doc, 0, sizeof(doc));
	err[0] = '\0';
	path = NULL;
	big = NULL;
}

static void
yaml_teardown(void)
{
	probe_yaml_free(&doc);
	tmp_dir_remove(&dir);
	free(big);
	big = NULL;
}

TestSuite(probe_yaml, .init = yaml_setup, .fini = yaml_teardown);

/* Write len bytes to p.yaml and load it; returns probe_yaml_load's. */
static int
load_bytes(const char *bytes, size_t len)
{
	probe_yaml_free(&doc);
	path = tmp_dir_write(&dir, "p.yaml", bytes, len);
	cr_assert_not_null(path, "cannot write the test file");
	err[0] = '\0';
	return probe_yaml_load(path, &doc, err, sizeof(err));
}

/* Sizes from the literal, so that NUL bytes inside it count. */
#define LOAD(lit)	load_bytes((lit), sizeof(lit) - 1)

static void
assert_loads(int rc)
{
	cr_assert_eq(rc, 0, "refused: %s", err);
}

/* The error is "PATH:LINE:COL: what", on one line (located_err.h). */
static void
assert_error_at(int rc, unsigned long line, unsigned long col,
    const char *what)
{
	located_err_exact(rc, err, path, line, col, what);
}

/* The error starts "PATH:LINE:COL: " and is one line; what may vary. */
static void
assert_error_located(int rc, unsigned long line, unsigned long col)
{
	located_err_says(rc, err, path, line, col, "");
}

static const struct probe_yaml_entry *
entry(const char *key)
{
	size_t i;

	for (i = 0; i < doc.nentries; i++)
		if (strcmp(doc.entries[i].key, key) == 0)
			return &doc.entries[i];
	cr_assert_fail("no key \"%s\"", key);
	return NULL;
}

static void
assert_entry(const char *key, unsigned long line, unsigned long col,
    bool is_list, size_t nvalues)
{
	const struct probe_yaml_entry *e = entry(key);

	cr_assert_eq(e->line, line, "%s: line %lu, want %lu", key, e->line,
	    line);
	cr_assert_eq(e->column, col, "%s: column %lu, want %lu", key,
	    e->column, col);
	cr_assert_eq(e->is_list, is_list, "%s: is_list", key);
	cr_assert_eq(e->nvalues, nvalues, "%s: %zu values, want %zu", key,
	    e->nvalues, nvalues);
}

/* A file of n lines "kNN: v" (keys), or one key with n list items. */
static int
load_generated(size_t n, bool as_items)
{
	size_t i, len = 0, room = 32 + n * 16;
	int k;

	free(big);
	big = malloc(room);
	cr_assert_not_null(big);
	if (as_items)
		len += (size_t)snprintf(big, room, "mx_patterns:\n");
	for (i = 0; i < n; i++) {
		if (as_items)
			k = snprintf(big + len, room - len, "  - i%zu\n", i);
		else
			k = snprintf(big + len, room - len, "k%zu: v\n", i);
		cr_assert(k > 0 && (size_t)k < room - len);
		len += (size_t)k;
	}
	return load_bytes(big, len);
}

/* A valid file of exactly size bytes: one key, then comment lines. */
static int
load_sized(size_t size)
{
	static const char head[] = "name: big\n";
	size_t pos, n;

	free(big);
	big = malloc(size);
	cr_assert_not_null(big);
	memcpy(big, head, sizeof(head) - 1);
	for (pos = sizeof(head) - 1; pos < size; pos += n) {
		n = size - pos < FILL_LINE ? size - pos : FILL_LINE;
		memset(big + pos, '#', n);
		big[pos + n - 1] = '\n';
	}
	return load_bytes(big, size);
}

/* --- what a good file gives --- */

Test(probe_yaml, keeps_every_key_with_its_line_column_and_values)
{
	assert_loads(LOAD(
	    "# a comment first\n"
	    "name: gmail\n"
	    "port: 25\n"
	    "\n"
	    "mx_patterns:\n"
	    "  - \"*.google.com\"\n"
	    "  - '*.googlemail.com'\n"
	    "catalogs: [google, generic]\n"
	    "  # indented comment\n"
	    "description: >-\n"
	    "  folded\n"
	    "  text\n"));
	cr_assert_eq(doc.nentries, 5);
	assert_entry("name", 2, 1, false, 1);
	cr_assert_str_eq(entry("name")->values[0], "gmail");
	assert_entry("port", 3, 1, false, 1);
	cr_assert_str_eq(entry("port")->values[0], "25");
	assert_entry("mx_patterns", 5, 1, true, 2);
	cr_assert_str_eq(entry("mx_patterns")->values[0], "*.google.com");
	cr_assert_str_eq(entry("mx_patterns")->values[1], "*.googlemail.com");
	assert_entry("catalogs", 8, 1, true, 2);
	cr_assert_str_eq(entry("catalogs")->values[1], "generic");
	assert_entry("description", 10, 1, false, 1);
	cr_assert_str_eq(entry("description")->values[0], "folded text");
	cr_assert_str_eq(doc.path, path);
}

Test(probe_yaml, keeps_keys_in_file_order)
{
	assert_loads(LOAD("b: 1\na: 2\nc: 3\n"));
	cr_assert_eq(doc.nentries, 3);
	cr_assert_str_eq(doc.entries[0].key, "b");
	cr_assert_str_eq(doc.entries[1].key, "a");
	cr_assert_str_eq(doc.entries[2].key, "c");
}

Test(probe_yaml, reads_a_flow_mapping_with_the_column_of_each_key)
{
	assert_loads(LOAD("{name: x, port: 26}\n"));
	assert_entry("name", 1, 2, false, 1);
	assert_entry("port", 1, 11, false, 1);
}

Test(probe_yaml, keeps_an_empty_list_and_an_empty_value)
{
	assert_loads(LOAD("catalogs: []\nname:\n"));
	assert_entry("catalogs", 1, 1, true, 0);
	assert_entry("name", 2, 1, false, 1);
	cr_assert_str_eq(entry("name")->values[0], "");
}

Test(probe_yaml, keeps_utf8_text_as_it_is)
{
	assert_loads(LOAD("description: \"Gr\xc3\xbc\xc3\x9f\x65 "
	    "\xe2\x82\xac\"\n"));
	cr_assert_str_eq(entry("description")->values[0],
	    "Gr\xc3\xbc\xc3\x9f\x65 \xe2\x82\xac");
}

Test(probe_yaml, loads_an_empty_file_as_no_keys)
{
	assert_loads(LOAD(""));
	cr_assert_eq(doc.nentries, 0);
	assert_loads(LOAD("# only a comment\n\n   \n"));
	cr_assert_eq(doc.nentries, 0);
}

Test(probe_yaml, free_is_safe_twice_and_on_a_zeroed_doc)
{
	struct probe_yaml_doc zero;

	memset(&zero, 0, sizeof(zero));
	probe_yaml_free(&zero);
	assert_loads(LOAD("name: x\n"));
	probe_yaml_free(&doc);
	cr_assert_eq(doc.nentries, 0);
	cr_assert_null(doc.path);
	probe_yaml_free(&doc);
	cr_assert_eq(doc.nentries, 0);
}

/* --- what a hostile or broken file gets --- */

Test(probe_yaml, refuses_an_anchor_with_its_position)
{
	assert_error_at(LOAD("name: x\nport: &p 25\n"), 2, 7,
	    "anchors and tags are not supported");
}

Test(probe_yaml, refuses_an_alias_with_its_position)
{
	assert_error_at(LOAD("name: x\ndescription: *p\n"), 2, 14,
	    "aliases are not supported");
}

Test(probe_yaml, refuses_an_anchored_list_or_mapping)
{
	assert_error_at(LOAD("catalogs: &c [a, b]\n"), 1, 11,
	    "anchors are not supported");
	assert_error_located(LOAD("&top\nname: x\n"), 1, 1);
	cr_assert(strstr(err, "anchors") != NULL, "%s", err);
}

Test(probe_yaml, refuses_the_billion_laughs_at_its_first_anchor)
{
	assert_error_at(LOAD(
	    "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
	    "b: &b [*a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b]\n"), 1, 4,
	    "anchors are not supported");
}

Test(probe_yaml, refuses_an_explicit_tag)
{
	assert_error_at(LOAD("port: !!int 25\n"), 1, 7,
	    "anchors and tags are not supported");
	assert_error_at(LOAD("name: !local x\n"), 1, 7,
	    "anchors and tags are not supported");
}

Test(probe_yaml, refuses_a_mapping_where_a_value_is_expected)
{
	assert_error_at(LOAD("name: x\nport:\n  number: 25\n"), 3, 3,
	    "\"port\" takes a value or a list of values");
}

Test(probe_yaml, refuses_a_mapping_or_a_list_nested_in_a_list)
{
	assert_error_at(LOAD("mx_patterns:\n  - a\n  - x: y\n"), 3, 5,
	    "a list here holds only plain values");
	assert_error_at(LOAD("catalogs: [a, [b]]\n"), 1, 15,
	    "a list here holds only plain values");
}

Test(probe_yaml, refuses_a_key_that_is_not_plain_text)
{
	assert_error_at(LOAD("? [a, b]\n: 1\n"), 1, 3, "expected a key");
}

Test(probe_yaml, refuses_a_document_that_is_not_a_mapping)
{
	assert_error_at(LOAD("just words\n"), 1, 1,
	    "the document must be a mapping of keys to values");
	assert_error_at(LOAD("- a\n- b\n"), 1, 1,
	    "the document must be a mapping of keys to values");
}

Test(probe_yaml, refuses_a_duplicate_key_at_its_second_place)
{
	assert_error_at(LOAD("port: 25\nname: x\nport: 26\n"), 3, 1,
	    "duplicate key \"port\"");
}

Test(probe_yaml, refuses_a_second_document_instead_of_ignoring_it)
{
	assert_error_at(LOAD("port: 25\n---\nport: 2525\n"), 2, 1,
	    "only one YAML document per file");
	/* libyaml wants "---" before a second document: refused anyway. */
	assert_error_located(LOAD("port: 25\n...\nport: 2525\n"), 3, 1);
}

Test(probe_yaml, accepts_explicit_document_markers_around_one_document)
{
	assert_loads(LOAD("---\nport: 25\n...\n"));
	assert_entry("port", 2, 1, false, 1);
}

Test(probe_yaml, refuses_a_nul_byte_escaped_in_a_value)
{
	assert_error_at(LOAD("name: \"gm\\0ail\"\n"), 1, 7,
	    "a NUL byte in a value");
	assert_error_at(LOAD("catalogs: [a, \"b\\0\"]\n"), 1, 15,
	    "a NUL byte in a value");
}

Test(probe_yaml, refuses_a_nul_byte_escaped_in_a_key)
{
	/* Cut at the NUL, this key would pass for "port". */
	assert_error_at(LOAD("\"port\\0x\": 99\n"), 1, 1,
	    "a NUL byte in a key");
}

Test(probe_yaml, refuses_a_key_holding_a_line_break_so_errors_stay_one_line)
{
	assert_error_at(LOAD("name: x\n\"pr\\not\": 1\n"), 2, 1,
	    "a key holds a line break or another control character");
	assert_error_at(LOAD("\"a\\e[2Jb\": 1\n"), 1, 1,
	    "a key holds a line break or another control character");
}

Test(probe_yaml, refuses_a_raw_nul_byte_at_its_position)
{
	assert_error_at(LOAD("name: x\nport: 2\0005\n"), 2, 8,
	    "control characters are not allowed");
}

Test(probe_yaml, refuses_bytes_that_are_not_utf8_at_their_position)
{
	assert_error_at(LOAD("port: 25\nname: ok\ndescription: \xff\xfe\n"),
	    3, 14, "invalid leading UTF-8 octet");
	/* The position of the byte that broke the sequence. */
	assert_error_at(LOAD("name: \"caf\xc3\x28\"\n"), 1, 12,
	    "invalid trailing UTF-8 octet");
}

Test(probe_yaml, refuses_binary_junk_with_one_line)
{
	char junk[256];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(0x80 + i);	/* 0x80 first: no BOM */
	assert_error_located(load_bytes(junk, sizeof(junk)), 1, 1);
	/* ELF-like bytes behind a valid start. */
	assert_error_located(LOAD("name: x\n\x7f" "ELF\x02\x01\x01\0\0\0"), 2,
	    1);
}

Test(probe_yaml, refuses_broken_syntax_with_its_position)
{
	assert_error_located(LOAD("name: [a, b\nport: 25\n"), 2, 5);
	assert_error_located(LOAD("name: \"open\nport: 25\n"), 3, 1);
	assert_error_located(LOAD("name: x\n  port: 25\n"), 2, 7);
}

Test(probe_yaml, refuses_a_missing_file_with_the_system_s_words)
{
	char missing[PATH_MAX], want[sizeof(err)];

	cr_assert_not_null(tmp_dir_path(&dir, "nosuch.yaml", missing,
	    sizeof(missing)));
	cr_assert_eq(probe_yaml_load(missing, &doc, err, sizeof(err)), -1);
	(void)snprintf(want, sizeof(want), "%s: %s", missing,
	    strerror(ENOENT));	/* fits: the path is short */
	cr_assert_str_eq(err, want);
}

Test(probe_yaml, loads_a_file_one_byte_under_the_size_limit)
{
	assert_loads(load_sized(PROBE_YAML_FILE_MAX - 1));
	assert_entry("name", 1, 1, false, 1);
}

Test(probe_yaml, loads_a_file_at_the_size_limit)
{
	assert_loads(load_sized(PROBE_YAML_FILE_MAX));
	assert_entry("name", 1, 1, false, 1);
}

Test(probe_yaml, refuses_a_file_one_byte_over_the_size_limit)
{
	char want[64];

	cr_assert_eq(load_sized(PROBE_YAML_FILE_MAX + 1), -1);
	cr_assert_eq(strncmp(err, path, strlen(path)), 0, "%s", err);
	(void)snprintf(want, sizeof(want), "larger than %u KiB",
	    PROBE_YAML_FILE_MAX / 1024);	/* 64 is plenty */
	cr_assert(strstr(err, want) != NULL, "%s lacks \"%s\"", err, want);
	cr_assert_eq(doc.nentries, 0);
}

Test(probe_yaml, takes_one_key_under_the_key_limit)
{
	assert_loads(load_generated(PROBE_YAML_KEYS_MAX - 1, false));
	cr_assert_eq(doc.nentries, PROBE_YAML_KEYS_MAX - 1);
}

Test(probe_yaml, takes_keys_up_to_the_key_limit)
{
	assert_loads(load_generated(PROBE_YAML_KEYS_MAX, false));
	cr_assert_eq(doc.nentries, PROBE_YAML_KEYS_MAX);
}

Test(probe_yaml, refuses_one_key_over_the_key_limit_at_that_key)
{
	char what[64];

	(void)snprintf(what, sizeof(what), "more than %d keys",
	    PROBE_YAML_KEYS_MAX);
	assert_error_at(load_generated(PROBE_YAML_KEYS_MAX + 1, false),
	    PROBE_YAML_KEYS_MAX + 1, 1, what);
}

Test(probe_yaml, takes_one_item_under_the_item_limit)
{
	assert_loads(load_generated(PROBE_YAML_ITEMS_MAX - 1, true));
	assert_entry("mx_patterns", 1, 1, true, PROBE_YAML_ITEMS_MAX - 1);
}

Test(probe_yaml, takes_items_up_to_the_item_limit)
{
	assert_loads(load_generated(PROBE_YAML_ITEMS_MAX, true));
	assert_entry("mx_patterns", 1, 1, true, PROBE_YAML_ITEMS_MAX);
	cr_assert_str_eq(entry("mx_patterns")->values[PROBE_YAML_ITEMS_MAX - 1],
	    "i63");
}

Test(probe_yaml, refuses_one_item_over_the_item_limit_at_that_item)
{
	char what[64];

	(void)snprintf(what, sizeof(what), "more than %d items",
	    PROBE_YAML_ITEMS_MAX);
	assert_error_at(load_generated(PROBE_YAML_ITEMS_MAX + 1, true),
	    PROBE_YAML_ITEMS_MAX + 2, 5, what);
}

/* --- suggestions for a mistyped key --- */

static const char *const profile_keys[] = {
	"name", "provider", "description", "port", "starttls", "tls_verify",
	"quit_after", "mx_patterns", "catalogs", NULL
};

static void
assert_nearest(const char *word, const char *want)
{
	const char *got = probe_yaml_nearest(word, profile_keys);

	if (want == NULL)
		cr_assert_null(got, "\"%s\" suggests \"%s\"", word, got);
	else
		cr_assert(got != NULL && strcmp(got, want) == 0,
		    "\"%s\" suggests \"%s\", want \"%s\"", word,
		    got ? got : "(nothing)", want);
}

Test(probe_yaml, nearest_suggests_the_key_a_typo_was_meant_to_be)
{
	assert_nearest("prot", "port");
	assert_nearest("Port", "port");
	assert_nearest("startls", "starttls");
	assert_nearest("start_tls", "starttls");
	assert_nearest("tls-verify", "tls_verify");
	assert_nearest("quitafter", "quit_after");
	assert_nearest("mx_pattern", "mx_patterns");
	assert_nearest("catalog", "catalogs");
	assert_nearest("descripton", "description");
	assert_nearest("port", "port");
}

Test(probe_yaml, nearest_suggests_nothing_for_an_unrelated_word)
{
	assert_nearest("colour", NULL);
	assert_nearest("hostname", NULL);
	assert_nearest("timeout", NULL);
	assert_nearest("zzzzzzzzzzzz", NULL);
	assert_nearest("a_key_name_that_is_much_longer_than_any_known_key",
	    NULL);
}

Test(probe_yaml, nearest_suggests_nothing_from_an_empty_list)
{
	static const char *const none[] = { NULL };

	cr_assert_null(probe_yaml_nearest("port", none));
}
