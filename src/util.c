/* util.c — the small things every other file leans on. */
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *progname = "loglens";

static _Noreturn void out_of_memory(void)
{
	fputs("loglens: out of memory\n", stderr);
	exit(EXIT_INTERNAL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void warnx_(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diex(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void sb_init(struct sbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void sb_free(struct sbuf *b)
{
	free(b->s);
	sb_init(b);
}

void sb_clear(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void sb_grow(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_add_shquoted(struct sbuf *b, const char *s)
{
	sb_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_adds(b, "'\\''");
		else
			sb_addc(b, *s);
	}
	sb_addc(b, '\'');
}

char *sb_steal(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	sb_init(b);
	return s;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max; /* s[k] is the first byte left out: back off while it continues a character */
	while (k > 0 && k + 3 > max && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

/* Is s[0..n) well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF)? cut: the line was cut at LINE_MAX_MATCH, so a sequence may end unfinished. */
bool utf8_valid(const unsigned char *s, size_t n, bool cut)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (k == 0)
			return false;
		for (size_t j = 1; j < k; j++) {
			if (i + j == n)
				return cut;
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		}
		if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) ||
		    (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))
			return false;
		i += k;
	}
	return true;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decode s[0..n) into out, escaped backslashes kept; the new length, 0 if no octal escape of a
 * byte past ASCII was found or the bytes decoded are not UTF-8. */
static size_t unvis_pass(const char *s, size_t n, char *out)
{
	size_t k = 0;
	bool decoded = false;
	for (size_t i = 0; i < n;) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') { /* an escaped backslash: kept */
			out[k++] = s[i++];
			out[k++] = s[i++];
		} else if (s[i] == '\\' && i + 3 < n && (s[i + 1] == '2' || s[i + 1] == '3') && is_octal(s[i + 2]) &&
			   is_octal(s[i + 3])) { /* \200-\377: a byte of a multi-byte character */
			out[k++] = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 4;
			decoded = true;
		} else {
			out[k++] = s[i++];
		}
	}
	return decoded && utf8_valid((const unsigned char *)out, k, false) ? k : 0;
}

size_t unvis_utf8(char *s, size_t n)
{
	char out[4096], once[4096];
	if (n > sizeof out || !memchr(s, '\\', n))
		return n;
	size_t k = unvis_pass(s, n, out);
	if (!k) {
		/* sshd's "[preauth]" lines are escaped twice (the child's message, then the monitor's
		 * line): "\\\\347" is "\\347" once undone */
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			once[m++] = s[i];
			if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\')
				i++;
		}
		if (m == n || !(k = unvis_pass(once, m, out)))
			return n;
	}
	memcpy(s, out, k);
	return k;
}

bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* ---- arena ---- */

struct arena_block {
	struct arena_block *next;
	max_align_t data[];
};

#define ARENA_BLOCK_MIN 4096
#define ARENA_BLOCK_MAX 65536

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_CHECKED 1
#endif
#endif
#ifndef ARENA_CHECKED
#define ARENA_CHECKED 0
#endif

bool arena_checked(void)
{
	return ARENA_CHECKED;
}

static void *new_block(struct arena *a, size_t size)
{
	struct arena_block *b = xmalloc(sizeof *b + size);
	a->bytes += sizeof *b + size;
	b->next = a->blocks;
	a->blocks = b;
	return b->data;
}

void *arena_alloc(struct arena *a, size_t n)
{
	if (ARENA_CHECKED)
		return new_block(a, n ? n : 1);
	n = (n + 15) & ~(size_t)15;
	if ((size_t)(a->end - a->cur) < n) {
		size_t size = a->next_size ? a->next_size : ARENA_BLOCK_MIN;
		a->next_size = size < ARENA_BLOCK_MAX ? 2 * size : size;
		if (size < n)
			size = n;
		a->cur = new_block(a, size);
		a->end = a->cur + size;
	}
	void *p = a->cur;
	a->cur += n;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	return memset(arena_alloc(a, n), 0, n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct arena *a)
{
	for (struct arena_block *b = a->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	*a = (struct arena){ 0 };
}

void waiter_init(struct waiter *w)
{
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	atomic_init(&w->sleeps, false);
}

void waiter_destroy(struct waiter *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
}

void waiter_sleep_until(struct waiter *w, bool (*ready)(void *), void *arg)
{
	if (ready(arg))
		return;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		atomic_store(&w->sleeps, true);
		if (ready(arg))
			break;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	atomic_store(&w->sleeps, false);
	pthread_mutex_unlock(&w->mu);
}

void waiter_wake(struct waiter *w)
{
	if (!atomic_load(&w->sleeps) || !atomic_exchange(&w->sleeps, false))
		return;
	/* once we hold the mutex, the sleeper waits on cv or has yet to test the condition */
	pthread_mutex_lock(&w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_signal(&w->cv);
}
