/* totals: fills a report from ioc.db. The database is opened read-only;
 * the period's facts are first put in temporary tables (the connection's own
 * temp database, so nothing is written to ioc.db) that follow the rules of
 * docs/ioc-database.md exactly: a device counts once, with its latest scan
 * in the period, and belongs to that scan's unit. Template rows and facts.c
 * then read those tables for the scope and for each unit, which keeps a
 * province of 200 units a matter of index look-ups. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../sync/counting.h"
#include "report.h"

/* ---- SQL: the period's temporary tables ----
 * For the whole campaign (no --from, no --to) ioc.db has these tables
 * already (schema version 3, sync/schema-v3.sql: every import keeps them), and
 * the report reads them; for a period it makes its own in the temporary
 * database, which take their place under the same names: empty tables of
 * ioc.db's shapes, filled by the counting rule itself (sync/counting.sql,
 * the text every import runs) with :from and :to bound, for every device.
 * t5000, t5020 and t4120 check that the two agree. rq_tree is always made
 * here: units change without an import. */
static const char *const tree_sql[] = {
    "CREATE TEMP TABLE rq_tree AS SELECT root, code FROM unit_tree",
    /* The province as the root '': templates select their scope with
	 * `unit IN (SELECT code FROM rq_tree WHERE root = coalesce(:unit, ''))`,
	 * which SQLite answers through the unit indexes; an `:unit IS NULL OR`
	 * form made it scan the period once per unit (minutes at 100,000
	 * devices in 200 units). */
    "INSERT INTO rq_tree SELECT '', code FROM units",
    "CREATE INDEX temp.rq_tree_root ON rq_tree(root, code)",
};

/* sync/schema-v9.sql's rq_usb (the USB drives, apart from computers). */
#define USB_TABLE_SQL                                                                              \
	"CREATE TEMP TABLE rq_usb(device INTEGER PRIMARY KEY, scan INTEGER NOT NULL,"              \
	" stick TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, weak INTEGER NOT NULL,"    \
	" unit TEXT NOT NULL, scan_date TEXT NOT NULL, started_utc TEXT NOT NULL,"                 \
	" started TEXT NOT NULL, status TEXT NOT NULL, ndetections INTEGER NOT NULL,"              \
	" scans INTEGER NOT NULL, infected INTEGER NOT NULL, repaired INTEGER NOT NULL,"           \
	" files INTEGER NOT NULL)"

/* The shapes of sync/schema-v3.sql's tables (types and keys: counting.sql's
 * INSERT OR IGNORE relies on rq_latest's), without their indexes, made below
 * once the tables are full. But rq_period has no key: one run counts each
 * scan once, and keyed by scan its rows, which come in device order, cost a
 * period's report at 100,000 devices 0.15 s more CPU (tests/bench/report.sh). */
static const char *const period_tables_sql[] = {
    "CREATE TEMP TABLE rq_period(scan INTEGER NOT NULL, device INTEGER NOT NULL,"
    " unit TEXT NOT NULL, scan_date TEXT NOT NULL, status TEXT NOT NULL,"
    " ndetections INTEGER NOT NULL)",
    "CREATE TEMP TABLE rq_infected(device INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE rq_latest(device INTEGER PRIMARY KEY, scan INTEGER NOT NULL,"
    " stick TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, weak INTEGER NOT NULL,"
    " unit TEXT NOT NULL, scan_date TEXT NOT NULL, started_utc TEXT NOT NULL,"
    " started TEXT NOT NULL, status TEXT NOT NULL, ndetections INTEGER NOT NULL, computer TEXT,"
    " infected INTEGER NOT NULL)",
    "CREATE TEMP TABLE rq_found(device INTEGER NOT NULL, unit TEXT NOT NULL, path TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, handled INTEGER NOT NULL)",
    "CREATE TEMP TABLE rq_detected(device INTEGER NOT NULL, unit TEXT NOT NULL,"
    " signature TEXT NOT NULL, path TEXT NOT NULL)",
    USB_TABLE_SQL,
    /* A period counts every device (import: only those it touched). */
    "CREATE TEMP TABLE rq_touched(device INTEGER PRIMARY KEY)",
    "INSERT INTO rq_touched SELECT id FROM devices",
};

