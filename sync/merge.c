/* merge: checking result and sample documents and storing them (merge.h).
 * Every field is checked for presence, type and bounds before anything is
 * written; a document that does not match its schema is refused whole. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "db.h"
#include "ioc.h"
#include "isotime.h"
#include "jsonbound.h"
#include "merge.h"
#include "resultdoc.h"
#include "unitalias.h"
#include "usbfacts.h"

#define TEXT_MAX     65536
#define MAX_VOLUMES  1024
#define MAX_AUTORUNS 100000

/* ---- SQL ---- */
static const char *const sql[] = {
#define Q_ROSTER 0
    "SELECT 1 FROM stick_roster WHERE stick = ?1 AND unit = ?2",
#define Q_DEVICE 1
    "INSERT INTO devices(key, weak, vendor, product, identity, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT(key) DO UPDATE SET"
    " vendor = CASE WHEN excluded.last_seen >= last_seen THEN excluded.vendor ELSE vendor END,"
    " product = CASE WHEN excluded.last_seen >= last_seen THEN excluded.product ELSE product END,"
    " identity = CASE WHEN excluded.last_seen >= last_seen THEN excluded.identity"
    " ELSE identity END,"
    " first_seen = min(first_seen, excluded.first_seen),"
    " last_seen = max(last_seen, excluded.last_seen)"
    " RETURNING id",
#define Q_SCAN 2
    "INSERT INTO scans(stick, seq, device, unit, technician, started, started_utc, scan_date,"
    " finished, duration, mode_scan, mode_action, engine, signatures, db_version, files, bytes,"
    " errors, ndetections, status, document, log, computer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " coalesce(?23, substr(?6, 1, 10)), ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
    " ?20, ?21, ?22)",
#define Q_VOLUME 3
    "INSERT INTO volumes(scan, idx, path, device, filesystem, label, size, state, files, bytes,"
    " errors, skipped, excluded, changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?13, ?14)",
#define Q_DETECTION 4
    "INSERT INTO detections(scan, idx, path, path_escaped, signature, sha256, size)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
#define Q_ACTION 5
    "INSERT INTO actions(scan, detection, action, outcome, detail, sample)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
#define Q_SAMPLE 6
    "INSERT INTO samples(stick, seq, unit, path, signature, sha256, size, copied, stored,"
    " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
/* The checks of docs/ioc-database.md, "Flags". A date more than a day
 * before the stick was issued or after this import (?2, UTC); the day
 * allows for a PC that keeps local time and calls it UTC. */
#define Q_DATE 7
    "SELECT CASE WHEN julianday(?1) < julianday(issued) - 1 THEN 'date-before-issue'"
    " WHEN julianday(?1) > julianday(?2) + 1 THEN 'date-after-import' END,"
    " datetime(issued) FROM sticks WHERE id = ?3",
/* Where a flagged scan goes in its device's order: no later than anything
 * the stick did before it (its lower numbers) or its issue, so a date
 * nobody can check never puts it after another stick's scans. */
#define Q_FLOOR 8
    "SELECT max(coalesce((SELECT max(started_utc) FROM scans WHERE stick = ?1 AND seq < ?2), ''),"
    " (SELECT datetime(issued) FROM sticks WHERE id = ?1))",
/* The unit the device counts in now (that of its latest scan), and
 * whether another stick's scans put it there. */
#define Q_UNIT_NOW 9
    "SELECT s.unit, EXISTS (SELECT 1 FROM scans o WHERE o.device = ?1 AND o.unit = s.unit"
    " AND o.stick <> ?2) FROM scans s INDEXED BY scans_latest WHERE s.device = ?1"
    " ORDER BY s.started_utc DESC, s.stick DESC, s.seq DESC LIMIT 1",
/* The newest database set the stick had been given before this number. */
#define Q_GIVEN 10
    "SELECT version, given FROM stick_manifests WHERE stick = ?1 AND after_seq < ?2"
    " ORDER BY version DESC LIMIT 1",
#define Q_FLAG 11
    "INSERT OR IGNORE INTO scan_flags(scan, flag, detail) VALUES (?1, ?2, ?3)",
#define Q_AUTORUN 12
    "INSERT INTO autoruns(scan, idx, volume, kind, location, name, command, target, verdict,"
    " signature, action, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?13)",
};
/* ---- end of SQL ---- */
#define NSQL (sizeof(sql) / sizeof(sql[0]))

struct merge {
	sqlite3 *db;
	sqlite3_stmt *st[NSQL];
	char now_utc[20];  /* the import's time, "YYYY-MM-DD HH:MM:SS" UTC */
	char now_date[11]; /* ... and the IOC's local date, for a flagged date */
	/* the sample between merge_sample_check and merge_sample_store */
	json_object *meta;
	char sha[65];
	struct unitalias sample_via; /* its unit's alias, or unit "" */
};

