/* print: the lines live mode (--auto) and station mode print on stdout
 * after live_run, for the technician and the scan log: each detection's
 * outcome, the persistence entries, the volumes, and what to do when a
 * boot-critical file is infected. The folder scan prints its own lines as it
 * goes. */
#ifndef RAQUET_LIVE_PRINT_H
#define RAQUET_LIVE_PRINT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "scan.h"

/* One line per acted-on detection, worded as the folder scan prints them. */
void live_print_outcomes(const struct scan_report *rep);

/* What was done to the persistence entries of detected files (every entry
 * when all), one line each; ar is the result's "autoruns" array (or NULL). */
void live_print_autoruns(json_object *ar, bool all);

/* A boot-critical file was infected: what the technician does next. */
void live_print_repair_advice(const struct scan_report *rep);

/* One line per volume of the result's "volumes", and what to do about a
 * hibernated Windows. */
void live_print_volumes(json_object *vols, size_t hibernated);

#endif
