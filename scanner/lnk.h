/* lnk: what a Windows shortcut (.lnk, MS-SHLLINK) would run, read with
 * liblnk (the libyal parser; never parsed by hand here). Shortcuts on a
 * scanned stick are hostile: the file is opened without following a
 * symlink, must be a regular file of bounded size, and every string is
 * bounded before it is copied. */
#ifndef RAQUET_LNK_H
#define RAQUET_LNK_H

#include "rqerror.h"

#define LNK_MAX_FILE   (1u << 20) /* a real shortcut is a few KiB */
#define LNK_MAX_STRING 4096       /* per string, UTF-8 bytes with the NUL */

/* Each string is UTF-8 as liblnk gives it, or "" when the shortcut has
 * none. target: LinkInfo's local base path, else its network path;
 * relative: the relative path; env: the environment-variables location. */
struct lnk_info {
	char target[LNK_MAX_STRING];
	char relative[LNK_MAX_STRING];
	char env[LNK_MAX_STRING];
	char workdir[LNK_MAX_STRING];
	char arguments[LNK_MAX_STRING];
};

/* Reads the shortcut dirfd/name. Returns 0, or -1 with err (not a regular
 * file, too big, not a shortcut, a string over the bound, malformed). */
int lnk_read(int dirfd, const char *name, struct lnk_info *out, rq_error *err);

#endif
