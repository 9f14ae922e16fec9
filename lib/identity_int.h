/* identity_int: what identity.c and identity_sysfs.c share inside the
 * identity module; nothing outside lib/identity*.c includes it. */
#ifndef RAQUET_IDENTITY_INT_H
#define RAQUET_IDENTITY_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "rqerror.h"

/* Paths we build or resolve; sysfs paths are far shorter. */
#define ID_PATH 1024
/* Bytes read from one attribute file: a value longer than this is junk. */
#define ID_READ_MAX 256
/* Entries looked at in one directory, so a hostile tree cannot make us
 * work without bound. */
#define ID_DIR_MAX 1024

enum sysfs_attr { ATTR_OK, ATTR_MISSING, ATTR_UNREADABLE };

/* Resolves path (relative to root) with root taken as "/" into out; -1
 * with errno set. */
int sysfs_resolve(int rootfd, const char *path, char *out, size_t outsz);

/* True when a resolved path lies below a USB controller. */
bool sysfs_path_is_usb(const char *resolved);

/* Reads at most ID_READ_MAX bytes of a regular file into buf (ID_READ_MAX + 1
 * bytes); *errnum says why when the file is not ATTR_OK. */
enum sysfs_attr sysfs_read_attr(int rootfd, const char *path, char *buf, size_t *len, int *errnum);

/* Lists a directory under root, sorted, into malloc'd rows; a missing
 * directory gives none. -1 only when out of memory. */
int sysfs_list_dir(int rootfd, const char *path, char (**names)[NAME_MAX + 1], size_t *count,
		   rq_error *err);

#endif
