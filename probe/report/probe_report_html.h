/*
 * probe_report_html - one self-contained HTML page of the history: the
 * latest verdict of every path and profile as a matrix, the transcript
 * and diagnosis of each cell that does not pass, and each cell's
 * timeline of changes. No script, no external style, font or image: it
 * works offline, from a mail attachment, and under a strict Content
 * Security Policy (it declares one: default-src 'none'; style-src
 * 'unsafe-inline').
 *
 * Everything that came from a server, a config file or the history file
 * is escaped (probe_escape_html): a byte can never change the page.
 * Everything is borrowed. Writes to fp only; a write error shows in
 * ferror(fp), which the caller checks.
 */
#ifndef SMTPPROBE_PROBE_REPORT_HTML_H
#define SMTPPROBE_PROBE_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* One recorded probe, as far as the page shows it; NULL strings: none. */
struct probe_html_event {
	long long	 time;
	const char	*verdict;	/* "pass", "tempfail", "fail", "error" */
	const char	*stage;
	int		 code;		/* 0: no reply */
	const char	*enhanced;
	const char	*cause;
	const char	*match_id;
	const char	*error;
	const char	*probe_id;
	const char	*source;
	const char	*mx;
	const char	*tls_version;
};

/* One path and profile. */
struct probe_html_cell {
	const char			*path;
	const char			*profile;
	struct probe_html_event		 last;		/* the latest probe */
	long long			 since;		/* its state began */
	const char			*report_text;	/* last's text, or NULL */
	const struct probe_html_event	*changes;	/* oldest first */
	size_t				 nchanges;
	size_t				 nchanges_dropped; /* older, not kept */
};

struct probe_html_doc {
	const char			*source;	/* the history file */
	long long			 generated;	/* epoch s */
	long long			 since;		/* window start, 0: all */
	const char *const		*paths;		/* rows, in order */
	size_t				 npaths;
	const char *const		*profiles;	/* columns */
	size_t				 nprofiles;
	const struct probe_html_cell	*cells;
	size_t				 ncells;
};

/* probe_report_html_render - the whole page. */
void	probe_report_html_render(FILE *fp, const struct probe_html_doc *d);

#endif
