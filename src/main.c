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

/* With a few inputs (a client log and the server's), sessions are held to the end so that
 * the two sides of one attempt can be matched; with one input, or many, they stream. */
#define CORRELATE_MAX_INPUTS 16

struct sink {
	struct reporter *rep;
	struct input_info *cur;
	bool problems;
	bool hold;
	struct session **held;
	size_t nheld;
};

static void emit(struct sink *k, struct session *s)
{
	for (int i = 0; i < s->nfindings; i++)
		if (!s->findings[i].folded_by && s->findings[i].severity == SEV_ERROR)
			k->problems = true;
	k->rep->session(k->rep, s);
	if (!k->rep->owns_sessions)
		session_free(s);
}

static void on_session(struct session *s, void *arg)
{
	struct sink *k = arg;
	if (k->cur)
		k->cur->sessions++;
	if (k->hold) {
		k->held = xrealloc(k->held, (k->nheld + 1) * sizeof *k->held);
		k->held[k->nheld++] = s;
		return;
	}
	emit(k, s);
}

static void on_format(const struct input_info *in, void *arg)
{
	struct sink *k = arg;
	if (!k->hold)
		k->rep->input_begin(k->rep, in);
}

/* How well a server-side session fits a client's attempt; -1 if a fact contradicts it. */
static int match_score(const struct session *c, const struct session *srv)
{
	int score = 0;
	struct { enum fact f; int w; } keys[] = {
		{ F_USER, 2 }, { F_PORT, 2 }, { F_KEY_FP, 3 }, { F_SOURCE_PORT, 5 },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *a = c->facts[keys[i].f], *b = srv->facts[keys[i].f];
		if (!a || !b)
			continue;
		if (strcmp(a, b) != 0)
			return keys[i].f == F_KEY_FP ? score : -1;
		score += keys[i].w;
	}
	return score;
}

/* Pair each client session with the one server session that fits it best, if that fit is
 * unambiguous; merge the pair. Unmatched server sessions stay sessions of their own. */
static void correlate(struct sink *k, const struct ruletable *t)
{
	for (size_t i = 0; i < k->nheld; i++) {
		struct session *c = k->held[i];
		if (!c || c->fam == FAM_SSHD)
			continue;
		int best = -1, best_score = 0;
		bool tie = false;
		for (size_t j = 0; j < k->nheld; j++) {
			struct session *srv = k->held[j];
			if (!srv || srv->fam != FAM_SSHD || srv->first_input == c->first_input)
				continue;
			int sc = match_score(c, srv);
			if (sc > best_score) {
				best = (int)j;
				best_score = sc;
				tie = false;
			} else if (sc == best_score && sc > 0) {
				tie = true;
			}
		}
		if (best < 0 || tie || best_score < 2)
			continue;
		session_merge(c, k->held[best], t);
		session_free(k->held[best]);
		k->held[best] = NULL;
	}
}

