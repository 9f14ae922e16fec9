/* resultdoc: the words of the result document raquet.result/1
 * (docs/result-format.md), spelled once. Every program that writes or
 * reads the document (raquet-scan, raquet-sync's merge, the launcher, the
 * report's draft) goes through these enums and tables instead of its own
 * strings, so a new word or a changed spelling is one edit here, and a
 * name the table does not know is refused rather than compared away.
 * Also the checked json-c helpers the builders share: json-c returns NULL
 * or -1 when it runs out of memory, and a document built by ignoring that
 * would lose members silently. */
#ifndef RAQUET_RESULTDOC_H
#define RAQUET_RESULTDOC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "rqerror.h"

/* The counts (RESULTDOC_N*) follow each enum as macros so a switch over
 * the enum stays complete without a case for them. */

/* Overall status of a session ("status"). */
enum resultdoc_status {
	RESULTDOC_CLEAN,
	RESULTDOC_CLEANED,
	RESULTDOC_INFECTED_NOT_CLEANED,
	RESULTDOC_INCOMPLETE
};
#define RESULTDOC_NSTATUS (RESULTDOC_INCOMPLETE + 1)

/* A volume's "state". */
enum resultdoc_state {
	RESULTDOC_SCANNED,
	RESULTDOC_MISSING, /* a plain-mode root that could not be opened */
	RESULTDOC_INTERRUPTED,
	RESULTDOC_HIBERNATED, /* "read-only-hibernated" */
	RESULTDOC_ENCRYPTED,
	RESULTDOC_UNSUPPORTED,
	RESULTDOC_MOUNT_FAILED
};
#define RESULTDOC_NSTATES (RESULTDOC_MOUNT_FAILED + 1)

/* A detection's "outcome". */
enum resultdoc_outcome {
	RESULTDOC_REPORTED,     /* report mode: left in place by choice */
	RESULTDOC_QUARANTINED,  /* moved to quarantine */
	RESULTDOC_DELETED,      /* removed */
	RESULTDOC_FAILED,       /* the action failed: left in place, detail says why */
	RESULTDOC_NEEDS_REPAIR, /* a boot-critical Windows file: never removed;
				 * Windows must be repaired (docs/remediation.md) */
};
#define RESULTDOC_NOUTCOMES (RESULTDOC_NEEDS_REPAIR + 1)

/* "mode"."action": what to do with detections (also RAQUET/config's
 * action, raquet-scan's --action, the launcher's choice). */
enum resultdoc_action { RESULTDOC_REPORT, RESULTDOC_QUARANTINE, RESULTDOC_DELETE };
#define RESULTDOC_NACTIONS (RESULTDOC_DELETE + 1)

/* "mode"."scan" (also RAQUET/config's scan). */
enum resultdoc_scan { RESULTDOC_QUICK, RESULTDOC_FULL };
#define RESULTDOC_NSCANS (RESULTDOC_FULL + 1)

/* A USB repair's "kind", "action" and "outcome" (repairs[],
 * docs/usb-repair.md), and device."kind" (a station-mode drive). */
enum resultdoc_repair_kind { RESULTDOC_SHORTCUT, RESULTDOC_AUTORUN, RESULTDOC_HIDDEN };
#define RESULTDOC_NREPAIR_KINDS (RESULTDOC_HIDDEN + 1)
enum resultdoc_repair_action { RESULTDOC_R_QUARANTINE, RESULTDOC_R_DELETE, RESULTDOC_R_UNHIDE };
#define RESULTDOC_NREPAIR_ACTIONS (RESULTDOC_R_UNHIDE + 1)
enum resultdoc_repair_outcome {
	RESULTDOC_PLANNED, /* report mode: would be done */
	RESULTDOC_DONE,
	RESULTDOC_NOT_DONE, /* "failed": detail says why; left as it was */
	RESULTDOC_NO_WAY,   /* "unsupported": the file system gives no way */
};
#define RESULTDOC_NREPAIR_OUTCOMES (RESULTDOC_NO_WAY + 1)
enum resultdoc_device_kind { RESULTDOC_COMPUTER, RESULTDOC_REMOVABLE };
#define RESULTDOC_NDEVICE_KINDS (RESULTDOC_REMOVABLE + 1)

/* A persistence entry's "kind", its target's "verdict" and its "outcome"
 * (autoruns[], docs/remediation.md). */
enum resultdoc_autorun_kind {
	RESULTDOC_AUTORUN_RUN,      /* a Run/RunOnce value: deleted */
	RESULTDOC_AUTORUN_WINLOGON, /* Winlogon Shell/Userinit: reset to Windows' default */
	RESULTDOC_AUTORUN_IFEO,     /* an IFEO Debugger value: deleted */
	RESULTDOC_AUTORUN_APPINIT,  /* AppInit_DLLs: emptied */
	RESULTDOC_AUTORUN_SERVICE,  /* a service's ImagePath or ServiceDll: Start=4 */
	RESULTDOC_AUTORUN_STARTUP,  /* a file in a Startup folder: quarantined as a file */
	RESULTDOC_AUTORUN_TASK,     /* a scheduled task's XML: quarantined, TaskCache cleaned */
};
#define RESULTDOC_NAUTORUN_KINDS (RESULTDOC_AUTORUN_TASK + 1)
enum resultdoc_autorun_verdict {
	RESULTDOC_VERDICT_NOT_FOUND,
	RESULTDOC_VERDICT_CLEAN,
	RESULTDOC_VERDICT_DETECTED,
};
#define RESULTDOC_NAUTORUN_VERDICTS (RESULTDOC_VERDICT_DETECTED + 1)
enum resultdoc_autorun_outcome {
	RESULTDOC_AR_LEFT,     /* target clean or not found: left alone */
	RESULTDOC_AR_REPORTED, /* report mode: would be cleaned */
	RESULTDOC_AR_CLEANED,
	RESULTDOC_AR_NOT_CLEANED, /* detail says why */
};
#define RESULTDOC_NAUTORUN_OUTCOMES (RESULTDOC_AR_NOT_CLEANED + 1)

