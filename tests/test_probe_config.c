/*
 * test_probe_config - the operator's sending paths: every field of a good
 * file, the one-line "FILE:LINE:COL: what" refusal of each bad value
 * (with the nearest known key for a typo), the limits at N-1, N and N+1,
 * and where the file is looked for when no --config is given.
 *
 * Files are written into a fresh mkdtemp directory (tests/support/
 * tmp_dir). Tests of the default places point HOME at that directory;
 * Criterion runs each test in a process of its own, so setenv() here
 * changes nothing for the other tests.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/config/probe_config.h"
#include "tests/support/tmp_dir.h"
#include "tests/support/located_err.h"

/* Room for a generated file: PROBE_CONFIG_PATHS_MAX + 1 paths. */
#define GEN_MAX		(256 * 1024)
/* What one generated path takes at most: two lines. */
#define GEN_PATH_MAX	80

/* One test's state; fini frees it even when an assertion failed. */
static struct tmp_dir dir;
static struct probe_config c;
static char err[PROBE_CONFIG_ERR_MAX];
static const char *path;
static char *gen;
/* The user file under HOME and its folders, removed by fini. */
static char home_file[PATH_MAX], home_dirs[2][PATH_MAX];

static void
config_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	memset(&c, 0, sizeof(c));
	err[0] = '\0';
	path = NULL;
	gen = NULL;
	home_file[0] = home_dirs[0][0] = home_dirs[1][0] = '\0';
}

static void
config_teardown(void)
{
	/* Best effort: what is already gone is what we want. */
	if (home_file[0] != '\0')
		(void)unlink(home_file);
	if (home_dirs[1][0] != '\0')
		(void)rmdir(home_dirs[1]);
	if (home_dirs[0][0] != '\0')
		(void)rmdir(home_dirs[0]);
	probe_config_free(&c);
	tmp_dir_remove(&dir);
	free(gen);
	gen = NULL;
}

TestSuite(probe_config, .init = config_setup, .fini = config_teardown);

static int
load(const char *file)
{
	err[0] = '\0';
	probe_config_free(&c);
	return probe_config_load(file, &c, err, sizeof(err));
}

/* Write text to c.yaml and load it by path. */
static int
load_text(const char *text)
{
	path = tmp_dir_write(&dir, "c.yaml", text, strlen(text));
	cr_assert_not_null(path, "cannot write the test file");
	return load(path);
}

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

/* One path "p" whose key holds n copies of ch (after prefix). */
static const char *
path_with(const char *key, const char *prefix, size_t n, char ch,
    const char *suffix)
{
	size_t len;
	int k;

	free(gen);
	gen = malloc(GEN_MAX);
	cr_assert_not_null(gen);
	k = snprintf(gen, GEN_MAX, "paths:\n  - name: p\n    mail_from: "
	    "p@example.com\n    %s: \"%s", key, prefix);
	cr_assert(k > 0 && (size_t)k + n + 8 < GEN_MAX);
	len = (size_t)k;
	memset(gen + len, ch, n);
	len += n;
	(void)snprintf(gen + len, GEN_MAX - len, "%s\"\n", suffix);
	return gen;
}

/* n paths p0, p1, ... each with a sender. */
static const char *
n_paths(size_t n)
{
	size_t i, len;
	int k;

	free(gen);
	gen = malloc(GEN_MAX);
	cr_assert_not_null(gen);
	len = (size_t)snprintf(gen, GEN_MAX, "paths:\n");
	for (i = 0; i < n; i++) {
		cr_assert_lt(len + GEN_PATH_MAX, GEN_MAX);
		k = snprintf(gen + len, GEN_MAX - len, "  - name: p%zu\n"
		    "    mail_from: p%zu@example.com\n", i, i);
		cr_assert(k > 0 && k < GEN_PATH_MAX);
		len += (size_t)k;
	}
	return gen;
}

