/*
 * probe_servehttp - /metrics over libmicrohttpd.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe_servehttp.h"
#include "smtp/smtp_num.h"

#define PROBE_SERVEHTTP_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * libmicrohttpd is opened when serve starts, not linked: linked, it and
 * the GnuTLS it brings (p11-kit, nettle, gmp ...) were loaded and
 * initialised by every smtpprobe run, about 5 ms and 2 MiB added to a
 * probe that must stay within 1.25x of openssl s_client. Only the calls
 * below are used; the header still gives their types and constants.
 */
#ifndef PROBE_SERVEHTTP_SONAME
#define PROBE_SERVEHTTP_SONAME	"libmicrohttpd.so.12"	/* Debian 12 */
#endif

struct probe_servehttp_mhd {
	void			*so;
	__typeof__(MHD_start_daemon)		*start_daemon;
	__typeof__(MHD_stop_daemon)		*stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response;
	__typeof__(MHD_add_response_header)	*add_header;
	__typeof__(MHD_queue_response)		*queue_response;
	__typeof__(MHD_destroy_response)	*destroy_response;
	__typeof__(MHD_get_daemon_info)		*get_daemon_info;
};

struct probe_servehttp {
	struct probe_servehttp_mhd	 mhd;
	struct MHD_Daemon		*daemon;
	probe_servehttp_render_fn	*render;
	void				*cls;
	int				 family;
	char				 addr[INET6_ADDRSTRLEN];
};

static const char probe_servehttp_404[] =
    "not found: smtpprobe serve answers /metrics only\n";
static const char probe_servehttp_405[] =
    "method not allowed: GET or HEAD\n";
static const char probe_servehttp_500[] =
    "the metrics could not be rendered\n";

int
probe_servehttp_parse_listen(const char *s, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[PROBE_SERVEHTTP_ADDR_MAX];
	const char *colon = strrchr(s, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - s) : 0;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || hlen == 0 || hlen >= sizeof(host) ||
	    !smtp_num_parse(colon + 1, strlen(colon + 1), 0, 65535, &port))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			goto bad;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		goto bad;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	*sslen = sizeof(*in4);
	return 0;
bad:
	(void)snprintf(err, errlen, "--listen: not ADDR:PORT or [ADDR6]:PORT "
	    "with a numeric address and a port from 0 to 65535: %.80s", s);
	return -1;
}

/* A fixed text, never freed (libmicrohttpd only reads it). */
static enum MHD_Result
probe_servehttp_text(const struct probe_servehttp_mhd *f,
    struct MHD_Connection *conn, unsigned int status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = f->create_response(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)f->add_header(r, "Allow", "GET, HEAD");
	(void)f->add_header(r, "Content-Type",
	    "text/plain; charset=utf-8");	/* a bare answer is fine too */
	rc = f->queue_response(conn, status, r);
	f->destroy_response(r);
	return rc;
}

static enum MHD_Result
probe_servehttp_metrics(struct probe_servehttp *h,
    struct MHD_Connection *conn)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len = 0;
	char *body = h->render(h->cls, &len);

	if (body == NULL)
		return probe_servehttp_text(&h->mhd, conn,
		    MHD_HTTP_INTERNAL_SERVER_ERROR, probe_servehttp_500);
	r = h->mhd.create_response(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	/* Without the header Prometheus still parses; with it, it is sure. */
	(void)h->mhd.add_header(r, "Content-Type", PROBE_SERVEHTTP_TYPE);
	rc = h->mhd.queue_response(conn, MHD_HTTP_OK, r);
	h->mhd.destroy_response(r);
	return rc;
}

/*
 * libmicrohttpd calls this first with the headers (*con_cls NULL),
 * then with each piece of a body, then once with none. A scrape has no
 * body; one that comes is not read but closed (MHD_NO), so a client
 * cannot make us swallow an endless upload.
 */
