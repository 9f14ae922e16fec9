/* fuzz_stickjson: libFuzzer target for the JSON the IOC reads from a stick
 * once a record is open, and the IOC-signed JSON a stick carries back:
 * every input is tried as result.json and as meta.json, each through the
 * import's own path (the jsonbound pre-pass of sync/precheck.c, then the
 * schema checks and the merge of sync/merge.c into an in-memory ioc.db,
 * rolled back after each input), and as a signed file (receipt, stick.json,
 * roster.json: jsonbound_parse, as lib/signedjson.c reads them). The seed
 * corpus (tests/fuzz/stickjson-seeds/) holds real documents from a scan
 * and an import, renumbered to the stick and sequence number below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "jsonbound.h"
#include "merge.h"
#include "record.h"
#include "schema.h"
#include "signedjson.h"

#define STICK "5715c40000000001"
#define UNIT  "000.00.12.H57"

static sqlite3 *db;
static struct merge *mg;

static void die(const char *what, const rq_error *err)
{
	fprintf(stderr, "fuzz_stickjson: %s: %s\n", what, err ? err->msg : "");
	abort();
}

/* An ioc.db with the stick and its roster, as provisioning leaves it. */
static void setup(void)
{
	rq_error err;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		die("sqlite3_open", NULL);
	if (db_exec(db, "PRAGMA foreign_keys = ON", &err) != 0 || schema_migrate(db, &err) != 0 ||
	    db_exec(db,
		    "INSERT INTO units(code, name, added) VALUES ('" UNIT "', 'Unit', '2026');"
		    "INSERT INTO sticks(id, pubkey, issued, db_updated, db_manifest) VALUES"
		    " ('" STICK "', zeroblob(32), '2026', '2026', '');"
		    "INSERT INTO stick_roster(stick, unit) VALUES ('" STICK "', '" UNIT "');",
		    &err) != 0 ||
	    (mg = merge_new(db, &err)) == NULL)
		die("setup", &err);
}

static void as_result(const char *text, size_t len)
{
	record_header h = {.version = 1,
			   .type = RECORD_TYPE_RESULT,
			   .seq = 3,
			   .created = 1795000000,
			   .tz_minutes = 420};
	rq_error err;

	if (jsonbound_check(text, len, &jsonbound_result, "result.json", &err) != 0)
		return;
	(void)merge_result(mg, STICK, &h, text, len, "log\n", 4, &err);
}

static void as_meta(const char *text, size_t len)
{
	record_header h = {.version = 1,
			   .type = RECORD_TYPE_SAMPLE,
			   .seq = 3,
			   .created = 1795000000,
			   .tz_minutes = 420};
	char sha[65];
	rq_error err;

	if (jsonbound_check(text, len, &jsonbound_meta, "meta.json", &err) != 0)
		return;
	if (merge_sample_check(mg, STICK, &h, text, len, NULL, 0, sha, &err) == 0)
		(void)merge_sample_store(mg, STICK, &h, NULL, &err);
}

static void as_signed(const char *text, size_t len)
{
	json_object *o = jsonbound_parse(text, len, &jsonbound_signed, "receipt", NULL), *v;

	if (o == NULL)
		return;
	/* What a reader of a receipt or the stick files looks at first. */
	(void)json_str_member(o, "format");
	(void)json_str_member(o, "stick");
	if (json_object_object_get_ex(o, "records", &v))
		(void)json_object_to_json_string(v);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	rq_error err;

	if (db == NULL)
		setup();
	/* Every input leaves ioc.db as it found it. */
	if (db_exec(db, "SAVEPOINT f", &err) != 0)
		die("savepoint", &err);
	as_result((const char *)data, size);
	as_meta((const char *)data, size);
	if (db_exec(db, "ROLLBACK TO f; RELEASE f", &err) != 0)
		die("rollback", &err);
	as_signed((const char *)data, size);
	return 0;
}
