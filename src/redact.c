#define _GNU_SOURCE /* memmem */
/* redact.c — masking and pseudonyms.
 *
 * Secrets: "-pw X", "-pass X", "sshpass -p X", "PASS X" (FTP with WinSCP's "Logging
 * passwords"), "scheme://user:X@", "password=X", "Passwd: X" (proxy header). X is replaced by
 * "********" whether or not --redact is given: a password never reaches the output. */
#include "redact.h"
#include "scan.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#define MAX_MAP 4096

struct entry {
	enum pseudo_kind kind;
	char *value;
	char *alias;
};

struct redactor {
	struct entry map[MAX_MAP];
	int n;
	int counter[PK_COUNT];
	pcre2_code *re[PK_COUNT];
	pcre2_code *field_host, *field_user;
	pcre2_match_data *md;
};

/* One regex per secret form: group 1 is the secret. */
static const char *const secret_res[] = {
	"(?:^|\\s)-(?:pw|pass|password)[ =]\"?([^\\s\"]+)",
	"sshpass\\s+-p\\s*([^\\s]+)",
	"(?:^|\\s)PASS ([^*\\s][^\\s]*)",
	"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]+:([^@\\s]+)@",
	"(?i)(?:password|passwd|passphrase)\\s*[=:]\\s*([^\\s,;]+)",
	"(?i)/password=([^\\s]+)",
};

static pcre2_code *secret_code[sizeof secret_res / sizeof secret_res[0]];
static pcre2_match_data *secret_md;

static pcre2_code *compile(const char *re)
{
	int e;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &e, &off, NULL);
	const char *nojit = getenv("LOGLENS_NO_JIT");
	if (c && !(nojit && *nojit && strcmp(nojit, "0") != 0))
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

static void init_secrets(void)
{
	if (secret_md)
		return;
	for (size_t i = 0; i < sizeof secret_res / sizeof secret_res[0]; i++)
		secret_code[i] = compile(secret_res[i]);
	secret_md = pcre2_match_data_create(4, NULL);
}

struct redactor *redactor_new(void)
{
	struct redactor *r = xcalloc(1, sizeof *r);
	/* IPv4; IPv6 in full (8 groups) or compressed ("::"), so that times like 10:20:31 stay */
	r->re[PK_IP] = compile("(?<![\\w.:])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\w.])"
			       "|(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\\w:])"
			       "|(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){1,7}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?(?![\\w:])"
			       "|(?<![\\w:])::[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6}(?![\\w:])");
	/* a syslog line's host field, and a WinSCP header's Windows account: group 1 only */
	r->field_host = compile("^(?:<\\d+>)?(?:[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d|\\d{4}-\\d\\d-\\d\\dT\\S+) (\\S+) (?=[\\w.-]+(?:\\[\\d+\\])?: )");
	r->field_user = compile("Local account: (\\S+)");
	r->re[PK_EMAIL] = compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+");
	r->re[PK_FP] = compile("SHA256:[A-Za-z0-9+/]{20,}=*|MD5:(?:[0-9a-f]{2}:){15}[0-9a-f]{2}|(?:0x[0-9a-f]+,)+0x[0-9a-f]+");
	r->re[PK_PATH] = compile("(?:/home/|/Users/|/root/|/srv/|/tmp/|[A-Za-z]:\\\\Users\\\\|[A-Za-z]:/Users/)[^\\s\"':,)]+");
	r->re[PK_HOST] = compile("(?<![\\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+(?:com|net|org|jp|io|info|biz|dev|app|cloud|local|lan|internal|example|invalid|test|[a-z]{2})(?![\\w.-])");
	r->md = pcre2_match_data_create(4, NULL);
	return r;
}

void redactor_free(struct redactor *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++) {
		free(r->map[i].value);
		free(r->map[i].alias);
	}
	for (int k = 0; k < PK_COUNT; k++)
		pcre2_code_free(r->re[k]);
	pcre2_code_free(r->field_host);
	pcre2_code_free(r->field_user);
	pcre2_match_data_free(r->md);
	free(r);
}

static const char *alias_for(struct redactor *r, enum pseudo_kind k, const char *v, size_t n)
{
	for (int i = 0; i < r->n; i++) /* already a pseudonym: keep it */
		if (equals_n(r->map[i].alias, v, n))
			return r->map[i].alias;
	for (int i = 0; i < r->n; i++)
		if (r->map[i].kind == k && equals_n(r->map[i].value, v, n))
			return r->map[i].alias;
	if (r->n == MAX_MAP)
		return "<redacted>";
	struct entry *e = &r->map[r->n++];
	e->kind = k;
	e->value = xstrndup(v, n);
	int c = ++r->counter[k];
	struct sbuf a;
	sb_init(&a);
	switch (k) {
	case PK_HOST: sb_printf(&a, "host-%d.example", c); break;
	case PK_IP: sb_printf(&a, "192.0.2.%d", c % 254 + (c >= 254)); break;
	case PK_USER: sb_printf(&a, "user-%d", c); break;
	case PK_PATH: sb_printf(&a, "/path-%d", c); break;
	case PK_FP: sb_printf(&a, "SHA256:fingerprint-%d", c); break;
	default: sb_printf(&a, "email-%d@example.invalid", c); break;
	}
	e->alias = sb_steal(&a);
	return e->alias;
}

