/* progress: a thread that redraws one status line, or writes one JSON line,
 * about four times a second. */
#include <json-c/json.h>
#include <signal.h>
#include <sys/ioctl.h>
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

/* What one update shows beyond the counters. */
struct view {
	double eta; /* seconds left; < 0 while the pre-count runs */
	char *file; /* escaped current file, or NULL */
};

int progress_counters_init(struct progress_counters *c, size_t nslots)
{
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		return -1;
	c->slots = calloc(nslots ? nslots : 1, sizeof(*c->slots));
	if (c->slots == NULL) {
		pthread_mutex_destroy(&c->lock);
		return -1;
	}
	c->nslots = nslots;
	eta_init(&c->eta);
	return 0;
}

void progress_counters_destroy(struct progress_counters *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	c->slots = NULL;
}

/* A path longer than the buffer keeps its start and its end. */
static void keep_path(char *dst, const char *path)
{
	size_t len = strlen(path), head = 1024;

	if (len < PROGRESS_FILE_MAX) {
		memcpy(dst, path, len + 1);
		return;
	}
	memcpy(dst, path, head);
	memcpy(dst + head, "...", 3);
	memcpy(dst + head + 3, path + len - (PROGRESS_FILE_MAX - head - 4),
	       PROGRESS_FILE_MAX - head - 4);
	dst[PROGRESS_FILE_MAX - 1] = '\0';
}

void progress_file_start(struct progress_counters *c, size_t slot, const char *path, uint64_t bytes)
{
	if (slot >= c->nslots)
		return;
	pthread_mutex_lock(&c->lock);
	c->slots[slot] = (struct progress_slot){.bytes = bytes, .started = now(), .busy = true};
	if (bytes > c->largest_started)
		c->largest_started = bytes;
	keep_path(c->file, path);
	pthread_mutex_unlock(&c->lock);
}

void progress_file_done(struct progress_counters *c, size_t slot)
{
	if (slot >= c->nslots)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->slots[slot].busy)
		eta_file(&c->eta, c->slots[slot].bytes, now() - c->slots[slot].started);
	c->slots[slot].busy = false;
	pthread_mutex_unlock(&c->lock);
}

/* Display width of one UTF-8 sequence starting at p: combining marks
 * (U+0300..U+036F, decomposed Vietnamese) take none. */
static size_t seq_len(const unsigned char *p)
{
	return *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
}

static size_t seq_cols(const unsigned char *p)
{
	return (p[0] == 0xcc || (p[0] == 0xcd && p[1] < 0xb0)) ? 0 : 1;
}

char *progress_shorten(const char *s, size_t cols)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), width = 0, head = 0, tail = len, w = 0;
	char *out;

	for (size_t i = 0; i < len; i += seq_len(u + i))
		width += seq_cols(u + i);
	if (width <= cols || cols < 3)
		return cols < 3 && width > cols ? strdup("") : strdup(s);
	/* head: (cols - 1) / 2 columns from the start; tail: the rest from the end */
	for (w = 0; head < len; head += seq_len(u + head)) {
		size_t c = seq_cols(u + head);
		if (w + c > (cols - 1) / 2)
			break;
		w += c;
	}
	for (w = 0; tail > head;) {
		size_t t = tail - 1;
		while (t > head && (u[t] & 0xc0) == 0x80)
			t--;
		if (w + seq_cols(u + t) > cols - 1 - (cols - 1) / 2)
			break;
		w += seq_cols(u + t);
		tail = t;
	}
	out = malloc(head + 3 + (len - tail) + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, s, head);
	memcpy(out + head, "\xe2\x80\xa6", 3); /* … */
	memcpy(out + head + 3, s + tail, len - tail + 1);
	return out;
}

