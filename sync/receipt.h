/* receipt: what the IOC tells a stick after an import, signed by the IOC:
 * receipts/<ioc id>.json (+ .sig), raquet.receipt/1:
 *
 *   {"format": "raquet.receipt/1", "ioc": "...", "stick": "...", "issued": "...",
 *    "import": {"imported": 3, "already_imported": 12, "rejected": 1},
 *    "records": {"result": [[1, 15]], "sample": [[1, 4], [6, 6]]},
 *    "gaps": {"result": [], "sample": [[5, 5]]},
 *    "rejected": [{"file": "results/...", "reason": "..."}]}
 *
 * "records" lists every sequence number the IOC holds from this stick, as
 * ranges, so a record listed there is safe at the IOC. */
#ifndef RAQUET_SYNC_RECEIPT_H
#define RAQUET_SYNC_RECEIPT_H

#include "import.h"
#include "ioc.h"

int receipt_write(struct ioc *ioc, int rqfd, const struct import_report *rep, rq_error *err);

#endif