struct merge *merge_new(sqlite3 *db, rq_error *err)
{
	struct merge *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		rq_fail(err, "out of memory");
		return NULL;
	}
	m->db = db;
	{
		time_t t = time(NULL);
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(m->now_utc, sizeof(m->now_utc), "%Y-%m-%d %H:%M:%S", &tm) == 0 ||
		    localtime_r(&t, &tm) == NULL ||
		    strftime(m->now_date, sizeof(m->now_date), "%Y-%m-%d", &tm) == 0) {
			free(m);
			rq_fail(err, "cannot read the clock");
			return NULL;
		}
	}
	for (size_t i = 0; i < NSQL; i++)
		if ((m->st[i] = db_prepare(db, sql[i], err)) == NULL) {
			merge_free(m);
			return NULL;
		}
	return m;
}

void merge_free(struct merge *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < NSQL; i++)
		sqlite3_finalize(m->st[i]);
	json_object_put(m->meta);
	free(m);
}

/* ---- schema checks ------------------------------------------------------ */

static int bad(rq_error *err, const char *doc, const char *field, const char *want)
{
	return rq_fail(err, "%s does not match its schema: %s must be %s", doc, field, want);
}

/* A member of type t (or null when nullable); *out NULL for null. */
static int member(json_object *o, const char *key, json_type t, bool nullable, json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	if (v == NULL)
		return nullable ? 0 : -1;
	if (t == json_type_double && json_object_is_type(v, json_type_int)) {
		*out = v;
		return 0;
	}
	if (!json_object_is_type(v, t))
		return -1;
	*out = v;
	return 0;
}

static int get_str(json_object *o, const char *key, bool nullable, const char **s)
{
	json_object *v;

	if (member(o, key, json_type_string, nullable, &v) != 0)
		return -1;
	*s = v ? json_object_get_string(v) : NULL;
	if (v && (json_object_get_string_len(v) > TEXT_MAX ||
		  strlen(*s) != (size_t)json_object_get_string_len(v)))
		return -1; /* too long, or a NUL inside */
	return 0;
}

static int get_int(json_object *o, const char *key, bool nullable, int64_t *n, bool *null)
{
	json_object *v;

	if (member(o, key, json_type_int, nullable, &v) != 0)
		return -1;
	if (null)
		*null = v == NULL;
	*n = v ? json_object_get_int64(v) : 0;
	return *n < 0 ? -1 : 0;
}

