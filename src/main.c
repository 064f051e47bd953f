/* main.c — options → rules → each input through the analyzer → reporter → exit code. */
#define _GNU_SOURCE /* memfd_create */
#include "analyze.h"
#include "correlate.h"
#include "detect.h"
#include "engine.h"
#include "options.h"
#include "redact.h"
#include "report.h"
#include "rules.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* With a few inputs (a client log and the server's), the two sides of one attempt are matched
 * (correlate.c): the sessions of the first reading are held, up to HOLD_BYTES of them, and
 * reported once every input is read; past that, each input is read a second time to report.
 * With one input, or many, sessions stream. */
#define CORRELATE_MAX_INPUTS 16
#define HOLD_BYTES (2u << 20) /* some 500 sshd connections, the RSS limit of issue 5 well away */

enum pass { REPORT, SURVEY };

struct sink {
	struct reporter *rep;
	struct input_info *cur;
	bool problems;
	enum pass pass;
	struct correlator *cor;  /* NULL: no matching */
	bool holding;            /* the first reading's sessions are in held[] */
	size_t hold_bytes, held_bytes;
	struct session **held;
	size_t nheld, capheld;
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
	if (k->cur && k->cur->order == ORDER_REVERSED)
		session_renumber(s, k->cur->index, k->cur->reverse_base);
	if (k->cur)
		k->cur->sessions++;
	if (k->pass == SURVEY) {
		correlator_survey(k->cor, s);
		if (!k->holding)
			return;
		if (k->nheld == k->capheld) {
			k->capheld = k->capheld ? 2 * k->capheld : 64;
			k->held = xrealloc(k->held, k->capheld * sizeof *k->held);
		}
		k->held[k->nheld++] = s;
		k->held_bytes += session_bytes(s);
		if (k->held_bytes > k->hold_bytes) { /* too much to hold: a second reading will report */
			correlator_let_go(k->cor, k->held, k->nheld);
			k->nheld = 0;
			k->holding = false;
		}
		return;
	}
	if (k->cor && !(s = correlator_report(k->cor, s)))
		return;
	emit(k, s);
}

static void on_format(const struct input_info *in, void *arg)
{
	struct sink *k = arg;
	if (k->pass == REPORT)
		k->rep->input_begin(k->rep, in);
}

static void info_reset(struct input_info *in, unsigned index)
{
	free(in->name);
	free(in->error);
	memset(in, 0, sizeof *in);
	in->index = index;
}

/* A log that grew between the readings: its counts as far as the first reading went, the
 * part that was reported. */
static void keep_counts(struct input_info *in, const struct input_info *first)
{
	in->lines = first->lines;
	in->bytes = first->bytes;
	in->truncated_lines = first->truncated_lines;
	in->invalid_utf8 = first->invalid_utf8;
	in->nul_bytes = first->nul_bytes;
}

/* The first reading for correlation: keys of the client sessions and their best-fitting
 * server sessions, the sessions themselves held while there are few; then the server inputs
 * read before a client input, once more for its clients (from held[], or read again).
 * Errors are left for the report, which gives them where it reaches them. Each input's line
 * count is kept in survey[]: a second reading stops there, so that a log still being written
 * gives the same sessions twice. */
static void survey_inputs(struct analyzer *a, struct sink *k, char **inputs, int n, struct input_info *survey)
{
	k->pass = SURVEY;
	k->holding = true;
	const char *env = getenv("LOGLENS_HOLD"); /* for the tests */
	k->hold_bytes = env && *env ? strtoul(env, NULL, 10) : HOLD_BYTES;
	for (int i = 0; i < n; i++) {
		k->cur = &survey[i];
		analyze_input(a, inputs[i], &survey[i], NULL, k);
	}
	k->cur = NULL;
	for (int i = 0; i < n; i++) {
		if (!correlator_rescan_begin(k->cor, (unsigned)i))
			continue;
		if (k->holding) {
			for (size_t j = 0; j < k->nheld; j++)
				if (k->held[j]->first_input == (unsigned)i)
					correlator_survey(k->cor, k->held[j]);
			continue;
		}
		struct input_info again = { .index = (unsigned)i };
		a->line_limit = survey[i].error ? 0 : survey[i].lines;
		analyze_input(a, inputs[i], &again, NULL, k);
		info_reset(&again, 0);
	}
	a->line_limit = 0;
	correlator_resolve(k->cor);
	k->pass = REPORT;
}

/* A client's log and a server's among the inputs: only then does a session without a partner
 * deserve a word (two client logs are not expected to match). */
static bool paired_logs(const struct input_info *survey, int n)
{
	bool client = false, server = false;
	for (int i = 0; i < n; i++) {
		if (survey[i].error || survey[i].format == FMT_UNKNOWN)
			continue;
		if (format_text_family(survey[i].format) == FAM_SSHD)
			server = true;
		else
			client = true;
	}
	return client && server;
}

