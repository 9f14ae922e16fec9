/* dosattr: see dosattr.h. Entries are opened with O_NOFOLLOW from the
 * directory's descriptor: a symlink planted on a stick is never followed. */
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/msdos_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "dosattr.h"
#include "mountinfo.h"

#define NTFS_XATTR "system.ntfs_attrib_be"
#define FUSE_MAGIC 0x65735546
#define MTOOLS_OUT 4096 /* mattrib prints one line per name */

const char *dosattr_backend_name(enum dosattr_backend b)
{
	static const char *const names[] = {"none", "vfat-ioctl", "ntfs-xattr", "mtools"};
	return names[b];
}

static int open_entry(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

/* The mount holding dirfd: its mount point and file system type, from
 * /proc/self/mountinfo, matched by device number and path. */
static int find_mount(int dirfd, char *point, size_t plen, char *fstype, size_t flen)
{
	char self[64], path[PATH_MAX], line[4096];
	size_t best = 0;
	struct stat st;
	ssize_t n;
	FILE *f;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
	if (fstat(dirfd, &st) != 0 || (n = readlink(self, path, sizeof(path) - 1)) < 0)
		return -1;
	path[n] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char mp[PATH_MAX], type[64], *dash;
		size_t len;
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3 ||
		    makedev(maj, min) != st.st_dev || (dash = strstr(line, " - ")) == NULL ||
		    sscanf(dash + 3, "%63s", type) != 1)
			continue;
		mountinfo_unescape(mp);
		len = strlen(mp);
		if (strncmp(path, mp, len) != 0 ||
		    (path[len] != '/' && path[len] != '\0' && strcmp(mp, "/") != 0) || len < best)
			continue;
		best = len;
		snprintf(point, plen, "%s", mp);
		snprintf(fstype, flen, "%s", type);
	}
	fclose(f);
	return best ? 0 : -1;
}

/* Reads /proc/PID/cmdline of a fusefat process: its first two operands are
 * the source and the mount point, each relative to the process's cwd. */
static int fusefat_args(const char *pid, char *src, size_t slen, char *mp, size_t mlen)
{
	char p[300], buf[8192], cwd[PATH_MAX], *ops[2] = {NULL, NULL};
	size_t nops = 0;
	ssize_t n, l;
	int fd;

	snprintf(p, sizeof(p), "/proc/%s/cmdline", pid);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	{
		const char *base = strrchr(buf, '/');
		if (strcmp(base ? base + 1 : buf, "fusefat") != 0)
			return -1;
	}
	for (char *a = buf + strlen(buf) + 1; a < buf + n && nops < 2; a += strlen(a) + 1) {
		if (strcmp(a, "-o") == 0) {
			a += strlen(a) + 1; /* its value */
			continue;
		}
		if (a[0] != '-' && a[0] != '\0') /* fusefat cuts its -o value up */
			ops[nops++] = a;
	}
	snprintf(p, sizeof(p), "/proc/%s/cwd", pid);
	if (nops < 2 || (l = readlink(p, cwd, sizeof(cwd) - 1)) < 0)
		return -1;
	cwd[l] = '\0';
	if ((size_t)snprintf(src, slen, "%s%s%s", ops[0][0] == '/' ? "" : cwd,
			     ops[0][0] == '/' ? "" : "/", ops[0]) >= slen)
		return -1;
	{
		char joined[PATH_MAX];
		if ((size_t)snprintf(joined, sizeof(joined), "%s%s%s", ops[1][0] == '/' ? "" : cwd,
				     ops[1][0] == '/' ? "" : "/", ops[1]) >= sizeof(joined) ||
		    realpath(joined, mp) == NULL) /* mp is PATH_MAX */
			return -1;
	}
	(void)mlen;
	return 0;
}

