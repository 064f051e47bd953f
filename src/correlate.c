/* correlate.c — a client's log and the server's log of the same attempt, matched session by
 * session. The server's log may be a busy server's whole auth.log, so it is never held: the
 * first reading keeps a small key of each client session and, for each, only the best-fitting
 * server session so far; the second reading reports, merging each unambiguous pair. Memory
 * grows with the number of client sessions, not with the size of any input.
 * While the caller still holds every session of the first reading (a few logs of a few
 * sessions, the usual ticket: main.c), the correlator only borrows them, and the report is
 * made from those, with no second reading. */
#include "correlate.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The facts that tie a client's attempt to an sshd connection, and what each is worth. A key
 * exchange that fails ends before the user is sent: the port and the same failed negotiation
 * ("key exchange", "host key", "cipher", "MAC") are all the two sides have in common, and a
 * different one contradicts. */
static const struct {
	enum fact f;
	int weight;
} keys[] = {
	{ F_USER, 2 }, { F_PORT, 2 }, { F_KEY_FP, 3 }, { F_SOURCE_PORT, 5 }, { F_NEGOTIATION, 1 },
};
#define NKEYS (sizeof keys / sizeof keys[0])
#define MIN_SCORE 3 /* two facts in common, or a key or source port: a port alone (22 for everyone) is no tie */

/* A server session that is some client's best fit so far; freed when it is nobody's. */
struct fit_candidate {
	struct session *s;
	bool owned;    /* s is freed with the candidate (else the caller's) */
	int refs;
	int top, ntop; /* at resolution: the best score among the keys that chose it; how many */
};

/* The facts of client sessions of one input that had the same ones. Any server session fits
 * them all alike, so they are scored once; and two of them can never be told apart, so a key
 * with two sessions is out of the matching for good. */
struct key {
	unsigned input;
	char *fact[NKEYS];
	uint32_t hash[NKEYS];       /* of each fact, 0 if absent: most comparisons end here */
	uint32_t whole;             /* of input and facts, for the table */
	int most;                   /* the score of a server session that had every fact the same */
	bool one_key;               /* the client offered a single key: another one's fingerprint contradicts */
	unsigned sessions;
	size_t live_at;             /* its place in live[] while it has one session */
	struct fit_candidate *best; /* NULL when none, or when two fit equally well */
	int score;
	bool tie;
	struct key *next;           /* in its table slot */
};

struct client {
	unsigned index;             /* which session of its input: the same in both readings */
	uint64_t first_line;
	struct key *key;
};

/* A server session merged into a client's: left out where its own input is reported. */
struct claim {
	unsigned input, index;
	uint64_t first_line;
};

struct correlator {
	const struct ruletable *t;
	struct client *clients;
	size_t nclients, capclients;
	struct key **slots;         /* hash table of keys, power-of-two size */
	size_t nslots, nkeys;
	struct key **live;          /* the keys still in the matching: one session each */
	size_t nlive, caplive;
	uint64_t server_inputs;     /* bit per input that had sshd sessions (main.c reads at most 16) */
	bool borrowing;             /* the caller owns the sessions it gives */
	unsigned min_input;         /* while rescanning: only keys of later inputs are scored */
	bool rescanning;
	struct claim *claims;
	size_t nclaims, next_claim, next_client;
};

struct correlator *correlator_new(const struct ruletable *t)
{
	struct correlator *c = xcalloc(1, sizeof *c);
	c->t = t;
	c->borrowing = true;
	c->nslots = 64;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	return c;
}

static void release(struct fit_candidate *cand)
{
	if (cand && --cand->refs == 0) {
		if (cand->owned)
			session_free(cand->s);
		free(cand);
	}
}

void correlator_free(struct correlator *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		for (struct key *k = c->slots[i], *next; k; k = next) {
			next = k->next;
			release(k->best);
			for (size_t f = 0; f < NKEYS; f++)
				free(k->fact[f]);
			free(k);
		}
	free(c->slots);
	free(c->live);
	free(c->clients);
	free(c->claims);
	free(c);
}

static uint32_t fact_hash(const char *v)
{
	return v ? hash_bytes(v, strlen(v)) | 1 : 0;
}

/* How well a server session (its facts' hashes in h) fits a client's attempt; -1 if a fact
 * contradicts it. A key fingerprint that differs contradicts only a client that offered one
 * key: one that offered several may have had another refused or accepted. */
