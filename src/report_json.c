#define _GNU_SOURCE /* the *_unlocked stdio calls */
/* report_json.c — the --json document (schema in loglens(1)). Written as a stream: sessions
 * go out as they close, so memory stays flat however long the input; "inputs" comes last
 * because line counts are known only at the end. Strings are escaped here rather than by
 * cJSON so that NUL bytes and invalid UTF-8 from a log still give valid JSON. */
#include "report.h"
#include "redact.h"
#include "util.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

static void jraw(struct reporter *r, const char *s)
{
	fputs_unlocked(s, r->out);
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Does any byte of the word need more than copying (a control byte, '"', '\\', DEL, non-ASCII)? */
static bool word_needs_care(uint64_t x)
{
	uint64_t quote = x ^ (ONES * '"'), bslash = x ^ (ONES * '\\'), del = x ^ (ONES * 0x7f);
	uint64_t zero = ((quote - ONES) & ~quote) | ((bslash - ONES) & ~bslash) | ((del - ONES) & ~del);
	uint64_t ctl = (x - ONES * 0x20) & ~x;
	return ((zero | ctl) & HIGHS) != 0 || (x & HIGHS) != 0;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (!k || k > n)
		return 0;
	for (size_t m = 1; m < k; m++)
		if ((p[m] & 0xC0) != 0x80)
			return 0;
	if (k == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, surrogate */
	if (k == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
		return 0;
	return k;
}

/* How far from p the bytes can be copied as they are: printable ASCII other than '"' and '\\',
 * and valid UTF-8. Eight bytes at a time while they are plain ASCII. */
static size_t plain_run(const unsigned char *p, size_t n)
{
	size_t j = 0;
	for (;;) {
		while (j + 8 <= n) {
			uint64_t x;
			memcpy(&x, p + j, 8);
			if (word_needs_care(x))
				break;
			j += 8;
		}
		if (j == n)
			return j;
		unsigned char c = p[j];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			j++;
			continue;
		}
		size_t k = c >= 0x80 ? utf8_len(p + j, n - j) : 0;
		if (!k)
			return j;
		j += k;
	}
}

/* A number, without printf: the writer emits several per session. */
static void jnum(struct reporter *r, unsigned long long v)
{
	char buf[24], *p = buf + sizeof buf;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof buf - p), r->out);
}

/* A JSON string: control characters escaped, invalid UTF-8 bytes as U+FFFD. */
static void jstrn(struct reporter *r, const char *s, size_t n)
{
	FILE *f = r->out;
	putc_unlocked('"', f);
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t j = i + plain_run(p + i, n - i);
		if (j > i) {
			fwrite_unlocked(p + i, 1, j - i, f);
			i = j;
			if (i == n)
				break;
		}
		switch (p[i]) {
		case '"': fputs_unlocked("\\\"", f); break;
		case '\\': fputs_unlocked("\\\\", f); break;
		case '\n': fputs_unlocked("\\n", f); break;
		case '\r': fputs_unlocked("\\r", f); break;
		case '\t': fputs_unlocked("\\t", f); break;
		default:
			if (p[i] < 0x80)
				fprintf(f, "\\u%04x", p[i]);
			else
				fputs_unlocked("\\ufffd", f);
		}
		i++;
	}
	putc_unlocked('"', f);
}

static void jstr(struct reporter *r, const char *s)
{
	if (!s)
		jraw(r, "null");
	else
		jstrn(r, s, strlen(s));
}

/* A string from the log or a rule, as the user may see it: masked / redacted. */
static void jshown(struct reporter *r, const char *s)
{
	if (!s) {
		jraw(r, "null");
		return;
	}
	static struct sbuf b; /* reused: the writer runs for every string of every session */
	sb_clear(&b);
	render_shown(&b, s, &r->o);
	jstrn(r, b.s ? b.s : "", b.len);
}

static void jkey(struct reporter *r, const char *k)
{
	jstr(r, k);
	putc_unlocked(':', r->out);
}

