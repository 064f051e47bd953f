#define _GNU_SOURCE /* memmem */
/* redact.c — masking and pseudonyms.
 *
 * Secrets: "-pw X", "-pass X", "--password X", "sshpass -p X" (X also quoted), "PASS X" (FTP
 * with WinSCP's "Logging passwords"), "scheme://user:X@", "password=X", "Passwd: X" (proxy
 * header). X is replaced by "********" whether or not --redact is given: a password never
 * reaches the output. */
#include "redact.h"
#include "regex.h"
#include "scan.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAIR_SLOTS 4096

#define MEMO_SLOTS 1024
#define MEMO_MAX 256         /* longer texts (log lines) are rarely shown twice */

struct memo {
	int learned;                 /* the number of values known then, + 1; 0 = empty */
	size_t hash;
	struct sbuf text, redacted;
};

struct entry {
	enum pseudo_kind kind;
	char *value;
	char *alias;
	size_t vlen;
};

/* Every value met is kept, however many: a value that was forgotten would be shown as it is
 * where no pattern catches it (a user name, a host without a domain), and one met again would
 * get another pseudonym. A log of thousands of sessions teaches thousands of values, and every
 * text shown is searched for all of them: the values are indexed (by their bytes, by their
 * aliases, and by their first two bytes and length) so that a text costs about its own length,
 * not the number of values. */
struct redactor {
	struct entry *map;
	int n, cap;
	int counter[PK_COUNT];
	pcre2_code *re[PK_COUNT];
	pcre2_code *field_host, *field_user;
	pcre2_match_data *md;
	int *by_value;               /* entry + 1, by the hash of its value; 0 = free */
	int *by_alias;               /* the same, by its alias */
	size_t slots;                /* of each: a power of two, at most half used */
	uint64_t starts[PAIR_SLOTS]; /* by a value's first two bytes: bit L for its length L
	                              * (2-63), bit 0 for a longer one (see longlens) */
	size_t *longlens;            /* the lengths of 64 and more that values have, each once */
	int nlong;
	struct memo memo[MEMO_SLOTS];
};

/* One regex per secret form: group 1 is the secret. */
static const char *const secret_res[] = {
	/* quoted: WinSCP doubles a quote inside one ("a""b"), and a whole quoted value inside its
	 * /command "…" argument (-password=""a b"") */
	"(?:^|\\s)--?(?:pw|pass|password)[ \\t=]+(?|\"\"(.*?)\"\"|\"((?:[^\"]|\"\")*)\"|'([^']*)'|([^\\s\"']+))",
	"sshpass\\s+-p\\s*(?|\"([^\"]*)\"|'([^']*)'|(\\S+))",
	"(?:^|\\s)PASS (?!\\*+(?:\\s|$))(\\S+)", /* not WinSCP's own "PASS ****" */
	"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]+:([^@\\s]+)@",
	/* not OpenSSH's "read_passphrase: requested to askpass", a function name */
	"(?i)(?:password|passwd|(?<!read_)passphrase)\\s*[=:]\\s*([^\\s,;]+)",
	"(?i)/password=([^\\s]+)",
};

static pcre2_code *secret_code[sizeof secret_res / sizeof secret_res[0]];
static pcre2_match_data *secret_md;

static pcre2_code *compile(const char *re)
{
	int e;
	size_t off;
	pcre2_code *c = regex_compile(re, 0, &e, &off);
	const char *nojit = getenv("LOGLENS_NO_JIT");
	if (c && !(nojit && *nojit && strcmp(nojit, "0") != 0))
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

static void compile_secrets(void)
{
	for (size_t i = 0; i < sizeof secret_res / sizeof secret_res[0]; i++)
		secret_code[i] = compile(secret_res[i]);
	secret_md = pcre2_match_data_create(4, NULL);
}

/* Both threads use the codes (the reporters mask, the analysis learns): compiled once. */
static void init_secrets(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, compile_secrets);
}

