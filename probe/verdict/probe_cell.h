/*
 * probe_cell - the outcome of one sending path against one provider
 * profile, condensed as soon as the probe ends: what the matrix, the
 * Nagios line and the Prometheus metrics need, plus the rendered detail
 * (text and JSON) of that probe. A run keeps one cell per path and
 * profile and nothing else, so memory grows with --jobs (probes in
 * flight), not with the number of paths.
 *
 * This header is data only; probe_multi fills cells, the reporters
 * (probe_report_matrix, probe_report_nagios, probe_report_prom) render
 * them.
 */
#ifndef SMTPPROBE_PROBE_CELL_H
#define SMTPPROBE_PROBE_CELL_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/verdict/probe_verdict.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_stage.h"

/* The probe id (probe_message's PROBE_ID_MAX, checked there). */
#define PROBE_CELL_ID_MAX	40

struct probe_cell {
	const char		*path;		/* path name (borrowed) */
	const char		*profile;	/* profile name (borrowed) */
	enum probe_verdict	 verdict;
	bool			 has_stage;	/* stage/code below are set */
	enum smtp_stage		 stage;		/* where it was decided */
	int			 code;		/* 0 when no reply */
	char			 enhanced[SMTP_REPLY_ENHANCED_MAX];
	char			 cause[32];	/* catalog cause, or "" */
	char			 match_id[96];	/* catalog entry id, or "" */
	char			 mx[256];	/* MX host of the deciding try */
	char			 address[46];	/* its address, or "" */
	/* What the history keeps of the probe (probe_history). */
	char			 probe_id[PROBE_CELL_ID_MAX];
	char			 source[64];	/* source address, or "" */
	char			 mail_from[256];
	char			 rcpt[256];	/* the first recipient */
	char			 tls_version[16]; /* "TLSv1.3", or "" */
	int			 tls_verified;	/* -1 no TLS, 0 no, 1 yes */
	bool			 has_cert;	/* the server's cert was read */
	long long		 cert_not_after; /* its notAfter (epoch s) */
	char			 error[512];	/* our words when no reply */
	double			 elapsed_ms;	/* the whole probe */
	bool			 has_stage_ms[SMTP_STAGE_COUNT];
	double			 stage_ms[SMTP_STAGE_COUNT]; /* deciding try */
	/*
	 * Against the last recorded run (probe_history_note), when the
	 * history could be read; has_history false otherwise.
	 */
	bool			 has_history;
	bool			 had_prev;	/* the path was probed before */
	enum probe_verdict	 prev_verdict;
	char			 prev_cause[32];
	long long		 since;		/* present state began (epoch s) */
	long long		 state_s;	/* how long, at this run */
	bool			 changed;	/* state differs from the last */
	bool			 remind;	/* unchanged, not passing, due */
	struct probe_expect	 expect;	/* pre-launch; set false: none */
	char			*detail_text;	/* owned; NULL until done */
	char			*detail_json;	/* owned; one JSON object */
	bool			 is_done;
};

#endif