static void begin(struct reporter *r)
{
	fprintf(r->out, "{\"schema_version\":1,\"tool\":{\"name\":\"loglens\",\"version\":\"%s\"},"
		"\"language\":\"%s\",\"sessions\":[", LOGLENS_VERSION, r->o.lang == LANG_JA ? "ja" : "en");
}

static void input_begin(struct reporter *r, const struct input_info *in)
{
	(void)r;
	(void)in;
}

static void evidence_array(struct reporter *r, const struct evidence *ev, int n, unsigned inputs_multi)
{
	putc_unlocked('[', r->out);
	for (int i = 0; i < n; i++) {
		if (i)
			putc_unlocked(',', r->out);
		putc_unlocked('{', r->out);
		if (inputs_multi) {
			jraw(r, "\"input\":");
			jnum(r, ev[i].input);
			putc_unlocked(',', r->out);
		}
		jraw(r, "\"line\":");
		jnum(r, ev[i].line);
		jraw(r, ",\"text\":");
		jshown(r, ev[i].text);
		if (ev[i].truncated)
			jraw(r, ",\"truncated\":true");
		putc_unlocked('}', r->out);
	}
	putc_unlocked(']', r->out);
}

/* A rule text with its placeholders filled in (log values masked / redacted). */
static void jtext(struct reporter *r, const char *tmpl, const struct finding *f, const struct session *s)
{
	static struct sbuf b; /* reused, as in jshown */
	sb_clear(&b);
	render_finding_text(&b, tmpl, f, s, &r->o);
	jstrn(r, b.s ? b.s : "", b.len);
}

static void texts_array(struct reporter *r, const struct text *t, int n, const struct finding *f,
			const struct session *s)
{
	putc_unlocked('[', r->out);
	for (int i = 0; i < n; i++) {
		if (i)
			putc_unlocked(',', r->out);
		jtext(r, text_of(&t[i], r->o.lang), f, s);
	}
	putc_unlocked(']', r->out);
}

static void ftext(struct reporter *r, const char *key, const char *tmpl, const struct finding *f,
		  const struct session *s)
{
	putc_unlocked(',', r->out);
	jkey(r, key);
	jtext(r, tmpl, f, s);
}

static void finding_object(struct reporter *r, const struct session *s, const struct finding *f, bool nested);

static void explains_array(struct reporter *r, const struct session *s, const struct finding *f)
{
	bool any = false;
	for (int i = 0; i < s->nfindings; i++) {
		const struct finding *g = &s->findings[i];
		if (g->folded_by != f->id)
			continue;
		jraw(r, any ? "," : ",\"explains\":[");
		any = true;
		finding_object(r, s, g, true);
	}
	if (any)
		putc_unlocked(']', r->out);
}

