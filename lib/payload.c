/* payload: building and reading the compressed member archive of a record
 * (see payload.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "payload.h"

/* libarchive is fed at most this much per archive_write_data call. */
#define WRITE_STEP (1u << 20)

/* Where payload_build's archive goes: a buffer grown as libarchive writes. */
struct sink {
	unsigned char *buf;
	size_t len, cap;
	bool too_big;
};

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct sink *s = data;

	if (n > PAYLOAD_MAX_EXPANDED - s->len) {
		s->too_big = true;
		archive_set_error(a, ENOSPC, "payload archive larger than %u bytes",
				  PAYLOAD_MAX_EXPANDED);
		return -1;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		unsigned char *nb;

		while (cap < s->len + n)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (nb == NULL) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, buf, n);
	s->len += n;
	return (la_ssize_t)n;
}

/* A member name must be one plain path component we can put in a folder. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= PAYLOAD_NAME_MAX || strcmp(name, ".") == 0 || strstr(name, "..") != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int fail_archive(struct archive *a, rq_error *err, const char *what)
{
	const char *s = archive_error_string(a);

	return rq_fail(err, "%s: %s", what, s ? s : "truncated or damaged archive");
}

static int add_member(struct archive *a, const payload_member *m, rq_error *err)
{
	struct archive_entry *e = archive_entry_new();
	size_t off = 0;
	int rc = -1;

	if (e == NULL)
		return rq_fail(err, "cannot build payload: out of memory");
	archive_entry_set_pathname(e, m->name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)m->len);
	/* No time stamp: the record header says when it was made, and equal
	 * members then give equal archives. */
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		fail_archive(a, err, "cannot build payload");
		goto out;
	}
	while (off < m->len) {
		size_t n = m->len - off < WRITE_STEP ? m->len - off : WRITE_STEP;
		la_ssize_t w = archive_write_data(a, m->data + off, n);

		if (w < 0 || (size_t)w != n) {
			fail_archive(a, err, "cannot build payload");
			goto out;
		}
		off += n;
	}
	if (archive_write_finish_entry(a) != ARCHIVE_OK) {
		fail_archive(a, err, "cannot build payload");
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

int payload_build(const payload_member *members, size_t n, unsigned char **out, size_t *outlen,
		  rq_error *err)
{
	struct sink s = {0};
	struct archive *a;
	size_t total = 0;
	int rc = -1;

	if (n == 0 || n > PAYLOAD_MAX_MEMBERS)
		return rq_fail(err, "cannot build payload: %zu members (1 to %d)", n,
			       PAYLOAD_MAX_MEMBERS);
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(members[i].name))
			return rq_fail(err, "cannot build payload: bad member name");
		for (size_t j = 0; j < i; j++)
			if (strcmp(members[i].name, members[j].name) == 0)
				return rq_fail(err, "cannot build payload: duplicate member %s",
					       members[i].name);
		if (members[i].len > PAYLOAD_MAX_EXPANDED - total)
			return rq_fail(err, "cannot build payload: more than %u bytes",
				       PAYLOAD_MAX_EXPANDED);
		total += members[i].len;
	}
	a = archive_write_new();
	if (a == NULL)
		return rq_fail(err, "cannot build payload: out of memory");
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
		fail_archive(a, err, "cannot build payload");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (add_member(a, &members[i], err) != 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		fail_archive(a, err, "cannot build payload");
		goto out;
	}
	*out = s.buf;
	*outlen = s.len;
	s.buf = NULL;
	rc = 0;
out:
	archive_write_free(a);
	free(s.buf);
	return rc;
}

void payload_free(payload_list *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->members[i].name);
		free(p->members[i].data);
	}
	free(p->members);
	p->members = NULL;
	p->n = 0;
}

const payload_member *payload_get(const payload_list *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->members[i].name, name) == 0)
			return &p->members[i];
	return NULL;
}

/* Reads the current entry's data, which the header said is size bytes. */
static int read_member(struct archive *a, const char *name, size_t size, unsigned char **out,
		       rq_error *err)
{
	unsigned char *buf = malloc(size ? size : 1);
	size_t got = 0;

	if (buf == NULL)
		return rq_fail(err, "payload: out of memory for member %s", name);
	for (;;) {
		la_ssize_t r = archive_read_data(a, buf + got, size - got);

		if (r < 0) {
			fail_archive(a, err, "payload corrupt");
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == size) {
			/* Draining proves the entry really ends here. */
			char extra;

			r = archive_read_data(a, &extra, 1);
			if (r != 0) {
				if (r < 0)
					fail_archive(a, err, "payload corrupt");
				else
					rq_fail(err,
						"payload corrupt: member %s is longer than "
						"its header says",
						name);
				free(buf);
				return -1;
			}
			break;
		}
	}
	if (got != size) {
		free(buf);
		return rq_fail(err, "payload truncated: member %s has %zu of %zu bytes", name, got,
			       size);
	}
	*out = buf;
	return 0;
}

