/*
 * probe_multi - the worker pool, politeness, and condensing probes into
 * cells.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/auth/probe_bulk.h"
#include "probe/auth/probe_check.h"
#include "probe/catalog/probe_diag.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_when.h"
#include "probe/probe_multi.h"
#include "probe/probe_signal.h"
#include "probe/report/probe_report_json.h"
#include "probe/report/probe_report_text.h"
#include "probe/run/probe_send.h"
#include "smtp/smtp_clock.h"

/*
 * One politeness key: an MX host name or an address. Two recipient
 * domains that share an MX (gmail.com, googlemail.com, every Workspace
 * domain) share its keys, so a profile's max_connections and
 * min_interval hold for the servers themselves, not per domain.
 */
struct probe_multi_key {
	struct probe_multi_key	*next;
	char			 name[300];	/* "mx:HOST", "ip:ADDRESS" */
	int			 active;
	double			 last_start;	/* monotonic s; 0: never */
};

struct probe_multi_state {
	const struct probe_multi_opts	*o;
	struct probe_cell		*cells;
	size_t				 ncells;
	size_t				 next;
	pthread_mutex_t			 lock;
	pthread_cond_t			 cond;
	/* -t: cells finished, signalled on done (CLOCK_MONOTONIC). */
	size_t				 ndone;
	pthread_cond_t			 done;
	bool				 is_cut;	/* start no more */
	/* One per server met: memory follows servers, not paths. */
	struct probe_multi_key		*keys;
	pthread_mutex_t			 catalog_lock;
	struct probe_catalog		 catalog;
	bool				 catalog_tried;
	bool				 catalog_ok;
	char				 catalog_err[PROBE_CATALOG_ERR_MAX];
	/* The Public Suffix List of the pre-flight checks: loaded once. */
	pthread_mutex_t			 psl_lock;
	struct probe_dmarc_psl		 psl;
	bool				 psl_tried;
	bool				 psl_ok;
	char				 psl_err[PROBE_CHECK_ERR_MAX];
};

/* Everything one probe owns while it runs: freed as soon as it ends. */
struct probe_multi_job {
	struct probe_cli_send	cli;
	struct probe_send	send;
	struct probe_result	result;
	struct probe_catalog_match matches[PROBE_ATTEMPTS_MAX];
	struct probe_catalog_match dns;
	bool			has_diag;
	struct probe_check_result *check;	/* NULL: none ran */
	struct probe_bulk_list	bulk;		/* decided when check ran */
	char			check_note[PROBE_CHECK_ERR_MAX + 32];
};

void
probe_multi_free_cells(struct probe_cell *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cells[i].detail_text);
		free(cells[i].detail_json);
		cells[i].detail_text = cells[i].detail_json = NULL;
	}
}

_Static_assert(PROBE_CELL_ID_MAX == PROBE_ID_MAX,
    "a cell keeps the whole probe id");

/* Flags win; the path fills in what they leave out. */
static const char *
probe_multi_pick(const char *flag, const char *from_path)
{
	if (flag != NULL)
		return flag;
	return from_path != NULL && from_path[0] != '\0' ? from_path : NULL;
}

/*
 * The key a path's recipients use for a profile: its name, or for a
 * profile given as a file ("/etc/x/bench.yaml") the file's base name
 * without ".yaml".
 */
static void
probe_multi_profile_key(const char *profile, char *out, size_t outlen)
{
	const char *slash = strrchr(profile, '/');
	const char *base = slash ? slash + 1 : profile;
	size_t len = strlen(base);

	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	(void)snprintf(out, outlen, "%.*s", (int)len, base);
}

/* The command line this path and profile amount to; -1 with why. */
static int
probe_multi_cli(const struct probe_multi_opts *o,
    const struct probe_config_path *p, const char *profile,
    struct probe_cli_send *c, char *err, size_t errlen)
{
	char key[PROBE_CONFIG_NAME_MAX];
	const char *rcpt;

