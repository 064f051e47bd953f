#define _GNU_SOURCE /* the *_unlocked stdio calls */
/* report_json.c — the --json document (schema in loglens(1)). Written as a stream: sessions
 * go out as they close, so memory stays flat however long the input; "inputs" comes last
 * because line counts are known only at the end. Strings are escaped here rather than by
 * cJSON so that NUL bytes and invalid UTF-8 from a log still give valid JSON. */
#include "report.h"
#include "redact.h"
#include "scan.h"
#include "util.h"
#include "version.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document is assembled in this buffer and handed to the stream once per reporter call:
 * a session is hundreds of small pieces, and a stdio call per piece cost more than the
 * escaping. Every entry point ends with oflush(), so the stream is whole between calls. */
static struct {
	char b[1 << 16];
	size_t n;
} O;

static void oflush(struct reporter *r)
{
	if (O.n)
		fwrite_unlocked(O.b, 1, O.n, r->out);
	O.n = 0;
}

static void owrite(struct reporter *r, const void *p, size_t n)
{
	if (O.n + n > sizeof O.b) {
		oflush(r);
		if (n > sizeof O.b) {
			fwrite_unlocked(p, 1, n, r->out);
			return;
		}
	}
	memcpy(O.b + O.n, p, n);
	O.n += n;
}

static inline void oputc(struct reporter *r, char c)
{
	if (O.n == sizeof O.b)
		oflush(r);
	O.b[O.n++] = c;
}

static void jraw(struct reporter *r, const char *s)
{
	owrite(r, s, strlen(s));
}

/* For the document's head and tail only. */
static void oprintf(struct reporter *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		owrite(r, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A number, without printf: the writer emits several per session. */
static void jnum(struct reporter *r, unsigned long long v)
{
	char buf[24], *p = buf + sizeof buf;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	owrite(r, p, (size_t)(buf + sizeof buf - p));
}

/* The inside of a JSON string: control characters escaped, invalid UTF-8 bytes as U+FFFD.
 * Inlined: it is the body of jstrn, which the report calls for every string. */
static inline __attribute__((always_inline)) void jchars(struct reporter *r, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t j = i + json_plain_run(p + i, n - i);
		if (j > i) {
			owrite(r, p + i, j - i);
			i = j;
			if (i == n)
				break;
		}
		switch (p[i]) {
		case '"': owrite(r, "\\\"", 2); break;
		case '\\': owrite(r, "\\\\", 2); break;
		case '\n': owrite(r, "\\n", 2); break;
		case '\r': owrite(r, "\\r", 2); break;
		case '\t': owrite(r, "\\t", 2); break;
		default:
			if (p[i] < 0x80) {
				char u[6] = { '\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15] };
				owrite(r, u, 6);
			} else {
				owrite(r, "\\ufffd", 6);
			}
		}
		i++;
	}
}

static void jstrn(struct reporter *r, const char *s, size_t n)
{
	oputc(r, '"');
	jchars(r, s, n);
	oputc(r, '"');
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
	oputc(r, ':');
}

static void begin(struct reporter *r)
{
	oprintf(r, "{\"schema_version\":1,\"tool\":{\"name\":\"loglens\",\"version\":\"%s\"},"
		"\"language\":\"%s\",\"sessions\":[", LOGLENS_VERSION, r->o.lang == LANG_JA ? "ja" : "en");
	oflush(r);
}

static void input_begin(struct reporter *r, const struct input_info *in)
{
	r->input_now = in->index;
}

static void evidence_array(struct reporter *r, const struct evidence *ev, int n, unsigned inputs_multi)
{
	oputc(r, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			oputc(r, ',');
		oputc(r, '{');
		if (inputs_multi) {
			jraw(r, "\"input\":");
			jnum(r, ev[i].input);
			oputc(r, ',');
		}
		jraw(r, "\"line\":");
		jnum(r, ev[i].line);
		jraw(r, ",\"text\":");
		jshown(r, ev[i].text);
		if (ev[i].truncated)
			jraw(r, ",\"truncated\":true");
		oputc(r, '}');
	}
	oputc(r, ']');
}

/* A rule text is the rule's own words around a few placeholders, the same in every finding:
 * its words are escaped once and kept, found again by the text's address (rule texts live as
 * long as the run); only the values are filled in and escaped each time. Escaping a text piece
 * by piece gives the bytes escaping it whole would, because pieces end at braces, between
 * characters; a text that is not valid UTF-8 is not kept (an invalid byte next to a brace could
 * join a value's). Open addressing, a few probes; a full neighbourhood means nothing is kept. */
#define CONST_SLOTS 8192
#define CONST_PROBES 8
#define MAX_PIECES 32

struct jpiece {
	const char *json;            /* a literal piece, escaped; NULL: the placeholder ph */
	size_t len;
	struct template_piece ph;
};

static struct const_text {
	const char *tmpl;            /* NULL: a free slot */
	struct jpiece *pieces;       /* NULL: not kept (rendered whole each time) */
	int npieces;
	char *json;                  /* the escaped literal pieces, one after the other */
} consts[CONST_SLOTS];

static struct const_text *const_slot(const char *tmpl)
{
	size_t h = (size_t)(((uintptr_t)tmpl >> 3) * 0x9E3779B97F4A7C15ull >> 40);
	for (int i = 0; i < CONST_PROBES; i++) {
		struct const_text *c = &consts[(h + (size_t)i) % CONST_SLOTS];
		if (!c->tmpl || c->tmpl == tmpl)
			return c;
	}
	return NULL;
}

static void consts_free(void)
{
	for (size_t i = 0; i < CONST_SLOTS; i++) {
		free(consts[i].pieces);
		free(consts[i].json);
	}
	memset(consts, 0, sizeof consts);
}

static bool valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		i += json_plain_run(p + i, n - i);
		if (i < n && p[i] >= 0x80)
			return false;
		i += i < n;
	}
	return true;
}

