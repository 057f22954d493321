/*
 * mem_io - the in-memory smtp_io transport of the unit tests: the server's
 * bytes come from a string, in chunks of a chosen size (1 feeds a reply a
 * byte at a time), and what the client writes is kept for assertions.
 * When the string is used up a read reports end of stream, or a timeout
 * when is_silent_at_end is set.
 *
 * STARTTLS: the transport fakes the upgrade. It counts it, remembers how
 * much the client had written by then, reports tls_facts (a verified
 * TLSv1.3 peer unless a test changes them) or fails with tls_rc, and
 * then carries on in clear with the script given to mem_io_set_tls() (no
 * script: end of stream). Bytes left unread in the first script when the
 * upgrade comes are never served: like a real TLS session, the new
 * stream starts afresh.
 */
#ifndef SMTPPROBE_TESTS_MEM_IO_H
#define SMTPPROBE_TESTS_MEM_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "tls/tls_conn.h"

struct mem_io {
	const char	*in;
	size_t		 inlen;
	size_t		 inpos;
	size_t		 chunk;		/* bytes per read; 0: all at once */
	bool		 is_silent_at_end;
	struct smtp_buf	 out;		/* every byte the client wrote */
	size_t		 reads;
	/* The fake STARTTLS. */
	const char	*in_tls;	/* served after the upgrade */
	size_t		 in_tls_len;
	size_t		 tls_upgrades;	/* times the client started TLS */
	size_t		 out_at_tls;	/* out.len when it did */
	enum smtp_rc	 tls_rc;	/* != SMTP_OK: the upgrade fails */
	struct tls_facts tls_facts;	/* what the upgrade reports */
};

extern const struct smtp_io_ops mem_io_ops;

/* mem_io_set - start a script; in is borrowed (length from strlen). */
void	mem_io_set(struct mem_io *m, const char *in, size_t chunk);
/* mem_io_set_bytes - as above with an explicit length (NUL bytes). */
void	mem_io_set_bytes(struct mem_io *m, const char *in, size_t len,
	    size_t chunk);
/*
 * mem_io_set_tls - the script served after a STARTTLS upgrade (borrowed).
 * Call after mem_io_set(), which clears it.
 */
void	mem_io_set_tls(struct mem_io *m, const char *after_tls);
void	mem_io_free(struct mem_io *m);

#endif
