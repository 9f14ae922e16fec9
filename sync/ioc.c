/* ioc: the IOC directory, its keys, database and lock (see ioc.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "db.h"
#include "ioc.h"
#include "schema.h"

#define BUSY_TIMEOUT_MS 30000

const char *ioc_dir_default(const char *given)
{
	const char *env = getenv("RAQUET_IOC");

	if (given && *given)
		return given;
	if (env && *env)
		return env;
	return IOC_DEFAULT_DIR;
}

void ioc_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	int off;

	localtime_r(&tt, &tm);
	off = (int)(tm.tm_gmtoff / 60);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 13, "%c%02u:%02u", off < 0 ? '-' : '+', (unsigned)abs(off) / 60 % 100,
		 (unsigned)abs(off) % 60);
}

void ioc_now(char out[32])
{
	ioc_time((long long)time(NULL), out);
}

int ioc_mkdirat(int dirfd, const char *name, mode_t mode, rq_error *err)
{
	struct stat st;

	if (mkdirat(dirfd, name, mode) != 0 && errno != EEXIST)
		return rq_fail_errno(err, errno, "cannot create %s", name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
		return rq_fail(err, "%s is not a directory", name);
	return 0;
}

static int open_db(const char *dir, bool create, sqlite3 **db, rq_error *err)
{
	char path[4096];
	int flags =
	    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOFOLLOW;

	*db = NULL;
	if (snprintf(path, sizeof(path), "%s/ioc.db", dir) >= (int)sizeof(path))
		return rq_fail(err, "IOC path too long: %s", dir);
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		db_fail(*db, err, path);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(*db, 0);
	if (sqlite3_busy_timeout(*db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    db_exec(*db,
		    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		    "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
		    err) != 0 ||
	    schema_migrate(*db, err) != 0) {
		if (sqlite3_errcode(*db) == SQLITE_NOTADB)
			rq_fail(err, "%s is not an SQLite database", path);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

static int write_meta(sqlite3 *db, const char *key, const char *value, rq_error *err)
{
	sqlite3_stmt *st =
	    db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_bind(db, st, err, "tt", key, value) == 0 ? db_done(db, st, err) : -1;
	sqlite3_finalize(st);
	return rc;
}

static int init_files(int fd, const char *dir, const char *passphrase, char *id_out, rq_error *err)
{
	keys_ioc_secret *sk = NULL;
	keys_ioc_public pk;
	sqlite3 *db = NULL;
	char now[32];
	int rc = -1;

	if (keys_ioc_generate(&sk, &pk, err) != 0)
		return -1;
	keys_id_hex(pk.id, id_out);
	ioc_now(now);
	if (keys_ioc_write_secret(fd, "ioc.key", sk, passphrase, err) != 0)
		goto out;
	if (keys_ioc_write_public(fd, "ioc.pub", &pk, err) != 0 ||
	    atomic_write(fd, "stick-config", IOC_STICK_CONFIG, strlen(IOC_STICK_CONFIG), 0644, true,
			 err) != 0 ||
	    ioc_mkdirat(fd, "samples", 0700, err) != 0 ||
	    ioc_mkdirat(fd, "rejected", 0700, err) != 0 || open_db(dir, true, &db, err) != 0 ||
	    write_meta(db, "ioc_key_id", id_out, err) != 0 ||
	    write_meta(db, "created", now, err) != 0)
		goto out;
	rc = 0;
out:
	if (db && sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = rq_fail(err, "cannot close ioc.db: %s", sqlite3_errmsg(db));
	keys_ioc_free(sk);
	return rc;
}

int ioc_init(const char *dir, const char *passphrase, char id_out[KEYS_ID_HEX_LEN + 1],
	     rq_error *err)
{
	int fd, rc;

	if (rq_crypto_init(err) != 0)
		return -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return rq_fail_errno(err, errno, "cannot create the IOC directory %s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open the IOC directory %s", dir);
	if (faccessat(fd, "ioc.key", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(fd, "ioc.db", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(fd);
		return rq_fail(err,
			       "%s already holds an IOC (ioc.key or ioc.db); refusing to "
			       "overwrite it",
			       dir);
	}
	rc = init_files(fd, dir, passphrase, id_out, err);
	if (rc != 0) {
		/* Leave no half IOC behind: a later init must be possible. */
		unlinkat(fd, "ioc.key", 0);
		unlinkat(fd, "ioc.pub", 0);
		unlinkat(fd, "ioc.db", 0);
		unlinkat(fd, "ioc.db-wal", 0);
		unlinkat(fd, "ioc.db-shm", 0);
		unlinkat(fd, "stick-config", 0);
	}
	close(fd);
	return rc;
}

