/* xlsx: the appendix as a spreadsheet, written by libxlsxwriter: a summary
 * sheet with section 2's table, the units (the annex), the top signatures,
 * the devices (short hashed id, computer name, maker, model, serial, unit,
 * last scan in local time, status, files, kind: a computer or a USB drive), then one sheet per unit with the table for
 * that unit and the units below it.
 *
 * Text is written with worksheet_write_string only, so a unit named "=1+1"
 * is the text "=1+1", never a formula (docs/report.md, "Formulas in
 * spreadsheet cells"); numbers are numeric cells shown with digit grouping
 * ("#,##0": 1.234 where the reader's locale is Vietnamese). Print setup:
 * A4, every sheet one page wide, the device sheet landscape, and the header
 * rows of every table repeated on each printed page.
 *
 * The workbook is written into a memfd (libxlsxwriter writes to a named
 * file; /proc/self/fd names the memfd) and read back into out, so main.c
 * publishes it atomically as every other format. constant_memory mode
 * writes each row as it comes (inline strings, no shared string table):
 * a province's device sheet has a million cells. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "report.h"
#include "resultdoc.h"

#define SHEET_NAME_MAX 31    /* characters, Excel's limit */
#define CELL_TEXT_MAX  32767 /* bytes, Excel's (and libxlsxwriter's) limit */
#define PAPER_A4       9

typedef struct styles {
	lxw_format *plain, *wrap, *bold, *title, *head, *num, *num_bold, *text_bold, *when;
} styles;

typedef struct xw {
	lxw_worksheet *ws;
	const styles *st;
	lxw_row_t row;
	lxw_col_t col;
	lxw_error rc; /* the first error; later writes are skipped */
} xw;

static void next_row(xw *w)
{
	w->row++;
	w->col = 0;
}

/* A cell's text: cut (at a character boundary) to what a cell can hold. */
static void str(xw *w, const char *text, lxw_format *f)
{
	size_t n = text ? strlen(text) : 0;
	char *cut = NULL;

	if (w->rc == LXW_NO_ERROR && n > 0) {
		if (n > CELL_TEXT_MAX) {
			n = CELL_TEXT_MAX;
			while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
				n--;
			if ((cut = strndup(text, n)) == NULL)
				w->rc = LXW_ERROR_MEMORY_MALLOC_FAILED;
		}
		if (w->rc == LXW_NO_ERROR)
			w->rc = worksheet_write_string(w->ws, w->row, w->col, cut ? cut : text, f);
		free(cut);
	} else if (w->rc == LXW_NO_ERROR && f)
		w->rc = worksheet_write_blank(w->ws, w->row, w->col, f);
	w->col++;
}

static void num(xw *w, long long n, lxw_format *f)
{
	if (w->rc == LXW_NO_ERROR)
		w->rc = worksheet_write_number(w->ws, w->row, w->col, (double)n, f);
	w->col++;
}

/* n digits at s as a number, -1 when they are not all digits. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "2026-11-28T09:05:00+07:00" (the scan's local time as the PC gave it) as
 * a date and time cell, to the second (what follows the seconds, a fraction
 * or the offset, is not part of the local time); text when it is not one.
 * Read by hand: sscanf was a twentieth of the device sheet. */
static void when(xw *w, const char *iso)
{
	lxw_datetime t = {0};
	size_t n = strnlen(iso, 19);

	if (n == 19 && iso[4] == '-' && iso[7] == '-' && iso[10] == 'T' && iso[13] == ':' &&
	    iso[16] == ':') {
		t.year = digits(iso, 4);
		t.month = digits(iso + 5, 2);
		t.day = digits(iso + 8, 2);
		t.hour = digits(iso + 11, 2);
		t.min = digits(iso + 14, 2);
		t.sec = digits(iso + 17, 2);
	}
	if (n == 19 && t.year >= 1900 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
	    t.day <= 31 && t.hour >= 0 && t.hour < 24 && t.min >= 0 && t.min < 60 && t.sec >= 0 &&
	    t.sec < 61) {
		if (w->rc == LXW_NO_ERROR)
			w->rc = worksheet_write_datetime(w->ws, w->row, w->col, &t, w->st->when);
		w->col++;
	} else
		str(w, iso, w->st->plain);
}

