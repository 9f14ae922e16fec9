/* escape: making untrusted names (file names from infected disks) safe to
 * print and to put in JSON. */
#ifndef RAQUET_ESCAPE_H
#define RAQUET_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a newly allocated copy of s in which every byte that is a control
 * character (C0, DEL, or one of the two bytes of a C1 control U+0080..U+009F),
 * a backslash, or not part of valid UTF-8 is written as \xNN (backslash as
 * \\). Other valid UTF-8, Vietnamese included, passes unchanged.
 * Returns NULL only when out of memory. */
char *escape_name(const char *s);

/* True when escape_name(s) would return s unchanged. */
bool escape_is_clean(const char *s);

#endif
