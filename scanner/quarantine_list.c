/* quarantine_list: one line per quarantine entry, oldest first; damaged
 * entries are listed with what is wrong with them, never fatal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "quarantine_int.h"
#include "quarantine_pc.h"

struct qrow {
	char id[QUARANTINE_ID_LEN + 1];
	char when[40]; /* empty for a damaged entry: those sort last */
	long long size;
	char *sig, *path; /* escaped for display */
	char *problem;
};

static int row_cmp(const void *a, const void *b)
{
	const struct qrow *x = a, *y = b;
	int c;

	if ((x->when[0] == '\0') != (y->when[0] == '\0'))
		return x->when[0] == '\0' ? 1 : -1;
	c = strcmp(x->when, y->when);
	return c != 0 ? c : strcmp(x->id, y->id);
}

/* Fills a row from the entry id; a damaged entry becomes a row with a
 * problem, never an error. Returns -1 only when out of memory. */
static int row_fill(int qfd, const char *id, const unsigned char *key, bool has_meta,
		    struct qrow *r)
{
	char dname[Q_ENTRY_NAME_LEN];
	struct qmeta m;
	rq_error perr;
	struct stat st;
	char buf[600];

	memset(r, 0, sizeof(*r));
	strcpy(r->id, id);
	if (!has_meta) {
		r->problem = strdup("incomplete entry: data without metadata "
				    "(interrupted quarantine; safe to delete)");
		return r->problem ? 0 : -1;
	}
	if (qmeta_load(qfd, id, key, &m, &perr) != 0) {
		snprintf(buf, sizeof(buf), "corrupt metadata: %s", perr.msg);
		r->problem = escape_name(buf);
		return r->problem ? 0 : -1;
	}
	qentry_name(dname, id, ".data");
	if (fstatat(qfd, dname, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(buf, sizeof(buf), "data file missing (%s)", m.quarantined);
		qmeta_free(&m);
		r->problem = strdup(buf);
		return r->problem ? 0 : -1;
	}
	strcpy(r->when, m.quarantined);
	r->size = m.size;
	/* Escaped again from the raw values: the stored display form is not
	 * trusted to be safe to print. */
	r->sig = escape_name(m.signature);
	r->path = escape_name(m.path);
	qmeta_free(&m);
	return r->sig && r->path ? 0 : -1;
}

static void rows_free(struct qrow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].sig);
		free(rows[i].path);
		free(rows[i].problem);
	}
	free(rows);
}

/* Collects one row per entry: every <id>.meta, and every <id>.data that
 * has no .meta (left by an interrupted store). */
static int rows_collect(int qfd, const char *qdir, const unsigned char *key, struct qrow **out,
			size_t *count, rq_error *err)
{
	struct qrow *rows = NULL, *nr;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd = dup(qfd);

	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return rq_fail_errno(err, errno, "cannot read quarantine directory %s", qdir);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		char id[QUARANTINE_ID_LEN + 1], mname[Q_ENTRY_NAME_LEN];
		bool is_meta;

		if (strlen(de->d_name) != QUARANTINE_ID_LEN + 5)
			continue;
		is_meta = strcmp(de->d_name + QUARANTINE_ID_LEN, ".meta") == 0;
		if (!is_meta && strcmp(de->d_name + QUARANTINE_ID_LEN, ".data") != 0)
			continue;
		memcpy(id, de->d_name, QUARANTINE_ID_LEN);
		id[QUARANTINE_ID_LEN] = '\0';
		if (!qentry_is_id(id))
			continue;
		qentry_name(mname, id, ".meta");
		if (!is_meta && fstatat(qfd, mname, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* listed through its .meta */
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = realloc(rows, cap * sizeof(*rows))) == NULL)
				goto oom;
			rows = nr;
		}
		if (row_fill(qfd, id, key, is_meta, &rows[n++]) != 0)
			goto oom;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		rows_free(rows, n);
		return rq_fail_errno(err, e, "cannot read quarantine directory %s", qdir);
	}
	closedir(d);
	*out = rows;
	*count = n;
	return 0;
oom:
	closedir(d);
	rows_free(rows, n);
	return rq_fail(err, "out of memory listing %s", qdir);
}

static void print_row(FILE *out, const struct qrow *r)
{
	if (r->problem)
		fprintf(out, "%s  %s\n", r->id, r->problem);
	else
		/* ISO 8601 to the second: the stored nanoseconds are there only
		 * so that entries sort in the order they were made. */
		fprintf(out, "%s  %.19sZ  %lld  %s  %s\n", r->id, r->when, r->size, r->sig,
			r->path);
}

/* A stick's quarantine holds entries from many PCs: under a heading per
 * PC and scan (quarantine_pc.h), those no note names last. */
static void print_grouped(FILE *out, const struct qrow *rows, size_t n,
			  const struct quarantine_pc *pcs, size_t npcs)
{
	for (size_t i = 0; i <= npcs; i++) {
		const struct quarantine_pc *pc = i < npcs ? &pcs[i] : NULL;
		bool head = false;
		for (size_t r = 0; r < n; r++) {
			if (quarantine_pc_of(pcs, npcs, rows[r].id) != pc)
				continue;
			if (!head && pc)
				fprintf(out, "== PC %s (device %s), scanned %s ==\n", pc->computer,
					pc->device, pc->started);
			else if (!head)
				fprintf(out, "== PC not recorded ==\n");
			head = true;
			print_row(out, &rows[r]);
		}
	}
}

int quarantine_list(const char *qdir, FILE *out, rq_error *err)
{
	struct quarantine_pc *pcs = NULL;
	size_t npcs = 0;
	struct qrow *rows = NULL;
	unsigned char *key;
	rq_error kerr;
	size_t n = 0;
	int qfd;

	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	if ((qfd = qdir_open(qdir, false, err)) < 0)
		return -1;
	if ((key = qkey_alloc(err)) == NULL) {
		close(qfd);
		return -1;
	}
	/* Without a usable key every entry is listed as unverifiable, and
	 * the listing still shows what is there. */
	if (qkey_load(qfd, qdir, false, key, &kerr) != 0) {
		sodium_free(key);
		key = NULL;
	}
	if (rows_collect(qfd, qdir, key, &rows, &n, err) != 0) {
		sodium_free(key);
		close(qfd);
		return -1;
	}
	sodium_free(key);
	/* Notes are display only: without them the list is as it always was. */
	quarantine_pc_load(qfd, &pcs, &npcs);
	close(qfd);
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	if (npcs == 0)
		for (size_t i = 0; i < n; i++)
			print_row(out, &rows[i]);
	else
		print_grouped(out, rows, n, pcs, npcs);
	quarantine_pc_free(pcs, npcs);
	rows_free(rows, n);
	if (fflush(out) != 0 || ferror(out))
		return rq_fail_errno(err, errno, "cannot write the quarantine listing");
	return n > INT32_MAX ? INT32_MAX : (int)n;
}