struct redactor *redactor_new(void)
{
	struct redactor *r = xcalloc(1, sizeof *r);
	/* IPv4-mapped IPv6 whole; IPv4 (a sentence's full stop after it is not part of it); IPv6
	 * in full (8 groups) or compressed ("::"), so that times like 10:20:31 stay, and a colon
	 * after it ("to 2001:db8::10: No route") is not part of it; FTP's PASV form h1,h2,h3,h4
	 * (octets up to 255, so that a size like 1,288,490,188 stays) */
	r->re[PK_IP] = compile("(?<![\\w:])::ffff:(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\w|\\.\\w)"
			       "|(?<![\\w.:])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\w|\\.\\w)"
			       "|(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?!\\w|:[\\w:])"
			       "|(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){1,7}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?(?!\\w|:[\\w:])"
			       "|(?<![\\w:])::[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6}(?!\\w|:[\\w:])"
			       "|(?<![\\w,])(?:(?:25[0-5]|2[0-4]\\d|1?\\d?\\d),){3}(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)(?=,\\d{1,3},\\d{1,3}\\)|(?![\\w,]))");
	/* a syslog line's (or journald's) host field; a WinSCP header's Windows account and PuTTY's
	 * key comment: group 1 only */
	r->field_host = compile("(?|^(?:<\\d+>)?(?:[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d|\\d{4}-\\d\\d-\\d\\dT\\S+) (\\S+) (?=[\\w.-]+(?:\\[\\d+\\])?: )"
				"|\"_HOSTNAME\":\"([^\"\\\\]+)\")"); /* journald's JSON */
	/* PuTTY's key comment is usually user@machine; Win32-OpenSSH's "DOMAIN\name" of an
	 * account (S-1-5-21-…), not a well-known one (NT AUTHORITY\Authenticated Users, S-1-5-11),
	 * and that account's SID, which names its machine or domain */
	r->field_user = compile("(?|Local account: (\\S+)|with public key \"([^\"]+)\""
				"|Try removing permissions for user: (.+?) (?=\\(S-1-5-21-)"
				"|(?<=\\(|user: )(S-1-5-21-[\\d-]+)(?=\\)| on file ))");
	/* not an algorithm's name: chacha20-poly1305@openssh.com, curve25519-sha256@libssh.org */
	r->re[PK_EMAIL] = compile("[A-Za-z0-9._%+-]+@(?!(?:openssh\\.com|libssh\\.org)(?![\\w.-]))[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+");
	/* with their prefix; hex pairs (MD5, SHA-1, a certificate's SHA-256); WinSCP's raw host
	 * key ("0x… … ,0x…"); bare base64 of 43 characters or more with upper and lower case and a
	 * digit (PuTTY's and WinSCP's "ssh-ed25519 255 wWCJ…", a public key blob) */
	r->re[PK_FP] = compile("SHA256:[A-Za-z0-9+/]{20,}=*|MD5:(?:[0-9a-f]{2}:){15}[0-9a-f]{2}"
			       "|(?<![\\w:])(?:[0-9a-fA-F]{2}:){15,63}[0-9a-fA-F]{2}(?![\\w:])"
			       "|0x[0-9a-f]+(?: [0-9a-f]{2,})*(?: ?,0x[0-9a-f]+(?: [0-9a-f]{2,})*)+"
			       "|(?<![\\w+/=.-])(?=[A-Za-z0-9+/]{0,42}[0-9+/])(?=[A-Za-z0-9+/]{0,42}[A-Z])(?=[A-Za-z0-9+/]{0,42}[a-z])"
			       "[A-Za-z0-9+/]{43,}={0,2}(?![\\w+/=.-])");
	/* A Windows profile folder or a macOS volume may hold spaces ("C:\Users\Taro Yamada\…",
	 * "/Volumes/Taro USB/…"), but a Windows name never < > | ? * : which end it ("PS
	 * C:\Users\taro> sftp …" is a prompt and a command); Win32-OpenSSH doubles the backslashes
	 * and mixes in '/' ("C:\\Users\\x/.ssh/config"). "~user/…" names a user; a share "\\server\share\…" a
	 * host. Not "~/…" nor "%USERPROFILE%\…": they name no one (whoever runs the client), and a
	 * default key's name (~/.ssh/id_ed25519) is what the reader needs to see; a key file given
	 * there is learned from the session (learn_session) like any other. */
	r->re[PK_PATH] = compile("(?:[A-Za-z]:(?:\\\\{1,2}|/)Users(?:\\\\{1,2}|/)[^\\\\/\"'\\r\\n<>|?*:]{1,64}[\\\\/][^\\s\"':,)<>|]*"
				 "|/Volumes/[^/\"'\\r\\n:,()]{1,64}/[^\\s\"':,)]*"
				 "|(?:/home/|/Users/|/Volumes/|/root/|/srv/|/tmp/|[A-Za-z]:(?:\\\\{1,2}|/)Users(?:\\\\{1,2}|/))[^\\s\"':,)<>|]+"
				 "|(?<![\\w~])~[A-Za-z_][\\w.-]*(?:/[^\\s\"':,)]*)?"
				 "|(?<![\\w:\\\\])\\\\\\\\[A-Za-z0-9][\\w.$-]*\\\\[^\\s\"':,)]*)"
				 "(?<!\\.)"); /* a sentence's full stop is not the path's */
	r->re[PK_HOST] = compile("(?<![\\w.@-])(?!(?i:winscp\\.com)\\b)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+(?i:com|net|org|jp|io|info|biz|dev|app|cloud|local|lan|internal|corp|company|tech|online|site|arpa|example|invalid|test|[a-z]{2})(?![\\w.-])");
	r->md = pcre2_match_data_create(4, NULL);
	return r;
}

