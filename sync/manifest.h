/* manifest: puts the ClamAV databases on a stick (RAQUET/db/) with a
 * MANIFEST signed by the IOC, which raquet-scan checks before loading them
 * (scanner/stickdb.c). MANIFEST is text:
 *
 *   raquet-manifest/1
 *   <sha256 hex> <size in bytes> <file name>
 *   ...
 *
 * one line per database file, sorted by name; names are plain (letters,
 * digits, '.', '-', '_', not starting with '.'). */
#ifndef RAQUET_SYNC_MANIFEST_H
#define RAQUET_SYNC_MANIFEST_H

#include "keys.h"
#include "rqerror.h"

#define MANIFEST_FORMAT "raquet-manifest/1"

/* Copies every ClamAV database file of srcdir into rqfd's db/ (built in
 * db.new/ and swapped in, so a crash leaves the old set or the new one,
 * which raquet-scan tells apart by the MANIFEST) and signs the MANIFEST.
 * sha_out gets the MANIFEST's sha256 (hex), *nfiles the number of files. */
int manifest_install(int rqfd, const char *srcdir, const keys_ioc_secret *sk, char sha_out[65],
		     int *nfiles, rq_error *err);

#endif
