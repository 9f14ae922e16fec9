/* jsonbound: bounded work for JSON that comes from a stick (result.json,
 * meta.json, receipts, the signed stick files). json-c builds a hash table
 * for every object and a node for every value, about 700 bytes for a "{}"
 * of two bytes, so an 8 MiB "[{},{},...]" costs gigabytes once built. A
 * pre-pass over the text counts bytes, nesting depth, values and
 * containers without allocating anything, and refuses the text before
 * json-c sees it when any count is over its limit. The limits are in
 * docs/record-format.md ("Bounded work"). */
#ifndef RAQUET_JSONBOUND_H
#define RAQUET_JSONBOUND_H

#include <stddef.h>

#include <json-c/json.h>

#include "rqerror.h"

struct jsonbound {
	size_t max_bytes;
	int max_depth;         /* objects and arrays inside each other */
	size_t max_values;     /* every value and every object key */
	size_t max_containers; /* objects and arrays: the costly values */
};

/* result.json: generous for a real result (some 150,000 detections still
 * fit); at the bounds json-c builds under 300 MiB, plus the strings. */
extern const struct jsonbound jsonbound_result;
/* meta.json of a sample: a handful of fields. */
extern const struct jsonbound jsonbound_meta;
/* An IOC-signed file on a stick (stick.json, roster.json, receipts). */
extern const struct jsonbound jsonbound_signed;

/* The pre-pass alone: 0 when text (len bytes, not NUL-terminated) is
 * within b, else -1 with err naming what (e.g. "result.json") and the
 * limit. It also refuses what strict JSON has not outside strings (NUL,
 * comments, single quotes), so that its reading of where strings begin and
 * end is json-c's. It does not check the grammar: json-c does. */
int jsonbound_check(const char *text, size_t len, const struct jsonbound *b, const char *what,
		    rq_error *err);

/* jsonbound_check, then json-c with the same depth limit: a JSON object
 * (the caller puts it) followed by nothing but white space, or NULL. */
json_object *jsonbound_parse(const char *text, size_t len, const struct jsonbound *b,
			     const char *what, rq_error *err);

#endif