/* Take tmpl apart into c: its literal pieces are escaped by jchars itself, into the output
 * buffer (emptied first if the worst case, \u00XX per byte, might not fit), copied out, and
 * taken back out of the buffer. */
static void keep_text(struct reporter *r, struct const_text *c, const char *tmpl)
{
	size_t n = strlen(tmpl);
	struct template_piece pcs[MAX_PIECES];
	int np = 0;
	for (size_t at = 0, k; np < MAX_PIECES && (k = template_piece(tmpl + at, &pcs[np])) != 0; at += k)
		np++;
	if (np == MAX_PIECES || 6 * n > sizeof O.b || !valid_utf8(tmpl, n))
		return;
	if (O.n + 6 * n > sizeof O.b)
		oflush(r);
	size_t from = O.n, off[MAX_PIECES];
	for (int i = 0; i < np; i++) {
		off[i] = O.n - from;
		if (!pcs[i].placeholder)
			jchars(r, pcs[i].s, pcs[i].len);
	}
	size_t total = O.n - from;
	c->json = xmalloc(total + 1);
	memcpy(c->json, O.b + from, total);
	O.n = from;
	c->pieces = xmalloc((size_t)np * sizeof *c->pieces);
	for (int i = 0; i < np; i++) {
		struct jpiece *jp = &c->pieces[i];
		jp->ph = pcs[i];
		jp->json = pcs[i].placeholder ? NULL : c->json + off[i];
		jp->len = (i + 1 < np ? off[i + 1] : total) - off[i];
	}
	c->npieces = np;
}

/* A rule text with its placeholders filled in (log values masked / redacted). */
static void jtext(struct reporter *r, const char *tmpl, const struct finding *f, const struct session *s)
{
	static struct sbuf b; /* reused, as in jshown */
	struct const_text *c = const_slot(tmpl);
	if (c && !c->tmpl) {
		c->tmpl = tmpl;
		keep_text(r, c, tmpl);
	}
	if (c && c->pieces) {
		oputc(r, '"');
		for (int i = 0; i < c->npieces; i++) {
			const struct jpiece *jp = &c->pieces[i];
			if (jp->json) {
				owrite(r, jp->json, jp->len);
			} else {
				sb_clear(&b);
				render_finding_placeholder(&b, &jp->ph, f, s, &r->o);
				jchars(r, b.s ? b.s : "", b.len);
			}
		}
		oputc(r, '"');
		return;
	}
	sb_clear(&b);
	render_finding_text(&b, tmpl, f, s, &r->o);
	jstrn(r, b.s ? b.s : "", b.len);
}

