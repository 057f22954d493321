/*
 * probe_ptr - PTR and forward-confirmed reverse DNS. See probe_ptr.h
 * for what it does, its limits and its errors.
 */
#include "probe/dns/probe_ptr.h"
#include "probe/util/probe_fmt.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PTR_IP4_LEN		4
#define PTR_IP6_LEN		16
/* RFC 4291 2.5.5.2: ::ffff:0:0/96 holds an IPv4 address. */
#define PTR_MAPPED_PREFIX	12

static const char *const ptr_status_names[] = {
	[PROBE_PTR_CONFIRMED] = "confirmed",
	[PROBE_PTR_UNCONFIRMED] = "unconfirmed",
	[PROBE_PTR_NONE] = "none",
	[PROBE_PTR_TEMPERROR] = "temperror",
};
_Static_assert(sizeof(ptr_status_names) / sizeof(ptr_status_names[0]) ==
    PROBE_PTR_STATUS_COUNT, "each status needs a name");

const char *
probe_ptr_status_name(enum probe_ptr_status s)
{
	return (unsigned)s < PROBE_PTR_STATUS_COUNT ? ptr_status_names[s] :
	    "?";
}

/* The address in network order; a mapped IPv6 one becomes IPv4. */
static bool
ptr_ip_parse(const char *ip, int *family, unsigned char *addr)
{
	static const unsigned char mapped[PTR_MAPPED_PREFIX] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (inet_pton(AF_INET, ip, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, ip, addr) != 1)
		return false;
	*family = AF_INET6;
	if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
		memmove(addr, addr + PTR_MAPPED_PREFIX, PTR_IP4_LEN);
		*family = AF_INET;
	}
	return true;
}

/* Forward lookup of one PTR name; true when an address equals addr. */
static bool
ptr_confirm(const struct probe_dns *dns, struct probe_dns_answer *ans,
    int family, const unsigned char *addr, struct probe_ptr_name *n)
{
	size_t	i, alen = family == AF_INET ? PTR_IP4_LEN : PTR_IP6_LEN;

	n->forward = probe_dns_lookup(dns, family == AF_INET ?
	    PROBE_DNS_A : PROBE_DNS_AAAA, n->name, ans);
	n->naddrs = n->forward == PROBE_DNS_FOUND ? ans->nrr : 0;
	for (i = 0; i < n->naddrs; i++)
		if (probe_dns_answer_rr(ans, i)->family == family &&
		    memcmp(probe_dns_answer_rr(ans, i)->addr, addr,
		    alen) == 0)
			n->is_match = true;
	return n->is_match;
}

/* Copies the PTR names (bounded) out of ans. */
static void
ptr_take_names(struct probe_ptr_result *out,
    const struct probe_dns_answer *ans)
{
	struct probe_ptr_name	*n;
	const char		*name;
	size_t			 i, len;

	for (i = 0; i < ans->nrr; i++) {
		if (out->nnames == PROBE_PTR_NAMES_MAX) {
			out->names_dropped++;
			continue;
		}
		n = &out->names[out->nnames++];
		name = probe_dns_answer_text(ans, i);
		len = strlen(name);
		n->is_cut = len >= sizeof(n->name);
		if (n->is_cut)
			len = sizeof(n->name) - 1;
		memcpy(n->name, name, len);
		n->name[len] = '\0';
	}
	out->names_dropped += ans->dropped;
}

/* Sets status and reason from the forward lookups. */
static void
ptr_forward(const struct probe_dns *dns, struct probe_dns_answer *ans,
    const unsigned char *addr, struct probe_ptr_result *out)
{
	size_t	i;
	bool	is_temp = false;

	for (i = 0; i < out->nnames; i++) {
		if (!out->names[i].is_cut && ptr_confirm(dns, ans,
		    out->family, addr, &out->names[i])) {
			out->status = PROBE_PTR_CONFIRMED;
			out->confirmed = i;
			probe_fmt(out->reason, sizeof(out->reason), "%s has a "
			    "PTR record and its name resolves back to it",
			    out->ip);
			return;
		}
		is_temp |= out->names[i].forward == PROBE_DNS_SERVFAIL ||
		    out->names[i].forward == PROBE_DNS_TIMEOUT ||
		    out->names[i].forward == PROBE_DNS_UNASKED;
	}
	out->status = is_temp ? PROBE_PTR_TEMPERROR : PROBE_PTR_UNCONFIRMED;
	probe_fmt(out->reason, sizeof(out->reason), "%s: no name of its PTR "
	    "record has an %s record back to it%s", out->ip,
	    out->family == AF_INET ? "A" : "AAAA", is_temp ?
	    " (a forward lookup failed)" : "");
}

enum probe_ptr_rc
probe_ptr_check(const struct probe_dns *dns, const char *ip,
    struct probe_ptr_result *out, char *errmsg, size_t errlen)
{
	struct probe_dns_answer	ans;
	unsigned char		addr[PTR_IP6_LEN];
	enum probe_dns_status	st;

	memset(out, 0, sizeof(*out));
	if (strlen(ip) >= sizeof(out->ip) || !ptr_ip_parse(ip, &out->family,
	    addr) || !probe_dns_reverse_name(out->family, addr, out->reverse,
	    sizeof(out->reverse))) {
		probe_fmt(errmsg, errlen, "not an IPv4 or IPv6 address");
		return PROBE_PTR_E_USAGE;
	}
	/* The text of what was checked: the IPv4 of a mapped address. */
	if (inet_ntop(out->family, addr, out->ip, sizeof(out->ip)) == NULL) {
		probe_fmt(errmsg, errlen, "cannot print the address");
		return PROBE_PTR_E_USAGE;
	}
	probe_dns_answer_init(&ans);
	st = probe_dns_lookup(dns, PROBE_DNS_PTR, out->reverse, &ans);
	if (st == PROBE_DNS_FOUND) {
		ptr_take_names(out, &ans);
		ptr_forward(dns, &ans, addr, out);
	} else if (st == PROBE_DNS_NXDOMAIN || st == PROBE_DNS_NODATA) {
		out->status = PROBE_PTR_NONE;
		probe_fmt(out->reason, sizeof(out->reason), "%s has no PTR "
		    "record (%s)", out->ip, out->reverse);
	} else {
		out->status = PROBE_PTR_TEMPERROR;
		probe_fmt(out->reason, sizeof(out->reason), "%s", ans.msg);
	}
	probe_dns_answer_free(&ans);
	return PROBE_PTR_OK;
}
