/* settings: the office's settings in ioc.db (see settings.h). A value for
 * one unit is stored under KEY@CODE: unit codes may hold any character but
 * keys never hold '@', so the first '@' splits them. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "escape.h"
#include "office.h"
#include "settings.h"
#include "units.h"

/* ---- SQL ---- */
static const char sql_set[] = "INSERT INTO settings(key, value) VALUES (?1, ?2)"
			      " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
static const char sql_unset[] = "DELETE FROM settings WHERE key = ?1";
static const char sql_get[] = "SELECT value FROM settings WHERE key = ?1";
static const char sql_units[] = "SELECT key, value FROM settings WHERE key LIKE '%@%' ORDER BY key";
/* ---- end of SQL ---- */

static const office_key *known(const char *key, rq_error *err)
{
	const office_key *k = office_key_find(key);

	if (k == NULL) {
		char *safe = escape_name(key);
		rq_fail(err, "unknown setting '%s' (known: %s)", safe ? safe : "?",
			office_key_names());
		free(safe);
	}
	return k;
}

/* The stored key: "place", or "place@CODE" for one unit (which must exist). */
static char *stored_key(sqlite3 *db, const office_key *k, const char *unit, rq_error *err)
{
	size_t n;
	char *key;
	int rc;

	if (unit == NULL) {
		if ((key = strdup(k->name)) == NULL)
			rq_fail(err, "out of memory");
		return key;
	}
	if (!k->per_unit)
		return rq_fail(err, "%s is the office's only: it cannot be set for one unit",
			       k->name),
		       NULL;
	if ((rc = units_exists(db, unit, err)) <= 0) {
		char *safe = escape_name(unit);
		if (rc == 0)
			rq_fail(err, "unknown unit '%s' (raquet-sync unit list)",
				safe ? safe : "?");
		free(safe);
		return NULL;
	}
	n = strlen(k->name) + strlen(unit) + 2;
	if ((key = malloc(n)) == NULL)
		return rq_fail(err, "out of memory"), NULL;
	snprintf(key, n, "%s@%s", k->name, unit);
	return key;
}

int settings_set(sqlite3 *db, const char *key, const char *unit, const char *value, rq_error *err)
{
	const office_key *k = known(key, err);
	char *stored = NULL, *norm = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (k == NULL || office_normalise(k, value, &norm, err) != 0 ||
	    (stored = stored_key(db, k, unit, err)) == NULL)
		goto out;
	if ((st = db_prepare(db, sql_set, err)) == NULL)
		goto out;
	rc = db_bind(db, st, err, "tt", stored, norm) != 0 ? -1 : db_done(db, st, err);
out:
	sqlite3_finalize(st);
	free(stored);
	free(norm);
	return rc;
}

int settings_unset(sqlite3 *db, const char *key, const char *unit, rq_error *err)
{
	const office_key *k = known(key, err);
	sqlite3_stmt *st;
	char *stored;
	int rc;

	if (k == NULL || (stored = stored_key(db, k, unit, err)) == NULL)
		return -1;
	if ((st = db_prepare(db, sql_unset, err)) == NULL) {
		free(stored);
		return -1;
	}
	rc = db_bind(db, st, err, "t", stored) != 0 || db_done(db, st, err) != 0
		 ? -1
		 : sqlite3_changes(db) > 0;
	sqlite3_finalize(st);
	free(stored);
	return rc;
}

/* A value on one line: a list's lines joined with "; ", then escaped. */
static void print_value(FILE *out, const char *v)
{
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n), *safe = line ? escape_name(line) : NULL;
		fprintf(out, "%s%s", p == v ? "" : "; ", safe ? safe : "?");
		free(safe);
		free(line);
		p += n + (p[n] == '\n');
	}
}

int settings_list(sqlite3 *db, FILE *out, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_get, err);
	int rc = 0;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < office_nkeys && rc == 0; i++) {
		const office_key *k = &office_keys[i];
		if ((rc = db_bind(db, st, err, "t", k->name)) != 0 ||
		    (rc = db_row(db, st, err)) < 0)
			break;
		fprintf(out, "%s\t", k->name);
		print_value(out, rc == 1 ? db_text(st, 0) : k->def);
		fputs(rc == 1 ? "\n" : "\t(default)\n", out);
		sqlite3_reset(st);
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc < 0 || (st = db_prepare(db, sql_units, err)) == NULL)
		return -1;
	while ((rc = db_row(db, st, err)) == 1) {
		char *key = escape_name(db_text(st, 0));
		fprintf(out, "%s\t", key ? key : "?");
		free(key);
		print_value(out, db_text(st, 1));
		fputc('\n', out);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}