static int fit(const struct key *k, const struct session *srv, const uint32_t *h)
{
	int score = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (!k->hash[i] || !h[i])
			continue;
		if (k->hash[i] == h[i] && strcmp(k->fact[i], srv->facts[keys[i].f]) == 0)
			score += keys[i].weight;
		else if (keys[i].f != F_KEY_FP || k->one_key)
			return -1;
	}
	return score;
}

static bool same_key(const struct key *k, unsigned input, bool one_key, char *const *facts, const uint32_t *h)
{
	if (k->input != input || k->one_key != one_key)
		return false;
	for (size_t i = 0; i < NKEYS; i++)
		if (k->hash[i] != h[i] || (h[i] && strcmp(k->fact[i], facts[keys[i].f]) != 0))
			return false;
	return true;
}

static void grow_table(struct correlator *c)
{
	size_t n = c->nslots * 2;
	struct key **slots = xcalloc(n, sizeof *slots);
	for (size_t i = 0; i < c->nslots; i++)
		for (struct key *k = c->slots[i], *next; k; k = next) {
			next = k->next;
			k->next = slots[k->whole & (n - 1)];
			slots[k->whole & (n - 1)] = k;
		}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
}

static void live_add(struct correlator *c, struct key *k)
{
	if (c->nlive == c->caplive) {
		c->caplive = c->caplive ? 2 * c->caplive : 16;
		c->live = xrealloc(c->live, c->caplive * sizeof *c->live);
	}
	k->live_at = c->nlive;
	c->live[c->nlive++] = k;
}

static void live_remove(struct correlator *c, struct key *k)
{
	struct key *last = c->live[--c->nlive];
	c->live[k->live_at] = last;
	last->live_at = k->live_at;
	release(k->best);
	k->best = NULL;
}

/* The key of s's facts: found, or made. */
static struct key *key_of(struct correlator *c, const struct session *s)
{
	uint32_t h[NKEYS], whole = hash_bytes((const char *)&s->first_input, sizeof s->first_input);
	for (size_t i = 0; i < NKEYS; i++) {
		h[i] = fact_hash(s->facts[keys[i].f]);
		whole = (whole ^ h[i]) * 16777619u;
	}
	bool one_key = s->facts[F_KEY_FP] && !s->several_keys;
	for (struct key *k = c->slots[whole & (c->nslots - 1)]; k; k = k->next)
		if (k->whole == whole && same_key(k, s->first_input, one_key, s->facts, h))
			return k;
	if (c->nkeys >= c->nslots / 2)
		grow_table(c);
	struct key *k = xcalloc(1, sizeof *k);
	k->input = s->first_input;
	k->whole = whole;
	k->one_key = one_key;
	for (size_t i = 0; i < NKEYS; i++) {
		k->hash[i] = h[i];
		if (h[i]) {
			k->fact[i] = xstrdup(s->facts[keys[i].f]);
			k->most += keys[i].weight;
		}
	}
	k->next = c->slots[whole & (c->nslots - 1)];
	c->slots[whole & (c->nslots - 1)] = k;
	c->nkeys++;
	return k;
}

static void add_client(struct correlator *c, const struct session *s)
{
	if (c->nclients == c->capclients) {
		c->capclients = c->capclients ? 2 * c->capclients : 16;
		c->clients = xrealloc(c->clients, c->capclients * sizeof *c->clients);
	}
	struct key *k = key_of(c, s);
	c->clients[c->nclients++] = (struct client){ s->index, s->first_line, k };
	if (++k->sessions == 1)
		live_add(c, k);
	else if (k->sessions == 2)
		live_remove(c, k);
}

/* s against one key: a better fit replaces the key's candidate; an equal one makes it
 * ambiguous, and the candidate is let go (only a strictly better one can settle it now). */
static void consider(struct key *k, struct session *s, const uint32_t *h, struct fit_candidate **cand)
{
	int sc = fit(k, s, h);
	if (sc < MIN_SCORE || sc < k->score)
		return;
	if (sc == k->score) {
		k->tie = true;
		release(k->best);
		k->best = NULL;
		return;
	}
	if (!*cand) {
		*cand = xcalloc(1, sizeof **cand);
		(*cand)->s = s;
	}
	(*cand)->refs++;
	release(k->best);
	k->best = *cand;
	k->score = sc;
	k->tie = false;
}

