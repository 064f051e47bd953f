/* scan.c — the byte scanners every reported string passes through (where JSON escaping is
 * needed, whether a text could hold a password), the line splitter's, and the one that drops
 * most lines of a WinSCP Debug 2 log (its packet dumps). Sixteen bytes at a time with SSE2 (every x86-64 has it); the
 * portable versions are the reference the unit tests compare them with. */
#include "scan.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 versions of the two per-line scanners, chosen at run time (the build stays for any
 * x86-64): a WinSCP Debug 2 log is mostly 101-byte dump rows, each split off and checked. */
#if defined(__SSE2__) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define SCAN_AVX2 1
#include <immintrin.h>
static int avx2 = -1; /* -1: not looked yet */

static bool use_avx2(void)
{
	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	return avx2;
}

void scan_set_avx2(bool on)
{
	avx2 = on && __builtin_cpu_supports("avx2");
}
#else
void scan_set_avx2(bool on)
{
	(void)on;
}
#endif

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (!k || k > n)
		return 0;
	for (size_t m = 1; m < k; m++)
		if ((p[m] & 0xC0) != 0x80)
			return 0;
	if (k == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, surrogate */
	if (k == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
		return 0;
	return k;
}

static bool json_plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

size_t json_plain_run_portable(const unsigned char *p, size_t n)
{
	size_t j = 0;
	while (j < n) {
		if (json_plain_byte(p[j])) {
			j++;
			continue;
		}
		size_t k = p[j] >= 0x80 ? utf8_len(p + j, n - j) : 0;
		if (!k)
			break;
		j += k;
	}
	return j;
}

/* Offset of the first byte in p[0..16) that is not printable ASCII or is '"' or '\\', or 16. */
#if defined(__SSE2__)
static unsigned first_special16(const unsigned char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	/* signed: bytes >= 0x80 are negative, so "< 0x20" also catches them */
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
				   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
						_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')),
							     _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)))));
	unsigned m = (unsigned)_mm_movemask_epi8(bad);
	return m ? (unsigned)__builtin_ctz(m) : 16;
}
#endif

size_t json_plain_run(const unsigned char *p, size_t n)
{
#if defined(__SSE2__)
	size_t j = 0;
	for (;;) {
		while (j < n) {
			unsigned k;
			if (j + 16 <= n) {
				k = first_special16(p + j);
			} else { /* the last bytes, padded with plain ones: no read past the end */
				unsigned char t[16];
				memset(t, 'a', sizeof t);
				memcpy(t, p + j, n - j);
				k = first_special16(t);
			}
			j += k;
			if (k < 16)
				break;
		}
		if (j >= n)
			return n;
		size_t k = p[j] >= 0x80 ? utf8_len(p + j, n - j) : 0;
		if (!k)
			return j;
		j += k;
	}
#else
	return json_plain_run_portable(p, n);
#endif
}

/* Could a secret start with these two bytes? "pa"/"pw" in any case ("password", "PASS",
 * "Passwd", "-pw"), "-p" (sshpass -p), ":/" (scheme://user:secret@). */
static bool secret_pair(unsigned char a, unsigned char b)
{
	switch (a) {
	case 'p': case 'P':
		return b == 'w' || b == 'a' || b == 'A' || b == 'W';
	case '-':
		return b == 'p';
	case ':':
		return b == '/';
	default:
		return false;
	}
}

bool may_hold_secret_portable(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i + 1 < n; i++)
		if (secret_pair(p[i], p[i + 1]))
			return true;
	return false;
}

/* Bit k set: p[k] may begin a secret ('p', 'P', '-', ':'). */
#if defined(__SSE2__)
static unsigned secret_starts16(const unsigned char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	__m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20)); /* 'P' -> 'p'; '-' and ':' stay */
	__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(lower, _mm_set1_epi8('p')),
				   _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')),
						_mm_cmpeq_epi8(x, _mm_set1_epi8(':'))));
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

