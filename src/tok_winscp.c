/* tok_winscp.c — WinSCP session log lines: "<mark> yyyy-mm-dd hh:nn:ss.zzz [Child] text",
 * and the XML log (/xmllog). Debug 2 hex dumps and socket chatter are marked as noise here,
 * before any rule sees them. */
#include "scan.h"
#include "tokenize.h"
#include "util.h"

#include <string.h>


/* The 8 bytes at s, the first one lowest (one load where the compiler sees it). */
static inline __attribute__((always_inline)) uint64_t le64(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* Are the bytes of x under mask digits (their high nibble 3, and still 3 once 6 is added)?
 * A carry out of a byte comes only from one >= 0xFA, which fails the first test itself. */
static bool digits_under(uint64_t x, uint64_t mask)
{
	const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull & mask, three = 0x3030303030303030ull & mask;
	return (x & hi) == three && ((x + 0x0606060606060606ull) & hi) == three;
}

/* "yyyy-mm-dd hh:nn:ss.zzz" at s: three overlapping 8-byte words, each with its separators
 * compared at once and its digits checked together (a line that is not a record fails fast). */
static inline __attribute__((always_inline)) bool timestamp_at(const char *s)
{
	uint64_t a = le64(s), b = le64(s + 8), c = le64(s + 15);
	/* separators: "-" at 4 and 7; " " at 10 and ":" at 13; ":" at 16 and "." at 19 */
	if ((a & 0xFF0000FF00000000ull) != 0x2D00002D00000000ull ||
	    (b & 0x0000FF0000FF0000ull) != 0x00003A0000200000ull ||
	    (c & 0x000000FF0000FF00ull) != 0x0000002E00003A00ull)
		return false;
	return digits_under(a, 0x00FFFF00FFFFFFFFull) && digits_under(b, 0xFFFF00FFFF00FFFFull) &&
	       digits_under(c, 0xFFFFFF00FFFF00FFull);
}

/* A record's mark; a NUL too, read as "." (a mark byte zeroed when a crash damaged the file). */
static bool is_mark(char c)
{
	return c == '.' || c == '<' || c == '>' || c == '!' || c == '*' || c == '\0';
}

bool winscp_shape(const char *s, size_t n)
{
	if (n < 25 || !is_mark(s[0]) || s[1] != ' ' || !timestamp_at(s + 2))
		return false;
	return n == 25 || s[25] == ' ';
}

/* A line whose mark was lost in pasting: it begins with the timestamp. */
static bool winscp_shape_nomark(const char *s, size_t n)
{
	return n >= 23 && timestamp_at(s) && (n == 23 || s[23] == ' ');
}

static enum mark mark_of(char c)
{
	switch (c) {
	case '<': return MARK_W_OUT;
	case '>': return MARK_W_IN;
	case '!': return MARK_W_ERR;
	case '*': return MARK_W_EXC;
	default: return MARK_W_MSG;
	}
}

/* "Received 1234 bytes", "Sent 52 bytes", "Read 4 bytes (0 pending)" and the like. */
static bool count_bytes_line(const char *s, size_t n, const char *verb)
{
	size_t k = strlen(verb);
	if (!starts_with(s, n, verb) || n <= k || !is_digit(s[k]))
		return false;
	size_t i = k;
	while (i < n && is_digit(s[i]))
		i++;
	return starts_with(s + i, n - i, " bytes");
}

/* Debug 1/2 socket and I/O chatter: never evidence of anything. */
static bool socket_noise(const char *s, size_t n)
{
	static const char *const prefixes[] = {
		"Selecting events ", "Enumerating network events", "Enumerated ", "Handling network ",
		"Looking for network events", "Timeout waiting for network events",
		"Looking for incoming data", "Polling for data", "Detected network event",
		"Waiting for another ", "There are ", "Waiting for the server to continue",
		"Session upkeep", NULL
	};
	if (n == 0)
		return false;
	for (int i = 0; prefixes[i]; i++)
		if (s[0] == prefixes[i][0] && starts_with(s, n, prefixes[i]))
			return true;
	return count_bytes_line(s, n, "Received ") || count_bytes_line(s, n, "Sent ") ||
	       count_bytes_line(s, n, "Read ");
}

static void fill(const char *s, size_t n, size_t body_at, char markc, struct event *ev)
{
	ev->fam = FAM_WINSCP;
	ev->famask = FAMBIT(FAM_WINSCP);
	ev->mark = mark_of(markc);
	const char *b = s + body_at;
	size_t bn = n > body_at ? n - body_at : 0;
	/* child session: "[Tunnel] ", "[Background 1] ", "[Shell] " */
	if (bn > 3 && b[0] == '[') {
		const char *close = memchr(b, ']', bn < 40 ? bn : 40);
		if (close && close + 1 < b + bn && close[1] == ' ') {
			bool ok = close > b + 1;
			for (const char *p = b + 1; p < close && ok; p++)
				ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == ' ';
			if (ok) {
				ev->channel = b + 1;
				ev->chlen = (size_t)(close - b - 1);
				bn -= (size_t)(close + 2 - b);
				b = close + 2;
			}
		}
	}
	ev->body = b;
	ev->bodylen = bn;
	ev->is_error = markc == '!' || markc == '*';
	if (markc == '<' || markc == '>')
		ev->noise = hex_dump_row(b, bn);
	else if (markc == '.')
		ev->noise = socket_noise(b, bn);
}

bool tok_winscp(const char *s, size_t n, struct event *ev)
{
	if (winscp_shape(s, n)) {
		ev->ts = s + 2;
		ev->tslen = 23;
		fill(s, n, 26, s[0], ev);
		return true;
	}
	if (winscp_shape_nomark(s, n)) {
		ev->ts = s;
		ev->tslen = 23;
		fill(s, n, 24, '.', ev);
		return true;
	}
	if (n > 0 && s[0] == ' ' && winscp_shape_nomark(s + 1, n - 1)) { /* mark lost, space kept */
		ev->ts = s + 1;
		ev->tslen = 23;
		fill(s, n, 25, '.', ev);
		return true;
	}
	return false;
}

/* ---- XML log ---- */

static char xmlbuf[64 * 1024 + 8];

/* Undo the five XML entities and numeric references into xmlbuf. */
static size_t xml_unescape(const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < sizeof xmlbuf; i++) {
		if (s[i] != '&') {
			xmlbuf[o++] = s[i];
			continue;
		}
		static const struct { const char *ent; char c; } ents[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
		};
		bool done = false;
		for (size_t k = 0; k < 5 && !done; k++)
			if (starts_with(s + i, n - i, ents[k].ent)) {
				xmlbuf[o++] = ents[k].c;
				i += strlen(ents[k].ent) - 1;
				done = true;
			}
		if (!done)
			xmlbuf[o++] = '&';
	}
	return o;
}

bool tok_winscp_xml(const char *s, size_t n, struct event *ev)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	ev->fam = FAM_WINSCP;
	ev->famask = FAMBIT(FAM_WINSCP);
	ev->mark = MARK_W_MSG;
	ev->body = s;
	ev->bodylen = n;
	if (starts_with(s, n, "<message>")) {
		const char *end = NULL;
		for (size_t i = 9; i + 10 <= n; i++)
			if (memcmp(s + i, "</message>", 10) == 0) {
				end = s + i;
				break;
			}
		size_t len = end ? (size_t)(end - s - 9) : n - 9;
		ev->bodylen = xml_unescape(s + 9, len);
		ev->body = xmlbuf;
		ev->mark = MARK_W_EXC;
		ev->is_error = true;
	}
	return true;
}
