/* import: one stick into ioc.db, in one transaction (see import.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
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
#include "pipeline.h"
#include "precheck.h"
#include "receipt.h"
#include "record.h"
#include "rejected.h"
#include "schema.h"
#include "stickdir.h"

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
/* Prepared once: sqlite3_exec would parse them again for every record. */
#define Q_SAVEPOINT 11
    "SAVEPOINT rec",
#define Q_RELEASE 12
    "RELEASE rec",
#define Q_ROLLBACK_TO 13
    "ROLLBACK TO rec",
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
	int rejfd;                 /* IOC/rejected/<stick>, opened on the first rejection */
	struct precheck_seen seen; /* this stick's records when the import began */
	char now[32];
	uint64_t budget, expanded; /* payload bytes this import may open, has opened */
	atomic_bool over;          /* the budget is spent: workers open no more */
};

/* What one import may decompress from one stick's records (results first,
 * then samples), unless RAQUET_IMPORT_STICK_MAX says otherwise: a genuine
 * stick's results take a few MiB, its samples at most 60 MiB each. A
 * record past it is rejected, unopened, and the next import takes it. */
#define IMPORT_STICK_MAX ((uint64_t)4 * 1024 * 1024 * 1024)

static uint64_t stick_budget(void)
{
	const char *s = getenv("RAQUET_IMPORT_STICK_MAX");
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return IMPORT_STICK_MAX;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' ? (uint64_t)v : IMPORT_STICK_MAX;
}

/* "" when the opened payload p fits in what is left of the budget (which
 * it then takes), else why not. Decided here, in the order of the files, so
 * that the same stick gives the same outcome whatever the workers did. */
static void take_budget(struct imp *im, const struct precheck *p, char *why, size_t whysz)
{
	if (!im->over && p->cost <= im->budget - im->expanded) {
		im->expanded += p->cost;
		return;
	}
	im->over = true;
	snprintf(why, whysz,
		 "not opened: this import has already opened %llu bytes of this stick's "
		 "records, at most %llu at a time; import the stick again for the rest",
		 (unsigned long long)im->expanded, (unsigned long long)im->budget);
}

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

/* The record's creation time, in the time zone it was made in. The header
 * was checked (record_read_header): created and tz_minutes are in range, so
 * the year has four digits; a failure still gives a fixed text, never an
 * uninitialised one. */
static void created_iso(const record_header *h, char out[32])
{
	int off = h->tz_minutes < 0 ? -h->tz_minutes : h->tz_minutes;
	struct tm tm;
	time_t t;

	if (h->created < RECORD_CREATED_MIN || h->created > RECORD_CREATED_MAX ||
	    off > RECORD_TZ_MAX) {
		snprintf(out, 32, "%s", "1970-01-01T00:00:00+00:00");
		return;
	}
	t = (time_t)(h->created + (int64_t)h->tz_minutes * 60);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year < -1900) {
		snprintf(out, 32, "%s", "1970-01-01T00:00:00+00:00");
		return;
	}
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
		 (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
		 (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
		 (unsigned)tm.tm_sec % 100, h->tz_minutes < 0 ? '-' : '+', (unsigned)off / 60 % 100,
		 (unsigned)off % 60);
}

/* Records a rejection: the file is kept, the reason stored; 0, or -1 when
 * even that failed (the import then stops: nothing may be lost). */
