/*
 * probe_yaml - read a small YAML document that is one mapping of keys to
 * scalars or to lists of scalars (what a provider profile is), with the
 * line and column of every key for error messages.
 *
 * The file is untrusted: it is read whole up to PROBE_YAML_FILE_MAX bytes,
 * anything deeper than a list of scalars is refused, as are anchors,
 * aliases and tags (they buy nothing here and invite billion-laughs
 * files), duplicate keys, and more than PROBE_YAML_KEYS_MAX keys or
 * PROBE_YAML_ITEMS_MAX list items.
 *
 * Errors: -1 with "FILE:LINE:COL: what" in the caller's buffer.
 */
#ifndef SMTPPROBE_PROBE_YAML_H
#define SMTPPROBE_PROBE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#define PROBE_YAML_FILE_MAX	(256u * 1024)
#define PROBE_YAML_KEYS_MAX	64
#define PROBE_YAML_ITEMS_MAX	64
#define PROBE_YAML_ERR_MAX	512

struct probe_yaml_entry {
	char		*key;		/* owned */
	char		**values;	/* owned; one for a scalar */
	size_t		 nvalues;
	bool		 is_list;
	unsigned long	 line;		/* 1-based, of the key */
	unsigned long	 column;
};

struct probe_yaml_doc {
	char			*path;	/* owned copy, for messages */
	struct probe_yaml_entry	 entries[PROBE_YAML_KEYS_MAX];
	size_t			 nentries;
};

/*
 * probe_yaml_load - read and parse path into *doc (zeroed first). Free
 * with probe_yaml_free() whatever the result.
 * Returns 0, or -1 with err filled (one line, with the location).
 */
int	probe_yaml_load(const char *path, struct probe_yaml_doc *doc,
	    char *err, size_t errlen);

/* probe_yaml_free - free and zero; safe on a zeroed doc. */
void	probe_yaml_free(struct probe_yaml_doc *doc);

/*
 * probe_yaml_nearest - the word in known[] (NULL-terminated) closest to
 * word by edit distance, or NULL when none is close enough to suggest.
 */
const char *probe_yaml_nearest(const char *word, const char *const *known);

#endif
