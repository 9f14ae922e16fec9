/* office: the office's settings as a report uses them (docs/report.md,
 * "The office's settings"): for each key, the flag given for this report,
 * else the value set for the report's unit or the nearest unit above it,
 * else the office's value, else the placeholder default (lib/office.c).
 * The header is the exception: a unit's report is headed by the unit
 * itself (its own issuer value, else its name) under the unit above it (its
 * own authority value, else the parent's name, else, for a top-level unit,
 * the office's authority). A database without the settings table (older
 * than the migration, or a fixture) gives the defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "office.h"
#include "report.h"

/* ---- SQL (bound: :key, :unit) ---- */
static const char has_table_sql[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'";
/* The unit, then the units above it (depth bounded: a parent cycle in an
 * older database must not loop), then the office's value. */
static const char lookup_sql[] =
    "WITH RECURSIVE up(code, depth) AS ("
    " SELECT :unit, 0 WHERE :unit IS NOT NULL"
    " UNION ALL SELECT u.parent, up.depth + 1 FROM up JOIN units u ON u.code = up.code"
    "  WHERE u.parent IS NOT NULL AND up.depth < 64)"
    " SELECT value FROM ("
    "  SELECT s.value, up.depth AS d FROM up JOIN settings s ON s.key = :key || '@' || up.code"
    "  WHERE :inherit OR up.depth = 0"
    "  UNION ALL SELECT value, 1000 FROM settings WHERE key = :key AND :inherit)"
    " ORDER BY d LIMIT 1";
/* ---- end of SQL ---- */

typedef struct lookup {
	sqlite3 *db;
	sqlite3_stmt *st; /* NULL: no settings table */
	const char *unit;
} lookup;

/* The stored value of key (malloc'd, cleaned) or NULL in *out. */
static int find(lookup *l, const char *key, bool inherit, char **out, rq_error *err)
{
	int rc;

	*out = NULL;
	if (l->st == NULL)
		return 0;
	sqlite3_reset(l->st);
	if (sqlite3_bind_text(l->st, sqlite3_bind_parameter_index(l->st, ":key"), key, -1,
			      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(l->st, sqlite3_bind_parameter_index(l->st, ":inherit"), inherit) !=
		SQLITE_OK ||
	    (l->unit ? sqlite3_bind_text(l->st, sqlite3_bind_parameter_index(l->st, ":unit"),
					 l->unit, -1, SQLITE_STATIC)
		     : sqlite3_bind_null(l->st, sqlite3_bind_parameter_index(l->st, ":unit"))) !=
		SQLITE_OK)
		return rep_db_fail(l->db, err, "settings");
	rc = sqlite3_step(l->st);
	if (rc == SQLITE_ROW)
		return (*out = rep_column(l->st, 0)) ? 0 : rq_fail(err, "out of memory");
	return rc == SQLITE_DONE ? 0 : rep_db_fail(l->db, err, "settings");
}

/* The flag's value (checked as raquet-sync settings set checks it), else
 * the stored one, else fallback (NULL: the key's default). */
static int resolve(lookup *l, const char *name, const char *flag, bool inherit,
		   const char *fallback, char **out, rq_error *err)
{
	const office_key *k = office_key_find(name);
	char *norm;

	if (k == NULL)
		return rq_fail(err, "internal error: no setting %s", name);
	if (flag) {
		if (office_normalise(k, flag, &norm, err) != 0) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return rq_fail(err, "--%s", msg);
		}
		*out = rep_clean_text(norm);
		free(norm);
		return *out ? 0 : rq_fail(err, "out of memory");
	}
	if (find(l, name, inherit, out, err) != 0)
		return -1;
	if (*out == NULL && (*out = rep_clean_text(fallback ? fallback : k->def)) == NULL)
		return rq_fail(err, "out of memory");
	return 0;
}

int office_read(sqlite3 *db, report *r, const report_opts *o, const char *parent_name,
		rq_error *err)
{
	lookup l = {db, NULL, o->unit};
	char *office_authority = NULL;
	sqlite3_stmt *st;
	int rc = -1, has;

	if ((st = rep_prepare(db, has_table_sql, "ioc.db", err)) == NULL)
		return -1;
	has = sqlite3_step(st);
	sqlite3_finalize(st);
	if (has != SQLITE_ROW && has != SQLITE_DONE)
		return rep_db_fail(db, err, "ioc.db");
	if (has == SQLITE_ROW && (l.st = rep_prepare(db, lookup_sql, "settings", err)) == NULL)
		return -1;
	if (resolve(&l, "place", o->place, true, NULL, &r->place, err) != 0 ||
	    resolve(&l, "number", o->number, true, NULL, &r->number, err) != 0 ||
	    resolve(&l, "sign-authority", o->sign_authority, true, NULL, &r->sign_authority, err) !=
		0 ||
	    resolve(&l, "signer-title", o->signer_title, true, NULL, &r->signer_title, err) != 0 ||
	    resolve(&l, "signer", o->signer, true, NULL, &r->signer, err) != 0 ||
	    resolve(&l, "recipients", o->recipients, true, NULL, &r->recipients, err) != 0)
		goto out;
	if (o->unit == NULL) {
		if (resolve(&l, "authority", o->authority, true, NULL, &r->issuer_top, err) != 0 ||
		    resolve(&l, "issuer", o->issuer, true, NULL, &r->issuer, err) != 0)
			goto out;
	} else {
		/* The office's authority heads a top-level unit's report. */
		l.unit = NULL;
		if (!(parent_name && *parent_name) &&
		    resolve(&l, "authority", NULL, true, NULL, &office_authority, err) != 0)
			goto out;
		l.unit = o->unit;
		if (resolve(&l, "authority", o->authority, false,
			    parent_name && *parent_name ? parent_name : office_authority,
			    &r->issuer_top, err) != 0 ||
		    resolve(&l, "issuer", o->issuer, false, r->unit_name, &r->issuer, err) != 0)
			goto out;
	}
	rc = 0;
out:
	free(office_authority);
	sqlite3_finalize(l.st);
	return rc;
}
