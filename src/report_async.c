/* report_async.c — the report is written by a second thread. On a log with many sessions,
 * rendering them (rule texts with values filled in, JSON escaping) is a third of the work or
 * more; on a machine with a spare core it then overlaps the analysis instead of adding to it.
 *
 * The reporter's calls keep their order through a small ring with one producer (the analyzing
 * thread) and one consumer (the writer), so memory stays flat and the output is byte-for-byte
 * what the synchronous reporter writes. The ring's two counters are atomics: handing a session
 * over takes no lock; a waiter (util.h) serves only to sleep when the ring is empty (writer) or
 * full or being drained (analyzer), and the other side takes its lock only if it sleeps.
 * input_begin gets a copy of the input_info taken when it was called (the analyzer goes on
 * updating the original); input_end and end are
 * called once an input, or everything, is done, so they see the final figures. Only the writer
 * touches the reporter's state and the output stream until reporter_sync() or end() returns.
 *
 * A written session is freed by the analyzing thread when it reuses the session's slot (or at
 * the end): it was allocated there, and freeing it from the writer would have the two threads
 * contend for the allocator's arena. */
#include "report.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>

#define QUEUE_LEN 128            /* a power of two: the counters wrap */
#define BATCH 32                 /* calls queued before a sleeping writer is woken */
_Static_assert((QUEUE_LEN & (QUEUE_LEN - 1)) == 0 && BATCH < QUEUE_LEN, "ring size");

enum call_kind { CALL_BEGIN, CALL_INPUT_BEGIN, CALL_SESSION, CALL_INPUT_END, CALL_END };

struct call {
	enum call_kind kind;
	struct input_info in;        /* CALL_INPUT_BEGIN: the snapshot */
	const struct input_info *inp; /* CALL_INPUT_END */
	struct session *s;
	int code;
};

/* One writer per process: loglens writes one report. Calls queued so far: tail (written by
 * the analyzer only); performed so far: head (written by the writer only). Slot c % QUEUE_LEN
 * holds call c; the analyzer may reuse it once head has passed it. A side stores its counter,
 * then wakes the other (waiter_wake looks at its flag): no wake-up is lost. */
static struct {
	struct reporter *r;
	struct reporter real;        /* the synchronous reporter's functions */
	pthread_t thread;
	bool running;
	struct call q[QUEUE_LEN];
	/* on cache lines of their own: each thread writes one of them all the time */
	_Alignas(64) _Atomic unsigned tail;
	_Alignas(64) _Atomic unsigned head;
	_Alignas(64) struct waiter work; /* the writer sleeps here for work */
	_Alignas(64) struct waiter space; /* the analyzer, for room or a drain */
} A;

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

static bool has_work(void *arg)
{
	(void)arg;
	return atomic_load(&A.tail) != atomic_load(&A.head);
}

/* Room for a batch: a full ring is not refilled one call per wake-up. */
static bool has_room(void *arg)
{
	(void)arg;
	return atomic_load(&A.tail) - atomic_load(&A.head) <= QUEUE_LEN - BATCH;
}

static bool drained(void *arg)
{
	return !has_work(arg);
}

static void *writer(void *arg)
{
	(void)arg;
	unsigned head = atomic_load(&A.head);
	for (bool done = false; !done;) {
		if (atomic_load(&A.tail) == head)
			waiter_sleep_until(&A.work, has_work, NULL);
		struct call *c = &A.q[head % QUEUE_LEN];
		perform(c);
		done = c->kind == CALL_END;
		atomic_store(&A.head, ++head);
		if (has_room(NULL)) /* what the analyzer waits for: room, or (later) the drain */
			waiter_wake(&A.space);
	}
	template_scratch_free();
	return NULL;
}

static void enqueue(const struct call *c)
{
	unsigned tail = atomic_load(&A.tail);
	if (tail - atomic_load(&A.head) == QUEUE_LEN) {
		waiter_wake(&A.work); /* a full ring holds a batch */
		waiter_sleep_until(&A.space, has_room, NULL);
	}
	struct call *slot = &A.q[tail % QUEUE_LEN];
	if (slot->kind == CALL_SESSION)
		session_free(slot->s); /* written: head has passed it */
	slot->kind = c->kind; /* only what the call uses: the slot was the writer's */
	if (c->kind == CALL_INPUT_BEGIN)
		slot->in = c->in;
	slot->inp = c->inp;
	slot->s = c->s;
	slot->code = c->code;
	atomic_store(&A.tail, tail + 1);
	if (c->kind == CALL_END || tail + 1 - atomic_load(&A.head) >= BATCH)
		waiter_wake(&A.work);
}

/* After the writer is gone: the sessions still in their slots (each slot then marked spent). */
static void free_written(void)
{
	for (unsigned i = 0; i < QUEUE_LEN; i++)
		if (A.q[i].kind == CALL_SESSION) {
			session_free(A.q[i].s);
			A.q[i].kind = CALL_END;
		}
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
	struct call c; /* not a compound literal: that would clear the input snapshot too */
	c.kind = CALL_SESSION;
	c.inp = NULL;
	c.s = (struct session *)s;
	c.code = 0;
	enqueue(&c);
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
	free_written();
	waiter_destroy(&A.work);
	waiter_destroy(&A.space);
}

void reporter_async(struct reporter *r)
{
	A.r = r;
	A.real = *r;
	waiter_init(&A.work);
	waiter_init(&A.space);
	if (pthread_create(&A.thread, NULL, writer, NULL) != 0) {
		waiter_destroy(&A.work);
		waiter_destroy(&A.space);
		return; /* no thread: the reporter stays synchronous */
	}
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
	if (A.running && !drained(NULL)) {
		waiter_wake(&A.work);
		waiter_sleep_until(&A.space, drained, NULL);
	}
	fflush(r->out);
}
