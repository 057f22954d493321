/*
 * probe_report_prom - Prometheus text exposition, written atomically.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/report/probe_report_cell.h"
#include "probe/report/probe_report_prom.h"

/* What a run of the metrics needs besides fp. */
struct probe_prom {
	const struct probe_cell	 *cells;
	const char *const	 *paths;
	size_t			  npaths;
	const char *const	 *profiles;
	size_t			  nprofiles;
	double			  now_epoch;	/* the run's end */
	/*
	 * A list (serve): cells[i] names its own path and profile, ended[i]
	 * is when it was probed, and a cell not yet probed is left out.
	 */
	bool			  is_list;
	const double		 *ended;
};

/* Write the samples of the metric called name for one cell. */
typedef void	probe_prom_sample_fn(FILE *fp, const char *name,
		    const struct probe_prom *m, size_t cell);

struct probe_prom_family {
	const char		*name;
	const char		*help;
	probe_prom_sample_fn	*sample;
};

static const char probe_prom_hex[] = "0123456789abcdef";

/*
 * A label value, escaped as the exposition format says; every other
 * control or non-ASCII byte as the text \xNN (see the header).
 */
static void
probe_prom_escape(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", fp);
		else if (c == '"')
			fputs("\\\"", fp);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c >= 0x20 && c < 0x7f)
			putc(c, fp);
		else
			fprintf(fp, "\\\\x%c%c", probe_prom_hex[c >> 4],
			    probe_prom_hex[c & 15]);
	}
}

/* ",key=\"value\"" (no comma when is_first). */
static void
probe_prom_label(FILE *fp, bool is_first, const char *key, const char *s,
    size_t len)
{
	fprintf(fp, "%s%s=\"", is_first ? "" : ",", key);
	probe_prom_escape(fp, s, len);
	putc('"', fp);
}

/*
 * The profile label: the profile's name, never a file path. A profile
 * given as a file ("./x/acme.yaml") is named as one found by name
 * would be: its file name without ".yaml" ("acme").
 */
static void
probe_prom_profile(FILE *fp, const char *profile)
{
	const char *base = strrchr(profile, '/');
	size_t len;

	base = base != NULL ? base + 1 : profile;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	/* "dir/" or "/.yaml" names no file: keep it whole rather than "". */
	if (len == 0) {
		base = profile;
		len = strlen(profile);
	}
	probe_prom_label(fp, false, "profile", base, len);
}

/*
 * "name{path=\"..\",profile=\"..\"": the labels of every per-cell
 * series. Nothing that changes when an MX fails over is among them.
 */
static void
probe_prom_open(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	const char *path = m->is_list ? m->cells[cell].path :
	    m->paths[cell / m->nprofiles];

	fprintf(fp, "%s{", name);
	probe_prom_label(fp, true, "path", path, strlen(path));
	probe_prom_profile(fp, m->is_list ? m->cells[cell].profile :
	    m->profiles[cell % m->nprofiles]);
}

/* The stage label: a name from the stage table, or "" when none. */
static void
probe_prom_stage(FILE *fp, bool has_stage, enum smtp_stage stage)
{
	const char *name = has_stage ? smtp_stage_name(stage) : "";

	probe_prom_label(fp, false, "stage", name, strlen(name));
}

static void
probe_prom_up(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %d\n", probe_verdict_cell(&m->cells[cell]) ==
	    PROBE_VERDICT_PASS);
}

static void
probe_prom_reply_code(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	const struct probe_cell *c = &m->cells[cell];
	bool has_stage = probe_verdict_cell_has_run(c) && c->has_stage;

	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %d\n", has_stage ? c->code : 0);
}

/*
 * Where the deciding try went and where it stopped: the labels that
 * change from run to run, on a series of their own with value 1, to
 * join on (group_left) rather than to alert on.
 */
static void
probe_prom_info(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	const struct probe_cell *c = &m->cells[cell];

	probe_prom_open(fp, name, m, cell);
	probe_prom_label(fp, false, "mx", c->mx, strnlen(c->mx,
	    sizeof(c->mx)));
	probe_prom_label(fp, false, "address", c->address, strnlen(c->address,
	    sizeof(c->address)));
	probe_prom_stage(fp, probe_verdict_cell_has_run(c) && c->has_stage,
	    c->stage);
	fputs("} 1\n", fp);
}

