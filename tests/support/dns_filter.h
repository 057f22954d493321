/*
 * dns_filter - a resolver that drops one query type: a UDP relay on
 * 127.0.0.1 in a child process that forwards every query to an upstream
 * server on 127.0.0.1 (a test's dnsmasq) and relays its answers back,
 * except queries of the type it drops, which it never answers. That is
 * how a resolver or a firewall that loses only PTR queries looks to a
 * client: one lookup times out, the others are answered at once.
 *
 * Limits: UDP only (an answer too big for UDP is truncated and the
 * client's retry over TCP finds nothing); one query id at a time per
 * id, which is how c-ares picks them.
 *
 * Errors: dns_filter_start() returns -1 and leaves one line in f->error.
 */
#ifndef SMTPPROBE_TESTS_DNS_FILTER_H
#define SMTPPROBE_TESTS_DNS_FILTER_H

#include <sys/types.h>

#define DNS_FILTER_ERR_MAX	256

struct dns_filter {
	pid_t	pid;				/* 0 when not running */
	int	port;				/* UDP on 127.0.0.1 */
	char	error[DNS_FILTER_ERR_MAX];
};

/*
 * dns_filter_start - relay to 127.0.0.1:upstream_port, dropping every
 * query of type qtype (12: PTR). Fills *f (zeroed first); the relay gets
 * SIGTERM if the calling thread dies first. Stop with dns_filter_stop().
 * Returns 0, or -1 with f->error set.
 */
int	dns_filter_start(struct dns_filter *f, int upstream_port,
	    unsigned qtype);

/* dns_filter_stop - stop the relay; safe on a zeroed or stopped one. */
void	dns_filter_stop(struct dns_filter *f);

#endif
