/* session.c — connection attempts: facts, phase, outcome, the rules that matched, and the
 * evaluation that turns matches into ranked findings (requires/excludes, folding, unexplained). */
#include "session.h"
#include "template.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPEN 512
#define NBUCKETS 1024        /* power of two, > MAX_OPEN: chains stay short */

/* An open session sits in a fixed slot (slots never move, so the hash chains stay valid) and is
 * chained twice: under its channel's hash, and under its sshd child PID's once it has one. */
struct open_session {
	struct session *s;           /* NULL: free slot */
	unsigned input;
	uint32_t chash;              /* hash of the channel */
	uint32_t childhash;          /* hash of the child PID it is chained under, if child_in */
	bool child_in;
	int next, childnext;         /* chains, -1 ends */
	int newer, older;            /* the recency list, -1 ends */
	unsigned serial;             /* which session holds the slot: an alias names it */
};

/* A process of a session that sshd never tied to it (the one forked for a command, the SFTP
 * server's) but one of its lines did: its other lines join that session too. The few latest
 * are kept; one whose session has closed names no session. */
#define NALIAS 8
struct alias {
	uint32_t h;                  /* hash of the PID */
	unsigned input;
	int slot;                    /* -1: unused */
	unsigned serial;             /* the slot's serial when the alias was made */
	char pid[16];
};

/* ---- a session's arena ---- */

#define ARENA_FIRST 2048     /* in the session's own allocation: an sshd connection fits */

/* A session and the first block of its arena, in one allocation. */
struct session_alloc {
	struct session s;
	max_align_t first[ARENA_FIRST / sizeof(max_align_t)];
};

/* A string that a session replaces over and over (a fact, a slot of the error ring): written
 * over the old one when it fits, else given room to grow (doubling, so growth stays bounded). */
static char *arena_restr(struct arena *a, char *old, uint16_t *cap, const char *v, size_t n)
{
	if (!old || n + 1 > *cap) {
		size_t room = n + 1 < 2 * (size_t)*cap ? 2 * (size_t)*cap : n + 1;
		if (room > UINT16_MAX)
			room = n + 1;
		old = arena_alloc(a, room);
		*cap = (uint16_t)room;
	}
	memmove(old, v, n);
	old[n] = '\0';
	return old;
}

struct tracker {
	const struct ruletable *t;
	session_sink sink;
	void *arg;
	struct open_session open[MAX_OPEN];
	int nopen;
	int bucket[NBUCKETS], childbucket[NBUCKETS];
	int freeslots[MAX_OPEN], nfree;
	int newest, oldest;          /* ends of the recency list: eviction takes the oldest */
	unsigned next_index;
	int last;                    /* slot of the session found last, or -1 */
	uint64_t announced;          /* inputs whose sshd names its children ("User child is on pid") */
	struct alias alias[NALIAS];
	unsigned next_alias, next_serial;
};

struct tracker *tracker_new(const struct ruletable *t, session_sink sink, void *arg)
{
	struct tracker *tr = xcalloc(1, sizeof *tr);
	tr->t = t;
	tr->sink = sink;
	tr->arg = arg;
	tr->last = tr->newest = tr->oldest = -1;
	for (int i = 0; i < NALIAS; i++)
		tr->alias[i].slot = -1;
	for (int i = 0; i < NBUCKETS; i++)
		tr->bucket[i] = tr->childbucket[i] = -1;
	for (int i = 0; i < MAX_OPEN; i++)
		tr->freeslots[tr->nfree++] = MAX_OPEN - 1 - i;
	return tr;
}

static void unchain(struct tracker *tr, int *head, int slot, bool child)
{
	for (int *p = head; *p >= 0; p = child ? &tr->open[*p].childnext : &tr->open[*p].next)
		if (*p == slot) {
			*p = child ? tr->open[slot].childnext : tr->open[slot].next;
			return;
		}
}

static void lru_unlink(struct tracker *tr, int i)
{
	struct open_session *o = &tr->open[i];
	if (o->newer >= 0)
		tr->open[o->newer].older = o->older;
	else
		tr->newest = o->older;
	if (o->older >= 0)
		tr->open[o->older].newer = o->newer;
	else
		tr->oldest = o->newer;
}

static void lru_push(struct tracker *tr, int i)
{
	struct open_session *o = &tr->open[i];
	o->newer = -1;
	o->older = tr->newest;
	if (tr->newest >= 0)
		tr->open[tr->newest].newer = i;
	tr->newest = i;
	if (tr->oldest < 0)
		tr->oldest = i;
}

static void touch(struct tracker *tr, int i)
{
	if (tr->newest != i) {
		lru_unlink(tr, i);
		lru_push(tr, i);
	}
}

/* Free slot i; its session is reported if report and touched, else dropped. */
static void release_at(struct tracker *tr, int i, bool report)
{
	struct open_session *o = &tr->open[i];
	struct session *s = o->s;
	lru_unlink(tr, i);
	unchain(tr, &tr->bucket[o->chash % NBUCKETS], i, false);
	if (o->child_in)
		unchain(tr, &tr->childbucket[o->childhash % NBUCKETS], i, true);
	o->s = NULL;
	tr->freeslots[tr->nfree++] = i;
	tr->nopen--;
	tr->last = -1;
	if (report && s->touched) {
		session_evaluate(s, tr->t);
		/* touched only by findings whose conditions failed (an sshd's warning about a host
		 * key it can do without): nothing to report, and no session to show */
		if (s->phase_seen == PH_NONE && s->outcome_seen == OUT_UNKNOWN && s->nfindings == 0) {
			session_free(s);
			return;
		}
		s->index = tr->next_index++;
		tr->sink(s, tr->arg);
	} else {
		session_free(s);
	}
}

static void close_at(struct tracker *tr, int i)
{
	release_at(tr, i, true);
}

const char *tracker_last_channel(const struct tracker *tr, unsigned input)
{
	if (tr->last < 0 || tr->open[tr->last].input != input)
		return NULL;
	return tr->open[tr->last].s->channel;
}

void tracker_flush(struct tracker *tr)
{
	tr->announced = 0; /* an input's own: a second reading starts as the first did */
	/* Close in order of first line so that indexes follow the log. */
	while (tr->nopen > 0) {
		int best = -1;
		for (int i = 0; i < MAX_OPEN; i++)
			if (tr->open[i].s && (best < 0 || tr->open[i].s->first_line < tr->open[best].s->first_line))
				best = i;
		close_at(tr, best);
	}
	tr->next_index = 0;
}

void tracker_free(struct tracker *tr)
{
	if (!tr)
		return;
	tracker_flush(tr);
	free(tr);
}

static bool same_channel(const struct session *s, const struct event *ev)
{
	if (!s->channel || !ev->channel)
		return !s->channel && !ev->channel;
	if (equals_n(s->channel, ev->channel, ev->chlen))
		return true;
	/* sshd's post-authentication child logs under its own PID ("User child is on pid N") */
	const char *child = s->facts[F_CHILD_PID];
	return child && equals_n(child, ev->channel, ev->chlen);
}

