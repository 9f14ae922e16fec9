/* stick: the scanner's side of a raquet stick (DESIGN §4 "The stick"):
 * opening RAQUET/ with its keys, signed stick.json and roster, and config;
 * sealing result and sample records into it; listing them without reading
 * them. Nothing here can open a record: the stick holds no IOC secret. */
#ifndef RAQUET_STICK_H
#define RAQUET_STICK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "keys.h"
#include "rqerror.h"
#include "scan.h"
#include "sticklayout.h"

/* Free bytes a scan that may act needs on the stick before it starts, and
 * that quarantining always leaves: room for the result record. */
#define STICK_KEEP_FREE (4u * 1024 * 1024)
#define STICK_WARN_MAX  8                /* warnings kept; more are counted */
#define STICK_PENDING   "pending-result" /* quarantine/pending-result[-N].json */

/* struct stick_config: RAQUET/config (lib/sticklayout.h). */

struct stick {
	int dirfd;              /* DIR/RAQUET */
	char *path;             /* DIR/RAQUET, for messages */
	keys_stick_secret *key; /* sodium_malloc'd */
	keys_ioc_public ioc;
	char id_hex[KEYS_ID_HEX_LEN + 1];
	json_object *info;   /* stick.json, signature checked */
	json_object *roster; /* roster.json, signature checked */
	struct stick_config config;
	/* The highest number the IOC's signed receipt lists per type (index
	 * RECORD_TYPE_RESULT, RECORD_TYPE_SAMPLE): sealing goes on above it
	 * even if the records and the high-water mark are gone. */
	uint64_t receipt_max[3];
	/* What the caller should show: receipts or names ignored. */
	char *warnings[STICK_WARN_MAX];
	size_t nwarnings, warnings_dropped;
};

/* Opens DIR/RAQUET: ioc.pub, stick.key, stick.json and roster.json (both
 * checked against the IOC's signing key, stick.json naming this stick's
 * key), config. */
int stick_open(const char *dir, struct stick *s, rq_error *err);
void stick_close(struct stick *s);

/* Checks db/ against its MANIFEST signed by the IOC (scanner/stickdb.c). */
int stick_check_database(const struct stick *s, rq_error *err);
/* The signed db/MANIFEST's version and date (0 and "" when it has none). */
int stick_manifest_info(const struct stick *s, uint64_t *version, char *date, size_t datelen,
			rq_error *err);

/* The unit's name when code is in the signed roster, else NULL. */
const char *stick_unit_name(const struct stick *s, const char *code);

/* Seals a quarantined file (content read from fd, at most the configured
 * cap; bigger files are recorded without their bytes) into samples/.
 * name_out receives the record's file name. Thread-safe. */
int stick_seal_sample(struct stick *s, int fd, const struct detection *d, const char *unit,
		      char *name_out, size_t name_len, rq_error *err);

/* Seals the result document (its "record" member is filled in here with
 * stick, seq and created) and the scan log into results/. */
int stick_seal_result(struct stick *s, json_object *doc, const char *log, uint64_t *seq,
		      rq_error *err);

/* Before a scan that may act (quarantine, delete): checks everything that
 * would make sealing its result fail, so that nothing is done without a
 * record: results/ (and samples/ when samples will be sealed) can be
 * written, the stick has STICK_KEEP_FREE bytes free, no other program
 * holds the record store's lock, and a next sequence number exists. Also
 * reads the IOC's receipt (receipt_max) and notes record names whose
 * numbers are beyond RECORD_SEQ_MAX (ignored by the sequence, warned
 * about). Returns 0, or -1 with err saying what is wrong. */
int stick_check_sealable(struct stick *s, bool samples, rq_error *err);

/* When the result could not be sealed: writes it, with the scan log and
 * why, to quarantine/pending-result[-N].json (mode 0600, atomically, never
 * replacing one), to be sealed by stick_seal_pending at the next start.
 * name_out receives "quarantine/NAME". The file is NOT confidential to the
 * IOC as a record is: it lives on the stick until the next start. */
int stick_write_pending(struct stick *s, json_object *doc, const char *log, const char *why,
			char *name_out, size_t name_len, rq_error *err);

/* Seals every pending result of this stick as a result record, oldest
 * first, and removes each once sealed; done(ctx, name, seq) is told of
 * each. A file that is not a pending result of this stick is left alone
 * with a warning. Returns how many were sealed, or -1 when sealing failed
 * (the ones not sealed stay). */
int stick_seal_pending(struct stick *s, void (*done)(void *ctx, const char *name, uint64_t seq),
		       void *ctx, rq_error *err);

/* receipts/<IOC key id>.json (sync/receipt.c): the IOC's signed word of
 * what it holds of this stick, checked against ioc.pub and naming this
 * stick. NULL with err->msg "" when there is none, NULL with a message when
 * one is there but cannot be trusted. The caller puts it. */
json_object *stick_receipt(const struct stick *s, rq_error *err);

/* Prints seq, time, type and size of every record on the stick, from their
 * headers only. Returns the number of records, or -1. */
int stick_list(const struct stick *s, FILE *out, rq_error *err);

#endif
