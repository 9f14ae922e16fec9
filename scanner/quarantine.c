/* quarantine: moving a detected file out of the scanned tree into a local
 * quarantine directory, and putting it back byte for byte with its metadata
 * when it was a false positive. The on-disk layout and the guarantees are
 * written down in docs/quarantine.md.
 *
 * The content is encrypted with a key that lives next to it (qdir/.key).
 * That is defanging at rest, not confidentiality: an encrypted file cannot be
 * run by accident and does not trip another scanner (Windows Defender on the
 * office PC the stick is plugged into, say) while it waits for a restore.
 * The confidential copy of a sample for the IOC is a sealed record made
 * elsewhere (samples/, DESIGN section 4).
 *
 * This file: entry names, the directory and its key, and storing. Listing,
 * restoring and the metadata document are quarantine_list.c,
 * quarantine_restore.c and quarantine_meta.c (shared: quarantine_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicio.h"
#include "escape.h"
#include "le.h"
#include "quarantine_int.h"
#include "walk.h"

#define Q_KEY_NAME ".key"
#define Q_KEY_LEN  crypto_secretstream_xchacha20poly1305_KEYBYTES

/* --- entries and the directory ------------------------------------------ */

bool qentry_is_id(const char *s)
{
	size_t i;

	for (i = 0; i < QUARANTINE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

/* Names <id><suffix> in the quarantine directory. */
void qentry_name(char out[Q_ENTRY_NAME_LEN], const char *id, const char *suffix)
{
	snprintf(out, Q_ENTRY_NAME_LEN, "%s%s", id, suffix);
}

/* Removes <id><suffix> from the quarantine directory (unlinkat's result). */
int qentry_unlink(int qfd, const char *id, const char *suffix)
{
	char n[Q_ENTRY_NAME_LEN];

	qentry_name(n, id, suffix);
	return unlinkat(qfd, n, 0);
}

/* Says why the quarantine directory refused a write, in the words a
 * technician needs: full, read-only, or the system's own reason. */
static int qdir_fail(rq_error *err, const char *qdir, int e, const char *what)
{
	if (e == ENOSPC || e == EDQUOT)
		return rq_fail(err, "quarantine directory %s is full: %s; file left in place", qdir,
			       strerror(e));
	if (e == EROFS)
		return rq_fail(err, "quarantine directory %s is read-only: %s; file left in place",
			       qdir, strerror(e));
	if (e == EACCES || e == EPERM)
		return rq_fail(err,
			       "quarantine directory %s is not writable (read-only): %s; "
			       "file left in place",
			       qdir, strerror(e));
	return rq_fail(err, "cannot %s in quarantine directory %s: %s; file left in place", what,
		       qdir, strerror(e));
}

/* Opens the quarantine directory, not following a symlink in its last
 * component; creates it 0700 first when asked. */
int qdir_open(const char *qdir, bool create, rq_error *err)
{
	int fd;

	if (create && mkdir(qdir, 0700) != 0 && errno != EEXIST)
		return qdir_fail(err, qdir, errno, "create the directory");
	fd = open(qdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return rq_fail(err, "no quarantine directory at %s", qdir);
		return rq_fail_errno(err, errno, "cannot open quarantine directory %s", qdir);
	}
	return fd;
}

/* Publishes tmp as base in pfd without ever replacing an existing file:
 * a hard link where the file system has them, else rename with
 * RENAME_NOREPLACE, else (some FUSE drivers) check then rename. */
int qdir_publish_noreplace(int pfd, const char *tmp, const char *base)
{
	struct stat st;

	if (linkat(pfd, tmp, pfd, base, 0) == 0)
		return unlinkat(pfd, tmp, 0);
	if (errno == EEXIST)
		return -1;
	if (renameat2(pfd, tmp, pfd, base, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (errno != ENOENT)
		return -1;
	return renameat(pfd, tmp, pfd, base);
}

/* --- the key ----------------------------------------------------------- */

/* Reads qdir/.key into key (sodium memory). Returns 0, -1 on error, or 1
 * when there is no key yet. */
static int key_read(int qfd, const char *qdir, unsigned char *key, rq_error *err)
{
	struct stat st;
	/* Never opens a FIFO or device planted as .key (the stick may be any
	 * file system when given as a folder). */
	int fd = walk_open_regular(qfd, Q_KEY_NAME, false, &st);

	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1)
		return rq_fail_errno(err, errno, "cannot open quarantine key %s/%s", qdir,
				     Q_KEY_NAME);
	if (fd == WALK_NOT_REGULAR || st.st_size != Q_KEY_LEN ||
	    read_full(fd, key, Q_KEY_LEN) != Q_KEY_LEN) {
		if (fd >= 0)
			close(fd);
		return rq_fail(err, "quarantine key %s/%s is damaged (not %d bytes)", qdir,
			       Q_KEY_NAME, (int)Q_KEY_LEN);
	}
	close(fd);
	return 0;
}

/* Serialises key creation between the scanner's worker threads; processes
 * are kept apart by the exclusive publish below. */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

/* Writes a fresh key under a unique temporary name and publishes it as
 * .key unless one exists by then. Returns 0 or an errno value. */
static int key_create(int qfd)
{
	unsigned char rnd[8], fresh[Q_KEY_LEN];
	char tmp[40];
	int fd, e = 0;

	randombytes_buf(rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), ".key.tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	fd = openat(qfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	randombytes_buf(fresh, sizeof(fresh));
	if (write_all(fd, fresh, sizeof(fresh)) != 0 || fsync(fd) != 0)
		e = errno;
	sodium_memzero(fresh, sizeof(fresh));
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && qdir_publish_noreplace(qfd, tmp, Q_KEY_NAME) != 0 && errno != EEXIST)
		e = errno;
	unlinkat(qfd, tmp, 0); /* still there unless the rename published it */
	if (e == 0 && fsync_dir(qfd) != 0)
		e = errno;
	return e;
}

/* Loads the directory's key, creating it (32 random bytes, 0600, never
 * replacing an existing one) on first use when create is set. The key used
 * is always the one read back from disk, so two creators racing end up
 * with the same key. */
int qkey_load(int qfd, const char *qdir, bool create, unsigned char *key, rq_error *err)
{
	int r = key_read(qfd, qdir, key, err), e;

	if (r <= 0)
		return r;
	if (!create)
		return rq_fail(err, "quarantine key %s/%s is missing", qdir, Q_KEY_NAME);
	pthread_mutex_lock(&key_lock);
	r = key_read(qfd, qdir, key, err);
	e = r == 1 ? key_create(qfd) : 0;
	if (r == 1 && e == 0)
		r = key_read(qfd, qdir, key, err);
	pthread_mutex_unlock(&key_lock);
	if (e != 0)
		return qdir_fail(err, qdir, e, "create the key");
	if (r == 1)
		return rq_fail(err, "quarantine key %s/%s vanished after it was made", qdir,
			       Q_KEY_NAME);
	return r;
}

unsigned char *qkey_alloc(rq_error *err)
{
	unsigned char *key = sodium_malloc(Q_KEY_LEN);

	if (key == NULL)
		rq_fail(err, "out of memory for the quarantine key");
	return key;
}

/* --- storing ----------------------------------------------------------- */

static int write_le32(int fd, uint32_t v)
{
	unsigned char b[4];

	store_le32(b, v);

	return write_all(fd, b, sizeof(b));
}

/* Streams the content of in (from offset 0) into out as
 *   magic | secretstream header | { le32 length | chunk }...
 * with every chunk authenticated against the entry id, and a final empty
 * chunk tagged FINAL so a truncated file is detected. The sha256 and the
 * byte count of the plaintext come back in sha and *total. */
static int encrypt_stream(int in, int out, const unsigned char *key, const char *id,
			  const char *qdir, unsigned char sha[32], unsigned long long *total,
			  rq_error *err)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state hs;
	unsigned char hdr[Q_HDR_LEN];
	unsigned char *pbuf = malloc(Q_CHUNK), *cbuf = malloc(Q_CHUNK + Q_ABYTES);
	unsigned long long clen;
	off_t off = 0;
	int rc = -1;

	if (pbuf == NULL || cbuf == NULL) {
		rq_fail(err, "out of memory; file left in place");
		goto out;
	}
	crypto_hash_sha256_init(&hs);
	crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, key);
	if (write_all(out, Q_MAGIC, Q_MAGIC_LEN) != 0 || write_all(out, hdr, sizeof(hdr)) != 0) {
		qdir_fail(err, qdir, errno, "write data");
		goto out;
	}
	for (;;) {
		ssize_t n = pread_full(in, pbuf, Q_CHUNK, off);
		if (n < 0) {
			rq_fail_errno(err, errno, "cannot read the file to quarantine");
			goto out;
		}
		crypto_secretstream_xchacha20poly1305_push(
		    &st, cbuf, &clen, pbuf, (unsigned long long)n, (const unsigned char *)id,
		    QUARANTINE_ID_LEN,
		    n == 0 ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		if (write_le32(out, (uint32_t)clen) != 0 || write_all(out, cbuf, clen) != 0) {
			qdir_fail(err, qdir, errno, "write data");
			goto out;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&hs, pbuf, (unsigned long long)n);
		off += n;
	}
	crypto_hash_sha256_final(&hs, sha);
	*total = (unsigned long long)off;
	rc = 0;
out:
	sodium_memzero(&st, sizeof(st));
	free(pbuf);
	free(cbuf);
	return rc;
}

static void iso_time(char out[40], const struct timespec *ts)
{
	struct tm tm;
	size_t n;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    (n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm)) != 19) {
		strcpy(out, "0000-00-00T00:00:00.000000000Z"); /* year beyond 9999 */
		return;
	}
	snprintf(out + n, 40 - n, ".%09dZ", (int)(ts->tv_nsec % 1000000000));
}

