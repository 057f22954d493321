/*
 * probe_dns - the small resolver interface that the SPF evaluator (and
 * later the DMARC and DKIM parsers and the PTR check) look names up
 * through, and its real implementation on c-ares.
 *
 * What it does: struct probe_dns is a table of lookup functions (TXT, A,
 * AAAA, MX, PTR) plus the implementation's context. Callers go through
 * probe_dns_lookup(), which never fails as a call: every outcome, from
 * an answer to "the server never replied", is a status in the answer.
 * probe_dns_open() gives the c-ares implementation: one channel, one
 * overall deadline for every lookup made through it, an optional server
 * "IP", "IP:PORT" or "[IPv6]:PORT". The tests have an in-memory one
 * (tests/support/zone_dns.h). It does not cache, retry on its own or
 * follow CNAME chains beyond what the resolver does.
 *
 * What an answer holds: one entry per record. A TXT entry is the
 * record's character-strings joined with nothing between them (RFC 7208
 * 3.3), so record boundaries are kept and string boundaries are not;
 * nstrings says how many there were. A TXT text may contain NUL bytes:
 * use rr->len, not strlen(). MX and PTR entries are host names as the
 * resolver gives them (c-ares 1.18 writes a byte outside printable ASCII
 * as an RFC 1035 5.1 "\DDD" escape); A and AAAA entries are addresses.
 *
 * Limits: PROBE_DNS_RR_MAX records and PROBE_DNS_TEXT_MAX bytes of text
 * per answer; records past either are not kept but counted in
 * ans->dropped, so a caller can refuse to decide on a cut answer. The
 * c-ares implementation gives each lookup its own wait
 * (opts->lookup_timeout_ms, by default a PROBE_DNS_LOOKUP_SHARE of the
 * whole), so one unanswered query cannot spend the time of the lookups
 * after it, and stops every lookup at the overall deadline
 * (PROBE_DNS_TIMEOUT_DEFAULT_MS unless set). A lookup not sent because
 * that deadline had passed is PROBE_DNS_UNASKED, said in words that do
 * not blame the server, which was never asked. A caller can never hang
 * here.
 *
 * Errors (enum probe_dns_rc): PROBE_DNS_E_USAGE (bad dns_server text),
 * PROBE_DNS_E_INIT (c-ares could not start), PROBE_DNS_E_NOMEM; from
 * probe_dns_open() and the answer builders only. errmsg gets one line in
 * our words.
 */
#ifndef SMTPPROBE_PROBE_DNS_H
#define SMTPPROBE_PROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp_buf.h"

/*
 * A DNS message holds at most 65535 bytes (RFC 1035 4.2.2), so no real
 * answer carries more text than this; the bound guards the in-memory
 * implementation and our own accounting.
 */
#define PROBE_DNS_TEXT_MAX	65536
/*
 * Records kept per answer. A DNS message has room for at most 4095
 * address records (16 bytes each at least), so no real answer is cut:
 * SPF needs every address of an "a" target (RFC 7208 4.6.4 sets no
 * limit on them) and every TXT record of a name (two v=spf1 records are
 * an error). The bound guards the in-memory implementation.
 */
#define PROBE_DNS_RR_MAX	4096
#define PROBE_DNS_MSG_MAX	256
/* RFC 7208 4.6.4 asks for at least 20 s for a whole SPF check. */
#define PROBE_DNS_TIMEOUT_DEFAULT_MS	20000
/*
 * One lookup waits at most this share of the whole time (5 s of the
 * default 20 s, c-ares' own default per try): a query the resolver
 * drops costs that, and the lookups after it are still asked. A check
 * needs a handful of lookups in a row; four unanswered ones end it.
 */
#define PROBE_DNS_LOOKUP_SHARE		4
/* RFC 1035 4.2.2: a DNS message (over TCP) is at most 65535 bytes. */
#define PROBE_DNS_WIRE_MAX	65535
/* 32 nibbles with dots, "ip6.arpa" and a NUL (RFC 3596 2.5). */
#define PROBE_DNS_REVERSE_MAX	73

