/*
 * fakemx_session - the scripted SMTP dialogue of one connection.
 *
 * serve_line() reads one command and hands it to the handler of its verb
 * (commands[]); handlers run scenario events through run_event(), which
 * collects the output of send/raw steps and writes it in as few write()s
 * as the steps allow: a multi-line reply leaves in one write, like real
 * servers do, unless a sleep, close, stall or drip step says otherwise.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "probe/dns/probe_dns.h"
#include "probe/auth/probe_spf.h"

#include "fakemx_conn.h"
#include "fakemx_session.h"
#include "tests/support/dkim_verify.h"

/* A line buffer: the line, its CRLF and a NUL. */
#define LINE_BUF	(FAKEMX_LINE_MAX + 3)
#define CRLF		"\r\n"
#define TOO_LONG_REPLY	"500 5.5.2 Line too long\r\n"
#define STARTTLS_READY	"220 2.0.0 Ready to start TLS"
/* The SPF check's DNS budget when --timeout allows more (or is 0). */
#define SPF_TIMEOUT_MS	5000
/* The message kept for the DKIM check: past the probe's 1 MiB bound. */
#define MESSAGE_KEEP_MAX	(2u * 1024 * 1024)

struct session {
	const struct fakemx_config	*cfg;
	const struct fakemx_peer	*peer;
	struct fakemx_conn		 conn;
	char				 helo[LINE_BUF];
	char				 from[LINE_BUF];
	char				 rcpt[LINE_BUF];
	const char			*arg;		/* of the command */
	const char			*spf;		/* NULL: not checked */
	const char			*auth;		/* "ok", "bad", NULL */
	const char			*dkim;		/* NULL: not checked */
	char				*msg;		/* the last message */
	size_t				 msg_len;
	bool				 is_msg_cut;
	char				 out[FAKEMX_SESSION_OUT_MAX];
	size_t				 out_len;
	bool				 is_out_cut;
	long				 drip_ms;	/* 0: one write */
	int				 first_byte;	/* -1: none yet */
	bool				 is_tls;
	bool				 is_done;
};

/* Replies for events the scenario has no lines for. */
static const char *const default_replies[] = {
	[FAKEMX_EV_BANNER] = "220 fakemx ESMTP",
	[FAKEMX_EV_EHLO] = "250 fakemx",
	[FAKEMX_EV_HELO] = "250 fakemx",
	[FAKEMX_EV_STARTTLS] = "454 4.7.0 TLS not available",
	[FAKEMX_EV_EHLO_TLS] = "250 fakemx",
	[FAKEMX_EV_MAIL] = "250 2.1.0 OK",
	[FAKEMX_EV_RCPT] = "250 2.1.0 OK",
	[FAKEMX_EV_DATA] = "354 Go ahead",
	[FAKEMX_EV_EOD] = "250 2.0.0 OK queued",
	[FAKEMX_EV_RSET] = "250 2.1.0 OK",
	[FAKEMX_EV_NOOP] = "250 2.1.0 OK",
	[FAKEMX_EV_QUIT] = "221 2.0.0 Bye",
	[FAKEMX_EV_UNKNOWN] = "502 5.5.2 Command not recognized",
	[FAKEMX_EV_AUTH] = "535 5.7.8 Authentication credentials invalid",
};
#define AUTH_OK_REPLY	"235 2.7.0 Authentication successful"
_Static_assert(sizeof(default_replies) / sizeof(default_replies[0]) ==
    FAKEMX_EV_COUNT, "each event needs a default reply");

static void
out_add(struct session *s, const char *p, size_t len)
{
	if (len > sizeof(s->out) - s->out_len) {
		len = sizeof(s->out) - s->out_len;
		s->is_out_cut = true;
	}
	memcpy(s->out + s->out_len, p, len);
	s->out_len += len;
}

static void
out_str(struct session *s, const char *str)
{
	out_add(s, str, strlen(str));
}

