/* identity_sysfs: reading a sysfs tree that may be hostile (a fixture, or
 * --identity-root pointed at a copied tree): paths are resolved inside root,
 * never outside it, files are read only when regular and only so far, and
 * directory listings are bounded and sorted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity_int.h"

/* Symbolic links followed while resolving one path. */
#define ID_LINKS_MAX 40

/* --- resolving paths inside root ---------------------------------------- */

/* Resolves path (relative to root) component by component, following
 * symbolic links as if root were "/": an absolute target restarts at root and
 * ".." never climbs above it. This is what lets a fixture's links point into
 * its own fake sys/devices, and keeps a hostile tree from sending us into
 * the real /sys. out receives the resolved path relative to root ("." for
 * root itself). Returns -1 with errno set. */
int sysfs_resolve(int rootfd, const char *path, char *out, size_t outsz)
{
	char todo[ID_PATH], next[ID_PATH], link[ID_PATH];
	size_t pos = 0, outlen = 0, clen, save;
	int links = 0;
	ssize_t n;

	if (outsz < 2 || (size_t)snprintf(todo, sizeof(todo), "%s", path) >= sizeof(todo)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[0] = '\0';
	for (;;) {
		while (todo[pos] == '/')
			pos++;
		if (todo[pos] == '\0')
			break;
		clen = strcspn(todo + pos, "/");
		if (clen == 1 && todo[pos] == '.') {
			pos += clen;
			continue;
		}
		if (clen == 2 && todo[pos] == '.' && todo[pos + 1] == '.') {
			char *slash = strrchr(out, '/');
			outlen = slash ? (size_t)(slash - out) : 0;
			out[outlen] = '\0';
			pos += clen;
			continue;
		}
		save = outlen;
		if (outlen + 1 + clen + 1 > outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (outlen > 0)
			out[outlen++] = '/';
		memcpy(out + outlen, todo + pos, clen);
		outlen += clen;
		out[outlen] = '\0';
		pos += clen;

		n = readlinkat(rootfd, out, link, sizeof(link) - 1);
		if (n < 0) {
			if (errno == EINVAL)
				continue; /* not a link: keep the component */
			return -1;
		}
		if ((size_t)n >= sizeof(link) - 1) {
			errno = ENAMETOOLONG;
			return -1;
		}
		link[n] = '\0';
		if (++links > ID_LINKS_MAX) {
			errno = ELOOP;
			return -1;
		}
		outlen = link[0] == '/' ? 0 : save;
		out[outlen] = '\0';
		if ((size_t)snprintf(next, sizeof(next), "%s/%s", link, todo + pos) >=
		    sizeof(next)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(todo, next, strlen(next) + 1);
		pos = 0;
	}
	if (outlen == 0)
		strcpy(out, ".");
	return 0;
}

/* True when a resolved path lies below a USB controller: sysfs puts every
 * USB device under .../usbN/... */
bool sysfs_path_is_usb(const char *resolved)
{
	return strncmp(resolved, "usb", 3) == 0 || strstr(resolved, "/usb") != NULL;
}

/* --- reading attribute files ------------------------------------------- */

/* Reads at most ID_READ_MAX bytes of a regular file into buf (which holds
 * ID_READ_MAX + 1), NUL-terminated; *len counts every byte read, so binary
 * attributes (VPD pages) keep their embedded NULs. */
enum sysfs_attr sysfs_read_attr(int rootfd, const char *path, char *buf, size_t *len, int *errnum)
{
	char where[ID_PATH];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	*errnum = 0;
	if (sysfs_resolve(rootfd, path, where, sizeof(where)) < 0 ||
	    fstatat(rootfd, where, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto failed;
	/* a FIFO or device node planted in a fake tree must not even be opened:
	 * opening some devices has side effects */
	if (!S_ISREG(st.st_mode)) {
		*errnum = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return ATTR_UNREADABLE;
	}
	fd = openat(rootfd, where, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto failed;
	if (fstat(fd, &st) < 0) {
		*errnum = errno;
		close(fd);
		return ATTR_UNREADABLE;
	}
	if (!S_ISREG(st.st_mode)) {
		*errnum = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return ATTR_UNREADABLE;
	}
	while (got < ID_READ_MAX) {
		n = read(fd, buf + got, ID_READ_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*errnum = errno;
			close(fd);
			return ATTR_UNREADABLE;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return ATTR_OK;
failed:
	*errnum = errno;
	return errno == ENOENT || errno == ENOTDIR ? ATTR_MISSING : ATTR_UNREADABLE;
}

/* --- directories -------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Lists the entries of a directory under root (not . or ..), sorted so the
 * result, and what is ignored, never depends on readdir order. *names is
 * malloc'd rows of NAME_MAX + 1; a missing directory gives none. */
int sysfs_list_dir(int rootfd, const char *path, char (**names)[NAME_MAX + 1], size_t *count,
		   rq_error *err)
{
	char where[ID_PATH];
	struct dirent *de;
	DIR *dir;
	int fd;

	*names = NULL;
	*count = 0;
	if (sysfs_resolve(rootfd, path, where, sizeof(where)) < 0)
		return 0;
	fd = openat(rootfd, where, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return 0;
	}
	*names = calloc(ID_DIR_MAX, sizeof(**names));
	if (*names == NULL) {
		closedir(dir);
		return rq_fail_errno(err, ENOMEM, "identity: listing %s", path);
	}
	while (*count < ID_DIR_MAX && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf((*names)[*count], NAME_MAX + 1, "%s", de->d_name);
		(*count)++;
	}
	closedir(dir);
	qsort(*names, *count, sizeof(**names), cmp_name);
	return 0;
}
