/* signedjson: a stick's IOC-signed JSON files (stick.json, roster.json),
 * read by raquet-scan and the launcher alike. */
#ifndef RAQUET_SIGNEDJSON_H
#define RAQUET_SIGNEDJSON_H

#include <json-c/json.h>

#include "keys.h"
#include "rqerror.h"

#define SIGNED_JSON_MAX (1024 * 1024) /* bytes of one signed JSON file */

/* name under dirfd, its .sig checked against the IOC's key, parsed within
 * jsonbound_signed (lib/jsonbound.h): a JSON object (the caller puts it),
 * or NULL with err saying why. */
json_object *signed_json_read(int dirfd, const char *name, const keys_ioc_public *ioc,
			      rq_error *err);
/* o's member key when it is a string, else NULL. */
const char *json_str_member(json_object *o, const char *key);

#endif