	*c = *o->cli;
	/* "none": the ad-hoc probe without --profile. */
	c->profile = strcmp(profile, "none") == 0 ? NULL : profile;
	if (p == NULL)
		return 0;
	c->from = probe_multi_pick(o->cli->from, p->mail_from);
	c->header_from = probe_multi_pick(o->cli->header_from, p->header_from);
	c->source = probe_multi_pick(o->cli->source, p->source);
	c->helo = probe_multi_pick(o->cli->helo, p->helo);
	if (o->cli->relay == NULL && p->relay[0] != '\0') {
		c->relay = p->relay;
		c->relay_port = p->relay_port;
	}
	c->auth_user = probe_multi_pick(o->cli->auth_user, p->auth_user);
	c->auth_password_file = probe_multi_pick(o->cli->auth_password_file,
	    p->auth_password_file);
	/* A key and its selector go together: the flags' pair or the path's. */
	if (o->cli->dkim_key == NULL && p->dkim_key[0] != '\0') {
		c->dkim_key = p->dkim_key;
		c->dkim_selector = p->dkim_selector;
	}
	c->dkim_selector = probe_multi_pick(c->dkim_selector,
	    p->dkim_selector);
	c->dkim_domain = probe_multi_pick(o->cli->dkim_domain, p->dkim_domain);
	if (o->cli->nto > 0)
		return 0;
	probe_multi_profile_key(profile, key, sizeof(key));
	rcpt = probe_config_rcpt(p, key);
	if (rcpt == NULL) {
		(void)snprintf(err, errlen, "path %s has no recipient for "
		    "profile %s (add \"%s: you@...\" under its recipients)",
		    p->name, key, key);
		return -1;
	}
	c->to[0] = rcpt;
	c->nto = 1;
	return 0;
}

/* The key read before the run for file (probe_sendcmd); NULL: none. */
static const struct probe_sign_key *
probe_multi_sign_key(const struct probe_multi_opts *o, const char *file)
{
	size_t i;

	for (i = 0; file != NULL && i < o->nkeys; i++)
		if (strcmp(o->keys[i].path, file) == 0)
			return &o->keys[i];
	return NULL;
}

/* The key of kind:what, made when first met; NULL without memory. */
static struct probe_multi_key *
probe_multi_key(struct probe_multi_state *st, const char *kind,
    const char *what)
{
	char name[sizeof(st->keys->name)];
	struct probe_multi_key *k;
	size_t i;

	(void)snprintf(name, sizeof(name), "%s:%s", kind, what);
	/* DNS names compare without regard to case. */
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	for (k = st->keys; k != NULL; k = k->next)
		if (strcmp(k->name, name) == 0)
			return k;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	memcpy(k->name, name, sizeof(name));
	k->next = st->keys;
	st->keys = k;
	return k;
}

/* What one probe's connections are held to: its profile's limits. */
struct probe_multi_gate {
	struct probe_multi_state	*st;
	int				 max;
	double				 gap;
};

/* The pair of keys one connection holds. */
struct probe_multi_token {
	struct probe_multi_key	*k[2];
};

/* Whether k admits one more connection now; else how long to wait. */
static bool
probe_multi_key_ready(const struct probe_multi_key *k,
    const struct probe_multi_gate *g, double now, double *wait)
{
	double w = k->last_start > 0 ? k->last_start + g->gap - now : 0;

	if (k->active >= g->max) {
		*wait = -1;	/* until a connection ends */
		return false;
	}
	if (w > 0) {
		if (*wait < 0 || w > *wait)
			*wait = w;
		return false;
	}
	return true;
}

/*
 * Wait until both the MX host and the address admit a connection within
 * the profile's politeness, then take both (under one lock, so two
 * probes never hold one key each and wait for the other's).
 */
static void *
probe_multi_gate_in(void *ctx, const char *mx_host, const char *address)
{
	struct probe_multi_gate *g = ctx;
	struct probe_multi_state *st = g->st;
	struct probe_multi_token *t = calloc(1, sizeof(*t));
	struct timespec ts;
	double now, wait;
	bool ready;
	int i;

	if (t == NULL)
		return NULL;	/* no memory for politeness: go on */
	pthread_mutex_lock(&st->lock);
	t->k[0] = probe_multi_key(st, "mx", mx_host);
	t->k[1] = probe_multi_key(st, "ip", address);
	if (t->k[0] == NULL || t->k[1] == NULL) {
		/* No memory for politeness: connect, as without it. */
		pthread_mutex_unlock(&st->lock);
		free(t);
		return NULL;
	}
	for (;;) {
		now = smtp_clock_us() / 1e6;
		wait = 0;
		ready = probe_multi_key_ready(t->k[0], g, now, &wait);
		ready = probe_multi_key_ready(t->k[1], g, now, &wait) && ready;
		if (ready)
			break;
		if (wait < 0) {
			pthread_cond_wait(&st->cond, &st->lock);
			continue;
		}
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)wait;
		ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		/* A timeout here is the point: the interval has passed. */
		(void)pthread_cond_timedwait(&st->cond, &st->lock, &ts);
	}
	for (i = 0; i < 2; i++) {
		t->k[i]->active++;
		t->k[i]->last_start = now;
	}
	pthread_mutex_unlock(&st->lock);
	return t;
}

