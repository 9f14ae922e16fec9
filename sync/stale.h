/* stale: which active sticks carry signature databases N days old or older
 * (raquet-sync status --stale-days N). The freshclam timer runs it after a
 * refresh so the operator is told which sticks need `raquet-sync update`;
 * docs/office-guide.md, "Fresh signatures on a timer". */
#ifndef RAQUET_SYNC_STALE_H
#define RAQUET_SYNC_STALE_H

#include <stdio.h>

#include "rqerror.h"

/* The most days --stale-days accepts: a hundred years is "never updated". */
#define STALE_MAX_DAYS 36500

/* Parses N: decimal digits only, 0 to STALE_MAX_DAYS. */
int stale_parse_days(const char *arg, int *days, rq_error *err);

/* `status --stale-days N` (argv[0] is "status"): opens the IOC at ioc_dir
 * read-only and writes one line per active stick whose databases are at
 * least N whole days old, then a summary line, to out. Returns how many
 * sticks are stale, or -1 with err set (bad arguments included). */
int stale_command(const char *ioc_dir, int argc, char **argv, FILE *out, rq_error *err);

#endif
