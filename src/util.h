/* util.h — allocation that dies cleanly, one-line errors, a growable string. */
#ifndef LOGLENS_UTIL_H
#define LOGLENS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

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
/* Room for extra more bytes and the NUL (the slow path of the appends below). */
void sb_grow(struct sbuf *b, size_t extra);
/* The appends are inline: the reporters and the session model make millions of them. */
static inline void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		sb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}
static inline void sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}
static inline void sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s quoted for a POSIX shell: 'it'\''s'. */
void sb_add_shquoted(struct sbuf *b, const char *s);
char *sb_steal(struct sbuf *b);

/* An ASCII digit, whatever the locale (isdigit's answer may depend on it). */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Does t (n bytes) begin with shape ('d': a digit, else that byte)? The time stamps of logs. */
static inline bool shaped(const char *t, size_t n, const char *shape)
{
	for (size_t i = 0; shape[i]; i++)
		if (i >= n || (shape[i] == 'd' ? !is_digit(t[i]) : t[i] != shape[i]))
			return false;
	return true;
}

/* FNV-1a: the hash of the project's tables (sessions by channel, rules by id, --redact's values). */
static inline uint32_t hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* Is the string z the n bytes at s? Stops at the first difference: names are looked up in
 * short lists on every match, where most differ in their first byte. */
static inline bool equals_n(const char *z, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && z[i] && z[i] == s[i]) /* s may hold a NUL: never read past z's end */
		i++;
	return i == n && z[n] == '\0';
}

/* Inline, so that a constant prefix's length is folded at compile time. */
static inline bool starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}
bool is_blank(const char *s, size_t n);
/* n, or less than max bytes of s[0..n) if it is longer: never inside a UTF-8 character. */
size_t utf8_cut(const char *s, size_t n, size_t max);
/* Is s[0..n) well-formed UTF-8 (RFC 3629)? cut: s was cut short, so its last sequence may end
 * unfinished. */
bool utf8_valid(const unsigned char *s, size_t n, bool cut);
/* OpenSSH writes every byte outside printable ASCII of a log message as a backslash and three
 * octal digits (strnvis VIS_OCTAL): a path in C:\Users\田中 reads C:\\Users\\\347\224\260\344\270\255.
 * Decode those escapes in s[0..n), in place, where the bytes they give are UTF-8 text (and only
 * then: "\\" stays as it is); returns the new length. */
size_t unvis_utf8(char *s, size_t n);

/* A bump allocator: many small pieces, one free. Blocks grow by doubling from next_size (or
 * 4 KiB) up to 64 KiB. cur/end may be set to a first block the owner provides; it is never
 * freed here. Under AddressSanitizer each piece is a malloc of its own, so that an overflow is
 * caught at the piece's end rather than somewhere inside a shared block. */
struct arena_block;
struct arena {
	struct arena_block *blocks;
	char *cur, *end;
	size_t next_size;
	size_t bytes;               /* in blocks: what holding it costs */
};

void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);
/* Does this build give every piece its own malloc (AddressSanitizer)? */
bool arena_checked(void);

/* One thread sleeps until a condition holds that another thread makes true; that thread wakes
 * it only if it sleeps, so that the common case takes no lock. The sleeper raises its flag and
 * then tests the condition (under the mutex); the other side makes the condition true and then
 * looks at the flag: both sequentially consistent, so one of the two sees the other and no
 * wake-up is lost. The first waker lowers the flag: later calls, before the sleeper runs, take
 * no lock either. */
struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic bool sleeps;
};
void waiter_init(struct waiter *w);
void waiter_destroy(struct waiter *w);
void waiter_sleep_until(struct waiter *w, bool (*ready)(void *), void *arg);
void waiter_wake(struct waiter *w);

#endif