static void
probe_multi_gate_out(void *ctx, void *token)
{
	struct probe_multi_gate *g = ctx;
	struct probe_multi_token *t = token;

	if (t == NULL)
		return;
	pthread_mutex_lock(&g->st->lock);
	t->k[0]->active--;
	t->k[1]->active--;
	pthread_cond_broadcast(&g->st->cond);
	pthread_mutex_unlock(&g->st->lock);
	free(t);
}

/* Catalog matches for a probe that did not pass; catalogs load once. */
static void
probe_multi_diagnose(struct probe_multi_state *st, struct probe_multi_job *j)
{
	const struct probe_result *r = &j->result;
	const char *provider = j->send.has_profile ?
	    j->send.profile.provider : NULL;
	size_t i;

	if (r->verdict == PROBE_VERDICT_PASS)
		return;
	pthread_mutex_lock(&st->catalog_lock);
	if (!st->catalog_tried) {
		st->catalog_tried = true;
		st->catalog_ok = probe_catalog_init(&st->catalog, false,
		    st->catalog_err, sizeof(st->catalog_err)) == 0 &&
		    probe_catalog_load_default(&st->catalog,
		    st->o->cli->catalogs, st->o->cli->ncatalogs,
		    st->catalog_err, sizeof(st->catalog_err)) == 0;
		if (!st->catalog_ok) {
			/* The diagnosis is lost, not the probe: say so once. */
			fputs("smtpprobe send: no diagnosis: ", stderr);
			probe_escape_text(stderr, st->catalog_err,
			    strlen(st->catalog_err));
			putc('\n', stderr);
		}
	}
	if (st->catalog_ok) {
		for (i = 0; i < r->nattempts; i++)
			(void)probe_diag_attempt(&st->catalog, &r->attempts[i],
			    provider, &j->matches[i]);
		(void)probe_diag_dns(&st->catalog, r, provider, &j->dns);
		j->has_diag = true;
	}
	pthread_mutex_unlock(&st->catalog_lock);
}

/*
 * The list for every check of the run, loaded by the first that needs
 * it. A loaded list is read-only (probe_dmarc.h), so the checks share it
 * without the lock. Returns NULL, with why in st->psl_err, when it
 * cannot be read; an absent list is loaded (last-two-labels rule).
 */
static const struct probe_dmarc_psl *
probe_multi_psl(struct probe_multi_state *st)
{
	pthread_mutex_lock(&st->psl_lock);
	if (!st->psl_tried) {
		st->psl_tried = true;
		probe_dmarc_psl_init(&st->psl);
		st->psl_ok = probe_dmarc_psl_load(&st->psl, NULL, st->psl_err,
		    sizeof(st->psl_err)) == PROBE_DMARC_OK;
	}
	pthread_mutex_unlock(&st->psl_lock);
	return st->psl_ok ? &st->psl : NULL;
}

/* The check itself, through a resolver of the probe's own settings. */
static void
probe_multi_check_run(struct probe_multi_job *j,
    const struct probe_dmarc_psl *psl)
{
	struct probe_check_opts	opts = {
		.mail_from = j->cli.from,
		/* The message's own From: with --message. */
		.header_from = j->send.header_from[0] != '\0' ?
		    j->send.header_from : j->cli.header_from,
		.source = j->cli.source,
		.helo = j->cli.helo,
		.dkim_selector = j->cli.dkim_selector,
		.dkim_domain = j->send.sign.is_signed ? j->send.sign.d :
		    j->cli.dkim_domain,
		/* What the probe really sends: signed or not. */
		.is_unsigned = !j->send.sign.is_signed,
		.psl = psl,
	};

	if (j->send.sign.is_signed) {
		opts.sign_key_id = j->send.sign_key->facts.id;
		opts.sign_key_id_len = j->send.sign_key->facts.id_len;
		opts.sign_key_bits = j->send.sign_key->facts.bits;
	}
	struct probe_dns_opts	dopts = {
		.dns_server = j->send.run.dns.dns_server,
		.timeout_ms = j->send.run.dns.timeout_ms,
	};
	struct probe_dns	dns;
	char			err[PROBE_CHECK_ERR_MAX];
	enum probe_check_rc	rc;

	if (probe_dns_open(&dns, &dopts, err, sizeof(err)) !=
	    PROBE_DNS_OK) {
		(void)snprintf(j->check_note, sizeof(j->check_note),
		    "check skipped: %s", err);
		return;
	}
	rc = probe_check_run(&dns, &opts, j->check, err, sizeof(err));
	probe_dns_close(&dns);
	if (rc == PROBE_CHECK_OK)
		(void)probe_verdict_check(&j->check->predicted);
	if (rc != PROBE_CHECK_OK)
		(void)snprintf(j->check_note, sizeof(j->check_note),
		    "check skipped: %s", err);
}