void redactor_free(struct redactor *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->map[i].value); /* and the alias after it */
	free(r->map);
	free(r->by_value);
	free(r->by_alias);
	free(r->longlens);
	for (int i = 0; i < MEMO_SLOTS; i++) {
		sb_free(&r->memo[i].text);
		sb_free(&r->memo[i].redacted);
	}
	for (int k = 0; k < PK_COUNT; k++)
		pcre2_code_free(r->re[k]);
	pcre2_code_free(r->field_host);
	pcre2_code_free(r->field_user);
	pcre2_match_data_free(r->md);
	free(r);
}

static unsigned pair_slot(const char *s)
{
	unsigned p = (unsigned char)s[0] << 8 | (unsigned char)s[1];
	return (p * 2654435761u) >> 20 & (PAIR_SLOTS - 1);
}

/* The entry whose alias is v, or -1. */
static int find_alias(const struct redactor *r, const char *v, size_t n)
{
	for (size_t h = hash_bytes(v, n);; h++) {
		int e = r->slots ? r->by_alias[h & (r->slots - 1)] - 1 : -1;
		if (e < 0 || equals_n(r->map[e].alias, v, n))
			return e;
	}
}

/* The entry for value v of kind k, or -1. */
static int find_value(const struct redactor *r, enum pseudo_kind k, const char *v, size_t n)
{
	for (size_t h = hash_bytes(v, n);; h++) {
		int e = r->slots ? r->by_value[h & (r->slots - 1)] - 1 : -1;
		if (e < 0 || (r->map[e].kind == k && r->map[e].vlen == n && memcmp(r->map[e].value, v, n) == 0))
			return e;
	}
}

static void put(int *table, size_t slots, size_t h, int e)
{
	while (table[h & (slots - 1)])
		h++;
	table[h & (slots - 1)] = e + 1;
}

/* Room for one more entry: the map and its per-entry arrays grow by half, the hash tables
 * double (and are filled again) before they are half full. */
static void make_room(struct redactor *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap + r->cap / 2 : 256;
		r->map = xrealloc(r->map, (size_t)r->cap * sizeof *r->map);
	}
	if (2 * ((size_t)r->n + 1) <= r->slots)
		return;
	free(r->by_value);
	free(r->by_alias);
	r->slots = r->slots ? 2 * r->slots : 1024;
	r->by_value = xcalloc(r->slots, sizeof *r->by_value);
	r->by_alias = xcalloc(r->slots, sizeof *r->by_alias);
	for (int e = 0; e < r->n; e++) {
		put(r->by_value, r->slots, hash_bytes(r->map[e].value, r->map[e].vlen), e);
		put(r->by_alias, r->slots, hash_bytes(r->map[e].alias, strlen(r->map[e].alias)), e);
	}
}

/* The pseudonym of the c-th address: TEST-NET-1 (RFC 5737), then the IPv6 documentation
 * prefix (RFC 3849), so that two addresses never share one. */
static void ip_alias(char *a, size_t size, int c)
{
	if (c <= 254)
		snprintf(a, size, "192.0.2.%d", c);
	else
		snprintf(a, size, "2001:db8::%x", (unsigned)c);
}

/* Make entry e's value findable inside texts (replace_learned): values of 2 bytes or more. */
static void index_start(struct redactor *r, const struct entry *e)
{
	if (e->vlen < 2)
		return;
	if (e->vlen < 64) {
		r->starts[pair_slot(e->value)] |= (uint64_t)1 << e->vlen;
		return;
	}
	r->starts[pair_slot(e->value)] |= 1;
	for (int i = 0; i < r->nlong; i++)
		if (r->longlens[i] == e->vlen)
			return;
	r->longlens = xrealloc(r->longlens, (size_t)(r->nlong + 1) * sizeof *r->longlens);
	r->longlens[r->nlong++] = e->vlen;
}

static const char *add_entry(struct redactor *r, enum pseudo_kind k, const char *v, size_t n, const char *a);

