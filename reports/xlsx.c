/* xlsx: the appendix as a spreadsheet: a summary sheet with section 2's
 * table, the units (the annex), the top signatures, the devices (hashed id,
 * computer name, last scan, status), then one sheet per unit with the
 * table for that unit and the units below it. Numbers are numeric cells;
 * text is inline strings through sb_xml. SpreadsheetML written as strings
 * and zipped by zipw.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report.h"

#define SHEET_NAME_MAX 31 /* characters, Excel's limit */

enum { ST_PLAIN = 0, ST_BOLD = 1, ST_WRAP = 2 };

typedef struct sheet {
	sbuf x;
	int row;
} sheet;

static void sheet_open(sheet *s, const double *widths, int n)
{
	int i;

	memset(s, 0, sizeof(*s));
	sb_add(&s->x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		      "<cols>");
	for (i = 0; i < n; i++)
		sb_printf(&s->x, "<col min=\"%d\" max=\"%d\" width=\"%.1f\" customWidth=\"1\"/>", i + 1,
			  i + 1, widths[i]);
	sb_add(&s->x, "</cols><sheetData>");
}

/* Rows and cells are written without printf and as short as SpreadsheetML
 * allows (a cell's reference is optional when the cells come in order):
 * a province's device sheet has 700,000 cells. */
static void row_open(sheet *s)
{
	s->row++;
	sb_add(&s->x, "<row r=\"");
	sb_int(&s->x, s->row);
	sb_add(&s->x, "\">");
}

static void row_close(sheet *s)
{
	sb_add(&s->x, "</row>");
}

static void cell_open(sheet *s, int style)
{
	sb_add(&s->x, "<c");
	if (style) {
		sb_add(&s->x, " s=\"");
		sb_int(&s->x, style);
		sb_add(&s->x, "\"");
	}
}

/* Whitespace that a spreadsheet keeps only when told to. */
static bool needs_preserve(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && (strchr(" \t\n", t[0]) || strchr(" \t\n", t[n - 1]) || strchr(t, '\n'));
}

static void str(sheet *s, const char *text, int style)
{
	text = text ? text : "";
	cell_open(s, style);
	sb_add(&s->x, needs_preserve(text) ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">"
					   : " t=\"inlineStr\"><is><t>");
	sb_xml(&s->x, text);
	sb_add(&s->x, "</t></is></c>");
}

static void num(sheet *s, long long n, int style)
{
	cell_open(s, style);
	sb_add(&s->x, "><v>");
	sb_int(&s->x, n);
	sb_add(&s->x, "</v></c>");
}

static void line(sheet *s, const char *text, int style)
{
	row_open(s);
	str(s, text, style);
	row_close(s);
}

static void heads(sheet *s, const char *const *titles, int n)
{
	int i;

	row_open(s);
	for (i = 0; i < n; i++)
		str(s, titles[i], ST_BOLD);
	row_close(s);
}

static void sheet_close(sheet *s)
{
	sb_add(&s->x, "</sheetData></worksheet>");
}

/* The title lines and section 2's table for one scope. */
static void table_sheet(sheet *s, const report *r, const char *name, const rep_cell *cells,
			const char *heading)
{
	static const double w[] = { 6, 60, 12, 60 };
	static const char *const h[] = { "STT", "Nội dung", "Số lượng", "Ghi chú" };
	sbuf t = { 0 };
	size_t i;

	sheet_open(s, w, 4);
	line(s, heading, ST_BOLD);
	sb_add(&t, "Tên đơn vị: ");
	sb_add(&t, name);
	line(s, t.p, ST_PLAIN);
	t.len = 0;
	sb_add(&t, "Kỳ báo cáo: ");
	rep_period_vn(r, &t);
	line(s, t.p, ST_PLAIN);
	if (r->empty)
		line(s, "Không có số liệu rà quét trong kỳ báo cáo: các số liệu đều bằng 0.", ST_PLAIN);
	sb_free(&t);
	heads(s, h, 4);
	for (i = 0; i < r->tpl.nrows; i++) {
		row_open(s);
		num(s, (long long)i + 1, ST_PLAIN);
		str(s, r->tpl.rows[i].label, ST_WRAP);
		if (cells[i].is_num)
			num(s, cells[i].num, ST_PLAIN);
		else
			str(s, cells[i].text, ST_PLAIN);
		str(s, cells[i].note, ST_WRAP);
		row_close(s);
	}
	sheet_close(s);
}

static void counts(sheet *s, const rep_counts *c, int style)
{
	num(s, c->scans, style);
	num(s, c->devices, style);
	num(s, c->infected, style);
	num(s, c->cleaned, style);
	num(s, c->not_cleaned, style);
	num(s, c->files_found, style);
	num(s, c->files_handled, style);
}

