/*
 * probe_servecmd - the serve command: flags, schedule, signals, results.
 */
#include <sys/random.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/config/probe_profile.h"
#include "probe/history/probe_history.h"
#include "probe/probe_servecmd.h"
#include "probe/probe_servehttp.h"
#include "probe/report/probe_report_prom.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"

#define PROBE_SERVECMD_ERROR	3
/* serve's own flags and what send's parser gets: argv's size at most. */
#define PROBE_SERVECMD_ARGS_MAX	256
/* A number macro as text, for the help (two steps: expand, then quote). */
#define PROBE_SERVECMD_QUOTE(x)	#x
#define PROBE_SERVECMD_STR(x)	PROBE_SERVECMD_QUOTE(x)
/* The longest poll(): a wake-up missed for any reason costs this at most. */
#define PROBE_SERVECMD_TICK_MS	60000

/* One path and profile on the schedule. */
struct probe_servecmd_slot {
	const struct probe_config_path	*path;		/* in gen->config */
	size_t				 prof;		/* in gen->profs */
	double				 due;		/* monotonic s */
};

/* A profile's politeness and when a probe to it last started. */
struct probe_servecmd_prof {
	char	name[PROBE_CONFIG_NAME_MAX];
	int	min_interval;
	double	last_start;	/* monotonic s, 0: never */
};

/*
 * One reading of the configuration and everything that points into it:
 * replaced whole on a reload, never changed while a probe runs.
 * results[i] and ended[i] belong to slots[i]; a result not probed yet has
 * is_done false and is not rendered.
 */
struct probe_servecmd_gen {
	struct probe_config		 config;
	struct probe_sign_key		*keys;
	size_t				 nkeys;
	struct probe_servecmd_slot	*slots;
	struct probe_cell		*results;
	double				*ended;		/* epoch s */
	size_t				 n;
	struct probe_servecmd_prof	*profs;
	size_t				 nprofs;
};

struct probe_servecmd {
	/* gen's results and health, against the HTTP thread's reads. */
	pthread_mutex_t			 lock;
	struct probe_servecmd_gen	*gen;
	struct probe_report_prom_serve	 health;
	struct probe_cli_send		 cli;	/* the probe flags */
	probe_multi_exit_fn		*exit_code;
	const char			*listen;
	long long			 interval_s;
	long long			 jitter_s;	/* -1: not given */
	uint64_t			 rng;		/* xorshift64* */
	int				 sigfd;
	int				 done[2];	/* worker -> loop */
	/* The probe in flight; only the loop's thread reads these. */
	pthread_t			 worker;
	bool				 is_busy;
	size_t				 busy_slot;
	struct probe_cell		 fresh;
	char				*args[PROBE_SERVECMD_ARGS_MAX];
};

static const char probe_servecmd_usage_text[] =
"usage: smtpprobe serve [--config FILE] [--listen ADDR:PORT]\n"
"                       [--interval DURATION] [--jitter DURATION]\n"
"                       [probe options]\n"
"\n"
"Probe every configured sending path against every profile it has a\n"
"recipient for, on a schedule, and serve the latest results as Prometheus\n"
"metrics on http://ADDR:PORT/metrics. A scrape never sends mail.\n"
"\n"
"  --config FILE         the paths (default: " PROBE_CONFIG_ETC ",\n"
"                        then ~/" PROBE_CONFIG_USER ")\n"
"  --listen ADDR:PORT    where to listen (default " PROBE_SERVECMD_LISTEN
    "; [::1]:PORT\n"