/* n recipients r0, r1, ... in one path. */
static const char *
n_rcpts(size_t n)
{
	size_t i, len;
	int k;

	free(gen);
	gen = malloc(GEN_MAX);
	cr_assert_not_null(gen);
	len = (size_t)snprintf(gen, GEN_MAX, "paths:\n  - name: p\n"
	    "    mail_from: p@example.com\n    recipients:\n");
	for (i = 0; i < n; i++) {
		k = snprintf(gen + len, GEN_MAX - len, "      r%zu: "
		    "me@r%zu.example\n", i, i);
		cr_assert(k > 0 && (size_t)k < GEN_MAX - len);
		len += (size_t)k;
	}
	return gen;
}

/* --- a good file --- */

static const char good[] =
    "# two paths of one operator\n"
    "paths:\n"
    "  - name: mail1\n"
    "    source: 203.0.113.5\n"
    "    helo: mail1.example.com\n"
    "    mail_from: probe@example.com\n"
    "    header_from: \"news@example.com\"\n"
    "    recipients:\n"
    "      gmail: example.probe@gmail.com\n"
    "      yahoo: example.probe@yahoo.com\n"
    "  - name: Relay-2.v6_b\n"
    "    source: 2001:db8::25\n"
    "    mail_from: bounce@relay.example.net\n"
    "    recipients: { outlook: p@outlook.com, icloud: p@icloud.com,"
    " generic: postmaster@example.org }\n";

Test(probe_config, loads_two_paths_with_every_field_and_their_recipients)
{
	const struct probe_config_path *p;

	assert_loads(load_text(good));
	cr_assert_str_eq(c.file, path);
	cr_assert_eq(c.npaths, 2);
	p = &c.paths[0];
	cr_assert_str_eq(p->name, "mail1");
	cr_assert_str_eq(p->source, "203.0.113.5");
	cr_assert_str_eq(p->helo, "mail1.example.com");
	cr_assert_str_eq(p->mail_from, "probe@example.com");
	cr_assert_str_eq(p->header_from, "news@example.com");
	cr_assert_eq(p->line, 3);
	cr_assert_eq(p->nrcpts, 2);
	cr_assert_str_eq(p->rcpts[0].profile, "gmail");
	cr_assert_str_eq(p->rcpts[0].address, "example.probe@gmail.com");
	cr_assert_str_eq(p->rcpts[1].profile, "yahoo");
	p = &c.paths[1];
	cr_assert_str_eq(p->name, "Relay-2.v6_b");
	cr_assert_str_eq(p->source, "2001:db8::25");
	cr_assert_str_eq(p->helo, "", "no helo: the host's name is used");
	cr_assert_str_eq(p->header_from, "", "no header_from: mail_from");
	cr_assert_eq(p->line, 11);
	cr_assert_eq(p->nrcpts, 3);
	cr_assert_str_eq(p->rcpts[2].profile, "generic");
	cr_assert_str_eq(p->rcpts[2].address, "postmaster@example.org");
}

Test(probe_config, finds_a_path_by_name_and_its_mailbox_by_profile)
{
	const struct probe_config_path *p;

	assert_loads(load_text(good));
	p = probe_config_find(&c, "Relay-2.v6_b");
	cr_assert_eq(p, &c.paths[1]);
	cr_assert_str_eq(probe_config_rcpt(p, "icloud"), "p@icloud.com");
	cr_assert_null(probe_config_rcpt(p, "gmail"));
	cr_assert_null(probe_config_rcpt(p, "icloud2"));
	cr_assert_null(probe_config_find(&c, "MAIL1"), "names are exact");
	cr_assert_null(probe_config_find(&c, "mail"));
	p = probe_config_find(&c, "mail1");
	cr_assert_str_eq(probe_config_rcpt(p, "yahoo"),
	    "example.probe@yahoo.com");
}

