/* progress: the one-line progress display on stderr (files, MB, rate, ETA,
 * detections so far), shown only when stderr is a terminal. */
#ifndef RAQUET_PROGRESS_H
#define RAQUET_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct progress_counters {
	atomic_uint_fast64_t files_done, bytes_done, detections;
	atomic_uint_fast64_t files_total, bytes_total; /* from the pre-count */
	atomic_bool total_known;                       /* pre-count finished */
};

struct progress {
	struct progress_counters *c;
	pthread_mutex_t *out_lock; /* shared with whoever prints detections */
	pthread_t thread;
	atomic_bool done;
	bool running;
};

/* Starts the display thread (a no-op when stderr is not a terminal). */
void progress_start(struct progress *p, struct progress_counters *c, pthread_mutex_t *out_lock);
/* Erases the line if one is shown; call with out_lock held before printing. */
void progress_clear(const struct progress *p);
void progress_stop(struct progress *p);

#endif
