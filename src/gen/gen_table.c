/* gen_table.c — build-time helper: loads the embedded default rule files exactly as loglens
 * does (rules_load_embedded, rules_link) and writes the resulting struct ruletable as static
 * C data, so that start-up with the default table parses no JSON, allocates nothing per rule
 * and derives no prefilter literals (see rules_borrow). Usage: gen_table OUT.c
 * It lives in src/gen/ because tests/fuzz/run.sh links every .c file of src/ but main.c and
 * gen_embed.c into its targets, and this file has a main(). tests/unit_tests.c compares the
 * written table with a freshly loaded one field by field: a field added to struct rule or
 * struct pattern goes here and there. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

static FILE *out;

/* A string as a C literal (or NULL). Bytes other than printable ASCII are 3-digit octal
 * escapes, which never absorb a following digit; '?' is escaped against trigraphs (-std=c11).
 * Long strings are cut into adjacent literals. Strings come from NUL-terminated copies, so
 * they hold no NUL and strlen gives their length back. */
static void put_str(const char *s)
{
	if (!s) {
		fputs("NULL", out);
		return;
	}
	fputc('"', out);
	int col = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (col >= 72) {
			fputs("\"\n\t\t\"", out);
			col = 0;
		}
		if (*p == '"' || *p == '\\' || *p == '?')
			col += fprintf(out, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			col += fprintf(out, "%c", *p);
		else
			col += fprintf(out, "\\%03o", *p);
	}
	fputc('"', out);
}