static const char *const period_index_sql[] = {
    "DROP TABLE temp.rq_touched",
    "CREATE INDEX temp.rq_period_unit ON rq_period(unit, scan_date)",
    "CREATE INDEX temp.rq_latest_unit ON rq_latest(unit, infected, status, weak)",
    "CREATE INDEX temp.rq_found_unit ON rq_found(unit, handled)",
    "CREATE INDEX temp.rq_found_device ON rq_found(device)",
    "CREATE INDEX temp.rq_detected_unit ON rq_detected(unit, signature)",
    "CREATE INDEX temp.rq_usb_unit ON rq_usb(unit)",
};

/* The whole campaign from an ioc.db older than schema-v9.sql without a
 * drive's scan: its tables are right, and it has no drives to count. */
static const char *const usb_standin_sql[] = {USB_TABLE_SQL};
/* Whether an ioc.db older than schema-v9.sql has a drive's scan, which its
 * campaign tables then count as a computer. */
static const char drives_sql[] =
    "SELECT EXISTS (SELECT 1 FROM scan_usb WHERE device_kind = 'removable')";

/* ---- SQL: the report's frame (bound: :unit, or a key) ---- */
static const char unit_sql[] = "SELECT u.name, coalesce(p.name, '') FROM units u"
			       " LEFT JOIN units p ON p.code = u.parent WHERE u.code = :unit";
static const char span_sql[] =
    "SELECT min(scan_date), max(scan_date) FROM rq_period"
    " WHERE unit IN (SELECT code FROM rq_tree WHERE root = coalesce(:unit, ''))";

int rep_db_fail(sqlite3 *db, rq_error *err, const char *what)
{
	return rq_fail(err, "%s: %s", what, sqlite3_errmsg(db));
}

sqlite3_stmt *rep_prepare(sqlite3 *db, const char *sql, const char *what, rq_error *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rep_db_fail(db, err, what);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static int bind_text(sqlite3 *db, sqlite3_stmt *st, const char *name, const char *v, rq_error *err)
{
	int i = sqlite3_bind_parameter_index(st, name);
	int rc;

	if (i == 0)
		return 0;
	rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
	return rc == SQLITE_OK ? 0 : rep_db_fail(db, err, name);
}

int rep_bind(sqlite3 *db, sqlite3_stmt *st, const report *r, const char *unit, rq_error *err)
{
	sqlite3_reset(st);
	if (sqlite3_clear_bindings(st) != SQLITE_OK)
		return rep_db_fail(db, err, "clear bindings");
	if (bind_text(db, st, ":from", r->from, err) != 0 ||
	    bind_text(db, st, ":to", r->to, err) != 0 || bind_text(db, st, ":unit", unit, err) != 0)
		return -1;
	return 0;
}

char *rep_column(sqlite3_stmt *st, int i)
{
	return rep_clean_text((const char *)sqlite3_column_text(st, i));
}

/* The report reads what schema version REPORT_SCHEMA has (scans_latest,
 * scans.computer, the campaign's rq_* tables); raquet-sync brings an older
 * ioc.db up to it, and the report, which only reads, says so rather than
 * doing it. Version 4 adds scan_flags, which the notes read; a version 3
 * database has no flags, so an empty one stands in for it. Version 5 adds
 * the office's settings (reports/settings.c reads them when they are there). */
#define REPORT_SCHEMA     3
#define REPORT_SCHEMA_MAX 9
/* The version of sync/schema-v9.sql: from it on the campaign's tables count
 * computers only and rq_usb the USB drives. */
#define REPORT_SCHEMA_DRIVES 9

static int check_version(sqlite3 *db, const char *path, int *version, rq_error *err)
{
	sqlite3_stmt *st = rep_prepare(db, "PRAGMA user_version", path, err);
	int v;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rep_db_fail(db, err, path);
	}
	v = sqlite3_column_int(st, 0);
	*version = v;
	sqlite3_finalize(st);
	if (v == 0)
		return rq_fail(err, "%s is not an IOC database (no schema version)", path);
	if (v < REPORT_SCHEMA)
		return rq_fail(err,
			       "%s has schema version %d; raquet-report reads version %d: run any "
			       "raquet-sync command on this IOC once (e.g. raquet-sync status) to "
			       "upgrade it",
			       path, v, REPORT_SCHEMA);
	if (v > REPORT_SCHEMA_MAX)
		return rq_fail(err,
			       "%s has schema version %d; this raquet-report knows up to %d "
			       "(use a newer raquet-report)",
			       path, v, REPORT_SCHEMA_MAX);
	if (v < 4 && sqlite3_exec(db, "CREATE TEMP TABLE scan_flags(scan, flag, detail)", NULL,
				  NULL, NULL) != SQLITE_OK)
		return rep_db_fail(db, err, path);
	/* Version 6 adds scan_usb (USB drives, repairs), which the notes read. */
	if (v < 6 && sqlite3_exec(db,
				  "CREATE TEMP TABLE scan_usb(scan, device_kind, repairs, "
				  "drives_repaired)",
				  NULL, NULL, NULL) != SQLITE_OK)
		return rep_db_fail(db, err, path);
	return 0;
}