void correlator_survey(struct correlator *c, struct session *s)
{
	if (s->fam != FAM_SSHD) {
		if (!c->rescanning) /* a rescanned input's clients are counted already */
			add_client(c, s);
		if (!c->borrowing)
			session_free(s);
		return;
	}
	if (s->first_input < 64)
		c->server_inputs |= (uint64_t)1 << s->first_input;
	uint32_t h[NKEYS];
	for (size_t i = 0; i < NKEYS; i++)
		h[i] = fact_hash(s->facts[keys[i].f]);
	struct fit_candidate *cand = NULL;
	for (size_t i = 0; i < c->nlive; i++) {
		struct key *k = c->live[i];
		/* settled: two server sessions fit as well as any could */
		if (k->tie && k->score == k->most)
			continue;
		if (k->input != s->first_input && k->input >= c->min_input)
			consider(k, s, h, &cand);
	}
	if (cand)
		cand->owned = !c->borrowing;
	else if (!c->borrowing)
		session_free(s);
}

void correlator_let_go(struct correlator *c, struct session **held, size_t n)
{
	/* the held sessions that are some key's best fit become the correlator's; the rest go */
	for (size_t i = 0; i < c->nlive; i++)
		if (c->live[i]->best)
			c->live[i]->best->owned = true;
	for (size_t j = 0; j < n; j++) {
		bool kept = false;
		for (size_t i = 0; i < c->nlive && !kept; i++)
			kept = c->live[i]->best && c->live[i]->best->s == held[j];
		if (!kept)
			session_free(held[j]);
	}
	c->borrowing = false;
}

bool correlator_rescan_begin(struct correlator *c, unsigned input)
{
	if (input >= 64 || !(c->server_inputs & (uint64_t)1 << input))
		return false;
	for (size_t i = 0; i < c->nlive; i++)
		if (c->live[i]->input > input) {
			c->min_input = input + 1;
			c->rescanning = true;
			return true;
		}
	return false;
}

static int claim_order(const void *pa, const void *pb)
{
	const struct claim *a = pa, *b = pb;
	if (a->input != b->input)
		return a->input < b->input ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void correlator_resolve(struct correlator *c)
{
	c->rescanning = false;
	c->min_input = 0;
	/* A server session that is the best fit of several clients goes to the one it fits best;
	 * if two fit it equally well, to neither: nothing is merged by guess. */
	for (size_t i = 0; i < c->nlive; i++) {
		struct key *k = c->live[i];
		if (!k->best)
			continue;
		if (k->score > k->best->top) {
			k->best->top = k->score;
			k->best->ntop = 1;
		} else if (k->score == k->best->top) {
			k->best->ntop++;
		}
	}
	c->claims = xcalloc(c->nlive ? c->nlive : 1, sizeof *c->claims);
	for (size_t i = 0; i < c->nlive; i++) {
		struct key *k = c->live[i];
		if (!k->best)
			continue;
		if (k->score == k->best->top && k->best->ntop == 1) {
			const struct session *srv = k->best->s;
			c->claims[c->nclaims++] = (struct claim){ srv->first_input, srv->index, srv->first_line };
		} else {
			release(k->best);
			k->best = NULL;
		}
	}
	qsort(c->claims, c->nclaims, sizeof *c->claims, claim_order);
}

struct session *correlator_report(struct correlator *c, struct session *s)
{
	if (s->fam == FAM_SSHD) {
		/* Sessions come in the first reading's order: claims are met in sorted order. */
		while (c->next_claim < c->nclaims) {
			const struct claim *m = &c->claims[c->next_claim];
			if (m->input > s->first_input || (m->input == s->first_input && m->index > s->index))
				break;
			c->next_claim++;
			if (m->input == s->first_input && m->index == s->index && m->first_line == s->first_line) {
				if (!c->borrowing)
					session_free(s);
				return NULL;
			}
		}
		return s;
	}
	/* The same order for clients; one that is not there this time (an input that has gone
	 * since) is passed over. */
	while (c->next_client < c->nclients) {
		const struct client *cl = &c->clients[c->next_client];
		unsigned input = cl->key->input;
		if (input > s->first_input || (input == s->first_input && cl->index > s->index))
			break;
		c->next_client++;
		struct key *k = cl->key;
		if (k->best && input == s->first_input && cl->index == s->index && cl->first_line == s->first_line) {
			session_merge(s, k->best->s, c->t);
			release(k->best);
			k->best = NULL;
			break;
		}
	}
	return s;
}
