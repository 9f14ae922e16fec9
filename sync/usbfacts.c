/* usbfacts: see usbfacts.h. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "resultdoc.h"
#include "usbfacts.h"

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int usbfacts_check(json_object *doc, struct usbfacts *f, rq_error *err)
{
	json_object *dev, *reps;
	const char **done;
	size_t n, ndone = 0;

	memset(f, 0, sizeof(*f));
	if (json_object_object_get_ex(doc, "device", &dev) &&
	    json_object_is_type(dev, json_type_object)) {
		enum resultdoc_device_kind kind;
		f->removable = resultdoc_device_kind_parse(str_member(dev, "kind"), &kind) == 0 &&
			       kind == RESULTDOC_REMOVABLE;
	}
	if (!json_object_object_get_ex(doc, "repairs", &reps) || reps == NULL)
		return 0;
	if (!json_object_is_type(reps, json_type_array))
		return rq_fail(err, "result.json: repairs: not an array");
	n = json_object_array_length(reps);
	if (n > USBFACTS_MAX_REPAIRS)
		return rq_fail(err, "result.json: repairs: more than %d", USBFACTS_MAX_REPAIRS);
	if ((done = calloc(n + 1, sizeof(*done))) == NULL)
		return rq_fail(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(reps, i);
		const char *vol = str_member(r, "volume");
		enum resultdoc_repair_kind kind;
		enum resultdoc_repair_outcome outcome;
		if (vol == NULL || resultdoc_repair_kind_parse(str_member(r, "kind"), &kind) != 0 ||
		    resultdoc_repair_outcome_parse(str_member(r, "outcome"), &outcome) != 0) {
			free(done);
			return rq_fail(err,
				       "result.json: repairs[%zu]: needs volume, a known kind "
				       "and a known outcome",
				       i);
		}
		if (outcome == RESULTDOC_DONE)
			done[ndone++] = vol;
	}
	/* Drives repaired: distinct volumes with a repair done. */
	qsort(done, ndone, sizeof(*done), cmp_str);
	for (size_t i = 0; i < ndone; i++)
		f->drives_repaired += i == 0 || strcmp(done[i], done[i - 1]) != 0;
	f->repairs = (int64_t)ndone;
	free(done);
	return 0;
}

int usbfacts_store(sqlite3 *db, const char *stick, int64_t seq, const struct usbfacts *f,
		   rq_error *err)
{
	static const char sql[] =
	    "INSERT INTO scan_usb(scan, device_kind, repairs, drives_repaired)"
	    " SELECT id, ?3, ?4, ?5 FROM scans WHERE stick = ?1 AND seq = ?2";
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "titii", stick, seq, f->removable ? "removable" : "computer",
		     f->repairs, f->drives_repaired);
	if (rc == 0)
		rc = db_done(db, st, err);
	sqlite3_finalize(st);
	return rc;
}
