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
 * elsewhere (samples/, DESIGN section 4). */
#include <ctype.h>
#include <dirent.h>
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

#include <json.h>
#include <sodium.h>

#include "atomicio.h"
#include "escape.h"
#include "le.h"
#include "quarantine.h"

#define Q_FORMAT    "raquet.quarantine/1"
#define Q_MAGIC     "RQQDATA1" /* version 1 of the .data layout */
#define Q_MAGIC_LEN 8
#define Q_KEY_NAME  ".key"
#define Q_KEY_LEN   crypto_secretstream_xchacha20poly1305_KEYBYTES
#define Q_HDR_LEN   crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define Q_ABYTES    crypto_secretstream_xchacha20poly1305_ABYTES
#define Q_CHUNK     65536 /* plaintext bytes per encrypted chunk */
#define Q_META_MAX  (256 * 1024)
#define Q_PATH_MAX  32768 /* deep trees exceed PATH_MAX; bound what we record */

/* An entry's metadata as read back from <id>.meta. */
struct qmeta {
	char id[QUARANTINE_ID_LEN + 1];
	char *path; /* raw bytes of the original path, NUL-terminated */
	char *signature;
	char quarantined[40]; /* ISO 8601 UTC with nanoseconds: sorts as text */
	char sha256[65];
	long long size;
	unsigned mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
};

