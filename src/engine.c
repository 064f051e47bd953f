#define _GNU_SOURCE /* memmem */
/* engine.c — prefilter and matching.
 *
 * Every pattern has a required literal (or a set of alternatives; rules.c derives them). The
 * prefilter indexes each literal of 4+ bytes by two overlapping 3-byte grams — the adjacent
 * pair rarest in the rule table's own example lines, which are real log text — hashed into a
 * bitmap small enough to stay in the L1 cache. One pass over a line's body tests the gram at
 * every second position against the bitmap (a literal's two grams start one byte apart, so
 * one of them is at an even position wherever the literal is); where a bit is set, a second
 * bitmap keyed by the gram and the byte after it must agree, and only then are the literals of
 * that bucket compared. Choosing the rarest grams is what keeps the cost flat when
 * rules are added: a new rule's distinctive word becomes its key, not the phrase it shares with
 * its neighbours. There is one such prefilter per set of families an event can belong to, built
 * when the first such event comes: a line is scanned for the literals of its own families' rules
 * only. A literal of 2-3 bytes at the start of the body (`^literal`) is looked up
 * once per line; one elsewhere is indexed by byte pair and costs a second pass (the default
 * rules have none). Patterns without any literal run on every line of their families (the rule
 * checker lists them). */
#include "engine.h"
#include "redact.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define GRAM_BITS 17                 /* 16 KiB bitmap: a few thousand literals stay sparse */
#define GRAM_SLOTS (1u << GRAM_BITS)

struct lit {
	const char *s;
	uint32_t len;
	uint32_t off;                /* where in the literal the indexed gram or pair sits */
	uint32_t gram;               /* the indexed 3 bytes (gram index only) */
	uint32_t key;                /* its bucket key */
	bool at_start;               /* the literal must begin the body */
	int pat;
};

/* Literals bucketed by a key (a gram's hash or a byte pair). A bitmap says which keys are used;
 * a key's bucket is found by counting the used keys before it (a running count per bitmap word
 * plus a popcount), so that the buckets take room for the used keys only: building the index
 * touches a few KiB, which matters to start-up. */
struct lit_index {
	uint64_t *map;
	uint64_t *map4;              /* grams only: the 4 bytes from the gram on, hashed; a second
	                              * look before a bucket is walked (the 3-byte keys of thousands
	                              * of rules cover much of ordinary text's trigrams) */
	uint32_t *rank;              /* per map word: used keys in the words before it */
	uint32_t *bucket_start;      /* used keys + 1 offsets into lits, in key order */
	unsigned nkeys;
	struct lit *lits;
	int nlits;
};

/* A literal a candidate still needs before its regex runs (memmem). */
struct need {
	const char *s;
	size_t len;
	bool at_start;               /* it begins the body ("^literal…") */
};

/* The literals of the patterns whose rules apply to one set of families (an event's famask):
 * an sshd line is never scanned for the hundreds of WinSCP literals. */
struct filter {
	bool built;
	struct lit_index grams;      /* floating literals of 4+ bytes */
	struct lit_index pairs;      /* floating literals of 2–3 bytes */
	struct lit_index anchored;   /* literals at the start of the body, by their first pair */
};

struct rarity {
	unsigned char *seen;         /* per gram key, occurrences in the examples (saturating) */
};

struct engine {
	struct ruletable *t;
	struct filter filter[1u << FAM_COUNT]; /* by famask, built when an event first needs it */
	struct rarity ra;            /* kept for those builds */
	int *always[FAM_COUNT];      /* patterns without a literal, per family */
	int nalways[FAM_COUNT];
	struct need *need;           /* per pattern */
	uint32_t *stamp;             /* per pattern: the event number it was last queued for */
	uint32_t clock;
	int *cand;                   /* candidate patterns of the current event */
	int ncand;
	pcre2_match_data *md;
	struct engine_stats st;
	uint64_t *runs, *hits;       /* per pattern, for LOGLENS_STATS=2 */
	signed char *os_gate;        /* per rule: see server_os_gates */
};

/* The 3 bytes at p as a number. */
static uint32_t gram_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* The 4 bytes at p, in gram_at's byte order: one load where the host allows. */
static uint32_t quad_at(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
#else
	return gram_at(p) | (uint32_t)p[3] << 24;
#endif
}