enum probe_dns_rc {
	PROBE_DNS_OK = 0,
	PROBE_DNS_E_USAGE,
	PROBE_DNS_E_INIT,
	PROBE_DNS_E_NOMEM,
};

enum probe_dns_type {
	PROBE_DNS_TXT,
	PROBE_DNS_A,
	PROBE_DNS_AAAA,
	PROBE_DNS_MX,
	PROBE_DNS_PTR,
	PROBE_DNS_TYPE_COUNT	/* not a type: sizes the tables */
};

enum probe_dns_status {
	PROBE_DNS_FOUND = 0,	/* at least one record of the type */
	PROBE_DNS_NXDOMAIN,	/* RCODE 3: the name does not exist */
	PROBE_DNS_NODATA,	/* the name exists, no record of the type */
	PROBE_DNS_SERVFAIL,	/* SERVFAIL, REFUSED, malformed reply */
	PROBE_DNS_TIMEOUT,	/* no answer before the deadline */
	PROBE_DNS_FAILED,	/* not asked: no memory, unusable name */
	PROBE_DNS_UNASKED,	/* not asked: the time for all had run out */
	PROBE_DNS_STATUS_COUNT	/* not a status: sizes the name table */
};

struct probe_dns_rr {
	int		 family;	/* A/AAAA: AF_INET(6); AF_UNSPEC */
	unsigned char	 addr[16];	/* network order; A: 4 bytes */
	unsigned	 pref;		/* MX preference, else 0 */
	size_t		 off;		/* its text in ans->text */
	size_t		 len;		/* bytes, the NUL excluded */
	size_t		 nstrings;	/* TXT: strings joined */
};

/*
 * One lookup's outcome. Zero it or probe_dns_answer_init() it once;
 * probe_dns_lookup() empties it before each lookup, so one answer can
 * serve many lookups and is freed once with probe_dns_answer_free().
 */
struct probe_dns_answer {
	enum probe_dns_type	 type;
	enum probe_dns_status	 status;
	char			 msg[PROBE_DNS_MSG_MAX]; /* unless found */
	size_t			 nrr;
	size_t			 dropped;	/* past the limits */
	/* For the builders below; read through the accessors. */
	struct smtp_buf		 rrs;		/* probe_dns_rr[] */
	struct smtp_buf		 text;		/* NUL-separated */
	bool			 is_dropping;	/* TXT being built */
};

/*
 * A lookup: fill ans (already empty, ans->type set) with what the name
 * holds and return ans->status. name is borrowed, has no trailing dot
 * and is absolute; for PTR it is the reverse name
 * (probe_dns_reverse_name()). FOUND needs at least one record.
 */
typedef enum probe_dns_status probe_dns_lookup_fn(void *ctx,
		    const char *name, struct probe_dns_answer *ans);

struct probe_dns_ops {
	probe_dns_lookup_fn	*txt;
	probe_dns_lookup_fn	*a;
	probe_dns_lookup_fn	*aaaa;
	probe_dns_lookup_fn	*mx;
	probe_dns_lookup_fn	*ptr;
};

struct probe_dns {
	const struct probe_dns_ops	*ops;
	void				*ctx;	/* implementation's */
};

struct probe_dns_opts {
	/* "IP", "IP:PORT" or "[IPv6]:PORT"; NULL: the system's. */
	const char	*dns_server;
	int		 timeout_ms;	/* all lookups; 0: default */
	/* One lookup; 0: timeout_ms / PROBE_DNS_LOOKUP_SHARE. */
	int		 lookup_timeout_ms;
};

/*
 * probe_dns_parse - the records of a DNS reply (alen wire bytes at abuf,
 * borrowed) added to ans as ans->type says: what the c-ares lookup does
 * with each answer it gets, and what the fuzz target feeds hostile
 * messages. c-ares parses (ares_parse_txt_reply_ext, _a_, _aaaa_, _mx_,
 * _ptr_), then the records go through the answer builders and their
 * limits. Returns 0 (ARES_SUCCESS) or c-ares' status for the reply
 * (ARES_EBADRESP for one it cannot read or longer than
 * PROBE_DNS_WIRE_MAX, ARES_ENODATA, ARES_ENOMEM); records added before
 * a failure stay in ans for the caller to drop.
 */
