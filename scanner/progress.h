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

#include "eta.h"

#define PROGRESS_FILE_MAX  4096 /* bytes of the current file's path kept */
#define PROGRESS_FILE_COLS 200  /* columns of it in a JSON line */

struct progress_slot {
	uint64_t bytes; /* size of the file a worker is on */
	double started; /* monotonic seconds */
	bool busy;
};

struct progress_counters {
	atomic_uint_fast64_t files_done, bytes_done, detections;
	atomic_uint_fast64_t files_total, bytes_total; /* from the pre-count */
	atomic_uint_fast64_t largest;                  /* its biggest file */
	atomic_bool total_known;                       /* pre-count finished */
	atomic_size_t root;                            /* index of the root being walked */
	/* The ETA's measures and the file shown (progress_counters_init). */
	pthread_mutex_t lock;
	struct eta eta;
	struct progress_slot *slots; /* one per worker */
	size_t nslots;
	uint64_t largest_started;
	char file[PROGRESS_FILE_MAX]; /* raw path of the file started last */
};

int progress_counters_init(struct progress_counters *c, size_t nslots);
void progress_counters_destroy(struct progress_counters *c);
/* A worker (slot) starts on a file, or has finished it: its time is
 * measured for the ETA (eta.h), and the file is the one shown. */
void progress_file_start(struct progress_counters *c, size_t slot, const char *path,
			 uint64_t bytes);
void progress_file_done(struct progress_counters *c, size_t slot);

/* A newly allocated copy of s (valid UTF-8, escaped) of at most cols
 * columns, cut in the middle with "…" so that both the start of the path
 * and the file name stay. NULL only when out of memory. */
char *progress_shorten(const char *s, size_t cols);

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