/* The template variables of send/raw text. Unknown {names} stay as text. */
enum tvar {
	TVAR_IP,
	TVAR_HELO,
	TVAR_FROM,
	TVAR_FROM_DOMAIN,
	TVAR_RCPT,
	TVAR_COUNT
};

static const char *const tvar_names[] = {
	[TVAR_IP] = "{ip}",
	[TVAR_HELO] = "{helo}",
	[TVAR_FROM] = "{from}",
	[TVAR_FROM_DOMAIN] = "{from_domain}",
	[TVAR_RCPT] = "{rcpt}",
};
_Static_assert(sizeof(tvar_names) / sizeof(tvar_names[0]) == TVAR_COUNT,
    "each template variable needs a name");

static const char *
tvar_value(const struct session *s, enum tvar v)
{
	const char	*at;

	switch (v) {
	case TVAR_IP:
		return s->peer->addr;
	case TVAR_HELO:
		return s->helo;
	case TVAR_FROM:
		return s->from;
	case TVAR_FROM_DOMAIN:
		at = strrchr(s->from, '@');
		return at != NULL ? at + 1 : "";
	default:
		return s->rcpt;
	}
}

/* tvar_match - the variable whose name starts text, or TVAR_COUNT. */
static enum tvar
tvar_match(const char *text, size_t len)
{
	size_t	 n;
	int	 v;

	for (v = 0; v < TVAR_COUNT; v++) {
		n = strlen(tvar_names[v]);
		if (n <= len && memcmp(text, tvar_names[v], n) == 0)
			break;
	}
	return (enum tvar)v;
}

/* expand - add text to the output with {variables} replaced. */
static void
expand(struct session *s, const char *text, size_t len)
{
	enum tvar	 v;
	size_t		 i = 0;

	while (i < len) {
		v = text[i] == '{' ? tvar_match(text + i, len - i) : TVAR_COUNT;
		if (v == TVAR_COUNT) {
			out_add(s, text + i, 1);
			i++;
			continue;
		}
		out_str(s, tvar_value(s, v));
		i += strlen(tvar_names[v]);
	}
}

/*
 * flush - write the collected output: in one write(), or one byte per
 * write drip_ms apart. Notes the first byte, whose digit tells STARTTLS
 * and DATA whether the reply was positive.
 */
static void
flush(struct session *s)
{
	size_t	 i;
	int	 rc = 0;

	if (s->out_len == 0)
		return;
	if (s->first_byte == -1)
		s->first_byte = (unsigned char)s->out[0];
	if (s->is_out_cut)
		fakemx_util_log(s->cfg->log_fd, "error output of one event cut "
		    "at %d bytes", FAKEMX_SESSION_OUT_MAX);
	if (s->drip_ms == 0)
		rc = fakemx_conn_write(&s->conn, s->out, s->out_len);
	for (i = 0; s->drip_ms > 0 && i < s->out_len && rc == 0; i++) {
		if (i > 0)
			fakemx_util_sleep_ms(s->drip_ms);
		rc = fakemx_conn_write(&s->conn, s->out + i, 1);
	}
	s->out_len = 0;
	s->is_out_cut = false;
	if (rc == -1) {
		fakemx_util_log(s->cfg->log_fd, "error write failed, the "
		    "client is gone");
		s->is_done = true;
	}
}

static void
run_step(struct session *s, const struct fakemx_step *st)
{
	switch (st->action) {
	case FAKEMX_ACT_SEND:
		expand(s, st->text, st->text_len);
		out_str(s, CRLF);
		break;
	case FAKEMX_ACT_RAW:
		expand(s, st->text, st->text_len);
		break;
	case FAKEMX_ACT_SLEEP:
		flush(s);
		fakemx_util_sleep_ms(st->ms);
		break;
	case FAKEMX_ACT_CLOSE:
		flush(s);
		s->is_done = true;
		break;
	case FAKEMX_ACT_STALL:
		flush(s);
		fakemx_conn_discard(&s->conn);
		s->is_done = true;
		break;
	case FAKEMX_ACT_RESET:
		flush(s);
		fakemx_conn_reset(&s->conn);
		s->is_done = true;
		break;
	default:
		/* drip applies to the whole event; run_event() reads it. */
		break;
	}
}

