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
#include "rejected.h"

#define COPY_BUF (256 * 1024)

int rejected_keep(struct ioc *ioc, const char *stick, int *rejfd, int dirfd, const char *name,
		  const char *reason, char sha[65], char *stored, size_t storedsz, rq_error *err)
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES], *buf = NULL;
	char tmp[320], dst[300], rsn[320];
	int in = -1, out = -1, rc = -1;
	struct stat st;

	if (*rejfd < 0) {
		int top = openat(ioc->dirfd, "rejected", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (top < 0 && (ioc_mkdirat(ioc->dirfd, "rejected", 0700, err) != 0 ||
				(top = openat(ioc->dirfd, "rejected",
					      O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
			return rq_fail_errno(err, errno, "cannot open %s/rejected", ioc->dir);
		if (ioc_mkdirat(top, stick, 0700, err) == 0)
			*rejfd = openat(top, stick, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(top);
		if (*rejfd < 0)
			return rq_fail_errno(err, errno, "cannot open %s/rejected/%s", ioc->dir,
					     stick);
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
	snprintf(stored, storedsz, "rejected/%s/%s", stick, dst);
	snprintf(rsn, sizeof(rsn), "%s.reason", dst);
	if (atomic_write(*rejfd, rsn, reason, strlen(reason), 0600, false, err) != 0)
		goto out;
	if (in < 0 || faccessat(*rejfd, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%s.tmp", dst);
	unlinkat(*rejfd, tmp, 0);
	out = openat(*rejfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		rq_fail_errno(err, errno, "cannot keep the rejected file in %s/%s", ioc->dir,
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
				      ioc->dir, stored);
			goto out;
		}
		off += n;
	}
	if (fsync(out) != 0 || renameat(*rejfd, tmp, *rejfd, dst) != 0) {
		rq_fail_errno(err, errno, "cannot keep the rejected file in %s/%s", ioc->dir,
			      stored);
		goto out;
	}
	fsync_dir(*rejfd);
	rc = 0;
out:
	if (out >= 0) {
		close(out);
		if (rc != 0)
			unlinkat(*rejfd, tmp, 0);
	}
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}