Test(probe_config, a_path_needs_only_a_name_and_a_sender)
{
	assert_loads(load_text("paths:\n- name: a\n  mail_from: a@b\n"));
	cr_assert_eq(c.npaths, 1);
	cr_assert_str_eq(c.paths[0].source, "");
	cr_assert_str_eq(c.paths[0].helo, "");
	cr_assert_str_eq(c.paths[0].header_from, "");
	cr_assert_eq(c.paths[0].nrcpts, 0);
	cr_assert_eq(c.paths[0].line, 2);
}

Test(probe_config, an_empty_optional_value_is_the_same_as_none)
{
	assert_loads(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    source:\n    helo: ~\n    header_from: \"\"\n"
	    "    recipients: null\n"));
	cr_assert_str_eq(c.paths[0].source, "");
	cr_assert_str_eq(c.paths[0].helo, "");
	cr_assert_str_eq(c.paths[0].header_from, "");
	cr_assert_eq(c.paths[0].nrcpts, 0);
}

Test(probe_config, an_empty_file_or_an_empty_list_has_no_paths)
{
	static const char *const empty[] = { "", "# nothing yet\n", "---\n",
	    "paths:\n", "paths: []\n", "paths: ~\n" };
	size_t i;

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_loads(load_text(empty[i]));
		cr_assert_eq(c.npaths, 0, "%s", empty[i]);
		cr_assert_null(c.paths);
		cr_assert_str_eq(c.file, path);
	}
}

Test(probe_config, a_later_load_forgets_the_earlier_config)
{
	assert_loads(load_text(good));
	assert_loads(load_text("paths:\n  - name: x\n    mail_from: x@y\n"));
	cr_assert_eq(c.npaths, 1);
	cr_assert_null(probe_config_find(&c, "mail1"));
}

Test(probe_config, free_is_safe_on_a_zeroed_or_freed_config)
{
	struct probe_config z;

	memset(&z, 0, sizeof(z));
	probe_config_free(&z);
	assert_loads(load_text(good));
	probe_config_free(&c);
	cr_assert_null(c.paths);
	cr_assert_eq(c.npaths, 0);
	cr_assert_str_eq(c.file, "");
	probe_config_free(&c);
}

/* --- unknown keys --- */

Test(probe_config, an_unknown_key_of_a_path_names_the_key_it_was_meant_to_be)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_form: a@b\n"),
	    3, 5, "unknown key \"mail_form\" (did you mean \"mail_from\"?)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipient:\n      gmail: a@gmail.com\n"), 4, 5,
	    "unknown key \"recipient\" (did you mean \"recipients\"?)");
	assert_error_at(load_text("paths:\n  - name: a\n    hello: x\n"), 3, 5,
	    "unknown key \"hello\" (did you mean \"helo\"?)");
	assert_error_at(load_text("paths:\n  - name: a\n    colour: blue\n"),
	    3, 5, "unknown key \"colour\"");
}

Test(probe_config, an_unknown_top_level_key_is_refused_with_a_suggestion)
{
	assert_error_at(load_text("path:\n  - name: a\n"), 1, 1,
	    "unknown key \"path\" (did you mean \"paths\"?)");
	assert_error_at(load_text("paths: []\ndefaults:\n  helo: x\n"), 2, 1,
	    "unknown key \"defaults\"");
}

Test(probe_config, a_key_given_twice_is_refused)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    name: b\n"), 4, 5, "duplicate key \"name\"");
	assert_error_at(load_text("paths: []\npaths: []\n"), 2, 1,
	    "duplicate key \"paths\"");
}

/* --- the shape of the file --- */

Test(probe_config, the_file_is_a_mapping_and_paths_a_list_of_mappings)
{
	assert_error_at(load_text("- name: a\n"), 1, 1,
	    "expected a mapping of keys to values");
	assert_error_at(load_text("paths:\n  name: a\n"), 2, 3,
	    "\"paths\" must be a list of paths (- name: ...)");
	assert_error_at(load_text("paths: mail1\n"), 1, 8,
	    "\"paths\" must be a list of paths (- name: ...)");
	assert_error_at(load_text("paths:\n  - mail1\n"), 2, 5,
	    "each item of \"paths\" must be a mapping (name: ..., "
	    "mail_from: ...)");
	assert_error_at(load_text("paths:\n  - name: [a, b]\n"), 2, 11,
	    "\"name\" takes one text value, not a list or a mapping");
}

