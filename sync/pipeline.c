/* pipeline: an ordered, bounded queue filled by worker threads (see
 * pipeline.h). Item k lives in slot k % depth; a worker claims the next
 * item while fewer than depth items are unreleased and the bytes they hold
 * stay under the budget, fills its slot outside the lock, and marks it
 * ready. The caller releases item k when it asks for item k + 1. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"

#define DEPTH_PER_WORKER 8
#define BUDGET_BYTES     ((size_t)64 * 1024 * 1024)

struct slot {
	struct precheck p;
	bool ready;
};

struct pipeline {
	const struct precheck_ctx *c;
	char *const *names;
	size_t n;
	struct slot *slots;
	size_t depth;
	pthread_mutex_t mu;
	pthread_cond_t ready_cv; /* a slot became ready (the caller waits) */
	pthread_cond_t space_cv; /* a slot was released, or stop (workers wait) */
	size_t claimed;          /* items handed to workers */
	size_t released;         /* items the caller is done with */
	size_t next;             /* the item pipeline_next returns next */
	size_t held;             /* bytes in claimed, unreleased items */
	bool stop;
	pthread_t tid[PIPELINE_MAX_WORKERS];
	int nthreads;
};

/* Mutexes and conditions fail only when misused (EINVAL, EDEADLK...): a bug
 * with the lock state unknown. Stopping then is like a kill, which the
 * import survives (the transaction is not committed). */
static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "raquet-sync: internal error: %s: %s\n", what, strerror(rc));
		abort();
	}
}

static void lock(struct pipeline *pl)
{
	check(pthread_mutex_lock(&pl->mu), "pthread_mutex_lock");
}

static void unlock(struct pipeline *pl)
{
	check(pthread_mutex_unlock(&pl->mu), "pthread_mutex_unlock");
}

static bool can_claim(const struct pipeline *pl)
{
	return pl->claimed < pl->n && pl->claimed < pl->released + pl->depth &&
	       pl->held < BUDGET_BYTES;
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;

	lock(pl);
	for (;;) {
		while (!pl->stop && pl->claimed < pl->n && !can_claim(pl))
			check(pthread_cond_wait(&pl->space_cv, &pl->mu), "pthread_cond_wait");
		if (pl->stop || pl->claimed >= pl->n)
			break;
		size_t k = pl->claimed++;
		struct slot *s = &pl->slots[k % pl->depth];
		unlock(pl);
		precheck_run(pl->c, pl->names[k], &s->p);
		lock(pl);
		s->ready = true;
		pl->held += s->p.cost;
		check(pthread_cond_signal(&pl->ready_cv), "pthread_cond_signal");
	}
	unlock(pl);
	return NULL;
}

static int workers_wanted(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

#ifdef PIPELINE_TEST_CPUS /* a build that tests the ordering with many workers */
	n = PIPELINE_TEST_CPUS;
#endif

	if (n < 2)
		n = 2;
	return n - 1 > PIPELINE_MAX_WORKERS ? PIPELINE_MAX_WORKERS : (int)(n - 1);
}

struct pipeline *pipeline_start(const struct precheck_ctx *c, char *const *names, size_t n,
				rq_error *err)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	int want = workers_wanted(), rc;

	if (pl == NULL) {
		rq_fail(err, "out of memory");
		return NULL;
	}
	pl->c = c;
	pl->names = names;
	pl->n = n;
	pl->depth = (size_t)want * DEPTH_PER_WORKER;
	if ((pl->slots = calloc(pl->depth, sizeof(*pl->slots))) == NULL) {
		free(pl);
		rq_fail(err, "out of memory");
		return NULL;
	}
	if ((rc = pthread_mutex_init(&pl->mu, NULL)) != 0)
		goto fail;
	if ((rc = pthread_cond_init(&pl->ready_cv, NULL)) != 0) {
		pthread_mutex_destroy(&pl->mu);
		goto fail;
	}
	if ((rc = pthread_cond_init(&pl->space_cv, NULL)) != 0) {
		pthread_cond_destroy(&pl->ready_cv);
		pthread_mutex_destroy(&pl->mu);
		goto fail;
	}
	/* Fewer threads (or none: see pipeline_next) only cost time. */
	for (int i = 0; i < want && n > 0; i++) {
		if (pthread_create(&pl->tid[pl->nthreads], NULL, worker, pl) != 0)
			break;
		pl->nthreads++;
	}
	return pl;
fail:
	free(pl->slots);
	free(pl);
	rq_fail_errno(err, rc, "cannot start the import's workers");
	return NULL;
}

/* Frees item k's slot (the caller's previous item). */
static void release(struct pipeline *pl)
{
	struct slot *s = &pl->slots[pl->released % pl->depth];
	size_t cost = s->p.cost;

	precheck_clear(&s->p);
	s->ready = false;
	if (pl->nthreads == 0) {
		pl->released++;
		return;
	}
	lock(pl);
	pl->held -= cost;
	pl->released++;
	check(pthread_cond_broadcast(&pl->space_cv), "pthread_cond_broadcast");
	unlock(pl);
}

struct precheck *pipeline_next(struct pipeline *pl)
{
	struct slot *s;

	if (pl->released < pl->next)
		release(pl);
	if (pl->next >= pl->n)
		return NULL;
	s = &pl->slots[pl->next % pl->depth];
	if (pl->nthreads == 0) {
		precheck_run(pl->c, pl->names[pl->next], &s->p);
	} else {
		lock(pl);
		while (!s->ready)
			check(pthread_cond_wait(&pl->ready_cv, &pl->mu), "pthread_cond_wait");
		unlock(pl);
	}
	pl->next++;
	return &s->p;
}

void pipeline_stop(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	if (pl->nthreads > 0) {
		lock(pl);
		pl->stop = true;
		check(pthread_cond_broadcast(&pl->space_cv), "pthread_cond_broadcast");
		unlock(pl);
		for (int i = 0; i < pl->nthreads; i++)
			check(pthread_join(pl->tid[i], NULL), "pthread_join");
	}
	/* Every claimed item is finished now; the unreleased ones hold memory. */
	for (size_t k = pl->released; k < pl->claimed || k < pl->next; k++)
		precheck_clear(&pl->slots[k % pl->depth].p);
	check(pthread_cond_destroy(&pl->space_cv), "pthread_cond_destroy");
	check(pthread_cond_destroy(&pl->ready_cv), "pthread_cond_destroy");
	check(pthread_mutex_destroy(&pl->mu), "pthread_mutex_destroy");
	free(pl->slots);
	free(pl);
}
