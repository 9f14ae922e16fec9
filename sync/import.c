/* import: one stick into ioc.db, in one transaction (see import.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "db.h"
#include "import.h"
#include "merge.h"
#include "payload.h"
#include "receipt.h"
#include "record.h"
#include "stickdir.h"

#define COPY_BUF (256 * 1024)

/* ---- SQL ---- */
static const char *const sql[] = {
#define Q_STICK 0
    "SELECT pubkey, revoked FROM sticks WHERE id = ?1",
#define Q_BY_SHA 1
    "SELECT stick, type, seq, file FROM records WHERE sha256 = ?1",
#define Q_BY_KEY 2
    "SELECT 1 FROM records WHERE stick = ?1 AND type = ?2 AND seq = ?3",
#define Q_RECORD 3
    "INSERT INTO records(stick, type, seq, sha256, file, size, created, import_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
#define Q_REJECTION 4
    "INSERT OR IGNORE INTO rejections(stick, file, sha256, reason, stored, first_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
#define Q_IMPORT 5
    "INSERT INTO imports(stick, started, finished, imported, duplicates, rejected)"
    " VALUES (?1, ?2, ?2, 0, 0, 0)",
#define Q_IMPORT_END 6
    "UPDATE imports SET finished = ?2, imported = ?3, duplicates = ?4, rejected = ?5"
    " WHERE id = ?1",
#define Q_LAST_IMPORT 7
    "UPDATE sticks SET last_import = ?2 WHERE id = ?1",
#define Q_SEQS 8
    "SELECT seq FROM records WHERE stick = ?1 AND type = ?2 ORDER BY seq",
#define Q_GAPS_CLEAR 9
    "DELETE FROM gaps WHERE stick = ?1",
#define Q_GAP 10
    "INSERT INTO gaps(stick, type, first_seq, last_seq) VALUES (?1, ?2, ?3, ?4)",
};
/* ---- end of SQL ---- */
#define NSQL (sizeof(sql) / sizeof(sql[0]))

struct imp {
	struct ioc *ioc;
	struct stickdir sd;
	struct import_report *rep;
	struct merge *merge;
	sqlite3_stmt *st[NSQL];
	bool known, revoked;
	char revoked_on[32];
	keys_stick_public pk;
	int64_t import_id;
	int rejfd; /* IOC/rejected/<stick>, opened on the first rejection */
	char now[32];
};

static int add_file(struct import_report *rep, const char *sub, const char *name,
		    enum import_outcome outcome, const char *reason)
{
	struct import_file *f;

	if (rep->nfiles == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 64;
		struct import_file *n = realloc(rep->files, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		rep->files = n;
		rep->cap = cap;
	}
	f = &rep->files[rep->nfiles];
	f->reason = NULL;
	f->outcome = outcome;
	if (asprintf(&f->name, "%s/%s", sub, name) < 0 ||
	    (reason && (f->reason = strdup(reason)) == NULL))
		return -1;
	rep->nfiles++;
	if (outcome == IMPORT_NEW)
		rep->imported++;
	else if (outcome == IMPORT_DUPLICATE)
		rep->duplicates++;
	else
		rep->rejected++;
	return 0;
}

void import_report_free(struct import_report *rep)
{
	for (size_t i = 0; i < rep->nfiles; i++) {
		free(rep->files[i].name);
		free(rep->files[i].reason);
	}
	free(rep->files);
	free(rep->gaps);
	memset(rep, 0, sizeof(*rep));
}

static void sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(md, buf, len);
	sodium_bin2hex(hex, 65, md, sizeof(md));
}

/* The record's creation time, in the time zone it was made in. */
static void created_iso(const record_header *h, char out[32])
{
	time_t t = (time_t)(h->created + (int64_t)h->tz_minutes * 60);
	int off = h->tz_minutes < 0 ? -h->tz_minutes : h->tz_minutes;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 13, "%c%02d:%02d", h->tz_minutes < 0 ? '-' : '+', off / 60 % 100,
		 off % 60);
}

/* ---- rejected files ----------------------------------------------------- */

/* Copies dirfd/name into IOC/rejected/<stick>/<name>.<sha12> (once per
 * content), with its reason beside it. sha gets the file's sha256. */
