/*
 * test_probe_profile - provider profiles: every field of a good file
 * (the shipped profiles/gmail.yaml and hand-written ones), the defaults
 * of an empty file, how a name is told from a path and looked up, and
 * the one-line "FILE:LINE:COL: what" refusal of each bad value, with
 * the nearest known key for a typo. Text and list limits are tested at
 * N-1, N and N+1, the politeness numbers at both ends of their range.
 * Every shipped profile loads and knows its own provider's MX hosts.
 *
 * Files are written into a fresh mkdtemp directory (tests/support/
 * tmp_dir). Looking "gmail" up by name finds the source tree's profiles/
 * from the test binary's own place (build/<dir>/unit, two levels down),
 * the way a smtpprobe built in the tree finds it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/config/probe_profile.h"
#include "smtp/smtp_dialog.h"
#include "smtp/smtp_stage.h"
#include "tests/support/tmp_dir.h"
#include "tests/support/located_err.h"

#define GMAIL_YAML	SRCDIR "/profiles/gmail.yaml"
/* Room for a generated file: many keys or items of long text. */
#define GEN_MAX		(64 * 1024)

/* One test's state; fini frees it even when an assertion failed. */
static struct tmp_dir dir;
static struct probe_profile p;
static char err[PROBE_PROFILE_ERR_MAX];
static const char *path;
static char *gen;

static void
profile_setup(void)
{
	cr_assert(tmp_dir_make(&dir), "mkdtemp: %s", strerror(errno));
	memset(&p, 0, sizeof(p));
	err[0] = '\0';
	path = NULL;
	gen = NULL;
}

static void
profile_teardown(void)
{
	tmp_dir_remove(&dir);
	free(gen);
	gen = NULL;
}

TestSuite(probe_profile, .init = profile_setup, .fini = profile_teardown);

static int
load(const char *name_or_path)
{
	err[0] = '\0';
	return probe_profile_load(name_or_path, &p, err, sizeof(err));
}