"                        for IPv6; port 0: any free port). Only /metrics\n"
"                        is answered; anything else is 404\n"
"  --interval DURATION   between two probes of one path and profile\n"
"                        (default 15m; 30s, 15m, 1h; at most 1d)\n"
"  --jitter DURATION     up to this much later, at random (default a tenth\n"
"                        of the interval), so that paths spread out\n"
"  -h, --help            this help;  -V, --version  the version\n"
"\n"
"Probe options, as smtpprobe send takes them: --from, --header-from,\n"
"--source, --helo, --server, --port, --dns-server, --allow-loopback-mx,\n"
"-4, -6, --starttls, --tls-verify, --tls-ca, --quit-after, --timeout,\n"
"--subject, --body-file, --header, --catalog, --no-check, --relay,\n"
"--auth-user, --auth-password-file, --dkim-selector, --dkim-domain.\n"
"\n"
"Signals: SIGHUP reloads the configuration (a bad one is refused and the\n"
"old one kept); SIGTERM or SIGINT ends serve within "
    PROBE_SERVECMD_STR(PROBE_SERVECMD_STOP_S) " s, with status 0.\n"
"Exit status: 0 after SIGTERM/SIGINT, 3 for bad usage or configuration.\n";

static int
probe_servecmd_fail(const char *msg)
{
	fputs("smtpprobe serve: ", stderr);
	probe_escape_text(stderr, msg, strlen(msg));
	fputs("\nTry 'smtpprobe serve --help'.\n", stderr);
	return PROBE_SERVECMD_ERROR;
}

static void
probe_servecmd_say(const char *msg, const char *detail)
{
	fputs("smtpprobe serve: ", stderr);
	fputs(msg, stderr);
	if (detail != NULL)
		probe_escape_text(stderr, detail, strlen(detail));
	putc('\n', stderr);
}

