/* embedded.h — the default rule table, compiled in (see gen_embed.c). */
#ifndef LOGLENS_EMBEDDED_H
#define LOGLENS_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const char *text;
	size_t len;
};

extern const struct embedded_file embedded_rules[];

#endif
