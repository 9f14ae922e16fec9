/* walk: the tree walker. Visits every regular file under a root without ever
 * following a symbolic link, with a bounded number of open descriptors
 * whatever the depth, and hands each file to a callback already opened
 * (O_NOFOLLOW, non-blocking) so that what is scanned is exactly what was
 * found. FIFOs, sockets and device nodes are skipped without being opened. */
#ifndef RAQUET_WALK_H
#define RAQUET_WALK_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct walk_entry {
	int fd;           /* the open file (read-only), or -1 when open_files is off */
	int dirfd;        /* a duplicate of its directory, or -1 unless need_dirfd */
	char *path;       /* malloc'd path as printed (root joined with names) */
	const char *name; /* last component, points into path */
	struct stat st;   /* from fstat on fd (fstatat when not opened) */
	size_t tag;       /* the caller's (set from walk_config.tag) */
};

struct walk_stats {
	atomic_uint_fast64_t dirs;     /* directories entered */
	atomic_uint_fast64_t files;    /* regular files handed to the callback */
	atomic_uint_fast64_t bytes;    /* their sizes */
	atomic_uint_fast64_t errors;   /* EACCES, EIO, ELOOP, ... on files or dirs */
	atomic_uint_fast64_t skipped;  /* FIFOs, sockets, devices, symlinks, other fs */
	atomic_uint_fast64_t excluded; /* matched --exclude or outside --quick */
	atomic_uint_fast64_t changed;  /* replaced or vanished between listing and opening */
};

/* Called once per regular file. Takes ownership of e (walk_entry_free).
 * A non-zero return stops the walk. */
typedef int (*walk_file_fn)(struct walk_entry *e, void *ctx);
/* Called for each problem with a path (errno value, or 0 with a reason). */
typedef void (*walk_error_fn)(const char *path, int errnum, const char *reason, void *ctx);

struct walk_config {
	bool open_files;             /* open each file (scanning) or only stat it (counting) */
	bool need_dirfd;             /* hand a directory descriptor with each file (actions) */
	bool one_file_system;        /* do not descend into other mounted file systems */
	bool quick;                  /* only the high-risk places (see walk.c) */
	const char *const *excludes; /* fnmatch globs, tried on the path and the name */
	size_t nexcludes;
	const atomic_int *stop; /* set asynchronously to stop early; may be NULL */
	walk_file_fn on_file;
	walk_error_fn on_error;
	void *ctx;
	size_t tag; /* copied into every entry */
};

/* Walks root (a file or a directory; a symlink given as root is followed,
 * as clamscan does for command-line arguments). Returns 0 when the root
 * could be walked (individual errors are counted and reported through
 * on_error), -1 when the root itself is unusable (already reported). */
int walk_root(const char *root, const struct walk_config *cfg, struct walk_stats *stats);

void walk_entry_free(struct walk_entry *e);

#define WALK_NOT_REGULAR (-2)

/* Opens dirfd/name read-only (non-blocking, no controlling tty, no atime
 * change where allowed) only if it is a regular file: a FIFO, socket or
 * device node is never opened, not even for a moment. A symlink in the last
 * component is followed only when follow is set. Returns the descriptor
 * with *st from fstat on it; WALK_NOT_REGULAR (*st says what it is) for
 * anything but a regular file; -1 with errno on failure (ELOOP when the
 * name was replaced while being opened). Used for every file read from a
 * scanned disk or a stick. */
int walk_open_regular(int dirfd, const char *name, bool follow, struct stat *st);

/* Which step of walk_open_parent failed: each caller words it for its own
 * reader (act.c tells the three apart in the result document). */
enum walk_parent_error {
	WALK_PARENT_ROOT,   /* root itself could not be opened (errno) */
	WALK_PARENT_NAME,   /* a folder's name in rel is empty or too long (ENAMETOOLONG) */
	WALK_PARENT_FOLDER, /* a folder on the way could not be opened (errno; ENOTDIR: a symlink) */
};

/* Opens the folder holding rel (relative to root, '/' separated) one
 * component at a time, never through a symlink, for acting on a file found
 * by a scan: rel comes from a scanned disk, so no component may climb out
 * through a link swapped in since. *name points at rel's last component.
 * Returns the descriptor, or -1 with errno and *failed (when not NULL)
 * saying which step failed. */
int walk_open_parent(const char *root, const char *rel, const char **name,
		     enum walk_parent_error *failed);

/* True when a directory at relative path comps[0..n) may hold files that a
 * --quick scan covers (exposed for unit tests). *inside is set when every
 * file below it is covered. */
bool walk_quick_dir(const char *const *comps, size_t n, bool *inside);

#endif
