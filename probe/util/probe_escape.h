/*
 * probe_escape - render untrusted bytes (server replies, DNS names, file
 * text) safely for each output: a terminal, or JSON.
 *
 * Text: printable ASCII as is; a backslash as "\\"; every other byte as
 * "\xNN", so a server can never move the operator's cursor, change colours
 * or hide text. JSON: a valid JSON string body; control bytes as \u00NN;
 * valid UTF-8 kept; each byte of an invalid sequence replaced by U+FFFD.
 * Nothing here allocates; output goes to a FILE the caller owns.
 */
#ifndef SMTPPROBE_PROBE_ESCAPE_H
#define SMTPPROBE_PROBE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * probe_escape_is_utf8 - s (NUL-terminated) is well-formed UTF-8 (RFC
 * 3629: no overlong form, no surrogate, nothing past U+10FFFF). Pure.
 * The one check for values of ours that may hold non-ASCII: a subject,
 * an address (RFC 6531 wants UTF-8 and nothing else).
 */
bool	probe_escape_is_utf8(const char *s);

/* probe_escape_text - write len bytes of s to fp, escaped for a terminal. */
void	probe_escape_text(FILE *fp, const char *s, size_t len);

/*
 * probe_escape_text_len - how many bytes (terminal columns: the output is
 * printable ASCII) probe_escape_text(fp, s, len) writes, for aligning
 * tables.
 */
size_t	probe_escape_text_len(const char *s, size_t len);

/*
 * probe_escape_words - our own messages: every byte outside printable
 * ASCII as "\xNN", but a backslash left alone, because our messages
 * already quote server bytes in that form (smtp_reply_quote) and doubling
 * it would print "\\x00" for a NUL.
 */
void	probe_escape_words(FILE *fp, const char *s, size_t len);

/*
 * probe_escape_html - len bytes of s as HTML text or an attribute value
 * in double quotes: & < > " ' as entities, printable ASCII as it is,
 * every other byte as "\xNN" as for a terminal (so a report shows what
 * a server sent and no byte can change the page), a newline kept when
 * keep_newlines (inside <pre>).
 */
void	probe_escape_html(FILE *fp, const char *s, size_t len,
	    bool keep_newlines);

/*
 * probe_escape_json - write s as a quoted JSON string. Returns true when
 * invalid UTF-8 had to be replaced.
 */
bool	probe_escape_json(FILE *fp, const char *s, size_t len);

/* probe_escape_json_str - the same for a NUL-terminated string; NULL -> null. */
bool	probe_escape_json_str(FILE *fp, const char *s);

/*
 * The version of the JSON documents' schemas (scripts/schemas/, installed
 * in the data folder's schemas/): every document smtpprobe prints opens
 * with "schema_version". Raised on an incompatible change only.
 */
#define PROBE_JSON_SCHEMA_VERSION	1

/*
 * The members every JSON document of ours writes, in one place: a key
 * ("key":), preceded by a comma when comma is true; a key and an
 * escaped string (NULL: null); a key and a boolean. Keys are our own
 * ASCII names and are written as they are.
 */
void	probe_json_key(FILE *fp, const char *key, bool comma);
void	probe_json_str(FILE *fp, const char *key, const char *value,
	    bool comma);
void	probe_json_bool(FILE *fp, const char *key, bool value, bool comma);

#endif
