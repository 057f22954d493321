/*
 * test_probe_idna - U-labels become A-labels before DNS is asked: by
 * probe_idna itself and by every probe_dns_lookup().
 */
#include <criterion/criterion.h>
#include <string.h>

#include "probe/dns/probe_dns.h"
#include "probe/dns/probe_idna.h"
#include "tests/support/zone_dns.h"

Test(probe_idna, turns_a_unicode_domain_into_its_a_label)
{
	char out[PROBE_IDNA_NAME_MAX + 1], err[256];

	cr_assert(probe_idna_to_ascii("b\xc3\xbc" "cher.example", out,
	    sizeof(out), err, sizeof(err)), "%s", err);
	cr_assert_str_eq(out, "xn--bcher-kva.example");
}

Test(probe_idna, leaves_an_ascii_name_as_it_is)
{
	char out[PROBE_IDNA_NAME_MAX + 1], err[256];

	cr_assert(probe_idna_to_ascii("Mail.Example.COM", out, sizeof(out),
	    err, sizeof(err)));
	cr_assert_str_eq(out, "Mail.Example.COM");
}

Test(probe_idna, refuses_bytes_that_are_not_utf8)
{
	char out[PROBE_IDNA_NAME_MAX + 1], err[256] = "";

	cr_assert_not(probe_idna_to_ascii("b\xfc" "cher.example", out,
	    sizeof(out), err, sizeof(err)));
	cr_assert_str_eq(out, "");
	cr_assert_not_null(strstr(err, "internationalised"), "%s", err);
}

Test(probe_idna, refuses_a_name_too_long_in_its_a_label_form)
{
	/* 6 labels of about 47 A-label bytes each: over 253 in all. */
	static const char label[] = "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	    "\xc3\xbc" "abcdefghijklmnopqrstuvwxyzabcdefghij.";
	char name[400], out[PROBE_IDNA_NAME_MAX + 1], err[256] = "";
	size_t i, n = 0;

	for (i = 0; i < 6; i++) {
		memcpy(name + n, label, sizeof(label) - 1);
		n += sizeof(label) - 1;
	}
	memcpy(name + n, "example", sizeof("example"));
	cr_assert_not(probe_idna_to_ascii(name, out, sizeof(out), err,
	    sizeof(err)));
	cr_assert_neq(err[0], '\0');
}

Test(probe_idna, every_dns_lookup_asks_for_the_a_label)
{
	struct probe_dns dns;
	struct probe_dns_answer ans;
	struct zone_dns z;

	zone_dns_init(&z);
	memset(&ans, 0, sizeof(ans));
	cr_assert_eq(zone_dns_add_addr(&z, "xn--bcher-kva.example",
	    "192.0.2.7"), 0);
	zone_dns_bind(&z, &dns);
	cr_assert_eq(probe_dns_lookup(&dns, PROBE_DNS_A,
	    "b\xc3\xbc" "cher.example", &ans), PROBE_DNS_FOUND, "%s",
	    ans.msg);
	cr_assert_eq(probe_dns_lookup(&dns, PROBE_DNS_A,
	    "b\xfc" "cher.example", &ans), PROBE_DNS_FAILED);
	probe_dns_answer_free(&ans);
	zone_dns_free(&z);
}
