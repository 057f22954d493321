/*
 * probe_relay - libesmtp's session, recorded as our dialogue.
 *
 * libesmtp reports through three callbacks: the protocol monitor (bytes
 * written and read, except the message itself), the event callback
 * (connected, TLS up, certificate problems) and the SASL interaction
 * (user and password). The recorder below pairs each reply with the
 * command it answers, in order (RFC 2920 3: replies come in the order of
 * the commands, pipelined or not), and hands each finished step to the
 * direct engine's handler for its stage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "probe/run/probe_relay.h"
#include "smtp/smtp_clock.h"
#include "smtp/smtp_reply.h"
#include "tls/tls_conn.h"

/*
 * libesmtp.h declares smtp_starttls_set_ctx() only after <openssl/ssl.h>,
 * and only tls/ includes OpenSSL headers. SSL_CTX is OpenSSL's typedef
 * of struct ssl_ctx_st, so this is the library's own prototype.
 */
int	smtp_starttls_set_ctx(smtp_session_t session, struct ssl_ctx_st *ctx);

/*
 * libesmtp's loop, once TLS is up, queues EHLO and then polls for reading
 * and writing together; when the server's TLS 1.3 NewSessionTicket
 * messages (RFC 8446 4.6.1) are already there, it reads first, finds no
 * reply, and waits for one to a command it has not sent yet, until the
 * timeout ("SMTP server dropped connection"). On a short round trip
 * (loopback, a relay in the same network) the tickets win that race. So
 * the tickets are taken in first, waiting at most this long for them: a
 * server that sends them does so right after the handshake, one round
 * trip; one that sends none costs this wait once, in the tls step.
 */
#define PROBE_RELAY_SETTLE_MS	100

struct probe_relay_cmd {
	enum smtp_stage	 stage;
	char		 text[SMTP_STEP_TEXT_MAX];
	double		 sent_us;
};

/* The connect watchdog's signal (probe_relay_watch). */
#define PROBE_RELAY_WATCH_SIG	(SIGRTMIN + 3)

struct probe_relay_rec {
	struct smtp_dialog		*d;
	const struct probe_relay_opts	*ro;
	char		 wline[PROBE_RELAY_LINE_MAX];	/* a command, partly */
	size_t		 wlen;
	struct probe_relay_cmd pend[PROBE_RELAY_PENDING_MAX];
	size_t		 pend_head, pend_len;
	struct smtp_buf	 rline;		/* a reply line, partly */
	bool		 is_rline_long;
	struct smtp_reply reply;	/* the reply being read */
	double		 start_us, last_us;	/* session start, last reply */
	bool		 is_connected, has_banner, is_tls_up, is_in_auth;
	bool		 is_after_354;
	bool		 is_tls_pending;	/* 220 to STARTTLS, no TLS step */
	bool		 is_broken;	/* a bound crossed: record no more */
	bool		 is_refused_cert;	/* policy said no to libesmtp */
	bool		 is_settled;	/* TLS 1.3 tickets taken in */
	timer_t		 watchdog;	/* see probe_relay_watch() */
	bool		 has_watchdog, is_watchdog_armed;
	bool		 is_watchdog_fired;	/* it ran out before connect */
	int		 connect_ms;	/* the connect's bound */
};

void
probe_relay_redact(const char *line, size_t len, bool in_auth, char *out,
    size_t outlen)
{
	size_t end;

	if (in_auth) {
		(void)snprintf(out, outlen, "%s", PROBE_RELAY_REDACTED);
		return;
	}
	if (len < 5 || strncasecmp(line, "AUTH ", 5) != 0) {
		(void)snprintf(out, outlen, "%.*s", (int)len, line);
		return;
	}
	/* RFC 4954 4: "AUTH" SP mechanism [SP initial-response]. */
	for (end = 5; end < len && line[end] != ' '; end++)
		continue;
	(void)snprintf(out, outlen, "%.*s%s", (int)end, line,
	    end < len ? " " PROBE_RELAY_REDACTED : "");
}