/* Sessions freed lately, kept for the next ones: an sshd log opens a connection every few lines,
 * and a block of this size is past malloc's per-thread cache. Per thread, so that no lock is
 * needed; off where the arena is checked, so that AddressSanitizer still sees a stale session. */
#define POOL_MAX 16
static _Thread_local struct session_alloc *pool[POOL_MAX];
static _Thread_local int npool;

static struct session_alloc *session_alloc_new(void)
{
	if (npool > 0)
		return pool[--npool];
	struct session_alloc *sa = xmalloc(sizeof *sa);
	sa->s.hits = NULL;
	sa->s.caphits = 0;
	return sa;
}

/* A session's hitset holds two sets of one bit per rule: the rules its own lines matched, then
 * those a proxy hop's lines matched. */
static size_t hitset_bytes(const struct ruletable *t)
{
	return (size_t)t->nrules / 8 + 1;
}

static struct session *session_new(const struct ruletable *t, const struct event *ev)
{
	struct session_alloc *sa = session_alloc_new();
	struct session *s = &sa->s;
	struct hit *hits = s->hits; /* a pooled session's hit array is kept for reuse */
	int caphits = s->caphits;
	memset(s, 0, sizeof *s);
	s->hits = hits;
	s->caphits = caphits;
	if (!arena_checked())
		s->mem = (struct arena){ .cur = (char *)sa->first, .end = (char *)sa->first + sizeof sa->first,
					 .next_size = 2 * ARENA_FIRST };
	s->hitbytes = hitset_bytes(t);
	s->hitset = arena_zalloc(&s->mem, 2 * s->hitbytes);
	s->channel = ev->channel ? arena_strndup(&s->mem, ev->channel, ev->chlen) : NULL;
	s->fam = ev->fam;
	s->first_input = ev->input;
	s->first_line = ev->line;
	return s;
}

/* A session learns its child PID from a line the tracker already handed it: chain it under that
 * PID at the next lookup (or again, if the PID changed). */
static void chain_child(struct tracker *tr, int slot)
{
	struct open_session *o = &tr->open[slot];
	if (!o->s || !o->s->facts[F_CHILD_PID])
		return;
	if (o->child_in && o->childhash == o->s->child_hash)
		return;
	if (o->child_in)
		unchain(tr, &tr->childbucket[o->childhash % NBUCKETS], slot, true);
	o->childhash = o->s->child_hash;
	o->child_in = true;
	if (!o->s->child_guessed && o->input < 64) /* this log says which child is whose: no guessing */
		tr->announced |= (uint64_t)1 << o->input;
	o->childnext = tr->childbucket[o->childhash % NBUCKETS];
	tr->childbucket[o->childhash % NBUCKETS] = slot;
}

static int find_open(struct tracker *tr, const struct event *ev, uint32_t h)
{
	for (int i = tr->bucket[h % NBUCKETS]; i >= 0; i = tr->open[i].next)
		if (tr->open[i].chash == h && tr->open[i].input == ev->input && same_channel(tr->open[i].s, ev))
			return i;
	if (!ev->channel)
		return -1;
	/* a child's or an alias's PID, once its login has ended, is a new process's */
	for (int i = tr->childbucket[h % NBUCKETS]; i >= 0; i = tr->open[i].childnext)
		if (tr->open[i].childhash == h && tr->open[i].input == ev->input && !tr->open[i].s->ended &&
		    same_channel(tr->open[i].s, ev))
			return i;
	return -1;
}

static void add_alias(struct tracker *tr, int slot, unsigned input, const char *pid, size_t n)
{
	struct alias *a = &tr->alias[tr->next_alias++ % NALIAS];
	a->h = hash_bytes(pid, n);
	a->input = input;
	a->slot = slot;
	a->serial = tr->open[slot].serial;
	snprintf(a->pid, sizeof a->pid, "%.*s", (int)(n < sizeof a->pid ? n : sizeof a->pid - 1), pid);
}

static int find_alias(const struct tracker *tr, const struct event *ev, uint32_t h)
{
	for (int i = 0; i < NALIAS; i++) {
		const struct alias *a = &tr->alias[i];
		if (a->slot >= 0 && a->h == h && a->input == ev->input && tr->open[a->slot].s &&
		    tr->open[a->slot].serial == a->serial && !tr->open[a->slot].s->ended &&
		    equals_n(a->pid, ev->channel, ev->chlen))
			return a->slot;
	}
	return -1;
}

/* The ssh that a proxy hop runs prints its own version line first: that one line is part of
 * the hop, not a new attempt. A second one is (the user ran ssh again). */
static bool hop_absorbs_start(struct session *s, bool start)
{
	if (!start || s->hops == 0 || s->hop_started)
		return false;
	s->hop_started = true;
	return true;
}

struct session *tracker_session(struct tracker *tr, const struct event *ev, bool start)
{
	if (tr->last >= 0)
		chain_child(tr, tr->last);
	/* consecutive lines mostly belong to the same session: try the last one first */
	if (!start && tr->last >= 0) {
		struct open_session *o = &tr->open[tr->last];
		if (o->input == ev->input && same_channel(o->s, ev)) {
			touch(tr, tr->last);
			return o->s;
		}
	}
	uint32_t h = ev->channel ? hash_bytes(ev->channel, ev->chlen) : 0;
	int i = find_open(tr, ev, h);
	if (i < 0 && ev->channel)
		i = find_alias(tr, ev, h);
	if (i >= 0) {
		/* a new attempt begins only once the current one got somewhere: a finding quoted in
		 * the prose before a pasted log belongs to the attempt that follows */
		if (!(start && tr->open[i].s->structured) || hop_absorbs_start(tr->open[i].s, start)) {
			touch(tr, i);
			tr->last = i;
			return tr->open[i].s;
		}
		close_at(tr, i);
	}
	if (tr->nopen == MAX_OPEN)
		close_at(tr, tr->oldest);
	struct session *s = session_new(tr->t, ev);
	int slot = tr->freeslots[--tr->nfree];
	tr->open[slot] = (struct open_session){ s, ev->input, h, 0, false, tr->bucket[h % NBUCKETS], -1, -1, -1,
						tr->next_serial++ };
	tr->bucket[h % NBUCKETS] = slot;
	lru_push(tr, slot);
	tr->nopen++;
	tr->last = slot;
	return s;
}

#define CHILD_REACH 64

static void set_fact(struct session *s, enum fact f, const char *v);

static bool fact_is(const struct session *s, enum fact f, const char *v)
{
	return s->facts[f] && strcmp(s->facts[f], v) == 0;
}

/* The latest open sshd session of this input from address: the one of that connection when port
 * is given (one TCP connection at a time has them), else the latest login of user (the SFTP
 * server names only the user and the address, and only a login runs it); -1 if none. */
static int find_peer(const struct tracker *tr, const struct event *ev, const char *user, const char *address,
		     const char *port)
{
	for (int i = tr->newest; i >= 0; i = tr->open[i].older) {
		const struct session *s = tr->open[i].s;
		if (tr->open[i].input != ev->input || s->fam != FAM_SSHD || s->ended || !fact_is(s, F_SOURCE_ADDRESS, address))
			continue;
		if (port ? fact_is(s, F_SOURCE_PORT, port) : s->outcome_seen == OUT_SUCCESS && fact_is(s, F_USER, user))
			return i;
	}
	return -1;
}

