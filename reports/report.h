/* report: raquet-report's model of the campaign appendix (DESIGN §5) and the
 * parts that fill and print it. main.c reads the options, report_build()
 * (totals.c) fills a struct report from ioc.db and a template
 * (template.c), draft.c writes the assessment paragraph, and one writer per
 * format (docx.c, xlsx.c, html.c, csv_json.c) turns it into bytes that
 * main.c publishes with atomic_write. docs/report.md explains the rules. */
#ifndef RAQUET_REPORT_H
#define RAQUET_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "rqerror.h"

/* ---- sbuf.c: a growing string, and the escapes every writer needs ---- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom; /* set once an allocation failed; the content is then cut */
} sbuf;

void sb_addn(sbuf *b, const char *s, size_t n);
void sb_add(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes at once (a big sheet grows once, not twenty times). */
void sb_reserve(sbuf *b, size_t n);
/* s cleaned as rep_clean_text does, unescaped. */
void sb_clean(sbuf *b, const char *s);
/* s as XML/HTML text or attribute value: & < > " ' escaped; invalid UTF-8
 * and control characters (other than tab and newline) become U+FFFD. */
void sb_xml(sbuf *b, const char *s);
/* An integer in plain digits (for machines): 1234567. */
void sb_int(sbuf *b, long long n);
/* An integer with Vietnamese digit grouping: 1.234.567. */
void sb_num(sbuf *b, long long n);
/* A share as a Vietnamese percentage with one decimal: "12,5%". */
void sb_percent(sbuf *b, long long part, long long whole);
/* YYYY-MM-DD as DD/MM/YYYY. */
void sb_date_vn(sbuf *b, const char *ymd);
void sb_free(sbuf *b);

/* A malloc'd copy of s that is valid UTF-8 without control characters
 * (as sb_xml, unescaped); NULL s gives "". NULL only when out of memory. */
char *rep_clean_text(const char *s);

/* ---- template.c: the rows of section 2 as data ---- */

typedef struct rep_trow {
	char *label;
	char *value_sql; /* one row; its first column is the number (or text) */
	char *note_sql;  /* optional: each row's first column, joined with "; " */
} rep_trow;

typedef struct rep_template {
	char *title;
	rep_trow *rows;
	size_t nrows;
} rep_template;

/* Loads path (NULL: the default template compiled in). */
int template_load(const char *path, rep_template *t, rq_error *err);
void template_free(rep_template *t);
/* The default template, reports/templates/default.json byte for byte. */
extern const char template_default_json[];

/* ---- the report ---- */

typedef struct rep_cell {
	bool is_num;
	long long num;
	char *text; /* the value when it is not a number */
	char *note; /* "" when there is none */
} rep_cell;

typedef struct rep_counts {
	long long scans, devices, infected, cleaned, not_cleaned, files_found, files_handled, weak;
} rep_counts;

typedef struct rep_unit {
	char *code, *name, *parent;
	bool informed;
	int depth;       /* 0 for the top of the report's scope */
	rep_counts own;  /* devices whose latest scan is with this very unit */
	rep_cell *cells; /* the template's rows for the unit and the units below it
			  * (NULL unless report_opts.unit_rows asked for them) */
} rep_unit;

typedef struct rep_sig {
	char *name;
	long long devices, files;
} rep_sig;

typedef struct rep_reason {
	char *reason; /* incomplete, action-failed, report-only */
	long long devices;
} rep_reason;

typedef struct rep_day {
	char date[11];
	long long scans;
} rep_day;

typedef struct rep_device {
	/* one allocation, at key, holds the eight strings */
	char *key, *computer, *unit, *last_scan, *status;
	char *vendor, *model, *serial; /* "" when the PC did not tell */
	bool weak;
	bool usb; /* a USB drive (station mode, rq_usb), not a computer; its
		   * vendor and model are the drive's USB maker and product */
	long long detections;
} rep_device;

typedef struct rep_autorun {
	/* a persistence entry of a detected file, from a device's latest scan */
	char *unit, *computer, *location, *name, *command, *target, *signature, *outcome, *detail;
} rep_autorun;

typedef struct report {
	/* what was asked */
	const char *from, *to;     /* NULL: open */
	const char *unit_code;     /* NULL: the whole province */
	char date[11];             /* the document's date, YYYY-MM-DD */
	char *place;               /* "Huế" in "Huế, ngày ..." (the settings: office.c) */
	char *issuer_top, *issuer; /* the header: authority over the issuing body */
	char *number;              /* "BC-SKHCN" in "Số: .../BC-SKHCN" */
	char *sign_authority;      /* "KT. GIÁM ĐỐC", or "" */
	char *signer_title, *signer;
	char *recipients;                 /* "Nơi nhận:", one per line */
	char *unit_name;                  /* the unit reported on, or the province */
	char *period_first, *period_last; /* first and last scan date seen (NULL: none) */

	rep_template tpl;
	rep_cell *cells; /* tpl.nrows: section 2 */

	rep_counts total;
	long long units_in_scope, units_informed, units_active;
	rep_unit *units;
	size_t nunits;
	rep_sig *sigs;
	size_t nsigs;
	rep_reason *reasons;
	size_t nreasons;
	rep_day *days;
	size_t ndays;
	rep_device *devices; /* only when report_opts.devices asked for them */
	size_t ndevices;

	rep_autorun *autoruns; /* reports/autoruns.c */
	size_t nautoruns;
	long long autoruns_cleaned, autoruns_left;

	bool empty;       /* no scan in the period and scope */
	char *assessment; /* draft.c */
} report;

typedef struct report_opts {
	const char *ioc_db;   /* path of ioc.db */
	const char *template; /* NULL: the default */
	const char *from, *to, *unit;
	const char *date; /* NULL: today */
	/* The office's settings for this report only (NULL: ioc.db's settings,
	 * else the defaults; office.c) */
	const char *place, *authority, *issuer, *number;
	const char *sign_authority, *signer_title, *signer, *recipients;
	int top;        /* top signatures */
	bool devices;   /* fill report.devices (the XLSX and JSON list them) */
	bool unit_rows; /* fill each unit's cells (XLSX, CSV and JSON print them) */
} report_opts;

/* Fills r from the database; the template is checked first, and an error in
 * one of its rows names the row and SQLite's message. */
int report_build(report *r, const report_opts *o, rq_error *err);
void report_free(report *r);

/* ---- internal: what totals.c shares with facts.c ---- */

struct sqlite3;
struct sqlite3_stmt;
/* "what: <sqlite3_errmsg>", -1. */
int rep_db_fail(struct sqlite3 *db, rq_error *err, const char *what);
struct sqlite3_stmt *rep_prepare(struct sqlite3 *db, const char *sql, const char *what,
				 rq_error *err);
/* Binds :from, :to and :unit where the statement has them (NULL binds NULL). */
int rep_bind(struct sqlite3 *db, struct sqlite3_stmt *st, const report *r, const char *unit,
	     rq_error *err);
/* Column i as a clean malloc'd string ("" for NULL); NULL when out of memory. */
char *rep_column(struct sqlite3_stmt *st, int i);
/* sqlfunc.c: vn_num(n) and vn_percent(part, whole) for the templates. */
int rep_sql_functions(struct sqlite3 *db, rq_error *err);
/* facts.c: the units in scope with their own counts, the top signatures,
 * the reasons for row 6, scans per day and the devices. */
int facts_collect(struct sqlite3 *db, report *r, int top, bool devices, rq_error *err);

/* office.c: the settings (place, header, number, signature, recipients)
 * into r, for r->unit_name's unit (o->unit) whose parent is parent_name. */
int office_read(struct sqlite3 *db, report *r, const report_opts *o, const char *parent_name,
		rq_error *err);
/* autoruns.c: the persistence entries of the devices' latest scans in scope
 * (the XLSX's sheet, the assessment's sentence); autoruns_free_report
 * releases them. */
int autoruns_collect(struct sqlite3 *db, report *r, rq_error *err);
void autoruns_free_report(report *r);

/* draft.c: the editable assessment paragraph of section 1, from the numbers. */
char *draft_assessment(const report *r);

/* ---- writers: each fills out with the whole file ---- */

int docx_write(const report *r, sbuf *out, rq_error *err);
int xlsx_write(const report *r, sbuf *out, rq_error *err);
int html_write(const report *r, sbuf *out, rq_error *err);
int csv_write(const report *r, sbuf *out, rq_error *err);
int json_write(const report *r, sbuf *out, rq_error *err);

/* zipw.c: a ZIP archive (deflate) in memory, through libarchive. */
typedef struct zipw zipw;
zipw *zipw_new(sbuf *out, rq_error *err);
int zipw_add(zipw *z, const char *name, const sbuf *content, rq_error *err);
int zipw_close(zipw *z, rq_error *err); /* finishes and frees z */

/* Shared wording. Decree 30 writes the title as the kind of document in
 * capitals on its own line, then the summary in sentence case; REP_TITLE
 * is both on one line, for the places that have one (window titles, the
 * spreadsheet, document properties). */
#define REP_KIND    "BÁO CÁO"
#define REP_SUMMARY "Kết quả triển khai chiến dịch rà quét, xử lý mã độc"
#define REP_TITLE   "Báo cáo kết quả triển khai chiến dịch rà quét, xử lý mã độc"
/* "Số:      /BC-SKHCN": the number itself is left for the clerk who registers
 * the document (Decree 30, Article 15). */
void rep_number_vn(const report *r, sbuf *b);
/* Every number of section 2 is 0. */
bool rep_all_zero(const report *r);
/* The line above section 2 for a period without scans, NULL otherwise:
 * "... đều bằng 0" only when every number is (draft.c). */
const char *rep_empty_note(const report *r);
const char *rep_status_vn(const char *status);
const char *rep_reason_vn(const char *reason);
/* "từ ngày 01/11/2026 đến ngày 30/11/2026", "đến ngày ..." ... */
void rep_period_vn(const report *r, sbuf *b);
/* "Thừa Thiên Huế, ngày 05 tháng 02 năm 2026" (Decree 30: day < 10 and
 * months 1, 2 with a leading zero). */
void rep_place_date_vn(const report *r, sbuf *b);

#endif
