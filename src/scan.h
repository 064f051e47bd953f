/* scan.h — byte scanners for the hot paths (scan.c): the report's strings, WinSCP's dumps. */
#ifndef LOGLENS_SCAN_H
#define LOGLENS_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* How many bytes from p can go into a JSON string as they are: printable ASCII other than
 * '"' and '\\', and valid UTF-8 sequences. */
size_t json_plain_run(const unsigned char *p, size_t n);
/* Could the text hold a password at all ("pass", "-pw", "PASSWORD", "-p", "://")? A cheap
 * look before the masking regexes run. */
bool may_hold_secret(const char *s, size_t n);

/* Is s[0..n) one row of a WinSCP Debug 2 packet dump: "00,1F,A0,…," — pairs of upper-case
 * hex digits, each followed by a comma (n a multiple of 3, at least 3)? */
bool hex_dump_row(const char *s, size_t n);

/* The offset of the first LF or CR in p[0..n), or n: where a line ends (both at once, which
 * two memchr calls per line did before). *high: does a byte >= 0x80 come before it — known
 * from the same loads, so that an ASCII line is never scanned again for its encoding. */
size_t line_end(const char *p, size_t n, bool *high);

/* Use AVX2 where the CPU has it (the default), or keep to SSE2: the unit tests try both. */
void scan_set_avx2(bool on);

/* The one-byte-at-a-time references (unit tests). */
size_t line_end_portable(const char *p, size_t n, bool *high);
size_t json_plain_run_portable(const unsigned char *p, size_t n);
bool may_hold_secret_portable(const char *s, size_t n);
bool hex_dump_row_portable(const char *s, size_t n);

#endif
