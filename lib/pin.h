/* pin: the IOC key the system pins, against which a stick's ioc.pub is
 * checked before anything on the stick is trusted.
 *
 * Without a pin a stick is its own trust anchor: stick.json, roster.json and
 * db/MANIFEST are checked against the ioc.pub beside them, so whoever
 * replaces that key and re-signs the files controls the scan's signatures
 * and receives its results. The live image pins the key of the IOC that
 * issued it (docs/stick-layout.md, "The pinned IOC key"); raquet-scan and
 * the launcher refuse a stick whose ioc.pub is any other key.
 *
 * Where the pin is read from:
 *   $RAQUET_PINNED_IOC   when set: that file, and it must be readable (the
 *                        live system sets it, so a missing pin refuses every
 *                        stick rather than trusting any);
 *   /etc/raquet/ioc.pub  otherwise, when it exists;
 *   none                 a folder scan on any Linux box: today's behaviour. */
#ifndef RAQUET_PIN_H
#define RAQUET_PIN_H

#include "keys.h"
#include "rqerror.h"

#define PIN_ENV          "RAQUET_PINNED_IOC"
#define PIN_DEFAULT_PATH "/etc/raquet/ioc.pub"

enum pin_state {
	PIN_NONE,    /* no pin on this system: the stick's key is taken as is */
	PIN_MATCH,   /* the stick's IOC is the pinned one */
	PIN_FOREIGN, /* the stick belongs to another IOC (or was re-keyed) */
	PIN_BROKEN,  /* a pin is required but cannot be read */
};

/* Compares the stick's IOC public keys (both the signing and the sealing
 * key, and the id) with the pinned ones. Returns 0 for PIN_NONE and
 * PIN_MATCH; -1 with err filled for PIN_FOREIGN and PIN_BROKEN. state (may
 * be NULL) tells which, so a caller can word the refusal for its user. */
int pin_check(const keys_ioc_public *stick_ioc, enum pin_state *state, rq_error *err);

/* Reads the pinned key into *pk: 1 when there is one, 0 when the system has
 * none (PIN_NONE), -1 on error (PIN_BROKEN). */
int pin_read(keys_ioc_public *pk, rq_error *err);

#endif