/* The stage a command line of libesmtp's belongs to. */
static enum smtp_stage
probe_relay_stage(const struct probe_relay_rec *r, const char *line)
{
	static const struct {
		const char	*verb;
		enum smtp_stage	 stage;
	} verbs[] = {
		{ "EHLO ", SMTP_STAGE_EHLO }, { "HELO ", SMTP_STAGE_EHLO },
		{ "STARTTLS", SMTP_STAGE_STARTTLS }, { "AUTH ", SMTP_STAGE_AUTH },
		{ "MAIL FROM:", SMTP_STAGE_MAIL }, { "RCPT TO:", SMTP_STAGE_RCPT },
		{ "DATA", SMTP_STAGE_DATA },
	};
	size_t i;

	if (r->is_in_auth)
		return SMTP_STAGE_AUTH;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strncasecmp(line, verbs[i].verb,
		    strlen(verbs[i].verb)) != 0)
			continue;
		/* RFC 3207 4.2: the EHLO after the handshake. */
		if (verbs[i].stage == SMTP_STAGE_EHLO && r->is_tls_up)
			return SMTP_STAGE_EHLO_TLS;
		return verbs[i].stage;
	}
	/*
	 * QUIT, and RSET, which libesmtp sends after a refused transaction:
	 * both close what went before, and the command says which it was.
	 */
	return SMTP_STAGE_QUIT;
}

/* A new step, or NULL when the transcript is full (d->err says so). */
static struct smtp_step *
probe_relay_step(struct probe_relay_rec *r, enum smtp_stage stage,
    size_t *idx)
{
	long i;

	if (r->is_broken)
		return NULL;
	i = smtp_dialog_enter(r->d, stage);
	if (i < 0) {
		r->is_broken = true;
		return NULL;
	}
	*idx = (size_t)i;
	return &r->d->transcript.steps[i];
}

/* A step that ended in an error of ours, judged at once. */
static void
probe_relay_fail(struct probe_relay_rec *r, enum smtp_stage stage,
    enum smtp_rc rc, double since_us, const char *why)
{
	struct smtp_step *st;
	size_t idx;

	st = probe_relay_step(r, stage, &idx);
	if (st == NULL)
		return;
	st->rc = rc;
	st->elapsed_ms = (smtp_clock_us() - since_us) / 1000.0;
	(void)snprintf(st->error, sizeof(st->error), "%s", why);
	smtp_dialog_decide(r->d, idx);
}

/*
 * The TLS step, once its outcome is known: a handshake that finished
 * (facts filled by the context's callback) is judged by the tls handler,
 * which applies --tls-verify; one that did not is a TLS failure.
 */
static void
probe_relay_tls_step(struct probe_relay_rec *r)
{
	struct smtp_dialog *d = r->d;
	struct smtp_step *st;
	size_t idx;

	if (!r->is_tls_pending)
		return;
	r->is_tls_pending = false;
	d->tls_attempted = true;
	if (d->tls.version[0] == '\0') {
		probe_relay_fail(r, SMTP_STAGE_TLS, SMTP_E_TLS, r->last_us,
		    "TLS handshake failed");
		return;
	}
	st = probe_relay_step(r, SMTP_STAGE_TLS, &idx);
	if (st == NULL)
		return;
	st->elapsed_ms = (smtp_clock_us() - r->last_us) / 1000.0;
	d->tls_active = !r->is_refused_cert;
	r->is_tls_up = d->tls_active;
	smtp_dialog_decide(d, idx);
}

/* One command line as written: redacted, then queued for its reply. */
static void
probe_relay_command(struct probe_relay_rec *r, const char *line, size_t len)
{
	struct probe_relay_cmd *c;

	probe_relay_tls_step(r);
	if (r->pend_len == PROBE_RELAY_PENDING_MAX) {
		r->is_broken = true;
		smtp_err_set(&r->d->err, SMTP_E_LIMIT, "more than %d commands "
		    "waited for their replies", PROBE_RELAY_PENDING_MAX);
		return;
	}
	c = &r->pend[(r->pend_head + r->pend_len) % PROBE_RELAY_PENDING_MAX];
	probe_relay_redact(line, len, r->is_in_auth, c->text,
	    sizeof(c->text));
	c->stage = probe_relay_stage(r, c->text);
	c->sent_us = smtp_clock_us();
	r->pend_len++;
}

