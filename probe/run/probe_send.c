/*
 * probe_send - assemble one probe from flags and a profile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "probe/dns/probe_idna.h"
#include "probe/run/probe_send.h"
#include "probe/util/probe_escape.h"
#include "probe/util/probe_file.h"
#include "smtp/smtp_io.h"

/* No control byte (C0, DEL): nothing of ours may carry one to the wire. */
static bool
probe_send_is_plain(const char *a)
{
	const unsigned char *u;

	for (u = (const unsigned char *)a; *u != '\0'; u++)
		if (*u < ' ' || *u == 0x7f)
			return false;
	return true;
}

/*
 * An address goes between < and > on a command line: keep it plain. An
 * "@" in the local part is allowed only inside a quoted string (RFC 5321
 * 4.1.2): a@b@c is a typo, not a mailbox "a@b" at c. Non-ASCII is
 * RFC 6531's and must be UTF-8 (3.3); the dialogue sends it only to a
 * server that offers SMTPUTF8.
 */
static bool
probe_send_is_address(const char *a)
{
	const char *at = strrchr(a, '@'), *first = strchr(a, '@');
	size_t local = at != NULL ? (size_t)(at - a) : 0;

	if (strlen(a) > 256 || strpbrk(a, "<> ") != NULL ||
	    !probe_send_is_plain(a) || !probe_escape_is_utf8(a))
		return false;
	return first == at || (local >= 2 && a[0] == '"' &&
	    a[local - 1] == '"');
}

/*
 * RFC 5321 4.1.3: a domain written "[192.0.2.1]" or "[IPv6:2001:db8::1]"
 * is the host itself. Its address text goes into buf (the probe then
 * connects there as to --server, without DNS); false for a domain name
 * or a literal that holds no address.
 */
static bool
probe_send_literal(const char *dom, char *buf, size_t len)
{
	size_t n = strlen(dom);
	unsigned char addr[sizeof(struct in6_addr)];
	int family = AF_INET;

	if (n < 3 || dom[0] != '[' || dom[n - 1] != ']')
		return false;
	dom++;
	n -= 2;
	if (n > 5 && strncasecmp(dom, "IPv6:", 5) == 0) {
		family = AF_INET6;
		dom += 5;
		n -= 5;
	}
	if (n >= len)
		return false;
	memcpy(buf, dom, n);
	buf[n] = '\0';
	return inet_pton(family, buf, addr) == 1;
}

/*
 * A literal is a mail host like an MX: one that is this host or no host
 * refuses the probe as an MTA refuses the mail (probe_mx_addr_special()).
 */
