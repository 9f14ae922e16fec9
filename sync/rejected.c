/* rejected: a refused record file kept in the IOC for inspection (see
 * rejected.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicio.h"
#include "record.h"
#include "rejected.h"

#define COPY_BUF (256 * 1024)
/* A file up to a record's greatest size is kept whole: it may be a genuine
 * record refused for a reason the operator can fix. Of a bigger one (no
 * record, only work for the IOC: a sparse 2 GiB file costs nothing on a
 * stick) only the first REJECTED_HEAD bytes are read and kept. */
#define REJECTED_WHOLE_MAX ((off_t)RECORD_MAX_SIZE)
#define REJECTED_HEAD      ((off_t)1024 * 1024)

/* The sha256 of in's first keep bytes (fewer if it is shorter); *got is
 * how many there were. */
static int hash_head(int in, off_t keep, unsigned char *buf, char sha[65], off_t *got,
		     rq_error *err)
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES];

	*got = 0;
	crypto_hash_sha256_init(&h);
	while (*got < keep) {
		size_t want = keep - *got < COPY_BUF ? (size_t)(keep - *got) : COPY_BUF;
		ssize_t n = pread(in, buf, want, *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rq_fail_errno(err, errno, "cannot read the rejected file");
		if (n == 0)
			break;
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		*got += n;
	}
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(sha, 65, md, sizeof(md));
	return 0;
}

/* Copies in's first len bytes to a new file tmp in dir, then renames it
 * dst (the copy is whole or absent). */
static int copy_head(int in, off_t len, unsigned char *buf, int dir, const char *tmp,
		     const char *dst, rq_error *err)
{
	int out;

	unlinkat(dir, tmp, 0);
	out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return rq_fail_errno(err, errno, "cannot keep the rejected file");
	for (off_t off = 0; off < len;) {
		size_t want = len - off < COPY_BUF ? (size_t)(len - off) : COPY_BUF;
		ssize_t n = pread(in, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(out, buf, (size_t)n) != 0) {
			rq_fail_errno(err, n == 0 ? EIO : errno, "cannot keep the rejected file");
			goto fail;
		}
		off += n;
	}
	if (fsync(out) != 0 || renameat(dir, tmp, dir, dst) != 0) {
		rq_fail_errno(err, errno, "cannot keep the rejected file");
		goto fail;
	}
	close(out);
	fsync_dir(dir);
	return 0;
fail:
	close(out);
	unlinkat(dir, tmp, 0);
	return -1;
}

static int open_rejected_dir(struct ioc *ioc, const char *stick, int *rejfd, rq_error *err)
{
	int top = openat(ioc->dirfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (top < 0 &&
	    (ioc_mkdirat(ioc->dirfd, "rejected", 0700, err) != 0 ||
	     (top = openat(ioc->dirfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
		return rq_fail_errno(err, errno, "cannot open %s/rejected", ioc->dir);
	if (ioc_mkdirat(top, stick, 0700, err) == 0)
		*rejfd = openat(top, stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(top);
	if (*rejfd < 0)
		return rq_fail_errno(err, errno, "cannot open %s/rejected/%s", ioc->dir, stick);
	return 0;
}

int rejected_keep(struct ioc *ioc, const char *stick, int *rejfd, int dirfd, const char *name,
		  const char *reason, char sha[65], char *stored, size_t storedsz, rq_error *err)
{
	unsigned char *buf = NULL;
	char tmp[320], dst[300], rsn[320], *note = NULL;
	off_t keep = 0, got = 0;
	int in, rc = -1;
	struct stat st;

	if (*rejfd < 0 && open_rejected_dir(ioc, stick, rejfd, err) != 0)
		return -1;
	in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	/* Only a symlink (ELOOP under O_NOFOLLOW), a socket or a device with
	 * no driver has no bytes to keep. Any other failure is an error: the
	 * import stops rather than record "-" for a file that had bytes. */
	if (in < 0 && errno != ELOOP && errno != ENXIO && errno != ENODEV)
		return rq_fail_errno(err, errno, "cannot open the rejected file");
	if (in >= 0 && fstat(in, &st) != 0) {
		rq_fail_errno(err, errno, "cannot read the rejected file");
		goto out;
	}
	if (in < 0 || !S_ISREG(st.st_mode)) {
		/* A symlink or device: nothing to copy, but keep its reason. */
		snprintf(sha, 65, "%s", "-");
		if (in >= 0)
			close(in);
		in = -1;
	} else {
		keep = st.st_size > REJECTED_WHOLE_MAX ? REJECTED_HEAD : REJECTED_WHOLE_MAX;
		if ((buf = malloc(COPY_BUF)) == NULL) {
			rq_fail(err, "out of memory");
			goto out;
		}
		if (hash_head(in, keep, buf, sha, &got, err) != 0)
			goto out;
		/* Ending before its size is not the file's end: it changed
		 * under us, and the sha256 would be of bytes nobody saw whole. */
		if (got < (st.st_size < keep ? st.st_size : keep)) {
			rq_fail(err,
				"the rejected file ended at byte %lld of %lld: it changed "
				"while it was read",
				(long long)got, (long long)st.st_size);
			goto out;
		}
	}
	snprintf(dst, sizeof(dst), "%.200s.%.12s", name, sha);
	snprintf(stored, storedsz, "rejected/%s/%s", stick, dst);
	snprintf(rsn, sizeof(rsn), "%s.reason", dst);
	/* A cut copy says so beside it: the size it had, what was kept. */
	if (in >= 0 && st.st_size > REJECTED_WHOLE_MAX &&
	    asprintf(&note,
		     "%s\nonly the first %lld of its %lld bytes are kept here; their sha256 is "
		     "%s\n",
		     reason, (long long)got, (long long)st.st_size, sha) < 0) {
		note = NULL;
		rq_fail(err, "out of memory");
		goto out;
	}
	if (atomic_write(*rejfd, rsn, note ? note : reason, strlen(note ? note : reason), 0600,
			 false, err) != 0)
		goto out;
	rc = 0;
	if (in < 0 || faccessat(*rejfd, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		goto out;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", dst);
	if (copy_head(in, got, buf, *rejfd, tmp, dst, err) != 0) {
		rq_error e = *err;
		rc = rq_fail(err, "%s/%s: %s", ioc->dir, stored, e.msg);
	}
out:
	if (in >= 0)
		close(in);
	free(note);
	free(buf);
	return rc;
}