static void texts_array(struct reporter *r, const struct text *t, int n, const struct finding *f,
			const struct session *s)
{
	oputc(r, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			oputc(r, ',');
		jtext(r, text_of(&t[i], r->o.lang), f, s);
	}
	oputc(r, ']');
}

static void ftext(struct reporter *r, const char *key, const char *tmpl, const struct finding *f,
		  const struct session *s)
{
	oputc(r, ',');
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
		oputc(r, ']');
}

static void finding_object(struct reporter *r, const struct session *s, const struct finding *f, bool nested)
{
	enum lang l = r->o.lang;
	unsigned multi = s->inputs & (s->inputs - 1);
	oputc(r, '{');
	jkey(r, "id");
	jstr(r, f->id);
	jraw(r, ",\"severity\":\"");
	jraw(r, severity_name(f->severity));
	jraw(r, "\",\"confidence\":\"");
	jraw(r, confidence_name(f->confidence));
	oputc(r, '"');
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
				jraw(r, i ? ",{" : "{");
				jkey(r, "cause");
				jtext(r, text_of(&f->rule->cands[i].cause, l), f, s);
				jraw(r, ",\"check\":");
				jtext(r, text_of(&f->rule->cands[i].check, l), f, s);
				oputc(r, '}');
			}
			oputc(r, ']');
		}
	} else {
		jraw(r, ",\"rule\":null,\"title\":");
		jstr(r, label(l, L_UNEXPLAINED_TITLE));
		jraw(r, ",\"diagnosis\":");
		jstr(r, label(l, L_UNEXPLAINED_DIAG));
		jraw(r, ",\"remedy\":[");
		jstr(r, label(l, L_UNEXPLAINED_STEP1));
		oputc(r, ',');
		jstr(r, label(l, L_UNEXPLAINED_STEP2));
		oputc(r, ',');
		jstr(r, label(l, L_UNEXPLAINED_STEP3));
		oputc(r, ']');
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
			oputc(r, ',');
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
			oputc(r, ',');
		jstr(r, f->rule->refs[i]);
	}
	oputc(r, ']');
	if (!nested)
		explains_array(r, s, f);
	oputc(r, '}');
}

