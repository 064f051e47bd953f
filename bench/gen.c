/* gen.c — deterministic corpus generator for the loglens benchmark (bench/gen.sh drives it).
 *
 *   gen big   OUT OUT_HEAD HEAD_BYTES BYTES SEED LIST   one large mixed log, and its first HEAD_BYTES
 *   gen small DIR COUNT SEED LIST                       COUNT small logs (a few KB each) in DIR
 *   gen sshd  OUT BYTES SEED LIST                       an sshd syslog corpus
 *
 * LIST names the real transcripts to mix in, one "KIND PATH" per line, KIND being openssh,
 * putty, winscp or sshd. Lab transcripts and the WinSCP fixtures are copied verbatim. The
 * fixtures are short and seldom Debug 2, so a night of Debug 2 transfers is synthesised too, in
 * the shape of testdata/winscp/level-debug2-*.log: mark, local timestamp, text, CRLF; the socket
 * and I/O lines of Debug 1/2 around every request; after every SFTP packet line, the packet
 * (type byte first, as TSFTPPacket::Dump writes GetData()) as upper-case hex bytes, each with a
 * comma, 25 a line; some sessions end in a refusal, a timeout, a refused key or password, a
 * permission error or a dropped connection. sshd lines (bare, -E or RFC 3339) are rewritten to
 * the classic syslog form with varying PIDs, addresses, ports and times, several connections
 * interleaved. Same SEED, same inputs: same bytes. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- small helpers ---- */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rn(unsigned n) /* 0 .. n-1 */
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static unsigned rr(unsigned lo, unsigned hi) /* lo .. hi */
{
	return lo + rn(hi - lo + 1);
}

/* log-uniform in [lo, hi] */
static unsigned rlog(unsigned lo, unsigned hi)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	double v = (double)lo * exp(u * log((double)hi / lo));
	return (unsigned)v;
}

/* ---- the input transcripts ---- */

enum kind { K_OPENSSH, K_PUTTY, K_WINSCP, K_SSHD, K_COUNT };
static const char *const kind_names[K_COUNT] = { "openssh", "putty", "winscp", "sshd" };

struct doc {
	char *text;
	size_t len;
	char *name;
};

struct docs {
	struct doc *v;
	size_t n, cap;
};

static struct docs docs[K_COUNT];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	size_t cap = 1 << 14, n = 0;
	char *b = malloc(cap + 2);
	size_t k;
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			b = realloc(b, (cap *= 2) + 2);
	}
	fclose(f);
	if (n && b[n - 1] != '\n')
		b[n++] = '\n';
	b[n] = 0;
	*len = n;
	return b;
}

static void load_list(const char *list)
{
	FILE *f = fopen(list, "r");
	if (!f)
		die("%s: %s", list, strerror(errno));
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		int k;
		for (k = 0; k < K_COUNT && strcmp(line, kind_names[k]) != 0; k++)
			;
		if (k == K_COUNT)
			die("%s: unknown kind %s", list, line);
		struct docs *d = &docs[k];
		if (d->n == d->cap)
			d->v = realloc(d->v, (d->cap = d->cap ? 2 * d->cap : 64) * sizeof *d->v);
		struct doc *x = &d->v[d->n++];
		x->text = slurp(sp + 1, &x->len);
		x->name = strdup(sp + 1);
	}
	fclose(f);
}

/* ---- buffered output: whole lines only; a second file may take the first HEAD bytes ---- */

#define OBUF (1 << 20)

struct out {
	FILE *f, *head;
	uint64_t head_limit;
	char buf[OBUF];
	size_t n;
	uint64_t total;
	uint64_t lines;
};

static void out_flush(struct out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		die("write: %s", strerror(errno));
	if (o->head && o->n && fwrite(o->buf, 1, o->n, o->head) != o->n)
		die("write: %s", strerror(errno));
	o->n = 0;
}

/* called after each complete line */
static inline void out_eol(struct out *o)
{
	o->lines++;
	if (o->head && o->total >= o->head_limit) {
		out_flush(o);
		if (fclose(o->head) != 0)
			die("close: %s", strerror(errno));
		o->head = NULL;
	} else if (o->n > OBUF - 16384) {
		out_flush(o);
	}
}

static inline void out_add(struct out *o, const char *s, size_t n)
{
	if (o->n + n > OBUF)
		out_flush(o);
	if (n > OBUF) {
		if (fwrite(s, 1, n, o->f) != n || (o->head && fwrite(s, 1, n, o->head) != n))
			die("write: %s", strerror(errno));
	} else {
		memcpy(o->buf + o->n, s, n);
		o->n += n;
	}
	o->total += n;
}

static void out_open(struct out *o, const char *path, const char *head, uint64_t head_limit)
{
	memset(o, 0, sizeof *o);
	o->f = fopen(path, "wb");
	if (!o->f)
		die("%s: %s", path, strerror(errno));
	if (head) {
		o->head = fopen(head, "wb");
		if (!o->head)
			die("%s: %s", head, strerror(errno));
		o->head_limit = head_limit;
	}
}

static void out_close(struct out *o)
{
	out_flush(o);
	if (o->head)
		fclose(o->head);
	if (fclose(o->f) != 0)
		die("close: %s", strerror(errno));
}

/* copy a document verbatim, counting its lines */
static void out_doc(struct out *o, const struct doc *d)
{
	const char *p = d->text, *end = d->text + d->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p) + 1;
		out_add(o, p, n);
		out_eol(o);
		p += n;
	}
}

/* ---- WinSCP session log synthesis ---- */

struct clock {
	int y, mo, d, h, mi, s, ms;
	char txt[80]; /* yyyy-mm-dd hh:nn:ss.zzz */
};