static int check_key_id(struct ioc *ioc, rq_error *err)
{
	sqlite3_stmt *st =
	    db_prepare(ioc->db, "SELECT value FROM meta WHERE key = 'ioc_key_id'", err);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_row(ioc->db, st, err);
	if (rc == 1 && strcmp(db_text(st, 0), ioc->id_hex) != 0)
		rc = rq_fail(err, "%s/ioc.db belongs to IOC key %s, but ioc.pub is %s", ioc->dir,
			     db_text(st, 0), ioc->id_hex);
	else if (rc == 0)
		rc = rq_fail(err, "%s/ioc.db has no IOC key id", ioc->dir);
	sqlite3_finalize(st);
	return rc == 1 ? 0 : -1;
}

int ioc_open(const char *dir, struct ioc *ioc, rq_error *err)
{
	memset(ioc, 0, sizeof(*ioc));
	ioc->dirfd = ioc->lockfd = -1;
	if (rq_crypto_init(err) != 0)
		return -1;
	if ((ioc->dir = strdup(dir)) == NULL)
		return rq_fail(err, "out of memory");
	ioc->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ioc->dirfd < 0) {
		if (errno == ENOENT)
			rq_fail(err, "%s does not exist; run raquet-sync init", dir);
		else
			rq_fail_errno(err, errno, "cannot open the IOC directory %s", dir);
		goto fail;
	}
	if (faccessat(ioc->dirfd, "ioc.db", F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		rq_fail(err, "%s is not an IOC (no ioc.db); run raquet-sync init", dir);
		goto fail;
	}
	if (keys_ioc_read_public(ioc->dirfd, "ioc.pub", &ioc->pub, err) != 0)
		goto fail;
	keys_id_hex(ioc->pub.id, ioc->id_hex);
	if (open_db(dir, false, &ioc->db, err) != 0 || check_key_id(ioc, err) != 0)
		goto fail;
	return 0;
fail:
	ioc_close(ioc);
	return -1;
}

void ioc_close(struct ioc *ioc)
{
	if (ioc->db)
		sqlite3_close(ioc->db);
	if (ioc->lockfd >= 0)
		close(ioc->lockfd);
	if (ioc->dirfd >= 0)
		close(ioc->dirfd);
	keys_ioc_free(ioc->sk);
	free(ioc->dir);
	memset(ioc, 0, sizeof(*ioc));
	ioc->dirfd = ioc->lockfd = -1;
}

int ioc_lock(struct ioc *ioc, bool wait, bool *busy, rq_error *err)
{
	*busy = false;
	if (ioc->lockfd < 0) {
		ioc->lockfd =
		    openat(ioc->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (ioc->lockfd < 0)
			return rq_fail_errno(err, errno, "cannot open %s/lock", ioc->dir);
	}
	if (flock(ioc->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return rq_fail_errno(err, errno, "cannot lock %s/lock", ioc->dir);
	*busy = true;
	if (!wait)
		return rq_fail(err, "another raquet-sync is working on %s (%s/lock is held)",
			       ioc->dir, ioc->dir);
	while (flock(ioc->lockfd, LOCK_EX) != 0)
		if (errno != EINTR)
			return rq_fail_errno(err, errno, "cannot lock %s/lock", ioc->dir);
	return 0;
}

int ioc_load_secret(struct ioc *ioc, ioc_passphrase_fn ask, rq_error *err)
{
	char *pass = NULL;
	bool prot;
	int rc;

	if (ioc->sk)
		return 0;
	if (keys_secret_is_protected(ioc->dirfd, "ioc.key", &prot, err) != 0)
		return -1;
	if (prot) {
		if ((pass = sodium_malloc(1024)) == NULL)
			return rq_fail(err, "out of memory");
		if (ask(pass, 1024, false, err) != 0) {
			sodium_free(pass);
			return -1;
		}
	}
	rc = keys_ioc_read_secret(ioc->dirfd, "ioc.key", pass, &ioc->sk, err);
	if (pass) {
		sodium_memzero(pass, 1024);
		sodium_free(pass);
	}
	if (rc == 0 && ioc->sk->id != ioc->pub.id)
		return rq_fail(err, "%s/ioc.key does not match ioc.pub", ioc->dir);
	return rc;
}