/* The report from the held sessions, input after input, as a second reading would give it. */
static bool report_held(struct sink *k, struct input_info *infos, int n)
{
	bool unreadable = false;
	for (int i = 0; i < n; i++) {
		if (infos[i].format != FMT_UNKNOWN || !infos[i].error)
			k->rep->input_begin(k->rep, &infos[i]);
		for (size_t j = 0; j < k->nheld; j++) {
			struct session *s = k->held[j];
			if (!s || s->first_input != (unsigned)i || !(s = correlator_report(k->cor, s)))
				continue;
			k->held[j] = NULL;
			emit(k, s);
		}
		if (infos[i].error) {
			unreadable = true;
			reporter_sync(k->rep); /* the report so far, then the error */
			warnx_("%s", infos[i].error);
		}
		k->rep->input_end(k->rep, &infos[i]);
	}
	for (size_t j = 0; j < k->nheld; j++)
		if (k->held[j]) /* server sessions merged into their clients' */
			session_free(k->held[j]);
	k->nheld = 0;
	return unreadable;
}

/* The end of a run: a table loaded from rule files (hundreds of thousands of allocations for a
 * large one) takes as long to free as a tenth of loading it, and the process is about to exit,
 * which frees it at once. It stays reachable from here, so leak checkers report no leak. */
static struct ruletable *kept_to_exit;

static void leave_rules(struct ruletable *t)
{
	if (t && !t->borrowed)
		kept_to_exit = t;
	else
		rules_free(t);
}