static int mdays(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

static void clock_render(struct clock *c)
{
	snprintf(c->txt, sizeof c->txt, "%04d-%02d-%02d %02d:%02d:%02d.%03d", c->y, c->mo, c->d, c->h, c->mi,
		 c->s, c->ms);
}

static void clock_add(struct clock *c, unsigned ms)
{
	if (!ms)
		return;
	c->ms += (int)ms;
	if (c->ms >= 1000) {
		c->s += c->ms / 1000;
		c->ms %= 1000;
		if (c->s >= 60) {
			c->mi += c->s / 60;
			c->s %= 60;
			if (c->mi >= 60) {
				c->h += c->mi / 60;
				c->mi %= 60;
				while (c->h >= 24) {
					c->h -= 24;
					if (++c->d > mdays(c->y, c->mo)) {
						c->d = 1;
						if (++c->mo > 12) {
							c->mo = 1;
							c->y++;
						}
					}
				}
			}
		}
		clock_render(c);
	} else {
		/* only the milliseconds moved */
		c->txt[20] = (char)('0' + c->ms / 100);
		c->txt[21] = (char)('0' + c->ms / 10 % 10);
		c->txt[22] = (char)('0' + c->ms % 10);
	}
}

struct wsess {
	struct out *o;
	struct clock *clk;
	int level;          /* 0 Normal, 1 Debug 1, 2 Debug 2 */
	const char *host, *ip, *user;
	unsigned port, sock, pid;
	int keyauth;
	unsigned reqno;
	uint64_t *count;    /* line counters by class */
};

enum { C_HEX, C_SOCK, C_WOTHER, C_FAIL, C_COUNT };

/* one WinSCP line: "<mark> <ts> <text>\r\n" */
static void wl(struct wsess *w, char mark, int cls, const char *fmt, ...)
{
	char line[2048];
	line[0] = mark;
	line[1] = ' ';
	memcpy(line + 2, w->clk->txt, 23);
	line[25] = ' ';
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + 26, sizeof line - 28, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 29)
		n = (int)(sizeof line - 29);
	n += 26;
	line[n++] = '\r';
	line[n++] = '\n';
	out_add(w->o, line, (size_t)n);
	out_eol(w->o);
	w->count[cls]++;
	clock_add(w->clk, rn(4) == 0 ? rr(1, 15) : 0);
}

/* Debug 2: the packet as bytes, 25 a line, each byte as two uppercase hex digits and a comma */
static void hexdump(struct wsess *w, char mark, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	char line[26 + 75 + 2];
	line[0] = mark;
	line[1] = ' ';
	memcpy(line + 2, w->clk->txt, 23);
	line[25] = ' ';
	for (size_t i = 0; i < n; i += 25) {
		size_t k = n - i < 25 ? n - i : 25;
		char *q = line + 26;
		for (size_t j = 0; j < k; j++) {
			*q++ = hx[p[i + j] >> 4];
			*q++ = hx[p[i + j] & 15];
			*q++ = ',';
		}
		*q++ = '\r';
		*q++ = '\n';
		out_add(w->o, line, (size_t)(q - line));
		out_eol(w->o);
		w->count[C_HEX]++;
	}
}

static size_t put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t putstr(unsigned char *p, const char *s)
{
	size_t n = strlen(s);
	put32(p, (uint32_t)n);
	memcpy(p + 4, s, n);
	return 4 + n;
}

enum { FXP_INIT = 1, FXP_VERSION = 2, FXP_OPEN = 3, FXP_CLOSE = 4, FXP_WRITE = 6, FXP_REALPATH = 16,
       FXP_STATUS = 101, FXP_HANDLE = 102, FXP_NAME = 104 };

static const char *fxp_name(int t)
{
	switch (t) {
	case FXP_INIT: return "SSH_FXP_INIT";
	case FXP_VERSION: return "SSH_FXP_VERSION";
	case FXP_OPEN: return "SSH_FXP_OPEN";
	case FXP_CLOSE: return "SSH_FXP_CLOSE";
	case FXP_WRITE: return "SSH_FXP_WRITE";
	case FXP_REALPATH: return "SSH_FXP_REALPATH";
	case FXP_STATUS: return "SSH_FXP_STATUS";
	case FXP_NAME: return "SSH_FXP_NAME";
	default: return "SSH_FXP_HANDLE";
	}
}

/* The packet being built: type byte first, no length prefix (TSFTPPacket::Dump dumps GetData(),
 * GetLength() bytes; "Size:" is that length). */
static unsigned char pkt[40000];
static size_t plen;

static void pk_begin(int type, int id)
{
	plen = 0;
	pkt[plen++] = (unsigned char)type;
	if (id >= 0)
		plen += put32(pkt + plen, (uint32_t)id);
}

static void pk_u32(uint32_t v)
{
	plen += put32(pkt + plen, v);
}

static void pk_str(const char *s)
{
	plen += putstr(pkt + plen, s);
}

/* Debug 1 and 2: the socket chatter of one request sent and its reply read */
static void io_sent(struct wsess *w, size_t size)
{
	if (w->level < 1)
		return;
	wl(w, '.', C_SOCK, "Sent %zu bytes", size + 4);
	wl(w, '.', C_SOCK, "There are 0 bytes remaining in the send buffer");
}

static void io_wait(struct wsess *w)
{
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Looking for network events");
		wl(w, '.', C_SOCK, "Timeout waiting for network events");
	}
	if (w->level >= 1)
		wl(w, '.', C_SOCK, "Waiting for another 4 bytes");
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Looking for incoming data");
		wl(w, '.', C_SOCK, "Looking for network events");
	}
	clock_add(w->clk, rr(20, 60));
	if (w->level >= 1)
		wl(w, '.', C_SOCK, "Detected network event");
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Enumerating network events for socket %u", w->sock);
		wl(w, '.', C_SOCK, "Enumerated 1 network events making 1 cumulative events for socket %u", w->sock);
		wl(w, '.', C_SOCK, "Handling network read event on socket %u with error 0", w->sock);
	}
}

