/* autoruns: the Windows persistence entries (Run keys, services, tasks...)
 * that the devices' latest scans found starting a detected file, and what
 * was done to them (docs/remediation.md). The IOC keeps each as an actions
 * row with action 'autorun' and the entry's JSON as detail. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "resultdoc.h"

#define AUTORUNS_LISTED 100000 /* rows in the sheet; the counts cover all */

static const char autoruns_sql[] =
    "SELECT l.unit, coalesce(l.computer, ''), json_extract(a.detail, '$.location'),"
    " json_extract(a.detail, '$.name'), json_extract(a.detail, '$.command'),"
    " json_extract(a.detail, '$.target'), json_extract(a.detail, '$.signature'), a.outcome,"
    " json_extract(a.detail, '$.detail')"
    " FROM rq_latest l JOIN actions a ON a.scan = l.scan"
    " WHERE a.action = 'autorun' AND json_valid(a.detail)"
    " AND json_extract(a.detail, '$.verdict') = 'detected'"
    " AND l.unit IN (SELECT code FROM rq_tree WHERE root = coalesce(:unit, ''))"
    " ORDER BY l.unit, l.key, a.id";

static int add_row(report *r, sqlite3_stmt *st, size_t *cap)
{
	rep_autorun *e;
	char **f;

	if (r->nautoruns == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		rep_autorun *p = realloc(r->autoruns, ncap * sizeof(*p));
		if (p == NULL)
			return -1;
		r->autoruns = p;
		*cap = ncap;
	}
	e = &r->autoruns[r->nautoruns];
	f = &e->unit;
	for (int i = 0; i < 9; i++)
		if ((f[i] = rep_column(st, i)) == NULL) {
			while (i-- > 0)
				free(f[i]);
			return -1;
		}
	r->nautoruns++;
	return 0;
}

int autoruns_collect(sqlite3 *db, report *r, rq_error *err)
{
	sqlite3_stmt *st = rep_prepare(db, autoruns_sql, "autoruns", err);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	if (rep_bind(db, st, r, r->unit_code, err) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 7);
		enum resultdoc_autorun_outcome out;
		if (resultdoc_autorun_outcome_parse(o, &out) == 0 && out == RESULTDOC_AR_CLEANED)
			r->autoruns_cleaned++;
		else
			r->autoruns_left++;
		if (r->nautoruns < AUTORUNS_LISTED && add_row(r, st, &cap) != 0) {
			sqlite3_finalize(st);
			return rq_fail(err, "out of memory");
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rep_db_fail(db, err, "autoruns");
}

void autoruns_free_report(report *r)
{
	for (size_t i = 0; i < r->nautoruns; i++) {
		char **f = &r->autoruns[i].unit;
		for (int k = 0; k < 9; k++)
			free(f[k]);
	}
	free(r->autoruns);
	r->autoruns = NULL;
	r->nautoruns = 0;
}