/* Bytes libesmtp wrote: cut into lines; credentials never leave here. */
static void
probe_relay_written(struct probe_relay_rec *r, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (r->wlen < sizeof(r->wline))
				r->wline[r->wlen++] = buf[i];
			continue;
		}
		if (r->wlen > 0 && r->wline[r->wlen - 1] == '\r')
			r->wlen--;
		probe_relay_command(r, r->wline, r->wlen);
		explicit_bzero(r->wline, sizeof(r->wline));
		r->wlen = 0;
	}
}

/* The command a finished reply answers; its stage and when it went. */
static void
probe_relay_answered(struct probe_relay_rec *r, struct probe_relay_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->sent_us = r->last_us;
	if (!r->has_banner) {
		c->stage = SMTP_STAGE_BANNER;
		r->has_banner = true;
	} else if (r->is_after_354) {
		/* The message and its dot are not monitored (see above). */
		c->stage = SMTP_STAGE_END_OF_DATA;
		(void)snprintf(c->text, sizeof(c->text), ".");
	} else if (r->pend_len > 0) {
		*c = r->pend[r->pend_head];
		r->pend_head = (r->pend_head + 1) % PROBE_RELAY_PENDING_MAX;
		r->pend_len--;
	} else {
		c->stage = SMTP_STAGE_QUIT;	/* unasked: a 421 at any time */
	}
	r->is_after_354 = false;
}

/*
 * A reply is complete, or ended by an error of ours (rc, why): one step,
 * judged by its stage's handler.
 */
static void
probe_relay_replied(struct probe_relay_rec *r, enum smtp_rc rc,
    const char *why)
{
	struct probe_relay_cmd c;
	struct smtp_step *st;
	size_t idx;

	probe_relay_answered(r, &c);
	st = probe_relay_step(r, c.stage, &idx);
	if (st == NULL)
		return;
	(void)snprintf(st->command, sizeof(st->command), "%s", c.text);
	st->reply = r->reply;		/* the step owns the lines now */
	smtp_reply_init(&r->reply);
	r->last_us = smtp_clock_us();
	st->elapsed_ms = (r->last_us - c.sent_us) / 1000.0;
	if (rc == SMTP_OK && !smtp_transcript_account(&r->d->transcript,
	    st->reply.text.len)) {
		rc = SMTP_E_LIMIT;
		why = "the server's replies passed the transcript's bound";
	}
	if (rc != SMTP_OK) {
		st->rc = rc;
		(void)snprintf(st->error, sizeof(st->error), "%s", why);
		r->is_broken = true;
	}
	r->is_in_auth = c.stage == SMTP_STAGE_AUTH &&
	    st->reply.code / 100 == 3;
	r->is_after_354 = c.stage == SMTP_STAGE_DATA &&
	    st->reply.code / 100 == 3;
	r->is_tls_pending = c.stage == SMTP_STAGE_STARTTLS &&
	    st->reply.code / 100 == 2;
	smtp_dialog_decide(r->d, idx);
}

/* One line of a reply, framed as smtp_reply_read() frames it. */
static void
probe_relay_reply_line(struct probe_relay_rec *r, const char *line,
    size_t len)
{
	bool is_last = false;
	int code = 0;

	if (!smtp_reply_parse_line(line, len, &code, &is_last) ||
	    (r->reply.nlines > 0 && code != r->reply.code)) {
		/* Keep what came (a line past the bound is lost), say why. */
		(void)smtp_reply_add_line(&r->reply, line, len);
		probe_relay_replied(r, SMTP_E_PROTO, "malformed reply line, "
		    "or a code that changed within one reply");
		return;
	}
	if (smtp_reply_add_line(&r->reply, line, len) != SMTP_OK) {
		probe_relay_replied(r, SMTP_E_LIMIT, "reply has too many lines");
		return;
	}
	if (r->reply.nlines == 1) {
		r->reply.code = code;
		if (len > 4)
			(void)smtp_reply_parse_enhanced(line + 4, len - 4,
			    code, r->reply.enhanced);
	}
	if (is_last) {
		r->reply.is_complete = true;
		probe_relay_replied(r, SMTP_OK, NULL);
	}
}

