/*
 * test_probe_report_prom - a multi-path run as Prometheus metrics for
 * node_exporter's textfile collector. Every line is parsed against the
 * text exposition format (comments, metric name, {label="value",...},
 * value); each metric has its # HELP and # TYPE once, before its samples;
 * label values are escaped so that a hostile path or MX name reads back
 * as the text output would show it; server text never reaches a label;
 * and the file is replaced atomically with mode 0644, the old one left
 * whole when the write fails. Cells come from tests/support/cell_case.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/report/probe_report_prom.h"
#include "tests/support/cell_case.h"
#include "tests/support/mem_out.h"
#include "tests/support/tmp_dir.h"

/* The hostile names as a label value reads once unescaped. */
#define HOSTILE_PATH_LABEL	"a|b'c\"d\ne\\x1bf\\g=h"
#define HOSTILE_MX_LABEL	"mx|1\"q'\n\\x1b\\.example"

#define NOW			1700000000.5

/* Bounds of the test parser: our lines are far smaller. */
#define SAMPLE_NAME_MAX		64
#define SAMPLE_LABELS_MAX	8
#define SAMPLE_VALUE_MAX	128
#define SAMPLES_MAX		128
#define METRICS_MAX		16

struct sample {
	char	name[SAMPLE_NAME_MAX];
	size_t	nlabels;
	char	keys[SAMPLE_LABELS_MAX][SAMPLE_NAME_MAX];
	char	values[SAMPLE_LABELS_MAX][SAMPLE_VALUE_MAX]; /* unescaped */
	double	value;
};

/* One test's state; fini frees it even when an assertion failed. */
static struct cell_case k;
static struct mem_out out;
static struct sample samples[SAMPLES_MAX];
static size_t nsamples;
static struct tmp_dir dir;

static void
prom_setup(void)
{
	memset(&k, 0, sizeof(k));
	memset(&out, 0, sizeof(out));
	memset(&dir, 0, sizeof(dir));
	nsamples = 0;
}

static void
prom_teardown(void)
{
	cell_case_free(&k);
	mem_out_free(&out);
	tmp_dir_remove(&dir);
}

TestSuite(probe_report_prom, .init = prom_setup, .fini = prom_teardown);

