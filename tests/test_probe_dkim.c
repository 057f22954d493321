/*
 * test_probe_dkim - DKIM key records: the tag list, the key size read
 * from the DER of p= (keys made with "openssl genrsa N | openssl rsa
 * -pubout -outform DER | base64"), the judgement of the key, and the
 * lookup through the in-memory resolver (tests/support/zone_dns.h).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/auth/probe_dkim.h"
#include "tests/support/zone_dns.h"

#define RSA512 "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMapEvv2DduVwEsWo7e4CE3fxTvQ" \
	"diOhYvEIsF6jvdZKbbLe0mh1dbqBNjlZHVXkEuyaXYyXuuMJQVZ0bfxiFAkCAwEAAQ=="
#define RSA1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDA9EeFJGwx9ekBdNTbXOd3" \
	"54Pq3oV1EwOJXhG5WgeAT5gme9sLxa42P3b0RsqQZBsgDUL/QljBoVlhEa9HiNCBmqEe" \
	"yrZ+ovW5OtlTZkjOGDWjOziqVkIuRN/BMflArY9CYAlnjpWoGLCptDa+LGvrrnUJGrVT" \
	"nXaJVITitrFVEwIDAQAB"
#define RSA2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr1uc1Nhn3qLpqHOE" \
	"oSUb7qVzsKE1+6YwVrC1nAS4t6+6vxLDHOfOiaOoFI2XLFsELGTUPGeAuKv55m9yQv6O" \
	"sA91g1ixiwZtRXlUPfslkd/MiQ7GojVXVOn2SOnVmm/Ej0g3VhPKVGY+Wl9AfArIAGxn" \
	"W7cysIkGBEjnNk3z0lglaWQ6umr7geT/LsV7stXXNg6+V7VMOqizLc2PQNuO5D3XZsXp" \
	"v+dR30W0l8e5N81mNJb/W7hL0//zaUphBaefyRZzJRPVP3Tk4LkDB4N5wzuyCIWf15ej" \
	"HwOfuHSkOChQsc3aLR/kOuwSfBjG6U377uDNrYlMDEC7jt7q5BxElwIDAQAB"
/* The 1024-bit key as a bare RSAPublicKey (openssl -RSAPublicKey_out). */
#define RSA1024_PKCS1 "MIGJAoGBAMD0R4UkbDH16QF01Ntc53fng+rehXUTA4leEblaB4BP" \
	"mCZ72wvFrjY/dvRGypBkGyANQv9CWMGhWWERr0eI0IGaoR7Ktn6i9bk62VNmSM4YNaM7" \
	"OKpWQi5E38Ex+UCtj0JgCWeOlagYsKm0Nr4sa+uudQkatVOddolUhOK2sVUTAgMBAAE="
#define ED25519 "kuMxkhGevpHoEOjLDq1sWvoMriw44YXMeQxIcRGlLUo="
#define TEST_ERR_MAX	256

static struct probe_dkim_key key;

static bool
parse(const char *text)
{
	return probe_dkim_parse(text, strlen(text), &key);
}

Test(probe_dkim, reads_the_size_of_a_2048_bit_rsa_key)
{
	cr_assert(parse("v=DKIM1; k=rsa; p=" RSA2048), "%s", key.reason);
	cr_assert_eq(key.type, PROBE_DKIM_KEY_RSA);
	cr_assert_eq(key.bits, 2048);
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_GOOD);
}

Test(probe_dkim, warns_about_a_1024_bit_key_and_fails_a_512_bit_one)
{
	cr_assert(parse("v=DKIM1; p=" RSA1024));
	cr_assert_eq(key.bits, 1024);
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_WARN);
	cr_assert(parse("p=" RSA512));
	cr_assert_eq(key.bits, 512);
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_BAD);
}

Test(probe_dkim, accepts_folding_white_space_inside_p)
{
	cr_assert(parse("v=DKIM1;\tk=rsa;\r\n p=MIGfMA0GCSqGSIb3DQEBAQUAA4G"
	    "NADCB iQKBgQDA9EeFJGwx9ekBdNTbXOd354Pq3oV1EwOJXhG5WgeAT5gme9sLx"
	    "a42P3b0RsqQZBsgDUL/QljBoVlhEa9HiNCBmqEeyrZ+ovW5OtlTZkjOGDWjOziq"
	    "VkIuRN/BMflArY9CYAlnjpWoGLCptDa+LGvrrnUJGrVTnXaJVITitrFVEwIDAQA"
	    "B ;"), "%s",
	    key.reason);
	cr_assert_eq(key.bits, 1024);
}

Test(probe_dkim, takes_a_bare_rsapublickey_with_a_warning)
{
	cr_assert(parse("v=DKIM1; p=" RSA1024_PKCS1));
	cr_assert(key.is_pkcs1);
	cr_assert_eq(key.bits, 1024);
	cr_assert_not_null(strstr(key.reason, "RSAPublicKey"));
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_WARN);
}

Test(probe_dkim, reads_an_ed25519_key_of_32_bytes)
{
	cr_assert(parse("v=DKIM1; k=ed25519; p=" ED25519));
	cr_assert_eq(key.type, PROBE_DKIM_KEY_ED25519);
	cr_assert_eq(key.bits, 256);
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_GOOD);
	cr_assert_not(parse("v=DKIM1; k=ed25519; p=" RSA1024));
	cr_assert_not_null(strstr(key.reason, "32 bytes"));
}

Test(probe_dkim, calls_an_empty_p_a_revoked_key)
{
	cr_assert_not(parse("v=DKIM1; k=rsa; p="));
	cr_assert(key.is_revoked);
	cr_assert_not_null(strstr(key.reason, "revoked"));
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_BAD);
}

