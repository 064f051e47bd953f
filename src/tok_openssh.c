/* tok_openssh.c — OpenSSH client stderr (ssh, sftp, scp) at any verbosity: "debugN: "
 * prefixes become marks; error and fatal lines carry no prefix on stderr. */
#include "tokenize.h"
#include "util.h"

#include <string.h>

/* Unprefixed lines that are progress, not trouble. */
static bool informational(const char *s, size_t n)
{
	static const char *const p[] = {
		"OpenSSH_", "Transferred:", "Bytes per second", "Authenticated to ", "Connected to ",
		"Warning: Permanently added", "sftp>", "Fetching ", "Uploading ", "Changing mode",
		"Authenticated using ", NULL
	};
	for (int i = 0; p[i]; i++)
		if (s[0] == p[i][0] && starts_with(s, n, p[i]))
			return true;
	return false;
}

bool tok_openssh(const char *s, size_t n, struct event *ev)
{
	ev->fam = FAM_OPENSSH;
	ev->famask = FAMBIT(FAM_OPENSSH);
	if (n >= 8 && memcmp(s, "debug", 5) == 0 && s[5] >= '1' && s[5] <= '3' && s[6] == ':' && s[7] == ' ') {
		ev->mark = (enum mark)(MARK_DEBUG1 + (s[5] - '1'));
		ev->body = s + 8;
		ev->bodylen = n - 8;
		return true;
	}
	size_t x = exception_prefix(s, n); /* a program that ran ssh shows its stderr so */
	ev->mark = MARK_PLAIN;
	ev->body = s + x;
	ev->bodylen = n - x;
	ev->is_error = n > x && !informational(ev->body, ev->bodylen) && !(ev->body[0] == ' ' || ev->body[0] == '\t');
	return true;
}
