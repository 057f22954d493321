/*
 * probe_report_prom - a multi-path run as Prometheus metrics in the text
 * exposition format, for node_exporter's textfile collector: each
 * metric's # HELP and # TYPE once, then its samples, one per cell (path
 * x profile) or per cell and stage:
 *
 *   smtpprobe_path_up{path,profile}	1 pass, else 0 (blackbox_exporter's
 *					probe_success)
 *   smtpprobe_path_duration_seconds{path,profile}
 *					the whole probe
 *   smtpprobe_path_reply_code{path,profile}
 *					the deciding reply's code, 0 if none
 *   smtpprobe_path_verdict{path,profile,verdict}
 *					1 for the cell's verdict, 0 for the
 *					others (one sample per verdict)
 *   smtpprobe_path_info{path,profile,mx,address,stage}
 *					1: where the deciding try went
 *   smtpprobe_path_stage_seconds{path,profile,stage}
 *					each stage the deciding try timed
 *   smtpprobe_path_tls_version_info{path,profile,version}
 *					1, only when TLS was up
 *   smtpprobe_path_cert_not_after_timestamp_seconds{path,profile}
 *					the server certificate's notAfter,
 *					only when one was read
 *   smtpprobe_path_state_since_timestamp_seconds{path,profile}
 *					from the history, when it was read
 *   smtpprobe_last_run_timestamp_seconds{path,profile}
 *					when the run ended
 *
 * All are gauges. A cell that could not run is up 0, verdict "error"
 * (probe_report_cell), with mx, address and stage "" in its info.
 *
 * Series stay one per cell: path and profile are the only labels of
 * every series (stage and verdict add a fixed set of values), so several
 * runs' files in one collector folder never collide as long as their
 * cells differ, and an MX that fails over changes only the info series.
 * The profile label is the profile's name: a profile given as a file is
 * named by its file name without ".yaml".
 *
 * Labels carry path and profile names, MX host names, stage names
 * (smtp_stage_name) and verdict names, never server text: no reply text,
 * cause or error goes into a label. Label values are escaped as the
 * format says (backslash "\\", double quote "\"", newline "\n"); any
 * other control or non-ASCII byte becomes the four characters \xNN (its
 * backslash written "\\"), so the file stays valid UTF-8 and a label
 * value reads as smtpprobe's text output would show it.
 *
 * Cells are row-major: paths[i] x profiles[j] is cells[i * nprofiles +
 * j]. Everything is borrowed.
 */
#ifndef SMTPPROBE_PROBE_REPORT_PROM_H
#define SMTPPROBE_PROBE_REPORT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "probe/verdict/probe_cell.h"

/* The temporary file next to the target: PATH.tmp.XXXXXX (mkstemp). */
#define PROBE_PROM_TMP_SUFFIX	".tmp.XXXXXX"

/* What node_exporter needs to read the file whoever it runs as. */
#define PROBE_PROM_FILE_MODE	0644

/*
 * probe_report_prom_render - every metric; now_epoch (seconds since the
 * epoch) is the smtpprobe_last_run_timestamp_seconds value. Writes to
 * fp only; a write error shows in ferror(fp), which the caller checks.
 */
void	probe_report_prom_render(FILE *fp, const struct probe_cell *cells,
	    const char *const *paths, size_t npaths,
	    const char *const *profiles, size_t nprofiles, double now_epoch);

/*
 * probe_report_prom_render_list - the same families for a list of n
 * cells that each name their path and profile (cells[i].path and
 * .profile), as smtpprobe serve keeps them: a cell whose is_done is
 * false (not probed yet) is left out, and ended_epoch[i] is the
 * smtpprobe_last_run_timestamp_seconds of cells[i]. Writes to fp only.
 */
void	probe_report_prom_render_list(FILE *fp, const struct probe_cell *cells,
	    const double *ended_epoch, size_t n);

/*
 * What smtpprobe serve says of itself, after the cells' families:
 *
 *   smtpprobe_serve_up				1 (0 is a scrape that failed)
 *   smtpprobe_serve_start_timestamp_seconds
 *   smtpprobe_serve_config_load_timestamp_seconds	the last reading
 *   smtpprobe_serve_config_load_success	1, or 0 when refused
 *   smtpprobe_serve_cells			pairs scheduled
 *   smtpprobe_serve_probes_total		counter
 *   smtpprobe_serve_probe_errors_total		counter: verdict error
 */
struct probe_report_prom_serve {
	double			started_epoch;
	double			config_load_epoch;
	bool			is_config_ok;
	size_t			ncells;
	unsigned long long	probes_total;
	unsigned long long	probe_errors_total;
};

/* probe_report_prom_render_serve - serve's health families; fp only. */
void	probe_report_prom_render_serve(FILE *fp,
	    const struct probe_report_prom_serve *h);

/*
 * probe_report_prom_check_file - whether probe_report_prom_write_file
 * could write path now: the same checks and the same temporary file,
 * removed at once. For finding an unwritable --output before any mail is
 * sent. Returns 0, or -1 with one line in err as write_file gives it.
 */
int	probe_report_prom_check_file(const char *path, char *err,
	    size_t errlen);

/*
 * probe_report_prom_write_file - render into path atomically, so that
 * the collector never reads half a file: write a temporary file in the
 * same directory, flush and fsync it, make it PROBE_PROM_FILE_MODE, then
 * rename it over path. Something at path that is not a regular file (a
 * directory, a device such as /dev/stdout, a FIFO, a symbolic link) is
 * refused, not replaced. On any failure the temporary file is removed
 * and whatever was at path stays as it was. Borrows everything.
 * Returns 0, or -1 with one line in err (errlen bytes, always
 * terminated when errlen > 0).
 */
int	probe_report_prom_write_file(const char *path,
	    const struct probe_cell *cells, const char *const *paths,
	    size_t npaths, const char *const *profiles, size_t nprofiles,
	    double now_epoch, char *err, size_t errlen);

#endif
