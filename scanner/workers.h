/* workers: a pool of worker processes forked after the engine is compiled,
 * so that they share its memory copy-on-write and each has an address space
 * of its own. Threads in one address space pay a TLB-shootdown interrupt on
 * the other CPUs for every copy-on-write fault and munmap that libclamav's
 * per-file maps cause; processes do not (docs/performance.md, "Workers").
 *
 * A worker only scans: it receives an open descriptor and the path over a
 * socket pair (SCM_RIGHTS), calls the scan function it was given, and sends
 * back the verdict. Everything else (output, actions, the record) stays in
 * the parent, one thread per worker waiting for its verdicts. A worker that
 * dies (a libclamav crash, the OOM killer) costs the one file it was on,
 * which is reported as an error; it is replaced and the scan goes on. */
#ifndef RAQUET_WORKERS_H
#define RAQUET_WORKERS_H

#include <stdbool.h>

#include "rqerror.h"

#define WORKERS_NAME_MAX 256

struct workers_verdict {
	int rc;                         /* libclamav's cl_error_t for the file */
	char virname[WORKERS_NAME_MAX]; /* with CL_VIRUS */
};

/* Runs in the worker process: scans fd (path is for libclamav's messages)
 * and fills v. ctx is the one given to workers_start, as it was at fork. */
typedef void (*workers_scan_fn)(int fd, const char *path, struct workers_verdict *v, void *ctx);

struct workers;

/* Forks n workers. Call before any thread is started (a fork copies only the
 * calling thread) and after stdout is flushed. Returns NULL with err set. */
struct workers *workers_start(unsigned int n, workers_scan_fn fn, void *ctx, rq_error *err);

#define WORKERS_DIED    (-1) /* the worker died on this file (why says how) */
#define WORKERS_NONE    (-2) /* the file was not scanned: no worker to take it */
#define WORKERS_LATER   (-3) /* not sent: receive what is in flight, then again */
#define WORKERS_STOPPED (-4) /* a stop was asked for and the worker did not answer */

/* One caller per slot at a time. A worker answers in the order it was
 * sent files, and more than one may wait for it (the caller decides how
 * many: scan.c keeps two in flight, so that the worker never waits for the
 * parent between files). fd must stay open until its verdict is back. */

/* Sends fd to worker `slot`. Returns 0; WORKERS_NONE (the worker is dead
 * and was replaced where possible, why says how; nothing was in flight);
 * or WORKERS_LATER (the worker is dead with files in flight: workers_recv
 * reports it on the oldest, then this one can be sent again). */
int workers_send(struct workers *p, unsigned int slot, int fd, const char *path, char *why,
		 size_t whylen);

/* Waits for the verdict on the oldest file in flight. Returns 0 with v
 * filled; WORKERS_DIED: the worker died on that file (why says how: "worker
 * process killed by signal 9 (Killed)"), was replaced where possible, and
 * every later file in flight went with it, unscanned: send them again;
 * WORKERS_STOPPED: workers_stop was called and the worker did not answer
 * within a few seconds: it was killed, not replaced, and its files are
 * left unscanned; WORKERS_NONE: nothing in flight, or no worker. */
int workers_recv(struct workers *p, unsigned int slot, struct workers_verdict *v, char *why,
		 size_t whylen);

/* workers_send then workers_recv: one file, scanned before it returns. */
int workers_scan(struct workers *p, unsigned int slot, int fd, const char *path,
		 struct workers_verdict *v, char *why, size_t whylen);

/* Asks every worker to give up the file it is on (async-signal-safe). */
void workers_stop(struct workers *p);
/* True once workers_stop was called; read by the scan function's pre-scan
 * callback inside the workers. */
bool workers_stopping(const struct workers *p);

/* Ends every worker (closing their sockets), reaps them, frees p. */
void workers_end(struct workers *p);

#endif
