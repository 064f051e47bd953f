/* tok_collector.c — what a log collector writes before each line of a program's output:
 *
 *   2026-11-24T03:25:45.123456789Z Accepted publickey for taro …   docker logs -t, kubectl logs
 *   2026-11-24T03:25:45.1234567Z debug1: Connecting to …           --timestamps, CI job logs
 *   sftp-1  | Accepted password for foo from 172.18.0.1 port …     docker compose logs
 *   [pod/sshd-7d9f/sshd] Accepted publickey for …                  kubectl logs --prefix
 *
 * The time stamp is RFC 3339 in UTC with the 'Z' ending: syslog's and journalctl's ISO stamps
 * name an offset ("+00:00", "+0000") and are followed by a host and a tag (tok_sshd.c). What
 * follows the prefix is the program's own line and is tokenized as such; the evidence keeps
 * the whole line.
 *
 * And what a paste puts before a line: a Markdown or mail quote ("> ", "> > "), VS Code
 * Remote-SSH's output channel ("[10:35:39.248] > " before the first line of each chunk of ssh's
 * output, "> " before the others); quote_prefix below. */
#include "tokenize.h"
#include "util.h"

#include <string.h>

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z " */
static size_t zulu_stamp(const char *s, size_t n)
{
	if (n < 21 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	static const unsigned char digits[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
	for (size_t i = 0; i < sizeof digits; i++)
		if (!is_digit(s[digits[i]]))
			return 0;
	size_t i = 19;
	if (s[i] == '.') {
		size_t f = ++i;
		while (i < n && i - f < 9 && is_digit(s[i]))
			i++;
		if (i == f)
			return 0;
	}
	return i + 1 < n && s[i] == 'Z' && s[i + 1] == ' ' ? i + 2 : 0;
}

static bool name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

/* docker compose's "service-1  | " (the name padded to the longest one; "|" alone on an
 * empty line), kubectl's "[pod/NAME/CONTAINER] " */
static size_t source_name(const char *s, size_t n)
{
	if (n > 6 && s[0] == '[' && starts_with(s + 1, n - 1, "pod/")) {
		size_t i = 5;
		while (i < n && i < 300 && s[i] != ']' && s[i] != ' ')
			i++;
		return i + 1 < n && s[i] == ']' && s[i + 1] == ' ' ? i + 2 : 0;
	}
	/* the bar first: most lines have none near their start, and one memchr says so */
	const char *bar = memchr(s, '|', n < 80 ? n : 80);
	if (!bar || s[0] == '_' || s[0] == '.' || s[0] == '-')
		return 0;
	size_t i = 0, b = (size_t)(bar - s);
	while (i < b && name_char(s[i]))
		i++;
	if (i == 0 || i == b || s[i] != ' ')
		return 0;
	while (i < b && s[i] == ' ')
		i++;
	if (i != b)
		return 0;
	return b + 1 == n ? n : s[b + 1] == ' ' ? b + 2 : 0;
}

size_t collector_stamp(const char *s, size_t n)
{
	size_t k = source_name(s, n);
	return k + zulu_stamp(s + k, n - k);
}

/* "[HH:MM:SS.mmm] " */
static size_t bracket_time(const char *s, size_t n)
{
	static const char shape[] = "[dd:dd:dd.ddd] ";
	return shaped(s, n, shape) ? sizeof shape - 1 : 0;
}

size_t quote_prefix(const char *s, size_t n)
{
	size_t k = 0;
	for (;;) { /* every line passes here: one byte test decides for nearly all of them */
		if (k < n && s[k] == '[') {
			size_t t = bracket_time(s + k, n - k);
			if (!t)
				return k;
			k += t;
		} else if (k < n && s[k] == '>' && (k + 1 == n || s[k + 1] == ' ')) {
			/* WinSCP marks what it sent with '>' too: "> 2024-01-15 10:00:00.123 USER taro" */
			if (winscp_shape(s + k, n - k))
				return k;
			k += k + 1 == n ? 1 : 2;
		} else {
			return k;
		}
	}
}

/* A program that runs plink and shows its failure as an exception puts the exception's type
 * before plink's first line, and again before the inner exception's ("GitExtUtils.
 * ExternalOperationException: Using username …", " ---> System.Exception: Using username …"):
 * a dotted name ending in "Exception", then ": ". */
size_t exception_prefix(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && i < 8 && s[i] == ' ')
		i++;
	if (starts_with(s + i, n - i, "---> "))
		i += 5;
	size_t start = i;
	bool dotted = false;
	while (i < n && i - start < 200 && (name_char(s[i]) && s[i] != '-')) {
		dotted |= s[i] == '.';
		i++;
	}
	static const char tail[] = "Exception: ";
	size_t k = sizeof tail - 1;
	if (!dotted || s[start] == '.' || i + 1 >= n || i - start <= k - 2 || s[i] != ':' || s[i + 1] != ' ' ||
	    memcmp(s + i - (k - 2), tail, k - 2) != 0)
		return 0;
	return i + 2;
}