static void units_sheet(sheet *s, const report *r)
{
	static const double w[] = { 16, 50, 16, 12, 10, 12, 10, 10, 10, 12, 12 };
	static const char *const h[] = { "Mã đơn vị", "Đơn vị", "Đơn vị cấp trên", "Nhận thông tin",
					 "Lượt quét", "Máy được quét", "Máy nhiễm", "Đã xử lý",
					 "Chưa xử lý", "Tệp độc hại", "Tệp đã xử lý" };
	size_t i;

	sheet_open(s, w, 11);
	heads(s, h, 11);
	for (i = 0; i < r->nunits; i++) {
		const rep_unit *u = &r->units[i];
		row_open(s);
		str(s, u->code, ST_PLAIN);
		str(s, u->name, ST_PLAIN);
		str(s, u->parent ? u->parent : "", ST_PLAIN);
		num(s, u->informed, ST_PLAIN);
		counts(s, &u->own, ST_PLAIN);
		row_close(s);
	}
	row_open(s);
	str(s, "", ST_BOLD);
	str(s, "Tổng cộng", ST_BOLD);
	str(s, "", ST_BOLD);
	num(s, r->units_informed, ST_BOLD);
	counts(s, &r->total, ST_BOLD);
	row_close(s);
	sheet_close(s);
}

static void sigs_sheet(sheet *s, const report *r)
{
	static const double w[] = { 6, 50, 10, 10 };
	static const char *const h[] = { "STT", "Tên mã độc", "Số máy", "Số tệp" };
	size_t i;

	sheet_open(s, w, 4);
	heads(s, h, 4);
	for (i = 0; i < r->nsigs; i++) {
		row_open(s);
		num(s, (long long)i + 1, ST_PLAIN);
		str(s, r->sigs[i].name, ST_PLAIN);
		num(s, r->sigs[i].devices, ST_PLAIN);
		num(s, r->sigs[i].files, ST_PLAIN);
		row_close(s);
	}
	sheet_close(s);
}

static void devices_sheet(sheet *s, const report *r)
{
	static const double w[] = { 68, 30, 16, 28, 20, 10, 14 };
	static const char *const h[] = { "Mã định danh (băm)", "Tên máy", "Đơn vị", "Lần quét cuối",
					 "Trạng thái", "Số tệp độc hại", "Định danh yếu" };
	size_t i;

	sheet_open(s, w, 7);
	sb_reserve(&s->x, r->ndevices * 384); /* about a row's size */
	heads(s, h, 7);
	for (i = 0; i < r->ndevices; i++) {
		const rep_device *d = &r->devices[i];
		row_open(s);
		str(s, d->key, ST_PLAIN);
		str(s, d->computer, ST_PLAIN);
		str(s, d->unit, ST_PLAIN);
		str(s, d->last_scan, ST_PLAIN);
		str(s, rep_status_vn(d->status), ST_PLAIN);
		num(s, d->detections, ST_PLAIN);
		num(s, d->weak, ST_PLAIN);
		row_close(s);
	}
	sheet_close(s);
}

/* The persistence entries of detected files (reports/autoruns.c). */
static void autoruns_sheet(sheet *s, const report *r)
{
	static const double w[] = { 16, 24, 40, 20, 50, 50, 30, 14, 40 };
	static const char *const h[] = { "Đơn vị", "Tên máy", "Vị trí", "Tên", "Lệnh", "Tệp",
					 "Mã độc", "Kết quả", "Ghi chú" };

	sheet_open(s, w, 9);
	heads(s, h, 9);
	for (size_t i = 0; i < r->nautoruns; i++) {
		char **f = &r->autoruns[i].unit;
		row_open(s);
		for (int k = 0; k < 9; k++)
			str(s, k == 7 ? (strcmp(f[k], "cleaned") == 0 ? "Đã gỡ bỏ" : "Chưa xử lý")
				      : f[k], ST_PLAIN);
		row_close(s);
	}
	sheet_close(s);
}

/* A unit's sheet name: its code without the characters Excel refuses, at
 * most 31 characters; "Đơn vị N" when that is taken or empty. */
static char *sheet_name(const char *code, size_t n, char **names, size_t nnames)
{
	sbuf b = { 0 };
	size_t chars = 0, i;
	const char *p;

	for (p = code; *p && chars < SHEET_NAME_MAX; chars++) {
		size_t len = 1;
		while ((p[len] & 0xc0) == 0x80)
			len++;
		sb_addn(&b, strchr("[]:*?/\\'", *p) ? "_" : p, strchr("[]:*?/\\'", *p) ? 1 : len);
		p += len;
	}
	for (i = 0; b.p && i < nnames; i++)
		if (names[i] && strcasecmp(names[i], b.p) == 0)
			break;
	if (b.p == NULL || i < nnames) {
		b.len = 0;
		sb_printf(&b, "Đơn vị %zu", n);
	}
	return b.oom ? (sb_free(&b), NULL) : b.p;
}

