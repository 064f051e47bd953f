/* template.h — the placeholder syntax of rule texts (see loglens-rules(5), PLACEHOLDERS). */
#ifndef LOGLENS_TEMPLATE_H
#define LOGLENS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct template_piece {
	const char *s;
	size_t len;
	bool placeholder, sh;
	char opt;                    /* "{port|-p}": 'p', the option letter; else 0 */
	bool space;                  /* an option placeholder took the space after it */
	const char *alt;             /* "{host|?the server}": the words shown when the value is
	                              * not known ("the server"), altlen bytes; else NULL */
	size_t altlen;
};
/* The placeholder at p (a '{'): its length through the '}', and in *n its name's length; 0 where
 * p begins none. */
size_t placeholder_at(const char *p, size_t *n);
/* The piece of a template at p (literal text or one placeholder) in *pc; its length, 0 at the end. */
size_t template_piece(const char *p, struct template_piece *pc);
/* The first placeholder of tmpl whose "|filter" is none of "sh", "-X", "?words": its offset;
 * else -1. */
long template_bad_filter(const char *tmpl);

#endif
