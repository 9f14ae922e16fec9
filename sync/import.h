/* import: reading a stick's results/ and samples/ into ioc.db (DESIGN §4):
 * each record is checked (known, unrevoked stick; signature with the key
 * registered at provisioning; made by the stick whose folder it is in;
 * sealed to this IOC's key), opened, its document checked and merged, all
 * in one transaction per stick. Records already imported are recognised by
 * (stick, type, seq) and by the sealed file's sha256, so a second import
 * changes nothing and a replay under another name is refused. Rejected
 * files are copied to IOC/rejected/<stick>/ with a .reason file. Only after
 * the commit is a receipt, signed by the IOC, written to the stick. */
#ifndef RAQUET_SYNC_IMPORT_H
#define RAQUET_SYNC_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ioc.h"
#include "rqerror.h"

enum import_outcome { IMPORT_NEW, IMPORT_DUPLICATE, IMPORT_REJECTED };

struct import_file {
	char *name; /* "results/<stick>-<seq>.rqr", as found (untrusted) */
	enum import_outcome outcome;
	char *reason; /* for rejections */
};

struct import_gap {
	char type[8];
	uint64_t first, last;
};

struct import_report {
	char stick[KEYS_ID_HEX_LEN + 1];
	struct import_file *files;
	size_t nfiles, cap;
	int imported, duplicates, rejected;
	struct import_gap *gaps; /* every gap, as ranges: no limit on their number */
	size_t ngaps, gapcap;
	bool receipt_written;
	char receipt_error[512]; /* set when the receipt could not be written */
};

/* Needs ioc->sk and the IOC lock. Returns 0 when the transaction committed
 * (rep then says what happened to each file), -1 when nothing was imported
 * (err says why: not a stick of this IOC, disk full, ...). */
int import_stick(struct ioc *ioc, const char *stick, struct import_report *rep, rq_error *err);
void import_report_free(struct import_report *rep);

#endif
