/* fuzz_loglens.c — libFuzzer / AFL++ target over the whole pipeline for one input:
 * reader (gzip, BOM / UTF-16 sniffing, line split) → format detector → tokenizers →
 * rule engine and session tracker → reporter (JSON, or text) with password masking and,
 * for some inputs, --redact pseudonyms.
 *
 * The input bytes are the log file, unchanged. They are written to a memfd and handed to
 * analyze_input() as /proc/self/fd/N, exactly as loglens opens a file named on its command
 * line. The embedded default rules are loaded once. The options come from the first byte
 * (which also stays part of the log):  bit 0 --redact, bit 1 --lang ja, bit 2 text reporter
 * instead of JSON, bit 3 --color=always. Output goes to /dev/null.
 *
 * Build (tests/fuzz/run.sh does this):
 *   libFuzzer: clang -fsanitize=fuzzer,address,undefined ... fuzz_loglens.c <objects>
 *   AFL++ / replay: cc -DFUZZ_STANDALONE ... fuzz_loglens.c <objects>; ./fuzz_loglens FILE
 *     (AFL++: afl-clang-fast -DFUZZ_STANDALONE ..., then afl-fuzz ... -- ./fuzz_loglens @@) */
#define _GNU_SOURCE /* memfd_create */
#include "analyze.h"
#include "engine.h"
#include "redact.h"
#include "report.h"
#include "rules.h"
#include "session.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruletable *rules;
static FILE *devnull;

static void on_session(struct session *s, void *arg)
{
	struct reporter *rep = arg;
	rep->session(rep, s);
	session_free(s);
}

static void on_format(const struct input_info *in, void *arg)
{
	struct reporter *rep = arg;
	rep->input_begin(rep, in);
}

static void setup(void)
{
	rules = rules_new();
	if (rules_load_embedded(rules) < 0 || rules_link(rules) < 0) {
		fprintf(stderr, "fuzz_loglens: the embedded rules do not load\n");
		abort();
	}
	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		perror("fuzz_loglens: /dev/null");
		abort();
	}
}

/* Write all of data to fd; abort on failure (a harness problem, not a finding). */
static void write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t w = write(fd, data, size);
		if (w <= 0) {
			perror("fuzz_loglens: write to memfd");
			abort();
		}
		data += w;
		size -= (size_t)w;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules)
		setup();
	int fd = memfd_create("loglens-fuzz", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz_loglens: memfd_create");
		abort();
	}
	write_all(fd, data, size);
	/* analyze_input opens the path itself, so the read starts at offset 0 of a new description. */
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	unsigned mode = size ? data[0] : 0;
	struct reporter rep = { .out = devnull, .t = rules };
	rep.o.lang = (mode & 2) ? LANG_JA : LANG_EN;
	rep.o.color = (mode & 8) != 0;
	struct redactor *red = (mode & 1) ? redactor_new() : NULL;
	rep.o.redact = red;
	if (mode & 4)
		reporter_text_init(&rep);
	else
		reporter_json_init(&rep);

	struct engine *e = engine_new(rules);
	struct tracker *tr = tracker_new(rules, on_session, &rep);
	struct analyzer a = { .t = rules, .e = e, .tr = tr, .forced_format = -1 };
	struct input_info info = { .index = 0 };
	rep.begin(&rep);
	int rc = analyze_input(&a, path, &info, on_format, &rep);
	rep.input_end(&rep, &info);
	rep.end(&rep, rc < 0 ? EXIT_INPUT : EXIT_CLEAN);
	fflush(devnull);

	if (red) { /* the --redact-log pass: the same bytes, line by line, through the redactor */
		struct input in;
		if (input_open(&in, path, NULL) == 0) {
			struct line ln;
			struct sbuf b;
			sb_init(&b);
			while (input_next(&in, &ln) > 0) {
				sb_clear(&b);
				redact_text(red, &b, ln.s, ln.len);
				fwrite(b.s ? b.s : "", 1, b.len, devnull);
			}
			sb_free(&b);
		}
		input_close(&in);
	}

	tracker_free(tr);
	engine_free(e);
	free(info.name);
	free(info.error);
	redactor_free(red);
	close(fd);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "standalone.h"
#endif
