/* counting: runs sync/counting.sql, the counting rule (a device counts once,
 * with its latest scan in the period, in that scan's unit), the one text
 * behind both raquet-sync import's refresh of ioc.db's report tables and
 * raquet-report's tables for a period. Linked into both programs; needs
 * only SQLite. */
#ifndef RAQUET_SYNC_COUNTING_H
#define RAQUET_SYNC_COUNTING_H

#include <sqlite3.h>

#include "rqerror.h"

/* sync/counting.sql byte for byte, generated from it by the Makefile. */
extern const char counting_sql[];

/* Counts the devices in temp.rq_touched into the tables rq_period,
 * rq_infected, rq_latest, rq_found and rq_detected (the first of each name
 * SQLite finds: the caller's temporary ones, else ioc.db's), over the scans
 * whose scan_date lies in [from, to]; from or to NULL leaves that end open.
 * Both are bound, never pasted in. Runs in the caller's transaction. */
int counting_run(sqlite3 *db, const char *from, const char *to, rq_error *err);

#endif