/* Write text to p.yaml and load it by path. */
static int
load_text(const char *text)
{
	path = tmp_dir_write(&dir, "p.yaml", text, strlen(text));
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

/* "key: " then n copies of c. */
static const char *
key_with_text(const char *key, size_t n, char c)
{
	size_t k = strlen(key);

	free(gen);
	gen = malloc(k + n + 4);
	cr_assert_not_null(gen);
	memcpy(gen, key, k);
	memcpy(gen + k, ": ", 2);
	memset(gen + k + 2, c, n);
	memcpy(gen + k + 2 + n, "\n", 2);
	return gen;
}

/* "key:" then n list items "- <prefix><i>", each padded to width. */
static const char *
key_with_items(const char *key, size_t n, size_t width)
{
	size_t i, len;
	int k;

	free(gen);
	gen = malloc(GEN_MAX);
	cr_assert_not_null(gen);
	k = snprintf(gen, GEN_MAX, "%s:\n", key);
	cr_assert_gt(k, 0);
	len = (size_t)k;
	for (i = 0; i < n; i++) {
		k = snprintf(gen + len, GEN_MAX - len, "  - i%0*zu\n",
		    (int)(width > 1 ? width - 1 : 1), i);
		cr_assert(k > 0 && (size_t)k < GEN_MAX - len);
		len += (size_t)k;
	}
	return gen;
}

/* --- good profiles --- */

Test(probe_profile, loads_every_field_of_the_shipped_gmail_profile)
{
	assert_loads(load(GMAIL_YAML));
	cr_assert_str_eq(p.name, "gmail");
	cr_assert_str_eq(p.provider, "google");
	cr_assert_str_eq(p.description,
	    "Gmail and Google Workspace inbound MX");
	cr_assert_str_eq(p.path, GMAIL_YAML);
	cr_assert_eq(p.port, 25);
	cr_assert(p.has_starttls);
	cr_assert_eq(p.starttls, SMTP_STARTTLS_REQUIRED);
	cr_assert(p.has_tls_verify);
	cr_assert_eq(p.tls_verify, SMTP_TLS_VERIFY_REPORT);
	cr_assert_not(p.has_quit_after, "quit_after: none");
	cr_assert_eq(p.nmx_patterns, 2);
	cr_assert_str_eq(p.mx_patterns[0], "*.google.com");
	cr_assert_str_eq(p.mx_patterns[1], "*.googlemail.com");
	cr_assert_eq(p.max_connections, 2);
	cr_assert_eq(p.min_interval, 1);
	cr_assert_eq(p.ncatalogs, 3);
	cr_assert_str_eq(p.catalogs[0], "google");
	cr_assert_str_eq(p.catalogs[1], "generic");
	cr_assert_str_eq(p.catalogs[2], "local");
}

/*
 * True when the test binary sits two levels under a tree with
 * profiles/gmail.yaml (build/<dir>/unit), where a name lookup finds it.
 */
static bool
is_built_in_a_tree(void)
{
	char exe[PATH_MAX], want[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	(void)snprintf(want, sizeof(want), "%s/../../profiles/gmail.yaml",
	    exe);	/* a cut path just fails the access() below */
	return access(want, R_OK) == 0;
}

Test(probe_profile, finds_gmail_by_name_in_the_source_tree)
{
	const char *tail = "/profiles/gmail.yaml";

	if (!is_built_in_a_tree()) {
		profile_teardown();	/* a skipped test gets no fini */
		cr_skip_test("the test binary is not built under the tree");
	}
	assert_loads(load("gmail"));
	cr_assert_str_eq(p.name, "gmail");
	cr_assert_geq(strlen(p.path), strlen(tail));
	cr_assert_str_eq(p.path + strlen(p.path) - strlen(tail), tail,
	    "found %s", p.path);
	cr_assert_eq(p.starttls, SMTP_STARTTLS_REQUIRED);
}

Test(probe_profile, loads_every_field_of_a_hand_written_profile)
{
	assert_loads(load_text(
	    "name: corp\n"
	    "provider: example\n"
	    "description: \"Corp relay: port 2525, no TLS\"\n"
	    "port: 2525\n"
	    "starttls: off\n"
	    "tls_verify: require\n"
	    "quit_after: rcpt\n"
	    "mx_patterns: [\"mx?.corp.example\", \"*.corp.example\"]\n"
	    "catalogs:\n"
	    "  - generic\n"));
	cr_assert_str_eq(p.name, "corp");
	cr_assert_str_eq(p.provider, "example");
	cr_assert_str_eq(p.description, "Corp relay: port 2525, no TLS");
	cr_assert_str_eq(p.path, path);
	cr_assert_eq(p.port, 2525);
	cr_assert(p.has_starttls);
	cr_assert_eq(p.starttls, SMTP_STARTTLS_OFF);
	cr_assert(p.has_tls_verify);
	cr_assert_eq(p.tls_verify, SMTP_TLS_VERIFY_REQUIRE);
	cr_assert(p.has_quit_after);
	cr_assert_eq(p.quit_after, SMTP_STAGE_RCPT);
	cr_assert_eq(p.nmx_patterns, 2);
	cr_assert_str_eq(p.mx_patterns[1], "*.corp.example");
	cr_assert_eq(p.ncatalogs, 1);
	cr_assert_str_eq(p.catalogs[0], "generic");
}

Test(probe_profile, an_empty_file_loads_with_every_default)
{
	assert_loads(load_text(""));
	cr_assert_str_eq(p.name, path, "with no name, the name is the path");
	cr_assert_eq(p.port, 0, "0 means 25");
	cr_assert_not(p.has_starttls);
	cr_assert_not(p.has_tls_verify);
	cr_assert_not(p.has_quit_after);
	cr_assert_eq(p.nmx_patterns, 0);
	cr_assert_eq(p.ncatalogs, 0);
	cr_assert_str_eq(p.provider, "");
	cr_assert_eq(p.max_connections, PROBE_PROFILE_CONNECTIONS_DEFAULT);
	cr_assert_eq(p.max_connections, 2);
	cr_assert_eq(p.min_interval, PROBE_PROFILE_INTERVAL_DEFAULT);
	cr_assert_eq(p.min_interval, 1);
}

Test(probe_profile, a_later_load_forgets_the_earlier_profile)
{
	assert_loads(load_text("port: 2525\nstarttls: off\n"));
	assert_loads(load_text("name: plain\n"));
	cr_assert_eq(p.port, 0);
	cr_assert_not(p.has_starttls);
	cr_assert_str_eq(p.name, "plain");
}

/* --- unknown keys --- */

Test(probe_profile, an_unknown_key_names_the_key_it_was_meant_to_be)
{
	assert_error_at(load_text("name: x\nport: 25\nprot: 26\n"), 3, 1,
	    "unknown key \"prot\" (did you mean \"port\"?)");
	assert_error_at(load_text("  startls: off\n"), 1, 3,
	    "unknown key \"startls\" (did you mean \"starttls\"?)");
	assert_error_at(load_text("tls-verify: report\n"), 1, 1,
	    "unknown key \"tls-verify\" (did you mean \"tls_verify\"?)");
}

Test(probe_profile, an_unrelated_unknown_key_gets_no_suggestion)
{
	assert_error_at(load_text("colour: blue\n"), 1, 1,
	    "unknown key \"colour\"");
}

/* --- port --- */

Test(probe_profile, port_takes_1_and_65535)
{
	assert_loads(load_text("port: 1\n"));
	cr_assert_eq(p.port, 1);
	assert_loads(load_text("port: 65535\n"));
	cr_assert_eq(p.port, 65535);
	assert_loads(load_text("port: \"587\"\n"));
	cr_assert_eq(p.port, 587);
}

Test(probe_profile, port_refuses_0_65536_and_what_is_not_a_number)
{
	static const char *const bad[] = { "0", "65536", "99999", "abc",
	    "-1", "+25", "25x", "0x19", "\"\"", "1e3", "25.0",
	    "18446744073709551641" };
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "name: x\nport: %s\n",
		    bad[i]);	/* 64 holds every case */
		assert_error_at(load_text(text), 2, 1,
		    "port must be a number from 1 to 65535");
	}
}