static double
probe_servecmd_mono(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A uniform draw in [0, max] seconds (xorshift64*: jitter, not secrets). */
static double
probe_servecmd_jitter(struct probe_servecmd *s)
{
	double max = (double)(s->jitter_s >= 0 ? s->jitter_s :
	    s->interval_s / PROBE_SERVECMD_JITTER_DIV);

	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return max * (double)((s->rng * 2685821657736338717ULL) >> 11) /
	    (double)(1ULL << 53);
}

/*
 * Which of send's flags serve does not take, by the field they set:
 * they make no sense for a schedule of configured paths.
 */
static const char *
probe_servecmd_refused(const struct probe_cli_send *c)
{
	if (c->nto > 0)
		return "--to: serve probes only the configured paths";
	if (c->format != PROBE_CLI_FORMAT_TEXT || c->json || c->output ||
	    c->quiet)
		return "--format, --json, --output and -q are send's: serve "
		    "speaks Prometheus on /metrics";
	if (c->npaths > 0 || c->profile != NULL)
		return "--path and --profile are send's: serve probes every "
		    "path against each profile it has a recipient for";
	if (c->lock_file || c->wait || c->timeout_total_s || c->warn_s ||
	    c->crit_s || c->cert_warn_days >= 0 || c->expect ||
	    c->report_changes || c->path_name)
		return "a flag of send's one-shot runs (--lock-file, --wait, "
		    "-t, -w, -c, --cert-days, --expect, --report, --path-name) "
		    "has no meaning for serve";
	if (c->history || c->no_history || c->keep_days >= 0 ||
	    c->remind_s >= 0 || c->dkim_key)
		return "--history, --no-history, --keep, --remind and "
		    "--dkim-key are send's: serve keeps results in memory and "
		    "signs with each path's dkim_key";
	return NULL;
}

/* "--name=v" or "--name v": v, *i moved past it; NULL when not name. */
static const char *
probe_servecmd_own(int argc, char **argv, int *i, const char *name,
    bool *is_missing)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*is_missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int
probe_servecmd_duration(const char *flag, const char *v, long long min,
    long long *out, char *err, size_t errlen)
{
	if (probe_when_duration(v, out) != 0 || *out < min ||
	    *out > PROBE_SERVECMD_INTERVAL_MAX) {
		(void)snprintf(err, errlen, "%s: not a duration from %llds to "
		    "1d (30s, 15m, 1h): %.64s", flag, min, v);
		return -1;
	}
	return 0;
}

/* serve's flags out of argv, the rest to send's parser, then refusals. */
static int
probe_servecmd_parse(struct probe_servecmd *s, int argc, char **argv,
    char *err, size_t errlen)
{
	const char *v, *ival = NULL, *jval = NULL;
	const char *bad;
	int i, n = 0;
	bool is_missing = false;

	s->args[n++] = argv[0];
	for (i = 1; i < argc && n < PROBE_SERVECMD_ARGS_MAX - 1; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((v = probe_servecmd_own(argc, argv, &i, "--listen",
		    &is_missing)) != NULL)
			s->listen = v;
		else if ((v = probe_servecmd_own(argc, argv, &i, "--interval",
		    &is_missing)) != NULL)
			ival = v;
		else if ((v = probe_servecmd_own(argc, argv, &i, "--jitter",
		    &is_missing)) != NULL)
			jval = v;
		else if (is_missing)
			break;
		else
			s->args[n++] = argv[i];
	}
	if (is_missing || i < argc) {
		(void)snprintf(err, errlen, is_missing ? "%.64s needs a value" :
		    "unexpected argument \"%.64s\"", argv[i < argc ? i : argc - 1]);
		return -1;
	}
	s->args[n] = NULL;
	if (probe_cli_parse_send(n, s->args, &s->cli, err, errlen) != 0)
		return -1;
	s->interval_s = PROBE_SERVECMD_INTERVAL_S;
	s->jitter_s = -1;
	if ((ival != NULL && probe_servecmd_duration("--interval", ival, 1,
	    &s->interval_s, err, errlen) != 0) || (jval != NULL &&
	    probe_servecmd_duration("--jitter", jval, 0, &s->jitter_s, err,
	    errlen) != 0))
		return -1;
	bad = probe_servecmd_refused(&s->cli);
	if (bad != NULL) {
		(void)snprintf(err, errlen, "%s", bad);
		return -1;
	}
	return 0;
}

static void
probe_servecmd_gen_free(struct probe_servecmd_gen *g)
{
	if (g == NULL)
		return;
	if (g->results != NULL)
		probe_multi_free_cells(g->results, g->n);
	free(g->results);
	free(g->ended);
	free(g->slots);
	free(g->profs);
	while (g->keys != NULL && g->nkeys > 0)
		probe_sign_key_free(&g->keys[--g->nkeys]);
	free(g->keys);
	probe_config_free(&g->config);
	free(g);
}

/* The index of profile name in g->profs, added with its politeness. */
static int
probe_servecmd_prof(struct probe_servecmd_gen *g, const char *name,
    struct probe_profile *scratch, size_t *out, char *err, size_t errlen)
{
	char why[PROBE_PROFILE_ERR_MAX];
	size_t i;

	for (i = 0; i < g->nprofs; i++)
		if (strcmp(g->profs[i].name, name) == 0)
			break;
	*out = i;
	if (i < g->nprofs)
		return 0;
	if (probe_profile_load(name, scratch, why, sizeof(why)) != 0) {
		(void)snprintf(err, errlen, "profile %s: %.900s", name, why);
		return -1;
	}
	(void)snprintf(g->profs[i].name, sizeof(g->profs[i].name), "%s", name);
	g->profs[i].min_interval = scratch->min_interval;
	g->nprofs++;
	return 0;
}

/* Each path's DKIM key, each file read once, as send reads them. */
static int
probe_servecmd_keys(struct probe_servecmd_gen *g, char *err, size_t errlen)
{
	char why[PROBE_CONFIG_ERR_MAX];
	const char *file;
	size_t i, k;

	g->keys = calloc(g->config.npaths + 1, sizeof(*g->keys));
	if (g->keys == NULL)
		goto nomem;
	for (i = 0; i < g->config.npaths; i++) {
		file = g->config.paths[i].dkim_key;
		for (k = 0; k < g->nkeys; k++)
			if (strcmp(g->keys[k].path, file) == 0)
				break;
		if (file[0] == '\0' || k < g->nkeys)
			continue;
		if (probe_sign_key_load(file, &g->keys[g->nkeys], why,
		    sizeof(why)) != 0) {
			probe_sign_key_free(&g->keys[g->nkeys]);
			(void)snprintf(err, errlen, "dkim_key %.900s", why);
			return -1;
		}
		g->nkeys++;
	}
	return 0;
nomem:
	(void)snprintf(err, errlen, "out of memory");
	return -1;
}

/* The slots of g: every path against each profile it has a mailbox at. */
static int
probe_servecmd_slots(struct probe_servecmd_gen *g, char *err, size_t errlen)
{
	struct probe_profile *scratch = calloc(1, sizeof(*scratch));
	const struct probe_config_path *p;
	size_t i, k, n = 0;
	int rc = -1;

	for (i = 0; i < g->config.npaths; i++)
		n += g->config.paths[i].nrcpts;
	g->slots = calloc(n + 1, sizeof(*g->slots));
	g->results = calloc(n + 1, sizeof(*g->results));
	g->ended = calloc(n + 1, sizeof(*g->ended));
	g->profs = calloc(n + 1, sizeof(*g->profs));
	if (scratch == NULL || g->slots == NULL || g->results == NULL ||
	    g->ended == NULL || g->profs == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < g->config.npaths; i++) {
		p = &g->config.paths[i];
		for (k = 0; k < p->nrcpts; k++, g->n++) {
			g->slots[g->n].path = p;
			if (probe_servecmd_prof(g, p->rcpts[k].profile, scratch,
			    &g->slots[g->n].prof, err, errlen) != 0)
				goto out;
			g->results[g->n].path = p->name;
			g->results[g->n].profile = g->profs[g->slots[g->n].prof]
			    .name;
		}
	}
	rc = 0;
out:
	free(scratch);
	return rc;
}

/* Read the configuration into a new generation; NULL with err filled. */
static struct probe_servecmd_gen *
probe_servecmd_gen_load(const struct probe_servecmd *s, char *err,
    size_t errlen)
{
	struct probe_servecmd_gen *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (probe_config_load(s->cli.config, &g->config, err, errlen) != 0 ||
	    probe_servecmd_keys(g, err, errlen) != 0 ||
	    probe_servecmd_slots(g, err, errlen) != 0)
		goto fail;
	if (g->n == 0) {
		(void)snprintf(err, errlen, "nothing to probe: no path with "
		    "recipients in %s (see --config)", g->config.file[0] ?
		    g->config.file : PROBE_CONFIG_ETC);
		goto fail;
	}
	return g;
fail:
	probe_servecmd_gen_free(g);
	return NULL;
}

/*
 * What a reload keeps: the result, its time and the schedule of each
 * path and profile still configured, and each profile's last start; a
 * new pair is due within the jitter.
 */
static void
probe_servecmd_carry(struct probe_servecmd *s, struct probe_servecmd_gen *ng,
    struct probe_servecmd_gen *og, double now)
{
	struct probe_cell *r;
	size_t i, j;

	for (i = 0; i < ng->nprofs; i++)
		for (j = 0; og != NULL && j < og->nprofs; j++)
			if (strcmp(ng->profs[i].name, og->profs[j].name) == 0)
				ng->profs[i].last_start = og->profs[j].last_start;
	for (i = 0; i < ng->n; i++) {
		ng->slots[i].due = now + probe_servecmd_jitter(s);
		for (j = 0; og != NULL && j < og->n; j++) {
			/* By the slots: a result moved already is zeroed. */
			if (strcmp(ng->slots[i].path->name,
			    og->slots[j].path->name) != 0 ||
			    strcmp(ng->profs[ng->slots[i].prof].name,
			    og->profs[og->slots[j].prof].name) != 0)
				continue;
			ng->slots[i].due = og->slots[j].due;
			ng->ended[i] = og->ended[j];
			r = &ng->results[i];
			*r = og->results[j];
			r->path = ng->slots[i].path->name;
			r->profile = ng->profs[ng->slots[i].prof].name;
			/* Moved: the old generation must not free them. */
			memset(&og->results[j], 0, sizeof(og->results[j]));
			break;
		}
	}
}

/*
 * Read the configuration again (SIGHUP), or the first time (og NULL).
 * A configuration that does not load leaves the old one in place and
 * says so on stderr and in the health metrics. Returns 0 or -1.
 */
static int
probe_servecmd_load(struct probe_servecmd *s)
{
	struct probe_servecmd_gen *ng, *og = s->gen;
	char err[PROBE_CONFIG_ERR_MAX];

	ng = probe_servecmd_gen_load(s, err, sizeof(err));
	/*
	 * Said before the metrics show it: whoever sees the failure in
	 * /metrics finds its reason on stderr already.
	 */
	if (ng == NULL)
		probe_servecmd_say(og != NULL ? "configuration not reloaded, "
		    "the previous one is kept: " : "", err);
	pthread_mutex_lock(&s->lock);
	s->health.config_load_epoch = (double)time(NULL);
	s->health.is_config_ok = ng != NULL;
	if (ng != NULL) {
		probe_servecmd_carry(s, ng, og, probe_servecmd_mono());
		s->gen = ng;
		s->health.ncells = ng->n;
	}
	pthread_mutex_unlock(&s->lock);
	if (ng == NULL)
		return -1;
	if (og != NULL)
		probe_servecmd_say("configuration reloaded from ",
		    ng->config.file);
	probe_servecmd_gen_free(og);
	return 0;
}

/* The worker: one probe of one slot, blocking, into s->fresh. */
static void *
probe_servecmd_worker(void *arg)
{
	struct probe_servecmd *s = arg;
	struct probe_servecmd_gen *g = s->gen;	/* fixed while busy */
	const struct probe_config_path *paths[1];
	const char *profiles[1];
	struct probe_multi_opts mo;
	char err[PROBE_CONFIG_ERR_MAX], c = 'd';

	paths[0] = g->slots[s->busy_slot].path;
	profiles[0] = g->profs[g->slots[s->busy_slot].prof].name;
	memset(&mo, 0, sizeof(mo));
	mo.cli = &s->cli;
	mo.paths = paths;
	mo.npaths = 1;
	mo.profiles = profiles;
	mo.nprofiles = 1;
	mo.jobs = 1;
	mo.exit_code = s->exit_code;
	mo.keys = g->keys;
	mo.nkeys = g->nkeys;
	if (probe_multi_run(&mo, &s->fresh, err, sizeof(err)) != 0) {
		memset(&s->fresh, 0, sizeof(s->fresh));
		s->fresh.verdict = PROBE_VERDICT_ERROR;
		(void)snprintf(s->fresh.error, sizeof(s->fresh.error), "%.500s",
		    err);
	}
	/* A full pipe cannot happen: one byte per probe, read each time. */
	(void)write(s->done[1], &c, 1);
	return NULL;
}

/*
 * The probe that ended becomes its slot's result: compared with the one
 * before by the history's own rule of what a change is, so the
 * state-since series means what it means in send's files.
 */
static void
probe_servecmd_keep(struct probe_servecmd *s)
{
	struct probe_servecmd_gen *g = s->gen;
	struct probe_cell *old = &g->results[s->busy_slot], *c = &s->fresh;
	struct probe_history_last last;
	time_t now = time(NULL);

	memset(&last, 0, sizeof(last));
	if (old->is_done) {
		last.found = true;
		last.time = (time_t)g->ended[s->busy_slot];
		last.since = old->has_history ? (time_t)old->since : last.time;
		last.verdict = old->verdict;
		memcpy(last.cause, old->cause, sizeof(last.cause));
		last.code = old->code;
		(void)snprintf(last.enhanced, sizeof(last.enhanced), "%s",
		    old->enhanced);
	}
	c->path = old->path;
	c->profile = old->profile;
	c->is_done = true;
	probe_history_note(&last, now, 0, c);
	pthread_mutex_lock(&s->lock);
	probe_multi_free_cells(old, 1);
	*old = *c;
	g->ended[s->busy_slot] = (double)now;
	s->health.probes_total++;
	if (probe_verdict_cell(c) == PROBE_VERDICT_ERROR)
		s->health.probe_errors_total++;
	pthread_mutex_unlock(&s->lock);
	memset(c, 0, sizeof(*c));
}

/*
 * Start the slot that is due first, if it is due and its profile's
 * min_interval allows; a slot held back by politeness moves to when it
 * may start. Returns the seconds until the next slot is due (0: one
 * started, or try again at once).
 */
static double
probe_servecmd_start_due(struct probe_servecmd *s)
{
	struct probe_servecmd_gen *g = s->gen;
	struct probe_servecmd_prof *pr;
	double now = probe_servecmd_mono(), may;
	size_t i, best = 0;

	for (i = 1; i < g->n; i++)
		if (g->slots[i].due < g->slots[best].due)
			best = i;
	if (g->slots[best].due > now)
		return g->slots[best].due - now;
	pr = &g->profs[g->slots[best].prof];
	may = pr->last_start + pr->min_interval;
	if (pr->last_start > 0 && may > now) {
		g->slots[best].due = may;
		return 0;
	}
	pr->last_start = now;
	g->slots[best].due = now + (double)s->interval_s +
	    probe_servecmd_jitter(s);
	s->busy_slot = best;
	if (pthread_create(&s->worker, NULL, probe_servecmd_worker, s) != 0) {
		probe_servecmd_say("cannot start a probe thread; trying again "
		    "at the next interval", NULL);
		return 0;
	}
	s->is_busy = true;
	return 0;
}

/* What the signalfd said: 'H' reload, 'T' stop, 0 nothing. */
static char
probe_servecmd_signal(struct probe_servecmd *s)
{
	struct signalfd_siginfo si;

	if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP)
		return 'H';
	return 'T';
}

