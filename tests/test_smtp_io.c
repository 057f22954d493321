/*
 * test_smtp_io - the transport seam's STARTTLS: read-ahead is dropped
 * before the upgrade (RFC 3207 5) so it can never count as a reply under
 * TLS, the upgrade is the transport's own operation, and a transport
 * without one is refused. Driven through the in-memory transport.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "smtp/smtp_buf.h"
#include "smtp/smtp_err.h"
#include "smtp/smtp_io.h"
#include "tests/support/mem_io.h"

#define WHOLE		0
#define DEADLINE	1000

static max_align_t unused_tls_ctx;
#define FAKE_TLS_CTX	((struct tls_ctx *)(void *)&unused_tls_ctx)

struct io_case {
	struct mem_io		m;
	struct smtp_io		io;
	struct smtp_buf		line;
	struct smtp_err		err;
	struct tls_facts	facts;
	size_t			discarded;
};

static struct io_case ic;

static void
io_setup(void)
{
	memset(&ic, 0, sizeof(ic));
}

static void
io_teardown(void)
{
	smtp_io_close(&ic.io);
	smtp_buf_free(&ic.line);
	mem_io_free(&ic.m);
}

TestSuite(smtp_io, .init = io_setup, .fini = io_teardown);

static void
assert_line(const char *want)
{
	bool bare_lf;

	cr_assert_eq(smtp_io_read_line(&ic.io, &ic.line, 512, &bare_lf,
	    DEADLINE, &ic.err), SMTP_OK, "%s", ic.err.msg);
	cr_assert_str_eq(ic.line.data, want);
}

static enum smtp_rc
starttls(void)
{
	return smtp_io_starttls(&ic.io, FAKE_TLS_CTX, "mx.test", DEADLINE,
	    &ic.facts, &ic.discarded, &ic.err);
}

Test(smtp_io, drops_bytes_read_before_the_handshake)
{
	mem_io_set(&ic.m, "220 ready\r\n250 injected\r\n", WHOLE);
	mem_io_set_tls(&ic.m, "250 after tls\r\n");
	smtp_io_init(&ic.io, &mem_io_ops, &ic.m);
	assert_line("220 ready");
	cr_assert_eq(smtp_io_pending(&ic.io), 14);
	cr_assert_eq(starttls(), SMTP_OK, "%s", ic.err.msg);
	cr_assert_eq(ic.discarded, 14);
	cr_assert_eq(smtp_io_pending(&ic.io), 0);
	/* RFC 3207 5: the planted line must never be the first reply. */
	assert_line("250 after tls");
}

Test(smtp_io, upgrades_through_the_transport_and_reports_its_facts)
{
	mem_io_set(&ic.m, "220 ready\r\n", WHOLE);
	mem_io_set_tls(&ic.m, "250 after tls\r\n");
	smtp_io_init(&ic.io, &mem_io_ops, &ic.m);
	assert_line("220 ready");
	cr_assert_eq(starttls(), SMTP_OK, "%s", ic.err.msg);
	cr_assert_eq(ic.discarded, 0);
	cr_assert_eq(ic.m.tls_upgrades, 1);
	cr_assert(ic.facts.verified);
	cr_assert_str_eq(ic.facts.version, "TLSv1.3");
	assert_line("250 after tls");
}

Test(smtp_io, passes_on_the_transports_handshake_failure)
{
	mem_io_set(&ic.m, "220 ready\r\n", WHOLE);
	ic.m.tls_rc = SMTP_E_TLS;
	smtp_io_init(&ic.io, &mem_io_ops, &ic.m);
	assert_line("220 ready");
	cr_assert_eq(starttls(), SMTP_E_TLS);
	cr_assert_eq(ic.err.rc, SMTP_E_TLS);
	cr_assert_str_not_empty(ic.err.msg);
}

static const struct smtp_io_ops no_tls_ops = {
	.read = NULL,
	.write = NULL,
	.close = NULL,
	.starttls = NULL,
};

Test(smtp_io, refuses_starttls_on_a_transport_that_cannot_upgrade)
{
	smtp_io_init(&ic.io, &no_tls_ops, NULL);
	cr_assert_eq(starttls(), SMTP_E_USAGE);
	cr_assert_eq(ic.err.rc, SMTP_E_USAGE);
}
