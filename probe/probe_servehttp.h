/*
 * probe_servehttp - the HTTP side of smtpprobe serve: one listening
 * socket, GET or HEAD of /metrics answered with what a callback renders,
 * everything else refused. libmicrohttpd does the HTTP; only this module
 * includes its header.
 *
 * What it answers:
 *   GET or HEAD /metrics	200, text/plain; version=0.0.4 (the
 *				Prometheus text format), the callback's body
 *   any other path		404
 *   any other method		405, "Allow: GET, HEAD"
 *   a request with a body	the connection is closed, unanswered
 * The query string is never read: a scrape cannot name a target, so
 * serve cannot be turned into a scanner or a relay.
 *
 * Limits (hostile clients are normal clients): PROBE_SERVEHTTP_CONN_MAX
 * connections at once, PROBE_SERVEHTTP_MEM_MAX bytes of request per
 * connection (a request line or headers past it get 431 or a close from
 * libmicrohttpd), PROBE_SERVEHTTP_IDLE_S seconds of silence before a
 * connection is closed. Requests are served one after another by one
 * thread of libmicrohttpd's, which calls the callback; the callback
 * must take its own lock.
 *
 * Errors: probe_servehttp_open() returns NULL with one line in err.
 * The module never prints (libmicrohttpd's error log is left off).
 */
#ifndef SMTPPROBE_PROBE_SERVEHTTP_H
#define SMTPPROBE_PROBE_SERVEHTTP_H

#include <stddef.h>
#include <sys/socket.h>

/* A scrape is one request; a few dozen Prometheus servers is plenty. */
#define PROBE_SERVEHTTP_CONN_MAX	64
/* A GET of /metrics with ordinary headers is well under 2 KiB. */
#define PROBE_SERVEHTTP_MEM_MAX		(32 * 1024)
/* Prometheus' default scrape timeout is 10 s; an idle client gets as much. */
#define PROBE_SERVEHTTP_IDLE_S		10
/* "[v6addr]:65535" and a NUL. */
#define PROBE_SERVEHTTP_ADDR_MAX	64

/*
 * The body of /metrics: a malloc'ed buffer of *len bytes that the module
 * takes over and frees, or NULL (then 500) when it could not be made.
 */
typedef char	*probe_servehttp_render_fn(void *cls, size_t *len);

struct probe_servehttp;

/*
 * probe_servehttp_parse_listen - "ADDR:PORT" or "[ADDR6]:PORT" (numeric
 * addresses only: nothing is resolved) into *ss and *sslen. PORT 0
 * means any free port. Returns 0, or -1 with err filled.
 */
int	probe_servehttp_parse_listen(const char *s, struct sockaddr_storage *ss,
	    socklen_t *sslen, char *err, size_t errlen);

/*
 * probe_servehttp_open - listen on sa and serve until
 * probe_servehttp_close(). Borrows sa for the call only; render and cls
 * must stay valid until close returns. Returns the server, or NULL
 * with err filled (address in use, no permission).
 */
struct probe_servehttp *probe_servehttp_open(const struct sockaddr *sa,
	    probe_servehttp_render_fn *render, void *cls, char *err,
	    size_t errlen);

/*
 * probe_servehttp_where - the address actually bound ("127.0.0.1:9185",
 * with the port chosen when 0 was asked) into buf.
 */
void	probe_servehttp_where(const struct probe_servehttp *h, char *buf,
	    size_t len);

/*
 * probe_servehttp_close - stop listening, close every connection, wait
 * for the callback to return, free. Safe on NULL.
 */
void	probe_servehttp_close(struct probe_servehttp *h);

#endif
