/* Unit tests for reports/: the template parser (the default, a good file
 * and each bad one refused), the totals of a small ioc.db built here
 * through sync/merge and the import's refresh (a device scanned twice
 * counts once with its latest state; a scan at 23:30 local time on the
 * period's last day is inside it, one ten minutes after midnight is not),
 * the writers' escaping of hostile names (HTML: markup; CSV: formula
 * leads, quotes, CR/LF) and the Vietnamese number style. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../reports/report.h"
#include "../../sync/merge.h"
#include "../../sync/schema.h"
#include "tap.h"
#include "util.h"

#define S1 "00000000000000a1"

static char dir[PATH_MAX];

/* ---- template.c ---- */

static int load_text(const char *name, const char *text, size_t len, rep_template *t, rq_error *err)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s.json", dir, name);
	write_file(path, text, len);
	return template_load(path, t, err);
}

static void bad_template(const char *name, const char *text, const char *want)
{
	rep_template t;
	rq_error err = {0};
	int rc = load_text(name, text, strlen(text), &t, &err);

	ok(rc != 0 && strstr(err.msg, want) != NULL && t.rows == NULL, "template refused: %s (%s)",
	   name, err.msg);
	if (rc == 0)
		template_free(&t);
}

static void test_template(void)
{
	rep_template t;
	rq_error err = {0};
	char *many;
	size_t off;

	ok(template_load(NULL, &t, &err) == 0 && t.nrows == 8 &&
	       strstr(t.rows[2].label, "máy tính được rà quét") != NULL,
	   "the default template has rows 1-8");
	template_free(&t);
	{
		const char *g =
		    "{\"format\":\"raquet.template/1\",\"title\":\"T\",\"rows\":["
		    "{\"label\":\"a\",\"value\":\"SELECT 1\"},"
		    "{\"label\":\"b\",\"value\":[\"SELECT\",\"2\"],\"note\":\"SELECT 'n'\"}]}";
		int rc = load_text("good", g, strlen(g), &t, &err);
		ok(rc == 0 && t.nrows == 2 && strcmp(t.title, "T") == 0 &&
		       strcmp(t.rows[1].value_sql, "SELECT\n2\n") == 0 &&
		       t.rows[0].note_sql == NULL && strcmp(t.rows[1].note_sql, "SELECT 'n'") == 0,
		   "a good template: rows, lines joined, optional note (%s)", rc ? err.msg : "ok");
		if (rc == 0)
			template_free(&t);
	}
	bad_template("not-json", "{\"format\":", "not valid JSON");
	bad_template("format", "{\"format\":\"raquet.template/2\",\"rows\":[]}", "format");
	bad_template("format-null", "{\"format\":null,\"rows\":[]}", "format");
	bad_template("format-number", "{\"format\":1,\"rows\":[]}", "format");
	bad_template("no-rows", "{\"format\":\"raquet.template/1\"}", "non-empty array");
	bad_template("empty-rows", "{\"format\":\"raquet.template/1\",\"rows\":[]}",
		     "non-empty array");
	bad_template("row-string", "{\"format\":\"raquet.template/1\",\"rows\":[\"x\"]}",
		     "row 1 is not an object");
	bad_template("no-label", "{\"format\":\"raquet.template/1\",\"rows\":[{\"value\":\"1\"}]}",
		     "row 1 has no \"label\"");
	bad_template("no-value", "{\"format\":\"raquet.template/1\",\"rows\":[{\"label\":\"L\"}]}",
		     "has no \"value\"");
	bad_template("value-number",
		     "{\"format\":\"raquet.template/1\",\"rows\":[{\"label\":\"L\",\"value\":1}]}",
		     "must be a string or an array");
	bad_template("line-number",
		     "{\"format\":\"raquet.template/1\",\"rows\":[{\"label\":\"L\",\"value\":"
		     "[\"SELECT\",2]}]}",
		     "line 2 is not a string");
	bad_template("note-object",
		     "{\"format\":\"raquet.template/1\",\"rows\":[{\"label\":\"L\",\"value\":\"1\","
		     "\"note\":{}}]}",
		     "\"note\" must be");
	{
		static const char nul[] = "{\"format\":\"raquet.template/1\"}\0junk";
		rq_error e = {0};
		ok(load_text("nul", nul, sizeof(nul) - 1, &t, &e) != 0 &&
		       strstr(e.msg, "not a text file") != NULL,
		   "template refused: a NUL byte (%s)", e.msg);
	}
	many = malloc(201 * 32 + 64);
	if (many == NULL)
		die("malloc", "many");
	off = (size_t)sprintf(many, "{\"format\":\"raquet.template/1\",\"rows\":[");
	for (int i = 0; i < 201; i++)
		off += (size_t)sprintf(many + off, "%s{\"label\":\"L\",\"value\":\"1\"}",
				       i ? "," : "");
	strcpy(many + off, "]}");
	bad_template("201-rows", many, "at most 200");
	free(many);
	{
		char path[PATH_MAX];
		rq_error e = {0};
		FMT(path, "%s/missing.json", dir);
		ok(template_load(path, &t, &e) != 0 && e.msg[0] != '\0',
		   "template refused: a missing file (%s)", e.msg);
	}
}

