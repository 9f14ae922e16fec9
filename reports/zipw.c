/* zipw: the ZIP container of DOCX and XLSX, written by libarchive's zip
 * writer (deflate) into memory, so that main.c can publish the whole file
 * at once with atomic_write. Entries get a fixed time, so the same report
 * gives the same bytes. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>

#include "report.h"

#define ZIP_MTIME 1577836800 /* 2020-01-01, the campaign's year */

struct zipw {
	struct archive *a;
	sbuf *out;
};

static la_ssize_t to_sbuf(struct archive *a, void *ctx, const void *buf, size_t len)
{
	sbuf *out = ctx;

	sb_addn(out, buf, len);
	if (out->oom) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)len;
}

static int zip_fail(struct archive *a, rq_error *err, const char *what)
{
	return rq_fail(err, "zip %s: %s", what,
		       archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

zipw *zipw_new(sbuf *out, rq_error *err)
{
	zipw *z = calloc(1, sizeof(*z));

	if (z == NULL || (z->a = archive_write_new()) == NULL) {
		free(z);
		rq_fail(err, "out of memory");
		return NULL;
	}
	z->out = out;
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_set_options(z->a, "zip:compression=deflate,zip:compression-level=1") !=
		ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(z->a, out, NULL, to_sbuf, NULL, NULL) != ARCHIVE_OK) {
		zip_fail(z->a, err, "open");
		archive_write_free(z->a);
		free(z);
		return NULL;
	}
	return z;
}

int zipw_add(zipw *z, const char *name, const sbuf *content, rq_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;

	if (e == NULL)
		return rq_fail(err, "out of memory");
	if (content->oom) {
		archive_entry_free(e);
		return rq_fail(err, "out of memory building %s", name);
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)content->len);
	archive_entry_set_mtime(e, ZIP_MTIME, 0);
	if (archive_write_header(z->a, e) != ARCHIVE_OK)
		zip_fail(z->a, err, name);
	else if (content->len > 0 &&
		 archive_write_data(z->a, content->p, content->len) != (la_ssize_t)content->len)
		zip_fail(z->a, err, name);
	else
		rc = 0;
	archive_entry_free(e);
	return rc;
}

int zipw_close(zipw *z, rq_error *err)
{
	int rc = 0;

	if (archive_write_close(z->a) != ARCHIVE_OK)
		rc = zip_fail(z->a, err, "close");
	archive_write_free(z->a);
	free(z);
	return rc;
}
