/* unitops: units that change after the roster was made (issue 13): the
 * check every new unit code passes (the national electronic identifier
 * format, or the office's unit-code-pattern setting), parent cycles, and
 * `raquet-sync unit rename|set-parent|delete|merge`. docs/office-guide.md,
 * "Units that change", explains the rules to the operator. */
#ifndef RAQUET_SYNC_UNITOPS_H
#define RAQUET_SYNC_UNITOPS_H

#include <regex.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>

#include "rqerror.h"

/* Mã định danh điện tử of an agency (Decision 20/2020/QĐ-TTg): four groups,
 * lowest level first, the province's or ministry's code last
 * (000.00.12.H57: unit 12 of level 2 under H57, Thừa Thiên Huế / Huế). */
#define UNITOPS_DEFAULT_PATTERN "^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}$"
#define UNITOPS_DEFAULT_EXAMPLE "000.00.12.H57"
#define UNITOPS_PATTERN_KEY     "unit-code-pattern"
#define UNITOPS_PATTERN_MAX     512

struct unitops_pattern {
	regex_t re;
	char src[UNITOPS_PATTERN_MAX + 1];
	bool custom; /* from the settings, not the default */
};

/* Compiles the settings' unit-code-pattern (table settings, which an older
 * ioc.db may not have), else the default. A setting that is not a valid
 * POSIX extended regular expression is an error naming the setting. */
int unitops_pattern_load(sqlite3 *db, struct unitops_pattern *p, rq_error *err);
void unitops_pattern_free(struct unitops_pattern *p);

/* 0 when the whole of code matches the pattern; else -1 with a message
 * that shows a valid code. */
int unitops_pattern_check(const struct unitops_pattern *p, const char *code, rq_error *err);

/* Fails when a unit's parents lead back to it (naming the cycle); a
 * unit in a cycle is not under any top-level unit. */
int unitops_check_cycles(sqlite3 *db, rq_error *err);

int unitops_rename(sqlite3 *db, const char *code, const char *name, rq_error *err);

/* parent NULL makes the unit top-level. Refuses an unknown parent and one
 * that is the unit itself or below it. */
int unitops_set_parent(sqlite3 *db, const char *code, const char *parent, rq_error *err);

/* Refused while scans, samples, sticks, other units or the codes of units
 * merged into it refer to the unit, with the counts. */
int unitops_delete(sqlite3 *db, const char *code, rq_error *err);

#define UNITOPS_STICKS_SHOWN 16

struct unitops_merged {
	long long scans, samples, sticks, children;
	/* The active sticks whose roster named the unit merged away (the
	 * first UNITOPS_STICKS_SHOWN): until an update they still record under
	 * its code, which leads to the unit merged into (unitalias.h). */
	char stick_ids[UNITOPS_STICKS_SHOWN][17];
	size_t nstick_ids;
	long long aliases; /* codes that led to the unit merged away, re-pointed */
};

/* Moves from's scans, samples, sticks' units and rosters and child units to
 * into, brings the campaign's report tables up to date for the devices
 * that move, removes from and leaves its code (and those that led to it)
 * leading to into (unitalias.h); one transaction. */
int unitops_merge(sqlite3 *db, const char *from, const char *into, struct unitops_merged *m,
		  rq_error *err);

/* `unit rename CODE NAME`, `unit set-parent CODE PARENT|-`, `unit delete
 * CODE`, `unit merge FROM INTO`, `unit alias FROM INTO`, `unit aliases` (op
 * is the second word; a and b the operands, NULL when absent): does it in
 * db (opened and locked) and says what it did on out. */
int unitops_do(sqlite3 *db, const char *op, const char *a, const char *b, FILE *out, rq_error *err);

#endif