static struct ruletable *load_rules(const struct options *o)
{
	/* The default table alone was loaded and linked at build time: nothing to parse. With
	 * --rules, the user's rules replace built-in ones by id, so both go through the loader. */
	if (!o->no_default_rules && o->nrule_paths == 0)
		return rules_borrow(&rules_precompiled);
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

/* Copy standard input to a temporary file; its path, or NULL after an error message. */
static char *spool_stdin(void)
{
	const char *dir = getenv("TMPDIR");
	struct sbuf p;
	sb_init(&p);
	sb_printf(&p, "%s/loglens-stdin.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(p.s);
	if (fd < 0) {
		warnx_("cannot create a temporary file for standard input: %s", strerror(errno));
		sb_free(&p);
		return NULL;
	}
	unlink(p.s); /* gone when we exit; read again through /proc/self/fd */
	char buf[65536];
	ssize_t n;
	while ((n = read(0, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			warnx_("<stdin>: cannot spool: %s", strerror(errno));
			close(fd);
			sb_free(&p);
			return NULL;
		}
	sb_clear(&p);
	sb_printf(&p, "/proc/self/fd/%d", fd);
	return sb_steal(&p);
}

int main(int argc, char **argv)
{
	struct options o;
	options_parse(&o, argc, argv);
	/* --redact-log reads each input twice (pseudonyms are learned on the first pass), so
	 * standard input is first copied to a temporary file. */
	char *spool = NULL;
	static char *stdin_arg[] = { "-" };
	if (o.redact_log && o.ninputs == 0) {
		o.inputs = stdin_arg;
		o.ninputs = 1;
	}
	for (int i = 0; o.redact_log && i < o.ninputs; i++)
		if (strcmp(o.inputs[i], "-") == 0) {
			if (!spool && !(spool = spool_stdin())) {
				options_free(&o);
				return EXIT_INPUT;
			}
			o.inputs[i] = spool;
		}
	if (o.ninputs == 0 && !o.check_rules && !o.list_rules && isatty(0)) {
		warnx_("no input: give a log FILE, or pipe a log into loglens (try 'loglens --help')");
		options_free(&o);
		return EXIT_USAGE;
	}
	struct ruletable *t = load_rules(&o);
	if (o.check_rules) {
		int problems = rules_check(t, o.verbose);
		struct engine *ce = engine_new(t);
		problems += engine_check_examples(ce, o.verbose);
		engine_free(ce);
		int nsig = 0;
		for (int i = 0; i < t->nrules; i++)
			nsig += t->rules[i].signal;
		if (problems)
			fprintf(stderr, "%s: %d problem(s) in the rules\n", progname, problems);
		else
			printf("%d rules (%d findings, %d signals), %d patterns: all valid, all examples behave\n",
			       t->nrules, t->nrules - nsig, nsig, t->npats);
		rules_free(t);
		options_free(&o);
		return problems ? EXIT_RULES : EXIT_CLEAN;
	}
	if (o.list_rules) {
		int rc = list_rules(t, o.lang);
		rules_free(t);
		options_free(&o);
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
	const char *sync = getenv("LOGLENS_SYNC");
	if (!sync || !*sync)
		reporter_async(&rep);

	struct sink k = { .rep = &rep, .hold = o.ninputs >= 2 && o.ninputs <= CORRELATE_MAX_INPUTS };
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
			reporter_sync(&rep); /* the report so far, then the error */
			warnx_("%s", infos[i].error);
		}
		if (!k.hold)
			rep.input_end(&rep, &infos[i]);
	}
	if (k.hold) {
		correlate(&k, t);
		for (int i = 0; i < ninputs; i++) {
			if (infos[i].format != FMT_UNKNOWN || !infos[i].error)
				rep.input_begin(&rep, &infos[i]);
			for (size_t j = 0; j < k.nheld; j++)
				if (k.held[j] && k.held[j]->first_input == (unsigned)i) {
					emit(&k, k.held[j]);
					k.held[j] = NULL;
				}
			rep.input_end(&rep, &infos[i]);
		}
		free(k.held);
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
	if (getenv("LOGLENS_STATS")) { /* for the benchmark: where the work went */
		const struct engine_stats *st = engine_stats(e);
		fprintf(stderr, "loglens: stats: %llu events, %llu noise, %llu prefilter candidates, %llu regex runs, %llu matches\n",
			(unsigned long long)st->events, (unsigned long long)st->noise,
			(unsigned long long)st->prefilter_hits, (unsigned long long)st->regex_runs,
			(unsigned long long)st->matches);
	}
	engine_free(e);
	for (int i = 0; i < ninputs; i++) {
		free(infos[i].name);
		free(infos[i].error);
	}
	free(infos);
	free(spool);
	redactor_free(red);
	rules_free(t);
	options_free(&o);
	template_scratch_free();
	session_pool_free();
	return code;
}
