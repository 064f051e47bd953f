/* options.h — the command line (kept in step with man/loglens.1). */
#ifndef LOGLENS_OPTIONS_H
#define LOGLENS_OPTIONS_H

#include <stdbool.h>

#include "rules.h"

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct options {
	bool json;
	int format;              /* -1: detect */
	enum lang lang;
	char **rule_paths;
	int nrule_paths;
	bool no_default_rules;
	enum color_mode color;
	bool redact;
	char *redact_log;
	bool check_rules;
	bool verbose;
	bool list_rules;
	char **inputs;
	int ninputs;
};

/* Parses argv; prints usage and exits 2 on a usage error, 0 for --help/--version. */
void options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);
/* EXIT_CLEAN, or EXIT_INTERNAL after a message if standard output could not be written. */
int stdout_status(void);
enum lang lang_from_env(void);

#endif
