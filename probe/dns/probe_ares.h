/*
 * probe_ares - the c-ares plumbing that probe_mx and probe_dns share: the
 * DNS server given by the operator, the channel, and the wait for answers
 * under one deadline.
 *
 * What it does: parses a DNS server written "IP", "IP:PORT", "IPv6",
 * "[IPv6]" or "[IPv6]:PORT"; opens a c-ares channel set up the same way
 * for every caller (no search domains, no hosts file, SERVFAIL and
 * REFUSED passed up as such, retries sized from the time left); runs the
 * channel with poll() until the caller's queries have all called back or
 * the deadline has passed; and names the server a channel asks, for the
 * caller's messages. What it does not do: send queries, parse answers, or
 * decide what an answer or a failure means. Those stay with probe_mx (MX,
 * then every host's addresses) and probe_dns (one lookup at a time).
 *
 * Ownership: the caller allocates struct probe_ares, on the stack or in
 * its own context, and reads its fields; probe_ares_init() fills it,
 * probe_ares_open() adds the channel, probe_ares_free() ends both. It
 * holds no pointer into the caller's memory, and nothing is global.
 * ares_library_init() is never called: c-ares 1.18 needs it only on
 * Windows (Winsock); on Linux ares_init_options() works without it, and
 * calling it here would touch c-ares' own global counter on every probe.
 * A port to Windows would call it once in main().
 *
 * Limits: a server is an address literal, never a name (finding the
 * resolver would need a resolver), with a port of 1 to
 * PROBE_ARES_PORT_MAX; every wait ends at the deadline set by
 * probe_ares_init(), after which c-ares' own retries
 * (PROBE_ARES_TRIES) no longer matter.
 *
 * Errors (enum probe_ares_rc): PROBE_ARES_E_USAGE (unusable server text),
 * PROBE_ARES_E_INIT (c-ares could not start a channel), PROBE_ARES_E_NOMEM,
 * PROBE_ARES_E_POLL (poll() failed while waiting). errmsg, where a
 * function takes one, gets one line in our words; it may be NULL.
 */
#ifndef SMTPPROBE_PROBE_ARES_H
#define SMTPPROBE_PROBE_ARES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ares.h uses fd_set without including it under strict POSIX. */
#include <sys/select.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <ares.h>

/* RFC 1035 4.2: a server listens on port 53 unless told otherwise. */
#define PROBE_ARES_PORT_DEFAULT	53
#define PROBE_ARES_PORT_MAX	65535
/* "[" address "]:" port, or "the system resolver", for messages. */
#define PROBE_ARES_SERVER_TEXT_MAX	(INET6_ADDRSTRLEN + 8)
/*
 * c-ares doubles the wait after each try. With a first wait of 1/8 of
 * the budget, four tries add up to 15/8 of it: c-ares keeps retrying a
 * lost UDP packet until our deadline, which is what ends the lookup.
 */
#define PROBE_ARES_TRY_SHARE	8
#define PROBE_ARES_TRIES	4

enum probe_ares_rc {
	PROBE_ARES_OK = 0,
	PROBE_ARES_E_USAGE,
	PROBE_ARES_E_INIT,
	PROBE_ARES_E_NOMEM,
	PROBE_ARES_E_POLL,
	PROBE_ARES_RC_COUNT	/* not a code: sizes the callers' tables */
};

/* An address as inet_pton() writes it and c-ares reads it. */
union probe_ares_ip {
	struct in_addr		v4;
	struct in6_addr		v6;
	struct ares_in6_addr	ares6;
};

struct probe_ares {
	ares_channel		 channel;	/* NULL until opened */
	int64_t			 start_ms;	/* CLOCK_MONOTONIC */
	int64_t			 deadline_ms;
	/* One lookup's wait, when set: sizes c-ares' tries (see open). */
	int64_t			 lookup_ms;
	bool			 has_server;	/* a server was given */
	struct ares_addr_port_node server;	/* when has_server */
};