static void io_received(struct wsess *w, size_t size)
{
	if (w->level < 1)
		return;
	wl(w, '.', C_SOCK, "Received %zu bytes", size + 4);
	wl(w, '.', C_SOCK, "Read 4 bytes (%zu pending)", size);
	wl(w, '.', C_SOCK, "Read %zu bytes (0 pending)", size);
}

/* Log the packet in pkt the way TSFTPFileSystem::LogPacket does, with the I/O around it. */
static void pk_send(struct wsess *w, int number)
{
	wl(w, '>', C_WOTHER, "Type: %s, Size: %zu, Number: %d", fxp_name(pkt[0]), plen, number);
	if (w->level >= 2)
		hexdump(w, '>', pkt, plen);
	io_sent(w, plen);
	io_wait(w);
}

static void pk_recv(struct wsess *w, int number, int logged)
{
	io_received(w, plen);
	if (!logged)
		return;
	wl(w, '<', C_WOTHER, "Type: %s, Size: %zu, Number: %d", fxp_name(pkt[0]), plen, number);
	if (w->level >= 2)
		hexdump(w, '<', pkt, plen);
}

static void pk_handle(void) /* OpenSSH's handles: a 4-byte string */
{
	pk_u32(4);
	pk_u32(0);
}

static void pk_status(int id, int code, const char *msg)
{
	pk_begin(FXP_STATUS, id);
	pk_u32((uint32_t)code);
	pk_str(msg);
	pk_str("");
}

/* Debug 1/2, before the version exchange and authentication: the network wait of PuTTY's loop */
static void ws_netwait(struct wsess *w)
{
	if (w->level >= 1)
		wl(w, '.', C_SOCK, "Waiting for the server to continue with the initialization");
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Looking for incoming data");
		wl(w, '.', C_SOCK, "Looking for network events");
	}
	clock_add(w->clk, rr(20, 60));
	if (w->level >= 1)
		wl(w, '.', C_SOCK, "Detected network event");
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Enumerating network events for socket %u", w->sock);
		wl(w, '.', C_SOCK, "Enumerated 1 network events making 1 cumulative events for socket %u", w->sock);
		wl(w, '.', C_SOCK, "Handling network read event on socket %u with error 0", w->sock);
	}
}

static const char *const hosts[] = { "sftp.example.com", "files.example.net", "upload.example.org",
				     "backup.example.jp", "www.example.com", "192.0.2.44" };
static const char *const ips[] = { "192.0.2.10", "198.51.100.7", "203.0.113.25", "192.0.2.80",
				   "203.0.113.10", "192.0.2.44" };
static const char *const users[] = { "bob", "alice", "deploy", "backup", "tanaka", "webadmin" };
static const char *const dirs[] = { "/home/%s/incoming", "/var/www/html", "/srv/sftp/%s/data",
				    "/data/exchange" };
static const char *const exts[] = { "csv", "zip", "txt", "pdf", "xml", "jpg", "log", "json" };

static void ws_header(struct wsess *w, int full)
{
	static const char sep[] = "--------------------------------------------------------------------------";
	static const char *const lvl[] = { "Normal", "Debug 1", "Debug 2" };
	if (full) {
		wl(w, '.', C_WOTHER, "%s", sep);
		wl(w, '.', C_WOTHER, "WinSCP Version 6.5.5 (Build 16410 2025-11-18) (OS 10.0.26100 \xe2\x80\x93 Windows 11 Pro)");
		wl(w, '.', C_WOTHER, "Configuration: HKCU\\Software\\Martin Prikryl\\WinSCP 2\\");
		wl(w, '.', C_WOTHER, "Log level: %s", lvl[w->level]);
		wl(w, '.', C_WOTHER, "Local account: DESKTOP-4K7Q2MB\\%s", w->user);
		wl(w, '.', C_WOTHER, "Working directory: C:\\Program Files (x86)\\WinSCP");
		wl(w, '.', C_WOTHER, "Process ID: %u", w->pid);
		wl(w, '.', C_WOTHER, "Ancestor processes: cmd, explorer");
		wl(w, '.', C_WOTHER, "Command-line: \"C:\\Program Files (x86)\\WinSCP\\WinSCP.com\" /log=\"C:\\Logs\\night.log\" /loglevel=%d /script=\"C:\\Scripts\\upload.txt\"",
		   w->level);
		wl(w, '.', C_WOTHER, "Time zone: Current: GMT+9 (Tokyo Standard Time), No DST");
		wl(w, '.', C_WOTHER, "Login time: Monday, January 1, 2024 10:00:00 PM");
		wl(w, '.', C_WOTHER, "%s", sep);
	}
	wl(w, '.', C_WOTHER, "Session name: %s@%s (Site)", w->user, w->host);
	wl(w, '.', C_WOTHER, "Host name: %s (Port: %u)", w->host, w->port);
	wl(w, '.', C_WOTHER, "User name: %s (Password: %s, Key file: %s, Passphrase: No)", w->user,
	   w->keyauth ? "No" : "Yes", w->keyauth ? "Yes" : "No");
	wl(w, '.', C_WOTHER, "Tunnel: No");
	wl(w, '.', C_WOTHER, "Transfer Protocol: SFTP");
	wl(w, '.', C_WOTHER, "Ping type: Off, Ping interval: 30 sec; Timeout: 15 sec");
	wl(w, '.', C_WOTHER, "Disable Nagle: No");
	wl(w, '.', C_WOTHER, "Proxy: None");
	wl(w, '.', C_WOTHER, "Send buffer: 262144");
	wl(w, '.', C_WOTHER, "Compression: No");
	wl(w, '.', C_WOTHER, "Bypass authentication: No");
	wl(w, '.', C_WOTHER, "Try agent: Yes; Agent forwarding: No; KI: Yes; GSSAPI: Yes");
	wl(w, '.', C_WOTHER, "GSSAPI: KEX: No; Forwarding: No; Libs: gssapi32,sspi,custom; Custom: ");
	wl(w, '.', C_WOTHER, "Ciphers: aes,chacha20,aesgcm,3des,WARN,des,blowfish,arcfour; Ssh2DES: No");
	wl(w, '.', C_WOTHER, "KEX: ntru-curve25519,mlkem-curve25519,mlkem-nist,ecdh,dh-gex-sha1,dh-group18-sha512,dh-group17-sha512,dh-group16-sha512,dh-group15-sha512,rsa,WARN,dh-group14-sha1,dh-group1-sha1");
	wl(w, '.', C_WOTHER, "SSH Bugs: Auto,Auto,Auto,Auto,Auto,Auto,Auto,Auto,Auto,Auto");
	wl(w, '.', C_WOTHER, "Simple channel: Yes");
	wl(w, '.', C_WOTHER, "Return code variable: Autodetect; Lookup user groups: Auto");
	wl(w, '.', C_WOTHER, "Shell: default");
	wl(w, '.', C_WOTHER, "EOL: LF, UTF: Auto");
	wl(w, '.', C_WOTHER, "Clear aliases: Yes, Unset nat.vars: Yes, Resolve symlinks: Yes; Follow directory symlinks: No");
	wl(w, '.', C_WOTHER, "LS: ls -la, Ign LS warn: Yes, Scp1 Comp: No; Exit code 1 is error: No");
	wl(w, '.', C_WOTHER, "SFTP Bugs: Auto,Auto");
	wl(w, '.', C_WOTHER, "SFTP Server: default");
	wl(w, '.', C_WOTHER, "Local directory: default, Remote directory: home, Update: Yes, Cache: Yes");
	wl(w, '.', C_WOTHER, "Cache directory changes: Yes, Permanent: Yes");
	wl(w, '.', C_WOTHER, "Recycle bin: Delete to: No, Overwritten to: No, Bin path: ");
	wl(w, '.', C_WOTHER, "DST mode: Unix");
	wl(w, '.', C_WOTHER, "%s", sep);
}