/* ---- sbuf.c: the Vietnamese number style and the XML escape ---- */

static void test_sbuf(void)
{
	struct {
		long long n;
		const char *want;
	} nums[] = {
	    {0, "0"}, {999, "999"}, {1000, "1.000"}, {1234567, "1.234.567"}, {-1234, "-1.234"}};
	sbuf b = {0};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		b.len = 0;
		sb_num(&b, nums[i].n);
		sb_addn(&b, "", 1);
		is_str(b.p, nums[i].want, "sb_num(%lld)", nums[i].n);
	}
	b.len = 0;
	sb_percent(&b, 1, 8);
	sb_addn(&b, "", 1);
	is_str(b.p, "12,5%", "1 of 8 is 12,5%%");
	b.len = 0;
	sb_date_vn(&b, "2026-11-30");
	sb_addn(&b, "", 1);
	is_str(b.p, "30/11/2026", "dates as DD/MM/YYYY");
	b.len = 0;
	sb_xml(&b, "<script>\"a\" & 'b'</script>\x01\xff");
	sb_addn(&b, "", 1);
	is_str(b.p,
	       "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;\xef\xbf\xbd"
	       "\xef\xbf\xbd",
	       "XML: markup and quotes escaped, control and invalid bytes replaced");
	sb_free(&b);
}

/* ---- totals.c on a small ioc.db ---- */

static void sql(sqlite3 *db, const char *text)
{
	char *msg = NULL;

	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", text, msg ? msg : "?");
		exit(2);
	}
}

/* One result merged as the import does: the scan, its records row, then
 * the refresh of the report tables. */
