/*
 * probe_ares - the shared c-ares plumbing. See probe_ares.h for what it
 * does, its limits and its errors.
 *
 * The wait is one poll() loop: ask c-ares which sockets it waits on and
 * when it next wants to retry, sleep until then or the deadline, hand it
 * what became ready. It never blocks past the deadline, and it keeps no
 * state of its own between calls, so probe_mx can wait once per round
 * and probe_dns once per lookup on the same channel.
 */
#include "probe/dns/probe_ares.h"
#include "smtp/smtp_num.h"
#include "smtp/smtp_clock.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AR_MS_PER_S		1000
#define AR_US_PER_MS		1000
#define AR_NS_PER_MS		1000000

/* errmsg may be NULL when the caller wants no text. */
static void
ar_err(char *errmsg, size_t errlen, const char *what, const char *detail)
{
	if (errmsg == NULL || errlen == 0)
		return;
	/* Our own sentence; a short buffer keeps its start: acceptable. */
	(void)snprintf(errmsg, errlen, "%s%s", what, detail);
}

int64_t
probe_ares_now_ms(void)
{
	return smtp_clock_ms();
}

int
probe_ares_parse_ip(const char *s, size_t len, union probe_ares_ip *ip)
{
	char	buf[INET6_ADDRSTRLEN];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return AF_UNSPEC;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &ip->v4) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, &ip->v6) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

enum probe_ares_rc
probe_ares_parse_server(const char *text, struct ares_addr_port_node *node,
    char *errmsg, size_t errlen)
{
	const char		*colon = strchr(text, ':'), *port = NULL;
	const char		*bracket = text[0] == '[' ? strchr(text, ']') :
				    NULL;
	size_t			 hostlen = strlen(text);
	union probe_ares_ip	 ip;
	uint64_t		 portnum = PROBE_ARES_PORT_DEFAULT;

	if (bracket != NULL) {
		hostlen = (size_t)(bracket - text) + 1;
		if (bracket[1] == ':')
			port = bracket + 2;
		else if (bracket[1] != '\0')
			hostlen = 0;	/* junk after "]" */
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		/* One colon: IPv4 and port. More: a bare IPv6 address. */
		hostlen = (size_t)(colon - text);
		port = colon + 1;
	}
	memset(node, 0, sizeof(*node));
	node->family = probe_ares_parse_ip(text, hostlen, &ip);
	if (node->family == AF_UNSPEC) {
		ar_err(errmsg, errlen, "DNS server must be IP, IP:PORT or "
		    "[IPv6]:PORT, with an IP address, not a name", "");
		return PROBE_ARES_E_USAGE;
	}
	if (port != NULL && !smtp_num_parse(port, strlen(port), 1,
	    PROBE_ARES_PORT_MAX, &portnum)) {
		ar_err(errmsg, errlen, "DNS server port must be 1-65535", "");
		return PROBE_ARES_E_USAGE;
	}
	if (node->family == AF_INET)
		node->addr.addr4 = ip.v4;
	else
		node->addr.addr6 = ip.ares6;
	node->udp_port = (int)portnum;
	node->tcp_port = (int)portnum;
	return PROBE_ARES_OK;
}

enum probe_ares_rc
probe_ares_init(struct probe_ares *ar, const char *server, int timeout_ms,
    char *errmsg, size_t errlen)
{
	assert(timeout_ms > 0);
	memset(ar, 0, sizeof(*ar));
	ar->start_ms = probe_ares_now_ms();
	ar->deadline_ms = ar->start_ms + timeout_ms;
	if (server == NULL)
		return PROBE_ARES_OK;
	ar->has_server = true;
	return probe_ares_parse_server(server, &ar->server, errmsg, errlen);
}

/*
 * ARES_FLAG_NOCHECKRESP: c-ares 1.18 otherwise takes a SERVFAIL or
 * REFUSED reply as a dead server, tries the next one and in the end
 * reports ECONNREFUSED, so the operator could not tell a refusing
 * resolver from an unreachable one. The trade-off: with several system
 * resolvers, a SERVFAIL from the first is not retried on the next. No
 * search domains and lookups "b" (DNS only, no hosts file): ares_query()
 * treats every name as absolute, and this spares reading nsswitch.conf
 * and gethostname().
 */
enum probe_ares_rc
probe_ares_open(struct probe_ares *ar, char *errmsg, size_t errlen)
{
	struct ares_options	o;
	char			lookups[] = "b";
	int			rc, mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
				    ARES_OPT_TRIES | ARES_OPT_DOMAINS |
				    ARES_OPT_LOOKUPS;
	int64_t			budget = ar->lookup_ms > 0 ? ar->lookup_ms :
				    ar->deadline_ms - ar->start_ms;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP;
	/* A budget under PROBE_ARES_TRY_SHARE ms still gets a nonzero wait. */
	o.timeout = budget >= PROBE_ARES_TRY_SHARE ?
	    (int)(budget / PROBE_ARES_TRY_SHARE) : 1;
	o.tries = PROBE_ARES_TRIES;
	o.ndomains = 0;
	o.lookups = lookups;
	rc = ares_init_options(&ar->channel, &o, mask);
	if (rc == ARES_SUCCESS && ar->has_server)
		rc = ares_set_servers_ports(ar->channel, &ar->server);
	if (rc == ARES_SUCCESS)
		return PROBE_ARES_OK;
	ar_err(errmsg, errlen, "cannot start the DNS resolver: ",
	    ares_strerror(rc));
	return rc == ARES_ENOMEM ? PROBE_ARES_E_NOMEM : PROBE_ARES_E_INIT;
}