enum wfail { WF_NONE, WF_REFUSED, WF_TIMEOUT, WF_KEY_REFUSED, WF_PASSWORD, WF_PERMISSION, WF_CLOSED, WF_COUNT };

static unsigned next_number(struct wsess *w)
{
	w->reqno += rr(1, 300);
	return w->reqno;
}

/* Connect, authenticate, start SFTP; returns 0 if the session got that far. */
static int ws_connect(struct wsess *w, enum wfail fail)
{
	wl(w, '.', C_WOTHER, "Looking up host \"%s\" for SSH connection", w->host);
	wl(w, '.', C_WOTHER, "Connecting to %s port %u", w->ip, w->port);
	if (w->level >= 2)
		wl(w, '.', C_SOCK, "Selecting events 63 for socket %u", w->sock);
	if (fail == WF_REFUSED) {
		wl(w, '.', C_FAIL, "Failed to connect to %s: Network error: Connection refused", w->ip);
		wl(w, '*', C_FAIL, "(ESshFatal) Network error: Connection to \"%s\" refused.", w->host);
		return -1;
	}
	if (fail == WF_TIMEOUT) {
		clock_add(w->clk, 15000);
		wl(w, '.', C_FAIL, "Failed to connect to %s: Network error: Connection timed out", w->ip);
		wl(w, '*', C_FAIL, "(ESshFatal) Network error: Connection to \"%s\" timed out.", w->host);
		return -1;
	}
	ws_netwait(w);
	if (w->level >= 2) {
		wl(w, '.', C_SOCK, "Handling network write event on socket %u with error 0", w->sock);
		wl(w, '.', C_SOCK, "Handling network connect event on socket %u with error 0", w->sock);
	}
	wl(w, '.', C_WOTHER, "Connected to %s (from 192.168.1.%u:%u)", w->ip, rr(2, 250), rr(49152, 65535));
	wl(w, '.', C_WOTHER, "We claim version: SSH-2.0-WinSCP_release_6.5.5");
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Remote version: SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5");
	wl(w, '.', C_WOTHER, "Using SSH protocol version 2");
	wl(w, '.', C_WOTHER, "Have a known host key of type ssh-ed25519");
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Enabling strict key exchange semantics");
	wl(w, '.', C_WOTHER, "Doing NTRU Prime / Curve25519 hybrid key exchange, using hash SHA-512");
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Server also has ecdsa-sha2-nistp256/rsa-sha2-512/rsa-sha2-256 host keys, but we don't know any of them");
	wl(w, '.', C_WOTHER, "Host key fingerprint is:");
	wl(w, '.', C_WOTHER, "ssh-ed25519 255 SHA256:bvT02DIQ5aqc0jv7BDZ0DgCp+8XeFyphGSQnxReLCkw");
	wl(w, '.', C_WOTHER, "Host key matches cached key");
	wl(w, '.', C_WOTHER, "Initialised AES-256 SDCTR (AES-NI accelerated) [aes256-ctr] outbound encryption");
	wl(w, '.', C_WOTHER, "Initialised HMAC-SHA-256 outbound MAC algorithm");
	wl(w, '.', C_WOTHER, "Initialised AES-256 SDCTR (AES-NI accelerated) [aes256-ctr] inbound encryption");
	wl(w, '.', C_WOTHER, "Initialised HMAC-SHA-256 inbound MAC algorithm");
	ws_netwait(w);
	wl(w, '!', C_WOTHER, "Using username \"%s\".", w->user);
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Server offered these authentication methods: publickey,password");
	if (w->keyauth) {
		wl(w, '.', C_WOTHER, "Reading key file \"C:\\Users\\%s\\.ssh\\id_ed25519.ppk\"", w->user);
		wl(w, '.', C_WOTHER, "Offered public key");
		ws_netwait(w);
		if (fail == WF_KEY_REFUSED) {
			wl(w, '!', C_FAIL, "Server refused our key");
			wl(w, '.', C_WOTHER, "Server offered these authentication methods: publickey,password");
			wl(w, '.', C_WOTHER, "Prompt (password, \"SSH password\", <no instructions>, \"&Password: \")");
			wl(w, '.', C_WOTHER, "Prompt cancelled.");
			wl(w, '*', C_FAIL, "(ESshFatal) Authentication log (see session log for details):");
			wl(w, '*', C_FAIL, "Using username \"%s\".", w->user);
			wl(w, '*', C_FAIL, "Server refused our key");
			wl(w, '*', C_FAIL, "");
			wl(w, '*', C_FAIL, "Authentication failed.");
			return -1;
		}
		wl(w, '.', C_WOTHER, "Offer of public key accepted");
		wl(w, '!', C_WOTHER, "Authenticating with public key \"ed25519-key-20240101\"");
	} else {
		wl(w, '.', C_WOTHER, "Prompt (password, \"SSH password\", <no instructions>, \"&Password: \")");
		wl(w, '.', C_WOTHER, "Using stored password.");
		wl(w, '.', C_WOTHER, "Sent password");
		ws_netwait(w);
		if (fail == WF_PASSWORD) {
			wl(w, '.', C_FAIL, "Password authentication failed");
			wl(w, '!', C_FAIL, "Access denied");
			wl(w, '*', C_FAIL, "(ESshFatal) Authentication log (see session log for details):");
			wl(w, '*', C_FAIL, "Using username \"%s\".", w->user);
			wl(w, '*', C_FAIL, "Access denied.");
			wl(w, '*', C_FAIL, "");
			wl(w, '*', C_FAIL, "Authentication failed.");
			return -1;
		}
	}
	wl(w, '.', C_WOTHER, "Access granted");
	wl(w, '.', C_WOTHER, "Opening main session channel");
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Opened main channel");
	ws_netwait(w);
	wl(w, '.', C_WOTHER, "Started a shell/command");
	wl(w, '.', C_WOTHER, "--------------------------------------------------------------------------");
	wl(w, '.', C_WOTHER, "Using SFTP protocol.");
	wl(w, '.', C_WOTHER, "Doing startup conversation with host.");
	pk_begin(FXP_INIT, -1);
	pk_u32(6);
	pk_send(w, -1);
	pk_begin(FXP_VERSION, -1);
	pk_u32(3);
	pk_str("posix-rename@openssh.com");
	pk_str("1");
	pk_str("statvfs@openssh.com");
	pk_str("2");
	pk_str("limits@openssh.com");
	pk_str("1");
	pk_recv(w, -1, 1);
	wl(w, '.', C_WOTHER, "SFTP version 3 negotiated.");
	wl(w, '.', C_WOTHER, "Supports extension posix-rename@openssh.com=1");
	wl(w, '.', C_WOTHER, "Supports statvfs@openssh.com extension version 2");
	wl(w, '.', C_WOTHER, "Supports limits@openssh.com extension version 1");
	wl(w, '.', C_WOTHER, "We believe the server has signed timestamps bug");
	wl(w, '.', C_WOTHER, "We will use UTF-8 strings until server sends an invalid UTF-8 string as with SFTP version 3 and older UTF-8 strings are not mandatory");
	wl(w, '.', C_WOTHER, "Getting current directory name.");
	wl(w, '.', C_WOTHER, "Getting real path for '.'");
	unsigned id = next_number(w);
	pk_begin(FXP_REALPATH, (int)id);
	pk_str(".");
	pk_send(w, (int)id);
	char home[64];
	snprintf(home, sizeof home, "/home/%s", w->user);
	pk_begin(FXP_NAME, (int)id);
	pk_u32(1);
	pk_str(home);
	pk_str("");
	pk_u32(0);
	pk_recv(w, (int)id, 1);
	wl(w, '.', C_WOTHER, "Real path is '%s'", home);
	wl(w, '.', C_WOTHER, "Startup conversation with host finished.");
	wl(w, '.', C_WOTHER, "Session upkeep");
	return 0;
}

