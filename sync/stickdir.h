/* stickdir: a stick's data partition as the IOC sees it: STICK/RAQUET/
 * opened and its signed stick.json checked against this IOC's key, which
 * gives the stick id the directory belongs to (never trusted from
 * stick.pub or from the records themselves). */
#ifndef RAQUET_SYNC_STICKDIR_H
#define RAQUET_SYNC_STICKDIR_H

#include <json-c/json.h>

#include "ioc.h"
#include "keys.h"
#include "rqerror.h"
#include "signedjson.h"
#include "sticklayout.h"

#define STICKDIR_RAQUET STICK_DIR /* lib/sticklayout.h */

struct stickdir {
	int fd;     /* STICK/RAQUET */
	char *path; /* STICK/RAQUET, for messages */
	uint64_t id;
	char id_hex[KEYS_ID_HEX_LEN + 1];
	json_object *info; /* stick.json, signature checked */
};

/* Opens STICK/RAQUET and reads stick.json, which must be signed by this
 * IOC and name a stick id. */
int stickdir_open(const struct ioc *ioc, const char *stick, struct stickdir *sd, rq_error *err);
void stickdir_close(struct stickdir *sd);

/* Writes obj as pretty JSON into name + its .sig, signed by the IOC. */
int stickdir_write_signed_json(int fd, const char *name, json_object *obj,
			       const keys_ioc_secret *sk, rq_error *err);

#endif
