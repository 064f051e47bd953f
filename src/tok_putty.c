/* tok_putty.c — PuTTY family: plink/psftp/pscp "-v" stderr (event lines and user messages
 * interleaved) and PuTTY log files ("=~=~=~ PuTTY log …" header, "Event Log: " lines,
 * packet headers and hex rows). */
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

bool tok_putty(const char *s, size_t n, struct event *ev)
{
	ev->fam = FAM_PUTTY;
	ev->famask = FAMBIT(FAM_PUTTY);
	if (starts_with(s, n, "Event Log: ")) {
		ev->mark = MARK_EVENT;
		ev->body = s + 11;
		ev->bodylen = n - 11;
	} else {
		ev->mark = MARK_PLAIN;
		ev->body = s;
		ev->bodylen = n;
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
