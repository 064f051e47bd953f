#define _GNU_SOURCE /* memmem */
/* analyze.c — drives one input through the pipeline.
 *
 * The first lines (a bounded window) are held back until the format is known, then replayed;
 * everything after streams. WinSCP lines are held one line back, because a line with no mark
 * continues the line before it (forum wrapping, lost CRs) and must be matched as one. */
#include "analyze.h"
#include "redact.h"
#include "tokenize.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_LINES 200
#define WINDOW_BYTES (256 * 1024)
#define JOIN_MAX (8 * 1024)

struct pending {
	bool live;
	struct event ev;
	struct sbuf raw;         /* the first physical line, as read */
	struct sbuf body;        /* its body, with continuation lines joined */
};

/* Bare sshd lines that name no connection, kept until a line that names one: sshd writes a
 * connection's details first and the line naming its peer after ("Authentication refused: bad
 * ownership …", then "Connection closed by authenticating user U A port P"), so that is where
 * they belong; unless that line begins a connection ("Connection from …"): then they end the
 * one before ("User child is on pid N"), all but a last run of "prelude" lines, which sshd
 * logs for the connection that begins (9.x re-executes for each one and loads its host keys
 * before it names the peer). An unnamed line that begins a session is not held: it is a
 * session of its own; nor is a line of a login's child (a chroot that fails), which follows
 * its login. Bounded: past the bounds they go where the last line went, as they
 * would with no holding. */
#define HELD_LINES 64
#define CHANNEL_MAX 320 /* a peer's name: a host name of 255 bytes and " port 65535" */
#define HELD_BYTES (64 * 1024)

struct held {
	struct event ev[HELD_LINES]; /* raw and body are offsets into text until released */
	size_t n;
	struct sbuf text;
};

struct run {
	struct analyzer *a;
	unsigned input;
	enum format fmt;
	enum family textfam;
	struct pending pend;
	struct held held;
	int ps_after;            /* lines since a PowerShell-prefixed one, while its block may come */
	bool ps_block;           /* inside that block */
	bool ps_command_seen;    /* past the block's first line (the command as typed) */
	bool proxy_asks;         /* PuTTY's SSH proxy is asking its questions (putty_interactor) */
	size_t indent;           /* the indent four in five of the window's lines have (a code block) */
	size_t indent_all;       /* the one all of them have */
	bool rtrim;              /* four in five end in blanks (a console's copy): they are cut */
	struct sbuf wrap;        /* a line a terminal cut at its width, waiting for the rest */
	struct sbuf command;     /* PowerShell's echo of the command, as a prompt's line */
	uint64_t wrap_no;        /* its line number */
	size_t wrap_cols;        /* the width it was cut at; 0: none held */
	size_t wrap_first;       /* the length of its first part, the line the evidence quotes */
};

/* A copy of the name of the session the last line went to: that session may end, and free
 * its name, while lines are fed to it. */
static const char *last_channel(const struct run *r, char *buf, size_t size, size_t *len)
{
	const char *ch = tracker_last_channel(r->a->tr, r->input);
	if (!ch)
		return NULL;
	*len = strnlen(ch, size - 1);
	memcpy(buf, ch, *len);
	return buf;
}

/* Feed held lines [from, to) to the connection named ch[0..chlen) (NULL: where the last line
 * went). */
static void feed_held(struct run *r, size_t from, size_t to, const char *ch, size_t chlen)
{
	struct held *h = &r->held;
	char own[CHANNEL_MAX];
	if (!ch) /* a named one lies in the current line, which outlives this */
		ch = last_channel(r, own, sizeof own, &chlen);
	for (size_t i = from; i < to; i++) {
		struct event *ev = &h->ev[i];
		ev->raw = h->text.s + (size_t)(uintptr_t)ev->raw;
		ev->body = h->text.s + (size_t)(uintptr_t)ev->body;
		ev->channel = ch;
		ev->chlen = ch ? chlen : 0;
		engine_feed(r->a->e, r->a->tr, ev);
	}
}

static void release_held(struct run *r, const char *ch, size_t chlen)
{
	feed_held(r, 0, r->held.n, ch, chlen);
	r->held.n = 0;
	sb_clear(&r->held.text);
}

/* A line that begins the connection it names: the held lines end the one before, but for a
 * last run of prelude lines, which go to the one that begins (fed first, in line order: the
 * session they open is the one the beginning line joins). */