/*
 * The pre-flight check of a path with a --source (without one there is
 * no address to check), unless --no-check. A check that cannot run
 * leaves a note instead; the probe goes on either way.
 */
static void
probe_multi_check(struct probe_multi_state *st, struct probe_multi_job *j)
{
	const struct probe_dmarc_psl *psl;

	if (j->cli.no_check)
		return;
	if (j->cli.source == NULL) {
		(void)snprintf(j->check_note, sizeof(j->check_note),
		    "check skipped: no --source");
		return;
	}
	if ((psl = probe_multi_psl(st)) == NULL) {
		(void)snprintf(j->check_note, sizeof(j->check_note),
		    "check skipped: %s", st->psl_err);
		return;
	}
	if ((j->check = calloc(1, sizeof(*j->check))) == NULL) {
		(void)snprintf(j->check_note, sizeof(j->check_note),
		    "check skipped: out of memory");
		return;
	}
	probe_multi_check_run(j, psl);
	if (j->check_note[0] != '\0') {
		free(j->check);
		j->check = NULL;
	}
}

static char *
probe_multi_capture(const struct probe_report_info *info,
    const struct probe_result *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	if (json)
		probe_report_json_render(fp, info, r);
	else
		probe_report_text_render(fp, info, r);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The bulk-sender checklist from what this probe did: the message it
 * sent, its signature, the TLS of the attempt that decided, and the DNS
 * its pre-flight check read. Only with a check: without one there are
 * no DNS facts to stand on.
 */
static void
probe_multi_bulk(struct probe_multi_job *j)
{
	const struct probe_result *r = &j->result;
	const struct probe_attempt *a = NULL;
	struct probe_bulk_facts f = {
		.check = j->check,
		.has_probe = true,
		.message = j->send.message.data,
		.message_len = j->send.message.len,
		.is_signed = j->send.sign.is_signed,
		.signed_h = j->send.sign.h,
		.tls_version = "",
	};

	if (j->check == NULL)
		return;
	if (r->nattempts > 0 && r->decided < r->nattempts)
		a = &r->attempts[r->decided];
	if (a != NULL && smtp_dialog_final(&a->dialog) != NULL) {
		f.has_session = true;
		f.is_tls = a->dialog.tls_active;
		f.tls_version = a->dialog.tls.version;
	}
	probe_bulk_decide(&f, &j->bulk);
}

static void
probe_multi_render(struct probe_multi_state *st, struct probe_multi_job *j,
    struct probe_cell *cell)
{
	const struct probe_send *s = &j->send;
	const char *from_at = strrchr(j->cli.from, '@');
	struct probe_diag_ctx diag = {
		.domain = from_at ? from_at + 1 : NULL,
		.ip = s->source_text,
		.helo = s->helo,
		.rcpt_domain = s->domain,
	};
	struct probe_report_info info = {
		.probe_id = s->probe_id,
		.profile = s->has_profile ? s->profile.name : "none",
		.domain = j->cli.server ? j->cli.server : s->domain,
		.is_server = j->cli.server != NULL,
		.mail_from = j->cli.from,
		.source = s->source_text,
		.helo = s->helo,
		.exit_code = st->o->exit_code(j->result.verdict),
		.diag = &diag,
		.matches = j->has_diag ? j->matches : NULL,
		.dns_match = j->has_diag ? &j->dns : NULL,
		.profile_def = s->has_profile ? &s->profile : NULL,
		.check = j->check,
		.check_note = j->check_note[0] != '\0' ? j->check_note : NULL,
		.dkim = s->sign.is_signed ? &s->sign : NULL,
		.bulk = j->check != NULL ? &j->bulk : NULL,
	};

	if (st->o->want_text)
		cell->detail_text = probe_multi_capture(&info, &j->result,
		    false);
	if (st->o->want_json)
		cell->detail_json = probe_multi_capture(&info, &j->result,
		    true);
}

/* The certificate's expiry, for --cert-days and the metrics. */
static void
probe_multi_cert(const struct tls_facts *tls, struct probe_cell *cell)
{
	time_t t;

	if (!tls->has_peer_cert || probe_when_parse(tls->not_after, 0,
	    &t) != 0)
		return;
	cell->has_cert = true;
	cell->cert_not_after = (long long)t;
}

static void
probe_multi_condense(struct probe_multi_job *j, struct probe_cell *cell)
{
	const struct probe_result *r = &j->result;
	const struct probe_catalog_match *m = &j->dns;
	const struct probe_attempt *a;
	const struct smtp_step *f, *st;
	size_t i, k;

	cell->verdict = r->verdict;
	cell->elapsed_ms = r->elapsed_ms;
	(void)snprintf(cell->error, sizeof(cell->error), "%s", r->error);
	(void)snprintf(cell->probe_id, sizeof(cell->probe_id), "%s",
	    j->send.probe_id);
	(void)snprintf(cell->source, sizeof(cell->source), "%s",
	    j->send.source_text);
	(void)snprintf(cell->mail_from, sizeof(cell->mail_from), "%s",
	    j->cli.from ? j->cli.from : "");
	(void)snprintf(cell->rcpt, sizeof(cell->rcpt), "%s",
	    j->cli.nto > 0 ? j->cli.to[0] : "");
	cell->tls_verified = -1;
	if (r->nattempts > 0 && r->decided < r->nattempts) {
		i = r->decided;
		a = &r->attempts[i];
		m = &j->matches[i];
		(void)snprintf(cell->mx, sizeof(cell->mx), "%s", a->mx);
		(void)snprintf(cell->address, sizeof(cell->address), "%s",
		    a->address);
		if (a->dialog.tls_active) {
			(void)snprintf(cell->tls_version,
			    sizeof(cell->tls_version), "%s",
			    a->dialog.tls.version);
			cell->tls_verified = a->dialog.tls.verified;
			probe_multi_cert(&a->dialog.tls, cell);
		}
		if ((f = smtp_dialog_final(&a->dialog)) != NULL) {
			cell->has_stage = true;
			cell->stage = f->stage;
			cell->code = f->reply.code;
			memcpy(cell->enhanced, f->reply.enhanced,
			    sizeof(cell->enhanced));
		}
		if (a->dialog.err.rc != SMTP_OK)
			(void)snprintf(cell->error, sizeof(cell->error), "%s",
			    a->dialog.err.msg);
		for (k = 0; k < a->dialog.transcript.nsteps; k++) {
			st = &a->dialog.transcript.steps[k];
			cell->has_stage_ms[st->stage] = true;
			cell->stage_ms[st->stage] += st->elapsed_ms;
		}
	}
	if (j->has_diag && m->entry != NULL) {
		(void)snprintf(cell->cause, sizeof(cell->cause), "%s",
		    m->entry->cause);
		(void)snprintf(cell->match_id, sizeof(cell->match_id), "%s",
		    m->entry->id);
	}
}

/* A path that could not run: its cell says why, in both formats. */
static void
probe_multi_error_cell(struct probe_multi_state *st, struct probe_cell *cell,
    const char *why)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	cell->verdict = PROBE_VERDICT_ERROR;
	(void)snprintf(cell->error, sizeof(cell->error), "%s", why);
	if (st->o->want_text && (fp = open_memstream(&buf, &len)) != NULL) {
		fputs("error: ", fp);
		probe_escape_text(fp, why, strlen(why));
		putc('\n', fp);
		cell->detail_text = fclose(fp) == 0 ? buf : NULL;
	}
	buf = NULL;
	if (st->o->want_json && (fp = open_memstream(&buf, &len)) != NULL) {
		probe_report_json_error(fp, "send", why);
		cell->detail_json = fclose(fp) == 0 ? buf : NULL;
	}
}