static const char *
render(void)
{
	cr_assert_not_null(mem_out_open(&out));
	probe_report_prom_render(out.fp, k.cells, k.paths, k.npaths,
	    k.profiles, k.nprofiles, NOW);
	cr_assert_not(ferror(out.fp));
	cr_assert_not_null(mem_out_close(&out));
	cr_assert_gt(out.len, 0);
	cr_assert_eq(out.data[out.len - 1], '\n');
	return out.data;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, no ':' for labels; its length. */
static size_t
name_len(const char *s, bool is_metric)
{
	const char *first = is_metric ? "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:" : "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_";
	const char *rest = is_metric ? "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789" :
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";

	if (*s == '\0' || strchr(first, *s) == NULL)
		return 0;
	return 1 + strspn(s + 1, rest);
}

/*
 * A label value after its opening quote: only \\, \" and \n escapes, no
 * raw newline. Unescapes into out; returns what follows the closing
 * quote.
 */
static const char *
parse_value(const char *s, char *o, size_t olen, const char *line)
{
	size_t n = 0;

	for (; *s != '"'; s++) {
		cr_assert_neq(*s, '\0', "unterminated value: %s", line);
		cr_assert_neq(*s, '\n', "raw newline in a value: %s", line);
		if (*s == '\\') {
			s++;
			cr_assert(*s == '\\' || *s == '"' || *s == 'n',
			    "bad escape \\%c: %s", *s, line);
			o[n++] = *s == 'n' ? '\n' : *s;
		} else {
			o[n++] = *s;
		}
		cr_assert_lt(n, olen, "value too long: %s", line);
	}
	o[n] = '\0';
	return s + 1;
}

/* {key="value",...}; returns what follows the closing brace. */
static const char *
parse_labels(const char *s, struct sample *sm, const char *line)
{
	size_t n;

	for (;;) {
		cr_assert_lt(sm->nlabels, SAMPLE_LABELS_MAX);
		n = name_len(s, false);
		cr_assert_gt(n, 0, "bad label name: %s", line);
		cr_assert_lt(n, SAMPLE_NAME_MAX);
		memcpy(sm->keys[sm->nlabels], s, n);
		sm->keys[sm->nlabels][n] = '\0';
		s += n;
		cr_assert_eq(strncmp(s, "=\"", 2), 0, "no =\": %s", line);
		s = parse_value(s + 2, sm->values[sm->nlabels],
		    SAMPLE_VALUE_MAX, line);
		sm->nlabels++;
		if (*s == '}')
			return s + 1;
		cr_assert_eq(*s, ',', "no ',' between labels: %s", line);
		s++;
	}
}

/* One sample line (without its newline), per the exposition format. */
static void
parse_sample(const char *line, struct sample *sm)
{
	const char *s = line;
	char *end;
	size_t n;

	memset(sm, 0, sizeof(*sm));
	n = name_len(s, true);
	cr_assert_gt(n, 0, "bad metric name: %s", line);
	cr_assert_lt(n, SAMPLE_NAME_MAX);
	memcpy(sm->name, s, n);
	s += n;
	if (*s == '{')
		s = parse_labels(s + 1, sm, line);
	cr_assert_eq(*s, ' ', "no blank before the value: %s", line);
	s++;
	cr_assert(*s != '\0' && *s != ' ', "no value: %s", line);
	errno = 0;
	sm->value = strtod(s, &end);
	cr_assert(errno == 0 && *end == '\0' && isfinite(sm->value),
	    "bad value (or a timestamp we do not write): %s", line);
}

/* The metric a # HELP or # TYPE line names, into name. */
static void
comment_name(const char *line, char *name)
{
	size_t n = name_len(line + 7, true);

	cr_assert_gt(n, 0, "no metric name: %s", line);
	cr_assert_lt(n, SAMPLE_NAME_MAX);
	memcpy(name, line + 7, n);
	name[n] = '\0';
	cr_assert_eq(line[7 + n], ' ', "nothing after the name: %s", line);
}

/*
 * Parse the whole output into samples[] and check its structure: each
 * metric has one # HELP then one # TYPE gauge before its samples, and
 * its samples are together.
 */
static void
parse_all(void)
{
	char metrics[METRICS_MAX][SAMPLE_NAME_MAX], name[SAMPLE_NAME_MAX];
	char line[1024];
	const char *p = out.data, *nl;
	size_t nmetrics = 0, i, len;

	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "a last line without newline");
		len = (size_t)(nl - p);
		cr_assert_lt(len, sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncmp(line, "# HELP ", 7) == 0) {
			comment_name(line, name);
			for (i = 0; i < nmetrics; i++)
				cr_assert_str_neq(metrics[i], name,
				    "HELP twice for %s", name);
			cr_assert_lt(nmetrics, METRICS_MAX);
			memcpy(metrics[nmetrics++], name, sizeof(name));
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			comment_name(line, name);
			cr_assert_gt(nmetrics, 0, "TYPE before HELP");
			cr_assert_str_eq(metrics[nmetrics - 1], name,
			    "TYPE for %s under HELP for %s", name,
			    metrics[nmetrics - 1]);
			cr_assert_str_eq(line + 7 + strlen(name), " gauge");
			continue;
		}
		cr_assert_neq(line[0], '#', "another comment: %s", line);
		cr_assert_lt(nsamples, SAMPLES_MAX);
		parse_sample(line, &samples[nsamples]);
		cr_assert(nmetrics > 0, "a sample before any HELP: %s", line);
		cr_assert_str_eq(samples[nsamples].name, metrics[nmetrics - 1],
		    "a sample away from its HELP and TYPE: %s", line);
		nsamples++;
	}
}

/* The value of label key in sm, or NULL. */
static const char *
label(const struct sample *sm, const char *key)
{
	size_t i;

	for (i = 0; i < sm->nlabels; i++)
		if (strcmp(sm->keys[i], key) == 0)
			return sm->values[i];
	return NULL;
}

/*
 * The one sample of metric for path and profile (and stage or verdict
 * when extra_key is set). Fails when there is not exactly one.
 */
