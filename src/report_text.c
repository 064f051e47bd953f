/* report_text.c — the human report: one summary line per session, then the findings in rank
 * order with numbered steps and the evidence lines. Colour only when asked (a terminal,
 * NO_COLOR unset, or --color=always). */
#include "report.h"
#include "redact.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"
#define C_CYAN "\033[36m"
#define C_OFF "\033[0m"

static const char *c(const struct reporter *r, const char *code)
{
	return r->o.color ? code : "";
}

static void begin(struct reporter *r)
{
	(void)r;
}

static void input_begin(struct reporter *r, const struct input_info *in)
{
	r->shown_in_input = 0;
	r->input_now = in->index;
	struct sbuf b;
	sb_init(&b);
	render_shown(&b, in->name, &r->o);
	fprintf(r->out, "%s== %s: %s (%s)%s\n", c(r, C_BOLD), b.s, format_label(r->o.lang, in->format),
		in->encoding, c(r, C_OFF));
	if (in->order != ORDER_AS_WRITTEN)
		fprintf(r->out, "   (%s)\n",
			label(r->o.lang, in->order == ORDER_REVERSED ? L_ORDER_REVERSED : L_ORDER_NEWEST_FIRST));
	sb_free(&b);
}

/* Print a multi-line text with a hanging indent. */
static void indented(struct reporter *r, const char *indent, const char *first, const char *text)
{
	int pad = (int)strlen(first);
	fputs(indent, r->out);
	fputs(first, r->out);
	/* a line at a time: a byte at a time through stdio took half the report's time */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		fwrite(p, 1, n, r->out);
		p += n;
		if (nl && *p)
			fprintf(r->out, "%s%*s", indent, pad, "");
	}
	fputc('\n', r->out);
}

static void evidence_lines(struct reporter *r, const struct evidence *ev, int n, bool multi, const char *indent)
{
	struct sbuf b;
	sb_init(&b);
	for (int i = 0; i < n; i++) {
		sb_clear(&b);
		render_shown(&b, ev[i].text, &r->o);
		/* control characters would garble a terminal */
		for (size_t k = 0; k < b.len; k++)
			if ((unsigned char)b.s[k] < 0x20 && b.s[k] != '\t')
				b.s[k] = '?';
		if (multi)
			fprintf(r->out, "%s%s#%u %s %llu:%s %s\n", indent, c(r, C_DIM), ev[i].input,
				label(r->o.lang, L_LINE), (unsigned long long)ev[i].line, c(r, C_OFF), b.s);
		else
			fprintf(r->out, "%s%s%s %llu:%s %s\n", indent, c(r, C_DIM), label(r->o.lang, L_LINE),
				(unsigned long long)ev[i].line, c(r, C_OFF), b.s);
	}
	sb_free(&b);
}

static const char *confidence_label(enum lang l, enum confidence cf)
{
	static const char *const ja[] = { "低", "中", "高" };
	return l == LANG_JA ? ja[cf] : confidence_name(cf);
}

static const char *sev_color(enum severity s)
{
	return s == SEV_ERROR ? C_RED : s == SEV_WARNING ? C_YELLOW : C_CYAN;
}

static const char *sev_label(enum lang l, enum severity s)
{
	return label(l, s == SEV_ERROR ? L_ERROR : s == SEV_WARNING ? L_WARNING : L_INFO);
}

