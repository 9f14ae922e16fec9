/* persist: a Windows volume's persistence in live mode: its autorun targets
 * scanned first (also with --quick), and, once a target was removed, the
 * entry that started it cleaned (hives through hivefix, task files into the
 * quarantine). docs/remediation.md. */
#ifndef RAQUET_LIVE_PERSIST_H
#define RAQUET_LIVE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scan.h"
#include "windows/autoruns.h"

/* Adds to paths (at most max) the targets a scan of the volume at ar->root
 * would not reach first: with quick, those outside the --quick places; in
 * a full scan none (the walk reaches them all). Returns how many. */
size_t persist_targets(const struct autoruns *ar, bool quick, const char **paths, size_t max);

/* Settles every entry with a detected target, after the action: cleaned
 * when writable and its target was removed, else reported or not-cleaned
 * with why (NULL: say it from the detection). */
void persist_settle(struct autoruns *ar, const struct scan_config *sc, bool writable,
		    const char *why_not);

/* --list-autoruns PATH...: each PATH a mounted Windows volume; prints its
 * entries (autoruns_print) after scanning their targets with sc's engine
 * and limits. Returns 1 when a target was detected, 0, or -1. */
int persist_list(const struct scan_config *sc, FILE *out, rq_error *err);

#endif
