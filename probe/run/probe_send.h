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
#include "probe/run/probe_sign.h"
#include "smtp/smtp_buf.h"

#define PROBE_SEND_ERR_MAX	1024
/* --body-file and --message: at most 1 MiB as read, as --help says. */
#define PROBE_SEND_BODY_MAX	(1024u * 1024)
/* RFC 4616 allows 255 octets of password; some services issue longer keys. */
#define PROBE_SEND_PASSWORD_MAX	1024
/* Where the relay password comes from when there is no file. */
#define PROBE_SEND_PASSWORD_ENV	"SMTPPROBE_AUTH_PASSWORD"

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
	struct probe_relay_opts	 relay;		/* with --relay */
	char			*password;	/* owned; wiped on free */
	const struct probe_sign_key *sign_key;	/* borrowed; NULL: unsigned */
	struct probe_sign_facts	 sign;		/* what was signed */
	/* The From: address of the message (the own message's, or ours). */
	char			 header_from[PROBE_MESSAGE_ADDR_MAX];
};

/*
 * probe_send_prepare - fill *s (zeroed first) from cli, and sign the
 * message with key (NULL: unsigned; loaded by the caller, so that a bad
 * key is found before any probe starts) as cli->dkim_selector and
 * cli->dkim_domain or the From: header's domain. Borrows cli's strings
 * and key for the life of s. Free with probe_send_free() either way.
 * Returns 0, or -1 with err filled.
 */
int	probe_send_prepare(const struct probe_cli_send *cli,
	    const struct probe_sign_key *key, struct probe_send *s, char *err,
	    size_t errlen);

/*
 * probe_send_password_warning - when the password file at path can be
 * read by its group or by others, one line saying so into out, and
 * true. Nothing is read from the file. Never fails: a file that cannot
 * be looked at is probe_send_prepare()'s error to report.
 */
bool	probe_send_password_warning(const char *path, char *out,
	    size_t outlen);

/* probe_send_free - free everything; safe on a zeroed struct. */
void	probe_send_free(struct probe_send *s);

#endif
