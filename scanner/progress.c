/* progress: a thread that redraws one status line, or writes one JSON line,
 * about four times a second. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
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

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* One line of the --progress-fd protocol (docs/raquet-scan.md). A reader
 * that went away only stops the lines, never the scan. */
static int write_json(const struct progress *p, double elapsed, bool done)
{
	const struct progress_counters *c = p->c;
	size_t i = atomic_load(&c->root);
	json_object *o = json_object_new_object();
	char *root = i < p->nroots ? escape_name(p->roots[i]) : NULL;
	const char *text;
	int rc = -1;

	if (o == NULL) {
		free(root);
		return -1;
	}
	add_u64(o, "files", atomic_load(&c->files_done));
	add_u64(o, "bytes", atomic_load(&c->bytes_done));
	add_u64(o, "files_total", atomic_load(&c->files_total));
	add_u64(o, "bytes_total", atomic_load(&c->bytes_total));
	json_object_object_add(o, "total_known", json_object_new_boolean(atomic_load(&c->total_known)));
	add_u64(o, "detections", atomic_load(&c->detections));
	json_object_object_add(o, "root", root ? json_object_new_string(root) : NULL);
	add_u64(o, "root_index", i);
	add_u64(o, "roots", p->nroots);
	json_object_object_add(o, "seconds", json_object_new_double(elapsed));
	json_object_object_add(o, "done", json_object_new_boolean(done));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text) {
		size_t len = strlen(text);
		char *line = malloc(len + 1);
		if (line) { /* one write: a reader never sees half a line from us */
			memcpy(line, text, len);
			line[len] = '\n';
			rc = write_all(p->json_fd, line, len + 1);
			free(line);
		}
	}
	json_object_put(o);
	free(root);
	return rc;
}

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	double start = now();
	bool json_ok = true;

	if (p->json_fd > 0) { /* a closed pipe gives EPIPE here, not a dead scan */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	while (!atomic_load(&p->done)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (p->json_fd > 0) {
			if (json_ok && !atomic_load(&p->done))
				json_ok = write_json(p, now() - start, false) == 0;
			continue;
		}
		pthread_mutex_lock(p->out_lock);
		if (!atomic_load(&p->done))
			draw(p->c, now() - start);
		pthread_mutex_unlock(p->out_lock);
	}
	if (p->json_fd > 0 && json_ok)
		write_json(p, now() - start, true);
	return NULL;
}

void progress_start(struct progress *p, struct progress_counters *c, pthread_mutex_t *out_lock,
		    int json_fd, const char *const *roots, size_t nroots)
{
	p->c = c;
	p->out_lock = out_lock;
	p->json_fd = json_fd;
	p->roots = roots;
	p->nroots = nroots;
	atomic_store(&p->done, false);
	p->running = (json_fd > 0 || isatty(STDERR_FILENO)) &&
		     pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

void progress_clear(const struct progress *p)
{
	if (p->running && p->json_fd <= 0)
		fputs("\r\033[K", stderr);
}

void progress_stop(struct progress *p)
{
	if (!p->running)
		return;
	atomic_store(&p->done, true);
	pthread_join(p->thread, NULL);
	if (p->json_fd <= 0)
		fputs("\r\033[K", stderr);
	p->running = false;
}
