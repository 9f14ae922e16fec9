/* counting: see counting.h. The statements of counting.sql are prepared
 * and run one at a time (sqlite3_exec cannot bind), each with the period's
 * ends bound by name. */

#include "counting.h"

/* Worded as raquet-sync's db_exec, which ran these statements before. */
static int counting_fail(sqlite3 *db, rq_error *err)
{
	if (sqlite3_errcode(db) == SQLITE_FULL)
		return rq_fail(err, "database: disk full (%s)", sqlite3_errmsg(db));
	return rq_fail(err, "database: %s", sqlite3_errmsg(db));
}

static int bind_day(sqlite3_stmt *st, const char *name, const char *day)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i == 0)
		return SQLITE_OK; /* this statement does not name it */
	return day ? sqlite3_bind_text(st, i, day, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int counting_run(sqlite3 *db, const char *from, const char *to, rq_error *err)
{
	const char *sql = counting_sql, *tail;
	sqlite3_stmt *st;
	int rc;

	while (*sql != '\0') {
		st = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
			return counting_fail(db, err);
		if (st == NULL) /* only comments and blanks were left */
			break;
		if (bind_day(st, ":from", from) != SQLITE_OK ||
		    bind_day(st, ":to", to) != SQLITE_OK) {
			sqlite3_finalize(st);
			return counting_fail(db, err);
		}
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return counting_fail(db, err);
		sql = tail;
	}
	return 0;
}