static void finding_object(struct reporter *r, const struct session *s, const struct finding *f, bool nested)
{
	enum lang l = r->o.lang;
	unsigned multi = s->inputs & (s->inputs - 1);
	putc_unlocked('{', r->out);
	jkey(r, "id");
	jstr(r, f->id);
	jraw(r, ",\"severity\":\"");
	jraw(r, severity_name(f->severity));
	jraw(r, "\",\"confidence\":\"");
	jraw(r, confidence_name(f->confidence));
	putc_unlocked('"', r->out);
	if (f->downgraded)
		jraw(r, ",\"before_success\":true");
	if (f->rule) {
		jraw(r, ",\"rule\":");
		jstr(r, f->rule->id);
		ftext(r, "title", text_of(&f->rule->title, l), f, s);
		ftext(r, "diagnosis", text_of(&f->rule->diagnosis, l), f, s);
		jraw(r, ",\"remedy\":");
		texts_array(r, f->rule->remedy, f->rule->nremedy, f, s);
		if (f->rule->ncands) {
			jraw(r, ",\"candidates\":[");
			for (int i = 0; i < f->rule->ncands; i++) {
				fputs_unlocked(i ? ",{" : "{", r->out);
				jkey(r, "cause");
				jtext(r, text_of(&f->rule->cands[i].cause, l), f, s);
				jraw(r, ",\"check\":");
				jtext(r, text_of(&f->rule->cands[i].check, l), f, s);
				putc_unlocked('}', r->out);
			}
			putc_unlocked(']', r->out);
		}
	} else {
		jraw(r, ",\"rule\":null,\"title\":");
		jstr(r, label(l, L_UNEXPLAINED_TITLE));
		jraw(r, ",\"diagnosis\":");
		jstr(r, label(l, L_UNEXPLAINED_DIAG));
		jraw(r, ",\"remedy\":[");
		jstr(r, label(l, L_UNEXPLAINED_STEP1));
		putc_unlocked(',', r->out);
		jstr(r, label(l, L_UNEXPLAINED_STEP2));
		putc_unlocked(',', r->out);
		jstr(r, label(l, L_UNEXPLAINED_STEP3));
		putc_unlocked(']', r->out);
	}
	jraw(r, ",\"evidence\":");
	evidence_array(r, f->ev, f->nev, multi);
	if (f->hit) {
		jraw(r, ",\"occurrences\":");
		jnum(r, f->hit->count);
	}
	jraw(r, ",\"fields\":{");
	for (int i = 0; f->hit && i < f->hit->ncaps; i++) {
		if (i)
			putc_unlocked(',', r->out);
		jkey(r, f->hit->caps[i].name);
		/* a rule that captures a secret must still not print it */
		if (strstr(f->hit->caps[i].name, "pass") || strcmp(f->hit->caps[i].name, "pw") == 0)
			jstr(r, "********");
		else
			jshown(r, f->hit->caps[i].value);
	}
	jraw(r, "},\"references\":[");
	for (int i = 0; f->rule && i < f->rule->nrefs; i++) {
		if (i)
			putc_unlocked(',', r->out);
		jstr(r, f->rule->refs[i]);
	}
	putc_unlocked(']', r->out);
	if (!nested)
		explains_array(r, s, f);
	putc_unlocked('}', r->out);
}

static void learn_facts(struct reporter *r, const struct session *s)
{
	if (!r->o.redact)
		return;
	redactor_learn(r->o.redact, PK_HOST, s->facts[F_HOST]);
	redactor_learn(r->o.redact, PK_USER, s->facts[F_USER]);
	redactor_learn(r->o.redact, PK_PATH, s->facts[F_KEYFILE]);
	redactor_learn(r->o.redact, PK_PATH, s->facts[F_KNOWN_HOSTS_FILE]);
	redactor_learn(r->o.redact, PK_HOST, s->facts[F_SESSION_NAME]);
}