/* Bytes the server sent, after TLS decryption: cut into lines. */
static void
probe_relay_read(struct probe_relay_rec *r, const char *buf, size_t len)
{
	size_t i, n;

	for (i = 0; i < len && !r->is_broken; i++) {
		if (buf[i] != '\n') {
			if (smtp_buf_append(&r->rline, buf + i, 1,
			    SMTP_REPLY_LINE_MAX) != SMTP_OK)
				r->is_rline_long = true;
			continue;
		}
		n = r->rline.len;
		if (n > 0 && r->rline.data[n - 1] == '\r')
			n--;
		else
			r->reply.has_bare_lf = true;
		if (r->is_rline_long)
			probe_relay_replied(r, SMTP_E_LIMIT, "reply line "
			    "longer than the bound (8 KiB)");
		else
			probe_relay_reply_line(r, n > 0 ? r->rline.data : "",
			    n);
		r->rline.len = 0;
	}
}

/*
 * libesmtp sends the message with BDAT (RFC 3030) when EHLO offers
 * CHUNKING, and its cmd_bdat() (smtp-bdat.c) turns the protocol monitor
 * off for the message and never back on: every reply after it, the one
 * to the message included, would be lost to the transcript. Gmail and
 * Microsoft 365 offer CHUNKING. So, once the EHLO reply is recorded as
 * the server sent it, the keyword is spoilt in libesmtp's own read
 * buffer ("XHUNKING", an extension nobody knows) before libesmtp parses
 * it, and the message goes with DATA, whose reply is monitored. The
 * buffer is libesmtp's writable read buffer (sio_fill() hands its
 * read_position to the monitor); const in the callback's type only. The
 * trade-off: the relay sees DATA where the operator's MTA may use BDAT.
 */
static void
probe_relay_hide_chunking(char *buf, size_t len)
{
	static const char kw[] = "CHUNKING";
	size_t i;

	for (i = 4; i + sizeof(kw) - 1 <= len; i++)
		if ((buf[i - 1] == '-' || buf[i - 1] == ' ') &&
		    (i == 4 || buf[i - 5] == '\n') &&
		    strncasecmp(buf + i, kw, sizeof(kw) - 1) == 0)
			buf[i] = 'X';
}

static bool
probe_relay_awaits_ehlo(const struct probe_relay_rec *r)
{
	enum smtp_stage st;

	if (r->pend_len == 0)
		return false;
	st = r->pend[r->pend_head].stage;
	return st == SMTP_STAGE_EHLO || st == SMTP_STAGE_EHLO_TLS;
}

static void
probe_relay_monitor(const char *buf, int buflen, int writing, void *arg)
{
	struct probe_relay_rec *r = arg;
	bool is_ehlo;

	if (buflen <= 0)
		return;
	if (writing == SMTP_CB_WRITING && !r->is_broken)
		probe_relay_written(r, buf, (size_t)buflen);
	if (writing != SMTP_CB_READING)
		return;
	is_ehlo = probe_relay_awaits_ehlo(r);
	if (!r->is_broken)
		probe_relay_read(r, buf, (size_t)buflen);
	if (is_ehlo)
		probe_relay_hide_chunking((char *)(uintptr_t)buf,
		    (size_t)buflen);
}

/* See PROBE_RELAY_SETTLE_MS; once per session is enough. */
static void
probe_relay_settle(struct probe_relay_rec *r, struct ssl_st *ssl)
{
	if (r->is_settled || ssl == NULL)
		return;
	r->is_settled = true;
	tls_conn_hosted_settle(ssl, PROBE_RELAY_SETTLE_MS);
}

