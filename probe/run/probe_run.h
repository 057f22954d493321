/*
 * probe_run - one probe of one sending path: find the MX hosts (or take
 * --server), then one SMTP dialogue per address in preference order until
 * one gives a definitive answer (probe_verdict_is_definitive), recording
 * every attempt.
 *
 * Limits: PROBE_ATTEMPTS_MAX attempts (like Postfix's
 * smtp_mx_address_limit, so a domain with many MX hosts cannot keep a
 * probe busy for long); the addresses left untried are counted.
 *
 * Errors: probe_run() returns -1 only when it could not start (DNS
 * resolver set-up, bad input); r->error says why and r->verdict is error.
 * DNS answers and SMTP outcomes are results, never errors.
 */
#ifndef SMTPPROBE_PROBE_RUN_H
#define SMTPPROBE_PROBE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "probe/dns/probe_mx.h"
#include "probe/run/probe_relay.h"
#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_dialog.h"

#define PROBE_ATTEMPTS_MAX	5
#define PROBE_RUN_ERR_MAX	512

struct probe_run_opts {
	const char		*domain;	/* the recipient domain */
	const char		*server;	/* --server host, or NULL */
	/*
	 * --relay: server is the relay, and each attempt is a submission
	 * through it (probe_relay) instead of a direct dialogue. NULL: MX.
	 */
	const struct probe_relay_opts *relay;
	int			 port;
	struct probe_mx_opts	 dns;
	const struct sockaddr	*source;	/* NULL: the kernel picks */
	socklen_t		 sourcelen;
	struct smtp_dialog_opts	 dialog;	/* addresses filled per try */
	/*
	 * Politeness, optional: gate() is called before each connection
	 * with the MX host and address it goes to, and may block until
	 * the caller's limits allow it; ungate() after that connection,
	 * with gate()'s token. Both NULL: connect at once.
	 */
	void			*(*gate)(void *ctx, const char *mx_host,
				    const char *address);
	void			 (*ungate)(void *ctx, void *token);
	void			*gate_ctx;
};

struct probe_attempt {
	char			mx[256];
	unsigned		pref;
	char			address[INET6_ADDRSTRLEN];
	int			port;
	struct sockaddr_storage	dst;
	struct smtp_dialog_opts	opts;		/* the dialogue borrows it */
	/*
	 * A new connection in clear after a failed TLS handshake under
	 * --starttls opportunistic, as Exim does by default: what the
	 * operator's MTA would then deliver.
	 */
	bool			is_clear_retry;
	struct smtp_dialog	dialog;
	enum probe_verdict	verdict;
};

struct probe_result {
	struct probe_mx_result	 mx;
	bool			 has_dns_verdict; /* DNS alone decided */
	struct probe_attempt	*attempts;	/* PROBE_ATTEMPTS_MAX slots */
	size_t			 nattempts;
	size_t			 untried;	/* addresses past the limit */
	enum probe_verdict	 verdict;	/* probe_verdict_probe's */
	size_t			 decided;	/* the attempt that decided,
						   SIZE_MAX when none */
	char			 error[PROBE_RUN_ERR_MAX];
	double			 elapsed_ms;
};

/*
 * probe_run - run the probe; fills *r (zeroed first). Borrows o for the
 * duration of the call only. Free r with probe_result_free().
 * Returns 0, or -1 (see above).
 */
int	probe_run(const struct probe_run_opts *o, struct probe_result *r);

/* probe_result_free - free everything, leave r zeroed. */
void	probe_result_free(struct probe_result *r);

#endif