static const char *alias_for(struct redactor *r, enum pseudo_kind k, const char *v, size_t n)
{
	int e = find_alias(r, v, n); /* already a pseudonym: keep it */
	if (e < 0)
		e = find_value(r, k, v, n);
	if (e >= 0)
		return r->map[e].alias;
	int c = ++r->counter[k];
	char a[64];
	switch (k) {
	case PK_HOST: snprintf(a, sizeof a, "host-%d.example", c); break;
	case PK_IP: ip_alias(a, sizeof a, c); break;
	case PK_USER: snprintf(a, sizeof a, "user-%d", c); break;
	case PK_PATH: snprintf(a, sizeof a, "/path-%d", c); break;
	case PK_FP: snprintf(a, sizeof a, "SHA256:fingerprint-%d", c); break;
	default: snprintf(a, sizeof a, "email-%d@example.invalid", c); break;
	}
	return add_entry(r, k, v, n, a);
}

/* A value and the alias it is replaced by. */
static const char *add_entry(struct redactor *r, enum pseudo_kind k, const char *v, size_t n, const char *a)
{
	make_room(r);
	struct entry *en = &r->map[r->n];
	en->kind = k;
	en->vlen = n;
	/* the value, a NUL, then its alias: one allocation of their size per value */
	size_t an = strlen(a);
	en->value = xmalloc(n + 1 + an + 1);
	memcpy(en->value, v, n);
	en->value[n] = '\0';
	en->alias = memcpy(en->value + n + 1, a, an + 1);
	put(r->by_value, r->slots, hash_bytes(v, n), r->n);
	put(r->by_alias, r->slots, hash_bytes(en->alias, strlen(en->alias)), r->n);
	index_start(r, en);
	r->n++;
	return en->alias;
}

/* v with its bytes outside ASCII as OpenSSH logs them, backslash and three octal digits (the
 * form unvis_utf8 decodes); 0 if it has none or out is too small. */
static size_t vis_octal(const char *v, char *out, size_t outsz, const char *esc)
{
	size_t k = 0;
	bool any = false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (k + 6 > outsz)
			return 0;
		if (*p < 0x80) {
			out[k++] = (char)*p;
			continue;
		}
		k += (size_t)snprintf(out + k, outsz - k, "%s%03o", esc, *p);
		any = true;
	}
	out[k] = '\0';
	return any ? k : 0;
}

void redactor_learn(struct redactor *r, enum pseudo_kind k, const char *value)
{
	if (!r || !value || strlen(value) < 2 || strcmp(value, "root") == 0)
		return;
	const char *alias = alias_for(r, k, value, strlen(value));
	/* a value decoded from OpenSSH's octal escapes is in the log lines in that form too, and
	 * escaped twice in sshd's "[preauth]" lines */
	char esc[5 * 1024 + 1];
	for (int twice = 0; twice < 2; twice++) {
		size_t n = vis_octal(value, esc, sizeof esc, twice ? "\\\\" : "\\");
		if (n && find_value(r, k, esc, n) < 0 && find_alias(r, esc, n) < 0)
			add_entry(r, k, esc, n, alias);
	}
}

bool looks_like_password(const char *s, size_t n)
{
	/* every user name the engine captures passes here: the sign first, one look-up a byte */
	static const unsigned char is_sign[256] = {
		['!'] = 1, ['#'] = 1, ['%'] = 1, ['&'] = 1, ['*'] = 1, ['?'] = 1, ['^'] = 1, ['~'] = 1,
		['('] = 1, [')'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, ['<'] = 1, ['>'] = 1,
		[','] = 1, [';'] = 1, ['\''] = 1, ['"'] = 1, ['|'] = 1, ['`'] = 1, ['+'] = 1, ['='] = 1,
	};
	if (n < 6 || n > 128)
		return false;
	bool sign = false;
	for (size_t i = 0; i < n && !sign; i++)
		sign = is_sign[(unsigned char)s[i]];
	if (!sign)
		return false;
	bool letter = false, strong = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		letter |= isalpha(c) != 0;
		strong |= isdigit(c) || isupper(c);
	}
	return letter && strong;
}

/* sshd names a user it does not know ("Invalid user X from", "Failed password for invalid user
 * X", "Connection closed by invalid user X"): X is masked where it is a password. */
/* Found by the analysis (main thread), looked for by the reporters (writer thread): few, and
 * only there when a log held one, so a lock is cheap; the count is read without it first. */
#define SECRETS_MAX 64
static char *secrets[SECRETS_MAX];
static _Atomic int nsecrets;
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

static void add_secret_locked(const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	if (nul) /* kept as a C string: the part before a NUL byte */
		n = (size_t)(nul - s);
	if (n < SECRET_MIN) /* masked everywhere, a short one would eat words (an empty one: forever) */
		return;
	int k = atomic_load(&nsecrets);
	bool known = false;
	for (int i = 0; i < k && !known; i++)
		known = strlen(secrets[i]) == n && memcmp(secrets[i], s, n) == 0;
	if (!known && k < SECRETS_MAX) {
		secrets[k] = xstrndup(s, n);
		atomic_store(&nsecrets, k + 1);
	}
}