/* The worker said it is done: join it and keep its result. */
static void
probe_servecmd_reap(struct probe_servecmd *s)
{
	char c;

	if (read(s->done[0], &c, 1) != 1 || !s->is_busy)
		return;
	(void)pthread_join(s->worker, NULL);	/* ours, joinable */
	s->is_busy = false;
	probe_servecmd_keep(s);
}

/*
 * The loop: start what is due, sleep until the next slot, a signal or
 * the end of the probe in flight. Returns when stopped; *is_cut when a
 * probe was still running PROBE_SERVECMD_STOP_S after the signal.
 */
static void
probe_servecmd_loop(struct probe_servecmd *s, bool *is_cut)
{
	struct pollfd pfd[2];
	double wait_s, stop_by = 0;
	bool is_stopping = false, is_reload = false;
	char sig;

	pfd[0].fd = s->sigfd;
	pfd[1].fd = s->done[0];
	for (;;) {
		wait_s = PROBE_SERVECMD_TICK_MS / 1000.0;
		if (!s->is_busy && is_stopping)
			return;
		if (!s->is_busy && is_reload) {
			is_reload = false;
			(void)probe_servecmd_load(s);	/* said inside */
		}
		if (!s->is_busy && !is_stopping)
			wait_s = probe_servecmd_start_due(s);
		if (is_stopping) {
			wait_s = stop_by - probe_servecmd_mono();
			if (wait_s <= 0) {
				*is_cut = true;
				return;
			}
		} else if (s->is_busy || wait_s > PROBE_SERVECMD_TICK_MS /
		    1000.0) {
			wait_s = PROBE_SERVECMD_TICK_MS / 1000.0;
		}
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, (int)(wait_s * 1000.0) + 1) <= 0)
			continue;	/* a timeout, or EINTR: look again */
		if (pfd[0].revents & POLLIN) {
			sig = probe_servecmd_signal(s);
			is_reload |= sig == 'H';
			if (sig == 'T' && !is_stopping) {
				is_stopping = true;
				stop_by = probe_servecmd_mono() +
				    PROBE_SERVECMD_STOP_S;
			}
		}
		if (pfd[1].revents & POLLIN)
			probe_servecmd_reap(s);
	}
}

