/* units: adding, importing and listing units (see units.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "db.h"
#include "escape.h"
#include "ioc.h"
#include "unitalias.h"
#include "unitops.h"
#include "units.h"

#define CSV_MAX  (16 * 1024 * 1024)
#define CSV_ROWS 100000

/* ---- SQL ---- */
static const char sql_insert[] =
    "INSERT INTO units(code, name, parent, informed, added) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_upsert[] =
    "INSERT INTO units(code, name, parent, informed, added) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(code) DO UPDATE SET name = excluded.name, parent = excluded.parent,"
    " informed = excluded.informed";
static const char sql_exists[] = "SELECT 1 FROM units WHERE code = ?1";
static const char sql_list[] = "SELECT code, name, parent, informed FROM units ORDER BY code";
/* ---- end of SQL ---- */

/* Text that may go into the roster and the appendix: valid UTF-8, no
 * control characters, bounded. */
static int check_text(const char *what, const char *s, size_t max, rq_error *err)
{
	size_t n = strlen(s);

	if (n == 0)
		return rq_fail(err, "empty %s", what);
	if (n > max)
		return rq_fail(err, "%s longer than %zu bytes", what, max);
	if (!escape_is_clean(s))
		return rq_fail(err, "%s is not valid UTF-8 text (or has control characters)", what);
	return 0;
}

static int check_unit(const char *code, const char *name, const char *parent, rq_error *err)
{
	if (check_text("unit code", code, UNITS_CODE_MAX, err) != 0 ||
	    check_text("unit name", name, UNITS_NAME_MAX, err) != 0 ||
	    (parent && check_text("parent code", parent, UNITS_CODE_MAX, err) != 0))
		return -1;
	if (parent && strcmp(parent, code) == 0)
		return rq_fail(err, "a unit cannot be its own parent");
	return 0;
}

