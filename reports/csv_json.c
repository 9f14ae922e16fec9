/* csv_json: the report for machines. JSON holds every number of every
 * other format and is what the tests compare against; json-c writes it,
 * except the device list, which is written here one compact line per
 * device (100,000 json-c objects took most of a province's report time);
 * CSV is section 2's table for the scope and then for each unit,
 * one row per line (RFC 4180, UTF-8 without a byte order mark). */
#include <json-c/json.h>
#include <string.h>

#include "report.h"
#include "resultdoc.h"

/* ---- CSV ---- */

/* True when a spreadsheet opening the CSV would take a text field starting
 * with c as a formula (CSV injection: "=HYPERLINK(...)", "@SUM(...)", "+1",
 * "-1+cmd|..."), or strip c and look at what follows (tab, CR). */
static bool csv_formula_lead(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A text field. Unit names, signature names in the notes and labels may
 * come from a stick or a hostile database: one that a spreadsheet would
 * read as a formula gets a leading apostrophe (OWASP's advice), which
 * LibreOffice and Excel show as text. Numbers never come through here
 * (csv_rows writes numeric cells bare), so a real count stays a number. */
static void csv_field(sbuf *b, const char *s)
{
	bool defuse = csv_formula_lead(s[0]);

	if (!defuse && strpbrk(s, ",\"\n\r") == NULL) {
		sb_add(b, s);
		return;
	}
	sb_add(b, defuse ? "\"'" : "\"");
	for (; *s; s++)
		sb_addn(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	sb_add(b, "\"");
}

static void csv_rows(const report *r, sbuf *b, const char *code, const char *name,
		     const rep_cell *cells)
{
	size_t i;

	for (i = 0; i < r->tpl.nrows; i++) {
		csv_field(b, code);
		sb_add(b, ",");
		csv_field(b, name);
		sb_printf(b, ",%zu,", i + 1);
		csv_field(b, r->tpl.rows[i].label);
		sb_add(b, ",");
		if (cells[i].is_num)
			sb_printf(b, "%lld", cells[i].num);
		else
			csv_field(b, cells[i].text);
		sb_add(b, ",");
		csv_field(b, cells[i].note);
		sb_add(b, "\r\n");
	}
}

int csv_write(const report *r, sbuf *out, rq_error *err)
{
	size_t u;

	sb_add(out, "unit,unit_name,stt,label,value,note\r\n");
	csv_rows(r, out, r->unit_code ? r->unit_code : "", r->unit_name, r->cells);
	for (u = 0; u < r->nunits; u++)
		csv_rows(r, out, r->units[u].code, r->units[u].name, r->units[u].cells);
	return out->oom ? rq_fail(err, "out of memory") : 0;
}

/* ---- JSON ---- */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *jcell(const rep_cell *c)
{
	return c->is_num ? json_object_new_int64(c->num) : jstr(c->text);
}

static json_object *jrows(const report *r, const rep_cell *cells, bool labels)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < r->tpl.nrows; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "stt", json_object_new_int((int)i + 1));
		if (labels)
			json_object_object_add(o, "label", jstr(r->tpl.rows[i].label));
		json_object_object_add(o, "value", jcell(&cells[i]));
		json_object_object_add(o, "note", jstr(cells[i].note));
		json_object_array_add(a, o);
	}
	return a;
}

static void add_counts(json_object *o, const rep_counts *c)
{
	json_object_object_add(o, "scans", json_object_new_int64(c->scans));
	json_object_object_add(o, "devices_scanned", json_object_new_int64(c->devices));
	json_object_object_add(o, "devices_infected", json_object_new_int64(c->infected));
	json_object_object_add(o, "devices_cleaned", json_object_new_int64(c->cleaned));
	json_object_object_add(o, "devices_not_cleaned", json_object_new_int64(c->not_cleaned));
	json_object_object_add(o, "files_found", json_object_new_int64(c->files_found));
	json_object_object_add(o, "files_handled", json_object_new_int64(c->files_handled));
	json_object_object_add(o, "devices_weak_id", json_object_new_int64(c->weak));
}

static json_object *jtotals(const report *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "units", json_object_new_int64(r->units_in_scope));
	json_object_object_add(o, "units_informed", json_object_new_int64(r->units_informed));
	json_object_object_add(o, "units_active", json_object_new_int64(r->units_active));
	add_counts(o, &r->total);
	return o;
}

static json_object *junits(const report *r)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < r->nunits; i++) {
		const rep_unit *u = &r->units[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "code", jstr(u->code));
		json_object_object_add(o, "name", jstr(u->name));
		json_object_object_add(o, "parent", jstr(u->parent));
		json_object_object_add(o, "informed", json_object_new_boolean(u->informed));
		json_object_object_add(o, "depth", json_object_new_int(u->depth));
		add_counts(o, &u->own);
		json_object_object_add(o, "rows", jrows(r, u->cells, false));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jlists(const report *r, json_object *top)
{
	json_object *sigs = json_object_new_array(), *why = json_object_new_array();
	json_object *days = json_object_new_array();
	size_t i;

	for (i = 0; i < r->nsigs; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "signature", jstr(r->sigs[i].name));
		json_object_object_add(o, "devices", json_object_new_int64(r->sigs[i].devices));
		json_object_object_add(o, "files", json_object_new_int64(r->sigs[i].files));
		json_object_array_add(sigs, o);
	}
	for (i = 0; i < r->nreasons; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "reason", jstr(r->reasons[i].reason));
		json_object_object_add(o, "devices", json_object_new_int64(r->reasons[i].devices));
		json_object_array_add(why, o);
	}
	for (i = 0; i < r->ndays; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "date", jstr(r->days[i].date));
		json_object_object_add(o, "scans", json_object_new_int64(r->days[i].scans));
		json_object_array_add(days, o);
	}
	json_object_object_add(top, "not_cleaned_reasons", why);
	json_object_object_add(top, "top_signatures", sigs);
	json_object_object_add(top, "scans_per_day", days);
	return top;
}

