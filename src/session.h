/* session.h — one connection attempt and what was learned about it, and the tracker that
 * opens and closes sessions as events arrive. Knows rules only as data, nothing of output. */
#ifndef LOGLENS_SESSION_H
#define LOGLENS_SESSION_H

#include <stdint.h>

#include "event.h"
#include "rules.h"
#include "template.h"
#include "util.h"

#define MAX_EVIDENCE 6
#define MAX_AUTH 32
#define ERR_RING 4
#define EVIDENCE_TEXT_MAX 4096
#define CAPTURE_MAX 1024

struct evidence {
	unsigned input;
	uint64_t line;
	char *text;
	bool truncated;
};

struct capture {
	char *name, *value;
};

/* A finding rule that matched in this session. */
struct hit {
	int rule;
	struct evidence ev[MAX_EVIDENCE];
	int nev;
	uint64_t count;
	uint64_t last;                 /* line of the latest match */
	struct capture *caps;
	int ncaps;
	bool caps_fixed;               /* latest_captures: a match without captures came */
	bool in_hop;                   /* first matched while a proxy hop logged in */
	bool hop_facts;                /* so its texts read the hop's host, port, user (session.c) */
};

struct auth_attempt {
	char *method, *key, *result;
	unsigned input;
	uint64_t line;
};

/* The result of evaluation: a diagnosis with its evidence, ready to render. */
struct finding {
	const struct rule *rule;        /* NULL for "unexplained" */
	const char *id;
	enum severity severity;
	enum confidence confidence;
	int priority;
	struct evidence *ev;            /* own array; texts borrowed from hits or owned_ev */
	int nev, capev;
	const struct hit *hit;          /* first hit: captures */
	const char *folded_by;          /* id of the finding that explains this one, or NULL */
	bool downgraded;                /* seen before a later success */
};

struct session {
	unsigned index;                 /* 0-based, in report order */
	unsigned inputs;                /* bitmask of input indexes with evidence */
	unsigned first_input;
	char *channel;
	enum family fam;
	char *facts[F_COUNT];
	uint16_t factcap[F_COUNT];      /* room at facts[f]: a new value that fits overwrites it */
	uint32_t child_hash;          /* of facts[F_CHILD_PID] */
	enum phase phase;               /* after evaluation */
	enum phase phase_seen;          /* as the signals said it */
	enum outcome outcome;           /* after evaluation */
	enum outcome outcome_seen;      /* as the log said it */
	bool touched;
	bool structured;                /* got somewhere on a log's own lines, not only quoted prose */
	bool several_keys;              /* key_fingerprint took more than one value */
	bool ended;                     /* a "session": "end" line: the login is over */
	bool child_guessed;             /* its child_pid came from tracker_child_session */
	bool service;                   /* the server's own story ("session": "service"), not a connection's */
	unsigned char hops;             /* proxy hops logging in, one inside the other (-J a,b: 2) */
	bool hop_up;                    /* the innermost has opened the way on ("hop": "up") */
	bool hop_started;               /* the hop's own ssh printed its version line */
	uint64_t first_line, last_line;
	uint64_t locked;                /* facts a "locks" rule made final (bits by enum fact) */
	unsigned success_input;
	uint64_t success_line;
	unsigned char *hitset;          /* one bit per rule, own lines' then a hop's */
	size_t hitbytes;                /* the size of each of those two sets */
	struct hit *hits;
	int nhits, caphits;
	struct auth_attempt auth[MAX_AUTH];
	int nauth;
	struct evidence errs[ERR_RING];
	uint16_t errcap[ERR_RING];      /* room at errs[i].text, reused as the ring turns */
	int nerr, errpos;
	/* after session_evaluate() */
	struct finding *findings;
	int nfindings;
	struct evidence *owned_ev;
	struct arena mem;               /* everything above that points into it: one free for
	                                 * what was some forty allocations per sshd connection */
};

struct tracker;
typedef void (*session_sink)(struct session *s, void *arg);

struct tracker *tracker_new(const struct ruletable *t, session_sink sink, void *arg);
void tracker_free(struct tracker *tr);
/* The session an event belongs to; with start, a new one if the current one is touched. */
struct session *tracker_session(struct tracker *tr, const struct event *ev, bool start);
/* The same for a line of sshd's post-login child (a rule with "session": "child"): under a PID
 * with no session yet, a line that names its connection (address and port given) joins the open
 * session of that connection, one that names its user and address (no port: the SFTP server's)
 * the latest open login of that user from that address; the PID's next lines follow. A line
 * that names neither joins the latest login (Accepted) of the same input that has no child yet
 * and ended at most CHILD_REACH lines before, and whose user is user when user is given. */
struct session *tracker_child_session(struct tracker *tr, const struct event *ev, const char *user,
				      const char *address, const char *port);
/* The input's session of the server itself, for a line of a "session": "service" rule
 * (sshd not starting: each try is a new PID): the open one, which the line's PID then joins,
 * else, with open, the line's own session becomes it; NULL if none and not open. With open, a
 * line that begins another story (sshd started since; a new try failing by another rule than
 * the story's) closes the open one first. */
struct session *tracker_service_session(struct tracker *tr, const struct event *ev, bool open, int rule);
/* Close every open session (end of an input). */
/* The channel of the session the last line of input went to (NULL: none, or none of input). */
const char *tracker_last_channel(const struct tracker *tr, unsigned input);
/* The channel of the one login (Accepted, not ended) of input that ended at most CHILD_REACH
 * lines before line; NULL if none or more than one. */
const char *tracker_recent_login(const struct tracker *tr, unsigned input, uint64_t line);
void tracker_flush(struct tracker *tr);

void session_note_line(struct session *s, const struct event *ev);
void session_apply(struct session *s, const struct rule *r, int ruleidx, const struct event *ev,
		   const struct capture *caps, int ncaps);
void session_evaluate(struct session *s, const struct ruletable *t);
/* Fold another session's evidence (the server's side of the same attempt) into s, then
 * evaluate s again. src is left empty; free it. */
void session_merge(struct session *dst, struct session *src, const struct ruletable *t);
void session_free(struct session *s);
/* Lines of input were fed as base - n (a newest-first list read from its end): give them
 * their numbers in the input back. */
void session_renumber(struct session *s, unsigned input, uint64_t base);
/* About the memory s takes (to hold sessions within a budget). */
size_t session_bytes(const struct session *s);
/* Release the sessions this thread keeps for reuse (at exit). */
void session_pool_free(void);
bool session_rule_hit(const struct session *s, int rule, bool hop);

/* Expand {name} / {name|sh} from captures, then session facts; unknown → <name>. */
void render_template(struct sbuf *out, const char *tmpl, const struct hit *h, const struct session *s);
typedef void (*value_filter)(struct sbuf *out, const char *value, void *arg);
/* The same, passing every substituted value through filter (masking, pseudonyms). */
void render_template_f(struct sbuf *out, const char *tmpl, const struct hit *h, const struct session *s,
		       value_filter filter, void *arg);
/* One placeholder (a piece from template.h's template_piece) filled in, exactly as render_template_f fills it. */
void render_placeholder(struct sbuf *out, const struct template_piece *pc, const struct hit *h,
			const struct session *s, value_filter filter, void *arg);
/* Free the calling thread's template scratch buffers (a thread that rendered, before it ends). */
void template_scratch_free(void);

#endif
