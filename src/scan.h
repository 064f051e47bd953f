/* scan.h — byte scanners for the report's hot paths (scan.c). */
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

/* The one-byte-at-a-time references (unit tests). */
size_t json_plain_run_portable(const unsigned char *p, size_t n);
bool may_hold_secret_portable(const char *s, size_t n);

#endif