Test(probe_config, yaml_errors_keep_their_file_line_and_column)
{
	assert_error_at(load_text("paths:\n  - name: &n a\n"), 2, 11,
	    "anchors and tags are not supported");
	assert_error_at(load_text("paths:\n  - name: a\n   mail_from: b\n"), 3,
	    4, "did not find expected '-' indicator");
}

Test(probe_config, a_file_that_does_not_exist_says_so_in_the_system_s_words)
{
	char want[sizeof(err)];

	cr_assert_eq(load("/nonexistent/smtpprobe.yaml"), -1);
	(void)snprintf(want, sizeof(want), "/nonexistent/smtpprobe.yaml: %s",
	    strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

/* --- name --- */

Test(probe_config, a_path_without_a_name_is_refused_where_it_starts)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "  - mail_from: b@c\n    helo: h\n"), 4, 5,
	    "a path needs a \"name\"");
}

Test(probe_config, a_name_given_twice_is_refused_with_the_first_place)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "  - name: b\n    mail_from: a@b\n"
	    "  - mail_from: a@b\n    name: a\n"), 7, 11,
	    "duplicate path name \"a\" (first at line 2)");
}

Test(probe_config, a_name_holds_letters_digits_dot_dash_and_underscore)
{
	static const char *const bad[] = { "\"\"", "a b", "a/b", "caf\xc3\xa9",
	    "a:b", "\"a\\nb\"", "~" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: %s\n"
		    "    mail_from: a@b\n", bad[i]);	/* 128 holds all */
		assert_error_at(load_text(text), 2, 11, "\"name\" must be 1 to "
		    "63 letters, digits, '.', '_' or '-'");
	}
}

Test(probe_config, a_name_takes_up_to_63_characters)
{
	free(gen);
	gen = malloc(GEN_MAX);
	cr_assert_not_null(gen);
	(void)snprintf(gen, GEN_MAX, "paths:\n  - name: %0*d\n"
	    "    mail_from: a@b\n", PROBE_CONFIG_NAME_MAX - 2, 0);
	assert_loads(load_text(gen));
	(void)snprintf(gen, GEN_MAX, "paths:\n  - name: %0*d\n"
	    "    mail_from: a@b\n", PROBE_CONFIG_NAME_MAX - 1, 0);
	assert_loads(load_text(gen));
	cr_assert_eq(strlen(c.paths[0].name), PROBE_CONFIG_NAME_MAX - 1);
	(void)snprintf(gen, GEN_MAX, "paths:\n  - name: %0*d\n"
	    "    mail_from: a@b\n", PROBE_CONFIG_NAME_MAX, 0);
	assert_error_at(load_text(gen), 2, 11,
	    "\"name\" must be 1 to 63 letters, digits, '.', '_' or '-'");
}

/* --- addresses --- */

Test(probe_config, a_path_without_a_sender_is_refused_and_told_why)
{
	assert_error_at(load_text("paths:\n  - name: a\n    helo: h\n"), 2, 5,
	    "a path needs \"mail_from\", the envelope sender: an address "
	    "with an @ (the null sender <> is not supported)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from:\n"), 3,
	    15, "\"mail_from\" is empty: give an address with an @");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: \"\"\n"),
	    3, 16, "\"mail_from\" is empty: give an address with an @");
	assert_error_at(load_text("paths:\n  - name: a\n"
	    "    mail_from: \"<>\"\n"), 3, 16, "\"mail_from\" holds a "
	    "space, a control character, < or >: give the bare address, "
	    "like probe@example.com");
}