static void release_held_at_start(struct run *r, const struct event *start)
{
	struct held *h = &r->held;
	size_t k = h->n;
	while (k > 0) {
		struct event probe = h->ev[k - 1];
		probe.raw = h->text.s + (size_t)(uintptr_t)probe.raw;
		probe.body = h->text.s + (size_t)(uintptr_t)probe.body;
		if (!engine_is_prelude(r->a->e, &probe))
			break;
		k--;
	}
	feed_held(r, 0, k, NULL, 0);
	feed_held(r, k, h->n, start->channel, start->chlen);
	h->n = 0;
	sb_clear(&h->text);
}

static bool hold_unnamed(struct run *r, const struct event *ev)
{
	struct held *h = &r->held;
	/* bare lines are tokenized in place: the body lies within the line, which may go on past
	 * what the evidence shows (a line a console cut, read joined with its rest) */
	size_t at = (size_t)(ev->body - ev->raw), span = at + ev->bodylen > ev->rawlen ? at + ev->bodylen : ev->rawlen;
	if (h->n == HELD_LINES || h->text.len + span > HELD_BYTES) {
		release_held(r, NULL, 0);
		if (span > HELD_BYTES)
			return false;
	}
	struct event *c = &h->ev[h->n++];
	*c = *ev;
	c->body = (const char *)(uintptr_t)(h->text.len + at);
	c->raw = (const char *)(uintptr_t)h->text.len;
	sb_add(&h->text, ev->raw, span);
	return true;
}

/* A line of a login's own process (a chroot that fails) comes after its login, not before a
 * line that names a connection: not held, it joins the one login near it, else where the
 * last line went. Held lines that came since that login's last line are its process's too
 * ("User child is on pid N") and go first; else they wait on, details of a connection named
 * later. */
static void feed_child(struct run *r, struct event *ev, char *own, size_t size)
{
	const char *login = tracker_recent_login(r->a->tr, r->input, ev->line);
	bool held_are_its = !login || login == tracker_last_channel(r->a->tr, r->input);
	/* copied first: feeding the held lines may close sessions and free their names */
	if (login) {
		ev->chlen = strnlen(login, size - 1);
		memcpy(own, login, ev->chlen);
		ev->channel = own;
	}
	if (held_are_its)
		release_held(r, NULL, 0);
	if (!login)
		ev->channel = last_channel(r, own, size, &ev->chlen);
	engine_feed(r->a->e, r->a->tr, ev);
}

static void feed(struct run *r, struct event *ev)
{
	if (ev->fam == FAM_PUTTY)
		putty_interactor(ev, &r->proxy_asks);
	if (ev->bare && ev->noise) { /* an event list's headings: no connection's, they hold nothing up */
		engine_feed(r->a->e, r->a->tr, ev);
		return;
	}
	if (ev->bare && !ev->channel) {
		/* a line that begins a session of its own ("… logging rate-limited: additional N
		 * connections dropped") is no connection's: the held lines end the one before it */
		bool starts = engine_starts_session(r->a->e, ev);
		char own[CHANNEL_MAX];
		if (!starts && engine_is_child(r->a->e, ev)) {
			feed_child(r, ev, own, sizeof own);
			return;
		}
		if (!starts && hold_unnamed(r, ev))
			return;
		release_held(r, NULL, 0);
		if (!starts)
			ev->channel = last_channel(r, own, sizeof own, &ev->chlen);
		engine_feed(r->a->e, r->a->tr, ev);
		return;
	} else if (r->held.n) {
		bool starts = ev->bare && ev->channel && engine_starts_session(r->a->e, ev);
		if (starts)
			release_held_at_start(r, ev);
		else if (ev->bare && ev->channel)
			release_held(r, ev->channel, ev->chlen);
		else
			release_held(r, NULL, 0);
	}
	engine_feed(r->a->e, r->a->tr, ev);
}

static void flush_pending(struct run *r)
{
	if (!r->pend.live)
		return;
	r->pend.ev.raw = r->pend.raw.s;
	r->pend.ev.body = r->pend.body.s;
	r->pend.ev.bodylen = r->pend.body.len;
	feed(r, &r->pend.ev);
	r->pend.live = false;
}

/* Keep a WinSCP event back: its text is copied, since the reader's buffer moves on. */
static void hold(struct run *r, const struct event *ev)
{
	struct pending *p = &r->pend;
	p->ev = *ev;
	sb_clear(&p->raw);
	sb_add(&p->raw, ev->raw, ev->rawlen);
	sb_clear(&p->body);
	sb_add(&p->body, ev->body, ev->bodylen);
	if (ev->channel) /* the channel name lies inside raw: re-point it into the copy */
		p->ev.channel = p->raw.s + (ev->channel - ev->raw);
	if (ev->ts)
		p->ev.ts = p->raw.s + (ev->ts - ev->raw);
	p->live = true;
}

