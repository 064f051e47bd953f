#define _GNU_SOURCE /* memmem */
/* engine.c — prefilter and matching.
 *
 * The prefilter indexes every pattern's required literal by its first two bytes. One pass
 * over a line's body looks each byte pair up in a 64 Ki-bit map; only where a pair starts some
 * literal are the literals compared. Patterns without a literal run on every line of their
 * families (the rule checker lists them). */
#include "engine.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CAPS 16

struct lit {
	const char *s;
	size_t len;
	size_t off;                  /* where in the literal the indexed byte pair sits */
	int pat;
};

struct lit_index {
	uint64_t pairmap[65536 / 64];
	uint32_t *bucket_start;      /* 65537 offsets into lits, by byte pair */
	struct lit *lits;
	int nlits;
};

struct engine {
	struct ruletable *t;
	struct lit_index floating;   /* literals anywhere in the body */
	struct lit_index anchored;   /* literals at the start of the body */
	int *always[FAM_COUNT];      /* patterns without a literal, per family */
	int nalways[FAM_COUNT];
	uint32_t *stamp;             /* per pattern: the event number it was last queued for */
	uint32_t clock;
	int *cand;                   /* candidate patterns of the current event */
	int ncand;
	pcre2_match_data *md;
	struct engine_stats st;
	uint64_t *runs, *hits;       /* per pattern, for LOGLENS_STATS=2 */
};

static unsigned pair_of(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* How common a byte is in log text: lower-case letters and spaces are everywhere. */
static int commonness(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || c == ' ')
		return 3;
	if (c >= 'A' && c <= 'Z')
		return 1;
	return c >= '0' && c <= '9' ? 1 : 0;
}

/* Index a floating literal by its rarest byte pair, so that few lines reach memcmp. */
static size_t rare_pair_offset(const char *s, size_t len)
{
	size_t best = 0;
	int bs = 99;
	for (size_t i = 0; i + 1 < len; i++) {
		int sc = commonness((unsigned char)s[i]) + commonness((unsigned char)s[i + 1]);
		if (sc < bs) {
			bs = sc;
			best = i;
		}
	}
	return best;
}

static int cmp_lit(const void *a, const void *b)
{
	const struct lit *x = a, *y = b;
	unsigned px = pair_of((const unsigned char *)x->s + x->off), py = pair_of((const unsigned char *)y->s + y->off);
	if (px != py)
		return px < py ? -1 : 1;
	return x->pat - y->pat;
}

static void add_lit(struct lit_index *x, const char *lit, size_t len, int pat, bool rare)
{
	x->lits[x->nlits++] = (struct lit){ lit, len, rare ? rare_pair_offset(lit, len) : 0, pat };
}

static void index_lits(struct lit_index *x)
{
	qsort(x->lits, (size_t)x->nlits, sizeof *x->lits, cmp_lit);
	x->bucket_start = xcalloc(65537, sizeof *x->bucket_start);
	for (int i = 0; i < x->nlits; i++) {
		unsigned pr = pair_of((const unsigned char *)x->lits[i].s + x->lits[i].off);
		x->pairmap[pr / 64] |= 1ull << (pr % 64);
		x->bucket_start[pr + 1]++;
	}
	for (int i = 0; i < 65536; i++)
		x->bucket_start[i + 1] += x->bucket_start[i];
}

static void build_prefilter(struct engine *e)
{
	struct ruletable *t = e->t;
	int nlit = 0;
	for (int i = 0; i < t->npats; i++)
		nlit += t->pats[i].nalts + 1;
	e->floating.lits = xcalloc((size_t)nlit + 1, sizeof *e->floating.lits);
	e->anchored.lits = xcalloc((size_t)nlit + 1, sizeof *e->anchored.lits);
	for (int i = 0; i < t->npats; i++) {
		struct pattern *p = &t->pats[i];
		if (p->rule < 0)
			continue;
		if (p->literal && p->litlen >= 2) {
			add_lit(p->anchored ? &e->anchored : &e->floating, p->literal, p->litlen, i, !p->anchored);
			continue;
		}
		if (p->alts) {
			bool all = true;
			for (int k = 0; k < p->nalts; k++)
				all &= strlen(p->alts[k]) >= 2;
			if (all) {
				for (int k = 0; k < p->nalts; k++)
					add_lit(&e->floating, p->alts[k], strlen(p->alts[k]), i, true);
				continue;
			}
		}
		unsigned fm = t->rules[p->rule].famask;
		for (int f = 1; f < FAM_COUNT; f++)
			if (fm & FAMBIT(f)) {
				e->always[f] = xrealloc(e->always[f], (size_t)(e->nalways[f] + 1) * sizeof(int));
				e->always[f][e->nalways[f]++] = i;
			}
	}
	index_lits(&e->floating);
	index_lits(&e->anchored);
}

