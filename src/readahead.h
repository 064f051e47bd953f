/* readahead.h — a thread that read(2)s a descriptor ahead of the line splitter (readahead.c).
 * On a long log the copy out of the page cache is a tenth of the work, and on a plain
 * WinSCP Debug 2 log (mostly dump rows, dropped early) a good part of what is left: done on
 * a second thread it overlaps the analysis. */
#ifndef LOGLENS_READAHEAD_H
#define LOGLENS_READAHEAD_H

#include <stddef.h>
#include <sys/types.h>

struct readahead;

/* Start reading fd on a new thread into chunks that each have `carry_max` bytes of room in
 * front of their data. NULL if no thread could be started (the caller reads as before). */
struct readahead *readahead_start(int fd, size_t carry_max);

/* The next chunk, with the carry[0..carry_len) (at most carry_max bytes, which may lie in the
 * chunk handed out before) copied in front of its data: *out points at the carry's copy and
 * the result counts the carry and the new bytes. Only then is the chunk before released to the
 * reader. 0 at end of input and -1 on a read error (errno set): the current chunk stays
 * valid and nothing is copied. */
ssize_t readahead_next(struct readahead *ra, const char *carry, size_t carry_len, char **out);

/* Stop the thread (it may be blocked in read(2) if the input was not read to its end) and
 * free everything. */
void readahead_stop(struct readahead *ra);

#endif