/*
 * The expectation of a cell: --expect, else the path's for its profile,
 * else the path's for every profile. Checked before the run
 * (probe_multi_expect_check), so parsing cannot fail here.
 */
static void
probe_multi_expect(const struct probe_multi_opts *o,
    const struct probe_config_path *p, const char *profile,
    struct probe_expect *e)
{
	const struct probe_config_expect *all = NULL, *mine = NULL, *x;
	char err[256];
	size_t i;

	memset(e, 0, sizeof(*e));
	if (o->cli->expect != NULL) {
		(void)probe_verdict_expect_parse(o->cli->expect, NULL, NULL, e,
		    err, sizeof(err));
		return;
	}
	for (i = 0; p != NULL && i < p->nexpects; i++) {
		if (p->expects[i].profile[0] == '\0' && all == NULL)
			all = &p->expects[i];
		else if (strcmp(p->expects[i].profile, profile) == 0 &&
		    mine == NULL)
			mine = &p->expects[i];
	}
	if ((x = mine != NULL ? mine : all) != NULL)
		(void)probe_verdict_expect_parse(x->verdict, x->enhanced,
		    x->cause, e, err, sizeof(err));
}

int
probe_multi_expect_check(const struct probe_cli_send *cli,
    const char *file, const struct probe_config_path *const *paths,
    size_t npaths, char *err, size_t errlen)
{
	const struct probe_config_expect *x;
	struct probe_expect e;
	char why[256];
	size_t i, k;

	if (cli->expect != NULL && probe_verdict_expect_parse(cli->expect,
	    NULL, NULL, &e, why, sizeof(why)) != 0) {
		(void)snprintf(err, errlen, "--expect: %s", why);
		return -1;
	}
	for (i = 0; i < npaths; i++) {
		for (k = 0; k < paths[i]->nexpects; k++) {
			x = &paths[i]->expects[k];
			if (probe_verdict_expect_parse(x->verdict, x->enhanced,
			    x->cause, &e, why, sizeof(why)) != 0) {
				(void)snprintf(err, errlen, "%.300s:%lu: %s",
				    file, x->line, why);
				return -1;
			}
		}
	}
	return 0;
}