static int keep_rejected(struct imp *im, int dirfd, const char *name, const char *reason,
			 char sha[65], char *stored, size_t storedsz, rq_error *err)
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES], *buf = NULL;
	char tmp[320], dst[300], rsn[320];
	int in = -1, out = -1, rc = -1;
	struct stat st;

	if (im->rejfd < 0) {
		int top = openat(im->ioc->dirfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (top < 0 && (ioc_mkdirat(im->ioc->dirfd, "rejected", 0700, err) != 0 ||
				(top = openat(im->ioc->dirfd, "rejected",
					      O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
			return rq_fail_errno(err, errno, "cannot open %s/rejected", im->ioc->dir);
		if (ioc_mkdirat(top, im->sd.id_hex, 0700, err) == 0)
			im->rejfd = openat(top, im->sd.id_hex, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(top);
		if (im->rejfd < 0)
			return rq_fail_errno(err, errno, "cannot open %s/rejected/%s", im->ioc->dir,
					     im->sd.id_hex);
	}
	in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* A symlink or device: nothing to copy, but keep its reason. */
		snprintf(sha, 65, "%s", "-");
		if (in >= 0)
			close(in);
		in = -1;
	} else {
		if ((buf = malloc(COPY_BUF)) == NULL) {
			close(in);
			return rq_fail(err, "out of memory");
		}
		crypto_hash_sha256_init(&h);
		for (;;) {
			ssize_t n = read(in, buf, COPY_BUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		}
		crypto_hash_sha256_final(&h, md);
		sodium_bin2hex(sha, 65, md, sizeof(md));
	}
	snprintf(dst, sizeof(dst), "%.200s.%.12s", name, sha);
	snprintf(stored, storedsz, "rejected/%s/%s", im->sd.id_hex, dst);
	snprintf(rsn, sizeof(rsn), "%s.reason", dst);
	if (atomic_write(im->rejfd, rsn, reason, strlen(reason), 0600, false, err) != 0)
		goto out;
	if (in < 0 || faccessat(im->rejfd, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%s.tmp", dst);
	unlinkat(im->rejfd, tmp, 0);
	out = openat(im->rejfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		rq_fail_errno(err, errno, "cannot keep the rejected file in %s/%s", im->ioc->dir,
			      stored);
		goto out;
	}
	for (off_t off = 0;;) {
		ssize_t n = pread(in, buf, COPY_BUF, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rq_fail_errno(err, errno, "cannot read the rejected file");
			goto out;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) != 0) {
			rq_fail_errno(err, errno, "cannot keep the rejected file in %s/%s",
				      im->ioc->dir, stored);
			goto out;
		}
		off += n;
	}
	if (fsync(out) != 0 || renameat(im->rejfd, tmp, im->rejfd, dst) != 0) {
		rq_fail_errno(err, errno, "cannot keep the rejected file in %s/%s", im->ioc->dir,
			      stored);
		goto out;
	}
	fsync_dir(im->rejfd);
	rc = 0;
out:
	if (out >= 0) {
		close(out);
		if (rc != 0)
			unlinkat(im->rejfd, tmp, 0);
	}
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

/* Records a rejection: the file is kept, the reason stored; 0, or -1 when
 * even that failed (the import then stops: nothing may be lost). */
static int reject(struct imp *im, int dirfd, const char *sub, const char *name,
		  const char *reason, rq_error *err)
{
	char sha[65], stored[400], file[300];
	sqlite3_stmt *st = im->st[Q_REJECTION];

	snprintf(file, sizeof(file), "%s/%s", sub, name);
	if (keep_rejected(im, dirfd, name, reason, sha, stored, sizeof(stored), err) != 0 ||
	    db_bind(im->ioc->db, st, err, "tttttt", im->sd.id_hex, file, sha, reason, stored,
		    im->now) != 0 ||
	    db_done(im->ioc->db, st, err) != 0)
		return -1;
	if (add_file(im->rep, sub, name, IMPORT_REJECTED, reason) != 0)
		return rq_fail(err, "out of memory");
	return 0;
}

/* ---- one record --------------------------------------------------------- */

/* 1 when the bytes were imported before (*dup says under this very name),
 * 0 when not, -1 on error. */
static int seen_sha(struct imp *im, const char *sha, bool parsed, uint64_t stick, unsigned type,
		    uint64_t seq, bool *dup, char *was, size_t wassz, rq_error *err)
{
	sqlite3_stmt *st = im->st[Q_BY_SHA];
	char hex[KEYS_ID_HEX_LEN + 1];
	int rc;

	if (db_bind(im->ioc->db, st, err, "t", sha) != 0 || (rc = db_row(im->ioc->db, st, err)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	keys_id_hex(stick, hex);
	*dup = parsed && strcmp(db_text(st, 0), hex) == 0 &&
	       strcmp(db_text(st, 1), record_type_name(type)) == 0 &&
	       (uint64_t)sqlite3_column_int64(st, 2) == seq;
	snprintf(was, wassz, "%s", db_text(st, 3));
	sqlite3_reset(st);
	return 1;
}

static int seen_key(struct imp *im, const record_header *h, rq_error *err)
{
	sqlite3_stmt *st = im->st[Q_BY_KEY];
	int rc;

	if (db_bind(im->ioc->db, st, err, "tti", im->sd.id_hex, record_type_name(h->type),
		    (int64_t)h->seq) != 0 ||
	    (rc = db_row(im->ioc->db, st, err)) < 0)
		return -1;
	sqlite3_reset(st);
	return rc;
}

/* Checks that need no key: the reason in why, or "" when it passes. */
static void check_header(struct imp *im, const char *sub, bool parsed, uint64_t nstick,
			 uint64_t nseq, unsigned ntype, const unsigned char *buf, size_t len,
			 record_header *h, char *why, size_t whysz)
{
	char a[KEYS_ID_HEX_LEN + 1];
	unsigned want = strcmp(sub, "results") == 0 ? RECORD_TYPE_RESULT : RECORD_TYPE_SAMPLE;
	rq_error e;

	*why = '\0';
	if (!parsed) {
		snprintf(why, whysz, "not a record file name (<stick id>-<seq>.%s)",
			 want == RECORD_TYPE_RESULT ? "rqr" : "rqs");
	} else if (ntype != want) {
		snprintf(why, whysz, "a %s record in %s/", record_type_name(ntype), sub);
	} else if (record_read_header(buf, len, h, &e) != 0) {
		snprintf(why, whysz, "%s", e.msg);
	} else if (h->stick_id != im->sd.id) {
		keys_id_hex(h->stick_id, a);
		snprintf(why, whysz,
			 "record moved from another stick's folder: it was made by stick %s, "
			 "this is stick %s",
			 a, im->sd.id_hex);
	} else if (h->stick_id != nstick || h->seq != nseq || h->type != ntype) {
		snprintf(why, whysz,
			 "the file name does not match the record, which is %s %llu of its stick",
			 record_type_name(h->type), (unsigned long long)h->seq);
	} else if (!im->known) {
		snprintf(why, whysz, "unknown stick %s (not provisioned by this IOC)",
			 im->sd.id_hex);
	} else if (im->revoked) {
		snprintf(why, whysz, "stick %s was revoked on %s", im->sd.id_hex, im->revoked_on);
	}
}

static int store_sample(struct imp *im, const payload_member *bin, const char *sha, char *stored,
			size_t storedsz, rq_error *err)
{
	char sub[8];
	int fd;

	snprintf(sub, sizeof(sub), "%.2s", sha);
	snprintf(stored, storedsz, "samples/%s/%s", sub, sha);
	fd = openat(im->ioc->dirfd, "samples", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (ioc_mkdirat(im->ioc->dirfd, "samples", 0700, err) != 0 ||
		       (fd = openat(im->ioc->dirfd, "samples", O_RDONLY | O_DIRECTORY |
								  O_CLOEXEC)) < 0))
		return rq_fail_errno(err, errno, "cannot open %s/samples", im->ioc->dir);
	if (ioc_mkdirat(fd, sub, 0700, err) != 0) {
		close(fd);
		return -1;
	}
	int sfd = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	close(fd);
	if (sfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/samples/%s", im->ioc->dir, sub);
	/* Content-addressed: a sample already there is the same bytes. */
	if (faccessat(sfd, sha, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		rc = atomic_write(sfd, sha, bin->data, bin->len, 0400, false, err);
	close(sfd);
	return rc;
}

/* Merges an opened payload; MERGE_REJECT or MERGE_FAIL as merge.h. */
static int merge_payload(struct imp *im, const record_header *h, const payload_list *p,
			 rq_error *err)
{
	const payload_member *doc, *extra;
	char sha[65], stored[128];
	int rc;

	if (h->type == RECORD_TYPE_RESULT) {
		if ((doc = payload_get(p, "result.json")) == NULL)
			return rq_fail(err, "the payload has no result.json"), MERGE_REJECT;
		extra = payload_get(p, "scan.log");
		return merge_result(im->merge, im->sd.id_hex, h, (const char *)doc->data, doc->len,
				    extra ? (const char *)extra->data : NULL, extra ? extra->len : 0,
				    err);
	}
	if ((doc = payload_get(p, "meta.json")) == NULL)
		return rq_fail(err, "the payload has no meta.json"), MERGE_REJECT;
	extra = payload_get(p, "sample.bin");
	rc = merge_sample_check(im->merge, im->sd.id_hex, h, (const char *)doc->data, doc->len,
				extra ? extra->data : NULL, extra ? extra->len : 0, sha, err);
	if (rc != 0)
		return rc;
	if (*sha && store_sample(im, extra, sha, stored, sizeof(stored), err) != 0)
		return MERGE_FAIL;
	return merge_sample_store(im->merge, im->sd.id_hex, h, *sha ? stored : NULL, err);
}

static int insert_record(struct imp *im, const record_header *h, const char *sha,
			 const char *sub, const char *name, size_t len, rq_error *err)
{
	char created[32], file[300];

	created_iso(h, created);
	snprintf(file, sizeof(file), "%s/%s", sub, name);
	return db_bind(im->ioc->db, im->st[Q_RECORD], err, "ttittiti", im->sd.id_hex,
		       record_type_name(h->type), (int64_t)h->seq, sha, file, (int64_t)len, created,
		       im->import_id) != 0
		   ? -1
		   : db_done(im->ioc->db, im->st[Q_RECORD], err);
}

/* Opens and merges a checked record under a savepoint. 0 imported, 1
 * rejected (why set), -1 fatal. */
static int open_and_merge(struct imp *im, const record_header *h, const unsigned char *buf,
			  size_t len, const char *sha, const char *sub, const char *name, char *why,
			  size_t whysz, rq_error *err)
{
	unsigned char *pl = NULL;
	payload_list p = {0};
	size_t pllen;
	rq_error e;
	int rc;

	if (record_open(buf, len, im->ioc->sk, &pl, &pllen, &e) != 0 ||
	    payload_read(pl, pllen, &p, &e) != 0) {
		free(pl);
		snprintf(why, whysz, "%s", e.msg);
		return 1;
	}
	free(pl);
	if (db_exec(im->ioc->db, "SAVEPOINT rec", err) != 0) {
		payload_free(&p);
		return -1;
	}
	rc = merge_payload(im, h, &p, &e);
	payload_free(&p);
	if (rc == 0 && insert_record(im, h, sha, sub, name, len, err) != 0)
		return -1;
	if (rc != 0) {
		if (db_exec(im->ioc->db, "ROLLBACK TO rec; RELEASE rec", err) != 0)
			return -1;
		if (rc == MERGE_FAIL) {
			*err = e;
			return -1;
		}
		snprintf(why, whysz, "%s", e.msg);
		return 1;
	}
	return db_exec(im->ioc->db, "RELEASE rec", err);
}

static int import_one(struct imp *im, int dirfd, const char *sub, const char *name,
		      rq_error *err)
{
	unsigned char *buf = NULL;
	char sha[65], why[600], was[300];
	uint64_t nstick = 0, nseq = 0;
	unsigned ntype = 0;
	record_header h, h2;
	bool parsed, dup = false;
	size_t len;
	rq_error e;
	int rc;

	if (record_load(dirfd, name, &buf, &len, &e) != 0)
		return reject(im, dirfd, sub, name, e.msg, err);
	sha256_hex(buf, len, sha);
	parsed = record_parse_name(name, &nstick, &nseq, &ntype) == 0;
	rc = seen_sha(im, sha, parsed, nstick, ntype, nseq, &dup, was, sizeof(was), err);
	if (rc < 0)
		goto fatal;
	if (rc > 0) {
		free(buf);
		if (dup)
			return add_file(im->rep, sub, name, IMPORT_DUPLICATE, NULL) == 0
				   ? 0
				   : rq_fail(err, "out of memory");
		snprintf(why, sizeof(why),
			 "replayed record: the same bytes were imported before as %s", was);
		return reject(im, dirfd, sub, name, why, err);
	}
	check_header(im, sub, parsed, nstick, nseq, ntype, buf, len, &h, why, sizeof(why));
	if (*why == '\0' && record_verify(buf, len, &im->pk, &h2, &e) != 0)
		snprintf(why, sizeof(why), "%s", e.msg);
	if (*why == '\0' && h.ioc_key_id != im->ioc->pub.id) {
		char a[KEYS_ID_HEX_LEN + 1];
		keys_id_hex(h.ioc_key_id, a);
		snprintf(why, sizeof(why), "wrong IOC key: the record is sealed to key %s, this IOC "
					   "is %s",
			 a, im->ioc->id_hex);
	}
	if (*why == '\0') {
		if ((rc = seen_key(im, &h, err)) < 0)
			goto fatal;
		if (rc > 0)
			snprintf(why, sizeof(why),
				 "replayed record: %s %llu of this stick was already imported "
				 "with other content",
				 record_type_name(h.type), (unsigned long long)h.seq);
	}
	if (*why == '\0') {
		rc = open_and_merge(im, &h, buf, len, sha, sub, name, why, sizeof(why), err);
		if (rc < 0)
			goto fatal;
		if (rc == 0) {
			free(buf);
			return add_file(im->rep, sub, name, IMPORT_NEW, NULL) == 0
				   ? 0
				   : rq_fail(err, "out of memory");
		}
	}
	free(buf);
	return reject(im, dirfd, sub, name, why, err);
fatal:
	free(buf);
	return -1;
}

/* ---- the stick ---------------------------------------------------------- */

static int has_suffix(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int import_dir(struct imp *im, const char *sub, rq_error *err)
{
	struct dirent **names;
	int dirfd, n, rc = 0;

	dirfd = openat(im->sd.fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : rq_fail_errno(err, errno, "cannot open %s/%s",
							    im->sd.path, sub);
	n = scandirat(dirfd, ".", &names, NULL, versionsort);
	if (n < 0) {
		close(dirfd);
		return rq_fail_errno(err, errno, "cannot list %s/%s", im->sd.path, sub);
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		/* Lock, high-water marks and temporary files start with a dot. */
		if (rc == 0 && name[0] != '.' && (has_suffix(name, ".rqr") || has_suffix(name, ".rqs")))
			rc = import_one(im, dirfd, sub, name, err);
		free(names[i]);
	}
	free(names);
	close(dirfd);
	return rc;
}

static int load_stick(struct imp *im, rq_error *err)
{
	sqlite3_stmt *st = im->st[Q_STICK];
	int rc;

	if (db_bind(im->ioc->db, st, err, "t", im->sd.id_hex) != 0 ||
	    (rc = db_row(im->ioc->db, st, err)) < 0)
		return -1;
	im->known = rc == 1;
	if (im->known) {
		if (sqlite3_column_bytes(st, 0) != (int)sizeof(im->pk.sign_pk)) {
			sqlite3_reset(st);
			return rq_fail(err, "ioc.db: stick %s has a damaged public key",
				       im->sd.id_hex);
		}
		im->pk.id = im->sd.id;
		memcpy(im->pk.sign_pk, sqlite3_column_blob(st, 0), sizeof(im->pk.sign_pk));
		im->revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
		snprintf(im->revoked_on, sizeof(im->revoked_on), "%s", db_text(st, 1));
		sqlite3_reset(st);
	}
	return 0;
}

static int add_gap(struct imp *im, const char *type, uint64_t first, uint64_t last, rq_error *err)
{
	struct import_report *rep = im->rep;
	struct import_gap *g = realloc(rep->gaps, (rep->ngaps + 1) * sizeof(*g));

	if (g == NULL)
		return rq_fail(err, "out of memory");
	rep->gaps = g;
	g = &rep->gaps[rep->ngaps++];
	snprintf(g->type, sizeof(g->type), "%s", type);
	g->first = first;
	g->last = last;
	return db_bind(im->ioc->db, im->st[Q_GAP], err, "ttii", im->sd.id_hex, type,
		       (int64_t)first, (int64_t)last) != 0
		   ? -1
		   : db_done(im->ioc->db, im->st[Q_GAP], err);
}

/* Sequence numbers missing below the highest one imported, per type. */
static int compute_gaps(struct imp *im, rq_error *err)
{
	static const char *const types[] = {"result", "sample"};
	sqlite3_stmt *st = im->st[Q_SEQS];

	if (db_bind(im->ioc->db, im->st[Q_GAPS_CLEAR], err, "t", im->sd.id_hex) != 0 ||
	    db_done(im->ioc->db, im->st[Q_GAPS_CLEAR], err) != 0)
		return -1;
	for (int t = 0; t < 2; t++) {
		uint64_t next = 1;
		struct import_gap pending[64];
		size_t np = 0;
		int rc;
		if (db_bind(im->ioc->db, st, err, "tt", im->sd.id_hex, types[t]) != 0)
			return -1;
		while ((rc = db_row(im->ioc->db, st, err)) == 1) {
			uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
			if (seq > next) {
				/* Insert after the read finishes (one statement at a time). */
				if (np == 64) {
					sqlite3_reset(st);
					if (add_gap(im, types[t], pending[0].first, pending[0].last,
						    err) != 0)
						return -1;
					return rq_fail(err, "too many gaps to list");
				}
				pending[np].first = next;
				pending[np++].last = seq - 1;
			}
			next = seq + 1;
		}
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < np; i++)
			if (add_gap(im, types[t], pending[i].first, pending[i].last, err) != 0)
				return -1;
	}
	return 0;
}

static int begin(struct imp *im, rq_error *err)
{
	if (db_exec(im->ioc->db, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (db_bind(im->ioc->db, im->st[Q_IMPORT], err, "tt", im->sd.id_hex, im->now) != 0 ||
	    db_done(im->ioc->db, im->st[Q_IMPORT], err) != 0)
		return -1;
	im->import_id = sqlite3_last_insert_rowid(im->ioc->db);
	return 0;
}

static int finish(struct imp *im, rq_error *err)
{
	char now[32];
	struct import_report *r = im->rep;

	ioc_now(now);
	if (im->known && compute_gaps(im, err) != 0)
		return -1;
	if (db_bind(im->ioc->db, im->st[Q_IMPORT_END], err, "itiii", im->import_id, now,
		    (int64_t)r->imported, (int64_t)r->duplicates, (int64_t)r->rejected) != 0 ||
	    db_done(im->ioc->db, im->st[Q_IMPORT_END], err) != 0 ||
	    db_bind(im->ioc->db, im->st[Q_LAST_IMPORT], err, "tt", im->sd.id_hex, now) != 0 ||
	    db_done(im->ioc->db, im->st[Q_LAST_IMPORT], err) != 0)
		return -1;
	return db_exec(im->ioc->db, "COMMIT", err);
}

int import_stick(struct ioc *ioc, const char *stick, struct import_report *rep, rq_error *err)
{
	struct imp im = {.ioc = ioc, .rep = rep, .rejfd = -1};
	bool in_tx = false;
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	ioc_now(im.now);
	if (stickdir_open(ioc, stick, &im.sd, err) != 0)
		return -1;
	snprintf(rep->stick, sizeof(rep->stick), "%s", im.sd.id_hex);
	for (size_t i = 0; i < NSQL; i++)
		if ((im.st[i] = db_prepare(ioc->db, sql[i], err)) == NULL)
			goto out;
	if ((im.merge = merge_new(ioc->db, err)) == NULL || load_stick(&im, err) != 0 ||
	    begin(&im, err) != 0)
		goto out;
	in_tx = true;
	if (import_dir(&im, "results", err) != 0 || import_dir(&im, "samples", err) != 0 ||
	    finish(&im, err) != 0)
		goto out;
	in_tx = false;
	rc = 0;
	/* Only now, with the records safe in ioc.db, does the stick hear of it. */
	if (receipt_write(ioc, im.sd.fd, rep, err) == 0)
		rep->receipt_written = true;
	else
		snprintf(rep->receipt_error, sizeof(rep->receipt_error), "%s", err->msg);
out:
	if (in_tx) {
		/* Statements must be reset before a rollback releases their locks. */
		for (size_t i = 0; i < NSQL; i++)
			sqlite3_reset(im.st[i]);
		sqlite3_exec(ioc->db, "ROLLBACK", NULL, NULL, NULL);
	}
	merge_free(im.merge);
	for (size_t i = 0; i < NSQL; i++)
		sqlite3_finalize(im.st[i]);
	if (im.rejfd >= 0)
		close(im.rejfd);
	stickdir_close(&im.sd);
	return rc;
}
