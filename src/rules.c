/* rules.c — reading and validating rule files (cJSON), compiling patterns (PCRE2).
 * Every error names the file, the line and column, and the rule id. */
#include "rules.h"
#include "embedded.h"
#include "regex.h"
#include "template.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void probe_free(struct probe *pr);
static bool valid_id(const char *id);

/* Limits that keep a hostile or careless rule from hanging a run. */
#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 2000
#define PROBE_LIMIT 50000
#define JIT_STACK_MAX (1024 * 1024)

static const char *const fact_names[F_COUNT] = {
	"client", "client_version", "host", "address", "port", "user", "protocol", "server",
	"hostkey_type", "hostkey_fingerprint", "keyfile", "known_hosts_file", "known_hosts_line",
	"methods", "source_address", "source_port", "pid", "winscp_log_level", "timezone",
	"session_name", "proxy", "tunnel", "ftps", "passive", "password_configured",
	"keyfile_configured", "exit_status", "key_fingerprint", "child_pid", "certificate_fingerprint",
	"negotiation", "proxy_host", "proxy_port", "proxy_user", "proxy_server", "proxy_hostkey_type",
	"proxy_hostkey_fingerprint", "forward_host", "forward_port", "server_os",
};

static const char *const phase_names[PH_COUNT] = {
	"none", "resolve", "connect", "banner", "kex", "hostkey", "auth", "session", "sftp", "transfer",
};

const char *fact_name(enum fact f) { return fact_names[f]; }
const char *phase_name(enum phase p) { return phase_names[p]; }

int fact_from_name(const char *s, size_t n)
{
	for (int i = 0; i < F_COUNT; i++)
		if (equals_n(fact_names[i], s, n))
			return i;
	return -1;
}

const char *outcome_name(enum outcome o)
{
	return o == OUT_SUCCESS ? "success" : o == OUT_FAILED ? "failed" : "unknown";
}

const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

const char *confidence_name(enum confidence c)
{
	return c == CONF_HIGH ? "high" : c == CONF_MEDIUM ? "medium" : "low";
}

/* The match context (limits, JIT stack) every table makes at run time. */
static void add_match_context(struct ruletable *t)
{
	t->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(t->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, DEPTH_LIMIT);
	t->jit_stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	if (t->jit_stack)
		pcre2_jit_stack_assign(t->mctx, NULL, t->jit_stack);
}

struct ruletable *rules_new(void)
{
	struct ruletable *t = xcalloc(1, sizeof *t);
	add_match_context(t);
	return t;
}

static void free_text(struct text *x)
{
	for (int l = 0; l < LANG_COUNT; l++)
		free(x->s[l]);
}

static void free_strv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_refs(struct ref *r, int n)
{
	for (int i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].idx);
	}
	free(r);
}

static void free_rule(struct rule *r)
{
	free(r->id);
	free(r->diag);
	free(r->file);
	for (int i = 0; i < r->nsets; i++)
		free(r->sets[i].tmpl);
	free(r->sets);
	for (int i = 0; i < r->ndefaults; i++)
		free(r->defaults[i].tmpl);
	free(r->defaults);
	free(r->auth_method);
	free(r->auth_key);
	free(r->auth_result);
	free_refs(r->requires, r->nrequires);
	free_refs(r->requires_any, r->nrequires_any);
	free_refs(r->excludes, r->nexcludes);
	free_strv(r->explains, r->nexplains);
	for (int i = 0; i < r->nwhen; i++) {
		free(r->when[i].regex);
		pcre2_code_free(r->when[i].code);
	}
	free(r->when);
	free_text(&r->title);
	free_text(&r->diagnosis);
	for (int i = 0; i < r->nremedy; i++)
		free_text(&r->remedy[i]);
	free(r->remedy);
	for (int i = 0; i < r->ncands; i++) {
		free_text(&r->cands[i].cause);
		free_text(&r->cands[i].check);
	}
	free(r->cands);
	free_strv(r->refs, r->nrefs);
	free_strv(r->ex_match, r->nex_match);
	free_strv(r->ex_nomatch, r->nex_nomatch);
}

/* A borrowed table's static data goes back as it came: no compiled code, nothing failed. */
static void release_borrowed(struct ruletable *t)
{
	for (int i = 0; i < t->nrules; i++)
		for (int k = 0; k < t->rules[i].nwhen; k++) {
			pcre2_code_free(t->rules[i].when[k].code);
			t->rules[i].when[k].code = NULL;
		}
	for (int i = 0; i < t->npats; i++) {
		pcre2_code_free(t->pats[i].code);
		t->pats[i].code = NULL;
		t->pats[i].failed = false;
		t->pats[i].jitted = false;
		t->pats[i].jit = false;
	}
}

static void free_owned(struct ruletable *t)
{
	for (int i = 0; i < t->nrules; i++)
		free_rule(&t->rules[i]);
	for (int i = 0; i < t->npats; i++) {
		free(t->pats[i].regex);
		free(t->pats[i].literal);
		free(t->pats[i].second);
		for (int k = 0; k < t->pats[i].nalts; k++)
			free(t->pats[i].alts[k]);
		free(t->pats[i].alts);
		pcre2_code_free(t->pats[i].code);
	}
	free(t->rules);
	free(t->pats);
	free(t->idhash);
}

void rules_free(struct ruletable *t)
{
	if (!t)
		return;
	if (t->borrowed)
		release_borrowed(t);
	else
		free_owned(t);
	pcre2_match_context_free(t->mctx);
	pcre2_jit_stack_free(t->jit_stack);
	probe_free(&t->probe);
	free(t);
}

/* ---- error positions ---- */

struct loadctx {
	const char *file;
	const char *text;
	size_t len;
	const char *rule_id;
	int errors;
	struct ahead *ahead;         /* the file's patterns being compiled, or NULL */
};

static void offset_to_linecol(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Where a rule starts in the file: the position of its "id" value. */
static size_t rule_offset(const struct loadctx *c)
{
	if (!c->rule_id)
		return 0;
	struct sbuf needle;
	sb_init(&needle);
	sb_printf(&needle, "\"%s\"", c->rule_id);
	const char *p = strstr(c->text, needle.s);
	sb_free(&needle);
	return p ? (size_t)(p - c->text) : 0;
}

__attribute__((format(printf, 2, 3)))
static void load_error(struct loadctx *c, const char *fmt, ...)
{
	int line, col;
	offset_to_linecol(c->text, rule_offset(c), &line, &col);
	fprintf(stderr, "%s: %s:%d:%d: ", progname, c->file, line, col);
	if (c->rule_id)
		fprintf(stderr, "rule '%s': ", c->rule_id);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->errors++;
}

/* ---- field readers ---- */

/* v: the value of key, or NULL when absent. */
static char *string_value(struct loadctx *c, const cJSON *v, const char *key, bool required)
{
	if (!v) {
		if (required)
			load_error(c, "missing \"%s\"", key);
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		load_error(c, "\"%s\" must be a string", key);
		return NULL;
	}
	return xstrdup(v->valuestring);
}

static char *get_string(struct loadctx *c, const cJSON *o, const char *key, bool required)
{
	return string_value(c, cJSON_GetObjectItemCaseSensitive(o, key), key, required);
}

/* A text, "sets" or "auth" template whose placeholders' filters are all known; else an error. */
static bool template_ok(struct loadctx *c, const char *what, const char *tmpl)
{
	long at = template_bad_filter(tmpl);
	if (at >= 0)
		load_error(c, "%s: unknown placeholder filter at \"%.24s\" (known: |sh, |-X, |?words)", what, tmpl + at);
	return at < 0;
}

static bool read_text(struct loadctx *c, const cJSON *v, const char *what, struct text *out)
{
	if (!cJSON_IsObject(v)) {
		load_error(c, "%s must be an object {\"en\": …, \"ja\": …}", what);
		return false;
	}
	static const char *const langs[LANG_COUNT] = { "en", "ja" };
	for (const cJSON *k = v->child; k; k = k->next) {
		if (strcmp(k->string, "en") != 0 && strcmp(k->string, "ja") != 0)
			load_error(c, "%s: unknown language \"%s\"", what, k->string);
	}
	bool ok = true;
	for (int l = 0; l < LANG_COUNT; l++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, langs[l]);
		if (!cJSON_IsString(s) || !*s->valuestring) {
			load_error(c, "%s: missing \"%s\" text", what, langs[l]);
			ok = false;
			continue;
		}
		if (!template_ok(c, what, s->valuestring)) {
			ok = false;
			continue;
		}
		out->s[l] = xstrdup(s->valuestring);
	}
	return ok;
}

static char **read_strv(struct loadctx *c, const cJSON *v, const char *what, int *n)
{
	*n = 0;
	if (!v)
		return NULL;
	if (!cJSON_IsArray(v)) {
		load_error(c, "\"%s\" must be an array of strings", what);
		return NULL;
	}
	int k = cJSON_GetArraySize(v);
	char **out = xcalloc((size_t)k + 1, sizeof *out);
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			load_error(c, "\"%s\" must be an array of strings", what);
			continue;
		}
		out[(*n)++] = xstrdup(e->valuestring);
	}
	return out;
}

static struct ref *read_refs(struct loadctx *c, const cJSON *v, const char *what, int *n)
{
	char **names = read_strv(c, v, what, n);
	if (!names)
		return NULL;
	struct ref *r = xcalloc((size_t)*n + 1, sizeof *r);
	for (int i = 0; i < *n; i++)
		r[i].name = names[i];
	free(names);
	return r;
}