/* Which path and profile cell idx is. */
static void
probe_multi_names(const struct probe_multi_opts *o, size_t idx,
    struct probe_cell *cell)
{
	const struct probe_config_path *p = o->npaths ?
	    o->paths[idx / o->nprofiles] : NULL;

	cell->path = p ? p->name : o->cli->path_name ? o->cli->path_name :
	    "cli";
	cell->profile = o->profiles[idx % o->nprofiles];
}

static void
probe_multi_one(struct probe_multi_state *st, size_t idx)
{
	const struct probe_multi_opts *o = st->o;
	struct probe_cell *cell = &st->cells[idx];
	const struct probe_config_path *p = o->npaths ?
	    o->paths[idx / o->nprofiles] : NULL;
	struct probe_multi_job *j = calloc(1, sizeof(*j));
	struct probe_multi_gate gate;
	char err[PROBE_SEND_ERR_MAX];

	probe_multi_names(o, idx, cell);
	cell->tls_verified = -1;
	probe_multi_expect(o, p, cell->profile, &cell->expect);
	if (j == NULL) {
		probe_multi_error_cell(st, cell, "out of memory");
		goto out;
	}
	if (probe_multi_cli(o, p, cell->profile, &j->cli, err,
	    sizeof(err)) != 0 || probe_send_prepare(&j->cli,
	    probe_multi_sign_key(o, j->cli.dkim_key), &j->send, err,
	    sizeof(err)) != 0) {
		probe_multi_error_cell(st, cell, err);
		goto out;
	}
	probe_multi_check(st, j);
	gate.st = st;
	gate.max = j->send.profile.max_connections > 0 ?
	    j->send.profile.max_connections :
	    PROBE_PROFILE_CONNECTIONS_DEFAULT;
	gate.gap = j->send.has_profile ? j->send.profile.min_interval : 0;
	j->send.run.gate = probe_multi_gate_in;
	j->send.run.ungate = probe_multi_gate_out;
	j->send.run.gate_ctx = &gate;
	if (probe_run(&j->send.run, &j->result) != 0) {
		probe_multi_error_cell(st, cell, j->result.error);
		goto out;
	}
	probe_multi_diagnose(st, j);
	probe_multi_bulk(j);
	probe_multi_render(st, j, cell);
	probe_multi_condense(j, cell);
out:
	pthread_mutex_lock(&st->lock);
	cell->is_done = true;
	st->ndone++;
	pthread_cond_broadcast(&st->done);
	pthread_mutex_unlock(&st->lock);
	if (j != NULL) {
		probe_result_free(&j->result);
		probe_send_free(&j->send);
		free(j->check);
		free(j);
	}
}

static void *
probe_multi_worker(void *arg)
{
	struct probe_multi_state *st = arg;
	size_t idx;

	for (;;) {
		pthread_mutex_lock(&st->lock);
		idx = st->next < st->ncells && !st->is_cut ? st->next++ :
		    st->ncells;
		pthread_mutex_unlock(&st->lock);
		if (idx == st->ncells)
			return NULL;
		probe_multi_one(st, idx);
	}
}

