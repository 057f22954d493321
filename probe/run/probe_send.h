/*
 * probe_send - turn the command line and a profile into a ready probe:
 * the profile loaded, flags laid over it, the source address checked, the
 * HELO name chosen, the TLS context made and the test message built.
 * Everything a send run owns hangs off struct probe_send.
 *
 * Errors: probe_send_prepare() returns -1 with one line in err for any
 * usage or configuration problem (exit status 3): a missing --to or
 * --from, recipients in different domains, a --source that is not an
 * address of this machine, a bad profile, an unreadable body file or CA
 * file.
 */
#ifndef SMTPPROBE_PROBE_SEND_H
#define SMTPPROBE_PROBE_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "probe/config/probe_cli.h"
#include "probe/run/probe_message.h"
#include "probe/config/probe_profile.h"
#include "probe/run/probe_run.h"
#include "smtp/smtp_buf.h"

#define PROBE_SEND_ERR_MAX	1024

struct probe_send {
	struct probe_profile	 profile;
	bool			 has_profile;
	struct sockaddr_storage	 source;
	char			 source_text[64];
	char			 helo[256];
	char			 domain[256];
	/* The address of a --to address literal (RFC 5321 4.1.3), or "". */
	char			 literal[INET6_ADDRSTRLEN];
	char			 probe_id[PROBE_ID_MAX];
	char			*body;
	size_t			 body_len;
	struct smtp_buf		 message;
	struct tls_ctx		*tls;
	struct probe_run_opts	 run;
};

/*
 * probe_send_prepare - fill *s (zeroed first) from cli. Borrows cli's
 * strings for the life of s. Free with probe_send_free() either way.
 * Returns 0, or -1 with err filled.
 */
int	probe_send_prepare(const struct probe_cli_send *cli,
	    struct probe_send *s, char *err, size_t errlen);

/* probe_send_free - free everything; safe on a zeroed struct. */
void	probe_send_free(struct probe_send *s);

#endif
