/* unit_tests.c — the reader, the tokenizers, detection, the literal extractor, templates, and
 * the precompiled default table against the loader's, the SSE2 byte scanners against their
 * portable references, the --redact pseudonyms.
 * One "PASS name" / "FAIL name: why" line per check (tests/run.sh counts them). */
#include "analyze.h"
#include "detect.h"
#include "engine.h"
#include "input.h"
#include "redact.h"
#include "regex.h"
#include "rules.h"
#include "scan.h"
#include "session.h"
#include "tokenize.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static int failures;

static void ok(bool cond, const char *name, const char *why)
{
	if (cond)
		printf("PASS %s\n", name);
	else {
		printf("FAIL %s: %s\n", name, why);
		failures++;
	}
}

static char *write_tmp(const void *data, size_t n)
{
	char *path = xstrdup("/tmp/loglens-unit.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	return path;
}

/* Read a file through the reader; join lines as "no:text|". */
static char *read_lines(const char *path, char *enc_out, size_t encn, int *rc_out)
{
	struct input in;
	struct sbuf b;
	sb_init(&b);
	int rc = input_open(&in, path, NULL);
	if (rc == 0) {
		struct line ln;
		while ((rc = input_next(&in, &ln)) > 0) {
			sb_printf(&b, "%llu:", (unsigned long long)ln.no);
			for (size_t i = 0; i < ln.len; i++)
				sb_addc(&b, ln.s[i] ? ln.s[i] : '@');
			if (ln.truncated)
				sb_adds(&b, "<cut>");
			sb_addc(&b, '|');
		}
		if (enc_out)
			snprintf(enc_out, encn, "%s", input_encoding_name(&in));
	}
	input_close(&in);
	if (rc_out)
		*rc_out = rc;
	if (!b.s)
		sb_adds(&b, "");
	return sb_steal(&b);
}

static void reader_case(const char *name, const char *data, size_t n, const char *want, const char *enc)
{
	char *p = write_tmp(data, n);
	char got_enc[32] = "";
	int rc;
	char *got = read_lines(p, got_enc, sizeof got_enc, &rc);
	char why[512];
	snprintf(why, sizeof why, "got \"%.200s\" (%s), want \"%s\" (%s)", got, got_enc, want, enc);
	ok(strcmp(got, want) == 0 && (!enc || strcmp(got_enc, enc) == 0) && rc == 0, name, why);
	unlink(p);
	free(p);
	free(got);
}

static void test_reader(void)
{
	reader_case("reader LF", "a\nb\n", 4, "1:a|2:b|", "utf-8");
	reader_case("reader CRLF", "a\r\nb\r\n", 6, "1:a|2:b|", "utf-8");
	reader_case("reader lone CR", "a\rb\rc", 5, "1:a|2:b|3:c|", "utf-8");
	reader_case("reader mixed line ends", "a\r\n\nb\rc\n", 8, "1:a|2:|3:b|4:c|", "utf-8");
	reader_case("reader last line without newline", "a\nb", 3, "1:a|2:b|", "utf-8");
	reader_case("reader empty file", "", 0, "", "utf-8");
	reader_case("reader UTF-8 BOM", "\xEF\xBB\xBFssh\n", 7, "1:ssh|", "utf-8-bom");
	reader_case("reader NUL bytes keep line numbers", "a\0b\nc\n", 6, "1:a@b|2:c|", "utf-8");
	reader_case("reader UTF-16LE with BOM", "\xFF\xFE" "a\0\r\0\n\0b\0", 10, "1:a|2:b|", "utf-16le");
	reader_case("reader UTF-16BE with BOM", "\xFE\xFF\0a\0\n\0b", 8, "1:a|2:b|", "utf-16be");
	reader_case("reader UTF-16LE without BOM", "d\0e\0b\0u\0g\0\n\0x\0y\0", 16, "1:debug|2:xy|", "utf-16le");
	reader_case("reader UTF-16LE non-ASCII", "\xFF\xFE\xB5\x30\n\0", 6, "1:\xE3\x82\xB5|", "utf-16le");
	/* bytes that are neither UTF-8 nor CP932 (0x80 and 0xFF start nothing in either) are kept */
	reader_case("reader invalid UTF-8 tolerated", "a\x80\xFFz\n", 5, "1:a\x80\xFFz|", "unknown-8bit");
	/* a second BOM, where ">>" appended a second log, is no part of its first line */
	reader_case("reader a BOM starting a later line is dropped", "\xEF\xBB\xBF" "a\n\xEF\xBB\xBF" "b\n", 10, "1:a|2:b|", "utf-8-bom");
	reader_case("reader UTF-16LE: a BOM starting a later line is dropped", "\xFF\xFE" "a\0\n\0\xFF\xFE" "b\0", 10, "1:a|2:b|", "utf-16le");
	/* CP932 from a Japanese Windows console, line by line; valid UTF-8 always wins */
	reader_case("reader CP932 line converted", "a\x93\x63\x92\x86\r\n", 7, "1:a\xE7\x94\xB0\xE4\xB8\xAD|", "cp932");
	reader_case("reader CP932 trail byte 0x5C is not a backslash", "\x95\x5C\n", 3, "1:\xE8\xA1\xA8|", "cp932");
	reader_case("reader UTF-8 then CP932 lines", "\xE7\x94\xB0\n\x93\x63\n", 6, "1:\xE7\x94\xB0|2:\xE7\x94\xB0|", "cp932");
	reader_case("reader UTF-8 that is also CP932 stays UTF-8", "\xC3\xA9\n", 3, "1:\xC3\xA9|", "utf-8");
	reader_case("reader a line neither UTF-8 nor CP932 keeps its bytes", "\x93\x63\n\x93\x63\x80\n", 7,
		    "1:\xE7\x94\xB0|2:\x93\x63\x80|", "unknown-8bit");

	/* an overlong line is cut for matching, but the next line keeps its number */
	size_t big = 3 * LINE_MAX_MATCH;
	char *data = xmalloc(big + 8);
	memset(data, 'x', big);
	memcpy(data + big, "\nend\n", 5);
	char *p = write_tmp(data, big + 5);
	char *got = read_lines(p, NULL, 0, NULL);
	const char *tail = strstr(got, "<cut>|");
	ok(tail && strcmp(tail, "<cut>|2:end|") == 0 && strncmp(got, "1:xxx", 5) == 0, "reader overlong line",
	   "line numbers drifted after an overlong line");
	unlink(p);
	free(p);
	free(got);
	free(data);

	/* gzip, detected by content */
	const char *text = "line one\nline two\n";
	unsigned char gz[256];
	z_stream zs = { 0 };
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = gz;
	zs.avail_out = sizeof gz;
	deflate(&zs, Z_FINISH);
	size_t gzlen = sizeof gz - zs.avail_out;
	deflateEnd(&zs);
	p = write_tmp(gz, gzlen);
	int rc;
	got = read_lines(p, NULL, 0, &rc);
	ok(strcmp(got, "1:line one|2:line two|") == 0 && rc == 0, "reader gzip", got);
	unlink(p);
	free(p);
	free(got);
	p = write_tmp(gz, gzlen / 2);
	got = read_lines(p, NULL, 0, &rc);
	ok(rc < 0, "reader truncated gzip is an error", "no error reported");
	unlink(p);
	free(p);
	free(got);

	struct input in;
	ok(input_open(&in, "/tmp", NULL) < 0 && strstr(in.err, "directory"), "reader directory is an error", in.err);
	input_close(&in);
	ok(input_open(&in, "/nonexistent/loglens", NULL) < 0 && strstr(in.err, "/nonexistent/loglens"), "reader missing file names it", in.err);
	input_close(&in);
}

static struct event tok(bool (*f)(const char *, size_t, struct event *), const char *s, bool *shaped)
{
	struct event ev = { 0 };
	*shaped = f(s, strlen(s), &ev);
	return ev;
}

static bool body_is(const struct event *ev, const char *want)
{
	return ev->body && ev->bodylen == strlen(want) && memcmp(ev->body, want, ev->bodylen) == 0;
}

static void test_tokenizers(void)
{
	bool shaped;
	struct event ev = tok(tok_winscp, ". 2024-03-04 10:15:30.123 Looking up host \"example.com\" for SSH connection", &shaped);
	ok(shaped && ev.mark == MARK_W_MSG && body_is(&ev, "Looking up host \"example.com\" for SSH connection") && ev.tslen == 23,
	   "winscp message line", "wrong mark/body");
	ev = tok(tok_winscp, "! 2024-03-04 10:15:31.000 [Tunnel] Server refused our key", &shaped);
	ok(shaped && ev.mark == MARK_W_ERR && ev.is_error && ev.chlen == 6 && memcmp(ev.channel, "Tunnel", 6) == 0 &&
	   body_is(&ev, "Server refused our key"), "winscp child session prefix", "channel not split off");
	ev = tok(tok_winscp, "> 2024-03-04 10:15:31.000 00,00,00,05,01,00,00,00,03,", &shaped);
	ok(shaped && ev.noise, "winscp hex dump is noise", "hex dump not skipped");
	ev = tok(tok_winscp, ". 2024-03-04 10:15:31.000 Handling network read event on socket 1412 with error 0", &shaped);
	ok(shaped && ev.noise, "winscp socket line is noise", "socket line not skipped");
	ev = tok(tok_winscp, ". 2024-03-04 10:15:31.000 Received too large (1416128883 B) SFTP packet. Max supported packet size is 1024000 B.", &shaped);
	ok(shaped && !ev.noise, "winscp 'Received too large' is not noise", "error taken for noise");
	ev = tok(tok_winscp, "2024-03-04 10:15:31.000 Access denied.", &shaped);
	ok(shaped && body_is(&ev, "Access denied."), "winscp line with its mark lost", "not recognised");
	ev = tok(tok_winscp, ". 2024-03-04 10:15:31.000 ", &shaped);
	ok(shaped && ev.bodylen == 0, "winscp empty sub-line", "not recognised");
	ev = tok(tok_winscp, "Looking up host", &shaped);
	ok(!shaped, "winscp rejects unmarked text", "took plain text");

	ev = tok(tok_openssh, "debug1: Offering public key: /k ED25519 SHA256:x explicit", &shaped);
	ok(ev.mark == MARK_DEBUG1 && body_is(&ev, "Offering public key: /k ED25519 SHA256:x explicit"), "openssh debug1 prefix", "prefix kept");
	ev = tok(tok_openssh, "debug3: receive packet: type 51", &shaped);
	ok(ev.mark == MARK_DEBUG3, "openssh debug3 prefix", "wrong mark");
	ev = tok(tok_openssh, "tuser@127.0.0.1: Permission denied (publickey).", &shaped);
	ok(ev.mark == MARK_PLAIN && ev.is_error, "openssh fatal line is an error line", "not flagged");
	ev = tok(tok_openssh, "Transferred: sent 3496, received 3892 bytes, in 0.1 seconds", &shaped);
	ok(!ev.is_error, "openssh progress line is not an error", "flagged");

	ev = tok(tok_putty, "Event Log: Server refused our key", &shaped);
	ok(ev.mark == MARK_EVENT && body_is(&ev, "Server refused our key"), "putty log event prefix", "prefix kept");
	ev = tok(tok_putty, "  00000000  00 00 00 0c 0a 15 00 00 00 00 00 00  ............", &shaped);
	ok(ev.noise, "putty packet hex row is noise", "not skipped");

	ev = tok(tok_sshd, "Nov 22 03:57:19 host sshd[7386]: Failed password for tuser from 127.0.0.1 port 38148 ssh2", &shaped);
	ok(shaped && ev.fam == FAM_SSHD && ev.chlen == 4 && memcmp(ev.channel, "7386", 4) == 0 &&
	   body_is(&ev, "Failed password for tuser from 127.0.0.1 port 38148 ssh2"), "sshd classic syslog", "not split");
	ev = tok(tok_sshd, "2026-11-22T03:57:19.123456+00:00 host sshd-session[99]: error: maximum authentication attempts exceeded for tuser from 127.0.0.1 port 1 ssh2 [preauth]", &shaped);
	ok(shaped && ev.chlen == 2 && starts_with(ev.body, ev.bodylen, "error: maximum"), "sshd RFC 3339 with sshd-session", "not split");
	ev = tok(tok_sshd, "2026-11-22T03:57:19+0000 host sshd[12]: Accepted publickey for tuser from 127.0.0.1 port 1 ssh2", &shaped);
	ok(shaped && body_is(&ev, "Accepted publickey for tuser from 127.0.0.1 port 1 ssh2"), "sshd journalctl short-iso", "not split");
	ev = tok(tok_sshd, "<38>Nov 22 03:57:19 sshd[7386]: Connection closed by 127.0.0.1 port 5 [preauth]", &shaped);
	ok(shaped && ev.chlen == 4, "sshd raw datagram without host", "not split");
	/* the host name before the tag: found by one scan, or (longer than it, or holding a ':')
	 * skipped as a word; no tag after it: not a syslog line */
	{
		static const struct { const char *line, *prog, *pid, *msg; } cases[] = {
			{ "Nov 22 03:57:19 h123456789h123456789h123456789h123456789h123456789h123456789h123456789x sshd[7]: m", "sshd", "7", "m" },
			{ "Nov 22 03:57:19 fe80::1 sshd[8]: m", "sshd", "8", "m" },
			{ "Nov 22 03:57:19 host sshd: m", "sshd", "", "m" },
			{ "Nov 22 03:57:19 sshd[9]: m", "sshd", "9", "m" },
			{ "Nov 22 03:57:19 host: sshd[10]: m", "host", "", "sshd[10]: m" }, /* "host:" reads as a tag */
			{ "Nov 22 03:57:19 host nothing-here", NULL, NULL, NULL },
			{ "Nov 22 03:57:19 host ", NULL, NULL, NULL },
		};
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			const char *line = cases[i].line, *prog, *pid;
			size_t off, proglen, pidlen;
			bool got = syslog_prefix(line, strlen(line), &off, &prog, &proglen, &pid, &pidlen);
			bool want = cases[i].prog != NULL;
			bool right = got == want && (!want || (proglen == strlen(cases[i].prog) && memcmp(prog, cases[i].prog, proglen) == 0 &&
								pidlen == strlen(cases[i].pid) && (!pidlen || memcmp(pid, cases[i].pid, pidlen) == 0) &&
								strcmp(line + off, cases[i].msg) == 0));
			char name[64];
			snprintf(name, sizeof name, "syslog prefix case %zu", i + 1);
			ok(right, name, line);
		}
	}
	ev = tok(tok_sshd, "Nov 22 03:57:19 host CRON[5]: pam_unix(cron:session): session opened", &shaped);
	ok(shaped && ev.noise, "other programs in auth.log are skipped", "not skipped");
	ev = tok(tok_sshd, "{\"MESSAGE\":\"Invalid user bob from 127.0.0.1 port 5\",\"_PID\":\"44\",\"SYSLOG_IDENTIFIER\":\"sshd\"}", &shaped);
	ok(shaped && body_is(&ev, "Invalid user bob from 127.0.0.1 port 5") && ev.chlen == 2, "sshd journalctl -o json", "not parsed");
	/* what comes before a program's line: a log collector's prefix, a wrapping program's
	 * exception type; each function measures it */
	{
		static const struct {
			const char *what;
			size_t (*f)(const char *, size_t);
			const char *line;
			size_t len;
		} cases[] = {
			{ "collector prefix", collector_stamp, "2026-11-24T03:25:45.123456789Z Accepted publickey for u from 192.0.2.7 port 5 ssh2", 31 },
			{ "collector prefix", collector_stamp, "2026-11-24T03:25:45.1234567Z debug1: Connecting to h [192.0.2.10] port 22.", 29 },
			{ "collector prefix", collector_stamp, "2026-11-24T03:25:45Z ssh: connect to host h port 22: Connection refused", 21 },
			{ "collector prefix", collector_stamp, "sftp-1  | Accepted password for foo from 172.18.0.1 port 41234 ssh2", 10 },
			{ "collector prefix", collector_stamp, "sshd-1  | 2026-11-24T03:25:45.000000000Z Server listening on :: port 22.", 41 },
			{ "collector prefix", collector_stamp, "web_1 |", 7 },
			{ "collector prefix", collector_stamp, "[pod/sshd-7d9f6c/sshd] Accepted publickey for u from 10.0.0.3 port 5 ssh2", 23 },
			{ "collector prefix", collector_stamp, "2026-11-22T03:57:19+00:00 host sshd[12]: Accepted publickey for u", 0 },
			{ "collector prefix", collector_stamp, "2026-11-22T03:57:19.123456+0000 host sshd[12]: m", 0 },
			{ "collector prefix", collector_stamp, "2026-11-24T03:25:45.Z x", 0 },
			{ "collector prefix", collector_stamp, "2026-11-24T03:25:45.1234567890Z x", 0 },
			{ "collector prefix", collector_stamp, "Nov 22 03:57:19 host sshd[7]: m", 0 },
			{ "collector prefix", collector_stamp, "ssh: connect to host h | port 22", 0 },
			{ "collector prefix", collector_stamp, "-x  | y", 0 },
			{ "collector prefix", collector_stamp, "[pod/x y] z", 0 },
			{ "exception prefix", exception_prefix, "GitExtUtils.ExternalOperationException: Using username \"git\".", 40 },
			{ "exception prefix", exception_prefix, " ---> System.Exception: Using username \"git\".", 24 },
			{ "exception prefix", exception_prefix, "System.ComponentModel.Win32Exception: x", 38 },
			{ "exception prefix", exception_prefix, "Exception: no dotted type", 0 },
			{ "exception prefix", exception_prefix, "java.io.IOException:no space", 0 },
			{ "exception prefix", exception_prefix, "Some.Error: not an exception", 0 },
			{ "exception prefix", exception_prefix, "   --- End of inner exception stack trace ---", 0 },
			{ "exception prefix", exception_prefix, "Host key fingerprint is:", 0 },
			{ "exception prefix", exception_prefix, "a.Exception: short", 13 },
			{ "exception prefix", exception_prefix, ".Exception: ", 0 },
		};
		size_t nth = 0;
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			nth = i > 0 && cases[i].f == cases[i - 1].f ? nth + 1 : 1;
			char name[64];
			snprintf(name, sizeof name, "%s, case %zu", cases[i].what, nth);
			ok(cases[i].f(cases[i].line, strlen(cases[i].line)) == cases[i].len, name, cases[i].line);
		}
	}
	/* a bare line (sshd -E / -D -e) names its connection by its peer, or names none */
	{
		static const struct { const char *line, *peer; } cases[] = {
			{ "Connection from 127.0.0.1 port 44546 on 127.0.0.1 port 48123 rdomain \"\"", "127.0.0.1 port 44546" },
			{ "Failed password for invalid user bob from 2001:db8::7 port 5 ssh2", "2001:db8::7 port 5" },
			{ "Connection closed by authenticating user lltuser 127.0.0.1 port 44522 [preauth]", "127.0.0.1 port 44522" },
			{ "Received disconnect from 127.0.0.1 port 44520:11: disconnected by user", "127.0.0.1 port 44520" },
			{ "Disconnected from user lltuser 127.0.0.1 port 44520", "127.0.0.1 port 44520" },
			{ "Unable to negotiate with 127.0.0.1 port 44526: no matching key exchange method found.", "127.0.0.1 port 44526" },
			{ "Timeout before authentication for 192.0.2.9 port 4242", "192.0.2.9 port 4242" },
			{ "Connection reset by host.example port 1 [preauth]", "host.example port 1" },
			{ "drop connection #0 from [127.0.0.1]:44526 on [127.0.0.1]:48123 past MaxStartups", "[127.0.0.1]:44526" },
			{ "debug1: Connection to port 8080 forwarding to 127.0.0.1 port 80 requested.", NULL },
			{ "Server listening on 0.0.0.0 port 22.", NULL },
			{ "error: Bind to port 22 on 0.0.0.0 failed: Address already in use.", NULL },
			{ "refused local port forward: originator 127.0.0.1 port 42650, target 127.0.0.1 port 2306", NULL },
			{ "User root from 127.0.0.1 not allowed because not listed in AllowUsers", NULL },
			{ "Closing connection to 127.0.0.1 port 34978", NULL },
			{ "session opened for local user lltuser from [127.0.0.1]", NULL },
			{ "Accepted key ED25519 SHA256:x found at /home/u/.ssh/authorized_keys:1", NULL },
		};
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
			struct event e = { 0 };
			tok_sshd_bare(cases[i].line, strlen(cases[i].line), &e);
			const char *want = cases[i].peer;
			bool right = e.bare && (want ? e.channel && e.chlen == strlen(want) && memcmp(e.channel, want, e.chlen) == 0
						     : e.channel == NULL);
			char name[64];
			snprintf(name, sizeof name, "bare sshd line's peer, case %zu", i + 1);
			ok(right, name, cases[i].line);
		}
	}
}

