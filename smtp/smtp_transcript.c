/*
 * smtp_transcript - per-dialogue record of steps.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_transcript.h"

void
smtp_transcript_init(struct smtp_transcript *t)
{
	memset(t, 0, sizeof(*t));
}

struct smtp_step *
smtp_transcript_add(struct smtp_transcript *t, enum smtp_stage stage)
{
	struct smtp_step *s;
	size_t cap;

	if (t->nsteps >= SMTP_TRANSCRIPT_STEPS_MAX)
		return NULL;
	if (t->nsteps == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		if (cap > SMTP_TRANSCRIPT_STEPS_MAX)
			cap = SMTP_TRANSCRIPT_STEPS_MAX;
		s = realloc(t->steps, cap * sizeof(*s));
		if (s == NULL)
			return NULL;
		t->steps = s;
		t->cap = cap;
	}
	s = &t->steps[t->nsteps++];
	memset(s, 0, sizeof(*s));
	s->stage = stage;
	return s;
}

bool
smtp_transcript_account(struct smtp_transcript *t, size_t len)
{
	if (len > SMTP_TRANSCRIPT_BYTES_MAX - t->reply_bytes)
		return false;
	t->reply_bytes += len;
	return true;
}

void
smtp_transcript_free(struct smtp_transcript *t)
{
	size_t i;

	for (i = 0; i < t->nsteps; i++)
		smtp_reply_free(&t->steps[i].reply);
	free(t->steps);
	memset(t, 0, sizeof(*t));
}
