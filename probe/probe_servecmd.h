/*
 * probe_servecmd - "smtpprobe serve": a long-running Prometheus exporter.
 * It probes the configured sending paths (probe_config: every path
 * against every profile it has a recipient for) on its own schedule,
 * keeps the latest result of each path and profile in memory, and serves
 * them on /metrics (probe_servehttp) in the families send --format
 * prometheus writes (probe_report_prom), plus its own health.
 *
 * Schedule: each path and profile is probed every --interval seconds
 * plus a random 0 to --jitter seconds, the first time within --jitter of
 * the start. One probe runs at a time, so a provider never sees two at
 * once from this host, and two probes to one profile start at least its
 * min_interval apart (probe_profile). A scrape only reads what is kept:
 * it never sends mail and never names a target.
 *
 * Signals arrive through a signalfd (all three are blocked in every
 * thread before any thread starts), so nothing global is written from a
 * handler: SIGHUP reloads the configuration (a bad one is refused, said
 * on stderr and in smtpprobe_serve_config_load_success, and the old one
 * kept); SIGTERM and SIGINT stop scheduling, wait up to
 * PROBE_SERVECMD_STOP_S for the probe in flight, and end with status 0.
 *
 * Errors: a bad flag or a configuration that cannot be used at start
 * returns 3 with one line on stderr.
 */
#ifndef SMTPPROBE_PROBE_SERVECMD_H
#define SMTPPROBE_PROBE_SERVECMD_H

#include <stdbool.h>

#include "probe/probe_multi.h"

/* Prometheus' blackbox_exporter listens on 9115; we take 9185. */
#define PROBE_SERVECMD_LISTEN		"127.0.0.1:9185"
/* Every 15 minutes: 96 test messages a day per path and profile. */
#define PROBE_SERVECMD_INTERVAL_S	900
/* A day: slower than that is a cron job's work. */
#define PROBE_SERVECMD_INTERVAL_MAX	86400
/* Jitter when not given: a tenth of the interval. */
#define PROBE_SERVECMD_JITTER_DIV	10
/*
 * How long SIGTERM waits for the probe in flight; systemd's default
 * TimeoutStopSec is 90 s, a probe's own --timeout default is longer.
 */
#define PROBE_SERVECMD_STOP_S		5

/*
 * probe_servecmd_run - argv[0] is "serve". Returns 0 after SIGTERM or
 * SIGINT, or 3. *is_cut is set when a probe was still running at the
 * stop: the caller must then end the process with _exit() (see
 * probe_multi.h).
 */
int	probe_servecmd_run(int argc, char **argv, probe_multi_exit_fn *exit_code,
	    bool *is_cut);

#endif