void redact_secret_add(const char *s, size_t n)
{
	pthread_mutex_lock(&secrets_lock);
	add_secret_locked(s, n);
	/* ssh lowercases the host name it was given: a password that stood there comes back so */
	char *lower = xstrndup(s, n);
	bool changed = false;
	for (size_t i = 0; i < n; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z') {
			lower[i] = (char)(lower[i] - 'A' + 'a');
			changed = true;
		}
	if (changed)
		add_secret_locked(lower, n);
	free(lower);
	pthread_mutex_unlock(&secrets_lock);
}

void redact_learn_secrets(const char *s, size_t n)
{
	if (!may_hold_secret(s, n))
		return;
	init_secrets();
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	if (!md)
		return;
	for (size_t i = 0; i < sizeof secret_res / sizeof secret_res[0]; i++) {
		PCRE2_SIZE start = 0;
		while (secret_code[i] && start < n && pcre2_match(secret_code[i], (PCRE2_SPTR)s, n, start, 0, md, NULL) >= 2) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			if (ov[2] != PCRE2_UNSET && ov[3] - ov[2] >= SECRET_MIN)
				redact_secret_add(s + ov[2], ov[3] - ov[2]);
			start = ov[1] > start ? ov[1] : start + 1;
		}
	}
	pcre2_match_data_free(md);
}

/* t with t[start, end) replaced by "********"; the offset just after the mask. */
static size_t mask_span(struct sbuf *t, size_t start, size_t end)
{
	struct sbuf o;
	sb_init(&o);
	sb_add(&o, t->s, start);
	sb_adds(&o, "********");
	size_t after = o.len;
	sb_add(&o, t->s + end, t->len - end);
	sb_free(t);
	*t = o;
	return after;
}

/* Every occurrence of a learned secret, leftmost and longest first, in one pass: each secret's
 * next occurrence is searched again only once the pass has gone past it, so a text with many
 * occurrences costs its length times the number of secrets, not its length squared. */
static void mask_found_secrets(struct sbuf *t)
{
	pthread_mutex_lock(&secrets_lock);
	int k = atomic_load(&nsecrets);
	size_t len[SECRETS_MAX];
	const char *next[SECRETS_MAX];
	for (int i = 0; i < k; i++) {
		len[i] = strlen(secrets[i]);
		next[i] = memmem(t->s, t->len, secrets[i], len[i]);
	}
	struct sbuf o;
	sb_init(&o);
	size_t copied = 0;
	for (;;) {
		int best = -1;
		for (int i = 0; i < k; i++) {
			if (next[i] && (size_t)(next[i] - t->s) < copied) /* overlapped by a masked one */
				next[i] = memmem(t->s + copied, t->len - copied, secrets[i], len[i]);
			if (next[i] && (best < 0 || next[i] < next[best] || (next[i] == next[best] && len[i] > len[best])))
				best = i;
		}
		if (best < 0)
			break;
		size_t at = (size_t)(next[best] - t->s);
		sb_add(&o, t->s + copied, at - copied);
		sb_adds(&o, "********");
		copied = at + len[best];
	}
	if (copied > 0) {
		sb_add(&o, t->s + copied, t->len - copied);
		sb_free(t);
		*t = o;
	} else {
		sb_free(&o);
	}
	pthread_mutex_unlock(&secrets_lock);
}

static bool has_invalid_user(const char *s, size_t n)
{
	/* every text shown passes here: memchr for the rare 'u', not memmem (glibc's is generic) */
	for (const char *p = s, *end = s + n; (p = memchr(p, 'u', (size_t)(end - p))) != NULL; p++) {
		if ((size_t)(end - p) >= 5 && memcmp(p, "user ", 5) == 0 && p - s >= 6 &&
		    (memcmp(p - 6, "valid ", 6) == 0 || memcmp(p - 6, "legal ", 6) == 0))
			return true;
	}
	return false;
}

static void mask_invalid_user(struct sbuf *t)
{
	static const char *const marks[] = { "valid user ", "legal user " };
	for (size_t m = 0; m < 2; m++)
		for (size_t from = 0; from < t->len;) {
			char *at = memmem(t->s + from, t->len - from, marks[m], 11);
			if (!at)
				break;
			size_t start = (size_t)(at - t->s) + 11, end = start;
			while (end < t->len && t->s[end] != ' ')
				end++;
			from = looks_like_password(t->s + start, end - start) ? mask_span(t, start, end) : end;
		}
}