static enum MHD_Result
probe_servehttp_answer(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct probe_servehttp *h = cls;

	(void)version;		/* 1.0 and 1.1 are answered alike */
	(void)upload_data;	/* never read, see above */
	if (*con_cls == NULL) {
		*con_cls = h;	/* any non-NULL marks "headers seen" */
		return MHD_YES;
	}
	if (*upload_data_size != 0)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return probe_servehttp_text(&h->mhd, conn,
		    MHD_HTTP_METHOD_NOT_ALLOWED, probe_servehttp_405);
	/* The path alone: the query string is never looked at. */
	if (strcmp(url, "/metrics") != 0)
		return probe_servehttp_text(&h->mhd, conn, MHD_HTTP_NOT_FOUND,
		    probe_servehttp_404);
	return probe_servehttp_metrics(h, conn);
}

/* Each call of the table from the library; false with err set. */
static bool
probe_servehttp_load(struct probe_servehttp_mhd *f, char *err, size_t errlen)
{
	static const char *const names[] = { "MHD_start_daemon",
	    "MHD_stop_daemon", "MHD_create_response_from_buffer",
	    "MHD_add_response_header", "MHD_queue_response",
	    "MHD_destroy_response", "MHD_get_daemon_info" };
	void *sym[sizeof(names) / sizeof(names[0])];
	const char *why;
	size_t i;

	f->so = dlopen(PROBE_SERVEHTTP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (f->so == NULL) {
		why = dlerror();
		(void)snprintf(err, errlen, "serve needs libmicrohttpd "
		    "(Debian: libmicrohttpd12): %s", why ? why :
		    PROBE_SERVEHTTP_SONAME " not found");
		return false;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((sym[i] = dlsym(f->so, names[i])) == NULL) {
			(void)snprintf(err, errlen, "%s has no %s",
			    PROBE_SERVEHTTP_SONAME, names[i]);
			(void)dlclose(f->so);
			f->so = NULL;
			return false;
		}
	}
	/* POSIX: a function pointer converts from dlsym's void *. */
	memcpy(&f->start_daemon, &sym[0], sizeof(sym[0]));
	memcpy(&f->stop_daemon, &sym[1], sizeof(sym[1]));
	memcpy(&f->create_response, &sym[2], sizeof(sym[2]));
	memcpy(&f->add_header, &sym[3], sizeof(sym[3]));
	memcpy(&f->queue_response, &sym[4], sizeof(sym[4]));
	memcpy(&f->destroy_response, &sym[5], sizeof(sym[5]));
	memcpy(&f->get_daemon_info, &sym[6], sizeof(sym[6]));
	return true;
}

struct probe_servehttp *
probe_servehttp_open(const struct sockaddr *sa,
    probe_servehttp_render_fn *render, void *cls, char *err, size_t errlen)
{
	struct probe_servehttp *h = calloc(1, sizeof(*h));
	const void *a;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (h == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!probe_servehttp_load(&h->mhd, err, errlen)) {
		free(h);
		return NULL;
	}
	h->render = render;
	h->cls = cls;
	h->family = sa->sa_family;
	if (sa->sa_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	} else {
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (inet_ntop(sa->sa_family, a, h->addr, sizeof(h->addr)) == NULL)
		h->addr[0] = '\0';
	errno = 0;
	h->daemon = h->mhd.start_daemon(flags, 0, NULL, NULL,
	    probe_servehttp_answer, h,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PROBE_SERVEHTTP_CONN_MAX,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)PROBE_SERVEHTTP_MEM_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PROBE_SERVEHTTP_IDLE_S,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		(void)snprintf(err, errlen, "cannot listen on %s: %s",
		    h->addr, errno ? strerror(errno) :
		    "libmicrohttpd refused to start");
		(void)dlclose(h->mhd.so);
		free(h);
		return NULL;
	}
	return h;
}

void
probe_servehttp_where(const struct probe_servehttp *h, char *buf, size_t len)
{
	const union MHD_DaemonInfo *di;
	unsigned int port = 0;

	di = h->mhd.get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (di != NULL)
		port = di->port;
	(void)snprintf(buf, len, h->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    h->addr, port);
}

void
probe_servehttp_close(struct probe_servehttp *h)
{
	if (h == NULL)
		return;
	h->mhd.stop_daemon(h->daemon);
	(void)dlclose(h->mhd.so);
	free(h);
}