/* A table's header row, printed again at the top of each page when repeat
 * says so. A unit's sheet (one page) does not: its name is the unit's code,
 * which libxlsxwriter 1.1.4 leaves unquoted in the print titles' defined
 * name when it starts with a digit, and Excel reads such a name as broken. */
static void heads(xw *w, const char *const *titles, int n, bool repeat)
{
	for (int i = 0; i < n; i++)
		str(w, titles[i], w->st->head);
	if (repeat && w->rc == LXW_NO_ERROR)
		w->rc = worksheet_repeat_rows(w->ws, w->row, w->row);
	next_row(w);
}

/* A4, margins of Decree 30 (20/20/30/15 mm, in inches), one page wide. */
static void page(xw *w, bool landscape)
{
	worksheet_set_paper(w->ws, PAPER_A4);
	if (landscape)
		worksheet_set_landscape(w->ws);
	else
		worksheet_set_portrait(w->ws);
	worksheet_set_margins(w->ws, 30 / 25.4, 15 / 25.4, 20 / 25.4, 20 / 25.4);
	worksheet_fit_to_pages(w->ws, 1, 0);
	worksheet_center_horizontally(w->ws);
	if (w->rc == LXW_NO_ERROR)
		w->rc = worksheet_set_footer(w->ws, "&CTrang &P/&N");
}

static void widths(xw *w, const double *cols, int n)
{
	for (int i = 0; i < n && w->rc == LXW_NO_ERROR; i++)
		w->rc = worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, cols[i], NULL);
}

/* The title lines and section 2's table for one scope. */
static void table_sheet(xw *w, const report *r, const char *name, const rep_cell *cells,
			const char *heading)
{
	static const double wd[] = {6, 55, 12, 45};
	static const char *const h[] = {"STT", "Nội dung", "Số lượng", "Ghi chú"};
	sbuf t = {0};

	page(w, false);
	widths(w, wd, 4);
	str(w, heading, w->st->title);
	next_row(w);
	sb_add(&t, "Tên đơn vị: ");
	sb_add(&t, name);
	str(w, t.p, w->st->plain);
	next_row(w);
	t.len = 0;
	sb_add(&t, "Kỳ báo cáo: ");
	rep_period_vn(r, &t);
	str(w, t.p, w->st->plain);
	next_row(w);
	if (rep_empty_note(r)) {
		str(w, rep_empty_note(r), w->st->plain);
		next_row(w);
	}
	sb_free(&t);
	heads(w, h, 4, cells == r->cells);
	for (size_t i = 0; i < r->tpl.nrows; i++) {
		num(w, (long long)i + 1, w->st->num);
		str(w, r->tpl.rows[i].label, w->st->wrap);
		if (cells[i].is_num)
			num(w, cells[i].num, w->st->num);
		else
			str(w, cells[i].text, w->st->wrap);
		str(w, cells[i].note, w->st->wrap);
		next_row(w);
	}
}

static void counts(xw *w, const rep_counts *c, lxw_format *f)
{
	num(w, c->scans, f);
	num(w, c->devices, f);
	num(w, c->infected, f);
	num(w, c->cleaned, f);
	num(w, c->not_cleaned, f);
	num(w, c->files_found, f);
	num(w, c->files_handled, f);
}

