/*
 * testnet - the test network of the command-line tests; see testnet.h.
 */
#include "tests/support/testnet.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A TXT string is at most 255 bytes; dnsmasq starts a new one at ','. */
#define TXT_CHUNK	200
/* The longest key record line the fixtures hold, with room. */
#define TXT_LINE_MAX	1024

static int
fail(struct testnet *t, const char *what, const char *detail)
{
	(void)snprintf(t->error, sizeof(t->error), "testnet: %s%s%s", what,
	    detail[0] != '\0' ? ": " : "", detail);
	return -1;
}

int
testnet_start(struct testnet *t, const char *const *zone)
{
	memset(t, 0, sizeof(*t));
	t->mx.pid = -1;
	t->timeout = TESTNET_TIMEOUT;
	/* Process-wide, as every test did it itself: a write to a closed
	 * socket is an error to look at, not the end of the test. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (!tmp_dir_make(&t->dir))
		return fail(t, "cannot make a temporary folder", "");
	if (tmp_dir_path(&t->dir, "lock", t->lock, sizeof(t->lock)) == NULL)
		return fail(t, "the folder's path is too long", "");
	if (zone == NULL)
		return 0;
	if (dnsmasq_run_start(&t->dns, zone) != 0)
		return fail(t, "dnsmasq", t->dns.error);
	(void)snprintf(t->dns_server, sizeof(t->dns_server), "127.0.0.1:%d",
	    t->dns.port);
	return 0;
}

int
testnet_config(struct testnet *t, const char *text)
{
	if (tmp_dir_write(&t->dir, "smtpprobe.yaml", text, strlen(text)) ==
	    NULL || tmp_dir_path(&t->dir, "smtpprobe.yaml", t->config,
	    sizeof(t->config)) == NULL)
		return fail(t, "cannot write smtpprobe.yaml", "");
	return 0;
}

int
testnet_mx_start(struct testnet *t, const char *scenario, int sessions,
    unsigned flags)
{
	char path[FAKEMX_RUN_PATH_MAX];
	const char *scn = scenario;

	(void)fakemx_run_stop(&t->mx);	/* its status is no news here */
	t->mx_port[0] = '\0';
	t->mx_server[0] = '\0';
	if (strchr(scenario, '/') == NULL && strchr(scenario, '\n') == NULL) {
		if (fakemx_run_scenario(path, sizeof(path), scenario) != 0)
			return fail(t, "no room for the scenario's path",
			    scenario);
		scn = path;
	}
	if ((flags & TESTNET_MX_SPF) != 0 && t->dns_server[0] == '\0')
		return fail(t, "TESTNET_MX_SPF without dnsmasq", "");
	if (fakemx_run_start_dns(&t->mx, scn, "127.0.0.1", sessions,
	    (flags & TESTNET_MX_TLS) != 0 ? "server" : NULL,
	    (flags & TESTNET_MX_SPF) != 0 ? t->dns_server : NULL) != 0)
		return fail(t, "fakemx did not start", "");
	(void)snprintf(t->mx_port, sizeof(t->mx_port), "%d", t->mx.port);
	(void)snprintf(t->mx_server, sizeof(t->mx_server), "127.0.0.1:%d",
	    t->mx.port);
	return 0;
}

int
testnet_gmail_start(struct testnet *t, const char *config)
{
	static const char *const zone[] = { TESTNET_GMAIL_ZONE, NULL };

	if (testnet_start(t, zone) != 0)
		return -1;
	if (config != NULL && testnet_config(t, config) != 0)
		return -1;
	return testnet_mx_start(t, "gmail-sim.scn", 0, TESTNET_MX_TLS);
}

int
testnet_args(struct testnet *t, const char **argv, size_t *n, size_t max)
{
	const char *ca = fakemx_run_ca(&t->mx);
	size_t k = *n;

	if (k > max || max - k < TESTNET_ARGS)
		return fail(t, "no room in argv for the network's flags", "");
	argv[k++] = "--allow-loopback-mx";
	if (t->dns_server[0] != '\0') {
		argv[k++] = "--dns-server";
		argv[k++] = t->dns_server;
	}
	if (t->mx_port[0] != '\0') {
		argv[k++] = "--port";
		argv[k++] = t->mx_port;
	}
	if (ca != NULL) {
		argv[k++] = "--tls-ca";
		argv[k++] = ca;
	}
	argv[k++] = "--timeout";
	argv[k++] = t->timeout != NULL ? t->timeout : TESTNET_TIMEOUT;
	*n = k;
	return 0;
}

int
testnet_txt_record(char *out, size_t outlen, const char *name,
    const char *path)
{
	char line[TXT_LINE_MAX], *nl;
	size_t i, len, n;
	FILE *fp;
	int w;

	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) == NULL) {
		(void)fclose(fp);	/* read only */
		return -1;
	}
	(void)fclose(fp);	/* read only */
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	w = snprintf(out, outlen, "--txt-record=%s", name);
	if (w < 0 || (size_t)w >= outlen)
		return -1;
	n = (size_t)w;
	len = strlen(line);
	for (i = 0; i < len; i += TXT_CHUNK) {
		w = snprintf(out + n, outlen - n, ",%.*s", TXT_CHUNK,
		    line + i);
		if (w < 0 || (size_t)w >= outlen - n)
			return -1;
		n += (size_t)w;
	}
	return 0;
}

const char *
testnet_copy(struct testnet *t, const char *name, const char *path,
    mode_t mode)
{
	const char *copy = NULL;
	char *buf;
	size_t n;
	FILE *fp;

	buf = malloc(TESTNET_COPY_MAX + 1);
	if (buf == NULL) {
		(void)fail(t, "out of memory copying", path);
		return NULL;
	}
	fp = fopen(path, "r");
	if (fp == NULL) {
		(void)fail(t, "cannot open", path);
		goto out;
	}
	/* One byte more than the limit tells a file that is too long. */
	n = fread(buf, 1, TESTNET_COPY_MAX + 1, fp);
	if (ferror(fp) || n > TESTNET_COPY_MAX) {
		(void)fclose(fp);	/* read only */
		(void)fail(t, "cannot read all of", path);
		goto out;
	}
	(void)fclose(fp);	/* read only */
	copy = tmp_dir_write(&t->dir, name, buf, n);
	if (copy == NULL || chmod(copy, mode) != 0) {
		(void)fail(t, "cannot write the copy", name);
		copy = NULL;
	}
out:
	free(buf);
	return copy;
}

void
testnet_stop(struct testnet *t)
{
	(void)fakemx_run_stop(&t->mx);	/* a test that wants it waits */
	dnsmasq_run_stop(&t->dns);
	tmp_dir_remove(&t->dir);
	t->dns_server[0] = '\0';
	t->mx_port[0] = '\0';
	t->mx_server[0] = '\0';
}
