/* embedded.h — the default rule files, compiled in (see gen_embed.c). Parsed when --rules is
 * given (user rules replace built-in ones by id) and by gen_table, which precompiles them for
 * the run without --rules. */
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
