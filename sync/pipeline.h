/* pipeline: prechecks (precheck.h) of one folder's record files run ahead
 * in worker threads (one fewer than the online CPUs, at least one, at most
 * PIPELINE_MAX_WORKERS) while the caller, in its own thread, takes the
 * results in the order of the names and does every database write. The
 * queue is bounded in records and in bytes held. */
#ifndef RAQUET_SYNC_PIPELINE_H
#define RAQUET_SYNC_PIPELINE_H

#include <stddef.h>

#include "precheck.h"
#include "rqerror.h"

#define PIPELINE_MAX_WORKERS 8

struct pipeline;

/* c and names must outlive the pipeline. When no thread can be started
 * the prechecks run in pipeline_next, in the caller's thread. */
struct pipeline *pipeline_start(const struct precheck_ctx *c, char *const *names, size_t n,
				rq_error *err);

/* The next name's precheck (p->name is names[i], i = 0, 1, ...), or NULL
 * after the last. It stays valid until the next call or pipeline_stop; the
 * caller may change it (precheck_finish) and must not free it. */
struct precheck *pipeline_next(struct pipeline *pl);

/* Stops the workers (at any point), waits for them and frees everything. */
void pipeline_stop(struct pipeline *pl);

#endif
