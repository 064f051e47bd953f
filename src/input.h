/* input.h — open a file or stdin, undo gzip and UTF-16 (and CP932 line by line), split into
 * numbered lines.
 * Memory is constant whatever the input size: lines longer than LINE_MAX_MATCH are cut
 * (and flagged) but still counted, so line numbers never drift. */
#ifndef LOGLENS_INPUT_H
#define LOGLENS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <iconv.h>
#include <stdint.h>
#include <zlib.h>

#define LINE_MAX_MATCH (64 * 1024)

enum encoding { ENC_UTF8, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE };

struct line {
	const char *s;      /* not NUL-terminated; valid until the next input_next() */
	size_t len;
	uint64_t no;        /* 1-based */
	bool truncated;     /* the line was longer than LINE_MAX_MATCH */
	bool high;          /* it may hold a byte >= 0x80 (set by the line splitter; false: ASCII) */
};

struct input {
	char *name;                 /* as given; "-" is shown as "<stdin>" */
	int fd;
	bool gz;
	enum encoding enc;
	bool bom_utf16;
	bool utf16_bol;             /* UTF-16 decoding is at a line start */
	bool utf16_then_8bit;       /* 8-bit text was appended to a UTF-16LE log: read as such */
	/* raw bytes from the descriptor (only staged while sniffing or inflating) */
	unsigned char *raw;
	size_t raw_pos, raw_len;
	bool raw_eof;
	z_stream zs;
	bool zs_live, gz_done;
	/* plain (inflated) bytes staged for UTF-16 decoding */
	unsigned char *plain;
	size_t plain_pos, plain_len;
	bool plain_eof;
	/* decoded UTF-8 bytes, split into lines: in buf_own, or in a read-ahead chunk */
	char *buf, *buf_own;
	size_t start, end;
	struct readahead *ra;       /* reads a long plain input on a thread of its own */
	bool eof;
	bool skipping;              /* inside the cut-off tail of an overlong line */
	bool cr_pending;            /* a CR ended the last line; swallow one LF */
	uint64_t lineno;
	uint64_t bytes;             /* decoded bytes seen */
	uint64_t invalid_utf8;      /* count of invalid UTF-8 sequences seen */
	unsigned char u8_need;      /* continuation bytes owed by a sequence the last read cut */
	uint64_t nul_bytes;
	uint64_t truncated_lines;
	/* lines that are not UTF-8: converted from CP932, or left as they were (neither) */
	uint64_t cp932_lines, undecoded_lines;
	iconv_t cp932;              /* CP932 → UTF-8, opened at the first such line */
	bool cp932_tried;
	char *conv;                 /* a converted line (3 * LINE_MAX_MATCH bytes, allocated then) */
	bool deferred_error;        /* err is set, but the bytes before it are read first */
	char err[512];              /* set when input_next() returns -1 */
};

/* shown: the name in messages, if not path ("-": standard input, shown as "<stdin>") */
int input_open(struct input *in, const char *path, const char *shown);
int input_next(struct input *in, struct line *ln);
void input_close(struct input *in);
const char *input_display_name(const struct input *in);
const char *input_encoding_name(const struct input *in);

#endif