int units_exists(sqlite3 *db, const char *code, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_exists, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "t", code) == 0 ? db_row(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

int units_add(sqlite3 *db, const char *code, const char *name, const char *parent, bool informed,
	      rq_error *err)
{
	struct unitops_pattern pat;
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (check_unit(code, name, parent, err) != 0 || unitops_pattern_load(db, &pat, err) != 0)
		return -1;
	rc = unitops_pattern_check(&pat, code, err);
	unitops_pattern_free(&pat);
	if (rc != 0 || unitalias_refuse(db, code, err) != 0)
		return -1;
	if ((rc = units_exists(db, code, err)) != 0) {
		char *esc = escape_name(code);
		if (rc > 0)
			rq_fail(err, "unit %s already exists", esc ? esc : "?");
		free(esc);
		return -1;
	}
	if (parent && (rc = units_exists(db, parent, err)) != 1) {
		char *esc = escape_name(parent);
		if (rc == 0)
			rq_fail(err, "parent unit %s does not exist", esc ? esc : "?");
		free(esc);
		return -1;
	}
	ioc_now(now);
	if ((st = db_prepare(db, sql_insert, err)) == NULL)
		return -1;
	rc = db_bind(db, st, err, "tttit", code, name, parent, (int64_t)informed, now) == 0
		 ? db_done(db, st, err)
		 : -1;
	sqlite3_finalize(st);
	return rc;
}

struct csv {
	char *p;  /* next unread byte */
	int line; /* line of the next byte */
	char sep; /* ',' or, from Excel under Vietnamese regional settings, ';' */
};

/* Reads one field into a NUL-terminated string in place; *end tells
 * whether the record ended after it. */
static int csv_field(struct csv *c, char **out, int *end, rq_error *err)
{
	char *w = c->p;

	*out = w;
	if (*c->p == '"') {
		c->p++;
		for (;;) {
			if (*c->p == '\0')
				return rq_fail(err, "line %d: unterminated quoted field", c->line);
			if (*c->p == '"' && c->p[1] == '"') {
				*w++ = '"';
				c->p += 2;
			} else if (*c->p == '"') {
				c->p++;
				break;
			} else {
				if (*c->p == '\n')
					c->line++;
				*w++ = *c->p++;
			}
		}
		if (*c->p != c->sep && *c->p != '\n' && *c->p != '\r' && *c->p != '\0')
			return rq_fail(err, "line %d: text after a closing quote", c->line);
	} else {
		while (*c->p != c->sep && *c->p != '\n' && *c->p != '\r' && *c->p != '\0') {
			if (*c->p == '"')
				return rq_fail(err, "line %d: a quote inside an unquoted field",
					       c->line);
			*w++ = *c->p++;
		}
	}
	if (*c->p == '\r')
		c->p++;
	*end = *c->p != c->sep;
	if (*c->p == c->sep || *c->p == '\n')
		c->p++;
	if (*end && c->p[-1] == '\n')
		c->line++;
	*w = '\0';
	return 0;
}

/* Reads one record of exactly 4 fields. */
static int csv_row(struct csv *c, char *f[4], int *line, rq_error *err)
{
	int n = 0, end = 0;

	*line = c->line;
	while (!end) {
		char *v;
		if (csv_field(c, &v, &end, err) != 0)
			return -1;
		if (n == 4)
			return rq_fail(err, "line %d: more than 4 fields", *line);
		f[n++] = v;
	}
	if (n != 4)
		return rq_fail(err, "line %d: %d field%s, expected 4 (code,name,parent,informed)",
			       *line, n, n == 1 ? "" : "s");
	return 0;
}

static int parse_informed(const char *s, bool *v)
{
	static const char *const yes[] = {"1", "yes", "true", "x", "có", NULL};
	static const char *const no[] = {"", "0", "no", "false", "không", NULL};

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *v = true, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *v = false, 0;
	return -1;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

struct csv_unit {
	char *f[4];
	bool informed;
	int line;
};

/* Excel writes the list separator of the PC's regional settings: ';' where
 * the decimal sign is a comma, as in Vietnam. The header tells which. */
static char csv_separator(const char *p)
{
	size_t n = strcspn(p, "\n");

	return memchr(p, ',', n) == NULL && memchr(p, ';', n) != NULL ? ';' : ',';
}

static int csv_parse(char *buf, const struct unitops_pattern *pat, struct csv_unit **rows,
		     int *nrows, rq_error *err)
{
	struct csv c = {.p = buf, .line = 1};
	struct csv_unit *r = NULL;
	char *h[4];
	int n = 0, line;

	if (strncmp(c.p, "\xEF\xBB\xBF", 3) == 0) /* a BOM from spreadsheet programs */
		c.p += 3;
	c.sep = csv_separator(c.p);
	if (csv_row(&c, h, &line, err) != 0)
		return rq_fail(err, "line 1: the header must be code,name,parent,informed");
	for (int i = 0; i < 4; i++)
		trim(h[i]);
	if (strcmp(h[0], "code") || strcmp(h[1], "name") || strcmp(h[2], "parent") ||
	    strcmp(h[3], "informed"))
		return rq_fail(err, "line 1: the header must be code,name,parent,informed");
	while (*c.p) {
		struct csv_unit u;
		rq_error e;
		if (*c.p == '\n' || (*c.p == '\r' && c.p[1] == '\n')) { /* blank line */
			c.p += *c.p == '\r' ? 2 : 1;
			c.line++;
			continue;
		}
		if (n == CSV_ROWS) {
			free(r);
			return rq_fail(err, "line %d: more than %d units", c.line, CSV_ROWS);
		}
		if (csv_row(&c, u.f, &u.line, err) != 0) {
			free(r);
			return -1;
		}
		for (int i = 0; i < 4; i++)
			trim(u.f[i]);
		if (check_unit(u.f[0], u.f[1], *u.f[2] ? u.f[2] : NULL, &e) != 0 ||
		    unitops_pattern_check(pat, u.f[0], &e) != 0 ||
		    (parse_informed(u.f[3], &u.informed) != 0 &&
		     rq_fail(&e, "informed must be 1 or 0 (yes/no)"))) {
			free(r);
			/* Excel's plain "CSV" is in the PC's code page, not UTF-8. */
			return rq_fail(err, "line %d: %s%s", u.line, e.msg,
				       strstr(e.msg, "UTF-8") ? " (in Excel, save as \"CSV UTF-8\")"
							      : "");
		}
		struct csv_unit *nr = realloc(r, (size_t)(n + 1) * sizeof(*r));
		if (nr == NULL) {
			free(r);
			return rq_fail(err, "out of memory");
		}
		r = nr;
		r[n++] = u;
	}
	*rows = r;
	*nrows = n;
	return 0;
}

static int csv_store(sqlite3 *db, struct csv_unit *r, int n, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_upsert, err);
	char now[32];
	int i;

	if (st == NULL)
		return -1;
	ioc_now(now);
	for (i = 0; i < n; i++) {
		const char *parent = *r[i].f[2] ? r[i].f[2] : NULL;
		for (int j = 0; j < i; j++)
			if (strcmp(r[j].f[0], r[i].f[0]) == 0) {
				rq_fail(err, "line %d: unit code repeats line %d", r[i].line,
					r[j].line);
				goto fail;
			}
		if (unitalias_refuse(db, r[i].f[0], err) != 0)
			goto fail;
		if (db_bind(db, st, err, "tttit", r[i].f[0], r[i].f[1], parent,
			    (int64_t)r[i].informed, now) != 0 ||
		    db_done(db, st, err) != 0)
			goto fail;
	}
	/* Parents may come later in the file: check them once all are in. */
	for (i = 0; i < n; i++) {
		int rc;
		if (*r[i].f[2] == '\0')
			continue;
		if ((rc = units_exists(db, r[i].f[2], err)) < 0)
			goto fail;
		if (rc == 0) {
			char *esc = escape_name(r[i].f[2]);
			rq_fail(err, "line %d: parent unit %s does not exist", r[i].line,
				esc ? esc : "?");
			free(esc);
			goto fail;
		}
	}
	if (unitops_check_cycles(db, err) != 0)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	if (strncmp(err->msg, "line ", 5) != 0 && i < n) {
		rq_error e = *err;
		rq_fail(err, "line %d: %s", r[i].line, e.msg);
	}
	sqlite3_finalize(st);
	return -1;
}

int units_import_csv(sqlite3 *db, const char *path, int *count, rq_error *err)
{
	struct unitops_pattern pat;
	struct csv_unit *rows = NULL;
	char *buf;
	size_t len;
	int n = 0, rc = -1;

	if (read_file_bounded(AT_FDCWD, path, CSV_MAX, &buf, &len, err) != 0)
		return -1;
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return rq_fail(err, "%s: not a text file (NUL byte)", path);
	}
	if (unitops_pattern_load(db, &pat, err) != 0)
		goto out;
	rc = csv_parse(buf, &pat, &rows, &n, err);
	unitops_pattern_free(&pat);
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	rc = -1;
	if (db_exec(db, "BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;", err) != 0)
		goto out;
	if (csv_store(db, rows, n, err) != 0 || db_exec(db, "COMMIT", err) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	*count = n;
	rc = 0;
out:
	if (rc != 0 && strncmp(err->msg, path, strlen(path)) != 0) {
		rq_error e = *err;
		rq_fail(err, "%s: %s", path, e.msg);
	}
	free(rows);
	free(buf);
	return rc;
}

int units_list(sqlite3 *db, units_row_fn row, void *ctx, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, sql_list, err);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = db_row(db, st, err)) == 1)
		row(db_text(st, 0), db_text(st, 1),
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : db_text(st, 2),
		    sqlite3_column_int(st, 3) != 0, ctx);
	sqlite3_finalize(st);
	return rc;
}
