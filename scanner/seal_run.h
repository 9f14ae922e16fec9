/* seal_run: a run's record on the stick, as raquet-scan's commands use it.
 * Before the scan: open the stick, take from it what was not given on the
 * command line (action, quarantine, cache), check that a result can be
 * sealed and seal the one an earlier run left pending. During it: each
 * file about to be quarantined is also sealed as a sample. After it: the
 * result document and the scan log (what stdout showed) sealed as one
 * record, or kept on the stick to be sealed next time. */
#ifndef RAQUET_SEAL_RUN_H
#define RAQUET_SEAL_RUN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "scan.h"
#include "stick.h"

/* What the command line said about the stick and the record. */
struct seal_run_options {
	const char *stick_dir; /* --stick DIR */
	const char *unit, *technician, *identity_root;
	const char *json_path; /* --json: the result document also written there */
	char *stick_db;        /* DIR/RAQUET/db when the scan uses the stick's databases */
	bool list_stick;       /* --list: the stick is opened, nothing else */
	bool action_given, qdir_given, no_cache;
};

/* Lives as long as the scan: the sample hook's context. */
struct seal_run_hook {
	struct stick *stick;
	const char *unit;
};

/* Opens the stick at so->stick_dir and readies sc to seal to it (with
 * --list, only opens it). Every refusal is said on stderr before anything
 * is scanned; returns 0, or -1 with the stick closed. */
int seal_run_open_stick(const struct seal_run_options *so, struct scan_config *sc,
			struct stick *stick, struct seal_run_hook *hook);

/* Seals the result of rep (scanned as sc says) to the stick; returns 0 and
 * prints where it went. Live mode hands its own device and volumes (taken
 * over), else NULL. */
int seal_run_result(const struct seal_run_options *so, const struct scan_config *sc,
		    struct stick *stick, const struct scan_report *rep, json_object *device,
		    json_object *volumes, json_object *autoruns);

/* clamscan's SCAN SUMMARY block; the sealed scan log ends with it too.
 * status NULL: the report's own. */
void seal_run_print_summary(FILE *out, const struct scan_report *rep, const char *status);

#endif
