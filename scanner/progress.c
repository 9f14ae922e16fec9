/* progress: a thread that redraws one status line about four times a second. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(const struct progress_counters *c, double elapsed)
{
	double mb = (double)atomic_load(&c->bytes_done) / 1e6;
	double rate = elapsed > 0 ? mb / elapsed : 0;
	unsigned long long files = atomic_load(&c->files_done);
	unsigned long long found = atomic_load(&c->detections);
	char eta[32] = "counting";

	if (atomic_load(&c->total_known)) {
		double total = (double)atomic_load(&c->bytes_total) / 1e6;
		double left = rate > 0 ? (total - mb) / rate : 0;
		if (left < 0)
			left = 0;
		snprintf(eta, sizeof(eta), "ETA %02d:%02d", (int)left / 60, (int)left % 60);
		fprintf(stderr, "\r\033[K%llu/%llu files  %.0f/%.0f MB  %.1f MB/s  %s  %llu found",
			files, (unsigned long long)atomic_load(&c->files_total), mb, total, rate,
			eta, found);
	} else {
		fprintf(stderr, "\r\033[K%llu files  %.0f MB  %.1f MB/s  %s  %llu found", files,
			mb, rate, eta, found);
	}
	fflush(stderr);
}

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	double start = now();

	while (!atomic_load(&p->done)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(p->out_lock);
		if (!atomic_load(&p->done))
			draw(p->c, now() - start);
		pthread_mutex_unlock(p->out_lock);
	}
	return NULL;
}

void progress_start(struct progress *p, struct progress_counters *c, pthread_mutex_t *out_lock)
{
	p->c = c;
	p->out_lock = out_lock;
	atomic_store(&p->done, false);
	p->running = isatty(STDERR_FILENO) && pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

void progress_clear(const struct progress *p)
{
	if (p->running)
		fputs("\r\033[K", stderr);
}

void progress_stop(struct progress *p)
{
	if (!p->running)
		return;
	atomic_store(&p->done, true);
	pthread_join(p->thread, NULL);
	fputs("\r\033[K", stderr);
	p->running = false;
}
