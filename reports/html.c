/* html: the appendix as one self-contained web page (no network: inline CSS
 * and SVG), printable on A4 (@page with Decree 30's margins), with three
 * charts: infected and cleaned machines per unit, the top signatures, and
 * scans per day. Every text goes through sb_xml. */
#include <stdio.h>
#include <string.h>

#include "report.h"

#define CHART_W 640
#define LABEL_W 250
#define BAR_H   12

static const char css[] =
    "@page{size:A4 portrait;margin:20mm 15mm 20mm 30mm}"
    "body{font-family:'Times New Roman','Liberation Serif',serif;font-size:14pt;"
    "max-width:165mm;margin:auto;line-height:1.35}"
    /* the header: as the DOCX (docx.c), two columns a little wider than the
	 * text, the issuer in 13 pt and the motto's upper line in 12 pt, each
	 * on one line */
    "table.top{width:174mm;margin:0 -4.5mm;border:0;font-size:13pt;table-layout:fixed}"
    "table.top td{border:0;padding:0 2pt;text-align:center;vertical-align:top}"
    "table.top td.l{width:79mm}.motto{font-size:12pt;white-space:nowrap}"
    ".caps{text-transform:uppercase}.b{font-weight:bold}.i{font-style:italic}"
    ".rule{width:40%;margin:2pt auto 6pt;border-top:1px solid #000}"
    ".no{white-space:pre}"
    "h1{font-size:14pt;text-align:center;margin:0}h2{font-size:14pt;margin:12pt 0 6pt}"
    "h1.kind{margin-top:18pt}"
    "table.sign{border:0;margin-top:12pt;break-inside:avoid}"
    "table.sign td{border:0;vertical-align:top}table.sign td.to{width:75mm;font-size:11pt}"
    "table.sign td.by{text-align:center;font-weight:bold}.seal{height:30mm}"
    ".period{text-align:center;font-style:italic;margin-bottom:12pt}"
    "p.assess{text-align:justify;text-indent:1cm}"
    "table{border-collapse:collapse;width:100%;font-size:13pt}"
    "th,td{border:1px solid #000;padding:2pt 4pt;vertical-align:top}"
    "td.n{text-align:center}tr.sum td{font-weight:bold}"
    ".note{font-size:12pt}.empty{font-style:italic}"
    "svg text{font-family:'Times New Roman','Liberation Serif',serif;font-size:11px}"
    ".annex{break-before:page}figure{margin:12pt 0;break-inside:avoid}"
    "figcaption{font-weight:bold;font-size:13pt}";

static void esc(sbuf *b, const char *s)
{
	sb_xml(b, s);
}

static void numtd(sbuf *b, long long n)
{
	sb_add(b, "<td class=\"n\">");
	sb_num(b, n);
	sb_add(b, "</td>");
}

