/* sysverify: at import and update, the stick's system partitions (its
 * RAQUETBOOT ESP, BIOS boot partition and MBR boot code) against the images
 * this IOC issued (sync/image.h), and `update --image` rewriting them.
 *
 * The stick's disk is found from the mounted data partition: STICK must be
 * the mount point of a partition (a block device, or a FUSE file system
 * such as fusefat whose source is one); its parent disk is the stick's, and
 * its RAQUETBOOT partition the one checked. A folder given as STICK (tests,
 * a copy of a stick) has no system partitions to check. */
#ifndef RAQUET_SYNC_SYSVERIFY_H
#define RAQUET_SYNC_SYSVERIFY_H

#include <limits.h>
#include <stddef.h>

#include "image.h"
#include "ioc.h"
#include "rqerror.h"

enum sysverify_state {
	SYSVERIFY_NOT_A_DISK, /* STICK is a folder, not a mounted partition */
	SYSVERIFY_NO_ESP,     /* a disk without RAQUETBOOT: not a raquet image */
	SYSVERIFY_NO_ISSUED,  /* this IOC never stamped an image to compare with */
	SYSVERIFY_AS_ISSUED,  /* equal to one of the issued images */
	SYSVERIFY_MODIFIED,   /* differs from every issued image */
};

#define SYSVERIFY_DIFF_MAX 64 /* differences kept for the report */

struct sysverify_diff {
	char name[IMAGE_NAME_MAX]; /* as found on the stick: hostile, escape it */
	const char *what;          /* "changed", "missing", "added" */
};

struct sysverify_report {
	enum sysverify_state state;
	char disk[PATH_MAX]; /* the stick's disk device, "" when none */
	char list_key[17];   /* the matching issued list (AS_ISSUED) or the
				 current one compared with (MODIFIED) */
	size_t ndiffs;       /* all of them; at most SYSVERIFY_DIFF_MAX kept */
	struct sysverify_diff diffs[SYSVERIFY_DIFF_MAX];
};

/* The disk under the mounted data partition STICK: 1 with disk set, 0 when
 * STICK is not the mount point of a partition, -1 on error. */
int sysverify_stick_disk(const char *stick, char disk[PATH_MAX], rq_error *err);

/* Checks the stick's system partitions. Returns 0 with rep filled (any
 * state), -1 when they could not be read. */
int sysverify_check(struct ioc *ioc, const char *stick, struct sysverify_report *rep,
		    rq_error *err);

/* Writes the system part of IOC/image/issued.img onto the stick (its ESP and
 * BIOS boot partition through their own devices, opened O_EXCL so a mounted
 * one is refused; the MBR's boot code), then checks it again: rep says
 * AS_ISSUED on success. */
int sysverify_rewrite(struct ioc *ioc, const char *stick, struct sysverify_report *rep,
		      rq_error *err);

/* A line for the operator per state (static text). */
const char *sysverify_state_text(enum sysverify_state s);

#endif