static int enum_lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static unsigned read_families(struct loadctx *c, const cJSON *v)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		load_error(c, "\"families\" must be a non-empty array");
		return 0;
	}
	unsigned m = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		enum family f = cJSON_IsString(e) ? family_from_name(e->valuestring) : FAM_NONE;
		if (f == FAM_NONE)
			load_error(c, "unknown family %s%s%s (winscp, putty, openssh, sshd)",
				   cJSON_IsString(e) ? "\"" : "", cJSON_IsString(e) ? e->valuestring : "?",
				   cJSON_IsString(e) ? "\"" : "");
		else
			m |= FAMBIT(f);
	}
	return m;
}

static unsigned read_marks(struct loadctx *c, const cJSON *v)
{
	if (!v)
		return ~0u;
	if (!cJSON_IsArray(v)) {
		load_error(c, "\"marks\" must be an array");
		return ~0u;
	}
	if (cJSON_GetArraySize(v) == 0) {
		load_error(c, "\"marks\" is empty: the rule could never match (leave it out for every mark)");
		return ~0u;
	}
	unsigned m = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) {
		enum mark k = cJSON_IsString(e) ? mark_from_name(e->valuestring) : MARK_NONE;
		if (k == MARK_NONE)
			load_error(c, "unknown mark (. < > ! * debug1 debug2 debug3 plain event)");
		else
			m |= MARKBIT(k);
	}
	return m;
}

static void add_pattern(struct ruletable *t, struct loadctx *c, int rule, const cJSON *e)
{
	const char *re = NULL, *lit = NULL;
	if (cJSON_IsString(e)) {
		re = e->valuestring;
	} else if (cJSON_IsObject(e)) {
		for (const cJSON *k = e->child; k; k = k->next)
			if (strcmp(k->string, "regex") != 0 && strcmp(k->string, "literal") != 0)
				load_error(c, "pattern: unknown key \"%s\"", k->string);
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "regex");
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "literal");
		re = cJSON_IsString(r) ? r->valuestring : NULL;
		lit = cJSON_IsString(l) ? l->valuestring : NULL;
		if (l && !lit)
			load_error(c, "pattern: \"literal\" must be a string");
	}
	if (!re || !*re) {
		load_error(c, "a pattern must be a non-empty regex string or {\"regex\": …}");
		return;
	}
	if (t->npats == t->patcap) {
		t->patcap = t->patcap ? 2 * t->patcap : 256;
		t->pats = xrealloc(t->pats, (size_t)t->patcap * sizeof *t->pats);
	}
	struct pattern *p = &t->pats[t->npats++];
	memset(p, 0, sizeof *p);
	p->regex = xstrdup(re);
	char *lead = lit && *lit ? NULL : regex_leading_literal(re);
	p->anchored = lead != NULL;
	p->literal = lit && *lit ? xstrdup(lit) : lead ? lead : regex_required_literal(re);
	p->litlen = p->literal ? strlen(p->literal) : 0;
	if (!p->literal || (!p->anchored && !(lit && *lit))) {
		p->alts = regex_literal_set(re, &p->nalts);
		size_t shortest = SIZE_MAX;
		for (int i = 0; i < p->nalts; i++)
			if (strlen(p->alts[i]) < shortest)
				shortest = strlen(p->alts[i]);
		if (p->alts && p->literal && shortest <= p->litlen) { /* the single literal is as good */
			for (int i = 0; i < p->nalts; i++)
				free(p->alts[i]);
			free(p->alts);
			p->alts = NULL;
			p->nalts = 0;
		}
		if (p->alts) { /* the set is more selective than the weak single literal */
			free(p->literal);
			p->literal = NULL;
			p->litlen = 0;
		}
	}
	if (p->literal) {
		p->second = regex_second_literal(re, p->literal);
		p->secondlen = p->second ? strlen(p->second) : 0;
	}
	p->rule = rule;
}

/* One context and one match data for every probe of a thread: a rule file of thousands of
 * patterns otherwise spends more on creating them (and the interpreter's frames) than on
 * probing. */
static void probe_init(struct probe *pr)
{
	if (pr->mctx)
		return;
	pr->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(pr->mctx, PROBE_LIMIT);
	pcre2_set_depth_limit(pr->mctx, DEPTH_LIMIT);
	pr->md = pcre2_match_data_create(1, NULL);
	if (!pr->mctx || !pr->md)
		diex(EXIT_INTERNAL, "out of memory");
}

static void probe_free(struct probe *pr)
{
	pcre2_match_context_free(pr->mctx);
	pcre2_match_data_free(pr->md);
	*pr = (struct probe){ 0 };
}

/* What PCRE2 looks at before it tries to match at all (its start-up optimizations): the
 * shortest match, a code unit every match starts with, one every match holds. A subject that
 * fails these gets no match attempt, so no backtracking either: most probes end so, and the
 * call costs more than the look. PCRE2 does not say whether a code unit is caseless, so a
 * letter counts in either case; a byte of a multi-byte character is not used. */
struct prefail {
	uint32_t minlen;
	int first, req;              /* the code unit, or -1 */
};

static int ascii_unit(const pcre2_code *code, uint32_t what_type, uint32_t what_unit)
{
	uint32_t type = 0, unit = 0;
	pcre2_pattern_info(code, what_type, &type);
	if (type != 1)
		return -1;
	pcre2_pattern_info(code, what_unit, &unit);
	return unit < 0x80 ? (int)unit : -1;
}

static void prefail_init(struct prefail *pf, const pcre2_code *code)
{
	*pf = (struct prefail){ 0, -1, -1 };
	uint32_t opts = 0;
	pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts);
	if (opts & PCRE2_NO_START_OPTIMIZE) /* (*NO_START_OPT): PCRE2 tries every position */
		return;
	pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &pf->minlen);
	pf->first = ascii_unit(code, PCRE2_INFO_FIRSTCODETYPE, PCRE2_INFO_FIRSTCODEUNIT);
	pf->req = ascii_unit(code, PCRE2_INFO_LASTCODETYPE, PCRE2_INFO_LASTCODEUNIT);
}

static bool holds_unit(const char *s, size_t n, int unit)
{
	int other = unit >= 'a' && unit <= 'z' ? unit - 32 : unit >= 'A' && unit <= 'Z' ? unit + 32 : unit;
	return memchr(s, unit, n) || memchr(s, other, n);
}

static bool prefails(const struct prefail *pf, const char *s, size_t n)
{
	return n < pf->minlen || (pf->first >= 0 && !holds_unit(s, n, pf->first)) ||
	       (pf->req >= 0 && !holds_unit(s, n, pf->req));
}

