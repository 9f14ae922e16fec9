/* docx: the appendix as a Word document laid out per Decree 30/2020/NĐ-CP:
 * A4 portrait; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times
 * New Roman 14 pt (13 pt in tables); the unit name block and the national
 * motto side by side in a table without borders; place and date; section 1
 * with the drafted assessment; section 2's table; an annex with the units
 * and the top signatures. WordprocessingML written as strings, every text
 * through sb_xml, zipped by zipw.c. */
#include <stdio.h>
#include <string.h>

#include "report.h"

/* twips (1/20 pt; 1 mm = 56.7) */
#define PAGE_W        11906
#define PAGE_H        16838
#define MARGIN_TOP    1134 /* 20 mm */
#define MARGIN_BOTTOM 1134 /* 20 mm */
#define MARGIN_LEFT   1701 /* 30 mm */
#define MARGIN_RIGHT  851  /* 15 mm */
#define TEXT_W        (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define R_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/* rPr fragments */
#define BOLD   "<w:b/>"
#define CAPS   "<w:caps/>"
#define ITALIC "<w:i/>"
#define SZ13   "<w:sz w:val=\"26\"/><w:szCs w:val=\"26\"/>"
#define SZ12   "<w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>"
/* pPr fragments */
#define CENTER "<w:jc w:val=\"center\"/>"
#define RIGHT  "<w:jc w:val=\"right\"/>"
#define BOTH   "<w:jc w:val=\"both\"/>"
#define TIGHT  "<w:spacing w:before=\"0\" w:after=\"0\"/>"

static void run(sbuf *b, const char *rpr, const char *text)
{
	sb_printf(b, "<w:r><w:rPr>%s</w:rPr><w:t xml:space=\"preserve\">", rpr);
	sb_xml(b, text);
	sb_add(b, "</w:t></w:r>");
}

static void para(sbuf *b, const char *ppr, const char *rpr, const char *text)
{
	sb_printf(b, "<w:p><w:pPr>%s</w:pPr>", ppr);
	if (text && *text)
		run(b, rpr, text);
	sb_add(b, "</w:p>");
}

/* A short rule under a centred block: a paragraph with a bottom border,
 * indented to the width of the rule. */
static void rule(sbuf *b, int indent)
{
	sb_printf(
	    b,
	    "<w:p><w:pPr><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" "
	    "w:color=\"000000\"/></w:pBdr><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"120\" "
	    "w:lineRule=\"exact\"/><w:ind w:left=\"%d\" w:right=\"%d\"/></w:pPr></w:p>",
	    indent, indent);
}

static void cell_open(sbuf *b, int width)
{
	sb_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/></w:tcPr>", width);
}

/* A cell of a ruled table (section 2, the annex). Its borders are the
 * cell's own: LibreOffice 7.4 draws no line of a table's tblBorders. */
#define BOX_SIDE(side) "<w:" side " w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
static void cell(sbuf *b, int width, const char *ppr, const char *rpr, const char *text)
{
	sb_printf(b,
		  "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/><w:tcBorders>" BOX_SIDE("top")
		      BOX_SIDE("left") BOX_SIDE("bottom")
			  BOX_SIDE("right") "</w:tcBorders></w:tcPr>",
		  width);
	para(b, ppr, rpr, text);
	sb_add(b, "</w:tc>");
}

/* A cell of the header's table, which has no lines. */
static void plain_cell(sbuf *b, int width, const char *ppr, const char *rpr, const char *text)
{
	cell_open(b, width);
	para(b, ppr, rpr, text);
	sb_add(b, "</w:tc>");
}

static void num_cell(sbuf *b, int width, const char *rpr, long long n)
{
	sbuf t = {0};

	sb_num(&t, n);
	cell(b, width, CENTER TIGHT, rpr, t.p ? t.p : "");
	sb_free(&t);
}

