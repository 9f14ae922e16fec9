/* manifest: puts the ClamAV databases on a stick (RAQUET/db/) with a
 * MANIFEST signed by the IOC, which raquet-scan checks before loading them
 * (scanner/stickdb.c). MANIFEST is text:
 *
 *   raquet-manifest/2
 *   version <N>
 *   date <ISO 8601 time with offset, the IOC's clock>
 *   <sha256 hex> <size in bytes> <file name>
 *   ...
 *
 * one line per database file, sorted by name; names are plain (letters,
 * digits, '.', '-', '_', not starting with '.'). N counts the sets this IOC
 * ever signed (meta 'manifest_version'), so a stick's versions only grow;
 * results name the version they were scanned with and the IOC flags one
 * older than the stick had been given (docs/ioc-database.md, "Flags").
 * raquet-manifest/1 (no version, no date) is still read by raquet-scan, as
 * version 0: unknown. */
#ifndef RAQUET_SYNC_MANIFEST_H
#define RAQUET_SYNC_MANIFEST_H

#include "ioc.h"
#include "keys.h"
#include "rqerror.h"

#define MANIFEST_FORMAT "raquet-manifest/2"

/* Copies every ClamAV database file of srcdir into rqfd's db/ (built in
 * db.new/ and swapped in, so a crash leaves the old set or the new one,
 * which raquet-scan tells apart by the MANIFEST) and signs the MANIFEST
 * with ioc's key, under a new version recorded in ioc.db as given to stick
 * (stick_manifests; inside the caller's transaction). sha_out gets the
 * MANIFEST's sha256 (hex), *nfiles the number of files. */
int manifest_install(int rqfd, const char *srcdir, struct ioc *ioc, const char *stick,
		     char sha_out[65], int *nfiles, rq_error *err);

#endif
