/* manifest: the stick's signed database set (see manifest.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "db.h"
#include "ioc.h"
#include "manifest.h"
#include "sticklayout.h"

#define MANIFEST_MAX_FILES 4096
#define COPY_BUF           (1024 * 1024)

/* ---- SQL ---- */
/* The IOC-wide counter of signed database sets: every set gets a new
 * version, so a stick's versions only grow whatever the databases are. */
static const char sql_next_version[] =
    "INSERT INTO meta(key, value) VALUES ('manifest_version', '1')"
    " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    " RETURNING CAST(value AS INTEGER)";
/* Results numbered above after_seq were made with this set or a later one
 * (docs/ioc-database.md, "Flags"). */
static const char sql_given[] =
    "INSERT INTO stick_manifests(stick, version, given, after_seq) VALUES (?1, ?2, ?3,"
    " (SELECT coalesce(max(seq), 0) FROM records WHERE stick = ?1 AND type = 'result'))";
/* ---- end of SQL ---- */

/* What libclamav loads from a database directory. */
static const char *const db_ext[] = {
    "cvd", "cld", "cud",  "hdb",  "hdu", "hsb", "hsu",  "mdb",  "mdu", "msb", "msu", "ndb",
    "ndu", "ldb", "ldu",  "idb",  "cdb", "crb", "cbc",  "pdb",  "gdb", "wdb", "ftm", "fp",
    "sfp", "ign", "ign2", "info", "cfg", "yar", "yara", "pwdb", "imp", "cat", "crt", NULL,
};

static int is_db_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || name[0] == '.')
		return 0;
	for (int i = 0; db_ext[i]; i++)
		if (strcmp(dot + 1, db_ext[i]) == 0)
			return 1;
	return 0;
}

static int plain_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* Empties and removes rqfd/name (one level: db/ holds only files). */
static int remove_dir(int rqfd, const char *name, rq_error *err)
{
	int fd = openat(rqfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0
				       : rq_fail_errno(err, errno, "cannot open RAQUET/%s", name);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return rq_fail_errno(err, errno, "cannot list RAQUET/%s", name);
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0) {
			int en = errno;
			closedir(d);
			return rq_fail_errno(err, en, "cannot remove RAQUET/%s/%s", name,
					     e->d_name);
		}
	closedir(d);
	if (unlinkat(rqfd, name, AT_REMOVEDIR) != 0)
		return rq_fail_errno(err, errno, "cannot remove RAQUET/%s", name);
	return 0;
}

/* Copies src/name to dst/name, fsynced, hashing what it copies. */
static int copy_file(int src, int dst, const char *name, unsigned char *buf, char hex[65],
		     unsigned long long *size, rq_error *err)
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES];
	int in, out, rc = -1;
	struct stat st;

	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return rq_fail_errno(err, errno, "cannot open database %s", name);
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(in);
		return rq_fail(err, "database %s is not a regular file", name);
	}
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return rq_fail_errno(err, errno, "cannot create RAQUET/db.new/%s", name);
	}
	crypto_hash_sha256_init(&h);
	*size = 0;
	for (;;) {
		ssize_t n = read(in, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rq_fail_errno(err, errno, "cannot read database %s", name);
			goto out;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		if (write_all(out, buf, (size_t)n) != 0) {
			rq_fail_errno(err, errno, "cannot write RAQUET/db.new/%s", name);
			goto out;
		}
		*size += (unsigned long long)n;
	}
	if (fsync(out) != 0 && errno != EINVAL) {
		rq_fail_errno(err, errno, "cannot write RAQUET/db.new/%s", name);
		goto out;
	}
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(hex, 65, md, sizeof(md));
	rc = 0;
out:
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = rq_fail_errno(err, errno, "cannot write RAQUET/db.new/%s", name);
	return rc;
}

static int list_sources(const char *srcdir, int src, struct dirent ***names, rq_error *err)
{
	int n = scandirat(src, ".", names, NULL, alphasort);

	if (n < 0)
		return rq_fail_errno(err, errno, "cannot list %s", srcdir);
	return n;
}