Test(probe_profile, a_list_where_one_value_is_expected_is_refused)
{
	assert_error_at(load_text("port: [25, 587]\n"), 1, 1,
	    "\"port\" takes one value, not a list");
	assert_error_at(load_text("starttls:\n  - off\n"), 1, 1,
	    "\"starttls\" takes one value, not a list");
	assert_error_at(load_text("quit_after: [rcpt]\n"), 1, 1,
	    "\"quit_after\" takes one value, not a list");
	assert_error_at(load_text("name: [a, b]\n"), 1, 1,
	    "\"name\" takes one line of at most 63 characters");
}

Test(probe_profile, an_empty_list_is_refused_as_empty)
{
	assert_error_at(load_text("port: []\n"), 1, 1, "\"port\" is empty");
}

/* --- politeness --- */

Test(probe_profile, max_connections_takes_1_to_100)
{
	assert_loads(load_text("max_connections: 1\n"));
	cr_assert_eq(p.max_connections, 1);
	assert_loads(load_text("max_connections: 2\n"));
	cr_assert_eq(p.max_connections, 2);
	assert_loads(load_text("max_connections: 99\n"));
	cr_assert_eq(p.max_connections, 99);
	assert_loads(load_text("max_connections: 100\n"));
	cr_assert_eq(p.max_connections, PROBE_PROFILE_CONNECTIONS_MAX);
}

Test(probe_profile, max_connections_refuses_0_101_and_what_is_not_a_number)
{
	static const char *const bad[] = { "0", "101", "1000", "-1", "+2",
	    "2.0", "two", "\"\"", "18446744073709551617" };
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "name: x\nmax_connections: "
		    "%s\n", bad[i]);	/* 64 holds every case */
		assert_error_at(load_text(text), 2, 1,
		    "max_connections must be a number from 1 to 100");
	}
}

Test(probe_profile, min_interval_takes_0_to_3600_seconds)
{
	assert_loads(load_text("min_interval: 0\n"));
	cr_assert_eq(p.min_interval, 0);
	assert_loads(load_text("min_interval: 1\n"));
	cr_assert_eq(p.min_interval, 1);
	assert_loads(load_text("min_interval: 3599\n"));
	cr_assert_eq(p.min_interval, 3599);
	assert_loads(load_text("min_interval: 3600\n"));
	cr_assert_eq(p.min_interval, PROBE_PROFILE_INTERVAL_MAX);
}

Test(probe_profile, min_interval_refuses_3601_fractions_and_units)
{
	static const char *const bad[] = { "3601", "86400", "-1", "0.5",
	    "1s", "1m", "\"\"", "18446744073709551617" };
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "min_interval: %s\n",
		    bad[i]);	/* 64 holds every case */
		assert_error_at(load_text(text), 1, 1,
		    "min_interval must be seconds from 0 to 3600");
	}
}

Test(probe_profile, politeness_takes_one_value_and_suggests_its_keys)
{
	assert_error_at(load_text("max_connections: [1, 2]\n"), 1, 1,
	    "\"max_connections\" takes one value, not a list");
	assert_error_at(load_text("min_interval:\n  - 1\n"), 1, 1,
	    "\"min_interval\" takes one value, not a list");
	assert_error_at(load_text("max_connection: 2\n"), 1, 1,
	    "unknown key \"max_connection\" (did you mean "
	    "\"max_connections\"?)");
	assert_error_at(load_text("min-interval: 2\n"), 1, 1,
	    "unknown key \"min-interval\" (did you mean \"min_interval\"?)");
}

