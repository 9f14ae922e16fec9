/* facts: the fixed numbers behind the assessment paragraph, the annex and
 * the charts, read from the period's temporary tables (totals.c): the units
 * in scope with the devices that belong to each (so the annex's columns add
 * up to the totals), the top signatures, why infected devices were not
 * cleaned, scans per day, and the devices with their latest scan. These do
 * not depend on the template: the paragraph must know what it is quoting. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---- SQL (bound: :from, :to, :unit; :top for signatures) ---- */
/* rq_tree holds every unit under the root '' too (totals.c), so one indexable
 * IN covers both a unit's subtree and the whole province. */
#define IN_SCOPE(col) "(" col " IN (SELECT code FROM rq_tree WHERE root = coalesce(:unit, '')))"

/* One pass per table, grouped by unit: each unit's own counts. */
static const char units_sql[] =
    "SELECT u.code, u.name, u.parent, u.informed, coalesce(p.scans, 0), coalesce(l.devices, 0),"
    " coalesce(l.infected, 0), coalesce(l.cleaned, 0), coalesce(l.not_cleaned, 0),"
    " coalesce(f.found, 0), coalesce(f.handled, 0), coalesce(l.weak, 0)"
    " FROM units u"
    " LEFT JOIN (SELECT unit, count(*) AS scans FROM rq_period GROUP BY unit) p ON p.unit = u.code"
    " LEFT JOIN (SELECT unit, count(*) AS devices, sum(infected) AS infected,"
    "   sum(infected AND status IN ('clean', 'cleaned')) AS cleaned,"
    "   sum(infected AND status NOT IN ('clean', 'cleaned')) AS not_cleaned, sum(weak) AS weak"
    "   FROM rq_latest GROUP BY unit) l ON l.unit = u.code"
    " LEFT JOIN (SELECT unit, count(*) AS found, sum(handled) AS handled FROM rq_found"
    "   GROUP BY unit) f ON f.unit = u.code"
    " WHERE " IN_SCOPE("u.code") " ORDER BY u.code";

static const char sigs_sql[] =
    "SELECT signature, count(DISTINCT device) AS devices, count(*) AS files"
    " FROM rq_detected WHERE " IN_SCOPE(
	"unit") " GROUP BY signature"
		" ORDER BY devices DESC, files DESC, signature LIMIT :top";

static const char reasons_sql[] =
    "SELECT reason, count(*) FROM (SELECT CASE"
    "  WHEN l.status = 'incomplete' THEN 'incomplete'"
    "  WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = l.scan AND a.outcome = 'needs-repair')"
    "    THEN 'needs-repair'"
    "  WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = l.scan AND a.outcome = 'failed')"
    "    THEN 'action-failed'"
    "  WHEN EXISTS (SELECT 1 FROM actions a WHERE a.scan = l.scan AND a.action = 'autorun'"
    "    AND a.outcome = 'not-cleaned')"
    "    THEN 'autorun-not-cleaned'"
    "  ELSE 'report-only' END AS reason"
    " FROM rq_latest l"
    " WHERE l.infected = 1 AND l.status NOT IN ('clean', 'cleaned') AND " IN_SCOPE(
	"l.unit") ")"
		  " GROUP BY reason ORDER BY count(*) DESC, reason";

/* Counted per unit and day first, in the order of rq_period's index on
 * (unit, scan_date), so only those few rows are sorted by day, not every
 * scan. */
static const char days_sql[] =
    "SELECT scan_date, sum(n) FROM (SELECT unit, scan_date, count(*) AS n FROM rq_period"
    " WHERE " IN_SCOPE("unit") " GROUP BY unit, scan_date) GROUP BY scan_date ORDER BY scan_date";

/* A USB drive's name from device.usb: "SanDisk (0781)", or the id alone. */
#define USB_FIELD(f)                                                                               \
	"CASE WHEN json_valid(d.identity) THEN json_extract(d.identity, '$.usb." f "') END"
#define USB_NAMED(name, id)                                                                        \
	"CASE WHEN " USB_FIELD(name) " IS NULL THEN " USB_FIELD(id) " ELSE " USB_FIELD(            \
	    name) " || coalesce(' (' || " USB_FIELD(id) " || ')', '') END"
