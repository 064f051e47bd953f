/* template.c — the syntax of rule texts' placeholders ("{name}", "{name|sh}", "{port|-p}",
 * "{host|?the server}"), read by the loader (which rejects an unknown filter) and by the renderer
 * (session.c). */
#include "template.h"

#include <ctype.h>
#include <string.h>

/* The placeholder at p (a '{'): its length through the '}', and in *n its name's (without a
 * "|filter"); 0 where p begins none ("{not a placeholder}", a lone brace). */
size_t placeholder_at(const char *p, size_t *n)
{
	size_t i = 1, bar = 0;
	for (; p[i] != '}'; i++) {
		/* the words a "|?" puts in place of an unknown value may have spaces */
		bool words = bar && p[bar + 1] == '?';
		if (!p[i] || p[i] == '{' || (!words && (p[i] == ' ' || i > 64)) || i > 200)
			return 0;
		if (p[i] == '|' && !bar)
			bar = i;
	}
	if (i == 1 || bar == 1)
		return 0;
	*n = (bar ? bar : i) - 1;
	return i + 1;
}

/* A placeholder's filter: the text after its name's '|' (0 bytes without one). */
static size_t filter_of(const char *p, size_t n, size_t len, const char **f)
{
	*f = p + 1 + n + 1;
	return len - 2 > n ? len - 2 - n - 1 : 0;
}

/* The piece of a template at p: literal text up to the next placeholder (or the end), or one
 * placeholder; its length (0 at the end). A brace that begins no placeholder is literal text.
 * An option placeholder ("-p {port}" written "{port|-p}") takes the space after it, so that an
 * unknown value leaves "ssh host", not "ssh  host" or "ssh -p <port> host". */
size_t template_piece(const char *p, struct template_piece *pc)
{
	size_t i = 0, n, len;
	for (;; i++) {
		const char *open = strchr(p + i, '{');
		if (!open) {
			i += strlen(p + i);
			break;
		}
		i = (size_t)(open - p);
		if ((len = placeholder_at(open, &n)) != 0)
			break;
	}
	if (i > 0) {
		*pc = (struct template_piece){ .s = p, .len = i };
		return i;
	}
	if (!*p)
		return 0;
	const char *f;
	size_t fn = filter_of(p, n, len, &f);
	*pc = (struct template_piece){ .s = p + 1, .len = n, .placeholder = true,
				       .sh = fn == 2 && memcmp(f, "sh", 2) == 0 };
	if (fn >= 1 && f[0] == '?') {
		pc->alt = f + 1;
		pc->altlen = fn - 1;
	}
	if (fn == 2 && f[0] == '-' && isalpha((unsigned char)f[1])) {
		pc->opt = f[1];
		pc->space = p[len] == ' ';
		len += pc->space;
	}
	return len;
}

long template_bad_filter(const char *tmpl)
{
	struct template_piece pc;
	for (size_t at = 0, len; (len = template_piece(tmpl + at, &pc)) != 0; at += len) {
		if (!pc.placeholder)
			continue;
		const char *f;
		size_t plen = placeholder_at(tmpl + at, &(size_t){ 0 });
		if (filter_of(tmpl + at, pc.len, plen, &f) && !pc.sh && !pc.opt && !pc.alt)
			return (long)at;
	}
	return -1;
}
