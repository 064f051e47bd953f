/* rules.h — the rule table: read from JSON (embedded default + --rules), validated, compiled;
 * or, for the default table alone, precompiled at build time (gen_table.c) so that start-up
 * parses nothing. Knows nothing of sessions or output formats. */
#ifndef LOGLENS_RULES_H
#define LOGLENS_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>

#include "event.h"

/* A proxy hop (ProxyJump's jump host) logs in inside the target's session: from HOP_BEGIN until
 * the HOP_END line that follows HOP_UP, its progress is not the target's. */
enum hop { HOP_NONE, HOP_BEGIN, HOP_UP, HOP_END };

enum phase {
	PH_NONE, PH_RESOLVE, PH_CONNECT, PH_BANNER, PH_KEX, PH_HOSTKEY, PH_AUTH,
	PH_SESSION, PH_SFTP, PH_TRANSFER, PH_COUNT
};
enum outcome { OUT_UNKNOWN, OUT_SUCCESS, OUT_FAILED };
enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };
enum confidence { CONF_LOW, CONF_MEDIUM, CONF_HIGH };

enum lang { LANG_EN, LANG_JA, LANG_COUNT };

/* Session facts a rule may set (`sets`) and a template may read. */
enum fact {
	F_CLIENT, F_CLIENT_VERSION, F_HOST, F_ADDRESS, F_PORT, F_USER, F_PROTOCOL, F_SERVER,
	F_HOSTKEY_TYPE, F_HOSTKEY_FP, F_KEYFILE, F_KNOWN_HOSTS_FILE, F_KNOWN_HOSTS_LINE,
	F_METHODS, F_SOURCE_ADDRESS, F_SOURCE_PORT, F_PID, F_LOG_LEVEL, F_TIMEZONE,
	F_SESSION_NAME, F_PROXY, F_TUNNEL, F_FTPS, F_PASSIVE, F_PASSWORD_CONFIGURED,
	F_KEYFILE_CONFIGURED, F_EXIT_STATUS, F_KEY_FP, F_CHILD_PID, F_CERT_FP, F_NEGOTIATION,
	F_PROXY_HOST, F_PROXY_PORT, F_PROXY_USER, F_PROXY_SERVER, F_PROXY_HOSTKEY_TYPE, F_PROXY_HOSTKEY_FP,
	F_FORWARD_HOST, F_FORWARD_PORT, F_SERVER_OS, F_COUNT
};
_Static_assert(F_COUNT <= 64, "a rule's \"locks\" and a session's locked facts are 64-bit sets");

struct text {
	char *s[LANG_COUNT];
};

struct candidate {
	struct text cause, check;
};

struct pattern {
	char *regex;
	char *literal;           /* required substring for the prefilter, or NULL */
	size_t litlen;
	bool anchored;           /* the literal begins the body ("^literal…") */
	char *second;            /* another literal a match needs: a cheap check before the regex */
	size_t secondlen;
	char **alts;             /* else: one of these is required (top-level alternation) */
	int nalts;
	pcre2_code *code;        /* compiled on first use */
	bool failed;             /* compile error already reported */
	bool jitted;             /* JIT compilation done (or not wanted): ready for the engine */
	bool jit;                /* ... and it succeeded: the engine calls pcre2_jit_match, which
	                          * skips pcre2_match's checks (~100 instructions a call) */
	int rule;
	/* the compiled code's name table (PCRE2_INFO_NAME*), read once: the engine uses it on
	 * every match */
	uint32_t namecount, nameentry;
	const unsigned char *nametable;
};

/* A pattern may have at most this many groups, and this many named ones: the engine's match
 * data and capture list have that room, and a group past it would be lost without a word. */
#define PATTERN_MAX_GROUPS 32
#define PATTERN_MAX_NAMED 16

struct fact_set {
	enum fact fact;
	char *tmpl;
	int lone;                /* session.c's note, made at first use: the name's length if tmpl
	                          * is one placeholder ("{user}"), -2 if it has none (a constant),
	                          * -1 otherwise, 0 not known yet */
	int lone_fact;           /* with lone > 0: the fact of that name, or -1 */
};

/* A reference to other rules (requires/excludes): the rule indexes it stands for. */
struct ref {
	char *name;
	int *idx;
	int n;
};

/* A condition on a session fact at evaluation ("when": {"port": "^21$"}). */
struct fact_cond {
	enum fact fact;
	char *regex;
	pcre2_code *code;
};