static void join_continuation(struct run *r, const char *s, size_t n)
{
	struct pending *p = &r->pend;
	if (p->body.len + n + 1 > JOIN_MAX)
		return;
	sb_addc(&p->body, ' ');
	sb_add(&p->body, s, n);
}

static void tokenize_text(struct run *r, const char *s, size_t n, struct event *ev)
{
	switch (r->textfam) {
	case FAM_PUTTY:
		tok_putty(s, n, ev);
		break;
	case FAM_SSHD:
		tok_sshd_bare(s, n, ev);
		break;
	case FAM_WINSCP: /* .NET exception text and other unmarked WinSCP prose */
		ev->fam = FAM_WINSCP;
		ev->famask = FAMBIT(FAM_WINSCP);
		ev->mark = MARK_PLAIN;
		ev->body = s;
		ev->bodylen = n;
		break;
	case FAM_OPENSSH:
		tok_openssh(s, n, ev);
		break;
	default: /* unknown: a bare error line may be any client's, WinSCP's dialog text included */
		tok_openssh(s, n, ev);
		ev->famask = FAMBIT(FAM_OPENSSH) | FAMBIT(FAM_PUTTY) | FAMBIT(FAM_WINSCP);
		break;
	}
}

/* Where a second WinSCP record starts inside a record's body b[0..n) ("… text. 2024-01-01
 * 10:00:00.000 …", as when a paste lost a line break): the index of its mark, or n. */
static size_t glued_record(const char *b, size_t n)
{
	/* found by the date's first dash, 5 bytes after the space: rarer than spaces in prose */
	for (const char *p = b + 7; p < b + n;) {
		const char *dash = memchr(p, '-', (size_t)(b + n - p));
		if (!dash)
			break;
		size_t i = (size_t)(dash - b) - 5;
		if (i + 24 > n)
			break;
		char m = b[i - 1];
		if (b[i] == ' ' && (m == '.' || m == '<' || m == '>' || m == '!' || m == '*') &&
		    winscp_shape(b + i - 1, n - i + 1))
			return i - 1;
		p = dash + 1;
	}
	return n;
}

/* One WinSCP record (tokenized into ev) inside the physical line raw[0..rawn). */
static void process_winscp(struct run *r, const char *raw, size_t rawn, uint64_t lineno, struct event *ev)
{
	flush_pending(r);
	ev->raw = raw;
	ev->rawlen = rawn;
	if (ev->noise) {
		feed(r, ev);
		return;
	}
	size_t cut = glued_record(ev->body, ev->bodylen);
	if (cut < ev->bodylen) {
		/* two records on one physical line: both keep its number and its full text */
		const char *next_rec = ev->body + cut;
		size_t next_len = ev->bodylen - cut;
		ev->bodylen = cut;
		hold(r, ev);
		flush_pending(r);
		struct event next = { .input = r->input, .line = lineno };
		if (tok_winscp(next_rec, next_len, &next))
			process_winscp(r, raw, rawn, lineno, &next);
		return;
	}
	hold(r, ev);
}

/* A line that can only begin another family's log: a paste or a concatenation that holds ssh
 * runs after a WinSCP log, or plink runs after ssh ones. */
static enum family family_switch(const char *s, size_t n)
{
	if (n < 10)
		return FAM_NONE;
	switch (s[0]) {
	case 'O':
		if (starts_with(s, n, "OpenSSH_") && (memmem(s, n, ", OpenSSL", 9) || memmem(s, n, ", LibreSSL", 10)))
			return FAM_OPENSSH;
		break;
	case 'd':
		if (starts_with(s, n, "debug1: OpenSSH_") || starts_with(s, n, "debug1: Reading configuration data"))
			return FAM_OPENSSH;
		break;
	case 'L':
		if (starts_with(s, n, "Looking up host \""))
			return FAM_PUTTY;
		break;
	case '=':
		if (starts_with(s, n, "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log "))
			return FAM_PUTTY;
		break;
	}
	return FAM_NONE;
}

/* Windows PowerShell 5.1 writes a run's first stderr line as "ssh : …", and the error record's
 * position block after it (tok_powershell.c). Given the line's prefix length k (0: none),
 * returns the length to take off the line, -1 for a line of the block (up to the blank line
 * that ends it): those are PowerShell's, not the client's, and no rule sees them; or
 * PS_COMMAND for the block's first "+ " line, the command as typed (powershell_command). */
