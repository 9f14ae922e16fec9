/* engine: the one libclamav engine of a run: initialised, limited, loaded
 * and compiled once, then shared read-only by every worker. */
#ifndef RAQUET_ENGINE_H
#define RAQUET_ENGINE_H

#include <clamav.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rqerror.h"

/* How the engine trades scan speed for memory (engine_memory.c). */
enum engine_memory {
	ENGINE_MEMORY_AUTO = 0, /* small when the machine has little RAM */
	ENGINE_MEMORY_SMALL,    /* a shallower Aho-Corasick trie */
	ENGINE_MEMORY_FULL,     /* libclamav's defaults, as clamscan */
};

struct engine_limits {
	uint64_t max_filesize; /* 0: libclamav's default (as clamscan) */
	uint64_t max_scansize;
	bool alert_exceeds_max;
	enum engine_memory memory;
};

struct engine_info {
	unsigned int signatures; /* loaded */
	unsigned int flevel;     /* functionality level */
	char version[32];        /* libclamav version */
	unsigned int db_version; /* highest daily/main version found, 0 if none */
	char db_time[32];        /* its build time, "" if unknown */
	bool small_memory;       /* loaded in ENGINE_MEMORY_SMALL's mode */
};

#define ENGINE_TMPDIR_MAX 256

/* Loads every database path (file or directory) into a new compiled engine.
 * A corrupt, empty or missing database is an error that names it.
 * libclamav's temporary files go to a private directory made here under
 * $TMPDIR, else /dev/shm when it is a tmpfs with room for jobs x
 * max-scansize, else /tmp; named in tmpdir. engine_free removes it with
 * whatever a stopped scan left in it. */
struct cl_engine *engine_load(const char *const *dbs, size_t ndbs,
			      const struct engine_limits *limits, unsigned int jobs,
			      struct engine_info *info, char tmpdir[ENGINE_TMPDIR_MAX],
			      rq_error *err);

/* Applies limits->memory to a new engine, before anything is loaded: in
 * small mode, libclamav's Aho-Corasick trie for body and logical
 * signatures stops at depth 2. *small says whether it was chosen. */
int engine_memory_apply(struct cl_engine *engine, enum engine_memory mode, bool *small,
			rq_error *err);

/* Frees the engine, then removes its private temporary directory. */
void engine_free(struct cl_engine *engine, const char *tmpdir);

/* Removes dir and everything under it, never following a symlink nor
 * leaving its file system. Best effort: returns -1 if something stayed. */
int engine_remove_tmpdir(const char *dir);

/* The memory a small file is read into so that libclamav scans it in
 * place. Given a descriptor, libclamav maps every file into fresh anonymous
 * memory and unmaps it afterwards: on a scan of many small files, that
 * munmap (a TLB flush each) and the page faults behind it cost more system
 * time than everything else per file (docs/performance.md, "Per-file
 * costs"). One per thread or worker process, reused from file to file. */
struct engine_buf {
	unsigned char *data;
	size_t cap;
};

/* Files up to this size are read into an engine_buf; larger ones are given
 * to libclamav as a descriptor, where one mapping is worth its cost. */
#define ENGINE_INMEM_MAX ((size_t)1 << 20)

/* Scans the regular file open on fd as cl_scandesc_callback does, with the
 * same verdicts: a file up to ENGINE_INMEM_MAX and the engine's
 * max-filesize is read whole into buf and scanned from memory; a larger
 * one, one that changes size while it is read, or any failure there, goes
 * to cl_scandesc_callback. path is for libclamav's messages. */
cl_error_t engine_scan(const struct cl_engine *engine, int fd, const char *path,
		       struct engine_buf *buf, const char **virname, unsigned long *scanned,
		       struct cl_scan_options *opts, void *ctx);

/* Frees buf's memory (buf itself is the caller's). */
void engine_buf_free(struct engine_buf *buf);

/* The scan options clamscan uses by default (all parsers, heuristic alerts),
 * plus --alert-exceeds-max. */
void engine_scan_options(const struct engine_limits *limits, struct cl_scan_options *opts);

#endif