static const char *
default_reply(const struct session *s, enum fakemx_event ev)
{
	if (ev == FAKEMX_EV_STARTTLS && s->cfg->tls != NULL)
		return STARTTLS_READY;
	if (ev == FAKEMX_EV_AUTH && s->auth != NULL &&
	    strcmp(s->auth, "ok") == 0)
		return AUTH_OK_REPLY;
	return default_replies[ev];
}

/*
 * run_event - do what the scenario says for ev: the steps of the first
 * group whose condition matches, or the default reply.
 */
static void
run_event(struct session *s, enum fakemx_event ev)
{
	const struct fakemx_scenario	*sc = s->cfg->scenario;
	const struct fakemx_step	*head, *st;
	struct fakemx_match		 m;

	m.peer = s->peer->addr;
	m.arg = s->arg;
	m.spf = s->spf;
	m.auth = s->auth;
	m.dkim = s->dkim;
	s->first_byte = -1;
	s->drip_ms = 0;
	head = fakemx_scenario_pick(sc, ev, &m);
	if (head == NULL) {
		out_str(s, default_reply(s, ev));
		out_str(s, CRLF);
	}
	for (st = head; st != NULL; st = fakemx_scenario_next(sc, st))
		if (st->action == FAKEMX_ACT_DRIP)
			s->drip_ms = st->ms;
	for (st = head; st != NULL && !s->is_done;
	    st = fakemx_scenario_next(sc, st))
		run_step(s, st);
	flush(s);
}

static void
log_read_failure(const struct session *s, enum fakemx_conn_rc rc)
{
	const char	*what;

	if (rc == FAKEMX_CONN_EOF)
		what = "connection closed by the client";
	else if (rc == FAKEMX_CONN_TIMEOUT)
		what = "idle timeout";
	else
		what = "read failed";
	fakemx_util_log(s->cfg->log_fd, "error %s", what);
}

/*
 * copy_address - the address of "FROM:<a@b> ..." or "TO:<a@b>" without
 * the brackets; without brackets, the word after the colon.
 */
static void
copy_address(char *dst, size_t size, const char *arg)
{
	const char	*p, *end;

	p = strchr(arg, '<');
	end = p != NULL ? strchr(p, '>') : NULL;
	if (p != NULL && end != NULL)
		p++;
	else {
		p = strchr(arg, ':');
		p = p != NULL ? p + 1 + strspn(p + 1, " ") : arg;
		end = p + strcspn(p, " ");
	}
	(void)snprintf(dst, size, "%.*s", (int)(end - p), p); /* may cut */
}

static void
on_plain(struct session *s, enum fakemx_event ev)
{
	run_event(s, ev);
}

static void
on_hello(struct session *s, enum fakemx_event ev)
{
	(void)snprintf(s->helo, sizeof(s->helo), "%s", s->arg); /* fits */
	if (ev == FAKEMX_EV_EHLO && s->is_tls &&
	    fakemx_scenario_has(s->cfg->scenario, FAKEMX_EV_EHLO_TLS))
		ev = FAKEMX_EV_EHLO_TLS;
	run_event(s, ev);
}

/*
 * check_spf - with --dns-server, the SPF result (RFC 7208 2.4) of the
 * MAIL FROM identity, or postmaster@HELO for the null reverse-path, for
 * the peer's address, into s->spf and the log. A check that cannot be
 * asked (an input too long) is a permerror here, with an error line.
 */
