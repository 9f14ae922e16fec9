/* draft: the report's Vietnamese wording, and the assessment paragraph of
 * section 1 ("Đánh giá kết quả thực hiện chiến dịch") drafted from the
 * numbers for the unit to edit. Its rules are in docs/report.md: period,
 * units that took part, machines scanned, infection rate, cleaned share and
 * why the rest was not cleaned, files, the commonest families, the units not
 * yet reporting; a sentence is left out when it would say nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "resultdoc.h"

#define SILENT_NAMED   5 /* units named in the "not yet reporting" sentence */
#define FAMILIES_NAMED 3

const char *rep_status_vn(const char *status)
{
	static const char *const vn[RESULTDOC_NSTATUS] = {
	    [RESULTDOC_CLEAN] = "Sạch",
	    [RESULTDOC_CLEANED] = "Đã xử lý",
	    [RESULTDOC_INFECTED_NOT_CLEANED] = "Nhiễm, chưa xử lý",
	    [RESULTDOC_INCOMPLETE] = "Quét chưa hoàn tất",
	};
	enum resultdoc_status st;

	return resultdoc_status_parse(status, &st) == 0 ? vn[st] : status;
}

const char *rep_reason_vn(const char *reason)
{
	/* The reason a machine is not cleaned is its status word when the scan
	 * did not finish. */
	if (strcmp(reason, resultdoc_status_name(RESULTDOC_INCOMPLETE)) == 0)
		return "quét chưa hoàn tất";
	if (strcmp(reason, "action-failed") == 0)
		return "cách ly, xóa tệp không thành công";
	if (strcmp(reason, "needs-repair") == 0)
		return "tệp hệ thống Windows bị nhiễm, cần sửa hoặc cài lại Windows";
	if (strcmp(reason, "autorun-not-cleaned") == 0)
		return "mục tự khởi động của mã độc chưa gỡ được";
	if (strcmp(reason, "report-only") == 0)
		return "chỉ quét phát hiện, chưa xử lý";
	return reason;
}

void rep_period_vn(const report *r, sbuf *b)
{
	if (r->from) {
		sb_add(b, "từ ngày ");
		sb_date_vn(b, r->from);
		sb_add(b, " đến ngày ");
		sb_date_vn(b, r->to ? r->to : r->date);
	} else {
		sb_add(b, "tính đến ngày ");
		sb_date_vn(b, r->to ? r->to : r->date);
	}
}

void rep_place_date_vn(const report *r, sbuf *b)
{
	int y = 0, m = 0, d = 0;

	sscanf(r->date, "%4d-%2d-%2d", &y, &m, &d);
	sb_add(b, r->place);
	sb_printf(b, ", ngày %02d tháng %s%d năm %d", d, m < 3 ? "0" : "", m, y);
}

/* A period without scans can still have rows that are not 0 (the units
 * informed of the campaign, a template's own rows): only when every number
 * is 0 may the document say so. */
bool rep_all_zero(const report *r)
{
	for (size_t i = 0; i < r->tpl.nrows; i++)
		if (r->cells[i].is_num && r->cells[i].num != 0)
			return false;
	return true;
}

const char *rep_empty_note(const report *r)
{
	if (!r->empty)
		return NULL;
	return rep_all_zero(r)
		   ? "Không có số liệu rà quét trong kỳ báo cáo: các số liệu dưới đây đều "
		     "bằng 0."
		   : "Không có lượt rà quét nào trong kỳ báo cáo.";
}

void rep_number_vn(const report *r, sbuf *b)
{
	sb_add(b, "Số:       /");
	sb_add(b, r->number);
}

/* True when unit i or a unit below it has a scan in the period. */
static bool unit_reported(const report *r, size_t i)
{
	size_t j;

	if (r->units[i].own.scans > 0)
		return true;
	/* units are in tree order: the ones below i follow it, deeper */
	for (j = i + 1; j < r->nunits && r->units[j].depth > r->units[i].depth; j++)
		if (r->units[j].own.scans > 0)
			return true;
	return false;
}

static void silent_units(const report *r, sbuf *b)
{
	size_t i, k = 0, named = 0;

	for (i = 0; i < r->nunits; i++)
		k += !unit_reported(r, i);
	if (r->nunits <= 1)
		return;
	if (k == 0) {
		sb_add(b, " Tất cả các cơ quan, đơn vị đều đã triển khai rà quét.");
		return;
	}
	sb_printf(b, " Còn %lld cơ quan, đơn vị chưa triển khai, chưa có kết quả rà quét: ",
		  (long long)k);
	for (i = 0; i < r->nunits && named < SILENT_NAMED; i++)
		if (!unit_reported(r, i)) {
			if (named++)
				sb_add(b, ", ");
			sb_add(b, r->units[i].name);
		}
	if (k > named)
		sb_printf(b, " và %lld đơn vị khác", (long long)(k - named));
	sb_add(b, ".");
}

