/* pin: a stick's ioc.pub against the key the system pins (lib/pin.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pin.h"

/* Opens the directory of path and points *base at its last component, so
 * the key is read with the same O_NOFOLLOW reader as a stick's ioc.pub. */
static int open_parent(const char *path, char *dir, size_t dirsz, const char **base, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL) {
		snprintf(dir, dirsz, ".");
		*base = path;
	} else {
		if ((size_t)(slash - path) >= dirsz)
			return rq_fail(err, "pinned IOC key: path too long");
		snprintf(dir, dirsz, "%.*s", (int)(slash == path ? 1 : slash - path), path);
		*base = slash + 1;
	}
	if (**base == '\0')
		return rq_fail(err, "pinned IOC key: %s names no file", path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rq_fail_errno(err, errno, "pinned IOC key: cannot open %s", dir);
	return fd;
}

int pin_read(keys_ioc_public *pk, rq_error *err)
{
	const char *path = getenv(PIN_ENV), *base = NULL;
	char dir[PATH_MAX];
	struct stat st;
	int dirfd, rc;

	if (path == NULL) {
		/* No pin configured and none installed: a plain Linux box. */
		if (lstat(PIN_DEFAULT_PATH, &st) != 0 && errno == ENOENT)
			return 0;
		path = PIN_DEFAULT_PATH;
	} else if (*path == '\0') {
		return rq_fail(err,
			       "%s is set but empty: no pinned IOC key to check the stick "
			       "against",
			       PIN_ENV);
	}
	if ((dirfd = open_parent(path, dir, sizeof(dir), &base, err)) < 0)
		return -1;
	rc = keys_ioc_read_public(dirfd, base, pk, err);
	close(dirfd);
	if (rc != 0) {
		rq_error inner = *err;
		return rq_fail(err,
			       "the pinned IOC key %s cannot be read (%s): this system "
			       "trusts no stick",
			       path, inner.msg);
	}
	return 1;
}

int pin_check(const keys_ioc_public *stick_ioc, enum pin_state *state, rq_error *err)
{
	char want[KEYS_ID_HEX_LEN + 1], got[KEYS_ID_HEX_LEN + 1];
	keys_ioc_public pinned;
	enum pin_state dummy;
	int rc;

	if (state == NULL)
		state = &dummy;
	rc = pin_read(&pinned, err);
	if (rc < 0) {
		*state = PIN_BROKEN;
		return -1;
	}
	if (rc == 0) {
		*state = PIN_NONE;
		return 0;
	}
	/* The id alone proves nothing (a forger copies it): both keys must be
	 * the pinned ones, the signing key for what the stick is told and the
	 * sealing key for whom its results are sealed to. */
	if (pinned.id == stick_ioc->id &&
	    memcmp(pinned.sign_pk, stick_ioc->sign_pk, sizeof(pinned.sign_pk)) == 0 &&
	    memcmp(pinned.box_pk, stick_ioc->box_pk, sizeof(pinned.box_pk)) == 0) {
		*state = PIN_MATCH;
		return 0;
	}
	*state = PIN_FOREIGN;
	keys_id_hex(pinned.id, want);
	keys_id_hex(stick_ioc->id, got);
	if (pinned.id == stick_ioc->id)
		return rq_fail(err,
			       "the stick's ioc.pub claims IOC %s but holds other keys than "
			       "the ones this system pins: the stick was altered; take it to "
			       "the IOC",
			       got);
	return rq_fail(err,
		       "the stick belongs to IOC %s, not to IOC %s that this system "
		       "serves: take the stick to the IOC",
		       got, want);
}