static int is_sha256(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

/* "YYYY-MM-DDTHH:MM:SS+HH:MM" (or Z): the UTC time as "YYYY-MM-DD HH:MM:SS". */
static int parse_time(const char *s, char utc[20])
{
	struct tm tm;
	int64_t secs;
	time_t t;

	if (isotime_parse(s, &secs) != 0)
		return -1;
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	strftime(utc, 20, "%Y-%m-%d %H:%M:%S", &tm);
	return 0;
}

/* The "record" member repeats the signed header. */
static int check_record(json_object *doc, const char *name, const char *stick,
			const record_header *h, const char *type, rq_error *err)
{
	json_object *r;
	const char *s, *t = NULL;
	int64_t seq;

	if (member(doc, "record", json_type_object, false, &r) != 0)
		return bad(err, name, "record", "an object {stick, seq, type, created}");
	if (get_str(r, "stick", false, &s) != 0 || get_int(r, "seq", false, &seq, NULL) != 0 ||
	    (json_object_object_get_ex(r, "type", NULL) && get_str(r, "type", false, &t) != 0))
		return bad(err, name, "record", "{stick: string, seq: integer, type: string}");
	if (strcmp(s, stick) != 0 || (uint64_t)seq != h->seq || (t && strcmp(t, type) != 0))
		return rq_fail(err,
			       "%s names stick %s %s %lld, but the signed header says stick %s "
			       "%s %llu",
			       name, s, t ? t : "?", (long long)seq, stick, type,
			       (unsigned long long)h->seq);
	return 0;
}

/* The unit must be in the stick's roster, or be the code of a unit merged
 * away whose code leads to a unit in the roster (via->unit then names it;
 * else it is ""). A merge moves every roster's entry for the unit it merges
 * away to the unit merged into (unitops.c), so a stick that was given FROM
 * holds INTO: the record counts where the stick may record anyway, and no
 * stick gains a unit through an alias (docs/ioc-database.md, "Unit
 * aliases"). */
static int check_unit(struct merge *m, const char *stick, const char *unit, struct unitalias *via,
		      rq_error *err)
{
	int rc;

	via->unit[0] = '\0';
	if (db_bind(m->db, m->st[Q_ROSTER], err, "tt", stick, unit) != 0)
		return MERGE_FAIL;
	if ((rc = db_row(m->db, m->st[Q_ROSTER], err)) < 0)
		return MERGE_FAIL;
	sqlite3_reset(m->st[Q_ROSTER]);
	if (rc == 1)
		return 0;
	if ((rc = unitalias_find(m->db, unit, stick, via, err)) < 0)
		return MERGE_FAIL;
	if (rc == 1 && via->in_roster)
		return 0;
	if (rc == 1) {
		rq_fail(err,
			"unit code %s is not in the stick's roster (it was merged into %s, which "
			"is not in it either)",
			unit, via->unit);
		via->unit[0] = '\0';
		return MERGE_REJECT;
	}
	return rq_fail(err, "unit code %s is not in the stick's roster", unit), MERGE_REJECT;
}

/* ---- results ------------------------------------------------------------ */

static const char *opt_str(json_object *o, const char *key)
{
	const char *s = NULL;
	return o && get_str(o, key, true, &s) == 0 ? s : NULL;
}

/* The computer name the scan found (scans.computer): the first Windows
 * installation's, where live mode puts it (device.windows, an array), or
 * NULL. sync/schema-v2.sql takes it from older rows the same way. */
static const char *computer_name(json_object *doc, json_object *device)
{
	json_object *w = NULL;

	if (device && json_object_object_get_ex(device, "windows", &w) &&
	    json_object_is_type(w, json_type_array))
		w = json_object_array_get_idx(w, 0);
	else if (w == NULL)
		json_object_object_get_ex(doc, "windows", &w);
	return json_object_is_type(w, json_type_object) ? opt_str(w, "computer_name") : NULL;
}

#define MAX_FLAGS 4 /* one date flag, old-database, unit-changed, unit-merged */

struct result {
	const char *unit, *technician, *started, *finished, *status;
	const char *mode_scan, *mode_action, *engine;
	const char *computer; /* or NULL */
	char started_utc[20], finished_utc[20];
	int64_t signatures, db_version, files, bytes, errors, ndet;
	int64_t manifest_version; /* -1: the result names none */
	bool db_version_null;
	/* What the import decided (docs/ioc-database.md, "Flags"). */
	char count_unit[128];  /* where the scan counts (scans.unit) */
	const char *scan_date; /* the period's date when flagged, else NULL */
	struct {
		const char *flag;
		char detail[320];
	} flags[MAX_FLAGS];
	size_t nflags;
	double duration;
	json_object *device, *volumes, *detections, *autoruns;
};

/* The document's words are checked against lib/resultdoc.h's tables; the
 * text itself is what ioc.db stores (schema.sql's CHECK lists, kept equal
 * to the tables by tests/unit/test_resultdoc.c). */
#define IS_WORD(type, s) (resultdoc_##type##_parse((s), &(enum resultdoc_##type){0}) == 0)

static int check_top(json_object *doc, struct result *r, rq_error *err)
{
	static const char *D = "result.json";
	json_object *o, *v;
	const char *s;

	if (get_str(doc, "format", false, &s) != 0 || strcmp(s, "raquet.result/1") != 0)
		return bad(err, D, "format", "\"raquet.result/1\"");
	if (get_str(doc, "unit", false, &r->unit) != 0 || *r->unit == '\0')
		return bad(err, D, "unit", "a unit code");
	if (get_str(doc, "technician", true, &r->technician) != 0)
		return bad(err, D, "technician", "a string or null");
	if (member(doc, "device", json_type_object, true, &r->device) != 0)
		return bad(err, D, "device", "an object or null");
	if (member(doc, "engine", json_type_object, false, &o) != 0 ||
	    get_str(o, "libclamav", false, &r->engine) != 0 ||
	    get_int(o, "signatures", false, &r->signatures, NULL) != 0 ||
	    get_int(o, "database_version", true, &r->db_version, &r->db_version_null) != 0)
		return bad(err, D, "engine", "{libclamav, signatures, database_version}");
	/* Since MANIFEST version 2: absent or null in older results. */
	r->manifest_version = -1;
	if (json_object_object_get_ex(o, "manifest_version", NULL)) {
		bool null;
		if (get_int(o, "manifest_version", true, &r->manifest_version, &null) != 0)
			return bad(err, D, "engine.manifest_version", "an integer >= 0 or null");
		if (null)
			r->manifest_version = -1;
	}
	if (member(doc, "mode", json_type_object, false, &o) != 0 ||
	    get_str(o, "scan", false, &r->mode_scan) != 0 || !IS_WORD(scan, r->mode_scan) ||
	    get_str(o, "action", false, &r->mode_action) != 0 || !IS_WORD(action, r->mode_action))
		return bad(err, D, "mode", "{scan: quick|full, action: report|quarantine|delete}");
	if (member(doc, "volumes", json_type_array, false, &r->volumes) != 0 ||
	    json_object_array_length(r->volumes) > MAX_VOLUMES)
		return bad(err, D, "volumes", "an array");
	if (member(doc, "detections", json_type_array, false, &r->detections) != 0)
		return bad(err, D, "detections", "an array");
	if (member(doc, "autoruns", json_type_array, false, &r->autoruns) != 0 ||
	    json_object_array_length(r->autoruns) > MAX_AUTORUNS)
		return bad(err, D, "autoruns", "an array");
	for (size_t i = 0; i < json_object_array_length(r->autoruns); i++) {
		json_object *a = json_object_array_get_idx(r->autoruns, i);
		if (!json_object_is_type(a, json_type_object) ||
		    get_str(a, "kind", false, &s) != 0 || !IS_WORD(autorun_kind, s) ||
		    get_str(a, "verdict", false, &s) != 0 || !IS_WORD(autorun_verdict, s) ||
		    get_str(a, "outcome", false, &s) != 0 || !IS_WORD(autorun_outcome, s))
			return bad(err, D, "autoruns[]",
				   "objects with a known kind, verdict and outcome");
	}
	if (member(doc, "totals", json_type_object, false, &o) != 0 ||
	    get_int(o, "files", false, &r->files, NULL) != 0 ||
	    get_int(o, "bytes", false, &r->bytes, NULL) != 0 ||
	    get_int(o, "detections", false, &r->ndet, NULL) != 0 ||
	    get_int(o, "errors", false, &r->errors, NULL) != 0)
		return bad(err, D, "totals", "{files, bytes, detections, errors} (integers >= 0)");
	if (get_str(doc, "started", false, &r->started) != 0 ||
	    parse_time(r->started, r->started_utc) != 0)
		return bad(err, D, "started", "an ISO 8601 time with its UTC offset");
	if (get_str(doc, "finished", false, &r->finished) != 0 ||
	    parse_time(r->finished, r->finished_utc) != 0)
		return bad(err, D, "finished", "an ISO 8601 time with its UTC offset");
	if (member(doc, "duration_seconds", json_type_double, false, &v) != 0 ||
	    (r->duration = json_object_get_double(v)) < 0)
		return bad(err, D, "duration_seconds", "a number >= 0");
	if (get_str(doc, "status", false, &r->status) != 0 || !IS_WORD(status, r->status))
		return bad(err, D, "status", "clean, cleaned, infected-not-cleaned or incomplete");
	if (r->ndet != (int64_t)json_object_array_length(r->detections))
		return bad(err, D, "totals.detections", "the number of detections");
	r->computer = computer_name(doc, r->device);
	if (r->device) {
		const char *id;
		if (get_str(r->device, "id", false, &id) != 0 || !is_sha256(id) ||
		    member(r->device, "weak", json_type_boolean, false, &v) != 0)
			return bad(err, D, "device", "{id: 64 hex digits, weak: boolean, ...}");
	}
	return 0;
}

static int check_volume(json_object *v, size_t i, rq_error *err)
{
	static const char *const ints[] = {"files",   "bytes",    "errors",
					   "skipped", "excluded", "changed"};
	static const char *const strs[] = {"device", "filesystem", "label"};
	const char *s;
	int64_t n;
	char f[48];

	snprintf(f, sizeof(f), "volumes[%zu]", i);
	if (!json_object_is_type(v, json_type_object) || get_str(v, "path", false, &s) != 0 ||
	    get_str(v, "state", false, &s) != 0 || !IS_WORD(state, s) ||
	    get_int(v, "size", true, &n, NULL) != 0)
		return bad(err, "result.json", f, "an object {path, state, size, files, ...}");
	for (size_t k = 0; k < 6; k++)
		if (get_int(v, ints[k], false, &n, NULL) != 0)
			return bad(err, "result.json", f, "an object with integer counts >= 0");
	for (size_t k = 0; k < 3; k++)
		if (get_str(v, strs[k], true, &s) != 0)
			return bad(err, "result.json", f,
				   "an object with device, filesystem, label");
	return 0;
}

static int check_detection(json_object *d, size_t i, rq_error *err)
{
	json_object *v;
	const char *s;
	int64_t n;
	char f[48];

	snprintf(f, sizeof(f), "detections[%zu]", i);
	if (!json_object_is_type(d, json_type_object) || get_str(d, "path", false, &s) != 0 ||
	    member(d, "path_escaped", json_type_boolean, false, &v) != 0 ||
	    get_str(d, "signature", false, &s) != 0 || *s == '\0' ||
	    get_str(d, "sha256", true, &s) != 0 || (s && !is_sha256(s)) ||
	    get_int(d, "size", false, &n, NULL) != 0 || get_str(d, "outcome", false, &s) != 0 ||
	    !IS_WORD(outcome, s) || get_str(d, "detail", true, &s) != 0 ||
	    (json_object_object_get_ex(d, "sample", NULL) && get_str(d, "sample", true, &s) != 0))
		return bad(err, "result.json", f,
			   "{path, path_escaped, signature, sha256, size, outcome, detail}");
	return 0;
}

/* ---- flags (docs/ioc-database.md, "Flags") ----------------------------- */

static void add_flag(struct result *r, const char *flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_flag(struct result *r, const char *flag, const char *fmt, ...)
{
	va_list ap;

	if (r->nflags == MAX_FLAGS)
		return;
	r->flags[r->nflags].flag = flag;
	va_start(ap, fmt);
	vsnprintf(r->flags[r->nflags].detail, sizeof(r->flags[0].detail), fmt, ap);
	va_end(ap);
	r->nflags++;
}

/* A date a PC clock wrote is evidence, not truth: one more than a day
 * before the stick was issued or after this import is flagged, and the
 * scan is ordered no later than what its stick did before it (Q_FLOOR) and
 * counted in the period of the import's date. The result is kept as it
 * came; started_utc and scan_date are what the IOC orders and counts by. */
static int check_date(struct merge *m, const char *stick, const record_header *h, struct result *r,
		      rq_error *err)
{
	sqlite3_stmt *st = m->st[Q_DATE];
	const char *flag;
	char issued[20];
	int rc;

	if (db_bind(m->db, st, err, "ttt", r->started_utc, m->now_utc, stick) != 0 ||
	    (rc = db_row(m->db, st, err)) < 0)
		return MERGE_FAIL;
	if (rc == 0)
		return rq_fail(err, "database: stick %s is not registered", stick), MERGE_FAIL;
	flag = strcmp(db_text(st, 0), "date-before-issue") == 0   ? "date-before-issue"
	       : strcmp(db_text(st, 0), "date-after-import") == 0 ? "date-after-import"
								  : NULL;
	snprintf(issued, sizeof(issued), "%s", db_text(st, 1));
	sqlite3_reset(st);
	if (flag == NULL)
		return 0;
	add_flag(r, flag,
		 "the result says it started at %s UTC; its stick was issued at %s UTC "
		 "and this import ran at %s UTC",
		 r->started_utc, issued, m->now_utc);
	st = m->st[Q_FLOOR];
	if (db_bind(m->db, st, err, "ti", stick, (int64_t)h->seq) != 0 ||
	    (rc = db_row(m->db, st, err)) < 0)
		return MERGE_FAIL;
	snprintf(r->started_utc, sizeof(r->started_utc), "%s",
		 rc == 1 && strlen(db_text(st, 0)) == 19 ? db_text(st, 0) : m->now_utc);
	sqlite3_reset(st);
	r->scan_date = m->now_date;
	return 0;
}

/* A device that another stick's scans put in one unit is not moved to
 * another by this stick's result: the scan counts where the device was,
 * flagged with the unit it gave. */
static int check_unit_change(struct merge *m, const char *stick, int64_t device, struct result *r,
			     rq_error *err)
{
	sqlite3_stmt *st = m->st[Q_UNIT_NOW];
	int rc;

	snprintf(r->count_unit, sizeof(r->count_unit), "%s", r->unit);
	if (db_bind(m->db, st, err, "it", device, stick) != 0 || (rc = db_row(m->db, st, err)) < 0)
		return MERGE_FAIL;
	if (rc == 1 && strcmp(db_text(st, 0), r->unit) != 0 && sqlite3_column_int(st, 1) != 0 &&
	    strlen(db_text(st, 0)) < sizeof(r->count_unit)) {
		snprintf(r->count_unit, sizeof(r->count_unit), "%s", db_text(st, 0));
		add_flag(r, "unit-changed",
			 "the result puts the device in unit %s; other sticks' scans had it in %s, "
			 "where it stays counted",
			 r->unit, r->count_unit);
	}
	if (rc == 1)
		sqlite3_reset(st);
	return 0;
}

/* A result numbered after the stick was given a database set must name
 * that set or a later one; naming none counts as older. */
static int check_manifest(struct merge *m, const char *stick, const record_header *h,
			  struct result *r, rq_error *err)
{
	sqlite3_stmt *st = m->st[Q_GIVEN];
	int64_t given;
	int rc;

	if (db_bind(m->db, st, err, "ti", stick, (int64_t)h->seq) != 0 ||
	    (rc = db_row(m->db, st, err)) < 0)
		return MERGE_FAIL;
	if (rc == 0)
		return 0;
	given = sqlite3_column_int64(st, 0);
	if (r->manifest_version < given) {
		char used[48] = "no database version";
		if (r->manifest_version >= 0)
			snprintf(used, sizeof(used), "database version %lld",
				 (long long)r->manifest_version);
		add_flag(r, "old-database",
			 "the result names %s; the IOC gave the stick version %lld on %s", used,
			 (long long)given, db_text(st, 1));
	}
	sqlite3_reset(st);
	return 0;
}

/* A result under the code of a unit merged away counts in the unit the code
 * leads to (via), flagged with both and the merge's date. */
static void note_merged(struct result *r, const struct unitalias *via)
{
	if (strcmp(via->merged_into, via->unit) == 0)
		add_flag(r, "unit-merged",
			 "recorded under unit %s, counted in %s after the merge of %.10s", r->unit,
			 via->unit, via->merged);
	else
		add_flag(r, "unit-merged",
			 "recorded under unit %s, merged into %s on %.10s; counted in %s, where "
			 "that unit went since",
			 r->unit, via->merged_into, via->merged, via->unit);
	r->unit = via->unit;
}

static int insert_flags(struct merge *m, int64_t scan, const struct result *r, rq_error *err)
{
	for (size_t i = 0; i < r->nflags; i++)
		if (db_bind(m->db, m->st[Q_FLAG], err, "itt", scan, r->flags[i].flag,
			    r->flags[i].detail) != 0 ||
		    db_done(m->db, m->st[Q_FLAG], err) != 0)
			return -1;
	return 0;
}

static int insert_device(struct merge *m, const char *stick, const record_header *h,
			 const struct result *r, int64_t *id, rq_error *err)
{
	json_object *dmi = NULL, *weak = NULL;
	const char *key = NULL, *ident = NULL;
	char own[64];
	bool is_weak = true;
	int rc;

	if (r->device) {
		json_object_object_get_ex(r->device, "weak", &weak);
		json_object_object_get_ex(r->device, "dmi", &dmi);
		is_weak = json_object_get_boolean(weak);
		key = opt_str(r->device, "id");
		ident = json_object_to_json_string_ext(
		    r->device, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
	/* A weak or missing id is never merged with another scan. */
	if (is_weak) {
		snprintf(own, sizeof(own), "scan:%s-%llu", stick, (unsigned long long)h->seq);
		key = own;
	}
	if (db_bind(m->db, m->st[Q_DEVICE], err, "tittts", key, (int64_t)is_weak,
		    opt_str(dmi, "sys_vendor"), opt_str(dmi, "product_name"), ident, r->started_utc,
		    (int)strlen(r->started_utc)) != 0 ||
	    (rc = db_row(m->db, m->st[Q_DEVICE], err)) < 0)
		return MERGE_FAIL;
	if (rc == 0)
		return rq_fail(err, "database: no device id returned"), MERGE_FAIL;
	*id = sqlite3_column_int64(m->st[Q_DEVICE], 0);
	sqlite3_reset(m->st[Q_DEVICE]);
	return 0;
}

static int insert_volumes(struct merge *m, int64_t scan, json_object *vols, rq_error *err)
{
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i), *x;
		int64_t n[7] = {0};
		bool size_null = true;
		static const char *const ints[] = {"files",   "bytes",    "errors",
						   "skipped", "excluded", "changed"};
		get_int(v, "size", true, &n[6], &size_null);
		for (int k = 0; k < 6; k++)
			get_int(v, ints[k], false, &n[k], NULL);
		json_object_object_get_ex(v, "size", &x);
		if (db_bind(m->db, m->st[Q_VOLUME], err, "iitttt", scan, (int64_t)i,
			    opt_str(v, "path"), opt_str(v, "device"), opt_str(v, "filesystem"),
			    opt_str(v, "label")) != 0)
			return -1;
		if ((size_null ? sqlite3_bind_null(m->st[Q_VOLUME], 7)
			       : sqlite3_bind_int64(m->st[Q_VOLUME], 7, n[6])) != SQLITE_OK ||
		    sqlite3_bind_text(m->st[Q_VOLUME], 8, opt_str(v, "state"), -1,
				      SQLITE_TRANSIENT) != SQLITE_OK)
			return db_fail(m->db, err, "database");
		for (int k = 0; k < 6; k++)
			if (sqlite3_bind_int64(m->st[Q_VOLUME], 9 + k, n[k]) != SQLITE_OK)
				return db_fail(m->db, err, "database");
		if (db_done(m->db, m->st[Q_VOLUME], err) != 0)
			return -1;
	}
	return 0;
}

static int insert_detections(struct merge *m, int64_t scan, const struct result *r, rq_error *err)
{
	for (size_t i = 0; i < json_object_array_length(r->detections); i++) {
		json_object *d = json_object_array_get_idx(r->detections, i), *esc;
		int64_t size = 0;
		get_int(d, "size", false, &size, NULL);
		json_object_object_get_ex(d, "path_escaped", &esc);
		if (db_bind(m->db, m->st[Q_DETECTION], err, "iititti", scan, (int64_t)i,
			    opt_str(d, "path"), (int64_t)json_object_get_boolean(esc),
			    opt_str(d, "signature"), opt_str(d, "sha256"), size) != 0 ||
		    db_done(m->db, m->st[Q_DETECTION], err) != 0)
			return -1;
		if (db_bind(m->db, m->st[Q_ACTION], err, "iitttt", scan,
			    sqlite3_last_insert_rowid(m->db), r->mode_action, opt_str(d, "outcome"),
			    opt_str(d, "detail"), opt_str(d, "sample")) != 0 ||
		    db_done(m->db, m->st[Q_ACTION], err) != 0)
			return -1;
	}
	for (size_t i = 0; i < json_object_array_length(r->autoruns); i++) {
		json_object *a = json_object_array_get_idx(r->autoruns, i);
		const char *outcome = opt_str(a, "outcome"); /* checked by check_top */
		if (db_bind(m->db, m->st[Q_ACTION], err, "intttn", scan, "autorun", outcome,
			    json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN)) != 0 ||
		    db_done(m->db, m->st[Q_ACTION], err) != 0)
			return -1;
		if (db_bind(m->db, m->st[Q_AUTORUN], err, "iittttttttttt", scan, (int64_t)i,
			    opt_str(a, "volume"), opt_str(a, "kind"), opt_str(a, "location"),
			    opt_str(a, "name"), opt_str(a, "command"), opt_str(a, "target"),
			    opt_str(a, "verdict"), opt_str(a, "signature"), opt_str(a, "action"),
			    outcome, opt_str(a, "detail")) != 0 ||
		    db_done(m->db, m->st[Q_AUTORUN], err) != 0)
			return -1;
	}
	return 0;
}

static int insert_scan(struct merge *m, const char *stick, const record_header *h, struct result *r,
		       const char *json, size_t len, const char *log, size_t loglen, rq_error *err)
{
	sqlite3_stmt *st = m->st[Q_SCAN];
	int64_t device, scan;
	int rc;

	if ((rc = check_date(m, stick, h, r, err)) != 0 ||
	    (rc = check_manifest(m, stick, h, r, err)) != 0 ||
	    (rc = insert_device(m, stick, h, r, &device, err)) != 0 ||
	    (rc = check_unit_change(m, stick, device, r, err)) != 0)
		return rc;
	if (db_bind(m->db, st, err, "tiitttttdttti", stick, (int64_t)h->seq, device, r->count_unit,
		    r->technician, r->started, r->started_utc, r->finished, r->duration,
		    r->mode_scan, r->mode_action, r->engine, r->signatures) != 0)
		return MERGE_FAIL;
	if ((r->db_version_null ? sqlite3_bind_null(st, 14)
				: sqlite3_bind_int64(st, 14, r->db_version)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 15, r->files) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 16, r->bytes) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 17, r->errors) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 18, r->ndet) != SQLITE_OK ||
	    sqlite3_bind_text(st, 19, r->status, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 20, json, (int)len, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 21, log ? log : "", log ? (int)loglen : 0, SQLITE_TRANSIENT) !=
		SQLITE_OK ||
	    sqlite3_bind_text(st, 22, r->computer, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 23, r->scan_date, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return db_fail(m->db, err, "database"), MERGE_FAIL;
	if (db_done(m->db, st, err) != 0)
		return MERGE_FAIL;
	scan = sqlite3_last_insert_rowid(m->db);
	if (insert_flags(m, scan, r, err) != 0 || insert_volumes(m, scan, r->volumes, err) != 0 ||
	    insert_detections(m, scan, r, err) != 0)
		return MERGE_FAIL;
	return 0;
}