static void
check_spf(struct session *s)
{
	struct probe_dns_opts	 o;
	struct probe_dns	 dns;
	struct probe_spf_query	 q;
	struct probe_spf_result	*r;
	char			 err[PROBE_DNS_MSG_MAX];
	int			 fd = s->cfg->log_fd, t = s->cfg->timeout_s;

	s->spf = NULL;
	if (s->cfg->dns_server == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.dns_server = s->cfg->dns_server;
	o.timeout_ms = t > 0 && t * 1000 < SPF_TIMEOUT_MS ? t * 1000 :
	    SPF_TIMEOUT_MS;
	memset(&q, 0, sizeof(q));
	q.ip = s->peer->addr;
	q.helo = s->helo;
	r = calloc(1, sizeof(*r));
	if (r == NULL || probe_dns_open(&dns, &o, err, sizeof(err)) !=
	    PROBE_DNS_OK) {
		fakemx_util_log(fd, "error spf: %s", r == NULL ?
		    "out of memory" : err);
		s->spf = probe_spf_res_name(PROBE_SPF_TEMPERROR);
		free(r);
		fakemx_util_log(fd, "spf %s", s->spf);
		return;
	}
	if (probe_spf_check_mailfrom(&dns, &q, s->from, r, err,
	    sizeof(err)) != PROBE_SPF_OK) {
		fakemx_util_log(fd, "error spf: %s", err);
		r->res = PROBE_SPF_PERMERROR;
	}
	probe_dns_close(&dns);
	s->spf = probe_spf_res_name(r->res);
	free(r);
	fakemx_util_log(fd, "spf %s", s->spf);
}

/* A key record for the verifier, from the --dns-server. */
static int
dkim_lookup(void *ctx, const char *name, char *txt, size_t txtlen)
{
	struct probe_dns		*dns = ctx;
	struct probe_dns_answer		 ans;
	const char			*t;
	int				 rc = -1;

	probe_dns_answer_init(&ans);
	if (probe_dns_lookup(dns, PROBE_DNS_TXT, name, &ans) ==
	    PROBE_DNS_FOUND && ans.nrr > 0 &&
	    (t = probe_dns_answer_text(&ans, 0)) != NULL) {
		(void)snprintf(txt, txtlen, "%s", t);
		rc = 0;
	}
	probe_dns_answer_free(&ans);
	return rc;
}

/*
 * check_dkim - with --dns-server, the DKIM result of the message just
 * received (its first signature, verified by libopendkim against the
 * key at s._domainkey.d on that server), into s->dkim and the log.
 */
static void
check_dkim(struct session *s)
{
	struct probe_dns_opts	 o;
	struct probe_dns	 dns;
	char			 why[512], err[PROBE_DNS_MSG_MAX];
	int			 t = s->cfg->timeout_s;

	s->dkim = NULL;
	if (s->cfg->dns_server == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.dns_server = s->cfg->dns_server;
	o.timeout_ms = t > 0 && t * 1000 < SPF_TIMEOUT_MS ? t * 1000 :
	    SPF_TIMEOUT_MS;
	if (probe_dns_open(&dns, &o, err, sizeof(err)) != PROBE_DNS_OK) {
		fakemx_util_log(s->cfg->log_fd, "error dkim: %s", err);
		s->dkim = dkim_verify_result_name(DKIM_VERIFY_FAIL);
		return;
	}
	s->dkim = dkim_verify_result_name(dkim_verify_message(s->msg ?
	    s->msg : "", s->msg_len, dkim_lookup, &dns, why, sizeof(why)));
	probe_dns_close(&dns);
	fakemx_util_log(s->cfg->log_fd, "dkim %s %s%s", s->dkim, why,
	    s->is_msg_cut ? " (message cut)" : "");
}

/* Keep a message line (CRLF added) for check_dkim, up to the bound. */
static void
keep_line(struct session *s, const char *line, size_t len)
{
	if (s->cfg->dns_server == NULL || s->is_msg_cut)
		return;
	if (s->msg == NULL && (s->msg = malloc(MESSAGE_KEEP_MAX)) == NULL) {
		s->is_msg_cut = true;
		return;
	}
	if (len + 2 > MESSAGE_KEEP_MAX - s->msg_len) {
		s->is_msg_cut = true;
		return;
	}
	memcpy(s->msg + s->msg_len, line, len);
	memcpy(s->msg + s->msg_len + len, CRLF, 2);
	s->msg_len += len + 2;
}

static void
on_mail(struct session *s, enum fakemx_event ev)
{
	copy_address(s->from, sizeof(s->from), s->arg);
	s->rcpt[0] = '\0';
	s->dkim = NULL;
	check_spf(s);
	run_event(s, ev);
}

static void
on_rcpt(struct session *s, enum fakemx_event ev)
{
	copy_address(s->rcpt, sizeof(s->rcpt), s->arg);
	run_event(s, ev);
}

static void
on_rset(struct session *s, enum fakemx_event ev)
{
	/* RFC 5321 4.1.1.5: RSET drops the mail transaction. */
	s->from[0] = '\0';
	s->rcpt[0] = '\0';
	s->spf = NULL;
	s->dkim = NULL;
	run_event(s, ev);
}

static void
on_quit(struct session *s, enum fakemx_event ev)
{
	run_event(s, ev);
	s->is_done = true;
}

static void
on_starttls(struct session *s, enum fakemx_event ev)
{
	char	 err[FAKEMX_ERR_MAX];
	int	 fd = s->cfg->log_fd;

	run_event(s, ev);
	if (s->is_done || s->first_byte != '2')
		return;
	if (s->is_tls || s->cfg->tls == NULL) {
		fakemx_util_log(fd, "error no handshake after a 2xx STARTTLS "
		    "reply: %s", s->is_tls ? "already in TLS" : "no --cert");
		return;
	}
	if (fakemx_conn_starttls(&s->conn, s->cfg->tls, err,
	    sizeof(err)) == -1) {
		fakemx_util_log(fd, "tls-failed %s", err);
		s->is_done = true;
		return;
	}
	fakemx_util_log(fd, "tls %s %s", fakemx_conn_tls_version(&s->conn),
	    fakemx_conn_tls_cipher(&s->conn));
	s->is_tls = true;
	/* RFC 3207 4.2: the server forgets what it learnt before TLS. */
	s->helo[0] = '\0';
	s->from[0] = '\0';
	s->rcpt[0] = '\0';
	s->spf = NULL;
	s->dkim = NULL;
	s->auth = NULL;
}

/*
 * b64 - decode the base64 text in into out (NUL-terminated, NULs inside
 * kept); the decoded length, or -1 for text that is not base64.
 */
static int
b64(const char *in, char *out, size_t outlen)
{
	size_t	 n = strlen(in), pad = 0;
	int	 len;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= outlen)
		return -1;
	pad = (in[n - 1] == '=') + (in[n - 2] == '=');
	len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in,
	    (int)n);
	if (len < 0)
		return -1;
	len -= (int)pad;
	out[len] = '\0';
	return len;
}

