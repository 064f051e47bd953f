/* regex.c — compiling regexes (rules, "when" conditions, the secret masks).
 *
 * PCRE2 before 10.43 has a JIT bug (PCRE2 issue 224): with PCRE2_MATCH_INVALID_UTF, which
 * loglens needs because logs hold any bytes, the JIT code for \S, \D and \W takes no character
 * of more than one byte. "Offering public key: (?<key>\S+)" stopped at the first kanji of
 * C:\Users\田中\.ssh\id_rsa, and a pattern that must go on past it did not match at all.
 * Debian 12 and Ubuntu 22.04/24.04 ship 10.42 or older. The same sets written as classes,
 * [^\s], [^\d] and [^\w], are compiled differently and are matched right, so the rules' own
 * text stays as written and what PCRE2 compiles is rewritten. */
#include "regex.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The length of what is copied as it is from p: an escape, a \Q…\E quote, a POSIX class
 * inside a character class ("[:alpha:]"), or one byte. */
static size_t verbatim(const char *p, bool in_class)
{
	if (p[0] == '\\' && p[1] == 'Q') {
		const char *e = strstr(p + 2, "\\E");
		return e ? (size_t)(e - p) + 2 : strlen(p);
	}
	if (p[0] == '\\' && p[1])
		return 2;
	if (in_class && p[0] == '[' && p[1] == ':') {
		const char *e = strstr(p + 2, ":]");
		if (e)
			return (size_t)(e - p) + 2;
	}
	return 1;
}

char *regex_jit_safe(const char *re)
{
	if (!strstr(re, "\\S") && !strstr(re, "\\D") && !strstr(re, "\\W"))
		return NULL;
	struct sbuf b;
	sb_init(&b);
	bool in_class = false, changed = false;
	for (size_t i = 0; re[i];) {
		const char *p = re + i;
		if (!in_class && p[0] == '\\' && (p[1] == 'S' || p[1] == 'D' || p[1] == 'W')) {
			sb_adds(&b, p[1] == 'S' ? "[^\\s]" : p[1] == 'D' ? "[^\\d]" : "[^\\w]");
			changed = true;
			i += 2;
			continue;
		}
		if (!in_class && p[0] == '[') {
			/* "[]…]" and "[^]…]": a ']' first in a class is a member */
			size_t n = 1 + (p[1] == '^');
			n += p[n] == ']';
			sb_add(&b, p, n);
			in_class = true;
			i += n;
			continue;
		}
		if (in_class && p[0] == ']')
			in_class = false;
		size_t n = verbatim(p, in_class);
		sb_add(&b, p, n);
		i += n;
	}
	if (!changed) {
		sb_free(&b);
		return NULL;
	}
	return sb_steal(&b);
}

pcre2_code *regex_compile(const char *re, uint32_t extra, int *errcode, size_t *erroff)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | extra;
	PCRE2_SIZE off = 0;
	char *safe = regex_jit_safe(re);
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)(safe ? safe : re), PCRE2_ZERO_TERMINATED, opts, errcode, &off, NULL);
	if (!code && safe) /* report the error where it is in the pattern as written */
		pcre2_code_free(pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, errcode, &off, NULL));
	free(safe);
	*erroff = off;
	return code;
}
