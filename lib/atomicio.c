/* atomicio: crash-safe writes and bounded reads. */
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The loop behind read_full and pread_full (positioned: pread at off). */
static ssize_t fill(int fd, void *buf, size_t len, bool positioned, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = positioned ? pread(fd, (char *)buf + got, len - got, off + (off_t)got)
				       : read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	return fill(fd, buf, len, false, 0);
}

ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
	return fill(fd, buf, len, true, off);
}

int fsync_dir(int dirfd)
{
	if (fsync(dirfd) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOTSUP || errno == EROFS || errno == ENOSYS)
		return 0;
	return -1;
}

/* Removes a temporary file without disturbing errno, which callers read to
 * tell "full" from "read-only". */
static void discard(int dirfd, const char *tmp)
{
	int e = errno;
	unlinkat(dirfd, tmp, 0);
	errno = e;
}

/* Publishes tmp as name without ever replacing an existing name. */
static int publish_exclusive(int dirfd, const char *tmp, const char *name, rq_error *err)
{
	struct stat st;

	if (linkat(dirfd, tmp, dirfd, name, 0) == 0) {
		unlinkat(dirfd, tmp, 0);
		return 0;
	}
	if (errno == EEXIST) {
		discard(dirfd, tmp);
		return rq_fail(err, "%s already exists", name);
	}
	/* FAT and exFAT have no hard links: check, then rename. The caller
	 * serialises writers (a lock), so the window is only against
	 * foreign processes. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		discard(dirfd, tmp);
		return rq_fail(err, "%s already exists", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		int e = errno;
		discard(dirfd, tmp);
		return rq_fail_errno(err, e, "cannot rename to %s", name);
	}
	return 0;
}

int atomic_write(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		 bool exclusive, rq_error *err)
{
	char tmp[512];
	int fd, e;

	static atomic_uint counter; /* threads of one process must not share a name */

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp%ld.%u", name, (long)getpid(),
		     atomic_fetch_add(&counter, 1)) >= (int)sizeof(tmp))
		return rq_fail(err, "file name too long: %s", name);
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot create %s", tmp);
	if (write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		discard(dirfd, tmp);
		return rq_fail_errno(err, e, "cannot write %s", name);
	}
	if (close(fd) != 0) {
		e = errno;
		discard(dirfd, tmp);
		return rq_fail_errno(err, e, "cannot write %s", name);
	}
	if (exclusive) {
		if (publish_exclusive(dirfd, tmp, name, err) != 0)
			return -1;
	} else if (renameat(dirfd, tmp, dirfd, name) != 0) {
		e = errno;
		discard(dirfd, tmp);
		return rq_fail_errno(err, e, "cannot rename to %s", name);
	}
	if (fsync_dir(dirfd) != 0)
		return rq_fail_errno(err, errno, "cannot sync directory after writing %s", name);
	return 0;
}

int read_file_bounded(int dirfd, const char *name, size_t max, char **out, size_t *outlen,
		      rq_error *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open %s", name);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rq_fail(err, "%s is not a regular file", name);
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return rq_fail(err, "%s is too large (%lld bytes, at most %zu)", name,
			       (long long)st.st_size, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return rq_fail(err, "out of memory reading %s", name);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return rq_fail_errno(err, e, "cannot read %s", name);
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}
