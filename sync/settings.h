/* settings: what `raquet-sync settings list|set|unset` do (main.c's command
 * table parses them), the office's settings in
 * ioc.db's settings table (keys, defaults and checks: lib/office.h;
 * docs/report.md, "The office's settings"). */
#ifndef RAQUET_SYNC_SETTINGS_H
#define RAQUET_SYNC_SETTINGS_H

#include <sqlite3.h>
#include <stdio.h>

#include "rqerror.h"

/* Sets key (for one unit when unit is not NULL) to value, checked and
 * normalised (lib/office.c). An unknown key is refused with the list. */
int settings_set(sqlite3 *db, const char *key, const char *unit, const char *value, rq_error *err);

/* Removes the key's value: the default (or, for a unit, the office's value)
 * applies again. 1 when there was one, 0 when not, -1 on error. */
int settings_unset(sqlite3 *db, const char *key, const char *unit, rq_error *err);

/* Prints every key with its value or "(default)" default, then each unit's
 * own values, tab-separated, escaped (a list's lines joined with "; "). */
int settings_list(sqlite3 *db, FILE *out, rq_error *err);

#endif
