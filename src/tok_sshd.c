/* tok_sshd.c — sshd's own log lines: classic syslog ("Mon DD HH:MM:SS host sshd[PID]: …"),
 * RFC 3339 (journalctl -o short-iso, rsyslog's file format), RFC 5424, journalctl -o json,
 * Win32-OpenSSH's log file ("PID YYYY-MM-DD HH:MM:SS.mmm …"),
 * and the bare lines of sshd -E / -d / -D -e (docker logs, journalctl -o cat). A connection's
 * lines share the PID, which becomes the event's channel so that the tracker keeps each
 * connection apart; a bare line has no PID, and its channel is the peer it names, if any. */
#define _GNU_SOURCE /* memmem */
#include "tokenize.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>


/* "Nov 22 03:57:19 " */
static size_t classic_stamp(const char *s, size_t n)
{
	if (n < 16 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' || s[15] != ' ')
		return 0;
	if (!(s[0] >= 'A' && s[0] <= 'Z') || !is_digit(s[5]) || !is_digit(s[7]) || !is_digit(s[14]))
		return 0;
	return 16;
}

/* "2026-11-22T03:57:19[.123456][+00:00|+0000|Z] " */
static size_t iso_stamp(const char *s, size_t n)
{
	if (n < 20 || !is_digit(s[0]) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
		return 0;
	size_t i = 19;
	while (i < n && s[i] != ' ')
		i++;
	return i < n ? i + 1 : 0;
}

/* The bytes that end a program name in a syslog tag. */
static const bool tag_end[256] = { ['['] = true, [':'] = true, [' '] = true };

/* "prog[pid]: " or "prog: " at s; returns the length consumed. */
static size_t tag(const char *s, size_t n, const char **prog, size_t *proglen, const char **pid, size_t *pidlen)
{
	size_t i = 0, lim = n < 64 ? n : 64;
	while (i < lim && !tag_end[(unsigned char)s[i]])
		i++;
	if (i == 0 || i >= n)
		return 0;
	*prog = s;
	*proglen = i;
	*pid = NULL;
	*pidlen = 0;
	if (s[i] == '[') {
		size_t j = i + 1;
		while (j < n && is_digit(s[j]))
			j++;
		if (j >= n || s[j] != ']' || j == i + 1)
			return 0;
		*pid = s + i + 1;
		*pidlen = j - i - 1;
		i = j + 1;
	}
	if (i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* Win32-OpenSSH's own log file (SyslogFacility LOCAL0: %ProgramData%\ssh\logs\sshd.log, one
 * file per program): "PID YYYY-MM-DD HH:MM:SS.mmm message" (w32log.c syslog_file), before 8.x
 * "PID HH:MM:SS:mmm message", in the first releases (2016-17) "PID HH:MM:SS mmm message". The
 * file is the program's own, so it names no program: its lines are sshd's. */
static bool win32_prefix(const char *s, size_t n, size_t *msg_off, const char **prog, size_t *proglen,
			 const char **pid, size_t *pidlen)
{
	static const char *const shapes[] = { "dddd-dd-dd dd:dd:dd.ddd ", "dd:dd:dd:ddd ", "dd:dd:dd ddd " };
	size_t d = 0;
	while (d < n && d < 11 && is_digit(s[d]))
		d++;
	if (d == 0 || d + 1 >= n || s[d] != ' ')
		return false;
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
		if (shaped(s + d + 1, n - d - 1, shapes[k])) {
			*prog = "sshd";
			*proglen = 4;
			*pid = s;
			*pidlen = d;
			*msg_off = d + 1 + strlen(shapes[k]);
			return true;
		}
	return false;
}

/* A syslog line's prefix without the Win32 form (syslog_prefix below adds it). */
static bool plain_syslog_prefix(const char *s, size_t n, size_t *msg_off, const char **prog, size_t *proglen,
				const char **pid, size_t *pidlen)
{
	size_t off = 0;
	if (n > 3 && s[0] == '<') { /* a raw datagram's <PRI> */
		size_t i = 1;
		while (i < n && i < 5 && is_digit(s[i]))
			i++;
		if (i < n && s[i] == '>')
			off = i + 1;
	}
	if (off && n > off + 2 && s[off] == '1' && s[off + 1] == ' ') {
		/* RFC 5424: "<38>1 TS HOST APP PROCID MSGID SD MSG" */
		const char *f[6];
		size_t fl[6], i = off + 2;
		for (int k = 0; k < 6; k++) {
			f[k] = s + i;
			while (i < n && s[i] != ' ')
				i++;
			fl[k] = (size_t)(s + i - f[k]);
			if (i >= n)
				return false;
			i++;
		}
		*prog = f[2];
		*proglen = fl[2];
		*pid = f[3];
		*pidlen = fl[3];
		*msg_off = i;
		return true;
	}
	size_t st = classic_stamp(s + off, n - off);
	if (!st)
		st = iso_stamp(s + off, n - off);
	if (!st)
		return false;
	off += st;
	/* Usually a host name comes first: a word that ends in a space, where a tag ends in '[' or
	 * ':'. Seen by one scan, it is skipped without the tag parser reading it too. */
	size_t w = 0, lim = n - off < 64 ? n - off : 64;
	while (w < lim && !tag_end[(unsigned char)s[off + w]])
		w++;
	bool host = w < lim && s[off + w] == ' ';
	if (host)
		off += w + 1;
	size_t t = tag(s + off, n - off, prog, proglen, pid, pidlen);
	if (!t && !host) {
		/* not a tag after all (a longer host name, or one with a ':' in it): skip a word */
		size_t h = off;
		while (h < n && s[h] != ' ')
			h++;
		if (h >= n)
			return false;
		off = h + 1;
		t = tag(s + off, n - off, prog, proglen, pid, pidlen);
	}
	if (!t)
		return false;
	*msg_off = off + t;
	return true;
}

bool syslog_prefix(const char *s, size_t n, size_t *msg_off, const char **prog, size_t *proglen,
		   const char **pid, size_t *pidlen)
{
	return (n > 15 && is_digit(s[0]) && win32_prefix(s, n, msg_off, prog, proglen, pid, pidlen)) ||
	       plain_syslog_prefix(s, n, msg_off, prog, proglen, pid, pidlen);
}

/* sshd and its helpers: the per-connection processes (9.8+) and the SFTP server, whose
 * lines (a failed write, a refused path) belong to the same connection's story. */
static bool sshd_program(const char *p, size_t n)
{
	return (n == 4 && memcmp(p, "sshd", 4) == 0) || starts_with(p, n, "sshd-session") || starts_with(p, n, "sshd-auth") ||
	       starts_with(p, n, "sftp-server") || starts_with(p, n, "internal-sftp");
}

bool names_sshd_unit(const char *b, size_t n)
{
	return memmem(b, n, "ssh.service", 11) || memmem(b, n, "sshd.service", 12) ||
	       memmem(b, n, "OpenBSD Secure Shell server", 27) || memmem(b, n, "OpenSSH server daemon", 21);
}

/* systemd's words on the sshd service ("ssh.service: Control process exited, …", "Failed to
 * start ssh.service - OpenBSD Secure Shell server."): a failed start is the server's story too. */
bool systemd_on_sshd(const char *prog, size_t proglen, const char *b, size_t n)
{
	return proglen == 7 && memcmp(prog, "systemd", 7) == 0 && names_sshd_unit(b, n);
}

static void sshd_body(const char *b, size_t bn, struct event *ev)
{
	ev->fam = FAM_SSHD;
	ev->famask = FAMBIT(FAM_SSHD);
	ev->mark = MARK_PLAIN;
	if (bn >= 8 && memcmp(b, "debug", 5) == 0 && b[5] >= '1' && b[5] <= '3' && b[6] == ':' && b[7] == ' ') {
		ev->mark = (enum mark)(MARK_DEBUG1 + (b[5] - '1'));
		b += 8;
		bn -= 8;
	}
	ev->body = b;
	ev->bodylen = bn;
	ev->is_error = starts_with(b, bn, "error:") || starts_with(b, bn, "fatal:") || starts_with(b, bn, "Failed ") ||
		       starts_with(b, bn, "Authentication refused") || starts_with(b, bn, "User ") ||
		       starts_with(b, bn, "Invalid user") || starts_with(b, bn, "Unable to negotiate") ||
		       starts_with(b, bn, "Disconnecting") || starts_with(b, bn, "Connection closed by") ||
		       starts_with(b, bn, "subsystem request") || starts_with(b, bn, "bad ownership");
}

/* The kernel's or systemd-coredump's words on a crashed sshd process, in the same log as sshd's
 * own lines: "[  123.456] sshd[4321]: segfault at 0 ip …", "traps: sshd[4321] general protection
 * …", "Process 4321 (sshd) of user 0 dumped core.". They belong to the connection whose process
 * that was: the PID they name, not their own, is the line's. Returns the message's offset in b
 * (past the kernel's time in brackets) and sets *pid, or returns n (not such a line). */
static size_t sshd_crash(const char *prog, size_t proglen, const char *b, size_t n, const char **pid, size_t *pidlen)
{
	size_t i = 0, name;
	if (proglen == 6 && memcmp(prog, "kernel", 6) == 0) {
		if (n > 2 && b[0] == '[') { /* the kernel's own time, when the syslog daemon keeps it */
			while (i < n && b[i] != ']')
				i++;
			i += 2;
			if (i >= n || b[i - 1] != ' ')
				return n;
		}
		size_t m = i + (starts_with(b + i, n - i, "traps: ") ? 7 : 0);
		for (name = m; name < n && b[name] != '['; name++)
			if (b[name] == ' ')
				return n;
		if (name >= n || !sshd_program(b + m, name - m))
			return n;
		*pid = b + name + 1;
	} else if (proglen == 16 && memcmp(prog, "systemd-coredump", 16) == 0 && starts_with(b, n, "Process ")) {
		*pid = b + 8;
		for (name = 8; name < n && is_digit(b[name]); name++)
			;
		if (name + 2 >= n || b[name] != ' ' || b[name + 1] != '(')
			return n;
		size_t e = name + 2;
		while (e < n && b[e] != ')')
			e++;
		if (e >= n || !sshd_program(b + name + 2, e - name - 2))
			return n;
	} else {
		return n;
	}
	for (*pidlen = 0; *pid + *pidlen < b + n && is_digit((*pid)[*pidlen]); ++*pidlen)
		;
	return *pidlen ? i : n;
}

/* journalctl -o json: one object per line; MESSAGE, _PID, SYSLOG_IDENTIFIER. */
static char jbuf[64 * 1024 + 8];
static char jpid[32];

static bool journal_json(const char *s, size_t n, struct event *ev)
{
	if (n < 2 || s[0] != '{' || !memchr(s, 'M', n))
		return false;
	cJSON *o = cJSON_ParseWithLength(s, n);
	if (!o)
		return false;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "MESSAGE");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "SYSLOG_IDENTIFIER");
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(o, "_PID");
	bool ok = cJSON_IsString(msg) && cJSON_IsString(id);
	if (ok) {
		size_t ml = strlen(msg->valuestring);
		if (ml >= sizeof jbuf)
			ml = sizeof jbuf - 1;
		memcpy(jbuf, msg->valuestring, ml);
		jbuf[ml] = '\0';
		snprintf(jpid, sizeof jpid, "%s", cJSON_IsString(pid) ? pid->valuestring : "");
		size_t il = strlen(id->valuestring), at;
		const char *cp;
		size_t cl;
		if (sshd_program(id->valuestring, il) || systemd_on_sshd(id->valuestring, il, jbuf, ml)) {
			sshd_body(jbuf, ml, ev);
			ev->channel = *jpid ? jpid : NULL;
			ev->chlen = strlen(jpid);
		} else if ((at = sshd_crash(id->valuestring, il, jbuf, ml, &cp, &cl)) < ml) {
			sshd_body(jbuf + at, ml - at, ev);
			snprintf(jpid, sizeof jpid, "%.*s", (int)(cl < 20 ? cl : 20), cp);
			ev->channel = jpid;
			ev->chlen = strlen(jpid);
		} else {
			ev->fam = FAM_SSHD;
			ev->famask = 0;
			ev->noise = true;
		}
	}
	cJSON_Delete(o);
	return ok;
}

bool tok_sshd(const char *s, size_t n, struct event *ev)
{
	size_t off;
	const char *prog, *pid;
	size_t proglen, pidlen;
	bool win32 = n > 15 && is_digit(s[0]) && win32_prefix(s, n, &off, &prog, &proglen, &pid, &pidlen);
	if (!win32 && !plain_syslog_prefix(s, n, &off, &prog, &proglen, &pid, &pidlen))
		return journal_json(s, n, ev);
	ev->win32 = win32;
	ev->ts = s;
	ev->tslen = off;
	if (!sshd_program(prog, proglen) && !systemd_on_sshd(prog, proglen, s + off, n - off)) {
		size_t at = sshd_crash(prog, proglen, s + off, n - off, &pid, &pidlen);
		if (at < n - off) { /* the kernel's or systemd-coredump's report of an sshd process */
			sshd_body(s + off + at, n - off - at, ev);
			ev->channel = pid;
			ev->chlen = pidlen;
			return true;
		}
		/* another program's line in the same log: not ours to judge */
		ev->fam = FAM_SSHD;
		ev->famask = 0;
		ev->noise = true;
		ev->body = s + off;
		ev->bodylen = n - off;
		return true;
	}
	sshd_body(s + off, n - off, ev);
	ev->channel = pidlen ? pid : NULL;
	ev->chlen = pidlen;
	return true;
}

/* Is the word that ends just before b[end] one of ws (NUL-separated, ending in an empty one)? */
static bool word_before(const char *b, size_t end, const char *ws)
{
	size_t i = end;
	while (i > 0 && b[i - 1] != ' ')
		i--;
	for (; *ws; ws += strlen(ws) + 1)
		if (end - i == strlen(ws) && memcmp(b + i, ws, end - i) == 0)
			return true;
	return false;
}

/* The connection a line names, as sshd writes its peer: "ADDR port N" after "from", "by",
 * "with", "for" or "user NAME" (the first such: "Connection from A port P on B port Q" names
 * the client first), or "[ADDR]:N" after "from" (a MaxStartups drop). Other "port" phrases
 * name a listener ("listening on", "Bind to port") or a forwarding ("originator", "connect to")
 * and are not the connection's. */
static bool connection_named(const char *b, size_t n, const char **ch, size_t *chlen)
{
	for (const char *p = b; (p = memmem(p, (size_t)(b + n - p), " port ", 6)) != NULL; p += 6) {
		size_t a = (size_t)(p - b), d = a + 6, e = d;
		while (e < n && is_digit(b[e]))
			e++;
		if (e == d || a == 0 || b[a - 1] == ' ')
			continue;
		size_t s = a;
		while (s > 0 && b[s - 1] != ' ')
			s--;
		if (s < 2)
			continue;
		size_t u = s - 1; /* the word before the address: a user name after "user"? */
		while (u > 0 && b[u - 1] != ' ')
			u--;
		if (!word_before(b, s - 1, "from\0by\0with\0for\0") && !(u >= 2 && word_before(b, u - 1, "user\0")))
			continue;
		*ch = b + s;
		*chlen = e - s;
		return true;
	}
	const char *f = memmem(b, n, " from [", 7);
	if (f) {
		const char *s = f + 6, *end = memchr(s, ']', (size_t)(b + n - s));
		if (end && end + 2 < b + n && end[1] == ':' && is_digit(end[2])) {
			end += 2;
			while (end < b + n && is_digit(*end))
				end++;
			*ch = s;
			*chlen = (size_t)(end - s);
			return true;
		}
	}
	return false;
}

/* Is p[0..n) a program of OpenSSH for Windows followed by ": "? The length with it, or 0. */
static size_t winevent_program(const char *p, size_t n, bool *ours)
{
	static const struct { const char *name; bool ours; } progs[] = {
		{ "sshd: ", true }, { "sshd-session: ", true }, { "sshd-auth: ", true },
		{ "sftp-server: ", true }, { "ssh-agent: ", false },
	};
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
		if (starts_with(p, n, progs[i].name)) {
			*ours = progs[i].ours;
			return strlen(progs[i].name);
		}
	return 0;
}

/* OpenSSH for Windows' event log (ETW provider "OpenSSH"; Applications and Services Logs >
 * OpenSSH > Operational): an event's message is "PROGRAM: MESSAGE" (the manifest's "%1: %2"),
 * with no PID and no time of its own. It is pasted as the messages alone (the General tab,
 * `(Get-WinEvent …).Message`), as Event Viewer's tab-separated list ("Information<TAB>DATE
 * TIME<TAB>OpenSSH<TAB>4<TAB>None<TAB>sshd: …", its words in the system's language), as
 * Get-WinEvent's table ("TIME   4 Information   sshd: …") or its list ("Message      : sshd:
 * …"). The offset of MESSAGE, or 0 for no such line; *ours is false for ssh-agent's. sshd
 * writes its own name in one message ("sshd: no hostkeys available -- exiting.", sshd.c): on
 * its own, that is sshd's stderr, not an event. */
size_t winevent_message(const char *s, size_t n, bool *ours)
{
	size_t at = 0, k;
	if (memchr(s, '\t', n)) { /* the list: the message is the sixth field, after "OpenSSH" */
		size_t tab = 0, field3 = 0;
		for (size_t i = 0; i < n && tab < 5; i++)
			if (s[i] == '\t') {
				if (++tab == 2)
					field3 = i + 1;
				else if (tab == 3 && !(i - field3 == 7 && memcmp(s + field3, "OpenSSH", 7) == 0))
					return 0;
				at = i + 1;
			}
		if (tab < 5)
			return 0;
	} else if (starts_with(s, n, "Message ") || starts_with(s, n, "Message:")) {
		const char *c = memchr(s, ':', n);
		if (!c)
			return 0;
		at = (size_t)(c - s) + 1;
		while (at < n && s[at] == ' ')
			at++;
	} else if (n > 0 && is_digit(s[0])) { /* the table: the message column after spaces */
		const char *p = memmem(s, n, "  s", 3);
		if (!p)
			return 0;
		at = (size_t)(p - s) + 2;
	} else if (starts_with(s, n, "sshd: no hostkeys available")) {
		return 0;
	}
	k = winevent_program(s + at, n - at, ours);
	return k ? at + k : 0;
}

/* The first time of day (H:MM:SS or HH:MM:SS) in s[a..b), with AM/PM (午前/午後) applied: the
 * text before it is the date. */
static bool time_of_day(const char *s, size_t a, size_t b, const char **date, size_t *datelen, long *secs)
{
	for (size_t i = a; i + 4 < b; i++) {
		if (!is_digit(s[i]) || (i > a && is_digit(s[i - 1])))
			continue;
		size_t h = i;
		long hh = s[h] - '0';
		if (is_digit(s[h + 1]))
			hh = hh * 10 + (s[++h] - '0');
		if (h + 6 >= b || !shaped(s + h + 1, b - h - 1, ":dd:dd"))
			continue;
		long mm = (s[h + 2] - '0') * 10 + (s[h + 3] - '0'), ss = (s[h + 5] - '0') * 10 + (s[h + 6] - '0');
		bool pm = memmem(s + a, b - a, "PM", 2) || memmem(s + a, b - a, "\xe5\x8d\x88\xe5\xbe\x8c", 6); /* 午後 */
		bool am = memmem(s + a, b - a, "AM", 2) || memmem(s + a, b - a, "\xe5\x8d\x88\xe5\x89\x8d", 6); /* 午前 */
		if (pm && hh < 12)
			hh += 12;
		else if (am && hh == 12)
			hh = 0;
		*date = s + a;
		*datelen = i - a;
		*secs = hh * 3600 + mm * 60 + ss;
		return true;
	}
	return false;
}

/* The time an event list gives an event, where it gives one: Event Viewer's list (its second
 * field), Get-WinEvent's table (before the Id column) and list ("TimeCreated  : …"). Written
 * in the system's own format ("2020/7/2 9:55:34", "11/20/2026 10:14:03 AM", "2026/11/20
 * 午後 1:02:15"). */
bool winevent_time(const char *s, size_t n, const char **date, size_t *datelen, long *secs)
{
	size_t a = 0, b = 0;
	bool ours;
	if (memchr(s, '\t', n)) {
		if (!winevent_message(s, n, &ours))
			return false;
		const char *t1 = memchr(s, '\t', n);
		const char *t2 = memchr(t1 + 1, '\t', (size_t)(s + n - t1 - 1));
		a = (size_t)(t1 + 1 - s);
		b = (size_t)(t2 - s);
	} else if (starts_with(s, n, "TimeCreated ")) {
		const char *c = memchr(s, ':', n);
		if (!c)
			return false;
		a = (size_t)(c - s) + 1;
		b = n;
	} else if (n > 0 && is_digit(s[0])) {
		const char *gap = memmem(s, n, "  ", 2);
		if (!gap || !winevent_message(s, n, &ours))
			return false;
		b = (size_t)(gap - s);
	} else {
		return false;
	}
	while (a < b && s[a] == ' ')
		a++;
	return time_of_day(s, a, b, date, datelen, secs);
}

/* A syslog line's time: "Mmm dd HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS…" (journalctl -r prints
 * newest first). */
bool syslog_time(const char *s, size_t n, const char **date, size_t *datelen, long *secs)
{
	if (classic_stamp(s, n))
		return time_of_day(s, 0, 15, date, datelen, secs);
	if (iso_stamp(s, n))
		return time_of_day(s, 0, 19, date, datelen, secs);
	return false;
}

/* The rest of what those forms print: the list's header and other sources' rows, the table's
 * headings ("   ProviderName: OpenSSH", "TimeCreated   Id LevelDisplayName Message", "----"),
 * the list's other properties ("TimeCreated  : …", "Id           : 4"). */
static bool winevent_furniture(const char *s, size_t n)
{
	size_t tabs = 0;
	for (const char *p = s; (p = memchr(p, '\t', (size_t)(s + n - p))) != NULL; p++)
		tabs++;
	if (tabs >= 4)
		return true;
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	if (starts_with(s, n, "ProviderName") || starts_with(s, n, "TimeCreated") || starts_with(s, n, "-----------"))
		return true;
	if (!starts_with(s, n, "Id "))
		return false;
	size_t i = 3;
	while (i < n && s[i] == ' ')
		i++;
	return i < n && s[i] == ':';
}

void tok_sshd_bare(const char *s, size_t n, struct event *ev)
{
	bool ours = true;
	size_t m = winevent_message(s, n, &ours);
	if ((m && !ours) || (!m && (is_blank(s, n) || winevent_furniture(s, n)))) {
		/* ssh-agent's events, headings, and blank lines: no connection's */
		ev->fam = FAM_SSHD;
		ev->famask = 0;
		ev->noise = true;
		ev->body = s + m;
		ev->bodylen = n - m;
		return;
	}
	ev->win32 = m > 0;
	s += m;
	n -= m;
	sshd_body(s, n, ev);
	ev->bare = true;
	if (!connection_named(ev->body, ev->bodylen, &ev->channel, &ev->chlen))
		ev->channel = NULL;
}
