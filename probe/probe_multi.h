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
 * Signals: the caller's handler of SIGINT and SIGTERM only stores the
 * signal's number in a volatile sig_atomic_t, lent here as o->stop (the
 * one piece of state a handler may touch; nothing here is global). The caller's thread, which supervises, reads it every
 * PROBE_MULTI_TICK_MS; the workers block both signals, so a signal never
 * interrupts a probe's I/O. Once it is set no probe starts; the running
 * ones get PROBE_MULTI_STOP_GRACE_MS to end as they would (each ends its
 * dialogue with QUIT); those still running then are cut as by -t.
 * Cells never started are error cells "not run" with is_done false.
 * The caller lends a flag (probe_signal.h owns the one smtpprobe has).
 *
 * Errors: probe_multi_run() returns -1 only when it could not start
 * (threads, memory); a path that cannot run (a source address that is
 * not local, no recipient for a profile, a bad profile) is an error cell,
 * and the others still run.
 */
#ifndef SMTPPROBE_PROBE_MULTI_H
#define SMTPPROBE_PROBE_MULTI_H

#include <signal.h>
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

/*
 * Progress, called on the caller's thread at most every tick while the
 * run goes on: done of total cells ended, failing of them not passing.
 */
typedef void	probe_multi_progress_fn(void *ctx, size_t done, size_t total,
		    size_t failing);

/* How often the supervising thread looks at the signal and progress. */
#define PROBE_MULTI_TICK_MS		200
/* How long running probes have to end after Ctrl-C or SIGTERM. */
#define PROBE_MULTI_STOP_GRACE_MS	2000

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
	/*
	 * The signal that stopped the run, as the caller's handler stored
	 * it (0: none yet); NULL when signals do not stop runs. When one
	 * did, *stopped_by gets its number after the run.
	 */
	const volatile sig_atomic_t	 *stop;
	int				 *stopped_by;
	probe_multi_progress_fn		 *progress;	/* NULL: none */
	void				 *progress_ctx;
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