static int open_db(const char *path, sqlite3 **db, int *version, rq_error *err)
{
	struct stat sb;

	*db = NULL;
	if (stat(path, &sb) != 0)
		return rq_fail_errno(err, errno, "cannot open IOC database %s", path);
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rq_fail(err, "cannot open IOC database %s: %s", path,
			*db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	/* Memory-mapped reads: no copy of each page through read(2), a quarter
	 * of the time a province's report spends building its tables. ioc.db
	 * only grows (raquet-sync never vacuums it), so the mapping is safe. */
	if (sqlite3_busy_timeout(*db, 10000) != SQLITE_OK ||
	    sqlite3_exec(*db, "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1073741824", NULL,
			 NULL, NULL) != SQLITE_OK)
		return rep_db_fail(*db, err, path);
	if (rep_sql_functions(*db, err) != 0)
		return -1;
	return check_version(*db, path, version, err);
}

static int run_setup(sqlite3 *db, const report *r, const char *path, const char *const *sql,
		     size_t n, rq_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = rep_prepare(db, sql[i], path, err);
		int rc;

		if (st == NULL) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return rq_fail(err, "%s (not an IOC database of schema version %d?)", msg,
				       REPORT_SCHEMA);
		}
		if (rep_bind(db, st, r, NULL, err) != 0) {
			sqlite3_finalize(st);
			return -1;
		}
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return rep_db_fail(db, err, "reading the period's scans");
	}
	return 0;
}

/* 1 when an ioc.db older than schema-v9.sql has a USB drive's scan, 0 when
 * not, -1 on error. */