struct engine *engine_new(struct ruletable *t)
{
	struct engine *e = xcalloc(1, sizeof *e);
	e->t = t;
	build_prefilter(e);
	e->stamp = xcalloc((size_t)t->npats + 1, sizeof *e->stamp);
	e->cand = xcalloc((size_t)t->npats + 1, sizeof *e->cand);
	e->md = pcre2_match_data_create(MAX_CAPS + 1, NULL);
	e->runs = xcalloc((size_t)t->npats + 1, sizeof *e->runs);
	e->hits = xcalloc((size_t)t->npats + 1, sizeof *e->hits);
	return e;
}

/* The patterns the prefilter lets through most often in vain: the ones to give a better literal. */
static void report_wasted(const struct engine *e)
{
	for (int round = 0; round < 15; round++) {
		int best = -1;
		uint64_t bw = 0;
		for (int i = 0; i < e->t->npats; i++) {
			uint64_t w = e->runs[i] - e->hits[i];
			if (w > bw && e->runs[i] != UINT64_MAX) {
				bw = w;
				best = i;
			}
		}
		if (best < 0)
			break;
		const struct pattern *p = &e->t->pats[best];
		fprintf(stderr, "loglens: stats: %10llu runs %8llu matches  %s  literal \"%s\"  /%s/\n",
			(unsigned long long)e->runs[best], (unsigned long long)e->hits[best],
			p->rule >= 0 ? e->t->rules[p->rule].id : "?", p->literal ? p->literal : "-", p->regex);
		e->runs[best] = UINT64_MAX;
	}
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	const char *st = getenv("LOGLENS_STATS");
	if (st && strcmp(st, "2") == 0)
		report_wasted(e);
	free(e->runs);
	free(e->hits);
	free(e->floating.lits);
	free(e->floating.bucket_start);
	free(e->anchored.lits);
	free(e->anchored.bucket_start);
	for (int f = 0; f < FAM_COUNT; f++)
		free(e->always[f]);
	free(e->stamp);
	free(e->cand);
	pcre2_match_data_free(e->md);
	free(e);
}

const struct engine_stats *engine_stats(const struct engine *e)
{
	return &e->st;
}

static void queue(struct engine *e, int pat)
{
	if (e->stamp[pat] == e->clock)
		return;
	e->stamp[pat] = e->clock;
	e->cand[e->ncand++] = pat;
}

/* The pair at s[i] starts some literal's indexed pair: compare those literals in place. */
static void queue_bucket(struct engine *e, const struct lit_index *x, unsigned pr,
			 const unsigned char *s, size_t i, size_t n)
{
	for (uint32_t k = x->bucket_start[pr]; k < x->bucket_start[pr + 1]; k++) {
		const struct lit *l = &x->lits[k];
		if (l->off > i || l->len - l->off > n - i)
			continue;
		const unsigned char *at = s + i - l->off;
		if (at[0] == (unsigned char)l->s[0] && memcmp(at, l->s, l->len) == 0)
			queue(e, l->pat);
	}
}

static void prefilter(struct engine *e, const unsigned char *s, size_t n)
{
	if (n < 2)
		return;
	unsigned pr = pair_of(s);
	if (e->anchored.pairmap[pr / 64] & (1ull << (pr % 64)))
		queue_bucket(e, &e->anchored, pr, s, 0, n);
	const uint64_t *map = e->floating.pairmap;
	for (size_t i = 0; i + 1 < n; i++) {
		pr = pair_of(s + i);
		if (map[pr / 64] & (1ull << (pr % 64)))
			queue_bucket(e, &e->floating, pr, s, i, n);
	}
}

