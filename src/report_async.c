/* report_async.c — the report is written by a second thread. On a log with many sessions,
 * rendering them (rule texts with values filled in, JSON escaping) is a third of the work or
 * more; on a machine with a spare core it then overlaps the analysis instead of adding to it.
 *
 * The reporter's calls keep their order through a small bounded queue, so memory stays flat
 * and the output is byte-for-byte what the synchronous reporter writes. Sessions pass to the
 * writer, which frees them. input_begin gets a copy of the input_info taken when it was called
 * (the analyzer goes on updating the original); input_end and end are called once an input, or
 * everything, is done, so they see the final figures. Only the writer touches the reporter's
 * state and the output stream until reporter_sync() or end() returns.
 *
 * A written session goes back to the analyzing thread to be freed: it was allocated there, and
 * freeing it from the writer would have the two threads contend for the allocator's arena. */
#include "report.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_LEN 64
#define BATCH 16                 /* calls queued before a sleeping writer is woken */

enum call_kind { CALL_BEGIN, CALL_INPUT_BEGIN, CALL_SESSION, CALL_INPUT_END, CALL_END };

struct call {
	enum call_kind kind;
	struct input_info in;        /* CALL_INPUT_BEGIN: the snapshot */
	const struct input_info *inp; /* CALL_INPUT_END */
	struct session *s;
	int code;
};

/* One writer per process: loglens writes one report. */
static struct {
	struct reporter *r;
	struct reporter real;        /* the synchronous reporter's functions */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, space;  /* the writer waits for work; the analyzer for room or a drain */
	struct call q[QUEUE_LEN];
	unsigned head, count;
	bool busy;                   /* the writer is performing calls */
	bool writer_waits, room_waits;
	bool running;
	struct session **done;       /* written, to be freed by the analyzing thread */
	unsigned ndone, capdone;
} A = { .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .space = PTHREAD_COND_INITIALIZER };

static void perform(struct call *c)
{
	struct reporter *r = A.r;
	switch (c->kind) {
	case CALL_BEGIN:
		A.real.begin(r);
		break;
	case CALL_INPUT_BEGIN:
		A.real.input_begin(r, &c->in);
		break;
	case CALL_SESSION:
		A.real.session(r, c->s);
		break;
	case CALL_INPUT_END:
		A.real.input_end(r, c->inp);
		break;
	case CALL_END:
		A.real.end(r, c->code);
		break;
	}
}

/* Takes every queued call at once: one wake-up per batch, not per session. */
static void *writer(void *arg)
{
	static struct call batch[QUEUE_LEN];
	(void)arg;
	for (bool done = false; !done;) {
		pthread_mutex_lock(&A.mu);
		while (A.count == 0) {
			A.writer_waits = true;
			pthread_cond_wait(&A.work, &A.mu);
			A.writer_waits = false;
		}
		unsigned n = A.count;
		for (unsigned i = 0; i < n; i++)
			batch[i] = A.q[(A.head + i) % QUEUE_LEN];
		A.head = (A.head + n) % QUEUE_LEN;
		A.count = 0;
		A.busy = true;
		if (A.room_waits)
			pthread_cond_signal(&A.space);
		pthread_mutex_unlock(&A.mu);

		for (unsigned i = 0; i < n; i++) {
			perform(&batch[i]);
			done |= batch[i].kind == CALL_END;
		}

		pthread_mutex_lock(&A.mu);
		if (A.ndone + n > A.capdone) {
			A.capdone = 2 * (A.ndone + n);
			A.done = xrealloc(A.done, A.capdone * sizeof *A.done);
		}
		for (unsigned i = 0; i < n; i++)
			if (batch[i].kind == CALL_SESSION)
				A.done[A.ndone++] = batch[i].s;
		A.busy = false;
		if (A.room_waits)
			pthread_cond_signal(&A.space);
		pthread_mutex_unlock(&A.mu);
	}
	template_scratch_free();
	return NULL;
}

/* Free the sessions the writer is done with (called with the lock held; frees after it). */
static void free_done_locked(void)
{
	struct session *mine[QUEUE_LEN];
	unsigned n = 0;
	while (A.ndone > 0 && n < QUEUE_LEN)
		mine[n++] = A.done[--A.ndone];
	pthread_mutex_unlock(&A.mu);
	for (unsigned i = 0; i < n; i++)
		session_free(mine[i]);
	pthread_mutex_lock(&A.mu);
}

static void enqueue(const struct call *c)
{
	pthread_mutex_lock(&A.mu);
	if (A.ndone >= QUEUE_LEN)
		free_done_locked();
	while (A.count == QUEUE_LEN) {
		A.room_waits = true;
		pthread_cond_wait(&A.space, &A.mu);
		A.room_waits = false;
	}
	A.q[(A.head + A.count) % QUEUE_LEN] = *c;
	A.count++;
	if (A.writer_waits && (c->kind == CALL_END || A.count >= BATCH))
		pthread_cond_signal(&A.work);
	pthread_mutex_unlock(&A.mu);
}

static void free_all_done(void)
{
	pthread_mutex_lock(&A.mu);
	while (A.ndone > 0)
		free_done_locked();
	pthread_mutex_unlock(&A.mu);
}

static void async_begin(struct reporter *r)
{
	(void)r;
	enqueue(&(struct call){ .kind = CALL_BEGIN });
}

static void async_input_begin(struct reporter *r, const struct input_info *in)
{
	(void)r;
	enqueue(&(struct call){ .kind = CALL_INPUT_BEGIN, .in = *in });
}

static void async_session(struct reporter *r, const struct session *s)
{
	(void)r;
	enqueue(&(struct call){ .kind = CALL_SESSION, .s = (struct session *)s });
}

static void async_input_end(struct reporter *r, const struct input_info *in)
{
	(void)r;
	enqueue(&(struct call){ .kind = CALL_INPUT_END, .inp = in });
}

static void async_end(struct reporter *r, int code)
{
	(void)r;
	enqueue(&(struct call){ .kind = CALL_END, .code = code });
	pthread_join(A.thread, NULL);
	A.running = false;
	free_all_done();
	free(A.done);
	A.done = NULL;
	A.ndone = A.capdone = 0;
}

void reporter_async(struct reporter *r)
{
	A.r = r;
	A.real = *r;
	if (pthread_create(&A.thread, NULL, writer, NULL) != 0)
		return; /* no thread: the reporter stays synchronous */
	A.running = true;
	r->begin = async_begin;
	r->input_begin = async_input_begin;
	r->session = async_session;
	r->input_end = async_input_end;
	r->end = async_end;
	r->owns_sessions = true;
}

void reporter_sync(struct reporter *r)
{
	if (A.running) {
		pthread_mutex_lock(&A.mu);
		if (A.writer_waits && A.count > 0)
			pthread_cond_signal(&A.work);
		while (A.count > 0 || A.busy) {
			A.room_waits = true;
			pthread_cond_wait(&A.space, &A.mu);
			A.room_waits = false;
		}
		pthread_mutex_unlock(&A.mu);
	}
	fflush(r->out);
}
