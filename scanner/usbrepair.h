/* usbrepair: undoing what a shortcut worm did to a drive, after the scan
 * found (and dealt with) the worm itself. At the top of each scanned volume
 * or folder: shortcuts (.lnk) that name a detected file, an autorun.inf
 * whose open/shellexecute/shell\...\command names one, and the folders and
 * files the worm hid. Rules, and what is never touched: docs/usb-repair.md. */
#ifndef RAQUET_USBREPAIR_H
#define RAQUET_USBREPAIR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "resultdoc.h"
#include "rqerror.h"
#include "scan.h"

#define USBREPAIR_MAX_ENTRIES 8192 /* top-level entries looked at per volume */

struct usb_repair {
	char *volume; /* the volume (live: its device) or the folder scanned */
	char *path;   /* raw bytes as found */
	enum resultdoc_repair_kind kind;
	enum resultdoc_repair_action action; /* the scan's quarantine or delete, or unhide */
	enum resultdoc_repair_outcome outcome;
	char *reason; /* why: the detected file it names, or the rule */
	char *detail; /* quarantine id, or why it failed */
};

struct usbrepair_volume {
	const char *root;       /* the directory scanned */
	const char *name;       /* for the result: the device, or NULL for root */
	const char *fat_source; /* FAT through fusefat: its device, or NULL to find */
	bool removable;         /* a USB or removable drive: all-hidden rule applies */
};

/* Finds what to repair at the top of v->root, judged against the scan's
 * detections, and does it as sc->action says (report: lists it only).
 * Appends one entry per repair to list. Returns the number of entries
 * added, or -1 with err when the root cannot be read at all (out of
 * memory, not a directory is 0: nothing to repair). */
int usbrepair_volume(const struct usbrepair_volume *v, const struct scan_config *sc,
		     const struct detection *dets, size_t ndets, struct usbrepair_list *list,
		     rq_error *err);

void usbrepair_free(struct usbrepair_list *list);

/* Drops the entries after the first n (a dry run's, before the real one). */
void usbrepair_truncate(struct usbrepair_list *list, size_t n);

/* One line per repair, clamscan-style ("PATH: shortcut quarantined as ID"),
 * names escaped. */
void usbrepair_print(FILE *out, const struct usbrepair_list *list);

/* Whether the block device at devdir (/sys/block/sdb, or a partition's
 * directory) is removable or on a USB bus. */
bool usbrepair_sysfs_removable(const char *devdir);

/* Whether root is the top of a volume on a removable or USB disk (sysfs). */
bool usbrepair_removable(const char *root);

/* The result document's "repairs" (docs/result-format.md). */
json_object *usbrepair_json(const struct usbrepair_list *list);

/* Volumes (distinct volume names) with at least one repair done. */
size_t usbrepair_volumes_repaired(const struct usbrepair_list *list);

#endif