static void units_sheet(xw *w, const report *r)
{
	static const double wd[] = {16, 40, 16, 10, 9, 10, 9, 9, 9, 10, 10};
	static const char *const h[] = {"Mã đơn vị",      "Đơn vị",      "Đơn vị cấp trên",
					"Nhận thông tin", "Lượt quét",   "Máy được quét",
					"Máy nhiễm",      "Đã xử lý",    "Chưa xử lý",
					"Tệp độc hại",    "Tệp đã xử lý"};

	page(w, true);
	widths(w, wd, 11);
	heads(w, h, 11, true);
	for (size_t i = 0; i < r->nunits; i++) {
		const rep_unit *u = &r->units[i];
		str(w, u->code, w->st->plain);
		str(w, u->name, w->st->wrap);
		str(w, u->parent ? u->parent : "", w->st->plain);
		num(w, u->informed, w->st->num);
		counts(w, &u->own, w->st->num);
		next_row(w);
	}
	str(w, "", w->st->text_bold);
	str(w, "Tổng cộng", w->st->text_bold);
	str(w, "", w->st->text_bold);
	num(w, r->units_informed, w->st->num_bold);
	counts(w, &r->total, w->st->num_bold);
	next_row(w);
}

static void sigs_sheet(xw *w, const report *r)
{
	static const double wd[] = {6, 50, 10, 10};
	static const char *const h[] = {"STT", "Tên mã độc", "Số máy", "Số tệp"};

	page(w, false);
	widths(w, wd, 4);
	heads(w, h, 4, true);
	for (size_t i = 0; i < r->nsigs; i++) {
		num(w, (long long)i + 1, w->st->num);
		str(w, r->sigs[i].name, w->st->wrap);
		num(w, r->sigs[i].devices, w->st->num);
		num(w, r->sigs[i].files, w->st->num);
		next_row(w);
	}
}

/* A device's id as a person reads it: a strong id's first 16 hex digits
 * (as git shortens a commit; the JSON report has it whole), a weak one
 * ("scan:<stick>-<seq>", one device per scan) as it is. A province's sheet
 * has 100,000 of them: 48 characters less each is a tenth of the sheet. */
#define ID_SHOWN 16

static void device_id(xw *w, const char *key)
{
	char shortid[ID_SHOWN + 1];
	size_t n = strlen(key);

	if (n == 64 && strspn(key, "0123456789abcdef") == 64) {
		memcpy(shortid, key, ID_SHOWN);
		shortid[ID_SHOWN] = '\0';
		key = shortid;
	}
	str(w, key, w->st->plain);
}

static void devices_sheet(xw *w, const report *r)
{
	static const double wd[] = {18, 20, 16, 22, 18, 16, 17, 18, 9, 11};
	static const char *const h[] = {"Mã định danh (băm, rút gọn)",
					"Tên máy",
					"Hãng",
					"Model",
					"Số sê-ri",
					"Đơn vị",
					"Lần quét cuối (giờ địa phương)",
					"Trạng thái",
					"Số tệp độc hại",
					"Loại thiết bị"};

	page(w, true);
	widths(w, wd, 10);
	heads(w, h, 10, true);
	worksheet_freeze_panes(w->ws, 1, 0);
	for (size_t i = 0; i < r->ndevices && w->rc == LXW_NO_ERROR; i++) {
		const rep_device *d = &r->devices[i];
		device_id(w, d->key);
		str(w, d->computer, w->st->plain);
		str(w, d->vendor, w->st->plain);
		str(w, d->model, w->st->plain);
		str(w, d->serial, w->st->plain);
		str(w, d->unit, w->st->plain);
		when(w, d->last_scan);
		str(w, rep_status_vn(d->status), w->st->plain);
		num(w, d->detections, w->st->num);
		/* Last, so the columns before keep their places. */
		str(w, d->usb ? "USB" : "Máy tính", w->st->plain);
		next_row(w);
	}
}