void redactor_learn(struct redactor *r, enum pseudo_kind k, const char *value)
{
	if (r && value && strlen(value) >= 2 && strcmp(value, "root") != 0)
		alias_for(r, k, value, strlen(value));
}

/* Mask group 1 of every secret form. */
static void mask_secrets(struct sbuf *t)
{
	if (!may_hold_secret(t->s, t->len))
		return;
	init_secrets();
	for (size_t i = 0; i < sizeof secret_res / sizeof secret_res[0]; i++) {
		PCRE2_SIZE start = 0;
		while (secret_code[i] && start < t->len &&
		       pcre2_match(secret_code[i], (PCRE2_SPTR)t->s, t->len, start, 0, secret_md, NULL) >= 2) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(secret_md);
			struct sbuf o;
			sb_init(&o);
			sb_add(&o, t->s, ov[2]);
			sb_adds(&o, "********");
			size_t next = o.len;
			sb_add(&o, t->s + ov[3], t->len - ov[3]);
			sb_free(t);
			*t = o;
			start = next > ov[1] ? next : ov[1] + 1;
			if (start > t->len)
				break;
		}
	}
}

/* Replace every occurrence of a learned value (longest first would be ideal; values rarely nest). */
static void replace_learned(struct redactor *r, struct sbuf *t)
{
	for (int i = 0; i < r->n; i++) {
		const char *v = r->map[i].value;
		size_t vn = strlen(v);
		if (vn < 2)
			continue;
		struct sbuf o;
		sb_init(&o);
		const char *p = t->s, *end = t->s + t->len;
		bool changed = false;
		while (p < end) {
			const char *q = (const char *)memmem(p, (size_t)(end - p), v, vn);
			if (!q)
				break;
			/* whole words only for users, so "tuser" does not eat "tuser2" */
			bool left = q == t->s || !(isalnum((unsigned char)q[-1]));
			bool right = q + vn == end || !(isalnum((unsigned char)q[vn]));
			if (r->map[i].kind == PK_USER && !(left && right)) {
				sb_add(&o, p, (size_t)(q - p) + 1);
				p = q + 1;
				continue;
			}
			sb_add(&o, p, (size_t)(q - p));
			sb_adds(&o, r->map[i].alias);
			p = q + vn;
			changed = true;
		}
		if (!changed) {
			sb_free(&o);
			continue;
		}
		sb_add(&o, p, (size_t)(end - p));
		sb_free(t);
		*t = o;
	}
}

static bool known(const struct redactor *r, enum pseudo_kind k, const char *v, size_t n)
{
	for (int i = 0; i < r->n; i++)
		if (r->map[i].kind == k && equals_n(r->map[i].value, v, n))
			return true;
	return false;
}

static bool user_at_known_host(const struct redactor *r, const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at)
		return false;
	return known(r, PK_USER, s, (size_t)(at - s)) || known(r, PK_HOST, at + 1, n - (size_t)(at + 1 - s));
}

static void replace_matches(struct redactor *r, struct sbuf *t, enum pseudo_kind k, const pcre2_code *re)
{
	if (!re)
		return;
	PCRE2_SIZE start = 0;
	int rc;
	while (start < t->len && (rc = pcre2_match(re, (PCRE2_SPTR)t->s, t->len, start, 0, r->md, NULL)) >= 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
		if (rc >= 2 && ov[2] != PCRE2_UNSET) /* replace the group, keep its context */
			ov = ov + 2;
		if (ov[1] == ov[0]) {
			start = ov[1] + 1;
			continue;
		}
		if (k == PK_EMAIL && user_at_known_host(r, t->s + ov[0], ov[1] - ov[0])) {
			start = ov[1];
			continue; /* "user@host" of ssh: the learned user and host are replaced instead */
		}
		const char *a = alias_for(r, k, t->s + ov[0], ov[1] - ov[0]);
		struct sbuf o;
		sb_init(&o);
		sb_add(&o, t->s, ov[0]);
		sb_adds(&o, a);
		size_t next = o.len;
		sb_add(&o, t->s + ov[1], t->len - ov[1]);
		sb_free(t);
		*t = o;
		start = next;
	}
}

static void replace_kind(struct redactor *r, struct sbuf *t, enum pseudo_kind k)
{
	replace_matches(r, t, k, r->re[k]);
}

void redact_text(struct redactor *r, struct sbuf *out, const char *text, size_t n)
{
	if (!r && !may_hold_secret(text, n)) { /* the common case: nothing to hide */
		sb_add(out, text, n);
		return;
	}
	struct sbuf t;
	sb_init(&t);
	sb_add(&t, text, n);
	mask_secrets(&t);
	if (r) {
		replace_matches(r, &t, PK_HOST, r->field_host);
		replace_matches(r, &t, PK_USER, r->field_user);
		replace_kind(r, &t, PK_FP);
		replace_kind(r, &t, PK_EMAIL);
		replace_kind(r, &t, PK_PATH);
		replace_learned(r, &t);
		replace_kind(r, &t, PK_IP);
		replace_kind(r, &t, PK_HOST);
	}
	sb_add(out, t.s, t.len);
	sb_free(&t);
}
