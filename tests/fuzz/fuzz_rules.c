/* fuzz_rules.c — libFuzzer / AFL++ target over the rule-file loader, the thing `--rules FILE`
 * feeds with a file a user wrote or downloaded: JSON parse (cJSON) → rule validation →
 * regex compile (PCRE2, with loglens's limits) → literal extraction for the prefilter →
 * linking of requires/excludes → --check-rules (every example run against every pattern).
 * The input bytes are one rule file. Messages about bad rules go to stderr (run with
 * -close_fd_mask=2 to keep them off the terminal).
 * Build and run: tests/fuzz/run.sh SECONDS rules; replay: build/fuzz/replay_rules FILE. */
#include "rules.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As load_file() hands it over: the bytes of the file plus a terminating NUL. */
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct ruletable *t = rules_new();
	t->eager = true; /* as for --rules: compiled and probed at load (on a second thread from
			  * 32 patterns on) */
	if (rules_load_text(t, "fuzz.json", text, size) == 0 && rules_link(t) == 0)
		rules_check(t, false);
	rules_free(t);
	free(text);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "standalone.h"
#endif
