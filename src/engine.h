/* engine.h — runs the rule table over events: a literal prefilter picks the few patterns a
 * line could match, PCRE2 (JIT) confirms them, and matches are handed to the session. */
#ifndef LOGLENS_ENGINE_H
#define LOGLENS_ENGINE_H

#include "event.h"
#include "rules.h"
#include "session.h"

struct engine;

struct engine *engine_new(struct ruletable *t);
void engine_free(struct engine *e);
void engine_feed(struct engine *e, struct tracker *tr, const struct event *ev);

/* Would one of the line's rules begin a session ("session": "start")? Nothing is recorded. */
bool engine_starts_session(struct engine *e, const struct event *ev);
/* Does a rule with "session": "prelude" match this line? */
bool engine_is_prelude(struct engine *e, const struct event *ev);
/* Does a rule with "session": "child" match this line (a line of a login's own process)? */
bool engine_is_child(struct engine *e, const struct event *ev);

/* Check that every pattern matching a rule's "match" example gets past the prefilter on it;
 * prints each problem (and a PASS/FAIL line when verbose); returns the count. */
int engine_check_examples(struct engine *e, bool verbose);

/* Statistics for --stats and the benchmark. */
struct engine_stats {
	uint64_t events, noise, prefilter_hits, regex_runs, matches;
};
const struct engine_stats *engine_stats(const struct engine *e);

#endif