/*
 * Certificate questions libesmtp asks: our policy answers. A refusal
 * makes libesmtp QUIT at once, into the same race as the EHLO after a
 * handshake it accepts, so the tickets are taken in here too.
 */
static void
probe_relay_cert(struct probe_relay_rec *r, int event, va_list ap)
{
	bool report = r->d->opts->tls_verify == SMTP_TLS_VERIFY_REPORT;
	struct ssl_st *ssl = NULL;
	int *ok;

	if (event == SMTP_EV_INVALID_PEER_CERTIFICATE)
		(void)va_arg(ap, long);		/* in our facts already */
	else if (event == SMTP_EV_WEAK_CIPHER)
		(void)va_arg(ap, int);		/* the cipher is a fact */
	ok = va_arg(ap, int *);
	if (event == SMTP_EV_INVALID_PEER_CERTIFICATE)
		ssl = va_arg(ap, struct ssl_st *);
	/*
	 * libesmtp checks the name it dialled, which is the address; our
	 * context checked the relay's name in the verify result, which the
	 * first event carries. A weak cipher is recorded, not refused.
	 */
	*ok = event == SMTP_EV_WRONG_PEER_CERTIFICATE ||
	    event == SMTP_EV_WEAK_CIPHER || report;
	if (*ok)
		return;
	r->is_refused_cert = true;
	probe_relay_settle(r, ssl);
}

/*
 * libesmtp's connect() has no bound of its own: an address that drops
 * SYNs holds it for the kernel's two minutes. So this thread gets a
 * one-shot timer whose signal interrupts that connect() (a handler that
 * does nothing, installed without SA_RESTART, so connect() fails with
 * EINTR and libesmtp gives up on the address). The timer is disarmed by
 * the connect event; libesmtp's reads and writes retry on EINTR, so a
 * late signal costs nothing. The handler is process-wide, set once, and
 * does nothing; the timer and the unblocked signal are this thread's.
 */
static void
probe_relay_nothing(int sig)
{
	(void)sig;
}

static pthread_once_t probe_relay_once = PTHREAD_ONCE_INIT;

static void
probe_relay_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_relay_nothing;
	(void)sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: connect() must fail */
	(void)sigaction(PROBE_RELAY_WATCH_SIG, &sa, NULL);
}

static void
probe_relay_watch(struct probe_relay_rec *r, sigset_t *saved)
{
	struct itimerspec its;
	struct sigevent sev;
	sigset_t one;

	(void)pthread_once(&probe_relay_once, probe_relay_install);
	(void)sigemptyset(&one);
	(void)sigaddset(&one, PROBE_RELAY_WATCH_SIG);
	(void)pthread_sigmask(SIG_UNBLOCK, &one, saved);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = PROBE_RELAY_WATCH_SIG;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &r->watchdog) != 0)
		return;		/* unbounded, as libesmtp alone would be */
	r->has_watchdog = true;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = r->connect_ms / 1000;
	its.it_value.tv_nsec = (long)(r->connect_ms % 1000) * 1000000L;
	r->is_watchdog_armed = timer_settime(r->watchdog, 0, &its,
	    NULL) == 0;
}

static void
probe_relay_unwatch(struct probe_relay_rec *r)
{
	struct itimerspec off;

	if (!r->is_watchdog_armed)
		return;
	memset(&off, 0, sizeof(off));
	(void)timer_settime(r->watchdog, 0, &off, NULL);
	r->is_watchdog_armed = false;
}

