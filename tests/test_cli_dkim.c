/*
 * test_cli_dkim - "smtpprobe send --dkim-key": the built binary
 * (SMTPPROBE_BIN) against the fake MX. The message arrives with a
 * DKIM-Signature first, and the text and JSON reports say what was
 * signed; a key that does not parse is exit 3 with one line, before any
 * connection; a key file others may read is warned about once; no
 * output of any format, and no error, holds a line of the key's base64.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/support/cmd_run.h"
#include "tests/support/fakemx_run.h"
#include "tests/support/tmp_dir.h"

#define FIX		SRCDIR "/tests/fixtures/dkim/"
#define ARGS_MAX	40
#define PROBE_WAIT_MS	20000
#define KEY_MAX		4096

static struct fakemx_run mx;
static struct cmd_run run;
static struct tmp_dir dir;
static char key_text[KEY_MAX];
static const char *key_path;

/* The fixture copied with the mode given: git keeps no modes. */
static const char *
copy_key(const char *name, const char *fixture, mode_t mode)
{
	FILE *in = fopen(fixture, "r");
	size_t n;
	const char *p;

	cr_assert(in != NULL);
	n = fread(key_text, 1, sizeof(key_text) - 1, in);
	fclose(in);
	key_text[n] = '\0';
	p = tmp_dir_write(&dir, name, key_text, n);
	cr_assert(p != NULL);
	cr_assert_eq(chmod(p, mode), 0);
	return p;
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	memset(&run, 0, sizeof(run));
	cr_assert(tmp_dir_make(&dir));
	key_path = copy_key("k.pem", FIX "rsa2048-pkcs8.pem", 0600);
	cr_assert_eq(fakemx_run_start(&mx, "banner: 220 mx.test ESMTP\n",
	    "127.0.0.1", 0, false), 0, "fakemx did not start");
}

static void
teardown(void)
{
	cmd_run_free(&run);
	fakemx_run_stop(&mx);
	tmp_dir_remove(&dir);
}

TestSuite(cli_dkim, .init = setup, .fini = teardown, .timeout = 60);

