/* report_common.c — what both reporters render the same way: filled-in rule texts,
 * masked evidence, the one-line target summary. */
#include "report.h"
#include "redact.h"

#include <string.h>

/* Paths first: a value learned earlier is replaced first, and a user name inside a key file's
 * path would otherwise break the path's match. */
void learn_session(const struct session *s, const struct report_opts *o)
{
	struct redactor *r = o->redact;
	if (!r)
		return;
	redactor_learn(r, PK_PATH, s->facts[F_KEYFILE]);
	redactor_learn(r, PK_PATH, s->facts[F_KNOWN_HOSTS_FILE]);
	redactor_learn(r, PK_HOST, s->facts[F_SESSION_NAME]);
	redactor_learn(r, PK_HOST, s->facts[F_HOST]);
	redactor_learn(r, PK_USER, s->facts[F_USER]);
	redactor_learn(r, PK_FP, s->facts[F_HOSTKEY_FP]);
	redactor_learn(r, PK_FP, s->facts[F_CERT_FP]);
	redactor_learn(r, PK_FP, s->facts[F_KEY_FP]);
}

void render_shown(struct sbuf *out, const char *text, const struct report_opts *o)
{
	size_t from = out->len;
	redact_text(o->redact, out, text, strlen(text));
	if (!o->terminal)
		return;
	/* an escape sequence in a log must not reach the user's terminal */
	for (size_t i = from; i < out->len; i++) {
		unsigned char c = (unsigned char)out->s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			out->s[i] = '?';
	}
}

static void shown_value(struct sbuf *out, const char *value, void *arg)
{
	render_shown(out, value, arg);
}

/* Only the values taken from the log are masked and redacted: the rule's own words stay. */
void render_finding_text(struct sbuf *out, const char *tmpl, const struct finding *f,
			 const struct session *s, const struct report_opts *o)
{
	render_template_f(out, tmpl, f->hit, s, shown_value, (void *)o);
}

void render_finding_placeholder(struct sbuf *out, const struct template_piece *pc, const struct finding *f,
				const struct session *s, const struct report_opts *o)
{
	render_placeholder(out, pc, f->hit, s, shown_value, (void *)o);
}

/* "plink 0.78 → tuser@127.0.0.1:2222 (ssh)" without the client part. */
void session_target(struct sbuf *out, const struct session *s, const struct report_opts *o)
{
	struct sbuf t;
	sb_init(&t);
	const char *host = s->facts[F_HOST] ? s->facts[F_HOST] : s->facts[F_ADDRESS];
	if (s->facts[F_USER])
		sb_printf(&t, "%s@", s->facts[F_USER]);
	sb_adds(&t, host ? host : "?");
	if (s->facts[F_PORT])
		sb_printf(&t, ":%s", s->facts[F_PORT]);
	if (s->facts[F_PROTOCOL])
		sb_printf(&t, " (%s)", s->facts[F_PROTOCOL]);
	render_shown(out, t.s, o);
	sb_free(&t);
}