/* Copies the databases and appends their lines to text. */
static int copy_all(const char *srcdir, int src, int dst, const char *head, char **text,
		    size_t *len, int *nfiles, rq_error *err)
{
	struct dirent **names;
	unsigned char *buf = malloc(COPY_BUF);
	size_t cap = 4096;
	int n, rc = 0;

	*text = malloc(cap);
	if (buf == NULL || *text == NULL) {
		free(buf);
		return rq_fail(err, "out of memory");
	}
	*len = (size_t)snprintf(*text, cap, "%s", head);
	*nfiles = 0;
	if ((n = list_sources(srcdir, src, &names, err)) < 0) {
		free(buf);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		unsigned long long size = 0;
		char hex[65], line[300];
		int l;

		if (rc != 0 || !is_db_name(name))
			continue;
		if (!plain_name(name) || *nfiles == MANIFEST_MAX_FILES) {
			rc = rq_fail(err,
				     "%s/%s: a database name must be plain (letters, digits, "
				     ". - _), at most %d files",
				     srcdir, name, MANIFEST_MAX_FILES);
			continue;
		}
		if (copy_file(src, dst, name, buf, hex, &size, err) != 0) {
			rc = -1;
			continue;
		}
		l = snprintf(line, sizeof(line), "%s %llu %s\n", hex, size, name);
		if (*len + (size_t)l + 1 > cap) {
			char *t = realloc(*text, cap *= 2);
			if (t == NULL) {
				rc = rq_fail(err, "out of memory");
				continue;
			}
			*text = t;
		}
		memcpy(*text + *len, line, (size_t)l + 1);
		*len += (size_t)l;
		(*nfiles)++;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(buf);
	if (rc == 0 && *nfiles == 0)
		rc = rq_fail(err, "no ClamAV database files (.cvd, .cld, .hdb, .ndb, ...) in %s",
			     srcdir);
	return rc;
}

/* A new version from the IOC's counter, recorded as given to stick now;
 * head gets the MANIFEST's first three lines. Runs in the caller's
 * transaction, so a failed provision or update gives no version away. */
static int next_version(struct ioc *ioc, const char *stick, char *head, size_t headlen,
			rq_error *err)
{
	sqlite3_stmt *st = db_prepare(ioc->db, sql_next_version, err);
	long long version = 0;
	char now[32];
	int rc;

	if (st == NULL)
		return -1;
	rc = db_row(ioc->db, st, err);
	if (rc == 1)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (rc == 0 || version < 1)
		return rq_fail(err, "database: no manifest version returned");
	ioc_now(now);
	if ((st = db_prepare(ioc->db, sql_given, err)) == NULL)
		return -1;
	rc = db_bind(ioc->db, st, err, "tit", stick, (int64_t)version, now);
	if (rc == 0)
		rc = db_done(ioc->db, st, err);
	sqlite3_finalize(st);
	snprintf(head, headlen, "%s\nversion %lld\ndate %s\n", MANIFEST_FORMAT, version, now);
	return rc;
}

int manifest_install(int rqfd, const char *srcdir, struct ioc *ioc, const char *stick,
		     char sha_out[65], int *nfiles, rq_error *err)
{
	unsigned char md[crypto_hash_sha256_BYTES];
	char *text = NULL, head[128];
	size_t len = 0;
	int src, dst = -1, rc = -1;

	if (next_version(ioc, stick, head, sizeof(head), err) != 0)
		return -1;
	src = open(srcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return rq_fail_errno(err, errno, "cannot open the database directory %s", srcdir);
	/* Leftovers of an interrupted update. */
	if (remove_dir(rqfd, STICK_DB_NEW, err) != 0 || remove_dir(rqfd, STICK_DB_OLD, err) != 0 ||
	    ioc_mkdirat(rqfd, STICK_DB_NEW, 0755, err) != 0)
		goto out;
	dst = openat(rqfd, STICK_DB_NEW, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0) {
		rq_fail_errno(err, errno, "cannot open RAQUET/db.new");
		goto out;
	}
	if (copy_all(srcdir, src, dst, head, &text, &len, nfiles, err) != 0 ||
	    keys_signed_file_write(dst, STICK_MANIFEST, text, len, ioc->sk, err) != 0 ||
	    fsync_dir(dst) != 0)
		goto out;
	crypto_hash_sha256(md, (const unsigned char *)text, len);
	sodium_bin2hex(sha_out, 65, md, sizeof(md));
	if (renameat(rqfd, STICK_DB, rqfd, STICK_DB_OLD) != 0 && errno != ENOENT) {
		rq_fail_errno(err, errno, "cannot move RAQUET/db aside");
		goto out;
	}
	if (renameat(rqfd, STICK_DB_NEW, rqfd, STICK_DB) != 0) {
		rq_fail_errno(err, errno, "cannot put RAQUET/db in place");
		goto out;
	}
	fsync_dir(rqfd);
	rc = remove_dir(rqfd, STICK_DB_OLD, err);
out:
	free(text);
	if (dst >= 0)
		close(dst);
	close(src);
	return rc;
}
