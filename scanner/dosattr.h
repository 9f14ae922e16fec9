/* dosattr: reading and clearing the DOS hidden and system attributes of the
 * entries of one directory on a FAT or NTFS volume, by whatever the mount
 * allows: the kernel vfat driver's FAT_IOCTL_{GET,SET}_ATTRIBUTES, the
 * NTFS drivers' (ntfs-3g, ntfs3) system.ntfs_attrib_be extended attribute,
 * or, for FAT mounted through fusefat (which exposes no attributes), mtools'
 * mattrib run on the device or image under the mount. exFAT has none of
 * these: its entries are reported, not changed. docs/usb-repair.md. */
#ifndef RAQUET_DOSATTR_H
#define RAQUET_DOSATTR_H

#include <limits.h>
#include <stdint.h>

#include "rqerror.h"

#define DOSATTR_HIDDEN 0x2u
#define DOSATTR_SYSTEM 0x4u

enum dosattr_backend { DOSATTR_NONE, DOSATTR_FAT_IOCTL, DOSATTR_NTFS_XATTR, DOSATTR_MTOOLS };

struct dosattr {
	enum dosattr_backend backend;
	int dirfd;             /* the directory whose entries are looked at */
	char source[PATH_MAX]; /* mtools: the device or image */
	char prefix[PATH_MAX]; /* mtools: "::/" and the directory's path in the volume */
	char why[256];         /* DOSATTR_NONE: why attributes are out of reach */
};

/* Chooses how to reach the attributes of dirfd's entries (dirfd stays the
 * caller's). fat_source: with fusefat, the device or image it serves; NULL
 * to find it from the fusefat process serving the mount. Never fails: an
 * unreachable volume gets DOSATTR_NONE and a reason in a->why. */
void dosattr_open(struct dosattr *a, int dirfd, const char *fat_source);

/* The DOS attributes of the entry name (DOSATTR_* bits). 0 or -1 with err. */
int dosattr_get(const struct dosattr *a, const char *name, uint32_t *attrs, rq_error *err);

/* Clears the hidden and system attributes of name, nothing else. */
int dosattr_clear_hidden(const struct dosattr *a, const char *name, rq_error *err);

const char *dosattr_backend_name(enum dosattr_backend b);

#endif