#define USB_MAKER  USB_NAMED("manufacturer", "vendor_id")
#define USB_MODEL  USB_NAMED("product", "product_id")
#define USB_SERIAL USB_FIELD("serial")

/* The computer name is scans.computer (import takes it from the result
 * document); only infected devices have files in rq_found. The rows come
 * in unit order without a sorter (SQLite reads rq_latest along its unit
 * index, one scope unit after the other); sort_devices then sorts each
 * unit's run by key, in a third of the time one sort of the whole list by
 * unit and key took, and a fifth of the time SQLite's sorter takes. */
static const char devices_sql[] =
    "SELECT l.key, l.weak, l.unit, l.started, l.status, coalesce(l.computer, ''),"
    " CASE WHEN infected THEN (SELECT count(*) FROM rq_found f WHERE f.device = l.device)"
    "  ELSE 0 END,"
    /* the PC's maker, model and serial, as its latest import saw them
	 * (devices.identity is the result's device object, sync/merge.c;
	 * dmi_serial() reads the serial from it) */
    " coalesce(d.vendor, ''), coalesce(d.product, ''), d.identity, 0"
    " FROM rq_latest l JOIN devices d ON d.id = l.device WHERE " IN_SCOPE("l.unit")
    /* The USB drives (rq_usb: never counted as computers), with their USB
	 * identity from the station's result (device.usb, docs/result-format.md):
	 * maker and product as the drive names them, with the vendor and
	 * product ids, and the serial itself in the identity's column. A
	 * province has few drives, so json_extract costs nothing here. */
    " UNION ALL SELECT u.key, u.weak, u.unit, u.started, u.status, '', u.files,"
    " coalesce(" USB_MAKER ", ''), coalesce(" USB_MODEL ", ''), " USB_SERIAL ", 1"
    " FROM rq_usb u JOIN devices d ON d.id = u.device WHERE " IN_SCOPE("u.unit")
    /* each arm in unit order (SQLite merges them), so sort_devices
	 * only sorts each unit's run */
    " ORDER BY 3";