Test(probe_config, an_address_needs_an_at_with_text_on_both_sides)
{
	static const char *const bad[] = { "probe", "@example.com",
	    "probe@", "example.com" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: \"%s\"\n", bad[i]);	/* 128 holds all */
		assert_error_at(load_text(text), 3, 16, "\"mail_from\" must be "
		    "an address with an @, like probe@example.com");
	}
	assert_loads(load_text("paths:\n  - name: a\n"
	    "    mail_from: \"\\\"odd@local\\\"@example.com\"\n"));
}

Test(probe_config, an_internationalised_address_in_utf8_loads)
{
	/* RFC 6531: sent only with SMTPUTF8, which the dialogue decides. */
	assert_loads(load_text("paths:\n  - name: a\n"
	    "    mail_from: j\xc3\xb6rg@b\xc3\xbc" "cher.example\n"));
}

Test(probe_config, an_address_with_a_space_cr_lf_or_brackets_is_refused)
{
	static const char *const bad[] = { "a b@example.com",
	    "a@example.com\\r\\nRCPT TO:<x@y>", "<a@example.com>",
	    "a@example.com\\t", "a@example.com\\n", "a>@b" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: a@b\n    header_from: \"%s\"\n", bad[i]);
		assert_error_at(load_text(text), 4, 18, "\"header_from\" holds "
		    "a space, a control character, < or >: give the bare "
		    "address, like probe@example.com");
	}
}

Test(probe_config, an_address_takes_up_to_256_characters)
{
	size_t room = PROBE_CONFIG_ADDR_MAX - 1 - strlen("@example.com");

	assert_loads(load_text(path_with("header_from", "", room - 1, 'a',
	    "@example.com")));
	assert_loads(load_text(path_with("header_from", "", room, 'a',
	    "@example.com")));
	cr_assert_eq(strlen(c.paths[0].header_from), PROBE_CONFIG_ADDR_MAX - 1);
	assert_error_at(load_text(path_with("header_from", "", room + 1, 'a',
	    "@example.com")), 4, 18, "\"header_from\" is longer than 256 "
	    "characters (RFC 5321 4.5.3.1.3)");
}

/* --- source and helo --- */

Test(probe_config, source_takes_an_ipv4_or_ipv6_address)
{
	static const char *const ok[] = { "192.0.2.1", "\"::1\"",
	    "2001:db8::5", "::ffff:192.0.2.1", "fe80::1" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: a@b\n    source: %s\n", ok[i]);
		assert_loads(load_text(text));
		cr_assert_neq(c.paths[0].source[0], '\0', "%s", ok[i]);
	}
}

Test(probe_config, source_refuses_what_is_not_an_address)
{
	static const char *const bad[] = { "300.1.1.1", "192.0.2", "mail1",
	    "192.0.2.1/24", "\"192.0.2.1 \"", "2001:db8::5::1", "fe80::1%eth0",
	    "localhost", "\"\\n\"" };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: a@b\n    source: %s\n", bad[i]);
		assert_error_at(load_text(text), 4, 13, "\"source\" must be an "
		    "IPv4 or IPv6 address, like 203.0.113.5 or 2001:db8::5");
	}
}

Test(probe_config, helo_is_one_word_of_up_to_255_characters)
{
	static const char *const bad[] = { "\"mail 1\"", "\"mail1\\r\\nQUIT\"",
	    "\"a\\tb\"" };
	const char *what = "\"helo\" must be a host name of at most 255 "
	    "characters, without spaces or control characters";
	char text[128];
	size_t i;

	assert_loads(load_text(path_with("helo", "", 254, 'h', "")));
	assert_loads(load_text(path_with("helo", "", 255, 'h', "")));
	cr_assert_eq(strlen(c.paths[0].helo), 255);
	assert_error_at(load_text(path_with("helo", "", 256, 'h', "")), 4, 11,
	    what);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: a@b\n    helo: %s\n", bad[i]);
		assert_error_at(load_text(text), 4, 11, what);
	}
	assert_loads(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    helo: \"[192.0.2.1]\"\n"));
	cr_assert_str_eq(c.paths[0].helo, "[192.0.2.1]");
}

