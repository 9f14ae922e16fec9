/* quarantine_pc: notes that tell which PC (computer name, device, time)
 * the entries of a stick's quarantine came from, so the listing can group
 * them (scanner/quarantine_pc.c, docs/quarantine.md). */
#ifndef RAQUET_QUARANTINE_PC_H
#define RAQUET_QUARANTINE_PC_H

#include <json-c/json.h>
#include <stddef.h>

#include "rqerror.h"
#include "scan.h"

struct quarantine_pc {
	char *computer, *device, *started; /* escaped for display */
	char **ids;
	size_t nids;
};

/* After a scan: a note in qdir naming the entries rep quarantined, with
 * the computer name (or product name) and device id from the result
 * document doc, and the scan's start in local time. Nothing when the scan
 * quarantined nothing. */
int quarantine_note_pc(const char *qdir, json_object *doc, const struct scan_report *rep,
		       rq_error *err);

/* Every readable note in the quarantine directory qfd, oldest scan first;
 * bad ones are left out. -1 when the directory cannot be read. */
int quarantine_pc_load(int qfd, struct quarantine_pc **out, size_t *count);
void quarantine_pc_free(struct quarantine_pc *v, size_t n);

/* The note that names entry id, or NULL. */
const struct quarantine_pc *quarantine_pc_of(const struct quarantine_pc *v, size_t n,
					     const char *id);

#endif
