/* correlate.h — a client's log and the server's log of the same attempt, matched session by
 * session without holding the server's log: main.c reads the inputs twice (see correlate.c). */
#ifndef LOGLENS_CORRELATE_H
#define LOGLENS_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"
#include "session.h"

struct correlator;

struct correlator *correlator_new(const struct ruletable *t);
void correlator_free(struct correlator *c);

/* First reading, input after input: keeps a key of each client session and, for each, the
 * best-fitting server session of another input read so far. Borrows s until
 * correlator_let_go(), then takes it. */
void correlator_survey(struct correlator *c, struct session *s);
/* The caller stops holding the sessions of the first reading (too many): those the correlator
 * still needs become its own, the others are freed. A second reading follows. */
void correlator_let_go(struct correlator *c, struct session **held, size_t n);
/* Whether server input i was read before a client input, so that its sessions must be read
 * again for those clients (main.c then feeds them to correlator_survey once more). */
bool correlator_rescan_begin(struct correlator *c, unsigned input);
/* After the first reading: settle which pairs are unambiguous. */
void correlator_resolve(struct correlator *c);
/* Second reading, or the held sessions in input order: s to report, merged with its server
 * side if it has one; or NULL for a server session merged into its client's (freed here unless
 * borrowed: a borrowed one may still be merged, so the caller frees it at the end). */
struct session *correlator_report(struct correlator *c, struct session *s);

#endif
