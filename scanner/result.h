/* result: the result document raquet.result/1 (docs/result-format.md),
 * built with json-c from a finished scan. */
#ifndef RAQUET_RESULT_H
#define RAQUET_RESULT_H

#include <json-c/json.h>
#include <stdio.h>
#include <time.h>

#include "rqerror.h"
#include "scan.h"

#define RESULT_FORMAT "raquet.result/1"
/* A PC clock this much behind the IOC's latest signed date on the stick is
 * "behind": less is the drift between two clocks that are both right. */
#define RESULT_CLOCK_SLACK 3600

struct stick;

/* What a run knows beyond the scan itself; every field may be NULL. The
 * json objects are taken over by the document. */
struct result_context {
	const char *unit, *technician;
	json_object *record;   /* stick, seq, created: sealed runs only */
	json_object *device;   /* identity */
	json_object *volumes;  /* live mode: per-volume facts replacing the roots */
	json_object *autoruns; /* live mode: persistence entries (windows/autoruns.h) */
};

/* The session's status (resultdoc.h). */
enum resultdoc_status result_status(const struct scan_report *rep);

/* result_status, but not cleaned while an entry of autoruns (the result's
 * "autoruns", or NULL) that started a detection was left. */
enum resultdoc_status result_status_with(const struct scan_report *rep, json_object *autoruns);

/* NULL when json-c could not allocate a member (the json objects of ctx
 * are then freed too). */
json_object *result_build(const struct scan_config *cfg, const struct scan_report *rep,
			  struct result_context *ctx);

/* Writes the document to path atomically (temporary file, fsync, rename). */
int result_write_file(json_object *doc, const char *path, rq_error *err);

/* What a sealed result adds from its stick (docs/result-format.md):
 * engine.manifest_version and manifest_date of the signed db/MANIFEST, and
 * "clock": the PC's time pc, the latest date the IOC signed onto the stick
 * (stick.json, roster.json, db/MANIFEST, its receipt), and whether pc is
 * earlier than that. A clock that is behind is told to warnings (when not
 * NULL) and returns 1; else 0, or -1 when out of memory. */
int result_add_stick(json_object *doc, const struct stick *s, time_t pc, FILE *warnings);

/* ISO 8601 local time with the UTC offset, e.g. 2026-11-28T19:20:05+07:00. */
void result_time(time_t t, char buf[32]);

#endif
