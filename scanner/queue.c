/* queue: a mutex/condvar ring buffer of pointers. */
#include <stdlib.h>

#include "queue.h"

int queue_init(struct queue *q, size_t cap)
{
	q->items = calloc(cap, sizeof(*q->items));
	if (q->items == NULL)
		return -1;
	q->cap = cap;
	q->head = q->len = 0;
	q->closed = false;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

void queue_destroy(struct queue *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
}

int queue_push(struct queue *q, void *item)
{
	pthread_mutex_lock(&q->lock);
	while (q->len == q->cap && !q->closed)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->closed) {
		pthread_mutex_unlock(&q->lock);
		return -1;
	}
	q->items[(q->head + q->len++) % q->cap] = item;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void *queue_pop(struct queue *q)
{
	return queue_take(q, true);
}

void *queue_take(struct queue *q, bool wait)
{
	void *item = NULL;

	pthread_mutex_lock(&q->lock);
	while (wait && q->len == 0 && !q->closed)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (q->len > 0) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		/* The walker is woken when the queue is half empty, not after
		 * every item: one wake-up (a futex call and a cross-CPU
		 * interrupt) per file was a measurable part of a scan of small
		 * files. len passes cap / 2 on its way down from full, so a
		 * walker waiting on a full queue is always woken. */
		if (q->len-- == q->cap / 2 + 1)
			pthread_cond_broadcast(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return item;
}

void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}