static void session(struct reporter *r, const struct session *s)
{
	learn_facts(r, s);
	if (r->nsessions++)
		putc_unlocked(',', r->out);
	putc_unlocked('{', r->out);
	if (s->inputs & (s->inputs - 1)) {
		jraw(r, "\"input\":[");
		bool first = true;
		for (unsigned i = 0; i < 32; i++)
			if (s->inputs & (1u << i)) {
				fprintf(r->out, first ? "%u" : ",%u", i);
				first = false;
			}
		putc_unlocked(']', r->out);
	} else {
		fprintf(r->out, "\"input\":%u", s->first_input);
	}
	fprintf(r->out, ",\"index\":%u,\"channel\":", s->index);
	jshown(r, s->channel);
	jraw(r, ",\"client\":");
	if (s->facts[F_CLIENT] && s->facts[F_CLIENT_VERSION]) {
		struct sbuf b;
		sb_init(&b);
		sb_printf(&b, "%s %s", s->facts[F_CLIENT], s->facts[F_CLIENT_VERSION]);
		jstr(r, b.s);
		sb_free(&b);
	} else {
		jstr(r, s->facts[F_CLIENT]);
	}
	jraw(r, ",\"target\":{\"host\":");
	jshown(r, s->facts[F_HOST] ? s->facts[F_HOST] : s->facts[F_ADDRESS]);
	jraw(r, ",\"address\":");
	jshown(r, s->facts[F_ADDRESS]);
	jraw(r, ",\"port\":");
	if (s->facts[F_PORT] && strspn(s->facts[F_PORT], "0123456789") == strlen(s->facts[F_PORT]) && strlen(s->facts[F_PORT]) < 6)
		jraw(r, s->facts[F_PORT]);
	else
		jraw(r, "null");
	jraw(r, ",\"user\":");
	jshown(r, s->facts[F_USER]);
	jraw(r, ",\"protocol\":");
	jstr(r, s->facts[F_PROTOCOL]);
	jraw(r, "},\"server\":");
	jstr(r, s->facts[F_SERVER]);
	jraw(r, ",\"hostkey\":{\"type\":");
	jstr(r, s->facts[F_HOSTKEY_TYPE]);
	jraw(r, ",\"fingerprint\":");
	jshown(r, s->facts[F_HOSTKEY_FP]);
	jraw(r, "},\"auth_methods\":");
	jstr(r, s->facts[F_METHODS]);
	jraw(r, ",\"auth_attempts\":[");
	for (int i = 0; i < s->nauth; i++) {
		fputs_unlocked(i ? ",{" : "{", r->out);
		jkey(r, "method");
		jstr(r, s->auth[i].method);
		jraw(r, ",\"key\":");
		jshown(r, s->auth[i].key);
		jraw(r, ",\"result\":");
		jstr(r, s->auth[i].result);
		jraw(r, ",\"line\":");
		jnum(r, s->auth[i].line);
		putc_unlocked('}', r->out);
	}
	fprintf(r->out, "],\"phase\":\"%s\",\"outcome\":\"%s\",\"lines\":{\"first\":%llu,\"last\":%llu},\"facts\":{",
		phase_name(s->phase), outcome_name(s->outcome), (unsigned long long)s->first_line,
		(unsigned long long)s->last_line);
	bool first = true;
	for (int k = 0; k < F_COUNT; k++) {
		if (!s->facts[k])
			continue;
		if (!first)
			putc_unlocked(',', r->out);
		first = false;
		jkey(r, fact_name((enum fact)k));
		jshown(r, s->facts[k]);
	}
	jraw(r, "},\"findings\":[");
	first = true;
	for (int i = 0; i < s->nfindings; i++) {
		if (s->findings[i].folded_by)
			continue;
		if (!first)
			putc_unlocked(',', r->out);
		first = false;
		finding_object(r, s, &s->findings[i], false);
	}
	jraw(r, "]}");
}

static void input_end(struct reporter *r, const struct input_info *in)
{
	r->inputs = xrealloc(r->inputs, (r->ninputs + 1) * sizeof *r->inputs);
	r->inputs[r->ninputs++] = in;
}

static void end(struct reporter *r, int code)
{
	jraw(r, "],\"inputs\":[");
	for (unsigned i = 0; i < r->ninputs; i++) {
		const struct input_info *in = r->inputs[i];
		if (i)
			putc_unlocked(',', r->out);
		fprintf(r->out, "{\"index\":%u,\"name\":", in->index);
		jshown(r, in->name);
		fprintf(r->out, ",\"format\":\"%s\",\"encoding\":\"%s\",\"compression\":%s,\"lines\":%llu,"
			"\"bytes\":%llu,\"sessions\":%u,\"truncated_lines\":%llu,\"invalid_utf8\":%llu,\"error\":",
			format_name(in->format), in->encoding ? in->encoding : "unknown",
			in->gzip ? "\"gzip\"" : "null", (unsigned long long)in->lines,
			(unsigned long long)in->bytes, in->sessions, (unsigned long long)in->truncated_lines,
			(unsigned long long)in->invalid_utf8);
		jshown(r, in->error);
		putc_unlocked('}', r->out);
	}
	fprintf(r->out, "],\"exit_code\":%d}\n", code);
	free(r->inputs);
	r->inputs = NULL;
}

void reporter_json_init(struct reporter *r)
{
	r->begin = begin;
	r->input_begin = input_begin;
	r->session = session;
	r->input_end = input_end;
	r->end = end;
}
