/* streams: NTFS alternate data streams, which ClamAV does not enumerate.
 * On a volume mounted by ntfs-3g with streams_interface=windows, a file's
 * named streams are listed in its "ntfs.streams.list" extended attribute and
 * opened as "name:stream". That interface (not streams_interface=xattr)
 * because the kernel caps an extended attribute's value at 64 KiB, far below
 * a typical executable hidden in a stream. See docs/live-mode.md. */
#ifndef RAQUET_STREAMS_H
#define RAQUET_STREAMS_H

#include "rqerror.h"
#include "walk.h"

#define STREAMS_LIST_MAX (1u << 20) /* bytes of stream names per file */

/* Called for each named stream of a file, with a walk entry of its own:
 * fd open read-only on the stream, path "PATH:stream", name "NAME:stream",
 * dirfd -1, tag copied. The entry is freed after the call. A non-zero
 * return stops the listing. */
typedef int (*streams_fn)(struct walk_entry *stream, void *ctx);

/* Calls fn for each named stream of the file e (e->fd and e->dirfd open).
 * A file without streams, or a file system without the interface, has
 * none. Returns 0, or -1 with err saying what went wrong with the file (the
 * list is unreadable or too long, a stream could not be opened; the other
 * streams are still handed to fn). */
int streams_each(const struct walk_entry *e, streams_fn fn, void *ctx, rq_error *err);

/* For an entry name on such a volume: the length of the file's own name
 * (up to the first ':'), or 0 when name does not name a stream. */
size_t streams_split(const char *name);

#endif
