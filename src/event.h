/* event.h — the shared nouns: a family, and an event (one tokenized line).
 * Tokenizers make events; the session model and the rule engine consume them. */
#ifndef LOGLENS_EVENT_H
#define LOGLENS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum family { FAM_NONE = 0, FAM_WINSCP, FAM_PUTTY, FAM_OPENSSH, FAM_SSHD, FAM_COUNT };

#define FAMBIT(f) (1u << (f))

/* Line marks, as rule "marks" name them. */
enum mark {
	MARK_NONE = 0,
	MARK_W_MSG,     /* WinSCP "." */
	MARK_W_OUT,     /* WinSCP "<" */
	MARK_W_IN,      /* WinSCP ">" */
	MARK_W_ERR,     /* WinSCP "!" */
	MARK_W_EXC,     /* WinSCP "*" */
	MARK_DEBUG1,
	MARK_DEBUG2,
	MARK_DEBUG3,
	MARK_PLAIN,
	MARK_EVENT,     /* PuTTY event-log line */
	MARK_COUNT
};

#define MARKBIT(m) (1u << (m))

struct event {
	unsigned input;          /* index of the input */
	uint64_t line;           /* 1-based physical line number */
	enum family fam;
	unsigned famask;         /* families whose rules apply (FAMBIT) */
	enum mark mark;
	const char *ts;          /* raw timestamp, or NULL */
	size_t tslen;
	const char *body;        /* what rules match against */
	size_t bodylen;
	const char *raw;         /* the whole physical line, for evidence */
	size_t rawlen;
	const char *channel;     /* WinSCP child session name, sshd PID or (a line without one)
				  * the peer "ADDR port N"; NULL for the main stream */
	size_t chlen;
	bool is_error;           /* worth quoting when nothing else explains a failure */
	bool noise;              /* hex dump / socket chatter: no rule runs */
	bool hop;                /* a proxy hop's own line (PuTTY's SSH proxy: "proxy: …") */
	bool win32;              /* a line of Win32-OpenSSH's own log file: the server is Windows */
	bool bare;               /* an sshd line without PID: with no peer named, its connection is
				  * the next line's (analyze.c holds it back until then) */
	bool echoed;             /* the command as typed, echoed by PowerShell after the run's first
				  * line: it tells about that run and starts no attempt of its own */
};

const char *family_name(enum family f);
enum family family_from_name(const char *s);
const char *mark_name(enum mark m);
enum mark mark_from_name(const char *s);

#endif