Test(probe_dkim, refuses_malformed_records_with_a_reason)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "v=DKIM1; k=rsa", "no p=" },
		{ "k=rsa; v=DKIM1; p=" RSA2048, "v= must be first" },
		{ "v=DKIM2; p=" RSA2048, "v= must be first" },
		{ "v=DKIM1; k=dsa; p=" RSA2048, "unknown key type" },
		{ "v=DKIM1; p=" RSA2048 "; p=" RSA2048, "twice" },
		{ "v=DKIM1; p=!!!!", "not base64" },
		{ "v=DKIM1; p=QUJDRA==", "not an RSA" },
		{ "v=DKIM1; k=rsa; junk; p=" RSA2048, "without \"=\"" },
		{ "", "no p=" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(parse(bad[i].text), "%s", bad[i].text);
		cr_assert_not_null(strstr(key.reason, bad[i].why),
		    "%s: %s", bad[i].text, key.reason);
	}
}

Test(probe_dkim, survives_truncated_and_lying_der)
{
	/* The 2048-bit key cut at every length: never a crash or a size. */
	const char	*full = RSA2048;
	char		 text[sizeof("p=") + sizeof(RSA2048)];
	size_t		 n;

	for (n = 4; n < strlen(full) - 8; n += 4) {
		(void)snprintf(text, sizeof(text), "p=%.*s", (int)n, full);
		cr_assert_not(parse(text), "cut at %zu", n);
	}
	/* A SEQUENCE claiming 16 MB of contents. */
	cr_assert_not(parse("p=MIP///8CAQE="));
}

Test(probe_dkim, refuses_a_key_longer_than_its_limit)
{
	size_t	 n = PROBE_DKIM_KEY_MAX * 2, i;
	char	*text = malloc(n + 3);

	cr_assert_not_null(text);
	memcpy(text, "p=", 2);
	for (i = 0; i < n; i++)
		text[2 + i] = 'A';
	text[n + 2] = '\0';
	cr_assert_not(parse(text));
	cr_assert_not_null(strstr(key.reason, "longer than"), "%s",
	    key.reason);
	free(text);
}

Test(probe_dkim, notes_test_mode)
{
	cr_assert(parse("v=DKIM1; t=y:s; p=" RSA2048));
	cr_assert(key.is_testing);
	cr_assert(key.is_strict);
	cr_assert_eq(probe_dkim_decide(&key), PROBE_DKIM_WARN);
}

/* ---- lookups through zone_dns ---- */

struct dkim_zone {
	struct zone_dns			zone;
	struct probe_dns		dns;
	struct probe_dkim_result	out;
	char				err[TEST_ERR_MAX];
};

static struct dkim_zone *
zone_new(void)
{
	struct dkim_zone	*z = calloc(1, sizeof(*z));

	cr_assert_not_null(z);
	zone_dns_bind(&z->zone, &z->dns);
	return z;
}

static void
zone_end(struct dkim_zone *z)
{
	zone_dns_free(&z->zone);
	free(z);
}

Test(probe_dkim, finds_the_key_at_selector_domainkey)
{
	struct dkim_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_txt(&z->zone, "s1._domainkey.example.test",
	    "v=DKIM1; k=rsa; p=" RSA2048), 0);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "s1", "example.test", &z->out,
	    z->err, sizeof(z->err)), PROBE_DKIM_OK);
	cr_assert_str_eq(z->out.name, "s1._domainkey.example.test");
	cr_assert(z->out.is_found);
	cr_assert_eq(z->out.level, PROBE_DKIM_GOOD);
	cr_assert_eq(z->out.key.bits, 2048);
	zone_end(z);
}

Test(probe_dkim, tells_a_missing_key_from_a_dns_failure)
{
	struct dkim_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_timeout(&z->zone,
	    "slow._domainkey.example.test"), 0);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "s1", "example.test", &z->out,
	    z->err, sizeof(z->err)), PROBE_DKIM_OK);
	cr_assert_not(z->out.is_found);
	cr_assert_eq(z->out.level, PROBE_DKIM_BAD);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "slow", "example.test",
	    &z->out, z->err, sizeof(z->err)), PROBE_DKIM_OK);
	cr_assert_eq(z->out.level, PROBE_DKIM_TEMPERROR);
	zone_end(z);
}

Test(probe_dkim, uses_the_record_that_parses_among_several)
{
	struct dkim_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_txt(&z->zone, "s1._domainkey.example.test",
	    "some verification token"), 0);
	cr_assert_eq(zone_dns_add_txt(&z->zone, "s1._domainkey.example.test",
	    "v=DKIM1; p=" RSA1024), 0);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "s1", "example.test", &z->out,
	    z->err, sizeof(z->err)), PROBE_DKIM_OK);
	cr_assert_eq(z->out.nrecords, 2);
	cr_assert_eq(z->out.key.bits, 1024);
	cr_assert_eq(z->out.level, PROBE_DKIM_WARN);
	zone_end(z);
}

Test(probe_dkim, refuses_a_selector_that_is_not_a_name)
{
	struct dkim_zone	*z = zone_new();

	cr_assert_eq(probe_dkim_lookup(&z->dns, "a b", "example.test",
	    &z->out, z->err, sizeof(z->err)), PROBE_DKIM_E_USAGE);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "s..1", "example.test",
	    &z->out, z->err, sizeof(z->err)), PROBE_DKIM_E_USAGE);
	cr_assert_eq(probe_dkim_lookup(&z->dns, "", "example.test",
	    &z->out, z->err, sizeof(z->err)), PROBE_DKIM_E_USAGE);
	zone_end(z);
}
