/* station: raquet-scan --station, the unit's USB-drive station. Without
 * touching the PC's own disks, it waits for removable drives (the live
 * system has no udev: /sys/block is polled once a second), and hands each
 * newly inserted one to the caller to scan and repair as its own record,
 * identified by the drive's USB vendor, product and serial. Drives present
 * when the station starts count as inserted. docs/usb-repair.md. */
#ifndef RAQUET_STATION_H
#define RAQUET_STATION_H

#include <json-c/json.h>

#include "rqerror.h"

#define STATION_MAX_DISKS 64
#define STATION_NAME_MAX  64
#define STATION_IDLE      2 /* station_wait: idle for s->idle seconds */

struct station {
	char skip[STATION_NAME_MAX]; /* the stick's own disk, never scanned */
	char seen[STATION_MAX_DISKS][STATION_NAME_MAX];
	size_t nseen;
	/* --station-idle: seconds a wait may find no new drive before it
	 * gives up (an unattended station then ends); 0: never */
	unsigned int idle;
};

/* Whether /sys/block/NAME is a removable or USB disk with a medium. */
int station_is_drive(const char *name);

/* Waits for a removable disk not seen before (a disk that goes away is
 * forgotten, so inserting it again scans it again). SIGINT and SIGTERM
 * must be blocked (scan_block_signals); one arriving ends the wait.
 * Returns 1 with disk set ("sdb"), 0 when a signal asked to stop,
 * STATION_IDLE when s->idle seconds passed with no new drive, -1 on error.
 * The idle clock starts with each wait, i.e. after the last drive's scan: a
 * drive left in after its scan is done with and does not keep it going. */
int station_wait(struct station *s, char disk[STATION_NAME_MAX], rq_error *err);

/* The result document's device for a drive: kind "removable", its USB
 * vendor and product ids and names and serial from sysfs, and id, the
 * sha256 of "usb:VID:PID:SERIAL" (weak when there is no serial). */
json_object *station_identity(const char *disk);

#endif
