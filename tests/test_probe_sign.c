/*
 * test_probe_sign - DKIM signing: the keys opendkim-genkey and rspamd
 * write load (PKCS#1, PKCS#8, Ed25519) and keys DKIM cannot use are
 * refused with one line that quotes nothing of the key; the public key
 * is derived (tls_key); a signed message verifies with libopendkim's
 * verifier against the key's record, and fails against another key or
 * once the body changes; the signature is relaxed/relaxed, covers the
 * header fields present with From oversigned, and the facts the
 * reports show match the field inserted. Ed25519 is signed by
 * probe_dkimsig (relaxed canonicalization of our own, tls_sign) and no
 * leak is tolerated: LeakSanitizer watches every test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe/run/probe_dkimsig.h"
#include "probe/run/probe_message.h"
#include "probe/run/probe_sign.h"
#include "tests/support/dkim_verify.h"
#include "tests/support/tmp_dir.h"
#include "tls/tls_key.h"

#define FIX	SRCDIR "/tests/fixtures/dkim/"
#define NOW	((time_t)1700000000)

static const char msg_text[] =
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
    "From: <probe@example.test>\n"
    "To: <me@gmail.test>\n"
    "Subject: smtpprobe test sp-1\n"
    "Message-ID: <sp-1@example.test>\n"
    "X-Smtpprobe-Id: sp-1\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "Hello.\n"
    ".a line with a dot\n";

static struct probe_sign_key key;
static struct smtp_buf msg;
static char err[1024];

static void
sign_setup(void)
{
	memset(&key, 0, sizeof(key));
	memset(&msg, 0, sizeof(msg));
	err[0] = '\0';
}

static void
sign_teardown(void)
{
	probe_sign_key_free(&key);
	smtp_buf_free(&msg);
}

TestSuite(probe_sign, .init = sign_setup, .fini = sign_teardown);

/* The first line of a fixture file: the DKIM record. */
static int
fixture_record(void *ctx, const char *name, char *txt, size_t len)
{
	FILE *fp = fopen(ctx, "r");
	char *nl;

	(void)name;
	if (fp == NULL || fgets(txt, (int)len, fp) == NULL) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	if ((nl = strchr(txt, '\n')) != NULL)
		*nl = '\0';
	return 0;
}

static int
sign_msg(struct smtp_buf *m, struct probe_sign_facts *f)
{
	return probe_sign_message(&key, "sel", "example.test", NOW, m, f, err,
	    sizeof(err));
}

