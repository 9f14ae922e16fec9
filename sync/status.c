/* status: sticks, their imports and revocation (see status.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "escape.h"
#include "ioc.h"
#include "isotime.h"
#include "keys.h"
#include "status.h"

/* ---- SQL ---- */
static const char sql_sticks[] =
    "SELECT s.id, s.label, s.issued, s.db_updated, s.revoked, s.last_import,"
    " (SELECT group_concat(unit, ' ') FROM stick_units WHERE stick = s.id),"
    " (SELECT count(*) FROM records WHERE stick = s.id AND type = 'result'),"
    " (SELECT count(*) FROM records WHERE stick = s.id AND type = 'sample'),"
    " (SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM gaps WHERE stick = s.id),"
    " (SELECT group_concat(type || ' ' || CASE WHEN first_seq = last_seq THEN first_seq"
    "  ELSE first_seq || '-' || last_seq END, ', ') FROM gaps WHERE stick = s.id),"
    " (SELECT count(*) FROM rejections WHERE stick = s.id),"
    " CAST(julianday('now') - julianday(s.db_updated) AS INTEGER),"
    " (SELECT count(DISTINCT f.scan) FROM scans c JOIN scan_flags f ON f.scan = c.id"
    "  WHERE c.stick = s.id)"
    " FROM sticks s WHERE ?1 IS NULL OR s.id = ?1 ORDER BY s.issued, s.id";
/* What the imports of the stick's results flagged (docs/ioc-database.md,
 * "Flags"), in the order of the stick's numbers. */
static const char sql_flags[] =
    "SELECT c.seq, f.flag, f.detail FROM scans c JOIN scan_flags f ON f.scan = c.id"
    " WHERE c.stick = ?1 ORDER BY c.seq, f.flag";
/* A rejected file imported by a later import (the same name and bytes, say
 * once a unit alias exists: docs/ioc-database.md, "Unit aliases") says so. */
static const char sql_rejections[] =
    "SELECT file, reason, stored || CASE WHEN EXISTS (SELECT 1 FROM records r WHERE"
    " r.stick = j.stick AND r.file = j.file AND r.sha256 = j.sha256) THEN '; imported later'"
    " ELSE '' END FROM rejections j WHERE stick = ?1 ORDER BY id";
static const char sql_revoke[] = "UPDATE sticks SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL";
static const char sql_state[] = "SELECT revoked FROM sticks WHERE id = ?1";
static const char sql_by_label[] =
    "SELECT id FROM sticks WHERE label = ?1 OR id = ?2 ORDER BY id = ?2 DESC, issued, id";
/* ---- end of SQL ---- */

static const char *text_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : db_text(st, i);
}

int status_sticks(sqlite3 *db, const char *id, status_stick_fn fn, void *ctx, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_sticks, err);
	int rc, n = 0;

	if (st == NULL)
		return -1;
	if (db_bind(db, st, err, "t", id) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1) {
		struct status_stick s = {
		    .id = db_text(st, 0),
		    .label = text_or_null(st, 1),
		    .issued = db_text(st, 2),
		    .db_updated = db_text(st, 3),
		    .revoked = text_or_null(st, 4),
		    .last_import = text_or_null(st, 5),
		    .units = db_text(st, 6),
		    .results = sqlite3_column_int64(st, 7),
		    .samples = sqlite3_column_int64(st, 8),
		    .missing = sqlite3_column_int64(st, 9),
		    .gaps = text_or_null(st, 10),
		    .rejected = sqlite3_column_int64(st, 11),
		    .db_age_days = sqlite3_column_int64(st, 12),
		    .flagged = sqlite3_column_int64(st, 13),
		};
		fn(&s, ctx);
		n++;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : n;
}

int status_rejections(sqlite3 *db, const char *id, status_rejection_fn fn, void *ctx, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_rejections, err);
	int rc;

	if (st == NULL)
		return -1;
	if (db_bind(db, st, err, "t", id) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1)
		fn(db_text(st, 0), db_text(st, 1), db_text(st, 2), ctx);
	sqlite3_finalize(st);
	return rc;
}

int status_print_flags(sqlite3 *db, const char *id, FILE *out, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_flags, err);
	int rc, n = 0;

	if (st == NULL)
		return -1;
	if (db_bind(db, st, err, "t", id) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1) {
		/* The detail quotes a unit code a result gave: hostile text. */
		char *esc = escape_name(db_text(st, 2));
		if (n++ == 0)
			fputs("flagged results (imported and counted; check them):\n", out);
		fprintf(out, "  #%lld %s: %s\n", (long long)sqlite3_column_int64(st, 0),
			db_text(st, 1), esc ? esc : "?");
		free(esc);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : n;
}

int status_revoke(sqlite3 *db, const char *id, char when[32], rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_revoke, err);
	int rc;

	if (st == NULL)
		return -1;
	ioc_now(when);
	rc = db_bind(db, st, err, "tt", id, when) == 0 ? db_done(db, st, err) : -1;
	sqlite3_finalize(st);
	if (rc != 0 || sqlite3_changes(db) == 1)
		return rc;
	if ((st = db_prepare(db, sql_state, err)) == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", id) == 0 ? db_row(db, st, err) : -1;
	if (rc == 0)
		rq_fail(err, "unknown stick %s", id);
	else if (rc == 1)
		rq_fail(err, "stick %s was already revoked on %s", id, db_text(st, 0));
	sqlite3_finalize(st);
	return -1;
}

int status_parse_id(const char *arg, char out[17], rq_error *err)
{
	uint64_t id;

	if (keys_id_parse(arg, &id) != 0)
		return rq_fail(err, "a stick id is 16 hex digits");
	keys_id_hex(id, out);
	return 0;
}

/* How many sticks sharing a label an error lists. */
#define SAME_LABEL_SHOWN 8

int status_find_stick(sqlite3 *db, const char *arg, char out[17], rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_by_label, err);
	char id[17] = "", ids[SAME_LABEL_SHOWN * 18 + 8] = "";
	int rc, n = 0;

	if (st == NULL)
		return -1;
	/* An id typed in capitals is still the id. */
	if (status_parse_id(arg, id, NULL) != 0)
		*id = '\0';
	if (db_bind(db, st, err, "tt", arg, id) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1) {
		if (n == 0)
			snprintf(out, 17, "%s", db_text(st, 0));
		/* The id itself wins over a label that happens to spell it. */
		if (n == 0 && *id && strcmp(out, id) == 0) {
			sqlite3_finalize(st);
			return 0;
		}
		if (n < SAME_LABEL_SHOWN)
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
				 n ? ", " : "", db_text(st, 0));
		else if (n == SAME_LABEL_SHOWN)
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), ", ...");
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (n == 1)
		return 0;
	char *esc = escape_name(arg);
	if (n == 0)
		rq_fail(err,
			"unknown stick %s (give its id or its label, as raquet-sync status "
			"lists them)",
			esc ? esc : "?");
	else
		rq_fail(err, "%d sticks have the label %s (%s): give the stick's id", n,
			esc ? esc : "?", ids);
	free(esc);
	return -1;
}

const char *status_local_time(const char *iso, char out[64])
{
	struct tm lt;
	int64_t secs;
	time_t t;

	snprintf(out, 64, "%s", iso ? iso : "");
	if (isotime_parse(iso, &secs) != 0)
		return out;
	t = (time_t)secs;
	if (localtime_r(&t, &lt) == NULL || strftime(out, 64, "%Y-%m-%d %H:%M %Z", &lt) == 0)
		snprintf(out, 64, "%s", iso);
	return out;
}
