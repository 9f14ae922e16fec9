/* atomicio: writing a file so that after a crash or power cut it is either
 * the complete new content or absent (temporary name, fsync, rename, fsync
 * the directory). Works on FAT and exFAT (FUSE drivers included), where
 * fsync on a directory may be unsupported. */
#ifndef RAQUET_ATOMICIO_H
#define RAQUET_ATOMICIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rqerror.h"

/* Writes len bytes of buf to dirfd/name atomically with the given mode.
 * When exclusive is true an existing name is never replaced (link-based
 * publish; on file systems without hard links, a checked rename). On failure
 * errno still holds the cause (ENOSPC, EROFS, ...) for callers to tell apart. */
int atomic_write(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		 bool exclusive, rq_error *err);

/* Writes all of buf to fd, retrying on short writes and EINTR. */
int write_all(int fd, const void *buf, size_t len);

/* Reads up to len bytes, retrying on short reads and EINTR; fewer only at
 * end of file. Returns the count, or -1 with errno set. read_full reads at
 * fd's offset, pread_full at off (leaving fd's offset alone). */
ssize_t read_full(int fd, void *buf, size_t len);
ssize_t pread_full(int fd, void *buf, size_t len, off_t off);

/* fsync a directory; EINVAL/ENOTSUP/EROFS from file systems that cannot are
 * not errors. */
int fsync_dir(int dirfd);

/* Reads a whole regular file (not following a final symlink) of at most
 * max bytes into a malloc'd buffer, NUL-terminated for convenience. */
int read_file_bounded(int dirfd, const char *name, size_t max, char **out, size_t *outlen,
		      rq_error *err);

#endif