/* One more line of an AUTH exchange after a 334 (RFC 4954 4). */
static int
auth_line(struct session *s, const char *challenge, char *line, size_t size)
{
	size_t	 len;

	out_str(s, challenge);
	out_str(s, CRLF);
	flush(s);
	if (s->is_done || fakemx_conn_read_line(&s->conn, line, size, &len) !=
	    FAKEMX_CONN_OK) {
		s->is_done = true;
		return -1;
	}
	fakemx_util_log(s->cfg->log_fd, "auth-line (%zu bytes)", len);
	return strcmp(line, "*") == 0 ? -1 : 0;
}

/* PLAIN (RFC 4616): authzid NUL authcid NUL passwd; LOGIN: two lines. */
static bool
auth_check(struct session *s, const char *mech, const char *initial)
{
	const struct fakemx_scenario *sc = s->cfg->scenario;
	char	 line[LINE_BUF], dec[LINE_BUF], user[LINE_BUF];
	const char *u, *pw;
	int	 n;

	if (strcasecmp(mech, "PLAIN") == 0) {
		if (initial[0] == '\0' && auth_line(s, "334 ", line,
		    sizeof(line)) != 0)
			return false;
		n = b64(initial[0] != '\0' ? initial : line, dec, sizeof(dec));
		u = n > 0 ? memchr(dec, '\0', (size_t)n) : NULL;
		pw = u != NULL ? memchr(u + 1, '\0', (size_t)(n - (u + 1 - dec)))
		    : NULL;
		if (pw == NULL)
			return false;
		(void)snprintf(user, sizeof(user), "%s", u + 1);
		pw++;
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		/* Clients may send the user name as an initial response. */
		if (initial[0] != '\0')
			(void)snprintf(line, sizeof(line), "%s", initial);
		else if (auth_line(s, "334 VXNlcm5hbWU6", line,
		    sizeof(line)) != 0)
			return false;
		if (b64(line, user, sizeof(user)) < 0 ||
		    auth_line(s, "334 UGFzc3dvcmQ6", line, sizeof(line)) != 0 ||
		    b64(line, dec, sizeof(dec)) < 0)
			return false;
		pw = dec;
	} else
		return false;
	fakemx_util_log(s->cfg->log_fd, "auth %s user %s", mech, user);
	return sc->auth_user != NULL && strcmp(user, sc->auth_user) == 0 &&
	    strcmp(pw, sc->auth_password) == 0;
}

