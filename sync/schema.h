/* schema: ioc.db's schema (sync/schema.sql, embedded here) and the
 * migrations that bring an older database up to the current version. */
#ifndef RAQUET_SYNC_SCHEMA_H
#define RAQUET_SYNC_SCHEMA_H

#include <sqlite3.h>

#include "rqerror.h"

#define SCHEMA_VERSION 2

/* sync/schema.sql (version 1) and sync/schema-v2.sql (1 to 2), byte for
 * byte (`raquet-sync schema` prints both, in that order). */
extern const char schema_sql[];
extern const char schema_v2_sql[];

/* Brings db to SCHEMA_VERSION in one transaction per step; refuses a
 * database newer than this program. A new, empty database gets the schema. */
int schema_migrate(sqlite3 *db, rq_error *err);

#endif
