/* live: raquet-scan --auto, the live mode. Finds this PC's volumes, mounts
 * each read-only, scans them all in one run, then, for the volumes with
 * detections and an action that writes, remounts just those read-write for
 * the moment of acting. Everything is unmounted and synced at the end, also
 * after an error or SIGINT. Returns the per-volume facts and the device
 * identity for the result document; prints nothing. docs/live-mode.md. */
#ifndef RAQUET_LIVE_H
#define RAQUET_LIVE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "rqerror.h"
#include "scan.h"

#define LIVE_KEY_LEN 55 /* 8 groups of 6 digits with dashes */

struct live_config {
	const char *const *devices; /* --device: only these (disks or partitions) */
	size_t ndevices;
	const char *stick_dir;      /* its disk is neither scanned nor counted */
	const char *identity_root;  /* NULL: "/" */
	const char *bitlocker_pass; /* from live_read_bitlocker_key, or NULL */
	bool remove_hiberfile;
	bool list_autoruns; /* every autorun entry in the result, not just detected */
};

struct live_result {
	json_object *volumes;    /* "volumes" of the result document */
	json_object *device;     /* identity with "windows": [...] */
	json_object *autoruns;   /* "autoruns" of the result document */
	size_t failed;           /* volumes in state mount-failed */
	size_t hibernated;       /* volumes left read-only-hibernated */
	char release_error[512]; /* set when something could not be unmounted */
};

/* Reads a BitLocker recovery password (48 digits, dashes and spaces
 * allowed) from file into pass, dashed as dislocker wants it. Each group
 * of six must be a multiple of 11, as BitLocker's are. */
int live_read_bitlocker_key(const char *file, char pass[LIVE_KEY_LEN + 1], rq_error *err);

/* Runs the live mode with the scan settings of sc (its paths are ignored).
 * rep is filled as by scan_run; out owns two JSON objects for
 * result_build. Returns 0 when the run could happen, -1 on a setup error
 * (no engine, no memory, discovery failed) with everything released. */
int live_run(const struct live_config *lc, const struct scan_config *sc, struct scan_report *rep,
	     struct live_result *out, rq_error *err);

#endif