/* probe_ares_now_ms - CLOCK_MONOTONIC in milliseconds, as the deadline. */
int64_t		probe_ares_now_ms(void);

/*
 * probe_ares_parse_ip - the len bytes at s (no NUL needed) as a dotted
 * IPv4 or an IPv6 address, with or without [brackets], into *ip.
 * Returns AF_INET, AF_INET6, or AF_UNSPEC (not an address; *ip is then
 * undefined). Borrows s.
 */
int		probe_ares_parse_ip(const char *s, size_t len,
		    union probe_ares_ip *ip);

/*
 * probe_ares_parse_server - "IP", "IP:PORT", "IPv6", "[IPv6]" or
 * "[IPv6]:PORT" into *node (zeroed first; node->next stays NULL), port
 * PROBE_ARES_PORT_DEFAULT when none is written. A bare IPv6 address
 * takes no port: its colons are the address's own. Borrows text.
 * Errors: PROBE_ARES_E_USAGE.
 */
enum probe_ares_rc probe_ares_parse_server(const char *text,
		    struct ares_addr_port_node *node, char *errmsg,
		    size_t errlen);

/*
 * probe_ares_init - zero *ar, start its clock and set the deadline
 * timeout_ms (> 0) from now; with server not NULL, parse it as
 * probe_ares_parse_server() does and keep it for probe_ares_open().
 * Borrows server. Opens nothing; *ar is safe to probe_ares_free()
 * whatever this returns.
 * Errors: PROBE_ARES_E_USAGE.
 */
enum probe_ares_rc probe_ares_init(struct probe_ares *ar, const char *server,
		    int timeout_ms, char *errmsg, size_t errlen);

/*
 * probe_ares_open - the channel of an initialised *ar, asking its server
 * or the system's. c-ares' tries are sized from ar->lookup_ms when the
 * caller set it after probe_ares_init(), else from the whole deadline.
 * The channel is ar's until probe_ares_free().
 * Errors: PROBE_ARES_E_INIT, PROBE_ARES_E_NOMEM.
 */
enum probe_ares_rc probe_ares_open(struct probe_ares *ar, char *errmsg,
		    size_t errlen);

/*
 * probe_ares_wait - run ar's channel until *pending is 0 or the deadline
 * has passed. The caller's callbacks lower *pending; at the deadline,
 * and when poll() fails, ares_cancel() calls every query still in
 * flight back with ARES_ECANCELLED, so *pending is 0 on return unless a
 * callback forgot it. Borrows ar and pending.
 * Errors: PROBE_ARES_E_POLL.
 */
enum probe_ares_rc probe_ares_wait(struct probe_ares *ar,
		    const size_t *pending, char *errmsg, size_t errlen);

/*
 * probe_ares_wait_until - probe_ares_wait() that also ends at until_ms
 * (CLOCK_MONOTONIC, as probe_ares_now_ms()) when that comes before the
 * deadline: one lookup's own wait. Errors: PROBE_ARES_E_POLL.
 */
enum probe_ares_rc probe_ares_wait_until(struct probe_ares *ar,
		    const size_t *pending, int64_t until_ms, char *errmsg,
		    size_t errlen);

/*
 * probe_ares_server_text - "127.0.0.1:5399", "[::1]:53": the server ar
 * was given, else the system's first, else "the system resolver", into
 * buf, which should hold PROBE_ARES_SERVER_TEXT_MAX bytes (a shorter one
 * is cut, never overflowed).
 */
void		probe_ares_server_text(const struct probe_ares *ar, char *buf,
		    size_t len);

/*
 * probe_ares_parsed - a c-ares parser's status as a lookup's: from a
 * parser, ARES_EBADNAME means a name inside the answer could not be
 * read, a malformed reply (ARES_EBADRESP), not a bad name of ours.
 */
int		probe_ares_parsed(int ares_status);

/* probe_ares_free - destroy the channel, if any, and zero *ar. */
void		probe_ares_free(struct probe_ares *ar);

#endif