/* Characters a regex gives a meaning to, and those that stand for themselves after a "\\". */
static const bool regex_meta[256] = {
	['\\'] = 1, ['^'] = 1, ['$'] = 1, ['.'] = 1, ['['] = 1, [']'] = 1, ['|'] = 1, ['('] = 1,
	[')'] = 1, ['?'] = 1, ['*'] = 1, ['+'] = 1, ['{'] = 1, ['}'] = 1,
};
static const bool escaped_self[256] = {
	['.'] = 1, ['^'] = 1, ['$'] = 1, ['|'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1,
	['{'] = 1, ['}'] = 1, ['?'] = 1, ['*'] = 1, ['+'] = 1, ['\\'] = 1, ['/'] = 1, ['"'] = 1,
	['\''] = 1, ['-'] = 1, [':'] = 1, ['='] = 1, ['@'] = 1, ['#'] = 1, ['%'] = 1, ['&'] = 1,
	[','] = 1, [';'] = 1, ['<'] = 1, ['>'] = 1, ['!'] = 1, ['~'] = 1, ['`'] = 1, [' '] = 1,
};

/* The probes' traps: a unit repeated to just under 48 bytes, then "!". */
#define PROBE_UNITS 11
#define PROBE_SPAN 48
static const char *const probe_units[PROBE_UNITS] = { "a", " ", "0", "a ", "ab", "-", ".", "a.", "\t", "/", "x:" };
static char probe_fill[PROBE_UNITS][PROBE_SPAN];
static size_t probe_fill_len[PROBE_UNITS];
static pthread_once_t probe_fill_once = PTHREAD_ONCE_INIT;

static void make_probe_fills(void)
{
	for (int u = 0; u < PROBE_UNITS; u++) {
		size_t k = strlen(probe_units[u]), n = 0;
		for (; n + k < PROBE_SPAN; n += k)
			memcpy(probe_fill[u] + n, probe_units[u], k);
		probe_fill_len[u] = n;
	}
}

/* Does the regex backtrack catastrophically? Probe it, with a low match limit, on short
 * subjects that defeat nested quantifiers ("aaaa…!", "a a a …!", …); a sane log regex
 * needs a few hundred steps on 48 bytes. */
static const char *backtracks(struct probe *pr, pcre2_code *code, const char *re)
{
	/* "^x(a|aa)+$" needs its "x" before the trap: copy the literal characters after "^" */
	char subject[32 + PROBE_SPAN + 2];
	size_t leadlen = 0;
	for (const unsigned char *p = (const unsigned char *)re + (re[0] == '^'); re[0] == '^' && *p && leadlen < 32; p++) {
		if (*p == '\\' && p[1] && escaped_self[p[1]])
			p++;
		else if (regex_meta[*p])
			break;
		subject[leadlen++] = (char)*p;
	}
	pthread_once(&probe_fill_once, make_probe_fills);
	probe_init(pr);
	struct prefail pf;
	prefail_init(&pf, code);
	for (int u = 0; u < PROBE_UNITS; u++) {
		size_t n = leadlen + probe_fill_len[u];
		memcpy(subject + leadlen, probe_fill[u], probe_fill_len[u]);
		subject[n++] = '!';
		subject[n] = '\0';
		if (prefails(&pf, subject, n))
			continue;
		int rc = pcre2_match(code, (PCRE2_SPTR)subject, n, 0, PCRE2_NO_JIT, pr->md, pr->mctx);
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
			return probe_units[u];
	}
	return NULL;
}

/* What compiling one regex gave: the code, or PCRE2's error; for a rule file's pattern, also
 * the probe's verdict. */
struct compiled {
	pcre2_code *code;
	int errcode;
	size_t erroff;
	const char *backtracks;      /* the probe's unit that exhausted the limit, or NULL */
};

/* pr: probe it too (with that thread's probe context), or NULL. */
static void compile_regex(const char *re, struct probe *pr, struct compiled *out)
{
	*out = (struct compiled){ 0 };
	out->code = regex_compile(re, 0, &out->errcode, &out->erroff);
	if (out->code && pr)
		out->backtracks = backtracks(pr, out->code, re);
}

/* ---- compiling a rule file's patterns ahead ----
 *
 * Compiling and probing is half the time a large rule file takes to load. The thread that
 * parsed the file (prepare_file) goes on to compile its patterns, in the order they come,
 * while this one reads the rules; read_rule takes each result as it needs it, and while one is
 * not ready this thread compiles the next unclaimed pattern itself rather than wait. Errors
 * are reported where read_rule takes the result, so in file order. The regexes are listed from
 * the parse tree first, by the rules read_rule adds patterns for; a pattern that is not the
 * next one listed is compiled in place instead. */
struct ahead {
	const char **re;             /* into the parse tree, which outlives the thread */
	struct compiled *out;
	_Atomic bool *ready;         /* out[k] is there */
	int n, next;                 /* next: the first result not taken */
	_Atomic int claim;           /* the next pattern either thread may compile */
	struct waiter reader;        /* where the reading thread sleeps for a result */
};

/* Compile the next unclaimed pattern, if any is left. */
static bool compile_claimed(struct ahead *a, struct probe *pr)
{
	int k = atomic_fetch_add(&a->claim, 1);
	if (k >= a->n)
		return false;
	compile_regex(a->re[k], pr, &a->out[k]);
	atomic_store(&a->ready[k], true);
	waiter_wake(&a->reader);
	return true;
}

/* The regexes read_rule will add, in order: of each rule with a valid id, its non-empty regex
 * strings (a string, or an object's "regex"). */
static int list_regexes(const cJSON *rules, const char ***out)
{
	int n = 0, cap = 0;
	*out = NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, rules) {
		const cJSON *idv = cJSON_GetObjectItemCaseSensitive(o, "id");
		const cJSON *pats = cJSON_GetObjectItemCaseSensitive(o, "patterns");
		if (!cJSON_IsObject(o) || !cJSON_IsString(idv) || !valid_id(idv->valuestring) || !cJSON_IsArray(pats))
			continue;
		const cJSON *e;
		cJSON_ArrayForEach(e, pats) {
			const cJSON *r = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "regex") : e;
			if (!cJSON_IsString(r) || !*r->valuestring)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				*out = xrealloc(*out, (size_t)cap * sizeof **out);
			}
			(*out)[n++] = r->valuestring;
		}
	}
	return n;
}

static void ahead_free(struct ahead *a)
{
	waiter_destroy(&a->reader);
	free(a->ready);
	free(a->out);
	free(a->re);
	free(a);
}

/* The file's patterns listed for compiling ahead, or NULL when it has none. */
static struct ahead *ahead_new(const cJSON *rules)
{
	const char **re;
	int n = list_regexes(rules, &re);
	if (n == 0) {
		free(re);
		return NULL;
	}
	struct ahead *a = xcalloc(1, sizeof *a);
	a->re = re;
	a->n = n;
	a->out = xcalloc((size_t)n, sizeof *a->out);
	a->ready = xcalloc((size_t)n, sizeof *a->ready);
	waiter_init(&a->reader);
	return a;
}

static bool is_ready(void *flag)
{
	return atomic_load((_Atomic bool *)flag);
}

/* The next result, if it is re's; false if re is not the next regex listed. While it is not
 * ready, compile others; sleep only when none is left to claim. pr: this thread's probe. */
static bool ahead_take(struct ahead *a, const char *re, struct probe *pr, struct compiled *out)
{
	if (!a || a->next >= a->n || strcmp(a->re[a->next], re) != 0)
		return false;
	int k = a->next++;
	while (!is_ready(&a->ready[k]) && compile_claimed(a, pr))
		;
	waiter_sleep_until(&a->reader, is_ready, &a->ready[k]);
	*out = a->out[k];
	a->out[k].code = NULL; /* taken */
	return true;
}

/* Free what was not taken (the compiling thread has ended). */
static void ahead_end(struct ahead *a)
{
	if (!a)
		return;
	for (int k = 0; k < a->n; k++)
		pcre2_code_free(a->out[k].code);
	ahead_free(a);
}

/* Compile a pattern; report a bad regex with the PCRE2 message and offset. With c (a rule file
 * being loaded), probe it for catastrophic backtracking too. */
static bool compile_pattern(struct ruletable *t, struct pattern *p, struct loadctx *c)
{
	if (p->code)
		return true;
	if (p->failed)
		return false;
	struct compiled r;
	if (!(c && ahead_take(c->ahead, p->regex, &t->probe, &r)))
		compile_regex(p->regex, c ? &t->probe : NULL, &r);
	if (!r.code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(r.errcode, msg, sizeof msg);
		if (c)
			load_error(c, "bad regex at offset %zu: %s", r.erroff, (char *)msg);
		else
			warnx_("rule '%s': bad regex at offset %zu: %s", t->rules[p->rule].id, r.erroff, (char *)msg);
		p->failed = true;
		return false;
	}
	if (r.backtracks) {
		load_error(c, "regex backtracks catastrophically (it exhausts the match limit on a %zu-byte line of \"%s\"): %s",
			   (size_t)48, strcmp(r.backtracks, "\t") == 0 ? "\\t" : r.backtracks, p->regex);
		pcre2_code_free(r.code);
		p->failed = true;
		return false;
	}
	uint32_t groups = 0, named = 0;
	pcre2_pattern_info(r.code, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_pattern_info(r.code, PCRE2_INFO_NAMECOUNT, &named);
	if (groups > PATTERN_MAX_GROUPS || named > PATTERN_MAX_NAMED) {
		if (c)
			load_error(c, "regex has %u groups, %u of them named (at most %d and %d): %s", groups, named,
				   PATTERN_MAX_GROUPS, PATTERN_MAX_NAMED, p->regex);
		else
			warnx_("rule '%s': regex has %u groups, %u of them named (at most %d and %d)",
			       t->rules[p->rule].id, groups, named, PATTERN_MAX_GROUPS, PATTERN_MAX_NAMED);
		pcre2_code_free(r.code);
		p->failed = true;
		return false;
	}
	p->code = r.code;
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &p->namecount);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &p->nameentry);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &p->nametable);
	return true;
}

bool rules_compile(struct ruletable *t, struct pattern *p)
{
	if (!compile_pattern(t, p, NULL))
		return false;
	if (p->jitted)
		return true;
	/* JIT unless told not to: valgrind cannot follow JIT code (LOGLENS_NO_JIT=1 in
	 * "make valgrind"); without JIT, pcre2_match interprets. */
	static int no_jit = -1;
	if (no_jit < 0) {
		const char *v = getenv("LOGLENS_NO_JIT");
		no_jit = v && *v && strcmp(v, "0") != 0;
	}
	size_t jitsize = 0;
	if (!no_jit && pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0)
		pcre2_pattern_info(p->code, PCRE2_INFO_JITSIZE, &jitsize);
	p->jit = jitsize > 0;
	p->jitted = true;
	return true;
}

/* A rule's keys, in strcmp order (for bsearch); enum rule_key follows it. */
enum rule_key {
	K_AUTH, K_CANDIDATES, K_COMMENT, K_CONFIDENCE, K_DIAGNOSIS, K_EXAMPLES, K_EXCLUDES,
	K_EXPLAINS, K_FAMILIES, K_HOP, K_ID, K_KIND, K_LAST_LINE, K_LATEST_CAPTURES, K_LOCKS,
	K_MARKS, K_OUTCOME, K_PATTERNS, K_PHASE, K_PRIORITY, K_REFERENCES, K_REMEDY, K_REQUIRES,
	K_REQUIRES_ANY, K_SESSION, K_SETS, K_SETS_DEFAULT, K_SEVERITY, K_TITLE, K_WHEN, K_COUNT
};
static const char *const rule_keys[] = {
	"auth", "candidates", "comment", "confidence", "diagnosis", "examples", "excludes",
	"explains", "families", "hop", "id", "kind", "last_line", "latest_captures", "locks",
	"marks", "outcome", "patterns", "phase", "priority", "references", "remedy", "requires",
	"requires_any", "session", "sets", "sets_default", "severity", "title", "when",
};

_Static_assert(sizeof rule_keys / sizeof rule_keys[0] == K_COUNT, "rule_keys and enum rule_key differ");