/* --- MX patterns --- */

Test(probe_profile, mx_matches_a_gmail_mx_whatever_its_case_or_final_dot)
{
	assert_loads(load(GMAIL_YAML));
	cr_assert(probe_profile_mx_matches(&p, "gmail-smtp-in.l.google.com"));
	cr_assert(probe_profile_mx_matches(&p,
	    "alt4.gmail-smtp-in.l.google.com"));
	cr_assert(probe_profile_mx_matches(&p, "aspmx.l.google.com"));
	cr_assert(probe_profile_mx_matches(&p, "smtp.google.com"));
	cr_assert(probe_profile_mx_matches(&p, "ALT1.ASPMX.L.Google.COM"));
	cr_assert(probe_profile_mx_matches(&p, "aspmx.l.google.com."));
	cr_assert(probe_profile_mx_matches(&p, "gmr-mx.googlemail.com"));
}

Test(probe_profile, mx_does_not_match_another_provider_or_a_lookalike)
{
	assert_loads(load(GMAIL_YAML));
	cr_assert_not(probe_profile_mx_matches(&p, "mta5.am0.yahoodns.net"));
	cr_assert_not(probe_profile_mx_matches(&p, "google.com"),
	    "\"*.google.com\" needs a label before google.com");
	cr_assert_not(probe_profile_mx_matches(&p,
	    "aspmx.l.google.com.evil.example"));
	cr_assert_not(probe_profile_mx_matches(&p, "evilgoogle.com"));
	cr_assert_not(probe_profile_mx_matches(&p, "mx.google.com.."));
	cr_assert_not(probe_profile_mx_matches(&p, ""));
	cr_assert_not(probe_profile_mx_matches(&p, "."));
}

Test(probe_profile, mx_patterns_are_globs)
{
	assert_loads(load_text("mx_patterns: [\"mx?.corp.example\", "
	    "\"relay[0-9].corp.example\"]\n"));
	cr_assert(probe_profile_mx_matches(&p, "mx1.corp.example"));
	cr_assert(probe_profile_mx_matches(&p, "MXa.Corp.Example."));
	cr_assert_not(probe_profile_mx_matches(&p, "mx10.corp.example"));
	cr_assert(probe_profile_mx_matches(&p, "relay7.corp.example"));
	cr_assert_not(probe_profile_mx_matches(&p, "relayx.corp.example"));
	cr_assert_not(probe_profile_mx_matches(&p, "corp.example"));
}

Test(probe_profile, a_profile_without_mx_patterns_matches_any_mx)
{
	assert_loads(load_text("name: any\n"));
	cr_assert(probe_profile_mx_matches(&p, "mx.example.org"));
	cr_assert(probe_profile_mx_matches(&p, "gmail-smtp-in.l.google.com"));
	cr_assert(probe_profile_mx_matches(&p, ""));
}

Test(probe_profile, an_mx_name_longer_than_dns_allows_does_not_match)
{
	char host[PROBE_PROFILE_TEXT_MAX + 16];
	size_t n = PROBE_PROFILE_TEXT_MAX - 1 - strlen(".google.com");

	assert_loads(load(GMAIL_YAML));
	memset(host, 'a', n);
	memcpy(host + n, ".google.com", strlen(".google.com") + 1);
	cr_assert_eq(strlen(host), PROBE_PROFILE_TEXT_MAX - 1);
	cr_assert(probe_profile_mx_matches(&p, host));
	memmove(host + 1, host, strlen(host) + 1);
	cr_assert_not(probe_profile_mx_matches(&p, host));
}

/* --- the shipped profiles --- */

static const struct shipped {
	const char		*name;
	const char		*provider;	/* its catalog ranks first */
	enum smtp_starttls_mode	 starttls;
	int			 min_interval;
	size_t			 npatterns;
	const char		*its_mx;	/* NULL: any MX */
	const char		*other_mx;
} shipped[] = {
	{ "gmail", "google", SMTP_STARTTLS_REQUIRED, 1, 2,
	    "gmail-smtp-in.l.google.com", "mta6.am0.yahoodns.net" },
	{ "yahoo", "yahoo", SMTP_STARTTLS_REQUIRED, 1, 1,
	    "mta5.am0.yahoodns.net", "gmail-smtp-in.l.google.com" },
	{ "outlook", "microsoft", SMTP_STARTTLS_REQUIRED, 1, 3,
	    "hotmail-com.olc.protection.outlook.com", "mx01.mail.icloud.com" },
	{ "icloud", "apple", SMTP_STARTTLS_REQUIRED, 1, 1,
	    "mx01.mail.icloud.com", "outlook-com.olc.protection.outlook.com" },
	{ "generic", "generic", SMTP_STARTTLS_OPPORTUNISTIC, 0, 0, NULL,
	    NULL },
};

