/* Unit tests for sync/merge: result and sample documents merged into a real
 * ioc.db (sync/schema.h's schema, in a temporary directory). Each branch of
 * merge.c that can refuse a document or flag a scan is driven once: a good
 * result, the same record again, a later scan of the same device, words
 * outside lib/resultdoc's tables, counts that disagree, overlong and
 * malformed fields, a unit outside the roster, a device another stick put
 * in another unit, dates outside the stick's life, and a sample whose bytes
 * do not match its sha256. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "../../sync/merge.h"
#include "../../sync/schema.h"
#include "tap.h"
#include "util.h"

#define S1   "00000000000000a1"
#define S2   "00000000000000b2"
#define DEV1 "1111111111111111111111111111111111111111111111111111111111111111"
#define DEV2 "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA  "3333333333333333333333333333333333333333333333333333333333333333"

static sqlite3 *db;

static void sql(const char *text)
{
	char *msg = NULL;

	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", text, msg ? msg : "?");
		exit(2);
	}
}

/* The first column of the first row of q as an integer (-1: no row). */
static long long num(const char *q)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", q, sqlite3_errmsg(db));
		exit(2);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Text of the first column of q's first row, in buf ("" for no row). */
static const char *text(const char *q, char *buf, size_t size)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", q, sqlite3_errmsg(db));
		exit(2);
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

/* A valid raquet.result/1 with one scanned volume and one detection. */
static json_object *result_doc(const char *stick, uint64_t seq, const char *unit, const char *dev,
			       const char *started)
{
	json_object *d = json_object_new_object(), *o, *a, *v;

	json_object_object_add(d, "format", jstr("raquet.result/1"));
	o = json_object_new_object();
	json_object_object_add(o, "stick", jstr(stick));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "type", jstr("result"));
	json_object_object_add(d, "record", o);
	json_object_object_add(d, "unit", jstr(unit));
	json_object_object_add(d, "technician", jstr("Nguyen Van A"));
	o = json_object_new_object();
	json_object_object_add(o, "id", jstr(dev));
	json_object_object_add(o, "weak", json_object_new_boolean(0));
	json_object_object_add(d, "device", o);
	o = json_object_new_object();
	json_object_object_add(o, "libclamav", jstr("1.0.7"));
	json_object_object_add(o, "signatures", json_object_new_int64(100));
	json_object_object_add(o, "database_version", NULL);
	json_object_object_add(d, "engine", o);
	o = json_object_new_object();
	json_object_object_add(o, "scan", jstr("full"));
	json_object_object_add(o, "action", jstr("quarantine"));
	json_object_object_add(d, "mode", o);
	a = json_object_new_array();
	v = json_object_new_object();
	json_object_object_add(v, "path", jstr("/mnt/c"));
	json_object_object_add(v, "state", jstr("scanned"));
	json_object_object_add(v, "size", json_object_new_int64(1000));
	json_object_object_add(v, "device", jstr("/dev/sda1"));
	json_object_object_add(v, "filesystem", jstr("ntfs"));
	json_object_object_add(v, "label", NULL);
	for (const char *const *k = (const char *const[]){"files", "bytes", "errors", "skipped",
							  "excluded", "changed", NULL};
	     *k; k++)
		json_object_object_add(v, *k, json_object_new_int64(1));
	json_object_array_add(a, v);
	json_object_object_add(d, "volumes", a);
	a = json_object_new_array();
	v = json_object_new_object();
	json_object_object_add(v, "path", jstr("C:/evil.exe"));
	json_object_object_add(v, "path_escaped", json_object_new_boolean(0));
	json_object_object_add(v, "signature", jstr("Eicar-Signature"));
	json_object_object_add(v, "sha256", jstr(SHA));
	json_object_object_add(v, "size", json_object_new_int64(68));
	json_object_object_add(v, "outcome", jstr("quarantined"));
	json_object_object_add(v, "detail", NULL);
	json_object_array_add(a, v);
	json_object_object_add(d, "detections", a);
	json_object_object_add(d, "autoruns", json_object_new_array());
	o = json_object_new_object();
	json_object_object_add(o, "files", json_object_new_int64(10));
	json_object_object_add(o, "bytes", json_object_new_int64(1000));
	json_object_object_add(o, "detections", json_object_new_int64(1));
	json_object_object_add(o, "errors", json_object_new_int64(0));
	json_object_object_add(d, "totals", o);
	json_object_object_add(d, "started", jstr(started));
	json_object_object_add(d, "finished", jstr(started));
	json_object_object_add(d, "duration_seconds", json_object_new_double(1.5));
	json_object_object_add(d, "status", jstr("cleaned"));
	return d;
}

