/* record: the sealed, signed record a stick writes for the IOC (a scan
 * result or a quarantined sample). Only the IOC can read the payload (its
 * file key is sealed to the IOC's X25519 key); anyone with the stick's
 * public key can check that the record is whole and from that stick.
 * docs/record-format.md has the format byte by byte.
 *
 * Records are handled in memory: a payload is at most RECORD_MAX_PAYLOAD
 * bytes, a record at most RECORD_MAX_SIZE. Every reader function takes
 * untrusted bytes, checks every field and length before using it, and fails
 * with a message naming what is wrong. */
#ifndef RAQUET_RECORD_H
#define RAQUET_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "rqerror.h"

#define RECORD_MAGIC       "RQREC"
#define RECORD_VERSION     1
#define RECORD_TYPE_RESULT 1
#define RECORD_TYPE_SAMPLE 2
#define RECORD_HEADER_LEN  160
#define RECORD_CHUNK       65536 /* plaintext bytes per stream chunk */
#define RECORD_MAX_PAYLOAD (64u * 1024 * 1024)
#define RECORD_TZ_MAX      (18 * 60) /* minutes east or west of UTC */
/* Sequence numbers stop at 2^53: they stay exact as JSON numbers (receipts,
 * result documents) and as SQLite integers at the IOC. */
#define RECORD_SEQ_MAX ((uint64_t)1 << 53)
/* The writers' lock file in a record directory (raquet-scan asks for it
 * before acting, see record_write_next). */
#define RECORD_LOCK_NAME ".raquet.lock"
/* created: 1970-01-01 to 9999-12-30 UTC, so that the local time, with any
 * offset up to RECORD_TZ_MAX, is a four-digit year. No clock a scan reads
 * is outside; a header that is was forged or damaged. */
#define RECORD_CREATED_MIN ((int64_t)0)
#define RECORD_CREATED_MAX ((int64_t)253402214399)
/* Header, full chunks with their length prefix and AEAD tag, signature. */
#define RECORD_MAX_SIZE                                                                            \
	(RECORD_HEADER_LEN + RECORD_MAX_PAYLOAD +                                                  \
	 (RECORD_MAX_PAYLOAD / RECORD_CHUNK) *                                                     \
	     (4 + crypto_secretstream_xchacha20poly1305_ABYTES) +                                  \
	 crypto_sign_BYTES)
#define RECORD_NAME_MAX 64

/* What a record's header says (all of it covered by the signature). */
typedef struct record_header {
	unsigned version;
	unsigned type;        /* RECORD_TYPE_* */
	uint64_t stick_id;    /* key id of the stick that signed it */
	uint64_t seq;         /* per stick and type, 1 to RECORD_SEQ_MAX */
	int64_t created;      /* unix seconds, RECORD_CREATED_MIN to _MAX */
	int tz_minutes;       /* local time offset east of UTC at creation */
	uint64_t ioc_key_id;  /* key id of the IOC key the file key is sealed to */
	uint64_t payload_len; /* plaintext bytes */
	size_t record_len;    /* what the whole record's length must be */
} record_header;

/* Seals payload into a new record (malloc'd into *out). From *in only type,
 * seq, created and tz_minutes are used; the stick and IOC key ids come from
 * the keys. */
int record_seal(const record_header *in, const keys_stick_secret *stick, const keys_ioc_public *ioc,
		const void *payload, size_t len, unsigned char **out, size_t *outlen,
		rq_error *err);

/* Parses and checks the fixed header only (for listing a stick: no keys
 * needed). Does not check the rest of the record. */
int record_read_header(const void *buf, size_t len, record_header *hdr, rq_error *err);

/* Checks the whole record's structure and its signature with the stick's
 * public key, and that the record says it is from that stick. */
int record_verify(const void *buf, size_t len, const keys_stick_public *stick, record_header *hdr,
		  rq_error *err);

/* Opens the payload with the IOC's secret key into a malloc'd buffer.
 * Does not check the stick's signature: call record_verify first. */
int record_open(const void *buf, size_t len, const keys_ioc_secret *ioc, unsigned char **payload,
		size_t *payload_len, rq_error *err);

/* Loads a record file (no symlinks, at most RECORD_MAX_SIZE bytes). */
int record_load(int dirfd, const char *name, unsigned char **buf, size_t *len, rq_error *err);

/* "<stick id hex>-<seq>.rqr" for results, ".rqs" for samples. */
int record_name(uint64_t stick_id, uint64_t seq, unsigned type, char *out, size_t outsz);
/* The inverse of record_name; -1 for a name that is not a record's. */
int record_parse_name(const char *name, uint64_t *stick_id, uint64_t *seq, unsigned *type);
/* "result", "sample" or "unknown". */
const char *record_type_name(unsigned type);

/* Seals payload and writes it into dirfd under the next free sequence
 * number for this stick and type, atomically: after a crash the file is
 * either complete or absent, and no number is ever used twice (a lock file
 * serialises writers, a high-water mark survives deleted records, and the
 * name is published without replacing anything). From *in: type, created,
 * tz_minutes, and seq as a floor: the number chosen is above it too (0:
 * none; the numbers the IOC's receipt lists). Names and a high-water mark
 * above RECORD_SEQ_MAX are ignored: planted or damaged, never written. */
int record_write_next(int dirfd, const record_header *in, const keys_stick_secret *stick,
		      const keys_ioc_public *ioc, const void *payload, size_t len,
		      uint64_t *seq_out, rq_error *err);

/* As record_write_next, for payloads that must repeat the sequence number
 * (DESIGN: stick id, seq and type are in the header and again inside):
 * build is called under the lock with the number chosen and returns a
 * malloc'd payload, freed here. */
typedef int (*record_build_fn)(uint64_t seq, void *ctx, unsigned char **payload, size_t *len,
			       rq_error *err);
int record_write_next_build(int dirfd, const record_header *in, const keys_stick_secret *stick,
			    const keys_ioc_public *ioc, record_build_fn build, void *ctx,
			    uint64_t *seq_out, rq_error *err);

#endif
