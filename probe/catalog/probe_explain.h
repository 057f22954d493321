/*
 * probe_explain - find SMTP replies in text people paste or logs hold,
 * and cut each into what the catalog matcher needs: reply code, enhanced
 * code, stage when the text says which command it answered, the remote
 * host when named, and the joined reply text.
 *
 * Forms recognised:
 * - a raw reply: lines "550-5.7.26 ..." ... "550 5.7.26 ..." (CRLF or LF);
 * - Postfix: "... host H[ip] said: 550-5.7.26 ... (in reply to end of DATA
 *   command)", "... refused to talk to me: 421 ...";
 * - Exim: "SMTP error from remote mail server after end of data: 550-...",
 *   "after RCPT TO:<x>:", "after initial connection:";
 * - Sendmail and others: ">>> DATA <<< 550 ...", "reply=550 ...";
 * - qmail-send: "delivery 9: failure: Remote_host_said:_550_5.1.1_.../",
 *   blanks logged as "_" and line breaks as "/" (both given back);
 * - a bounce (RFC 3464 DSN): "Diagnostic-Code: smtp; 550-5.7.26 ...", with
 *   folded continuation lines, and the wrapped text of a bounce body;
 * - anything else holding a code with an enhanced code, "550 5.7.1 ...";
 * - client libraries' strings: Python smtplib "(550, b'5.7.1 ...\n5.7.1
 *   ...')", .NET "The server response was: ...", PHPMailer "SMTP Error:
 *   ...", "Message failed: ...", DSN "smtp;550 ...": a code after ";",
 *   "(", ":", a quote or a blank and before ",", ";", ":", ")", a quote,
 *   a blank or "-" (never after "=", "[" or a letter: log fields);
 *   escaped line breaks ("\n") join like real ones, and the enhanced code
 *   repeated on each line is dropped from the text;
 * - a short input (PROBE_EXPLAIN_BARE_MAX) with no code at all: one bare
 *   reply (is_bare), its enhanced code the first one found anywhere.
 * Lines that start with white space continue the previous line (RFC 5322
 * folding, and how bounces wrap replies). In a paste (an input of at most
 * PROBE_EXPLAIN_BARE_MAX bytes) a reply wrapped at any width goes on over
 * lines that start no new reply, log line or header.
 *
 * A cheap prefilter looks for a 4xx/5xx code (or a line that starts with
 * a code) before any closer look, so scanning a large mail log costs
 * little more than reading it.
 *
 * Limits: a logical line (with its continuations) of PROBE_EXPLAIN_LINE_MAX
 * bytes; longer ones are cut, and the cut is flagged.
 */
#ifndef SMTPPROBE_PROBE_EXPLAIN_H
#define SMTPPROBE_PROBE_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/catalog/probe_catalog.h"
#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"

#define PROBE_EXPLAIN_LINE_MAX	65536
#define PROBE_EXPLAIN_HOST_MAX	256
/*
 * An input holding no reply code at all is read as one reply without a
 * code ("5.7.26 This mail is unauthenticated...", "permanent: Unknown
 * local part") when it is at most this long: a paste, not a log.
 */
#define PROBE_EXPLAIN_BARE_MAX	8192

/*
 * Postfix names a message's sender on the queue manager's line
 * ("1A2B3C: from=<a@example.com>") and the refusal on the delivery
 * agent's ("1A2B3C: to=<...> ... said: 550 ..."): a memo of queue id to
 * sender domain joins them. Direct-mapped and fixed in size: a log of
 * any length costs the same; an id pushed out leaves its sender unknown.
 */
#define PROBE_EXPLAIN_SENDERS		16384
#define PROBE_EXPLAIN_QID_MAX		24
#define PROBE_EXPLAIN_DOMAIN_MAX	128

struct probe_explain_sender {
	char	qid[PROBE_EXPLAIN_QID_MAX];
	char	domain[PROBE_EXPLAIN_DOMAIN_MAX];
};

struct probe_explain_reply {
	int		 code;
	char		 enhanced[SMTP_REPLY_ENHANCED_MAX];
	bool		 has_stage;
	enum smtp_stage	 stage;
	char		 host[PROBE_EXPLAIN_HOST_MAX];	/* "" when not named */
	unsigned long	 line;		/* 1-based, where it starts */
	bool		 is_cut;	/* the logical line was too long */
	bool		 is_bare;	/* no code: the whole input's words */
	char		*text;		/* joined text for the matcher */
	size_t		 len;
	char		*raw;		/* the reply as found, one line */
	size_t		 rawlen;
	const char	*whole;		/* the logical line it was found in */
	size_t		 wholelen;
	size_t		 offset;	/* where in it the reply starts */
	/* The sender's domain by the line's Postfix queue id, or "". */
	char		 sender[PROBE_EXPLAIN_DOMAIN_MAX];
};

/* A reader over a stream: one logical line at a time. */
struct probe_explain_scan {
	FILE		*fp;
	char		*buf;		/* read buffer */
	size_t		 bufcap, pos, end;
	bool		 is_eof;
	char		*line;		/* logical line being assembled */
	size_t		 linelen;
	char		*pending;	/* next physical line, read ahead */
	size_t		 pendlen;
	bool		 has_pending;
	bool		 pending_cut;	/* it lost bytes past the limit */
	unsigned long	 lineno;	/* physical lines read */
	unsigned long	 pending_no;
	char		*text;		/* output buffers for replies */
	char		*raw;
	unsigned long	 lines_seen;	/* logical lines */
	unsigned long	 found;		/* replies returned */
	char		*whole;		/* the input so far, for a bare reply */
	size_t		 wholelen;
	bool		 whole_over;	/* longer than PROBE_EXPLAIN_BARE_MAX */
	bool		 is_paste;	/* all of it fits the first read */
	bool		 bare_done;
	struct probe_explain_sender *senders;	/* queue id -> sender */
};