/* The document's spelling; NULL for a value out of range. */
const char *resultdoc_status_name(enum resultdoc_status v);
const char *resultdoc_state_name(enum resultdoc_state v);
const char *resultdoc_outcome_name(enum resultdoc_outcome v);
const char *resultdoc_action_name(enum resultdoc_action v);
const char *resultdoc_scan_name(enum resultdoc_scan v);
const char *resultdoc_repair_kind_name(enum resultdoc_repair_kind v);
const char *resultdoc_repair_action_name(enum resultdoc_repair_action v);
const char *resultdoc_repair_outcome_name(enum resultdoc_repair_outcome v);
const char *resultdoc_device_kind_name(enum resultdoc_device_kind v);
const char *resultdoc_autorun_kind_name(enum resultdoc_autorun_kind v);
const char *resultdoc_autorun_verdict_name(enum resultdoc_autorun_verdict v);
const char *resultdoc_autorun_outcome_name(enum resultdoc_autorun_outcome v);

/* The enum for a spelling: 0, or -1 (*out untouched) when s is NULL or
 * not one of the table's names (exact, case-sensitive). */
int resultdoc_status_parse(const char *s, enum resultdoc_status *out);
int resultdoc_state_parse(const char *s, enum resultdoc_state *out);
int resultdoc_outcome_parse(const char *s, enum resultdoc_outcome *out);
int resultdoc_action_parse(const char *s, enum resultdoc_action *out);
int resultdoc_scan_parse(const char *s, enum resultdoc_scan *out);
int resultdoc_repair_kind_parse(const char *s, enum resultdoc_repair_kind *out);
int resultdoc_repair_action_parse(const char *s, enum resultdoc_repair_action *out);
int resultdoc_repair_outcome_parse(const char *s, enum resultdoc_repair_outcome *out);
int resultdoc_device_kind_parse(const char *s, enum resultdoc_device_kind *out);
int resultdoc_autorun_kind_parse(const char *s, enum resultdoc_autorun_kind *out);
int resultdoc_autorun_verdict_parse(const char *s, enum resultdoc_autorun_verdict *out);
int resultdoc_autorun_outcome_parse(const char *s, enum resultdoc_autorun_outcome *out);

/* --- checked json-c ------------------------------------------------------
 * Each adds to obj (an object; or an array when key is NULL for
 * resultdoc_put) and returns 0, or -1 when json-c could not allocate. They
 * take over child even on failure, so a caller chains them with || and
 * frees only its own top object. *bad, when given, is set on failure and
 * never cleared: a builder can add many members and check once. */
int resultdoc_put(json_object *obj, const char *key, json_object *child, bool *bad);
/* child may be legitimately NULL here (JSON null): only the add can fail. */
int resultdoc_put_null_ok(json_object *obj, const char *key, json_object *child, bool *bad);
/* A string, or null when s is NULL. */
int resultdoc_put_str(json_object *obj, const char *key, const char *s, bool *bad);
int resultdoc_put_u64(json_object *obj, const char *key, uint64_t v, bool *bad);
/* The escaped path under key and "path_escaped" (lib/escape.h). */
int resultdoc_put_path(json_object *obj, const char *key, const char *path, bool *bad);

/* --- builders shared by plain and live mode ------------------------------ */

/* What a volume's scan counted (its "files" ... "changed" members). */
struct resultdoc_counts {
	uint64_t files, bytes, errors, skipped, excluded, changed;
};
/* Adds files, bytes, errors, skipped, excluded and changed, in that order
 * (both volume shapes end with them; docs/result-format.md). */
int resultdoc_put_counts(json_object *vol, const struct resultdoc_counts *c, bool *bad);

/* One entry of "volumes", in the one shape both modes write
 * (docs/result-format.md): a PATH of a folder scan, or a file system of
 * live mode. A folder scan leaves the disk's members NULL (JSON null).
 * filesystem, label and uuid come from the disk and are escaped; path is
 * escaped, "path_escaped" says when that changed it (NULL: not mounted). */
struct resultdoc_volume {
	const char *device, *filesystem, *label, *uuid, *detail, *path, *driver;
	bool has_size; /* size is known (live mode) */
	uint64_t size;
	enum resultdoc_state state;
	struct resultdoc_counts counts;
	uint64_t detections;
	bool hiberfile_removed;
};
/* NULL when json-c could not allocate: the caller's document fails. */
json_object *resultdoc_volume(const struct resultdoc_volume *v);

/* The "device" member: the PC's identity (lib/identity.h) collected under
 * root ("/" when NULL), exclude_disk (the stick's, may be NULL) left out.
 * NULL with err when it cannot be collected or json-c could not allocate. */
json_object *resultdoc_device(const char *root, const char *exclude_disk, rq_error *err);

#endif
