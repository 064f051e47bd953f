/* input.c — bytes to numbered lines.
 *
 * Layers, bottom up: read(2) → optional gunzip (detected by magic, not by name) → optional
 * UTF-16 → UTF-8 (BOM, or the zero-byte pattern PowerShell 5.1's "2>" leaves) → line split →
 * a line that is not UTF-8 but is CP932 is converted (see decode_line).
 * Line ends are LF, CRLF, or a lone CR. */
#include "input.h"
#include "readahead.h"
#include "scan.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAW_SIZE (256 * 1024)
#define BUF_SIZE (1024 * 1024)
#define SCAN_LIMIT (4 * 1024 * 1024)
/* A plain input longer than this is read on a second thread from there on: small logs (most of
 * a support desk's) never pay for starting one. */
#define READAHEAD_AFTER (4 * 1024 * 1024)

const char *input_display_name(const struct input *in)
{
	return strcmp(in->name, "-") == 0 ? "<stdin>" : in->name;
}

const char *input_encoding_name(const struct input *in)
{
	if (in->utf16_then_8bit)
		return "utf-16le";
	switch (in->enc) {
	case ENC_UTF8_BOM:
		return "utf-8-bom";
	case ENC_UTF16LE:
		return "utf-16le";
	case ENC_UTF16BE:
		return "utf-16be";
	default:
		break;
	}
	if (in->undecoded_lines || (in->invalid_utf8 && !in->cp932_lines))
		return in->enc == ENC_UTF8_BOM ? "utf-8-bom" : "unknown-8bit";
	if (in->cp932_lines)
		return "cp932";
	return in->enc == ENC_UTF8_BOM ? "utf-8-bom" : "utf-8";
}

static void set_errno_error(struct input *in, const char *what)
{
	snprintf(in->err, sizeof in->err, "%s: %s: %s", input_display_name(in), what, strerror(errno));
}