static bool is_id(const char *s)
{
	size_t i;

	for (i = 0; i < QUARANTINE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

/* Names <id><suffix> in the quarantine directory. */
static void entry_name(char out[QUARANTINE_ID_LEN + 6], const char *id, const char *suffix)
{
	snprintf(out, QUARANTINE_ID_LEN + 6, "%s%s", id, suffix);
}

/* Removes <id><suffix> from the quarantine directory (unlinkat's result). */
static int entry_unlink(int qfd, const char *id, const char *suffix)
{
	char n[QUARANTINE_ID_LEN + 6];

	entry_name(n, id, suffix);
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
static int qdir_open(const char *qdir, bool create, rq_error *err)
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
static int publish_noreplace(int pfd, const char *tmp, const char *base)
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

/* Reads qdir/.key into key (sodium memory). Returns 0, -1 on error, or 1
 * when there is no key yet. */
static int key_read(int qfd, const char *qdir, unsigned char *key, rq_error *err)
{
	struct stat st;
	int fd = openat(qfd, Q_KEY_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open quarantine key %s/%s", qdir,
				     Q_KEY_NAME);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != Q_KEY_LEN ||
	    read_full(fd, key, Q_KEY_LEN) != Q_KEY_LEN) {
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
	if (e == 0 && publish_noreplace(qfd, tmp, Q_KEY_NAME) != 0 && errno != EEXIST)
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
static int key_load(int qfd, const char *qdir, bool create, unsigned char *key, rq_error *err)
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

static unsigned char *key_alloc(rq_error *err)
{
	unsigned char *key = sodium_malloc(Q_KEY_LEN);

	if (key == NULL)
		rq_fail(err, "out of memory for the quarantine key");
	return key;
}

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

/* json-c helpers that remember the first failure, so building the metadata
 * object checks every allocation without a wall of ifs. */
static void jadd(json_object *o, const char *k, json_object *v, bool *bad)
{
	if (v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		*bad = true;
	}
}

static json_object *jtime(const struct timespec *ts)
{
	json_object *o = json_object_new_object();
	bool bad = false;

	if (o == NULL)
		return NULL;
	jadd(o, "sec", json_object_new_int64(ts->tv_sec), &bad);
	jadd(o, "nsec", json_object_new_int64(ts->tv_nsec), &bad);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Builds <id>.meta's JSON text (malloc'd). path is the raw original path:
 * kept base64-encoded so any byte survives, and escaped for display. */
static char *meta_build(const char *id, const char *path, const char *signature,
			const struct stat *st, const char *sha_hex, const char *when)
{
	size_t plen = strlen(path);
	size_t b64len = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len), *disp = escape_name(path), *sig = escape_name(signature);
	json_object *o = json_object_new_object();
	const char *text;
	char *res = NULL;
	bool bad = false;

	if (b64 == NULL || disp == NULL || sig == NULL || o == NULL)
		goto out;
	sodium_bin2base64(b64, b64len, (const unsigned char *)path, plen,
			  sodium_base64_VARIANT_ORIGINAL);
	jadd(o, "format", json_object_new_string(Q_FORMAT), &bad);
	jadd(o, "id", json_object_new_string(id), &bad);
	jadd(o, "path_base64", json_object_new_string(b64), &bad);
	jadd(o, "path", json_object_new_string(disp), &bad);
	jadd(o, "mode", json_object_new_int64(st->st_mode & 07777), &bad);
	jadd(o, "uid", json_object_new_int64(st->st_uid), &bad);
	jadd(o, "gid", json_object_new_int64(st->st_gid), &bad);
	jadd(o, "atime", jtime(&st->st_atim), &bad);
	jadd(o, "mtime", jtime(&st->st_mtim), &bad);
	jadd(o, "size", json_object_new_int64(st->st_size), &bad);
	jadd(o, "sha256", json_object_new_string(sha_hex), &bad);
	jadd(o, "signature", json_object_new_string(sig), &bad);
	jadd(o, "quarantined", json_object_new_string(when), &bad);
	jadd(o, "cipher", json_object_new_string("xchacha20poly1305-secretstream"), &bad);
	if (bad)
		goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL && (res = malloc(strlen(text) + 2)) != NULL)
		sprintf(res, "%s\n", text);
out:
	json_object_put(o);
	free(b64);
	free(disp);
	free(sig);
	return res;
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
	entry_unlink(qfd, id, ".meta");
	entry_unlink(qfd, id, ".data");
	fsync_dir(qfd);
}

/* Writes <id>.data and <id>.meta, both synced. Leaves nothing behind on
 * failure. */
static int store_entry(int qfd, const char *qdir, int fd, const struct stat *st,
		       const unsigned char *key, const char *id, const char *path, const char *disp,
		       const char *signature, char sha_hex[65], rq_error *err)
{
	char dname[QUARANTINE_ID_LEN + 6], mname[QUARANTINE_ID_LEN + 6], when[40];
	unsigned char sha[32];
	unsigned long long total = 0;
	struct timespec now;
	struct stat after;
	rq_error werr;
	char *meta;
	int dfd, e;

	entry_name(dname, id, ".data");
	entry_name(mname, id, ".meta");
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
	meta = meta_build(id, path, signature, st, sha_hex, when);
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
	if ((qfd = qdir_open(qdir, true, err)) < 0 || (key = key_alloc(err)) == NULL ||
	    key_load(qfd, qdir, true, key, err) != 0)
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

/* --- reading metadata --------------------------------------------------- */

static void meta_free(struct qmeta *m)
{
	free(m->path);
	free(m->signature);
	m->path = m->signature = NULL;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(json_object *o, const char *k, long long lo, long long hi, long long *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return errno == 0 && *out >= lo && *out <= hi;
}

static bool jtime_get(json_object *o, const char *k, struct timespec *ts)
{
	json_object *t;
	long long s, ns;

	if (!json_object_object_get_ex(o, k, &t) || !json_object_is_type(t, json_type_object) ||
	    !jint(t, "sec", INT64_MIN / 2, INT64_MAX / 2, &s) ||
	    !jint(t, "nsec", 0, 999999999, &ns))
		return false;
	ts->tv_sec = (time_t)s;
	ts->tv_nsec = (long)ns;
	return true;
}

static bool is_sha_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[64] == '\0';
}

/* Parses and checks <id>.meta; a field that is missing, of the wrong type
 * or out of range makes the whole entry corrupt. */
static int meta_parse(const char *text, const char *id, struct qmeta *m, rq_error *err)
{
	enum json_tokener_error jerr;
	json_object *o = json_tokener_parse_verbose(text, &jerr);
	const char *s, *b64;
	long long v, g;
	size_t plen;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (o == NULL)
		return rq_fail(err, "not JSON (%s)", json_tokener_error_desc(jerr));
	if (!json_object_is_type(o, json_type_object) || (s = jstr(o, "format")) == NULL ||
	    strcmp(s, Q_FORMAT) != 0) {
		rq_fail(err, "not a %s document", Q_FORMAT);
		goto out;
	}
	if ((s = jstr(o, "id")) == NULL || strcmp(s, id) != 0) {
		rq_fail(err, "id does not match the file name");
		goto out;
	}
	strcpy(m->id, id);
	b64 = jstr(o, "path_base64");
	if (b64 == NULL || (m->path = malloc(strlen(b64) + 1)) == NULL ||
	    sodium_base642bin((unsigned char *)m->path, strlen(b64), b64, strlen(b64), NULL, &plen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    plen == 0 || plen > Q_PATH_MAX || memchr(m->path, '\0', plen) != NULL ||
	    m->path[0] != '/') {
		rq_fail(err, "bad or missing path_base64");
		goto out;
	}
	m->path[plen] = '\0';
	if ((s = jstr(o, "signature")) == NULL || (m->signature = strdup(s)) == NULL) {
		rq_fail(err, "bad or missing signature");
		goto out;
	}
	if ((s = jstr(o, "quarantined")) == NULL || strlen(s) != 30) {
		rq_fail(err, "bad or missing quarantined time");
		goto out;
	}
	strcpy(m->quarantined, s);
	if ((s = jstr(o, "sha256")) == NULL || strlen(s) != 64 || !is_sha_hex(s)) {
		rq_fail(err, "bad or missing sha256");
		goto out;
	}
	strcpy(m->sha256, s);
	if (!jint(o, "size", 0, INT64_MAX, &m->size) || !jint(o, "mode", 0, 07777, &v)) {
		rq_fail(err, "bad or missing size or mode");
		goto out;
	}
	m->mode = (unsigned)v;
	if (!jint(o, "uid", 0, UINT32_MAX - 1, &v) || !jint(o, "gid", 0, UINT32_MAX - 1, &g)) {
		rq_fail(err, "bad or missing uid or gid");
		goto out;
	}
	m->uid = (uid_t)v;
	m->gid = (gid_t)g;
	if (!jtime_get(o, "atime", &m->atime) || !jtime_get(o, "mtime", &m->mtime)) {
		rq_fail(err, "bad or missing atime or mtime");
		goto out;
	}
	rc = 0;
out:
	json_object_put(o);
	if (rc != 0)
		meta_free(m);
	return rc;
}

/* Reads <id>.meta. Returns 0, -1 on a damaged entry, or 1 when there is no
 * such entry. */
static int meta_load(int qfd, const char *id, struct qmeta *m, rq_error *err)
{
	char name[QUARANTINE_ID_LEN + 6], *text;
	size_t len;
	rq_error perr;
	struct stat st;

	memset(m, 0, sizeof(*m));
	entry_name(name, id, ".meta");
	if (fstatat(qfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return 1;
	if (read_file_bounded(qfd, name, Q_META_MAX, &text, &len, err) != 0)
		return -1;
	if (strlen(text) != len) {
		free(text);
		return rq_fail(err, "NUL byte in metadata");
	}
	if (meta_parse(text, id, m, &perr) != 0) {
		free(text);
		return rq_fail(err, "%s", perr.msg);
	}
	free(text);
	return 0;
}

/* --- listing ------------------------------------------------------------ */

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
static int row_fill(int qfd, const char *id, bool has_meta, struct qrow *r)
{
	char dname[QUARANTINE_ID_LEN + 6];
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
	if (meta_load(qfd, id, &m, &perr) != 0) {
		snprintf(buf, sizeof(buf), "corrupt metadata: %s", perr.msg);
		r->problem = escape_name(buf);
		return r->problem ? 0 : -1;
	}
	entry_name(dname, id, ".data");
	if (fstatat(qfd, dname, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(buf, sizeof(buf), "data file missing (%s)", m.quarantined);
		meta_free(&m);
		r->problem = strdup(buf);
		return r->problem ? 0 : -1;
	}
	strcpy(r->when, m.quarantined);
	r->size = m.size;
	/* Escaped again from the raw values: the stored display form is not
	 * trusted to be safe to print. */
	r->sig = escape_name(m.signature);
	r->path = escape_name(m.path);
	meta_free(&m);
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
static int rows_collect(int qfd, const char *qdir, struct qrow **out, size_t *count, rq_error *err)
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
		char id[QUARANTINE_ID_LEN + 1], mname[QUARANTINE_ID_LEN + 6];
		bool is_meta;

		if (strlen(de->d_name) != QUARANTINE_ID_LEN + 5)
			continue;
		is_meta = strcmp(de->d_name + QUARANTINE_ID_LEN, ".meta") == 0;
		if (!is_meta && strcmp(de->d_name + QUARANTINE_ID_LEN, ".data") != 0)
			continue;
		memcpy(id, de->d_name, QUARANTINE_ID_LEN);
		id[QUARANTINE_ID_LEN] = '\0';
		if (!is_id(id))
			continue;
		entry_name(mname, id, ".meta");
		if (!is_meta && fstatat(qfd, mname, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* listed through its .meta */
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = realloc(rows, cap * sizeof(*rows))) == NULL)
				goto oom;
			rows = nr;
		}
		if (row_fill(qfd, id, is_meta, &rows[n++]) != 0)
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

int quarantine_list(const char *qdir, FILE *out, rq_error *err)
{
	struct qrow *rows = NULL;
	size_t n = 0;
	int qfd;

	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	if ((qfd = qdir_open(qdir, false, err)) < 0)
		return -1;
	if (rows_collect(qfd, qdir, &rows, &n, err) != 0) {
		close(qfd);
		return -1;
	}
	close(qfd);
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		if (rows[i].problem)
			fprintf(out, "%s  %s\n", rows[i].id, rows[i].problem);
		else
			/* ISO 8601 to the second: the stored nanoseconds are
			 * there only so that entries sort in the order they
			 * were made. */
			fprintf(out, "%s  %.19sZ  %lld  %s  %s\n", rows[i].id, rows[i].when,
				rows[i].size, rows[i].sig, rows[i].path);
	}
	rows_free(rows, n);
	if (fflush(out) != 0 || ferror(out))
		return rq_fail_errno(err, errno, "cannot write the quarantine listing");
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* --- restoring ---------------------------------------------------------- */

static int read_le32(int fd, uint32_t *v)
{
	unsigned char b[4];
	ssize_t n = read_full(fd, b, sizeof(b));

	if (n != (ssize_t)sizeof(b))
		return n < 0 ? -1 : 1;
	*v = load_le32(b);
	return 0;
}

/* Decrypts <id>.data (in) into out. Every chunk is authenticated before its
 * plaintext is written, so what reaches out is always genuine content; a
 * truncated, reordered, swapped or altered file fails, and the caller then
 * removes out. The sha256 is checked by the caller. */
static int decrypt_stream(int in, int out, const unsigned char *key, const struct qmeta *m,
			  unsigned char sha[32], unsigned long long *total, rq_error *err)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state hs;
	unsigned char head[Q_MAGIC_LEN + Q_HDR_LEN], tag = 0, extra;
	unsigned char *pbuf = malloc(Q_CHUNK), *cbuf = malloc(Q_CHUNK + Q_ABYTES);
	unsigned long long plen;
	ssize_t n;
	int rc = -1;

	*total = 0;
	if (pbuf == NULL || cbuf == NULL) {
		rq_fail(err, "out of memory");
		goto out;
	}
	crypto_hash_sha256_init(&hs);
	if (read_full(in, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    memcmp(head, Q_MAGIC, Q_MAGIC_LEN) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&st, head + Q_MAGIC_LEN, key) != 0) {
		rq_fail(err, "quarantine entry %s is damaged (bad data header); nothing restored",
			m->id);
		goto out;
	}
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		uint32_t clen;
		int r = read_le32(in, &clen);

		if (r != 0 || clen < Q_ABYTES || clen > Q_CHUNK + Q_ABYTES ||
		    read_full(in, cbuf, clen) != (ssize_t)clen) {
			rq_fail(err,
				"quarantine entry %s is damaged (data truncated); "
				"nothing restored",
				m->id);
			goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, pbuf, &plen, &tag, cbuf, clen,
							       (const unsigned char *)m->id,
							       QUARANTINE_ID_LEN) != 0) {
			rq_fail(err,
				"quarantine entry %s is damaged or was tampered with "
				"(authentication failed); nothing restored",
				m->id);
			goto out;
		}
		crypto_hash_sha256_update(&hs, pbuf, plen);
		*total += plen;
		if (write_all(out, pbuf, plen) != 0) {
			rq_fail_errno(err, errno, "cannot write the restored file");
			goto out;
		}
	}
	if ((n = read_full(in, &extra, 1)) < 0) {
		rq_fail_errno(err, errno, "cannot read quarantine entry %s", m->id);
		goto out;
	}
	if (n != 0) {
		rq_fail(err,
			"quarantine entry %s is damaged (data after the end); nothing restored",
			m->id);
		goto out;
	}
	crypto_hash_sha256_final(&hs, sha);
	rc = 0;
out:
	sodium_memzero(&st, sizeof(st));
	free(pbuf);
	free(cbuf);
	return rc;
}

/* Appends a note for the caller (restore succeeded, but...). */
static void note(rq_error *err, const char *fmt, const char *what, int e)
{
	size_t n;

	if (err == NULL)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, fmt, n ? "; " : "", what, strerror(e));
}

/* Gives the temporary file the entry's owner, mode and times. Owner and mode
 * that the target cannot hold (not root; FAT, which has neither) are not
 * fatal: the content is what matters, and the caller is told. */
static int apply_meta(int tfd, const struct qmeta *m, rq_error *err)
{
	struct timespec ts[2] = {m->atime, m->mtime};

	if (fchown(tfd, m->uid, m->gid) != 0) {
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
			return rq_fail_errno(err, errno, "cannot set the owner");
		note(err, "%s%s not restored: %s", "owner", errno);
	}
	/* After fchown, which clears set-id bits. */
	if (fchmod(tfd, m->mode) != 0) {
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
			return rq_fail_errno(err, errno, "cannot set the mode");
		note(err, "%s%s not restored: %s", "mode", errno);
	}
	/* Last, since writing the content moved the times. */
	if (futimens(tfd, ts) != 0) {
		if (errno != EPERM)
			return rq_fail_errno(err, errno, "cannot set the times");
		note(err, "%s%s not restored: %s", "times", errno);
	}
	return 0;
}

/* Opens the original directory (following no symlink in its last
 * component) and returns the base name inside path. */
static int open_parent(const char *path, const char **base, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int pfd;

	*base = slash + 1;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return rq_fail(err, "original path %s has no file name", path);
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return rq_fail(err, "out of memory");
	pfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0) {
		int e = errno;
		char *disp = escape_name(dir);
		if (e == ENOENT)
			rq_fail(err, "original directory %s no longer exists; not restored",
				disp ? disp : "(?)");
		else
			rq_fail_errno(err, e, "cannot open original directory %s; not restored",
				      disp ? disp : "(?)");
		free(disp);
	}
	free(dir);
	return pfd;
}

/* Writes the decrypted, checked content with its metadata to a temporary
 * name in pfd and publishes it as base. */
static int restore_into(int pfd, const char *base, int qfd, const unsigned char *key,
			const struct qmeta *m, const char *disp, rq_error *err)
{
	char tmp[80], dname[QUARANTINE_ID_LEN + 6], got_hex[65];
	unsigned char rnd[4], sha[32];
	unsigned long long total;
	struct stat st;
	int dfd, tfd, e;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return rq_fail(err, "%s already exists; not overwriting it", disp);
	entry_name(dname, m->id, ".data");
	dfd = openat(qfd, dname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return rq_fail_errno(err, errno, "cannot open the data of quarantine entry %s",
				     m->id);
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), ".raquet-restore-%s-%02x%02x%02x%02x.tmp", m->id, rnd[0], rnd[1],
		 rnd[2], rnd[3]);
	tfd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (tfd < 0) {
		e = errno;
		close(dfd);
		return rq_fail_errno(err, e, "cannot create a file next to %s", disp);
	}
	err->msg[0] = '\0';
	if (decrypt_stream(dfd, tfd, key, m, sha, &total, err) != 0)
		goto fail;
	sodium_bin2hex(got_hex, sizeof(got_hex), sha, sizeof(sha));
	if (total != (unsigned long long)m->size || strcmp(got_hex, m->sha256) != 0) {
		rq_fail(err,
			"quarantine entry %s does not match its recorded sha256 or size; "
			"nothing restored",
			m->id);
		goto fail;
	}
	if (apply_meta(tfd, m, err) != 0)
		goto fail;
	if (fsync(tfd) != 0) {
		rq_fail_errno(err, errno, "cannot sync the restored file");
		goto fail;
	}
	e = close(tfd);
	tfd = -1;
	if (e != 0) {
		rq_fail_errno(err, errno, "cannot write the restored file");
		goto fail;
	}
	if (publish_noreplace(pfd, tmp, base) != 0) {
		if (errno == EEXIST)
			rq_fail(err, "%s already exists; not overwriting it", disp);
		else
			rq_fail_errno(err, errno, "cannot create %s", disp);
		goto fail;
	}
	close(dfd);
	if (fsync_dir(pfd) != 0)
		return rq_fail_errno(err, errno, "cannot sync the directory of %s", disp);
	return 0;
fail:
	if (tfd >= 0)
		close(tfd);
	close(dfd);
	unlinkat(pfd, tmp, 0);
	return -1;
}

int quarantine_restore(const char *qdir, const char *id, rq_error *err)
{
	char *disp = NULL;
	unsigned char *key = NULL;
	rq_error lerr;
	struct qmeta m;
	const char *base;
	int qfd = -1, pfd = -1, rc = -1, r;

	memset(&m, 0, sizeof(m));
	if (err == NULL)
		err = &lerr; /* notes are built in place */
	err->msg[0] = '\0';
	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	if (!is_id(id)) {
		char *d = escape_name(id);
		rq_fail(err, "%s is not a quarantine id (%d hex digits)", d ? d : "(?)",
			QUARANTINE_ID_LEN);
		free(d);
		return -1;
	}
	if ((qfd = qdir_open(qdir, false, err)) < 0)
		return -1;
	r = meta_load(qfd, id, &m, err);
	if (r == 1) {
		rq_fail(err, "no quarantine entry %s in %s", id, qdir);
		goto out;
	}
	if (r != 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why));
		rq_fail(err, "quarantine entry %s has corrupt metadata: %.400s; nothing restored",
			id, why);
		goto out;
	}
	if ((disp = escape_name(m.path)) == NULL) {
		rq_fail(err, "out of memory");
		goto out;
	}
	if ((key = key_alloc(err)) == NULL || key_load(qfd, qdir, false, key, err) != 0 ||
	    (pfd = open_parent(m.path, &base, err)) < 0 ||
	    restore_into(pfd, base, qfd, key, &m, disp, err) != 0)
		goto out;
	/* The file is back and synced; only now does the entry go. The .meta
	 * first, so a crash in between leaves an orphan .data that the listing
	 * names, not a listed entry that cannot be restored. */
	if (entry_unlink(qfd, id, ".meta") != 0) {
		rq_fail_errno(err, errno, "restored %s, but cannot remove quarantine entry %s",
			      disp, id);
		goto out;
	}
	if (entry_unlink(qfd, id, ".data") != 0) {
		rq_fail_errno(err, errno, "restored %s, but cannot remove the data of entry %s",
			      disp, id);
		goto out;
	}
	fsync_dir(qfd);
	rc = 0;
out:
	if (pfd >= 0)
		close(pfd);
	close(qfd);
	sodium_free(key);
	meta_free(&m);
	free(disp);
	return rc;
}