/* --- recipients --- */

Test(probe_config, recipients_map_profile_names_to_addresses)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      - gmail: x@gmail.com\n"), 5, 7,
	    "\"recipients\" must be a mapping of profile names to addresses "
	    "(gmail: you@gmail.com)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients: x@gmail.com\n"), 4, 17,
	    "\"recipients\" must be a mapping of profile names to addresses "
	    "(gmail: you@gmail.com)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      gmail: [x@gmail.com]\n"), 5, 14,
	    "the recipient for \"gmail\" takes one address, not a list or a "
	    "mapping");
}

Test(probe_config, a_recipient_key_must_look_like_a_profile_name)
{
	static const char *const bad[] = { "Gmail", "g mail", "gmail.com",
	    "\"\"", "\"a\\nb\"" };
	char text[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "paths:\n  - name: a\n"
		    "    mail_from: a@b\n    recipients:\n      %s: x@y\n",
		    bad[i]);	/* 160 holds every case */
		assert_error_at(load_text(text), 5, 7, "a key of "
		    "\"recipients\" is a profile name: 1 to 63 of a-z, 0-9, "
		    "'_' and '-' (like gmail)");
	}
	assert_loads(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      my_corp-2: x@y\n"));
}

Test(probe_config, a_recipient_address_is_checked_like_any_address)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      gmail: example.gmail.com\n"), 5, 14,
	    "the recipient for \"gmail\" must be an address with an @, like "
	    "probe@example.com");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      yahoo:\n"), 5, 13,
	    "the recipient for \"yahoo\" is empty: give an address with an @");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      yahoo: \"<x@yahoo.com>\"\n"), 5, 14,
	    "the recipient for \"yahoo\" holds a space, a control character, "
	    "< or >: give the bare address, like probe@example.com");
}

Test(probe_config, a_profile_given_twice_in_recipients_is_refused)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    recipients:\n      gmail: x@gmail.com\n"
	    "      yahoo: x@yahoo.com\n      gmail: y@gmail.com\n"), 7, 7,
	    "duplicate recipient for profile \"gmail\"");
}

Test(probe_config, a_path_takes_up_to_16_recipients)
{
	assert_loads(load_text(n_rcpts(PROBE_CONFIG_RCPTS_MAX - 1)));
	cr_assert_eq(c.paths[0].nrcpts, PROBE_CONFIG_RCPTS_MAX - 1);
	assert_loads(load_text(n_rcpts(PROBE_CONFIG_RCPTS_MAX)));
	cr_assert_eq(c.paths[0].nrcpts, PROBE_CONFIG_RCPTS_MAX);
	cr_assert_str_eq(probe_config_rcpt(&c.paths[0], "r15"),
	    "me@r15.example");
	assert_error_at(load_text(n_rcpts(PROBE_CONFIG_RCPTS_MAX + 1)),
	    5 + PROBE_CONFIG_RCPTS_MAX, 7, "more than 16 recipients in one "
	    "path");
}

/* --- how many paths --- */

Test(probe_config, a_file_takes_up_to_1000_paths)
{
	char name[32];

	assert_loads(load_text(n_paths(PROBE_CONFIG_PATHS_MAX - 1)));
	cr_assert_eq(c.npaths, PROBE_CONFIG_PATHS_MAX - 1);
	assert_loads(load_text(n_paths(PROBE_CONFIG_PATHS_MAX)));
	cr_assert_eq(c.npaths, PROBE_CONFIG_PATHS_MAX);
	(void)snprintf(name, sizeof(name), "p%d", PROBE_CONFIG_PATHS_MAX - 1);
	cr_assert_eq(probe_config_find(&c, name),
	    &c.paths[PROBE_CONFIG_PATHS_MAX - 1]);
	cr_assert_eq(c.paths[PROBE_CONFIG_PATHS_MAX - 1].line,
	    2 + 2 * (PROBE_CONFIG_PATHS_MAX - 1));
	/* The refusal points at the first path too many. */
	assert_error_at(load_text(n_paths(PROBE_CONFIG_PATHS_MAX + 1)),
	    2 + 2 * PROBE_CONFIG_PATHS_MAX, 5, "more than 1000 paths");
}