/* The line's PID becomes the child of the session in slot: its next lines join it too. A
 * child guessed before stays the session's, as an alias. */
static struct session *adopt_child(struct tracker *tr, const struct event *ev, int slot)
{
	struct session *s = tr->open[slot].s;
	const char *old = s->facts[F_CHILD_PID];
	if (old)
		add_alias(tr, slot, ev->input, old, strlen(old));
	char pid[32];
	snprintf(pid, sizeof pid, "%.*s", (int)(ev->chlen < sizeof pid ? ev->chlen : sizeof pid - 1), ev->channel);
	set_fact(s, F_CHILD_PID, pid);
	s->child_guessed = true;
	chain_child(tr, slot);
	touch(tr, slot);
	tr->last = slot;
	return s;
}

/* The line of a PID with no session joins the session in slot (none: -1, a session of its
 * own). Where no line names the session's child (LogLevel INFO), the PID becomes its child;
 * where sshd named it, the PID is another process of the session (the one forked for a
 * command, the SFTP server) and becomes an alias. */
static struct session *join_slot(struct tracker *tr, const struct event *ev, int slot)
{
	if (slot < 0)
		return tracker_session(tr, ev, false);
	struct session *s = tr->open[slot].s;
	if (!s->facts[F_CHILD_PID] || s->child_guessed)
		return adopt_child(tr, ev, slot);
	add_alias(tr, slot, ev->input, ev->channel, ev->chlen);
	touch(tr, slot);
	tr->last = slot;
	return s;
}

/* The slot of the one open, not ended sshd login of input of user (NULL: any user, that ended
 * at most CHILD_REACH lines before line), with no child yet where childless; -1 if none or more
 * than one. */
static int sole_login(const struct tracker *tr, unsigned input, const char *user, uint64_t line, bool childless)
{
	int best = -1, candidates = 0;
	for (int i = tr->newest; i >= 0; i = tr->open[i].older) {
		const struct session *s = tr->open[i].s;
		if (tr->open[i].input != input || s->fam != FAM_SSHD || s->outcome_seen != OUT_SUCCESS ||
		    (childless && s->facts[F_CHILD_PID]) || s->ended)
			continue;
		if (user ? !s->facts[F_USER] || strcmp(s->facts[F_USER], user) != 0 : s->last_line + CHILD_REACH < line)
			continue;
		candidates++;
		if (best < 0 || s->last_line > tr->open[best].s->last_line)
			best = i;
	}
	return candidates == 1 ? best : -1;
}

/* At sshd's LogLevel INFO no "User child is on pid N" line ties the child to its login: the
 * child's first words (a chroot or subsystem failure) come soon after the login's lines. Only a
 * login that is sure: the one of the user the line names, or the only one near; never in a log
 * that names its children (VERBOSE: a child it does not name is another's), never an ended one.
 * A line that names its connection (address and port), or its user and address (the SFTP
 * server's), is sure at any level. */
struct session *tracker_child_session(struct tracker *tr, const struct event *ev, const char *user,
				      const char *address, const char *port)
{
	if (!ev->channel || ev->fam != FAM_SSHD)
		return tracker_session(tr, ev, false);
	uint32_t h = hash_bytes(ev->channel, ev->chlen);
	if (find_open(tr, ev, h) >= 0 || find_alias(tr, ev, h) >= 0)
		return tracker_session(tr, ev, false);
	bool named = user && *user && strcmp(user, "********") != 0;
	if (address && (port || named))
		return join_slot(tr, ev, find_peer(tr, ev, port ? NULL : user, address, port));
	if (ev->input < 64 && tr->announced >> ev->input & 1)
		return tracker_session(tr, ev, false);
	int best = sole_login(tr, ev->input, named ? user : NULL, ev->line, true);
	if (best < 0)
		return tracker_session(tr, ev, false);
	return adopt_child(tr, ev, best);
}

const char *tracker_recent_login(const struct tracker *tr, unsigned input, uint64_t line)
{
	int i = sole_login(tr, input, NULL, line, false);
	return i < 0 ? NULL : tr->open[i].s->channel;
}

/* Does the line begin another story of the server than the one in slot i: sshd started since, or
 * a new try (a PID the story does not know; systemd's own, PID 1, never is one) fails for
 * another cause (a rule the story has not seen) than the tries before it? */
static bool new_server_story(const struct tracker *tr, int i, const struct event *ev, int rule, uint32_t h)
{
	const struct session *s = tr->open[i].s;
	if (s->outcome_seen == OUT_SUCCESS)
		return true;
	return s->channel && ev->channel && !same_channel(s, ev) && !equals_n("1", ev->channel, ev->chlen) &&
	       find_alias(tr, ev, h) != i && !session_rule_hit(s, rule, false);
}

struct session *tracker_service_session(struct tracker *tr, const struct event *ev, bool open, int rule)
{
	uint32_t h = ev->channel ? hash_bytes(ev->channel, ev->chlen) : 0;
	for (int i = tr->newest; i >= 0; i = tr->open[i].older) {
		struct session *s = tr->open[i].s;
		if (tr->open[i].input != ev->input || !s->service)
			continue;
		if (open && new_server_story(tr, i, ev, rule, h)) {
			close_at(tr, i);
			break;
		}
		if (ev->channel && !same_channel(s, ev)) {
			/* this try's own lines before (host-key warnings) repeat the first try's: the
			 * session they began, which got nowhere, goes */
			int own = find_open(tr, ev, h);
			if (own >= 0 && own != i && tr->open[own].s->phase_seen == PH_NONE &&
			    tr->open[own].s->outcome_seen == OUT_UNKNOWN)
				release_at(tr, own, false);
			/* the PID's next lines (a message that runs on) join it too */
			if (find_alias(tr, ev, h) != i)
				add_alias(tr, i, ev->input, ev->channel, ev->chlen);
		}
		touch(tr, i);
		tr->last = i;
		return s;
	}
	if (!open)
		return NULL;
	struct session *s = tracker_session(tr, ev, false);
	s->service = true;
	return s;
}

/* The line as evidence; cap: NULL for a new string, else the room of the one to write over. */
static void copy_evidence(struct session *s, struct evidence *e, const struct event *ev, uint16_t *cap)
{
	size_t n = ev->rawlen;
	e->truncated = n > EVIDENCE_TEXT_MAX;
	n = utf8_cut(ev->raw, n, EVIDENCE_TEXT_MAX);
	e->text = cap ? arena_restr(&s->mem, e->text, cap, ev->raw, n) : arena_strndup(&s->mem, ev->raw, n);
	e->input = ev->input;
	e->line = ev->line;
}