/* Named captures of the last match, as (name, value) pairs pointing into buf. */
static int named_captures(const struct pattern *p, pcre2_match_data *md, const char *subject,
			  struct capture *caps, char *buf, size_t bufsz)
{
	uint32_t count = 0, entry = 0;
	PCRE2_SPTR table;
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count);
	if (count == 0)
		return 0;
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t pairs = pcre2_get_ovector_count(md);
	int n = 0;
	size_t used = 0;
	for (uint32_t i = 0; i < count && n < MAX_CAPS; i++) {
		const unsigned char *ent = table + i * entry;
		unsigned group = (unsigned)(ent[0] << 8 | ent[1]);
		const char *name = (const char *)ent + 2;
		if (group >= pairs || ov[2 * group] == PCRE2_UNSET)
			continue;
		size_t len = ov[2 * group + 1] - ov[2 * group];
		if (len > CAPTURE_MAX)
			len = CAPTURE_MAX;
		if (used + len + 1 > bufsz)
			break;
		memcpy(buf + used, subject + ov[2 * group], len);
		buf[used + len] = '\0';
		/* A name used twice ((?J) or alternatives): keep the one that matched. */
		int k;
		for (k = 0; k < n && strcmp(caps[k].name, name) != 0; k++)
			;
		caps[k].name = (char *)name;
		caps[k].value = buf + used;
		if (k == n)
			n++;
		used += len + 1;
	}
	return n;
}

static void run_pattern(struct engine *e, struct tracker *tr, const struct event *ev, int pi,
			int *last_rule)
{
	struct ruletable *t = e->t;
	struct pattern *p = &t->pats[pi];
	if (p->rule < 0 || p->rule == *last_rule)
		return;
	const struct rule *r = &t->rules[p->rule];
	if (!(r->famask & ev->famask) || !(r->markmask & MARKBIT(ev->mark)))
		return;
	if (p->second && !memmem(ev->body, ev->bodylen, p->second, p->secondlen))
		return; /* a literal the match needs is missing: no regex run */
	if (!p->code && !rules_compile(t, p))
		return;
	e->st.regex_runs++;
	e->runs[pi]++;
	int rc = pcre2_match(p->code, (PCRE2_SPTR)ev->body, ev->bodylen, 0, 0, e->md, t->mctx);
	if (rc < 0)
		return;
	e->st.matches++;
	e->hits[pi]++;
	*last_rule = p->rule; /* one match per rule per line */
	struct capture caps[MAX_CAPS];
	char buf[4 * CAPTURE_MAX];
	int ncaps = named_captures(p, e->md, ev->body, caps, buf, sizeof buf);
	struct session *s = tracker_session(tr, ev, r->session_start);
	session_apply(s, r, p->rule, ev, caps, ncaps);
}

void engine_feed(struct engine *e, struct tracker *tr, const struct event *ev)
{
	e->st.events++;
	if (ev->noise) {
		e->st.noise++;
		return;
	}
	if (++e->clock == 0) {
		memset(e->stamp, 0, (size_t)e->t->npats * sizeof *e->stamp);
		e->clock = 1;
	}
	e->ncand = 0;
	prefilter(e, (const unsigned char *)ev->body, ev->bodylen);
	for (int f = 1; f < FAM_COUNT; f++)
		if (ev->famask & FAMBIT(f))
			for (int i = 0; i < e->nalways[f]; i++)
				queue(e, e->always[f][i]);
	e->st.prefilter_hits += (uint64_t)e->ncand;
	for (int i = 1; i < e->ncand; i++) { /* few candidates: insertion sort */
		int v = e->cand[i], j = i;
		for (; j > 0 && e->cand[j - 1] > v; j--)
			e->cand[j] = e->cand[j - 1];
		e->cand[j] = v;
	}
	/* Session starts first, so that the line's other matches land in the new session. */
	int last_rule = -1;
	for (int i = 0; i < e->ncand; i++)
		if (e->t->rules[e->t->pats[e->cand[i]].rule < 0 ? 0 : e->t->pats[e->cand[i]].rule].session_start)
			run_pattern(e, tr, ev, e->cand[i], &last_rule);
	last_rule = -1;
	for (int i = 0; i < e->ncand; i++) {
		int pi = e->cand[i];
		if (e->t->pats[pi].rule >= 0 && !e->t->rules[e->t->pats[pi].rule].session_start)
			run_pattern(e, tr, ev, pi, &last_rule);
	}
	session_note_line(tracker_session(tr, ev, false), ev);
}