static void infection(const report *r, sbuf *b)
{
	const rep_counts *t = &r->total;
	size_t i;

	if (t->infected == 0) {
		sb_add(b, " Không phát hiện máy tính nào nhiễm mã độc.");
		return;
	}
	sb_add(b, " Phát hiện ");
	sb_num(b, t->infected);
	sb_add(b, " máy tính nhiễm mã độc, chiếm ");
	sb_percent(b, t->infected, t->devices);
	sb_add(b, " số máy được rà quét. Đã xử lý, gỡ bỏ mã độc thành công trên ");
	sb_num(b, t->cleaned);
	sb_add(b, " máy (");
	sb_percent(b, t->cleaned, t->infected);
	sb_add(b, " số máy nhiễm)");
	if (t->not_cleaned > 0) {
		sb_add(b, "; còn ");
		sb_num(b, t->not_cleaned);
		sb_add(b, " máy chưa xử lý được (");
		for (i = 0; i < r->nreasons; i++) {
			if (i)
				sb_add(b, ", ");
			sb_add(b, rep_reason_vn(r->reasons[i].reason));
			sb_add(b, ": ");
			sb_num(b, r->reasons[i].devices);
			sb_add(b, " máy");
		}
		sb_add(b, ")");
	}
	sb_add(b, ". Tổng số ");
	sb_num(b, t->files_found);
	sb_add(b, " tệp tin độc hại được phát hiện, trong đó ");
	sb_num(b, t->files_handled);
	sb_add(b, " tệp đã được cách ly hoặc xóa.");
	if (r->autoruns_cleaned + r->autoruns_left > 0) { /* persistence: docs/remediation.md */
		sb_add(b, " Đã gỡ bỏ ");
		sb_num(b, r->autoruns_cleaned);
		sb_add(b, " mục tự khởi động của mã độc (khóa Run, dịch vụ, tác vụ lập lịch...)");
		if (r->autoruns_left > 0) {
			sb_add(b, "; còn ");
			sb_num(b, r->autoruns_left);
			sb_add(b, " mục chưa xử lý được");
		}
		sb_add(b, ".");
	}
	if (r->nsigs > 0) {
		sb_add(b, r->nsigs == 1 ? " Loại mã độc phát hiện: "
					: " Các loại mã độc phổ biến nhất: ");
		for (i = 0; i < r->nsigs && i < FAMILIES_NAMED; i++) {
			if (i)
				sb_add(b, ", ");
			sb_add(b, r->sigs[i].name);
			sb_add(b, " (");
			sb_num(b, r->sigs[i].devices);
			sb_add(b, " máy)");
		}
		sb_add(b, ".");
	}
}

char *draft_assessment(const report *r)
{
	const rep_counts *t = &r->total;
	sbuf b = {0};

	sb_add(&b, "Trong kỳ báo cáo (");
	rep_period_vn(r, &b);
	sb_add(&b, "), ");
	if (r->empty) {
		sb_add(&b, rep_all_zero(r)
			       ? "chưa có máy tính nào được rà quét, xử lý mã độc; các số "
				 "liệu trong báo cáo đều bằng 0."
			       : "chưa có máy tính nào được rà quét, xử lý mã độc.");
	} else {
		if (r->nunits > 1) {
			sb_num(&b, r->units_active);
			sb_add(&b, " trên tổng số ");
			sb_num(&b, r->units_in_scope);
			sb_add(&b, " cơ quan, đơn vị đã triển khai chiến dịch, rà quét ");
		} else {
			sb_add(&b, "đơn vị đã rà quét ");
		}
		sb_num(&b, t->devices);
		sb_add(&b, " máy tính (");
		sb_num(&b, t->scans);
		sb_add(&b, " lượt quét).");
		infection(r, &b);
		if (t->weak > 0) {
			sb_add(&b, " ");
			sb_num(&b, t->weak);
			sb_add(
			    &b,
			    " máy không xác định được định danh phần cứng nên mỗi lượt quét được "
			    "tính là một máy.");
		}
	}
	silent_units(r, &b);
	if (t->not_cleaned > 0)
		sb_add(&b,
		       " Đề nghị tiếp tục xử lý các máy tính chưa gỡ bỏ được mã độc và rà quét lại "
		       "sau khi xử lý.");
	if (b.oom) {
		sb_free(&b);
		return NULL;
	}
	return b.p;
}
