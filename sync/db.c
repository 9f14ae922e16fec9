/* db: SQLite helpers; see db.h. */
#include <stdarg.h>
#include <string.h>

#include "db.h"

int db_fail(sqlite3 *db, rq_error *err, const char *what)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;

	if (code == SQLITE_FULL)
		return rq_fail(err, "%s: disk full (%s)", what, sqlite3_errmsg(db));
	return rq_fail(err, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

int db_exec(sqlite3 *db, const char *sql, rq_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_errcode(db);
		if (code == SQLITE_FULL)
			rq_fail(err, "database: disk full (%s)", msg ? msg : "?");
		else
			rq_fail(err, "database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, rq_error *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, err, "database: cannot prepare a statement");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int db_bind(sqlite3 *db, sqlite3_stmt *st, rq_error *err, const char *fmt, ...)
{
	va_list ap;
	int i, rc = SQLITE_OK;

	sqlite3_reset(st);
	if (sqlite3_clear_bindings(st) != SQLITE_OK)
		return db_fail(db, err, "database: cannot clear bindings");
	va_start(ap, fmt);
	for (i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i);
			break;
		}
		case 's': {
			const char *p = va_arg(ap, const char *);
			int n = va_arg(ap, int);
			rc = sqlite3_bind_text(st, i, p, n, SQLITE_TRANSIENT);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);
			rc = sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(st, i);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK)
		return db_fail(db, err, "database: cannot bind a parameter");
	return 0;
}

int db_done(sqlite3 *db, sqlite3_stmt *st, rq_error *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_fail(db, err, "database");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int db_row(sqlite3 *db, sqlite3_stmt *st, rq_error *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	db_fail(db, err, "database");
	sqlite3_reset(st);
	return -1;
}

const char *db_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}