/* profiles/NAME.yaml of the source tree. */
static int
load_shipped(const char *name)
{
	char file[PATH_MAX];

	(void)snprintf(file, sizeof(file), SRCDIR "/profiles/%s.yaml",
	    name);	/* the tree's path and a short name fit */
	return load(file);
}

Test(probe_profile, every_shipped_profile_loads_with_its_provider_and_policy)
{
	size_t i;

	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		assert_loads(load_shipped(shipped[i].name));
		cr_assert_str_eq(p.name, shipped[i].name);
		cr_assert_str_eq(p.provider, shipped[i].provider);
		cr_assert_neq(p.description[0], '\0', "%s", p.name);
		cr_assert_eq(p.port, 25, "%s", p.name);
		cr_assert(p.has_starttls, "%s", p.name);
		cr_assert_eq(p.starttls, shipped[i].starttls, "%s", p.name);
		cr_assert(p.has_tls_verify, "%s", p.name);
		cr_assert_eq(p.tls_verify, SMTP_TLS_VERIFY_REPORT, "%s",
		    p.name);
		cr_assert_not(p.has_quit_after, "%s sends a whole message",
		    p.name);
		cr_assert_eq(p.max_connections, 2, "%s", p.name);
		cr_assert_eq(p.min_interval, shipped[i].min_interval, "%s",
		    p.name);
		cr_assert_eq(p.nmx_patterns, shipped[i].npatterns, "%s",
		    p.name);
	}
}

Test(probe_profile, every_shipped_profile_ranks_its_own_catalog_first)
{
	char file[PATH_MAX];
	size_t i, j;

	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		assert_loads(load_shipped(shipped[i].name));
		cr_assert_geq(p.ncatalogs, 2, "%s", p.name);
		cr_assert_str_eq(p.catalogs[0], p.provider, "%s", p.name);
		cr_assert_str_eq(p.catalogs[p.ncatalogs - 1], "local", "%s",
		    p.name);
		for (j = 0; j < p.ncatalogs; j++) {
			(void)snprintf(file, sizeof(file), SRCDIR
			    "/profiles/catalogs/%s.yaml", p.catalogs[j]);
			cr_assert_eq(access(file, R_OK), 0, "%s: no %s",
			    p.name, file);
		}
	}
}

Test(probe_profile, every_shipped_profile_knows_its_own_mx_hosts)
{
	size_t i;

	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		assert_loads(load_shipped(shipped[i].name));
		if (shipped[i].its_mx == NULL) {
			cr_assert(probe_profile_mx_matches(&p,
			    "mx.example.org"), "%s matches any MX", p.name);
			continue;
		}
		cr_assert(probe_profile_mx_matches(&p, shipped[i].its_mx),
		    "%s: %s", p.name, shipped[i].its_mx);
		cr_assert_not(probe_profile_mx_matches(&p,
		    shipped[i].other_mx), "%s: %s", p.name,
		    shipped[i].other_mx);
	}
}

Test(probe_profile, the_yahoo_profile_covers_aol_and_the_eu_domains)
{
	assert_loads(load_shipped("yahoo"));
	cr_assert(probe_profile_mx_matches(&p, "mx-aol.mail.gm0.yahoodns.net"));
	cr_assert(probe_profile_mx_matches(&p, "mx-eu.mail.am0.yahoodns.net"));
	cr_assert(probe_profile_mx_matches(&p, "mta7.am0.yahoodns.net."));
	cr_assert_not(probe_profile_mx_matches(&p, "yahoodns.net"));
}

Test(probe_profile, the_outlook_profile_covers_outlook_com_and_microsoft_365)
{
	assert_loads(load_shipped("outlook"));
	cr_assert(probe_profile_mx_matches(&p,
	    "outlook-com.olc.protection.outlook.com"));
	cr_assert(probe_profile_mx_matches(&p,
	    "eur.olc.protection.outlook.com"));
	cr_assert(probe_profile_mx_matches(&p,
	    "example-com.mail.protection.outlook.com"));
	cr_assert(probe_profile_mx_matches(&p,
	    "example-com.o-v1.mx.microsoft"));
	cr_assert_not(probe_profile_mx_matches(&p, "outlook.com"));
	cr_assert_not(probe_profile_mx_matches(&p,
	    "smtp.office365.com"), "a submission host, not an MX");
}

