/* options.c — argument parsing; usage() matches the SYNOPSIS of loglens(1). */
#include "options.h"
#include "detect.h"
#include "util.h"
#include "version.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: loglens [-j] [-f FORMAT] [-l en|ja] [-r PATH]... [--color=WHEN] [--redact]\n"
	      "               [--redact-log FILE] [--no-default-rules] [FILE...]\n"
	      "       loglens --check-rules [-v] [-r PATH]... [--no-default-rules]\n"
	      "       loglens --list-rules [-l en|ja] [-r PATH]... [--no-default-rules]\n"
	      "Read a WinSCP, PuTTY/plink or OpenSSH client log (or an sshd log) and explain why the\n"
	      "connection failed and what to do next. FILE '-' or no FILE reads standard input.\n"
	      "\n"
	      "  -j, --json             one JSON document (schema: loglens(1))\n"
	      "  -f, --format=FORMAT    skip detection: winscp, winscp-xml, putty, putty-log, openssh,\n"
	      "                         sshd-syslog, sshd-journal, sshd\n"
	      "  -l, --lang=LANG        en or ja (default: from LC_ALL, LC_MESSAGES, LANG)\n"
	      "  -r, --rules=PATH       add a rule file or a directory of *.json (same id replaces)\n"
	      "      --no-default-rules use only the rules given with --rules\n"
	      "      --color=WHEN       auto (default), always, never; NO_COLOR disables auto\n"
	      "      --redact           replace hosts, addresses, users, paths, fingerprints, e-mail\n"
	      "                         addresses with stable pseudonyms\n"
	      "      --redact-log=FILE  also write a redacted copy of the input to FILE\n"
	      "      --check-rules      validate the rules and test every rule's examples\n"
	      "  -v, --verbose          with --check-rules: one PASS/FAIL line per example\n"
	      "      --list-rules       list rule ids, severities, families and titles\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          version\n"
	      "Long options may be abbreviated (--js).\n"
	      "Exit status: 0 no problem found, 1 problem(s) diagnosed, 2 usage error,\n"
	      "3 an input could not be read, 4 invalid rule file, 5 write error or out of memory.\n", f);
}

enum lang lang_from_env(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "ja", 2) == 0 ? LANG_JA : LANG_EN;
	}
	return LANG_EN;
}

static _Noreturn void bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'loglens --help'.\n", stderr);
	exit(EXIT_USAGE);
}

int stdout_status(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("write error on standard output");
		return EXIT_INTERNAL;
	}
	return EXIT_CLEAN;
}

/* getopt_long's '?': an unknown short option inside a cluster ("-jx"), an unknown long option,
 * or a prefix of several long ones ("--red"), which it does not tell apart. */
static _Noreturn void bad_option(const char *arg, const struct option *longs)
{
	if (strncmp(arg, "--", 2) != 0) {
		char one[3] = { '-', (char)optopt, '\0' };
		if (optopt && strlen(arg) > 2) {
			fprintf(stderr, "%s: unknown option '%s' in '%s'\nTry 'loglens --help'.\n", progname, one, arg);
			exit(EXIT_USAGE);
		}
		bad_usage("unknown option '%s'", arg);
	}
	size_t n = strcspn(arg + 2, "=");
	struct sbuf names;
	sb_init(&names);
	int matches = 0, last_val = -1;
	for (const struct option *l = longs; l->name; l++)
		if (strncmp(l->name, arg + 2, n) == 0 && l->val != last_val) { /* --color, --colour: one */
			sb_printf(&names, "%s--%s", matches++ ? ", " : "", l->name);
			last_val = l->val;
		}
	if (matches > 1) {
		fprintf(stderr, "%s: option '%.*s' is ambiguous (%s)\nTry 'loglens --help'.\n", progname,
			(int)n + 2, arg, names.s);
		exit(EXIT_USAGE);
	}
	sb_free(&names);
	bad_usage("unknown option '%s'", arg);
}

void options_parse(struct options *o, int argc, char **argv)
{
	enum { OPT_COLOR = 256, OPT_REDACT, OPT_REDACT_LOG, OPT_CHECK, OPT_LIST, OPT_NODEF };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'r' },
		{ "no-default-rules", no_argument, NULL, OPT_NODEF },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "redact", no_argument, NULL, OPT_REDACT },
		{ "redact-log", required_argument, NULL, OPT_REDACT_LOG },
		{ "check-rules", no_argument, NULL, OPT_CHECK },
		{ "list-rules", no_argument, NULL, OPT_LIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->format = -1;
	o->lang = lang_from_env();
	o->rule_paths = xcalloc((size_t)argc + 1, sizeof *o->rule_paths);
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jf:l:r:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'f':
			o->format = format_from_name(optarg);
			if (o->format < 0)
				bad_usage("unknown format '%s'", optarg);
			break;
		case 'l':
			if (strcmp(optarg, "en") == 0)
				o->lang = LANG_EN;
			else if (strcmp(optarg, "ja") == 0)
				o->lang = LANG_JA;
			else
				bad_usage("unknown language '%s' (en or ja)", optarg);
			break;
		case 'r':
			o->rule_paths[o->nrule_paths++] = optarg;
			break;
		case OPT_NODEF:
			o->no_default_rules = true;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				o->color = COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				o->color = COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				o->color = COLOR_NEVER;
			else
				bad_usage("--color takes auto, always or never, not '%s'", optarg);
			break;
		case OPT_REDACT:
			o->redact = true;
			break;
		case OPT_REDACT_LOG:
			o->redact_log = optarg;
			o->redact = true;
			break;
		case OPT_CHECK:
			o->check_rules = true;
			break;
		case OPT_LIST:
			o->list_rules = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(stdout_status());
		case 'V':
			printf("loglens %s\n", LOGLENS_VERSION);
			exit(stdout_status());
		case ':':
			bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			bad_option(argv[optind - 1], longs);
		}
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	int dashes = 0;
	for (int i = 0; i < o->ninputs; i++)
		dashes += strcmp(o->inputs[i], "-") == 0;
	if (dashes > 1)
		bad_usage("%s", "standard input ('-') can be read only once");
}

void options_free(struct options *o)
{
	free(o->rule_paths);
}
