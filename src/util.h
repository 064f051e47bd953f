/* util.h — allocation that dies cleanly, one-line errors, a growable string. */
#ifndef LOGLENS_UTIL_H
#define LOGLENS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes (documented in loglens(1)). */
enum {
	EXIT_CLEAN = 0,      /* no problem found */
	EXIT_PROBLEMS = 1,   /* problem(s) diagnosed */
	EXIT_USAGE = 2,      /* usage error */
	EXIT_INPUT = 3,      /* an input could not be read */
	EXIT_RULES = 4,      /* invalid rule file */
	EXIT_INTERNAL = 5    /* out of memory, write error */
};

extern const char *progname;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* "loglens: <message>" on stderr, like warnx(3). */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void diex(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable, always NUL-terminated byte string. */
struct sbuf {
	char *s;
	size_t len, cap;
};

void sb_init(struct sbuf *b);
void sb_free(struct sbuf *b);
void sb_clear(struct sbuf *b);
void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_adds(struct sbuf *b, const char *s);
void sb_addc(struct sbuf *b, char c);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s quoted for a POSIX shell: 'it'\''s'. */
void sb_add_shquoted(struct sbuf *b, const char *s);
char *sb_steal(struct sbuf *b);

bool starts_with(const char *s, size_t n, const char *prefix);
bool is_blank(const char *s, size_t n);

#endif