static void
sign_with(const char *file, struct probe_sign_facts *f)
{
	cr_assert_eq(probe_sign_key_load(file, &key, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(smtp_buf_append(&msg, msg_text, strlen(msg_text),
	    PROBE_MESSAGE_MAX), SMTP_OK);
	cr_assert_eq(sign_msg(&msg, f), 0, "%s", err);
}

static enum dkim_verify_result
verify_against(const char *record_file)
{
	char why[256];

	return dkim_verify_message(msg.data, msg.len, fixture_record,
	    (void *)record_file, why, sizeof(why));
}

Test(probe_sign, signs_with_a_pkcs1_rsa_key_that_verifies)
{
	struct probe_sign_facts f;

	sign_with(FIX "rsa2048-pkcs1.pem", &f);
	cr_assert_str_eq(f.a, "rsa-sha256");
	cr_assert_eq(f.bits, 2048);
	cr_assert_eq(verify_against(FIX "rsa2048.txt"), DKIM_VERIFY_PASS);
}

Test(probe_sign, signs_with_the_same_key_as_pkcs8)
{
	struct probe_sign_facts f;

	sign_with(FIX "rsa2048-pkcs8.pem", &f);
	cr_assert_eq(verify_against(FIX "rsa2048.txt"), DKIM_VERIFY_PASS);
}

Test(probe_sign, signs_ed25519_sha256_that_verifies)
{
	struct probe_sign_facts f;

	sign_with(FIX "ed25519.pem", &f);
	cr_assert_str_eq(f.a, "ed25519-sha256");
	cr_assert_eq(f.bits, 256);
	cr_assert_eq(verify_against(FIX "ed25519.txt"), DKIM_VERIFY_PASS);
}

Test(probe_sign, fails_to_verify_against_another_published_key)
{
	struct probe_sign_facts f;

	sign_with(FIX "rsa2048-pkcs1.pem", &f);
	cr_assert_eq(verify_against(FIX "other2048.txt"), DKIM_VERIFY_FAIL);
}

Test(probe_sign, fails_to_verify_once_the_body_changes)
{
	struct probe_sign_facts f;

	sign_with(FIX "ed25519.pem", &f);
	msg.data[msg.len - 2] = 'X';
	cr_assert_eq(verify_against(FIX "ed25519.txt"), DKIM_VERIFY_FAIL);
}

Test(probe_sign, an_unsigned_message_verifies_as_none)
{
	cr_assert_eq(smtp_buf_append(&msg, msg_text, strlen(msg_text),
	    PROBE_MESSAGE_MAX), SMTP_OK);
	cr_assert_eq(verify_against(FIX "ed25519.txt"), DKIM_VERIFY_NONE);
}

Test(probe_sign, is_relaxed_and_oversigns_from_over_the_fields_present)
{
	struct probe_sign_facts f;

	sign_with(FIX "ed25519.pem", &f);
	cr_assert_str_eq(f.c, "relaxed/relaxed");
	cr_assert_str_eq(f.d, "example.test");
	cr_assert_str_eq(f.s, "sel");
	/* In the message's order; the extra From last, as libopendkim adds it. */
	cr_assert_str_eq(f.h, "Date:From:To:Subject:Message-ID:MIME-Version:"
	    "Content-Type:Content-Transfer-Encoding:from");
	cr_assert_eq(strlen(f.bh), 44);
	cr_assert(strncmp(msg.data, "DKIM-Signature: v=1; a=ed25519-sha256;",
	    38) == 0, "%.80s", msg.data);
	cr_assert(strstr(msg.data, f.bh) != NULL);
	cr_assert(strchr(msg.data, '\r') == NULL, "LF line ends kept");
}

Test(probe_sign, signs_list_unsubscribe_when_present)
{
	struct probe_sign_facts f;

	cr_assert_eq(probe_sign_key_load(FIX "ed25519.pem", &key, err,
	    sizeof(err)), 0);
	cr_assert_eq(smtp_buf_append(&msg, "From: a@example.test\n"
	    "List-Unsubscribe: <https://example.test/u>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\nhi\n", 118,
	    PROBE_MESSAGE_MAX), SMTP_OK);
	cr_assert_eq(sign_msg(&msg, &f), 0, "%s", err);
	cr_assert_str_eq(f.h, "From:List-Unsubscribe:List-Unsubscribe-Post:"
	    "from");
}

/* A refused key: one line naming the file, never its content. */
static void
refused(const char *name, const char *why)
{
	char path[512];

	(void)snprintf(path, sizeof(path), FIX "%s", name);
	cr_assert_eq(probe_sign_key_load(path, &key, err, sizeof(err)), -1);
	cr_assert(strstr(err, why) != NULL, "%s", err);
	cr_assert(strstr(err, path) != NULL, "%s", err);
	cr_assert(strchr(err, '\n') == NULL);
	cr_assert(strstr(err, "MII") == NULL && strstr(err, "not a key at "
	    "all") == NULL, "no key bytes: %s", err);
}

Test(probe_sign, refuses_a_file_that_is_no_key)
{
	refused("garbage.pem", "not a PEM private key");
}

Test(probe_sign, refuses_a_truncated_key)
{
	refused("truncated.pem", "not a PEM private key");
}

Test(probe_sign, refuses_an_ecdsa_key)
{
	refused("ec-p256.pem", "neither an RSA nor an Ed25519 key");
}

Test(probe_sign, refuses_rsa_under_1024_bits)
{
	refused("rsa512.pem", "RFC 8301");
}

Test(probe_sign, refuses_a_missing_file)
{
	refused("no-such.pem", "No such file");
}

Test(probe_sign, accepts_rsa_of_1024_bits)
{
	cr_assert_eq(probe_sign_key_load(FIX "rsa1024.pem", &key, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(key.facts.bits, 1024);
}

Test(probe_sign, notes_a_key_file_others_may_read)
{
	struct tmp_dir d;
	const char *p;
	FILE *in = fopen(FIX "ed25519.pem", "r");
	char pem[512];
	size_t n;

	cr_assert(in != NULL);
	n = fread(pem, 1, sizeof(pem) - 1, in);
	fclose(in);
	pem[n] = '\0';
	cr_assert(tmp_dir_make(&d));
	p = tmp_dir_write(&d, "k.pem", pem, n);
	cr_assert(p != NULL);
	cr_assert_eq(chmod(p, 0600), 0);
	cr_assert_eq(probe_sign_key_load(p, &key, err, sizeof(err)), 0);
	cr_assert(!key.is_readable_by_others);
	probe_sign_key_free(&key);
	cr_assert_eq(chmod(p, 0640), 0);
	cr_assert_eq(probe_sign_key_load(p, &key, err, sizeof(err)), 0);
	cr_assert(key.is_readable_by_others);
	tmp_dir_remove(&d);
}

Test(probe_sign, zeroes_and_frees_the_key)
{
	cr_assert_eq(probe_sign_key_load(FIX "ed25519.pem", &key, err,
	    sizeof(err)), 0);
	probe_sign_key_free(&key);
	cr_assert_null(key.pem);
	cr_assert_eq(key.pem_len, 0);
	probe_sign_key_free(&key);	/* twice is fine */
}

/* tls_key: the public half, in the record's form. */
Test(tls_key, derives_the_published_ed25519_key)
{
	struct tls_key_facts f;
	struct tls_err e = { 0 };
	FILE *in = fopen(FIX "ed25519.pem", "r");
	char pem[512], rec[256];
	size_t n;

	cr_assert(in != NULL);
	n = fread(pem, 1, sizeof(pem), in);
	fclose(in);
	cr_assert_eq(tls_key_parse(pem, n, &f, &e), TLS_OK, "%s", e.msg);
	cr_assert_eq(f.type, TLS_KEY_ED25519);
	cr_assert_eq(f.record_len, 32);
	cr_assert_eq(fixture_record(FIX "ed25519.txt", "", rec, sizeof(rec)),
	    0);
	cr_assert(strstr(rec, "k=ed25519; p=") != NULL);
}

Test(tls_key, refuses_an_encrypted_key_without_asking)
{
	static const char enc[] =
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhFq5fNbxDyrgICCAAw\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n";
	struct tls_key_facts f;
	struct tls_err e = { 0 };

	cr_assert_eq(tls_key_parse(enc, sizeof(enc) - 1, &f, &e),
	    TLS_E_CONFIG);
	cr_assert(strstr(e.msg, "unencrypted") != NULL, "%s", e.msg);
}

/*
 * probe_dkimsig: Ed25519 is signed without libopendkim's signer, over
 * our relaxed canonicalization; libopendkim's verifier must agree.
 */
static void
canon_header_is(const char *field, const char *want)
{
	struct smtp_buf out = { 0 };

	cr_assert_eq(probe_dkimsig_canon_header(field, strlen(field), &out,
	    1024), 0);
	cr_assert_str_eq(out.data, want);
	smtp_buf_free(&out);
}

static void
canon_body_is(const char *body, const char *want)
{
	struct smtp_buf out = { 0 };

	cr_assert_eq(probe_dkimsig_canon_body(body, strlen(body), &out, 1024),
	    0);
	cr_assert_str_eq(out.data != NULL ? out.data : "", want);
	smtp_buf_free(&out);
}

Test(probe_dkimsig, canonicalizes_a_header_field_relaxed)
{
	canon_header_is("SubJect \t:  Hello \t  world  ", "subject:Hello "
	    "world\r\n");
	canon_header_is("To: a@example.test,\r\n\t b@example.test",
	    "to:a@example.test, b@example.test\r\n");
	canon_header_is("X-Empty:", "x-empty:\r\n");
}

Test(probe_dkimsig, canonicalizes_a_body_relaxed)
{
	canon_body_is("a  b \t\r\n\r\nc\t\r\n\r\n \r\n\r\n",
	    "a b\r\n\r\nc\r\n");
	canon_body_is("", "");
	canon_body_is("\r\n\r\n", "");
	canon_body_is("x", "x\r\n");
}

Test(probe_dkimsig, splits_fields_at_crlf_but_not_at_folds)
{
	static const char h[] = "A: 1\r\n\tmore\r\nB: 2\r\n";
	const char *f;
	size_t pos = 0, n;

	cr_assert(probe_dkimsig_field_next(h, strlen(h), &pos, &f, &n));
	cr_assert_eq(n, 11);
	cr_assert(probe_dkimsig_field_next(h, strlen(h), &pos, &f, &n));
	cr_assert_eq(strncmp(f, "B: 2", n), 0);
	cr_assert_not(probe_dkimsig_field_next(h, strlen(h), &pos, &f, &n));
}

Test(probe_sign, signs_ed25519_over_folds_white_space_and_two_tos)
{
	static const char m[] = "From: <probe@example.test>\n"
	    "To: <a@gmail.test>,\n\t<b@gmail.test>\n"
	    "Subject:   spaced\t out   \n"
	    "To: <c@gmail.test>\n"
	    "\n"
	    "line  with \t blanks   \n\n\n";
	struct probe_sign_facts f;

	cr_assert_eq(probe_sign_key_load(FIX "ed25519.pem", &key, err,
	    sizeof(err)), 0);
	cr_assert_eq(smtp_buf_append(&msg, m, strlen(m), PROBE_MESSAGE_MAX),
	    SMTP_OK);
	cr_assert_eq(sign_msg(&msg, &f), 0, "%s", err);
	cr_assert_str_eq(f.h, "From:To:Subject:To:from");
	cr_assert_eq(verify_against(FIX "ed25519.txt"), DKIM_VERIFY_PASS);
}

Test(probe_sign, an_ed25519_signature_breaks_when_a_signed_field_changes)
{
	struct probe_sign_facts f;
	char *s;

	sign_with(FIX "ed25519.pem", &f);
	s = strstr(msg.data, "Subject: smtpprobe");
	cr_assert(s != NULL);
	s[9] = 'S';
	cr_assert_eq(verify_against(FIX "ed25519.txt"), DKIM_VERIFY_FAIL);
}