static void thousands(char *b, size_t cap, unsigned v)
{
	if (v >= 1000000)
		snprintf(b, cap, "%u,%03u,%03u", v / 1000000, v / 1000 % 1000, v % 1000);
	else if (v >= 1000)
		snprintf(b, cap, "%u,%03u", v / 1000, v % 1000);
	else
		snprintf(b, cap, "%u", v);
}

/* Upload one file; returns -1 if the session died or the file was refused. */
static int ws_upload(struct wsess *w, const char *dir, unsigned size, enum wfail fail, int last)
{
	char name[64], path[256], total[32];
	snprintf(name, sizeof name, "%s_%06u.%s", rn(2) ? "report" : "export", rn(1000000),
		 exts[rn(sizeof exts / sizeof *exts)]);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	thousands(total, sizeof total, size);
	wl(w, '.', C_WOTHER, "Copying 1 files/directories to remote directory \"%s/\" - total size: %s", dir, total);
	wl(w, '.', C_WOTHER, "  PrTime: Yes; PrRO: No; Rght: rw-r--r--; PrR: No (No); FnCs: N; RIC: 0100; Resume: S (102400); CalcS: Yes; Mask: *.*");
	wl(w, '.', C_WOTHER, "  TM: B; ClAr: No; RemEOF: No; RemBOM: No; CPS: 0; NewerOnly: No; EncryptNewFiles: Yes; ExcludeHiddenFiles: No; ExcludeEmptyDirectories: No; InclM: ; ResumeL: 0");
	wl(w, '.', C_WOTHER, "  AscM: *.*html; *.htm; *.txt; *.php; *.php3; *.cgi; *.c; *.cpp; *.h; *.pas; *.bas; *.tex; *.pl; *.js; .htaccess; *.xtml; *.css; *.cfg; *.ini; *.sh; *.xml");
	wl(w, '.', C_WOTHER, "Copying \"C:\\Users\\%s\\Documents\\out\\%s\" to remote directory started.", w->user, name);
	wl(w, '.', C_WOTHER, "Binary transfer mode selected.");
	wl(w, '.', C_WOTHER, "Opening remote file.");
	unsigned id = next_number(w);
	pk_begin(FXP_OPEN, (int)id);
	pk_str(path);
	pk_u32(0x1a); /* WRITE|CREAT|TRUNC */
	pk_u32(4);
	pk_u32(0644);
	pk_send(w, (int)id);
	if (fail == WF_PERMISSION && last) {
		pk_status((int)id, 3, "Permission denied");
		pk_recv(w, (int)id, 1);
		wl(w, '<', C_FAIL, "Status code: 3, Message: %u, Server: Permission denied, Language:  ", id);
		wl(w, '*', C_FAIL, "(ETerminal) Permission denied.");
		wl(w, '*', C_FAIL, "Error code: 3");
		wl(w, '*', C_FAIL, "Error message from server: Permission denied");
		wl(w, '.', C_FAIL, "Asking user:");
		wl(w, '.', C_FAIL, "Cannot create remote file '%s'. (\"Permission denied.", path);
		wl(w, '.', C_FAIL, "Error code: 3");
		wl(w, '.', C_FAIL, "Error message from server: Permission denied\")");
		clock_add(w->clk, rr(1000, 9000));
		wl(w, '.', C_FAIL, "Answer: Abort");
		wl(w, '*', C_FAIL, "(ESkipFile) Cannot create remote file '%s'.", path);
		wl(w, '*', C_FAIL, "Permission denied.");
		wl(w, '*', C_FAIL, "Error code: 3");
		wl(w, '*', C_FAIL, "Error message from server: Permission denied");
		return -1;
	}
	pk_begin(FXP_HANDLE, (int)id);
	pk_handle();
	pk_recv(w, (int)id, 1);
	unsigned off = 0, skipped = 0;
	int died_at = fail == WF_CLOSED && last ? (int)rn(size / 32768 + 1) : -1;
	for (int chunk = 0; off < size || chunk == 0; chunk++) {
		unsigned k = size - off < 32768 ? size - off : 32768;
		id = next_number(w);
		int logged = w->level > 0 || chunk == 0;
		pk_begin(FXP_WRITE, (int)id);
		pk_handle();
		pk_u32(0);
		pk_u32(off);
		pk_u32(k);
		for (unsigned j = 0; j < k; j += 8) {
			uint64_t r = rnd();
			memcpy(pkt + plen + j, &r, 8);
		}
		plen += k;
		if (logged)
			pk_send(w, (int)id);
		else
			skipped++;
		if (chunk == died_at) {
			wl(w, '.', C_FAIL, "Attempt to close connection due to fatal exception:");
			wl(w, '*', C_FAIL, "Server unexpectedly closed network connection.");
			wl(w, '*', C_FAIL, "(ESshFatal) Server unexpectedly closed network connection.");
			wl(w, '*', C_FAIL, "Copying files to remote side failed.");
			return -1;
		}
		pk_status((int)id, 0, "");
		pk_recv(w, (int)id, logged);
		if (logged)
			wl(w, '<', C_WOTHER, "Status code: 0");
		off += k;
	}
	if (skipped)
		wl(w, '.', C_WOTHER, "Skipped %u SSH_FXP_WRITE, 0 SSH_FXP_READ, 0 SSH_FXP_DATA and %u SSH_FXP_STATUS packets",
		   skipped, skipped);
	id = next_number(w);
	pk_begin(FXP_CLOSE, (int)id);
	pk_handle();
	pk_send(w, (int)id);
	pk_status((int)id, 0, "");
	pk_recv(w, (int)id, 1);
	wl(w, '<', C_WOTHER, "Status code: 0");
	return 0;
}

