/* scan: one walker thread feeds a bounded queue; N worker threads take files
 * from it, have them scanned with the one shared engine (by a worker process
 * of their own with -j2 and more, workers.h; in this process with -j1) and
 * act on detections; a pre-count walks the same roots by
 * metadata only, concurrently, so the ETA never delays the first scan. A
 * signal thread turns SIGINT/SIGTERM into a prompt, orderly stop: it is the
 * only thread that ever receives them (scan_block_signals). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cache.h"
#include "escape.h"
#include "hashfd.h"
#include "progress.h"
#include "quarantine.h"
#include "queue.h"
#include "scan.h"
#include "streams.h"
#include "usbrepair.h"
#include "workers.h"

struct run {
	const struct scan_config *cfg;
	struct scan_report *rep;
	struct cl_engine *engine;
	struct workers *pool;           /* worker processes, or NULL: scan in this process */
	char tmpdir[ENGINE_TMPDIR_MAX]; /* the engine's private temporary directory */
	struct cl_scan_options opts;
	struct queue queue;
	atomic_int stop;          /* interrupted: stop scanning */
	atomic_int count_stop;    /* stop the pre-count (also when the scan is done) */
	atomic_int finished;      /* the run is over: the signal thread may end */
	pthread_mutex_t out_lock; /* stdout and stderr lines */
	pthread_mutex_t det_lock; /* rep->dets and per-root error counts */
	size_t detcap;
	struct progress_counters counters;
	struct progress progress;
	struct walk_stats precount;
	struct cache *cache;         /* NULL: no clean-file cache */
	atomic_uint_fast64_t cached; /* files it answered for */
};

void scan_root_counts(const struct scan_root *r, struct resultdoc_counts *c)
{
	*c = (struct resultdoc_counts){
	    .files = atomic_load(&r->stats.files),
	    .bytes = atomic_load(&r->stats.bytes),
	    .errors = atomic_load(&r->stats.errors) + r->scan_errors,
	    .skipped = atomic_load(&r->stats.skipped),
	    .excluded = atomic_load(&r->stats.excluded),
	    .changed = atomic_load(&r->stats.changed),
	};
}

/* Prints a line about path on stream, the path escaped, under out_lock. */
static void say(struct run *r, FILE *stream, const char *path, const char *fmt, const char *a,
		const char *b)
{
	char *esc = escape_name(path);

	pthread_mutex_lock(&r->out_lock);
	progress_clear(&r->progress);
	fprintf(stream, "%s: ", esc ? esc : "(out of memory)");
	fprintf(stream, fmt, a, b);
	fputc('\n', stream);
	if (stream == stdout && r->progress.running)
		fflush(stdout);
	pthread_mutex_unlock(&r->out_lock);
	free(esc);
}

static void on_walk_error(const char *path, int errnum, const char *reason, void *ctx)
{
	say(ctx, stderr, path, "%s%s", reason ? reason : strerror(errnum),
	    reason || errnum == 0 ? "" : "; skipped");
}

/* Removes dirfd/name after checking it is still the file that was scanned. */
static int delete_scanned(const struct walk_entry *e, char **why)
{
	struct stat st;

	if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		*why = strdup(strerror(errno));
		return -1;
	}
	if (st.st_dev != e->st.st_dev || st.st_ino != e->st.st_ino) {
		*why = strdup("the file was replaced after it was scanned");
		return -1;
	}
	if (unlinkat(e->dirfd, e->name, 0) != 0) {
		*why = strdup(strerror(errno));
		return -1;
	}
	return 0;
}

/* The record must still fit once a file is quarantined (the quarantine
 * and the record usually share the stick): a quarantine that would leave
 * less than keep_free bytes is not done. */
static bool room_left(struct run *r, const struct walk_entry *e)
{
	struct statvfs sv;
	uint64_t avail;

	if (r->cfg->keep_free == 0 || statvfs(r->cfg->quarantine_dir, &sv) != 0)
		return true; /* quarantine_store reports its own errors */
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return avail > r->cfg->keep_free && avail - r->cfg->keep_free > (uint64_t)e->st.st_size;
}

