# loglens — see README.md. Targets: all, check, install, clean, bench, fuzz, sanitize, valgrind.
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS     = libpcre2-8 libcjson zlib

CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS)) -pthread

SRCS = src/main.c src/options.c src/util.c src/input.c src/detect.c src/event.c \
       src/tok_winscp.c src/tok_putty.c src/tok_openssh.c src/tok_sshd.c src/tok_powershell.c src/tok_collector.c \
       src/session.c src/template.c src/regex.c src/rules.c src/engine.c src/analyze.c src/correlate.c src/redact.c src/scan.c \
       src/report_common.c src/report_tally.c src/report_i18n.c src/report_text.c src/report_json.c src/report_async.c src/readahead.c
LIB_SRCS = $(filter-out src/main.c,$(SRCS))
B       ?= build
BIN     ?= loglens
OBJS = $(SRCS:src/%.c=$(B)/%.o) $(B)/rules_embed.o $(B)/rules_table.o
LIB_OBJS = $(LIB_SRCS:src/%.c=$(B)/%.o) $(B)/rules_embed.o $(B)/rules_table.o
# The loader as gen_table links it (it writes rules_table.c, so it cannot link that).
GEN_OBJS = $(B)/rules.o $(B)/regex.o $(B)/template.o $(B)/util.o $(B)/event.o $(B)/rules_embed.o
RULES = $(sort $(wildcard rules/*.json))

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(B)/%.o: src/%.c src/*.h | $(B)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/gen_embed: src/gen_embed.c | $(B)
	$(CC) -O2 -o $@ $<

$(B)/rules_embed.c: $(B)/gen_embed $(RULES)
	$(B)/gen_embed $@ $(RULES)

$(B)/rules_embed.o: $(B)/rules_embed.c src/embedded.h
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) -c -o $@ $<

# The default table precompiled: loaded by the loader itself from the embedded rule files, then
# written out as static data, which loglens uses when no --rules is given (fast start-up).
# Through GEN_OBJS it follows rules/*.json and the loader's sources.
$(B)/gen_table: src/gen/gen_table.c $(GEN_OBJS) src/*.h
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(LDFLAGS) $(WARN) -o $@ $< $(GEN_OBJS) $(LIBS)

$(B)/rules_table.c: $(B)/gen_table $(RULES)
	$(B)/gen_table $@.tmp && mv $@.tmp $@

$(B)/rules_table.o: $(B)/rules_table.c src/*.h
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(B):
	mkdir -p $(B)

# ---- tests ----
TEST_BINS = build/jcheck $(B)/unit_tests

build/jcheck: tests/jcheck.c
	mkdir -p build
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(LIBS)

$(B)/unit_tests: tests/unit_tests.c $(LIB_OBJS) | $(B)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(LDFLAGS) $(WARN) -o $@ $< $(LIB_OBJS) $(LIBS)

check: loglens $(TEST_BINS)
	@sh tests/run.sh

# The suite (without the live lab, whose transcripts the golden cases already cover) under
# AddressSanitizer + UndefinedBehaviorSanitizer, then under valgrind (PCRE2's JIT off there:
# valgrind cannot follow JIT-generated code).
SAN = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize:
	$(MAKE) B=build/asan BIN=build/asan/loglens CFLAGS="$(SAN)" LDFLAGS="$(SAN)" build/asan/loglens
	$(MAKE) B=build/asan CFLAGS="$(SAN)" LDFLAGS="$(SAN)" build/jcheck build/asan/unit_tests
	ASAN_OPTIONS=exitcode=98:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1 \
	  LOGLENS=build/asan/loglens UNIT_TESTS=build/asan/unit_tests LOGLENS_SKIP_LAB=1 sh tests/run.sh

valgrind: loglens $(TEST_BINS)
	LOGLENS_NO_JIT=1 LOGLENS="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect ./loglens" \
	  LOGLENS_SKIP_LAB=1 sh tests/run.sh

install: loglens
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 loglens $(DESTDIR)$(PREFIX)/bin/loglens
	install -m 644 man/loglens.1 $(DESTDIR)$(PREFIX)/share/man/man1/loglens.1
	install -m 644 man/loglens-rules.5 $(DESTDIR)$(PREFIX)/share/man/man5/loglens-rules.5

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/loglens $(DESTDIR)$(PREFIX)/share/man/man1/loglens.1 \
	      $(DESTDIR)$(PREFIX)/share/man/man5/loglens-rules.5

clean:
	rm -rf build loglens

# Throughput, memory and start-up beside wc -l, grep -E and fail2ban-regex (issue 5);
# timing lives here, never in a test. About 15-25 minutes on a 2-core machine.
bench: loglens
	sh bench/run.sh

# libFuzzer over reader, detector, tokenizers, engine and JSON writer (ASan + UBSan).
FUZZ_SECONDS ?= 60
FUZZ_RULES_SECONDS ?= 30
fuzz: loglens
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) loglens
	sh tests/fuzz/run.sh $(FUZZ_RULES_SECONDS) rules

.PHONY: all check sanitize valgrind bench fuzz install uninstall clean
