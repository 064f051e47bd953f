/* correlate.h — a client's log and the server's log of the same attempt, matched session by
 * session without holding the server's log: main.c reads the inputs twice (see correlate.c). */
#ifndef LOGLENS_CORRELATE_H
#define LOGLENS_CORRELATE_H

#include <stdbool.h>

#include "rules.h"
#include "session.h"

struct correlator;

struct correlator *correlator_new(const struct ruletable *t);
void correlator_free(struct correlator *c);

/* First reading, input after input: keeps a key of each client session and, for each, the
 * best-fitting server session of another input read so far. Takes s. */
void correlator_survey(struct correlator *c, struct session *s);
/* Whether server input i was read before a client input, so that its sessions must be read
 * again for those clients (main.c then feeds them to correlator_survey once more). */
bool correlator_rescan_begin(struct correlator *c, unsigned input);
/* After the first reading: settle which pairs are unambiguous. */
void correlator_resolve(struct correlator *c);
/* Second reading, in the same order: s to report, merged with its server side if it has one;
 * or NULL for a server session already merged into its client's (s is then freed). */
struct session *correlator_report(struct correlator *c, struct session *s);

#endif
