/* cache: the clean-file cache that makes a confirming rescan fast
 * (docs/raquet-scan.md "Clean-file cache", threat model in
 * docs/threat-model.md). A file scanned CLEAN is remembered as a keyed
 * digest of its volume, file id, size, mtime and ctime; a later scan with
 * the same signature set and limits skips a file whose digest is there.
 * One file per volume in a cache directory (the stick's RAQUET/cache or
 * --cache DIR) next to a random key: the files reveal no path or name, and
 * one that fails its MAC is ignored whole and replaced. */
#ifndef RAQUET_CACHE_H
#define RAQUET_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "engine.h"
#include "rqerror.h"

#define CACHE_SIGSET_LEN  32
#define CACHE_ENTRY_LEN   16         /* bytes of one keyed digest */
#define CACHE_MAX_ENTRIES (1u << 20) /* per volume file: 16 MiB */
#define CACHE_MAX_VOLUMES 16         /* volume files kept; older go */
#define CACHE_KEY_NAME    "key"
#define CACHE_SUFFIX      ".rqc"

struct cache;

/* Told about a cache problem that does not stop the scan (a corrupt file
 * ignored, a cache that cannot be written). */
typedef void (*cache_warn_fn)(void *ctx, const char *msg);

/* The digest of what decides a verdict besides the file: every database
 * file's name, size, mtime and ctime (and the content of a MANIFEST), the
 * engine's version and signature count, and the size limits. Any change
 * gives another digest, which empties the cache. */
int cache_sigset(const char *const *dbs, size_t ndbs, const struct engine_info *info,
		 const struct engine_limits *limits, unsigned char out[CACHE_SIGSET_LEN],
		 rq_error *err);

/* Opens the cache in dir (created if missing, with a new key). Returns
 * NULL with err set when there can be no cache at all (no key can be read
 * or made): the caller scans without one. */
struct cache *cache_open(const char *dir, const unsigned char sigset[CACHE_SIGSET_LEN],
			 cache_warn_fn warn, void *warn_ctx, rq_error *err);

/* volume names the file's volume (a UUID); NULL: the file's st_dev; "":
 * never cached. Thread-safe. True when st was scanned clean before. */
bool cache_lookup(struct cache *c, const char *volume, const struct stat *st);

/* Remembers a file just scanned CLEAN. Thread-safe; silently full at
 * CACHE_MAX_ENTRIES per volume. */
void cache_add(struct cache *c, const char *volume, const struct stat *st);

/* Writes every volume file that changed (atomically), removes files of
 * another signature set and all but the newest CACHE_MAX_VOLUMES, and
 * frees c. Problems go to the warning function. NULL is a no-op. */
void cache_close(struct cache *c);

#endif