#define PS_WAIT 4 /* lines after the prefixed one (wrapped at the console's width) */
#define PS_COMMAND (-2)
static long powershell_wrapping(struct run *r, const char *s, size_t n, size_t k)
{
	if (r->ps_block) {
		if (powershell_block_line(s, n)) {
			bool first = !r->ps_command_seen;
			r->ps_command_seen = true;
			if (n > 2 && s[0] == '+' && s[1] == ' ') { /* the command as typed: "-pw X" teaches X */
				redact_learn_secrets(s, n);
				if (first)
					return PS_COMMAND;
			}
			return -1;
		}
		r->ps_block = false;
		if (n == 0 || (n == 1 && s[0] == ' '))
			return -1;
	} else if (r->ps_after && powershell_position(s, n)) {
		r->ps_block = true;
		r->ps_command_seen = false;
		r->ps_after = 0;
		return -1;
	}
	if (k)
		r->ps_after = 1;
	else if (r->ps_after && ++r->ps_after > PS_WAIT)
		r->ps_after = 0;
	return (long)k;
}

/* Copied rather than zeroed in place: GCC clears a struct this size with rep stos, which is slow
 * to start and ran on every line. */
static const struct event blank_event;

static void new_event(struct event *ev, const struct run *r, const char *s, size_t n, uint64_t lineno)
{
	*ev = blank_event;
	ev->input = r->input;
	ev->line = lineno;
	ev->raw = s;
	ev->rawlen = n;
}

static bool syslog_line(const char *s, size_t n, struct event *ev)
{
	return n > 15 && (s[3] == ' ' || s[4] == '-' || s[0] == '<' || s[0] == '{' || is_digit(s[0])) && tok_sshd(s, n, ev);
}

/* A syslog or journal line, as it is or as a collector passed it on (st: the collector's stamp;
 * after one, the word before a ':' is no syslog tag: "…Z error: …"). On false, ev is as new. */
static bool syslog_event(const struct run *r, const char *s, size_t n, size_t st, uint64_t lineno,
			 struct event *ev)
{
	if (syslog_line(s, n, ev) && !(st && ev->noise))
		return true;
	new_event(ev, r, s, n, lineno);
	return st && syslog_line(s + st, n - st, ev);
}

/* What the paste put around the line s[0..*n): the input's common indent, the padding of
 * a console's copy (*n shortened), a quote's or VS Code's prefix; the length before it. */
static size_t paste_framing(const struct run *r, const char *s, size_t *n)
{
	size_t k = 0;
	while (k < r->indent && k < *n && s[k] == ' ')
		k++;
	if (r->rtrim)
		while (*n > k && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
			(*n)--;
	return k + quote_prefix(s + k, *n - k);
}

static void process_line(struct run *r, const char *line, size_t linelen, uint64_t lineno, size_t shown);

/* The position block's "+ ssh -i key user@host 2> log.txt": the command the run's first line
 * came from, read as a command line of the run (the user, host, port and key it names are the
 * session's until its own lines say otherwise), without the "+ ", its indent and the
 * redirection or pipe that follows it, and after a prompt ("PS> "), where it was typed: the
 * command-line rules then take a remote command after the destination, as they do there. */
static void powershell_command(struct run *r, const char *s, size_t n, struct event *ev)
{
	size_t i = 2;
	while (i < n && s[i] == ' ')
		i++;
	size_t end = i;
	char quote = 0;
	for (; end < n; end++) {
		char c = s[end];
		if (quote) {
			quote = c == quote ? 0 : quote;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == ' ' && end + 1 < n &&
			   (s[end + 1] == '>' || s[end + 1] == '|' ||
			    ((s[end + 1] == '2' || s[end + 1] == '*') && end + 2 < n && s[end + 2] == '>'))) {
			break;
		}
	}
	sb_clear(&r->command);
	sb_adds(&r->command, "PS> ");
	sb_add(&r->command, s + i, end - i);
	tokenize_text(r, r->command.s, r->command.len, ev);
	ev->echoed = true;
	ev->is_error = false;
}

/* ---- lines a terminal cut at its width ----
 * A console's copy breaks a long line where the window ends: "Permissions 0644 for '…' are t"
 * then "oo open." at 80 columns (cmd.exe, Git Bash, most terminals' default) or 120 (Windows'
 * console since Windows 10). A line exactly that wide whose next line goes on in lower case
 * is joined with it before it is read; the evidence names the first line. */

/* A code point's columns in a terminal: 2 for the wide East Asian ranges. */
static size_t cp_columns(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
			       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
			       (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD)
		       ? 2
		       : 1;
}

/* The columns s[0..n) takes, if 80 or 120; else 0. high: it may hold a byte >= 0x80 (if not,
 * its length is its width, and most lines are known to be ASCII: nothing is scanned). */
static size_t cut_width(const char *s, size_t n, bool high)
{
	if (!high)
		return n == 80 || n == 120 ? n : 0;
	if (n < 80 || n > 480)
		return 0;
	size_t cols = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			cols++;
			continue;
		}
		size_t k = p[i] >= 0xF0 ? 3 : p[i] >= 0xE0 ? 2 : p[i] >= 0xC0 ? 1 : 0;
		unsigned cp = p[i] & (0x3F >> k);
		for (size_t j = 0; j < k && i + 1 < n && (p[i + 1] & 0xC0) == 0x80; j++)
			cp = cp << 6 | (p[++i] & 0x3F);
		cols += cp_columns(cp);
	}
	return cols == 80 || cols == 120 ? cols : 0;
}

