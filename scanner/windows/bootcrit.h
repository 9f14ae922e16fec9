/* bootcrit: the files Windows needs to boot and log on, which raquet never
 * deletes or quarantines whatever the action (a false positive or a file
 * infector on winlogon.exe must not leave a PC that no longer starts: the
 * 2010 McAfee DAT 5958 incident). A detection on one gets the outcome
 * needs-repair and tells how to repair Windows. The list:
 * docs/remediation.md. */
#ifndef RAQUET_BOOTCRIT_H
#define RAQUET_BOOTCRIT_H

#include <stdbool.h>
#include <stddef.h>

#include "rqerror.h"
#include "scan.h"

/* What to do about a boot-critical file that is infected (the detail of
 * its needs-repair outcome, and the summary's advice). */
#define BOOTCRIT_ADVICE                                                                            \
	"boot-critical Windows file: left in place; repair Windows: from the recovery "            \
	"environment run sfc /scannow /offbootdir=C:\\ /offwindir=C:\\Windows, or DISM "           \
	"/Image:C:\\ /Cleanup-Image /RestoreHealth, or reinstall Windows"

struct bootcrit;

/* Reads the boot-critical drivers (services with Start 0 or 1) from the
 * SYSTEM hive of the Windows installation on the volume mounted at root.
 * When there is no readable SYSTEM hive, every driver in
 * Windows/System32/drivers counts as boot-critical. Returns 0 with *out
 * (bootcrit_free), -1 when out of memory or root cannot be opened. */
int bootcrit_load(const char *root, struct bootcrit **out, rq_error *err);

/* Whether rel (a path relative to the volume root, '/' separated, as
 * found) names a boot-critical file; names compare ignoring case. */
bool bootcrit_is(const struct bootcrit *b, const char *rel);

/* Gives each detection under root that names a boot-critical file the
 * outcome needs-repair (detail: BOOTCRIT_ADVICE), so that no action
 * touches it. Returns how many. */
size_t bootcrit_mark(const struct bootcrit *b, const char *root, struct detection *dets, size_t n);

/* How many boot-critical drivers the SYSTEM hive named (for tests and the
 * bench), or (size_t)-1 when it could not be read. */
size_t bootcrit_drivers(const struct bootcrit *b);

void bootcrit_free(struct bootcrit *b);

#endif
