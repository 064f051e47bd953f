/* report_common.c — what both reporters render the same way: filled-in rule texts,
 * masked evidence, the one-line target summary. */
#include "report.h"
#include "redact.h"

#include <arpa/inet.h>
#include <string.h>

/* A host given as an address is an address: 192.0.2.N, as the pattern would make it. */
static void learn_host(struct redactor *r, const char *v)
{
	unsigned char a[16];
	char bare[64];
	size_t n = v ? strlen(v) : 0;
	if (n >= 2 && n < sizeof bare && v[0] == '[' && v[n - 1] == ']') {
		memcpy(bare, v + 1, n - 2);
		bare[n - 2] = '\0';
	} else if (n < sizeof bare && v) {
		memcpy(bare, v, n + 1);
	} else {
		bare[0] = '\0';
	}
	bool ip = inet_pton(AF_INET, bare, a) == 1 || inet_pton(AF_INET6, bare, a) == 1;
	redactor_learn(r, ip ? PK_IP : PK_HOST, v);
}

/* OpenSSH's own key file names name no one, and keep the report readable (as ~/ does). */
static bool default_key_name(const char *v)
{
	static const char *const names[] = { "id_rsa", "id_dsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519",
					     "id_ed25519_sk", "id_xmss", "identity" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(v, names[i]) == 0)
			return true;
	return false;
}

/* The values a finding took from its lines that no fact holds (a second key file, the Windows
 * account icacls names, a key's bare name, the account a Git host greets). */
static void learn_captures(struct redactor *r, const struct session *s)
{
	static const struct { const char *name; enum pseudo_kind kind; } known[] = {
		{ "keyfile", PK_PATH }, { "keyname", PK_PATH }, { "acl_user", PK_USER }, { "user", PK_USER },
		{ "account", PK_USER },
	};
	for (int i = 0; i < s->nfindings; i++) {
		const struct hit *h = s->findings[i].hit;
		for (int k = 0; h && k < h->ncaps; k++) {
			const char *name = h->caps[k].name, *v = h->caps[k].value;
			for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
				if (strcmp(name, known[j].name) == 0 && *v && !default_key_name(v))
					redactor_learn(r, known[j].kind, v);
			/* a Windows account's SID names its machine or domain (S-1-5-21-…); a
			 * well-known one (S-1-5-11, Authenticated Users) names no one */
			if (strcmp(name, "sid") == 0 && strncmp(v, "S-1-5-21-", 9) == 0)
				redactor_learn(r, PK_USER, v);
		}
	}
}

/* Paths first: a value learned earlier is replaced first, and a user name inside a key file's
 * path would otherwise break the path's match. */
void learn_session(const struct session *s, const struct report_opts *o)
{
	struct redactor *r = o->redact;
	if (!r)
		return;
	redactor_learn(r, PK_PATH, s->facts[F_KEYFILE]);
	redactor_learn(r, PK_PATH, s->facts[F_KNOWN_HOSTS_FILE]);
	learn_captures(r, s);
	redactor_learn(r, PK_HOST, s->facts[F_SESSION_NAME]);
	learn_host(r, s->facts[F_HOST]);
	learn_host(r, s->facts[F_PROXY_HOST]);
	learn_host(r, s->facts[F_FORWARD_HOST]);
	redactor_learn(r, PK_USER, s->facts[F_USER]);
	redactor_learn(r, PK_USER, s->facts[F_PROXY_USER]);
	redactor_learn(r, PK_FP, s->facts[F_HOSTKEY_FP]);
	redactor_learn(r, PK_FP, s->facts[F_PROXY_HOSTKEY_FP]);
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
