/* Unit tests for sync/rejected: a refused record file is kept with the
 * sha256 of its bytes, a symlink is noted as "-", and a file that cannot be
 * opened is an error (the import stops) rather than a "-" recorded for a
 * file that had bytes. The open failure is real: RLIMIT_NOFILE is lowered to
 * the lowest free descriptor, so the next open fails with EMFILE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../sync/rejected.h"
#include "tap.h"

#define SHA_HI "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4"

int main(void)
{
	char top[] = "/tmp/rq-rejected.XXXXXX", sha[65], stored[400];
	struct ioc ioc = {.dir = top, .lockfd = -1};
	int rejfd = -1, src, fd, rc;
	struct rlimit old, none;
	rq_error err;

	if (mkdtemp(top) == NULL || (ioc.dirfd = open(top, O_RDONLY | O_DIRECTORY)) < 0 ||
	    mkdirat(ioc.dirfd, "stick", 0700) != 0 ||
	    (src = openat(ioc.dirfd, "stick", O_RDONLY | O_DIRECTORY)) < 0 ||
	    (fd = openat(src, "a.rqr", O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    write(fd, "hi\n", 3) != 3 || close(fd) != 0 ||
	    symlinkat("/etc/passwd", src, "l.rqr") != 0)
		return printf("not ok 1 - setup: %s\n", strerror(errno)), 1;

	rc = rejected_keep(&ioc, "S", &rejfd, src, "a.rqr", "bad magic", sha, stored,
			   sizeof(stored), &err);
	ok(rc == 0, "a regular file is kept%s%s", rc ? ": " : "", rc ? err.msg : "");
	is_str(sha, SHA_HI, "  ... with the sha256 of its bytes");
	is_str(stored, "rejected/S/a.rqr.98ea6e4f216f", "  ... under its name and sha");

	rc = rejected_keep(&ioc, "S", &rejfd, src, "l.rqr", "not a file", sha, stored,
			   sizeof(stored), &err);
	ok(rc == 0, "a symlink is noted");
	is_str(sha, "-", "  ... with no sha256");

	/* No descriptor left: the open of the rejected file fails. */
	fd = dup(0);
	close(fd);
	getrlimit(RLIMIT_NOFILE, &old);
	none = old;
	none.rlim_cur = (rlim_t)fd;
	snprintf(sha, sizeof(sha), "%s", "unset");
	ok(setrlimit(RLIMIT_NOFILE, &none) == 0, "descriptors limited to %d", fd);
	rc = rejected_keep(&ioc, "S", &rejfd, src, "a.rqr", "bad magic", sha, stored,
			   sizeof(stored), &err);
	setrlimit(RLIMIT_NOFILE, &old);
	ok(rc == -1 && strcmp(sha, "-") != 0,
	   "a file that cannot be opened is an error, not a \"-\" (sha %s)", sha);
	ok(rc == -1 && strstr(err.msg, "cannot open the rejected file: Too many open files"),
	   "  ... saying why: %s", rc == -1 ? err.msg : "-");

	close(rejfd);
	close(src);
	close(ioc.dirfd);
	snprintf(stored, sizeof(stored), "rm -rf '%s'", top);
	if (system(stored) != 0)
		printf("# could not remove %s\n", top);
	return done_testing();
}