/*
 * /metrics: the results and the health, rendered under the lock into
 * memory that probe_servehttp frees.
 */
static char *
probe_servecmd_render(void *cls, size_t *len)
{
	struct probe_servecmd *s = cls;
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);

	if (fp == NULL)
		return NULL;
	pthread_mutex_lock(&s->lock);
	probe_report_prom_render_list(fp, s->gen->results, s->gen->ended,
	    s->gen->n);
	probe_report_prom_render_serve(fp, &s->health);
	pthread_mutex_unlock(&s->lock);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

/*
 * SIGHUP, SIGTERM and SIGINT to a signalfd, blocked first in this thread
 * so that every thread started after (libmicrohttpd's, the workers')
 * inherits the mask and none runs a handler. Returns 0 or -1.
 */
static int
probe_servecmd_signals(struct probe_servecmd *s)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	sigset_t set;
	size_t i;

	(void)sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		(void)sigaddset(&set, sigs[i]);	/* valid signals: no error */
		/*
		 * An ignored signal is discarded, never queued, so a signalfd
		 * would not see it: a shell starts background jobs with
		 * SIGINT ignored, nohup with SIGHUP. Blocked, the default
		 * action never runs; the signal waits for us instead.
		 */
		(void)signal(sigs[i], SIG_DFL);
	}
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s->sigfd == -1)
		return -1;
	return pipe2(s->done, O_CLOEXEC);
}