/* A rule object's members by key, found in one pass over it: cJSON finds a key by comparing
 * it with every member in turn, and two dozen such lookups per rule cost more than the rest
 * of reading it. As with cJSON's lookup, the first of a repeated key is the one read. */
struct rule_fields {
	const cJSON *v[K_COUNT];
};

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Fill f from o; report each unknown key. */
static void index_fields(struct loadctx *c, const cJSON *o, struct rule_fields *f)
{
	*f = (struct rule_fields){ 0 };
	for (const cJSON *k = o->child; k; k = k->next) {
		const char *const *at = bsearch(k->string, rule_keys, K_COUNT, sizeof rule_keys[0], cmp_key);
		if (!at)
			load_error(c, "unknown key \"%s\"", k->string);
		else if (!f->v[at - rule_keys])
			f->v[at - rule_keys] = k;
	}
}

static bool valid_id(const char *id)
{
	if (!*id)
		return false;
	for (const char *p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && !strchr(".-/_", *p))
			return false;
	return strchr(id, '.') != NULL;
}

static struct fact_set *read_sets(struct loadctx *c, const cJSON *v, const char *key, int *n)
{
	*n = 0;
	if (!v)
		return NULL;
	if (!cJSON_IsObject(v)) {
		load_error(c, "\"%s\" must be an object", key);
		return NULL;
	}
	struct fact_set *out = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out);
	for (const cJSON *k = v->child; k; k = k->next) {
		int f = fact_from_name(k->string, strlen(k->string));
		if (f < 0 || !cJSON_IsString(k)) {
			load_error(c, "%s: \"%s\" is not a fact name with a string template", key, k->string);
			continue;
		}
		if (f == F_SERVER_OS) { /* the engine decides "when" on it line by line (engine.c) */
			load_error(c, "%s: \"server_os\" is the reader's, from the log's form: no rule sets it", key);
			continue;
		}
		if (!template_ok(c, key, k->valuestring))
			continue;
		out[*n].fact = (enum fact)f;
		out[(*n)++].tmpl = xstrdup(k->valuestring);
	}
	return out;
}

/* "locks": an array of fact names, as a bit set. */
static uint64_t read_locks(struct loadctx *c, const cJSON *v)
{
	uint64_t bits = 0;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v)) {
		load_error(c, "\"locks\" must be an array of fact names");
		return 0;
	}
	for (const cJSON *k = v->child; k; k = k->next) {
		if (!cJSON_IsString(k)) {
			load_error(c, "locks: an element that is not a string");
			continue;
		}
		int f = fact_from_name(k->valuestring, strlen(k->valuestring));
		if (f < 0) {
			load_error(c, "locks: \"%s\" is not a fact name", k->valuestring);
			continue;
		}
		bits |= (uint64_t)1 << f;
	}
	return bits;
}

/* Compile a "when" regex (the session model reads fc->code, and a NULL code never holds);
 * on error, msg receives "at offset N: why". */
static bool compile_when(struct fact_cond *fc, char *msg, size_t msgsize)
{
	int errcode;
	size_t erroff;
	fc->code = regex_compile(fc->regex, PCRE2_CASELESS, &errcode, &erroff);
	if (fc->code)
		return true;
	PCRE2_UCHAR why[200];
	pcre2_get_error_message(errcode, why, sizeof why);
	snprintf(msg, msgsize, "at offset %zu: %s", (size_t)erroff, (char *)why);
	return false;
}

static void read_when(struct loadctx *c, struct rule *r, const cJSON *v)
{
	if (!v)
		return;
	if (!cJSON_IsObject(v)) {
		load_error(c, "\"when\" must be an object {\"fact\": \"regex\"}");
		return;
	}
	r->when = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *r->when);
	for (const cJSON *k = v->child; k; k = k->next) {
		int f = fact_from_name(k->string, strlen(k->string));
		if (f < 0 || !cJSON_IsString(k)) {
			load_error(c, "when: \"%s\" is not a fact name with a regex", k->string);
			continue;
		}
		struct fact_cond *fc = &r->when[r->nwhen++];
		fc->fact = (enum fact)f;
		fc->regex = xstrdup(k->valuestring);
		char msg[256];
		if (!compile_when(fc, msg, sizeof msg))
			load_error(c, "when: bad regex for \"%s\" %s", k->string, msg);
	}
}

static void read_auth(struct loadctx *c, struct rule *r, const cJSON *v)
{
	if (!v)
		return;
	if (!cJSON_IsObject(v)) {
		load_error(c, "\"auth\" must be an object");
		return;
	}
	for (const cJSON *k = v->child; k; k = k->next)
		if (strcmp(k->string, "method") && strcmp(k->string, "key") && strcmp(k->string, "result"))
			load_error(c, "auth: unknown key \"%s\"", k->string);
	r->auth_method = get_string(c, v, "method", true);
	r->auth_key = get_string(c, v, "key", false);
	r->auth_result = get_string(c, v, "result", true);
	if (r->auth_method)
		template_ok(c, "auth", r->auth_method);
	if (r->auth_key)
		template_ok(c, "auth", r->auth_key);
	static const char *const results[] = { "offered", "accepted", "refused", "failed", "partial", "success" };
	if (r->auth_result && enum_lookup(r->auth_result, results, 6) < 0)
		load_error(c, "auth: result must be offered, accepted, refused, failed, partial or success");
}

static bool text_names_proxy(const struct text *t)
{
	for (int l = 0; l < LANG_COUNT; l++)
		if (t->s[l] && (strstr(t->s[l], "{proxy_") || strstr(t->s[l], "{forward_")))
			return true;
	return false;
}

/* A finding whose texts name a proxy_ or forward_ fact tells the target from its proxy itself
 * (session.c: the others, matched on a hop's lines, read the hop's host, port and user). */
static bool texts_name_proxy(const struct rule *r)
{
	bool named = text_names_proxy(&r->title) || text_names_proxy(&r->diagnosis);
	for (int i = 0; i < r->nremedy && !named; i++)
		named = text_names_proxy(&r->remedy[i]);
	for (int i = 0; i < r->ncands && !named; i++)
		named = text_names_proxy(&r->cands[i].cause) || text_names_proxy(&r->cands[i].check);
	return named;
}

static void read_finding_texts(struct loadctx *c, struct rule *r, const struct rule_fields *f)
{
	const cJSON *v;
	if ((v = f->v[K_TITLE]))
		read_text(c, v, "title", &r->title);
	else
		load_error(c, "missing \"title\"");
	if ((v = f->v[K_DIAGNOSIS]))
		read_text(c, v, "diagnosis", &r->diagnosis);
	else
		load_error(c, "missing \"diagnosis\"");
	v = f->v[K_REMEDY];
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		load_error(c, "missing \"remedy\" (a non-empty array of {\"en\",\"ja\"})");
	} else {
		r->remedy = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *r->remedy);
		const cJSON *e;
		cJSON_ArrayForEach(e, v) read_text(c, e, "remedy step", &r->remedy[r->nremedy++]);
	}
	v = f->v[K_CANDIDATES];
	if (v) {
		if (!cJSON_IsArray(v)) {
			load_error(c, "\"candidates\" must be an array");
		} else {
			r->cands = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *r->cands);
			const cJSON *e;
			cJSON_ArrayForEach(e, v) {
				struct candidate *cd = &r->cands[r->ncands++];
				read_text(c, cJSON_GetObjectItemCaseSensitive(e, "cause"), "candidate cause", &cd->cause);
				read_text(c, cJSON_GetObjectItemCaseSensitive(e, "check"), "candidate check", &cd->check);
			}
		}
	}
	r->names_proxy = texts_name_proxy(r);
}

static void read_examples(struct loadctx *c, struct rule *r, const cJSON *v)
{
	if (!cJSON_IsObject(v)) {
		load_error(c, "missing \"examples\" ({\"match\": [...], \"no_match\": [...]})");
		return;
	}
	for (const cJSON *k = v->child; k; k = k->next)
		if (strcmp(k->string, "match") && strcmp(k->string, "no_match"))
			load_error(c, "examples: unknown key \"%s\"", k->string);
	r->ex_match = read_strv(c, cJSON_GetObjectItemCaseSensitive(v, "match"), "examples.match", &r->nex_match);
	r->ex_nomatch = read_strv(c, cJSON_GetObjectItemCaseSensitive(v, "no_match"), "examples.no_match", &r->nex_nomatch);
	if (r->nex_match == 0)
		load_error(c, "examples.match must hold at least one line");
	if (r->nex_nomatch == 0)
		load_error(c, "examples.no_match must hold at least one near-miss line");
}

/* A key whose value is one of names[min..n): its index, or -1 when it is absent or (after an
 * error naming the allowed values) not one of them. */
static int read_enum(struct loadctx *c, const cJSON *v, const char *key, const char *const *names, int n,
		     int min, const char *allowed)
{
	char *s = string_value(c, v, key, false);
	if (!s)
		return -1;
	int k = enum_lookup(s, names, n);
	if (k < min) {
		load_error(c, "%s must be %s, not \"%s\"", key, allowed, s);
		k = -1;
	}
	free(s);
	return k;
}