/* "smtpprobe send" to the fake MX with the extra flags (NULL ends). */
static void
send_probe(const char *first, ...)
{
	const char	*argv[ARGS_MAX], *a;
	char		 server[32];
	size_t		 n = 0;
	va_list		 ap;

	(void)snprintf(server, sizeof(server), "127.0.0.1:%d", mx.port);
	argv[n++] = SMTPPROBE_BIN;
	argv[n++] = "send";
	argv[n++] = "--to";
	argv[n++] = "me@gmail.test";
	argv[n++] = "--from";
	argv[n++] = "probe@example.test";
	argv[n++] = "--server";
	argv[n++] = server;
	argv[n++] = "--starttls";
	argv[n++] = "off";
	argv[n++] = "--helo";
	argv[n++] = "mail.example.test";
	va_start(ap, first);
	for (a = first; a != NULL && n < ARGS_MAX - 1; a = va_arg(ap,
	    const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cmd_run_free(&run);
	cr_assert_eq(cmd_run(&run, argv, PROBE_WAIT_MS), 0);
}

/* No line of the key's base64 (64 characters each) appears in text. */
static void
assert_no_key(const char *text)
{
	char line[80];
	const char *p = key_text, *nl;
	size_t len;

	while ((nl = strchr(p, '\n')) != NULL) {
		len = (size_t)(nl - p);
		if (len > 16 && p[0] != '-' && len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			cr_assert(strstr(text, line) == NULL, "key bytes "
			    "in the output: %s", line);
		}
		p = nl + 1;
	}
}

Test(cli_dkim, sends_the_message_with_its_signature_first)
{
	char *log;

	send_probe("--dkim-key", key_path, "--dkim-selector", "s1", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	log = fakemx_run_log(&mx);
	cr_assert(log != NULL);
	cr_assert(strstr(log, "data-line DKIM-Signature: v=1; "
	    "a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=s1;") !=
	    NULL, "%s", log);
	free(log);
}

Test(cli_dkim, says_in_the_text_what_was_signed)
{
	send_probe("--dkim-key", key_path, "--dkim-selector", "s1",
	    "--dkim-domain", "mail.example.test", NULL);
	cr_assert(strstr(run.out, "DKIM: signed d=mail.example.test s=s1 "
	    "a=rsa-sha256 c=relaxed/relaxed (2048-bit key)") != NULL, "%s",
	    run.out);
	cr_assert(strstr(run.out, "h=Date:From:To:Subject:Message-ID:") !=
	    NULL, "%s", run.out);
	cr_assert(strstr(run.out, "    bh=") != NULL);
}

Test(cli_dkim, says_in_the_json_what_was_signed)
{
	send_probe("--dkim-key", key_path, "--dkim-selector", "s1",
	    "--json", NULL);
	cr_assert(strstr(run.out, "\"dkim_signature\":{\"d\":\"example.test\","
	    "\"s\":\"s1\",\"a\":\"rsa-sha256\",\"c\":\"relaxed/relaxed\","
	    "\"h\":\"Date:From:") != NULL, "%s", run.out);
}

Test(cli_dkim, says_an_unsigned_probe_is_not_signed)
{
	send_probe("--json", NULL);
	cr_assert(strstr(run.out, "\"dkim_signature\":null") != NULL);
}

Test(cli_dkim, refuses_a_key_that_does_not_parse_before_connecting)
{
	char *log;

	send_probe("--dkim-key", FIX "garbage.pem", "--dkim-selector", "s1",
	    NULL);
	cr_assert_eq(run.status, 3);
	cr_assert(strstr(run.err, "--dkim-key " FIX "garbage.pem: not a PEM "
	    "private key") != NULL, "%s", run.err);
	cr_assert_str_eq(run.out, "");
	log = fakemx_run_log(&mx);
	cr_assert(log != NULL);
	cr_assert(strstr(log, "session") == NULL, "connected: %s", log);
	free(log);
}

Test(cli_dkim, refuses_a_key_without_a_selector)
{
	send_probe("--dkim-key", key_path, NULL);
	cr_assert_eq(run.status, 3);
	cr_assert(strstr(run.err, "--dkim-key needs --dkim-selector") !=
	    NULL, "%s", run.err);
}

Test(cli_dkim, warns_once_about_a_key_others_may_read)
{
	const char *open_key = copy_key("open.pem", FIX "rsa2048-pkcs1.pem",
	    0644);
	const char *w;

	send_probe("--dkim-key", open_key, "--dkim-selector", "s1", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	w = strstr(run.err, "is readable by group or others");
	cr_assert(w != NULL, "%s", run.err);
	cr_assert(strstr(w + 1, "is readable by group or others") == NULL);
	send_probe("--dkim-key", key_path, "--dkim-selector", "s1", NULL);
	cr_assert(strstr(run.err, "readable") == NULL, "%s", run.err);
}

Test(cli_dkim, prints_no_key_bytes_in_any_format)
{
	static const char *const formats[] = { "text", "json", "nagios",
	    "prometheus" };
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		send_probe("--dkim-key", key_path, "--dkim-selector", "s1",
		    "--format", formats[i], NULL);
		cr_assert_eq(run.status, 0, "%s: %s", formats[i], run.err);
		assert_no_key(run.out);
		assert_no_key(run.err);
	}
	copy_key("bad.pem", FIX "truncated.pem", 0600);
	send_probe("--dkim-key", tmp_dir_path(&dir, "bad.pem", (char[512]){ 0 },
	    512), "--dkim-selector", "s1", NULL);
	cr_assert_eq(run.status, 3);
	assert_no_key(run.err);
	assert_no_key(run.out);
}