static const struct sample *
find(const char *metric, const char *path, const char *profile,
    const char *extra_key, const char *extra)
{
	const struct sample *found = NULL, *sm;
	size_t i;

	for (i = 0; i < nsamples; i++) {
		sm = &samples[i];
		if (strcmp(sm->name, metric) != 0 ||
		    strcmp(label(sm, "path"), path) != 0 ||
		    strcmp(label(sm, "profile"), profile) != 0)
			continue;
		if (extra_key != NULL && strcmp(label(sm, extra_key),
		    extra) != 0)
			continue;
		cr_assert_null(found, "two %s for %s/%s", metric, path,
		    profile);
		found = sm;
	}
	cr_assert_not_null(found, "no %s for %s/%s", metric, path, profile);
	return found;
}

static size_t
count(const char *metric)
{
	size_t i, n = 0;

	for (i = 0; i < nsamples; i++)
		n += strcmp(samples[i].name, metric) == 0;
	return n;
}

Test(probe_report_prom, parses_as_the_exposition_format_line_by_line)
{
	cell_case_mixed(&k);
	render();
	parse_all();
	/*
	 * 6 up, 6 durations, 6 codes, 24 verdicts, 6 infos, stage times
	 * (every stage of one cell, 2 of others), no TLS, no certificate,
	 * no history, 6 run times.
	 */
	cr_assert_eq(nsamples, 6 + 6 + 6 + 24 + 6 + (SMTP_STAGE_COUNT + 2) +
	    6, "%zu samples in:\n%s", nsamples, out.data);
}

/*
 * What an alert selects on stays the same when the MX fails over: only
 * the info series names the MX, its address and the deciding stage.
 */
Test(probe_report_prom, labels_every_series_with_path_and_profile_only)
{
	static const char *const extra[][2] = {
		{ "smtpprobe_path_verdict", "verdict" },
		{ "smtpprobe_path_stage_seconds", "stage" },
		{ "smtpprobe_path_tls_version_info", "version" },
	};
	size_t i, j, want;

	cell_case_mixed(&k);
	render();
	parse_all();
	for (i = 0; i < nsamples; i++) {
		cr_assert_str_eq(samples[i].keys[0], "path");
		cr_assert_str_eq(samples[i].keys[1], "profile");
		if (strcmp(samples[i].name, "smtpprobe_path_info") == 0)
			continue;
		want = 2;
		for (j = 0; j < sizeof(extra) / sizeof(extra[0]); j++)
			if (strcmp(samples[i].name, extra[j][0]) == 0) {
				cr_assert_str_eq(samples[i].keys[2],
				    extra[j][1]);
				want = 3;
			}
		cr_assert_eq(samples[i].nlabels, want, "%s has %zu labels",
		    samples[i].name, samples[i].nlabels);
	}
}

Test(probe_report_prom, names_mx_address_and_stage_in_an_info_series_of_1)
{
	const struct sample *sm;

	cell_case_mixed(&k);
	(void)snprintf(k.cells[2].address, sizeof(k.cells[2].address),
	    "192.0.2.25");
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_path_info"), 6);
	sm = find("smtpprobe_path_info", "mail2", "gmail", NULL, NULL);
	cr_assert_eq(sm->value, 1);
	cr_assert_str_eq(label(sm, "mx"), CELL_CASE_GMAIL_MX);
	cr_assert_str_eq(label(sm, "address"), "192.0.2.25");
	cr_assert_str_eq(label(sm, "stage"), "end-of-data");
	/* Never ran: no stage, no MX, no address; still one series. */
	sm = find("smtpprobe_path_info", HOSTILE_PATH_LABEL, "yahoo", NULL,
	    NULL);
	cr_assert_str_eq(label(sm, "mx"), "");
	cr_assert_str_eq(label(sm, "address"), "");
	cr_assert_str_eq(label(sm, "stage"), "");
}

Test(probe_report_prom, escapes_hostile_names_so_that_they_read_back_safely)
{
	const struct sample *sm;

	cell_case_mixed(&k);
	render();
	cr_assert_not_null(strstr(out.data, "{path=\"a|b'c\\\"d\\ne\\\\x1bf"
	    "\\\\g=h\",profile=\"gmail\",mx=\"mx|1\\\"q'\\n\\\\x1b\\\\.example"
	    "\",address=\"\",stage=\"rcpt\"} 1\n"), "%s", out.data);
	cr_assert_null(strchr(out.data, '\x1b'), "a raw ESC");
	parse_all();
	sm = find("smtpprobe_path_info", HOSTILE_PATH_LABEL, "gmail", NULL,
	    NULL);
	cr_assert_str_eq(label(sm, "mx"), HOSTILE_MX_LABEL);
}

