/*
 * test_probe_ptr - PTR and forward-confirmed reverse DNS, IPv4 and IPv6,
 * through the in-memory resolver (tests/support/zone_dns.h).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/dns/probe_ptr.h"
#include "tests/support/zone_dns.h"

#define TEST_ERR_MAX	256
#define V6_REVERSE "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." \
	"8.b.d.0.1.0.0.2.ip6.arpa"

struct ptr_zone {
	struct zone_dns		zone;
	struct probe_dns	dns;
	struct probe_ptr_result	out;
	char			err[TEST_ERR_MAX];
};

static struct ptr_zone *
zone_new(void)
{
	struct ptr_zone	*z = calloc(1, sizeof(*z));

	cr_assert_not_null(z);
	zone_dns_bind(&z->zone, &z->dns);
	return z;
}

static void
zone_end(struct ptr_zone *z)
{
	zone_dns_free(&z->zone);
	free(z);
}

static void
check(struct ptr_zone *z, const char *ip, enum probe_ptr_status want)
{
	cr_assert_eq(probe_ptr_check(&z->dns, ip, &z->out, z->err,
	    sizeof(z->err)), PROBE_PTR_OK, "%s", z->err);
	cr_assert_eq(z->out.status, want, "%s: %s (%s)", ip,
	    probe_ptr_status_name(z->out.status), z->out.reason);
}

Test(probe_ptr, confirms_an_ipv4_address_whose_name_points_back)
{
	struct ptr_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_ptr(&z->zone, "5.113.0.203.in-addr.arpa",
	    "mail.example.test"), 0);
	cr_assert_eq(zone_dns_add_addr(&z->zone, "mail.example.test",
	    "198.51.100.1"), 0);
	cr_assert_eq(zone_dns_add_addr(&z->zone, "mail.example.test",
	    "203.0.113.5"), 0);
	check(z, "203.0.113.5", PROBE_PTR_CONFIRMED);
	cr_assert_str_eq(z->out.reverse, "5.113.0.203.in-addr.arpa");
	cr_assert_eq(z->out.nnames, 1);
	cr_assert_str_eq(z->out.names[0].name, "mail.example.test");
	cr_assert_eq(z->out.names[0].naddrs, 2);
	cr_assert(z->out.names[0].is_match);
	zone_end(z);
}

Test(probe_ptr, confirms_an_ipv6_address_through_aaaa)
{
	struct ptr_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_ptr(&z->zone, V6_REVERSE,
	    "mail6.example.test"), 0);
	cr_assert_eq(zone_dns_add_addr(&z->zone, "mail6.example.test",
	    "2001:db8::5"), 0);
	check(z, "2001:DB8::5", PROBE_PTR_CONFIRMED);
	cr_assert_str_eq(z->out.ip, "2001:db8::5");
	zone_end(z);
}

Test(probe_ptr, checks_a_mapped_ipv6_address_as_ipv4)
{
	struct ptr_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_ptr(&z->zone, "5.113.0.203.in-addr.arpa",
	    "mail.example.test"), 0);
	cr_assert_eq(zone_dns_add_addr(&z->zone, "mail.example.test",
	    "203.0.113.5"), 0);
	check(z, "::ffff:203.0.113.5", PROBE_PTR_CONFIRMED);
	cr_assert_str_eq(z->out.ip, "203.0.113.5");
	zone_end(z);
}

Test(probe_ptr, tells_no_ptr_from_a_ptr_that_does_not_point_back)
{
	struct ptr_zone	*z = zone_new();

	check(z, "203.0.113.9", PROBE_PTR_NONE);
	cr_assert_not_null(strstr(z->out.reason, "no PTR"));
	cr_assert_eq(zone_dns_add_ptr(&z->zone, "5.113.0.203.in-addr.arpa",
	    "generic.isp.test"), 0);
	cr_assert_eq(zone_dns_add_addr(&z->zone, "generic.isp.test",
	    "192.0.2.1"), 0);
	check(z, "203.0.113.5", PROBE_PTR_UNCONFIRMED);
	cr_assert_not(z->out.names[0].is_match);
	/* An IPv4 name does not confirm an IPv6 address, nor the reverse. */
	cr_assert_eq(zone_dns_add_ptr(&z->zone, V6_REVERSE,
	    "generic.isp.test"), 0);
	check(z, "2001:db8::5", PROBE_PTR_UNCONFIRMED);
	zone_end(z);
}

Test(probe_ptr, reports_a_timeout_as_temperror_and_never_hangs)
{
	struct ptr_zone	*z = zone_new();

	cr_assert_eq(zone_dns_add_timeout(&z->zone,
	    "5.113.0.203.in-addr.arpa"), 0);
	check(z, "203.0.113.5", PROBE_PTR_TEMPERROR);
	cr_assert_eq(zone_dns_add_ptr(&z->zone, "6.113.0.203.in-addr.arpa",
	    "slow.example.test"), 0);
	cr_assert_eq(zone_dns_add_timeout(&z->zone, "slow.example.test"), 0);
	check(z, "203.0.113.6", PROBE_PTR_TEMPERROR);
	zone_end(z);
}

Test(probe_ptr, looks_up_at_most_its_limit_of_names)
{
	struct ptr_zone	*z = zone_new();
	char		 name[64];
	int		 i;

	for (i = 0; i < PROBE_PTR_NAMES_MAX + 5; i++) {
		(void)snprintf(name, sizeof(name), "n%d.example.test", i);
		cr_assert_eq(zone_dns_add_ptr(&z->zone,
		    "5.113.0.203.in-addr.arpa", name), 0);
	}
	cr_assert_eq(zone_dns_add_addr(&z->zone, "n14.example.test",
	    "203.0.113.5"), 0);
	check(z, "203.0.113.5", PROBE_PTR_UNCONFIRMED);
	cr_assert_eq(z->out.nnames, PROBE_PTR_NAMES_MAX);
	cr_assert_eq(z->out.names_dropped, 5);
	zone_end(z);
}

Test(probe_ptr, refuses_what_is_not_an_address)
{
	struct ptr_zone	*z = zone_new();

	cr_assert_eq(probe_ptr_check(&z->dns, "mail.example.test", &z->out,
	    z->err, sizeof(z->err)), PROBE_PTR_E_USAGE);
	cr_assert_eq(probe_ptr_check(&z->dns, "203.0.113.256", &z->out,
	    z->err, sizeof(z->err)), PROBE_PTR_E_USAGE);
	cr_assert_eq(probe_ptr_check(&z->dns, "", &z->out, z->err,
	    sizeof(z->err)), PROBE_PTR_E_USAGE);
	zone_end(z);
}
