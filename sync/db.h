/* db: the few SQLite helpers raquet-sync uses everywhere: prepare, bind by
 * a format string, step, and turn a failure into an rq_error carrying
 * sqlite3_errmsg (with a plain "disk full" when that is the cause). */
#ifndef RAQUET_SYNC_DB_H
#define RAQUET_SYNC_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "rqerror.h"

/* Fills err with "what: <sqlite3_errmsg>" and returns -1. */
int db_fail(sqlite3 *db, rq_error *err, const char *what);

/* Runs one or more statements without parameters. */
int db_exec(sqlite3 *db, const char *sql, rq_error *err);

/* Prepares one statement (kept until sqlite3_finalize). NULL on failure. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, rq_error *err);

/* Binds parameters 1..n from fmt, one letter each: 't' const char * (NULL
 * binds NULL), 's' const char * then int length (text
 * that need not end in NUL), 'i' int64_t, 'd' double, 'b' const void * then int length
 * (a blob), 'n' NULL (no argument). Resets the statement first. */
int db_bind(sqlite3 *db, sqlite3_stmt *st, rq_error *err, const char *fmt, ...);

/* Steps a statement that returns no row (INSERT, UPDATE, ...) and resets it. */
int db_done(sqlite3 *db, sqlite3_stmt *st, rq_error *err);

/* Steps once: 1 when a row is there (read it, then sqlite3_reset), 0 when
 * there is none (already reset), -1 on error. */
int db_row(sqlite3 *db, sqlite3_stmt *st, rq_error *err);

/* The text of column i, never NULL (an empty string for NULL). */
const char *db_text(sqlite3_stmt *st, int i);

#endif
