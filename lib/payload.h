/* payload: the archive inside a sealed record. A result record carries
 * "result.json" and "scan.log", a sample record "meta.json" and
 * "sample.bin"; the payload is a pax tar of those members, gzip-compressed,
 * built and read in memory with libarchive. Reading treats the archive as
 * hostile: only plain member names, only regular files, bounded sizes. */
#ifndef RAQUET_PAYLOAD_H
#define RAQUET_PAYLOAD_H

#include <stddef.h>

#include "rqerror.h"

#define PAYLOAD_MAX_MEMBERS 16
#define PAYLOAD_NAME_MAX    64
/* Bounds what a payload may expand to, whatever its compressed size. */
#define PAYLOAD_MAX_EXPANDED (128u * 1024 * 1024)

/* One member: a plain name (no "/", not "." or "..") and its bytes. */
typedef struct payload_member {
	char *name;
	unsigned char *data;
	size_t len;
} payload_member;

/* Members read back from an archive; release with payload_free. */
typedef struct payload_list {
	payload_member *members;
	size_t n;
} payload_list;

/* Builds a compressed archive of n members into a malloc'd buffer. The
 * members' data is only read. */
int payload_build(const payload_member *members, size_t n, unsigned char **out, size_t *outlen,
		  rq_error *err);

/* Reads an archive made by payload_build (or anything else) from memory.
 * Refuses names with "/" or "..", non-regular entries, duplicates, more
 * than PAYLOAD_MAX_MEMBERS members, more than PAYLOAD_MAX_EXPANDED bytes. */
int payload_read(const void *buf, size_t len, payload_list *out, rq_error *err);

/* As payload_read, with at most max bytes in all (max is capped at
 * PAYLOAD_MAX_EXPANDED): the IOC's bound for each type of record. */
int payload_read_max(const void *buf, size_t len, size_t max, payload_list *out, rq_error *err);

/* The member with that name, or NULL. */
const payload_member *payload_get(const payload_list *p, const char *name);

void payload_free(payload_list *p);

#endif