static void
probe_relay_unwatch_all(struct probe_relay_rec *r, const sigset_t *saved)
{
	struct itimerspec left;

	/* Still armed at the end and nothing left: it went off. */
	if (r->is_watchdog_armed && timer_gettime(r->watchdog, &left) == 0)
		r->is_watchdog_fired = left.it_value.tv_sec == 0 &&
		    left.it_value.tv_nsec == 0;
	probe_relay_unwatch(r);
	if (r->has_watchdog)
		(void)timer_delete(r->watchdog);
	r->has_watchdog = false;
	(void)pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static void
probe_relay_event(smtp_session_t session, int event, void *arg, ...)
{
	struct probe_relay_rec *r = arg;
	struct smtp_step *st;
	va_list ap;
	size_t idx;

	(void)session;	/* one session per recorder */
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT:
		r->is_connected = true;
		probe_relay_unwatch(r);
		st = probe_relay_step(r, SMTP_STAGE_CONNECT, &idx);
		r->last_us = smtp_clock_us();
		if (st == NULL)
			break;
		st->elapsed_ms = (r->last_us - r->start_us) / 1000.0;
		smtp_dialog_decide(r->d, idx);
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
	case SMTP_EV_WEAK_CIPHER:
		probe_relay_cert(r, event, ap);
		break;
	case SMTP_EV_STARTTLS_OK:
		probe_relay_settle(r, va_arg(ap, struct ssl_st *));
		probe_relay_tls_step(r);
		break;
	default:
		break;		/* progress we read from the replies */
	}
	va_end(ap);
}

/* RFC 4954 via libesmtp's SASL client: the user, the password, no realm. */
static int
probe_relay_interact(auth_client_request_t req, char **result, int fields,
    void *arg)
{
	const struct probe_relay_rec *r = arg;
	int i;

	for (i = 0; i < fields; i++) {
		/* libesmtp reads these and never writes through them. */
		if (req[i].flags & AUTH_USER)
			result[i] = (char *)(uintptr_t)r->ro->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = (char *)(uintptr_t)r->ro->password;
		else
			result[i] = (char *)(uintptr_t)"";
	}
	return 1;
}

/* The message with CRLF line ends: libesmtp stuffs dots, not line ends. */
static enum smtp_rc
probe_relay_crlf(const struct smtp_dialog_opts *o, struct smtp_buf *out)
{
	const char *p = o->message, *end = o->message + o->message_len, *nl;
	/* Every LF may gain a CR: twice the engine's bound is the ceiling. */
	const size_t ceiling = 2 * SMTP_DIALOG_MESSAGE_MAX;
	enum smtp_rc rc = SMTP_OK;
	size_t n;

	while (p < end && rc == SMTP_OK) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		rc = smtp_buf_append(out, p, n, ceiling);
		if (rc == SMTP_OK)
			rc = smtp_buf_append(out, "\r\n", 2, ceiling);
		p = nl != NULL ? nl + 1 : end;
	}
	return rc;
}

/* "a.b.c.d:port" for libesmtp, which resolves nothing then. */
static enum smtp_rc
probe_relay_hostport(const struct smtp_dialog_opts *o, char *out,
    size_t outlen, struct smtp_err *err)
{
	const struct sockaddr_in *v4;
	char addr[INET_ADDRSTRLEN];

	if (o->dst == NULL || o->dst->sa_family != AF_INET)
		return smtp_err_set(err, SMTP_E_USAGE, "the relay path dials "
		    "IPv4 addresses only: libesmtp cannot take an IPv6 one");
	v4 = (const struct sockaddr_in *)(const void *)o->dst;
	if (inet_ntop(AF_INET, &v4->sin_addr, addr, sizeof(addr)) == NULL)
		return smtp_err_set(err, SMTP_E_USAGE, "bad relay address");
	(void)snprintf(out, outlen, "%s:%u", addr,
	    (unsigned)ntohs(v4->sin_port));	/* 22 bytes always fit */
	return SMTP_OK;
}

/* Every wait libesmtp has, from ours; it has none for the TCP connect. */
static void
probe_relay_timeouts(smtp_session_t s, const struct smtp_dialog_opts *o)
{
	static const struct {
		int		 which;
		enum smtp_stage	 stage;
	} map[] = {
		{ Timeout_GREETING, SMTP_STAGE_BANNER },
		{ Timeout_ENVELOPE, SMTP_STAGE_MAIL },
		{ Timeout_DATA, SMTP_STAGE_DATA },
		{ Timeout_TRANSFER, SMTP_STAGE_END_OF_DATA },
		{ Timeout_DATA2, SMTP_STAGE_END_OF_DATA },
	};
	long ms;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		ms = o->timeout_ms > 0 ? o->timeout_ms :
		    smtp_stage_def(map[i].stage)->timeout_ms;
		/* Returns the value set; ours is always > 0. */
		(void)smtp_set_timeout(s, map[i].which |
		    Timeout_OVERRIDE_RFC2822_MINIMUM, ms);
	}
}