static int
probe_multi_threads(struct probe_multi_state *st, size_t n, char *err,
    size_t errlen)
{
	pthread_t *tid = calloc(n, sizeof(*tid));
	size_t i, started = 0;

	if (tid == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&tid[i], NULL, probe_multi_worker, st) != 0)
			break;
		started++;
	}
	/* Fewer threads than asked still finish the work, only slower. */
	if (started == 0)
		(void)probe_multi_worker(st);
	for (i = 0; i < started; i++)
		(void)pthread_join(tid[i], NULL);	/* workers return NULL */
	free(tid);
	return 0;
}

/* The monotonic clock ms from now. */
static struct timespec
probe_multi_after(long ms)
{
	struct timespec ts = { 0, 0 };

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail here */
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static bool
probe_multi_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec &&
	    a->tv_nsec < b->tv_nsec);
}

/* Progress, under st->lock: cells ended and how many did not pass. */
static void
probe_multi_tick(struct probe_multi_state *st)
{
	size_t i, failing = 0;

	if (st->o->progress == NULL)
		return;
	for (i = 0; i < st->ncells; i++)
		if (st->cells[i].is_done &&
		    probe_verdict_cell(&st->cells[i]) != PROBE_VERDICT_PASS)
			failing++;
	st->o->progress(st->o->progress_ctx, st->ndone, st->ncells, failing);
}

/* How the supervision ended. */
enum probe_multi_end {
	PROBE_MULTI_WHOLE,	/* every cell ran */
	PROBE_MULTI_STOPPED,	/* a signal: the started ones all ended */
	PROBE_MULTI_CUT,	/* -t, or the grace after a signal, ran out */
};

/*
 * Wait for the workers, a tick at a time: draw the progress, notice a
 * signal (start no more, give the running ones the grace), and stop at
 * the deadline or the grace's end. Under st->lock; *sig gets the signal.
 */
static enum probe_multi_end
probe_multi_supervise(struct probe_multi_state *st, int *sig)
{
	const struct probe_multi_opts *o = st->o;
	struct timespec wake, now, grace = { 0, 0 };
	bool has_deadline = o->deadline.tv_sec != 0;

	while (st->ndone < st->ncells) {
		if (*sig == 0 && o->stop != NULL && *o->stop != 0) {
			*sig = (int)*o->stop;
			st->is_cut = true;	/* workers take no more */
			grace = probe_multi_after(PROBE_MULTI_STOP_GRACE_MS);
		}
		if (*sig != 0 && st->ndone == st->next)
			return PROBE_MULTI_STOPPED;
		probe_multi_tick(st);
		wake = probe_multi_after(PROBE_MULTI_TICK_MS);
		if (has_deadline && probe_multi_before(&o->deadline, &wake))
			wake = o->deadline;
		if (*sig != 0 && probe_multi_before(&grace, &wake))
			wake = grace;
		/* A timeout or a wake-up: either way, look again. */
		(void)pthread_cond_timedwait(&st->done, &st->lock, &wake);
		now = probe_multi_after(0);
		if ((has_deadline && !probe_multi_before(&now, &o->deadline)) ||
		    (*sig != 0 && !probe_multi_before(&now, &grace)))
			return st->ndone == st->ncells ? PROBE_MULTI_WHOLE :
			    PROBE_MULTI_CUT;
	}
	probe_multi_tick(st);
	return PROBE_MULTI_WHOLE;
}

/*
 * Wait for the workers (probe_multi_supervise). Copies what finished
 * into out and makes the rest error cells that say why (is_done false);
 * after a cut, leaves the workers running on st, which is then theirs
 * for the rest of the process.
 */
