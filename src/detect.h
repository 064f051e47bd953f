/* detect.h — which kind of log is this? Decided from content (a window of the first lines),
 * never from the file name. */
#ifndef LOGLENS_DETECT_H
#define LOGLENS_DETECT_H

#include <stddef.h>

#include "event.h"

enum format {
	FMT_UNKNOWN, FMT_WINSCP, FMT_WINSCP_XML, FMT_PUTTY, FMT_PUTTY_LOG, FMT_OPENSSH,
	FMT_SSHD_SYSLOG, FMT_SSHD_JOURNAL, FMT_SSHD, FMT_COUNT
};

struct detector {
	long score[FMT_COUNT];
	size_t lines;
	size_t syslog_lines;         /* syslog lines of any program */
};

void detect_line(struct detector *d, const char *s, size_t n);
enum format detect_decide(const struct detector *d);
const char *format_name(enum format f);
int format_from_name(const char *s);
/* The family whose tokenizer takes a line that has no shape of its own. */
enum family format_text_family(enum format f);

#endif