static void read_enums(struct loadctx *c, struct rule *r, const struct rule_fields *f)
{
	static const char *const sev[] = { "info", "warning", "error" };
	static const char *const conf[] = { "low", "medium", "high" };
	static const char *const outc[] = { "unknown", "success", "failed" };
	static const char *const hops[] = { "", "begin", "up", "end" };
	char *s;
	r->severity = SEV_ERROR;
	r->confidence = CONF_HIGH;
	r->priority = 50;
	int k;
	if ((k = read_enum(c, f->v[K_SEVERITY], "severity", sev, 3, 0, "error, warning or info")) >= 0)
		r->severity = (enum severity)k;
	if ((k = read_enum(c, f->v[K_CONFIDENCE], "confidence", conf, 3, 0, "high, medium or low")) >= 0)
		r->confidence = (enum confidence)k;
	if ((k = read_enum(c, f->v[K_OUTCOME], "outcome", outc, 3, 1, "success or failed")) >= 0)
		r->outcome = (enum outcome)k;
	if ((k = read_enum(c, f->v[K_PHASE], "phase", phase_names, PH_COUNT, 1,
			   "resolve, connect, banner, kex, hostkey, auth, session, sftp or transfer")) >= 0)
		r->phase = (enum phase)k;
	if ((k = read_enum(c, f->v[K_HOP], "hop", hops, 4, 1, "\"begin\", \"up\" or \"end\"")) >= 0)
		r->hop = (enum hop)k;
	if ((s = string_value(c, f->v[K_SESSION], "session", false))) {
		if (strcmp(s, "start") == 0)
			r->session_start = true;
		else if (strcmp(s, "child") == 0)
			r->session_child = true;
		else if (strcmp(s, "end") == 0)
			r->session_end = true;
		else if (strcmp(s, "service") == 0)
			r->session_service = true;
		else if (strcmp(s, "prelude") == 0)
			r->session_prelude = true;
		else
			load_error(c, "session must be \"start\", \"child\", \"end\", \"service\" or \"prelude\"");
		free(s);
	}
	const cJSON *ll = f->v[K_LAST_LINE];
	if (ll && !cJSON_IsBool(ll))
		load_error(c, "last_line must be true or false");
	r->last_line = cJSON_IsTrue(ll);
	const cJSON *lc = f->v[K_LATEST_CAPTURES];
	if (lc && !cJSON_IsBool(lc))
		load_error(c, "latest_captures must be true or false");
	r->latest_captures = cJSON_IsTrue(lc);
	const cJSON *p = f->v[K_PRIORITY];
	if (p) {
		if (!cJSON_IsNumber(p) || p->valuedouble < 0 || p->valuedouble > 100 || p->valuedouble != (double)p->valueint)
			load_error(c, "priority must be a whole number from 0 to 100");
		else
			r->priority = p->valueint;
	}
}

static unsigned hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

/* The index of the rule with this id, or -1 (a hash: tables of thousands of rules load fast). */
static int find_rule(const struct ruletable *t, const char *id)
{
	if (!t->idcap)
		return -1;
	for (unsigned h = hash_str(id) & (unsigned)(t->idcap - 1);; h = (h + 1) & (unsigned)(t->idcap - 1)) {
		int k = t->idhash[h];
		if (k == 0)
			return -1;
		if (t->rules[k - 1].id && strcmp(t->rules[k - 1].id, id) == 0)
			return k - 1;
	}
}

static void index_rule(struct ruletable *t, int i)
{
	if (2 * (t->nrules + 1) > t->idcap) {
		t->idcap = t->idcap ? 2 * t->idcap : 1024;
		free(t->idhash);
		t->idhash = xcalloc((size_t)t->idcap, sizeof *t->idhash);
		for (int k = 0; k < t->nrules; k++)
			if (k != i && t->rules[k].id)
				index_rule(t, k);
	}
	unsigned h = hash_str(t->rules[i].id) & (unsigned)(t->idcap - 1);
	while (t->idhash[h])
		h = (h + 1) & (unsigned)(t->idcap - 1);
	t->idhash[h] = i + 1;
}

/* Find the slot for a rule id: a replacement keeps the original's place. */
static struct rule *rule_slot(struct ruletable *t, const char *id)
{
	int i = find_rule(t, id);
	if (i >= 0) {
		/* Drop the old rule's patterns by detaching them (they stay, unused). */
		for (int k = 0; k < t->rules[i].npats; k++)
			t->pats[t->rules[i].first_pat + k].rule = -1;
		free_rule(&t->rules[i]);
		memset(&t->rules[i], 0, sizeof t->rules[i]);
		return &t->rules[i];
	}
	if (t->nrules == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 128;
		t->rules = xrealloc(t->rules, (size_t)t->cap * sizeof *t->rules);
	}
	struct rule *r = &t->rules[t->nrules++];
	memset(r, 0, sizeof *r);
	return r;
}

static void read_rule(struct ruletable *t, struct loadctx *c, const cJSON *o)
{
	c->rule_id = NULL;
	if (!cJSON_IsObject(o)) {
		load_error(c, "each entry of \"rules\" must be an object");
		return;
	}
	const cJSON *idv = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (!cJSON_IsString(idv) || !valid_id(idv->valuestring)) {
		load_error(c, "a rule needs an \"id\" like \"auth.key-refused/putty\" (a-z 0-9 . - / _)");
		return;
	}
	c->rule_id = idv->valuestring;
	int before = c->errors;
	struct rule_fields f;
	index_fields(c, o, &f);
	int prev = find_rule(t, idv->valuestring);
	if (prev >= 0 && strcmp(t->rules[prev].file, c->file) == 0)
		load_error(c, "duplicate id in the same file");
	struct rule *r = rule_slot(t, idv->valuestring);
	int ri = (int)(r - t->rules);
	r->id = xstrdup(idv->valuestring);
	if (prev < 0)
		index_rule(t, ri);
	const char *slash = strchr(r->id, '/');
	r->diag = slash ? xstrndup(r->id, (size_t)(slash - r->id)) : xstrdup(r->id);
	r->file = xstrdup(c->file);
	char *kind = string_value(c, f.v[K_KIND], "kind", false);
	if (kind && strcmp(kind, "signal") != 0 && strcmp(kind, "finding") != 0)
		load_error(c, "kind must be \"finding\" or \"signal\"");
	r->signal = kind && strcmp(kind, "signal") == 0;
	free(kind);
	if (r->signal && strncmp(r->id, "sig.", 4) != 0)
		load_error(c, "a signal's id must begin with \"sig.\"");
	if (!r->signal && strcmp(r->diag, "unexplained") == 0)
		load_error(c, "\"unexplained\" is made by the engine, not by a rule");
	if (!r->signal && (!slash || !slash[1] || slash == r->id))
		load_error(c, "a finding's id is \"diagnosis/variant\", e.g. \"auth.key-refused/putty\"");
	r->famask = read_families(c, f.v[K_FAMILIES]);
	r->markmask = read_marks(c, f.v[K_MARKS]);
	const cJSON *pats = f.v[K_PATTERNS];
	r->first_pat = t->npats;
	if (!cJSON_IsArray(pats) || cJSON_GetArraySize(pats) == 0) {
		load_error(c, "\"patterns\" must be a non-empty array");
	} else {
		const cJSON *e;
		cJSON_ArrayForEach(e, pats) add_pattern(t, c, ri, e);
	}
	r->npats = t->npats - r->first_pat;
	/* The built-in table is checked by the test suite: its patterns compile when the prefilter
	 * first sends a line to them, which keeps start-up fast. User rule files compile now, so
	 * that a bad regex is reported at load. */
	for (int i = 0; t->eager && i < r->npats; i++)
		compile_pattern(t, &t->pats[r->first_pat + i], c);
	r->sets = read_sets(c, f.v[K_SETS], "sets", &r->nsets);
	r->defaults = read_sets(c, f.v[K_SETS_DEFAULT], "sets_default", &r->ndefaults);
	r->locks = read_locks(c, f.v[K_LOCKS]);
	read_auth(c, r, f.v[K_AUTH]);
	read_when(c, r, f.v[K_WHEN]);
	read_enums(c, r, &f);
	/* the server's own session is sshd's: a client's line has no server to be about */
	if ((r->session_service || r->session_prelude) && r->famask != FAMBIT(FAM_SSHD))
		load_error(c, "\"session\": \"service\" is for rules of the sshd family only");
	r->requires = read_refs(c, f.v[K_REQUIRES], "requires", &r->nrequires);
	r->requires_any = read_refs(c, f.v[K_REQUIRES_ANY], "requires_any", &r->nrequires_any);
	r->excludes = read_refs(c, f.v[K_EXCLUDES], "excludes", &r->nexcludes);
	r->explains = read_strv(c, f.v[K_EXPLAINS], "explains", &r->nexplains);
	r->refs = read_strv(c, f.v[K_REFERENCES], "references", &r->nrefs);
	if (!r->signal)
		read_finding_texts(c, r, &f);
	read_examples(c, r, f.v[K_EXAMPLES]);
	(void)before;
}

/* ---- reading rule files ----
 *
 * The files are read in order, and each one is made ready by a thread of its own while the
 * rules of the one before are read: the file read, checked and parsed, then its patterns
 * compiled in order (compile_claimed), the reading thread taking each result as read_rule
 * needs it. Messages still come in file order: a thread only records why a file could not be
 * parsed, and the reading thread prints it in the file's turn. */

/* A rule file's parse tree lives in an arena and goes in one free: cJSON's node-by-node malloc
 * and delete cost as much as compiling the regexes of a large rule set. cJSON's allocator is
 * process-wide, so it points at each parsing thread's own arena. */
static _Thread_local struct arena *parse_arena;