int	probe_dns_parse(struct probe_dns_answer *ans,
	    const unsigned char *abuf, size_t alen);

/*
 * probe_dns_lookup - look name up as type through dns, into ans (see
 * struct probe_dns_answer). A trailing dot on name is dropped. Borrows
 * dns and name. Returns ans->status; the records stay valid until the
 * next lookup into ans or probe_dns_answer_free().
 */
enum probe_dns_status probe_dns_lookup(const struct probe_dns *dns,
		    enum probe_dns_type type, const char *name,
		    struct probe_dns_answer *ans);

/*
 * probe_dns_open - the c-ares implementation into *dns: one channel, and
 * a deadline of opts->timeout_ms from now for all its lookups. opts may
 * be NULL (system resolver, default timeout). Close with
 * probe_dns_close(). Never calls ares_library_init() (see probe_ares.h).
 * Errors: PROBE_DNS_E_USAGE, PROBE_DNS_E_INIT, PROBE_DNS_E_NOMEM.
 */
enum probe_dns_rc probe_dns_open(struct probe_dns *dns,
		    const struct probe_dns_opts *opts, char *errmsg,
		    size_t errlen);

/* probe_dns_close - end what probe_dns_open() began; zeroes *dns. */
void		probe_dns_close(struct probe_dns *dns);

/* probe_dns_answer_init - an empty answer (the same as zeroing it). */
void		probe_dns_answer_init(struct probe_dns_answer *ans);

/* probe_dns_answer_free - free and zero; safe on a zeroed answer. */
void		probe_dns_answer_free(struct probe_dns_answer *ans);

/* probe_dns_answer_rr - record i (< ans->nrr), borrowed from ans. */
const struct probe_dns_rr *probe_dns_answer_rr(
		    const struct probe_dns_answer *ans, size_t i);

/*
 * probe_dns_answer_text - the text (TXT) or name (MX, PTR) of record i,
 * NUL-terminated, borrowed from ans; "" for an address record.
 */
const char	*probe_dns_answer_text(const struct probe_dns_answer *ans,
		    size_t i);

/*
 * The builders, for implementations. Records past the limits are
 * counted in ans->dropped and return PROBE_DNS_OK: a cut answer is a
 * result, not an error. A TXT record is begun with
 * probe_dns_answer_txt_begin() and takes its character-strings one
 * probe_dns_answer_txt_append() at a time; one that would cross
 * PROBE_DNS_TEXT_MAX is dropped whole.
 * Errors: PROBE_DNS_E_NOMEM (the answer is then left as it was before
 * the call, and the caller should fail the lookup).
 */
enum probe_dns_rc probe_dns_answer_add_addr(struct probe_dns_answer *ans,
		    int family, const void *addr);
enum probe_dns_rc probe_dns_answer_add_name(struct probe_dns_answer *ans,
		    unsigned pref, const char *name);
enum probe_dns_rc probe_dns_answer_txt_begin(struct probe_dns_answer *ans);
enum probe_dns_rc probe_dns_answer_txt_append(struct probe_dns_answer *ans,
		    const void *bytes, size_t len);

/*
 * probe_dns_answer_fail - set a status other than FOUND and its
 * sentence; returns status, so a lookup can end with
 * "return probe_dns_answer_fail(...)".
 */
enum probe_dns_status probe_dns_answer_fail(struct probe_dns_answer *ans,
		    enum probe_dns_status status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * probe_dns_reverse_name - the PTR name of an address (family AF_INET or
 * AF_INET6, addr in network order): "4.3.2.1.in-addr.arpa", or 32
 * lowercase nibbles and "ip6.arpa" (RFC 3596 2.5). buf needs
 * PROBE_DNS_REVERSE_MAX bytes. Returns false for another family or a
 * buffer that is too small.
 */
bool		probe_dns_reverse_name(int family, const void *addr,
		    char *buf, size_t len);

/* probe_dns_status_name - stable lowercase token ("nxdomain"). */
const char	*probe_dns_status_name(enum probe_dns_status status);

/* probe_dns_type_name - the RR type as DNS spells it ("AAAA"). */
const char	*probe_dns_type_name(enum probe_dns_type type);

#endif