/* Checks the entry a header describes and appends it to out. */
static int take_entry(struct archive *a, struct archive_entry *e, payload_list *out, size_t *budget,
		      size_t max, rq_error *err)
{
	const char *name = archive_entry_pathname(e);
	payload_member *m;
	la_int64_t size;

	if (name == NULL || !name_ok(name))
		return rq_fail(err, "payload: refused member name (must be a plain file name)");
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL)
		return rq_fail(err, "payload: member %s is not a regular file", name);
	if (payload_get(out, name) != NULL)
		return rq_fail(err, "payload: duplicate member %s", name);
	if (out->n == PAYLOAD_MAX_MEMBERS)
		return rq_fail(err, "payload: more than %d members", PAYLOAD_MAX_MEMBERS);
	if (!archive_entry_size_is_set(e))
		return rq_fail(err, "payload: member %s has no size", name);
	size = archive_entry_size(e);
	if (size < 0 || (uint64_t)size > *budget)
		return rq_fail(err, "payload: oversize member %s (more than %zu bytes in all)",
			       name, max);
	m = &out->members[out->n];
	m->name = strdup(name);
	if (m->name == NULL)
		return rq_fail(err, "payload: out of memory");
	if (read_member(a, name, (size_t)size, &m->data, err) != 0) {
		free(m->name);
		return -1;
	}
	m->len = (size_t)size;
	*budget -= (size_t)size;
	out->n++;
	return 0;
}

int payload_read(const void *buf, size_t len, payload_list *out, rq_error *err)
{
	return payload_read_max(buf, len, PAYLOAD_MAX_EXPANDED, out, err);
}

/* Tar headers, their padding and the end blocks come on top of the
 * members' bytes: under 10 KiB for payload_build's 16 members at most. */
#define HEADER_SLACK ((size_t)64 * 1024)

/* The gzip stream, decompressed by its own archive handle and handed to the
 * tar reader with a cap on the bytes: the members' sizes are checked before
 * their data is read, but nothing else bounds what libarchive decompresses
 * while it skips a pax header of 1 GiB or data after the members. */
struct gunzip {
	struct archive *raw;
	size_t total, cap;
};

static la_ssize_t gunzip_read(struct archive *a, void *data, const void **block)
{
	struct gunzip *g = data;
	la_int64_t off;
	size_t n;
	int r = archive_read_data_block(g->raw, block, &n, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		const char *s = archive_error_string(g->raw);
		archive_set_error(a, EINVAL, "%s", s ? s : "damaged gzip stream");
		return -1;
	}
	if (n > g->cap - g->total) {
		archive_set_error(a, EFBIG, "the archive decompresses to more than %zu bytes",
				  g->cap);
		return -1;
	}
	g->total += n;
	return (la_ssize_t)n;
}

/* g->raw: buf's gzip stream as one "raw" entry, positioned at its data. */
static int gunzip_open(struct gunzip *g, const void *buf, size_t len, rq_error *err)
{
	struct archive_entry *e;
	int r;

	if ((g->raw = archive_read_new()) == NULL)
		return rq_fail(err, "payload: out of memory");
	/* Only what payload_build writes: less code facing hostile bytes. */
	r = archive_read_support_filter_gzip(g->raw);
	if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) ||
	    archive_read_support_format_raw(g->raw) != ARCHIVE_OK ||
	    archive_read_open_memory(g->raw, buf, len) != ARCHIVE_OK ||
	    archive_read_next_header(g->raw, &e) != ARCHIVE_OK ||
	    archive_filter_code(g->raw, 0) != ARCHIVE_FILTER_GZIP)
		return fail_archive(g->raw, err, "payload corrupt");
	return 0;
}

int payload_read_max(const void *buf, size_t len, size_t max, payload_list *out, rq_error *err)
{
	struct gunzip g = {0};
	struct archive *a = NULL;
	struct archive_entry *e;
	size_t budget;
	int r;

	/* The member sizes are checked against the budget before anything is
	 * allocated or decompressed for them. */
	if (max > PAYLOAD_MAX_EXPANDED)
		max = PAYLOAD_MAX_EXPANDED;
	budget = max;
	g.cap = max + HEADER_SLACK;

	out->n = 0;
	out->members = calloc(PAYLOAD_MAX_MEMBERS, sizeof(*out->members));
	if (out->members == NULL)
		return rq_fail(err, "payload: out of memory");
	if (len == 0) {
		rq_fail(err, "payload: empty archive");
		goto fail;
	}
	if (gunzip_open(&g, buf, len, err) != 0)
		goto fail;
	if ((a = archive_read_new()) == NULL) {
		rq_fail(err, "payload: out of memory");
		goto fail;
	}
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open2(a, &g, NULL, gunzip_read, NULL, NULL) != ARCHIVE_OK) {
		fail_archive(a, err, "payload corrupt");
		goto fail;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			fail_archive(a, err, "payload corrupt");
			goto fail;
		}
		if (take_entry(a, e, out, &budget, max, err) != 0)
			goto fail;
	}
	if (archive_read_close(a) != ARCHIVE_OK) {
		fail_archive(a, err, "payload corrupt");
		goto fail;
	}
	archive_read_free(a);
	archive_read_free(g.raw);
	if (out->n == 0) {
		rq_fail(err, "payload: the archive has no members");
		payload_free(out);
		return -1;
	}
	return 0;
fail:
	if (a != NULL)
		archive_read_free(a);
	if (g.raw != NULL)
		archive_read_free(g.raw);
	payload_free(out);
	return -1;
}