static enum format detect_text(const char *text)
{
	struct detector d = { 0 };
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		detect_line(&d, p, n);
		p += n + (nl != NULL);
	}
	return detect_decide(&d);
}

static void test_detect(void)
{
	ok(detect_text("Hello support,\nhere is my log:\ntuser@example.com: Permission denied (publickey).\nThanks\n") == FMT_OPENSSH,
	   "detect bare OpenSSH error inside prose", "not openssh");
	ok(detect_text("Looking up host \"h\" for SSH connection\nConnecting to 1.2.3.4 port 22\nFATAL ERROR: Connection refused\n") == FMT_PUTTY,
	   "detect plink -v", "not putty");
	ok(detect_text("=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.11.22 03:53:38 =~=~=~=~=~=~=~=~=~=~=~=\nEvent Log: Looking up host \"h\"\n") == FMT_PUTTY_LOG,
	   "detect PuTTY log file", "not putty-log");
	ok(detect_text(". 2024-03-04 10:15:30.123 --------------------------------------------------------------------------\n. 2024-03-04 10:15:30.123 WinSCP Version 6.5.5 (Build 1 2025-01-01) (OS 10)\n") == FMT_WINSCP,
	   "detect WinSCP log", "not winscp");
	ok(detect_text("Nov 22 03:57:19 host sshd[7386]: Invalid user x from 1.2.3.4 port 5\n") == FMT_SSHD_SYSLOG,
	   "detect sshd syslog", "not sshd-syslog");
	ok(detect_text("OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.17 1 Jul 2025\ndebug1: Reading configuration data /etc/ssh/ssh_config\n") == FMT_OPENSSH,
	   "detect ssh -v", "not openssh");
	ok(detect_text("just some text\nnothing here\n") == FMT_UNKNOWN, "detect nothing in prose", "claimed a format");
}