struct rule {
	char *id;
	char *diag;              /* id up to '/' */
	char *file;
	bool signal;
	unsigned famask, markmask;
	int first_pat, npats;    /* into table->pats */
	struct fact_set *sets;
	int nsets;
	struct fact_set *defaults;   /* "sets_default": only facts not learned yet */
	int ndefaults;
	uint64_t locks;              /* "locks": facts (bits by enum fact) no later line may change */
	enum hop hop;                /* "hop": a proxy hop's login begins, is up, or hands over */
	enum phase phase;
	enum outcome outcome;
	bool session_start;
	bool session_child;      /* sshd's post-login child speaks: an unknown PID joins the login */
	bool session_end;        /* the login ended (sshd's "Disconnected from user"): no child joins */
	bool session_service;    /* about the server itself (sshd not starting), not one connection */
	bool session_prelude;    /* sshd logs it for a connection before the connection's first line */
	bool last_line;          /* only if it matched the session's last line (a log that stops there) */
	bool latest_captures;    /* a later match's captures replace the first's, until one without */
	bool names_proxy;        /* its texts name a proxy_ or forward_ fact (derived) */
	char *auth_method, *auth_key, *auth_result;
	enum severity severity;
	enum confidence confidence;
	int priority;
	struct ref *requires, *requires_any, *excludes;
	int nrequires, nrequires_any, nexcludes;
	char **explains;
	int nexplains;
	struct fact_cond *when;
	int nwhen;
	struct text title, diagnosis;
	struct text *remedy;
	int nremedy;
	struct candidate *cands;
	int ncands;
	char **refs;
	int nrefs;
	char **ex_match, **ex_nomatch;
	int nex_match, nex_nomatch;
};

struct ruletable {
	struct rule *rules;
	int nrules, cap;
	struct pattern *pats;
	int npats, patcap;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	struct probe {           /* the backtracking probe's context, made at its first use */
		pcre2_match_context *mctx;
		pcre2_match_data *md;
	} probe;
	int *idhash;             /* open addressing: rule index + 1 by id, 0 = empty */
	int idcap;
	bool eager;              /* compile patterns at load (rule files given by the user) */
	bool borrowed;           /* rules, patterns, strings, id hash: static (precompiled) data */
};

struct ruletable *rules_new(void);
void rules_free(struct ruletable *t);
/* Load one JSON text; on error prints "file:line:col: …" and returns -1. */
int rules_load_text(struct ruletable *t, const char *file, const char *text, size_t len);
/* The built-in rule files (builtin), then each path: a file, or every *.json of a directory in
 * name order. Every problem is reported, in file order; -1 if there was any. */
int rules_load(struct ruletable *t, bool builtin, char *const *paths, int npaths);
int rules_load_embedded(struct ruletable *t);
/* The embedded default table as gen_table loaded and linked it at build time, written out as
 * static data (build/rules_table.c). Linked into loglens and the unit tests; not into the
 * loader itself (gen_table is built from it) nor the fuzz targets. */
extern const struct ruletable rules_precompiled;
/* A table for use that borrows a precompiled one's static data and adds the run-time parts:
 * match context, JIT stack, "when" regexes (patterns still compile lazily). The static
 * patterns hold the compiled code, so borrow one table at a time; rules_free releases it. */
struct ruletable *rules_borrow(const struct ruletable *pre);
/* Resolve requires/excludes names to rule indexes; -1 on an unknown name. */
int rules_link(struct ruletable *t);
/* Make a pattern ready to match, compiled and JIT-compiled (lazily called by the engine: a
 * rule file given with --rules is compiled at load, to report errors there, but JIT-compiled
 * only for the patterns lines actually reach). false if it does not compile. */
bool rules_compile(struct ruletable *t, struct pattern *p);
/* Compile every pattern and run every rule's examples; prints problems; returns count. */
int rules_check(struct ruletable *t, bool verbose);

const char *fact_name(enum fact f);
int fact_from_name(const char *s, size_t n);
const char *phase_name(enum phase p);
const char *outcome_name(enum outcome o);
const char *severity_name(enum severity s);
const char *confidence_name(enum confidence c);

/* The literal a regex cannot match without (longest run at depth 0), or NULL. */
char *regex_required_literal(const char *re);
/* For a regex whose top level is an alternation, one literal per alternative (a match needs one
 * of them); NULL if some alternative has none. *n receives the count. */
char **regex_literal_set(const char *re, int *n);
/* The literal run right after a leading "^" (at least 2 bytes), or NULL. */
char *regex_leading_literal(const char *re);
/* A second required literal, distinct from primary (checked with memmem before the regex). */
char *regex_second_literal(const char *re, const char *primary);

#endif