/* Can a cut line's rest begin with c: a word's letters or digits, or what closes a quoted path
 * or name ("_deploy' are too open.", "loy\": bad permissions")? */
static bool goes_on(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '\'' || c == '"' || c == ')' ||
	       c == ']' || c == ',' || c == ';' || c == '.';
}

/* Does s[0..n) read as the rest of the cut line c[0..cn): a word going on (or, where the cut
 * fell on a space, one space and a lower-case word), and not a line of its own ("debug1:",
 * "/etc/ssh/ssh_config: …", "channel 0: …", a prompt "sftp> ", a collector's "sftp-1  | ", a
 * WinSCP record ". 2024-…", or a line that begins as the cut one does)? */
static bool continues_cut(const char *c, size_t cn, const char *s, size_t n)
{
	/* a cut falls inside a word or a path, or after a space; a line that ends otherwise ("…
	 * options for *", "…known hosts.") or is ssh's debug output is a whole line of that width */
	unsigned char e = cn ? (unsigned char)c[cn - 1] : 0;
	if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') || e == '_' || e == '-' ||
	      e == '/' || e == '\\' || e == ' ') ||
	    starts_with(c, cn, "debug"))
		return false;
	size_t i = n > 1 && s[0] == ' ' ? 1 : 0;
	if (i >= n || !goes_on((unsigned char)s[i]) || (i && !(s[1] >= 'a' && s[1] <= 'z')) ||
	    (s[i] == '.' && i + 1 < n && s[i + 1] == ' ') || starts_with(s + i, n - i, "debug") ||
	    starts_with(s + i, n - i, "channel ") || collector_stamp(s, n) || (n >= 4 && memcmp(c, s, 4) == 0) ||
	    (cn > 0 && c[0] == ' ' && s[0] == ' '))
		return false;
	size_t w = i;
	bool quoted = false, named = false; /* a quote in the word; a '_' or '/' (a function, a path) */
	for (; w < n && s[w] != ' '; w++) {
		quoted |= s[w] == '\'' || s[w] == '"';
		named |= s[w] == '_' || s[w] == '/';
	}
	char last = s[w - 1];
	if (last == '>' || last == '$' || last == '#')
		return false;
	if (last != ':' || quoted)
		return true;
	/* "word:" begins most messages ("ssh: …", "client_loop: …"); it goes on a cut word only
	 * after a letter or digit ("Their o" / "ffer: aes128-ctr"), and is no program's name */
	static const char *const programs[] = { "ssh:", "scp:", "sftp:", "plink:", "psftp:", "pscp:", "bash:", "sh:",
						"zsh:", "rsync:", "error:", "fatal:", "warning:", "hint:", "remote:", "git:" };
	if (named || !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
		return false;
	for (size_t k = 0; k < sizeof programs / sizeof programs[0]; k++)
		if (w - i == strlen(programs[k]) && memcmp(s + i, programs[k], w - i) == 0)
			return false;
	return true;
}

static void flush_cut(struct run *r)
{
	if (!r->wrap_cols)
		return;
	r->wrap_cols = 0;
	process_line(r, r->wrap.s, r->wrap.len, r->wrap_no, r->wrap_first);
}

/* process_line, for lines read in their order: a line cut at the terminal's width waits for the
 * next one. WinSCP's records are never cut (its own log file). */