static void literal_case(const char *re, const char *want)
{
	char *got = regex_required_literal(re);
	char name[300];
	snprintf(name, sizeof name, "literal of %s", re);
	ok((!got && !want) || (got && want && strcmp(got, want) == 0), name, got ? got : "(none)");
	free(got);
}

/* The literal set of a regex: want is "a|b|c" (the set joined), or NULL for none. */
static void literal_set_case(const char *re, const char *want)
{
	int n = 0;
	char **set = regex_literal_set(re, &n);
	struct sbuf got;
	sb_init(&got);
	for (int i = 0; set && i < n; i++) {
		sb_adds(&got, i ? "|" : "");
		sb_adds(&got, set[i]);
		free(set[i]);
	}
	free(set);
	char name[300];
	snprintf(name, sizeof name, "literal set of %s", re);
	ok((!set && !want) || (set && want && strcmp(got.s, want) == 0), name, set ? got.s : "(none)");
	sb_free(&got);
}

static void test_literals(void)
{
	literal_set_case("^(?:Connection refused|Network is unreachable)$", "Connection refused|Network is unreachable");
	literal_set_case("^(?<what>Access denied|Permission denied)\\.$", "Access denied.|Permission denied.");
	/* found by fuzzing: a group name whose '>' lies past the group's end */
	literal_set_case("^x(?<ab|cd)e>f", NULL);
	literal_set_case("^x(?P<ab|cd)", NULL);
	literal_case("^Server refused our key$", "Server refused our key");
	literal_case("^Offending (?<t>\\S+) key in (?<f>.+):(?<l>\\d+)$", "Offending ");
	literal_case("^Permission denied \\((?<m>[^)]*)\\)\\.$", "Permission denied (");
	literal_case("^a|b$", NULL);
	literal_case("(?i)access denied", NULL);
	literal_case("^Connection (?:closed|reset) by", "Connection ");
	literal_case("^Access granted\\.?$", "Access granted");
	literal_case("^ab?c", NULL);
}

