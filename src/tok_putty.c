/* tok_putty.c — PuTTY family: plink/psftp/pscp "-v" stderr (event lines and user messages
 * interleaved), PuTTY log files ("=~=~=~ PuTTY log …" header, "Event Log: " lines,
 * packet headers and hex rows) and PuTTY's Event Log window as copied ("DATE TIME<TAB>…"). */
#include "tokenize.h"
#include "util.h"

#include <string.h>

/* "  00000000  00 00 00 0c 0a 15 …" rows of a packet log. */
static bool hex_row(const char *s, size_t n)
{
	if (n < 12 || s[0] != ' ' || s[1] != ' ')
		return false;
	for (int i = 2; i < 10; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[10] == ' ' && s[11] == ' ';
}

static bool putty_error_text(const char *s, size_t n)
{
	static const char *const p[] = {
		"FATAL ERROR", "Fatal:", "Unable to ", "Cannot ", "Server refused", "Access denied",
		"Network error", "Connection ", "Remote side", "Server unexpectedly", "No supported",
		"Couldn't agree", "Wrong passphrase", "Password authentication failed",
		"Keyboard-interactive authentication failed", "Received unexpected end-of-file",
		"Host key", "WARNING", "Key file contains public key only", NULL
	};
	for (int i = 0; p[i]; i++)
		if (s[0] == p[i][0] && starts_with(s, n, p[i]))
			return true;
	return false;
}

/* PuTTY's Event Log window, copied (Select All, Copy): each event as logevent() keeps it,
 * "YYYY-MM-DD HH:MM:SS<TAB>event" (windows/windlg.c); the length of that stamp, or 0. */
size_t putty_window_stamp(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd\t";
	return shaped(s, n, shape) ? sizeof shape - 1 : 0;
}

bool tok_putty(const char *s, size_t n, struct event *ev)
{
	ev->fam = FAM_PUTTY;
	ev->famask = FAMBIT(FAM_PUTTY);
	size_t w = 0;
	if (starts_with(s, n, "Event Log: ") || (w = putty_window_stamp(s, n)) != 0) {
		size_t k = w ? w : 11;
		ev->mark = MARK_EVENT;
		ev->body = s + k;
		ev->bodylen = n - k;
	} else {
		size_t x = exception_prefix(s, n);
		ev->mark = MARK_PLAIN;
		ev->body = s + x;
		ev->bodylen = n - x;
		ev->noise = hex_row(s, n);
	}
	/* PuTTY's SSH proxy type (a jump host) logs that connection's events with this prefix:
	 * matched as any PuTTY line, counted as the hop's (session.c) */
	if (ev->bodylen > 7 && memcmp(ev->body, "proxy: ", 7) == 0) {
		ev->body += 7;
		ev->bodylen -= 7;
		ev->hop = true;
	}
	ev->is_error = !ev->noise && ev->bodylen > 0 && putty_error_text(ev->body, ev->bodylen);
	return true;
}

/* PuTTY names the connection its next question is for whenever that changes: "Making proxy SSH
 * connection to H port N", "Making primary SSH connection to …" (on a terminal framed as
 * "-- Making … ---…"). The questions themselves (a host key prompt, a password) print without
 * the "proxy: " prefix, and the target cannot speak before the jump host has opened the way on
 * ("proxy: Opened main channel"): until then, or until the primary is named, an unprefixed line
 * after the proxy's name is the jump host's question, the hop's. */
void putty_interactor(struct event *ev, bool *proxy_asks)
{
	const char *b = ev->body;
	size_t n = ev->bodylen;
	if (ev->hop) {
		if (starts_with(b, n, "Opened main channel"))
			*proxy_asks = false;
		return;
	}
	if (starts_with(b, n, "-- ")) {
		b += 3;
		n -= 3;
	}
	if (starts_with(b, n, "Making proxy SSH connection to "))
		*proxy_asks = true;
	else if (starts_with(b, n, "Making primary ") || starts_with(b, n, "Looking up host ") ||
		 starts_with(b, n, "Leaving host lookup "))
		*proxy_asks = false;
	else if (*proxy_asks)
		ev->hop = true;
}
