/* unitalias: the codes of units merged away (sync/schema-v8.sql's
 * unit_aliases; docs/ioc-database.md, "Unit aliases"). `unit merge FROM
 * INTO` leaves FROM's code leading to INTO, so that a stick not yet updated,
 * which still records under FROM, has its records counted in INTO rather
 * than rejected. A code leads to a unit in one step: a merge re-points the
 * codes that led to the unit it merges away, and no alias code is ever a
 * unit code, so the aliases form no cycle. */
#ifndef RAQUET_SYNC_UNITALIAS_H
#define RAQUET_SYNC_UNITALIAS_H

#include <sqlite3.h>
#include <stdbool.h>

#include "rqerror.h"
#include "units.h"

struct unitalias {
	char unit[UNITS_CODE_MAX + 1];        /* where the code leads now */
	char merged_into[UNITS_CODE_MAX + 1]; /* the unit it first went into */
	char merged[32];                      /* when (the IOC's local time) */
	bool in_roster;                       /* unit is in the stick's roster */
};

/* 1 when code is an alias (a filled; in_roster tells whether stick's roster
 * holds the unit it leads to, false when stick is NULL), 0 when not, -1 on
 * error. */
int unitalias_find(sqlite3 *db, const char *code, const char *stick, struct unitalias *a,
		   rq_error *err);

/* Fails, saying where it leads, when code is an alias: a unit may not take
 * the code of one merged away (records under it count elsewhere). */
int unitalias_refuse(sqlite3 *db, const char *code, rq_error *err);

/* Inside unit merge's transaction: from leads to into from now on, and so
 * do the codes that led to from (*repointed: how many). */
int unitalias_merge(sqlite3 *db, const char *from, const char *into, long long *repointed,
		    rq_error *err);

/* `unit alias FROM INTO`: declares that FROM, a code that is no unit (one
 * merged by a raquet-sync older than unit_aliases), leads to the unit INTO.
 * Refuses a FROM that is a unit or already an alias, and an unknown INTO. */
int unitalias_add(sqlite3 *db, const char *from, const char *into, rq_error *err);

/* How many codes lead to unit. */
int unitalias_count(sqlite3 *db, const char *unit, long long *n, rq_error *err);

typedef void (*unitalias_fn)(const char *code, const struct unitalias *a, void *ctx);
/* Every alias, by code. */
int unitalias_list(sqlite3 *db, unitalias_fn fn, void *ctx, rq_error *err);

#endif