static void take_line(struct run *r, const char *line, size_t n, uint64_t no, bool high)
{
	if (r->wrap_cols) {
		if (continues_cut(r->wrap.s, r->wrap.len, line, n) && r->wrap.len + n <= JOIN_MAX) {
			sb_add(&r->wrap, line, n);
			if (cut_width(line, n, high) != r->wrap_cols) /* cut again: wait for the next part */
				flush_cut(r);
			return;
		}
		flush_cut(r);
	}
	size_t cols = r->fmt != FMT_WINSCP && r->fmt != FMT_WINSCP_XML ? cut_width(line, n, high) : 0;
	if (cols) {
		sb_clear(&r->wrap);
		sb_add(&r->wrap, line, n);
		r->wrap_no = no;
		r->wrap_first = n;
		r->wrap_cols = cols;
		return;
	}
	process_line(r, line, n, no, n);
}

/* shown: how much of line the evidence quotes (a cut line's first part: the line as given) */
static void process_line(struct run *r, const char *line, size_t linelen, uint64_t lineno, size_t shown)
{
	struct event ev;
	new_event(&ev, r, line, linelen, lineno);
	if (r->fmt == FMT_WINSCP_XML) {
		tok_winscp_xml(line, linelen, &ev);
		feed(r, &ev);
		return;
	}
	/* tokenized without the framing; the evidence keeps the whole line */
	size_t n = linelen;
	const char *s = line + paste_framing(r, line, &n);
	n -= (size_t)(s - line);
	if (tok_winscp(s, n, &ev)) {
		process_winscp(r, line, linelen, lineno, &ev);
		return;
	}
	/* a log collector's time stamp (docker logs -t, CI job logs): the program's line follows;
	 * the evidence keeps the whole line */
	size_t st = collector_stamp(s, n);
	const char *t = s + st;
	size_t tn = n - st;
	size_t pk = powershell_prefix(t, tn); /* "ssh : OpenSSH_…" switches as "OpenSSH_…" does */
	enum family sw = r->textfam != FAM_SSHD ? family_switch(t + pk, tn - pk) : FAM_NONE;
	if (sw != FAM_NONE)
		r->textfam = sw;
	if (r->pend.live) {
		if (sw == FAM_NONE && !is_blank(s, n) && !starts_with(s, n, "Event Log: ") && !starts_with(s, n, "debug")) {
			join_continuation(r, s, n);
			return;
		}
		flush_pending(r);
	}
	if (starts_with(t, tn, "Event Log: ") || putty_window_stamp(t, tn)) {
		tok_putty(t, tn, &ev);
	} else if (syslog_event(r, s, n, st, lineno, &ev)) {
		/* syslog / journal line */
	} else {
		if (r->textfam == FAM_WINSCP && starts_with(t, tn, "debug") && tn > 7 && t[6] == ':') {
			tok_openssh(t, tn, &ev); /* ssh -v output pasted into a WinSCP ticket */
		} else {
			long k = powershell_wrapping(r, t, tn, pk);
			if (k == PS_COMMAND) {
				powershell_command(r, t, tn, &ev);
			} else {
				if (k < 0)
					return;
				tokenize_text(r, t + k, tn - (size_t)k, &ev);
			}
		}
	}
	ev.raw = line;
	ev.rawlen = shown;
	feed(r, &ev);
}

/* input_next(), ending at a->line_limit: a log that grew since the first reading is read
 * again only as far as that reading went. */
static int next_line(const struct analyzer *a, struct input *in, struct line *ln)
{
	int rc = input_next(in, ln);
	return rc > 0 && a->line_limit && ln->no > a->line_limit ? 0 : rc;
}

struct window {
	struct sbuf text;
	size_t *off, *len;
	uint64_t *no;
	size_t n, cap;
};

static void window_add(struct window *w, const struct line *ln)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : WINDOW_LINES;
		w->off = xrealloc(w->off, w->cap * sizeof *w->off);
		w->len = xrealloc(w->len, w->cap * sizeof *w->len);
		w->no = xrealloc(w->no, w->cap * sizeof *w->no);
	}
	w->off[w->n] = w->text.len;
	w->len[w->n] = ln->len;
	w->no[w->n++] = ln->no;
	sb_add(&w->text, ln->s, ln->len);
}

static int by_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* How the window's lines were pasted: four in five or more indented by at least k spaces (a
 * Markdown code block, a CI step's output under its title), or padded with blanks to a
 * console's width (Windows' console copies so). Both are taken off every line of the input
 * (paste_framing); a line indented less loses what it has. A PuTTY log file's own packet
 * rows are indented: there only the indent all lines share is the paste's. */