/* probe_explain_scan_init - read fp (borrowed). Returns 0 or -1 (memory). */
int	probe_explain_scan_init(struct probe_explain_scan *s, FILE *fp);
void	probe_explain_scan_free(struct probe_explain_scan *s);

/*
 * probe_explain_next - the next reply in the stream into *r (its text
 * and raw point into s, valid until the next call). An input of at most
 * PROBE_EXPLAIN_BARE_MAX bytes with no reply code at all gives one bare
 * reply (r->is_bare) at its end. Returns 1 for a reply, 0 at the end,
 * -1 on a read error.
 */
int	probe_explain_next(struct probe_explain_scan *s,
	    struct probe_explain_reply *r);

/*
 * probe_explain_parse - look for one reply in one logical line (no
 * newlines inside; a raw multi-line reply is given joined by spaces).
 * text and raw are caller buffers of PROBE_EXPLAIN_LINE_MAX bytes.
 * Returns true when a reply was found.
 */
bool	probe_explain_parse(const char *line, size_t len,
	    struct probe_explain_reply *r, char *text, char *raw);

/*
 * The diagnosis of one reply: the catalog match (any layer) and the
 * verdict, which comes from the reply's code (probe_verdict_reply), not
 * from the entry; has_verdict false means "unknown": no code and no word
 * of the text says whether it is permanent.
 */
struct probe_explain_diag {
	struct probe_catalog_match	 match;
	bool				 has_verdict;
	enum probe_verdict		 verdict;
	bool				 is_refusal;	/* not a 2xx/3xx */
};

/*
 * A memo of decisions for a log, where the same refusal comes back with
 * other message ids, addresses and IPs. The key is the reply's code,
 * enhanced code, stage and text with every token of 8 or more letters,
 * digits, dots or dashes that holds a digit (ids, IPs, session numbers)
 * made one "#"; a hit skips the search through the catalog and only
 * takes the entry's captures from the new text. Trade-off: two texts
 * that differ only in such tokens get the same entry. Texts longer than
 * PROBE_EXPLAIN_CACHE_KEY_MAX are not kept. Four ways per set: a new key
 * replaces the least recently used of its set, so memory is fixed (8192
 * slots of about 1 KiB: 9 MiB). 4096 slots were too few once the
 * catalogs and the texts of a busy log grew: the benchmark's 1,564
 * refusal texts missed 6,900 times in a million lines, each miss a
 * search through every entry, 20% of the run.
 */
#define PROBE_EXPLAIN_CACHE_SLOTS	8192
#define PROBE_EXPLAIN_CACHE_KEY_MAX	1024

struct probe_explain_cache_slot;

/*
 * The servers a log names, with their catalog files
 * (probe_catalog_host_set): direct-mapped, a log's few MX names stay.
 */
#define PROBE_EXPLAIN_HOSTS	64
#define PROBE_EXPLAIN_HOST_NAME	64

struct probe_explain_host_slot {
	size_t		 len;		/* 0: free */
	char		 name[PROBE_EXPLAIN_HOST_NAME];
	uint64_t	 hosts;
};

struct probe_explain_cache {
	struct probe_explain_cache_slot *slots;
	unsigned long	 hits, misses, uses;
	struct probe_explain_host_slot servers[PROBE_EXPLAIN_HOSTS];
};

/* probe_explain_cache_init - an empty memo. Returns 0 or -1 (memory). */
int	probe_explain_cache_init(struct probe_explain_cache *k);
void	probe_explain_cache_free(struct probe_explain_cache *k);

/*
 * probe_explain_decide - match r against c (provider: the profile's, or
 * NULL) into *d, through the memo k when not NULL. The one path explain,
 * the corpus scorer and lint share.
 */
void	probe_explain_decide(struct probe_catalog *c,
	    const struct probe_explain_reply *r, const char *provider,
	    struct probe_explain_cache *k, struct probe_explain_diag *d);

/*
 * probe_explain_verdict_name - "pass", "tempfail", "fail" or "unknown".
 */
const char *probe_explain_verdict_name(const struct probe_explain_diag *d);

/*
 * probe_explain_parse_bare - one reply without a code: line's words, with
 * the first RFC 3463 code found (4.x.x or 5.x.x) as its enhanced code.
 * Buffers as for probe_explain_parse. Always fills *r (is_bare set).
 */
void	probe_explain_parse_bare(const char *line, size_t len,
	    struct probe_explain_reply *r, char *text, char *raw);

/*
 * probe_explain_stamp_len - the length of a log stamp at the start of s:
 * syslog "Nov 23 17:30:01", ISO 8601 "2026-11-23T17:30:01..." (up to
 * the first blank) or multilog's TAI64N "@4000000063f1a2b30b8c5d9c", or 0.
 */
size_t	probe_explain_stamp_len(const char *s, size_t len);

/* probe_explain_maybe - the prefilter: could this line hold a reply? */
bool	probe_explain_maybe(const char *line, size_t len);

#endif
