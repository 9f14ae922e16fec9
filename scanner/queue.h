/* queue: the bounded hand-off between the walker and the workers. Bounded so
 * that memory and open descriptors stay flat whatever the size of the tree. */
#ifndef RAQUET_QUEUE_H
#define RAQUET_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	void **items;
	size_t cap, head, len;
	bool closed;
};

int queue_init(struct queue *q, size_t cap);
void queue_destroy(struct queue *q);
/* Blocks while full. Returns -1 (item not taken) once the queue is closed. */
int queue_push(struct queue *q, void *item);
/* Blocks while empty; returns NULL once closed and drained. */
void *queue_pop(struct queue *q);
/* queue_pop when wait; else returns NULL at once when the queue is empty. */
void *queue_take(struct queue *q, bool wait);
/* No more pushes; wakes every waiter. */
void queue_close(struct queue *q);

#endif