/* Values and evidence cut at their byte limits end before a character, never inside one. */
static void test_utf8_cut(void)
{
	const char *s = "a\xc3\xa9\xe3\x81\x82z"; /* a, é (2 bytes), あ (3 bytes), z */
	ok(utf8_cut(s, 7, 10) == 7 && utf8_cut(s, 7, 7) == 7, "utf8_cut: a text within the limit stays whole", "");
	ok(utf8_cut(s, 7, 1) == 1 && utf8_cut(s, 7, 2) == 1 && utf8_cut(s, 7, 3) == 3, "utf8_cut: not inside é", "");
	ok(utf8_cut(s, 7, 4) == 3 && utf8_cut(s, 7, 5) == 3 && utf8_cut(s, 7, 6) == 6, "utf8_cut: not inside あ", "");
	ok(utf8_cut("\x80\x80\x80\x80\x80", 5, 4) == 1, "utf8_cut: stray continuation bytes: at most 3 bytes given up", "");
}

/* regex_jit_safe's rewrite (NULL: unchanged), and that what it compiles matches a kanji
 * where \S must: the PCRE2 10.42 JIT took none. */
static void jit_safe_case(const char *re, const char *want)
{
	char *got = regex_jit_safe(re);
	char name[160], why[300];
	snprintf(name, sizeof name, "regex_jit_safe: %s", re);
	snprintf(why, sizeof why, "got %s, want %s", got ? got : "(unchanged)", want ? want : "(unchanged)");
	ok(want ? got && strcmp(got, want) == 0 : !got, name, why);
	free(got);
}

static void unvis_case(const char *in, const char *want)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", in);
	size_t n = unvis_utf8(buf, strlen(buf));
	buf[n] = '\0';
	char name[200], why[300];
	snprintf(name, sizeof name, "unvis_utf8: %s", in);
	snprintf(why, sizeof why, "got \"%s\", want \"%s\"", buf, want);
	ok(strcmp(buf, want) == 0, name, why);
}

static void test_unvis(void)
{
	unvis_case("/tmp/\\347\\224\\260\\344\\270\\255/id", "/tmp/\xe7\x94\xb0\xe4\xb8\xad/id");
	unvis_case("user \\\\347\\\\224\\\\260 [preauth]", "user \xe7\x94\xb0 [preauth]");
	unvis_case("C:\\\\Users\\\\taro/.ssh/id", "C:\\\\Users\\\\taro/.ssh/id");
	unvis_case("C:\\\\Users\\\\\\347\\224\\260/.ssh", "C:\\\\Users\\\\\xe7\x94\xb0/.ssh");
	unvis_case("\\377\\376 not UTF-8", "\\377\\376 not UTF-8");
	unvis_case("\\101 is ASCII, never escaped", "\\101 is ASCII, never escaped");
}