/* The estimate and the file, taken under the counters' lock. */
static void take_view(const struct progress_counters *cc, double dt, struct view *v)
{
	struct progress_counters *c = (struct progress_counters *)cc;
	struct eta_busy busy[256];
	uint64_t largest = atomic_load(&c->largest), files, bytes, ftot, btot;
	size_t nbusy = 0;
	struct eta e;
	double t = now();
	char *raw;

	pthread_mutex_lock(&c->lock);
	eta_tick(&c->eta, dt);
	e = c->eta;
	for (size_t i = 0; i < c->nslots && nbusy < 256; i++)
		if (c->slots[i].busy)
			busy[nbusy++] =
			    (struct eta_busy){c->slots[i].bytes, t - c->slots[i].started};
	if (c->largest_started >= largest)
		largest = 0; /* the biggest file is under way or done */
	raw = c->file[0] ? strdup(c->file) : NULL;
	pthread_mutex_unlock(&c->lock);

	v->file = NULL;
	if (raw) {
		char *esc = escape_name(raw);
		v->file = esc ? progress_shorten(esc, PROGRESS_FILE_COLS) : NULL;
		free(esc);
		free(raw);
	}
	v->eta = -1;
	if (!atomic_load(&c->total_known))
		return;
	files = atomic_load(&c->files_done);
	bytes = atomic_load(&c->bytes_done);
	ftot = atomic_load(&c->files_total);
	btot = atomic_load(&c->bytes_total);
	v->eta = eta_remaining(&e, ftot > files ? ftot - files : 0, btot > bytes ? btot - bytes : 0,
			       largest, busy, nbusy);
}

static void fmt_duration(double s, char *buf, size_t size)
{
	unsigned long t = s > 0 && s < 360000 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%02lu:%02lu", t / 60, t % 60);
}

static size_t term_cols(void)
{
	struct winsize ws;
	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

static void draw(const struct progress_counters *c, double elapsed, const struct view *v)
{
	double mb = (double)atomic_load(&c->bytes_done) / 1e6;
	double rate = elapsed > 0 ? mb / elapsed : 0;
	unsigned long long files = atomic_load(&c->files_done);
	unsigned long long found = atomic_load(&c->detections);
	char eta[32] = "counting", line[256], left[24];
	size_t used;
	int n;

	if (atomic_load(&c->total_known)) {
		double total = (double)atomic_load(&c->bytes_total) / 1e6;
		fmt_duration(v->eta, left, sizeof(left));
		snprintf(eta, sizeof(eta), "ETA %s", left);
		n = snprintf(line, sizeof(line),
			     "%llu/%llu files  %.0f/%.0f MB  %.1f MB/s  %s  %llu found", files,
			     (unsigned long long)atomic_load(&c->files_total), mb, total, rate, eta,
			     found);
	} else {
		n = snprintf(line, sizeof(line), "%llu files  %.0f MB  %.1f MB/s  %s  %llu found",
			     files, mb, rate, eta, found);
	}
	used = n > 0 ? (size_t)n : 0;
	fprintf(stderr, "\r\033[K%s", line);
	/* The file fills what the line leaves, one column short of the edge
	 * (a full line would wrap on some terminals). */
	if (v->file && term_cols() > used + 3 + 8) {
		char *f = progress_shorten(v->file, term_cols() - used - 3);
		if (f)
			fprintf(stderr, "  %s", f);
		free(f);
	}
	fflush(stderr);
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* One line of the --progress-fd protocol (docs/raquet-scan.md). A reader
 * that went away only stops the lines, never the scan. */
static int write_json(const struct progress *p, double elapsed, bool done, const struct view *v)
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
	json_object_object_add(o, "total_known",
			       json_object_new_boolean(atomic_load(&c->total_known)));
	add_u64(o, "detections", atomic_load(&c->detections));
	json_object_object_add(o, "root", root ? json_object_new_string(root) : NULL);
	add_u64(o, "root_index", i);
	add_u64(o, "roots", p->nroots);
	json_object_object_add(o, "seconds", json_object_new_double(elapsed));
	json_object_object_add(o, "done", json_object_new_boolean(done));
	json_object_object_add(o, "eta_seconds",
			       v->eta >= 0 ? json_object_new_double(done ? 0 : v->eta) : NULL);
	json_object_object_add(o, "file", v->file ? json_object_new_string(v->file) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
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
	double start = now(), last = start;
	bool json_ok = true;
	struct view v;

	if (p->json_fd > 0) { /* a closed pipe gives EPIPE here, not a dead scan */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	while (!atomic_load(&p->done)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		double t;
		nanosleep(&ts, NULL);
		t = now();
		take_view(p->c, t - last, &v);
		last = t;
		if (p->json_fd > 0) {
			if (json_ok && !atomic_load(&p->done))
				json_ok = write_json(p, t - start, false, &v) == 0;
		} else {
			pthread_mutex_lock(p->out_lock);
			if (!atomic_load(&p->done))
				draw(p->c, t - start, &v);
			pthread_mutex_unlock(p->out_lock);
		}
		free(v.file);
	}
	if (p->json_fd > 0 && json_ok) {
		take_view(p->c, now() - last, &v);
		write_json(p, now() - start, true, &v);
		free(v.file);
	}
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