bool may_hold_secret(const char *s, size_t n)
{
#if defined(__SSE2__)
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	/* 17 bytes readable: every candidate's successor is inside the text */
	for (; i + 17 <= n; i += 16)
		for (unsigned m = secret_starts16(p + i); m; m &= m - 1) {
			unsigned k = (unsigned)__builtin_ctz(m);
			if (secret_pair(p[i + k], p[i + k + 1]))
				return true;
		}
	/* the last 16 bytes at most, padded with NULs, which neither begin nor end a pair */
	unsigned char t[17] = { 0 };
	memcpy(t, p + i, n - i);
	for (unsigned m = secret_starts16(t); m; m &= m - 1) {
		unsigned k = (unsigned)__builtin_ctz(m);
		if (secret_pair(t[k], t[k + 1]))
			return true;
	}
	return false;
#else
	return may_hold_secret_portable(s, n);
#endif
}

/* ---- line ends ---- */

size_t line_end_portable(const char *p, size_t n, bool *high)
{
	unsigned char hi = 0;
	size_t i = 0;
	for (; i < n && p[i] != '\n' && p[i] != '\r'; i++)
		hi |= (unsigned char)p[i];
	*high = hi >= 0x80;
	return i;
}

/* The high bits of the bytes before the line end, in the block that holds it (m: its LF/CR
 * bits, 0 if none): bits below the lowest set bit of m. */
static unsigned high_before(unsigned hi, unsigned m)
{
	return m ? hi & (m - 1) & ~m : hi;
}

#if SCAN_AVX2
__attribute__((target("avx2"))) static size_t line_end_avx2(const char *p, size_t n, bool *high)
{
	const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
	unsigned hi = 0; /* movemask of the bytes themselves: their high bits, for free */
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
		unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(x, lf), _mm256_cmpeq_epi8(x, cr)));
		hi |= high_before((unsigned)_mm256_movemask_epi8(x), m);
		if (m) {
			*high = hi != 0;
			return i + (unsigned)__builtin_ctz(m);
		}
	}
	size_t k = i + line_end_portable(p + i, n - i, high);
	*high = *high || hi != 0;
	return k;
}
#endif

size_t line_end(const char *p, size_t n, bool *high)
{
#if SCAN_AVX2
	if (use_avx2())
		return line_end_avx2(p, n, high);
#endif
#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	unsigned hi = 0;
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
		hi |= high_before((unsigned)_mm_movemask_epi8(x), m);
		if (m) {
			*high = hi != 0;
			return i + (unsigned)__builtin_ctz(m);
		}
	}
	size_t k = i + line_end_portable(p + i, n - i, high); /* never a read past the end */
	*high = *high || hi != 0;
	return k;
#else
	return line_end_portable(p, n, high);
#endif
}

/* ---- WinSCP packet dumps ---- */

static bool upper_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

bool hex_dump_row_portable(const char *s, size_t n)
{
	if (n < 3 || n % 3 != 0)
		return false;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i += 3)
		if (!upper_hex(p[i]) || !upper_hex(p[i + 1]) || p[i + 2] != ',')
			return false;
	return true;
}

#if defined(__SSE2__)
/* 48 bytes at p: 16 "XX," triplets? */
static bool hex_block48(const unsigned char *p)
{
	/* where the commas fall in each 16 bytes of the block: offsets 2, 5, 8, … of the block */
	static const unsigned char commas[3][16] = {
		{ 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0 },
		{ 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0 },
		{ 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255 },
	};
	const __m128i d_lo = _mm_set1_epi8('0' - 1), d_hi = _mm_set1_epi8('9' + 1);
	const __m128i l_lo = _mm_set1_epi8('A' - 1), l_hi = _mm_set1_epi8('F' + 1), comma = _mm_set1_epi8(',');
	__m128i all = _mm_set1_epi8(-1);
	for (int k = 0; k < 3; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i at_comma = _mm_loadu_si128((const __m128i *)commas[k]);
		/* signed compares: bytes >= 0x80 are negative and fail both ranges */
		__m128i hex = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, d_lo), _mm_cmplt_epi8(x, d_hi)),
					   _mm_and_si128(_mm_cmpgt_epi8(x, l_lo), _mm_cmplt_epi8(x, l_hi)));
		__m128i good = _mm_or_si128(_mm_and_si128(at_comma, _mm_cmpeq_epi8(x, comma)), _mm_andnot_si128(at_comma, hex));
		all = _mm_and_si128(all, good);
	}
	return _mm_movemask_epi8(all) == 0xFFFF;
}
#endif