/* Mask group 1 of every secret form. */
static void mask_secrets(struct sbuf *t)
{
	if (atomic_load(&nsecrets) > 0)
		mask_found_secrets(t);
	if (has_invalid_user(t->s, t->len))
		mask_invalid_user(t);
	if (!may_hold_secret(t->s, t->len))
		return;
	init_secrets();
	for (size_t i = 0; i < sizeof secret_res / sizeof secret_res[0]; i++) {
		PCRE2_SIZE start = 0;
		while (secret_code[i] && start < t->len &&
		       pcre2_match(secret_code[i], (PCRE2_SPTR)t->s, t->len, start, 0, secret_md, NULL) >= 2) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(secret_md);
			size_t next = mask_span(t, ov[2], ov[3]);
			start = next > ov[1] ? next : ov[1] + 1;
			if (start > t->len)
				break;
		}
	}
}

/* Is the value found at q part of a longer one? A user name must be a whole word, so that
 * "tuser" does not eat "tuser2"; another value must not cut a number, so that 10.0.0.2 does not
 * eat the start of 10.0.0.25 (which has a pseudonym of its own). Letters next to a host or an
 * address do not stop it: "from10.0.0.2" still loses the address. */
static bool inside_longer(const struct entry *en, const char *start, const char *q, const char *end)
{
	const char *v = en->value;
	size_t vn = en->vlen;
	if (en->kind == PK_USER)
		return (q > start && isalnum((unsigned char)q[-1])) || (q + vn < end && isalnum((unsigned char)q[vn]));
	/* a host name inside a longer one: "ftp.example.com" in "sftp.example.com" */
	if (en->kind == PK_HOST && isalpha((unsigned char)v[0]) &&
	    ((q > start && (isalnum((unsigned char)q[-1]) || q[-1] == '-' || q[-1] == '.')) ||
	     (q + vn < end && (isalnum((unsigned char)q[vn]) || q[vn] == '-'))))
		return true;
	return (q > start && is_digit(q[-1]) && is_digit(v[0])) ||
	       (q + vn < end && is_digit(q[vn]) && is_digit(v[vn - 1]));
}

/* A byte a path may hold, but for ':' (see path_byte). */
static bool plain_path_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != ':' && !strchr("\"'`<>()[]{},;=&|", c);
}

/* Can s[i] be part of a path? A ':' ends one (known_hosts:1), but for a drive's (C:\, C:/). */
static bool path_byte(const char *s, size_t i, size_t n)
{
	if (s[i] != ':')
		return plain_path_byte((unsigned char)s[i]);
	return i >= 1 && isalpha((unsigned char)s[i - 1]) && (i < 2 || !plain_path_byte((unsigned char)s[i - 2])) &&
	       i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == '/');
}

/* Does a path begin at s (n bytes)? "/…", "\…" (UNC), "~…", "C:\…", "C:/…", "%VAR%\…"; not a
 * URL's "//host/" (the host has its own pseudonym, the scheme tells what it is). */
static bool path_opener(const char *s, size_t n, size_t at)
{
	if (s[at] == '/')
		return !(at + 1 < n && s[at + 1] == '/' && at >= 1 && s[at - 1] == ':');
	if (s[at] == '\\' || s[at] == '~' || s[at] == '%')
		return true;
	return at + 2 < n && isalpha((unsigned char)s[at]) && s[at + 1] == ':' && (s[at + 2] == '\\' || s[at + 2] == '/');
}

/* Only separators in s[a, b)? */
static bool only_separators(const char *s, size_t a, size_t b)
{
	for (; a < b; a++)
		if (s[a] != '/' && s[a] != '\\' && s[a] != '~')
			return false;
	return true;
}

/* The token around s[from, to) if it is a path (from an opener to the first byte that cannot
 * be in one) that holds more than the value and separators ("/deploy/" may stay "/user-1/"):
 * then *from and *to become its bounds. */
static bool widen_to_path(const char *s, size_t n, size_t *from, size_t *to)
{
	size_t a = *from, b = *to;
	while (a > 0 && path_byte(s, a - 1, n))
		a--;
	while (b < n && path_byte(s, b, n))
		b++;
	if (!path_opener(s, n, a) || (only_separators(s, a, *from) && only_separators(s, *to, b)))
		return false;
	*from = a;
	*to = b;
	return true;
}

/* The first-learned entry whose value is the len bytes at s[i] and stands there on its own
 * (see inside_longer); -1 if none. */
static int value_at(const struct redactor *r, const char *s, size_t i, size_t n, size_t len)
{
	int best = -1;
	for (size_t h = hash_bytes(s + i, len);; h++) {
		int e = r->by_value[h & (r->slots - 1)] - 1;
		if (e < 0)
			return best;
		const struct entry *en = &r->map[e];
		if ((best < 0 || e < best) && en->vlen == len && memcmp(en->value, s + i, len) == 0 &&
		    !inside_longer(en, s, s + i, s + n))
			best = e;
	}
}