static void finding(struct reporter *r, const struct session *s, const struct finding *f, int rank)
{
	enum lang l = r->o.lang;
	bool multi = s->inputs & (s->inputs - 1);
	struct sbuf b;
	sb_init(&b);
	if (f->rule)
		render_finding_text(&b, text_of(&f->rule->title, l), f, s, &r->o);
	else
		sb_adds(&b, label(l, L_UNEXPLAINED_TITLE));
	fprintf(r->out, "\n  %d. %s%s%s%s %s%s%s  %s[%s, %s: %s]%s%s%s\n", rank, c(r, C_BOLD), c(r, sev_color(f->severity)),
		sev_label(l, f->severity), c(r, C_OFF), c(r, C_BOLD), b.s, c(r, C_OFF), c(r, C_DIM), f->id,
		label(l, L_CONFIDENCE), confidence_label(l, f->confidence), c(r, C_OFF),
		f->downgraded ? " " : "", f->downgraded ? label(l, s->service ? L_DOWNGRADED_SERVER : L_DOWNGRADED) : "");
	sb_clear(&b);
	if (f->rule)
		render_finding_text(&b, text_of(&f->rule->diagnosis, l), f, s, &r->o);
	else
		sb_adds(&b, label(l, L_UNEXPLAINED_DIAG));
	indented(r, "     ", "", b.s);
	fprintf(r->out, "     %s\n", label(l, L_WHAT_TO_DO));
	if (f->rule) {
		for (int i = 0; i < f->rule->nremedy; i++) {
			sb_clear(&b);
			render_finding_text(&b, text_of(&f->rule->remedy[i], l), f, s, &r->o);
			char num[16];
			snprintf(num, sizeof num, "%d. ", i + 1);
			indented(r, "       ", num, b.s);
		}
		if (f->rule->ncands) {
			fprintf(r->out, "     %s\n", label(l, L_CANDIDATES));
			for (int i = 0; i < f->rule->ncands; i++) {
				sb_clear(&b);
				render_finding_text(&b, text_of(&f->rule->cands[i].cause, l), f, s, &r->o);
				char num[16];
				snprintf(num, sizeof num, "%c) ", 'a' + (i % 26));
				indented(r, "       ", num, b.s);
				sb_clear(&b);
				render_finding_text(&b, text_of(&f->rule->cands[i].check, l), f, s, &r->o);
				fprintf(r->out, "          %s%s:%s %s\n", c(r, C_DIM), label(l, L_CHECK), c(r, C_OFF), b.s);
			}
		}
	} else {
		indented(r, "       ", "1. ", label(l, L_UNEXPLAINED_STEP1));
		indented(r, "       ", "2. ", label(l, L_UNEXPLAINED_STEP2));
		indented(r, "       ", "3. ", label(l, L_UNEXPLAINED_STEP3));
	}
	if (f->nev) {
		fprintf(r->out, "     %s\n", label(l, L_EVIDENCE));
		evidence_lines(r, f->ev, f->nev, multi, "       ");
	}
	for (int i = 0; i < s->nfindings; i++) {
		const struct finding *g = &s->findings[i];
		if (g->folded_by != f->id)
			continue;
		fprintf(r->out, "     %s: %s", label(l, L_ALSO_EXPLAINS), g->id);
		if (g->nev)
			fprintf(r->out, " (%s %llu)", label(l, L_LINE), (unsigned long long)g->ev[0].line);
		fputc('\n', r->out);
	}
	if (f->rule && f->rule->nrefs) {
		fprintf(r->out, "     %s", label(l, L_MORE));
		for (int i = 0; i < f->rule->nrefs; i++)
			fprintf(r->out, " %s", f->rule->refs[i]);
		fputc('\n', r->out);
	}
	sb_free(&b);
}

/* The proxy or jump host the connection went through: " (via user@host:port)". */
static void via_proxy(struct sbuf *b, const struct session *s, const struct report_opts *o)
{
	if (!s->facts[F_PROXY_HOST])
		return;
	struct sbuf t;
	sb_init(&t);
	if (s->facts[F_PROXY_USER])
		sb_printf(&t, "%s@", s->facts[F_PROXY_USER]);
	sb_adds(&t, s->facts[F_PROXY_HOST]);
	if (s->facts[F_PROXY_PORT])
		sb_printf(&t, ":%s", s->facts[F_PROXY_PORT]);
	sb_printf(b, " (%s ", label(o->lang, L_VIA));
	render_shown(b, t.s, o);
	sb_adds(b, ")");
	sb_free(&t);
}

static void session(struct reporter *r, const struct session *s)
{
	enum lang l = r->o.lang;
	tally_session(&r->tally, s, r->nsessions, r->input_now);
	r->nsessions++;
	r->shown_in_input++;
	learn_session(s, &r->o);
	struct sbuf ch; /* first, as in the JSON: --redact numbers the values in the order shown */
	sb_init(&ch);
	if (s->channel)
		render_shown(&ch, s->channel, &r->o);
	struct sbuf b;
	sb_init(&b);
	session_target(&b, s, &r->o);
	const char *oc = s->outcome == OUT_FAILED ? C_RED : s->outcome == OUT_SUCCESS ? C_GREEN : C_YELLOW;
	fprintf(r->out, "\n%s%s %u%s%s%s%s", c(r, C_BOLD), label(l, L_SESSION), s->index + 1, c(r, C_OFF),
		s->channel ? " [" : "", s->channel ? ch.s : "", s->channel ? "]" : "");
	sb_free(&ch);
	struct sbuf cl;
	sb_init(&cl);
	sb_printf(&cl, "%s%s%s", s->facts[F_CLIENT] ? s->facts[F_CLIENT] : "?", s->facts[F_CLIENT_VERSION] ? " " : "",
		  s->facts[F_CLIENT_VERSION] ? s->facts[F_CLIENT_VERSION] : "");
	struct sbuf shown;
	sb_init(&shown);
	render_shown(&shown, cl.s, &r->o);
	via_proxy(&b, s, &r->o);
	if (s->service) /* no client, target or phase: sshd's own start */
		fprintf(r->out, ": %s; %s: %s%s%s\n", label(l, L_SERVER_ITSELF), label(l, L_OUTCOME), c(r, oc),
			outcome_label(l, s->outcome), c(r, C_OFF));
	else
		fprintf(r->out, ": %s → %s; %s: %s; %s: %s%s%s\n", shown.s, b.s, label(l, L_REACHED),
			phase_label(l, s->phase, s->facts[F_PROTOCOL]), label(l, L_OUTCOME), c(r, oc),
			outcome_label(l, s->outcome), c(r, C_OFF));
	if (s->facts[F_SERVER]) {
		sb_clear(&shown);
		render_shown(&shown, s->facts[F_SERVER], &r->o);
		fprintf(r->out, "  %s: %s\n", label(l, L_SERVER), shown.s);
	}
	/* one input's evidence only: the other side's log had nothing for it (sshd's own session
	 * is no connection to tie) */
	if (r->o.paired && !s->service && (s->inputs & (s->inputs - 1)) == 0)
		fprintf(r->out, "  %s\n", label(l, s->fam == FAM_SSHD ? L_UNMATCHED_SERVER : L_UNMATCHED_CLIENT));
	sb_free(&shown);
	sb_free(&cl);
	sb_free(&b);
	int rank = 0;
	for (int i = 0; i < s->nfindings; i++)
		if (!s->findings[i].folded_by)
			finding(r, s, &s->findings[i], ++rank);
	if (rank == 0)
		fprintf(r->out, "  %s\n", label(l, s->outcome == OUT_SUCCESS ? L_SUCCESS_PLAIN : L_NO_FINDINGS_UNKNOWN));
}

