/*
 * probe_taglist - tag=value lists of DKIM and DMARC records.
 */
#include <string.h>

#include "probe/util/probe_taglist.h"

bool
probe_taglist_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
probe_taglist_trim(const char **s, size_t *len)
{
	while (*len > 0 && probe_taglist_is_wsp(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && probe_taglist_is_wsp((*s)[*len - 1]))
		(*len)--;
}

bool
probe_taglist_next(const char *text, size_t len, size_t *pos,
    struct probe_taglist_tag *t)
{
	const char *seg, *semi, *eq;
	size_t seglen;

	do {
		if (*pos >= len)
			return false;
		seg = text + *pos;
		semi = memchr(seg, ';', len - *pos);
		seglen = semi ? (size_t)(semi - seg) : len - *pos;
		*pos += seglen + 1;
		probe_taglist_trim(&seg, &seglen);
	} while (seglen == 0);	/* RFC 7489 6.4 allows a final ";" */
	eq = memchr(seg, '=', seglen);
	t->has_eq = eq != NULL;
	t->name = seg;
	t->nlen = eq ? (size_t)(eq - seg) : seglen;
	t->val = eq ? eq + 1 : seg + seglen;
	t->vlen = eq ? seglen - t->nlen - 1 : 0;
	probe_taglist_trim(&t->name, &t->nlen);
	probe_taglist_trim(&t->val, &t->vlen);
	return true;
}
