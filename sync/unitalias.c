/* unitalias: the codes of units merged away (see unitalias.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "escape.h"
#include "ioc.h"
#include "unitalias.h"
#include "units.h"

/* ---- SQL ---- */
static const char sql_find[] =
    "SELECT unit, merged_into, merged, EXISTS (SELECT 1 FROM stick_roster r"
    " WHERE r.stick = ?2 AND r.unit = a.unit) FROM unit_aliases a WHERE code = ?1";
static const char sql_repoint[] = "UPDATE unit_aliases SET unit = ?2 WHERE unit = ?1";
static const char sql_insert[] =
    "INSERT INTO unit_aliases(code, unit, merged_into, merged) VALUES (?1, ?2, ?2, ?3)";
static const char sql_count[] = "SELECT count(*) FROM unit_aliases WHERE unit = ?1";
static const char sql_list[] =
    "SELECT code, unit, merged_into, merged FROM unit_aliases ORDER BY code";
/* ---- end of SQL ---- */

static void copy(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	snprintf(dst, len, "%s", db_text(st, i));
}

int unitalias_find(sqlite3 *db, const char *code, const char *stick, struct unitalias *a,
		   rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_find, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "tt", code, stick) == 0 ? db_row(db, st, err) : -1;
	if (rc == 1) {
		copy(a->unit, sizeof(a->unit), st, 0);
		copy(a->merged_into, sizeof(a->merged_into), st, 1);
		copy(a->merged, sizeof(a->merged), st, 2);
		a->in_roster = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* rq_fail naming code and the unit it leads to, both escaped. */
static int fail_alias(rq_error *err, const char *code, const struct unitalias *a, const char *why)
{
	char *c = escape_name(code), *u = escape_name(a->unit);

	rq_fail(err, "unit code %s was merged into %s on %.10s (unit alias %s -> %s): %s",
		c ? c : "?", u ? u : "?", a->merged, c ? c : "?", u ? u : "?", why);
	free(c);
	free(u);
	return -1;
}

int unitalias_refuse(sqlite3 *db, const char *code, rq_error *err)
{
	struct unitalias a;
	int rc = unitalias_find(db, code, NULL, &a, err);

	if (rc <= 0)
		return rc;
	return fail_alias(err, code, &a,
			  "records of sticks that still list it count there, so no unit may "
			  "take the code again");
}

static int run(sqlite3 *db, const char *sql, const char *fmt, const char *a, const char *b,
	       const char *c, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, fmt, a, b, c) == 0 ? db_done(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

int unitalias_merge(sqlite3 *db, const char *from, const char *into, long long *repointed,
		    rq_error *err)
{
	char now[32];

	ioc_now(now);
	if (run(db, sql_repoint, "tt", from, into, NULL, err) != 0)
		return -1;
	*repointed = sqlite3_changes(db);
	return run(db, sql_insert, "ttt", from, into, now, err);
}

int unitalias_add(sqlite3 *db, const char *from, const char *into, rq_error *err)
{
	char *esc;
	int rc;

	if (*from == '\0' || strlen(from) > UNITS_CODE_MAX || !escape_is_clean(from))
		return rq_fail(err,
			       "a unit code is 1 to %d bytes of UTF-8 text without control "
			       "characters",
			       UNITS_CODE_MAX);
	if ((rc = units_exists(db, from, err)) != 0) {
		if (rc < 0)
			return -1;
		esc = escape_name(from);
		rq_fail(err,
			"%s is a unit: merge it instead (raquet-sync unit merge %s INTO), which "
			"moves its scans and leaves its code leading to INTO",
			esc ? esc : "?", esc ? esc : "?");
		free(esc);
		return -1;
	}
	if ((rc = unitalias_refuse(db, from, err)) != 0)
		return -1;
	if ((rc = units_exists(db, into, err)) != 1) {
		if (rc < 0)
			return -1;
		esc = escape_name(into);
		rq_fail(err, "unknown unit %s", esc ? esc : "?");
		free(esc);
		return -1;
	}
	{
		char now[32];
		ioc_now(now);
		return run(db, sql_insert, "ttt", from, into, now, err);
	}
}

int unitalias_count(sqlite3 *db, const char *unit, long long *n, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_count, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", unit) == 0 ? db_row(db, st, err) : -1;
	if (rc == 1)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == 1 ? 0 : rc == 0 ? rq_fail(err, "internal error: no count") : -1;
}

int unitalias_list(sqlite3 *db, unitalias_fn fn, void *ctx, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_list, err);
	struct unitalias a = {0};
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = db_row(db, st, err)) == 1) {
		copy(a.unit, sizeof(a.unit), st, 1);
		copy(a.merged_into, sizeof(a.merged_into), st, 2);
		copy(a.merged, sizeof(a.merged), st, 3);
		fn(db_text(st, 0), &a, ctx);
	}
	sqlite3_finalize(st);
	return rc;
}