void
probe_ares_free(struct probe_ares *ar)
{
	if (ar->channel != NULL)
		ares_destroy(ar->channel);
	memset(ar, 0, sizeof(*ar));
}

/* The sockets c-ares waits on, as pollfds. Returns how many. */
static nfds_t
ar_pollfds(ares_channel channel, struct pollfd *pfd)
{
	ares_socket_t	socks[ARES_GETSOCK_MAXNUM];
	unsigned	bits;
	short		ev;
	int		i;
	nfds_t		n = 0;

	/*
	 * Not ARES_GETSOCK_WRITABLE(): it shifts a signed 1 into the sign
	 * bit for the last socket, which is undefined behaviour.
	 */
	bits = (unsigned)ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		ev = 0;
		if (bits & (1u << i))
			ev |= POLLIN;
		if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* How long poll() may sleep: c-ares' next retry, at most until end. */
static int
ar_wait_ms(const struct probe_ares *ar, int64_t now, int64_t end)
{
	struct timeval	 max, tv, *next;
	int64_t		 left = end - now;

	max.tv_sec = (time_t)(left / AR_MS_PER_S);
	max.tv_usec = (suseconds_t)(left % AR_MS_PER_S) * AR_US_PER_MS;
	next = ares_timeout(ar->channel, &max, &tv);
	/* Round up, or we would spin through the last partial millisecond. */
	return (int)(next->tv_sec * AR_MS_PER_S +
	    (next->tv_usec + AR_US_PER_MS - 1) / AR_US_PER_MS);
}

/* Hands ready sockets to c-ares; with none, lets it handle its timers. */
static void
ar_process(ares_channel channel, const struct pollfd *pfd, nfds_t n,
    int ready)
{
	ares_socket_t	rfd, wfd;
	nfds_t		i;

	if (ready <= 0) {
		ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return;
	}
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		/* An error or hangup surfaces to c-ares through its read. */
		rfd = pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
		    pfd[i].fd : ARES_SOCKET_BAD;
		wfd = pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD;
		ares_process_fd(channel, rfd, wfd);
	}
}

enum probe_ares_rc
probe_ares_wait(struct probe_ares *ar, const size_t *pending, char *errmsg,
    size_t errlen)
{
	return probe_ares_wait_until(ar, pending, ar->deadline_ms, errmsg,
	    errlen);
}

enum probe_ares_rc
probe_ares_wait_until(struct probe_ares *ar, const size_t *pending,
    int64_t until_ms, char *errmsg, size_t errlen)
{
	struct pollfd	pfd[ARES_GETSOCK_MAXNUM];
	int64_t		now, end = until_ms < ar->deadline_ms ? until_ms :
			    ar->deadline_ms;
	nfds_t		n;
	int		ready, error;

	while (*pending > 0) {
		now = probe_ares_now_ms();
		if (now >= end) {
			ares_cancel(ar->channel);
			break;
		}
		n = ar_pollfds(ar->channel, pfd);
		ready = poll(pfd, n, ar_wait_ms(ar, now, end));
		if (ready == -1 && errno != EINTR) {
			error = errno;
			ares_cancel(ar->channel);
			ar_err(errmsg, errlen, "poll: ", strerror(error));
			return PROBE_ARES_E_POLL;
		}
		ar_process(ar->channel, pfd, n, ready);
	}
	return PROBE_ARES_OK;
}

void
probe_ares_server_text(const struct probe_ares *ar, char *buf, size_t len)
{
	struct ares_addr_port_node	*list = NULL;
	const struct ares_addr_port_node *s = &ar->server;
	char				 ip[INET6_ADDRSTRLEN] = "?";

	if (!ar->has_server) {
		if (ar->channel == NULL ||
		    ares_get_servers_ports(ar->channel, &list) !=
		    ARES_SUCCESS || list == NULL) {
			/* Fits PROBE_ARES_SERVER_TEXT_MAX; else cut. */
			(void)snprintf(buf, len, "the system resolver");
			return;
		}
		s = list;
	}
	/* Cannot fail: the family is one c-ares accepted. */
	(void)inet_ntop(s->family, &s->addr, ip, sizeof(ip));
	/* Fits: the longest is "[" INET6_ADDRSTRLEN "]:65535". */
	(void)snprintf(buf, len, s->family == AF_INET6 ? "[%s]:%d" : "%s:%d",
	    ip, s->udp_port != 0 ? s->udp_port : PROBE_ARES_PORT_DEFAULT);
	if (list != NULL)
		ares_free_data(list);
}

int
probe_ares_parsed(int ares_status)
{
	return ares_status == ARES_EBADNAME ? ARES_EBADRESP : ares_status;
}
