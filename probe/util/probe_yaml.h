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
#include <yaml.h>

/* Shipped catalogs with their examples are tens of KiB. */
#define PROBE_YAML_FILE_MAX	(1024u * 1024)
/* Tree documents: bounds on events and on nesting. */
#define PROBE_YAML_EVENTS_MAX	200000
#define PROBE_YAML_DEPTH_MAX	16
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

/*
 * A whole document as a libyaml node tree, for files with nested
 * structure (catalogs). The same bounds as above apply, plus
 * PROBE_YAML_EVENTS_MAX events and PROBE_YAML_DEPTH_MAX levels; anchors,
 * aliases and tags are refused before the tree is built, so no node is
 * shared and walking the tree costs what the file costs.
 */
struct probe_yaml_tree {
	yaml_document_t	 doc;
	bool		 is_loaded;
	char		*path;		/* owned copy, for messages */
};

/*
 * probe_yaml_tree_load - read path into *t (zeroed first); free with
 * probe_yaml_tree_free() whatever the result. An empty file gives a tree
 * with no root.
 * Returns 0, or -1 with "FILE:LINE:COL: what" in err.
 */
int	probe_yaml_tree_load(const char *path, struct probe_yaml_tree *t,
	    char *err, size_t errlen);
void	probe_yaml_tree_free(struct probe_yaml_tree *t);

/* probe_yaml_root - the root node, or NULL for an empty document. */
yaml_node_t *probe_yaml_root(struct probe_yaml_tree *t);

/* probe_yaml_node - a node by index (from a pair or an item), or NULL. */
yaml_node_t *probe_yaml_node(struct probe_yaml_tree *t, int index);

/*
 * probe_yaml_fail_at - write "FILE:LINE:COL: what" for node into err.
 * Returns -1.
 */
int	probe_yaml_fail_at(const struct probe_yaml_tree *t,
	    const yaml_node_t *node, char *err, size_t errlen,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * probe_yaml_check_keys - every key of mapping node map must be one of
 * known (NULL-terminated) and appear once; the first that is not gets
 * "unknown key \"x\" (did you mean \"y\"?)". Returns 0 or -1.
 */
int	probe_yaml_check_keys(struct probe_yaml_tree *t, yaml_node_t *map,
	    const char *const *known, char *err, size_t errlen);

/* probe_yaml_get - the value of key in mapping map, or NULL. */
yaml_node_t *probe_yaml_get(struct probe_yaml_tree *t, yaml_node_t *map,
	    const char *key);

/*
 * probe_yaml_text - a scalar's text (NUL-terminated by libyaml), or NULL
 * when node is not a scalar or holds a NUL byte.
 */
const char *probe_yaml_text(const yaml_node_t *node);

#endif
