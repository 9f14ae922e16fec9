/* jsonbound: the pre-pass that bounds JSON from a stick before json-c
 * builds it (see jsonbound.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jsonbound.h"

/* A real result: one object per detection, volume and autorun entry, a few
 * for the rest; 17 values and about 450 bytes per detection, so some
 * 150,000 detections fit. merge.c parses with the same depth and bytes. */
const struct jsonbound jsonbound_result = {
    .max_bytes = 64u * 1024 * 1024,
    .max_depth = 32,
    .max_values = 3000000,
    .max_containers = 300000,
};

const struct jsonbound jsonbound_meta = {
    .max_bytes = 1024 * 1024,
    .max_depth = 16,
    .max_values = 10000,
    .max_containers = 1000,
};

/* A roster of a few thousand units, a receipt of many ranges: all within
 * the 1 MiB a signed file may have (SIGNED_JSON_MAX). */
const struct jsonbound jsonbound_signed = {
    .max_bytes = 1024 * 1024,
    .max_depth = 16,
    .max_values = 300000,
    .max_containers = 100000,
};

static bool scalar_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '+' || c == '.';
}

int jsonbound_check(const char *text, size_t len, const struct jsonbound *b, const char *what,
		    rq_error *err)
{
	size_t values = 0, containers = 0;
	bool in_str = false, in_scalar = false;
	int depth = 0;

	if (len > b->max_bytes)
		return rq_fail(err, "%s is too big to import: %zu bytes, at most %zu", what, len,
			       b->max_bytes);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\0')
			return rq_fail(err, "%s is not JSON text: a NUL byte at offset %zu", what,
				       i);
		if (in_str) {
			if (c == '\\')
				i++; /* the escaped byte cannot end the string */
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (scalar_byte(c)) {
			/* A number or a literal: one value per run of such bytes. */
			if (!in_scalar)
				values++;
			in_scalar = true;
		} else {
			in_scalar = false;
			switch (c) {
			case '"':
				in_str = true;
				values++;
				break;
			case '{':
			case '[':
				values++;
				containers++;
				if (++depth > b->max_depth)
					return rq_fail(
					    err,
					    "%s is nested too deep to import: more than %d "
					    "levels",
					    what, b->max_depth);
				break;
			case '}':
			case ']':
				if (depth > 0)
					depth--;
				break;
			case ',':
			case ':':
			case ' ':
			case '\t':
			case '\r':
			case '\n':
				break;
			default:
				/* Comments and single quotes (json-c takes both) would
				 * hide strings from this count. */
				return rq_fail(err,
					       "%s is not strict JSON: byte 0x%02x at offset %zu",
					       what, c, i);
			}
		}
		if (containers > b->max_containers)
			return rq_fail(err,
				       "%s is too big to import: more than %zu objects and arrays",
				       what, b->max_containers);
		if (values > b->max_values)
			return rq_fail(err, "%s is too big to import: more than %zu values", what,
				       b->max_values);
	}
	return 0;
}

json_object *jsonbound_parse(const char *text, size_t len, const struct jsonbound *b,
			     const char *what, rq_error *err)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (jsonbound_check(text, len, b, what, err) != 0)
		return NULL;
	if (len > (size_t)INT32_MAX) /* json-c takes an int; max_bytes is far less */
		return rq_fail(err, "%s is too big to import", what), NULL;
	if ((tok = json_tokener_new_ex(b->max_depth + 1)) == NULL) {
		rq_fail(err, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	/* Nothing but white space may follow (text need not end in a NUL). */
	end = o ? json_tokener_get_parse_end(tok) : len;
	while (end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		rq_fail(err, "%s: not a JSON object", what);
	}
	json_tokener_free(tok);
	return o;
}