static void table_open(sbuf *b, const int *widths, int n, bool borders)
{
	int i, total = 0;

	for (i = 0; i < n; i++)
		total += widths[i];
	sb_printf(b, "<w:tbl><w:tblPr><w:tblW w:w=\"%d\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>",
		  total);
	if (borders)
		sb_add(
		    b,
		    "<w:tblBorders><w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" "
		    "w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" "
		    "w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV "
		    "w:val=\"single\" "
		    "w:sz=\"4\"/></w:tblBorders>");
	else
		sb_add(
		    b,
		    "<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom "
		    "w:val=\"nil\"/><w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV "
		    "w:val=\"nil\"/></w:tblBorders>");
	sb_add(b, "<w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"85\" w:type=\"dxa\"/>"
		  "<w:right w:w=\"85\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>");
	for (i = 0; i < n; i++)
		sb_printf(b, "<w:gridCol w:w=\"%d\"/>", widths[i]);
	sb_add(b, "</w:tblGrid>");
}

/* A header row, repeated on each page the table runs over. */
static void header_row(sbuf *b, const int *widths, const char *const *titles, int n)
{
	int i;

	sb_add(b, "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
	for (i = 0; i < n; i++)
		cell(b, widths[i], CENTER TIGHT, BOLD SZ13, titles[i]);
	sb_add(b, "</w:tr>");
}

/* The header (Decree 30, Appendix I, items 1 to 4): the authority over the
 * issuing body, with a rule under it, beside the national motto; then the
 * number beside the place and date. The left column is wide enough for
 * "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in 13 pt bold and the right one for the
 * motto's upper line in 12 pt bold, each on one line; the table reaches
 * 4.4 mm into each margin, as the forms printed by offices do. */
#define HEAD_LEFT  4450
#define HEAD_RIGHT (TEXT_W + 500 - HEAD_LEFT)

static void top_block(sbuf *b, const report *r)
{
	static const int w[] = {HEAD_LEFT, HEAD_RIGHT};
	sbuf t = {0};

	table_open(b, w, 2, false);
	sb_add(b, "<w:tr>");
	cell_open(b, w[0]);
	if (*r->issuer_top)
		para(b, CENTER TIGHT, CAPS SZ13, r->issuer_top);
	para(b, CENTER TIGHT, BOLD CAPS SZ13, r->issuer);
	rule(b, 1300);
	sb_add(b, "</w:tc>");
	cell_open(b, w[1]);
	para(b, CENTER TIGHT, BOLD SZ12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
	para(b, CENTER TIGHT, BOLD SZ13, "Độc lập - Tự do - Hạnh phúc");
	rule(b, 1350);
	sb_add(b, "</w:tc></w:tr><w:tr>");
	rep_number_vn(r, &t);
	plain_cell(b, w[0], CENTER "<w:spacing w:before=\"120\" w:after=\"0\"/>", SZ13,
		   t.p ? t.p : "");
	t.len = 0;
	rep_place_date_vn(r, &t);
	plain_cell(b, w[1], CENTER "<w:spacing w:before=\"120\" w:after=\"0\"/>", ITALIC SZ13,
		   t.p ? t.p : "");
	sb_add(b, "</w:tr></w:tbl>");
	sb_free(&t);
}

/* "BÁO CÁO" on its own line, the summary in sentence case under it (one
 * line at 14 pt: no word left alone on a second one), a short rule, then
 * the period. */
static void title(sbuf *b, const report *r)
{
	sbuf t = {0};

	para(b, CENTER "<w:keepNext/><w:spacing w:before=\"360\" w:after=\"0\"/>", BOLD, REP_KIND);
	para(b, CENTER "<w:keepNext/>" TIGHT, BOLD, REP_SUMMARY);
	sb_add(&t, "(Kỳ báo cáo: ");
	rep_period_vn(r, &t);
	sb_add(&t, ")");
	para(b, CENTER "<w:keepNext/>" TIGHT, ITALIC, t.p ? t.p : "");
	rule(b, 3500);
	para(b, TIGHT, "", "");
	sb_free(&t);
}

/* The recipients (Decree 30, item 9: "Nơi nhận:" in 12 pt bold italic,
 * each one in 11 pt after a dash, ending in ';', the last in '.') beside
 * the signature (item 7: the authority to sign and the title in bold
 * capitals, room for the signature and the seal, the full name in bold). */
static void signature(sbuf *b, const report *r)
{
	static const int w[] = {4300, TEXT_W - 4300};
	const char *p = r->recipients;
	sbuf t = {0};

	table_open(b, w, 2, false);
	sb_add(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
	cell_open(b, w[0]);
	para(b, "<w:spacing w:before=\"240\" w:after=\"0\"/>", BOLD ITALIC SZ12, "Nơi nhận:");
	while (*p) {
		size_t n = strcspn(p, "\n");
		t.len = 0;
		sb_add(&t, "- ");
		sb_addn(&t, p, n);
		p += n + (p[n] == '\n');
		sb_add(&t, *p ? ";" : ".");
		para(b, TIGHT, "<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/>", t.p ? t.p : "");
	}
	sb_add(b, "</w:tc>");
	cell_open(b, w[1]);
	if (*r->sign_authority)
		para(b, CENTER "<w:spacing w:before=\"240\" w:after=\"0\"/>", BOLD CAPS,
		     r->sign_authority);
	para(b,
	     *r->sign_authority ? CENTER TIGHT
				: CENTER "<w:spacing w:before=\"240\" w:after=\"0\"/>",
	     BOLD CAPS, r->signer_title);
	/* Room for the signature and the seal: about 30 mm. */
	para(b,
	     CENTER "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"1700\" "
		    "w:lineRule=\"exact\"/>",
	     "", "");
	para(b, CENTER TIGHT, BOLD, r->signer);
	sb_add(b, "</w:tc></w:tr></w:tbl>");
	sb_free(&t);
}

static void section1(sbuf *b, const report *r)
{
	para(b, BOTH, BOLD, "1. Thông tin chung");
	sb_printf(b, "<w:p><w:pPr>%s</w:pPr>", BOTH);
	run(b, "", "- Tên đơn vị: ");
	run(b, BOLD, r->unit_name);
	sb_add(b, "</w:p>");
	para(b, BOTH, "",
	     "- Đánh giá kết quả thực hiện chiến dịch trong cơ quan, địa bàn, phạm vi quản lý:");
	para(b, BOTH "<w:ind w:firstLine=\"567\"/>", "", r->assessment);
}

static void value_cell(sbuf *b, int width, const rep_cell *c)
{
	if (c->is_num)
		num_cell(b, width, SZ13, c->num);
	else
		cell(b, width, CENTER TIGHT, SZ13, c->text);
}

static void section2(sbuf *b, const report *r)
{
	static const int w[] = {700, 4600, 1300, TEXT_W - 6600};
	static const char *const h[] = {"STT", "Nội dung", "Số lượng", "Ghi chú"};
	size_t i;

	para(b, BOTH, BOLD, "2. Thông tin số liệu");
	if (rep_empty_note(r))
		para(b, BOTH, ITALIC, rep_empty_note(r));
	table_open(b, w, 4, true);
	header_row(b, w, h, 4);
	for (i = 0; i < r->tpl.nrows; i++) {
		sb_add(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
		num_cell(b, w[0], SZ13, (long long)i + 1);
		cell(b, w[1], TIGHT, SZ13, r->tpl.rows[i].label);
		value_cell(b, w[2], &r->cells[i]);
		cell(b, w[3], TIGHT, SZ12, r->cells[i].note);
		sb_add(b, "</w:tr>");
	}
	sb_add(b, "</w:tbl>");
}

static void unit_row(sbuf *b, const int *w, const char *stt, const char *name, int depth,
		     const rep_counts *c, const char *rpr)
{
	char ind[64];

	snprintf(ind, sizeof(ind), TIGHT "<w:ind w:left=\"%d\"/>", depth * 200);
	sb_add(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
	cell(b, w[0], CENTER TIGHT, rpr, stt);
	cell(b, w[1], ind, rpr, name);
	num_cell(b, w[2], rpr, c->scans);
	num_cell(b, w[3], rpr, c->devices);
	num_cell(b, w[4], rpr, c->infected);
	num_cell(b, w[5], rpr, c->cleaned);
	num_cell(b, w[6], rpr, c->not_cleaned);
	num_cell(b, w[7], rpr, c->files_found);
	sb_add(b, "</w:tr>");
}

static void annex_units(sbuf *b, const report *r)
{
	static const int w[] = {600, TEXT_W - 6600, 1000, 1000, 1000, 1000, 1000, 1000};
	static const char *const h[] = {"STT",       "Đơn vị",   "Lượt quét",  "Máy được quét",
					"Máy nhiễm", "Đã xử lý", "Chưa xử lý", "Tệp độc hại"};
	char stt[24];
	size_t i;

	para(b, BOTH "<w:keepNext/>", BOLD, "1. Số liệu theo đơn vị");
	para(b, BOTH "<w:keepNext/>", ITALIC SZ13,
	     "Mỗi máy tính được tính một lần, cho đơn vị của lượt quét gần nhất trong kỳ; số liệu "
	     "của "
	     "mỗi dòng là của riêng đơn vị đó, không gồm các đơn vị trực thuộc.");
	table_open(b, w, 8, true);
	header_row(b, w, h, 8);
	for (i = 0; i < r->nunits; i++) {
		snprintf(stt, sizeof(stt), "%zu", i + 1);
		unit_row(b, w, stt, r->units[i].name, r->units[i].depth, &r->units[i].own, SZ12);
	}
	unit_row(b, w, "", "Tổng cộng", 0, &r->total, BOLD SZ12);
	sb_add(b, "</w:tbl>");
}

static void annex_sigs(sbuf *b, const report *r)
{
	static const int w[] = {700, TEXT_W - 3700, 1500, 1500};
	static const char *const h[] = {"STT", "Tên mã độc (chữ ký phát hiện)", "Số máy", "Số tệp"};
	char stt[24];
	size_t i;

	para(b, BOTH "<w:spacing w:before=\"240\"/><w:keepNext/>", BOLD,
	     "2. Các loại mã độc phổ biến nhất");
	if (r->nsigs == 0) {
		para(b, BOTH, ITALIC, "Không phát hiện mã độc trong kỳ báo cáo.");
		return;
	}
	table_open(b, w, 4, true);
	header_row(b, w, h, 4);
	for (i = 0; i < r->nsigs; i++) {
		snprintf(stt, sizeof(stt), "%zu", i + 1);
		sb_add(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
		cell(b, w[0], CENTER TIGHT, SZ13, stt);
		cell(b, w[1], TIGHT, SZ13, r->sigs[i].name);
		num_cell(b, w[2], SZ13, r->sigs[i].devices);
		num_cell(b, w[3], SZ13, r->sigs[i].files);
		sb_add(b, "</w:tr>");
	}
	sb_add(b, "</w:tbl>");
}

static void document(sbuf *b, const report *r)
{
	sb_add(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		  "<w:document xmlns:w=\"" W_NS "\" xmlns:r=\"" R_NS "\"><w:body>");
	top_block(b, r);
	title(b, r);
	section1(b, r);
	section2(b, r);
	signature(b, r);
	para(b, "<w:pageBreakBefore/>" CENTER TIGHT, BOLD, "PHỤ LỤC");
	para(b, CENTER "<w:spacing w:before=\"0\" w:after=\"240\"/>", BOLD,
	     "SỐ LIỆU CHI TIẾT THEO ĐƠN VỊ VÀ LOẠI MÃ ĐỘC");
	annex_units(b, r);
	annex_sigs(b, r);
	sb_printf(
	    b,
	    "<w:sectPr><w:pgSz w:w=\"%d\" w:h=\"%d\" w:orient=\"portrait\"/>"
	    "<w:pgMar w:top=\"%d\" w:right=\"%d\" w:bottom=\"%d\" w:left=\"%d\" w:header=\"567\" "
	    "w:footer=\"567\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
	    PAGE_W, PAGE_H, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT);
}

/* ---- the package's fixed parts ---- */

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "<Override PartName=\"/word/settings.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/"
    "vnd.openxmlformats-package.core-properties+xml\"/>"
    "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>";

static const char package_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/"
    "metadata/core-properties\" Target=\"docProps/core.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>";

static const char document_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/settings\" Target=\"settings.xml\"/></Relationships>";

/* Times New Roman 14 pt, Vietnamese, 6 pt after each paragraph, lines
 * a little over single (Decree 30: single to 1.5). */
static const char styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:styles xmlns:w=\"" W_NS "\"><w:docDefaults><w:rPrDefault><w:rPr>"
    "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New "
    "Roman\" "
    "w:cs=\"Times New Roman\"/><w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/>"
    "<w:lang w:val=\"vi-VN\" w:eastAsia=\"vi-VN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
    "<w:pPrDefault><w:pPr><w:spacing w:before=\"0\" w:after=\"120\" w:line=\"288\" "
    "w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:qFormat/></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal "
    "Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" "
    "w:type=\"dxa\"/><w:left w:w=\"85\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/>"
    "<w:right w:w=\"85\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style></w:styles>";

static const char settings[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:settings xmlns:w=\"" W_NS "\"><w:defaultTabStop w:val=\"720\"/>"
    "<w:characterSpacingControl w:val=\"doNotCompress\"/><w:compat><w:compatSetting "
    "w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" "
    "w:val=\"15\"/></w:compat></w:settings>";

static const char app[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Properties "
    "xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
    "<Application>raquet-report</Application></Properties>";

static void core(sbuf *b, const report *r)
{
	sb_add(
	    b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
	    "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms="
	    "\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
	    "<dc:title>");
	sb_xml(b, REP_TITLE);
	sb_add(b, "</dc:title><dc:subject>");
	sb_xml(b, r->unit_name);
	sb_add(b, "</dc:subject><dc:language>vi-VN</dc:language><dcterms:created "
		  "xsi:type=\"dcterms:W3CDTF\">");
	sb_printf(b, "%sT00:00:00Z</dcterms:created></cp:coreProperties>", r->date);
}

int docx_write(const report *r, sbuf *out, rq_error *err)
{
	static const struct {
		const char *name, *text;
	} fixed[] = {
	    {"[Content_Types].xml", content_types},
	    {"_rels/.rels", package_rels},
	    {"word/_rels/document.xml.rels", document_rels},
	    {"word/styles.xml", styles},
	    {"word/settings.xml", settings},
	    {"docProps/app.xml", app},
	};
	sbuf doc = {0}, props = {0}, part = {0};
	zipw *z;
	size_t i;
	int rc = -1;

	document(&doc, r);
	core(&props, r);
	if ((z = zipw_new(out, err)) == NULL)
		goto out;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		part.len = 0;
		sb_add(&part, fixed[i].text);
		if (zipw_add(z, fixed[i].name, &part, err) != 0)
			goto fail;
	}
	if (zipw_add(z, "docProps/core.xml", &props, err) != 0 ||
	    zipw_add(z, "word/document.xml", &doc, err) != 0)
		goto fail;
	rc = zipw_close(z, err);
	goto out;
fail:
	zipw_close(z, NULL);
out:
	sb_free(&doc);
	sb_free(&props);
	sb_free(&part);
	return rc;
}