/* The persistence entries of detected files (reports/autoruns.c). */
static void autoruns_sheet(xw *w, const report *r)
{
	static const double wd[] = {16, 24, 40, 20, 50, 50, 30, 14, 40};
	static const char *const h[] = {"Đơn vị", "Tên máy", "Vị trí",  "Tên",    "Lệnh",
					"Tệp",    "Mã độc",  "Kết quả", "Ghi chú"};

	page(w, true);
	widths(w, wd, 9);
	heads(w, h, 9, true);
	worksheet_freeze_panes(w->ws, 1, 0);
	for (size_t i = 0; i < r->nautoruns && w->rc == LXW_NO_ERROR; i++) {
		char *const *f = &r->autoruns[i].unit;
		enum resultdoc_autorun_outcome out;
		bool cleaned =
		    resultdoc_autorun_outcome_parse(f[7], &out) == 0 && out == RESULTDOC_AR_CLEANED;
		for (int k = 0; k < 9; k++)
			str(w, k == 7 ? (cleaned ? "Đã gỡ bỏ" : "Chưa xử lý") : f[k], w->st->plain);
		next_row(w);
	}
}

/* A unit's sheet name: its code without the characters Excel refuses (and
 * without a leading or trailing apostrophe), at most 31 characters;
 * "Đơn vị N" when that is taken or empty. */
