/* Unit tests for scanner/queue: the walker-to-workers hand-off. Every item
 * pushed is popped once, in order, whatever the capacity and the number of
 * consumers; a producer blocked on a full queue is always woken (the queue
 * wakes it only when half empty, so a lost wake-up would hang: alarm(30)
 * turns a hang into a failure); close ends producers and consumers. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "queue.h"
#include "tap.h"

#define NITEMS 20000

struct run {
	struct queue q;
	size_t nconsumers;
	unsigned char seen[NITEMS + 1];
	uintptr_t last[8]; /* per consumer: the last item it took */
	int out_of_order, twice;
	pthread_mutex_t lock;
};

struct consumer {
	struct run *r;
	size_t idx;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	void *p;

	while ((p = queue_pop(&c->r->q)) != NULL) {
		uintptr_t v = (uintptr_t)p;
		pthread_mutex_lock(&c->r->lock);
		if (v <= c->r->last[c->idx]) /* one consumer sees a rising sequence */
			c->r->out_of_order++;
		c->r->last[c->idx] = v;
		if (v > NITEMS || c->r->seen[v]++)
			c->r->twice++;
		pthread_mutex_unlock(&c->r->lock);
		if (v % 997 == 0) /* now and then a slow consumer: the queue fills */
			usleep(100);
	}
	return NULL;
}

static void run_one(size_t cap, size_t nconsumers)
{
	static struct run r;
	struct consumer c[8];
	pthread_t t[8];
	int pushed = 0, missing = 0;

	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.lock, NULL);
	if (queue_init(&r.q, cap) != 0)
		abort();
	for (size_t i = 0; i < nconsumers; i++) {
		c[i] = (struct consumer){&r, i};
		pthread_create(&t[i], NULL, consume, &c[i]);
	}
	for (uintptr_t v = 1; v <= NITEMS; v++)
		pushed += queue_push(&r.q, (void *)v) == 0;
	queue_close(&r.q);
	for (size_t i = 0; i < nconsumers; i++)
		pthread_join(t[i], NULL);
	for (size_t v = 1; v <= NITEMS; v++)
		missing += r.seen[v] != 1;
	ok(pushed == NITEMS && missing == 0 && r.twice == 0 && r.out_of_order == 0,
	   "capacity %zu, %zu consumer(s): %d items each popped once, in order", cap, nconsumers,
	   NITEMS);
	ok(queue_push(&r.q, (void *)1) == -1 && queue_pop(&r.q) == NULL,
	   "  ... once closed, push is refused and pop ends");
	queue_destroy(&r.q);
	pthread_mutex_destroy(&r.lock);
}

/* A producer blocked on a full queue when it is closed is let go. */
static void *push_two(void *arg)
{
	struct queue *q = arg;
	intptr_t rc = queue_push(q, (void *)1) + queue_push(q, (void *)2);
	return (void *)rc;
}

int main(void)
{
	size_t caps[] = {1, 2, 3, 4, 12, 64};
	struct queue q;
	pthread_t t;
	void *rc;

	alarm(30);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		for (size_t n = 1; n <= 3; n++)
			run_one(caps[i], n);

	if (queue_init(&q, 1) != 0)
		abort();
	pthread_create(&t, NULL, push_two, &q);
	while (1) { /* wait until the first item is in: the second push blocks */
		pthread_mutex_lock(&q.lock);
		size_t len = q.len;
		pthread_mutex_unlock(&q.lock);
		if (len == 1)
			break;
		usleep(1000);
	}
	queue_close(&q);
	pthread_join(t, &rc);
	ok((intptr_t)rc == -1, "a producer blocked on a full queue returns -1 when it is closed");
	ok(queue_pop(&q) == (void *)1 && queue_pop(&q) == NULL,
	   "  ... and what was pushed before the close is still popped");
	queue_destroy(&q);
	return done_testing();
}