/* A whole WinSCP session: header, connection, nfiles uploads of max_file bytes or less. */
static void winscp_session(struct out *o, struct clock *clk, uint64_t *count, int level, unsigned nfiles,
			   unsigned max_file, enum wfail fail, int full_header)
{
	unsigned hi = (unsigned)rn(sizeof hosts / sizeof *hosts);
	struct wsess w = { .o = o, .clk = clk, .level = level, .host = hosts[hi], .ip = ips[hi],
			   .user = users[rn(sizeof users / sizeof *users)], .port = rn(4) ? 22 : 2222,
			   .sock = 400 + 4 * rn(400), .pid = 1000 + 4 * rn(10000), .keyauth = (int)rn(2),
			   .reqno = rr(1, 5000), .count = count };
	if (fail == WF_KEY_REFUSED)
		w.keyauth = 1;
	if (fail == WF_PASSWORD)
		w.keyauth = 0;
	ws_header(&w, full_header);
	if (ws_connect(&w, fail) < 0)
		return;
	char dir[128];
	snprintf(dir, sizeof dir, dirs[rn(sizeof dirs / sizeof *dirs)], w.user);
	for (unsigned i = 0; i < nfiles; i++) {
		if (ws_upload(&w, dir, rlog(200, max_file), fail, i + 1 == nfiles) < 0)
			return;
		clock_add(clk, rr(5, 400));
	}
	wl(&w, '.', C_WOTHER, "Closing connection.");
	wl(&w, '.', C_WOTHER, "Sending special code: 1");
	wl(&w, '.', C_WOTHER, "Sent EOF message");
	wl(&w, '.', C_WOTHER, "Session sent command exit status 0");
	wl(&w, '.', C_WOTHER, "Main session channel closed");
	wl(&w, '.', C_WOTHER, "All channels closed");
	clock_add(clk, rr(1000, 600000));
}

static enum wfail pick_failure(unsigned percent)
{
	if (rn(100) >= percent)
		return WF_NONE;
	return (enum wfail)rr(WF_REFUSED, WF_COUNT - 1);
}

static const struct doc *pick(enum kind k)
{
	return docs[k].n ? &docs[k].v[rn((unsigned)docs[k].n)] : NULL;
}

