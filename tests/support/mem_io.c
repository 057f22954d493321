/*
 * mem_io - scripted transport for unit tests.
 */
#include <stdio.h>
#include <string.h>

#include "tests/support/mem_io.h"

static ssize_t
mem_io_read(void *ctx, void *buf, size_t len, int64_t deadline_ms,
    struct smtp_err *err)
{
	struct mem_io *m = ctx;
	size_t n = m->inlen - m->inpos;

	(void)deadline_ms;	/* scripted: time never passes */
	m->reads++;
	if (n == 0) {
		if (!m->is_silent_at_end)
			return 0;
		smtp_err_set(err, SMTP_E_TIMEOUT, "no reply before the timeout");
		return -1;
	}
	if (m->chunk > 0 && n > m->chunk)
		n = m->chunk;
	if (n > len)
		n = len;
	memcpy(buf, m->in + m->inpos, n);
	m->inpos += n;
	return (ssize_t)n;
}

static enum smtp_rc
mem_io_write(void *ctx, const void *buf, size_t len, int64_t deadline_ms,
    struct smtp_err *err)
{
	struct mem_io *m = ctx;

	(void)deadline_ms;
	if (smtp_buf_append(&m->out, buf, len, 64u << 20) != SMTP_OK)
		return smtp_err_set(err, SMTP_E_IO, "mem_io: out of room");
	return SMTP_OK;
}

/* The fake upgrade: record it, report the scripted facts, switch script. */
static enum smtp_rc
mem_io_starttls(void *ctx, struct tls_ctx *tls_ctx, const char *host,
    int64_t deadline_ms, struct tls_facts *facts, struct smtp_err *err)
{
	struct mem_io *m = ctx;

	(void)tls_ctx;		/* nothing is encrypted in memory */
	(void)host;
	(void)deadline_ms;
	m->tls_upgrades++;
	m->out_at_tls = m->out.len;
	*facts = m->tls_facts;
	if (m->tls_rc != SMTP_OK)
		return smtp_err_set(err, m->tls_rc, "mem_io: handshake failed");
	m->in = m->in_tls != NULL ? m->in_tls : "";
	m->inlen = m->in_tls != NULL ? m->in_tls_len : 0;
	m->inpos = 0;
	return SMTP_OK;
}

const struct smtp_io_ops mem_io_ops = {
	.read = mem_io_read,
	.write = mem_io_write,
	.close = NULL,
	.starttls = mem_io_starttls,
};

void
mem_io_set_bytes(struct mem_io *m, const char *in, size_t len, size_t chunk)
{
	memset(m, 0, sizeof(*m));
	m->in = in;
	m->inlen = len;
	m->chunk = chunk;
	/* A peer a real MTA would be glad of; tests change what they need. */
	(void)snprintf(m->tls_facts.version, sizeof(m->tls_facts.version),
	    "TLSv1.3");
	(void)snprintf(m->tls_facts.cipher, sizeof(m->tls_facts.cipher),
	    "MEM_IO_CLEAR");
	m->tls_facts.verified = true;
	m->tls_facts.name_matches = true;
}

void
mem_io_set(struct mem_io *m, const char *in, size_t chunk)
{
	mem_io_set_bytes(m, in, strlen(in), chunk);
}

void
mem_io_set_tls(struct mem_io *m, const char *after_tls)
{
	m->in_tls = after_tls;
	m->in_tls_len = strlen(after_tls);
}

void
mem_io_free(struct mem_io *m)
{
	smtp_buf_free(&m->out);
}
