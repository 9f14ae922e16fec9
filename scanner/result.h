/* result: the result document raquet.result/1 (docs/result-format.md),
 * built with json-c from a finished scan. */
#ifndef RAQUET_RESULT_H
#define RAQUET_RESULT_H

#include <json-c/json.h>

#include "rqerror.h"
#include "scan.h"

#define RESULT_FORMAT "raquet.result/1"

/* What a run knows beyond the scan itself; every field may be NULL. The
 * json objects are taken over by the document. */
struct result_context {
	const char *unit, *technician;
	json_object *record;  /* stick, seq, created: sealed runs only */
	json_object *device;  /* identity */
	json_object *volumes; /* live mode: per-volume facts replacing the roots */
};

/* clean, cleaned, infected-not-cleaned or incomplete. */
const char *result_status(const struct scan_report *rep);

json_object *result_build(const struct scan_config *cfg, const struct scan_report *rep,
			  struct result_context *ctx);

/* Writes the document to path atomically (temporary file, fsync, rename). */
int result_write_file(json_object *doc, const char *path, rq_error *err);

/* ISO 8601 local time with the UTC offset, e.g. 2026-11-28T19:20:05+07:00. */
void result_time(time_t t, char buf[32]);

#endif
