/* winpath: finding a file named the Windows way (case-insensitive, '\'
 * separated, maybe an 8.3 short name) on a mounted volume of an infected PC,
 * and opening its registry hives. Every name comes from hostile data: no
 * symlink is ever followed, ".." is refused, lengths are bounded. Rules:
 * docs/remediation.md. */
#ifndef RAQUET_WINPATH_H
#define RAQUET_WINPATH_H

#include <hivex.h>
#include <stddef.h>
#include <sys/stat.h>

#define WINPATH_MAX 1024 /* bytes of a resolved relative path */

/* Resolves winpath (relative to the volume root; '\' or '/' separated;
 * empty components skipped) under rootfd. Each component matches exactly,
 * then ignoring case, then as an 8.3 short name ("PROGRA~1"). Every
 * component but the last must be a directory, the last of type want
 * (S_IFREG or S_IFDIR), none a symlink. Writes the real relative path
 * ('/' separated) to out. Returns 1 when found, 0 when not (or the name is
 * unusable: "..", too long), -1 on an I/O error (errno). */
int winpath_resolve(int rootfd, const char *winpath, mode_t want, char *out, size_t outsz);

#define WINPATH_NAME_MAX 256 /* bytes of a found name with its NUL (NTFS: 255 UTF-16 units) */

/* Finds the entry comp of dirfd the way Windows would: exactly, then
 * ignoring case, then as an 8.3 short name, of type want (S_IFREG or
 * S_IFDIR), never a symlink. Where a case-sensitive volume holds several
 * ("Windows" and "WINDOWS"), the exact name wins, then the first in byte
 * order, whatever readdir's order. Returns 1 with the real name in found,
 * 0 when there is none, -1 when dirfd cannot be listed (errno). */
int winpath_find(int dirfd, const char *comp, mode_t want, char found[WINPATH_NAME_MAX]);

/* Folder listings kept between resolutions on one volume, so that a
 * case-insensitive or short-name lookup lists a folder once, not once per
 * entry (a live scan resolves some 500 commands, mostly under System32). */
struct winpath_cache;

struct winpath_cache *winpath_cache_new(void);
void winpath_cache_free(struct winpath_cache *c);

/* winpath_resolve with a cache (NULL: none) for the volume at rootfd. */
int winpath_resolve_in(struct winpath_cache *c, int rootfd, const char *winpath, mode_t want,
		       char *out, size_t outsz);

/* Opens the hive at rel (a path winpath_resolve gave) under rootfd through
 * /proc/self/fd, so that hivex reads the very file checked (regular, no
 * symlink). flags as hivex_open. Returns the handle, or NULL with why. */
hive_h *winpath_open_hive(int rootfd, const char *rel, int flags, char *why, size_t whysz);

/* Follows the '\' separated key path from node (hivex matches key names
 * case-insensitively). Returns the node or 0. */
hive_node_h winpath_reg_key(hive_h *h, hive_node_h node, const char *path);

/* The string value name of node, UTF-8, cut to at most max bytes (the
 * caller frees), or NULL when missing or not a string. */
char *winpath_reg_string(hive_h *h, hive_node_h node, const char *name, size_t max);

/* The DWORD value name of node into *out: 1, 0 when missing, -1 when not a
 * DWORD. */
int winpath_reg_dword(hive_h *h, hive_node_h node, const char *name, unsigned *out);

/* The control set Windows boots with (Select\Current), or 1. */
unsigned winpath_control_set(hive_h *h);

#endif
