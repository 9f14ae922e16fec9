/* merge: a result document (raquet.result/1) or a sample's meta.json
 * (raquet.sample/1) checked field by field against its schema and merged
 * into ioc.db's normalised tables (devices, scans, volumes, detections,
 * actions, samples). Runs inside the caller's transaction. */
#ifndef RAQUET_SYNC_MERGE_H
#define RAQUET_SYNC_MERGE_H

#include <sqlite3.h>
#include <stddef.h>

#include "record.h"
#include "rqerror.h"

#define MERGE_REJECT (-1) /* the document is refused: err says why */
#define MERGE_FAIL   (-2) /* the database failed: stop the import */

struct merge;

struct merge *merge_new(sqlite3 *db, rq_error *err);
void merge_free(struct merge *m);

/* stick is the stick's id (hex); h its record's checked header. */
int merge_result(struct merge *m, const char *stick, const record_header *h, const char *json,
		 size_t len, const char *log, size_t loglen, rq_error *err);

/* For a sample: sha_out gets the sample's sha256 when its bytes came along
 * (copied true; bin/binlen checked against size and sha256), else "". The
 * caller stores the bytes, then calls merge_sample_store. */
int merge_sample_check(struct merge *m, const char *stick, const record_header *h, const char *json,
		       size_t len, const unsigned char *bin, size_t binlen, char sha_out[65],
		       rq_error *err);
int merge_sample_store(struct merge *m, const char *stick, const record_header *h,
		       const char *stored, rq_error *err);

#endif
