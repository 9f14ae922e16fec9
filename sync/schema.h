/* schema: ioc.db's schema (sync/schema.sql, embedded here) and the
 * migrations that bring an older database up to the current version. */
#ifndef RAQUET_SYNC_SCHEMA_H
#define RAQUET_SYNC_SCHEMA_H

#include <sqlite3.h>
#include <stdint.h>

#include "rqerror.h"

#define SCHEMA_VERSION 9

/* sync/schema.sql (version 1), sync/schema-v2.sql (1 to 2) ... and
 * sync/schema-v9.sql (8 to 9), byte for byte, generated from those files
 * by the Makefile. */
extern const char schema_sql[];
extern const char schema_v2_sql[];
extern const char schema_v3_sql[];
extern const char schema_v4_sql[];
extern const char schema_v5_sql[]; /* sync/schema-v5.sql: persistence entries */
extern const char schema_v6_sql[]; /* sync/schema-v6.sql: USB drives */
extern const char schema_v7_sql[]; /* sync/schema-v7.sql: the office's settings */
extern const char schema_v8_sql[]; /* sync/schema-v8.sql: unit aliases */
extern const char schema_v9_sql[]; /* sync/schema-v9.sql: USB drives apart from computers */

/* schema_migrations[i] takes a database from version i to i + 1
 * (`raquet-sync schema` prints them in that order). */
extern const char *const schema_migrations[SCHEMA_VERSION];

/* Brings db to SCHEMA_VERSION in one transaction per step; refuses a
 * database newer than this program. A new, empty database gets the schema. */
int schema_migrate(sqlite3 *db, rq_error *err);

/* Brings the campaign's report tables (schema-v3.sql: rq_period, rq_latest,
 * ...) up to date for the devices of the results import import_id merged,
 * by the counting rule (sync/counting.sql, counting.h) with no period.
 * Runs inside the import's transaction. */
int schema_refresh(sqlite3 *db, int64_t import_id, rq_error *err);

#endif