/* Everything after the flags: signals, configuration, HTTP, the loop. */
static int
probe_servecmd_serve(struct probe_servecmd *s, bool *is_cut)
{
	struct sockaddr_storage ss;
	struct probe_servehttp *http;
	socklen_t sslen;
	char err[PROBE_CONFIG_ERR_MAX], where[PROBE_SERVEHTTP_ADDR_MAX];

	if (probe_servehttp_parse_listen(s->listen, &ss, &sslen, err,
	    sizeof(err)) != 0)
		return probe_servecmd_fail(err);
	if (probe_servecmd_signals(s) != 0)
		return probe_servecmd_fail("cannot set up signal handling");
	if (getrandom(&s->rng, sizeof(s->rng), 0) != (ssize_t)sizeof(s->rng))
		s->rng = (uint64_t)time(NULL);	/* jitter, not a secret */
	s->rng |= 1;	/* xorshift never leaves 0 */
	s->health.started_epoch = (double)time(NULL);
	if (probe_servecmd_load(s) != 0)
		return PROBE_SERVECMD_ERROR;
	http = probe_servehttp_open((struct sockaddr *)&ss,
	    probe_servecmd_render, s, err, sizeof(err));
	if (http == NULL)
		return probe_servecmd_fail(err);
	probe_servehttp_where(http, where, sizeof(where));
	fprintf(stderr, "smtpprobe serve: listening on %s, %zu paths and "
	    "profiles from %s, every %llds\n", where, s->gen->n,
	    s->gen->config.file[0] ? s->gen->config.file : "(none)",
	    s->interval_s);
	(void)fflush(stderr);	/* nothing to do if it fails */
	probe_servecmd_loop(s, is_cut);
	probe_servehttp_close(http);
	return 0;
}