static void *parse_alloc(size_t n)
{
	return arena_alloc(parse_arena, n);
}

static void parse_free(void *p)
{
	(void)p; /* all at once, with the file's arena */
}

/* The offset of the first byte that is not well-formed UTF-8 (RFC 3629), or len. */
static size_t invalid_utf8_at(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4) || i + n > len)
			return i;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		if ((n == 3 && c == 0xE0 && s[i + 1] < 0xA0) || (n == 3 && c == 0xED && s[i + 1] >= 0xA0) ||
		    (n == 4 && c == 0xF0 && s[i + 1] < 0x90) || (n == 4 && c == 0xF4 && s[i + 1] >= 0x90))
			return i; /* overlong, a surrogate, past U+10FFFF */
		i += n;
	}
	return len;
}

/* One rule file on its way in. */
struct rulefile {
	char *name;                  /* as messages name it */
	bool read;                   /* read the file `name` first; else text is given */
	bool eager;                  /* compile its patterns now (a user's file) */
	char *failure;               /* why it cannot be loaded, printed in its turn, or NULL */
	int open_errno;              /* it could not be opened (strerror is the reader's to call) */
	const char *text;
	size_t len;
	struct sbuf buf;             /* the text read */
	struct arena mem;            /* the parse tree */
	cJSON *root;
	struct ahead *ahead;         /* its patterns listed for compiling, or NULL */
	bool threaded;
	pthread_t thread;
	_Atomic bool parsed;
	struct waiter parsing;       /* where the reading thread waits for `parsed` */
};

__attribute__((format(printf, 3, 4)))
static void file_failure(struct rulefile *f, size_t at, const char *fmt, ...)
{
	int line, col;
	offset_to_linecol(f->text, at, &line, &col);
	struct sbuf m;
	sb_init(&m);
	sb_printf(&m, "%s:%d:%d: ", f->name, line, col);
	va_list ap;
	va_start(ap, fmt);
	char msg[128];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sb_adds(&m, msg);
	f->failure = sb_steal(&m);
}

static bool read_whole(struct rulefile *f)
{
	FILE *fp = fopen(f->name, "rb");
	if (!fp) {
		f->open_errno = errno;
		return false;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		sb_add(&f->buf, chunk, n);
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		struct sbuf m;
		sb_init(&m);
		sb_printf(&m, "%s: read error", f->name);
		f->failure = sb_steal(&m);
		return false;
	}
	if (!f->buf.s)
		sb_adds(&f->buf, "");
	f->text = f->buf.s;
	f->len = f->buf.len;
	return true;
}

/* Read (if need be), check and parse f; list its patterns when they are to be compiled
 * ahead. Touches nothing but f: it runs on f's own thread. */
static void parse_file(struct rulefile *f, bool ahead)
{
	if (f->read && !read_whole(f))
		return;
	size_t bad = invalid_utf8_at(f->text, f->len);
	if (bad < f->len) {
		file_failure(f, bad, "invalid UTF-8 (byte 0x%02x)", (unsigned char)f->text[bad]);
		return;
	}
	const char *end = NULL;
	f->mem.next_size = 64 * 1024;
	parse_arena = &f->mem;
	/* one parse at a time: cJSON notes every parse's error position in a global */
	static pthread_mutex_t parsing = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&parsing);
	f->root = cJSON_ParseWithLengthOpts(f->text, f->len, &end, false);
	pthread_mutex_unlock(&parsing);
	parse_arena = NULL;
	if (!f->root) {
		file_failure(f, end ? (size_t)(end - f->text) : 0, "invalid JSON");
		return;
	}
	size_t rest = (size_t)(end - f->text);
	while (rest < f->len && strchr(" \t\r\n", f->text[rest]) && f->text[rest])
		rest++;
	if (rest < f->len) {
		file_failure(f, rest, "text after the JSON document");
		f->root = NULL;
		return;
	}
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(f->root, "rules");
	if (ahead && f->eager && cJSON_IsArray(rules))
		f->ahead = ahead_new(rules);
}

static void *prepare_file(void *arg)
{
	struct rulefile *f = arg;
	parse_file(f, true);
	atomic_store(&f->parsed, true);
	waiter_wake(&f->parsing);
	if (f->ahead) {
		struct probe pr = { 0 };
		while (compile_claimed(f->ahead, &pr))
			;
		probe_free(&pr);
	}
	return NULL;
}

/* Have f made ready on a thread of its own, or now on this one (LOGLENS_SYNC, no thread). */
static void file_start(struct rulefile *f, bool threads)
{
	waiter_init(&f->parsing);
	if (threads && pthread_create(&f->thread, NULL, prepare_file, f) == 0) {
		f->threaded = true;
		return;
	}
	parse_file(f, false);
	atomic_store(&f->parsed, true);
}

static bool is_parsed(void *flag)
{
	return atomic_load((_Atomic bool *)flag);
}

/* Read f's rules into t, or say why it cannot be loaded; then let f go. */
static int file_finish(struct ruletable *t, struct rulefile *f)
{
	waiter_sleep_until(&f->parsing, is_parsed, &f->parsed);
	struct loadctx c = { .file = f->name, .text = f->text, .len = f->len };
	if (f->open_errno) {
		warnx_("%s: cannot open rule file: %s", f->name, strerror(f->open_errno));
		c.errors++;
	} else if (f->failure) {
		warnx_("%s", f->failure);
		c.errors++;
	} else {
		const cJSON *rules = cJSON_GetObjectItemCaseSensitive(f->root, "rules");
		if (!cJSON_IsObject(f->root) || !cJSON_IsArray(rules)) {
			load_error(&c, "a rule file is an object {\"rules\": [ … ]}");
		} else {
			for (const cJSON *k = f->root->child; k; k = k->next)
				if (strcmp(k->string, "rules") != 0 && strcmp(k->string, "comment") != 0)
					load_error(&c, "unknown top-level key \"%s\"", k->string);
			if (f->eager)
				t->eager = true;
			c.ahead = f->ahead;
			const cJSON *e;
			cJSON_ArrayForEach(e, rules) read_rule(t, &c, e);
		}
	}
	if (f->threaded) /* before the tree goes: the thread reads the regexes there */
		pthread_join(f->thread, NULL);
	ahead_end(f->ahead);
	waiter_destroy(&f->parsing);
	arena_free(&f->mem); /* the tree: nothing read from it is kept */
	sb_free(&f->buf);
	free(f->failure);
	free(f->name);
	return c.errors ? -1 : 0;
}

/* Load files in order, each made ready while the one before is read. */
static int load_files(struct ruletable *t, struct rulefile *files, size_t n)
{
	if (t->borrowed) { /* its arrays are static: nothing may be added */
		for (size_t i = 0; i < n; i++) {
			warnx_("%s: cannot load rules into the precompiled table", files[i].name);
			free(files[i].name);
		}
		return n ? -1 : 0;
	}
	const char *sync = getenv("LOGLENS_SYNC");
	bool threads = !(sync && *sync);
	cJSON_Hooks hooks = { parse_alloc, parse_free };
	cJSON_InitHooks(&hooks);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			file_start(&files[0], threads);
		if (i + 1 < n)
			file_start(&files[i + 1], threads);
		if (file_finish(t, &files[i]) < 0)
			rc = -1;
	}
	cJSON_InitHooks(NULL); /* other cJSON users (journal lines) get malloc again */
	return rc;
}

/* The list of files to load, growing. */
struct filelist {
	struct rulefile *v;
	size_t n, cap;
};

static struct rulefile *add_file(struct filelist *l, char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	struct rulefile *f = &l->v[l->n++];
	memset(f, 0, sizeof *f);
	f->name = name;
	sb_init(&f->buf);
	return f;
}