void session_note_line(struct session *s, const struct event *ev)
{
	if (!is_blank(ev->body, ev->bodylen) || s->last_line == 0)
		s->last_line = ev->line;
	s->inputs |= 1u << (ev->input & 31);
	/* the log's own form says it: rules may hold advice for Windows' sshd ("when": server_os) */
	if (ev->win32 && !s->facts[F_SERVER_OS])
		set_fact(s, F_SERVER_OS, "windows");
	if (!ev->is_error)
		return;
	copy_evidence(s, &s->errs[s->errpos], ev, &s->errcap[s->errpos]);
	s->errpos = (s->errpos + 1) % ERR_RING;
	if (s->nerr < ERR_RING)
		s->nerr++;
}

/* Did a line match the rule: one of the session's own, or with hop, one of a proxy hop's? */
bool session_rule_hit(const struct session *s, int rule, bool hop)
{
	unsigned bit = 1u << (rule % 8);
	return (s->hitset[rule / 8] & bit) || (hop && (s->hitset[s->hitbytes + rule / 8] & bit));
}

/* Did a "locks" rule make fact f final in s? */
static bool fact_locked(const struct session *s, int f)
{
	return s->locked >> f & 1;
}

static void set_fact(struct session *s, enum fact f, const char *v)
{
	if (!*v || fact_locked(s, f))
		return;
	size_t n = strlen(v);
	if (f == F_KEY_FP && s->facts[f] && strcmp(s->facts[f], v) != 0)
		s->several_keys = true;
	s->facts[f] = arena_restr(&s->mem, s->facts[f], &s->factcap[f], v, utf8_cut(v, n, CAPTURE_MAX));
	if (f == F_CHILD_PID) /* the tracker finds the child's lines by this hash */
		s->child_hash = hash_bytes(s->facts[f], strlen(s->facts[f]));
	if (f == F_PROTOCOL) /* "SFTP", "sftp": one spelling in reports */
		for (char *p = s->facts[f]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
}

/* A hit with nothing in it: all but its evidence array (most of its size), which nev guards;
 * clearing the whole struct on every rule match cost more than the match. */
static void hit_init(struct hit *h, int rule, struct capture *caps, int ncaps)
{
	h->rule = rule;
	h->nev = 0;
	h->count = h->last = 0;
	h->caps = caps;
	h->ncaps = ncaps;
	h->caps_fixed = false;
	h->in_hop = false;
	h->hop_facts = false;
}

static struct hit *hit_for(struct session *s, int rule)
{
	for (int i = 0; i < s->nhits; i++)
		if (s->hits[i].rule == rule)
			return &s->hits[i];
	if (s->nhits == s->caphits) {
		s->caphits = s->caphits ? 2 * s->caphits : 8;
		s->hits = xrealloc(s->hits, (size_t)s->caphits * sizeof *s->hits);
	}
	struct hit *h = &s->hits[s->nhits++];
	hit_init(h, rule, NULL, 0);
	return h;
}

/* Reused by the analysis for every match that sets facts or records an authentication
 * attempt, and by the evaluation for fact conditions: no allocation per match. */
static _Thread_local struct sbuf scratch_apply;
static _Thread_local pcre2_match_data *scratch_md;

static const char *value_of(const char *name, size_t n, const struct hit *h, const struct session *s);
static const char *capture_value(const struct hit *h, const char *name, size_t n);

/* If the template is one placeholder and nothing else ("{user}"), its name's length; else -1. */
static int lone_placeholder(const char *tmpl)
{
	size_t n, len = tmpl[0] == '{' ? placeholder_at(tmpl, &n) : 0;
	if (len && tmpl[len] == '\0' && n == len - 2 && !(n == 13 && memcmp(tmpl + 1, "host_key_name", 13) == 0))
		return (int)n;
	return -1;
}

/* A "sets" or "auth" template filled in. Most are one placeholder ("{user}"), filled in on every
 * match: then the value itself is the answer, without rendering (render_template's result).
 * lone: lone_placeholder(tmpl). */
static const char *fill_in(struct sbuf *b, const char *tmpl, int lone, const struct hit *h, const struct session *s)
{
	if (lone > 0) {
		const char *v = value_of(tmpl + 1, (size_t)lone, h, s);
		if (v && *v && strcmp(v, "<host>") != 0) /* what render_template writes as it is */
			return v;
	}
	sb_clear(b);
	render_template(b, tmpl, h, s);
	return b->s;
}

#define LONE_CONSTANT (-2)

/* A "sets" entry filled in, on every match of its rule: what the template is (one placeholder
 * and which fact it names, no placeholder at all, or more) is worked out once per entry, so that
 * most entries cost a capture lookup and no name search or rendering. */
static const char *fill_in_set(struct sbuf *b, struct fact_set *fs, const struct hit *h, const struct session *s)
{
	if (!fs->lone) {
		struct template_piece pc;
		size_t len = template_piece(fs->tmpl, &pc);
		fs->lone = lone_placeholder(fs->tmpl);
		fs->lone_fact = fs->lone > 0 ? fact_from_name(fs->tmpl + 1, (size_t)fs->lone) : -1;
		if (fs->lone < 0 && (!len || (!pc.placeholder && !fs->tmpl[len])))
			fs->lone = LONE_CONSTANT;
	}
	if (fs->lone == LONE_CONSTANT)
		return fs->tmpl; /* what render_template writes for it */
	if (fs->lone > 0) {
		const char *v = capture_value(h, fs->tmpl + 1, (size_t)fs->lone);
		if (!v && s && fs->lone_fact >= 0)
			v = s->facts[fs->lone_fact];
		if (v && *v && strcmp(v, "<host>") != 0)
			return v;
	}
	sb_clear(b);
	render_template(b, fs->tmpl, h, s);
	return b->s;
}

static void add_auth(struct session *s, const struct rule *r, const struct event *ev, const struct hit *tmp)
{
	if (s->nauth == MAX_AUTH)
		return;
	const char *v = fill_in(&scratch_apply, r->auth_method, lone_placeholder(r->auth_method), tmp, s);
	char *method = arena_strndup(&s->mem, v, strlen(v)), *key = NULL;
	if (r->auth_key) {
		v = fill_in(&scratch_apply, r->auth_key, lone_placeholder(r->auth_key), tmp, s);
		key = arena_strndup(&s->mem, v, strlen(v));
	}
	/* PuTTY and WinSCP print "Server refused our key" twice, on adjacent lines (the event log's
	 * and the message); a refusal is always after its own offer, so two adjacent ones are one.
	 * (sshd's three "Failed password" lines in a row are three attempts.) */
	const struct auth_attempt *prev = s->nauth ? &s->auth[s->nauth - 1] : NULL;
	if (prev && strcmp(r->auth_result, "refused") == 0 && prev->input == ev->input && prev->line + 1 == ev->line &&
	    strcmp(prev->result, r->auth_result) == 0 &&
	    strcmp(prev->method, method) == 0 && (prev->key && key ? strcmp(prev->key, key) == 0 : prev->key == key))
		return;
	struct auth_attempt *a = &s->auth[s->nauth++];
	a->method = method;
	a->key = key;
	a->result = arena_strndup(&s->mem, r->auth_result, strlen(r->auth_result));
	a->input = ev->input;
	a->line = ev->line;
}

/* latest_captures keeps each value in a slot of the longest size a capture can have, so that
 * replacing it a million times (a night of uploads) takes no memory. */
static void keep_captures(struct session *s, struct hit *h, const struct capture *caps, int ncaps, bool latest)
{
	h->caps = arena_alloc(&s->mem, (size_t)ncaps * sizeof *h->caps);
	for (int i = 0; i < ncaps; i++) {
		size_t n = strlen(caps[i].value);
		h->caps[i].name = arena_strndup(&s->mem, caps[i].name, strlen(caps[i].name));
		h->caps[i].value = latest ? arena_alloc(&s->mem, CAPTURE_MAX + 1) : arena_strndup(&s->mem, caps[i].value, n);
		if (latest)
			memcpy(h->caps[i].value, caps[i].value, n + 1);
	}
	h->ncaps = ncaps;
}

/* The first match without captures is the event itself (the error after "Copying … to remote
 * directory"): the captures then are those of the context it happened in, and stay. A match
 * with other captures than the kept ones (another pattern) leaves them. */
static void replace_captures(struct hit *h, const struct capture *caps, int ncaps)
{
	if (ncaps == 0) {
		h->caps_fixed = true;
		return;
	}
	if (!h->caps || ncaps != h->ncaps)
		return;
	for (int i = 0; i < ncaps; i++)
		if (strcmp(h->caps[i].name, caps[i].name) != 0)
			return;
	for (int i = 0; i < ncaps; i++)
		memcpy(h->caps[i].value, caps[i].value, strlen(caps[i].value) + 1);
}

/* ProxyJump's ssh to the jump host logs in inside the target's session. Its lines, from the
 * "hop": "begin" line (which still counts) to the "end" line after "up" (which counts again:
 * the target's banner), say how far the jump host got, not the target: they move no phase,
 * make no success and add no auth attempt. A failure there is the target's failure too. With
 * -J a,b the ssh to b runs one to a inside it: hops nest, and each "end" after an "up" closes
 * the innermost. (PuTTY marks each of its SSH proxy's lines instead: ev->hop.) Returns whether
 * the hop state leaves this line to the target. */
static bool hop_enter(struct session *s, const struct rule *r)
{
	if (r->hop == HOP_END && s->hop_up) {
		s->hops--;
		s->hop_up = false;
	}
	return s->hops == 0;
}

/* The hop's lines name the jump host, its user and its server software, not the target's
 * (F_COUNT: the jump host's address has no fact of its own, and is not the target's). */
static enum fact hop_fact(enum fact f, bool own)
{
	if (own)
		return f;
	switch (f) {
	case F_HOST:
		return F_PROXY_HOST;
	case F_PORT:
		return F_PROXY_PORT;
	case F_ADDRESS:
		return F_COUNT;
	case F_USER:
		return F_PROXY_USER;
	case F_SERVER:
		return F_PROXY_SERVER;
	case F_HOSTKEY_TYPE:
		return F_PROXY_HOSTKEY_TYPE;
	case F_HOSTKEY_FP:
		return F_PROXY_HOSTKEY_FP;
	default:
		return f;
	}
}

static void hop_leave(struct session *s, const struct rule *r)
{
	if (r->hop == HOP_BEGIN && s->hops < UCHAR_MAX) {
		s->hops++;
		s->hop_started = false;
	} else if (r->hop == HOP_UP && s->hops > 0) {
		s->hop_up = true;
	}
}

void session_apply(struct session *s, const struct rule *r, int ruleidx, const struct event *ev,
		   const struct capture *caps, int ncaps)
{
	struct hit tmp; /* for templates, which read a hit's captures */
	hit_init(&tmp, ruleidx, (struct capture *)caps, ncaps);
	bool own = hop_enter(s, r) && !ev->hop;
	/* (the lines that open and close a hop are the session's: the target's rules refer to them) */
	bool own_hit = own || r->hop != HOP_NONE;
	s->hitset[(own_hit ? 0 : s->hitbytes) + ruleidx / 8] |= (unsigned char)(1u << (ruleidx % 8));
	if (r->phase || r->outcome || !r->signal)
		s->touched = true;
	/* a line in the log's own shape moved the attempt on (a warning printed before ssh's
	 * version line, or prose quoting an error, does not make an attempt of its own) */
	if (r->phase && !(ev->fam == FAM_WINSCP && ev->mark == MARK_PLAIN))
		s->structured = true;
	for (int i = 0; i < r->nsets; i++) {
		enum fact f = hop_fact(r->sets[i].fact, own);
		if (f == F_COUNT)
			continue;
		const char *v = fill_in_set(&scratch_apply, &r->sets[i], &tmp, s);
		/* (v is the fact itself when the template names the fact it sets, and no capture
		 * gave a value: nothing to set, in a hop neither) */
		if (!strchr(v, '<') && v != s->facts[f] && v != s->facts[r->sets[i].fact])
			set_fact(s, f, v);
	}
	for (int i = 0; i < r->ndefaults; i++) {
		enum fact f = hop_fact(r->defaults[i].fact, own);
		if (f == F_COUNT || s->facts[f])
			continue;
		const char *v = fill_in_set(&scratch_apply, &r->defaults[i], &tmp, s);
		if (!strchr(v, '<'))
			set_fact(s, f, v);
	}
	s->locked |= r->locks;
	if (r->signal && own && r->phase > s->phase_seen)
		s->phase_seen = r->phase;
	if (r->session_end)
		s->ended = true;
	/* a finding that must end the log, or whose facts must match, sets its outcome only if
	 * it holds (collect_findings) */
	if (r->outcome && (own || r->outcome != OUT_SUCCESS) && !((r->last_line || r->nwhen) && !r->signal)) {
		s->outcome = s->outcome_seen = r->outcome;
		if (r->outcome == OUT_SUCCESS) {
			s->success_input = ev->input;
			s->success_line = ev->line;
		}
	}
	if (r->auth_method && own)
		add_auth(s, r, ev, &tmp);
	hop_leave(s, r);
	if (r->signal)
		return;
	struct hit *h = hit_for(s, ruleidx);
	if (h->in_hop && own) /* the target's own match says more than the hop's: it starts over */
		hit_init(h, ruleidx, NULL, 0);
	if (h->count == 0) {
		h->in_hop = !own;
		h->hop_facts = !own && !r->names_proxy;
	}
	h->count++;
	h->last = ev->line;
	if (h->nev < MAX_EVIDENCE)
		copy_evidence(s, &h->ev[h->nev++], ev, NULL);
	if (h->count == 1 && ncaps > 0)
		keep_captures(s, h, caps, ncaps, r->latest_captures);
	else if (r->latest_captures && !h->caps_fixed)
		replace_captures(h, caps, ncaps);
}

/* ---- evaluation ---- */

/* A reference holds if a signal it names matched, or a finding it names survives its own
 * conditions (surv: one bit per rule, from the previous round of evaluation). A finding of the
 * target's counts the target's lines only (a jump host's "Access granted" is not the target's);
 * one of a hop's counts both. */
static bool ref_hit(const struct session *s, const struct ruletable *t, const struct ref *r,
		    const unsigned char *surv, bool hop)
{
	for (int i = 0; i < r->n; i++) {
		int k = r->idx[i];
		if (!session_rule_hit(s, k, hop))
			continue;
		if (t->rules[k].signal || !surv || (surv[k / 8] & (1u << (k % 8))))
			return true;
	}
	return false;
}

static bool facts_match(const struct session *s, const struct rule *r)
{
	for (int i = 0; i < r->nwhen; i++) {
		const char *v = s->facts[r->when[i].fact];
		if (!v || !r->when[i].code)
			return false;
		if (!scratch_md && !(scratch_md = pcre2_match_data_create(1, NULL)))
			diex(EXIT_INTERNAL, "out of memory");
		int rc = pcre2_match(r->when[i].code, (PCRE2_SPTR)v, strlen(v), 0, 0, scratch_md, NULL);
		if (rc < 0)
			return false;
	}
	return true;
}

static bool conditions_hold(const struct session *s, const struct ruletable *t, const struct hit *h,
			    const unsigned char *surv)
{
	const struct rule *r = &t->rules[h->rule];
	for (int i = 0; i < r->nrequires; i++)
		if (!ref_hit(s, t, &r->requires[i], surv, h->in_hop))
			return false;
	if (r->nrequires_any) {
		bool any = false;
		for (int i = 0; i < r->nrequires_any && !any; i++)
			any = ref_hit(s, t, &r->requires_any[i], surv, h->in_hop);
		if (!any)
			return false;
	}
	for (int i = 0; i < r->nexcludes; i++)
		if (ref_hit(s, t, &r->excludes[i], surv, h->in_hop))
			return false;
	return facts_match(s, r);
}

/* Which finding rules survive: conditions on findings refer to findings that themselves
 * survive, so settle it in a few rounds (it converges at once in practice). */
static unsigned char *surviving_rules(struct session *s, const struct ruletable *t)
{
	size_t nb = (size_t)t->nrules / 8 + 1;
	unsigned char *surv = NULL, *next = arena_alloc(&s->mem, nb), *spare = arena_alloc(&s->mem, nb);
	for (int round = 0; round < 4; round++) {
		memset(next, 0, nb);
		for (int i = 0; i < s->nhits; i++) {
			int k = s->hits[i].rule;
			if (conditions_hold(s, t, &s->hits[i], surv))
				next[k / 8] |= (unsigned char)(1u << (k % 8));
		}
		bool same = surv && memcmp(surv, next, nb) == 0;
		unsigned char *old = surv ? surv : spare;
		surv = next;
		next = old;
		if (same)
			break;
	}
	return surv;
}

static int cmp_evidence(const void *a, const void *b)
{
	const struct evidence *x = a, *y = b;
	if (x->input != y->input)
		return x->input < y->input ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void add_evidence(struct finding *f, const struct evidence *ev, int n)
{
	for (int i = 0; i < n && f->nev < f->capev; i++) {
		bool dup = false;
		for (int k = 0; k < f->nev && !dup; k++)
			dup = f->ev[k].input == ev[i].input && f->ev[k].line == ev[i].line;
		if (!dup)
			f->ev[f->nev++] = ev[i];
	}
}

static uint64_t first_line_of(const struct finding *f)
{
	return f->nev ? f->ev[0].line : UINT64_MAX;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	bool fx = x->folded_by != NULL, fy = y->folded_by != NULL;
	if (fx != fy)
		return fx - fy;
	if (x->downgraded != y->downgraded)
		return x->downgraded - y->downgraded;
	if (x->priority != y->priority)
		return y->priority - x->priority;
	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	uint64_t lx = first_line_of(x), ly = first_line_of(y);
	return lx < ly ? -1 : lx > ly;
}

static int find_diag(const struct session *s, const char *diag)
{
	for (int i = 0; i < s->nfindings; i++)
		if (strcmp(s->findings[i].id, diag) == 0)
			return i;
	return -1;
}

/* The outcome of a finding that holds only when the session's facts match (when): known at
 * the end, it is the last word, as of the finding's latest line. */
static void set_held_outcome(struct session *s, const struct rule *r, const struct hit *h)
{
	s->outcome = r->outcome;
	if (r->outcome == OUT_SUCCESS && h->nev > 0) {
		s->success_input = h->ev[h->nev - 1].input;
		s->success_line = h->last;
	}
}

/* One finding per diagnosis id: the highest-priority variant leads, the others add evidence. */
static void collect_findings(struct session *s, const struct ruletable *t)
{
	unsigned char *surv = surviving_rules(s, t);
	s->findings = arena_zalloc(&s->mem, ((size_t)s->nhits + 1) * sizeof *s->findings);
	for (int i = 0; i < s->nhits; i++) {
		const struct hit *h = &s->hits[i];
		const struct rule *r = &t->rules[h->rule];
		if (!(surv[h->rule / 8] & (1u << (h->rule % 8))))
			continue;
		if (r->last_line && h->last != s->last_line)
			continue; /* the log went on after this line */
		if (r->last_line && r->outcome && (!h->in_hop || r->outcome != OUT_SUCCESS))
			s->outcome = r->outcome; /* the last line: no later one overrides it */
		else if (r->nwhen && r->outcome && (!h->in_hop || r->outcome != OUT_SUCCESS))
			set_held_outcome(s, r, h); /* its facts say what the lines meant */
		/* a finding's phase counts only if it holds: WinSCP's "Authentication failed." after
		 * "Error opening tunnel." is the jump host's, and the target was never reached */
		if (r->phase > s->phase && !h->in_hop)
			s->phase = r->phase;
		int k = find_diag(s, r->diag);
		if (k < 0) {
			struct finding *f = &s->findings[s->nfindings++];
			*f = (struct finding){ .rule = r, .id = r->diag, .severity = r->severity,
				.confidence = r->confidence, .priority = r->priority,
				.capev = 2 * MAX_EVIDENCE, .hit = h };
			f->ev = arena_alloc(&s->mem, (size_t)f->capev * sizeof *f->ev);
			add_evidence(f, h->ev, h->nev);
			continue;
		}
		struct finding *f = &s->findings[k];
		if (r->priority > f->priority) { /* this variant leads; the old one's lines stay */
			f->rule = r;
			f->severity = r->severity;
			f->confidence = r->confidence;
			f->priority = r->priority;
			f->hit = h;
		}
		add_evidence(f, h->ev, h->nev);
	}
	for (int i = 0; i < s->nfindings; i++)
		qsort(s->findings[i].ev, (size_t)s->findings[i].nev, sizeof *s->findings[i].ev, cmp_evidence);
}

/* When the cause comes from one log (the server's) and the symptom from another (the
 * client's), the cause's evidence cites both. */
static void cite_other_inputs(struct finding *f, const struct finding *symptom)
{
	int own = f->nev;
	for (int i = 0; i < symptom->nev && f->nev < f->capev; i++) {
		bool cited = false;
		for (int k = 0; k < own && !cited; k++)
			cited = f->ev[k].input == symptom->ev[i].input;
		if (!cited)
			f->ev[f->nev++] = symptom->ev[i];
	}
}

static void fold_findings(struct session *s)
{
	/* Highest priority explains first; a folded finding explains nothing further. */
	bool *done = arena_zalloc(&s->mem, ((size_t)s->nfindings + 1) * sizeof *done);
	for (int pass = 0; pass < s->nfindings; pass++) {
		int best = -1;
		for (int i = 0; i < s->nfindings; i++)
			if (!done[i] && !s->findings[i].folded_by &&
			    (best < 0 || s->findings[i].priority > s->findings[best].priority))
				best = i;
		if (best < 0)
			break;
		done[best] = true;
		struct finding *f = &s->findings[best];
		for (int e = 0; e < f->rule->nexplains; e++) {
			int k = find_diag(s, f->rule->explains[e]);
			if (k >= 0 && k != best && !s->findings[k].folded_by) {
				s->findings[k].folded_by = f->id;
				cite_other_inputs(f, &s->findings[k]);
			}
		}
	}
}

/* The finding's latest line in input, 0 if it cites none there: in a client's session joined
 * with the server's, the lines of the other input do not say when it happened. */
static uint64_t last_line_in(const struct finding *f, unsigned input)
{
	uint64_t last = 0;
	for (int i = 0; i < f->nev; i++)
		if (f->ev[i].input == input && f->ev[i].line > last)
			last = f->ev[i].line;
	return last;
}

/* A problem seen before the session went on to succeed did not stop it. */
static void downgrade_before_success(struct session *s)
{
	if (s->outcome != OUT_SUCCESS)
		return;
	for (int i = 0; i < s->nfindings; i++) {
		struct finding *f = &s->findings[i];
		if (f->severity != SEV_ERROR)
			continue;
		uint64_t last = last_line_in(f, s->success_input);
		if (last && last < s->success_line) {
			f->severity = SEV_WARNING;
			f->downgraded = true;
		}
	}
	/* an error that came after the success ended what the success began (sshd's forced
	 * password change closes the session it accepted) */
	for (int i = 0; i < s->nfindings; i++) {
		const struct finding *f = &s->findings[i];
		if (f->severity == SEV_ERROR && !f->folded_by && last_line_in(f, s->success_input) > s->success_line)
			s->outcome = OUT_FAILED;
	}
}

static void add_unexplained(struct session *s)
{
	for (int i = 0; i < s->nfindings; i++)
		if (!s->findings[i].folded_by && s->findings[i].severity == SEV_ERROR)
			return;
	if (s->outcome != OUT_FAILED)
		return;
	/* the ring no longer turns once the session is evaluated: its texts can be shared */
	s->owned_ev = arena_alloc(&s->mem, ERR_RING * sizeof *s->owned_ev);
	int n = 0;
	for (int k = 0; k < s->nerr; k++)
		s->owned_ev[n++] = s->errs[(s->errpos - s->nerr + k + ERR_RING) % ERR_RING];
	s->findings[s->nfindings++] = (struct finding){ .rule = NULL, .id = "unexplained",
		.severity = SEV_ERROR, .confidence = CONF_LOW, .priority = 0, .ev = s->owned_ev,
		.nev = n, .capev = n };
}

/* Before a new evaluation (after a merge): the old findings stay in the arena, unused; a
 * session is evaluated once, or once more per merged session. */
static void drop_findings(struct session *s)
{
	s->owned_ev = NULL;
	s->findings = NULL;
	s->nfindings = 0;
}

void session_evaluate(struct session *s, const struct ruletable *t)
{
	drop_findings(s);
	s->outcome = s->outcome_seen;
	s->phase = s->phase_seen;
	collect_findings(s, t);
	if (s->outcome == OUT_UNKNOWN)
		for (int i = 0; i < s->nfindings; i++)
			if (s->findings[i].severity == SEV_ERROR)
				s->outcome = OUT_FAILED;
	fold_findings(s);
	downgrade_before_success(s);
	add_unexplained(s);
	qsort(s->findings, (size_t)s->nfindings, sizeof *s->findings, cmp_finding);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	arena_free(&s->mem); /* the blocks after the first: that one is in the session's allocation */
	if (npool < POOL_MAX && !arena_checked()) {
		pool[npool++] = (struct session_alloc *)s;
		return;
	}
	free(s->hits);
	free(s);
}

static void renumber_evidence(struct evidence *ev, int n, unsigned input, uint64_t base)
{
	for (int i = 0; i < n; i++)
		if (ev[i].input == input && ev[i].line)
			ev[i].line = base - ev[i].line;
}

void session_renumber(struct session *s, unsigned input, uint64_t base)
{
	for (int i = 0; i < s->nhits; i++) {
		renumber_evidence(s->hits[i].ev, s->hits[i].nev, input, base);
		if (s->first_input == input && s->hits[i].last)
			s->hits[i].last = base - s->hits[i].last;
	}
	for (int i = 0; i < s->nfindings; i++)
		renumber_evidence(s->findings[i].ev, s->findings[i].nev, input, base);
	renumber_evidence(s->errs, s->nerr < ERR_RING ? s->nerr : ERR_RING, input, base);
	for (int i = 0; i < s->nauth; i++)
		if (s->auth[i].input == input && s->auth[i].line)
			s->auth[i].line = base - s->auth[i].line;
	if (s->first_input == input) {
		/* the span's ends swap: the first line in time is the last in the file */
		uint64_t first = s->first_line, last = s->last_line;
		s->first_line = last ? base - last : 0;
		s->last_line = first ? base - first : 0;
	}
	if (s->success_input == input && s->success_line)
		s->success_line = base - s->success_line;
}

size_t session_bytes(const struct session *s)
{
	return sizeof(struct session_alloc) + s->mem.bytes + (size_t)s->caphits * sizeof *s->hits;
}

void session_pool_free(void)
{
	while (npool > 0) {
		struct session_alloc *sa = pool[--npool];
		free(sa->s.hits);
		free(sa);
	}
}

/* ---- templates ---- */

static const char *capture_value(const struct hit *h, const char *name, size_t n)
{
	if (!h)
		return NULL;
	for (int i = 0; i < h->ncaps; i++)
		if (equals_n(h->caps[i].name, name, n))
			return *h->caps[i].value ? h->caps[i].value : NULL;
	return NULL;
}

/* A session's fact as a finding sees it: one that a proxy hop's lines made speaks of the jump
 * host, so its host, port, user, server and host key are the hop's (hop_fact), not the
 * target's; the target's address is no value there. */
static const char *fact_seen(const struct session *s, const struct hit *h, enum fact f)
{
	if (!s)
		return NULL;
	f = hop_fact(f, !(h && h->hop_facts));
	return f == F_COUNT ? NULL : s->facts[f];
}

/* "[host]:port" unless the port is 22: the name known_hosts files use. */
static void host_key_name(struct sbuf *out, const struct hit *h, const struct session *s)
{
	const char *host = capture_value(h, "host", 4);
	if (!host)
		host = fact_seen(s, h, F_HOST) ? fact_seen(s, h, F_HOST) : fact_seen(s, h, F_ADDRESS);
	const char *port = capture_value(h, "port", 4);
	if (!port)
		port = fact_seen(s, h, F_PORT);
	if (!host) {
		sb_adds(out, "<host>");
		return;
	}
	if (host[0] == '[' || !port || strcmp(port, "22") == 0) {
		sb_adds(out, host);
		return;
	}
	sb_printf(out, "[%s]:%s", host, port);
}

/* What a placeholder names: the match's capture of that name, else the session's fact. */
static const char *value_of(const char *name, size_t n, const struct hit *h, const struct session *s)
{
	const char *v = capture_value(h, name, n);
	if (v)
		return v;
	int f = fact_from_name(name, n);
	return f >= 0 ? fact_seen(s, h, (enum fact)f) : NULL;
}

void render_template(struct sbuf *out, const char *tmpl, const struct hit *h, const struct session *s)
{
	render_template_f(out, tmpl, h, s, NULL, NULL);
}

/* Reused: a report renders thousands of placeholders, none of them nested. Per thread: the
 * analysis renders "sets" templates while the report's writer thread renders texts. */
static _Thread_local struct sbuf scratch_v, scratch_f;

void template_scratch_free(void)
{
	sb_free(&scratch_v);
	sb_free(&scratch_f);
	sb_free(&scratch_apply);
	pcre2_match_data_free(scratch_md);
	scratch_md = NULL;
}

#define SHELL_SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:/@"

/* A Windows path ("C:\\Users\\…", "\\\\server\\share"), typed at cmd.exe or PowerShell, where
 * single quotes are no quotes (cmd.exe): as it is, or in double quotes, which both take. */
static bool add_windows_path(struct sbuf *out, const char *v)
{
	bool drive = isalpha((unsigned char)v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/');
	if (!drive && !(v[0] == '\\' && v[1] == '\\'))
		return false;
	if (strpbrk(v, "\"%$`")) /* what double quotes would not keep: leave it to POSIX quoting */
		return false;
	if (!strpbrk(v, " \t&()[]{}^=;!'+,~"))
		sb_adds(out, v);
	else
		sb_printf(out, "\"%s\"", v);
	return true;
}

/* A value quoted for a POSIX shell, except a leading "~/" or "~user/", which quotes would keep
 * from expanding: ~/.ssh/id_work, ~/'my keys/id'; and a Windows path (add_windows_path). */
static void add_shell_word(struct sbuf *out, const char *v)
{
	if (add_windows_path(out, v))
		return;
	if (v[0] == '~') {
		size_t n = 1 + strspn(v + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		if (v[n] == '/') {
			sb_add(out, v, n + 1);
			v += n + 1;
			if (!v[strspn(v, SHELL_SAFE)]) { /* nothing left that the shell would split */
				sb_adds(out, v);
				return;
			}
		}
	}
	sb_add_shquoted(out, v);
}

/* A value as a command's argument: as it is when the shell takes it so, else quoted. */
static void add_argument(struct sbuf *out, const char *v)
{
	if (v[strspn(v, SHELL_SAFE)])
		add_shell_word(out, v);
	else
		sb_adds(out, v);
}

void render_placeholder(struct sbuf *out, const struct template_piece *pc, const struct hit *h,
			const struct session *s, value_filter filter, void *arg)
{
	const char *name = pc->s;
	size_t n = pc->len;
	struct sbuf *v = &scratch_v, *shown = v;
	sb_clear(v);
	if (n == 13 && memcmp(name, "host_key_name", 13) == 0) {
		host_key_name(v, h, s);
	} else {
		const char *val = value_of(name, n, h, s);
		if (val)
			sb_adds(v, val);
	}
	if (v->len && filter && strcmp(v->s, "<host>") != 0) { /* values from the log: mask, redact */
		shown = &scratch_f;
		sb_clear(shown);
		filter(shown, v->s, arg);
	}
	/* a masked password ("********" where a user name stood) is no value for a command */
	bool unknown = !shown->len || strcmp(shown->s, "<host>") == 0 || strcmp(shown->s, "********") == 0;
	if (pc->opt) { /* "-p 2222 " or nothing */
		if (!unknown) {
			sb_printf(out, "-%c ", pc->opt);
			add_argument(out, shown->s);
			if (pc->space)
				sb_addc(out, ' ');
		}
	} else if (unknown && pc->alt) {
		sb_add(out, pc->alt, pc->altlen);
	} else if (unknown) {
		sb_addc(out, '<');
		sb_add(out, name, n);
		sb_addc(out, '>');
	} else if (pc->sh) {
		add_shell_word(out, shown->s);
	} else {
		sb_add(out, shown->s, shown->len);
	}
}

void render_template_f(struct sbuf *out, const char *tmpl, const struct hit *h, const struct session *s,
		       value_filter filter, void *arg)
{
	sb_add(out, "", 0);
	struct template_piece pc;
	for (size_t at = 0, len; (len = template_piece(tmpl + at, &pc)) != 0; at += len) {
		if (pc.placeholder)
			render_placeholder(out, &pc, h, s, filter, arg);
		else
			sb_add(out, pc.s, pc.len);
	}
}

void session_merge(struct session *dst, struct session *src, const struct ruletable *t)
{
	dst->inputs |= src->inputs;
	for (size_t i = 0; i < 2 * dst->hitbytes; i++)
		dst->hitset[i] |= src->hitset[i];
	for (int i = 0; i < src->nhits; i++) {
		struct hit *from = &src->hits[i];
		struct hit *to = hit_for(dst, from->rule);
		if (to->count == 0) {
			to->in_hop = from->in_hop;
			to->hop_facts = from->hop_facts;
		}
		to->count += from->count;
		/* copied into dst's arena: src goes, arena and all */
		for (int k = 0; k < from->nev && to->nev < MAX_EVIDENCE; k++) {
			to->ev[to->nev] = from->ev[k];
			to->ev[to->nev++].text = arena_strndup(&dst->mem, from->ev[k].text, strlen(from->ev[k].text));
		}
		if (!to->caps && from->ncaps) {
			to->caps = arena_alloc(&dst->mem, (size_t)from->ncaps * sizeof *to->caps);
			for (int k = 0; k < from->ncaps; k++) {
				to->caps[k].name = arena_strndup(&dst->mem, from->caps[k].name, strlen(from->caps[k].name));
				to->caps[k].value = arena_strndup(&dst->mem, from->caps[k].value, strlen(from->caps[k].value));
			}
			to->ncaps = from->ncaps;
			to->caps_fixed = true; /* copied to their length: never replaced in place */
		}
	}
	for (int f = 0; f < F_COUNT; f++)
		if (!dst->facts[f] && src->facts[f] && f != F_CLIENT && f != F_CLIENT_VERSION && f != F_PID &&
		    !fact_locked(dst, f))
			dst->facts[f] = arena_restr(&dst->mem, NULL, &dst->factcap[f], src->facts[f], strlen(src->facts[f]));
	dst->locked |= src->locked;
	if (dst->outcome_seen == OUT_UNKNOWN)
		dst->outcome_seen = src->outcome_seen;
	session_evaluate(dst, t);
}
