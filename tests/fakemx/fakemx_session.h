/*
 * fakemx_session - serve one SMTP client from start to end, following a
 * scenario: banner, then one event per command line until QUIT, a close
 * or stall action, EOF, the idle timeout or a failed TLS handshake.
 *
 * Runs in the forked child of the fake MX; it owns the connection and
 * writes the session's log lines. It decides nothing about pass or fail
 * except the one assertion the scenario can make (expect-source), which
 * the caller has already checked and passes in.
 *
 * Returns the child's exit status: 0, or 1 when the session broke a
 * scenario assertion.
 */
#ifndef SMTPPROBE_FAKEMX_SESSION_H
#define SMTPPROBE_FAKEMX_SESSION_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "fakemx_scenario.h"
#include "fakemx_util.h"

/* The longest output of one event after {variable} expansion. */
#define FAKEMX_SESSION_OUT_MAX	65536

/* What every session shares, set up once by main(). All borrowed. */
struct fakemx_config {
	const struct fakemx_scenario	*scenario;
	SSL_CTX				*tls;		/* NULL: no --cert */
	int				 log_fd;	/* -1: no --log */
	int				 timeout_s;	/* idle, per read */
	const char			*dns_server;	/* NULL: no SPF */
};

/* Facts about one accepted connection, found by the accepting parent. */
struct fakemx_peer {
	unsigned long	 id;		/* session number, from 1 */
	char		 addr[FAKEMX_ADDR_MAX];
	unsigned	 port;
	char		 local[FAKEMX_ADDR_MAX];
	unsigned	 local_port;
	bool		 is_unexpected;	/* breaks expect-source */
};

/*
 * fakemx_session_serve - run the dialogue on the connected socket fd,
 * which it takes over and closes. Borrows cfg and peer.
 * Returns 0, or 1 when peer->is_unexpected (the error is logged).
 */
int	 fakemx_session_serve(const struct fakemx_config *cfg, int fd,
	    const struct fakemx_peer *peer);

#endif