int merge_result(struct merge *m, const char *stick, const record_header *h, const char *json,
		 size_t len, const char *log, size_t loglen, rq_error *err)
{
	struct result r = {0};
	struct usbfacts usb;
	struct unitalias via;
	json_object *doc = jsonbound_parse(json, len, &jsonbound_result, "result.json", err);
	int rc = MERGE_REJECT;

	if (doc == NULL)
		return MERGE_REJECT;
	if (check_record(doc, "result.json", stick, h, "result", err) != 0 ||
	    check_top(doc, &r, err) != 0)
		goto out;
	for (size_t i = 0; i < json_object_array_length(r.volumes); i++)
		if (check_volume(json_object_array_get_idx(r.volumes, i), i, err) != 0)
			goto out;
	for (size_t i = 0; i < json_object_array_length(r.detections); i++)
		if (check_detection(json_object_array_get_idx(r.detections, i), i, err) != 0)
			goto out;
	if (usbfacts_check(doc, &usb, err) != 0 ||
	    (rc = check_unit(m, stick, r.unit, &via, err)) != 0)
		goto out;
	if (*via.unit)
		note_merged(&r, &via);
	rc = insert_scan(m, stick, h, &r, json, len, log, loglen, err);
	if (rc == 0 && usbfacts_store(m->db, stick, (int64_t)h->seq, &usb, err) != 0)
		rc = MERGE_FAIL;
out:
	json_object_put(doc);
	return rc;
}