static int merge_doc(struct merge *m, const char *stick, uint64_t seq, json_object *doc,
		     rq_error *err)
{
	record_header h = {.type = RECORD_TYPE_RESULT, .seq = seq};
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	int rc = merge_result(m, stick, &h, s, strlen(s), "log", 3, err);

	json_object_put(doc);
	return rc;
}

/* A copy of the good document with member key of object path (NULL: the
 * top) set to v, merged as stick S1 seq; returns merge_result's code. */
static int merge_with(struct merge *m, uint64_t seq, const char *path, const char *key,
		      json_object *v, rq_error *err)
{
	json_object *doc = result_doc(S1, seq, "U1", DEV2, "2026-11-20T09:00:00+07:00"), *o = doc;

	if (path && !json_object_object_get_ex(doc, path, &o)) {
		fprintf(stderr, "fixture: no %s\n", path);
		exit(2);
	}
	if (json_object_is_type(o, json_type_array))
		o = json_object_array_get_idx(o, 0);
	json_object_object_add(o, key, v);
	return merge_doc(m, S1, seq, doc, err);
}

static void refused(struct merge *m, const char *path, const char *key, json_object *v,
		    const char *want, const char *what)
{
	rq_error err = {0};
	long long before = num("SELECT count(*) FROM scans");
	int rc = merge_with(m, 900, path, key, v, &err);

	ok(rc == MERGE_REJECT && strstr(err.msg, want) != NULL &&
	       num("SELECT count(*) FROM scans") == before,
	   "refused: %s (%s)", what, err.msg);
}

/* A good document with one persistence entry whose outcome is outcome. */
static int merge_autorun(struct merge *m, uint64_t seq, const char *outcome, rq_error *err)
{
	json_object *doc = result_doc(S1, seq, "U1", DEV2, "2026-11-20T09:00:00+07:00"), *a, *e;

	json_object_object_get_ex(doc, "autoruns", &a);
	e = json_object_new_object();
	json_object_object_add(e, "volume", json_object_new_string("/dev/sda2"));
	json_object_object_add(e, "kind", json_object_new_string("run"));
	json_object_object_add(e, "location", json_object_new_string("HKLM\\...\\Run"));
	json_object_object_add(e, "name", json_object_new_string("x"));
	json_object_object_add(e, "command", json_object_new_string("C:\\x.exe"));
	json_object_object_add(e, "verdict", json_object_new_string("detected"));
	json_object_object_add(e, "outcome", json_object_new_string(outcome));
	json_object_array_add(a, e);
	return merge_doc(m, S1, seq, doc, err);
}

static void test_autorun_words(struct merge *m)
{
	rq_error err = {0};
	long long before = num("SELECT count(*) FROM scans");
	int rc = merge_autorun(m, 950, "vanished", &err);

	ok(rc == MERGE_REJECT && strstr(err.msg, "autoruns[]") != NULL &&
	       num("SELECT count(*) FROM scans") == before,
	   "refused: an unknown persistence outcome (%s)", err.msg);
	rc = merge_autorun(m, 951, "cleaned", &err);
	ok(rc == 0 && num("SELECT count(*) FROM autoruns WHERE outcome = 'cleaned'") == 1,
	   "a known persistence outcome is stored (%s)", rc ? err.msg : "ok");
}