/* The first-learned of the longest values that stand at s[i] (not as part of a longer word or
 * number), looked up by the lengths that values starting with its two bytes have; -1 if none. */
static int longest_at(const struct redactor *r, const char *s, size_t i, size_t n)
{
	uint64_t lens = r->starts[pair_slot(s + i)];
	if (!lens)
		return -1;
	size_t room = n - i;
	int best = -1;
	for (int k = 0; k < r->nlong; k++) /* 64 bytes and more (rare): the longest wins */
		if ((lens & 1) && r->longlens[k] <= room && (best < 0 || r->longlens[k] > r->map[best].vlen)) {
			int e = value_at(r, s, i, n, r->longlens[k]);
			if (e >= 0)
				best = e;
		}
	if (best >= 0)
		return best;
	for (uint64_t m = lens & ~(uint64_t)1; m; m &= ~((uint64_t)1 << (63 - __builtin_clzll(m)))) {
		size_t len = (size_t)(63 - __builtin_clzll(m));
		if (len > room)
			continue;
		int e = value_at(r, s, i, n, len);
		if (e >= 0)
			return e;
	}
	return -1;
}

/* Replace every learned value, in one pass from the left: at each place the longest value that
 * stands there (a key file's path before the user name inside it), so nested values never
 * leave a part behind. A value inside a path ("C:\jobs\keys\deploy.ppk", "/opt/keys/taro/…")
 * takes the whole path with it: the rest of it would say whose it is; the path gets a
 * pseudonym of its own, the same wherever it is met. What was put in is not searched again.
 * The cost is about the text's length, whatever the number of values. */
static void replace_learned(struct redactor *r, struct sbuf *t)
{
	if (!r->n || t->len < 2)
		return;
	struct sbuf o;
	sb_init(&o);
	size_t i = 0, done = 0;
	bool changed = false;
	while (i + 2 <= t->len) {
		int e = longest_at(r, t->s, i, t->len);
		if (e < 0) {
			i++;
			continue;
		}
		size_t from = i, to = i + r->map[e].vlen;
		const char *a = r->map[e].alias;
		size_t pf = from, pt = to;
		/* (not a path that began before the last replacement's end: that one is cut) */
		if (r->map[e].kind != PK_PATH && widen_to_path(t->s, t->len, &pf, &pt) && pf >= done) {
			from = pf;
			to = pt;
			a = alias_for(r, PK_PATH, t->s + from, to - from);
		}
		sb_add(&o, t->s + done, from - done);
		sb_adds(&o, a);
		done = i = to;
		changed = true;
	}
	if (!changed) {
		sb_free(&o);
		return;
	}
	sb_add(&o, t->s + done, t->len - done);
	sb_free(t);
	*t = o;
}

static bool known(const struct redactor *r, enum pseudo_kind k, const char *v, size_t n)
{
	return find_value(r, k, v, n) >= 0;
}

/* A user name that needs no pseudonym of its own here: one learned (replaced later), or root,
 * which is never learned (it names nobody). */
static bool user_handled(const struct redactor *r, const char *s, size_t n)
{
	return known(r, PK_USER, s, n) || (n == 4 && memcmp(s, "root", 4) == 0);
}

static bool user_at_known_host(const struct redactor *r, const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at)
		return false;
	size_t hn = n - (size_t)(at + 1 - s);
	return user_handled(r, s, (size_t)(at - s)) || known(r, PK_HOST, at + 1, hn) || known(r, PK_IP, at + 1, hn);
}

/* A path the regex found from its middle ("/export/home/taro/…": from "/home/") or not to its
 * end (a learned key file "/home/taro/my keys/id": up to the space) is taken whole: what is
 * left of it would still be shown, and the path would not get its learned pseudonym. */
