/* analyze.h — the road for one input: open → detect → tokenize → engine → sessions. */
#ifndef LOGLENS_ANALYZE_H
#define LOGLENS_ANALYZE_H

#include <stdint.h>

#include "detect.h"
#include "engine.h"
#include "input.h"
#include "session.h"

/* The order of an input's lines in time: event lists (Event Viewer, Get-WinEvent) and
 * `journalctl -r` run newest first. */
enum order {
	ORDER_AS_WRITTEN,
	ORDER_REVERSED,          /* newest first: read from the last line up */
	ORDER_NEWEST_FIRST       /* newest first, but too long to hold: read as written */
};

struct input_info {
	unsigned index;
	char *name;
	enum format format;
	const char *encoding;
	bool gzip;
	uint64_t lines, bytes, truncated_lines, invalid_utf8, nul_bytes;
	enum order order;
	uint64_t reverse_base;   /* ORDER_REVERSED: a line numbered n was fed as base - n */
	char *error;             /* NULL, or the one-line reason the input could not be read fully */
	unsigned sessions;
};

struct analyzer {
	struct ruletable *t;
	struct engine *e;
	struct tracker *tr;
	int forced_format;       /* -1: detect */
	uint64_t line_limit;     /* 0, or read no line past this one (a second reading) */
};

/* Reads and analyses one input; sessions go to the tracker's sink as they close.
 * Returns 0, or -1 if the input could not be read (info->error says why). */
int analyze_input(struct analyzer *a, const char *path, struct input_info *info,
		  void (*on_format)(const struct input_info *, void *), void *arg);

#endif