static void
on_auth(struct session *s, enum fakemx_event ev)
{
	char	 mech[32], initial[LINE_BUF];
	size_t	 n = strcspn(s->arg, " ");

	(void)snprintf(mech, sizeof(mech), "%.*s", (int)n, s->arg);
	(void)snprintf(initial, sizeof(initial), "%s",
	    s->arg + n + strspn(s->arg + n, " "));
	s->auth = auth_check(s, mech, initial) ? "ok" : "bad";
	fakemx_util_log(s->cfg->log_fd, "auth %s", s->auth);
	if (!s->is_done)
		run_event(s, ev);
}

/*
 * read_message - read the message after a 3xx reply to DATA up to the
 * line ".", logging each line. Returns 0, or -1 when the connection
 * ended first.
 */
static int
read_message(struct session *s)
{
	char			 line[LINE_BUF], esc[FAKEMX_LOG_LINE_MAX];
	unsigned long		 lines = 0, bytes = 0;
	enum fakemx_conn_rc	 rc;
	size_t			 len, skip;

	for (;;) {
		rc = fakemx_conn_read_line(&s->conn, line, sizeof(line), &len);
		if (rc == FAKEMX_CONN_TOO_LONG) {
			fakemx_util_log(s->cfg->log_fd, "error data line too "
			    "long");
			continue;
		}
		if (rc != FAKEMX_CONN_OK) {
			log_read_failure(s, rc);
			s->is_done = true;
			return -1;
		}
		if (len == 1 && line[0] == '.')
			break;
		/* RFC 5321 4.5.2: the client doubled a leading dot. */
		skip = line[0] == '.' ? 1 : 0;
		keep_line(s, line + skip, len - skip);
		fakemx_util_log(s->cfg->log_fd, "data-line %s",
		    fakemx_util_escape(line + skip, len - skip, esc,
		    sizeof(esc)));
		lines++;
		bytes += len - skip + strlen(CRLF);
	}
	fakemx_util_log(s->cfg->log_fd, "data-end %lu %lu", lines, bytes);
	return 0;
}

static void
on_data(struct session *s, enum fakemx_event ev)
{
	run_event(s, ev);
	if (s->is_done || s->first_byte != '3')
		return;
	s->msg_len = 0;
	s->is_msg_cut = false;
	if (read_message(s) != 0)
		return;
	check_dkim(s);
	run_event(s, FAKEMX_EV_EOD);
}