/* read(2) with EINTR retry; -1 on error. */
static ssize_t read_fd(struct input *in, void *dst, size_t n)
{
	for (;;) {
		ssize_t r = read(in->fd, dst, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static int fill_raw(struct input *in)
{
	if (in->raw_eof)
		return 0;
	ssize_t r = read_fd(in, in->raw, RAW_SIZE);
	if (r < 0) {
		set_errno_error(in, "read error");
		return -1;
	}
	in->raw_pos = 0;
	in->raw_len = (size_t)r;
	if (r == 0)
		in->raw_eof = true;
	return r > 0;
}

/* Inflated bytes; a gzip stream may be followed by another (concatenated members). */
static ssize_t read_gunzip(struct input *in, void *dst, size_t n)
{
	in->zs.next_out = dst;
	in->zs.avail_out = (uInt)n;
	while (in->zs.avail_out == n) {
		if (in->gz_done)
			return 0;
		if (in->raw_pos == in->raw_len) {
			int f = fill_raw(in);
			if (f < 0)
				return -1;
			if (f == 0) {
				snprintf(in->err, sizeof in->err, "%s: truncated gzip data",
					 input_display_name(in));
				return -1;
			}
		}
		in->zs.next_in = in->raw + in->raw_pos;
		in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
		int z = inflate(&in->zs, Z_NO_FLUSH);
		in->raw_pos = in->raw_len - in->zs.avail_in;
		if (z == Z_STREAM_END) {
			if (in->raw_pos == in->raw_len && fill_raw(in) <= 0) {
				in->gz_done = true;
			} else if (in->raw[in->raw_pos] == 0x1f) {
				inflateReset(&in->zs);
			} else {
				in->gz_done = true; /* trailing garbage after the member: ignore */
			}
		} else if (z != Z_OK && z != Z_BUF_ERROR) {
			snprintf(in->err, sizeof in->err, "%s: corrupt gzip data (%s)",
				 input_display_name(in), in->zs.msg ? in->zs.msg : "inflate error");
			return -1;
		}
	}
	return (ssize_t)(n - in->zs.avail_out);
}

/* The byte stream after gunzip (or the raw stream). */
static ssize_t read_plain(struct input *in, void *dst, size_t n)
{
	if (in->gz)
		return read_gunzip(in, dst, n);
	if (in->raw_pos < in->raw_len) {
		size_t k = in->raw_len - in->raw_pos;
		if (k > n)
			k = n;
		memcpy(dst, in->raw + in->raw_pos, k);
		in->raw_pos += k;
		return (ssize_t)k;
	}
	if (in->raw_eof)
		return 0;
	ssize_t r = read_fd(in, dst, n);
	if (r < 0) {
		set_errno_error(in, "read error");
		return -1;
	}
	return r;
}

static size_t put_utf8(unsigned char *d, uint32_t c)
{
	if (c < 0x80) {
		d[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (unsigned char)(0xC0 | (c >> 6));
		d[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (unsigned char)(0xE0 | (c >> 12));
		d[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		d[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	d[0] = (unsigned char)(0xF0 | (c >> 18));
	d[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	d[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	d[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* One code point from UTF-16 text p[0..avail), avail >= 2: a surrogate pair is joined, an
 * unpaired surrogate is U+FFFD. *used: the bytes it took (2 or 4). */
static uint32_t utf16_char(const unsigned char *p, size_t avail, bool le, size_t *used)
{
	uint32_t u = le ? (uint32_t)(p[0] | p[1] << 8) : (uint32_t)(p[0] << 8 | p[1]);
	*used = 2;
	if (u >= 0xD800 && u < 0xDC00 && avail >= 4) {
		uint32_t v = le ? (uint32_t)(p[2] | p[3] << 8) : (uint32_t)(p[2] << 8 | p[3]);
		if (v >= 0xDC00 && v < 0xE000) {
			*used = 4;
			return 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
		}
	}
	return u >= 0xD800 && u < 0xE000 ? 0xFFFD : u;
}

/* Stage plain bytes until want are unread or the stream ends. */
static int stage_plain(struct input *in, size_t want)
{
	while (in->plain_len - in->plain_pos < want && !in->plain_eof) {
		memmove(in->plain, in->plain + in->plain_pos, in->plain_len - in->plain_pos);
		in->plain_len -= in->plain_pos;
		in->plain_pos = 0;
		ssize_t r = read_plain(in, in->plain + in->plain_len, RAW_SIZE - in->plain_len);
		if (r < 0)
			return -1;
		if (r == 0)
			in->plain_eof = true;
		in->plain_len += (size_t)r;
	}
	return 0;
}

#define APPEND_PEEK 512

/* A UTF-16LE log that another program appended to in 8-bit text (cmd.exe's "2>>" after
 * Windows PowerShell's "2>"): at a line start, the next line holds no zero byte. In UTF-16LE
 * every ASCII character has one, and a line ends in 0A 00. */
static bool eight_bit_follows(const struct input *in)
{
	const unsigned char *p = in->plain + in->plain_pos;
	size_t avail = in->plain_len - in->plain_pos;
	size_t lim = avail < APPEND_PEEK ? avail : APPEND_PEEK;
	const unsigned char *nl = memchr(p, '\n', lim);
	if (nl) {
		size_t k = (size_t)(nl - p);
		if (k == 0 || memchr(p, 0, k))
			return false;
		return k + 1 < avail ? p[k + 1] != 0 : in->plain_eof;
	}
	if (lim < APPEND_PEEK && !in->plain_eof)
		return false;
	return lim >= 8 && !memchr(p, 0, lim); /* a long line, or the last one, without a zero */
}

/* UTF-16 → UTF-8. Unpaired surrogates become U+FFFD. dst must hold n bytes, n >= 8. */
static ssize_t read_utf16(struct input *in, unsigned char *dst, size_t n)
{
	size_t out = 0;
	bool le = in->enc == ENC_UTF16LE;
	while (out + 4 <= n) {
		if (in->utf16_bol && le) {
			in->utf16_bol = false;
			if (stage_plain(in, APPEND_PEEK) < 0)
				return -1;
			if (eight_bit_follows(in)) { /* the rest is read as it is (read_decoded) */
				in->enc = ENC_UTF8;
				in->utf16_then_8bit = true;
				break;
			}
		}
		if (in->plain_len - in->plain_pos < 4 && !in->plain_eof) {
			if (stage_plain(in, 4) < 0)
				return -1;
			continue;
		}
		size_t avail = in->plain_len - in->plain_pos;
		if (avail < 2) {
			if (avail == 1) { /* odd trailing byte: a truncated file */
				out += put_utf8(dst + out, 0xFFFD);
				in->plain_pos++;
			}
			break;
		}
		size_t used;
		uint32_t u = utf16_char(in->plain + in->plain_pos, avail, le, &used);
		in->plain_pos += used;
		out += put_utf8(dst + out, u);
		in->utf16_bol = u == '\n';
	}
	return (ssize_t)out;
}

static ssize_t read_decoded(struct input *in, char *dst, size_t n)
{
	if (in->enc == ENC_UTF16LE || in->enc == ENC_UTF16BE)
		return read_utf16(in, (unsigned char *)dst, n);
	if (in->plain_pos < in->plain_len) {
		size_t k = in->plain_len - in->plain_pos;
		if (k > n)
			k = n;
		memcpy(dst, in->plain + in->plain_pos, k);
		in->plain_pos += k;
		return (ssize_t)k;
	}
	return read_plain(in, dst, n);
}

/* UTF-16 without a BOM: ASCII text leaves a zero in every other byte. */
static enum encoding guess_utf16(const unsigned char *p, size_t n)
{
	size_t pairs = n / 2, zero_odd = 0, zero_even = 0;
	if (pairs > 256)
		pairs = 256;
	if (pairs < 4)
		return ENC_UTF8;
	for (size_t i = 0; i < pairs; i++) {
		zero_even += p[2 * i] == 0;
		zero_odd += p[2 * i + 1] == 0;
	}
	if (zero_odd * 10 >= pairs * 7 && zero_even * 10 <= pairs)
		return ENC_UTF16LE;
	if (zero_even * 10 >= pairs * 7 && zero_odd * 10 <= pairs)
		return ENC_UTF16BE;
	return ENC_UTF8;
}

/* Look at the first bytes: gzip magic, then a BOM or the UTF-16 zero pattern. */
static int sniff(struct input *in)
{
	if (fill_raw(in) < 0)
		return -1;
	if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		in->gz = true;
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK) {
			snprintf(in->err, sizeof in->err, "%s: cannot start gzip decoder", input_display_name(in));
			return -1;
		}
		in->zs_live = true;
	}
	/* Stage up to 4 KiB of plain bytes to look at. */
	while (in->plain_len < 4096 && !in->plain_eof) {
		ssize_t r = read_plain(in, in->plain + in->plain_len, 4096 - in->plain_len);
		if (r < 0 && in->plain_len == 0 && !in->gz)
			return -1;
		if (r < 0) { /* a gzip cut short: what came before the cut is still read */
			in->deferred_error = true;
			in->plain_eof = true;
			in->raw_eof = true;
			in->gz_done = true;
			break;
		}
		if (r == 0)
			in->plain_eof = true;
		in->plain_len += (size_t)r;
	}
	const unsigned char *p = in->plain;
	size_t n = in->plain_len;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		in->enc = ENC_UTF8_BOM;
		in->plain_pos = 3;
	} else if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		in->enc = ENC_UTF16LE;
		in->bom_utf16 = true;
		in->plain_pos = 2;
	} else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		in->enc = ENC_UTF16BE;
		in->bom_utf16 = true;
		in->plain_pos = 2;
	} else {
		in->enc = guess_utf16(p, n);
	}
	return 0;
}

int input_open(struct input *in, const char *path, const char *shown)
{
	memset(in, 0, sizeof *in);
	in->name = xstrdup(shown ? shown : path);
	in->fd = -1;
	if (strcmp(path, "-") == 0) {
		in->fd = 0;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			set_errno_error(in, "cannot open");
			return -1;
		}
		struct stat st;
		if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(in->err, sizeof in->err, "%s: is a directory", in->name);
			return -1;
		}
	}
	in->raw = xmalloc(RAW_SIZE);
	in->plain = xmalloc(RAW_SIZE);
	in->buf = in->buf_own = xmalloc(BUF_SIZE);
	return sniff(in);
}

void input_close(struct input *in)
{
	if (in->zs_live)
		inflateEnd(&in->zs);
	if (in->cp932_tried && in->cp932 != (iconv_t)-1)
		iconv_close(in->cp932);
	free(in->conv);
	readahead_stop(in->ra);
	if (in->fd > 0)
		close(in->fd);
	free(in->raw);
	free(in->plain);
	free(in->buf_own);
	free(in->name);
	memset(in, 0, sizeof *in);
	in->fd = -1;
}

/* Count invalid UTF-8 sequences and NUL bytes (reported, never fatal). A sequence cut by the
 * edge of p is finished on the next call (u8_need), so the counts do not depend on where reads
 * happened to end. */
static void scan_bytes(struct input *in, const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; in->u8_need && i < n; i++, in->u8_need--)
		if ((p[i] & 0xC0) != 0x80) { /* broken off: counted once; p[i] is read afresh */
			in->invalid_utf8++;
			in->u8_need = 0;
			break;
		}
	while (i < n) {
		/* eight plain ASCII bytes without a NUL at a time: the common case */
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			bool high = w & 0x8080808080808080ull;
			bool zero = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
			if (!high && !zero) {
				i += 8;
				continue;
			}
		}
		unsigned char c = p[i];
		if (c < 0x80) {
			in->nul_bytes += c == 0;
			i++;
			continue;
		}
		size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
		if (k == 0) {
			in->invalid_utf8++;
			i++;
			continue;
		}
		size_t j = 1;
		while (j < k && i + j < n && (p[i + j] & 0xC0) == 0x80)
			j++;
		if (j < k && i + j == n) { /* cut by the edge: the rest comes with the next bytes */
			in->u8_need = (unsigned char)(k - j);
			return;
		}
		if (j < k)
			in->invalid_utf8++;
		i += j;
	}
}

/* When the rest of the input may be read ahead on a thread: plain bytes (no gunzip, no UTF-16
 * decoding) that come straight from the descriptor, past the threshold (LOGLENS_READAHEAD
 * bytes for the tests; LOGLENS_SYNC keeps everything on one thread). */
static bool readahead_due(const struct input *in)
{
	static long long after = -1;
	if (after < 0) {
		const char *sync = getenv("LOGLENS_SYNC"), *v = getenv("LOGLENS_READAHEAD");
		char *end;
		long long n = v && *v ? strtoll(v, &end, 10) : -1;
		after = sync && *sync ? LLONG_MAX : n >= 0 && !*end ? n : READAHEAD_AFTER;
	}
	return !in->ra && !in->gz && in->enc != ENC_UTF16LE && in->enc != ENC_UTF16BE && in->fd >= 0 &&
	       in->plain_pos == in->plain_len && in->raw_pos == in->raw_len && !in->raw_eof &&
	       in->bytes >= (unsigned long long)after;
}

/* Count what the first bytes hold (the encoding is judged on them: scanning a whole 1 GB log
 * would cost), add them up. */
static void took(struct input *in, const char *p, size_t n)
{
	if (in->bytes < SCAN_LIMIT) /* exactly the first SCAN_LIMIT bytes, however they were read */
		scan_bytes(in, (const unsigned char *)p, n < SCAN_LIMIT - in->bytes ? n : (size_t)(SCAN_LIMIT - in->bytes));
	in->bytes += n;
}

/* The next chunk from the read-ahead thread, the unread tail carried in front of it. */
static int refill_ahead(struct input *in)
{
	size_t tail = in->end - in->start;
	char *p;
	ssize_t r = readahead_next(in->ra, in->buf + in->start, tail, &p);
	if (r < 0) {
		set_errno_error(in, "read error");
		return -1;
	}
	if (r == 0) {
		in->eof = true;
		return 0;
	}
	took(in, p + tail, (size_t)r - tail);
	in->buf = p;
	in->start = 0;
	in->end = (size_t)r;
	return 1;
}

/* Refill buf after moving the unread tail (at most LINE_MAX_MATCH bytes: input_next sees
 * to it) to the front. 1: more data, 0: EOF, -1: error. */
static int refill(struct input *in)
{
	if (in->eof)
		return 0;
	if (in->ra)
		return refill_ahead(in);
	size_t tail = in->end - in->start;
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, tail);
		in->start = 0;
		in->end = tail;
	}
	ssize_t r = read_decoded(in, in->buf + in->end, BUF_SIZE - in->end);
	if (r < 0)
		return -1;
	if (r == 0) {
		in->eof = true;
		return 0;
	}
	took(in, in->buf + in->end, (size_t)r);
	in->end += (size_t)r;
	if (readahead_due(in))
		in->ra = readahead_start(in->fd, LINE_MAX_MATCH);
	return 1;
}

static iconv_t open_cp932(void)
{
	/* glibc and GNU libiconv know CP932; the other names are its aliases elsewhere */
	static const char *const names[] = { "CP932", "WINDOWS-31J", "SHIFT_JIS" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		iconv_t cd = iconv_open("UTF-8", names[i]);
		if (cd != (iconv_t)-1)
			return cd;
	}
	return (iconv_t)-1;
}

/* CP932 → UTF-8 into in->conv; its length, or -1 when s is not CP932 (a byte no CP932 text
 * holds, or an unfinished character where the line was not cut). */
static ssize_t cp932_to_utf8(struct input *in, const char *s, size_t n, bool cut)
{
	if (!in->cp932_tried) {
		in->cp932_tried = true;
		in->cp932 = open_cp932();
	}
	if (in->cp932 == (iconv_t)-1)
		return -1;
	if (!in->conv)
		in->conv = xmalloc(3 * LINE_MAX_MATCH); /* a half-width kana, 1 byte, is 3 in UTF-8 */
	iconv(in->cp932, NULL, NULL, NULL, NULL);
	char *src = (char *)s, *dst = in->conv;
	size_t left = n, room = 3 * LINE_MAX_MATCH;
	if (iconv(in->cp932, &src, &left, &dst, &room) == (size_t)-1 && !(errno == EINVAL && cut))
		return -1;
	return dst - in->conv;
}

/* A line of UTF-16LE text inside an 8-bit log (Windows PowerShell's "2>>" after cmd.exe's
 * "2>"): split at the 0A of each "0A 00", it holds a zero in every other byte, and starts
 * with the 00 left over from the line before. Converted into in->conv, without that zero, a
 * byte order mark or the CR; its length, or -1 when the line is not such. */
static ssize_t utf16le_line(struct input *in, const unsigned char *s, size_t n)
{
	size_t off = n > 0 && s[0] == 0;
	size_t pairs = (n - off) / 2, zeros = 0;
	if (n == 1 && off)
		return 0; /* the 00 of the last "0A 00" */
	if (pairs < 2)
		return -1;
	for (size_t i = 0; i < pairs; i++) {
		if (s[off + 2 * i] == 0 && s[off + 2 * i + 1] != 0)
			return -1; /* a zero in a low byte: not UTF-16LE */
		zeros += s[off + 2 * i + 1] == 0;
	}
	if (zeros * 2 < pairs)
		return -1;
	if (!in->conv)
		in->conv = xmalloc(3 * LINE_MAX_MATCH);
	size_t out = 0, end = off + 2 * pairs, used;
	for (size_t i = off; i < end; i += used) {
		uint32_t u = utf16_char(s + i, end - i, true, &used);
		if (u == 0xFEFF && out == 0)
			continue;
		out += put_utf8((unsigned char *)in->conv + out, u);
	}
	if (out > 0 && in->conv[out - 1] == '\r')
		out--;
	return (ssize_t)out;
}

/* Japanese Windows writes CP932 (Shift_JIS with Microsoft's extensions) where a message holds
 * Japanese: plink's or ssh's stderr redirected from cmd.exe, a file Notepad saved as "ANSI".
 * Such a line is converted to UTF-8, so that a user name or a path like C:\Users\田中 is
 * matched, reported and redacted as it is in a UTF-8 log. Judged line by line: a log appended
 * to from another shell changes encoding midway, and valid UTF-8 always wins. A line that is
 * neither keeps its bytes. */
static void decode_line(struct input *in, struct line *ln)
{
	/* A byte order mark that starts a line is the one a second writer put at the start of its
	 * file: two logs appended (">>", copy /b, cat), in UTF-8 or UTF-16 alike. It is no text
	 * ("Looking up host" must start the line), so it goes. */
	if (ln->len >= 3 && memcmp(ln->s, "\xEF\xBB\xBF", 3) == 0) {
		ln->s += 3;
		ln->len -= 3;
	}
	if (in->enc == ENC_UTF16LE || in->enc == ENC_UTF16BE)
		return; /* decoded to valid UTF-8 already */
	/* zero bytes were seen (counted in the first SCAN_LIMIT bytes): a UTF-16LE part? */
	if (in->nul_bytes && memchr(ln->s, 0, ln->len)) {
		ssize_t k = utf16le_line(in, (const unsigned char *)ln->s, ln->len);
		if (k >= 0) {
			ln->s = in->conv ? in->conv : ""; /* (nothing converted yet: no buffer either) */
			ln->len = (size_t)k;
			return;
		}
	}
	/* every byte read so far was scanned (took) and found valid: the common case costs nothing */
	if (in->invalid_utf8 == 0 && in->u8_need == 0 && in->bytes <= SCAN_LIMIT)
		return;
	if (!ln->high || utf8_valid((const unsigned char *)ln->s, ln->len, ln->truncated))
		return;
	ssize_t k = cp932_to_utf8(in, ln->s, ln->len, ln->truncated);
	if (k < 0) {
		in->undecoded_lines++;
		return;
	}
	in->cp932_lines++;
	ln->s = in->conv ? in->conv : "";
	ln->len = (size_t)k;
}

static void emit(struct input *in, struct line *ln, const char *s, size_t len, bool truncated, bool high)
{
	ln->s = s;
	ln->len = len;
	ln->high = high;
	ln->no = ++in->lineno;
	ln->truncated = truncated;
	in->truncated_lines += truncated;
	decode_line(in, ln);
}

int input_next(struct input *in, struct line *ln)
{
	for (;;) {
		char *p = in->buf + in->start;
		size_t avail = in->end - in->start;
		if (in->cr_pending && avail > 0) {
			in->cr_pending = false;
			if (*p == '\n') {
				in->start++;
				continue;
			}
		}
		/* the first LF or CR: at most one of nl and cr is set */
		bool high = false;
		size_t k = avail ? line_end(p, avail, &high) : 0;
		char *nl = k < avail && p[k] == '\n' ? p + k : NULL;
		char *cr = k < avail && p[k] == '\r' ? p + k : NULL;
		if (in->skipping) {
			char *eol = cr ? cr : nl;
			if (eol) {
				in->skipping = false;
				in->start += (size_t)(eol - p) + 1;
				in->cr_pending = eol == cr;
				continue;
			}
			in->start = in->end;
			int r = refill(in);
			if (r <= 0) {
				in->skipping = false;
				return r;
			}
			continue;
		}
		/* where zero bytes were seen, "0D 00 0A" ends a UTF-16LE line inside an 8-bit log
		 * (decode_line converts it) */
		size_t crlf_room = in->nul_bytes ? 3 : 1;
		if (cr && cr + crlf_room > p + avail - 1 && !in->eof && (size_t)(cr - p) < LINE_MAX_MATCH) {
			nl = NULL; /* a CR at the buffer's edge: is an LF next? read on (a longer
				    * line is cut here, and cr_pending swallows that LF) */
		} else if (cr) {
			size_t len = (size_t)(cr - p);
			bool crlf = cr + 1 < p + avail && cr[1] == '\n';
			bool crlf16 = !crlf && in->nul_bytes && cr + 2 < p + avail && cr[1] == 0 && cr[2] == '\n';
			in->start += len + (crlf16 ? 3 : crlf ? 2 : 1);
			if (!crlf && cr + 1 == p + avail)
				in->cr_pending = true;
			if (len > LINE_MAX_MATCH)
				len = LINE_MAX_MATCH;
			emit(in, ln, p, len, (size_t)(cr - p) > LINE_MAX_MATCH, high);
			return 1;
		}
		if (nl) {
			size_t len = (size_t)(nl - p);
			in->start += len + 1;
			bool cut = len > LINE_MAX_MATCH;
			emit(in, ln, p, cut ? LINE_MAX_MATCH : len, cut, high);
			return 1;
		}
		if (avail >= LINE_MAX_MATCH && !(cr && cr + 1 == p + avail)) {
			/* Overlong: hand out the first LINE_MAX_MATCH bytes, skip to the line end. */
			in->start += LINE_MAX_MATCH;
			in->skipping = true;
			emit(in, ln, p, LINE_MAX_MATCH, true, high);
			return 1;
		}
		if (in->eof) {
			if (avail == 0)
				return in->deferred_error ? -1 : 0;
			in->start = in->end;
			emit(in, ln, p, avail, false, high);
			return 1;
		}
		int r = refill(in);
		if (r < 0)
			return -1;
	}
}