static int reject(struct imp *im, int dirfd, const char *sub, const char *name, const char *reason,
		  rq_error *err)
{
	char sha[65], stored[400], file[300];
	sqlite3_stmt *st = im->st[Q_REJECTION];

	snprintf(file, sizeof(file), "%s/%s", sub, name);
	if (rejected_keep(im->ioc, im->sd.id_hex, &im->rejfd, dirfd, name, reason, sha, stored,
			  sizeof(stored), err) != 0 ||
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

static int store_sample(struct imp *im, const payload_member *bin, const char *sha, char *stored,
			size_t storedsz, rq_error *err)
{
	char sub[8];
	int fd;

	snprintf(sub, sizeof(sub), "%.2s", sha);
	snprintf(stored, storedsz, "samples/%s/%s", sub, sha);
	fd = openat(im->ioc->dirfd, "samples", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 &&
	    (ioc_mkdirat(im->ioc->dirfd, "samples", 0700, err) != 0 ||
	     (fd = openat(im->ioc->dirfd, "samples", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
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
				    extra ? (const char *)extra->data : NULL,
				    extra ? extra->len : 0, err);
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

static int insert_record(struct imp *im, const record_header *h, const char *sha, const char *sub,
			 const char *name, size_t len, rq_error *err)
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

/* Merges an opened record under a savepoint. 0 imported, 1 rejected (why
 * set), -1 fatal. */
static int merge_opened(struct imp *im, const struct precheck *p, const char *sub, char *why,
			size_t whysz, rq_error *err)
{
	rq_error e;
	int rc;

	if (db_done(im->ioc->db, im->st[Q_SAVEPOINT], err) != 0)
		return -1;
	rc = merge_payload(im, &p->h, &p->payload, &e);
	if (rc == 0 && insert_record(im, &p->h, p->sha, sub, p->name, p->len, err) != 0)
		return -1;
	if (rc != 0) {
		if (db_done(im->ioc->db, im->st[Q_ROLLBACK_TO], err) != 0 ||
		    db_done(im->ioc->db, im->st[Q_RELEASE], err) != 0)
			return -1;
		if (rc == MERGE_FAIL) {
			*err = e;
			return -1;
		}
		snprintf(why, whysz, "%s", e.msg);
		return 1;
	}
	return db_done(im->ioc->db, im->st[Q_RELEASE], err);
}

/* The database's part, in the order of the checks: imported before (by
 * sha256), the prechecks, (stick, type, seq) taken, the opening, the merge. */
static int import_one(struct imp *im, const struct precheck_ctx *c, struct precheck *p,
		      rq_error *err)
{
	const char *sub = c->sub, *name = p->name;
	char why[PRECHECK_WHY], was[300];
	bool dup = false;
	int rc;

	if (p->load_failed)
		return reject(im, c->dirfd, sub, name, p->why, err);
	rc = seen_sha(im, p->sha, p->parsed, p->nstick, p->ntype, p->nseq, &dup, was, sizeof(was),
		      err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (dup)
			return add_file(im->rep, sub, name, IMPORT_DUPLICATE, NULL) == 0
				   ? 0
				   : rq_fail(err, "out of memory");
		snprintf(why, sizeof(why),
			 "replayed record: the same bytes were imported before as %s", was);
		return reject(im, c->dirfd, sub, name, why, err);
	}
	if (p->deferred) /* its sha256 was known, yet not found: check it now */
		precheck_finish(c, p);
	snprintf(why, sizeof(why), "%s", p->why);
	if (*why == '\0') {
		if ((rc = seen_key(im, &p->h, err)) < 0)
			return -1;
		if (rc > 0)
			snprintf(why, sizeof(why),
				 "replayed record: %s %llu of this stick was already imported "
				 "with other content",
				 record_type_name(p->h.type), (unsigned long long)p->h.seq);
	}
	/* Past the budget, whatever the workers could or could not open. */
	if (*why == '\0' && (im->over || *p->open_why == '\0'))
		take_budget(im, p, why, sizeof(why));
	if (*why == '\0')
		snprintf(why, sizeof(why), "%s", p->open_why);
	if (*why == '\0') {
		if ((rc = merge_opened(im, p, sub, why, sizeof(why), err)) < 0)
			return -1;
		if (rc == 0)
			return add_file(im->rep, sub, name, IMPORT_NEW, NULL) == 0
				   ? 0
				   : rq_fail(err, "out of memory");
	}
	return reject(im, c->dirfd, sub, name, why, err);
}

/* ---- the stick ---------------------------------------------------------- */

static int has_suffix(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int import_dir(struct imp *im, const char *sub, rq_error *err)
{
	struct precheck_ctx c = {.sub = sub,
				 .stick_id = im->sd.id,
				 .stick_hex = im->sd.id_hex,
				 .known = im->known,
				 .revoked = im->revoked,
				 .revoked_on = im->revoked_on,
				 .pk = &im->pk,
				 .ioc_pub = &im->ioc->pub,
				 .ioc_hex = im->ioc->id_hex,
				 .sk = im->ioc->sk,
				 .seen = &im->seen,
				 .over = &im->over};
	struct pipeline *pl = NULL;
	struct precheck *p;
	struct dirent **names;
	char **recs = NULL;
	size_t nrecs = 0;
	int n, rc = 0;

	c.dirfd = openat(im->sd.fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.dirfd < 0)
		return errno == ENOENT
			   ? 0
			   : rq_fail_errno(err, errno, "cannot open %s/%s", im->sd.path, sub);
	n = scandirat(c.dirfd, ".", &names, NULL, versionsort);
	if (n < 0) {
		close(c.dirfd);
		return rq_fail_errno(err, errno, "cannot list %s/%s", im->sd.path, sub);
	}
	if (n > 0 && (recs = calloc((size_t)n, sizeof(*recs))) == NULL)
		rc = rq_fail(err, "out of memory");
	for (int i = 0; i < n && rc == 0; i++) {
		const char *name = names[i]->d_name;
		/* Lock, high-water marks and temporary files start with a dot. */
		if (name[0] != '.' && (has_suffix(name, ".rqr") || has_suffix(name, ".rqs")))
			recs[nrecs++] = names[i]->d_name;
	}
	/* Workers read and open the records ahead; every write stays here. */
	if (rc == 0 && nrecs > 0 && (pl = pipeline_start(&c, recs, nrecs, err)) == NULL)
		rc = -1;
	while (rc == 0 && pl && (p = pipeline_next(pl)) != NULL)
		rc = import_one(im, &c, p, err);
	pipeline_stop(pl);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(recs);
	close(c.dirfd);
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

/* Appends a gap to the report (the receipt and the output list them). */
static int note_gap(struct import_report *rep, const char *type, uint64_t first, uint64_t last,
		    rq_error *err)
{
	struct import_gap *g;

	if (rep->ngaps == rep->gapcap) {
		size_t cap = rep->gapcap ? rep->gapcap * 2 : 16;
		if ((g = realloc(rep->gaps, cap * sizeof(*g))) == NULL)
			return rq_fail(err, "out of memory");
		rep->gaps = g;
		rep->gapcap = cap;
	}
	g = &rep->gaps[rep->ngaps++];
	snprintf(g->type, sizeof(g->type), "%s", type);
	g->first = first;
	g->last = last;
	return 0;
}

/* Sequence numbers missing below the highest one imported, per type, as
 * ranges and with no limit on their number: forged gaps (a stick's key
 * can make any number of them) cost one row each and block nothing. The
 * ranges are gathered first and written after, as SQLite runs one
 * statement at a time on the read's table. */
static int compute_gaps(struct imp *im, rq_error *err)
{
	static const char *const types[] = {"result", "sample"};
	sqlite3_stmt *st = im->st[Q_SEQS];
	struct import_report *rep = im->rep;

	if (db_bind(im->ioc->db, im->st[Q_GAPS_CLEAR], err, "t", im->sd.id_hex) != 0 ||
	    db_done(im->ioc->db, im->st[Q_GAPS_CLEAR], err) != 0)
		return -1;
	for (int t = 0; t < 2; t++) {
		size_t from = rep->ngaps;
		uint64_t next = 1;
		int rc;

		if (db_bind(im->ioc->db, st, err, "tt", im->sd.id_hex, types[t]) != 0)
			return -1;
		while ((rc = db_row(im->ioc->db, st, err)) == 1) {
			/* Imported numbers are 1 to RECORD_SEQ_MAX (checked headers). */
			uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
			if (seq > next && note_gap(rep, types[t], next, seq - 1, err) != 0) {
				sqlite3_reset(st);
				return -1;
			}
			next = seq + 1;
		}
		if (rc < 0)
			return -1;
		for (size_t i = from; i < rep->ngaps; i++)
			if (db_bind(im->ioc->db, im->st[Q_GAP], err, "ttii", im->sd.id_hex,
				    types[t], (int64_t)rep->gaps[i].first,
				    (int64_t)rep->gaps[i].last) != 0 ||
			    db_done(im->ioc->db, im->st[Q_GAP], err) != 0)
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
	if (r->imported > 0 && schema_refresh(im->ioc->db, im->import_id, err) != 0)
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
	im.budget = stick_budget();
	atomic_init(&im.over, false);
	if (stickdir_open(ioc, stick, &im.sd, err) != 0)
		return -1;
	snprintf(rep->stick, sizeof(rep->stick), "%s", im.sd.id_hex);
	for (size_t i = 0; i < NSQL; i++)
		if ((im.st[i] = db_prepare(ioc->db, sql[i], err)) == NULL)
			goto out;
	/* Each record's savepoint journal stays in memory: on disk it cost
	 * about 28 writes a record, and it never outlives the transaction. */
	if (db_exec(ioc->db, "PRAGMA temp_store = MEMORY", err) != 0 ||
	    (im.merge = merge_new(ioc->db, err)) == NULL || load_stick(&im, err) != 0 ||
	    begin(&im, err) != 0)
		goto out;
	in_tx = true;
	if (im.known && precheck_seen_load(ioc->db, im.sd.id_hex, &im.seen, err) != 0)
		goto out;
	if (import_dir(&im, STICK_RESULTS, err) != 0 || import_dir(&im, STICK_SAMPLES, err) != 0 ||
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
	precheck_seen_free(&im.seen);
	merge_free(im.merge);
	for (size_t i = 0; i < NSQL; i++)
		sqlite3_finalize(im.st[i]);
	if (im.rejfd >= 0)
		close(im.rejfd);
	stickdir_close(&im.sd);
	return rc;
}
