/* autoruns: what starts programs on an offline Windows installation, read
 * from its hives (hivex) and its file system, each entry's command resolved
 * to a file on the mounted volume so that it can be scanned first and, when
 * detected and removed, its entry cleaned too (hivefix.h). Locations and
 * resolution rules: docs/remediation.md. */
#ifndef RAQUET_AUTORUNS_H
#define RAQUET_AUTORUNS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rqerror.h"
#include "scan.h"

/* Bounds against hostile hives and trees: a real PC has some hundreds of
 * entries (mostly services), a few dozen tasks. */
#define AUTORUNS_MAX     20000
#define AUTORUNS_CMD_MAX 2048 /* bytes of a command kept */

/* Kinds, verdicts and outcomes are the result document's words
 * (lib/resultdoc.h). */

struct autorun {
	enum resultdoc_autorun_kind kind;
	char *location; /* "HKLM\Software\...\Run", "HKU\an\...", a folder */
	char *hive;     /* the hive file, relative to the volume root; NULL for files */
	char *key;      /* the key inside the hive ("Microsoft\...\Run") */
	char *name;     /* value name, service, file or task name */
	char *command;  /* as stored (UTF-8, bounded) */
	char *target;   /* resolved file: absolute path under the root, or NULL */
	char *file;     /* the task XML or Startup item: absolute path, or NULL */
	const struct detection *det; /* the detection of the target, if any */
	enum resultdoc_autorun_verdict verdict;
	enum resultdoc_autorun_outcome outcome;
	char *detail;
};

struct autoruns {
	char *root;     /* the mounted volume */
	char *software; /* its SOFTWARE hive, relative, or NULL (TaskCache) */
	struct autorun *v;
	size_t n, cap;
	size_t hives_read, hive_errors;
	char errors[4][320]; /* the first hive problems, for the result */
};

/* Reads every entry of the Windows installation on the volume mounted at
 * root (nothing when there is none). Unreadable hives and folders are
 * noted in a->errors, not fatal. Returns 0, or -1 (out of memory). */
int autoruns_read(const char *root, struct autoruns *a, rq_error *err);

/* Resolves a command line as Windows would run it, for user (NULL: a
 * machine-wide entry), to a file relative to the volume at rootfd: 1 with
 * rel set, 0 when it names no file here. Exposed for the tests. */
int autoruns_resolve(int rootfd, const char *command, const char *user, char *rel, size_t relsz);

struct winpath_cache;
/* autoruns_resolve with a folder-listing cache for the volume (winpath.h). */
int autoruns_resolve_in(struct winpath_cache *c, int rootfd, const char *command, const char *user,
			char *rel, size_t relsz);

/* Sets each entry's verdict from the detections (a target detected, clean
 * when it exists, else not-found). */
void autoruns_judge(struct autoruns *a, const struct detection *dets, size_t n);

/* The entries as "autoruns" of the result document: those with a detected
 * target, or all when all is set. */
json_object *autoruns_json(const struct autoruns *a, bool all);

/* Prints one line per entry (location, name, command, target, verdict). */
void autoruns_print(const struct autoruns *a, FILE *out);

void autoruns_free(struct autoruns *a);

#endif