static void test_results(struct merge *m)
{
	rq_error err = {0};
	char buf[256];
	int rc;

	rc = merge_doc(m, S1, 1, result_doc(S1, 1, "U1", DEV1, "2026-11-10T09:00:00+07:00"), &err);
	ok(rc == 0, "a good result merges (%s)", rc ? err.msg : "ok");
	ok(num("SELECT count(*) FROM scans") == 1 && num("SELECT count(*) FROM volumes") == 1 &&
	       num("SELECT count(*) FROM detections") == 1 &&
	       num("SELECT count(*) FROM actions") == 1,
	   "one scan, volume, detection and action stored");
	is_str(text("SELECT started_utc FROM scans WHERE seq = 1", buf, sizeof(buf)),
	       "2026-11-10 02:00:00", "the start is stored in UTC");
	is_str(
	    text("SELECT scan_date || ' ' || unit || ' ' || status FROM scans", buf, sizeof(buf)),
	    "2026-11-10 U1 cleaned", "the scan counts on its own date in its unit");

	rc = merge_doc(m, S1, 1, result_doc(S1, 1, "U1", DEV1, "2026-11-10T09:00:00+07:00"), &err);
	ok(rc == MERGE_FAIL && num("SELECT count(*) FROM scans") == 1 &&
	       num("SELECT count(*) FROM detections") == 1,
	   "the same record again is not stored twice (%s)", err.msg);

	rc = merge_doc(m, S1, 2, result_doc(S1, 2, "U1", DEV1, "2026-11-12T09:00:00+07:00"), &err);
	ok(rc == 0 && num("SELECT count(*) FROM devices") == 1 &&
	       num("SELECT count(DISTINCT device) FROM scans") == 1,
	   "a later scan of the same device is the same device");
	is_str(text("SELECT last_seen FROM devices", buf, sizeof(buf)), "2026-11-12 02:00:00",
	       "the device's state is that of its latest scan");

	/* Another stick's scan puts DEV1 in U2: it stays counted in U1. */
	rc = merge_doc(m, S2, 1, result_doc(S2, 1, "U2", DEV1, "2026-11-13T09:00:00+07:00"), &err);
	ok(rc == 0, "a result from a second stick merges (%s)", rc ? err.msg : "ok");
	is_str(text("SELECT unit FROM scans WHERE stick = '" S2 "'", buf, sizeof(buf)), "U1",
	       "a device another stick put in U1 stays counted there");
	is_str(text("SELECT f.flag FROM scan_flags f JOIN scans s ON s.id = f.scan"
		    " WHERE s.stick = '" S2 "'",
		    buf, sizeof(buf)),
	       "unit-changed", "... and the scan is flagged unit-changed");

	/* Dates outside the stick's life: flagged and counted on import day. */
	rc = merge_doc(m, S1, 3, result_doc(S1, 3, "U1", DEV2, "2020-01-01T00:00:00Z"), &err);
	ok(rc == 0 && num("SELECT count(*) FROM scan_flags f JOIN scans s ON s.id = f.scan WHERE"
			  " s.seq = 3 AND f.flag = 'date-before-issue'") == 1,
	   "a date before the stick was issued is flagged");
	ok(num("SELECT count(*) FROM scans WHERE seq = 3 AND scan_date = date('now', 'localtime')"
	       " AND started_utc >= '2026-11-12 02:00:00'") == 1,
	   "... counted on the import's date, ordered after the stick's earlier scans");
	rc = merge_doc(m, S1, 4, result_doc(S1, 4, "U1", DEV2, "2099-01-01T00:00:00Z"), &err);
	ok(rc == 0 && num("SELECT count(*) FROM scan_flags f JOIN scans s ON s.id = f.scan WHERE"
			  " s.seq = 4 AND f.flag = 'date-after-import'") == 1,
	   "a date after the import is flagged");
	rc = merge_doc(m, S1, 5, result_doc(S1, 5, "U1", DEV2, "2026-11-14T09:00:00+07:00"), &err);
	ok(rc == 0 && num("SELECT count(*) FROM scan_flags f JOIN scans s ON s.id = f.scan WHERE"
			  " s.seq = 5") == 0,
	   "a date inside the stick's life is not flagged");

	/* A weak device id never merges two scans. */
	{
		json_object *doc = result_doc(S1, 6, "U1", DEV1, "2026-11-15T09:00:00+07:00"), *d;
		json_object_object_get_ex(doc, "device", &d);
		json_object_object_add(d, "weak", json_object_new_boolean(1));
		rc = merge_doc(m, S1, 6, doc, &err);
		ok(rc == 0 && num("SELECT count(*) FROM devices WHERE key = 'scan:" S1 "-6'") == 1,
		   "a weak device id gets a device of its own");
	}
}

