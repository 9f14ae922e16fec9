/* units: the province's units (cơ quan, đơn vị) in ioc.db: add one, import
 * a CSV file all or nothing, list them. New codes must match the unit code
 * pattern (sync/unitops.h: the electronic identifier, e.g. 000.00.12.H57,
 * or the office's setting); a parent must be a known unit, and parents
 * never form a cycle. */
#ifndef RAQUET_SYNC_UNITS_H
#define RAQUET_SYNC_UNITS_H

#include <sqlite3.h>
#include <stdbool.h>

#include "rqerror.h"

#define UNITS_CODE_MAX 64
#define UNITS_NAME_MAX 256

/* 1 when a unit has this code, 0 when none has, -1 on a database error. */
int units_exists(sqlite3 *db, const char *code, rq_error *err);

int units_add(sqlite3 *db, const char *code, const char *name, const char *parent, bool informed,
	      rq_error *err);

/* FILE.csv: header "code,name,parent,informed", then one unit a line (RFC
 * 4180 quoting; ';' instead of ',' when the header has it, as Excel writes
 * under Vietnamese regional settings; a UTF-8 BOM and CRLF are fine; parent
 * may be empty; informed 1/0, yes/no, true/false or empty). Existing codes are updated. A bad line fails the whole file with
 * its line number, and nothing is imported. *count gets the rows. */
int units_import_csv(sqlite3 *db, const char *path, int *count, rq_error *err);

typedef void (*units_row_fn)(const char *code, const char *name, const char *parent, bool informed,
			     void *ctx);
int units_list(sqlite3 *db, units_row_fn row, void *ctx, rq_error *err);

#endif