static void frame_window(struct run *r, const struct window *w)
{
	size_t indents[WINDOW_LINES], lines = 0, padded = 0;
	for (size_t i = 0; i < w->n && lines < WINDOW_LINES; i++) {
		const char *s = w->text.s + w->off[i];
		size_t n = w->len[i], k = 0;
		if (is_blank(s, n))
			continue;
		while (k < n && s[k] == ' ')
			k++;
		indents[lines++] = k;
		if (s[n - 1] == ' ' || s[n - 1] == '\t')
			padded++;
	}
	qsort(indents, lines, sizeof *indents, by_size);
	r->indent = lines ? indents[lines / 5] : 0;
	r->indent_all = lines ? indents[0] : 0;
	r->rtrim = lines && padded * 5 >= lines * 4;
}

/* Event lists run newest first (Event Viewer, Get-WinEvent), as does `journalctl -r`, and a
 * connection's lines then from its end to its beginning. The window votes: each connection's
 * first two lines (the kinds of its lines go beginning < middle < end in time), and two lines
 * of one day whose times differ, one after the other. */
enum conn_part { PART_BEGIN, PART_MIDDLE, PART_END };

static enum conn_part conn_part(const char *b, size_t n)
{
	if (starts_with(b, n, "Connection from "))
		return PART_BEGIN;
	if (starts_with(b, n, "Connection closed by ") || starts_with(b, n, "Connection reset by ") ||
	    starts_with(b, n, "Disconnected from ") || starts_with(b, n, "Received disconnect from ") ||
	    starts_with(b, n, "Disconnecting "))
		return PART_END;
	return PART_MIDDLE;
}

#define VOTERS 32

struct voters {
	struct { char name[CHANNEL_MAX]; size_t len; enum conn_part first; bool voted; } seen[VOTERS];
	size_t nseen;
	const char *day;
	size_t daylen;
	long then;
	long votes;              /* > 0: newest first */
};

static void vote_time(struct voters *v, const char *date, size_t datelen, long secs)
{
	if (v->day && v->daylen == datelen && memcmp(v->day, date, datelen) == 0 && secs != v->then)
		v->votes += secs < v->then ? 1 : -1;
	v->day = date;
	v->daylen = datelen;
	v->then = secs;
}

/* middle: do lines between a connection's beginning and end vote? Not under a PID: sshd's
 * process logs its host keys before it names the peer, and PAM's words after the end. */
static void vote_connection(struct voters *v, const struct event *ev, bool middle)
{
	if (!ev->channel || ev->chlen >= CHANNEL_MAX || ev->noise || ev->fam != FAM_SSHD)
		return;
	enum conn_part part = conn_part(ev->body, ev->bodylen);
	if (part == PART_MIDDLE && !middle)
		return;
	size_t k = 0;
	while (k < v->nseen && !(v->seen[k].len == ev->chlen && memcmp(v->seen[k].name, ev->channel, ev->chlen) == 0))
		k++;
	if (k == v->nseen) {
		if (v->nseen < VOTERS) {
			memcpy(v->seen[k].name, ev->channel, ev->chlen);
			v->seen[k].len = ev->chlen;
			v->seen[k].first = part;
			v->seen[v->nseen++].voted = false;
		}
	} else if (!v->seen[k].voted && part != v->seen[k].first) {
		v->votes += part < v->seen[k].first ? 1 : -1;
		v->seen[k].voted = true;
	}
}

/* Only an event list (bare lines) or a syslog can run newest first; other logs are a
 * program's own output, written as it ran. */
static bool newest_first(const struct run *r, const struct window *w, enum format fmt)
{
	if (fmt != FMT_SSHD && fmt != FMT_SSHD_SYSLOG)
		return false;
	struct voters v = { .nseen = 0 };
	for (size_t i = 0; i < w->n; i++) {
		const char *s = w->text.s + w->off[i], *date;
		size_t n = w->len[i], datelen, f = paste_framing(r, s, &n);
		long secs;
		s += f;
		n -= f;
		struct event ev = { 0 };
		if (fmt == FMT_SSHD) {
			if (winevent_time(s, n, &date, &datelen, &secs))
				vote_time(&v, date, datelen, secs);
			tok_sshd_bare(s, n, &ev);
			if (ev.win32)
				vote_connection(&v, &ev, true);
		} else if (tok_sshd(s, n, &ev)) {
			if (syslog_time(s, n, &date, &datelen, &secs))
				vote_time(&v, date, datelen, secs);
			vote_connection(&v, &ev, false);
		}
	}
	return v.votes > 0;
}

