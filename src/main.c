/* main.c — options → rules → each input through the analyzer → reporter → exit code. */
#include "analyze.h"
#include "detect.h"
#include "engine.h"
#include "options.h"
#include "redact.h"
#include "report.h"
#include "rules.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sink {
	struct reporter *rep;
	struct input_info *cur;
	bool problems;
};

static void on_session(struct session *s, void *arg)
{
	struct sink *k = arg;
	for (int i = 0; i < s->nfindings; i++)
		if (!s->findings[i].folded_by && s->findings[i].severity == SEV_ERROR)
			k->problems = true;
	if (k->cur)
		k->cur->sessions++;
	k->rep->session(k->rep, s);
	session_free(s);
}

static void on_format(const struct input_info *in, void *arg)
{
	struct sink *k = arg;
	k->rep->input_begin(k->rep, in);
}

static struct ruletable *load_rules(const struct options *o)
{
	struct ruletable *t = rules_new();
	int bad = 0;
	if (!o->no_default_rules && rules_load_embedded(t) < 0)
		bad++;
	for (int i = 0; i < o->nrule_paths; i++)
		if (rules_load_path(t, o->rule_paths[i]) < 0)
			bad++;
	if (!bad && rules_link(t) < 0)
		bad++;
	if (bad) {
		rules_free(t);
		exit(EXIT_RULES);
	}
	return t;
}

static int list_rules(const struct ruletable *t, enum lang l)
{
	for (int i = 0; i < t->nrules; i++) {
		const struct rule *r = &t->rules[i];
		printf("%-44s %-7s", r->id, r->signal ? "signal" : severity_name(r->severity));
		for (int f = 1; f < FAM_COUNT; f++)
			if (r->famask & FAMBIT(f))
				printf(" %s", family_name((enum family)f));
		if (!r->signal)
			printf("  %s", text_of(&r->title, l));
		putchar('\n');
	}
	return EXIT_CLEAN;
}

/* Second pass: a redacted copy of each input file, now that every fact has been learned. */
static int write_redacted(const struct options *o, struct redactor *red)
{
	FILE *out = fopen(o->redact_log, "w");
	if (!out) {
		warnx_("%s: cannot write: %s", o->redact_log, strerror(errno));
		return EXIT_INPUT;
	}
	int rc = EXIT_CLEAN;
	struct sbuf b;
	sb_init(&b);
	for (int i = 0; i < o->ninputs; i++) {
		struct input in;
		if (input_open(&in, o->inputs[i]) < 0) {
			warnx_("%s", in.err);
			input_close(&in);
			rc = EXIT_INPUT;
			continue;
		}
		struct line ln;
		int r;
		while ((r = input_next(&in, &ln)) > 0) {
			sb_clear(&b);
			redact_text(red, &b, ln.s, ln.len);
			fwrite(b.s ? b.s : "", 1, b.len, out);
			fputc('\n', out);
		}
		if (r < 0) {
			warnx_("%s", in.err);
			rc = EXIT_INPUT;
		}
		input_close(&in);
	}
	sb_free(&b);
	if (fclose(out) != 0) {
		warnx_("%s: write error", o->redact_log);
		rc = EXIT_INPUT;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	options_parse(&o, argc, argv);
	if (o.redact_log) {
		for (int i = 0; i < o.ninputs; i++)
			if (strcmp(o.inputs[i], "-") == 0)
				o.ninputs = -1;
		if (o.ninputs <= 0) {
			warnx_("--redact-log needs FILE arguments (it reads each input a second time)");
			return EXIT_USAGE;
		}
	}
	if (o.ninputs == 0 && !o.check_rules && !o.list_rules && isatty(0)) {
		warnx_("no input: give a log FILE, or pipe a log into loglens (try 'loglens --help')");
		return EXIT_USAGE;
	}
	struct ruletable *t = load_rules(&o);
	if (o.check_rules) {
		int problems = rules_check(t, o.verbose);
		int nsig = 0;
		for (int i = 0; i < t->nrules; i++)
			nsig += t->rules[i].signal;
		if (problems)
			fprintf(stderr, "%s: %d problem(s) in the rules\n", progname, problems);
		else
			printf("%d rules (%d findings, %d signals), %d patterns: all valid, all examples behave\n",
			       t->nrules, t->nrules - nsig, nsig, t->npats);
		rules_free(t);
		return problems ? EXIT_RULES : EXIT_CLEAN;
	}
	if (o.list_rules) {
		int rc = list_rules(t, o.lang);
		rules_free(t);
		return rc;
	}

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct reporter rep = { .out = stdout, .t = t };
	rep.o.lang = o.lang;
	const char *nc = getenv("NO_COLOR");
	rep.o.color = o.color == COLOR_ALWAYS || (o.color == COLOR_AUTO && !o.json && isatty(1) && !(nc && *nc));
	struct redactor *red = o.redact ? redactor_new() : NULL;
	rep.o.redact = red;
	if (o.json)
		reporter_json_init(&rep);
	else
		reporter_text_init(&rep);

	struct sink k = { .rep = &rep };
	struct engine *e = engine_new(t);
	struct tracker *tr = tracker_new(t, on_session, &k);
	struct analyzer a = { .t = t, .e = e, .tr = tr, .forced_format = o.format };
	static char *stdin_only[] = { "-" };
	char **inputs = o.ninputs ? o.inputs : stdin_only;
	int ninputs = o.ninputs ? o.ninputs : 1;
	struct input_info *infos = xcalloc((size_t)ninputs, sizeof *infos);
	bool unreadable = false;
	rep.begin(&rep);
	for (int i = 0; i < ninputs; i++) {
		infos[i].index = (unsigned)i;
		k.cur = &infos[i];
		if (analyze_input(&a, inputs[i], &infos[i], on_format, &k) < 0) {
			unreadable = true;
			fflush(stdout);
			warnx_("%s", infos[i].error);
		}
		rep.input_end(&rep, &infos[i]);
	}
	int code = unreadable ? EXIT_INPUT : k.problems ? EXIT_PROBLEMS : EXIT_CLEAN;
	rep.end(&rep, code);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("write error on standard output");
		code = EXIT_INTERNAL;
	}
	if (o.redact_log) {
		int r = write_redacted(&o, red);
		if (r && code < r)
			code = r;
	}
	tracker_free(tr);
	engine_free(e);
	for (int i = 0; i < ninputs; i++) {
		free(infos[i].name);
		free(infos[i].error);
	}
	free(infos);
	redactor_free(red);
	rules_free(t);
	options_free(&o);
	return code;
}