#if SCAN_AVX2
/* 32 bytes at p, the first of them at offset `phase` (0-2) of a triplet: each byte looked up by
 * its two nibbles (vpshufb) as a digit, an upper-case hex letter or a comma, and that class
 * compared with the one its position wants. */
__attribute__((target("avx2"))) static bool hex_block32(const unsigned char *p, size_t phase)
{
	enum { D = 1, L = 2, C = 4 }; /* digit, letter A-F, comma */
	static const unsigned char want[3][32] = {
#define W3(a, b, c) a, b, c
#define ROW(a, b, c) W3(a, b, c), W3(a, b, c), W3(a, b, c), W3(a, b, c), W3(a, b, c), \
		W3(a, b, c), W3(a, b, c), W3(a, b, c), W3(a, b, c), W3(a, b, c), a, b
		{ ROW(D | L, D | L, C) },
		{ ROW(D | L, C, D | L) },
		{ ROW(C, D | L, D | L) },
#undef ROW
#undef W3
	};
	const __m256i by_hi = _mm256_setr_epi8(0, 0, C, D, L, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       0, 0, C, D, L, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i by_lo = _mm256_setr_epi8(D, D | L, D | L, D | L, D | L, D | L, D | L, D, D, D, 0, 0, C, 0, 0, 0,
					       D, D | L, D | L, D | L, D | L, D | L, D | L, D, D, D, 0, 0, C, 0, 0, 0);
	const __m256i nib = _mm256_set1_epi8(0x0F);
	__m256i x = _mm256_loadu_si256((const __m256i *)p);
	/* a byte >= 0x80 has a high nibble of 8 or more: no class */
	__m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(by_hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)),
				       _mm256_shuffle_epi8(by_lo, _mm256_and_si256(x, nib)));
	__m256i ok = _mm256_and_si256(cls, _mm256_loadu_si256((const __m256i *)want[phase]));
	return _mm256_movemask_epi8(_mm256_cmpeq_epi8(ok, _mm256_setzero_si256())) == 0;
}

__attribute__((target("avx2"))) static bool hex_dump_row_avx2(const unsigned char *p, size_t n)
{
	if (n < 32) { /* a short row over triplets that pass */
		unsigned char t[32];
		memcpy(t, "00,00,00,00,00,00,00,00,00,00,00", 32);
		memcpy(t, p, n);
		return hex_block32(t, 0);
	}
	size_t i = 0;
	for (; i + 32 <= n; i += 32)
		if (!hex_block32(p + i, i % 3))
			return false;
	return i == n || hex_block32(p + n - 32, (n - 32) % 3);
}
#endif

bool hex_dump_row(const char *s, size_t n)
{
#if defined(__SSE2__)
	if (n < 3 || n % 3 != 0)
		return false;
#if SCAN_AVX2
	if (use_avx2())
		return hex_dump_row_avx2((const unsigned char *)s, n);
#endif
	const unsigned char *p = (const unsigned char *)s;
	if (n >= 48) {
		/* whole blocks, then the last 48 bytes: they too begin a triplet (n % 3 == 0) */
		for (size_t i = 0; i + 48 <= n; i += 48)
			if (!hex_block48(p + i))
				return false;
		return n % 48 == 0 || hex_block48(p + n - 48);
	}
	/* a short row over a block of triplets that pass */
	unsigned char t[48];
	memcpy(t, "00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,", 48);
	memcpy(t, p, n);
	return hex_block48(t);
#else
	return hex_dump_row_portable(s, n);
#endif
}