static void test_refusals(struct merge *m)
{
	char *big;
	json_object *arr;

	refused(m, NULL, "status", jstr("infected"), "status", "an unknown status word");
	refused(m, "detections", "outcome", jstr("vanished"), "detections[0]",
		"an unknown outcome word");
	refused(m, "volumes", "state", jstr("melted"), "volumes[0]", "an unknown volume state");
	refused(m, "mode", "action", jstr("burn"), "mode", "an unknown action word");
	refused(m, "mode", "scan", jstr("deep"), "mode", "an unknown scan mode");
	refused(m, NULL, "format", jstr("raquet.result/2"), "format", "another format");
	refused(m, NULL, "unit", jstr("U9"), "roster", "a unit outside the stick's roster");
	refused(m, NULL, "unit", jstr(""), "unit", "an empty unit");
	refused(m, "totals", "detections", json_object_new_int64(2), "totals.detections",
		"totals that disagree with the detections");
	refused(m, "totals", "files", json_object_new_int64(-1), "totals", "a negative count");
	refused(m, NULL, "started", jstr("2026-11-20 09:00:00"), "started",
		"a start without T and offset");
	refused(m, NULL, "finished", jstr("2026-13-20T09:00:00Z"), "finished", "month 13");
	refused(m, NULL, "duration_seconds", json_object_new_double(-1), "duration",
		"a negative duration");
	refused(m, "device", "id", jstr("ABC"), "device", "a device id that is not a sha256");
	refused(m, "detections", "sha256", jstr(SHA "0"), "detections[0]",
		"a detection sha256 of 65 digits");
	refused(m, "detections", "signature", jstr(""), "detections[0]", "an empty signature");
	refused(m, "record", "stick", jstr(S2), "signed header", "a record naming another stick");
	refused(m, "record", "seq", json_object_new_int64(901), "signed header",
		"a record naming another number");
	refused(m, "record", "type", jstr("sample"), "signed header", "a record of another type");

	big = malloc(65537 + 1);
	if (big == NULL)
		die("malloc", "big");
	memset(big, 'a', 65537);
	big[65537] = '\0';
	refused(m, NULL, "technician", jstr(big), "technician", "a technician over 64 KiB");
	refused(m, "detections", "path", jstr(big), "detections[0]", "a path over 64 KiB");
	free(big);
	refused(m, NULL, "technician", json_object_new_string_len("a\0b", 3), "technician",
		"a NUL inside a string");

	/* 1025 valid volumes, so that only the count can refuse them. */
	{
		json_object *doc = result_doc(S1, 1, "U1", DEV2, "2026-11-20T09:00:00+07:00"), *vs;
		json_object_object_get_ex(doc, "volumes", &vs);
		arr = json_object_new_array();
		for (int i = 0; i < 1025; i++)
			json_object_array_add(arr,
					      json_object_get(json_object_array_get_idx(vs, 0)));
		json_object_put(doc);
	}
	refused(m, NULL, "volumes", arr, "volumes must be an array", "more than 1024 volumes");
	refused(m, NULL, "detections", json_object_new_object(), "detections",
		"detections that are not an array");
	{
		rq_error err = {0};
		record_header h = {.type = RECORD_TYPE_RESULT, .seq = 1};
		ok(merge_result(m, S1, &h, "{\"format\":", 10, NULL, 0, &err) == MERGE_REJECT,
		   "refused: JSON cut short (%s)", err.msg);
	}
}

