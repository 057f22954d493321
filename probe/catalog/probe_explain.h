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
 * - a bounce (RFC 3464 DSN): "Diagnostic-Code: smtp; 550-5.7.26 ...", with
 *   folded continuation lines, and the wrapped text of a bounce body;
 * - anything else holding a code with an enhanced code, "550 5.7.1 ...".
 * Lines that start with white space continue the previous line (RFC 5322
 * folding, and how bounces wrap replies).
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
#include <stdio.h>

#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"

#define PROBE_EXPLAIN_LINE_MAX	65536
#define PROBE_EXPLAIN_HOST_MAX	256

struct probe_explain_reply {
	int		 code;
	char		 enhanced[SMTP_REPLY_ENHANCED_MAX];
	bool		 has_stage;
	enum smtp_stage	 stage;
	char		 host[PROBE_EXPLAIN_HOST_MAX];	/* "" when not named */
	unsigned long	 line;		/* 1-based, where it starts */
	bool		 is_cut;	/* the logical line was too long */
	char		*text;		/* joined text for the matcher */
	size_t		 len;
	char		*raw;		/* the reply as found, one line */
	size_t		 rawlen;
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
};

/* probe_explain_scan_init - read fp (borrowed). Returns 0 or -1 (memory). */
int	probe_explain_scan_init(struct probe_explain_scan *s, FILE *fp);
void	probe_explain_scan_free(struct probe_explain_scan *s);

/*
 * probe_explain_next - the next reply in the stream into *r (its text
 * and raw point into s, valid until the next call). Returns 1 for a
 * reply, 0 at the end, -1 on a read error.
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

/* probe_explain_maybe - the prefilter: could this line hold a reply? */
bool	probe_explain_maybe(const char *line, size_t len);

#endif