Test(probe_profile, the_icloud_profile_covers_both_mx_hosts)
{
	assert_loads(load_shipped("icloud"));
	cr_assert(probe_profile_mx_matches(&p, "mx01.mail.icloud.com"));
	cr_assert(probe_profile_mx_matches(&p, "MX02.mail.icloud.com"));
	cr_assert_not(probe_profile_mx_matches(&p, "icloud.com"));
	cr_assert_not(probe_profile_mx_matches(&p, "mx01.mail.me.com"));
}

/* --- the policy words --- */

Test(probe_profile, starttls_takes_its_three_words)
{
	assert_loads(load_text("starttls: required\n"));
	cr_assert_eq(p.starttls, SMTP_STARTTLS_REQUIRED);
	assert_loads(load_text("starttls: opportunistic\n"));
	cr_assert_eq(p.starttls, SMTP_STARTTLS_OPPORTUNISTIC);
	assert_loads(load_text("starttls: \"off\"\n"));
	cr_assert_eq(p.starttls, SMTP_STARTTLS_OFF);
	cr_assert(p.has_starttls);
}

Test(probe_profile, starttls_refuses_any_other_word)
{
	assert_error_at(load_text("name: x\nstarttls: yes\n"), 2, 1,
	    "starttls is required, opportunistic or off");
	assert_error_at(load_text("starttls: Required\n"), 1, 1,
	    "starttls is required, opportunistic or off");
	assert_error_at(load_text("starttls: require\n"), 1, 1,
	    "starttls is required, opportunistic or off");
}

Test(probe_profile, tls_verify_takes_require_or_report_only)
{
	assert_loads(load_text("tls_verify: require\n"));
	cr_assert_eq(p.tls_verify, SMTP_TLS_VERIFY_REQUIRE);
	assert_loads(load_text("tls_verify: report\n"));
	cr_assert_eq(p.tls_verify, SMTP_TLS_VERIFY_REPORT);
	assert_error_at(load_text("tls_verify: strict\n"), 1, 1,
	    "tls_verify is require or report");
}

Test(probe_profile, quit_after_takes_none_and_the_stages_worth_stopping_after)
{
	static const struct {
		const char	*word;
		enum smtp_stage	 stage;
	} ok[] = {
		{ "connect", SMTP_STAGE_CONNECT },
		{ "banner", SMTP_STAGE_BANNER },
		{ "ehlo", SMTP_STAGE_EHLO },
		{ "tls", SMTP_STAGE_TLS },
		{ "mail", SMTP_STAGE_MAIL },
		{ "rcpt", SMTP_STAGE_RCPT },
	};
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		(void)snprintf(text, sizeof(text), "quit_after: %s\n",
		    ok[i].word);	/* 64 holds every word */
		assert_loads(load_text(text));
		cr_assert(p.has_quit_after, "%s", ok[i].word);
		cr_assert_eq(p.quit_after, ok[i].stage, "%s", ok[i].word);
	}
	assert_loads(load_text("quit_after: none\n"));
	cr_assert_not(p.has_quit_after);
}

Test(probe_profile, quit_after_refuses_stages_that_would_send_the_message)
{
	static const char *const bad[] = { "data", "end-of-data", "quit",
	    "starttls", "ehlo-tls", "RCPT", "" };
	char text[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "quit_after: \"%s\"\n",
		    bad[i]);	/* 64 holds every word */
		assert_error_at(load_text(text), 1, 1, "quit_after is none, "
		    "connect, banner, ehlo, tls, mail or rcpt");
	}
}

