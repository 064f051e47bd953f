/* report_tally.c — the closing summary's figures: what a log of many sessions amounts to
 * (sshd's log of a day, a support desk's batch), counted as the sessions are reported. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* The session's diagnosis: its first finding that no other explains (the report's rank 1). */
static const struct finding *diagnosis(const struct session *s)
{
	for (int i = 0; i < s->nfindings; i++)
		if (!s->findings[i].folded_by)
			return &s->findings[i];
	return NULL;
}

static struct tally_row *row_of(struct tally *t, const struct finding *f)
{
	for (unsigned i = 0; i < t->nrows; i++)
		if (strcmp(t->row[i].id, f->id) == 0)
			return &t->row[i];
	if (t->nrows == TALLY_IDS)
		return NULL;
	struct tally_row *r = &t->row[t->nrows++];
	*r = (struct tally_row){ .id = f->id, .severity = f->severity };
	return r;
}

void tally_session(struct tally *t, const struct session *s, unsigned pos, unsigned input)
{
	t->sessions++;
	t->outcome[s->outcome]++;
	const struct finding *f = diagnosis(s);
	if (!f) {
		t->no_finding++;
		return;
	}
	struct tally_row *r = row_of(t, f);
	if (!r) {
		t->other_sessions++;
		return;
	}
	if (f->severity > r->severity)
		r->severity = f->severity;
	if (r->nrefs < TALLY_REFS)
		r->ref[r->nrefs++] = (struct tally_ref){ pos, s->index, input };
	r->sessions++;
}

static int by_sessions(const void *a, const void *b)
{
	const struct tally_row *x = a, *y = b;
	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return x->ref[0].pos < y->ref[0].pos ? -1 : x->ref[0].pos > y->ref[0].pos;
}

void tally_sort(struct tally *t)
{
	qsort(t->row, t->nrows, sizeof t->row[0], by_sessions);
}
