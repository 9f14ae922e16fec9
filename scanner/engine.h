/* engine: the one libclamav engine of a run: initialised, limited, loaded
 * and compiled once, then shared read-only by every worker. */
#ifndef RAQUET_ENGINE_H
#define RAQUET_ENGINE_H

#include <clamav.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rqerror.h"

struct engine_limits {
	uint64_t max_filesize; /* 0: libclamav's default (as clamscan) */
	uint64_t max_scansize;
	bool alert_exceeds_max;
};

struct engine_info {
	unsigned int signatures; /* loaded */
	unsigned int flevel;     /* functionality level */
	char version[32];        /* libclamav version */
	unsigned int db_version; /* highest daily/main version found, 0 if none */
	char db_time[32];        /* its build time, "" if unknown */
};

/* Loads every database path (file or directory) into a new compiled engine.
 * A corrupt, empty or missing database is an error that names it. */
struct cl_engine *engine_load(const char *const *dbs, size_t ndbs,
			      const struct engine_limits *limits, struct engine_info *info,
			      rq_error *err);

/* The scan options clamscan uses by default (all parsers, heuristic alerts),
 * plus --alert-exceeds-max. */
void engine_scan_options(const struct engine_limits *limits, struct cl_scan_options *opts);

#endif
