# loglens — see README.md. Targets: all, check, install, clean, bench, fuzz, sanitize, valgrind.
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS     = libpcre2-8 libcjson zlib

CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -Isrc -Ibuild $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS))

SRCS = src/main.c src/options.c src/util.c src/input.c src/detect.c src/event.c \
       src/tok_winscp.c src/tok_putty.c src/tok_openssh.c src/tok_sshd.c \
       src/session.c src/rules.c src/engine.c src/analyze.c src/redact.c \
       src/report_common.c src/report_i18n.c src/report_text.c src/report_json.c
LIB_SRCS = $(filter-out src/main.c,$(SRCS))
OBJS = $(SRCS:src/%.c=build/%.o) build/rules_embed.o
LIB_OBJS = $(LIB_SRCS:src/%.c=build/%.o) build/rules_embed.o
RULES = $(sort $(wildcard rules/*.json))

all: loglens

loglens: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

build/%.o: src/%.c src/*.h | build
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

build/gen_embed: src/gen_embed.c | build
	$(CC) $(CFLAGS) -o $@ $<

build/rules_embed.c: build/gen_embed $(RULES)
	build/gen_embed $@ $(RULES)

build/rules_embed.o: build/rules_embed.c src/embedded.h
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) -c -o $@ $<

build:
	mkdir -p build

# ---- tests ----
TEST_BINS = build/jcheck build/unit_tests

build/jcheck: tests/jcheck.c | build
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(LIBS)

build/unit_tests: tests/unit_tests.c $(LIB_OBJS) | build
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(LIB_OBJS) $(LIBS)

check: loglens $(TEST_BINS)
	@sh tests/run.sh

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

.PHONY: all check install uninstall clean