static void
probe_prom_stage_seconds(FILE *fp, const char *name,
    const struct probe_prom *m, size_t cell)
{
	const struct probe_cell *c = &m->cells[cell];
	int s;

	for (s = 0; s < SMTP_STAGE_COUNT; s++) {
		if (!c->has_stage_ms[s])
			continue;
		probe_prom_open(fp, name, m, cell);
		probe_prom_stage(fp, true, (enum smtp_stage)s);
		fprintf(fp, "} %.6f\n", c->stage_ms[s] / 1000.0);
	}
}

static void
probe_prom_duration(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %.6f\n", m->cells[cell].elapsed_ms / 1000.0);
}

/* One sample per verdict, 1 for the cell's: alerts select on the label. */
static void
probe_prom_verdict(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	enum probe_verdict shown = probe_verdict_cell(&m->cells[cell]);
	const char *vname;
	int v;

	for (v = 0; v < PROBE_VERDICT_COUNT; v++) {
		vname = probe_verdict_name((enum probe_verdict)v);
		probe_prom_open(fp, name, m, cell);
		probe_prom_label(fp, false, "verdict", vname, strlen(vname));
		fprintf(fp, "} %d\n", (enum probe_verdict)v == shown);
	}
}

/* As blackbox_exporter's probe_tls_version_info: absent without TLS. */
static void
probe_prom_tls_version(FILE *fp, const char *name,
    const struct probe_prom *m, size_t cell)
{
	const struct probe_cell *c = &m->cells[cell];
	size_t len = strnlen(c->tls_version, sizeof(c->tls_version));

	if (len == 0)
		return;
	probe_prom_open(fp, name, m, cell);
	probe_prom_label(fp, false, "version", c->tls_version, len);
	fputs("} 1\n", fp);
}

/* As blackbox_exporter's probe_ssl_earliest_cert_expiry. */
static void
probe_prom_cert(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	if (!m->cells[cell].has_cert)
		return;
	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %lld\n", m->cells[cell].cert_not_after);
}

/* From the history: absent for a cell whose history could not be read. */
static void
probe_prom_since(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	if (!m->cells[cell].has_history)
		return;
	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %lld\n", m->cells[cell].since);
}

/*
 * The run's end, once per cell: a file holds one run, and its cells are
 * what tells it from the other runs' files in the collector's folder.
 */
static void
probe_prom_last_run(FILE *fp, const char *name, const struct probe_prom *m,
    size_t cell)
{
	probe_prom_open(fp, name, m, cell);
	fprintf(fp, "} %.3f\n", m->is_list ? m->ended[cell] : m->now_epoch);
}

static const struct probe_prom_family probe_prom_families[] = {
	{ "smtpprobe_path_up",
	    "Whether the probe of this path and profile passed (1) or not (0).",
	    probe_prom_up },
	{ "smtpprobe_path_duration_seconds",
	    "How long the whole probe of this path and profile took.",
	    probe_prom_duration },
	{ "smtpprobe_path_reply_code",
	    "The reply code that decided the probe, 0 when there was none.",
	    probe_prom_reply_code },
	{ "smtpprobe_path_verdict",
	    "1 for the verdict of this path and profile, 0 for the others.",
	    probe_prom_verdict },
	{ "smtpprobe_path_info",
	    "Always 1: the MX host, its address and the stage that decided "
	    "the probe.",
	    probe_prom_info },
	{ "smtpprobe_path_stage_seconds",
	    "How long each dialogue stage of the deciding try took.",
	    probe_prom_stage_seconds },
	{ "smtpprobe_path_tls_version_info",
	    "Always 1: the TLS version of the deciding try, absent without "
	    "TLS.",
	    probe_prom_tls_version },
	{ "smtpprobe_path_cert_not_after_timestamp_seconds",
	    "When the certificate of the deciding try's server expires, in "
	    "seconds since the epoch.",
	    probe_prom_cert },
	{ "smtpprobe_path_state_since_timestamp_seconds",
	    "When this path and profile entered its present verdict and "
	    "cause, in seconds since the epoch (from the history).",
	    probe_prom_since },
	{ "smtpprobe_last_run_timestamp_seconds",
	    "When the run that probed this path and profile ended, in seconds "
	    "since the epoch.",
	    probe_prom_last_run },
};

