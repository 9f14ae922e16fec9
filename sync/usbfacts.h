/* usbfacts: what a result says about USB drives (issue 16,
 * docs/usb-repair.md): the device's kind (a PC, or a drive scanned in
 * station mode) and the shortcut-worm repairs done, checked and stored in
 * scan_usb (sync/schema-v6.sql). */
#ifndef RAQUET_SYNC_USBFACTS_H
#define RAQUET_SYNC_USBFACTS_H

#include <json-c/json.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "rqerror.h"

#define USBFACTS_MAX_REPAIRS 100000

struct usbfacts {
	bool removable;
	int64_t repairs, drives_repaired;
};

/* Checks "repairs" (absent in older results: none) and device.kind. 0, or
 * -1 with err naming the bad field (the result is then refused). */
int usbfacts_check(json_object *doc, struct usbfacts *f, rq_error *err);

/* Stores f for the scan (stick, seq) just merged. 0 or -1 (database). */
int usbfacts_store(sqlite3 *db, const char *stick, int64_t seq, const struct usbfacts *f,
		   rq_error *err);

#endif