static const enum starttls_option probe_relay_starttls[] = {
	[SMTP_STARTTLS_REQUIRED] = Starttls_REQUIRED,
	[SMTP_STARTTLS_OPPORTUNISTIC] = Starttls_ENABLED,
	[SMTP_STARTTLS_OFF] = Starttls_DISABLED,
};

/* The envelope and the message into a libesmtp session. */
static enum smtp_rc
probe_relay_envelope(smtp_session_t s, const struct smtp_dialog_opts *o,
    struct smtp_buf *msg, struct smtp_err *err)
{
	smtp_message_t m = smtp_add_message(s);
	size_t i;

	if (m == NULL || smtp_set_hostname(s, o->helo) == 0 ||
	    smtp_set_reverse_path(m, o->mail_from) == 0)
		return smtp_err_set(err, SMTP_E_NOMEM, "libesmtp: cannot set "
		    "the envelope");
	for (i = 0; i < o->nrcpts; i++)
		if (smtp_add_recipient(m, o->rcpts[i]) == NULL)
			return smtp_err_set(err, SMTP_E_NOMEM, "libesmtp: "
			    "cannot add a recipient");
	if (probe_relay_crlf(o, msg) != SMTP_OK || msg->data == NULL)
		return smtp_err_set(err, SMTP_E_USAGE, "the message is empty "
		    "or too large");
	if (smtp_set_message_str(m, msg->data) == 0)
		return smtp_err_set(err, SMTP_E_NOMEM, "libesmtp: cannot set "
		    "the message");
	return SMTP_OK;
}

/* STARTTLS with our context, AUTH when a user is given, the callbacks. */
static enum smtp_rc
probe_relay_session(smtp_session_t s, struct probe_relay_rec *r,
    struct tls_hosted *tls, auth_context_t *actx, struct smtp_err *err)
{
	const struct smtp_dialog_opts *o = r->d->opts;
	char hostport[32];

	if (probe_relay_hostport(o, hostport, sizeof(hostport), err) !=
	    SMTP_OK)
		return err->rc;
	if (smtp_set_server(s, hostport) == 0 ||
	    smtp_set_monitorcb(s, probe_relay_monitor, r, 0) == 0 ||
	    smtp_set_eventcb(s, probe_relay_event, r) == 0 ||
	    smtp_starttls_enable(s, probe_relay_starttls[o->starttls]) == 0 ||
	    (tls != NULL &&
	    smtp_starttls_set_ctx(s, tls_conn_hosted_ssl_ctx(tls)) == 0))
		return smtp_err_set(err, SMTP_E_NOMEM, "libesmtp: cannot set "
		    "up the session");
	probe_relay_timeouts(s, o);
	if (r->ro->user == NULL)
		return SMTP_OK;
	*actx = auth_create_context();
	if (*actx == NULL ||
	    auth_set_mechanism_flags(*actx, AUTH_PLUGIN_PLAIN, 0) == 0 ||
	    auth_set_interact_cb(*actx, probe_relay_interact, r) == 0 ||
	    smtp_auth_set_context(s, *actx) == 0)
		return smtp_err_set(err, SMTP_E_NOMEM, "libesmtp: cannot set "
		    "up AUTH");
	return SMTP_OK;
}

/* What libesmtp's error number means to us. */
static enum smtp_rc
probe_relay_rc(int e)
{
	switch (e) {
	case SMTP_ERR_INVALID_RESPONSE_SYNTAX:
	case SMTP_ERR_STATUS_MISMATCH:
	case SMTP_ERR_INVALID_RESPONSE_STATUS:
	case SMTP_ERR_UNTERMINATED_RESPONSE:
		return SMTP_E_PROTO;
	case ETIMEDOUT:
		return SMTP_E_TIMEOUT;
	default:
		return SMTP_E_IO;
	}
}