/* Every family's HELP, TYPE and samples, for a matrix or a list. */
static void
probe_prom_families_render(FILE *fp, const struct probe_prom *m, size_t n)
{
	const struct probe_prom_family *f;
	size_t i, cell;

	for (i = 0; i < sizeof(probe_prom_families) /
	    sizeof(probe_prom_families[0]); i++) {
		f = &probe_prom_families[i];
		fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", f->name,
		    f->help, f->name);
		for (cell = 0; cell < n; cell++)
			if (!m->is_list || m->cells[cell].is_done)
				f->sample(fp, f->name, m, cell);
	}
}

void
probe_report_prom_render(FILE *fp, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, double now_epoch)
{
	const struct probe_prom m = { cells, paths, npaths, profiles,
	    nprofiles, now_epoch, false, NULL };

	probe_prom_families_render(fp, &m, npaths * nprofiles);
}

void
probe_report_prom_render_list(FILE *fp, const struct probe_cell *cells,
    const double *ended_epoch, size_t n)
{
	const struct probe_prom m = { cells, NULL, 0, NULL, 1, 0, true,
	    ended_epoch };

	probe_prom_families_render(fp, &m, n);
}

/* One gauge or counter of serve's health, with its HELP and TYPE. */
static void
probe_prom_health(FILE *fp, const char *name, const char *type,
    const char *help, double value)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help,
	    name, type, name, value);
}

void
probe_report_prom_render_serve(FILE *fp,
    const struct probe_report_prom_serve *h)
{
	probe_prom_health(fp, "smtpprobe_serve_up", "gauge",
	    "Always 1 while smtpprobe serve answers.", 1);
	probe_prom_health(fp, "smtpprobe_serve_start_timestamp_seconds",
	    "gauge", "When smtpprobe serve started, in seconds since the "
	    "epoch.", h->started_epoch);
	probe_prom_health(fp, "smtpprobe_serve_config_load_timestamp_seconds",
	    "gauge", "When the configuration was last read, successfully or "
	    "not, in seconds since the epoch.", h->config_load_epoch);
	probe_prom_health(fp, "smtpprobe_serve_config_load_success", "gauge",
	    "Whether the last reading of the configuration succeeded (1) or "
	    "was refused and the one before kept (0).", h->is_config_ok);
	probe_prom_health(fp, "smtpprobe_serve_cells", "gauge",
	    "How many path and profile pairs the configuration schedules.",
	    (double)h->ncells);
	probe_prom_health(fp, "smtpprobe_serve_probes_total", "counter",
	    "Probes run since smtpprobe serve started.",
	    (double)h->probes_total);
	probe_prom_health(fp, "smtpprobe_serve_probe_errors_total", "counter",
	    "Probes that could not run or ended as an error (not a refusal) "
	    "since smtpprobe serve started.", (double)h->probe_errors_total);
}

/*
 * Render into the temporary file fd and make it ready to be renamed:
 * written, on disk, readable by the collector. Takes over fd. Returns
 * NULL, or what failed (errno says why).
 */
static const char *
probe_prom_fill(int fd, const struct probe_prom *m, double now_epoch)
{
	const char *what = NULL;
	FILE *fp;
	int saved;

	fp = fdopen(fd, "w");
	if (fp == NULL) {
		saved = errno;
		/* The fdopen error is the one to tell. */
		(void)close(fd);
		errno = saved;
		return "cannot open the temporary file";
	}
	probe_report_prom_render(fp, m->cells, m->paths, m->npaths,
	    m->profiles, m->nprofiles, now_epoch);
	if (fflush(fp) != 0 || ferror(fp))
		what = "cannot write the temporary file";
	else if (fsync(fd) != 0)
		what = "cannot sync the temporary file";
	else if (fchmod(fd, PROBE_PROM_FILE_MODE) != 0)
		what = "cannot set the mode of the temporary file";
	if (what != NULL) {
		saved = errno;
		/* The first error is the one to tell. */
		(void)fclose(fp);
		errno = saved;
		return what;
	}
	return fclose(fp) == 0 ? NULL : "cannot close the temporary file";
}

/* "PATH: what failed: why" in err; a cut message is still one line. */
static void
probe_prom_fail(char *err, size_t errlen, const char *path, const char *what,
    int saved)
{
	if (saved != 0)
		(void)snprintf(err, errlen, "%s: %s: %s", path, what,
		    strerror(saved));
	else
		(void)snprintf(err, errlen, "%s: %s", path, what);
}

