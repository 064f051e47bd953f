/* regex.h — every regex loglens compiles goes through here: the same options everywhere, and a
 * work-around for a bug of the PCRE2 JIT the supported systems ship. */
#ifndef LOGLENS_REGEX_H
#define LOGLENS_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* pcre2_compile with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | extra; on error, *errcode and
 * *erroff are PCRE2's, the offset in re as given. */
pcre2_code *regex_compile(const char *re, uint32_t extra, int *errcode, size_t *erroff);

/* re with \S, \D and \W outside character classes written [^\s], [^\d], [^\w] (malloc'd), or
 * NULL when it has none: what regex_compile hands to PCRE2. */
char *regex_jit_safe(const char *re);

#endif
