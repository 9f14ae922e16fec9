/* provision: making a directory (a stick's mounted data partition) into a
 * raquet stick of this IOC, and keeping it up to date (docs/stick-layout.md):
 * stick keys, ioc.pub, signed stick.json and roster.json, config, db/ with
 * its signed MANIFEST, and the record folders. The IOC secret key never
 * goes to the stick. The roster is the stick's units and every unit below
 * them. */
#ifndef RAQUET_SYNC_PROVISION_H
#define RAQUET_SYNC_PROVISION_H

#include <stddef.h>

#include "ioc.h"
#include "rqerror.h"

#define PROVISION_DEFAULT_DB "/var/lib/clamav"

struct provision_opts {
	const char *stick;  /* the mounted data partition */
	const char **units; /* --unit CODE ... */
	size_t nunits;
	const char *label;    /* may be NULL */
	const char *database; /* ClamAV database directory */
};

struct provision_result {
	char id[KEYS_ID_HEX_LEN + 1];
	int nfiles; /* database files copied */
	int nunits; /* units in the roster */
};

/* Needs ioc->sk and the IOC lock. Refuses a directory that already holds
 * a stick (of this IOC: use update; of another IOC: never). */
int provision_stick(struct ioc *ioc, const struct provision_opts *o, struct provision_result *r,
		    rq_error *err);

/* Replaces db/ (new signed MANIFEST), roster.json and config of a stick of
 * this IOC; results, samples, quarantine and receipts are left alone. */
int provision_update(struct ioc *ioc, const char *stick, const char *database,
		     struct provision_result *r, rq_error *err);

#endif