static void add_builtin(struct filelist *l)
{
	for (const struct embedded_file *e = embedded_rules; e->name; e++) {
		struct sbuf name;
		sb_init(&name);
		sb_printf(&name, "(built-in) rules/%s", e->name);
		struct rulefile *f = add_file(l, sb_steal(&name));
		f->text = e->text;
		f->len = e->len;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every *.json of a directory in name order. A path that cannot be opened is an
 * entry too, so that its message comes in its turn. */
static void add_path(struct filelist *l, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		add_file(l, xstrdup(path))->open_errno = errno;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		struct rulefile *f = add_file(l, xstrdup(path));
		f->read = f->eager = true;
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		struct sbuf m;
		sb_init(&m);
		sb_printf(&m, "%s: cannot read rule directory: %s", path, strerror(errno));
		add_file(l, xstrdup(path))->failure = sb_steal(&m);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	size_t pl = strlen(path);
	while (pl > 1 && path[pl - 1] == '/')
		pl--;
	while ((de = readdir(d))) {
		size_t k = strlen(de->d_name);
		if (k > 5 && strcmp(de->d_name + k - 5, ".json") == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			struct sbuf p;
			sb_init(&p);
			sb_printf(&p, "%.*s/%s", (int)pl, path, de->d_name);
			names[n++] = sb_steal(&p);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct rulefile *f = add_file(l, names[i]);
		f->read = f->eager = true;
	}
	free(names);
}

int rules_load(struct ruletable *t, bool builtin, char *const *paths, int npaths)
{
	struct filelist l = { 0 };
	if (builtin)
		add_builtin(&l);
	for (int i = 0; i < npaths; i++)
		add_path(&l, paths[i]);
	int rc = load_files(t, l.v, l.n);
	free(l.v);
	return rc;
}

int rules_load_embedded(struct ruletable *t)
{
	return rules_load(t, true, NULL, 0);
}

int rules_load_text(struct ruletable *t, const char *file, const char *text, size_t len)
{
	struct rulefile f = { .name = xstrdup(file), .text = text, .len = len };
	sb_init(&f.buf);
	return load_files(t, &f, 1);
}

/* The rules' indexes sorted by id, so that every id beginning with "diag/" is one run: a
 * table of thousands of rules links in n log n, not n². */
struct by_id {
	const struct ruletable *t;
	int *idx;
	int n;
};

static const struct ruletable *sort_table; /* qsort has no context argument */

static int cmp_rule_id(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	int c = strcmp(sort_table->rules[i].id, sort_table->rules[j].id);
	return c ? c : (i > j) - (i < j);
}

static void by_id_init(struct by_id *s, const struct ruletable *t)
{
	s->t = t;
	s->idx = xmalloc(((size_t)t->nrules + 1) * sizeof *s->idx);
	s->n = 0;
	for (int i = 0; i < t->nrules; i++)
		if (t->rules[i].id)
			s->idx[s->n++] = i;
	sort_table = t;
	qsort(s->idx, (size_t)s->n, sizeof *s->idx, cmp_rule_id);
}

/* The first position in s whose id is not below "prefix" + '/'; *end: past the last id that
 * begins with it. */
static int by_id_prefix(const struct by_id *s, const char *prefix, int *end)
{
	size_t len = strlen(prefix);
	int lo = 0, hi = s->n;
	while (lo < hi) { /* ids below "prefix/" compare lower on their first len + 1 bytes */
		int mid = lo + (hi - lo) / 2;
		const char *id = s->t->rules[s->idx[mid]].id;
		int c = strncmp(id, prefix, len);
		if (c == 0)
			c = (unsigned char)id[len] - (unsigned char)'/';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int k = lo;
	while (k < s->n) {
		const char *id = s->t->rules[s->idx[k]].id;
		if (strncmp(id, prefix, len) != 0 || id[len] != '/')
			break;
		k++;
	}
	*end = k;
	return lo;
}

static int cmp_int(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	return (i > j) - (i < j);
}

/* Resolve a name to rule indexes, in table order: an exact rule id, or every variant of a
 * diagnosis id. */
static int resolve_ref(struct ruletable *t, const struct by_id *s, struct ref *r)
{
	int exact = find_rule(t, r->name);
	if (exact >= 0) {
		r->idx = xcalloc(1, sizeof *r->idx);
		r->idx[0] = exact;
		r->n = 1;
		return 0;
	}
	int end, k = by_id_prefix(s, r->name, &end);
	r->n = end - k;
	r->idx = xcalloc((size_t)r->n + 1, sizeof *r->idx);
	memcpy(r->idx, s->idx + k, (size_t)r->n * sizeof *r->idx);
	qsort(r->idx, (size_t)r->n, sizeof *r->idx, cmp_int);
	return r->n ? 0 : -1;
}

static bool diagnosis_exists(const struct by_id *s, const char *diag)
{
	int end;
	for (int k = by_id_prefix(s, diag, &end); k < end; k++) {
		const struct rule *r = &s->t->rules[s->idx[k]];
		if (!r->signal && strcmp(r->diag, diag) == 0)
			return true;
	}
	return false;
}

int rules_link(struct ruletable *t)
{
	if (t->borrowed) /* linked when it was precompiled */
		return 0;
	int bad = 0;
	struct by_id s;
	by_id_init(&s, t);
	for (int i = 0; i < t->nrules; i++) {
		struct rule *r = &t->rules[i];
		struct { struct ref *v; int n; const char *what; } lists[] = {
			{ r->requires, r->nrequires, "requires" },
			{ r->requires_any, r->nrequires_any, "requires_any" },
			{ r->excludes, r->nexcludes, "excludes" },
		};
		for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
			for (int k = 0; k < lists[l].n; k++)
				if (resolve_ref(t, &s, &lists[l].v[k]) < 0) {
					warnx_("%s: rule '%s': %s names no rule: \"%s\"", r->file, r->id,
					       lists[l].what, lists[l].v[k].name);
					bad++;
				}
		for (int k = 0; k < r->nexplains; k++)
			if (!diagnosis_exists(&s, r->explains[k])) {
				warnx_("%s: rule '%s': explains names no diagnosis: \"%s\"", r->file, r->id, r->explains[k]);
				bad++;
			}
	}
	free(s.idx);
	return bad ? -1 : 0;
}

static bool pattern_matches(struct ruletable *t, struct pattern *p, const char *s, pcre2_match_data *md)
{
	if (!compile_pattern(t, p, NULL))
		return false;
	int rc = pcre2_match(p->code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, t->mctx);
	return rc >= 0;
}

/* Is the pattern keyed by a byte pair anywhere in the line (engine.c add_literal): a literal or an
 * alternative of 2-3 bytes that does not begin the body, unless a second literal of 4+ bytes can
 * be keyed instead? That index is scanned at every byte of every line of the families. */
static bool pair_keyed(const struct pattern *p)
{
	if (p->literal)
		return p->litlen < 4 && !p->anchored && !(p->second && p->secondlen >= 4);
	for (int k = 0; k < p->nalts; k++)
		if (strlen(p->alts[k]) < 4)
			return true;
	return false;
}

int rules_check(struct ruletable *t, bool verbose)
{
	int problems = 0;
	pcre2_match_data *md = pcre2_match_data_create(64, NULL);
	for (int i = 0; i < t->nrules; i++) {
		struct rule *r = &t->rules[i];
		for (int k = 0; k < r->npats; k++) {
			struct pattern *p = &t->pats[r->first_pat + k];
			const char *bad = NULL;
			if (!compile_pattern(t, p, NULL))
				problems++;
			else if ((bad = backtracks(&t->probe, p->code, p->regex))) {
				fprintf(stderr, "%s: %s: rule '%s': regex backtracks catastrophically on \"%s…!\": %s\n",
					progname, r->file, r->id, bad, p->regex);
				problems++;
			}
			else if (!p->literal && !p->alts)
				fprintf(stderr, "%s: %s: rule '%s': note: pattern %d has no required literal; it runs on every line of its families\n",
					progname, r->file, r->id, k + 1);
			else if (pair_keyed(p))
				fprintf(stderr, "%s: %s: rule '%s': note: pattern %d's prefilter key is shorter than 4 bytes; every line of its families is then scanned byte pair by byte pair (give a longer \"literal\")\n",
					progname, r->file, r->id, k + 1);
		}
		for (int e = 0; e < r->nex_match; e++) {
			bool any = false;
			for (int k = 0; k < r->npats && !any; k++)
				any = pattern_matches(t, &t->pats[r->first_pat + k], r->ex_match[e], md);
			if (!any) {
				fprintf(stderr, "%s: %s: rule '%s': example does not match: %s\n", progname, r->file, r->id, r->ex_match[e]);
				if (verbose)
					printf("FAIL %s example %d does not match\n", r->id, e + 1);
				problems++;
			} else if (verbose) {
				printf("PASS %s example %d\n", r->id, e + 1);
			}
		}
		for (int e = 0; e < r->nex_nomatch; e++) {
			int hit = -1;
			for (int k = 0; k < r->npats && hit < 0; k++)
				if (pattern_matches(t, &t->pats[r->first_pat + k], r->ex_nomatch[e], md))
					hit = k;
			if (hit >= 0) {
				fprintf(stderr, "%s: %s: rule '%s': near-miss matches pattern %d: %s\n", progname, r->file, r->id, hit + 1, r->ex_nomatch[e]);
				if (verbose)
					printf("FAIL %s near-miss %d matches\n", r->id, e + 1);
				problems++;
			} else if (verbose) {
				printf("PASS %s near-miss %d\n", r->id, e + 1);
			}
		}
	}
	pcre2_match_data_free(md);
	return problems;
}

/* ---- the literal a regex requires ---- */

/* Characters that end a literal run, or need a look at what follows. */
static bool is_meta(char c)
{
	return regex_meta[(unsigned char)c];
}

/* Every literal run at depth 0 of a regex (each one a match must contain); *top_alt is set
 * when the regex is an alternation at its top level (then none of them is required). */
static char **literal_runs(const char *re, int *n, bool *top_alt_out)
{
	char **runs = NULL;
	*n = 0;
	if (strstr(re, "(?i") || strstr(re, "(?x")) {
		*top_alt_out = true;
		return NULL;
	}
	struct sbuf best, cur;
	sb_init(&best);
	sb_init(&cur);
	int depth = 0;
	bool top_alt = false;
	for (const char *p = re; *p; p++) {
		char c = *p;
		if (depth > 0) {
			if (c == '\\' && p[1])
				p++;
			else if (c == '[') {
				for (p++; *p && *p != ']'; p++)
					if (*p == '\\' && p[1])
						p++;
				if (!*p)
					break;
			} else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		bool literal_char = false;
		char lc = c;
		if (c == '\\' && p[1]) {
			char esc = p[1];
			if (escaped_self[(unsigned char)esc]) {
				literal_char = true;
				lc = esc;
				p++;
			} else {
				p++; /* \d \s \w \b \x… : not literal */
				if (esc == 'x' && p[1] == '{')
					while (p[1] && *p != '}')
						p++;
			}
		} else if (!is_meta(c)) {
			literal_char = true;
		}
		if (literal_char && p[1] && (p[1] == '?' || p[1] == '*' || (p[1] == '{' && p[2] == '0')))
			literal_char = false; /* optional */
		if (literal_char) {
			sb_addc(&cur, lc);
			if (p[1] == '+') {
				if (cur.len) {
					runs = xrealloc(runs, (size_t)(*n + 1) * sizeof *runs);
					runs[(*n)++] = xstrndup(cur.s, cur.len);
				}
				sb_clear(&cur);
			}
			continue;
		}
		if (cur.len) {
			runs = xrealloc(runs, (size_t)(*n + 1) * sizeof *runs);
			runs[(*n)++] = xstrndup(cur.s, cur.len);
		}
		sb_clear(&cur);
		if (c == '|')
			top_alt = true;
		else if (c == '(')
			depth++;
		else if (c == '[') {
			for (p++; *p && *p != ']'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		}
	}
	if (cur.len) {
		runs = xrealloc(runs, (size_t)(*n + 1) * sizeof *runs);
		runs[(*n)++] = xstrndup(cur.s, cur.len);
	}
	sb_free(&cur);
	sb_free(&best);
	*top_alt_out = top_alt;
	return runs;
}

/* The longest literal run of at least minlen bytes that is neither inside `unlike` nor holds it. */
static char *longest_run(const char *re, size_t minlen, const char *unlike)
{
	int n;
	bool top_alt = false;
	char **runs = literal_runs(re, &n, &top_alt);
	char *best = NULL;
	for (int i = 0; i < n; i++) {
		bool other = !unlike || (!strstr(unlike, runs[i]) && !strstr(runs[i], unlike));
		if (!top_alt && other && strlen(runs[i]) >= minlen && (!best || strlen(runs[i]) > strlen(best))) {
			free(best);
			best = runs[i];
		} else {
			free(runs[i]);
		}
	}
	free(runs);
	return best;
}

char *regex_required_literal(const char *re)
{
	return longest_run(re, 3, NULL);
}

char *regex_second_literal(const char *re, const char *primary)
{
	return primary ? longest_run(re, 4, primary) : NULL;
}

struct ruletable *rules_borrow(const struct ruletable *pre)
{
	struct ruletable *t = xmalloc(sizeof *t);
	*t = *pre;
	t->borrowed = true;
	add_match_context(t);
	for (int i = 0; i < t->nrules; i++)
		for (int k = 0; k < t->rules[i].nwhen; k++) {
			char msg[256];
			if (!compile_when(&t->rules[i].when[k], msg, sizeof msg))
				warnx_("rule '%s': when: bad regex for \"%s\" %s", t->rules[i].id,
				       fact_name(t->rules[i].when[k].fact), msg);
		}
	return t;
}

/* Skip a character class or an escape starting at p; returns the last byte consumed. */
static const char *skip_atom(const char *p)
{
	if (*p == '\\' && p[1])
		return p + 1;
	if (*p == '[') {
		const char *q = p + 1;
		if (*q == '^')
			q++;
		if (*q == ']')
			q++;
		for (; *q && *q != ']'; q++)
			if (*q == '\\' && q[1])
				q++;
		return *q ? q : q - 1;
	}
	return p;
}

/* Split s (one level) at its top-level '|'; returns the pieces. */
static char **split_alternation(const char *s, size_t len, int *n)
{
	int depth = 0, cap = 4;
	char **out = xcalloc((size_t)cap, sizeof *out);
	const char *start = s, *end = s + len;
	*n = 0;
	for (const char *p = s;; p++) {
		if (p < end && (*p == '\\' || *p == '[')) {
			p = skip_atom(p);
			continue;
		}
		if (p < end && *p == '(')
			depth++;
		else if (p < end && *p == ')')
			depth--;
		if (p >= end || (*p == '|' && depth == 0)) {
			if (*n == cap)
				out = xrealloc(out, (size_t)(cap *= 2) * sizeof *out);
			out[(*n)++] = xstrndup(start, (size_t)(p - start));
			if (p >= end)
				break;
			start = p + 1;
		}
	}
	return out;
}

static void free_strs(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first depth-0 group holding an alternation, unless it is optional: rewrite the regex
 * once per branch, the group's parentheses dropped ("^(?:a|b)c" → "^ac", "^bc"). */
static char **expand_first_group(const char *re, int *n)
{
	*n = 0;
	for (const char *p = re; *p; p++) {
		if (*p == '\\' || *p == '[') {
			p = skip_atom(p);
			continue;
		}
		if (*p != '(')
			continue;
		int depth = 0;
		const char *q = p;
		for (; *q; q++) {
			if (*q == '\\' || *q == '[') {
				q = skip_atom(q);
				continue;
			}
			if (*q == '(')
				depth++;
			else if (*q == ')' && --depth == 0)
				break;
		}
		if (!*q)
			return NULL;
		const char *body = p + 1;
		if (*body == '?') { /* (?: (?<name> (?P<name> (?'name' — lookarounds give up */
			const char *gt = memchr(body, '>', (size_t)(q - body)); /* the name ends inside the group */
			if (body[1] == ':')
				body += 2;
			else if (((body[1] == '<' && body[2] != '=' && body[2] != '!') ||
				  (body[1] == 'P' && body[2] == '<')) && gt)
				body = gt + 1;
			else
				return NULL;
		}
		char next = q[1];
		bool optional = next == '?' || next == '*' || (next == '{' && q[2] == '0');
		int k;
		char **alts = split_alternation(body, (size_t)(q - body), &k);
		if (k < 2 || optional) {
			free_strs(alts, k);
			if (optional)
				return NULL;
			p = q;
			continue;
		}
		char **out = xcalloc((size_t)k, sizeof *out);
		for (int i = 0; i < k; i++) {
			struct sbuf b;
			sb_init(&b);
			sb_add(&b, re, (size_t)(p - re));
			sb_adds(&b, alts[i]);
			sb_adds(&b, q + 1);
			out[i] = sb_steal(&b);
		}
		free_strs(alts, k);
		*n = k;
		return out;
	}
	return NULL;
}

/* A set of literals, one of which any match contains; NULL if none can be found. */
static char **literal_set_depth(const char *re, int *n, int depth)
{
	*n = 0;
	if (depth > 3 || strstr(re, "(?i") || strstr(re, "(?x"))
		return NULL;
	int k;
	char **pieces = split_alternation(re, strlen(re), &k);
	char **out = NULL;
	int nout = 0;
	bool ok = true;
	for (int i = 0; i < k && ok; i++) {
		char *lit = regex_required_literal(pieces[i]);
		int ne = 0;
		char **exp = NULL;
		if (!lit || strlen(lit) < 12)
			exp = expand_first_group(pieces[i], &ne);
		char **sub = NULL;
		int nsub = 0;
		if (exp) {
			bool all = true;
			for (int e = 0; e < ne && all; e++) {
				int m;
				char **sl = literal_set_depth(exp[e], &m, depth + 1);
				if (!sl) {
					all = false;
					break;
				}
				sub = xrealloc(sub, (size_t)(nsub + m) * sizeof *sub);
				memcpy(sub + nsub, sl, (size_t)m * sizeof *sl);
				nsub += m;
				free(sl);
			}
			free_strs(exp, ne);
			size_t minlen = SIZE_MAX;
			for (int e = 0; all && e < nsub; e++)
				if (strlen(sub[e]) < minlen)
					minlen = strlen(sub[e]);
			if (!all || nsub > 32 || (lit && minlen <= strlen(lit))) {
				free_strs(sub, nsub);
				sub = NULL;
				nsub = 0;
			}
		}
		if (sub) {
			free(lit);
			out = xrealloc(out, (size_t)(nout + nsub) * sizeof *out);
			memcpy(out + nout, sub, (size_t)nsub * sizeof *sub);
			nout += nsub;
			free(sub);
		} else if (lit) {
			out = xrealloc(out, (size_t)(nout + 1) * sizeof *out);
			out[nout++] = lit;
		} else {
			ok = false;
		}
	}
	free_strs(pieces, k);
	if (!ok || nout > 32) {
		free_strs(out, nout);
		return NULL;
	}
	*n = nout;
	return out;
}

char **regex_literal_set(const char *re, int *n)
{
	char **v = literal_set_depth(re, n, 0);
	if (v && *n < 2) { /* a single literal is the pattern's "literal", not a set */
		free_strs(v, *n);
		*n = 0;
		return NULL;
	}
	return v;
}

char *regex_leading_literal(const char *re)
{
	if (re[0] != '^' || strstr(re, "(?i") || strstr(re, "(?x"))
		return NULL;
	/* a top-level alternation would make the anchor apply to the first branch only */
	int depth = 0;
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '[') {
			for (p++; *p && *p != ']'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		} else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return NULL;
	}
	struct sbuf b;
	sb_init(&b);
	for (const char *p = re + 1; *p; p++) {
		char c = *p;
		const char *next = p + 1;
		if (c == '\\' && p[1] && escaped_self[(unsigned char)p[1]]) {
			c = p[1];
			next = p + 2;
		} else if (regex_meta[(unsigned char)c]) {
			break;
		}
		if (*next == '?' || *next == '*' || (*next == '{' && next[1] == '0'))
			break; /* optional: stop before it */
		sb_addc(&b, c);
		if (*next == '+' || *next == '{')
			break;
		p = next - 1;
	}
	if (b.len < 2) {
		sb_free(&b);
		return NULL;
	}
	return sb_steal(&b);
}