Test(probe_profile, the_parse_helpers_are_exact_and_case_sensitive)
{
	enum smtp_starttls_mode mode = SMTP_STARTTLS_OFF;
	enum smtp_tls_verify verify = SMTP_TLS_VERIFY_REPORT;
	enum smtp_stage stage = SMTP_STAGE_QUIT;

	cr_assert(probe_profile_parse_starttls("required", &mode));
	cr_assert_eq(mode, SMTP_STARTTLS_REQUIRED);
	cr_assert_not(probe_profile_parse_starttls("OFF", &mode));
	cr_assert_not(probe_profile_parse_starttls("off ", &mode));
	cr_assert_eq(mode, SMTP_STARTTLS_REQUIRED, "a refusal changes nothing");
	cr_assert(probe_profile_parse_tls_verify("require", &verify));
	cr_assert_eq(verify, SMTP_TLS_VERIFY_REQUIRE);
	cr_assert_not(probe_profile_parse_tls_verify("required", &verify));
	cr_assert(probe_profile_parse_quit_after("mail", &stage));
	cr_assert_eq(stage, SMTP_STAGE_MAIL);
	cr_assert_not(probe_profile_parse_quit_after("data", &stage));
	cr_assert_not(probe_profile_parse_quit_after("nonsense", &stage));
	cr_assert_eq(stage, SMTP_STAGE_MAIL, "a refusal changes nothing");
}

/* --- text and list limits --- */

Test(probe_profile, name_takes_up_to_63_characters)
{
	assert_loads(load_text(key_with_text("name", sizeof(p.name) - 2,
	    'n')));
	cr_assert_eq(strlen(p.name), sizeof(p.name) - 2);
	assert_loads(load_text(key_with_text("name", sizeof(p.name) - 1,
	    'n')));
	cr_assert_eq(strlen(p.name), sizeof(p.name) - 1);
	assert_error_at(load_text(key_with_text("name", sizeof(p.name), 'n')),
	    1, 1, "\"name\" takes one line of at most 63 characters");
}

Test(probe_profile, description_takes_up_to_255_characters)
{
	assert_loads(load_text(key_with_text("description",
	    PROBE_PROFILE_TEXT_MAX - 2, 'd')));
	assert_loads(load_text(key_with_text("description",
	    PROBE_PROFILE_TEXT_MAX - 1, 'd')));
	cr_assert_eq(strlen(p.description), PROBE_PROFILE_TEXT_MAX - 1);
	assert_error_at(load_text(key_with_text("description",
	    PROBE_PROFILE_TEXT_MAX, 'd')), 1, 1,
	    "\"description\" takes one line of at most 255 characters");
}

Test(probe_profile, a_text_value_must_be_one_line)
{
	assert_error_at(load_text("provider: \"two\\nlines\"\n"), 1, 1,
	    "\"provider\" takes one line of at most 63 characters");
	assert_error_at(load_text("description: |\n  two\n  lines\n"), 1, 1,
	    "\"description\" takes one line of at most 255 characters");
}

Test(probe_profile, mx_patterns_take_up_to_16_items)
{
	assert_loads(load_text(key_with_items("mx_patterns",
	    PROBE_PROFILE_PATTERNS_MAX - 1, 4)));
	cr_assert_eq(p.nmx_patterns, PROBE_PROFILE_PATTERNS_MAX - 1);
	assert_loads(load_text(key_with_items("mx_patterns",
	    PROBE_PROFILE_PATTERNS_MAX, 4)));
	cr_assert_eq(p.nmx_patterns, PROBE_PROFILE_PATTERNS_MAX);
	cr_assert_str_eq(p.mx_patterns[PROBE_PROFILE_PATTERNS_MAX - 1],
	    "i015");
	assert_error_at(load_text(key_with_items("mx_patterns",
	    PROBE_PROFILE_PATTERNS_MAX + 1, 4)), 1, 1,
	    "\"mx_patterns\" takes at most 16 items");
}

Test(probe_profile, catalogs_take_up_to_8_items)
{
	assert_loads(load_text(key_with_items("catalogs",
	    PROBE_PROFILE_CATALOGS_MAX - 1, 2)));
	cr_assert_eq(p.ncatalogs, PROBE_PROFILE_CATALOGS_MAX - 1);
	assert_loads(load_text(key_with_items("catalogs",
	    PROBE_PROFILE_CATALOGS_MAX, 2)));
	cr_assert_eq(p.ncatalogs, PROBE_PROFILE_CATALOGS_MAX);
	assert_error_at(load_text(key_with_items("catalogs",
	    PROBE_PROFILE_CATALOGS_MAX + 1, 2)), 1, 1,
	    "\"catalogs\" takes at most 8 items");
}

Test(probe_profile, a_catalog_name_takes_up_to_63_characters)
{
	size_t room = sizeof(p.catalogs[0]);

	assert_loads(load_text(key_with_items("catalogs", 1, room - 2)));
	cr_assert_eq(strlen(p.catalogs[0]), room - 2);
	assert_loads(load_text(key_with_items("catalogs", 1, room - 1)));
	cr_assert_eq(strlen(p.catalogs[0]), room - 1);
	assert_error_at(load_text(key_with_items("catalogs", 1, room)), 1, 1,
	    "an item of \"catalogs\" is too long");
}

