/* quarantine: moving a detected file out of the scanned tree into a local
 * quarantine directory, encrypted at rest, and putting it back byte for byte
 * with its metadata when it was a false positive. Layout and guarantees:
 * docs/quarantine.md. The encryption defangs the file (it cannot run or trip
 * another scanner); it is not confidentiality: the key sits in the same
 * directory. */
#ifndef RAQUET_QUARANTINE_H
#define RAQUET_QUARANTINE_H

#include <stdio.h>
#include <sys/stat.h>

#include "rqerror.h"

#define QUARANTINE_ID_LEN 32 /* hex characters */

/* Copies the open file fd (the one that was scanned) encrypted into qdir
 * (created 0700 if missing) with its original path, mode, owner, times,
 * sha256 and signature name, syncs it, and only then removes the original
 * entry dirfd/name after checking it is still the same file (dev/ino).
 * On any failure the original is left in place and err says why (quarantine
 * full, read-only, file changed...). id receives the new entry's id and
 * sha256_hex the content's sha256 (both empty strings on failure).
 * path is the name to record and restore to: its last component must be
 * name; a relative path is made absolute against the current directory.
 * The content is read with pread from offset 0 in 64 KiB chunks, so fd's
 * offset does not matter and large files use no more memory. */
int quarantine_store(const char *qdir, int fd, int dirfd, const char *name, const char *path,
		     const char *signature, char id[QUARANTINE_ID_LEN + 1], char sha256_hex[65],
		     rq_error *err);

/* Prints one line per entry to out, oldest first, fields separated by two
 * spaces: id, time quarantined (ISO 8601 UTC), size in bytes, signature,
 * original path (escaped). A damaged entry is listed as "ID  corrupt
 * metadata: why" (or "incomplete entry"/"data file missing") after the
 * others and does not make the call fail. Returns the number of lines
 * (entries), or -1 (no such directory, write error on out). */
int quarantine_list(const char *qdir, FILE *out, rq_error *err);

/* Restores entry id (a whole id, or a unique prefix of 4 hex digits or more;
 * an ambiguous one fails listing the candidates, and an entry restored
 * before fails saying when and where to) to its original path with its content (sha256 checked),
 * mode, owner and times; refuses to overwrite an existing file; removes the
 * entry only after the restored file is synced. Fails with a clear message on
 * an unknown id, a missing original directory (never recreated), or damaged
 * or tampered data (nothing is published then). Returns 0 or -1. On success
 * err->msg is empty, or holds a note worth showing the user when the owner,
 * mode or times could not be set (not root, or a FAT target). */
int quarantine_restore(const char *qdir, const char *id, rq_error *err);

/* The original path and signature recorded for entry id, authenticated
 * (the caller frees both). Returns 0 or -1. */
int quarantine_entry(const char *qdir, const char *id, char **path, char **signature,
		     rq_error *err);

#endif