/* s as a JSON string. Report text is valid UTF-8 without control
 * characters other than tab and newline (rep_clean_text), so only these,
 * the quote and the backslash need escaping. */
static void json_str(sbuf *b, const char *s)
{
	const char *run = s;

	sb_add(b, "\"");
	for (; *s; s++) {
		const char *esc = *s == '"'    ? "\\\""
				  : *s == '\\' ? "\\\\"
				  : *s == '\n' ? "\\n"
				  : *s == '\t' ? "\\t"
					       : NULL;
		if (esc == NULL)
			continue;
		sb_addn(b, run, (size_t)(s - run));
		sb_add(b, esc);
		run = s + 1;
	}
	sb_addn(b, run, (size_t)(s - run));
	sb_add(b, "\"");
}

/* "devices" as the last member of the object in out, which ends in "}". */
static void json_devices(const report *r, sbuf *out)
{
	size_t i;

	while (out->len > 0 && out->p[out->len - 1] != '}')
		out->len--;
	if (out->len == 0)
		return;
	out->len--;
	while (out->len > 0 && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == ' '))
		out->len--;
	sb_add(out, ",\n  \"devices\":[");
	for (i = 0; i < r->ndevices; i++) {
		const rep_device *d = &r->devices[i];
		sb_add(out, i ? ",\n    {\"id\":" : "\n    {\"id\":");
		json_str(out, d->key);
		sb_add(out, d->weak ? ",\"weak\":true,\"computer_name\":"
				    : ",\"weak\":false,\"computer_name\":");
		json_str(out, d->computer);
		sb_add(out, ",\"unit\":");
		json_str(out, d->unit);
		sb_add(out, ",\"last_scan\":");
		json_str(out, d->last_scan);
		sb_add(out, ",\"status\":");
		json_str(out, d->status);
		sb_add(out, ",\"vendor\":");
		json_str(out, d->vendor);
		sb_add(out, ",\"model\":");
		json_str(out, d->model);
		sb_add(out, ",\"serial\":");
		json_str(out, d->serial);
		sb_add(out, ",\"files\":");
		sb_int(out, d->detections);
		/* The result document's words (device.kind). */
		sb_add(out, ",\"kind\":");
		json_str(out, resultdoc_device_kind_name(d->usb ? RESULTDOC_REMOVABLE
								: RESULTDOC_COMPUTER));
		sb_add(out, "}");
	}
	sb_add(out, "\n  ]\n}\n");
}

/* The office's settings as printed (docs/report.md): recipients as a list. */
static json_object *joffice(const report *r)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	const char *p = r->recipients;

	while (p && *p) {
		size_t n = strcspn(p, "\n");
		json_object_array_add(list, json_object_new_string_len(p, (int)n));
		p += n + (p[n] == '\n');
	}
	json_object_object_add(o, "number", jstr(r->number));
	json_object_object_add(o, "sign_authority", jstr(r->sign_authority));
	json_object_object_add(o, "signer_title", jstr(r->signer_title));
	json_object_object_add(o, "signer", jstr(r->signer));
	json_object_object_add(o, "recipients", list);
	return o;
}

int json_write(const report *r, sbuf *out, rq_error *err)
{
	json_object *top = json_object_new_object(), *o;
	const char *text;

	if (top == NULL)
		return rq_fail(err, "out of memory");
	json_object_object_add(top, "format", jstr("raquet.report/1"));
	json_object_object_add(top, "generator", jstr("raquet-report " RAQUET_VERSION));
	json_object_object_add(top, "title", jstr(r->tpl.title));
	json_object_object_add(top, "date", jstr(r->date));
	json_object_object_add(top, "place", jstr(r->place));
	o = json_object_new_object();
	json_object_object_add(o, "from", jstr(r->from));
	json_object_object_add(o, "to", jstr(r->to));
	json_object_object_add(o, "first_scan", jstr(r->period_first));
	json_object_object_add(o, "last_scan", jstr(r->period_last));
	json_object_object_add(top, "period", o);
	o = json_object_new_object();
	json_object_object_add(o, "unit", jstr(r->unit_code));
	json_object_object_add(o, "name", jstr(r->unit_name));
	json_object_object_add(o, "issuer_top", jstr(r->issuer_top));
	json_object_object_add(o, "issuer", jstr(r->issuer));
	json_object_object_add(top, "scope", o);
	json_object_object_add(top, "office", joffice(r));
	json_object_object_add(top, "empty", json_object_new_boolean(r->empty));
	json_object_object_add(top, "assessment", jstr(r->assessment));
	json_object_object_add(top, "rows", jrows(r, r->cells, true));
	json_object_object_add(top, "totals", jtotals(r));
	json_object_object_add(top, "units", junits(r));
	jlists(r, top);
	text = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		json_object_put(top);
		return rq_fail(err, "out of memory");
	}
	sb_add(out, text);
	json_object_put(top);
	json_devices(r, out);
	return out->oom ? rq_fail(err, "out of memory") : 0;
}