static void scan(sqlite3 *db, struct merge *m, uint64_t seq, const char *unit, char dev,
		 const char *started, const char *status, const char *sig)
{
	char json[4096], id[65], q[512];
	record_header h = {.type = RECORD_TYPE_RESULT, .seq = seq};
	rq_error err = {0};

	memset(id, dev, 64);
	id[64] = '\0';
	FMT(json,
	    "{\"format\":\"raquet.result/1\",\"record\":{\"stick\":\"" S1 "\",\"seq\":%llu},"
	    "\"unit\":\"%s\",\"technician\":null,\"device\":{\"id\":\"%s\",\"weak\":false},"
	    "\"engine\":{\"libclamav\":\"1\",\"signatures\":1,\"database_version\":null},"
	    "\"mode\":{\"scan\":\"full\",\"action\":\"quarantine\"},\"volumes\":[],"
	    "\"detections\":[%s%s%s%s%s],\"autoruns\":[],"
	    "\"totals\":{\"files\":1,\"bytes\":1,\"detections\":%d,\"errors\":0},"
	    "\"started\":\"%s\",\"finished\":\"%s\",\"duration_seconds\":1,\"status\":\"%s\"}",
	    (unsigned long long)seq, unit, id,
	    sig ? "{\"path\":\"C:/x\",\"path_escaped\":false,\"signature\":\"" : "", sig ? sig : "",
	    sig ? "\",\"sha256\":null,\"size\":1,\"outcome\":\"" : "",
	    sig ? (strcmp(status, "cleaned") == 0 ? "quarantined" : "failed") : "",
	    sig ? "\",\"detail\":null}" : "", sig ? 1 : 0, started, started, status);
	FMT(q,
	    "INSERT INTO imports VALUES (%llu, '" S1 "', 'x', 'x', 1, 0, 0);"
	    "INSERT INTO records VALUES ('" S1 "', 'result', %llu, '%llu', 'f', 1, 'x', %llu)",
	    (unsigned long long)seq, (unsigned long long)seq, (unsigned long long)seq,
	    (unsigned long long)seq);
	sql(db, "BEGIN");
	if (merge_result(m, S1, &h, json, strlen(json), "", 0, &err) != 0) {
		fprintf(stderr, "fixture: merge %llu: %s\n", (unsigned long long)seq, err.msg);
		exit(2);
	}
	sql(db, q);
	if (schema_refresh(db, (int64_t)seq, &err) != 0) {
		fprintf(stderr, "fixture: refresh: %s\n", err.msg);
		exit(2);
	}
	sql(db, "COMMIT");
}

static void build_db(const char *path)
{
	sqlite3 *db;
	rq_error err = {0};
	struct merge *m;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open", path);
	if (schema_migrate(db, &err) != 0) {
		fprintf(stderr, "fixture: schema: %s\n", err.msg);
		exit(2);
	}
	sql(db, "INSERT INTO units(code, name, informed, added) VALUES"
		" ('U1', '<script>alert(1)</script>', 1, '2026-10-01'),"
		" ('U2', '=HYPERLINK(\"x\")', 0, '2026-10-01');"
		"INSERT INTO sticks(id, pubkey, issued, db_updated, db_manifest) VALUES"
		" ('" S1 "', zeroblob(32), '2026-10-01 00:00:00', '2026-10-01', '');"
		"INSERT INTO stick_roster VALUES ('" S1 "', 'U1'), ('" S1 "', 'U2');");
	if ((m = merge_new(db, &err)) == NULL) {
		fprintf(stderr, "fixture: merge_new: %s\n", err.msg);
		exit(2);
	}
	/* Device A: infected and left so, then cleaned: counts once, cleaned. */
	scan(db, m, 1, "U1", 'a', "2026-11-05T09:00:00+07:00", "infected-not-cleaned", "Trojan.A");
	scan(db, m, 2, "U1", 'a', "2026-11-20T09:00:00+07:00", "cleaned", "Trojan.A");
	/* Device B: infected, not cleaned, on the period's last evening. */
	scan(db, m, 3, "U2", 'b', "2026-11-30T23:30:00+07:00", "infected-not-cleaned",
	     "=cmd|' /C calc'!A0");
	/* Device C: clean, ten minutes after the period. */
	scan(db, m, 4, "U2", 'c', "2026-12-01T00:10:00+07:00", "clean", NULL);
	merge_free(m);
	sqlite3_close(db);
}

static long long cell(const report *r, size_t row)
{
	return row < r->tpl.nrows && r->cells[row].is_num ? r->cells[row].num : -1;
}

