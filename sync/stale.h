/* stale: which active sticks carry signature databases N days old or older
 * (raquet-sync status --stale-days N). The freshclam timer runs it after a
 * refresh so the operator is told which sticks need `raquet-sync update`;
 * docs/office-guide.md, "Fresh signatures on a timer". */
#ifndef RAQUET_SYNC_STALE_H
#define RAQUET_SYNC_STALE_H

#include <stdio.h>

#include <sqlite3.h>

#include "rqerror.h"

/* The most days --stale-days accepts: a hundred years is "never updated". */
#define STALE_MAX_DAYS 36500

/* Parses N: decimal digits only, 0 to STALE_MAX_DAYS. */
int stale_parse_days(const char *arg, int *days, rq_error *err);

/* `status --stale-days N`: one line per active stick of the IOC's database
 * db whose databases are at least days whole days old, then a summary line,
 * to out. Returns how many sticks are stale, or -1 with err set. */
int stale_report(sqlite3 *db, int days, FILE *out, rq_error *err);

#endif