/* The rest of a newest-first list, to be read from its last line up: bounded, since it is
 * held whole. Returns true if lines remain past the bounds (they are then read as written). */
#define REVERSE_LINES (64 * 1024)
#define REVERSE_BYTES (4u << 20)

static bool read_rest(const struct analyzer *a, struct input *in, struct window *w, int *rc)
{
	struct line ln;
	while ((*rc = next_line(a, in, &ln)) > 0) {
		window_add(w, &ln);
		if (w->n == REVERSE_LINES || w->text.len >= REVERSE_BYTES)
			return true;
	}
	return false;
}

int analyze_input(struct analyzer *a, const char *path, struct input_info *info,
		  void (*on_format)(const struct input_info *, void *), void *arg)
{
	struct input in;
	if (!info->name) /* main.c names a spooled input as the user gave it */
		info->name = xstrdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	if (input_open(&in, path, info->name) < 0) {
		info->error = xstrdup(in.err);
		info->encoding = "unknown";
		info->gzip = in.gz;
		input_close(&in);
		return -1;
	}
	struct run r = { .a = a, .input = info->index };
	sb_init(&r.pend.raw);
	sb_init(&r.pend.body);
	sb_init(&r.held.text);
	sb_init(&r.wrap);
	sb_init(&r.command);
	struct window w = { 0 };
	sb_init(&w.text);
	struct detector d = { 0 };
	struct line ln;
	int rc;
	bool more = false;
	while ((rc = next_line(a, &in, &ln)) > 0) {
		window_add(&w, &ln);
		if (w.n == WINDOW_LINES || w.text.len >= WINDOW_BYTES) {
			more = true;
			break;
		}
	}
	frame_window(&r, &w);
	for (size_t i = 0; i < w.n; i++) {
		const char *s = w.text.s + w.off[i];
		size_t n = w.len[i], f = paste_framing(&r, s, &n);
		size_t k = powershell_prefix(s + f, n - f);
		detect_line(&d, s + f + k, n - f - k);
	}
	r.fmt = a->forced_format >= 0 ? (enum format)a->forced_format : detect_decide(&d);
	r.textfam = format_text_family(r.fmt);
	if (r.fmt == FMT_PUTTY_LOG) /* most of its lines are packet rows, indented by PuTTY */
		r.indent = r.indent_all;
	info->format = r.fmt;
	info->order = ORDER_AS_WRITTEN;
	if (newest_first(&r, &w, r.fmt)) {
		more = more && rc > 0 && read_rest(a, &in, &w, &rc);
		info->order = more ? ORDER_NEWEST_FIRST : ORDER_REVERSED;
	}
	info->encoding = input_encoding_name(&in);
	info->gzip = in.gz;
	if (info->order == ORDER_REVERSED) {
		/* fed last line first, numbered so that numbers grow in time: base - n, which the
		 * sink turns back (session_renumber) */
		info->reverse_base = w.n ? w.no[0] + w.no[w.n - 1] : 0;
		if (on_format)
			on_format(info, arg);
		for (size_t i = w.n; i-- > 0;)
			process_line(&r, w.text.s + w.off[i], w.len[i], info->reverse_base - w.no[i], w.len[i]);
	} else {
		if (on_format)
			on_format(info, arg);
		for (size_t i = 0; i < w.n; i++)
			take_line(&r, w.text.s + w.off[i], w.len[i], w.no[i], true);
	}
	sb_free(&w.text);
	free(w.off);
	free(w.len);
	free(w.no);
	if (more && rc > 0)
		while ((rc = next_line(a, &in, &ln)) > 0)
			take_line(&r, ln.s, ln.len, ln.no, ln.high);
	flush_cut(&r);
	flush_pending(&r);
	release_held(&r, NULL, 0);
	tracker_flush(a->tr);
	sb_free(&r.pend.raw);
	sb_free(&r.pend.body);
	sb_free(&r.held.text);
	sb_free(&r.wrap);
	sb_free(&r.command);
	info->lines = in.lineno;
	info->bytes = in.bytes;
	info->truncated_lines = in.truncated_lines;
	info->invalid_utf8 = in.invalid_utf8;
	info->nul_bytes = in.nul_bytes;
	info->encoding = input_encoding_name(&in);
	if (rc < 0)
		info->error = xstrdup(in.err);
	input_close(&in);
	return rc < 0 ? -1 : 0;
}