Test(probe_report_prom, names_a_profile_file_by_its_name_never_its_path)
{
	cell_case_mixed(&k);
	k.profiles[0] = "/etc/smtpprobe/profiles/acme.yaml";
	k.profiles[1] = "./corp";
	render();
	parse_all();
	cr_assert_null(strstr(out.data, "/etc/"), "%s", out.data);
	cr_assert_null(strstr(out.data, "./corp"), "%s", out.data);
	cr_assert_eq(find("smtpprobe_path_up", "mail1", "acme", NULL,
	    NULL)->value, 1);
	cr_assert_eq(find("smtpprobe_path_up", "mail1", "corp", NULL,
	    NULL)->value, 1);
}

Test(probe_report_prom, gives_tls_version_and_certificate_expiry_when_known)
{
	const struct sample *sm;

	cell_case_mixed(&k);
	(void)snprintf(k.cells[0].tls_version, sizeof(k.cells[0].tls_version),
	    "TLSv1.3");
	k.cells[0].has_cert = true;
	k.cells[0].cert_not_after = 1800000000;
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_path_tls_version_info"), 1);
	sm = find("smtpprobe_path_tls_version_info", "mail1", "gmail", NULL,
	    NULL);
	cr_assert_str_eq(label(sm, "version"), "TLSv1.3");
	cr_assert_eq(sm->value, 1);
	cr_assert_eq(count("smtpprobe_path_cert_not_after_timestamp_seconds"),
	    1);
	cr_assert_eq(find("smtpprobe_path_cert_not_after_timestamp_seconds",
	    "mail1", "gmail", NULL, NULL)->value, 1800000000);
}

Test(probe_report_prom, never_puts_server_text_or_our_errors_in_a_label)
{
	cell_case_mixed(&k);
	render();
	cr_assert_null(strstr(out.data, "5.7.26"));
	cr_assert_null(strstr(out.data, "unauthenticated"));
	cr_assert_null(strstr(out.data, "no_such_user"));
	cr_assert_null(strstr(out.data, CELL_CASE_TIMEOUT));
	cr_assert_null(strstr(out.data, CELL_CASE_NOT_LOCAL));
}

Test(probe_report_prom, says_up_only_for_a_pass)
{
	cell_case_mixed(&k);
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_path_up"), 6);
	cr_assert_eq(find("smtpprobe_path_up", "mail1", "gmail", NULL,
	    NULL)->value, 1);
	cr_assert_eq(find("smtpprobe_path_up", "mail1", "yahoo", NULL,
	    NULL)->value, 1);
	cr_assert_eq(find("smtpprobe_path_up", "mail2", "gmail", NULL,
	    NULL)->value, 0);
	cr_assert_eq(find("smtpprobe_path_up", "mail2", "yahoo", NULL,
	    NULL)->value, 0);
	cr_assert_eq(find("smtpprobe_path_up", HOSTILE_PATH_LABEL, "yahoo",
	    NULL, NULL)->value, 0);
}

Test(probe_report_prom, gives_the_deciding_code_and_0_without)
{
	cell_case_mixed(&k);
	render();
	parse_all();
	cr_assert_eq(find("smtpprobe_path_reply_code", "mail2", "gmail",
	    NULL, NULL)->value, 550);
	cr_assert_eq(find("smtpprobe_path_reply_code", HOSTILE_PATH_LABEL,
	    "gmail", NULL, NULL)->value, 550);
	cr_assert_eq(find("smtpprobe_path_reply_code", "mail2", "yahoo",
	    NULL, NULL)->value, 0);
	/* Never ran. */
	cr_assert_eq(find("smtpprobe_path_reply_code", HOSTILE_PATH_LABEL,
	    "yahoo", NULL, NULL)->value, 0);
}