/* The device or image a fusefat mount at point serves. */
static int fusefat_source(const char *point, char *src, size_t slen)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int rc = -1;

	if (d == NULL)
		return -1;
	while (rc != 0 && (e = readdir(d)) != NULL) {
		char s[PATH_MAX], mp[PATH_MAX];
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (fusefat_args(e->d_name, s, sizeof(s), mp, sizeof(mp)) == 0 &&
		    strcmp(mp, point) == 0) {
			snprintf(src, slen, "%s", s);
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

static void open_mtools(struct dosattr *a, const char *fat_source)
{
	char point[PATH_MAX], type[64], self[64], path[PATH_MAX];
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", a->dirfd);
	if (find_mount(a->dirfd, point, sizeof(point), type, sizeof(type)) != 0 ||
	    (n = readlink(self, path, sizeof(path) - 1)) < 0) {
		snprintf(a->why, sizeof(a->why), "cannot tell which file system this is");
		return;
	}
	path[n] = '\0';
	if (strcmp(type, "fuse.fusefat") != 0) {
		snprintf(a->why, sizeof(a->why), "%s: no way to change DOS attributes", type);
		return;
	}
	if (fat_source)
		snprintf(a->source, sizeof(a->source), "%s", fat_source);
	else if (fusefat_source(point, a->source, sizeof(a->source)) != 0) {
		snprintf(a->why, sizeof(a->why), "cannot find the device served by fusefat");
		return;
	}
	/* mtools addresses the directory from the volume's root. */
	if ((size_t)snprintf(a->prefix, sizeof(a->prefix), "::%s/",
			     strcmp(point, "/") == 0 ? path : path + strlen(point)) >=
	    sizeof(a->prefix)) {
		snprintf(a->why, sizeof(a->why), "path too long for mtools");
		return;
	}
	a->backend = DOSATTR_MTOOLS;
}

void dosattr_open(struct dosattr *a, int dirfd, const char *fat_source)
{
	struct statfs sf;
	unsigned char v[4];

	memset(a, 0, sizeof(*a));
	a->dirfd = dirfd;
	if (fstatfs(dirfd, &sf) != 0) {
		snprintf(a->why, sizeof(a->why), "statfs: %s", strerror(errno));
		return;
	}
	if (sf.f_type == MSDOS_SUPER_MAGIC) {
		a->backend = DOSATTR_FAT_IOCTL;
		return;
	}
	if (fgetxattr(dirfd, NTFS_XATTR, v, sizeof(v)) == (ssize_t)sizeof(v)) {
		a->backend = DOSATTR_NTFS_XATTR;
		return;
	}
	if ((unsigned long)sf.f_type == FUSE_MAGIC) {
		open_mtools(a, fat_source);
		return;
	}
	snprintf(a->why, sizeof(a->why),
		 "this file system has no DOS attributes raquet can change");
}

/* mtools treats these as wildcards or cannot take them on its command line. */
static bool mtools_name_ok(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || strchr("*?[]\\", *p))
			return false;
	return true;
}

/* Runs mattrib with args (name last), its output (bounded) in out. */
static int run_mattrib(const struct dosattr *a, const char *flag1, const char *flag2,
		       const char *name, char *out, size_t outlen, rq_error *err)
{
	char target[PATH_MAX * 2], pathenv[PATH_MAX + 8];
	const char *path = getenv("PATH");
	char *argv[8], *envp[] = {pathenv, "LC_ALL=C.UTF-8", "MTOOLS_SKIP_CHECK=1",
				  "MTOOLSRC=/dev/null", NULL};
	size_t got = 0, i = 0;
	int pfd[2], status;
	pid_t pid;

	if (!mtools_name_ok(name))
		return rq_fail(err, "the name has characters mtools cannot address");
	if ((size_t)snprintf(target, sizeof(target), "%s%s", a->prefix, name) >= sizeof(target))
		return rq_fail(err, "path too long");
	snprintf(pathenv, sizeof(pathenv), "PATH=%s", path ? path : "/usr/bin:/bin");
	argv[i++] = "mattrib";
	argv[i++] = "-i";
	argv[i++] = (char *)a->source;
	if (flag1)
		argv[i++] = (char *)flag1;
	if (flag2)
		argv[i++] = (char *)flag2;
	argv[i++] = target;
	argv[i] = NULL;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return rq_fail_errno(err, errno, "pipe");
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return rq_fail_errno(err, errno, "fork");
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvpe("mattrib", argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char sink[512];
		ssize_t n = got + 1 < outlen ? read(pfd[0], out + got, outlen - 1 - got)
					     : read(pfd[0], sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < outlen)
			got += (size_t)n;
	}
	out[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return rq_fail_errno(err, errno, "waitpid mattrib");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		out[strcspn(out, "\n")] = '\0';
		return rq_fail(err, "mattrib failed (%s%d)%s%s",
			       WIFEXITED(status) ? "exit " : "signal ",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       out[0] ? ": " : "", out);
	}
	return 0;
}

/* mattrib prints the set attributes (A, S, H, R) before the name. */
static int mtools_get(const struct dosattr *a, const char *name, uint32_t *attrs, rq_error *err)
{
	char out[MTOOLS_OUT], *end;

	if (run_mattrib(a, NULL, NULL, name, out, sizeof(out), err) != 0)
		return -1;
	if ((end = strstr(out, "::")) == NULL)
		return rq_fail(err, "mattrib printed no attributes");
	*attrs = 0;
	for (const char *p = out; p < end; p++) {
		if (*p == 'H')
			*attrs |= DOSATTR_HIDDEN;
		else if (*p == 'S')
			*attrs |= DOSATTR_SYSTEM;
	}
	return 0;
}

int dosattr_get(const struct dosattr *a, const char *name, uint32_t *attrs, rq_error *err)
{
	unsigned char v[4];
	__u32 fat;
	int fd, rc = 0;

	if (a->backend == DOSATTR_NONE)
		return rq_fail(err, "%s", a->why);
	if (a->backend == DOSATTR_MTOOLS)
		return mtools_get(a, name, attrs, err);
	if ((fd = open_entry(a->dirfd, name)) < 0)
		return rq_fail_errno(err, errno, "cannot open");
	if (a->backend == DOSATTR_FAT_IOCTL) {
		if (ioctl(fd, FAT_IOCTL_GET_ATTRIBUTES, &fat) != 0)
			rc = rq_fail_errno(err, errno, "FAT_IOCTL_GET_ATTRIBUTES");
		else
			*attrs = fat;
	} else if (fgetxattr(fd, NTFS_XATTR, v, sizeof(v)) != (ssize_t)sizeof(v)) {
		rc = rq_fail_errno(err, errno, "cannot read " NTFS_XATTR);
	} else {
		*attrs = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
	}
	close(fd);
	return rc;
}

int dosattr_clear_hidden(const struct dosattr *a, const char *name, rq_error *err)
{
	const uint32_t hs = DOSATTR_HIDDEN | DOSATTR_SYSTEM;
	uint32_t cur;
	unsigned char v[4];
	char out[MTOOLS_OUT];
	__u32 fat;
	int fd, rc = 0;

	if (a->backend == DOSATTR_NONE)
		return rq_fail(err, "%s", a->why);
	if (a->backend == DOSATTR_MTOOLS)
		return run_mattrib(a, "-h", "-s", name, out, sizeof(out), err);
	if (dosattr_get(a, name, &cur, err) != 0)
		return -1;
	if ((fd = open_entry(a->dirfd, name)) < 0)
		return rq_fail_errno(err, errno, "cannot open");
	if (a->backend == DOSATTR_FAT_IOCTL) {
		fat = cur & ~hs;
		if (ioctl(fd, FAT_IOCTL_SET_ATTRIBUTES, &fat) != 0)
			rc = rq_fail_errno(err, errno, "FAT_IOCTL_SET_ATTRIBUTES");
	} else {
		cur &= ~hs;
		v[0] = cur >> 24;
		v[1] = (cur >> 16) & 0xff;
		v[2] = (cur >> 8) & 0xff;
		v[3] = cur & 0xff;
		if (fsetxattr(fd, NTFS_XATTR, v, sizeof(v), 0) != 0)
			rc = rq_fail_errno(err, errno, "cannot write " NTFS_XATTR);
	}
	if (close(fd) != 0 && rc == 0)
		rc = rq_fail_errno(err, errno, "close");
	return rc;
}