/* ---- samples ------------------------------------------------------------ */

int merge_sample_check(struct merge *m, const char *stick, const record_header *h, const char *json,
		       size_t len, const unsigned char *bin, size_t binlen, char sha_out[65],
		       rq_error *err)
{
	static const char *D = "meta.json";
	unsigned char md[crypto_hash_sha256_BYTES];
	json_object *doc = jsonbound_parse(json, len, &jsonbound_meta, D, err), *v;
	const char *s, *unit, *sha;
	int64_t size = 0;
	int rc = MERGE_REJECT;

	sha_out[0] = '\0';
	json_object_put(m->meta);
	m->meta = NULL;
	if (doc == NULL)
		return MERGE_REJECT;
	if (get_str(doc, "format", false, &s) != 0 || strcmp(s, "raquet.sample/1") != 0) {
		bad(err, D, "format", "\"raquet.sample/1\"");
		goto out;
	}
	if (check_record(doc, D, stick, h, "sample", err) != 0)
		goto out;
	if (get_str(doc, "unit", true, &unit) != 0 || get_str(doc, "path", false, &s) != 0 ||
	    get_str(doc, "signature", false, &s) != 0 || get_str(doc, "sha256", false, &sha) != 0 ||
	    !is_sha256(sha) || get_int(doc, "size", false, &size, NULL) != 0 ||
	    member(doc, "copied", json_type_boolean, false, &v) != 0) {
		bad(err, D, "meta.json", "{unit, path, signature, sha256, size, copied}");
		goto out;
	}
	m->sample_via.unit[0] = '\0';
	if (unit && (rc = check_unit(m, stick, unit, &m->sample_via, err)) != 0)
		goto out;
	rc = MERGE_REJECT;
	if (json_object_get_boolean(v)) {
		if (bin == NULL || (uint64_t)binlen != (uint64_t)size) {
			rq_fail(err, "sample.bin is missing or not %lld bytes", (long long)size);
			goto out;
		}
		crypto_hash_sha256(md, bin, binlen);
		sodium_bin2hex(sha_out, 65, md, sizeof(md));
		if (strcmp(sha_out, sha) != 0) {
			rq_fail(err, "sample.bin does not have the sha256 meta.json gives");
			sha_out[0] = '\0';
			goto out;
		}
	}
	m->meta = doc;
	doc = NULL;
	rc = 0;
out:
	json_object_put(doc);
	return rc;
}

int merge_sample_store(struct merge *m, const char *stick, const record_header *h,
		       const char *stored, rq_error *err)
{
	json_object *copied;
	char created[32];
	int64_t size = 0;

	if (m->meta == NULL)
		return rq_fail(err, "internal error: no sample checked"), MERGE_FAIL;
	ioc_time(h->created, created);
	get_int(m->meta, "size", false, &size, NULL);
	json_object_object_get_ex(m->meta, "copied", &copied);
	/* A unit merged away: the unit its code leads to, as for its result. */
	if (db_bind(m->db, m->st[Q_SAMPLE], err, "tittttiitt", stick, (int64_t)h->seq,
		    *m->sample_via.unit ? m->sample_via.unit : opt_str(m->meta, "unit"),
		    opt_str(m->meta, "path"), opt_str(m->meta, "signature"),
		    opt_str(m->meta, "sha256"), size, (int64_t)json_object_get_boolean(copied),
		    stored, created) != 0 ||
	    db_done(m->db, m->st[Q_SAMPLE], err) != 0)
		return MERGE_FAIL;
	json_object_put(m->meta);
	m->meta = NULL;
	return 0;
}