/*
 * The session is over: whatever had no reply yet ends in libesmtp's
 * error, at the stage it was waiting in.
 */
static void
probe_relay_finish(struct probe_relay_rec *r, bool ok)
{
	char why[SMTP_ERR_MSG_MAX], buf[256];
	int e = smtp_errno();
	enum smtp_stage stage;

	probe_relay_tls_step(r);
	if (r->is_broken || (ok && r->pend_len == 0 && r->has_banner))
		return;
	(void)snprintf(why, sizeof(why), "%s",
	    smtp_strerror(e, buf, sizeof(buf)) != NULL ? buf : "failed");
	if (!r->is_connected) {
		if (r->is_watchdog_fired)
			(void)snprintf(why, sizeof(why), "no answer to the TCP "
			    "connect within %d ms", r->connect_ms);
		probe_relay_fail(r, SMTP_STAGE_CONNECT, r->is_watchdog_fired ?
		    SMTP_E_TIMEOUT : SMTP_E_CONNECT, r->start_us, why);
		return;
	}
	stage = !r->has_banner ? SMTP_STAGE_BANNER : r->is_after_354 ?
	    SMTP_STAGE_END_OF_DATA : r->pend_len > 0 ?
	    r->pend[r->pend_head].stage : SMTP_STAGE_QUIT;
	if (stage == SMTP_STAGE_QUIT && ok)
		return;		/* closed after our QUIT: nothing lost */
	probe_relay_fail(r, stage, ok ? SMTP_E_IO : probe_relay_rc(e),
	    r->last_us, ok ? "the connection closed before the reply" : why);
}

enum smtp_rc
probe_relay_run(const struct probe_relay_opts *ro, struct smtp_dialog *d)
{
	struct probe_relay_rec *r;
	struct tls_hosted *tls = NULL;
	struct tls_err terr = { 0 };
	auth_context_t actx = NULL;
	smtp_session_t s = NULL;
	struct smtp_buf msg = { 0 };
	sigset_t saved;
	bool ok;

	if (smtp_dialog_check(d) != SMTP_OK)
		return d->err.rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return smtp_err_set(&d->err, SMTP_E_NOMEM, "out of memory");
	r->d = d;
	r->ro = ro;
	smtp_reply_init(&r->reply);
	if (d->opts->starttls != SMTP_STARTTLS_OFF) {
		tls = tls_conn_hosted_new(ro->tls_ca, d->opts->mx_host, &d->tls,
		    &terr);
		if (tls == NULL) {
			smtp_err_set(&d->err, SMTP_E_USAGE, "%s", terr.msg);
			goto out;
		}
	}
	s = smtp_create_session();
	if (s == NULL) {
		smtp_err_set(&d->err, SMTP_E_NOMEM, "libesmtp: no session");
		goto out;
	}
	if (probe_relay_session(s, r, tls, &actx, &d->err) != SMTP_OK ||
	    probe_relay_envelope(s, d->opts, &msg, &d->err) != SMTP_OK)
		goto out;
	r->start_us = r->last_us = smtp_clock_us();
	r->connect_ms = d->opts->timeout_ms > 0 ? d->opts->timeout_ms :
	    smtp_stage_def(SMTP_STAGE_CONNECT)->timeout_ms;
	probe_relay_watch(r, &saved);
	ok = smtp_start_session(s) != 0;
	probe_relay_unwatch_all(r, &saved);
	probe_relay_finish(r, ok);
out:
	if (s != NULL)
		(void)smtp_destroy_session(s);	/* always 1 */
	if (actx != NULL)
		(void)auth_destroy_context(actx);	/* always 1 */
	tls_conn_hosted_free(tls);
	smtp_buf_free(&msg);
	smtp_buf_free(&r->rline);
	smtp_reply_free(&r->reply);
	explicit_bzero(r, sizeof(*r));
	free(r);
	d->is_done = true;
	return d->err.rc;
}