static void test_regex(void)
{
	jit_safe_case("^key: (?<key>\\S+) (\\D+)(\\W)$", "^key: (?<key>[^\\s]+) ([^\\d]+)([^\\w])$");
	jit_safe_case("[\\S\\s]+x", NULL);
	jit_safe_case("a\\\\S", NULL);
	jit_safe_case("\\Q\\S\\E", NULL);
	jit_safe_case("[]\\S]+", NULL);
	jit_safe_case("[^]a]\\S", "[^]a][^\\s]");
	jit_safe_case("[[:alpha:]\\S]\\S", "[[:alpha:]\\S][^\\s]");
	const char *subject = "Offering public key: C:\\Users\\\xe7\x94\xb0\xe4\xb8\xad/.ssh/id_rsa RSA SHA256:x";
	int err;
	size_t off;
	pcre2_code *c = regex_compile("^Offering public key: (?<key>\\S+) \\S+ (?<fp>SHA256:\\S+)$", 0, &err, &off);
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	int rc = pcre2_match(c, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	ok(rc == 3 && ov[3] - ov[2] == strlen("C:\\Users\\\xe7\x94\xb0\xe4\xb8\xad/.ssh/id_rsa"),
	   "regex_compile: \\S+ takes a kanji under the JIT", "the key path was cut or the line did not match");
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	c = regex_compile("ab(\\S", 0, &err, &off);
	ok(!c && off == 5, "regex_compile: an error's offset is in the pattern as written", "wrong offset");
}

static void test_templates(void)
{
	struct session s = { 0 };
	s.facts[F_HOST] = "203.0.113.5";
	s.facts[F_PORT] = "2222";
	s.facts[F_KEYFILE] = "/home/it's/key";
	struct sbuf b;
	sb_init(&b);
	render_template(&b, "ssh-keygen -R {host_key_name|sh}", NULL, &s);
	ok(strcmp(b.s, "ssh-keygen -R '[203.0.113.5]:2222'") == 0, "template host_key_name", b.s);
	sb_clear(&b);
	render_template(&b, "chmod 600 {keyfile|sh}", NULL, &s);
	ok(strcmp(b.s, "chmod 600 '/home/it'\\''s/key'") == 0, "template shell quoting", b.s);
	sb_clear(&b);
	render_template(&b, "{user}@{host} {nosuch} {not a placeholder}", NULL, &s);
	ok(strcmp(b.s, "<user>@203.0.113.5 <nosuch> {not a placeholder}") == 0, "template unknown values", b.s);
	sb_clear(&b);
	s.facts[F_PORT] = "22";
	struct capture c = { "known_hosts_line", "2" };
	struct hit h = { .caps = &c, .ncaps = 1 };
	render_template(&b, "sed -i '{known_hosts_line}d' ~/.ssh/known_hosts; ssh-keygen -R {host_key_name}", &h, &s);
	ok(strcmp(b.s, "sed -i '2d' ~/.ssh/known_hosts; ssh-keygen -R 203.0.113.5") == 0, "template capture then fact", b.s);
	sb_clear(&b);
	render_template(&b, "ssh {port|-p} {user}@{host}; sftp {port|-P} x", NULL, &s);
	ok(strcmp(b.s, "ssh -p 22 <user>@203.0.113.5; sftp -P 22 x") == 0, "template option placeholder, value known", b.s);
	sb_clear(&b);
	s.facts[F_PORT] = NULL;
	render_template(&b, "`ssh -i {keyfile|sh} {port|-p} {host}`, `sftp {port|-P}`", NULL, &s);
	ok(strcmp(b.s, "`ssh -i '/home/it'\\''s/key' 203.0.113.5`, `sftp `") == 0,
	   "template option placeholder, value unknown: the option and its space go", b.s);
	sb_clear(&b);
	render_template(&b, "ssh {keyfile|-i} x", NULL, &s);
	ok(strcmp(b.s, "ssh -i '/home/it'\\''s/key' x") == 0, "template option placeholder quotes what the shell would split", b.s);
	const char *tilde[][2] = { { "~/.ssh/id_work", "~/.ssh/id_work" }, { "~/my keys/id", "~/'my keys/id'" },
				   { "~taro/.ssh/k", "~taro/.ssh/k" }, { "~/it's", "~/'it'\\''s'" },
				   { "/x/~/y z", "'/x/~/y z'" }, { "~", "'~'" },
				   { "C:\\Users\\taro\\.ssh\\id", "C:\\Users\\taro\\.ssh\\id" },
				   { "C:\\Users\\Taro Yamada\\k.ppk", "\"C:\\Users\\Taro Yamada\\k.ppk\"" },
				   { "\\\\fs01\\keys\\k.ppk", "\\\\fs01\\keys\\k.ppk" } };
	for (size_t i = 0; i < sizeof tilde / sizeof tilde[0]; i++) {
		s.facts[F_KEYFILE] = (char *)tilde[i][0];
		sb_clear(&b);
		render_template(&b, "{keyfile|sh}", NULL, &s);
		ok(strcmp(b.s, tilde[i][1]) == 0, "template |sh: a leading ~/ to the shell, a Windows path for cmd.exe", b.s);
	}
	ok(template_bad_filter("a {x|zz} b") == 2 && template_bad_filter("{x|sh} {y|-p} {z}") == -1 &&
	   template_bad_filter("{x|-}") == 0 && template_bad_filter("{not a|zz}") == -1,
	   "template filters: only |sh and |-X are known", "");
	sb_free(&b);
}

/* A value filter that changes what it gets, so that a path that skipped it would show. */
static void bracket_value(struct sbuf *out, const char *value, void *arg)
{
	(void)arg;
	sb_addc(out, '[');
	sb_adds(out, value);
	sb_addc(out, ']');
}

/* template_piece takes a template apart as the JSON writer keeps it (report_json.c): each literal
 * piece is exactly its span, the pieces cover the template end to end, and rendered one by one
 * (literal words as they are, placeholders by render_placeholder) they give render_template_f's
 * text: every text of every default rule in both languages, with facts and captures for some
 * placeholders and none for others, a value the filter must not see ("<host>"), and hand-made
 * oddities (lone and empty braces, a brace inside a name, "|sh"). */
static void test_template_pieces(void)
{
	struct session s = { 0 };
	s.facts[F_HOST] = "example.jp";
	s.facts[F_PORT] = "2222";
	s.facts[F_USER] = "it's me";
	s.facts[F_KEYFILE] = "/home/u/.ssh/id_ed25519";
	struct capture caps[] = { { "algtype", "key exchange method" }, { "offer", "a,b" }, { "source_address", "<host>" } };
	struct hit h = { .caps = caps, .ncaps = 3 };
	struct sbuf whole, byparts;
	sb_init(&whole);
	sb_init(&byparts);
	unsigned texts = 0, placeholders = 0, bad = 0;
	const char *odd[] = { "", "{", "}", "{}", "{ x}", "a{b", "{user|sh} {user}", "x{host_key_name|sh}y",
			      "{source_address}", "{{user}}", "{nosuch|sh}", "{port|-p} {user}", "a {nosuch|-P} b",
			      "{port|-p}", "{keyfile|-i}x" };
	const struct ruletable *t = &rules_precompiled;
	for (int i = -1; i < t->nrules; i++)
		for (int l = 0; l < LANG_COUNT; l++) {
			const char *list[64];
			int n = 0;
			if (i < 0) {
				if (l > 0)
					continue;
				for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
					list[n++] = odd[k];
			} else {
				const struct rule *r = &t->rules[i];
				list[n++] = r->title.s[l];
				list[n++] = r->diagnosis.s[l];
				for (int k = 0; k < r->nremedy && n < 62; k++)
					list[n++] = r->remedy[k].s[l];
				for (int k = 0; k < r->ncands && n < 62; k++) {
					list[n++] = r->cands[k].cause.s[l];
					list[n++] = r->cands[k].check.s[l];
				}
			}
			for (int k = 0; k < n; k++) {
				if (!list[k])
					continue;
				sb_clear(&whole);
				render_template_f(&whole, list[k], &h, &s, bracket_value, NULL);
				sb_clear(&byparts);
				sb_add(&byparts, "", 0);
				size_t at = 0, len;
				struct template_piece pc;
				while ((len = template_piece(list[k] + at, &pc)) != 0) {
					if (pc.placeholder) {
						render_placeholder(&byparts, &pc, &h, &s, bracket_value, NULL);
						placeholders++;
					} else {
						bad += pc.s != list[k] + at || pc.len != len; /* literal: exactly the span */
						sb_add(&byparts, pc.s, pc.len);
					}
					at += len;
				}
				bad += at != strlen(list[k]) || whole.len != byparts.len || memcmp(whole.s, byparts.s, whole.len) != 0;
				texts++;
			}
		}
	ok(bad == 0 && texts > 3000 && placeholders > 1000, "template pieces render as the whole template", "differs");
	sb_free(&whole);
	sb_free(&byparts);
}

/* Each byte of s[from..to) changed in turn to each byte of near: how often does the fast
 * check disagree with its reference? *rejected counts the texts the reference rejects. */
static unsigned near_misses(char *s, size_t n, size_t from, size_t to, const char *near,
			    bool (*fast)(const char *, size_t), bool (*slow)(const char *, size_t), unsigned *rejected)
{
	unsigned differ = 0;
	for (size_t pos = from; pos < to; pos++)
		for (const char *c = near; *c; c++) {
			char keep = s[pos];
			s[pos] = *c;
			bool f = fast(s, n), r = slow(s, n);
			differ += f != r;
			*rejected += !r;
			s[pos] = keep;
		}
	return differ;
}

/* winscp_shape's timestamp check (8 bytes at a time) against a byte-by-byte reading of
 * "<mark> yyyy-mm-dd hh:nn:ss.zzz ": every timestamp byte changed to each near miss. */
static bool shape_reference(const char *s, size_t n)
{
	static const char form[] = "dddd-dd-dd dd:dd:dd.ddd";
	if (n < 25 || !memchr("<>!.*", s[0], 6) || s[1] != ' ') /* the 6th byte: a NUL reads as "." */
		return false;
	for (size_t i = 0; i < 23; i++)
		if (form[i] == 'd' ? !(s[2 + i] >= '0' && s[2 + i] <= '9') : s[2 + i] != form[i])
			return false;
	return n == 25 || s[25] == ' ';
}

static void test_timestamps(void)
{
	static const char near[] = "/:;0 9-.a\x80\xff\x39\x3a\x2f";
	char line[] = "! 2024-11-30 23:59:58.099 Connection failed.";
	size_t n = strlen(line);
	unsigned rejected = 0;
	unsigned differ = near_misses(line, n, 2, 25, near, winscp_shape, shape_reference, &rejected);
	ok(differ == 0 && rejected > 200 && winscp_shape(line, n), "winscp timestamp = byte-by-byte reading", "differs");
}

/* equals_n compares a NUL-terminated name with counted bytes that may hold a NUL. */
static void test_names(void)
{
	ok(equals_n("user", "user", 4), "names: equal", "missed");
	ok(!equals_n("user", "users", 5), "names: longer bytes", "matched");
	ok(!equals_n("users", "user", 4), "names: shorter bytes", "matched");
	ok(!equals_n("us", "us\0er", 5), "names: a NUL in the bytes", "matched");
	ok(!equals_n("usEr", "user", 4), "names: one byte differs", "matched");
	ok(equals_n("", "x", 0), "names: empty", "missed");
}

/* ---- the precompiled default table (gen_table) against the loader's, field by field ---- */

static char table_diff[512]; /* the first difference found */

static bool differs(const char *what, int i)
{
	if (!*table_diff)
		snprintf(table_diff, sizeof table_diff, "%s differs (item %d)", what, i);
	return false;
}

#define SAME(cond, what) ((cond) || differs(what, i))

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_text(const struct text *a, const struct text *b)
{
	bool same = true;
	for (int l = 0; l < LANG_COUNT; l++)
		same &= same_str(a->s[l], b->s[l]);
	return same;
}

/* Arrays: both NULL, or both there with the same count (checked by the caller) and items. */
static bool same_strv(char **a, char **b, int n)
{
	if (!a || !b)
		return a == b;
	for (int k = 0; k < n; k++)
		if (!same_str(a[k], b[k]))
			return false;
	return true;
}

static bool same_refs(const struct ref *a, const struct ref *b, int n)
{
	if (!a || !b)
		return a == b;
	for (int k = 0; k < n; k++)
		if (!same_str(a[k].name, b[k].name) || a[k].n != b[k].n ||
		    (a[k].n && memcmp(a[k].idx, b[k].idx, (size_t)a[k].n * sizeof *a[k].idx) != 0))
			return false;
	return true;
}

static bool same_sets(const struct fact_set *a, const struct fact_set *b, int n)
{
	if (!a || !b)
		return a == b;
	for (int k = 0; k < n; k++)
		if (a[k].fact != b[k].fact || !same_str(a[k].tmpl, b[k].tmpl))
			return false;
	return true;
}

static bool same_when(const struct fact_cond *a, const struct fact_cond *b, int n)
{
	if (!a || !b)
		return a == b;
	for (int k = 0; k < n; k++)
		if (a[k].fact != b[k].fact || !same_str(a[k].regex, b[k].regex) || !a[k].code != !b[k].code)
			return false;
	return true;
}

static bool same_remedy(const struct rule *a, const struct rule *b)
{
	if (!a->remedy || !b->remedy)
		return a->remedy == b->remedy;
	for (int k = 0; k < a->nremedy; k++)
		if (!same_text(&a->remedy[k], &b->remedy[k]))
			return false;
	return true;
}

static bool same_cands(const struct rule *a, const struct rule *b)
{
	if (!a->cands || !b->cands)
		return a->cands == b->cands;
	for (int k = 0; k < a->ncands; k++)
		if (!same_text(&a->cands[k].cause, &b->cands[k].cause) || !same_text(&a->cands[k].check, &b->cands[k].check))
			return false;
	return true;
}

static bool same_rule(const struct rule *a, const struct rule *b, int i)
{
	return SAME(same_str(a->id, b->id), "id") && SAME(same_str(a->diag, b->diag), "diag") &&
	       SAME(same_str(a->file, b->file), "file") && SAME(a->signal == b->signal, "signal") &&
	       SAME(a->famask == b->famask, "famask") && SAME(a->markmask == b->markmask, "markmask") &&
	       SAME(a->first_pat == b->first_pat && a->npats == b->npats, "first_pat/npats") &&
	       SAME(a->nsets == b->nsets && same_sets(a->sets, b->sets, a->nsets), "sets") &&
	       SAME(a->ndefaults == b->ndefaults && same_sets(a->defaults, b->defaults, a->ndefaults), "sets_default") &&
	       SAME(a->phase == b->phase && a->outcome == b->outcome, "phase/outcome") &&
	       SAME(a->session_start == b->session_start && a->last_line == b->last_line, "session_start/last_line") &&
	       SAME(same_str(a->auth_method, b->auth_method) && same_str(a->auth_key, b->auth_key) &&
		    same_str(a->auth_result, b->auth_result), "auth") &&
	       SAME(a->severity == b->severity && a->confidence == b->confidence && a->priority == b->priority,
		    "severity/confidence/priority") &&
	       SAME(a->nrequires == b->nrequires && same_refs(a->requires, b->requires, a->nrequires), "requires") &&
	       SAME(a->nrequires_any == b->nrequires_any && same_refs(a->requires_any, b->requires_any, a->nrequires_any),
		    "requires_any") &&
	       SAME(a->nexcludes == b->nexcludes && same_refs(a->excludes, b->excludes, a->nexcludes), "excludes") &&
	       SAME(a->nexplains == b->nexplains && same_strv(a->explains, b->explains, a->nexplains), "explains") &&
	       SAME(a->nwhen == b->nwhen && same_when(a->when, b->when, a->nwhen), "when") &&
	       SAME(same_text(&a->title, &b->title), "title") && SAME(same_text(&a->diagnosis, &b->diagnosis), "diagnosis") &&
	       SAME(a->nremedy == b->nremedy && same_remedy(a, b), "remedy") &&
	       SAME(a->ncands == b->ncands && same_cands(a, b), "candidates") &&
	       SAME(a->nrefs == b->nrefs && same_strv(a->refs, b->refs, a->nrefs), "references") &&
	       SAME(a->nex_match == b->nex_match && same_strv(a->ex_match, b->ex_match, a->nex_match), "examples.match") &&
	       SAME(a->nex_nomatch == b->nex_nomatch && same_strv(a->ex_nomatch, b->ex_nomatch, a->nex_nomatch),
		    "examples.no_match");
}

/* Lengths compared as well as bytes: the prefilter memcmp's litlen bytes. */
static bool same_pattern(const struct pattern *a, const struct pattern *b, int i)
{
	return SAME(same_str(a->regex, b->regex), "pattern regex") &&
	       SAME(same_str(a->literal, b->literal) && a->litlen == b->litlen, "pattern literal") &&
	       SAME(a->anchored == b->anchored, "pattern anchored") &&
	       SAME(same_str(a->second, b->second) && a->secondlen == b->secondlen, "pattern second") &&
	       SAME(a->nalts == b->nalts && same_strv(a->alts, b->alts, a->nalts), "pattern alts") &&
	       SAME(a->rule == b->rule, "pattern rule") &&
	       SAME(!a->code == !b->code && a->failed == b->failed, "pattern code/failed");
}

static bool same_table(const struct ruletable *a, const struct ruletable *b)
{
	int i = 0;
	if (!SAME(a->nrules == b->nrules, "nrules") || !SAME(a->npats == b->npats, "npats") ||
	    !SAME(a->idcap == b->idcap, "idcap") || !SAME(a->eager == b->eager, "eager"))
		return false;
	bool same = SAME(a->idcap == 0 || memcmp(a->idhash, b->idhash, (size_t)a->idcap * sizeof *a->idhash) == 0, "idhash");
	for (i = 0; i < a->nrules; i++)
		same &= same_rule(&a->rules[i], &b->rules[i], i);
	for (i = 0; i < a->npats; i++)
		same &= same_pattern(&a->pats[i], &b->pats[i], i);
	return same;
}

static void test_precompiled(void)
{
	struct ruletable *loaded = rules_new();
	bool ok_load = rules_load_embedded(loaded) == 0 && rules_link(loaded) == 0;
	ok(ok_load && loaded->nrules > 0, "precompiled: the embedded rules load", "load or link failed");
	struct ruletable *pre = rules_borrow(&rules_precompiled);
	ok(pre->borrowed && same_table(loaded, pre), "precompiled table equals the loaded one", table_diff);
	rules_free(pre);
	rules_free(loaded);
	/* what run time does to it (compile every pattern, run the examples), then give it back
	 * as it came; the second round starts from the static data again */
	for (int round = 1; round <= 2; round++) {
		char name[64];
		pre = rules_borrow(&rules_precompiled);
		snprintf(name, sizeof name, "precompiled: --check-rules, round %d", round);
		ok(rules_check(pre, false) == 0 && pre->pats[0].code, name, "problems");
		rules_free(pre);
		snprintf(name, sizeof name, "precompiled: given back, round %d", round);
		ok(!rules_precompiled.pats[0].code && !rules_precompiled.pats[0].failed, name, "compiled code left behind");
	}
}

/* Packet-dump rows: valid rows of every length up to 50 triplets, each with one byte changed
 * at every position to a near miss (lower-case hex, 'G', '/', ':', '@', a comma, a high byte). */
static void test_hex_rows(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char near[] = "afG/:@,\x80 ";
	char row[151];
	unsigned seed = 777, differ = 0, valid = 0, rejected = 0;
	for (size_t triplets = 0; triplets <= 50; triplets++) {
		size_t n = 3 * triplets;
		for (size_t i = 0; i < n; i += 3) {
			seed = seed * 1103515245u + 12345u;
			row[i] = hex[(seed >> 16) % 16];
			row[i + 1] = hex[(seed >> 20) % 16];
			row[i + 2] = ',';
		}
		for (size_t cut = n > 2 ? n - 2 : 0; cut <= n; cut++) { /* the row and two shorter ones */
			bool fast = hex_dump_row(row, cut), slow = hex_dump_row_portable(row, cut);
			differ += fast != slow;
			valid += slow;
		}
		differ += near_misses(row, n, 0, n, near, hex_dump_row, hex_dump_row_portable, &rejected);
	}
	ok(differ == 0 && valid == 50 && rejected > 10000, name, "differs");
	char what[160];
	snprintf(what, sizeof what, "%s: a dump row, lower case, no last comma", name);
	ok(hex_dump_row("02,00,1F,", 9) && !hex_dump_row("02,00,1f,", 9) && !hex_dump_row("02,00,1F", 8), what, "wrong");
}

/* line_end against its reference: LF and CR at every offset of texts of every length up to
 * past two SSE blocks, and none at all (the scan must stop at n, not read past it); a byte
 * >= 0x80 at every offset too, which counts only before the line end. */
static void test_line_ends(const char *name)
{
	char buf[64];
	unsigned bad = 0, bad_high = 0, cases = 0, highs = 0;
	for (size_t n = 0; n <= 40; n++)
		for (size_t at = 0; at <= n; at++)
			for (int c = 0; c < 3; c++)
				for (size_t h = 0; h <= n + 1; h++) {
					memset(buf, 'x', sizeof buf);
					buf[n] = '\n'; /* past the end: must not be seen */
					if (h <= n)
						buf[h] = (char)0xC3; /* h == n: past the end too */
					if (at < n)
						buf[at] = c == 0 ? '\n' : c == 1 ? '\r' : '\0';
					bool fast_high = false, slow_high = true;
					size_t fast = line_end(buf, n, &fast_high), slow = line_end_portable(buf, n, &slow_high);
					size_t want = at < n && c < 2 ? at : n;
					bool want_high = h < want && h != at;
					bad += fast != slow || fast != want;
					bad_high += fast_high != want_high || slow_high != want_high;
					highs += want_high;
					cases++;
				}
	ok(bad == 0 && cases > 50000, name, "differs");
	char what[160];
	snprintf(what, sizeof what, "%s: a byte >= 0x80 before the line end is seen, none after it", name);
	ok(bad_high == 0 && highs > 10000, what, "differs");
}

/* The fast scanners must agree with the byte-at-a-time references on every length and at
 * every alignment: strings built from the bytes that matter (quotes, controls, DEL, UTF-8 lead
 * and continuation bytes, the letters of secrets) at random. */
static void test_scan(void)
{
	static const unsigned char alphabet[] = "aAbpPwW-:/\"\\\x01\x1f\x7f\x80\xbf\xc3\xa9\xe3\x81\x82\xf0\x9f\x98\x80\xed\xa0 xs";
	unsigned char buf[80];
	unsigned seed = 12345, bad_run = 0, bad_secret = 0, secrets = 0, runs_cut = 0;
	for (int round = 0; round < 200000; round++) {
		size_t n = (size_t)(seed % 70);
		for (size_t i = 0; i < n + 1; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain text, so that long plain runs and late specials are both seen */
			buf[i] = (seed >> 16) % 8 ? (unsigned char)('c' + (seed >> 20) % 20) : alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		size_t off = (seed >> 16) % 8 < n ? (seed >> 16) % 8 : 0;
		const unsigned char *p = buf + off;
		size_t m = n - off;
		size_t fast = json_plain_run(p, m), slow = json_plain_run_portable(p, m);
		bad_run += fast != slow;
		runs_cut += slow < m;
		bool fs = may_hold_secret((const char *)p, m), ss = may_hold_secret_portable((const char *)p, m);
		bad_secret += fs != ss;
		secrets += ss;
	}
	ok(bad_run == 0 && runs_cut > 1000, "scan: json_plain_run = portable reference", "differs");
	ok(bad_secret == 0 && secrets > 1000, "scan: may_hold_secret = portable reference", "differs");
	const char *clean = "Jan  4 06:00:10 bastion sshd[1]: Connection closed by 203.0.113.5 port 22 [preauth]";
	ok(!may_hold_secret(clean, strlen(clean)), "scan: no secret in a plain sshd line", "false alarm");
	const char *pw = "Command line: winscp.exe sftp://user:hunter2@example.com/";
	ok(may_hold_secret(pw, strlen(pw)), "scan: a URL with a password is caught", "missed");
	const char *tail = "0123456789abcdef0123456789abcdef-pw";
	ok(may_hold_secret(tail, strlen(tail)), "scan: a secret in the last bytes is caught", "missed");
	ok(json_plain_run((const unsigned char *)"caf\xc3\xa9 \"x\"", 9) == 6, "scan: UTF-8 is plain, a quote is not", "wrong length");
	/* where the CPU has AVX2, both versions: SSE2 first */
	scan_set_avx2(false);
	test_line_ends("scan: line_end (SSE2) = portable reference, stops at n");
	test_hex_rows("scan: hex_dump_row (SSE2) = portable reference");
	scan_set_avx2(true);
	test_line_ends("scan: line_end (AVX2 if the CPU has it) = portable reference, stops at n");
	test_hex_rows("scan: hex_dump_row (AVX2 if the CPU has it) = portable reference");
}

/* redact_text with r into a fresh string. */
static char *redacted(struct redactor *r, const char *text)
{
	struct sbuf b;
	sb_init(&b);
	redact_text(r, &b, text, strlen(text));
	sb_addc(&b, '\0');
	return sb_steal(&b);
}

static void redact_case(struct redactor *r, const char *name, const char *text, const char *want)
{
	char *got = redacted(r, text);
	char why[768];
	snprintf(why, sizeof why, "got \"%.300s\", want \"%.300s\"", got, want);
	ok(strcmp(got, want) == 0, name, why);
	free(got);
}

/* A path is redacted whole: one that holds a value learned before (another session's user), a
 * learned one with a space, and the forms the path pattern knows; "~/" and "%USERPROFILE%\"
 * name no one and stay. */
static void test_redact_paths(void)
{
	struct redactor *r = redactor_new();
	redactor_learn(r, PK_USER, "taro");
	redactor_learn(r, PK_PATH, "/opt/keys/taro/id_work");
	redactor_learn(r, PK_PATH, "/srv/keys/ops team/id_deploy");
	redact_case(r, "redact: a learned path holding a user learned before is one pseudonym",
		    "debug1: Trying private key: /opt/keys/taro/id_work", "debug1: Trying private key: /path-1");
	redact_case(r, "redact: a learned path with a space is one pseudonym",
		    "Load key \"/srv/keys/ops team/id_deploy\": Permission denied", "Load key \"/path-2\": Permission denied");
	redact_case(r, "redact: a path holding a learned user is redacted whole",
		    "Script: open sftp://taro@db.example.net/ -privatekey=\"C:\\jobs\\keys\\taro.ppk\"",
		    "Script: open sftp://user-1@host-1.example/ -privatekey=\"/path-3\"");
	redact_case(r, "redact: … the same pseudonym the next time", "Reading key file \"C:\\jobs\\keys\\taro.ppk\"",
		    "Reading key file \"/path-3\"");
	redact_case(r, "redact: a directory that is only the user's name keeps the user's pseudonym",
		    "Real path is '/taro/'", "Real path is '/user-1/'");
	redactor_free(r);
	r = redactor_new();
	redact_case(r, "redact: a macOS volume (with a space)", "debug1: identity file /Volumes/Taro USB/keys/id_rsa type 0",
		    "debug1: identity file /path-1 type 0");
	redact_case(r, "redact: ~user/…", "Warning: Identity file ~yoshida/.ssh/id_work not accessible: No such file or directory.",
		    "Warning: Identity file /path-2 not accessible: No such file or directory.");
	redact_case(r, "redact: a share \\\\server\\share\\…", "Unable to use key file \"\\\\fs01\\keys\\yoshida.ppk\" (unable to open file)",
		    "Unable to use key file \"/path-3\" (unable to open file)");
	redact_case(r, "redact: Win32-OpenSSH's C:\\\\Users\\\\x/…", "Bad owner or permissions on C:\\\\Users\\\\kobayashi/.ssh/config",
		    "Bad owner or permissions on /path-4");
	redact_case(r, "redact: Win32-OpenSSH's account and C:/Users/x/…",
		    "Bad permissions. Try removing permissions for user: DESKTOP-7QK2P\\kobayashi (S-1-5-21-3623811015-3361044348-30300820-1013) on file C:/Users/kobayashi/.ssh/id_ed25519.",
		    "Bad permissions. Try removing permissions for user: user-1 (user-2) on file /path-5.");
	redact_case(r, "redact: … the SID alone (before 8.x)",
		    "debug3: Bad permissions. Try removing permissions for user: S-1-5-21-3623811015-3361044348-30300820-1013 on file C:/ProgramData/ssh/administrators_authorized_keys.",
		    "debug3: Bad permissions. Try removing permissions for user: user-2 on file C:/ProgramData/ssh/administrators_authorized_keys.");
	redact_case(r, "redact: … the account alone (a finding's field)", "DESKTOP-7QK2P\\kobayashi", "user-1");
	redact_case(r, "redact: a well-known account stays",
		    "Bad permissions. Try removing permissions for user: NT AUTHORITY\\Authenticated Users (S-1-5-11) on file",
		    "Bad permissions. Try removing permissions for user: NT AUTHORITY\\Authenticated Users (S-1-5-11) on file");
	redact_case(r, "redact: a path found from its middle is taken whole", "Load key \"/export/home/yoshida/.ssh/id_rsa\": bad permissions",
		    "Load key \"/path-6\": bad permissions");
	redact_case(r, "redact: a sentence's full stop stays out of the path", "Load key \"x\": see /home/yoshida/keys/id_rsa.",
		    "Load key \"x\": see /path-7.");
	redact_case(r, "redact: ~/.ssh/id_ed25519 names no one and stays",
		    "Warning: Identity file ~/.ssh/id_ed25519 not accessible: No such file or directory.",
		    "Warning: Identity file ~/.ssh/id_ed25519 not accessible: No such file or directory.");
	redact_case(r, "redact: %USERPROFILE%\\.ssh\\… names no one and stays",
		    "Unable to use key file \"%USERPROFILE%\\.ssh\\id_ed25519.ppk\" (unable to open file)",
		    "Unable to use key file \"%USERPROFILE%\\.ssh\\id_ed25519.ppk\" (unable to open file)");
	redactor_free(r);
}

/* The learned values are found by an index (their first two bytes and length): values that
 * share a start, values of 64 bytes and more, and ten thousand of them. */
static void test_redactor(void)
{
	struct redactor *r = redactor_new();
	redactor_learn(r, PK_USER, "ab");
	redactor_learn(r, PK_USER, "abc9");
	redactor_learn(r, PK_USER, "abcdefgh");
	redact_case(r, "redact: values that share their first bytes", "ab abc9 abcdefgh abx xab",
		    "user-1 user-2 user-3 abx xab");
	char key[200];
	snprintf(key, sizeof key, "D:\\keys\\%s.ppk",
		 "a-key-file-name-long-enough-to-pass-sixty-four-bytes-of-path-and-then-some");
	redactor_learn(r, PK_PATH, key);
	char text[300];
	snprintf(text, sizeof text, "Reading key file \"%s\"", key);
	redact_case(r, "redact: a value of 64 bytes or more", text, "Reading key file \"/path-1\"");
	redact_case(r, "redact: an address that begins like a known one keeps its own",
		    "from 10.0.0.2 port 1", "from 192.0.2.1 port 1");
	redact_case(r, "redact: … (the longer one)", "from 10.0.0.25 port 1", "from 192.0.2.2 port 1");
	redact_case(r, "redact: … (both on one line)", "to 10.0.0.2, then 10.0.0.25", "to 192.0.2.1, then 192.0.2.2");
	redact_case(r, "redact: a known address glued to a word is still hidden", "from10.0.0.2:22", "from192.0.2.1:22");
	redact_case(r, "redact: a known address is not cut out of a longer number", "build 10.0.0.2999", "build 10.0.0.2999");
	char v[32];
	for (int i = 0; i < 10000; i++) {
		snprintf(v, sizeof v, "u%05dz", i);
		redactor_learn(r, PK_USER, v);
	}
	redact_case(r, "redact: ten thousand values, the first and the last still known",
		    "u00000z then u09999z", "user-4 then user-10003");
	for (int i = 3; i <= 255; i++) {
		snprintf(v, sizeof v, "10.9.%d.%d", i / 200, i % 200);
		free(redacted(r, v));
	}
	redact_case(r, "redact: the 255th address's pseudonym is not the first's", "10.9.1.55", "2001:db8::ff");
	redact_case(r, "redact: … and stays its own", "via 10.9.1.55.", "via 2001:db8::ff.");
	redactor_free(r);
	r = redactor_new();
	redactor_learn(r, PK_HOST, "ftp.corp-example.com");
	redact_case(r, "redact: a learned host name is not cut out of a longer one",
		    "sftp.corp-example.com, ftp.corp-example.com", "host-2.example, host-1.example");
	redactor_free(r);
	test_redact_paths();
	redact_case(NULL, "mask: a passphrase given on a line is hidden", "passphrase: hunter2", "passphrase: ********");
	redact_case(NULL, "mask: OpenSSH's read_passphrase: function name is not a passphrase",
		    "debug1: read_passphrase: requested to askpass", "debug1: read_passphrase: requested to askpass");
}

static void count_session(struct session *s, void *arg)
{
	(*(int *)arg)++;
	session_free(s);
}

/* A second reading (correlation) stops where the first one ended, so that a log that grew
 * in between gives the same sessions: two attempts in one file, read whole, then up to the
 * last line of the first. */
static void test_line_limit(void)
{
	struct ruletable *t = rules_borrow(&rules_precompiled);
	struct engine *e = engine_new(t);
	int n = 0;
	struct tracker *tr = tracker_new(t, count_session, &n);
	struct analyzer a = { .t = t, .e = e, .tr = tr, .forced_format = -1 };
	const char *path = "testdata/mixed/lab-unknown-user.ssh-then-sftp.log";
	struct input_info whole = { 0 }, part = { 0 };
	int rc = analyze_input(&a, path, &whole, NULL, NULL);
	int n_whole = n;
	n = 0;
	a.line_limit = 64;
	int rc2 = analyze_input(&a, path, &part, NULL, NULL);
	char why[160];
	snprintf(why, sizeof why, "whole: rc %d, %d sessions, %llu lines; up to line 64: rc %d, %d sessions",
		 rc, n_whole, (unsigned long long)whole.lines, rc2, n);
	ok(rc == 0 && rc2 == 0 && n_whole == 2 && whole.lines > 64 && n == 1, "analyzer: a line limit ends the reading there", why);
	free(whole.name);
	free(part.name);
	tracker_free(tr);
	engine_free(e);
	rules_free(t);
	session_pool_free();
	template_scratch_free();
}

/* Windows PowerShell 5.1's wrapping of a redirected stderr: the prefix and the position line,
 * and what only looks like them. */
/* Which unprefixed PuTTY lines are the SSH proxy's questions: a plink -v run through a jump
 * host, line by line, each with whether it is the hop's. */
static void test_putty_interactor(void)
{
	static const struct { const char *line; bool hop; } run[] = {
		{ "Leaving host lookup to proxy of \"127.0.0.1\" (for SSH connection)", false },
		{ "proxy: Connecting to 127.0.0.1 port 2201", true },
		{ "We claim version: SSH-2.0-PuTTY_Release_0.78", false },
		{ "-- Making proxy SSH connection to 127.0.0.1 port 2201 ------------------------", false },
		{ "The host key is not cached for this server:", true },
		{ "  127.0.0.1 (port 2201)", true },
		{ "Store key in cache? (y/n, Return cancels connection, i for more info) proxy: Initialised", true },
		{ "proxy: Access granted", true },
		{ "lltuser@127.0.0.1's password: ", true },
		{ "proxy: Opened main channel", true },
		{ "Connected to 127.0.0.1", false },
		{ "Making proxy SSH connection to 127.0.0.1 port 2201", false },
		{ "Connection abandoned.", true },
		{ "Making primary SSH connection to 127.0.0.1 port 2202", false },
		{ "The host key is not cached for this server:", false },
		{ "Making proxy SSH connection to 127.0.0.1 port 2201", false },
		{ "Looking up host \"127.0.0.1\" for SSH connection", false },
		{ "Connecting to 127.0.0.1 port 22", false },
	};
	bool asks = false;
	for (size_t i = 0; i < sizeof run / sizeof run[0]; i++) {
		struct event ev = { 0 };
		tok_putty(run[i].line, strlen(run[i].line), &ev);
		putty_interactor(&ev, &asks);
		ok(ev.hop == run[i].hop, run[i].line, run[i].hop ? "not taken for the jump host's" : "taken for the jump host's");
	}
}

static void test_powershell(void)
{
	static const struct { const char *line; size_t prefix; } pre[] = {
		{ "ssh : OpenSSH_for_Windows_9.5p2, LibreSSL 3.8.2", 6 },
		{ "plink.exe : Looking up host \"x\" for SSH connection", 12 },
		{ "PSFTP.EXE : psftp: no hostname specified", 12 },
		{ "sftp : Connection closed", 7 },
		{ "ssh: connect to host x port 22: Connection refused", 0 },
		{ "sshd : something", 0 },
		{ "node : node:events:495", 0 },
		{ "ssh :OpenSSH", 0 },
		{ "Host key fingerprint is: ssh-ed25519 255 x", 0 },
		{ "ssh", 0 },
	};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		ok(powershell_prefix(pre[i].line, strlen(pre[i].line)) == pre[i].prefix, pre[i].line,
		   "wrong PowerShell prefix length");
	static const struct { const char *line; bool position; } pos[] = {
		{ "At line:1 char:1", true },
		{ "At C:\\scripts\\up.ps1:12 char:5", true },
		{ "発生場所 行:1 文字:1", true },
		{ "発生場所 C:\\scripts\\up.ps1:3 文字:9", true },
		{ "At line:1", false },
		{ "At least 1 char:", false },
		{ "At line:x char:1", false },
		{ "Attempting to connect char:1", false },
	};
	for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
		ok(powershell_position(pos[i].line, strlen(pos[i].line)) == pos[i].position, pos[i].line,
		   "PowerShell position line misjudged");
}

int main(void)
{
	test_reader();
	test_tokenizers();
	test_detect();
	test_literals();
	test_utf8_cut();
	test_regex();
	test_unvis();
	test_templates();
	test_template_pieces();
	test_names();
	test_timestamps();
	test_precompiled();
	test_scan();
	test_redactor();
	test_line_limit();
	test_powershell();
	test_putty_interactor();
	return failures ? 1 : 0;
}