static void act(struct run *r, const struct walk_entry *e, struct detection *d)
{
	rq_error err;
	char id[QUARANTINE_ID_LEN + 1];

	switch (r->cfg->action) {
	case RESULTDOC_REPORT:
		d->outcome = RESULTDOC_REPORTED;
		break;
	case RESULTDOC_DELETE:
		if (delete_scanned(e, &d->detail) == 0) {
			d->outcome = RESULTDOC_DELETED;
			say(r, stdout, e->path, "Removed.%s%s", "", "");
		} else {
			d->outcome = RESULTDOC_FAILED;
			say(r, stdout, e->path, "not removed: %s%s",
			    d->detail ? d->detail : "out of memory", "; file left in place");
		}
		break;
	case RESULTDOC_QUARANTINE:
		if (!room_left(r, e)) {
			d->outcome = RESULTDOC_FAILED;
			d->detail = strdup("not enough room left on the quarantine's disk for the "
					   "record; left in place");
			say(r, stdout, e->path, "not quarantined: %s%s", d->detail ? d->detail : "",
			    "");
		} else if (quarantine_store(r->cfg->quarantine_dir, e->fd, e->dirfd, e->name,
					    e->path, d->signature, id, d->sha256, &err) == 0) {
			d->outcome = RESULTDOC_QUARANTINED;
			d->detail = strdup(id);
			say(r, stdout, e->path, "moved to quarantine as %s%s", id, "");
		} else {
			d->outcome = RESULTDOC_FAILED;
			d->detail = strdup(err.msg);
			say(r, stdout, e->path, "not quarantined: %s%s", err.msg, "");
		}
		break;
	}
}

static int add_detection(struct run *r, const struct detection *d)
{
	struct scan_report *rep = r->rep;
	int rc = 0;

	pthread_mutex_lock(&r->det_lock);
	if (rep->ndets == r->detcap) {
		size_t cap = r->detcap ? r->detcap * 2 : 16;
		struct detection *p = realloc(rep->dets, cap * sizeof(*p));
		if (p == NULL)
			rc = -1;
		else {
			rep->dets = p;
			r->detcap = cap;
		}
	}
	if (rc == 0)
		rep->dets[rep->ndets++] = *d;
	pthread_mutex_unlock(&r->det_lock);
	return rc;
}

static void found(struct run *r, const struct walk_entry *e, const char *virname)
{
	struct detection d = {.size = (uint64_t)e->st.st_size};

	atomic_fetch_add(&r->counters.detections, 1);
	say(r, stdout, e->path, "%s FOUND%s", virname, "");
	d.path = strdup(e->path);
	d.signature = strdup(virname);
	/* Hashed before acting: detections are rare, and every outcome, a failed
	 * quarantine included, should carry the hash. */
	if (hashfd_sha256(e->fd, d.sha256) != 0)
		d.sha256[0] = '\0';
	if (r->cfg->on_detection && d.path && d.signature)
		r->cfg->on_detection(r->cfg->hook_ctx, e->fd, &d);
	act(r, e, &d);
	if (d.path == NULL || d.signature == NULL || add_detection(r, &d) != 0) {
		say(r, stderr, e->path, "out of memory recording this detection%s%s", "", "");
		free(d.path);
		free(d.signature);
		free(d.detail);
		free(d.sample);
	}
}

/* An engine left to the exit (engine_until_exit) is not freed. Except in a
 * sanitizer build: LeakSanitizer does not look into libclamav's own memory
 * pools, so it would report what only they point to as leaked. */
#ifdef __SANITIZE_ADDRESS__
#define ENGINE_LEFT_TO_EXIT false
#else
#define ENGINE_LEFT_TO_EXIT true
#endif

/* Per-worker state handed to libclamav's callbacks. */
struct worker {
	struct run *r;
	unsigned int slot;     /* its worker process in r->pool, and its progress slot */
	char virname[256];     /* last name from the virus-found callback */
	char why[160];         /* why the worker process failed on the file */
	struct engine_buf buf; /* small files scanned in this thread are read here */
};

/* Some alerts (the limits heuristics) come back as CL_VIRUS without a name;
 * libclamav still passes the name to this callback, as clamscan relies on. */
static void virus_found_cb(int fd, const char *virname, void *ctx)
{
	struct worker *w = ctx;
	snprintf(w->virname, sizeof(w->virname), "%s", virname ? virname : "");
}

/* Hands one file to libclamav, in whichever process runs it: called by
 * scan_file here, or inside a worker process (scan_in_worker), with the
 * buffer of the thread or process that scans. */