int
probe_servecmd_run(int argc, char **argv, probe_multi_exit_fn *exit_code,
    bool *is_cut)
{
	struct probe_servecmd *s = calloc(1, sizeof(*s));
	char err[PROBE_CONFIG_ERR_MAX];
	int rc;

	*is_cut = false;
	if (s == NULL)
		return probe_servecmd_fail("out of memory");
	s->exit_code = exit_code;
	s->listen = PROBE_SERVECMD_LISTEN;
	s->sigfd = s->done[0] = s->done[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (probe_servecmd_parse(s, argc, argv, err, sizeof(err)) != 0) {
		rc = probe_servecmd_fail(err);
	} else if (s->cli.help) {
		fputs(probe_servecmd_usage_text, stdout);
		rc = 0;
	} else if (s->cli.version) {
		printf("smtpprobe %s\n", SMTPPROBE_VERSION);
		rc = 0;
	} else {
		rc = probe_servecmd_serve(s, is_cut);
	}
	/* Cut: the probe still running reads s until the process ends. */
	if (*is_cut)
		return rc;
	probe_servecmd_gen_free(s->gen);
	if (s->sigfd != -1)
		(void)close(s->sigfd);	/* ours, nothing to report */
	if (s->done[0] != -1) {
		(void)close(s->done[0]);
		(void)close(s->done[1]);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}