/* Runs sql with the scope bound, calling row() for each row. */
static int each_row(sqlite3 *db, report *r, const char *sql, const char *what, int top,
		    int (*row)(report *, sqlite3_stmt *, void *), void *ctx, rq_error *err)
{
	sqlite3_stmt *st = rep_prepare(db, sql, what, err);
	int rc, i;

	if (st == NULL)
		return -1;
	if (rep_bind(db, st, r, r->unit_code, err) != 0)
		goto fail;
	if ((i = sqlite3_bind_parameter_index(st, ":top")) > 0 &&
	    sqlite3_bind_int(st, i, top) != SQLITE_OK) {
		rep_db_fail(db, err, what);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(r, st, ctx) != 0) {
			rq_fail(err, "out of memory");
			goto fail;
		}
	if (rc != SQLITE_DONE) {
		rep_db_fail(db, err, what);
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

/* Grows *arr (of *n elements of size sz) by one zeroed element. The
 * capacity is the next power of two at or above *n, so 100,000 devices
 * take 17 reallocations, not 100,000. */
static void *push(void *arrp, size_t *n, size_t sz)
{
	void **arr = arrp;

	if ((*n & (*n - 1)) == 0) { /* *n is 0 or a power of two: full */
		size_t cap = *n ? 2 * *n : 1;
		char *p = realloc(*arr, cap * sz);
		if (p == NULL)
			return NULL;
		*arr = p;
	}
	char *p = *arr;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

static int unit_row(report *r, sqlite3_stmt *st, void *ctx)
{
	rep_unit *u = push(&r->units, &r->nunits, sizeof(*u));

	if (u == NULL)
		return -1;
	u->code = rep_column(st, 0);
	u->name = rep_column(st, 1);
	u->parent = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : rep_column(st, 2);
	u->informed = sqlite3_column_int(st, 3) != 0;
	u->own.scans = sqlite3_column_int64(st, 4);
	u->own.devices = sqlite3_column_int64(st, 5);
	u->own.infected = sqlite3_column_int64(st, 6);
	u->own.cleaned = sqlite3_column_int64(st, 7);
	u->own.not_cleaned = sqlite3_column_int64(st, 8);
	u->own.files_found = sqlite3_column_int64(st, 9);
	u->own.files_handled = sqlite3_column_int64(st, 10);
	u->own.weak = sqlite3_column_int64(st, 11);
	return u->code && u->name && (u->parent || sqlite3_column_type(st, 2) == SQLITE_NULL) ? 0
											      : -1;
}

static int sig_row(report *r, sqlite3_stmt *st, void *ctx)
{
	rep_sig *s = push(&r->sigs, &r->nsigs, sizeof(*s));

	if (s == NULL || (s->name = rep_column(st, 0)) == NULL)
		return -1;
	s->devices = sqlite3_column_int64(st, 1);
	s->files = sqlite3_column_int64(st, 2);
	return 0;
}

static int reason_row(report *r, sqlite3_stmt *st, void *ctx)
{
	rep_reason *x = push(&r->reasons, &r->nreasons, sizeof(*x));

	if (x == NULL || (x->reason = rep_column(st, 0)) == NULL)
		return -1;
	x->devices = sqlite3_column_int64(st, 1);
	return 0;
}

static int day_row(report *r, sqlite3_stmt *st, void *ctx)
{
	rep_day *d = push(&r->days, &r->ndays, sizeof(*d));
	const char *t = (const char *)sqlite3_column_text(st, 0);

	if (d == NULL)
		return -1;
	snprintf(d->date, sizeof(d->date), "%s", t ? t : "");
	d->scans = sqlite3_column_int64(st, 1);
	return 0;
}

/* The DMI serial in devices.identity, which sync/merge.c writes with json-c
 * as plain JSON ("product_serial":"..." once, in "dmi"): found with strstr
 * rather than parsed, as parsing 100,000 documents with json_extract costs
 * a fifth of a province's device list. The escapes json-c writes in a
 * string are undone; anything unexpected, or longer than SERIAL_MAX, gives
 * "" (the column is a help, not a count). Read into a buffer on the stack:
 * a scratch allocation per device was a twentieth of a province's XLSX. */
#define SERIAL_MAX 256

static void dmi_serial(sbuf *b, const char *identity)
{
	static const char key[] = "\"product_serial\":\"";
	const char *p = identity ? strstr(identity, key) : NULL;
	char v[SERIAL_MAX + 1];
	size_t n = 0;

	if (p == NULL)
		return;
	for (p += sizeof(key) - 1; *p && *p != '"' && n < SERIAL_MAX; p++) {
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\' && *p != '/')
				return;
		}
		v[n++] = *p;
	}
	if (*p == '"' && n > 0) {
		v[n] = '\0';
		sb_clean(b, v);
	}
}

/* A province has 100,000 devices: their eight strings are cleaned into a
 * scratch buffer kept from row to row (ctx), then copied into one block of
 * their exact size (d->key): one allocation per device. */
static int device_row(report *r, sqlite3_stmt *st, void *ctx)
{
	/* key, computer, unit, last scan, status, vendor, model, serial */
	static const int cols[8] = {0, 5, 2, 3, 4, 7, 8, 9};
	rep_device *d = push(&r->devices, &r->ndevices, sizeof(*d));
	sbuf *b = ctx;
	size_t at[8];
	char *p;

	if (d == NULL)
		return -1;
	b->len = 0;
	for (int i = 0; i < 8; i++) {
		at[i] = b->len;
		if (i == 7 && sqlite3_column_int(st, 10) == 0)
			dmi_serial(b, (const char *)sqlite3_column_text(st, cols[i]));
		else
			sb_clean(b, (const char *)sqlite3_column_text(st, cols[i]));
		sb_addn(b, "", 1);
	}
	if (b->oom || (p = malloc(b->len)) == NULL)
		return -1;
	memcpy(p, b->p, b->len);
	d->key = p;
	d->computer = p + at[1];
	d->unit = p + at[2];
	d->last_scan = p + at[3];
	d->status = p + at[4];
	d->vendor = p + at[5];
	d->model = p + at[6];
	d->serial = p + at[7];
	d->weak = sqlite3_column_int(st, 1) != 0;
	d->usb = sqlite3_column_int(st, 10) != 0;
	d->detections = sqlite3_column_int64(st, 6);
	return 0;
}

static int device_cmp(const void *a, const void *b)
{
	const rep_device *x = a, *y = b;
	int c = strcmp(x->unit, y->unit);

	if (c == 0)
		c = (int)x->usb - (int)y->usb; /* a unit's computers, then its drives */
	return c != 0 ? c : strcmp(x->key, y->key);
}

static int device_key_cmp(const void *a, const void *b)
{
	return strcmp(((const rep_device *)a)->key, ((const rep_device *)b)->key);
}

/* By unit, then key (device_cmp). The units are compared as cleaned, which
 * can order otherwise than SQLite's bytes when a code is not valid UTF-8:
 * then the whole list is sorted. */
static void sort_devices(report *r)
{
	rep_device *d = r->devices;
	size_t n = r->ndevices, i, run = 0;

	for (i = 1; i < n; i++)
		if (strcmp(d[i - 1].unit, d[i].unit) > 0) {
			qsort(d, n, sizeof(*d), device_cmp);
			return;
		}
	for (i = 1; i <= n; i++)
		if (i == n || strcmp(d[i].unit, d[run].unit) != 0) {
			if (i - run > 1)
				qsort(d + run, i - run, sizeof(*d), device_key_cmp);
			run = i;
		}
}

static bool in_list(const rep_unit *units, size_t n, const char *code)
{
	size_t i;

	for (i = 0; code && i < n; i++)
		if (strcmp(units[i].code, code) == 0)
			return true;
	return false;
}

/* Puts the units in tree order (each followed by the units under it, codes
 * in order at each level) and gives each its depth below the scope's top. */
static int tree_order(report *r)
{
	rep_unit *out = calloc(r->nunits ? r->nunits : 1, sizeof(*out));
	bool *done = calloc(r->nunits ? r->nunits : 1, sizeof(*done));
	size_t *stack = calloc(r->nunits ? r->nunits : 1, sizeof(*stack));
	size_t n = 0, sp = 0, i, j;

	if (!out || !done || !stack) {
		free(out), free(done), free(stack);
		return -1;
	}
	/* Roots: no parent, or a parent outside the scope. Push in reverse so
	 * the smallest code comes out first. */
	for (i = r->nunits; i-- > 0;)
		if (!in_list(r->units, r->nunits, r->units[i].parent))
			stack[sp++] = i, done[i] = true;
	while (sp > 0) {
		size_t k = stack[--sp];
		out[n++] = r->units[k];
		for (j = r->nunits; j-- > 0;)
			if (!done[j] && r->units[j].parent &&
			    strcmp(r->units[j].parent, r->units[k].code) == 0) {
				r->units[j].depth = r->units[k].depth + 1;
				stack[sp++] = j, done[j] = true;
			}
	}
	for (i = 0; i < r->nunits; i++) /* a cycle the schema let through */
		if (!done[i])
			out[n++] = r->units[i];
	free(r->units);
	r->units = out;
	free(done);
	free(stack);
	return 0;
}

static void sum_counts(report *r)
{
	size_t i;

	r->units_in_scope = (long long)r->nunits;
	for (i = 0; i < r->nunits; i++) {
		const rep_counts *c = &r->units[i].own;
		r->total.scans += c->scans;
		r->total.devices += c->devices;
		r->total.infected += c->infected;
		r->total.cleaned += c->cleaned;
		r->total.not_cleaned += c->not_cleaned;
		r->total.files_found += c->files_found;
		r->total.files_handled += c->files_handled;
		r->total.weak += c->weak;
		r->units_informed += r->units[i].informed;
		r->units_active += c->scans > 0;
	}
}

int facts_collect(sqlite3 *db, report *r, int top, bool devices, rq_error *err)
{
	sbuf scratch = {0};
	int rc;

	if (each_row(db, r, units_sql, "units", top, unit_row, NULL, err) != 0 ||
	    each_row(db, r, sigs_sql, "top signatures", top, sig_row, NULL, err) != 0 ||
	    each_row(db, r, reasons_sql, "reasons", top, reason_row, NULL, err) != 0 ||
	    each_row(db, r, days_sql, "scans per day", top, day_row, NULL, err) != 0)
		return -1;
	rc = devices ? each_row(db, r, devices_sql, "devices", top, device_row, &scratch, err) : 0;
	sb_free(&scratch);
	if (rc != 0)
		return -1;
	if (r->ndevices > 1)
		sort_devices(r);
	if (tree_order(r) != 0)
		return rq_fail(err, "out of memory");
	sum_counts(r);
	return 0;
}