static enum probe_multi_end
probe_multi_wait(struct probe_multi_state *st, struct probe_cell *out)
{
	const struct probe_multi_opts *o = st->o;
	enum probe_multi_end end;
	char why[128], not_run[128];
	int sig = 0;
	size_t i;

	pthread_mutex_lock(&st->lock);
	end = probe_multi_supervise(st, &sig);
	if (o->stopped_by != NULL)
		*o->stopped_by = sig;
	if (end == PROBE_MULTI_WHOLE && sig == 0) {
		pthread_mutex_unlock(&st->lock);
		memcpy(out, st->cells, st->ncells * sizeof(*out));
		return end;
	}
	st->is_cut = true;
	if (sig != 0)
		(void)snprintf(why, sizeof(why), "stopped by %s before it "
		    "finished", probe_signal_name(sig));
	else
		(void)snprintf(why, sizeof(why), "not finished within the "
		    "time limit of the run (-t %d)", o->cli->timeout_total_s);
	(void)snprintf(not_run, sizeof(not_run), "not run: the run was "
	    "stopped by %s", probe_signal_name(sig));
	for (i = 0; i < st->ncells; i++) {
		if (st->cells[i].is_done) {
			/* Done: its worker never touches it again. */
			out[i] = st->cells[i];
			continue;
		}
		probe_multi_names(o, i, &out[i]);
		out[i].tls_verified = -1;
		probe_multi_error_cell(st, &out[i], sig != 0 && i >= st->next ?
		    not_run : why);
	}
	pthread_mutex_unlock(&st->lock);
	return end;
}

/*
 * Start n workers and supervise them (probe_multi_wait); join them when
 * they all ended, or let them go (detached) when the run is cut. The
 * workers block SIGINT and SIGTERM, so only this thread sees them.
 * Returns 0, or -1 when none started.
 */
static int
probe_multi_timed(struct probe_multi_state *st, size_t n,
    struct probe_cell *out, char *err, size_t errlen)
{
	pthread_t *tid = calloc(n, sizeof(*tid));
	sigset_t block, old;
	size_t i, started = 0;
	enum probe_multi_end end;

	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGINT);
	(void)sigaddset(&block, SIGTERM);
	(void)pthread_sigmask(SIG_BLOCK, &block, &old);	/* valid sets */
	for (i = 0; tid != NULL && i < n; i++)
		if (pthread_create(&tid[started], NULL, probe_multi_worker,
		    st) == 0)
			started++;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		free(tid);
		(void)snprintf(err, errlen, "cannot start the probes");
		return -1;
	}
	end = probe_multi_wait(st, out);
	for (i = 0; i < started; i++) {
		if (end != PROBE_MULTI_CUT)
			(void)pthread_join(tid[i], NULL);  /* returns NULL */
		else
			(void)pthread_detach(tid[i]);	/* a valid thread */
	}
	free(tid);
	if (end == PROBE_MULTI_CUT)
		*st->o->is_cut = true;
	return 0;
}

/* Everything st holds but its cells. */
static void
probe_multi_state_free(struct probe_multi_state *st)
{
	pthread_cond_destroy(&st->done);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->psl_lock);
	pthread_mutex_destroy(&st->catalog_lock);
	pthread_mutex_destroy(&st->lock);
	if (st->catalog_tried)
		probe_catalog_free(&st->catalog);
	probe_dmarc_psl_free(&st->psl);	/* zeroed when never loaded */
	while (st->keys != NULL) {
		struct probe_multi_key *next = st->keys->next;

		free(st->keys);
		st->keys = next;
	}
}

int
probe_multi_run(const struct probe_multi_opts *o, struct probe_cell *cells,
    char *err, size_t errlen)
{
	/* Supervised: a thread of its own watches the clock and signals. */
	bool is_supervised = o->deadline.tv_sec != 0 || o->stop != NULL ||
	    o->progress != NULL;
	struct probe_multi_state *st = calloc(1, sizeof(*st));
	size_t rows = o->npaths ? o->npaths : 1, n;
	pthread_condattr_t ca;
	int rc = 0;

	if (st == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->o = o;
	st->ncells = rows * o->nprofiles;
	memset(cells, 0, st->ncells * sizeof(*cells));
	/* Supervised, the workers fill cells of their own. */
	st->cells = is_supervised ? calloc(st->ncells, sizeof(*cells)) : cells;
	if (st->cells == NULL) {
		free(st);
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->catalog_lock, NULL);
	pthread_mutex_init(&st->psl_lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	/* The deadline is on the monotonic clock: a clock step moves it not. */
	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->done, &ca);
	(void)pthread_condattr_destroy(&ca);
	n = o->jobs < 1 ? 1 : (size_t)o->jobs;
	if (n > st->ncells)
		n = st->ncells;
	if (is_supervised) {
		rc = probe_multi_timed(st, n, cells, err, errlen);
		/* Cut: st is the running workers' now (see the header). */
		if (rc == 0 && *o->is_cut)
			return 0;
		free(st->cells);
	} else if (n <= 1) {
		(void)probe_multi_worker(st);
	} else {
		rc = probe_multi_threads(st, n, err, errlen);
	}
	probe_multi_state_free(st);
	free(st);
	return rc;
}
