/* tok_powershell.c — what Windows PowerShell 5.1 wraps around a native program's stderr when it
 * is redirected ("ssh -v host 2> log.txt", UTF-16LE): each run's first line comes as the
 * command's name, " : " and the line, followed by the error record's position block:
 *
 *   ssh : OpenSSH_for_Windows_9.5p2, LibreSSL 3.8.2
 *   At line:1 char:1                    (Japanese: 発生場所 行:1 文字:1; in a script:
 *   + ssh -v host 2> log.txt             At C:\path\x.ps1:12 char:5)
 *   + ~~~~~~~~~~~~~~~~~~~~~~
 *       + CategoryInfo          : NotSpecified: (OpenSSH_for_Win...reSSL 3.8.2:String) [], RemoteException
 *       + FullyQualifiedErrorId : NativeCommandError
 *   (one space)
 *
 * The run's other lines come as printed. The name is the command as typed: "ssh", or "ssh.exe"
 * when run by path. */
#include "tokenize.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* The clients whose stderr a user redirects; a name is matched whole, any case. */
static bool client_name(const char *s, size_t n)
{
	static const char *const names[] = { "ssh", "sftp", "scp", "plink", "psftp", "pscp", NULL };
	if (n > 4 && strncasecmp(s + n - 4, ".exe", 4) == 0)
		n -= 4;
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
			return true;
	return false;
}

size_t powershell_prefix(const char *s, size_t n)
{
	/* the name is short: look for " : " within the first 12 bytes ("psftp.exe : ") */
	size_t lim = n < 13 ? n : 13;
	for (size_t i = 3; i + 3 <= lim; i++)
		if (s[i] == ' ' && s[i + 1] == ':' && s[i + 2] == ' ')
			return client_name(s, i) ? i + 3 : 0;
	return 0;
}

/* "…:N char:M" / "…:N 文字:M" (after "line" / "行", or a script's path): the line and column
 * the position names. */
static bool line_char_tail(const char *s, size_t n, const char *char_word)
{
	size_t cw = strlen(char_word), i = n;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == n || i < cw || memcmp(s + i - cw, char_word, cw) != 0)
		return false;
	i -= cw;
	size_t j = i;
	while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9')
		j--;
	return j < i && j > 0 && s[j - 1] == ':';
}

bool powershell_position(const char *s, size_t n)
{
	if (starts_with(s, n, "At "))
		return line_char_tail(s, n, " char:");
	if (starts_with(s, n, "発生場所 "))
		return line_char_tail(s, n, " 文字:");
	return false;
}

/* A line of the block after the position: the command, its underline, the record's fields. */
bool powershell_block_line(const char *s, size_t n)
{
	return starts_with(s, n, "+ ") || starts_with(s, n, "    + ");
}
