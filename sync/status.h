/* status: what the IOC knows about its sticks (unit, last import, records,
 * gaps, database age, rejections, flagged results), and revoking a stick. */
#ifndef RAQUET_SYNC_STATUS_H
#define RAQUET_SYNC_STATUS_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "rqerror.h"

struct status_stick {
	const char *id, *label, *units, *issued, *db_updated, *revoked, *last_import, *gaps;
	int64_t results, samples, missing, rejected, db_age_days;
	int64_t flagged; /* results imported with a flag (scan_flags) */
};

typedef void (*status_stick_fn)(const struct status_stick *s, void *ctx);
typedef void (*status_rejection_fn)(const char *file, const char *reason, const char *stored,
				    void *ctx);

/* Every stick, or only id (16 hex digits) when not NULL; returns how many. */
int status_sticks(sqlite3 *db, const char *id, status_stick_fn fn, void *ctx, rq_error *err);
int status_rejections(sqlite3 *db, const char *id, status_rejection_fn fn, void *ctx,
		      rq_error *err);

/* Prints the stick's flagged results to out, one line each (number, flag,
 * why), under a heading; nothing when there are none. Returns how many. */
int status_print_flags(sqlite3 *db, const char *id, FILE *out, rq_error *err);

/* Marks the stick revoked now; its records are refused from then on. */
int status_revoke(sqlite3 *db, const char *id, char when[32], rq_error *err);

/* Normalises a stick id typed by the operator (16 hex digits, any case). */
int status_parse_id(const char *arg, char out[17], rq_error *err);

/* The stick the operator names by its id or by its label (provision
 * --label): out gets its id. A label several sticks share is refused with
 * their ids; one no stick has is "unknown stick". */
int status_find_stick(sqlite3 *db, const char *arg, char out[17], rq_error *err);

/* An ioc.db time (2026-11-28T19:20:05+07:00) in this machine's local time
 * (TZ), as "2026-11-28 19:20 +07"; the text as it is when it is not such a
 * time. Returns out. */
const char *status_local_time(const char *iso, char out[64]);

#endif