static void test_totals(void)
{
	char path[PATH_MAX];
	report r;
	report_opts o = {.from = "2026-11-01",
			 .to = "2026-11-30",
			 .date = "2026-12-02",
			 .top = 5,
			 .unit_rows = true};
	rq_error err = {0};
	sbuf b = {0};
	int rc;

	FMT(path, "%s/ioc.db", dir);
	build_db(path);
	o.ioc_db = path;
	rc = report_build(&r, &o, &err);
	ok(rc == 0, "the report builds (%s)", rc ? err.msg : "ok");
	if (rc != 0)
		return;
	ok(r.total.scans == 3, "three scans in November (got %lld)", r.total.scans);
	ok(cell(&r, 0) == 1 && cell(&r, 1) == 2,
	   "rows 1-2: one unit informed, two active (got %lld, %lld)", cell(&r, 0), cell(&r, 1));
	ok(cell(&r, 2) == 2, "row 3: a device scanned twice counts once (got %lld)", cell(&r, 2));
	ok(cell(&r, 3) == 2, "row 4: two devices infected (got %lld)", cell(&r, 3));
	ok(cell(&r, 4) == 1, "row 5: the latest state of A is cleaned (got %lld)", cell(&r, 4));
	ok(cell(&r, 5) == 1, "row 6: B, scanned at 23:30 on the 30th, is not cleaned (got %lld)",
	   cell(&r, 5));
	ok(cell(&r, 6) == 2 && r.cells[6].note && strstr(r.cells[6].note, ": 1 ") != NULL,
	   "row 7: two distinct files found, one handled (got %lld, %s)", cell(&r, 6),
	   r.cells[6].note ? r.cells[6].note : "");
	ok(r.cells[7].note && strstr(r.cells[7].note, "Trojan.A") != NULL,
	   "row 8 names the signature (%s)", r.cells[7].note ? r.cells[7].note : "");

	rc = html_write(&r, &b, &err);
	sb_addn(&b, "", 1);
	ok(rc == 0 && strstr(b.p, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL &&
	       strstr(b.p, "<script>alert") == NULL,
	   "HTML: a unit's name is escaped, never markup");
	sb_free(&b);

	/* CSV: formula leads defused, quotes doubled, CR/LF kept inside quotes. */
	free(r.unit_name);
	r.unit_name = strdup("a \"b\"\r\nc");
	free(r.cells[0].note);
	r.cells[0].note = strdup("@SUM(A1)");
	if (r.unit_name == NULL || r.cells[0].note == NULL)
		die("strdup", "");
	memset(&b, 0, sizeof(b));
	rc = csv_write(&r, &b, &err);
	sb_addn(&b, "", 1);
	ok(rc == 0 && strstr(b.p, ",\"a \"\"b\"\"\r\nc\",1,") != NULL,
	   "CSV: quotes doubled and CR/LF kept inside a quoted field");
	ok(strstr(b.p, ",\"'@SUM(A1)\"\r\n") != NULL, "CSV: a leading @ is defused");
	ok(strstr(b.p, "\"'=HYPERLINK(\"\"x\"\")\"") != NULL && strstr(b.p, ",=HYPERLINK") == NULL,
	   "CSV: a unit named =HYPERLINK(...) is defused");
	ok(strstr(b.p, ",\"'=cmd|' /C calc'!A0") != NULL || strstr(b.p, "=cmd") == NULL,
	   "CSV: a signature name starting with = is never a bare formula");
	sb_free(&b);
	report_free(&r);

	/* December holds only device C. */
	o.from = "2026-12-01";
	o.to = "2026-12-31";
	rc = report_build(&r, &o, &err);
	ok(rc == 0 && r.total.scans == 1 && cell(&r, 2) == 1 && cell(&r, 3) == 0,
	   "the scan ten minutes after the period counts in the next one");
	if (rc == 0)
		report_free(&r);
}

int main(void)
{
	if (sodium_init() < 0)
		die("sodium_init", "");
	make_tmpdir(dir, sizeof(dir), "report");
	test_template();
	test_sbuf();
	test_totals();
	remove_tree(dir);
	return done_testing();
}
