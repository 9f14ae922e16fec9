/* quarantine: moving a detected file out of the scanned tree into a local
 * quarantine directory, encrypted at rest, and putting it back byte for byte
 * with its metadata when it was a false positive. */
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
 * sha256_hex the content's sha256. */
int quarantine_store(const char *qdir, int fd, int dirfd, const char *name, const char *path,
		     const char *signature, char id[QUARANTINE_ID_LEN + 1], char sha256_hex[65],
		     rq_error *err);

/* Prints one line per entry to out: id, time quarantined, size, signature,
 * original path (escaped). Returns the number of entries, or -1. */
int quarantine_list(const char *qdir, FILE *out, rq_error *err);

/* Restores entry id to its original path with its content (sha256 checked),
 * mode, owner and times; refuses to overwrite an existing file; removes the
 * entry only after the restored file is synced. */
int quarantine_restore(const char *qdir, const char *id, rq_error *err);

#endif
