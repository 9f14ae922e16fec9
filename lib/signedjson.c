/* signedjson: see signedjson.h. */
#include <stdlib.h>

#include "jsonbound.h"
#include "signedjson.h"

json_object *signed_json_read(int dirfd, const char *name, const keys_ioc_public *ioc,
			      rq_error *err)
{
	json_object *obj;
	size_t len;
	char *buf;

	if (keys_signed_file_read(dirfd, name, SIGNED_JSON_MAX, ioc, &buf, &len, err) != 0)
		return NULL;
	/* Signed by the IOC, but read on PCs and sticks: still bounded. */
	obj = jsonbound_parse(buf, len, &jsonbound_signed, name, err);
	free(buf);
	return obj;
}

const char *json_str_member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}
