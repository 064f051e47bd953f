/* readahead.c — read(2) on a thread of its own, a few chunks ahead of the line splitter.
 *
 * A ring of NCHUNK chunks, one producer (the reader) and one consumer (input.c). The consumer
 * holds one chunk at a time, the one its lines point into; the reader fills the others. A line
 * cut by a chunk's end is carried: its start is copied into the room kept in front of the next
 * chunk's data, so a line is always contiguous and nothing is copied twice. The two counters
 * are atomics and a waiter (util.h) serves only to sleep, as in report_async.c. */
#include "readahead.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define NCHUNK 4                 /* one held, three read ahead */
#define CHUNK_DATA (256 * 1024)  /* what one read(2) asks for */

struct chunk {
	char *mem;                   /* carry_max bytes of room, then CHUNK_DATA of data */
	ssize_t len;                 /* bytes read; 0 at end of input, -1 on error */
	int err;                     /* errno of a failed read */
};

struct readahead {
	int fd;
	size_t carry_max;
	struct chunk c[NCHUNK];
	pthread_t thread;
	/* chunks filled so far (the reader's), chunks given back so far (the consumer's): chunk
	 * k is in slot k % NCHUNK; the reader may fill chunk k once k - released < NCHUNK */
	_Alignas(64) _Atomic unsigned filled;
	_Alignas(64) _Atomic unsigned released;
	_Atomic bool stop;           /* the consumer is done: the reader ends */
	_Atomic bool finished;       /* the reader has ended */
	unsigned taken;              /* chunks handed to the consumer (consumer only) */
	bool ended;                  /* the end or an error was handed out (consumer only) */
	ssize_t end_rc;
	int end_err;
	struct waiter data;          /* the consumer sleeps here for a filled chunk */
	struct waiter room;          /* the reader, for a free one */
};

static bool has_room(void *arg)
{
	struct readahead *ra = arg;
	return atomic_load(&ra->filled) - atomic_load(&ra->released) < NCHUNK || atomic_load(&ra->stop);
}

static bool has_data(void *arg)
{
	struct readahead *ra = arg;
	return atomic_load(&ra->filled) != ra->taken;
}

/* The only cancellation point is read(2): a reader blocked on a pipe can be stopped, and a
 * reader holding the waiter's mutex never is. */
static ssize_t read_cancellable(int fd, void *dst, size_t n)
{
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	ssize_t r = read(fd, dst, n);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return r;
}

static void *reader(void *arg)
{
	struct readahead *ra = arg;
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	for (unsigned k = 0;; k++) {
		waiter_sleep_until(&ra->room, has_room, ra);
		if (atomic_load(&ra->stop))
			break;
		struct chunk *c = &ra->c[k % NCHUNK];
		ssize_t r;
		do
			r = read_cancellable(ra->fd, c->mem + ra->carry_max, CHUNK_DATA);
		while (r < 0 && errno == EINTR);
		c->len = r;
		c->err = r < 0 ? errno : 0;
		atomic_store(&ra->filled, k + 1);
		waiter_wake(&ra->data);
		if (r <= 0)
			break;
	}
	atomic_store(&ra->finished, true);
	return NULL;
}

struct readahead *readahead_start(int fd, size_t carry_max)
{
	struct readahead *ra = xcalloc(1, sizeof *ra);
	ra->fd = fd;
	ra->carry_max = carry_max;
	for (int i = 0; i < NCHUNK; i++)
		ra->c[i].mem = xmalloc(carry_max + CHUNK_DATA);
	waiter_init(&ra->data);
	waiter_init(&ra->room);
	if (pthread_create(&ra->thread, NULL, reader, ra) != 0) {
		waiter_destroy(&ra->data);
		waiter_destroy(&ra->room);
		for (int i = 0; i < NCHUNK; i++)
			free(ra->c[i].mem);
		free(ra);
		return NULL;
	}
	return ra;
}

ssize_t readahead_next(struct readahead *ra, const char *carry, size_t carry_len, char **out)
{
	if (!ra->ended) {
		waiter_sleep_until(&ra->data, has_data, ra);
		struct chunk *c = &ra->c[ra->taken % NCHUNK];
		if (c->len <= 0) {
			ra->ended = true;
			ra->end_rc = c->len < 0 ? -1 : 0;
			ra->end_err = c->err;
		} else {
			char *dst = c->mem + ra->carry_max - carry_len;
			memcpy(dst, carry, carry_len);
			ra->taken++;
			/* the chunk before this one (which held the carry) goes back to the reader */
			atomic_store(&ra->released, ra->taken - 1);
			waiter_wake(&ra->room);
			*out = dst;
			return (ssize_t)carry_len + c->len;
		}
	}
	errno = ra->end_err;
	return ra->end_rc;
}

void readahead_stop(struct readahead *ra)
{
	if (!ra)
		return;
	atomic_store(&ra->stop, true);
	waiter_wake(&ra->room);
	if (!atomic_load(&ra->finished))
		pthread_cancel(ra->thread); /* acted on only inside read(2) */
	pthread_join(ra->thread, NULL);
	waiter_destroy(&ra->data);
	waiter_destroy(&ra->room);
	for (int i = 0; i < NCHUNK; i++)
		free(ra->c[i].mem);
	free(ra);
}