static const struct command {
	const char		*verb;
	enum fakemx_event	 event;
	void			(*handle)(struct session *,
				    enum fakemx_event);
} commands[] = {
	{ "EHLO", FAKEMX_EV_EHLO, on_hello },
	{ "HELO", FAKEMX_EV_HELO, on_hello },
	{ "STARTTLS", FAKEMX_EV_STARTTLS, on_starttls },
	{ "MAIL", FAKEMX_EV_MAIL, on_mail },
	{ "RCPT", FAKEMX_EV_RCPT, on_rcpt },
	{ "DATA", FAKEMX_EV_DATA, on_data },
	{ "RSET", FAKEMX_EV_RSET, on_rset },
	{ "NOOP", FAKEMX_EV_NOOP, on_plain },
	{ "QUIT", FAKEMX_EV_QUIT, on_quit },
	{ "AUTH", FAKEMX_EV_AUTH, on_auth },
};

/* dispatch - split the verb from its argument and run its handler. */
static void
dispatch(struct session *s, const char *line)
{
	size_t	 i, n;

	n = strcspn(line, " ");
	s->arg = line + n + strspn(line + n, " ");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].verb) == n &&
		    strncasecmp(line, commands[i].verb, n) == 0)
			break;
	if (i < sizeof(commands) / sizeof(commands[0]))
		commands[i].handle(s, commands[i].event);
	else
		run_event(s, FAKEMX_EV_UNKNOWN);
	s->arg = "";
}

static void
serve_line(struct session *s)
{
	char			 line[LINE_BUF], esc[FAKEMX_LOG_LINE_MAX];
	enum fakemx_conn_rc	 rc;
	size_t			 len;

	rc = fakemx_conn_read_line(&s->conn, line, sizeof(line), &len);
	if (rc == FAKEMX_CONN_TOO_LONG) {
		fakemx_util_log(s->cfg->log_fd, "error line too long");
		if (fakemx_conn_write(&s->conn, TOO_LONG_REPLY,
		    strlen(TOO_LONG_REPLY)) == -1)
			s->is_done = true;
		return;
	}
	if (rc != FAKEMX_CONN_OK) {
		log_read_failure(s, rc);
		s->is_done = true;
		return;
	}
	fakemx_util_log(s->cfg->log_fd, "recv %s",
	    fakemx_util_escape(line, len, esc, sizeof(esc)));
	dispatch(s, line);
}

static void
log_start(const struct fakemx_config *cfg, const struct fakemx_peer *peer)
{
	bool	 is_v6 = strchr(peer->local, ':') != NULL;

	fakemx_util_log(cfg->log_fd, "session %lu peer %s port %u local "
	    "%s%s%s:%u", peer->id, peer->addr, peer->port, is_v6 ? "[" : "",
	    peer->local, is_v6 ? "]" : "", peer->local_port);
	if (peer->is_unexpected)
		fakemx_util_log(cfg->log_fd, "error unexpected source %s",
		    peer->addr);
}

int
fakemx_session_serve(const struct fakemx_config *cfg, int fd,
    const struct fakemx_peer *peer)
{
	struct session	*s;
	int		 rc = peer->is_unexpected ? 1 : 0;

	log_start(cfg, peer);
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fakemx_util_log(cfg->log_fd, "error out of memory");
		(void)close(fd); /* nothing more to do with it */
		return 1;
	}
	s->cfg = cfg;
	s->peer = peer;
	s->arg = "";
	if (fakemx_conn_open(&s->conn, fd, cfg->timeout_s) == -1) {
		fakemx_util_log(cfg->log_fd, "error cannot set the timeout");
		s->is_done = true;
	}
	if (!s->is_done)
		run_event(s, FAKEMX_EV_BANNER);
	while (!s->is_done)
		serve_line(s);
	fakemx_conn_close(&s->conn);
	fakemx_util_log(cfg->log_fd, "end %lu", peer->id);
	free(s->msg);
	free(s);
	return rc;
}