static void head(sbuf *b, const report *r)
{
	sbuf t = {0};

	sb_add(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>");
	esc(b, REP_TITLE);
	sb_add(b, " - ");
	esc(b, r->unit_name);
	sb_printf(b, "</title><style>%s</style></head><body>\n", css);
	sb_add(b, "<table class=\"top\"><tr><td class=\"l\"><div class=\"caps\">");
	esc(b, r->issuer_top);
	sb_add(b, "</div><div class=\"caps b\">");
	esc(b, r->issuer);
	sb_add(b, "</div><div class=\"rule\"></div></td><td><div class=\"b motto\">CỘNG HÒA XÃ HỘI "
		  "CHỦ NGHĨA VIỆT NAM</div><div class=\"b\">Độc lập - Tự do - Hạnh phúc</div>"
		  "<div class=\"rule\"></div></td></tr>\n<tr><td class=\"no\">");
	rep_number_vn(r, &t);
	esc(b, t.p ? t.p : "");
	t.len = 0;
	sb_add(b, "</td><td class=\"i\">");
	rep_place_date_vn(r, &t);
	esc(b, t.p ? t.p : "");
	t.len = 0;
	sb_add(b, "</td></tr></table>\n<h1 class=\"kind\">" REP_KIND "</h1><h1>" REP_SUMMARY
		  "</h1><p class=\"period\">(Kỳ báo cáo: ");
	rep_period_vn(r, &t);
	esc(b, t.p ? t.p : "");
	sb_add(b, ")</p>\n");
	sb_free(&t);
}

static void sections(sbuf *b, const report *r)
{
	size_t i;

	sb_add(b, "<h2>1. Thông tin chung</h2><p>- Tên đơn vị: <b>");
	esc(b, r->unit_name);
	sb_add(b,
	       "</b></p><p>- Đánh giá kết quả thực hiện chiến dịch trong cơ quan, địa bàn, phạm vi "
	       "quản lý:</p><p class=\"assess\" contenteditable=\"true\">");
	esc(b, r->assessment);
	sb_add(b, "</p>\n<h2>2. Thông tin số liệu</h2>");
	if (rep_empty_note(r)) {
		sb_add(b, "<p class=\"empty\">");
		esc(b, rep_empty_note(r));
		sb_add(b, "</p>");
	}
	sb_add(
	    b,
	    "<table id=\"rows\"><tr><th>STT</th><th>Nội dung</th><th>Số lượng</th><th>Ghi chú</th>"
	    "</tr>\n");
	for (i = 0; i < r->tpl.nrows; i++) {
		sb_printf(b, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		esc(b, r->tpl.rows[i].label);
		sb_add(b, "</td>");
		if (r->cells[i].is_num)
			numtd(b, r->cells[i].num);
		else {
			sb_add(b, "<td class=\"n\">");
			esc(b, r->cells[i].text);
			sb_add(b, "</td>");
		}
		sb_add(b, "<td class=\"note\">");
		esc(b, r->cells[i].note);
		sb_add(b, "</td></tr>\n");
	}
	sb_add(b, "</table>\n");
}

static void unit_tr(sbuf *b, const char *stt, const char *name, int depth, const rep_counts *c,
		    bool sum)
{
	sb_printf(b, "<tr%s><td class=\"n\">%s</td><td style=\"padding-left:%dem\">",
		  sum ? " class=\"sum\"" : "", stt, depth + 0);
	esc(b, name);
	sb_add(b, "</td>");
	numtd(b, c->scans);
	numtd(b, c->devices);
	numtd(b, c->infected);
	numtd(b, c->cleaned);
	numtd(b, c->not_cleaned);
	numtd(b, c->files_found);
	sb_add(b, "</tr>\n");
}

static void annex(sbuf *b, const report *r)
{
	char stt[24];
	size_t i;

	sb_add(b,
	       "<div class=\"annex\"><h1>PHỤ LỤC</h1><p class=\"period\">Số liệu chi tiết theo đơn "
	       "vị và loại mã độc</p><h2>1. Số liệu theo đơn vị</h2><table id=\"units\"><tr><th>STT"
	       "</th><th>Đơn vị</th><th>Lượt quét</th><th>Máy được quét</th><th>Máy nhiễm</th><th>"
	       "Đã xử lý</th><th>Chưa xử lý</th><th>Tệp độc hại</th></tr>\n");
	for (i = 0; i < r->nunits; i++) {
		snprintf(stt, sizeof(stt), "%zu", i + 1);
		unit_tr(b, stt, r->units[i].name, r->units[i].depth, &r->units[i].own, false);
	}
	unit_tr(b, "", "Tổng cộng", 0, &r->total, true);
	sb_add(b, "</table>\n<h2>2. Các loại mã độc phổ biến nhất</h2>");
	if (r->nsigs == 0) {
		sb_add(b, "<p class=\"empty\">Không phát hiện mã độc trong kỳ báo cáo.</p>");
		return;
	}
	sb_add(b, "<table id=\"signatures\"><tr><th>STT</th><th>Tên mã độc</th><th>Số máy</th>"
		  "<th>Số tệp</th></tr>\n");
	for (i = 0; i < r->nsigs; i++) {
		sb_printf(b, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		esc(b, r->sigs[i].name);
		sb_add(b, "</td>");
		numtd(b, r->sigs[i].devices);
		numtd(b, r->sigs[i].files);
		sb_add(b, "</tr>\n");
	}
	sb_add(b, "</table>\n");
}

static void figure_open(sbuf *b, const char *caption, int height)
{
	sb_add(b, "<figure><figcaption>");
	esc(b, caption);
	sb_printf(b,
		  "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%%\" "
		  "viewBox=\"0 0 %d %d\" role=\"img\">",
		  CHART_W, height);
}

/* One horizontal bar, its value written after it. */
static void hbar(sbuf *b, int y, long long v, long long max, const char *colour)
{
	int w = max > 0 ? (int)((double)v * (CHART_W - LABEL_W - 40) / (double)max) : 0;

	sb_printf(b,
		  "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
		  "<text x=\"%d\" y=\"%d\">%lld</text>",
		  LABEL_W, y, w, BAR_H, colour, LABEL_W + w + 4, y + BAR_H - 2, v);
}

static void label(sbuf *b, int y, const char *text)
{
	sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y);
	esc(b, text);
	sb_add(b, "</text>");
}

static void chart_units(sbuf *b, const report *r)
{
	long long max = 1;
	size_t i;
	int y = 24;

	for (i = 0; i < r->nunits; i++)
		if (r->units[i].own.infected > max)
			max = r->units[i].own.infected;
	figure_open(b, "Máy nhiễm và máy đã xử lý theo đơn vị", 30 + (int)r->nunits * 30);
	sb_printf(b,
		  "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"#c0392b\"/>"
		  "<text x=\"%d\" y=\"13\">Máy nhiễm</text><rect x=\"%d\" y=\"4\" width=\"10\" "
		  "height=\"10\" fill=\"#27ae60\"/><text x=\"%d\" y=\"13\">Đã xử lý</text>",
		  LABEL_W, LABEL_W + 14, LABEL_W + 90, LABEL_W + 104);
	for (i = 0; i < r->nunits; i++, y += 30) {
		label(b, y + BAR_H, r->units[i].name);
		hbar(b, y, r->units[i].own.infected, max, "#c0392b");
		hbar(b, y + BAR_H + 1, r->units[i].own.cleaned, max, "#27ae60");
	}
	sb_add(b, "</svg></figure>\n");
}

static void chart_sigs(sbuf *b, const report *r)
{
	long long max = 1;
	size_t i;

	for (i = 0; i < r->nsigs; i++)
		if (r->sigs[i].devices > max)
			max = r->sigs[i].devices;
	figure_open(b, "Các loại mã độc phổ biến nhất (số máy)", 10 + (int)r->nsigs * 20);
	for (i = 0; i < r->nsigs; i++) {
		label(b, 6 + (int)i * 20 + BAR_H, r->sigs[i].name);
		hbar(b, 6 + (int)i * 20, r->sigs[i].devices, max, "#8e44ad");
	}
	sb_add(b, "</svg></figure>\n");
}

static void chart_days(sbuf *b, const report *r)
{
	long long max = 1;
	size_t i;
	double slot;
	const int h = 160, base = 130;

	for (i = 0; i < r->ndays; i++)
		if (r->days[i].scans > max)
			max = r->days[i].scans;
	slot = r->ndays ? (double)(CHART_W - 20) / (double)r->ndays : 1;
	figure_open(b, "Số lượt quét theo ngày", h);
	sb_printf(b, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>", base,
		  CHART_W - 10, base);
	for (i = 0; i < r->ndays; i++) {
		int bh = (int)((double)r->days[i].scans * (base - 20) / (double)max);
		double x = 10 + slot * (double)i;
		sb_printf(b,
			  "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#2980b9\">"
			  "<title>%s: %lld</title></rect><text x=\"%.1f\" y=\"%d\" "
			  "text-anchor=\"middle\">"
			  "%lld</text>",
			  x + slot * 0.15, base - bh, slot * 0.7, bh, r->days[i].date,
			  r->days[i].scans, x + slot / 2, base - bh - 3, r->days[i].scans);
		if (r->ndays <= 16 || i % (r->ndays / 8 + 1) == 0)
			sb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.5s</text>",
				  x + slot / 2, base + 14, r->days[i].date + 5);
	}
	sb_add(b, "</svg></figure>\n");
}

/* "Nơi nhận:" beside the signature, as in the DOCX (docx.c). */
static void signature(sbuf *b, const report *r)
{
	const char *p = r->recipients;

	sb_add(b, "<table class=\"sign\"><tr><td class=\"to\"><b><i>Nơi nhận:</i></b>");
	while (*p) {
		size_t n = strcspn(p, "\n");
		sb_add(b, "<br>- ");
		sbuf item = {0};
		sb_addn(&item, p, n);
		esc(b, item.p ? item.p : "");
		sb_free(&item);
		p += n + (p[n] == '\n');
		sb_add(b, *p ? ";" : ".");
	}
	sb_add(b, "</td><td class=\"by\">");
	if (*r->sign_authority) {
		sb_add(b, "<div class=\"caps\">");
		esc(b, r->sign_authority);
		sb_add(b, "</div>");
	}
	sb_add(b, "<div class=\"caps\">");
	esc(b, r->signer_title);
	sb_add(b, "</div><div class=\"seal\"></div><div>");
	esc(b, r->signer);
	sb_add(b, "</div></td></tr></table>\n");
}

int html_write(const report *r, sbuf *out, rq_error *err)
{
	head(out, r);
	sections(out, r);
	if (!r->empty) {
		sb_add(out, "<h2>Biểu đồ</h2>");
		chart_units(out, r);
		if (r->nsigs)
			chart_sigs(out, r);
		chart_days(out, r);
	}
	signature(out, r);
	annex(out, r);
	sb_add(out, "</div></body></html>\n");
	return out->oom ? rq_fail(err, "out of memory") : 0;
}
