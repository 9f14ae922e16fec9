/* receipt: the IOC's signed receipt written to a stick (see receipt.h). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "ioc.h"
#include "receipt.h"
#include "stickdir.h"

/* ---- SQL ---- */
static const char sql_seqs[] =
    "SELECT seq FROM records WHERE stick = ?1 AND type = ?2 ORDER BY seq";
/* ---- end of SQL ---- */

static json_object *pair(uint64_t a, uint64_t b)
{
	json_object *p = json_object_new_array();
	json_object_array_add(p, json_object_new_int64((int64_t)a));
	json_object_array_add(p, json_object_new_int64((int64_t)b));
	return p;
}

/* Every number the IOC holds for this stick and type, as ranges. */
static json_object *ranges(struct ioc *ioc, const char *stick, const char *type, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(ioc->db, sql_seqs, err);
	json_object *a = json_object_new_array();
	uint64_t first = 0, last = 0;
	int rc;

	if (st == NULL || db_bind(ioc->db, st, err, "tt", stick, type) != 0) {
		sqlite3_finalize(st);
		json_object_put(a);
		return NULL;
	}
	while ((rc = db_row(ioc->db, st, err)) == 1) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
		if (first && seq == last + 1) {
			last = seq;
			continue;
		}
		if (first)
			json_object_array_add(a, pair(first, last));
		first = last = seq;
	}
	if (first)
		json_object_array_add(a, pair(first, last));
	sqlite3_finalize(st);
	if (rc < 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

int receipt_write(struct ioc *ioc, int rqfd, const struct import_report *rep, rq_error *err)
{
	json_object *doc = json_object_new_object(), *o, *res, *smp, *gaps, *rej;
	char now[32], name[KEYS_ID_HEX_LEN + 8];
	int rc = -1;

	ioc_now(now);
	json_object_object_add(doc, "format", json_object_new_string("raquet.receipt/1"));
	json_object_object_add(doc, "ioc", json_object_new_string(ioc->id_hex));
	json_object_object_add(doc, "stick", json_object_new_string(rep->stick));
	json_object_object_add(doc, "issued", json_object_new_string(now));
	o = json_object_new_object();
	json_object_object_add(o, "imported", json_object_new_int(rep->imported));
	json_object_object_add(o, "already_imported", json_object_new_int(rep->duplicates));
	json_object_object_add(o, "rejected", json_object_new_int(rep->rejected));
	json_object_object_add(doc, "import", o);
	if ((res = ranges(ioc, rep->stick, "result", err)) == NULL ||
	    (smp = ranges(ioc, rep->stick, "sample", err)) == NULL) {
		json_object_put(res);
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "result", res);
	json_object_object_add(o, "sample", smp);
	json_object_object_add(doc, "records", o);
	gaps = json_object_new_object();
	json_object_object_add(gaps, "result", json_object_new_array());
	json_object_object_add(gaps, "sample", json_object_new_array());
	for (size_t i = 0; i < rep->ngaps; i++) {
		json_object *a;
		json_object_object_get_ex(gaps, rep->gaps[i].type, &a);
		json_object_array_add(a, pair(rep->gaps[i].first, rep->gaps[i].last));
	}
	json_object_object_add(doc, "gaps", gaps);
	rej = json_object_new_array();
	for (size_t i = 0; i < rep->nfiles; i++) {
		if (rep->files[i].outcome != IMPORT_REJECTED)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(rep->files[i].name));
		json_object_object_add(o, "reason", json_object_new_string(rep->files[i].reason));
		json_object_array_add(rej, o);
	}
	json_object_object_add(doc, "rejected", rej);
	snprintf(name, sizeof(name), "%s.json", ioc->id_hex);
	if (ioc_mkdirat(rqfd, STICK_RECEIPTS, 0755, err) != 0)
		goto out;
	int fd = openat(rqfd, STICK_RECEIPTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rq_fail(err, "cannot open RAQUET/receipts");
		goto out;
	}
	rc = stickdir_write_signed_json(fd, name, doc, ioc->sk, err);
	close(fd);
out:
	json_object_put(doc);
	return rc;
}
