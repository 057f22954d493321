/*
 * probe_multi - run many probes: every selected sending path against every
 * selected provider profile, up to --jobs at once, within each profile's
 * politeness (at most max_connections probes in flight and min_interval
 * seconds between probe starts, per profile and recipient domain: the
 * same MX hosts), and condense each probe into its cell the moment it
 * ends (probe_cell.h). Results do not depend on the order in which
 * probes finish: cells are laid out in configuration order.
 *
 * A probe is one thread's blocking dialogue; threads are the workers, so
 * nothing forks and nothing is executed. Catalogs are loaded once, when
 * the first probe does not pass, and used under a lock (PCRE2 match data
 * is shared).
 *
 * With a deadline (-t), the probes run in threads and the caller's
 * thread waits for them at most until then: what finished is copied
 * out, the rest is an error cell "not finished", and the run is cut.
 *
 * Errors: probe_multi_run() returns -1 only when it could not start
 * (threads, memory); a path that cannot run (a source address that is
 * not local, no recipient for a profile, a bad profile) is an error cell,
 * and the others still run.
 */
#ifndef SMTPPROBE_PROBE_MULTI_H
#define SMTPPROBE_PROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "probe/verdict/probe_cell.h"
#include "probe/config/probe_cli.h"
#include "probe/config/probe_config.h"
#include "probe/run/probe_sign.h"

/* Enough for a large fleet; each worker holds one probe's memory. */
#define PROBE_MULTI_JOBS_MAX	256

typedef int	probe_multi_exit_fn(enum probe_verdict v);

struct probe_multi_opts {
	const struct probe_cli_send	 *cli;	/* flags: override the paths */
	const struct probe_config_path	**paths;
	size_t				  npaths;
	const char *const		 *profiles;
	size_t				  nprofiles;
	int				  jobs;
	bool				  want_text;	/* render detail_text */
	bool				  want_json;	/* render detail_json */
	probe_multi_exit_fn		 *exit_code;	/* for the JSON */
	/* The DKIM keys, read before the run, found by their path. */
	const struct probe_sign_key	 *keys;
	size_t				  nkeys;
	/*
	 * -t: when the whole run must end (CLOCK_MONOTONIC); tv_sec 0 for
	 * no limit. Past it, the cells not finished are errors that say
	 * so, and *is_cut is set: the probes still running were left
	 * behind in their threads, so the caller must end the process
	 * (_exit) once it has reported, and until then keep these options
	 * and all they point to (the cli, paths, keys) alive.
	 */
	struct timespec			  deadline;
	bool				 *is_cut;
};

/*
 * probe_multi_run - run every path x profile into cells (npaths *
 * nprofiles of them, row-major, zeroed first). Free the cells' strings
 * with probe_multi_free_cells().
 * Returns 0, or -1 with err filled.
 */
int	probe_multi_run(const struct probe_multi_opts *o,
	    struct probe_cell *cells, char *err, size_t errlen);

/*
 * probe_multi_expect_check - check --expect and every expectation of the
 * paths (file names the config in messages) before anything is sent.
 * Returns 0, or -1 with err filled ("FILE:LINE: ...").
 */
int	probe_multi_expect_check(const struct probe_cli_send *cli,
	    const char *file, const struct probe_config_path *const *paths,
	    size_t npaths, char *err, size_t errlen);

/* probe_multi_free_cells - free the rendered details of n cells. */
void	probe_multi_free_cells(struct probe_cell *cells, size_t n);

#endif
