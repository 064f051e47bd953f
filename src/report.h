/* report.h — rendering sessions and findings. Reporters read sessions; they parse nothing. */
#ifndef LOGLENS_REPORT_H
#define LOGLENS_REPORT_H

#include <stdio.h>

#include "analyze.h"
#include "rules.h"
#include "session.h"

struct redactor;

struct report_opts {
	enum lang lang;
	bool color;
	struct redactor *redact;   /* NULL: no pseudonyms */
	bool terminal;             /* text output: control characters from a log are neutralised */
	bool paired;               /* a client's log and a server's were given to be matched */
};

/* The run's tally for the closing summary (report_tally.c): sessions by outcome and, for each
 * diagnosis (a session's first finding), how many sessions have it and the first of them.
 * Bounded whatever the input: past TALLY_IDS diagnoses the sessions are only counted. */
#define TALLY_IDS 128
#define TALLY_REFS 5
struct tally_ref {
	unsigned pos;              /* in the report's order of sessions (the JSON's "sessions" array) */
	unsigned index;            /* the session's own index (the text report's number - 1) */
	unsigned input;            /* the input it is reported under */
};
struct tally_row {
	const char *id;            /* the rule table's: it outlives the report */
	enum severity severity;
	unsigned sessions, nrefs;
	struct tally_ref ref[TALLY_REFS];
};
struct tally {
	unsigned sessions, outcome[3], no_finding, other_sessions, nrows;
	struct tally_row row[TALLY_IDS];
};
void tally_session(struct tally *t, const struct session *s, unsigned pos, unsigned input);
/* Order the rows: most sessions first, then by first appearance. */
void tally_sort(struct tally *t);

struct reporter {
	void (*begin)(struct reporter *);
	void (*input_begin)(struct reporter *, const struct input_info *);
	void (*session)(struct reporter *, const struct session *);
	void (*input_end)(struct reporter *, const struct input_info *);
	void (*end)(struct reporter *, int exit_code);
	FILE *out;
	struct report_opts o;
	const struct ruletable *t;
	/* shared state */
	unsigned nsessions;
	const struct input_info **inputs;
	unsigned ninputs;
	unsigned shown_in_input;   /* sessions printed since the last input_begin */
	bool owns_sessions;        /* session() frees the sessions it is given (reporter_async) */
	unsigned input_now;        /* the index of the input being reported */
	struct tally tally;
};

void reporter_text_init(struct reporter *r);
void reporter_json_init(struct reporter *r);
/* Move an initialised reporter's writing to a thread of its own (report_async.c); it stays
 * synchronous if no thread can be started. */
void reporter_async(struct reporter *r);
/* Wait until everything handed to the reporter is written, then flush its stream. */
void reporter_sync(struct reporter *r);

/* UI words in both languages (report_i18n.c). */
enum label {
	L_SESSION, L_REACHED, L_OUTCOME, L_SERVER, L_VIA, L_WHAT_TO_DO, L_CANDIDATES, L_CHECK,
	L_EVIDENCE, L_LINE, L_ALSO_EXPLAINS, L_MORE, L_NO_SESSIONS, L_SUCCESS_PLAIN,
	L_CONFIDENCE, L_INPUT_ERROR, L_LINES, L_UNEXPLAINED_TITLE, L_UNEXPLAINED_DIAG,
	L_UNEXPLAINED_STEP1, L_UNEXPLAINED_STEP2, L_UNEXPLAINED_STEP3, L_NO_FINDINGS_UNKNOWN,
	L_WARNING, L_ERROR, L_INFO, L_DOWNGRADED, L_MATCHED_ABOVE, L_UNMATCHED_CLIENT,
	L_UNMATCHED_SERVER, L_SERVER_ITSELF, L_DOWNGRADED_SERVER, L_SUMMARY, L_SUMMARY_NONE,
	L_SUMMARY_OTHER, L_SESSION_WORD, L_SESSIONS_WORD, L_ORDER_REVERSED, L_ORDER_NEWEST_FIRST, L_COUNT
};
const char *label(enum lang l, enum label k);
const char *phase_label(enum lang l, enum phase p, const char *protocol);
const char *outcome_label(enum lang l, enum outcome o);
const char *format_label(enum lang l, enum format f);
const char *text_of(const struct text *t, enum lang l);

/* Render a rule text for a finding, with placeholders filled and redaction applied. */
void render_finding_text(struct sbuf *out, const char *tmpl, const struct finding *f,
			 const struct session *s, const struct report_opts *o);
/* One placeholder of such a text, filled in the same way (report_json.c keeps the rest ready). */
void render_finding_placeholder(struct sbuf *out, const struct template_piece *pc, const struct finding *f,
				const struct session *s, const struct report_opts *o);
/* Evidence / free text as shown: passwords masked always, pseudonyms with --redact. */
void render_shown(struct sbuf *out, const char *text, const struct report_opts *o);
/* With --redact: the session's identifying facts become pseudonyms wherever they appear. */
void learn_session(const struct session *s, const struct report_opts *o);
/* client → user@host:port summary pieces */
void session_target(struct sbuf *out, const struct session *s, const struct report_opts *o);

#endif