Test(probe_report_prom, times_only_the_stages_the_deciding_try_timed)
{
	cell_case_mixed(&k);
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_path_stage_seconds"),
	    SMTP_STAGE_COUNT + 2);
	cr_assert_float_eq(find("smtpprobe_path_stage_seconds", "mail1",
	    "gmail", "stage", "connect")->value, 0.0105, 1e-9);
	cr_assert_float_eq(find("smtpprobe_path_stage_seconds", "mail1",
	    "gmail", "stage", "quit")->value,
	    (10.5 + SMTP_STAGE_QUIT) / 1000.0, 1e-9);
	cr_assert_float_eq(find("smtpprobe_path_stage_seconds", "mail2",
	    "gmail", "stage", "end-of-data")->value, 1.50025, 1e-9);
	cr_assert_float_eq(find("smtpprobe_path_duration_seconds", "mail1",
	    "yahoo", NULL, NULL)->value, 1.23425, 1e-9);
	cr_assert_eq(count("smtpprobe_path_duration_seconds"), 6);
}

Test(probe_report_prom, marks_exactly_one_verdict_per_cell)
{
	const char *names[] = { "pass", "tempfail", "fail", "error" };
	const char *want[] = { "pass", "pass", "fail", "tempfail", "fail",
	    "error" };
	const char *paths[] = { "mail1", "mail2", HOSTILE_PATH_LABEL };
	const struct sample *sm;
	size_t cell, v;

	cell_case_mixed(&k);
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_path_verdict"), 6 * 4);
	for (cell = 0; cell < 6; cell++) {
		for (v = 0; v < 4; v++) {
			sm = find("smtpprobe_path_verdict", paths[cell / 2],
			    k.profiles[cell % 2], "verdict", names[v]);
			cr_assert_eq(sm->value, strcmp(names[v],
			    want[cell]) == 0, "cell %zu %s", cell, names[v]);
			cr_assert_null(label(sm, "mx"));
		}
	}
}

/* Per cell, so that two runs' files in one folder never collide. */
Test(probe_report_prom, gives_the_time_of_the_run_for_each_cell)
{
	cell_case_mixed(&k);
	render();
	parse_all();
	cr_assert_eq(count("smtpprobe_last_run_timestamp_seconds"), 6);
	cr_assert_float_eq(find("smtpprobe_last_run_timestamp_seconds",
	    "mail2", "yahoo", NULL, NULL)->value, NOW, 1e-3);
}

Test(probe_report_prom, has_every_help_and_type_even_with_no_cells)
{
	cell_case_mixed(&k);
	k.npaths = 0;
	render();
	parse_all();
	cr_assert_eq(nsamples, 0);
	cr_assert_not_null(strstr(out.data,
	    "# TYPE smtpprobe_path_up gauge\n"));
	cr_assert_not_null(strstr(out.data,
	    "# TYPE smtpprobe_path_stage_seconds gauge\n"));
}

/* --- write_file --- */

/* The whole file at path, into a buffer the test frees through out. */
static const char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char buf[4096];
	size_t n;

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	mem_out_free(&out);
	cr_assert_not_null(mem_out_open(&out));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		cr_assert_eq(fwrite(buf, 1, n, out.fp), n);
	cr_assert_not(ferror(fp));
	cr_assert_eq(fclose(fp), 0);
	cr_assert_not_null(mem_out_close(&out));
	return out.data;
}

/* How many entries the test directory holds besides . and .. */
static size_t
entries(void)
{
	DIR *d = opendir(dir.path);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	cr_assert_eq(closedir(d), 0);
	return n;
}

static int
write_file(const char *path, char *err, size_t errlen)
{
	return probe_report_prom_write_file(path, k.cells, k.paths, k.npaths,
	    k.profiles, k.nprofiles, NOW, err, errlen);
}