static void scan_with_engine(int fd, const char *path, struct workers_verdict *v, struct run *r,
			     struct engine_buf *buf)
{
	struct worker w = {.r = r};
	struct cl_scan_options opts = r->opts;
	const char *virname = NULL;
	unsigned long scanned = 0;

	v->rc = engine_scan(r->engine, fd, path, buf, &virname, &scanned, &opts, &w);
	if (v->rc == CL_VIRUS) {
		if (virname == NULL)
			virname = w.virname[0] ? w.virname : "Heuristics.Unnamed";
		snprintf(v->virname, sizeof(v->virname), "%s", virname);
	}
}

/* The scan function of the worker processes (workers.h), ctx the run. A
 * worker process has one thread: one buffer for its life, which ends in
 * _exit. */
static void scan_in_worker(int fd, const char *path, struct workers_verdict *v, void *ctx)
{
	static struct engine_buf buf;

	scan_with_engine(fd, path, v, ctx, &buf);
}

/* A worker is the process that parses hostile files: its answer is
 * believed only within bounds (a known code; a name without control
 * characters, which would reach the terminal). */
static cl_error_t checked_verdict(struct worker *w, struct workers_verdict *v)
{
	if (v->rc < 0 || v->rc >= CL_ELAST_ERROR) {
		snprintf(w->why, sizeof(w->why), "invalid verdict %d from a worker process", v->rc);
		return CL_ERROR;
	}
	for (char *c = v->virname; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (v->rc == CL_VIRUS && v->virname[0] == '\0')
		snprintf(v->virname, sizeof(v->virname), "Heuristics.Unnamed");
	return (cl_error_t)v->rc;
}

/* The one place where a file's content is scanned: by the worker's process,
 * or here when there is no pool or no worker process to take it. A worker
 * that died on the file leaves it unscanned: CL_ERROR, w->why says why. */
static cl_error_t scan_file(struct worker *w, const struct walk_entry *e, struct workers_verdict *v)
{
	w->why[0] = '\0';
	v->virname[0] = '\0';
	if (w->r->pool) {
		int rc =
		    workers_scan(w->r->pool, w->slot, e->fd, e->path, v, w->why, sizeof(w->why));
		if (rc == 0)
			return checked_verdict(w, v);
		if (rc == WORKERS_DIED)
			return CL_ERROR;
		if (rc == WORKERS_STOPPED)
			return CL_BREAK;
		w->why[0] = '\0'; /* WORKERS_NONE: not sent, scanned here */
	}
	scan_with_engine(e->fd, e->path, v, w->r, &w->buf);
	return (cl_error_t)v->rc;
}

/* The progress line's file for this thread: the one its worker is on. */
static void show_file(struct worker *w, const struct walk_entry *e)
{
	progress_file_start(&w->r->counters, w->slot, e->path, (uint64_t)e->st.st_size);
}

/* What follows a file's verdict: its detection or error, and the counts. */
static void file_scanned(struct worker *w, const struct walk_entry *e, cl_error_t rc,
			 const struct workers_verdict *v)
{
	struct run *r = w->r;

	if (rc == CL_VIRUS) {
		found(r, e, v->virname);
	} else if (rc == CL_BREAK && w->why[0]) {
		/* Not scanned, and not an error: a stop, with a word on why this
		 * file held it (a file that stalls the scanner is worth a look). */
		say(r, stderr, e->path, "%s%s", w->why, "");
	} else if (rc != CL_CLEAN && rc != CL_BREAK) {
		say(r, stderr, e->path, "%s ERROR%s", w->why[0] ? w->why : cl_strerror(rc), "");
		pthread_mutex_lock(&r->det_lock);
		r->rep->roots[e->tag].scan_errors++;
		pthread_mutex_unlock(&r->det_lock);
	}
	atomic_fetch_add(&r->counters.files_done, 1);
	atomic_fetch_add(&r->counters.bytes_done, (uint_fast64_t)e->st.st_size);
}

static cl_error_t scan_entry(struct worker *w, struct walk_entry *e, struct cl_scan_options *opts)
{
	struct run *r = w->r;
	struct workers_verdict v;
	cl_error_t rc;

	(void)opts; /* the scan options travel with the run into every process */
	show_file(w, e);
	rc = scan_file(w, e, &v);
	progress_file_done(&r->counters, w->slot);
	file_scanned(w, e, rc, &v);
	return rc;
}

struct stream_scan {
	struct worker *w;
	struct cl_scan_options *opts;
};

static int scan_one_stream(struct walk_entry *se, void *ctx)
{
	struct stream_scan *ss = ctx;

	scan_entry(ss->w, se, ss->opts);
	return atomic_load(&ss->w->r->stop);
}

/* Live mode on NTFS: each named stream is scanned like a file of its own. */
static void scan_streams(struct worker *w, const struct walk_entry *e, struct cl_scan_options *opts)
{
	struct stream_scan ss = {w, opts};
	struct run *r = w->r;
	rq_error err;

	if (streams_each(e, scan_one_stream, &ss, &err) != 0) {
		say(r, stderr, e->path, "%s%s", err.msg, "");
		pthread_mutex_lock(&r->det_lock);
		r->rep->roots[e->tag].scan_errors++;
		pthread_mutex_unlock(&r->det_lock);
	}
}

/* A file scanned CLEAN before, unchanged since (cache.h), is not read. */
static bool from_cache(struct run *r, const struct walk_entry *e)
{
	if (!cache_lookup(r->cache, r->cfg->volumes ? r->cfg->volumes[e->tag] : NULL, &e->st))
		return false;
	atomic_fetch_add(&r->cached, 1);
	atomic_fetch_add(&r->counters.files_done, 1);
	atomic_fetch_add(&r->counters.bytes_done, (uint_fast64_t)e->st.st_size);
	return true;
}

/* Live mode on NTFS: the file's named streams are scanned after it. */
static bool has_streams(const struct run *r, const struct walk_entry *e)
{
	return r->cfg->streams && r->cfg->streams[e->tag];
}

/* The end of a file's turn (rc CL_BREAK when it was not scanned): a clean
 * file goes into the cache, its named streams are scanned (by this
 * thread's worker, which has nothing else in flight then: see
 * worker_pipelined), and the entry is freed. */
static void entry_done(struct worker *w, struct walk_entry *e, cl_error_t rc,
		       struct cl_scan_options *opts)
{
	struct run *r = w->r;

	if (rc == CL_CLEAN && !atomic_load(&r->stop))
		cache_add(r->cache, r->cfg->volumes ? r->cfg->volumes[e->tag] : NULL, &e->st);
	if (!atomic_load(&r->stop) && has_streams(r, e))
		scan_streams(w, e, opts);
	walk_entry_free(e);
}

/* Files in flight per worker process: with two, the worker starts the next
 * file while this thread handles the verdict on the last, instead of
 * waiting for a cross-CPU round trip between every two files. */
#define PIPELINE 2

/* The loop of a thread with a worker process. pend[0..sent) are in flight,
 * oldest first; pend[sent..n) wait to be sent (again, after a worker died
 * with them queued). A file with named streams is sent alone: nothing is
 * taken after it until its streams are done. */
static void worker_pipelined(struct worker *w, struct cl_scan_options *opts)
{
	struct run *r = w->r;
	struct walk_entry *pend[PIPELINE], *held = NULL, *e;
	struct workers_verdict v;
	size_t n = 0, sent = 0;
	cl_error_t rc;
	int wr;

	for (;;) {
		/* Take files while there is room; wait only with none pending. */
		while (n < PIPELINE && !(n > 0 && has_streams(r, pend[n - 1]))) {
			e = held ? held : queue_take(&r->queue, n == 0);
			held = NULL;
			if (e == NULL)
				break;
			if (atomic_load(&r->stop)) {
				walk_entry_free(e);
			} else if (n > 0 && has_streams(r, e)) {
				held = e;
				break;
			} else if (from_cache(r, e)) {
				entry_done(w, e, CL_BREAK, opts); /* n == 0 if it has streams */
			} else {
				pend[n++] = e;
			}
		}
		if (n == 0)
			return; /* the queue is closed and drained */
		if (atomic_load(&r->stop)) {
			for (; n > sent; n--)
				walk_entry_free(pend[n - 1]);
			if (n == 0)
				continue;
		}
		for (; sent < n; sent++) {
			wr = workers_send(r->pool, w->slot, pend[sent]->fd, pend[sent]->path,
					  w->why, sizeof(w->why));
			if (wr != 0)
				break;
			if (sent == 0)
				show_file(w, pend[0]);
		}
		w->why[0] = '\0';
		if (sent > 0) {
			wr = workers_recv(r->pool, w->slot, &v, w->why, sizeof(w->why));
			rc = wr == 0                 ? checked_verdict(w, &v)
			     : wr == WORKERS_STOPPED ? CL_BREAK
						     : CL_ERROR;
			sent = wr == 0 ? sent - 1 : 0; /* a dead worker took the rest along */
		} else {
			/* No worker could take it (WORKERS_NONE): scanned here, as
			 * scan_file does. */
			show_file(w, pend[0]);
			scan_with_engine(pend[0]->fd, pend[0]->path, &v, r, &w->buf);
			rc = (cl_error_t)v.rc;
		}
		progress_file_done(&r->counters, w->slot);
		e = pend[0];
		memmove(pend, pend + 1, --n * sizeof(pend[0]));
		if (sent > 0)
			show_file(w, pend[0]);
		file_scanned(w, e, rc, &v);
		entry_done(w, e, rc, opts);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	struct cl_scan_options opts = r->opts;
	struct walk_entry *e;

	if (r->pool) {
		worker_pipelined(w, &opts);
		return NULL;
	}
	while ((e = queue_pop(&r->queue)) != NULL) {
		cl_error_t rc = CL_BREAK; /* not scanned: stopped, or from the cache */
		if (!atomic_load(&r->stop) && !from_cache(r, e))
			rc = scan_entry(w, e, &opts);
		entry_done(w, e, rc, &opts);
	}
	return NULL;
}

/* Lets libclamav give up inside a big archive once a stop was asked for. */
static cl_error_t pre_scan_cb(int fd, const char *type, void *ctx)
{
	struct worker *w = ctx;
	/* In a worker process r->stop is the copy made at fork: the pool's
	 * shared flag carries the stop there. */
	return atomic_load(&w->r->stop) || workers_stopping(w->r->pool) ? CL_BREAK : CL_CLEAN;
}

static int enqueue(struct walk_entry *e, void *ctx)
{
	struct run *r = ctx;

	if (queue_push(&r->queue, e) != 0) {
		walk_entry_free(e);
		return 1;
	}
	return 0;
}

static int count_only(struct walk_entry *e, void *ctx)
{
	struct run *r = ctx;
	uint_fast64_t size = (uint_fast64_t)e->st.st_size, big = atomic_load(&r->counters.largest);

	/* The biggest file bounds the ETA: one worker scans it alone. */
	while (size > big && !atomic_compare_exchange_weak(&r->counters.largest, &big, size))
		;
	walk_entry_free(e);
	return 0;
}

static void *precount_main(void *arg)
{
	struct run *r = arg;
	struct walk_config wc = {
	    .one_file_system = r->cfg->one_file_system,
	    .quick = r->cfg->quick,
	    .excludes = r->cfg->excludes,
	    .nexcludes = r->cfg->nexcludes,
	    .stop = &r->count_stop,
	    .on_file = count_only,
	    .ctx = r,
	};

	for (size_t i = 0; i < r->cfg->npaths && !atomic_load(&r->count_stop); i++)
		walk_root(r->cfg->paths[i], &wc, &r->precount);
	atomic_store(&r->counters.files_total, atomic_load(&r->precount.files));
	atomic_store(&r->counters.bytes_total, atomic_load(&r->precount.bytes));
	atomic_store(&r->counters.total_known, true);
	return NULL;
}

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
}

int scan_block_signals(rq_error *err)
{
	sigset_t set;
	int e;

	stop_set(&set);
	if ((e = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0)
		return rq_fail_errno(err, e, "cannot block SIGINT and SIGTERM");
	return 0;
}

/* The signal thread: the only place SIGINT/SIGTERM are received (every
 * other thread has them blocked, so a signal arriving before it runs waits
 * for it). The first asks for an orderly stop (the result is still
 * written, as incomplete); a second one quits at once, removing libclamav's
 * temporary directory first. SIGUSR1 ends the thread once the run is
 * over; one sent from outside before that is ignored. */
static void *signal_main(void *arg)
{
	static const char again[] = "raquet-scan: interrupted again; quitting now\n";
	struct run *r = arg;
	sigset_t set;
	int sig = 0;

	stop_set(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			if (atomic_load(&r->finished))
				return NULL;
			continue;
		}
		if (r->rep->interrupted) {
			engine_remove_tmpdir(r->tmpdir);
			if (write(STDERR_FILENO, again, sizeof(again) - 1) < 0)
				_exit(2);
			_exit(2);
		}
		r->rep->interrupted = true;
		atomic_store(&r->stop, 1);
		workers_stop(r->pool);
		atomic_store(&r->count_stop, 1);
		queue_close(&r->queue);
	}
}

static void walk_all(struct run *r)
{
	const struct scan_config *cfg = r->cfg;

	for (size_t i = 0; i < cfg->npaths && !atomic_load(&r->stop); i++) {
		struct walk_config wc = {
		    .open_files = true,
		    .need_dirfd =
			cfg->action != RESULTDOC_REPORT || (cfg->streams && cfg->streams[i]),
		    .one_file_system = cfg->one_file_system,
		    .quick = cfg->quick,
		    .excludes = cfg->excludes,
		    .nexcludes = cfg->nexcludes,
		    .stop = &r->stop,
		    .on_file = enqueue,
		    .on_error = on_walk_error,
		    .ctx = r,
		    .tag = i,
		};
		struct scan_root *root = &r->rep->roots[i];
		root->path = cfg->paths[i];
		atomic_store(&r->counters.root, i);
		if (walk_root(cfg->paths[i], &wc, &root->stats) != 0 &&
		    atomic_load(&root->stats.files) == 0 && atomic_load(&root->stats.dirs) == 0)
			root->missing = true;
	}
}

static void totals(struct scan_report *rep)
{
	for (size_t i = 0; i < rep->nroots; i++) {
		struct scan_root *root = &rep->roots[i];
		rep->files += atomic_load(&root->stats.files);
		rep->bytes += atomic_load(&root->stats.bytes);
		rep->errors += atomic_load(&root->stats.errors) + root->scan_errors;
	}
}

static void cache_warn(void *ctx, const char *msg)
{
	struct run *r = ctx;

	pthread_mutex_lock(&r->out_lock);
	progress_clear(&r->progress);
	fprintf(stderr, "raquet-scan: warning: %s\n", msg);
	pthread_mutex_unlock(&r->out_lock);
}

/* The cache only speeds a scan up: one that cannot be used is a warning. */
static void open_cache(struct run *r)
{
	unsigned char sigset[CACHE_SIGSET_LEN];
	char msg[600];
	rq_error err;

	if (r->cfg->cache_dir == NULL)
		return;
	if (cache_sigset(r->cfg->dbs, r->cfg->ndbs, &r->rep->engine, &r->cfg->limits, sigset,
			 &err) == 0 &&
	    (r->cache = cache_open(r->cfg->cache_dir, sigset, cache_warn, r, &err)) != NULL)
		return;
	snprintf(msg, sizeof(msg), "scanning without the clean-file cache: %s", err.msg);
	cache_warn(r, msg);
}

/* *up says which of the signal and pre-count threads run, so that each
 * that started is joined even when a later one could not start. */
static int start_threads(struct run *r, pthread_t *workers, struct worker *ws,
			 unsigned int *started, pthread_t *pre, pthread_t *sig, bool up[2],
			 rq_error *err)
{
	*started = 0;
	if (pthread_create(sig, NULL, signal_main, r) != 0)
		return rq_fail(err, "cannot start the signal thread");
	up[0] = true;
	for (; *started < r->cfg->jobs; (*started)++) {
		ws[*started] = (struct worker){.r = r, .slot = *started};
		if (pthread_create(&workers[*started], NULL, worker_main, &ws[*started]) != 0)
			return rq_fail(err, "cannot start worker thread %u", *started + 1);
	}
	if (pthread_create(pre, NULL, precount_main, r) != 0)
		return rq_fail(err, "cannot start the pre-count thread");
	up[1] = true;
	return 0;
}

/* Worker processes for -j2 and more, forked here before any thread of the
 * run starts. -j1 scans in this process: one address space is as fast as
 * one worker and a pipe cheaper. When they cannot be started, the threads
 * scan in this process, as they did before workers.c. */
static void start_pool(struct run *r)
{
	rq_error err;

	if (r->cfg->jobs < 2)
		return;
	r->pool = workers_start(r->cfg->jobs, scan_in_worker, r, &err);
	if (r->pool == NULL)
		fprintf(stderr, "raquet-scan: %s; scanning in one process\n", err.msg);
}

int scan_run(const struct scan_config *cfg, struct scan_report *rep, rq_error *err)
{
	struct run r = {.cfg = cfg, .rep = rep};
	pthread_t *workers, pre, sig;
	struct worker *ws;
	bool up[2] = {false, false};
	unsigned int started = 0;
	struct timespec t0, t1;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	clock_gettime(CLOCK_REALTIME, &rep->started);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rep->roots = calloc(cfg->npaths, sizeof(*rep->roots));
	workers = calloc(cfg->jobs, sizeof(*workers));
	ws = calloc(cfg->jobs, sizeof(*ws));
	if (rep->roots == NULL || workers == NULL || ws == NULL ||
	    queue_init(&r.queue, 4 * cfg->jobs + 8)) {
		free(workers);
		free(ws);
		return rq_fail(err, "out of memory");
	}
	rep->nroots = cfg->npaths;
	/* Every root is named before anything can stop the run: a stop that
	 * lands during the engine load leaves roots never walked, and the
	 * result must still say which they were. */
	for (size_t i = 0; i < cfg->npaths; i++)
		rep->roots[i].path = cfg->paths[i];
	/* Normally done by main before anything started a thread; here again for
	 * other callers, before the progress thread exists. */
	if (scan_block_signals(err) != 0) {
		queue_destroy(&r.queue);
		free(workers);
		free(ws);
		scan_report_free(rep);
		return -1;
	}
	r.engine =
	    engine_load(cfg->dbs, cfg->ndbs, &cfg->limits, cfg->jobs, &rep->engine, r.tmpdir, err);
	if (r.engine == NULL) {
		queue_destroy(&r.queue);
		free(workers);
		free(ws);
		scan_report_free(rep);
		return -1;
	}
	if (progress_counters_init(&r.counters, cfg->jobs) != 0) {
		engine_free(r.engine, r.tmpdir);
		queue_destroy(&r.queue);
		free(workers);
		scan_report_free(rep);
		return rq_fail(err, "out of memory");
	}
	cl_engine_set_clcb_pre_scan(r.engine, pre_scan_cb);
	cl_engine_set_clcb_virus_found(r.engine, virus_found_cb);
	engine_scan_options(&cfg->limits, &r.opts);
	start_pool(&r);
	pthread_mutex_init(&r.out_lock, NULL);
	pthread_mutex_init(&r.det_lock, NULL);
	open_cache(&r);
	if (cfg->progress || cfg->progress_fd > 0)
		progress_start(&r.progress, &r.counters, &r.out_lock, cfg->progress_fd, cfg->paths,
			       cfg->npaths);

	if (start_threads(&r, workers, ws, &started, &pre, &sig, up, err) != 0) {
		rc = -1;
		atomic_store(&r.stop, 1);
		atomic_store(&r.count_stop, 1);
	} else {
		walk_all(&r);
	}
	queue_close(&r.queue);
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(workers[i], NULL);
		engine_buf_free(&ws[i].buf);
	}
	atomic_store(&r.count_stop, 1); /* the pre-count is only for the ETA */
	if (up[1])
		pthread_join(pre, NULL);
	if (up[0]) { /* it holds r: it must end before scan_run returns */
		atomic_store(&r.finished, 1);
		pthread_kill(sig, SIGUSR1);
		pthread_join(sig, NULL);
	}
	progress_stop(&r.progress);
	cache_close(r.cache);
	rep->cached = atomic_load(&r.cached);
	workers_end(r.pool);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	totals(rep);
	if (cfg->engine_until_exit && ENGINE_LEFT_TO_EXIT)
		engine_remove_tmpdir(r.tmpdir);
	else
		engine_free(r.engine, r.tmpdir);
	queue_destroy(&r.queue);
	pthread_mutex_destroy(&r.out_lock);
	pthread_mutex_destroy(&r.det_lock);
	progress_counters_destroy(&r.counters);
	free(workers);
	free(ws);
	return rc;
}

void scan_report_free(struct scan_report *rep)
{
	for (size_t i = 0; i < rep->ndets; i++) {
		free(rep->dets[i].path);
		free(rep->dets[i].signature);
		free(rep->dets[i].detail);
		free(rep->dets[i].sample);
	}
	free(rep->dets);
	free(rep->roots);
	usbrepair_free(&rep->repairs);
	memset(rep, 0, sizeof(*rep));
}