static struct ruletable *load_rules(const struct options *o)
{
	/* The default table alone was loaded and linked at build time: nothing to parse. With
	 * --rules, the user's rules replace built-in ones by id, so both go through the loader. */
	if (!o->no_default_rules && o->nrule_paths == 0)
		return rules_borrow(&rules_precompiled);
	struct ruletable *t = rules_new();
	int bad = 0;
	if (rules_load(t, !o->no_default_rules, o->rule_paths, o->nrule_paths) < 0)
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

/* Second pass: a redacted copy of each input file into out (opened before the analysis, so that
 * a copy that cannot be written stops the run before it starts), now that every fact has been
 * learned. */
static int write_redacted(const struct options *o, FILE *out, struct redactor *red, char *const *shown)
{
	int rc = EXIT_CLEAN;
	struct sbuf b;
	sb_init(&b);
	for (int i = 0; i < o->ninputs; i++) {
		struct input in;
		if (input_open(&in, o->inputs[i], shown[i]) < 0) {
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

/* Copy what fd holds to a temporary file; its path, or NULL after an error message. */
static int spool_file(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/tmp", "/var/tmp" };
	int err = ENOENT;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		struct sbuf p;
		sb_init(&p);
		sb_printf(&p, "%s/loglens-spool.XXXXXX", dirs[i]);
		int fd = mkstemp(p.s);
		err = errno;
		if (fd >= 0)
			unlink(p.s); /* gone when we exit; read again through /proc/self/fd */
		sb_free(&p);
		if (fd >= 0)
			return fd;
	}
	int fd = memfd_create("loglens-spool", 0); /* no writable temporary directory at all */
	if (fd < 0)
		errno = err;
	return fd;
}

static char *spool(int fd, const char *shown)
{
	struct sbuf p;
	sb_init(&p);
	int out = spool_file();
	if (out < 0) {
		warnx_("%s: cannot create a temporary file to read it twice: %s", shown, strerror(errno));
		return NULL;
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0) {
		warnx_("%s: cannot copy to a temporary file: %s", shown, strerror(errno));
		close(out);
		sb_free(&p);
		return NULL;
	}
	sb_clear(&p);
	sb_printf(&p, "/proc/self/fd/%d", out);
	return sb_steal(&p);
}

/* Inputs read twice (for correlation, or for --redact-log's copy) must be files: standard
 * input, a pipe or a process substitution is first copied to a temporary file, and keeps its
 * own name in the report (shown[i]). Returns -1 after an error message. */
static int spool_inputs(struct options *o, char **shown, char **spooled)
{
	char *stdin_copy = NULL;
	for (int i = 0; i < o->ninputs; i++) {
		const char *path = o->inputs[i];
		bool is_stdin = strcmp(path, "-") == 0;
		struct stat st;
		if (!is_stdin && (stat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue; /* a file, or an error that the reading will name */
		shown[i] = xstrdup(is_stdin ? "<stdin>" : path);
		if (is_stdin && stdin_copy) {
			o->inputs[i] = stdin_copy;
			continue;
		}
		int fd = is_stdin ? 0 : open(path, O_RDONLY);
		if (fd < 0)
			continue; /* named by the reading */
		char *copy = spool(fd, shown[i]);
		if (!is_stdin)
			close(fd);
		if (!copy)
			return -1;
		spooled[i] = copy;
		o->inputs[i] = copy;
		if (is_stdin)
			stdin_copy = copy;
	}
	return 0;
}

static void free_names(char **shown, char **spooled, int n)
{
	for (int i = 0; i < n; i++) {
		free(shown[i]);
		free(spooled[i]);
	}
	free(shown);
	free(spooled);
}

/* --redact-log FILE naming an input would empty that log before it is read (it is opened for
 * writing first): refused, after a message. */
static bool redact_log_is_input(const struct options *o)
{
	struct stat out;
	if (stat(o->redact_log, &out) != 0)
		return false; /* a new file: no input can be it */
	for (int i = 0; i < o->ninputs; i++) {
		struct stat in;
		bool same = strcmp(o->inputs[i], "-") == 0 ? fstat(0, &in) == 0 : stat(o->inputs[i], &in) == 0;
		if (same && in.st_dev == out.st_dev && in.st_ino == out.st_ino && S_ISREG(out.st_mode)) {
			warnx_("--redact-log %s is also an input: writing the copy would destroy the log", o->redact_log);
			return true;
		}
	}
	return false;
}

/* 2 to 16 inputs: a client's log and the server's, to be matched (correlate.c). */
static bool correlating(const struct options *o)
{
	return o->ninputs >= 2 && o->ninputs <= CORRELATE_MAX_INPUTS;
}

int main(int argc, char **argv)
{
	struct options o;
	options_parse(&o, argc, argv);
	static char *stdin_arg[] = { "-" };
	if (o.ninputs == 0 && !o.check_rules && !o.list_rules && isatty(0)) {
		warnx_("no input: give a log FILE, or pipe a log into loglens (try 'loglens --help')");
		options_free(&o);
		return EXIT_USAGE;
	}
	if (o.redact_log && o.ninputs == 0) {
		o.inputs = stdin_arg;
		o.ninputs = 1;
	}
	if (o.redact_log && !o.check_rules && !o.list_rules && redact_log_is_input(&o)) {
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
		int out = stdout_status();
		return problems ? EXIT_RULES : out;
	}
	if (o.list_rules) {
		int rc = list_rules(t, o.lang);
		rules_free(t);
		options_free(&o);
		int out = stdout_status();
		return rc ? rc : out;
	}

	FILE *redact_out = NULL;
	if (o.redact_log && !(redact_out = fopen(o.redact_log, "w"))) {
		warnx_("%s: cannot write: %s", o.redact_log, strerror(errno));
		rules_free(t);
		options_free(&o);
		return EXIT_INPUT;
	}
	char **shown = xcalloc((size_t)o.ninputs + 1, sizeof *shown);
	char **spooled = xcalloc((size_t)o.ninputs + 1, sizeof *spooled);
	if ((o.redact_log || correlating(&o)) && spool_inputs(&o, shown, spooled) < 0) {
		free_names(shown, spooled, o.ninputs);
		if (redact_out)
			fclose(redact_out);
		rules_free(t);
		options_free(&o);
		return EXIT_INPUT;
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
	struct input_info *survey = NULL;
	if (correlating(&o)) {
		k.cor = correlator_new(t);
		survey = xcalloc((size_t)ninputs, sizeof *survey);
		for (int i = 0; i < ninputs; i++) {
			survey[i].index = (unsigned)i;
			survey[i].name = shown[i] ? xstrdup(shown[i]) : NULL;
		}
		survey_inputs(&a, &k, inputs, ninputs, survey);
		rep.o.paired = paired_logs(survey, ninputs);
	}
	/* after the survey, which reports nothing: the writer thread takes a copy of rep */
	const char *sync = getenv("LOGLENS_SYNC");
	if (!sync || !*sync)
		reporter_async(&rep);
	bool unreadable = false;
	rep.begin(&rep);
	if (k.holding) {
		unreadable = report_held(&k, survey, ninputs);
	} else {
		for (int i = 0; i < ninputs; i++) {
			infos[i].index = (unsigned)i;
			infos[i].name = shown[i] ? xstrdup(shown[i]) : NULL;
			k.cur = &infos[i];
			a.line_limit = survey && !survey[i].error ? survey[i].lines : 0;
			if (analyze_input(&a, inputs[i], &infos[i], on_format, &k) < 0) {
				unreadable = true;
				reporter_sync(&rep); /* the report so far, then the error */
				warnx_("%s", infos[i].error);
			}
			if (a.line_limit && infos[i].lines > a.line_limit)
				keep_counts(&infos[i], &survey[i]);
			rep.input_end(&rep, &infos[i]);
		}
		a.line_limit = 0;
	}
	int code = unreadable ? EXIT_INPUT : k.problems ? EXIT_PROBLEMS : EXIT_CLEAN;
	if (redact_out) {
		/* every session rendered, so every value learned; the copy's own errors then count
		 * in the exit status that the JSON document ends with */
		reporter_sync(&rep);
		int r = write_redacted(&o, redact_out, red, shown);
		if (r && code < r)
			code = r;
	}
	rep.end(&rep, code);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("write error on standard output");
		code = EXIT_INTERNAL;
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
	for (int i = 0; survey && i < ninputs; i++)
		info_reset(&survey[i], 0);
	free(survey);
	correlator_free(k.cor);
	free(k.held);
	free_names(shown, spooled, o.ninputs);
	redactor_free(red);
	leave_rules(t);
	options_free(&o);
	template_scratch_free();
	session_pool_free();
	return code;
}