/* --- the default places --- */

/* HOME is the test's folder; /etc must not hold a config of its own. */
static void
use_temp_home(void)
{
	if (access(PROBE_CONFIG_ETC, F_OK) == 0) {
		config_teardown();	/* a skipped test gets no fini */
		cr_skip_test("%s exists on this host", PROBE_CONFIG_ETC);
	}
	cr_assert_eq(setenv("HOME", dir.path, 1), 0);
}

/* Write text to $HOME/.config/smtpprobe/smtpprobe.yaml. */
static void
write_user_file(const char *text)
{
	FILE *fp;
	int k;

	cr_assert_not_null(tmp_dir_path(&dir, ".config", home_dirs[0],
	    sizeof(home_dirs[0])));
	cr_assert_eq(mkdir(home_dirs[0], 0700), 0, "%s", strerror(errno));
	k = snprintf(home_dirs[1], sizeof(home_dirs[1]), "%s/smtpprobe",
	    home_dirs[0]);
	cr_assert(k > 0 && (size_t)k < sizeof(home_dirs[1]));
	cr_assert_eq(mkdir(home_dirs[1], 0700), 0, "%s", strerror(errno));
	k = snprintf(home_file, sizeof(home_file), "%s/%s", dir.path,
	    PROBE_CONFIG_USER);
	cr_assert(k > 0 && (size_t)k < sizeof(home_file));
	fp = fopen(home_file, "w");
	cr_assert_not_null(fp, "%s: %s", home_file, strerror(errno));
	cr_assert(fputs(text, fp) >= 0);
	cr_assert_eq(fclose(fp), 0);
}

Test(probe_config, no_file_in_the_default_places_is_an_empty_config)
{
	use_temp_home();
	assert_loads(load(NULL));
	cr_assert_eq(c.npaths, 0);
	cr_assert_null(c.paths);
	cr_assert_str_eq(c.file, "", "no file was read");
}

Test(probe_config, without_home_only_etc_is_looked_at)
{
	use_temp_home();
	cr_assert_eq(unsetenv("HOME"), 0);
	assert_loads(load(NULL));
	cr_assert_eq(c.npaths, 0);
	cr_assert_str_eq(c.file, "");
	cr_assert_eq(setenv("HOME", "", 1), 0);
	assert_loads(load(NULL));
	cr_assert_str_eq(c.file, "");
}

Test(probe_config, the_user_file_is_read_from_home)
{
	use_temp_home();
	write_user_file("paths:\n  - name: home\n    mail_from: me@home\n");
	assert_loads(load(NULL));
	cr_assert_str_eq(c.file, home_file);
	cr_assert_eq(c.npaths, 1);
	cr_assert_str_eq(c.paths[0].name, "home");
}

Test(probe_config, an_error_in_the_user_file_names_that_file)
{
	const char *what = ":3:16: \"mail_from\" must be an address with an "
	    "@, like probe@example.com";

	use_temp_home();
	write_user_file("paths:\n  - name: home\n    mail_from: me\n");
	cr_assert_eq(load(NULL), -1);
	cr_assert_eq(strncmp(err, home_file, strlen(home_file)), 0, "%s",
	    err);
	cr_assert_str_eq(err + strlen(home_file), what);
}