static int
probe_send_literal_host(const struct probe_cli_send *cli,
    struct probe_send *s, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&ss;
	const char *why;

	if (inet_pton(AF_INET, s->literal, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s->literal, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	why = probe_mx_addr_special((const struct sockaddr *)&ss,
	    cli->allow_loopback_mx);
	if (why == NULL)
		return 0;
	(void)snprintf(err, errlen, "--to: mail for %s loops back to "
	    "myself: %s is %s", s->domain, s->literal, why);
	return -1;
}

/* The recipients' common domain: one session goes to one domain's MX. */
static int
probe_send_domain(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	const char *at, *dom;
	char alabel[PROBE_IDNA_NAME_MAX + 1], why[256];
	size_t i;

	if (cli->nto == 0) {
		(void)snprintf(err, errlen, "--to is required");
		return -1;
	}
	for (i = 0; i < cli->nto; i++) {
		at = strrchr(cli->to[i], '@');
		dom = at ? at + 1 : "";
		if (at == NULL || at == cli->to[i] || dom[0] == '\0' ||
		    !probe_send_is_address(cli->to[i]) ||
		    strlen(dom) >= sizeof(s->domain)) {
			(void)snprintf(err, errlen, "--to: \"%.200s\" is not "
			    "an address of the form user@domain (no spaces, "
			    "control characters or bytes that are not UTF-8)",
			    cli->to[i]);
			return -1;
		}
		if (dom[0] == '[' && !probe_send_literal(dom, s->literal,
		    sizeof(s->literal))) {
			(void)snprintf(err, errlen, "--to: \"%.200s\" is not "
			    "an address literal of RFC 5321 4.1.3 ([192.0.2.1] "
			    "or [IPv6:2001:db8::1])", cli->to[i]);
			return -1;
		}
		if (dom[0] != '[' && !probe_idna_to_ascii(dom, alabel,
		    sizeof(alabel), why, sizeof(why))) {
			(void)snprintf(err, errlen, "--to: %.200s: %s", dom,
			    why);
			return -1;
		}
		if (i == 0)
			memcpy(s->domain, dom, strlen(dom) + 1);
		else if (strcasecmp(s->domain, dom) != 0 &&
		    cli->server == NULL && cli->relay == NULL) {
			(void)snprintf(err, errlen, "--to: all recipients must "
			    "be in one domain (%s and %.200s differ)",
			    s->domain, dom);
			return -1;
		}
	}
	return 0;
}

/* --source: an address of this machine, bound to prove it. */
static int
probe_send_source(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&s->source;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&s->source;
	struct smtp_err serr = { 0 };

	if (cli->source == NULL)
		return 0;
	if (inet_pton(AF_INET, cli->source, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		s->run.sourcelen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, cli->source, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		s->run.sourcelen = sizeof(*v6);
	} else {
		(void)snprintf(err, errlen, "--source: \"%.100s\" is not an "
		    "IPv4 or IPv6 address", cli->source);
		return -1;
	}
	/*
	 * 0.0.0.0 and :: bind to "any address", which is no source: the
	 * kernel would pick one, and the report would name the wrong path.
	 */
	if ((v4->sin_family == AF_INET && v4->sin_addr.s_addr == INADDR_ANY) ||
	    (v6->sin6_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr))) {
		(void)snprintf(err, errlen, "--source: %.100s is the "
		    "unspecified address, not an address of this machine: "
		    "give the address the mail leaves from", cli->source);
		return -1;
	}
	if (smtp_io_check_source((struct sockaddr *)&s->source,
	    s->run.sourcelen, &serr) != SMTP_OK) {
		(void)snprintf(err, errlen, "--source: %s", serr.msg);
		return -1;
	}
	if (cli->family != AF_UNSPEC && cli->family != s->source.ss_family) {
		(void)snprintf(err, errlen, "--source %s is not of the family "
		    "-%c asks for", cli->source, cli->family == AF_INET ? '4' :
		    '6');
		return -1;
	}
	(void)snprintf(s->source_text, sizeof(s->source_text), "%s",
	    cli->source);
	s->run.source = (struct sockaddr *)&s->source;
	s->run.dns.family = s->source.ss_family;
	return 0;
}

static int
probe_send_helo(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	if (cli->helo != NULL) {
		if (strlen(cli->helo) >= sizeof(s->helo) ||
		    strpbrk(cli->helo, "\r\n \t") != NULL ||
		    cli->helo[0] == '\0') {
			(void)snprintf(err, errlen, "--helo: a host name of at "
			    "most 255 characters, without spaces");
			return -1;
		}
		memcpy(s->helo, cli->helo, strlen(cli->helo) + 1);
		return 0;
	}
	if (gethostname(s->helo, sizeof(s->helo)) != 0 || s->helo[0] == '\0') {
		(void)snprintf(err, errlen, "cannot read this host's name "
		    "(%s): give --helo", strerror(errno));
		return -1;
	}
	s->helo[sizeof(s->helo) - 1] = '\0';
	return 0;
}

/* Profile values first, flags over them; defaults where neither speaks. */
static int
probe_send_policy(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	struct smtp_dialog_opts *d = &s->run.dialog;
	const struct probe_profile *p = &s->profile;

	d->starttls = p->has_starttls ? p->starttls :
	    SMTP_STARTTLS_OPPORTUNISTIC;
	d->tls_verify = p->has_tls_verify ? p->tls_verify :
	    SMTP_TLS_VERIFY_REPORT;
	d->has_quit_after = p->has_quit_after;
	d->quit_after = p->quit_after;
	if (cli->starttls && !probe_profile_parse_starttls(cli->starttls,
	    &d->starttls)) {
		(void)snprintf(err, errlen, "--starttls: required, "
		    "opportunistic or off");
		return -1;
	}
	if (cli->tls_verify && !probe_profile_parse_tls_verify(cli->tls_verify,
	    &d->tls_verify)) {
		(void)snprintf(err, errlen, "--tls-verify: require or report");
		return -1;
	}
	if (cli->quit_after) {
		d->has_quit_after = true;
		if (!probe_profile_parse_quit_after(cli->quit_after,
		    &d->quit_after)) {
			(void)snprintf(err, errlen, "--quit-after: connect, "
			    "banner, ehlo, tls, mail or rcpt");
			return -1;
		}
	}
	s->run.port = cli->server_port ? cli->server_port : cli->port ?
	    cli->port : p->port ? p->port : 25;
	d->timeout_ms = cli->timeout_s * 1000;
	s->run.dns.timeout_ms = cli->timeout_s ? cli->timeout_s * 1000 : 0;
	s->run.dns.dns_server = cli->dns_server;
	s->run.dns.allow_loopback = cli->allow_loopback_mx;
	if (s->run.dns.family == AF_UNSPEC)
		s->run.dns.family = cli->family;
	return 0;
}

/*
 * The password: the first line of --auth-password-file, else the
 * environment. Never from a flag (argv shows in ps). Our error texts
 * name the file, never a byte of what is in it.
 */
static int
probe_send_password_file(const char *path, struct probe_send *s, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, s->password, PROBE_SEND_PASSWORD_MAX + 1);
		(void)close(fd);	/* read-only */
	}
	if (n < 0) {
		(void)snprintf(err, errlen, "--auth-password-file: %s: %s",
		    path, strerror(errno));
		return -1;
	}
	s->password[n] = '\0';
	s->password[strcspn(s->password, "\r\n")] = '\0';
	if ((size_t)n > PROBE_SEND_PASSWORD_MAX &&
	    strlen(s->password) == (size_t)n) {
		(void)snprintf(err, errlen, "--auth-password-file: %s: the "
		    "first line is longer than %d bytes", path,
		    PROBE_SEND_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

static int
probe_send_password(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	const char *env = getenv(PROBE_SEND_PASSWORD_ENV);

	s->password = calloc(1, PROBE_SEND_PASSWORD_MAX + 2);
	if (s->password == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cli->auth_password_file != NULL) {
		if (probe_send_password_file(cli->auth_password_file, s, err,
		    errlen) != 0)
			return -1;
	} else if (env != NULL && strlen(env) <= PROBE_SEND_PASSWORD_MAX) {
		memcpy(s->password, env, strlen(env) + 1);
	} else {
		(void)snprintf(err, errlen, "--auth-user needs a password: "
		    "--auth-password-file FILE or %s (at most %d bytes), "
		    "never a flag", PROBE_SEND_PASSWORD_ENV,
		    PROBE_SEND_PASSWORD_MAX);
		return -1;
	}
	if (s->password[0] == '\0') {
		(void)snprintf(err, errlen, "--auth-user: the password is "
		    "empty");
		return -1;
	}
	return 0;
}

bool
probe_send_password_warning(const char *path, char *out, size_t outlen)
{
	struct stat st;

	if (stat(path, &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return false;
	(void)snprintf(out, outlen, "warning: %s can be read by its group or "
	    "by others (mode %03o): chmod 600 it", path,
	    (unsigned)(st.st_mode & 0777));
	return true;
}

/* The envelope is all ASCII: no SMTPUTF8 needed. */
static bool
probe_send_all_ascii(const struct probe_cli_send *cli)
{
	size_t i;

	if (cli->from != NULL && !probe_idna_is_ascii(cli->from))
		return false;
	for (i = 0; i < cli->nto; i++)
		if (!probe_idna_is_ascii(cli->to[i]))
			return false;
	return true;
}

/* What libesmtp cannot do, refused before anything is sent. */
static const char *
probe_send_relay_refusal(const struct probe_cli_send *cli, int port)
{
	if (cli->server != NULL)
		return "--relay and --server exclude each other";
	if (port == 465)
		return "--relay: port 465 is implicit TLS (RFC 8314), which "
		    "libesmtp cannot speak; submit on 587 with STARTTLS";
	if (cli->source != NULL)
		return "--relay: libesmtp cannot bind a source address; the "
		    "relay sees this host's own address (drop --source)";
	if (cli->family == AF_INET6)
		return "--relay: libesmtp cannot dial IPv6 addresses; -6 is "
		    "not possible with a relay";
	if (cli->quit_after != NULL)
		return "--relay: libesmtp runs the whole submission; "
		    "--quit-after is not possible with a relay";
	if (!probe_send_all_ascii(cli))
		return "--relay: libesmtp cannot ask for SMTPUTF8 (RFC 6531), "
		    "so non-ASCII addresses go only straight to the MX";
	if (cli->auth_user != NULL && cli->starttls != NULL &&
	    strcmp(cli->starttls, "off") == 0)
		return "--auth-user with --starttls off would send the "
		    "password in clear";
	return NULL;
}

/*
 * --relay: the relay is the one server, on 587 unless told, STARTTLS
 * required unless told, IPv4, the whole submission, and AUTH with a user.
 */
static int
probe_send_relay(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	struct smtp_dialog_opts *d = &s->run.dialog;
	const char *why;
	int port;

	if (cli->relay == NULL) {
		if (cli->auth_user == NULL && cli->auth_password_file == NULL)
			return 0;
		(void)snprintf(err, errlen, "--auth-user and "
		    "--auth-password-file need --relay");
		return -1;
	}
	port = cli->relay_port ? cli->relay_port : cli->port ? cli->port :
	    PROBE_RELAY_PORT;
	why = probe_send_relay_refusal(cli, port);
	if (why == NULL && cli->auth_user == NULL &&
	    cli->auth_password_file != NULL)
		why = "--auth-password-file needs --auth-user";
	if (why != NULL) {
		(void)snprintf(err, errlen, "%s", why);
		return -1;
	}
	s->run.port = port;
	s->run.server = cli->relay;
	s->run.dns.family = AF_INET;
	d->has_quit_after = false;
	if (cli->starttls == NULL)
		d->starttls = SMTP_STARTTLS_REQUIRED;
	s->relay.tls_ca = cli->tls_ca;
	s->run.relay = &s->relay;
	if (cli->auth_user == NULL)
		return 0;
	if (strpbrk(cli->auth_user, "\r\n") != NULL ||
	    cli->auth_user[0] == '\0') {
		(void)snprintf(err, errlen, "--auth-user: empty or holds a "
		    "line break");
		return -1;
	}
	if (probe_send_password(cli, s, err, errlen) != 0)
		return -1;
	s->relay.user = cli->auth_user;
	s->relay.password = s->password;
	return 0;
}

static int
probe_send_body(const char *flag, const char *path, struct probe_send *s,
    char *err, size_t errlen)
{
	/* As --help promises: the file as read (SMTP_DIALOG_MESSAGE_MAX). */
	const size_t max = PROBE_SEND_BODY_MAX;
	char why[PROBE_SEND_ERR_MAX / 2];
	FILE *fp = probe_file_open(path, why, sizeof(why));
	int rc = -1;

	if (fp == NULL) {
		(void)snprintf(err, errlen, "%s: %s", flag, why);
		return -1;
	}
	s->body = malloc(max + 1);
	if (s->body == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	s->body_len = fread(s->body, 1, max + 1, fp);
	if (ferror(fp) || s->body_len > max)
		(void)snprintf(err, errlen, "%s: %s: %s", flag, path,
		    ferror(fp) ? "read error" : "larger than 1 MiB (1048576 "
		    "bytes)");
	/*
	 * SMTP carries lines of text (RFC 5321 2.3.8): a NUL reaches no
	 * mailbox as written, so such a file is not sent as if it would.
	 */
	else if (memchr(s->body, '\0', s->body_len) != NULL)
		(void)snprintf(err, errlen, "%s: %s: holds a NUL byte at "
		    "offset %zu; SMTP carries text (RFC 5321 2.3.8)", flag,
		    path, (size_t)((char *)memchr(s->body, '\0',
		    s->body_len) - s->body));
	else
		rc = 0;
out:
	(void)fclose(fp);	/* read-only */
	return rc;
}

static int
probe_send_message(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	struct probe_message_opts m = { 0 };
	const char *from_at;
	time_t now = time(NULL);

	if (cli->message_file != NULL && (cli->body_file != NULL ||
	    cli->subject != NULL || cli->header_from != NULL)) {
		(void)snprintf(err, errlen, "--message sends the message as it "
		    "is: not with --body-file, --subject or --header-from");
		return -1;
	}
	if ((cli->body_file && probe_send_body("--body-file", cli->body_file,
	    s, err, errlen) != 0) || (cli->message_file &&
	    probe_send_body("--message", cli->message_file, s, err,
	    errlen) != 0))
		return -1;
	(void)snprintf(s->header_from, sizeof(s->header_from), "%s",
	    cli->header_from ? cli->header_from : cli->from);
	if (cli->message_file != NULL && !probe_message_own_from(s->body,
	    s->body_len, s->header_from, sizeof(s->header_from))) {
		(void)snprintf(err, errlen, "--message: %.512s: no From: field "
		    "with an address", cli->message_file);
		return -1;
	}
	probe_message_new_id(s->probe_id, sizeof(s->probe_id), now);
	from_at = strrchr(s->header_from, '@');
	m.probe_id = s->probe_id;
	m.header_from = s->header_from;
	m.headers = cli->headers;
	m.nheaders = cli->nheaders;
	m.list_unsubscribe = cli->list_unsubscribe;
	if (cli->message_file != NULL) {
		m.own = s->body;
		m.own_len = s->body_len;
	}
	m.to = cli->to;
	m.nto = cli->nto;
	m.subject = cli->subject;
	m.body = cli->message_file ? NULL : s->body;
	m.body_len = cli->message_file ? 0 : s->body_len;
	m.id_domain = from_at && from_at[1] ? from_at + 1 : s->helo;
	m.now = now;
	if (probe_message_build(&m, &s->message, err, errlen) != 0)
		return -1;
	if (s->sign_key != NULL && probe_sign_message(s->sign_key,
	    cli->dkim_selector, cli->dkim_domain ? cli->dkim_domain :
	    m.id_domain, now, &s->message, &s->sign, err, errlen) != 0)
		return -1;
	s->run.dialog.message = s->message.data;
	s->run.dialog.message_len = s->message.len;
	return 0;
}

static int
probe_send_tls(const struct probe_cli_send *cli, struct probe_send *s,
    char *err, size_t errlen)
{
	struct tls_err terr = { 0 };

	if (s->run.dialog.starttls == SMTP_STARTTLS_OFF)
		return 0;
	s->tls = tls_conn_ctx_new(cli->tls_ca, &terr);
	if (s->tls == NULL) {
		(void)snprintf(err, errlen, "%s%s", cli->tls_ca ? "--tls-ca: " :
		    "", terr.msg);
		return -1;
	}
	s->run.dialog.tls_ctx = s->tls;
	return 0;
}

/* --dkim-key goes with --dkim-selector; d= must be a plain name. */
static int
probe_send_dkim(const struct probe_cli_send *cli,
    const struct probe_sign_key *key, struct probe_send *s, char *err,
    size_t errlen)
{
	if (cli->dkim_key != NULL && cli->dkim_selector == NULL) {
		(void)snprintf(err, errlen, "--dkim-key needs --dkim-selector, "
		    "the s= of the signature");
		return -1;
	}
	if ((cli->dkim_selector != NULL && (cli->dkim_selector[0] == '\0' ||
	    strpbrk(cli->dkim_selector, "\r\n\t ;=") != NULL ||
	    strlen(cli->dkim_selector) >= PROBE_SIGN_NAME_MAX)) ||
	    (cli->dkim_domain != NULL && (cli->dkim_domain[0] == '\0' ||
	    strpbrk(cli->dkim_domain, "\r\n\t ;=@") != NULL ||
	    strlen(cli->dkim_domain) >= PROBE_SIGN_NAME_MAX))) {
		(void)snprintf(err, errlen, "--dkim-selector and --dkim-domain "
		    "take a DNS name, without spaces, ';', '=' or '@'");
		return -1;
	}
	if (cli->dkim_key != NULL && key == NULL) {
		(void)snprintf(err, errlen, "--dkim-key %.512s: not read",
		    cli->dkim_key);
		return -1;
	}
	s->sign_key = cli->dkim_key != NULL ? key : NULL;
	return 0;
}

int
probe_send_prepare(const struct probe_cli_send *cli,
    const struct probe_sign_key *key, struct probe_send *s, char *err,
    size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (probe_send_dkim(cli, key, s, err, errlen) != 0)
		return -1;
	if (cli->profile != NULL) {
		if (probe_profile_load(cli->profile, &s->profile, err,
		    errlen) != 0)
			return -1;
		s->has_profile = true;
	}
	if (probe_send_domain(cli, s, err, errlen) != 0)
		return -1;
	if (cli->from != NULL && !probe_send_is_address(cli->from)) {
		(void)snprintf(err, errlen, "--from: \"%.200s\" is not a plain "
		    "address (no spaces, <, >, control characters or bytes "
		    "that are not UTF-8; \"\" is the null sender)", cli->from);
		return -1;
	}
	if (cli->header_from != NULL &&
	    !probe_send_is_address(cli->header_from)) {
		(void)snprintf(err, errlen, "--header-from: not a plain "
		    "address");
		return -1;
	}
	if (cli->from == NULL) {
		(void)snprintf(err, errlen, "--from is required: the envelope "
		    "sender decides SPF, so smtpprobe will not guess it");
		return -1;
	}
	if (s->literal[0] != '\0' && cli->server == NULL &&
	    probe_send_literal_host(cli, s, err, errlen) != 0)
		return -1;
	if (probe_send_source(cli, s, err, errlen) != 0 ||
	    probe_send_helo(cli, s, err, errlen) != 0 ||
	    probe_send_policy(cli, s, err, errlen) != 0 ||
	    probe_send_relay(cli, s, err, errlen) != 0 ||
	    probe_send_message(cli, s, err, errlen) != 0 ||
	    probe_send_tls(cli, s, err, errlen) != 0)
		return -1;
	s->run.domain = s->domain;
	if (s->run.relay == NULL)
		s->run.server = cli->server != NULL ? cli->server :
		    s->literal[0] != '\0' ? s->literal : NULL;
	s->run.dialog.helo = s->helo;
	s->run.dialog.mail_from = cli->from;
	s->run.dialog.rcpts = cli->to;
	s->run.dialog.nrcpts = cli->nto;
	return 0;
}

void
probe_send_free(struct probe_send *s)
{
	tls_conn_ctx_free(s->tls);
	if (s->password != NULL)
		explicit_bzero(s->password, PROBE_SEND_PASSWORD_MAX + 2);
	free(s->password);
	free(s->body);
	smtp_buf_free(&s->message);
	memset(s, 0, sizeof(*s));
}
