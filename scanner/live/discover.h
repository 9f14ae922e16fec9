/* discover: which block devices of this PC hold something to scan. Disks
 * and partitions come from /sys/block and are probed with libblkid; the
 * stick's own disk, zram, loop, RAM, optical and read-only devices are left
 * out unless named. Nothing is opened for writing. */
#ifndef RAQUET_LIVE_DISCOVER_H
#define RAQUET_LIVE_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rqerror.h"

#define DISCOVER_NAME_MAX    64
#define DISCOVER_MAX_VOLUMES 256

struct live_volume {
	char name[DISCOVER_NAME_MAX];    /* kernel name: sda2, nvme0n1p3, loop4p1 */
	char disk[DISCOVER_NAME_MAX];    /* the disk it is on: sda */
	char dev[DISCOVER_NAME_MAX + 8]; /* /dev/sda2 */
	char fstype[32];                 /* blkid TYPE; "" when none */
	char label[256];                 /* blkid LABEL as found (hostile); "" when none */
	char uuid[64];                   /* blkid UUID as found; "" when none */
	uint64_t size;                   /* bytes */
	const char *note;                /* why fstype is "" (static text), or NULL */
};

/* The disk (kernel name, e.g. "sdb") holding the file system mounted at or
 * above dir, from /proc/self/mountinfo. Returns 1 with disk filled, 0 when
 * that file system is not on a block device (tmpfs, overlay), -1 on error. */
int discover_stick_disk(const char *dir, char disk[DISCOVER_NAME_MAX], rq_error *err);

/* Finds the volumes to scan. With ndevices > 0 only the named devices
 * (/dev/X, a disk or a partition; a disk brings its partitions) are looked
 * at, whatever their kind. skip_disk ("" or NULL for none) is never
 * included. *out is malloc'd (free it), sorted by name. */
int discover_volumes(const char *const *devices, size_t ndevices, const char *skip_disk,
		     struct live_volume **out, size_t *n, rq_error *err);

#endif