/*
 * Only a regular file (or nothing) may be replaced: renaming over
 * /dev/stdout, a FIFO or a symbolic link would swap the node itself for
 * our file, which is never what --output meant. The check races with
 * whoever changes path meanwhile; it guards against mistakes, not
 * attacks. Returns NULL, or why not (errno 0 when no call failed).
 */
static const char *
probe_prom_check_target(const char *path)
{
	struct stat st;

	/* Missing is fine; other errors show at mkstemp. */
	if (lstat(path, &st) != 0)
		return NULL;
	if (S_ISREG(st.st_mode))
		return NULL;
	errno = 0;
	return "not a regular file, so not replacing it";
}

/*
 * The signals that end a run by default, held back while a temporary
 * file exists: between its creation and its rename or removal, a
 * SIGTERM (systemd, timeout(1)), a SIGINT (Ctrl-C) or a SIGXFSZ (a file
 * size limit) would leave PATH.tmp.XXXXXX behind. Held, a signal waits
 * until the file is gone, then acts as it would have. A blocked SIGXFSZ
 * makes the write fail with EFBIG instead, which removes the file. The
 * window is one small file's write, fsync and rename, so the delay is
 * short. pthread_sigmask, not sigprocmask: the workers may still run.
 */
static void
probe_prom_hold_signals(sigset_t *old)
{
	static const int held[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGXFSZ };
	sigset_t set;
	size_t i;

	(void)sigemptyset(&set);
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		(void)sigaddset(&set, held[i]);	/* valid signals: no error */
	/* Fails only for a bad "how": the file is made all the same. */
	(void)pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
probe_prom_release_signals(const sigset_t *old)
{
	(void)pthread_sigmask(SIG_SETMASK, old, NULL);	/* as above */
}

int
probe_report_prom_check_file(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *what;
	sigset_t old;
	int n, fd;

	n = snprintf(tmp, sizeof(tmp), "%s" PROBE_PROM_TMP_SUFFIX, path);
	what = "the temporary file name is too long";
	errno = ENAMETOOLONG;
	if (n < 0 || (size_t)n >= sizeof(tmp))
		goto fail;
	what = probe_prom_check_target(path);
	if (what != NULL)
		goto fail;
	/* The same creation the real write makes, undone at once. */
	what = "cannot create a temporary file next to it";
	probe_prom_hold_signals(&old);
	fd = mkstemp(tmp);
	if (fd != -1) {
		(void)close(fd);	/* empty, never written */
		(void)unlink(tmp);	/* best effort, as below */
	}
	probe_prom_release_signals(&old);
	if (fd == -1)
		goto fail;
	return 0;
fail:
	probe_prom_fail(err, errlen, path, what, errno);
	return -1;
}

int
probe_report_prom_write_file(const char *path, const struct probe_cell *cells,
    const char *const *paths, size_t npaths, const char *const *profiles,
    size_t nprofiles, double now_epoch, char *err, size_t errlen)
{
	const struct probe_prom m = { cells, paths, npaths, profiles,
	    nprofiles, now_epoch, false, NULL };
	char tmp[PATH_MAX];
	const char *what;
	bool is_made = false, is_held = false;
	sigset_t old;
	int n, fd, rc = -1, error;

	n = snprintf(tmp, sizeof(tmp), "%s" PROBE_PROM_TMP_SUFFIX, path);
	what = "the temporary file name is too long";
	errno = ENAMETOOLONG;
	if (n < 0 || (size_t)n >= sizeof(tmp))
		goto out;
	what = probe_prom_check_target(path);
	if (what != NULL)
		goto out;
	what = "cannot create a temporary file next to it";
	probe_prom_hold_signals(&old);
	is_held = true;
	fd = mkstemp(tmp);
	if (fd == -1)
		goto out;
	is_made = true;
	what = probe_prom_fill(fd, &m, now_epoch);
	if (what != NULL)
		goto out;
	what = "cannot rename the temporary file over it";
	if (rename(tmp, path) != 0)
		goto out;
	is_made = false;
	rc = 0;
out:
	error = errno;
	/* Best effort: the rename did not happen, so path is intact. */
	if (is_made)
		(void)unlink(tmp);
	if (is_held)
		probe_prom_release_signals(&old);
	if (rc != 0)
		probe_prom_fail(err, errlen, path, what, error);
	return rc;
}