static void summary(const char *what, const struct out *o, const uint64_t *kl, const uint64_t *cnt)
{
	fprintf(stderr, "gen: %s: %llu bytes, %llu lines (openssh %llu, putty %llu, winscp %llu: hex dump %llu, "
		"socket/io %llu, other %llu, failure %llu; winscp fixtures %llu)\n", what,
		(unsigned long long)o->total, (unsigned long long)o->lines, (unsigned long long)kl[K_OPENSSH],
		(unsigned long long)kl[K_PUTTY], (unsigned long long)(cnt[C_HEX] + cnt[C_SOCK] + cnt[C_WOTHER] + cnt[C_FAIL] + kl[K_WINSCP]),
		(unsigned long long)cnt[C_HEX], (unsigned long long)cnt[C_SOCK], (unsigned long long)cnt[C_WOTHER],
		(unsigned long long)cnt[C_FAIL], (unsigned long long)kl[K_WINSCP]);
}

/* ---- gen big ---- */

static void gen_big(const char *path, const char *head, uint64_t head_bytes, uint64_t bytes)
{
	static struct out o;
	out_open(&o, path, head, head_bytes);
	struct clock clk = { 2024, 1, 1, 22, 0, 0, 0, "" };
	clock_render(&clk);
	uint64_t cnt[C_COUNT] = { 0 }, kbytes[K_COUNT] = { 0 }, klines[K_COUNT] = { 0 };
	/* target byte shares: WinSCP Debug 2 (synthesised or fixture) 60 %, ssh -v/-vvv 20 %, plink/psftp -v 20 % */
	static const double share[K_COUNT] = { 0.20, 0.20, 0.60, 0 };
	int first = 1;
	while (o.total < bytes) {
		enum kind k = K_WINSCP;
		if (!first) {
			double worst = 1e9;
			for (int i = 0; i < K_SSHD; i++) {
				if (share[i] == 0 || (i != K_WINSCP && !docs[i].n))
					continue;
				double have = o.total ? (double)kbytes[i] / (double)o.total : 0;
				if (have - share[i] < worst) {
					worst = have - share[i];
					k = (enum kind)i;
				}
			}
		}
		uint64_t before = o.total, lines_before = o.lines;
		if (k == K_WINSCP) {
			/* a WinSCP fixture now and then, when there are some; else a synthesised Debug 2 session */
			if (!first && docs[K_WINSCP].n && rn(4) == 0) {
				out_doc(&o, pick(K_WINSCP));
				klines[K_WINSCP] += o.lines - lines_before;
			} else {
				winscp_session(&o, &clk, cnt, 2, rr(1, 12), 65536, pick_failure(10), 1);
			}
		} else {
			/* a burst of lab transcripts: the documents are small */
			for (int i = 0; i < 20; i++)
				out_doc(&o, pick(k));
			klines[k] += o.lines - lines_before;
		}
		kbytes[k] += o.total - before;
		first = 0;
	}
	summary(path, &o, klines, cnt);
	out_close(&o);
}

/* ---- gen small ---- */

static void gen_small(const char *dir, unsigned count)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));
	uint64_t cnt[C_COUNT] = { 0 }, klines[K_COUNT] = { 0 }, bytes = 0, lines = 0;
	static struct out o;
	for (unsigned i = 0; i < count; i++) {
		unsigned r = rn(100);
		enum kind k = r < 40 ? K_WINSCP : r < 70 ? K_OPENSSH : r < 95 ? K_PUTTY : K_SSHD;
		if (!docs[k].n && k != K_WINSCP)
			k = K_WINSCP;
		char path[4096];
		snprintf(path, sizeof path, "%s/%05u-%s.log", dir, i, kind_names[k]);
		out_open(&o, path, NULL, 0);
		if (k == K_WINSCP && !(docs[K_WINSCP].n && rn(2))) {
			struct clock clk = { 2024, 1 + (int)rn(12), 1 + (int)rn(28), (int)rn(24), (int)rn(60), (int)rn(60), 0, "" };
			clock_render(&clk);
			/* a support-desk log: Normal or Debug 1, a few small uploads, mostly failed */
			winscp_session(&o, &clk, cnt, (int)rn(2), rr(1, 3), 6000, pick_failure(70), 1);
		} else {
			uint64_t l0 = o.lines;
			out_doc(&o, pick(k));
			klines[k] += o.lines - l0;
		}
		bytes += o.total;
		lines += o.lines;
		out_close(&o);
	}
	fprintf(stderr, "gen: %s: %u files, %llu bytes, %llu lines\n", dir, count, (unsigned long long)bytes,
		(unsigned long long)lines);
}

/* ---- gen sshd ---- */

/* the message part of an sshd line: after "sshd[PID]: " (syslog, RFC 3339 or journal short
 * forms), else the whole line (sshd -E / -D -e) */
static const char *sshd_message(const char *s, size_t n, size_t *mlen)
{
	const char *p = memchr(s, ']', n);
	if (p && p + 2 < s + n && p[1] == ':' && p[2] == ' ') {
		const char *b = s;
		while (b < p && *b != '[')
			b++;
		if ((b >= s + 4 && memcmp(b - 4, "sshd", 4) == 0) || (b >= s + 12 && memcmp(b - 12, "sshd-session", 12) == 0)) {
			*mlen = n - (size_t)(p + 3 - s);
			return p + 3;
		}
	}
	*mlen = n;
	return s;
}