static void test_samples(struct merge *m)
{
	static const unsigned char bytes[] = "X5O!P%@AP";
	unsigned char md[crypto_hash_sha256_BYTES];
	char hex[65], sha[65], meta[1024];
	record_header h = {.type = RECORD_TYPE_SAMPLE, .seq = 1, .created = 1763000000};
	rq_error err = {0};
	int rc;

	crypto_hash_sha256(md, bytes, sizeof(bytes) - 1);
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	snprintf(
	    meta, sizeof(meta),
	    "{\"format\":\"raquet.sample/1\",\"record\":{\"stick\":\"" S1 "\",\"seq\":1,"
	    "\"type\":\"sample\"},\"unit\":\"U1\",\"path\":\"C:/x.exe\",\"signature\":\"Eicar\","
	    "\"sha256\":\"%s\",\"size\":%zu,\"copied\":true}",
	    hex, sizeof(bytes) - 1);
	rc = merge_sample_check(m, S1, &h, meta, strlen(meta), bytes, sizeof(bytes) - 2, sha, &err);
	ok(rc == MERGE_REJECT && sha[0] == '\0', "a sample cut by one byte is refused (%s)",
	   err.msg);
	rc = merge_sample_check(m, S1, &h, meta, strlen(meta), (const unsigned char *)"X5O!P%@AQ",
				sizeof(bytes) - 1, sha, &err);
	ok(rc == MERGE_REJECT && sha[0] == '\0', "a sample whose sha256 differs is refused (%s)",
	   err.msg);
	ok(merge_sample_store(m, S1, &h, "x", &err) == MERGE_FAIL,
	   "nothing is stored after a refused check");
	rc = merge_sample_check(m, S1, &h, meta, strlen(meta), bytes, sizeof(bytes) - 1, sha, &err);
	ok(rc == 0 && strcmp(sha, hex) == 0, "a good sample passes with its sha256");
	rc = merge_sample_store(m, S1, &h, "samples/x", &err);
	ok(rc == 0 && num("SELECT count(*) FROM samples WHERE copied = 1 AND size = 9") == 1,
	   "... and is stored (%s)", rc ? err.msg : "ok");
	h.seq = 2;
	snprintf(meta, sizeof(meta),
		 "{\"format\":\"raquet.sample/1\",\"record\":{\"stick\":\"" S1 "\",\"seq\":2},"
		 "\"unit\":\"U9\",\"path\":\"p\",\"signature\":\"s\",\"sha256\":\"%s\",\"size\":1,"
		 "\"copied\":false}",
		 hex);
	ok(merge_sample_check(m, S1, &h, meta, strlen(meta), NULL, 0, sha, &err) == MERGE_REJECT,
	   "a sample for a unit outside the roster is refused (%s)", err.msg);
}

int main(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	rq_error err = {0};
	struct merge *m;

	if (sodium_init() < 0)
		die("sodium_init", "");
	make_tmpdir(dir, sizeof(dir), "merge");
	FMT(path, "%s/ioc.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open", path);
	if (schema_migrate(db, &err) != 0) {
		fprintf(stderr, "fixture: schema: %s\n", err.msg);
		return 2;
	}
	sql("PRAGMA foreign_keys = ON;"
	    "INSERT INTO units(code, name, added) VALUES ('U1', 'Unit 1', '2026-10-01'),"
	    " ('U2', 'Unit 2', '2026-10-01');"
	    "INSERT INTO sticks(id, pubkey, issued, db_updated, db_manifest) VALUES"
	    " ('" S1 "', zeroblob(32), '2026-11-01 00:00:00', '2026-11-01', ''),"
	    " ('" S2 "', zeroblob(32), '2026-11-01 00:00:00', '2026-11-01', '');"
	    "INSERT INTO stick_roster VALUES ('" S1 "', 'U1'), ('" S1 "', 'U2'),"
	    " ('" S2 "', 'U1'), ('" S2 "', 'U2');");
	if ((m = merge_new(db, &err)) == NULL) {
		fprintf(stderr, "fixture: merge_new: %s\n", err.msg);
		return 2;
	}
	test_results(m);
	test_autorun_words(m);
	test_refusals(m);
	test_samples(m);
	merge_free(m);
	sqlite3_close(db);
	remove_tree(dir);
	return done_testing();
}