Test(probe_profile, an_mx_pattern_takes_up_to_255_characters)
{
	assert_loads(load_text(key_with_items("mx_patterns", 1,
	    PROBE_PROFILE_TEXT_MAX - 1)));
	cr_assert_eq(strlen(p.mx_patterns[0]), PROBE_PROFILE_TEXT_MAX - 1);
	assert_error_at(load_text(key_with_items("mx_patterns", 1,
	    PROBE_PROFILE_TEXT_MAX)), 1, 1,
	    "an item of \"mx_patterns\" is too long");
}

/* --- errors of the YAML layer come through with their place --- */

Test(probe_profile, yaml_errors_keep_their_file_line_and_column)
{
	assert_error_at(load_text("name: x\nport: 25\nport: 26\n"), 3, 1,
	    "duplicate key \"port\"");
	assert_error_at(load_text("name: &n x\n"), 1, 7,
	    "anchors and tags are not supported");
	assert_error_at(load_text("name: x\nmx_patterns:\n  - {a: b}\n"), 3, 5,
	    "a list here holds only plain values");
}

/* --- names and paths --- */

Test(probe_profile, a_name_with_a_slash_is_a_path)
{
	char rel[PATH_MAX];

	path = tmp_dir_write(&dir, "mine", "port: 2525\n", 11);
	cr_assert_not_null(path);
	assert_loads(load(path));
	cr_assert_eq(p.port, 2525);
	cr_assert_str_eq(p.path, path);
	/* "./" makes a path of a name that would otherwise be looked up. */
	cr_assert_eq(chdir(dir.path), 0);
	(void)snprintf(rel, sizeof(rel), "./mine");
	assert_loads(load(rel));
	cr_assert_str_eq(p.path, "./mine");
}

Test(probe_profile, a_name_ending_in_yaml_is_a_path)
{
	path = tmp_dir_write(&dir, "local.yaml", "port: 26\n", 9);
	cr_assert_not_null(path);
	cr_assert_eq(chdir(dir.path), 0);
	assert_loads(load("local.yaml"));
	cr_assert_eq(p.port, 26);
	cr_assert_str_eq(p.path, "local.yaml");
}

Test(probe_profile, a_path_that_does_not_exist_says_so_in_the_system_s_words)
{
	char want[sizeof(err)];

	cr_assert_eq(load("../x"), -1, "\"../x\" is a path, not a name");
	(void)snprintf(want, sizeof(want), "../x: %s", strerror(ENOENT));
	cr_assert_str_eq(err, want);
	cr_assert_eq(load("/nonexistent/dir/p.yaml"), -1);
	(void)snprintf(want, sizeof(want), "/nonexistent/dir/p.yaml: %s",
	    strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

Test(probe_profile, a_bad_name_is_refused_with_what_a_name_may_hold)
{
	static const char *const bad[] = { "GMAIL!", "Gmail", "..", "a b",
	    "gmail;rm", "" };
	char want[sizeof(err)];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(load(bad[i]), -1, "\"%s\" was accepted", bad[i]);
		(void)snprintf(want, sizeof(want), "bad profile name \"%s\": "
		    "use letters, digits, - and _, or a path to a .yaml file",
		    bad[i]);
		cr_assert_str_eq(err, want);
	}
}

Test(probe_profile, an_unknown_name_says_where_it_looked)
{
	cr_assert_eq(load("no-such-provider"), -1);
	cr_assert_eq(strncmp(err, "no profile named \"no-such-provider\" "
	    "(looked in ", strlen("no profile named \"no-such-provider\" "
	    "(looked in ")), 0, "%s", err);
	cr_assert(strstr(err, "/etc/smtpprobe/profiles") != NULL, "%s", err);
	cr_assert(strstr(err, SMTPPROBE_DATADIR "/profiles") != NULL, "%s",
	    err);
	cr_assert_null(strchr(err, '\n'));
}

Test(probe_profile, a_path_longer_than_path_max_is_refused)
{
	free(gen);
	gen = malloc(PATH_MAX + 1);
	cr_assert_not_null(gen);
	memset(gen, 'a', PATH_MAX);
	gen[0] = '/';
	gen[PATH_MAX] = '\0';
	cr_assert_eq(load(gen), -1);
	cr_assert_str_eq(err, "profile path too long");
}
