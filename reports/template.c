/* template: the rows of the appendix's section 2 as data, so that a new
 * year's form needs no code. A template is a JSON file (format
 * raquet.template/1, docs/report.md):
 *   {"format": "raquet.template/1", "title": "...",
 *    "rows": [{"label": "...", "value": SQL, "note": SQL}, ...]}
 * where SQL is a string or an array of strings (lines). Here the file is
 * only read and its shape checked; totals.c prepares the SQL against ioc.db
 * and names the row when SQLite refuses it. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "report.h"

#define TEMPLATE_MAX      (1024 * 1024)
#define TEMPLATE_ROWS_MAX 200

/* A string, or an array of strings joined with newlines, copied. */
static int sql_text(json_object *v, char **out, size_t row, const char *key, rq_error *err)
{
	sbuf b = {0};
	size_t i, n;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		sb_add(&b, json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			json_object *line = json_object_array_get_idx(v, i);
			if (!json_object_is_type(line, json_type_string)) {
				sb_free(&b);
				return rq_fail(err,
					       "template row %zu: \"%s\": line %zu is not a string",
					       row, key, i + 1);
			}
			sb_add(&b, json_object_get_string(line));
			sb_add(&b, "\n");
		}
	} else {
		return rq_fail(err,
			       "template row %zu: \"%s\" must be a string or an array of strings",
			       row, key);
	}
	if (b.oom) {
		sb_free(&b);
		return rq_fail(err, "out of memory");
	}
	*out = b.p ? b.p : strdup("");
	return *out ? 0 : rq_fail(err, "out of memory");
}

static int load_row(json_object *o, rep_trow *r, size_t row, rq_error *err)
{
	json_object *label = NULL, *value = NULL, *note = NULL;

	if (!json_object_is_type(o, json_type_object))
		return rq_fail(err, "template row %zu is not an object", row);
	json_object_object_get_ex(o, "label", &label);
	json_object_object_get_ex(o, "value", &value);
	json_object_object_get_ex(o, "note", &note);
	if (label == NULL || !json_object_is_type(label, json_type_string) ||
	    json_object_get_string_len(label) == 0)
		return rq_fail(err, "template row %zu has no \"label\"", row);
	r->label = rep_clean_text(json_object_get_string(label));
	if (r->label == NULL)
		return rq_fail(err, "out of memory");
	if (value == NULL)
		return rq_fail(err, "template row %zu (%s) has no \"value\" query", row, r->label);
	if (sql_text(value, &r->value_sql, row, "value", err) != 0 ||
	    sql_text(note, &r->note_sql, row, "note", err) != 0)
		return -1;
	return 0;
}

static int load_json(const char *text, const char *name, rep_template *t, rq_error *err)
{
	json_tokener *tok;
	json_object *root, *v = NULL, *rows = NULL;
	size_t i, n;
	int rc = -1;

	tok = json_tokener_new();
	if (tok == NULL)
		return rq_fail(err, "out of memory");
	root = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (root == NULL) {
		rq_fail(err, "%s: not valid JSON: %s", name,
			json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	/* "format": null is a member whose value is NULL: check the type first */
	if (!json_object_object_get_ex(root, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "raquet.template/1") != 0) {
		rq_fail(err, "%s: \"format\" must be \"raquet.template/1\"", name);
		goto out;
	}
	v = NULL;
	json_object_object_get_ex(root, "title", &v);
	t->title = rep_clean_text(
	    v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
	if (!json_object_object_get_ex(root, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array) ||
	    (n = json_object_array_length(rows)) == 0) {
		rq_fail(err, "%s: \"rows\" must be a non-empty array", name);
		goto out;
	}
	if (n > TEMPLATE_ROWS_MAX) {
		rq_fail(err, "%s: %zu rows, at most %d", name, n, TEMPLATE_ROWS_MAX);
		goto out;
	}
	t->rows = calloc(n, sizeof(*t->rows));
	if (t->rows == NULL || t->title == NULL) {
		rq_fail(err, "out of memory");
		goto out;
	}
	t->nrows = n;
	for (i = 0; i < n; i++)
		if (load_row(json_object_array_get_idx(rows, i), &t->rows[i], i + 1, err) != 0) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			rq_fail(err, "%s: %s", name, msg);
			goto out;
		}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int template_load(const char *path, rep_template *t, rq_error *err)
{
	char *text;
	size_t len;
	int rc;

	memset(t, 0, sizeof(*t));
	if (path == NULL)
		rc = load_json(template_default_json, "default template", t, err);
	else {
		if (read_file_bounded(AT_FDCWD, path, TEMPLATE_MAX, &text, &len, err) != 0)
			return -1;
		if (strlen(text) != len) {
			free(text);
			return rq_fail(err, "%s: not a text file", path);
		}
		rc = load_json(text, path, t, err);
		free(text);
	}
	if (rc != 0)
		template_free(t);
	return rc;
}

void template_free(rep_template *t)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		free(t->rows[i].label);
		free(t->rows[i].value_sql);
		free(t->rows[i].note_sql);
	}
	free(t->rows);
	free(t->title);
	memset(t, 0, sizeof(*t));
}
