/* sqlfunc: the report's number style as SQL functions, so that a template's
 * notes write numbers as the rest of the document does (docs/report.md,
 * "Number style"): vn_num(1234567) is '1.234.567', vn_percent(1, 8) is
 * '12,5%'. Registered on the report's own read-only connection. */
#include <sqlite3.h>

#include "report.h"

static void result_sbuf(sqlite3_context *ctx, sbuf *b)
{
	if (b->oom)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_text(ctx, b->p ? b->p : "", (int)b->len, SQLITE_TRANSIENT);
	sb_free(b);
}

static void vn_num(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sbuf b = {0};

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_value_numeric_type(argv[0]) != SQLITE_INTEGER) {
		sqlite3_result_value(ctx, argv[0]); /* text or a real: as it is */
		return;
	}
	sb_num(&b, sqlite3_value_int64(argv[0]));
	result_sbuf(ctx, &b);
}

static void vn_percent(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sbuf b = {0};

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sb_percent(&b, sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]));
	result_sbuf(ctx, &b);
}

int rep_sql_functions(sqlite3 *db, rq_error *err)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "vn_num", 1, flags, NULL, vn_num, NULL, NULL) !=
		SQLITE_OK ||
	    sqlite3_create_function(db, "vn_percent", 2, flags, NULL, vn_percent, NULL, NULL) !=
		SQLITE_OK)
		return rep_db_fail(db, err, "SQL functions");
	return 0;
}