struct conn {
	const struct doc *d;
	size_t pos;
	unsigned pid, port, cport;
	char ip[16];
};

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* rewrite one lab line for connection c: lab addresses and ports become c's */
static size_t rewrite(const struct conn *c, const char *s, size_t n, char *o, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 32 < cap;) {
		if (n - i >= 9 && memcmp(s + i, "127.0.0.1", 9) == 0) {
			/* "on 127.0.0.1 port N" / "on [127.0.0.1]:N": the server's own address */
			int server = k >= 3 && (memcmp(o + k - 3, "on ", 3) == 0 || (k >= 4 && memcmp(o + k - 4, "on [", 4) == 0));
			const char *ip = server ? "10.20.0.5" : c->ip;
			size_t l = strlen(ip);
			memcpy(o + k, ip, l);
			k += l;
			i += 9;
			if (server) {
				/* its port: " port N" or "]:N" → 22 */
				if (n - i >= 6 && memcmp(s + i, " port ", 6) == 0) {
					memcpy(o + k, " port 22", 8);
					k += 8;
					i += 6;
					while (i < n && s[i] >= '0' && s[i] <= '9')
						i++;
				} else if (n - i >= 2 && s[i] == ']' && s[i + 1] == ':') {
					memcpy(o + k, "]:22", 4);
					k += 4;
					i += 2;
					while (i < n && s[i] >= '0' && s[i] <= '9')
						i++;
				}
			}
			continue;
		}
		if (n - i >= 6 && memcmp(s + i, " port ", 6) == 0 && i + 6 < n && s[i + 6] >= '1' && s[i + 6] <= '9') {
			k += (size_t)snprintf(o + k, cap - k, " port %u", c->port);
			i += 6;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			continue;
		}
		if (n - i >= 3 && memcmp(s + i, "]:", 2) == 0 && s[i + 2] >= '1' && s[i + 2] <= '9') {
			k += (size_t)snprintf(o + k, cap - k, "]:%u", c->port);
			i += 2;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			continue;
		}
		if ((n - i >= 4 && memcmp(s + i, "pid ", 4) == 0) || (n - i >= 6 && memcmp(s + i, "child ", 6) == 0)) {
			/* "User child is on pid N", "Forked child N.", "Killing privsep child N" */
			size_t w = s[i] == 'p' ? 4 : 6;
			if (i + w < n && s[i + w] >= '1' && s[i + w] <= '9') {
				memcpy(o + k, s + i, w);
				k += w;
				i += w;
				k += (size_t)snprintf(o + k, cap - k, "%u", c->cport);
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
				continue;
			}
		}
		o[k++] = s[i++];
	}
	return k;
}

static void gen_sshd(const char *path, uint64_t bytes)
{
	if (!docs[K_SSHD].n)
		die("no sshd transcripts in the list");
	static struct out o;
	out_open(&o, path, NULL, 0);
	enum { NCONN = 6 };
	struct conn conns[NCONN];
	memset(conns, 0, sizeof conns);
	/* time as seconds since Jan 1 00:00 */
	uint64_t t = 3 * 86400 + 6 * 3600;
	uint64_t sessions = 0;
	char line[8192], msg[8192];
	while (o.total < bytes) {
		struct conn *c = &conns[rn(NCONN)];
		if (!c->d || c->pos >= c->d->len) {
			c->d = pick(K_SSHD);
			c->pos = 0;
			c->pid = rr(1000, 4000000);
			c->cport = c->pid + rr(1, 3);
			c->port = rr(32768, 60999);
			/* addresses from the documentation ranges; a few come back often (a scanner) */
			static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };
			snprintf(c->ip, sizeof c->ip, "%s.%u", nets[rn(3)], rn(3) ? rr(1, 254) : rr(1, 4));
			sessions++;
		}
		const char *s = c->d->text + c->pos, *end = c->d->text + c->d->len;
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		c->pos += (size_t)(nl - s) + 1;
		size_t n = (size_t)(nl - s);
		if (n && s[n - 1] == '\r')
			n--;
		if (!n)
			continue;
		size_t mlen;
		const char *m = sshd_message(s, n, &mlen);
		size_t ml = rewrite(c, m, mlen, msg, sizeof msg);
		t += rn(3);
		unsigned day = (unsigned)(t / 86400), sec = (unsigned)(t % 86400);
		unsigned mo = 0, d = day;
		while (mo < 11 && d >= (unsigned)mdays(2024, (int)mo + 1))
			d -= (unsigned)mdays(2024, (int)(mo++) + 1);
		int k = snprintf(line, sizeof line, "%s %2u %02u:%02u:%02u bastion sshd[%u]: %.*s\n", months[mo], d + 1,
				 sec / 3600, sec / 60 % 60, sec % 60, c->pid, (int)ml, msg);
		if (k >= (int)sizeof line)
			k = (int)sizeof line - 1, line[k - 1] = '\n';
		out_add(&o, line, (size_t)k);
		out_eol(&o);
	}
	fprintf(stderr, "gen: %s: %llu bytes, %llu lines, %llu connections\n", path, (unsigned long long)o.total,
		(unsigned long long)o.lines, (unsigned long long)sessions);
	out_close(&o);
}

static uint64_t num(const char *s)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || *e || e == s)
		die("not a number: %s", s);
	return v;
}

int main(int argc, char **argv)
{
	if (argc >= 8 && strcmp(argv[1], "big") == 0) {
		rng_state = num(argv[6]);
		load_list(argv[7]);
		gen_big(argv[2], argv[3], num(argv[4]), num(argv[5]));
	} else if (argc >= 6 && strcmp(argv[1], "small") == 0) {
		rng_state = num(argv[4]) ^ 0x5111;
		load_list(argv[5]);
		gen_small(argv[2], (unsigned)num(argv[3]));
	} else if (argc >= 6 && strcmp(argv[1], "sshd") == 0) {
		rng_state = num(argv[4]) ^ 0x55d;
		load_list(argv[5]);
		gen_sshd(argv[2], num(argv[3]));
	} else {
		fprintf(stderr, "usage: gen big OUT OUT_HEAD HEAD_BYTES BYTES SEED LIST\n"
				"       gen small DIR COUNT SEED LIST\n"
				"       gen sshd OUT BYTES SEED LIST\n");
		return 2;
	}
	return 0;
}