static void put_text(const struct text *x)
{
	fputs("{ {", out);
	for (int l = 0; l < LANG_COUNT; l++) {
		fputs("\n\t\t", out);
		put_str(x->s[l]);
		fputs(l + 1 < LANG_COUNT ? "," : " } }", out);
	}
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* Each array below is written with one zeroed element more than it holds, as the loader
 * allocates most of them (and so that none is empty); a NULL array stays NULL. */

static void put_strv(const char *name, int i, char **v, int n)
{
	if (!v)
		return;
	fprintf(out, "static char *%s%d[] = {\n", name, i);
	for (int k = 0; k < n; k++) {
		fputc('\t', out);
		put_str(v[k]);
		fputs(",\n", out);
	}
	fputs("\tNULL\n};\n", out);
}

static void put_refs(const char *name, int i, const struct ref *r, int n)
{
	if (!r)
		return;
	for (int k = 0; k < n; k++) {
		fprintf(out, "static int %s%d_%d[] = { ", name, i, k);
		for (int j = 0; j < r[k].n; j++)
			fprintf(out, "%d, ", r[k].idx[j]);
		fputs("0 };\n", out);
	}
	fprintf(out, "static struct ref %s%d[] = {\n", name, i);
	for (int k = 0; k < n; k++) {
		fputs("\t{ ", out);
		put_str(r[k].name);
		fprintf(out, ", %s%d_%d, %d },\n", name, i, k, r[k].n);
	}
	fputs("\t{ 0 }\n};\n", out);
}

static void put_sets(const char *name, int i, const struct fact_set *v, int n)
{
	if (!v)
		return;
	fprintf(out, "static struct fact_set %s%d[] = {\n", name, i);
	for (int k = 0; k < n; k++) {
		fprintf(out, "\t{ (enum fact)%d, ", (int)v[k].fact);
		put_str(v[k].tmpl);
		fputs(" },\n", out);
	}
	fputs("\t{ 0 }\n};\n", out);
}

static void put_when(int i, const struct rule *r)
{
	if (!r->when)
		return;
	fprintf(out, "static struct fact_cond when%d[] = {\n", i);
	for (int k = 0; k < r->nwhen; k++) {
		fprintf(out, "\t{ (enum fact)%d, ", (int)r->when[k].fact);
		put_str(r->when[k].regex);
		fputs(", NULL },\n", out); /* compiled by rules_borrow */
	}
	fputs("\t{ 0 }\n};\n", out);
}

static void put_texts(int i, const struct rule *r)
{
	if (r->remedy) {
		fprintf(out, "static struct text remedy%d[] = {\n", i);
		for (int k = 0; k < r->nremedy; k++) {
			fputc('\t', out);
			put_text(&r->remedy[k]);
			fputs(",\n", out);
		}
		fputs("\t{ { NULL } }\n};\n", out);
	}
	if (r->cands) {
		fprintf(out, "static struct candidate cands%d[] = {\n", i);
		for (int k = 0; k < r->ncands; k++) {
			fputs("\t{ ", out);
			put_text(&r->cands[k].cause);
			fputs(", ", out);
			put_text(&r->cands[k].check);
			fputs(" },\n", out);
		}
		fputs("\t{ { { NULL } }, { { NULL } } }\n};\n", out);
	}
}

/* The arrays one rule points to, each named after its field and the rule's index. */
static void put_rule_arrays(int i, const struct rule *r)
{
	put_sets("sets", i, r->sets, r->nsets);
	put_sets("defaults", i, r->defaults, r->ndefaults);
	put_refs("requires", i, r->requires, r->nrequires);
	put_refs("requires_any", i, r->requires_any, r->nrequires_any);
	put_refs("excludes", i, r->excludes, r->nexcludes);
	put_strv("explains", i, r->explains, r->nexplains);
	put_when(i, r);
	put_texts(i, r);
	put_strv("refs", i, r->refs, r->nrefs);
	put_strv("ex_match", i, r->ex_match, r->nex_match);
	put_strv("ex_nomatch", i, r->ex_nomatch, r->nex_nomatch);
}

/* ".field = name<i>, .nfield = n," or nothing when the array is NULL. */
static void put_array_field(const char *field, const void *v, const char *name, int i,
			    const char *nfield, int n)
{
	if (v)
		fprintf(out, "\t\t.%s = %s%d, .%s = %d,\n", field, name, i, nfield, n);
}

static void put_string_field(const char *field, const char *s)
{
	fprintf(out, "\t\t.%s = ", field);
	put_str(s);
	fputs(",\n", out);
}

static void put_rule(int i, const struct rule *r)
{
	fputs("\t{\n", out);
	put_string_field("id", r->id);
	put_string_field("diag", r->diag);
	put_string_field("file", r->file);
	fprintf(out, "\t\t.signal = %s, .famask = 0x%xu, .markmask = 0x%xu,\n", tf(r->signal), r->famask, r->markmask);
	fprintf(out, "\t\t.first_pat = %d, .npats = %d,\n", r->first_pat, r->npats);
	put_array_field("sets", r->sets, "sets", i, "nsets", r->nsets);
	put_array_field("defaults", r->defaults, "defaults", i, "ndefaults", r->ndefaults);
	if (r->locks)
		fprintf(out, "\t\t.locks = 0x%llxull,\n", (unsigned long long)r->locks);
	if (r->hop)
		fprintf(out, "\t\t.hop = %d,\n", (int)r->hop);
	if (r->names_proxy)
		fprintf(out, "\t\t.names_proxy = true,\n");
	if (r->session_prelude)
		fprintf(out, "\t\t.session_prelude = true,\n");
	fprintf(out, "\t\t.phase = (enum phase)%d, .outcome = (enum outcome)%d, .session_start = %s, .last_line = %s,\n",
		(int)r->phase, (int)r->outcome, tf(r->session_start), tf(r->last_line));
	fprintf(out, "\t\t.latest_captures = %s, .session_child = %s, .session_end = %s, .session_service = %s,\n",
		tf(r->latest_captures), tf(r->session_child), tf(r->session_end), tf(r->session_service));
	put_string_field("auth_method", r->auth_method);
	put_string_field("auth_key", r->auth_key);
	put_string_field("auth_result", r->auth_result);
	fprintf(out, "\t\t.severity = (enum severity)%d, .confidence = (enum confidence)%d, .priority = %d,\n",
		(int)r->severity, (int)r->confidence, r->priority);
	put_array_field("requires", r->requires, "requires", i, "nrequires", r->nrequires);
	put_array_field("requires_any", r->requires_any, "requires_any", i, "nrequires_any", r->nrequires_any);
	put_array_field("excludes", r->excludes, "excludes", i, "nexcludes", r->nexcludes);
	put_array_field("explains", r->explains, "explains", i, "nexplains", r->nexplains);
	put_array_field("when", r->when, "when", i, "nwhen", r->nwhen);
	fputs("\t\t.title = ", out);
	put_text(&r->title);
	fputs(",\n\t\t.diagnosis = ", out);
	put_text(&r->diagnosis);
	fputs(",\n", out);
	put_array_field("remedy", r->remedy, "remedy", i, "nremedy", r->nremedy);
	put_array_field("cands", r->cands, "cands", i, "ncands", r->ncands);
	put_array_field("refs", r->refs, "refs", i, "nrefs", r->nrefs);
	put_array_field("ex_match", r->ex_match, "ex_match", i, "nex_match", r->nex_match);
	put_array_field("ex_nomatch", r->ex_nomatch, "ex_nomatch", i, "nex_nomatch", r->nex_nomatch);
	fputs("\t},\n", out);
}

/* Patterns: code NULL and failed false, in writable storage (compiled on first use). */
static void put_pattern(int i, const struct pattern *p)
{
	fputs("\t{\n", out);
	put_string_field("regex", p->regex);
	put_string_field("literal", p->literal);
	fprintf(out, "\t\t.litlen = %zu, .anchored = %s,\n", p->litlen, tf(p->anchored));
	put_string_field("second", p->second);
	fprintf(out, "\t\t.secondlen = %zu,\n", p->secondlen);
	put_array_field("alts", p->alts, "alts", i, "nalts", p->nalts);
	fprintf(out, "\t\t.rule = %d,\n\t},\n", p->rule);
}

static void put_table(const struct ruletable *t)
{
	fputs("/* generated by gen_table from the rule files: do not edit */\n#include \"rules.h\"\n\n", out);
	for (int i = 0; i < t->nrules; i++)
		put_rule_arrays(i, &t->rules[i]);
	for (int i = 0; i < t->npats; i++)
		put_strv("alts", i, t->pats[i].alts, t->pats[i].nalts);
	fputs("\nstatic struct rule rules[] = {\n", out);
	for (int i = 0; i < t->nrules; i++)
		put_rule(i, &t->rules[i]);
	fputs("\t{ 0 }\n};\n\nstatic struct pattern pats[] = {\n", out);
	for (int i = 0; i < t->npats; i++)
		put_pattern(i, &t->pats[i]);
	fputs("\t{ 0 }\n};\n", out);
	if (t->idhash) {
		fprintf(out, "\nstatic int idhash[%d] = {", t->idcap);
		for (int h = 0, k = 0; h < t->idcap; h++)
			if (t->idhash[h])
				fprintf(out, "%s[%d] = %d,", k++ % 8 ? " " : "\n\t", h, t->idhash[h]);
		fputs("\n};\n", out);
	}
	fprintf(out, "\nconst struct ruletable rules_precompiled = {\n"
		"\t.rules = rules, .nrules = %d, .cap = %d,\n"
		"\t.pats = pats, .npats = %d, .patcap = %d,\n"
		"\t.idhash = %s, .idcap = %d,\n"
		"\t.borrowed = true,\n};\n", t->nrules, t->nrules, t->npats, t->npats,
		t->idhash ? "idhash" : "NULL", t->idcap);
}

/* The loader's invariants the static table relies on (lengths are strlen of the strings). */
static bool consistent(const struct ruletable *t)
{
	for (int i = 0; i < t->npats; i++) {
		const struct pattern *p = &t->pats[i];
		if ((p->literal ? strlen(p->literal) : 0) != p->litlen ||
		    (p->second ? strlen(p->second) : 0) != p->secondlen || p->code || p->failed || p->jitted || p->jit) {
			fprintf(stderr, "gen_table: pattern %d (rule %d): unexpected lengths or state\n", i, p->rule);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: gen_table OUT.c\n", stderr);
		return 2;
	}
	struct ruletable *t = rules_new();
	if (rules_load_embedded(t) < 0 || rules_link(t) < 0 || !consistent(t)) {
		rules_free(t);
		return 1;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		rules_free(t);
		return 1;
	}
	put_table(t);
	rules_free(t);
	bool bad = ferror(out);
	if (fclose(out) != 0 || bad) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