static char *sheet_name(const char *code, size_t n, char **names, size_t nnames)
{
	sbuf b = {0};
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

static lxw_format *font(lxw_workbook *wb, bool bold)
{
	lxw_format *f = workbook_add_format(wb);

	if (f) {
		format_set_font_name(f, "Times New Roman");
		format_set_font_size(f, 12);
		format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
		if (bold)
			format_set_bold(f);
	}
	return f;
}

static int make_styles(lxw_workbook *wb, styles *s)
{
	lxw_format **all[] = {&s->plain, &s->wrap,     &s->bold,      &s->title, &s->head,
			      &s->num,   &s->num_bold, &s->text_bold, &s->when};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if ((*all[i] =
			 font(wb, all[i] == &s->bold || all[i] == &s->title || all[i] == &s->head ||
				      all[i] == &s->num_bold || all[i] == &s->text_bold)) == NULL)
			return -1;
	format_set_text_wrap(s->wrap);
	format_set_font_size(s->title, 13);
	format_set_text_wrap(s->head);
	format_set_align(s->head, LXW_ALIGN_CENTER);
	format_set_align(s->head, LXW_ALIGN_VERTICAL_CENTER);
	format_set_border(s->head, LXW_BORDER_THIN);
	format_set_bg_color(s->head, 0xDDEBF7);
	format_set_num_format(s->num, "#,##0");
	format_set_num_format(s->num_bold, "#,##0");
	format_set_num_format(s->when, "dd/mm/yyyy hh:mm");
	format_set_align(s->when, LXW_ALIGN_LEFT);
	return 0;
}

static const char *const fixed_names[] = {"Tổng hợp", "Đơn vị", "Mã độc", "Thiết bị",
					  "Tự khởi động"};
#define NFIXED 5

/* The memfd's bytes into out. */
static int slurp(int fd, sbuf *out, rq_error *err)
{
	struct stat sb;
	ssize_t got;
	size_t at;

	if (fstat(fd, &sb) != 0)
		return rq_fail_errno(err, errno, "xlsx: cannot read the workbook back");
	sb_reserve(out, (size_t)sb.st_size);
	if (out->oom)
		return rq_fail(err, "out of memory");
	at = out->len;
	for (size_t off = 0; off < (size_t)sb.st_size; off += (size_t)got) {
		got = pread(fd, out->p + at + off, (size_t)sb.st_size - off, (off_t)off);
		if (got < 0 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0)
			return rq_fail_errno(err, got < 0 ? errno : EIO,
					     "xlsx: cannot read the workbook back");
	}
	out->len = at + (size_t)sb.st_size;
	return 0;
}

/* Temporary files. libxlsxwriter 1.1.4 (Debian's, built without fmemopen)
 * writes a sheet's rows to a temporary file as they come, copies them into
 * a second one when the workbook closes and deflates that into the
 * archive: a province's device sheet is 56 MB through each. It does not
 * check those writes: with no room left it closes a workbook whose parts
 * are empty or cut and reports success (868b9ae did, t5060). So each
 * sheet's rows are flushed and checked once written (their length noted),
 * and the closed archive is checked against them (archive_ok). For speed,
 * the files go to memory (/dev/shm) when it has room for them and TMPDIR
 * does not say otherwise, and the two big sheets' rows go through a 1 MiB
 * buffer instead of stdio's 4 KiB (14,000 write calls fewer). */
#define SHEET_BUFFER  (1 << 20)
#define BYTES_PER_ROW 1024 /* generous: a device row is about 560 bytes */

typedef struct tmpfiles {
	char *buf[2];    /* the device and persistence sheets' stdio buffers */
	long long *rows; /* each sheet's rows, in bytes, once written */
} tmpfiles;

static char shm_dir[] = "/dev/shm";

/* Where libxlsxwriter puts its files: NULL for its own choice (TMPDIR, else
 * /tmp). Twice the rows (the copy) must fit, with room to spare. */
static char *tmp_dir(const report *r)
{
	const char *env = getenv("TMPDIR");
	struct statvfs fs;
	unsigned long long need = 2ULL * BYTES_PER_ROW * (r->ndevices + r->nautoruns) + (64 << 20);

	if (env && *env)
		return NULL;
	if (statvfs(shm_dir, &fs) != 0 || access(shm_dir, W_OK | X_OK) != 0 ||
	    (unsigned long long)fs.f_bavail * fs.f_frsize / 2 < need)
		return NULL;
	return shm_dir;
}

/* The sheet's rows are all in its file (or an error says why not). */
static int rows_written(lxw_worksheet *ws, size_t i, tmpfiles *tf, rq_error *err)
{
	FILE *f = ws->optimize_tmpfile;
	long at;

	if (f == NULL)
		return 0;
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		return rq_fail_errno(err, errno ? errno : EIO,
				     "xlsx: sheet %zu: cannot write its temporary file (TMPDIR)",
				     i + 1);
	if ((at = ftell(f)) < 0)
		return rq_fail_errno(err, errno, "xlsx: sheet %zu: temporary file", i + 1);
	tf->rows[i] = at;
	return 0;
}

static int write_sheets(lxw_workbook *wb, const report *r, const styles *st, char **names, size_t n,
			tmpfiles *tf, rq_error *err)
{
	for (size_t i = 0; i < n; i++) {
		xw w = {workbook_add_worksheet(wb, names[i]), st, 0, 0, LXW_NO_ERROR};
		if (w.ws == NULL)
			return rq_fail(
			    err, "xlsx: cannot add the sheet %zu (no room for temporary files?)",
			    i + 1);
		/* before the first write, as setvbuf must be */
		if ((i == 3 || i == 4) && w.ws->optimize_tmpfile &&
		    (tf->buf[i - 3] = malloc(SHEET_BUFFER)) != NULL &&
		    setvbuf(w.ws->optimize_tmpfile, tf->buf[i - 3], _IOFBF, SHEET_BUFFER) != 0)
			return rq_fail(err, "xlsx: sheet %zu: cannot buffer its file", i + 1);
		if (i == 0)
			table_sheet(&w, r, r->unit_name, r->cells, REP_TITLE);
		else if (i == 1)
			units_sheet(&w, r);
		else if (i == 2)
			sigs_sheet(&w, r);
		else if (i == 3)
			devices_sheet(&w, r);
		else if (i == 4)
			autoruns_sheet(&w, r);
		else
			table_sheet(&w, r, r->units[i - NFIXED].name, r->units[i - NFIXED].cells,
				    r->units[i - NFIXED].code);
		if (w.rc != LXW_NO_ERROR)
			return rq_fail(err, "xlsx: sheet %zu: %s", i + 1, lxw_strerror(w.rc));
		if (rows_written(w.ws, i, tf, err) != 0)
			return -1;
	}
	return 0;
}

/* The closed workbook (len bytes at p) holds every part, none empty, and
 * each of the n sheets longer than its rows: what a full temporary
 * directory takes away. The archive's directory is read, not its data. */
static int archive_ok(const char *p, size_t len, const tmpfiles *tf, size_t n, rq_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t sheets = 0, k;
	int rc = -1, r;
	char tail;

	if (a == NULL)
		return rq_fail(err, "out of memory");
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, p, len) != ARCHIVE_OK) {
		rq_fail(err, "xlsx: the workbook is not a ZIP archive: %s",
			archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		long long size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		if (name == NULL || size <= 0) {
			rq_fail(err,
				"xlsx: the part %s of the workbook is empty (no room for "
				"temporary files?)",
				name ? name : "?");
			goto out;
		}
		if (sscanf(name, "xl/worksheets/sheet%zu.xml%c", &k, &tail) == 1 && k >= 1 &&
		    k <= n) {
			if (size <= tf->rows[k - 1]) {
				rq_fail(err,
					"xlsx: sheet %zu of the workbook is cut (no room for "
					"temporary files?)",
					k);
				goto out;
			}
			sheets++;
		}
	}
	if (r != ARCHIVE_EOF)
		rq_fail(err, "xlsx: the workbook: %s", archive_error_string(a));
	else if (sheets != n)
		rq_fail(err, "xlsx: the workbook has %zu of its %zu sheets", sheets, n);
	else
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int xlsx_write(const report *r, sbuf *out, rq_error *err)
{
	size_t n = NFIXED + r->nunits, i;
	char **names = calloc(n, sizeof(*names));
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = tmp_dir(r)};
	lxw_doc_properties props = {.title = REP_TITLE, .subject = r->unit_name};
	lxw_workbook *wb = NULL;
	char path[64];
	styles st;
	tmpfiles tf = {{NULL, NULL}, calloc(n, sizeof(*tf.rows))};
	int fd = -1, rc = -1;
	size_t at = out->len;
	lxw_error e;

	if (names == NULL || tf.rows == NULL) {
		free(names);
		free(tf.rows);
		return rq_fail(err, "out of memory");
	}
	for (i = 0; i < n; i++)
		if ((names[i] = i < NFIXED ? strdup(fixed_names[i])
					   : sheet_name(r->units[i - NFIXED].code, i - NFIXED + 1,
							names, i)) == NULL) {
			rq_fail(err, "out of memory");
			goto out;
		}
	if ((fd = memfd_create("raquet-report.xlsx", MFD_CLOEXEC)) < 0) {
		rq_fail_errno(err, errno, "xlsx: cannot make a memory file");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* libxlsxwriter callocs 128 KiB (a row of cell pointers) for each sheet
	 * in constant_memory mode and frees it at close. At glibc's starting
	 * mmap threshold (128 KiB, raised only once a larger mapped block has
	 * been freed) each of a province's 205 is a fresh mapping, faulted in
	 * page by page and unmapped: 0.1-0.2 s of system time
	 * (tests/bench/report.sh, docs/performance.md). raquet-report is one
	 * short process. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	if ((wb = workbook_new_opt(path, &opt)) == NULL) {
		rq_fail(err, "xlsx: cannot start the workbook");
		goto out;
	}
	if (make_styles(wb, &st) != 0) {
		rq_fail(err, "out of memory");
		goto out;
	}
	workbook_set_properties(wb, &props);
	if (write_sheets(wb, r, &st, names, n, &tf, err) != 0)
		goto out;
	e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		rq_fail(err, "xlsx: %s", lxw_strerror(e));
		goto out;
	}
	if (slurp(fd, out, err) == 0 && archive_ok(out->p + at, out->len - at, &tf, n, err) == 0)
		rc = 0;
	else
		out->len = at;
out:
	if (wb)
		workbook_close(wb); /* frees it; the memfd is dropped below */
	free(tf.buf[0]);            /* after the close, which closes the files using them */
	free(tf.buf[1]);
	free(tf.rows);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
