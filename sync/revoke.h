/* revoke: `raquet-sync revoke STICK [--yes]`. A revoked stick's records are
 * refused for good, so the operator names the stick by id or label and
 * confirms on a terminal; a script says --yes. */
#ifndef RAQUET_SYNC_REVOKE_H
#define RAQUET_SYNC_REVOKE_H

#include <stdbool.h>
#include <stdio.h>

#include "rqerror.h"

struct ioc;

/* Revokes the stick arg names (id or label) in ioc (opened, not locked:
 * the lock is taken once the operator has answered). Asks on in (when it
 * is a terminal; the question goes to ask) unless yes; without a terminal
 * and without yes it refuses. Says what it did on out. */
int revoke_run(struct ioc *ioc, const char *arg, bool yes, FILE *in, FILE *ask, FILE *out,
	       rq_error *err);

#endif
