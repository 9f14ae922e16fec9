/* scan: one scan run: the walker feeding N workers that share one engine,
 * a concurrent pre-count for the ETA, actions on detections, and what the
 * result document is built from. */
#ifndef RAQUET_SCAN_H
#define RAQUET_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine.h"
#include "resultdoc.h"
#include "rqerror.h"
#include "walk.h"

struct detection;
struct usb_repair;

/* What usbrepair did or would do (usbrepair.h), in a scan_report. */
struct usbrepair_list {
	struct usb_repair *v;
	size_t n, cap;
};

/* Actions and outcomes are the result document's words (lib/resultdoc.h). */

struct scan_config {
	const char *const *paths;
	size_t npaths;
	const char *const *dbs;
	size_t ndbs;
	unsigned int jobs;
	enum resultdoc_action action;
	const char *quarantine_dir;
	/* Bytes that must stay free on the quarantine's file system after a
	 * file is quarantined (with --stick: room for the record); 0: none. */
	uint64_t keep_free;
	bool quick, one_file_system, progress;
	int progress_fd; /* > 0: JSON progress lines there instead of the terminal */
	struct engine_limits limits;
	const char *const *excludes;
	size_t nexcludes;
	/* Called from a worker for each detection before the action, while the
	 * file is still open and in place (the stick seals samples here). */
	void (*on_detection)(void *ctx, int fd, struct detection *d);
	void *hook_ctx;
	/* Live mode: per path, true to also scan each file's NTFS named streams
	 * (streams.h), reported as "PATH:stream". NULL: none. */
	const bool *streams;
	/* Clean-file cache directory (cache.h), NULL: no cache. volumes: per
	 * path, the volume's name for the cache (its UUID; "" never cached);
	 * NULL: each file's device. */
	const char *cache_dir;
	const char *const *volumes;
	/* The process ends after this run (raquet-scan PATH...): the engine
	 * is not freed but left to the exit, which returns its memory at once;
	 * cl_engine_free takes 0.7 s for a million signatures, at the very end
	 * of the scan. Its temporary directory is removed all the same. */
	bool engine_until_exit;
};

struct detection {
	char *path; /* raw bytes as found */
	char *signature;
	char sha256[65];
	uint64_t size;
	enum resultdoc_outcome outcome;
	char *detail; /* quarantine id, or why the action failed */
	char *sample; /* sealed sample record's name (--stick), or NULL */
};

struct scan_root {
	const char *path;
	bool missing;            /* could not be opened at all */
	struct walk_stats stats; /* what the scanning walker saw */
	uint64_t scan_errors;    /* libclamav errors on its files */
};

struct scan_report {
	struct engine_info engine;
	struct scan_root *roots;
	size_t nroots;
	struct detection *dets;
	size_t ndets;
	uint64_t files, bytes, errors;
	uint64_t cached;         /* files taken from the clean-file cache, not read */
	struct timespec started; /* wall clock */
	double seconds;          /* monotonic duration */
	bool interrupted;
	struct usbrepair_list repairs; /* filled after the scan: usbrepair_volume */
};

/* Loads the engine and scans every path. Returns 0 when the run could
 * happen (detections and per-file errors are in rep), -1 on a setup error
 * (bad database, no memory) with err set. */
int scan_run(const struct scan_config *cfg, struct scan_report *rep, rq_error *err);

void scan_report_free(struct scan_report *rep);

/* Blocks SIGINT, SIGTERM and SIGUSR1 in the calling thread. Called by main
 * before anything starts a thread, so that every thread inherits the mask
 * and scan_run's signal thread is the only one a stop reaches: a thread
 * started with them unblocked (a progress thread, say) would take SIGTERM's
 * default action and end the process with no record. */
int scan_block_signals(rq_error *err);

/* A root's counts as the result document gives them (errors: the
 * walker's and the engine's). */
void scan_root_counts(const struct scan_root *r, struct resultdoc_counts *c);

#endif