static void workbook_parts(sbuf *wb, sbuf *rels, sbuf *types, char **names, size_t n)
{
	size_t i;

	sb_add(wb, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		   "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		   "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
		   "<sheets>");
	sb_add(rels, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		     "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
	sb_add(types, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		      "<Default Extension=\"rels\" ContentType=\"application/"
		      "vnd.openxmlformats-package.relationships+xml\"/>"
		      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		      "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
		      "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
		      "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/"
		      "vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
	for (i = 0; i < n; i++) {
		sb_add(wb, "<sheet name=\"");
		sb_xml(wb, names[i]);
		sb_printf(wb, "\" sheetId=\"%zu\" r:id=\"rId%zu\"/>", i + 1, i + 1);
		sb_printf(rels, "<Relationship Id=\"rId%zu\" Type=\"http://schemas.openxmlformats.org/"
				"officeDocument/2006/relationships/worksheet\" "
				"Target=\"worksheets/sheet%zu.xml\"/>", i + 1, i + 1);
		sb_printf(types, "<Override PartName=\"/xl/worksheets/sheet%zu.xml\" ContentType="
				 "\"application/vnd.openxmlformats-officedocument.spreadsheetml."
				 "worksheet+xml\"/>", i + 1);
	}
	sb_add(wb, "</sheets></workbook>");
	sb_printf(rels, "<Relationship Id=\"rId%zu\" Type=\"http://schemas.openxmlformats.org/"
			"officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
			"</Relationships>", n + 1);
	sb_add(types, "</Types>");
}

static const char package_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	"relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

static const char styles[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<fonts count=\"2\"><font><sz val=\"12\"/><name val=\"Times New Roman\"/></font>"
	"<font><b/><sz val=\"12\"/><name val=\"Times New Roman\"/></font></fonts>"
	"<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
	"<fill><patternFill patternType=\"gray125\"/></fill></fills>"
	"<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>"
	"</cellStyleXfs><cellXfs count=\"3\">"
	"<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
	"<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
	"<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\">"
	"<alignment wrapText=\"1\" vertical=\"top\"/></xf></cellXfs>"
	"<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
	"</styleSheet>";

static const char *const fixed_names[] = { "Tổng hợp", "Đơn vị", "Mã độc", "Thiết bị",
					  "Tự khởi động" };
#define NFIXED 5

int xlsx_write(const report *r, sbuf *out, rq_error *err)
{
	size_t n = NFIXED + r->nunits, i;
	char **names = calloc(n, sizeof(*names));
	sbuf wb = { 0 }, rels = { 0 }, types = { 0 }, part = { 0 };
	char path[64];
	sheet s;
	zipw *z = NULL;
	int rc = -1;

	if (names == NULL)
		return rq_fail(err, "out of memory");
	for (i = 0; i < n; i++)
		if ((names[i] = i < NFIXED ? strdup(fixed_names[i])
					   : sheet_name(r->units[i - NFIXED].code, i - NFIXED + 1,
							names, i)) == NULL) {
			rq_fail(err, "out of memory");
			goto out;
		}
	workbook_parts(&wb, &rels, &types, names, n);
	if ((z = zipw_new(out, err)) == NULL)
		goto out;
	sb_add(&part, package_rels);
	if (zipw_add(z, "[Content_Types].xml", &types, err) != 0 ||
	    zipw_add(z, "_rels/.rels", &part, err) != 0 || zipw_add(z, "xl/workbook.xml", &wb, err) != 0 ||
	    zipw_add(z, "xl/_rels/workbook.xml.rels", &rels, err) != 0)
		goto out;
	part.len = 0;
	sb_add(&part, styles);
	if (zipw_add(z, "xl/styles.xml", &part, err) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (i == 0)
			table_sheet(&s, r, r->unit_name, r->cells, REP_TITLE);
		else if (i == 1)
			units_sheet(&s, r);
		else if (i == 2)
			sigs_sheet(&s, r);
		else if (i == 3)
			devices_sheet(&s, r);
		else if (i == 4)
			autoruns_sheet(&s, r);
		else
			table_sheet(&s, r, r->units[i - NFIXED].name, r->units[i - NFIXED].cells,
				    r->units[i - NFIXED].code);
		snprintf(path, sizeof(path), "xl/worksheets/sheet%zu.xml", i + 1);
		rc = zipw_add(z, path, &s.x, err);
		sb_free(&s.x);
		if (rc != 0)
			goto out;
		rc = -1;
	}
	rc = zipw_close(z, err);
	z = NULL;
out:
	if (z)
		zipw_close(z, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	sb_free(&wb);
	sb_free(&rels);
	sb_free(&types);
	sb_free(&part);
	return rc;
}
