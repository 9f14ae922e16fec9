/* rejected: a record file the import refused, copied into the IOC for
 * inspection, never silently dropped (docs/ioc-database.md):
 * IOC/rejected/<stick>/<name>.<sha12>, with <name>.<sha12>.reason beside it. */
#ifndef RAQUET_SYNC_REJECTED_H
#define RAQUET_SYNC_REJECTED_H

#include <stddef.h>

#include "ioc.h"
#include "rqerror.h"

/* Copies dirfd/name there (once per content) with its reason. *rejfd is
 * IOC/rejected/<stick>, opened on the first call (start with -1, close it
 * when done). sha gets the kept bytes' sha256 ("-" for a file that is not a
 * regular file), stored the copy's path relative to the IOC. A file larger
 * than any record is read and kept only up to its first MiB, and the
 * .reason file says so, with its true size. */
int rejected_keep(struct ioc *ioc, const char *stick, int *rejfd, int dirfd, const char *name,
		  const char *reason, char sha[65], char *stored, size_t storedsz, rq_error *err);

#endif
