/* unitops: unit codes, parent cycles, renaming, moving, deleting and
 * merging units (see unitops.h). */
#include <stdlib.h>
#include <string.h>

#include "counting.h"
#include "db.h"
#include "escape.h"
#include "ioc.h"
#include "schema.h"
#include "unitalias.h"
#include "unitops.h"
#include "units.h"

#define S(n) ((n) == 1 ? "" : "s")

/* How many units of a cycle an error names before "...". */
#define CYCLE_SHOWN 8

/* ---- SQL ---- */
/* The settings table comes with a later schema (issue 13's settings); an
 * ioc.db without it simply has no setting. */
static const char sql_has_settings[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'";
static const char sql_setting[] = "SELECT value FROM settings WHERE key = ?1";
static const char sql_unit[] = "SELECT name, parent, informed FROM units WHERE code = ?1";
/* Units no top-level unit leads to: those in a parent cycle or below one. */
static const char sql_unrooted[] =
    "WITH RECURSIVE r(code) AS (SELECT code FROM units WHERE parent IS NULL"
    " UNION SELECT u.code FROM units u JOIN r ON u.parent = r.code)"
    " SELECT code FROM units WHERE code NOT IN (SELECT code FROM r) ORDER BY code LIMIT 1";
/* Whether ?2 is ?1 or below it. */
static const char sql_below[] =
    "WITH RECURSIVE t(code) AS (SELECT ?1 UNION SELECT u.code FROM units u JOIN t"
    " ON u.parent = t.code) SELECT 1 FROM t WHERE code = ?2";
static const char sql_rename[] = "UPDATE units SET name = ?2 WHERE code = ?1";
static const char sql_set_parent[] = "UPDATE units SET parent = ?2 WHERE code = ?1";
static const char sql_uses[] =
    "SELECT (SELECT count(*) FROM scans WHERE unit = ?1),"
    " (SELECT count(*) FROM samples WHERE unit = ?1),"
    " (SELECT count(*) FROM (SELECT stick FROM stick_units WHERE unit = ?1"
    "  UNION SELECT stick FROM stick_roster WHERE unit = ?1)),"
    " (SELECT count(*) FROM units WHERE parent = ?1)";
static const char sql_delete[] = "DELETE FROM units WHERE code = ?1";
static const char sql_roster_sticks[] =
    "SELECT id FROM sticks WHERE revoked IS NULL AND id IN (SELECT stick FROM stick_roster"
    " WHERE unit = ?1 UNION SELECT stick FROM stick_units WHERE unit = ?1) ORDER BY issued, id";
/* The devices whose report rows move: every device with a scan in the
 * unit merged away. Their rows are rebuilt by the counting rule
 * (sync/counting.sql), as import rebuilds them. */
static const char sql_touch[] = "DROP TABLE IF EXISTS temp.rq_touched;"
				"CREATE TEMP TABLE rq_touched (device INTEGER PRIMARY KEY);";
static const char sql_touched[] =
    "INSERT OR IGNORE INTO temp.rq_touched SELECT device FROM scans WHERE unit = ?1";
static const char sql_untouch[] =
    "DELETE FROM rq_period WHERE device IN (SELECT device FROM temp.rq_touched);"
    "DELETE FROM rq_infected WHERE device IN (SELECT device FROM temp.rq_touched);";
static const char *const sql_move[] = {
    "UPDATE scans SET unit = ?2 WHERE unit = ?1",
    "UPDATE samples SET unit = ?2 WHERE unit = ?1",
    "INSERT OR IGNORE INTO stick_units(stick, unit) SELECT stick, ?2 FROM stick_units"
    " WHERE unit = ?1",
    "DELETE FROM stick_units WHERE unit = ?1",
    "INSERT OR IGNORE INTO stick_roster(stick, unit) SELECT stick, ?2 FROM stick_roster"
    " WHERE unit = ?1",
    "DELETE FROM stick_roster WHERE unit = ?1",
    "UPDATE units SET parent = ?2 WHERE parent = ?1",
    /* A unit that was told of the campaign stays told once merged. */
    "UPDATE units SET informed = max(informed, (SELECT informed FROM units WHERE code = ?1))"
    " WHERE code = ?2",
    "DELETE FROM units WHERE code = ?1",
};
/* ---- end of SQL ---- */

/* rq_fail with an untrusted text escaped between before and after. */
static int fail_esc(rq_error *err, const char *before, const char *s, const char *after)
{
	char *esc = escape_name(s);

	rq_fail(err, "%s%s%s", before, esc ? esc : "?", after);
	free(esc);
	return -1;
}

/* Binds a and b to as many of them as st has parameters (0 to 2). */
static int bind_ab(sqlite3 *db, sqlite3_stmt *st, const char *a, const char *b, rq_error *err)
{
	int n = sqlite3_bind_parameter_count(st);

	if (n > 2)
		return rq_fail(err, "internal error: a statement with %d parameters", n);
	return db_bind(db, st, err, &"tt"[2 - n], a, b);
}

static int one_row(sqlite3 *db, const char *sql, const char *a, const char *b, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = bind_ab(db, st, a, b, err) == 0 ? db_row(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

int unitops_pattern_load(sqlite3 *db, struct unitops_pattern *p, rq_error *err)
{
	const char *src = UNITOPS_DEFAULT_PATTERN;
	sqlite3_stmt *st = NULL;
	int rc;

	p->custom = false;
	if ((rc = one_row(db, sql_has_settings, NULL, NULL, err)) < 0)
		return -1;
	if (rc == 1) {
		if ((st = db_prepare(db, sql_setting, err)) == NULL)
			return -1;
		if ((rc = db_bind(db, st, err, "t", UNITOPS_PATTERN_KEY) == 0 ? db_row(db, st, err)
									      : -1) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if (rc == 1) {
			src = db_text(st, 0);
			p->custom = true;
		}
	}
	if (strlen(src) > UNITOPS_PATTERN_MAX || *src == '\0') {
		sqlite3_finalize(st);
		return rq_fail(err, "the setting %s is empty or longer than %d bytes",
			       UNITOPS_PATTERN_KEY, UNITOPS_PATTERN_MAX);
	}
	strcpy(p->src, src);
	sqlite3_finalize(st);
	if ((rc = regcomp(&p->re, p->src, REG_EXTENDED)) != 0) {
		char why[128];
		regerror(rc, &p->re, why, sizeof(why));
		return fail_esc(err,
				"the setting " UNITOPS_PATTERN_KEY " is not a regular expression (",
				why, ")");
	}
	return 0;
}

void unitops_pattern_free(struct unitops_pattern *p)
{
	regfree(&p->re);
}

int unitops_pattern_check(const struct unitops_pattern *p, const char *code, rq_error *err)
{
	regmatch_t m[1];
	char *esc;

	/* The whole code, whether or not the pattern is anchored. */
	if (regexec(&p->re, code, 1, m, 0) == 0 && m[0].rm_so == 0 &&
	    (size_t)m[0].rm_eo == strlen(code))
		return 0;
	esc = escape_name(code);
	if (p->custom)
		rq_fail(err, "unit code %s does not match the office's %s %s", esc ? esc : "?",
			UNITOPS_PATTERN_KEY, p->src);
	else
		rq_fail(err,
			"unit code %s is not an electronic identifier (mã định danh điện tử) "
			"such as " UNITOPS_DEFAULT_EXAMPLE " (see docs/office-guide.md; the "
			"setting " UNITOPS_PATTERN_KEY " changes the rule)",
			esc ? esc : "?");
	free(esc);
	return -1;
}

/* Appends the cycle through start ("A -> B -> A") to buf. */
static int describe_cycle(sqlite3 *db, const char *start, char *buf, size_t len, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_unit, err);
	char cur[UNITS_CODE_MAX + 1];
	int rc = 0, shown = 0;

	if (st == NULL)
		return -1;
	snprintf(cur, sizeof(cur), "%s", start);
	*buf = '\0';
	for (;;) {
		char *esc = escape_name(cur);
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", shown ? " -> " : "", esc ? esc : "?");
		free(esc);
		if (shown > 0 && strcmp(cur, start) == 0)
			break;
		if (++shown > CYCLE_SHOWN) {
			used = strlen(buf);
			snprintf(buf + used, len - used, " -> ...");
			break;
		}
		if ((rc = db_bind(db, st, err, "t", cur) == 0 ? db_row(db, st, err) : -1) != 1 ||
		    sqlite3_column_type(st, 1) == SQLITE_NULL)
			break;
		snprintf(cur, sizeof(cur), "%s", db_text(st, 1));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int unitops_check_cycles(sqlite3 *db, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_unrooted, err);
	char code[UNITS_CODE_MAX + 1], cycle[400];
	int rc;

	if (st == NULL)
		return -1;
	rc = db_row(db, st, err);
	if (rc == 1)
		snprintf(code, sizeof(code), "%s", db_text(st, 0));
	sqlite3_finalize(st);
	if (rc <= 0)
		return rc;
	if (describe_cycle(db, code, cycle, sizeof(cycle), err) != 0)
		return -1;
	return rq_fail(err, "the units' parents form a cycle (%s): a unit cannot be under itself",
		       cycle);
}

static int need_unit(sqlite3 *db, const char *code, rq_error *err)
{
	int rc = one_row(db, sql_unit, code, NULL, err);

	/* The code of a unit merged away says where it went. */
	if (rc == 0 && (rc = unitalias_refuse(db, code, err)) == 0)
		return fail_esc(err, "unknown unit ", code, "");
	return rc < 0 ? -1 : 0;
}

static int run(sqlite3 *db, const char *sql, const char *a, const char *b, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = bind_ab(db, st, a, b, err) == 0 ? db_done(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

int unitops_rename(sqlite3 *db, const char *code, const char *name, rq_error *err)
{
	if (*name == '\0' || strlen(name) > UNITS_NAME_MAX || !escape_is_clean(name))
		return rq_fail(err,
			       "a unit name is 1 to %d bytes of UTF-8 text without control "
			       "characters",
			       UNITS_NAME_MAX);
	if (need_unit(db, code, err) != 0)
		return -1;
	return run(db, sql_rename, code, name, err);
}

int unitops_set_parent(sqlite3 *db, const char *code, const char *parent, rq_error *err)
{
	int rc;

	if (need_unit(db, code, err) != 0)
		return -1;
	if (parent) {
		if ((rc = one_row(db, sql_unit, parent, NULL, err)) == 0)
			return fail_esc(err, "parent unit ", parent, " does not exist");
		if (rc < 0 || (rc = one_row(db, sql_below, code, parent, err)) < 0)
			return -1;
		if (rc == 1)
			return fail_esc(
			    err, "", parent,
			    " is the unit itself or a unit below it: the units' parents "
			    "would form a cycle");
	}
	return run(db, sql_set_parent, code, parent, err);
}

int unitops_delete(sqlite3 *db, const char *code, rq_error *err)
{
	sqlite3_stmt *st;
	long long n[5];
	int rc;

	if (need_unit(db, code, err) != 0 || (st = db_prepare(db, sql_uses, err)) == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", code) == 0 ? db_row(db, st, err) : -1;
	for (int i = 0; rc == 1 && i < 4; i++)
		n[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	if (rc != 1)
		return rc == 0 ? rq_fail(err, "internal error: no counts") : -1;
	if (unitalias_count(db, code, &n[4], err) != 0)
		return -1;
	if (n[0] || n[1] || n[2] || n[3]) {
		char *esc = escape_name(code);
		rq_fail(err,
			"unit %s is still used: %lld scan%s, %lld sample%s, %lld stick%s, %lld "
			"unit%s under it; merge it into another unit instead (raquet-sync unit "
			"merge %s INTO), or move the units under it (unit set-parent)",
			esc ? esc : "?", n[0], S(n[0]), n[1], S(n[1]), n[2], S(n[2]), n[3], S(n[3]),
			esc ? esc : "?");
		free(esc);
		return -1;
	}
	/* Records of sticks that still list a unit merged into it count here. */
	if (n[4]) {
		char *esc = escape_name(code);
		rq_fail(err,
			"unit %s is still used: %lld merged unit code%s lead%s to it (raquet-sync "
			"unit aliases); merge it into another unit instead (raquet-sync unit merge "
			"%s INTO)",
			esc ? esc : "?", n[4], S(n[4]), n[4] == 1 ? "s" : "", esc ? esc : "?");
		free(esc);
		return -1;
	}
	return run(db, sql_delete, code, NULL, err);
}

static int merge_counts(sqlite3 *db, const char *from, struct unitops_merged *m, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_uses, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", from) == 0 ? db_row(db, st, err) : -1;
	if (rc == 1) {
		m->scans = sqlite3_column_int64(st, 0);
		m->samples = sqlite3_column_int64(st, 1);
		m->sticks = sqlite3_column_int64(st, 2);
		m->children = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == 1 ? 0 : -1;
}

static int roster_sticks(sqlite3 *db, const char *from, struct unitops_merged *m, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_roster_sticks, err);
	int rc;

	m->nstick_ids = 0;
	if (st == NULL)
		return -1;
	if (db_bind(db, st, err, "t", from) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1)
		if (m->nstick_ids < UNITOPS_STICKS_SHOWN)
			snprintf(m->stick_ids[m->nstick_ids++], 17, "%s", db_text(st, 0));
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int merge_steps(sqlite3 *db, const char *from, const char *into, struct unitops_merged *m,
		       rq_error *err)
{
	int rc;

	if (need_unit(db, from, err) != 0 || need_unit(db, into, err) != 0)
		return -1;
	if (strcmp(from, into) == 0)
		return rq_fail(err, "a unit cannot be merged into itself");
	/* Its children would move under a unit that is below them. */
	if ((rc = one_row(db, sql_below, from, into, err)) != 0)
		return rc < 0 ? -1
			      : fail_esc(err, "", into,
					 " is below the unit merged away: move it first "
					 "(raquet-sync unit set-parent)");
	if (merge_counts(db, from, m, err) != 0 || roster_sticks(db, from, m, err) != 0 ||
	    db_exec(db, sql_touch, err) != 0 || run(db, sql_touched, from, NULL, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sql_move) / sizeof(sql_move[0]); i++)
		if (run(db, sql_move[i], from, into, err) != 0)
			return -1;
	if (unitalias_merge(db, from, into, &m->aliases, err) != 0)
		return -1;
	/* Today's counting rule, not schema-v3.sql's first one: that counted
	 * USB drives as computers (schema-v9.sql). */
	if (db_exec(db, sql_untouch, err) != 0 || counting_run(db, NULL, NULL, err) != 0)
		return -1;
	return db_exec(db, "DROP TABLE temp.rq_touched", err);
}

int unitops_merge(sqlite3 *db, const char *from, const char *into, struct unitops_merged *m,
		  rq_error *err)
{
	if (db_exec(db, "BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;", err) != 0)
		return -1;
	if (merge_steps(db, from, into, m, err) != 0 || db_exec(db, "COMMIT", err) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void put_esc(FILE *out, const char *s)
{
	char *esc = escape_name(s);
	fputs(esc ? esc : "?", out);
	free(esc);
}

/* `unit aliases`: code, the unit it leads to, the merge's date, the unit
 * it first went into; tab-separated, as unit list. */
static void put_alias(const char *code, const struct unitalias *a, void *ctx)
{
	FILE *out = ctx;

	put_esc(out, code);
	fputc('\t', out);
	put_esc(out, a->unit);
	fprintf(out, "\t%.10s\t", a->merged);
	put_esc(out, a->merged_into);
	fputc('\n', out);
}

int unitops_do(sqlite3 *db, const char *op, const char *a, const char *b, FILE *out, rq_error *err)
{
	struct unitops_merged m;

	if (strcmp(op, "rename") == 0) {
		if (unitops_rename(db, a, b, err) != 0)
			return -1;
		fputs("unit ", out);
		put_esc(out, a);
		fputs(" is now named ", out);
		put_esc(out, b);
		fputs("; sticks show the new name after raquet-sync update STICK\n", out);
	} else if (strcmp(op, "set-parent") == 0) {
		const char *parent = strcmp(b, "-") == 0 ? NULL : b;
		if (unitops_set_parent(db, a, parent, err) != 0)
			return -1;
		fputs("unit ", out);
		put_esc(out, a);
		fputs(parent ? " is now under " : " is now a top-level unit", out);
		if (parent)
			put_esc(out, parent);
		fputc('\n', out);
	} else if (strcmp(op, "delete") == 0) {
		if (unitops_delete(db, a, err) != 0)
			return -1;
		fputs("unit ", out);
		put_esc(out, a);
		fputs(" deleted\n", out);
	} else if (strcmp(op, "merge") == 0) {
		if (unitops_merge(db, a, b, &m, err) != 0)
			return -1;
		fputs("unit ", out);
		put_esc(out, a);
		fputs(" merged into ", out);
		put_esc(out, b);
		fprintf(
		    out,
		    ": %lld scan%s, %lld sample%s, %lld stick%s and %lld unit%s under it moved\n",
		    m.scans, S(m.scans), m.samples, S(m.samples), m.sticks, S(m.sticks), m.children,
		    S(m.children));
		fputs("code ", out);
		put_esc(out, a);
		fputs(" leads to ", out);
		put_esc(out, b);
		fputs(" from now on", out);
		if (m.aliases)
			fprintf(out, ", and so do the %lld code%s that led to it", m.aliases,
				S(m.aliases));
		fputs(" (raquet-sync unit aliases)\n", out);
		for (size_t i = 0; i < m.nstick_ids; i++)
			fprintf(
			    out,
			    "stick %s still lists the old unit: its records under it count in the "
			    "new one, flagged unit-merged; raquet-sync update it to show the new "
			    "unit\n",
			    m.stick_ids[i]);
	} else if (strcmp(op, "alias") == 0) {
		if (unitalias_add(db, a, b, err) != 0)
			return -1;
		fputs("code ", out);
		put_esc(out, a);
		fputs(" leads to ", out);
		put_esc(out, b);
		fputs(": import the sticks that still list it again to count their records "
		      "rejected before\n",
		      out);
	} else if (strcmp(op, "aliases") == 0) {
		return unitalias_list(db, put_alias, out, err) < 0 ? -1 : 0;
	} else {
		return rq_fail(err, "internal error: no unit command %s", op);
	}
	return 0;
}
