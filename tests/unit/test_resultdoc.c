/* test_resultdoc: the result document's words (lib/resultdoc.h) round-trip,
 * unknown spellings are refused, the SQL's CHECK lists equal the C tables,
 * and the checked json-c helpers report a failed allocation. */
#include <stdlib.h>
#include <string.h>

#include "resultdoc.h"
#include "../../sync/schema.h"
#include "tap.h"

#define ROUND_TRIP(type, n)                                                                        \
	do {                                                                                       \
		for (int i = 0; i < (n); i++) {                                                    \
			enum resultdoc_##type v;                                                   \
			const char *name = resultdoc_##type##_name((enum resultdoc_##type)i);      \
			ok(name != NULL && resultdoc_##type##_parse(name, &v) == 0 && (int)v == i, \
			   #type " %d (%s) round-trips", i, name ? name : "null");                 \
		}                                                                                  \
		ok(resultdoc_##type##_name((enum resultdoc_##type)(n)) == NULL,                    \
		   #type ": a value past the table has no name");                                  \
	} while (0)

/* The quoted names of "COLUMN IN ('a', 'b', ...)" in text, joined by '|'. */
static void sql_list(const char *text, const char *column, char *out, size_t outsz)
{
	char key[64];
	const char *p, *end;

	out[0] = '\0';
	snprintf(key, sizeof(key), "(%s IN (", column);
	if ((p = strstr(text, key)) == NULL || (end = strchr(p + strlen(key), ')')) == NULL)
		return;
	for (p += strlen(key); p < end; p++) {
		const char *q;
		if (*p != '\'' || (q = memchr(p + 1, '\'', (size_t)(end - p - 1))) == NULL)
			continue;
		snprintf(out + strlen(out), outsz - strlen(out), "%s%.*s", out[0] ? "|" : "",
			 (int)(q - p - 1), p + 1);
		p = q;
	}
}

static void c_list(const char *(*name)(int), int n, const char *extra, char *out, size_t outsz)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s", i ? "|" : "", name(i));
	if (extra)
		snprintf(out + strlen(out), outsz - strlen(out), "|%s", extra);
}

static const char *status_name(int i)
{
	return resultdoc_status_name((enum resultdoc_status)i);
}
static const char *action_name(int i)
{
	return resultdoc_action_name((enum resultdoc_action)i);
}

int main(void)
{
	char sql[256], c[256];
	enum resultdoc_status st = RESULTDOC_CLEAN;
	enum resultdoc_action act = RESULTDOC_DELETE;
	json_object *o;
	bool bad = false;

	ROUND_TRIP(status, RESULTDOC_NSTATUS);
	ROUND_TRIP(state, RESULTDOC_NSTATES);
	ROUND_TRIP(outcome, RESULTDOC_NOUTCOMES);
	ROUND_TRIP(action, RESULTDOC_NACTIONS);
	ROUND_TRIP(scan, RESULTDOC_NSCANS);
	is_str(resultdoc_status_name(RESULTDOC_INFECTED_NOT_CLEANED), "infected-not-cleaned",
	       "the document's spelling");
	is_str(resultdoc_state_name(RESULTDOC_HIBERNATED), "read-only-hibernated",
	       "  ... of a state");

	ok(resultdoc_status_parse("Clean", &st) != 0 && st == RESULTDOC_CLEAN,
	   "a name in another case is refused, *out untouched");
	ok(resultdoc_status_parse("clean ", &st) != 0, "  ... a trailing blank");
	ok(resultdoc_status_parse("", &st) != 0, "  ... empty");
	ok(resultdoc_status_parse(NULL, &st) != 0, "  ... NULL");
	ok(resultdoc_action_parse("autorun", &act) != 0 && act == RESULTDOC_DELETE,
	   "  ... a word of another table");
	ok(resultdoc_outcome_parse("repaired", &(enum resultdoc_outcome){0}) != 0,
	   "  ... a word not written yet");
	ok(resultdoc_outcome_parse("needs-repair", &(enum resultdoc_outcome){0}) == 0,
	   "needs-repair is an outcome (a boot-critical file, docs/remediation.md)");

	sql_list(schema_sql, "status", sql, sizeof(sql));
	c_list(status_name, RESULTDOC_NSTATUS, NULL, c, sizeof(c));
	is_str(sql, c, "schema.sql's status CHECK equals the C table");
	sql_list(schema_sql, "action", sql, sizeof(sql));
	c_list(action_name, RESULTDOC_NACTIONS, "autorun", c, sizeof(c));
	is_str(sql, c, "schema.sql's action CHECK equals the C table and autorun");

	o = json_object_new_object();
	ok(resultdoc_put(o, "x", NULL, &bad) == -1 && bad,
	   "a constructor that returned NULL (out of memory) is reported");
	bad = false;
	ok(resultdoc_put_null_ok(o, "n", NULL, &bad) == 0 && !bad, "a wanted null is not");
	ok(resultdoc_put_str(o, "s", "v", &bad) == 0 && resultdoc_put_u64(o, "u", 7, &bad) == 0 &&
	       !bad,
	   "strings and numbers are added");
	ok(resultdoc_put_path(o, "path",
			      "a\x01"
			      "b",
			      &bad) == 0 &&
	       !bad,
	   "a path is added");
	is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	       "{\"n\":null,\"s\":\"v\",\"u\":7,\"path\":\"a\\\\x01b\",\"path_escaped\":true}",
	       "  ... escaped, saying so");
	ok(resultdoc_put(NULL, "x", json_object_new_int(1), &bad) == -1 && bad,
	   "a NULL parent (its own allocation failed) is reported, the child freed");
	json_object_put(o);

	/* One volume shape for both modes: a folder scan's PATH has every
	 * member, the disk's null; a live volume's disk texts are escaped. */
	struct resultdoc_volume plain = {.path = "/pc",
					 .state = RESULTDOC_SCANNED,
					 .counts = {.files = 3, .bytes = 10},
					 .detections = 1};
	o = resultdoc_volume(&plain);
	is_str(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL,
	       "{\"device\":null,\"filesystem\":null,\"label\":null,\"uuid\":null,\"size\":null,"
	       "\"state\":\"scanned\",\"detail\":null,\"path\":\"\\/pc\",\"path_escaped\":false,"
	       "\"driver\":null,\"files\":3,\"bytes\":10,\"errors\":0,\"skipped\":0,"
	       "\"excluded\":0,\"changed\":0,\"detections\":1,\"hiberfile_removed\":false}",
	       "a folder scan's volume: every member, the disk's null");
	json_object_put(o);
	struct resultdoc_volume live = {.device = "/dev/sdb1",
					.filesystem = "ntfs",
					.label = "D\x1b[2J",
					.has_size = true,
					.size = 512,
					.state = RESULTDOC_MOUNT_FAILED,
					.detail = "no driver"};
	o = resultdoc_volume(&live);
	ok(o != NULL, "a live volume is built");
	json_object *v = NULL;
	ok(o && json_object_object_get_ex(o, "label", &v) &&
	       strcmp(json_object_get_string(v), "D\\x1b[2J") == 0,
	   "  ... its label from the disk escaped");
	ok(o && json_object_object_get_ex(o, "path", &v) && v == NULL &&
	       json_object_object_get_ex(o, "path_escaped", &v) && !json_object_get_boolean(v),
	   "  ... not mounted: path null");
	json_object_put(o);
	return done_testing();
}
