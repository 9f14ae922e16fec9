/* signedjson: see signedjson.h. */
#include <stdlib.h>

#include "signedjson.h"

json_object *signed_json_read(int dirfd, const char *name, const keys_ioc_public *ioc,
			      rq_error *err)
{
	json_object *obj;
	size_t len;
	char *buf;

	if (keys_signed_file_read(dirfd, name, SIGNED_JSON_MAX, ioc, &buf, &len, err) != 0)
		return NULL;
	obj = json_tokener_parse(buf);
	free(buf);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		rq_fail(err, "%s: not a JSON object", name);
		return NULL;
	}
	return obj;
}

const char *json_str_member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}