static unsigned gram_key(uint32_t g)
{
	return (g * 2654435761u) >> (32 - GRAM_BITS);
}

/* A gram and the byte after it (quad_at's number) as a bitmap key. */
static unsigned quad_key(uint32_t q)
{
	return ((q ^ (q >> 15)) * 0x9E3779B1u) >> (32 - GRAM_BITS);
}

static unsigned pair_of(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* How common a byte is in log text: lower-case letters and spaces are everywhere. */
static const unsigned char commonness[256] = {
	[' '] = 3,
	['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3, ['h'] = 3,
	['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3, ['o'] = 3, ['p'] = 3,
	['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3, ['u'] = 3, ['v'] = 3, ['w'] = 3, ['x'] = 3,
	['y'] = 3, ['z'] = 3,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
};

/* ---- gram rarity, learnt from the table's example lines ---- */

/* Count the line's grams (saturating: only small counts matter). */
static void count_line(struct rarity *ra, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i + 3 <= n; i++) {
		unsigned k = gram_key(gram_at(p + i));
		if (ra->seen[k] < UCHAR_MAX)
			ra->seen[k]++;
	}
}

static void learn_rarity(struct rarity *ra, const struct ruletable *t)
{
	ra->seen = xcalloc(GRAM_SLOTS, 1);
	for (int r = 0; r < t->nrules; r++) {
		for (int i = 0; i < t->rules[r].nex_match; i++)
			count_line(ra, t->rules[r].ex_match[i]);
		for (int i = 0; i < t->rules[r].nex_nomatch; i++)
			count_line(ra, t->rules[r].ex_nomatch[i]);
	}
}

/* The offset of the literal's rarest pair of adjacent grams, i.e. of its rarest 4 bytes (lower
 * cost: fewer example occurrences, then rarer byte classes). len >= 4. */
static size_t rarest_gram(const struct rarity *ra, const char *s, size_t len, unsigned *cost)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t best = 0;
	unsigned bc = ~0u;
	unsigned cls = commonness[p[0]] + commonness[p[1]] + commonness[p[2]];
	for (size_t i = 0; i + 4 <= len; i++) {
		cls += commonness[p[i + 3]];
		unsigned seen = (unsigned)ra->seen[gram_key(gram_at(p + i))] + ra->seen[gram_key(gram_at(p + i + 1))];
		unsigned c = seen * 16 + cls;
		if (c < bc) {
			bc = c;
			best = i;
		}
		cls -= commonness[p[i]];
	}
	*cost = bc;
	return best;
}

/* Index a short floating literal by its rarest byte pair. */
static size_t rare_pair_offset(const char *s, size_t len)
{
	size_t best = 0;
	int bs = 99;
	for (size_t i = 0; i + 1 < len; i++) {
		int sc = commonness[(unsigned char)s[i]] + commonness[(unsigned char)s[i + 1]];
		if (sc < bs) {
			bs = sc;
			best = i;
		}
	}
	return best;
}

/* ---- the indexes ---- */

static void index_init(struct lit_index *x, unsigned nkeys, int cap)
{
	x->nkeys = nkeys;
	x->map = xcalloc(nkeys / 64, sizeof *x->map);
	x->map4 = nkeys == GRAM_SLOTS ? xcalloc(nkeys / 64, sizeof *x->map4) : NULL;
	x->rank = xcalloc(nkeys / 64, sizeof *x->rank);
	x->lits = xcalloc((size_t)cap + 1, sizeof *x->lits);
}

static void set_quad(struct lit_index *x, uint32_t q)
{
	unsigned k = quad_key(q);
	x->map4[k / 64] |= 1ull << (k % 64);
}

static void index_add(struct lit_index *x, const char *s, size_t len, size_t off, bool at_start, int pat)
{
	struct lit *l = &x->lits[x->nlits++];
	const unsigned char *p = (const unsigned char *)s + off;
	*l = (struct lit){ s, (uint32_t)len, (uint32_t)off, 0, 0, at_start, pat };
	if (x->nkeys == GRAM_SLOTS) {
		l->gram = gram_at(p);
		l->key = gram_key(l->gram);
		if (off + 3 < len)
			set_quad(x, l->gram | (uint32_t)p[3] << 24);
		else /* the gram ends the literal: any byte may follow it in a line */
			for (uint32_t c = 0; c < 256; c++)
				set_quad(x, l->gram | c << 24);
	} else {
		l->key = pair_of(p);
	}
	x->map[l->key / 64] |= 1ull << (l->key % 64);
}

static bool index_has(const struct lit_index *x, unsigned k)
{
	return x->map[k / 64] >> (k % 64) & 1;
}

/* Bits set in x, inline: without -mpopcnt the builtin is a call into libgcc. */
static unsigned popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* The bucket of a used key: how many used keys come before it. */
static unsigned bucket_of(const struct lit_index *x, unsigned k)
{
	uint64_t below = x->map[k / 64] & ((1ull << (k % 64)) - 1);
	return x->rank[k / 64] + (unsigned)popcount64(below);
}

/* Counting sort of the literals by bucket (stable: same-bucket literals keep pattern order). */
static void index_build(struct lit_index *x)
{
	unsigned used = 0;
	for (unsigned w = 0; w < x->nkeys / 64; w++) {
		x->rank[w] = used;
		used += (unsigned)popcount64(x->map[w]);
	}
	x->bucket_start = xcalloc((size_t)used + 1, sizeof *x->bucket_start);
	for (int i = 0; i < x->nlits; i++)
		x->bucket_start[bucket_of(x, x->lits[i].key) + 1]++;
	for (unsigned b = 0; b < used; b++)
		x->bucket_start[b + 1] += x->bucket_start[b];
	struct lit *sorted = xcalloc((size_t)x->nlits + 1, sizeof *sorted);
	uint32_t *fill = xcalloc((size_t)used + 1, sizeof *fill);
	for (int i = 0; i < x->nlits; i++) {
		unsigned b = bucket_of(x, x->lits[i].key);
		sorted[x->bucket_start[b] + fill[b]++] = x->lits[i];
	}
	free(fill);
	free(x->lits);
	x->lits = sorted;
}

static void index_free(struct lit_index *x)
{
	free(x->map);
	free(x->map4);
	free(x->rank);
	free(x->bucket_start);
	free(x->lits);
}

/* ---- building the prefilter ---- */

/* A literal of 4+ bytes goes to the gram index, twice (under its rarest two adjacent grams), even
 * when it must begin the body: then it is checked at the start. Shorter ones are keyed by a byte
 * pair. */
static void add_literal(struct filter *fl, const struct rarity *ra, const char *s, size_t len,
			bool at_start, int pat)
{
	unsigned cost;
	if (len >= 4) {
		size_t off = rarest_gram(ra, s, len, &cost);
		index_add(&fl->grams, s, len, off, at_start, pat);
		index_add(&fl->grams, s, len, off + 1, at_start, pat);
	} else if (at_start) {
		index_add(&fl->anchored, s, len, 0, true, pat);
	} else {
		index_add(&fl->pairs, s, len, rare_pair_offset(s, len), false, pat);
	}
}

/* Index the rarer of a pattern's two required literals; the other is checked before the regex
 * (a common line start such as "Status code: " would otherwise let many lines through). */
static void add_required(struct engine *e, struct filter *fl, const struct pattern *p, int pi)
{
	const struct rarity *ra = &e->ra;
	unsigned c1 = ~0u, c2 = ~0u;
	if (p->second && p->secondlen >= 4 && p->litlen >= 4) {
		rarest_gram(ra, p->literal, p->litlen, &c1);
		rarest_gram(ra, p->second, p->secondlen, &c2);
	} else if (p->second && p->secondlen >= 4 && !p->anchored) {
		c2 = 0; /* a short literal would go to the byte-pair index, scanned at every byte */
	}
	if (c2 < c1) {
		e->need[pi] = (struct need){ p->literal, p->litlen, p->anchored };
		add_literal(fl, ra, p->second, p->secondlen, false, pi);
		return;
	}
	if (p->second)
		e->need[pi] = (struct need){ p->second, p->secondlen, false };
	add_literal(fl, ra, p->literal, p->litlen, p->anchored, pi);
}

static void add_always(struct engine *e, unsigned famask, int pi)
{
	for (int f = 1; f < FAM_COUNT; f++)
		if (famask & FAMBIT(f)) {
			e->always[f] = xrealloc(e->always[f], (size_t)(e->nalways[f] + 1) * sizeof(int));
			e->always[f][e->nalways[f]++] = pi;
		}
}

static bool alts_indexable(const struct pattern *p)
{
	if (!p->alts)
		return false;
	for (int k = 0; k < p->nalts; k++)
		if (strlen(p->alts[k]) < 2)
			return false;
	return true;
}

/* Can the prefilter find the pattern: a literal of 2+ bytes, or a set of them? */
static bool indexable(const struct pattern *p)
{
	return (p->literal && p->litlen >= 2) || alts_indexable(p);
}

/* Literals and byte pairs of the patterns whose rules apply to any family in famask. */
static void build_filter(struct engine *e, unsigned famask)
{
	struct ruletable *t = e->t;
	struct filter *fl = &e->filter[famask];
	int nlit = 0;
	for (int i = 0; i < t->npats; i++)
		nlit += 2 * (t->pats[i].nalts + 1); /* a gram-indexed literal goes in twice */
	index_init(&fl->grams, GRAM_SLOTS, nlit);
	index_init(&fl->pairs, 65536, nlit);
	index_init(&fl->anchored, 65536, nlit);
	for (int i = 0; i < t->npats; i++) {
		const struct pattern *p = &t->pats[i];
		if (p->rule < 0 || !(t->rules[p->rule].famask & famask) || !indexable(p))
			continue;
		if (p->literal && p->litlen >= 2)
			add_required(e, fl, p, i);
		else /* its literal set */
			for (int k = 0; k < p->nalts; k++)
				add_literal(fl, &e->ra, p->alts[k], strlen(p->alts[k]), false, i);
	}
	index_build(&fl->grams);
	index_build(&fl->pairs);
	index_build(&fl->anchored);
	fl->built = true;
}

static struct filter *filter_for(struct engine *e, unsigned famask)
{
	if (!e->filter[famask].built)
		build_filter(e, famask);
	return &e->filter[famask];
}

/* The patterns without a literal; the per-family filters come when events need them. */
static void find_always(struct engine *e)
{
	struct ruletable *t = e->t;
	for (int i = 0; i < t->npats; i++) {
		const struct pattern *p = &t->pats[i];
		if (p->rule >= 0 && !indexable(p))
			add_always(e, t->rules[p->rule].famask, i);
	}
}

/* A rule's "when" on server_os is decided by the line itself: the reader sets that fact from
 * the log's form (a line of Win32-OpenSSH's log file) and no rule may set it, so a line not of
 * that form can never make the rule hold: its patterns are not run there, and leave no hit to
 * keep in every Linux session (the Windows variants repeat the Linux ones' patterns). Per rule:
 * 0 no such condition, 1 only on such lines, -1 never ("windows" fails the regex). */
static signed char *server_os_gates(const struct ruletable *t)
{
	signed char *g = xcalloc((size_t)t->nrules + 1, 1);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	for (int i = 0; i < t->nrules; i++)
		for (int k = 0; k < t->rules[i].nwhen; k++) {
			const struct fact_cond *fc = &t->rules[i].when[k];
			if (fc->fact == F_SERVER_OS)
				g[i] = fc->code && pcre2_match(fc->code, (PCRE2_SPTR) "windows", 7, 0, 0, md, NULL) >= 0 ? 1 : -1;
		}
	pcre2_match_data_free(md);
	return g;
}

struct engine *engine_new(struct ruletable *t)
{
	struct engine *e = xcalloc(1, sizeof *e);
	e->t = t;
	e->need = xcalloc((size_t)t->npats + 1, sizeof *e->need);
	learn_rarity(&e->ra, t);
	find_always(e);
	e->stamp = xcalloc((size_t)t->npats + 1, sizeof *e->stamp);
	e->cand = xcalloc((size_t)t->npats + 1, sizeof *e->cand);
	e->md = pcre2_match_data_create(PATTERN_MAX_GROUPS + 1, NULL);
	e->runs = xcalloc((size_t)t->npats + 1, sizeof *e->runs);
	e->hits = xcalloc((size_t)t->npats + 1, sizeof *e->hits);
	e->os_gate = server_os_gates(t);
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
	free(e->os_gate);
	for (unsigned m = 0; m < 1u << FAM_COUNT; m++)
		if (e->filter[m].built) {
			index_free(&e->filter[m].grams);
			index_free(&e->filter[m].pairs);
			index_free(&e->filter[m].anchored);
		}
	free(e->ra.seen);
	free(e->need);
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

/* The key at s[i] is some literals' key: compare those literals in place. */
static void queue_bucket(struct engine *e, const struct lit_index *x, unsigned k,
			 const unsigned char *s, size_t i, size_t n)
{
	unsigned bk = bucket_of(x, k);
	for (uint32_t b = x->bucket_start[bk]; b < x->bucket_start[bk + 1]; b++) {
		const struct lit *l = &x->lits[b];
		if (l->off > i || l->len - l->off > n - i)
			continue;
		const unsigned char *at = s + i - l->off;
		if (at[0] == (unsigned char)l->s[0] && memcmp(at, l->s, l->len) == 0)
			queue(e, l->pat);
	}
}

static void queue_grams(struct engine *e, const struct lit_index *x, unsigned k, const unsigned char *s,
			size_t i, size_t n)
{
	uint32_t g = gram_at(s + i);
	unsigned bk = bucket_of(x, k);
	for (uint32_t b = x->bucket_start[bk]; b < x->bucket_start[bk + 1]; b++) {
		const struct lit *l = &x->lits[b];
		if (l->gram != g || l->off > i || l->len - l->off > n - i || (l->at_start && l->off != i))
			continue;
		if (memcmp(s + i - l->off, l->s, l->len) == 0)
			queue(e, l->pat);
	}
}

static void prefilter(struct engine *e, const struct filter *fl, const unsigned char *s, size_t n)
{
	if (n < 2)
		return;
	unsigned pr = pair_of(s);
	if (index_has(&fl->anchored, pr))
		queue_bucket(e, &fl->anchored, pr, s, 0, n);
	if (fl->pairs.nlits)
		for (size_t i = 0; i + 1 < n; i++) {
			pr = pair_of(s + i);
			if (index_has(&fl->pairs, pr))
				queue_bucket(e, &fl->pairs, pr, s, i, n);
		}
	const struct lit_index *x = &fl->grams;
	const uint64_t *map = x->map, *map4 = x->map4;
	size_t i = 0;
	for (; i + 4 <= n; i += 2) {
		uint32_t q = quad_at(s + i);
		unsigned k = gram_key(q & 0xFFFFFF);
		if (!(map[k / 64] >> (k % 64) & 1))
			continue;
		unsigned k4 = quad_key(q);
		if (map4[k4 / 64] >> (k4 % 64) & 1)
			queue_grams(e, x, k, s, i, n);
	}
	if (i + 3 == n) { /* a last gram with no byte after it */
		unsigned k = gram_key(gram_at(s + i));
		if (map[k / 64] >> (k % 64) & 1)
			queue_grams(e, x, k, s, i, n);
	}
}

/* A new event: start a fresh candidate list and queue what the prefilter of the event's
 * families finds in the body, and the patterns without a literal. */
static void candidates(struct engine *e, unsigned famask, const char *body, size_t n)
{
	if (++e->clock == 0) {
		memset(e->stamp, 0, (size_t)e->t->npats * sizeof *e->stamp);
		e->clock = 1;
	}
	e->ncand = 0;
	if (!famask)
		return; /* no rule applies */
	prefilter(e, filter_for(e, famask), (const unsigned char *)body, n);
	for (int f = 1; f < FAM_COUNT; f++)
		if (famask & FAMBIT(f))
			for (int i = 0; i < e->nalways[f]; i++)
				queue(e, e->always[f][i]);
}

/* Does the body hold the pattern's other required literal (where it must be), if it has one? */
static bool has_need(const struct need *nd, const char *body, size_t n)
{
	if (!nd->s)
		return true;
	if (nd->at_start)
		return nd->len <= n && memcmp(body, nd->s, nd->len) == 0;
	return memmem(body, n, nd->s, nd->len) != NULL;
}

/* Named captures of the last match, as (name, value) pairs pointing into buf. vis: the line is
 * OpenSSH's, whose octal escapes of non-ASCII bytes (unvis_utf8) are decoded in the values, so
 * that a path or user name in a command is the real one. */
static int named_captures(const struct pattern *p, pcre2_match_data *md, const char *subject,
			  struct capture *caps, char *buf, size_t bufsz, bool vis)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t pairs = pcre2_get_ovector_count(md);
	int n = 0;
	size_t used = 0;
	for (uint32_t i = 0; i < p->namecount && n < PATTERN_MAX_NAMED; i++) {
		const unsigned char *ent = p->nametable + i * p->nameentry;
		unsigned group = (unsigned)(ent[0] << 8 | ent[1]);
		const char *name = (const char *)ent + 2;
		if (group >= pairs || ov[2 * group] == PCRE2_UNSET)
			continue;
		size_t len = ov[2 * group + 1] - ov[2 * group];
		len = utf8_cut((const char *)subject + ov[2 * group], len, CAPTURE_MAX);
		if (used + len + 1 > bufsz)
			break;
		/* Hide the bound just set: with it, GCC inlines this memcpy as rep movs, slow to start
		 * for the few bytes a capture has (it ran on every match). */
		__asm__("" : "+r"(len));
		memcpy(buf + used, subject + ov[2 * group], len);
		size_t raw = len; /* as the log has it: what masking must find in its lines */
		if (vis)
			len = unvis_utf8(buf + used, len);
		buf[used + len] = '\0';
		/* A name used twice ((?J) or alternatives): keep the one that matched. The table is
		 * sorted by name, so its other group is the capture just taken, if any. */
		int k = n > 0 && strcmp(caps[n - 1].name, name) == 0 ? n - 1 : n;
		caps[k].name = (char *)name;
		caps[k].value = buf + used;
		/* a password typed as the user name is never repeated (facts, texts, JSON) */
		if (name[0] == 'u' && strcmp(name, "user") == 0 && looks_like_password(buf + used, len) &&
		    used + 9 <= bufsz) {
			redact_secret_add(buf + used, len);
			if (raw != len)
				redact_secret_add(subject + ov[2 * group], raw);
			memcpy(buf + used, "********", 9);
			len = 8;
		}
		/* a password in one of its forms ("-pw X" in an echoed command line): learned, so that
		 * the places that repeat it are masked too (ssh takes it as the host after a -p) */
		else if (name[0] == 's' && name[1] == 'e' && name[2] == 'c' && strcmp(name, "secret") == 0 &&
			 used + 9 <= bufsz) {
			if (raw >= SECRET_MIN)
				redact_secret_add(subject + ov[2 * group], raw);
			memcpy(buf + used, "********", 9);
			len = 8;
		}
		if (k == n)
			n++;
		used += len + 1;
	}
	return n;
}

/* Does pattern pi (of a rule other than last_rule) match the line? Its groups are in e->md. */
static bool pattern_matches(struct engine *e, const struct event *ev, int pi, int last_rule)
{
	struct ruletable *t = e->t;
	struct pattern *p = &t->pats[pi];
	if (p->rule < 0 || p->rule == last_rule)
		return false;
	const struct rule *r = &t->rules[p->rule];
	if (!(r->famask & ev->famask) || !(r->markmask & MARKBIT(ev->mark)))
		return false;
	if (!has_need(&e->need[pi], ev->body, ev->bodylen))
		return false; /* a literal the match needs is missing: no regex run */
	if (!p->jitted && !rules_compile(t, p))
		return false;
	e->st.regex_runs++;
	e->runs[pi]++;
	PCRE2_SPTR subject = (PCRE2_SPTR)(ev->body ? ev->body : ""); /* the JIT entry checks nothing */
	int rc = p->jit ? pcre2_jit_match(p->code, subject, ev->bodylen, 0, 0, e->md, t->mctx)
			: pcre2_match(p->code, subject, ev->bodylen, 0, 0, e->md, t->mctx);
	return rc >= 0;
}

static void run_pattern(struct engine *e, struct tracker *tr, const struct event *ev, int pi,
			int *last_rule)
{
	struct ruletable *t = e->t;
	struct pattern *p = &t->pats[pi];
	if (p->rule >= 0 && e->os_gate[p->rule] && !(e->os_gate[p->rule] > 0 && ev->win32))
		return;
	if (!pattern_matches(e, ev, pi, *last_rule))
		return;
	const struct rule *r = &t->rules[p->rule];
	PCRE2_SPTR subject = (PCRE2_SPTR)(ev->body ? ev->body : "");
	e->st.matches++;
	e->hits[pi]++;
	*last_rule = p->rule; /* one match per rule per line */
	struct capture caps[PATTERN_MAX_NAMED];
	char buf[PATTERN_MAX_NAMED * (CAPTURE_MAX + 1)]; /* room for every named capture at its longest */
	int ncaps = named_captures(p, e->md, (const char *)subject, caps, buf, sizeof buf,
				   ev->fam == FAM_OPENSSH || ev->fam == FAM_SSHD);
	struct session *s;
	if (r->session_child) {
		const char *user = NULL, *address = NULL, *port = NULL;
		for (int i = 0; i < ncaps; i++)
			if (strcmp(caps[i].name, "user") == 0)
				user = caps[i].value;
			else if (strcmp(caps[i].name, "source_address") == 0)
				address = caps[i].value;
			else if (strcmp(caps[i].name, "source_port") == 0)
				port = caps[i].value;
		s = tracker_child_session(tr, ev, user, address, port);
	} else if (r->session_service) {
		/* a signal only adds to the server's story; a finding begins it */
		s = tracker_service_session(tr, ev, !r->signal, p->rule);
		if (!s)
			return;
	} else {
		/* a proxy hop's own start line (PuTTY's "proxy: Looking up host") is within the attempt */
		s = tracker_session(tr, ev, r->session_start && !ev->hop && !ev->echoed);
	}
	session_apply(s, r, p->rule, ev, caps, ncaps);
}

/* 1 if pattern pi's rule decides the line's session ("session": "start", "child" or "service"), 0 if not,
 * -1 for a pattern of no rule. */
static int picks_session(const struct ruletable *t, int pi)
{
	int r = t->pats[pi].rule;
	return r < 0 ? -1 : t->rules[r].session_start || t->rules[r].session_child || t->rules[r].session_service;
}

void engine_feed(struct engine *e, struct tracker *tr, const struct event *ev)
{
	e->st.events++;
	if (ev->noise) {
		e->st.noise++;
		return;
	}
	candidates(e, ev->famask, ev->body, ev->bodylen);
	e->st.prefilter_hits += (uint64_t)e->ncand;
	for (int i = 1; i < e->ncand; i++) { /* few candidates: insertion sort */
		int v = e->cand[i], j = i;
		for (; j > 0 && e->cand[j - 1] > v; j--)
			e->cand[j] = e->cand[j - 1];
		e->cand[j] = v;
	}
	/* Session starts (and a child joining its login) first, so that the line's other matches
	 * land in that session. */
	for (int pass = 1; pass >= 0; pass--) {
		int last_rule = -1;
		for (int i = 0; i < e->ncand; i++)
			if (picks_session(e->t, e->cand[i]) == pass)
				run_pattern(e, tr, ev, e->cand[i], &last_rule);
	}
	session_note_line(tracker_session(tr, ev, false), ev);
}

/* Does a pattern of a rule with the property match the line? */
static bool rule_kind_matches(struct engine *e, const struct event *ev, bool (*kind)(const struct rule *))
{
	if (ev->noise)
		return false;
	candidates(e, ev->famask, ev->body, ev->bodylen);
	for (int i = 0; i < e->ncand; i++) {
		int r = e->t->pats[e->cand[i]].rule;
		if (r >= 0 && kind(&e->t->rules[r]) && pattern_matches(e, ev, e->cand[i], -1))
			return true;
	}
	return false;
}

static bool begins_session(const struct rule *r) { return r->session_start; }
static bool comes_before_session(const struct rule *r) { return r->session_prelude; }
static bool speaks_for_login(const struct rule *r) { return r->session_child; }

bool engine_starts_session(struct engine *e, const struct event *ev)
{
	return rule_kind_matches(e, ev, begins_session);
}

bool engine_is_prelude(struct engine *e, const struct event *ev)
{
	return rule_kind_matches(e, ev, comes_before_session);
}

bool engine_is_child(struct engine *e, const struct event *ev)
{
	return rule_kind_matches(e, ev, speaks_for_login);
}

/* Would the prefilter let pattern pi reach its regex on this body, in a log of any of its
 * rule's families? */
static bool reaches_regex(struct engine *e, const char *body, size_t n, int pi)
{
	unsigned famask = e->t->rules[e->t->pats[pi].rule].famask;
	for (int f = 1; f < FAM_COUNT; f++) {
		if (!(famask & FAMBIT(f)))
			continue;
		candidates(e, FAMBIT(f), body, n);
		if (e->stamp[pi] != e->clock || !has_need(&e->need[pi], body, n))
			return false;
	}
	return true;
}

/* Every floating literal must be found whatever its alignment in the line (the scan looks at
 * every second position): put each one after 0-3 filler bytes and see that its pattern is
 * queued. */
static int check_alignment(struct engine *e, unsigned famask, const struct lit_index *x)
{
	int problems = 0;
	struct sbuf b;
	sb_init(&b);
	for (int i = 0; i < x->nlits; i++) {
		const struct lit *l = &x->lits[i];
		for (int shift = 0; shift < 4 && !l->at_start; shift++) {
			sb_clear(&b);
			sb_add(&b, "\x01\x01\x01", (size_t)shift);
			sb_add(&b, l->s, l->len);
			sb_add(&b, "\x01\x01\x01", (size_t)(3 - shift));
			candidates(e, famask, b.s, b.len);
			if (e->stamp[l->pat] == e->clock)
				continue;
			fprintf(stderr, "%s: internal error: the prefilter misses the literal \"%s\" at offset %d\n",
				progname, l->s, shift);
			problems++;
		}
	}
	sb_free(&b);
	return problems;
}

/* The rules' examples test their regexes; this tests the prefilter in front of them: every
 * pattern that matches a "match" example must be let through to its regex on that example
 * (a wrong "literal" given in a rule file would otherwise silently never match). */
int engine_check_examples(struct engine *e, bool verbose)
{
	struct ruletable *t = e->t;
	int problems = 0, checked = 0;
	for (int r = 0; r < t->nrules; r++) {
		const struct rule *ru = &t->rules[r];
		for (int x = 0; x < ru->nex_match; x++) {
			const char *ex = ru->ex_match[x];
			size_t n = strlen(ex);
			for (int k = 0; k < ru->npats; k++) {
				int pi = ru->first_pat + k;
				struct pattern *p = &t->pats[pi];
				if (p->rule < 0 || (!p->code && !rules_compile(t, p)) ||
				    pcre2_match(p->code, (PCRE2_SPTR)ex, n, 0, 0, e->md, t->mctx) < 0)
					continue;
				checked++;
				if (reaches_regex(e, ex, n, pi))
					continue;
				fprintf(stderr, "%s: %s: rule '%s': the prefilter skips example %d, which pattern %d "
					"matches: the literal \"%s\" is not in it\n", progname, ru->file, ru->id, x + 1,
					k + 1, p->literal ? p->literal : "(set)");
				if (verbose)
					printf("FAIL %s example %d skipped by the prefilter\n", ru->id, x + 1);
				problems++;
			}
		}
	}
	if (verbose && !problems)
		printf("PASS prefilter lets all %d example matches through to their regex\n", checked);
	int misaligned = 0;
	for (int f = 1; f < FAM_COUNT; f++) {
		const struct filter *fl = filter_for(e, FAMBIT(f));
		misaligned += check_alignment(e, FAMBIT(f), &fl->grams) + check_alignment(e, FAMBIT(f), &fl->pairs);
	}
	if (verbose)
		printf("%s prefilter finds every literal at any alignment\n", misaligned ? "FAIL" : "PASS");
	return problems + misaligned;
}

