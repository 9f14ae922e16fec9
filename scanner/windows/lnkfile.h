/* lnkfile: the command a Windows shortcut (.lnk) starts, read with liblnk,
 * so that a shortcut in a Startup folder resolves to the program it runs,
 * not to itself. A .lnk from an infected disk is hostile: its size is
 * bounded and liblnk parses it. */
#ifndef RAQUET_LNKFILE_H
#define RAQUET_LNKFILE_H

#include <stddef.h>

#define LNKFILE_MAX (1 << 20) /* a shortcut is a few KiB */

/* Reads the shortcut dirfd/name and writes "\"LOCAL PATH\" ARGUMENTS" into
 * cmd. Returns 1, or 0 when it is no shortcut liblnk can read or names no
 * local path (a URL, a shell item only). */
int lnkfile_command(int dirfd, const char *name, char *cmd, size_t cmdsz);

#endif
