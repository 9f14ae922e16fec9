/* revoke: `raquet-sync revoke STICK [--yes]`. A revoked stick's records are
 * refused for good, so the operator names the stick by id or label and
 * confirms on a terminal; a script says --yes. */
#ifndef RAQUET_SYNC_REVOKE_H
#define RAQUET_SYNC_REVOKE_H

#include <stdio.h>

#include "rqerror.h"

/* argv[0] is "revoke". Asks on in (when it is a terminal; the question goes
 * to ask) unless --yes is given; without a terminal and without --yes it
 * refuses. Says what it did on out. */
int revoke_command(const char *ioc_dir, int argc, char **argv, FILE *in, FILE *ask, FILE *out,
                   rq_error *err);

#endif
