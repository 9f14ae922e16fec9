/* progress: what a running scan shows of itself about four times a second
 * (files, MB, rate, ETA, detections so far): either one status line on
 * stderr, only when stderr is a terminal, or one JSON line per update on a
 * file descriptor for a program that draws its own screen (the launcher). */
#ifndef RAQUET_PROGRESS_H
#define RAQUET_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress_counters {
	atomic_uint_fast64_t files_done, bytes_done, detections;
	atomic_uint_fast64_t files_total, bytes_total; /* from the pre-count */
	atomic_bool total_known;                       /* pre-count finished */
	atomic_size_t root;                            /* index of the root being walked */
};

struct progress {
	struct progress_counters *c;
	pthread_mutex_t *out_lock; /* shared with whoever prints detections */
	int json_fd;               /* > 0: JSON lines there, not the terminal */
	const char *const *roots;  /* named in JSON lines */
	size_t nroots;
	pthread_t thread;
	atomic_bool done;
	bool running;
};

/* Starts the update thread. With json_fd > 0 it writes JSON lines to that
 * descriptor (a last one with "done": true from progress_stop); otherwise
 * it draws on stderr, and is a no-op when stderr is not a terminal. */
void progress_start(struct progress *p, struct progress_counters *c, pthread_mutex_t *out_lock,
		    int json_fd, const char *const *roots, size_t nroots);
/* Erases the line if one is shown; call with out_lock held before printing. */
void progress_clear(const struct progress *p);
void progress_stop(struct progress *p);

#endif