static void input_end(struct reporter *r, const struct input_info *in)
{
	r->inputs = xrealloc(r->inputs, (r->ninputs + 1) * sizeof *r->inputs);
	r->inputs[r->ninputs++] = in;
	if (in->sessions == 0 && !in->error)
		fprintf(r->out, "  %s (%llu %s)\n", label(r->o.lang, L_NO_SESSIONS), (unsigned long long)in->lines,
			label(r->o.lang, in->lines == 1 ? L_LINE : L_LINES));
	else if (r->shown_in_input == 0 && !in->error)
		fprintf(r->out, "  %s\n", label(r->o.lang, L_MATCHED_ABOVE));
	fputc('\n', r->out);
}

/* "3, 8, 11" (where there are several inputs, "a.log:3, 8, b.log:1"): the sessions a row names. */
static void row_sessions(struct reporter *r, const struct tally_row *row)
{
	for (unsigned i = 0; i < row->nrefs; i++) {
		const struct tally_ref *ref = &row->ref[i];
		fputs(i ? ", " : " ", r->out);
		if (r->ninputs > 1 && ref->input < r->ninputs && (i == 0 || row->ref[i - 1].input != ref->input)) {
			struct sbuf b;
			sb_init(&b);
			render_shown(&b, r->inputs[ref->input]->name, &r->o);
			fprintf(r->out, "%s:", b.s);
			sb_free(&b);
		}
		fprintf(r->out, "%u", ref->index + 1);
	}
	if (row->sessions > row->nrefs)
		fputs(", …", r->out);
}

/* A log of several sessions ends with what they amount to: how many failed, and the diagnoses
 * by the number of sessions that have them, each with its first sessions. */
static void summary(struct reporter *r)
{
	enum lang l = r->o.lang;
	struct tally *t = &r->tally;
	tally_sort(t);
	fprintf(r->out, "%s", c(r, C_BOLD));
	fprintf(r->out, label(l, L_SUMMARY), t->sessions, t->outcome[OUT_FAILED], t->outcome[OUT_SUCCESS],
		t->outcome[OUT_UNKNOWN]);
	fprintf(r->out, "%s\n", c(r, C_OFF));
	int digits = snprintf(NULL, 0, "%u", t->nrows ? t->row[0].sessions : 0), idw = 0;
	for (unsigned i = 0; i < t->nrows; i++)
		if ((int)strlen(t->row[i].id) > idw)
			idw = (int)strlen(t->row[i].id);
	for (unsigned i = 0; i < t->nrows; i++) {
		const struct tally_row *row = &t->row[i];
		const char *sc = row->severity == SEV_ERROR ? C_RED : row->severity == SEV_WARNING ? C_YELLOW : C_CYAN;
		enum label sev = row->severity == SEV_ERROR ? L_ERROR : row->severity == SEV_WARNING ? L_WARNING : L_INFO;
		fprintf(r->out, "  %*u × %-*s  %s%s%s  %s", digits, row->sessions, idw, row->id, c(r, sc), label(l, sev),
			c(r, C_OFF), label(l, row->sessions == 1 ? L_SESSION_WORD : L_SESSIONS_WORD));
		row_sessions(r, row);
		fputc('\n', r->out);
	}
	if (t->other_sessions) {
		fputs("  ", r->out);
		fprintf(r->out, label(l, L_SUMMARY_OTHER), t->other_sessions);
		fputc('\n', r->out);
	}
	if (t->no_finding) {
		fputs("  ", r->out);
		fprintf(r->out, label(l, L_SUMMARY_NONE), t->no_finding);
		fputc('\n', r->out);
	}
}

static void end(struct reporter *r, int code)
{
	(void)code;
	if (r->tally.sessions > 1)
		summary(r);
	free(r->inputs);
	r->inputs = NULL;
}

void reporter_text_init(struct reporter *r)
{
	r->o.terminal = true;
	r->begin = begin;
	r->input_begin = input_begin;
	r->session = session;
	r->input_end = input_end;
	r->end = end;
}
