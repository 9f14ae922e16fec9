/* quarantine_restore: putting a quarantined file back byte for byte, with
 * its mode, owner and times, after checking every chunk and the sha256;
 * never over an existing file, never into a recreated directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "le.h"
#include "quarantine_int.h"
#include "walk.h"

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
 * fatal: the content is what matters, and the caller is told. Set-uid,
 * set-gid and sticky bits are never restored: a restore run as root must
 * not be a way to make a set-uid program, whatever the metadata says (a
 * file that needed them gets them back by hand, knowingly). */
static int apply_meta(int tfd, const struct qmeta *m, rq_error *err)
{
	struct timespec ts[2] = {m->atime, m->mtime};
	mode_t mode = (mode_t)(m->mode & 0777);

	if (fchown(tfd, m->uid, m->gid) != 0) {
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
			return rq_fail_errno(err, errno, "cannot set the owner");
		note(err, "%s%s not restored: %s", "owner", errno);
	}
	if (fchmod(tfd, mode) != 0) {
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
			return rq_fail_errno(err, errno, "cannot set the mode");
		note(err, "%s%s not restored: %s", "mode", errno);
	}
	if (m->mode & 07000) {
		size_t n = strlen(err->msg);
		snprintf(
		    err->msg + n, sizeof(err->msg) - n,
		    "%sset-uid, set-gid and sticky bits not restored (mode was %04o, now %04o)",
		    n ? "; " : "", m->mode, (unsigned)mode);
	}
	/* Last, since writing the content moved the times. */
	if (futimens(tfd, ts) != 0) {
		if (errno != EPERM)
			return rq_fail_errno(err, errno, "cannot set the times");
		note(err, "%s%s not restored: %s", "times", errno);
	}
	return 0;
}

/* Opens dir from "/" one component at a time with O_NOFOLLOW|O_DIRECTORY,
 * so that a symlink anywhere in the path (a planted /tmp/x -> /etc, a
 * junction on an NTFS volume) is refused, not followed: restore writes as
 * root to a path that came from a disk and from a .meta. "." and ".."
 * are refused too; empty components (a doubled slash) are skipped. */
static int open_dir_nofollow(const char *dir)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;
	const char *p = dir;

	while (fd >= 0 && *p) {
		char comp[NAME_MAX + 1];
		size_t len = strcspn(p, "/");
		if (len == 0) {
			p++;
			continue;
		}
		if (len > NAME_MAX || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			errno = len > NAME_MAX ? ENAMETOOLONG : EINVAL;
			return -1;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p += len;
	}
	return fd;
}

/* Opens the original directory (following no symlink in any component)
 * and returns the base name inside path. */
static int open_parent(const char *path, const char **base, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int pfd;

	*base = slash + 1;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		char *disp = escape_name(path);
		rq_fail(err, "original path %s has no file name", disp ? disp : "(?)");
		free(disp);
		return -1;
	}
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return rq_fail(err, "out of memory");
	pfd = open_dir_nofollow(dir);
	if (pfd < 0) {
		int e = errno;
		char *disp = escape_name(dir);
		if (e == ENOENT)
			rq_fail(err, "original directory %s no longer exists; not restored",
				disp ? disp : "(?)");
		else if (e == ELOOP || e == ENOTDIR)
			rq_fail(err,
				"original directory %s is reached through a symbolic link "
				"or is not a directory; not restored",
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
	char tmp[80], dname[Q_ENTRY_NAME_LEN], got_hex[65];
	unsigned char rnd[4], sha[32];
	unsigned long long total;
	struct stat st;
	int dfd, tfd, e;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return rq_fail(err, "%s already exists; not overwriting it", disp);
	qentry_name(dname, m->id, ".data");
	dfd = walk_open_regular(qfd, dname, false, &st); /* never a FIFO or device */
	if (dfd == WALK_NOT_REGULAR)
		return rq_fail(err, "the data of quarantine entry %s is not a regular file", m->id);
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
	if (qdir_publish_noreplace(pfd, tmp, base) != 0) {
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

int quarantine_restore(const char *qdir, const char *arg, rq_error *err)
{
	char id[QUARANTINE_ID_LEN + 1], *disp = NULL;
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
	if ((qfd = qdir_open(qdir, false, err)) < 0)
		return -1;
	if (qentry_find(qfd, qdir, arg, id, err) != 0)
		goto out;
	/* The key first: it authenticates the metadata before anything in it
	 * is used. */
	if ((key = qkey_alloc(err)) == NULL || qkey_load(qfd, qdir, false, key, err) != 0)
		goto out;
	r = qmeta_load(qfd, id, key, &m, err);
	if (r == 1) {
		if (qentry_restored(qfd, id, err) == 0)
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
	if ((pfd = open_parent(m.path, &base, err)) < 0 ||
	    restore_into(pfd, base, qfd, key, &m, disp, err) != 0)
		goto out;
	/* The file is back and synced; only now does the entry go. The .meta
	 * first, so a crash in between leaves an orphan .data that the listing
	 * names, not a listed entry that cannot be restored. */
	/* Without the note a second restore says "no entry" instead of
	 * "already restored": worth a word, not a failure. */
	if (qentry_mark_restored(qfd, id, disp, NULL) != 0)
		note(err, "%s%s: %s", "cannot note the restore in the quarantine", errno);
	if (qentry_unlink(qfd, id, ".meta") != 0) {
		rq_fail_errno(err, errno, "restored %s, but cannot remove quarantine entry %s",
			      disp, id);
		goto out;
	}
	if (qentry_unlink(qfd, id, ".data") != 0) {
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
	qmeta_free(&m);
	free(disp);
	return rc;
}
