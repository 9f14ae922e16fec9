/* schema: the migrations (see schema.h). The SQL texts are the .sql files
 * themselves, compiled in by the Makefile (SCHEMA_TEXTS, with
 * tools/embed-text.sh); t4000 checks that `raquet-sync schema` prints those
 * files exactly. A new migration is one entry there and one row below. */
#include <stdbool.h>
#include <stdio.h>

#include "counting.h"
#include "db.h"
#include "schema.h"

/* schema_migrations[i] takes a database from version i to i + 1. */
const char *const schema_migrations[SCHEMA_VERSION] = {
    schema_sql,    schema_v2_sql, schema_v3_sql, schema_v4_sql, schema_v5_sql,
    schema_v6_sql, schema_v7_sql, schema_v8_sql, schema_v9_sql,
};

static int user_version(sqlite3 *db, int *v, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA user_version", err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_row(db, st, err);
	if (rc == 1)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == 1 ? 0 : rq_fail(err, "database: cannot read its schema version");
}

/* Runs under BEGIN IMMEDIATE, so two programs opening an old database
 * at once migrate it once. */
int schema_migrate(sqlite3 *db, rq_error *err)
{
	char sql[160];
	int v = 0;
	bool recount = false;

	if (db_exec(db, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (user_version(db, &v, err) != 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		rq_fail(err,
			"ioc.db has schema version %d; this raquet-sync knows up to %d "
			"(use a newer raquet-sync)",
			v, SCHEMA_VERSION);
		goto fail;
	}
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql),
			 "PRAGMA user_version = %d;"
			 "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '%d');",
			 v + 1, v + 1);
		if (db_exec(db, schema_migrations[v], err) != 0 || db_exec(db, sql, err) != 0)
			goto fail;
		recount |= schema_migrations[v] == schema_v9_sql;
	}
	/* schema-v9.sql took USB drives out of the computers' tables: the
	 * devices it put in temp.rq_touched are counted again by today's rule,
	 * once every table that rule reads exists (whatever number the
	 * migration was given). */
	if (recount && (counting_run(db, NULL, NULL, err) != 0 ||
			db_exec(db, "DROP TABLE temp.rq_touched", err) != 0))
		goto fail;
	return db_exec(db, "COMMIT", err);
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* The devices of the results import import_id merged, counted again over
 * the whole campaign (no period) by sync/counting.sql. */
int schema_refresh(sqlite3 *db, int64_t import_id, rq_error *err)
{
	static const char touched[] =
	    "INSERT OR IGNORE INTO temp.rq_touched SELECT s.device FROM records r"
	    " JOIN scans s ON s.stick = r.stick AND s.seq = r.seq"
	    " WHERE r.import_id = ?1 AND r.type = 'result'";
	sqlite3_stmt *st;
	int rc;

	if (db_exec(db,
		    "DROP TABLE IF EXISTS temp.rq_touched;"
		    "CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY)",
		    err) != 0 ||
	    (st = db_prepare(db, touched, err)) == NULL)
		return -1;
	rc = db_bind(db, st, err, "i", import_id) != 0 || db_done(db, st, err) != 0 ? -1 : 0;
	sqlite3_finalize(st);
	if (rc != 0 || counting_run(db, NULL, NULL, err) != 0)
		return -1;
	return db_exec(db, "DROP TABLE temp.rq_touched", err);
}
