/* precheck: what the import learns about one record file without asking
 * ioc.db (DESIGN §4): the file read, its sha256, the checks of its header
 * against the stick whose folder it is in, the stick's signature, the IOC
 * key id, and the payload opened with the IOC's secret key. It touches
 * nothing but the file, so the pipeline (pipeline.h) runs it in worker
 * threads; the import then asks the database, in the same order as before
 * (already imported? replayed?), and merges. */
#ifndef RAQUET_SYNC_PRECHECK_H
#define RAQUET_SYNC_PRECHECK_H

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "payload.h"
#include "record.h"
#include "rqerror.h"

#define PRECHECK_WHY 600

/* The sha256 of every record of this stick already in ioc.db when the
 * import began, sorted: a file with one of them is a duplicate or a replay
 * (the import asks the database, which decides), so its crypto can wait. */
struct precheck_seen {
	unsigned char (*sha)[32];
	size_t n;
};

/* Shared, read-only, by every worker of one folder. */
struct precheck_ctx {
	int dirfd;       /* the stick's results/ or samples/ */
	const char *sub; /* STICK_RESULTS or STICK_SAMPLES */
	uint64_t stick_id;
	const char *stick_hex;
	bool known, revoked; /* in ioc.db's sticks */
	const char *revoked_on;
	const keys_stick_public *pk; /* registered at provisioning (when known) */
	const keys_ioc_public *ioc_pub;
	const char *ioc_hex;
	const keys_ioc_secret *sk;
	const struct precheck_seen *seen;
	const atomic_bool *over; /* set by the import: open no more payloads */
};

struct precheck {
	const char *name;   /* as listed (untrusted) */
	bool load_failed;   /* why says why */
	bool deferred;      /* sha256 in seen: checks and opening not done yet */
	unsigned char *buf; /* the file, kept only while deferred */
	size_t len;
	char sha[65];
	bool parsed; /* the name is a record's name: */
	uint64_t nstick, nseq;
	unsigned ntype;
	record_header h;
	char why[PRECHECK_WHY];      /* refused by the header, signature or IOC key checks */
	char open_why[PRECHECK_WHY]; /* passed those, but could not be opened */
	payload_list payload;        /* opened, when both are "" */
	size_t cost;                 /* bytes held (pipeline budget) */
};

/* Reads name from c->dirfd into p (all of p is set) and, unless its sha256
 * is in c->seen, runs precheck_finish. */
void precheck_run(const struct precheck_ctx *c, const char *name, struct precheck *p);
/* The checks and the opening, for a loaded record. */
void precheck_finish(const struct precheck_ctx *c, struct precheck *p);
/* Frees what p holds. */
void precheck_clear(struct precheck *p);

/* Fills s from ioc.db (inside the import's transaction). */
int precheck_seen_load(sqlite3 *db, const char *stick_hex, struct precheck_seen *s, rq_error *err);
void precheck_seen_free(struct precheck_seen *s);

#endif