static void session(struct reporter *r, const struct session *s)
{
	learn_session(s, &r->o);
	tally_session(&r->tally, s, r->nsessions, r->input_now);
	if (r->nsessions++)
		oputc(r, ',');
	oputc(r, '{');
	if (s->inputs & (s->inputs - 1)) {
		jraw(r, "\"input\":[");
		bool first = true;
		for (unsigned i = 0; i < 32; i++)
			if (s->inputs & (1u << i)) {
				if (!first)
					oputc(r, ',');
				jnum(r, i);
				first = false;
			}
		oputc(r, ']');
	} else {
		jraw(r, "\"input\":");
		jnum(r, s->first_input);
	}
	jraw(r, ",\"index\":");
	jnum(r, s->index);
	jraw(r, ",\"channel\":");
	jshown(r, s->channel);
	jraw(r, s->service ? ",\"scope\":\"server\"" : ",\"scope\":\"connection\"");
	jraw(r, ",\"client\":");
	if (s->facts[F_CLIENT] && s->facts[F_CLIENT_VERSION]) { /* "WinSCP 6.5.5" */
		oputc(r, '"');
		jchars(r, s->facts[F_CLIENT], strlen(s->facts[F_CLIENT]));
		oputc(r, ' ');
		jchars(r, s->facts[F_CLIENT_VERSION], strlen(s->facts[F_CLIENT_VERSION]));
		oputc(r, '"');
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
	jshown(r, s->facts[F_SERVER]);
	jraw(r, ",\"hostkey\":{\"type\":");
	jstr(r, s->facts[F_HOSTKEY_TYPE]);
	jraw(r, ",\"fingerprint\":");
	jshown(r, s->facts[F_HOSTKEY_FP]);
	jraw(r, "},\"auth_methods\":");
	jstr(r, s->facts[F_METHODS]);
	jraw(r, ",\"auth_attempts\":[");
	for (int i = 0; i < s->nauth; i++) {
		jraw(r, i ? ",{" : "{");
		jkey(r, "method");
		jstr(r, s->auth[i].method);
		jraw(r, ",\"key\":");
		jshown(r, s->auth[i].key);
		jraw(r, ",\"result\":");
		jstr(r, s->auth[i].result);
		jraw(r, ",\"line\":");
		jnum(r, s->auth[i].line);
		oputc(r, '}');
	}
	jraw(r, "],\"phase\":\"");
	jraw(r, phase_name(s->phase));
	jraw(r, "\",\"outcome\":\"");
	jraw(r, outcome_name(s->outcome));
	jraw(r, "\",\"lines\":{\"first\":");
	jnum(r, s->first_line);
	jraw(r, ",\"last\":");
	jnum(r, s->last_line);
	jraw(r, "},\"facts\":{");
	bool first = true;
	for (int k = 0; k < F_COUNT; k++) {
		if (!s->facts[k])
			continue;
		if (!first)
			oputc(r, ',');
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
			oputc(r, ',');
		first = false;
		finding_object(r, s, &s->findings[i], false);
	}
	jraw(r, "]}");
	oflush(r);
}

static void input_end(struct reporter *r, const struct input_info *in)
{
	r->inputs = xrealloc(r->inputs, (r->ninputs + 1) * sizeof *r->inputs);
	r->inputs[r->ninputs++] = in;
}

/* "summary": the sessions by outcome and the diagnoses by the number of sessions that have
 * them, each with the positions (in "sessions") of its first ones. */
static void summary(struct reporter *r)
{
	struct tally *t = &r->tally;
	tally_sort(t);
	oprintf(r, ",\"summary\":{\"sessions\":%u,\"failed\":%u,\"success\":%u,\"unknown\":%u,"
		"\"without_finding\":%u,\"diagnoses\":[", t->sessions, t->outcome[OUT_FAILED],
		t->outcome[OUT_SUCCESS], t->outcome[OUT_UNKNOWN], t->no_finding);
	for (unsigned i = 0; i < t->nrows; i++) {
		const struct tally_row *row = &t->row[i];
		oprintf(r, "%s{\"id\":", i ? "," : "");
		jstr(r, row->id);
		oprintf(r, ",\"severity\":\"%s\",\"sessions\":%u,\"first_sessions\":[", severity_name(row->severity),
			row->sessions);
		for (unsigned k = 0; k < row->nrefs; k++)
			oprintf(r, "%s%u", k ? "," : "", row->ref[k].pos);
		jraw(r, "]}");
	}
	oprintf(r, "],\"other_sessions\":%u}", t->other_sessions);
}

static void end(struct reporter *r, int code)
{
	jraw(r, "],\"inputs\":[");
	for (unsigned i = 0; i < r->ninputs; i++) {
		const struct input_info *in = r->inputs[i];
		if (i)
			oputc(r, ',');
		oprintf(r, "{\"index\":%u,\"name\":", in->index);
		jshown(r, in->name);
		oprintf(r, ",\"format\":\"%s\",\"encoding\":\"%s\",\"compression\":%s,\"lines\":%llu,"
			"\"bytes\":%llu,\"sessions\":%u,\"truncated_lines\":%llu,\"invalid_utf8\":%llu,"
			"\"order\":\"%s\",\"error\":",
			format_name(in->format), in->encoding ? in->encoding : "unknown",
			in->gzip ? "\"gzip\"" : "null", (unsigned long long)in->lines,
			(unsigned long long)in->bytes, in->sessions, (unsigned long long)in->truncated_lines,
			(unsigned long long)in->invalid_utf8,
			in->order == ORDER_REVERSED ? "reversed" : in->order == ORDER_NEWEST_FIRST ? "newest-first" : "as-written");
		jshown(r, in->error);
		oputc(r, '}');
	}
	oputc(r, ']');
	summary(r);
	oprintf(r, ",\"exit_code\":%d}\n", code);
	oflush(r);
	consts_free();
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