Test(probe_report_prom, writes_the_file_whole_with_mode_0644_and_no_leftovers)
{
	char err[256] = "", *want;
	const char *path;
	struct stat st;

	cell_case_mixed(&k);
	want = strdup(render());
	cr_assert_not_null(want);
	cr_assert(tmp_dir_make(&dir));
	path = tmp_dir_write(&dir, "smtpprobe.prom", "", 0);
	cr_assert_not_null(path);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(write_file(path, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(slurp(path), want);
	free(want);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	cr_assert_eq(entries(), 1, "a temporary file was left behind");
}

Test(probe_report_prom, replaces_the_old_file_by_renaming_over_it)
{
	char err[256] = "";
	const char *path;
	struct stat before, after;

	cell_case_mixed(&k);
	cr_assert(tmp_dir_make(&dir));
	path = tmp_dir_write(&dir, "smtpprobe.prom", "old\n", 4);
	cr_assert_not_null(path);
	cr_assert_eq(stat(path, &before), 0);
	cr_assert_eq(write_file(path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &after), 0);
	/* A new inode: readers had the old file or the new one, never half. */
	cr_assert_neq(before.st_ino, after.st_ino);
	cr_assert_eq(strncmp(slurp(path), "# HELP smtpprobe_path_up ", 25), 0);
	cr_assert_eq(entries(), 1);
}

Test(probe_report_prom, fails_with_the_reason_for_a_directory_that_is_missing)
{
	char err[512] = "", path[PATH_MAX];

	cell_case_mixed(&k);
	cr_assert(tmp_dir_make(&dir));
	cr_assert_not_null(tmp_dir_path(&dir, "no-such-dir/smtpprobe.prom",
	    path, sizeof(path)));
	cr_assert_eq(write_file(path, err, sizeof(err)), -1);
	cr_assert_eq(strncmp(err, path, strlen(path)), 0, "%s", err);
	cr_assert_not_null(strstr(err, strerror(ENOENT)), "%s", err);
	cr_assert_null(strchr(err, '\n'));
	cr_assert_eq(entries(), 0);
}

/*
 * As root no permission stops a write, so make the temporary file fail
 * another way: a target name so long that the name with ".tmp.XXXXXX"
 * is past NAME_MAX. The old file must stay as it was.
 */
Test(probe_report_prom, leaves_the_old_file_whole_when_the_write_fails)
{
	char err[512] = "", name[NAME_MAX + 1];
	const char *path;
	size_t len = NAME_MAX - 4;

	cr_assert_gt(len + strlen(PROBE_PROM_TMP_SUFFIX), NAME_MAX);
	memset(name, 'm', len);
	name[len] = '\0';
	cell_case_mixed(&k);
	cr_assert(tmp_dir_make(&dir));
	path = tmp_dir_write(&dir, name, "old metrics\n", 12);
	cr_assert_not_null(path);
	cr_assert_eq(write_file(path, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "temporary"), "%s", err);
	cr_assert_str_eq(slurp(path), "old metrics\n");
	cr_assert_eq(entries(), 1, "a temporary file was left behind");
}

Test(probe_report_prom, refuses_a_path_too_long_for_its_temporary_name)
{
	char err[64] = "", *path;

	cell_case_mixed(&k);
	path = malloc(PATH_MAX);
	cr_assert_not_null(path);
	memset(path, 'x', PATH_MAX - 5);
	path[PATH_MAX - 5] = '\0';
	cr_assert_eq(write_file(path, err, sizeof(err)), -1);
	free(path);
	cr_assert_eq(strlen(err), sizeof(err) - 1, "err is cut, not overrun");
}

/* Renaming over /dev/stdout or a link would replace the node itself. */
Test(probe_report_prom, refuses_to_replace_what_is_not_a_regular_file)
{
	char err[512] = "", link[PATH_MAX];
	const char *fifo, *target;
	char got[PATH_MAX];
	ssize_t n;

	cell_case_mixed(&k);
	cr_assert(tmp_dir_make(&dir));
	target = tmp_dir_write(&dir, "real.prom", "old\n", 4);
	cr_assert_not_null(target);
	/* Made as files so that tmp_dir_remove() removes them. */
	fifo = tmp_dir_write(&dir, "fifo.prom", "", 0);
	cr_assert_not_null(fifo);
	cr_assert_eq(unlink(fifo), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_not_null(tmp_dir_write(&dir, "link.prom", "", 0));
	cr_assert_not_null(tmp_dir_path(&dir, "link.prom", link,
	    sizeof(link)));
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(write_file(fifo, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "not a regular file"), "%s", err);
	cr_assert_eq(write_file(link, err, sizeof(err)), -1);
	n = readlink(link, got, sizeof(got) - 1);
	cr_assert_gt(n, 0, "the link was replaced");
	got[n] = '\0';
	cr_assert_str_eq(got, target);
	cr_assert_str_eq(slurp(target), "old\n");
	cr_assert_eq(write_file(dir.path, err, sizeof(err)), -1);
	cr_assert_eq(entries(), 3, "a temporary file was left behind");
}