static int drives_before_v9(sqlite3 *db, const char *path, rq_error *err)
{
	sqlite3_stmt *st = rep_prepare(db, drives_sql, path, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0
					    : rep_db_fail(db, err, path);
	sqlite3_finalize(st);
	return rc;
}

/* Everything is read in one read transaction: an import committing
 * meanwhile cannot make the rows disagree with each other. */
static int setup_period(sqlite3 *db, const report *r, const char *path, int version, rq_error *err)
{
	int stale = 0;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return rep_db_fail(db, err, "begin");
	if (run_setup(db, r, path, tree_sql, sizeof(tree_sql) / sizeof(tree_sql[0]), err) != 0)
		return -1;
	/* Before schema-v9.sql, ioc.db's tables count a USB drive as a
	 * computer and it has no rq_usb: with a drive's scan in it, the whole
	 * campaign is counted here as a period is (the report only reads;
	 * raquet-sync's upgrade recounts ioc.db itself). */
	if (version < REPORT_SCHEMA_DRIVES && (stale = drives_before_v9(db, path, err)) < 0)
		return -1;
	if (r->from == NULL && r->to == NULL && !stale) {
		if (version < REPORT_SCHEMA_DRIVES)
			return run_setup(db, r, path, usb_standin_sql, 1, err);
		return 0; /* the whole campaign: ioc.db's own rq_* tables */
	}
	if (run_setup(db, r, path, period_tables_sql,
		      sizeof(period_tables_sql) / sizeof(period_tables_sql[0]), err) != 0)
		return -1;
	if (counting_run(db, r->from, r->to, err) != 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return rq_fail(err, "reading the period's scans: %s", msg);
	}
	return run_setup(db, r, path, period_index_sql,
			 sizeof(period_index_sql) / sizeof(period_index_sql[0]), err);
}

/* One string from a one-row query with :unit or :key bound; *out stays NULL
 * when there is no row. */
static int query_strings(sqlite3 *db, const char *sql, const char *name, const char *v, char **out,
			 int nout, rq_error *err)
{
	sqlite3_stmt *st = rep_prepare(db, sql, "ioc.db", err);
	int rc, i;

	if (st == NULL)
		return -1;
	if (bind_text(db, st, name, v, err) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (i = 0; i < nout; i++)
			if (sqlite3_column_type(st, i) != SQLITE_NULL &&
			    (out[i] = rep_column(st, i)) == NULL)
				rc = SQLITE_NOMEM;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rep_db_fail(db, err, "ioc.db");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int frame(sqlite3 *db, report *r, const report_opts *o, rq_error *err)
{
	char *names[2] = {NULL, NULL}, *span[2] = {NULL, NULL};
	int rc;

	if (o->unit) {
		if (query_strings(db, unit_sql, ":unit", o->unit, names, 2, err) != 0)
			return -1;
		if (names[0] == NULL)
			return rq_fail(err, "unknown unit '%s' (not in the IOC database)", o->unit);
		r->unit_name = names[0];
	}
	if (query_strings(db, span_sql, ":unit", o->unit, span, 2, err) != 0) {
		free(names[1]);
		return -1;
	}
	r->period_first = span[0];
	r->period_last = span[1];
	/* The place, the header, the number, the signature (office.c). */
	rc = office_read(db, r, o, names[1], err);
	free(names[1]);
	if (rc != 0)
		return -1;
	if (o->unit == NULL) {
		sbuf b = {0};
		sb_add(&b, "Toàn địa bàn ");
		sb_add(&b, r->place);
		r->unit_name = b.p;
	}
	if (!r->unit_name)
		return rq_fail(err, "out of memory");
	return 0;
}

/* Runs one template row for unit (NULL: the whole province) into *c. */
static int run_row(sqlite3 *db, const report *r, sqlite3_stmt *value, sqlite3_stmt *note,
		   const char *unit, const char *label, size_t row, rep_cell *c, rq_error *err)
{
	sbuf nb = {0};
	int rc;

	memset(c, 0, sizeof(*c));
	if (rep_bind(db, value, r, unit, err) != 0)
		return -1;
	rc = sqlite3_step(value);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(value, 0) == SQLITE_INTEGER ||
		    sqlite3_column_type(value, 0) == SQLITE_NULL) {
			c->is_num = true;
			c->num = sqlite3_column_int64(value, 0);
		} else if ((c->text = rep_column(value, 0)) == NULL)
			return rq_fail(err, "out of memory");
	} else if (rc == SQLITE_DONE) {
		c->is_num = true; /* no row: nothing to count */
	} else
		return rq_fail(err, "template row %zu (%s): value: %s", row, label,
			       sqlite3_errmsg(db));
	sqlite3_reset(value);
	sb_add(&nb, "");
	if (note) {
		if (rep_bind(db, note, r, unit, err) != 0)
			return -1;
		while ((rc = sqlite3_step(note)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(note, 0);
			if (t == NULL || *t == '\0')
				continue;
			if (nb.len)
				sb_add(&nb, "; ");
			sb_add(&nb, t);
		}
		sqlite3_reset(note);
		if (rc != SQLITE_DONE) {
			sb_free(&nb);
			return rq_fail(err, "template row %zu (%s): note: %s", row, label,
				       sqlite3_errmsg(db));
		}
	}
	c->note = nb.oom ? NULL : rep_clean_text(nb.p);
	sb_free(&nb);
	return c->note ? 0 : rq_fail(err, "out of memory");
}

/* Prepares every row's queries first, so a broken template fails before
 * anything is computed, naming the row. */
static int run_template(sqlite3 *db, report *r, bool unit_rows, rq_error *err)
{
	size_t n = r->tpl.nrows, i, u, nunits = unit_rows ? r->nunits : 0;
	sqlite3_stmt **st = calloc(2 * n, sizeof(*st));
	int rc = -1;

	r->cells = calloc(n, sizeof(*r->cells));
	for (u = 0; u < nunits; u++)
		r->units[u].cells = calloc(n, sizeof(rep_cell));
	if (st == NULL || r->cells == NULL)
		return rq_fail(err, "out of memory");
	for (i = 0; i < n; i++) {
		rep_trow *t = &r->tpl.rows[i];
		if (sqlite3_prepare_v2(db, t->value_sql, -1, &st[2 * i], NULL) != SQLITE_OK ||
		    st[2 * i] == NULL) {
			rq_fail(err, "template row %zu (%s): value: %s", i + 1, t->label,
				st[2 * i] ? sqlite3_errmsg(db) : sqlite3_errmsg(db));
			goto out;
		}
		if (sqlite3_column_count(st[2 * i]) < 1) {
			rq_fail(err, "template row %zu (%s): value: the query returns no column",
				i + 1, t->label);
			goto out;
		}
		if (t->note_sql && *t->note_sql &&
		    sqlite3_prepare_v2(db, t->note_sql, -1, &st[2 * i + 1], NULL) != SQLITE_OK) {
			rq_fail(err, "template row %zu (%s): note: %s", i + 1, t->label,
				sqlite3_errmsg(db));
			goto out;
		}
		if ((!sqlite3_stmt_readonly(st[2 * i]) ||
		     (st[2 * i + 1] && !sqlite3_stmt_readonly(st[2 * i + 1])))) {
			rq_fail(err, "template row %zu (%s): a query may only read", i + 1,
				t->label);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const char *label = r->tpl.rows[i].label;
		if (run_row(db, r, st[2 * i], st[2 * i + 1], r->unit_code, label, i + 1,
			    &r->cells[i], err) != 0)
			goto out;
		for (u = 0; u < nunits; u++) {
			if (r->units[u].cells == NULL) {
				rq_fail(err, "out of memory");
				goto out;
			}
			if (run_row(db, r, st[2 * i], st[2 * i + 1], r->units[u].code, label, i + 1,
				    &r->units[u].cells[i], err) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < 2 * n; i++)
		sqlite3_finalize(st[i]);
	free(st);
	return rc;
}

static int set_date(report *r, const char *date, rq_error *err)
{
	time_t now;
	struct tm tm;

	if (date) {
		snprintf(r->date, sizeof(r->date), "%s", date);
		return 0;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(r->date, sizeof(r->date), "%Y-%m-%d", &tm) == 0)
		return rq_fail(err, "cannot tell today's date");
	return 0;
}

int report_build(report *r, const report_opts *o, rq_error *err)
{
	sqlite3 *db = NULL;
	int rc = -1, version = 0;

	memset(r, 0, sizeof(*r));
	r->from = o->from;
	r->to = o->to;
	r->unit_code = o->unit;
	if (set_date(r, o->date, err) != 0 || template_load(o->template, &r->tpl, err) != 0)
		return -1;
	if (open_db(o->ioc_db, &db, &version, err) != 0)
		goto out;
	if (setup_period(db, r, o->ioc_db, version, err) != 0 || frame(db, r, o, err) != 0 ||
	    facts_collect(db, r, o->top, o->devices, err) != 0 ||
	    autoruns_collect(db, r, err) != 0 || run_template(db, r, o->unit_rows, err) != 0)
		goto out;
	r->empty = r->total.scans == 0;
	r->assessment = draft_assessment(r);
	if (r->assessment == NULL) {
		rq_fail(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	return rc;
}

static void cell_free(rep_cell *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++) {
		free(c[i].text);
		free(c[i].note);
	}
	free(c);
}

void report_free(report *r)
{
	size_t i;

	cell_free(r->cells, r->tpl.nrows);
	for (i = 0; i < r->nunits; i++) {
		free(r->units[i].code);
		free(r->units[i].name);
		free(r->units[i].parent);
		cell_free(r->units[i].cells, r->tpl.nrows);
	}
	free(r->units);
	for (i = 0; i < r->nsigs; i++)
		free(r->sigs[i].name);
	free(r->sigs);
	for (i = 0; i < r->nreasons; i++)
		free(r->reasons[i].reason);
	free(r->reasons);
	free(r->days);
	for (i = 0; i < r->ndevices; i++)
		free(r->devices[i].key); /* and the other seven strings */
	free(r->devices);
	autoruns_free_report(r);
	template_free(&r->tpl);
	free(r->place);
	free(r->issuer_top);
	free(r->issuer);
	free(r->number);
	free(r->sign_authority);
	free(r->signer_title);
	free(r->signer);
	free(r->recipients);
	free(r->unit_name);
	free(r->period_first);
	free(r->period_last);
	free(r->assessment);
	memset(r, 0, sizeof(*r));
}