/* Makes path absolute (relative paths are taken against the current
 * directory, as the scanner saw them) and checks it names name. */
static char *store_path(const char *path, const char *name, const char *disp, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *cwd, *abs;

	if (strchr(name, '/') != NULL || strcmp(base, name) != 0 || *name == '\0')
		return rq_fail(err, "%s does not end in the file name being quarantined", disp),
		       NULL;
	if (path[0] == '/')
		abs = strdup(path);
	else if ((cwd = getcwd(NULL, 0)) == NULL)
		return rq_fail_errno(err, errno, "cannot make %s absolute", disp), NULL;
	else {
		abs = malloc(strlen(cwd) + strlen(path) + 2);
		if (abs != NULL)
			sprintf(abs, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
		free(cwd);
	}
	if (abs == NULL)
		return rq_fail(err, "out of memory; file left in place"), NULL;
	if (strlen(abs) > Q_PATH_MAX) {
		free(abs);
		return rq_fail(err, "path too long to record (over %d bytes); file left in place",
			       Q_PATH_MAX),
		       NULL;
	}
	return abs;
}

/* Whether dirfd/name is still the file that was scanned (st). */
static bool still_same_file(int dirfd, const char *name, const struct stat *st)
{
	struct stat now;

	return fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st->st_dev &&
	       now.st_ino == st->st_ino;
}

static bool same_content_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Removes what a failed store left in the quarantine directory. */
static void store_cleanup(int qfd, const char *id)
{
	qentry_unlink(qfd, id, ".meta");
	qentry_unlink(qfd, id, ".data");
	fsync_dir(qfd);
}

/* Writes <id>.data and <id>.meta, both synced. Leaves nothing behind on
 * failure. */
static int store_entry(int qfd, const char *qdir, int fd, const struct stat *st,
		       const unsigned char *key, const char *id, const char *path, const char *disp,
		       const char *signature, char sha_hex[65], rq_error *err)
{
	char dname[Q_ENTRY_NAME_LEN], mname[Q_ENTRY_NAME_LEN], when[40];
	unsigned char sha[32];
	unsigned long long total = 0;
	struct timespec now;
	struct stat after;
	rq_error werr;
	char *meta;
	int dfd, e;

	qentry_name(dname, id, ".data");
	qentry_name(mname, id, ".meta");
	dfd = openat(qfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return qdir_fail(err, qdir, errno, "create data file");
	if (encrypt_stream(fd, dfd, key, id, qdir, sha, &total, err) != 0)
		goto fail;
	if (fsync(dfd) != 0) {
		qdir_fail(err, qdir, errno, "sync data");
		goto fail;
	}
	e = close(dfd);
	dfd = -1;
	if (e != 0) {
		qdir_fail(err, qdir, errno, "write data");
		goto fail;
	}
	/* A file still being written (by the malware, say) must not be
	 * quarantined half-copied and then deleted. */
	if (fstat(fd, &after) != 0 || !same_content_state(st, &after) ||
	    total != (unsigned long long)st->st_size) {
		rq_fail(err, "%s changed while it was being quarantined; file left in place", disp);
		goto fail;
	}
	sodium_bin2hex(sha_hex, 65, sha, sizeof(sha));
	clock_gettime(CLOCK_REALTIME, &now);
	iso_time(when, &now);
	meta = qmeta_build(key, id, path, signature, st, sha_hex, when);
	if (meta == NULL) {
		rq_fail(err, "out of memory writing quarantine metadata; file left in place");
		goto fail;
	}
	e = atomic_write(qfd, mname, meta, strlen(meta), 0600, true, &werr);
	free(meta);
	if (e != 0) {
		e = errno; /* atomic_write fails right after the failing call */
		if (e == ENOSPC || e == EDQUOT || e == EROFS || e == EACCES || e == EPERM)
			qdir_fail(err, qdir, e, "write metadata");
		else
			rq_fail(err,
				"cannot write metadata in quarantine directory %s: %s; "
				"file left in place",
				qdir, werr.msg);
		goto fail;
	}
	if (fsync_dir(qfd) != 0) {
		qdir_fail(err, qdir, errno, "sync the directory");
		goto fail;
	}
	return 0;
fail:
	if (dfd >= 0)
		close(dfd);
	store_cleanup(qfd, id);
	return -1;
}

int quarantine_store(const char *qdir, int fd, int dirfd, const char *name, const char *path,
		     const char *signature, char id[QUARANTINE_ID_LEN + 1], char sha256_hex[65],
		     rq_error *err)
{
	unsigned char rnd[QUARANTINE_ID_LEN / 2], *key = NULL;
	struct stat st;
	char *abs = NULL, *disp = NULL;
	int qfd = -1, rc = -1;

	id[0] = '\0';
	sha256_hex[0] = '\0';
	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium; file left in place");
	/* path comes from an infected disk: escaped in every message. */
	if ((disp = escape_name(path)) == NULL)
		return rq_fail(err, "out of memory; file left in place");
	if (fstat(fd, &st) != 0) {
		rq_fail_errno(err, errno, "cannot stat %s; file left in place", disp);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rq_fail(err, "%s is not a regular file; file left in place", disp);
		goto out;
	}
	if ((abs = store_path(path, name, disp, err)) == NULL)
		goto out;
	/* Cheap early check; the one that counts is made again just before the
	 * unlink. */
	if (!still_same_file(dirfd, name, &st)) {
		rq_fail(err, "%s was replaced since it was scanned; file left in place", disp);
		goto out;
	}
	if ((qfd = qdir_open(qdir, true, err)) < 0 || (key = qkey_alloc(err)) == NULL ||
	    qkey_load(qfd, qdir, true, key, err) != 0)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, QUARANTINE_ID_LEN + 1, rnd, sizeof(rnd));
	if (store_entry(qfd, qdir, fd, &st, key, id, abs, disp, signature, sha256_hex, err) != 0)
		goto out;
	/* Between this check and the unlink a foreign process could still swap
	 * the name; no system call closes that window. */
	if (!still_same_file(dirfd, name, &st)) {
		rq_fail(err, "%s was replaced since it was scanned; file left in place", disp);
		store_cleanup(qfd, id);
		goto out;
	}
	if (unlinkat(dirfd, name, 0) != 0) {
		rq_fail_errno(err, errno, "cannot remove %s; file left in place", disp);
		store_cleanup(qfd, id);
		goto out;
	}
	fsync_dir(dirfd); /* best effort: the copy is already safe */
	rc = 0;
out:
	if (rc != 0) {
		id[0] = '\0';
		sha256_hex[0] = '\0';
	}
	if (qfd >= 0)
		close(qfd);
	sodium_free(key);
	free(abs);
	free(disp);
	return rc;
}