Test(probe_config, a_home_too_long_for_a_path_is_an_error)
{
	use_temp_home();
	free(gen);
	gen = malloc(PATH_MAX + 1);
	cr_assert_not_null(gen);
	memset(gen, 'h', PATH_MAX);
	gen[0] = '/';
	gen[PATH_MAX] = '\0';
	cr_assert_eq(setenv("HOME", gen, 1), 0);
	cr_assert_eq(load(NULL), -1);
	cr_assert_str_eq(err, "$HOME/.config/smtpprobe/smtpprobe.yaml: path "
	    "too long");
}

Test(probe_config, a_path_may_name_a_relay_with_its_user_and_password_file)
{
	assert_loads(load_text("paths:\n  - name: ws\n    mail_from: a@b\n"
	    "    relay: smtp-relay.gmail.com:587\n    auth_user: a@b\n"
	    "    auth_password_file: /etc/smtpprobe/ws.pw\n"));
	cr_assert_str_eq(c.paths[0].relay, "smtp-relay.gmail.com");
	cr_assert_eq(c.paths[0].relay_port, 587);
	cr_assert_str_eq(c.paths[0].auth_user, "a@b");
	cr_assert_str_eq(c.paths[0].auth_password_file,
	    "/etc/smtpprobe/ws.pw");
	assert_loads(load_text("paths:\n  - name: ws\n    mail_from: a@b\n"
	    "    relay: smtp.example.net\n"));
	cr_assert_eq(c.paths[0].relay_port, 0);
}

Test(probe_config, a_relay_excludes_a_source_and_a_user_needs_a_relay)
{
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    source: 192.0.2.1\n    relay: smtp.example.net\n"), 5, 12,
	    "a path names a relay or a source address, not both (the relay "
	    "path cannot bind one)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    relay: smtp.example.net:99999\n"), 4, 12,
	    "\"relay\" must be HOST or HOST:PORT (IPv4 or a name)");
	assert_error_at(load_text("paths:\n  - name: a\n    mail_from: a@b\n"
	    "    auth_user: a@b\n"), 2, 5, "\"auth_user\" needs \"relay\"");
}

/* --- DKIM signing per path --- */

Test(probe_config, reads_a_paths_dkim_key_selector_and_domain)
{
	assert_loads(load_text("paths:\n"
	    "  - name: news1\n"
	    "    mail_from: bounces@news.example.com\n"
	    "    dkim_key: /etc/dkimkeys/s1.private\n"
	    "    dkim_selector: s1\n"
	    "    dkim_domain: news.example.com\n"));
	cr_assert_str_eq(c.paths[0].dkim_key, "/etc/dkimkeys/s1.private");
	cr_assert_str_eq(c.paths[0].dkim_selector, "s1");
	cr_assert_str_eq(c.paths[0].dkim_domain, "news.example.com");
}

Test(probe_config, refuses_a_dkim_key_without_a_selector)
{
	cr_assert_eq(load_text("paths:\n"
	    "  - name: news1\n"
	    "    mail_from: bounces@news.example.com\n"
	    "    dkim_key: /etc/dkimkeys/s1.private\n"), -1);
	cr_assert_not_null(strstr(err, "\"dkim_key\" needs \"dkim_selector\""),
	    "%s", err);
	cr_assert_not_null(strstr(err, ":2:"), "names the path's line: %s",
	    err);
}

/*
 * Bytes that libyaml's reader refuses (a control character, a NUL,
 * invalid UTF-8) are found ahead of the parser; the error names where
 * they are, not the start of the file.
 */
Test(probe_config, a_reader_error_is_located_where_the_bad_byte_is)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		unsigned long	 line, col;
	} cases[] = {
		{ "paths:\n  - name: p\n    to: a\x01@b.test\n", 36, 3, 10 },
		{ "paths:\n  - name: p\n    to: a\0@b.test\n", 36, 3, 10 },
		{ "paths:\n  - name: p\n    to: \xff@b.test\n", 35, 3, 9 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = tmp_dir_write(&dir, "c.yaml", cases[i].bytes,
		    cases[i].len);
		cr_assert_not_null(path);
		located_err_says(load(path), err, path, cases[i].line,
		    cases[i].col, "");
	}
}