static void whole_path(const struct redactor *r, const struct sbuf *t, size_t *from, size_t *to)
{
	size_t a = *from;
	while (a > 0 && path_byte(t->s, a - 1, t->len))
		a--;
	if (a < *from && path_opener(t->s, t->len, a))
		*from = a;
	int e = *from + 2 <= t->len ? longest_at(r, t->s, *from, t->len) : -1;
	if (e >= 0 && r->map[e].kind == PK_PATH && *from + r->map[e].vlen > *to)
		*to = *from + r->map[e].vlen;
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
		PCRE2_SIZE from = ov[0], to = ov[1];
		enum pseudo_kind kind = k;
		if (k == PK_EMAIL && user_at_known_host(r, t->s + from, to - from)) {
			/* "user@host" of ssh: the learned user and host are replaced later; a host not
			 * learned (another session's, a jump host's) gets its pseudonym here */
			const char *at = memchr(t->s + from, '@', to - from);
			size_t un = (size_t)(at - (t->s + from)), hn = (size_t)(t->s + to - (at + 1));
			if (!user_handled(r, t->s + from, un)) { /* a user not learned, at a learned host: the user's pseudonym here */
				to = (PCRE2_SIZE)(at - t->s);
				kind = PK_USER;
			} else if (known(r, PK_HOST, at + 1, hn) || known(r, PK_IP, at + 1, hn)) {
				start = to;
				continue;
			} else {
				from = (PCRE2_SIZE)(at + 1 - t->s);
				kind = PK_HOST;
			}
		}
		if (k == PK_PATH)
			whole_path(r, t, &from, &to);
		else if ((k == PK_HOST || k == PK_IP) && widen_to_path(t->s, t->len, &from, &to))
			kind = PK_PATH; /* as replace_learned does when it meets the value again */
		const char *a = alias_for(r, kind, t->s + from, to - from);
		struct sbuf o;
		sb_init(&o);
		sb_add(&o, t->s, from);
		sb_adds(&o, a);
		size_t next = o.len;
		sb_add(&o, t->s + to, t->len - to);
		sb_free(t);
		*t = o;
		start = next;
	}
}

/* A byte each kind's regex cannot match without (a '.' or ':' for an address, an '@' for an
 * e-mail address, …): most texts lack it, and a memchr costs less than a regex's start. */
static const char *const needs_one_of[PK_COUNT] = {
	[PK_HOST] = ".", [PK_IP] = ".:,", [PK_USER] = "", [PK_PATH] = "/\\~",
	[PK_FP] = ":,", [PK_EMAIL] = "@", /* and for a bare base64 fingerprint, has_base64_run */
};

/* A run of 43 base64 characters: the least a bare fingerprint (or a key blob) has. */
static bool has_base64_run(const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '+' || c == '/') {
			if (++run >= 43)
				return true;
		} else {
			run = 0;
		}
	}
	return false;
}

static void replace_kind(struct redactor *r, struct sbuf *t, enum pseudo_kind k)
{
	const char *need = needs_one_of[k];
	bool may = !*need || (k == PK_FP && has_base64_run(t->s, t->len));
	for (; *need && !may; need++)
		may = memchr(t->s, *need, t->len) != NULL;
	if (may)
		replace_matches(r, t, k, r->re[k]);
}

/* The redacted form of a short text, kept while no value has been learned since: a session's
 * host, user and address are shown in many places, and five texts in six are repeats. */
static struct memo *memo_of(struct redactor *r, const char *text, size_t n, size_t *hash)
{
	if (n == 0 || n > MEMO_MAX)
		return NULL;
	*hash = hash_bytes(text, n);
	return &r->memo[*hash % MEMO_SLOTS];
}

static bool memo_holds(const struct redactor *r, const struct memo *m, size_t hash, const char *text, size_t n)
{
	return m->learned == r->n + 1 && m->hash == hash && m->text.len == n && memcmp(m->text.s, text, n) == 0;
}

void redact_text(struct redactor *r, struct sbuf *out, const char *text, size_t n)
{
	if (!r && !may_hold_secret(text, n) && !has_invalid_user(text, n) && atomic_load(&nsecrets) == 0) {
		/* the common case: nothing to hide */
		sb_add(out, text, n);
		return;
	}
	size_t hash = 0;
	struct memo *m = r ? memo_of(r, text, n, &hash) : NULL;
	if (m && memo_holds(r, m, hash, text, n)) {
		sb_add(out, m->redacted.s, m->redacted.len);
		return;
	}
	int learned = r ? r->n + 1 : 0; /* what the result depends on: the text and the values known */
	struct sbuf t;
	sb_init(&t);
	sb_add(&t, text, n);
	mask_secrets(&t);
	if (r) {
		replace_matches(r, &t, PK_HOST, r->field_host);
		if (memmem(t.s, t.len, "Local account: ", 15) || memmem(t.s, t.len, "with public key \"", 17) ||
		    memmem(t.s, t.len, "permissions for user: ", 22))
			replace_matches(r, &t, PK_USER, r->field_user);
		replace_kind(r, &t, PK_FP);
		replace_kind(r, &t, PK_EMAIL);
		replace_kind(r, &t, PK_PATH);
		replace_learned(r, &t);
		replace_kind(r, &t, PK_IP);
		replace_kind(r, &t, PK_HOST);
	}
	sb_add(out, t.s, t.len);
	if (m) {
		m->learned = learned;
		m->hash = hash;
		sb_clear(&m->text);
		sb_add(&m->text, text, n);
		struct sbuf old = m->redacted;
		m->redacted = t;
		t = old;
	}
	sb_free(&t);
}
