/* mount: mount(2) for kernel file systems, fork/exec for FUSE helpers. A
 * FUSE helper detaches once its mount is up; its daemon is found by the
 * device it holds open, so that releasing a volume can wait for the daemon
 * to finish writing (a plain FUSE unmount returns before the daemon is
 * done) before the next layer goes or the PC powers off. */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "live/mount.h"
#include "walk.h"

#define HELPER_MSG_MAX  400
#define HIBERFILE_HDR   4096 /* what ntfs-3g reads of hiberfil.sys */
#define RELEASE_WAIT_MS 120000
#define HARDENED_OPTS   "nosuid,nodev,noexec"

/* The static name of a type we know, or NULL. */
static const char *known_type(const char *t)
{
	static const char *const known[] = {"ntfs", "vfat", "exfat",    "ext2",
					    "ext3", "ext4", "BitLocker"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(t, known[i]) == 0)
			return known[i];
	return NULL;
}

bool mount_supported(const char *t)
{
	return known_type(t) != NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Creates dir (mode 0700) unless it is already a real directory. */
static int make_dir(const char *dir, rq_error *err)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return rq_fail_errno(err, errno, "cannot create %s", dir);
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return rq_fail(err, "%s is not a directory", dir);
	return 0;
}

static int make_point(const char *sub, const char *name, char *out, size_t len, rq_error *err)
{
	char dir[128];

	snprintf(dir, sizeof(dir), MOUNT_BASE "/%s", sub);
	if (make_dir(MOUNT_BASE, err) != 0 || make_dir(dir, err) != 0)
		return -1;
	snprintf(out, len, "%s/%s", dir, name);
	return make_dir(out, err);
}

/* Where the block device dev (or, for a FUSE mount, the source path) is
 * mounted, or "" when it is not. */
static void mounted_at(const char *dev, char *where, size_t len)
{
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	bool blk = stat(dev, &st) == 0 && S_ISBLK(st.st_mode);

	where[0] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX], src[PATH_MAX], *dash = strstr(line, " - ");
		unsigned int maj, min;
		if (dash == NULL || sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3 ||
		    sscanf(dash + 3, "%*s %4095s", src) != 1)
			continue;
		if ((blk && maj == major(st.st_rdev) && min == minor(st.st_rdev)) ||
		    strcmp(src, dev) == 0) {
			snprintf(where, len, "%s", mp);
			break;
		}
	}
	free(line);
	fclose(f);
}

static bool is_mountpoint(const char *point)
{
	char line_mp[PATH_MAX], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (f == NULL)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = sscanf(line, "%*u %*u %*s %*s %4095s", line_mp) == 1 &&
			strcmp(line_mp, point) == 0;
	free(line);
	fclose(f);
	return found;
}

/* Runs a helper with stdin from /dev/null and its output captured in msg
 * (escaped, bounded). Returns its exit status, or -1 with err. */
static int run_helper(char *const argv[], char *msg, size_t msglen, rq_error *err)
{
	int out = memfd_create("raquet-helper", MFD_CLOEXEC), status;
	ssize_t n;
	pid_t pid;

	msg[0] = '\0';
	if (out < 0)
		return rq_fail_errno(err, errno, "cannot run %s", argv[0]);
	pid = fork();
	if (pid < 0) {
		close(out);
		return rq_fail_errno(err, errno, "cannot run %s", argv[0]);
	}
	if (pid == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDONLY);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* live mode blocks SIGINT */
		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			close(out);
			return rq_fail_errno(err, errno, "waiting for %s", argv[0]);
		}
	}
	n = pread(out, msg, msglen - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	for (char *p = msg; *p; p++) /* one line for the result document */
		if (*p == '\n')
			*p = *(p + 1) ? ' ' : '\0';
	close(out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && msg[0] == '\0')
		return rq_fail(err, "%s is not installed", argv[0]);
	if (!WIFEXITED(status))
		return rq_fail(err, "%s died with signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* Runs a FUSE helper that must leave point mounted. */
static int run_fuse(char *const argv[], const char *point, rq_error *err)
{
	char msg[HELPER_MSG_MAX], *esc;
	int rc = run_helper(argv, msg, sizeof(msg), err);

	if (rc < 0)
		return -1;
	if (rc == 0 && is_mountpoint(point))
		return 0;
	esc = escape_name(msg);
	rq_fail(err, "%s failed (exit %d)%s%s", argv[0], rc, esc && esc[0] ? ": " : "",
		esc ? esc : "");
	free(esc);
	if (rc == 0) /* said yes but mounted nothing: never leave it half there */
		umount2(point, MNT_DETACH);
	return -1;
}

/* Processes other than this one holding target open: the FUSE daemons. */
static size_t holders(const char *target, pid_t *pids, size_t max)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (proc == NULL)
		return 0;
	while (n < max && (de = readdir(proc)) != NULL) {
		char fddir[64], link[PATH_MAX], path[80 + NAME_MAX];
		pid_t pid = (pid_t)atoi(de->d_name);
		struct dirent *fe;
		DIR *fds;
		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(fddir, sizeof(fddir), "/proc/%d/fd", (int)pid);
		if ((fds = opendir(fddir)) == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			ssize_t l;
			snprintf(path, sizeof(path), "%s/%s", fddir, fe->d_name);
			l = readlink(path, link, sizeof(link) - 1);
			if (l > 0 && (link[l] = '\0', strcmp(link, target) == 0)) {
				pids[n++] = pid;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return n;
}

static bool gone(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* "pid (comm) S ..." */
	return p == NULL || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

static int wait_gone(const pid_t *pids, size_t n, const char *what, rq_error *err)
{
	for (long waited = 0; waited < RELEASE_WAIT_MS; waited += 50) {
		size_t left = 0;
		for (size_t i = 0; i < n; i++)
			left += !gone(pids[i]);
		if (left == 0)
			return 0;
		sleep_ms(50);
	}
	return rq_fail(err, "the %s daemon did not exit after unmounting", what);
}

/* umount2 with a few retries: a just-closed file may keep it busy briefly. */
static int unmount_point(const char *point, rq_error *err)
{
	for (int i = 0;; i++) {
		if (umount2(point, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i == 50)
			return rq_fail_errno(err, errno, "cannot unmount %s", point);
		sleep_ms(100);
	}
}

/* Appends point's line of /proc/self/mountinfo to the file named by
 * RAQUET_MOUNT_TRACE, when set: the tests' way to see the options every
 * mount really got while the volumes are still mounted (t6030). */
static void trace_mount(const char *point)
{
	const char *trace = getenv("RAQUET_MOUNT_TRACE");
	char mp[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f, *out;

	if (trace == NULL || *trace == '\0' || (f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	if ((out = fopen(trace, "ae")) != NULL) {
		while (getline(&line, &cap, f) > 0)
			if (sscanf(line, "%*u %*u %*s %*s %4095s", mp) == 1 &&
			    strcmp(mp, point) == 0)
				fputs(line, out);
		fclose(out);
	}
	free(line);
	fclose(f);
}

/* Every mount of a scanned disk is nosuid,nodev,noexec: a disk from an
 * infected PC may hold set-id programs and device nodes (ext4, or NTFS
 * with Interix nodes that ntfs-3g presents as real ones), and as root a
 * FUSE mount allows both unless told not to. Not every helper honours the
 * options it is given (exfat-fuse drops noexec), so the flags are set on
 * the mount point itself with a bind remount, which works for any file
 * system, keeping its read-only and atime flags; then they are checked. */
static int harden(const char *point, rq_error *err)
{
	struct statvfs sv;
	unsigned long keep = 0;
	const unsigned long want = ST_NOSUID | ST_NODEV | ST_NOEXEC;

	if (statvfs(point, &sv) != 0)
		return rq_fail_errno(err, errno, "cannot check the mount options of %s", point);
	if ((sv.f_flag & want) != want) {
		keep |= sv.f_flag & ST_RDONLY ? MS_RDONLY : 0;
		keep |= sv.f_flag & ST_NOATIME ? MS_NOATIME : 0;
		keep |= sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0;
		keep |= sv.f_flag & ST_RELATIME ? MS_RELATIME : 0;
		if (mount(NULL, point, NULL,
			  MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | keep,
			  NULL) != 0)
			return rq_fail_errno(err, errno, "cannot make %s nosuid,nodev,noexec",
					     point);
		if (statvfs(point, &sv) != 0 || (sv.f_flag & want) != want)
			return rq_fail(err, "%s is still not nosuid,nodev,noexec; left alone",
				       point);
	}
	trace_mount(point);
	return 0;
}

/* ntfs-3g's own test (ntfs_volume_check_hiberfile): a hiberfil.sys in the
 * root shorter than its 4 KiB header, or starting "hibr"/"HIBR", means
 * Windows is hibernated; a zeroed or "wake" header means it is not. */
static bool ntfs_hibernated(const char *point)
{
	unsigned char hdr[4];
	struct dirent *de;
	struct stat st;
	bool hib = false;
	DIR *d = opendir(point);

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		int fd;
		if (strcasecmp(de->d_name, "hiberfil.sys") != 0)
			continue;
		fd = walk_open_regular(dirfd(d), de->d_name, false, &st);
		if (fd < 0)
			continue;
		hib = st.st_size < HIBERFILE_HDR ||
		      (pread(fd, hdr, 4, 0) == 4 &&
		       (memcmp(hdr, "hibr", 4) == 0 || memcmp(hdr, "HIBR", 4) == 0));
		close(fd);
	}
	closedir(d);
	return hib;
}

static int mount_ntfs(const char *src, const struct mount_options *o, struct live_mount *m,
		      rq_error *err)
{
	char opts[128], source[PATH_MAX];
	char *argv[] = {"ntfs-3g", source, m->point, "-o", opts, NULL};

	snprintf(source, sizeof(source), "%s", src);
	snprintf(opts, sizeof(opts), "%s,nosuid,nodev,noexec,streams_interface=windows%s",
		 o->rw ? "rw,noatime" : "ro",
		 o->rw && o->remove_hiberfile ? ",remove_hiberfile" : "");
	m->driver = "ntfs-3g";
	if (run_fuse(argv, m->point, err) != 0)
		return -1;
	m->streams = true;
	m->hibernated = ntfs_hibernated(m->point);
	return 0;
}

static int mount_kernel(const char *dev, const char *type, bool rw, struct live_mount *m,
			int *errnum)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | (rw ? 0 : MS_RDONLY);
	const char *data = "";

	if (strcmp(type, "vfat") == 0)
		data = "utf8,shortname=mixed";
	else if (!rw && (strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0))
		data = "noload";      /* a read-only mount must not replay the journal */
	m->driver = known_type(type); /* type may be the caller's buffer */
	if (mount(dev, m->point, type, flags, data) == 0)
		return 0;
	*errnum = errno;
	return -1;
}

/* FAT and exFAT: the kernel's driver, else the FUSE one. */
static int mount_fat(const char *dev, const char *type, bool rw, struct live_mount *m,
		     rq_error *err)
{
	char source[PATH_MAX], opts[64];
	int errnum = 0;
	bool fat = strcmp(type, "vfat") == 0;
	char *fusefat[] = {"fusefat", source, m->point, "-o", opts, NULL};
	char *exfat[] = {"mount.exfat-fuse", "-o", opts, source, m->point, NULL};

	if (mount_kernel(dev, type, rw, m, &errnum) == 0)
		return 0;
	if (errnum != ENODEV)
		return rq_fail_errno(err, errnum, "mount %s", type);
	snprintf(source, sizeof(source), "%s", dev);
	snprintf(opts, sizeof(opts), "%s,nosuid,nodev,noexec",
		 fat ? (rw ? "rw+" : "ro") : (rw ? "noatime" : "ro"));
	m->driver = fat ? "fusefat" : "exfat-fuse";
	return run_fuse(fat ? fusefat : exfat, m->point, err);
}

/* The file system inside dislocker's decrypted file. */
static int inner_type(const char *file, char *type, size_t len, rq_error *err)
{
	blkid_probe pr = blkid_new_probe_from_filename(file);
	const char *val = NULL;
	int rc;

	if (pr == NULL)
		return rq_fail_errno(err, errno, "cannot open the unlocked volume");
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0 && blkid_probe_lookup_value(pr, "TYPE", &val, NULL) == 0 && val)
		snprintf(type, len, "%s", val);
	else
		type[0] = '\0';
	blkid_free_probe(pr);
	return type[0] ? 0 : rq_fail(err, "no file system inside the unlocked BitLocker volume");
}

static int unlock(const struct live_volume *v, const struct mount_options *o, struct live_mount *m,
		  char *file, size_t len, rq_error *err)
{
	char pass[80], dev[sizeof(v->dev)];
	char *argv[] = {"dislocker", "-q", "-V",          dev,  pass, "--",
			m->dl_point, "-o", HARDENED_OPTS, NULL, NULL};
	int rc;

	if (o->bitlocker_pass == NULL)
		return rq_fail(err, "BitLocker: no recovery key given (--bitlocker-key)");
	if (!o->rw) { /* read-only: "-r" before "--" */
		argv[5] = "-r";
		argv[6] = "--";
		argv[7] = m->dl_point;
		argv[8] = "-o";
		argv[9] = HARDENED_OPTS;
	}
	snprintf(dev, sizeof(dev), "%s", v->dev);
	snprintf(pass, sizeof(pass), "-p%s", o->bitlocker_pass);
	if (make_point("bitlocker", v->name, m->dl_point, sizeof(m->dl_point), err) != 0)
		return -1;
	rc = run_fuse(argv, m->dl_point, err);
	explicit_bzero(pass, sizeof(pass));
	if (rc != 0) {
		rmdir(m->dl_point);
		m->dl_point[0] = '\0';
		return -1;
	}
	m->dl_mounted = true;
	m->ndl_pids = holders(v->dev, m->dl_pids, MOUNT_MAX_PIDS);
	if (harden(m->dl_point, err) != 0)
		return -1; /* mount_volume's mount_release takes it down */
	snprintf(file, len, "%s/dislocker-file", m->dl_point);
	return 0;
}

static int mount_inner(const struct live_volume *v, const struct mount_options *o,
		       struct live_mount *m, char *src, rq_error *err)
{
	char type[32];
	int errnum = 0;

	if (strcmp(v->fstype, "BitLocker") == 0) {
		if (unlock(v, o, m, src, PATH_MAX, err) != 0 ||
		    inner_type(src, type, sizeof(type), err) != 0)
			return -1;
	} else {
		snprintf(src, PATH_MAX, "%s", v->dev);
		snprintf(type, sizeof(type), "%s", v->fstype);
	}
	if (strcmp(type, "ntfs") == 0)
		return mount_ntfs(src, o, m, err);
	if (strcmp(type, "vfat") == 0 || strcmp(type, "exfat") == 0)
		return mount_fat(src, type, o->rw, m, err);
	if (strncmp(type, "ext", 3) == 0 && mount_supported(type)) {
		if (mount_kernel(src, type, o->rw, m, &errnum) == 0)
			return 0;
		return rq_fail_errno(err, errnum, "mount %s", type);
	}
	return rq_fail(err, "no driver for %s", type);
}

int mount_volume(const struct live_volume *v, const struct mount_options *o, struct live_mount *m,
		 rq_error *err)
{
	char where[PATH_MAX], src[PATH_MAX];
	struct statvfs sv;
	rq_error ignored;

	memset(m, 0, sizeof(*m));
	mounted_at(v->dev, where, sizeof(where));
	if (where[0]) {
		char *esc = escape_name(where);
		rq_fail(err, "%s is already mounted at %s; left alone", v->dev, esc ? esc : "?");
		free(esc);
		return -1;
	}
	if (make_point("vol", v->name, m->point, sizeof(m->point), err) != 0)
		return -1;
	if (is_mountpoint(m->point))
		return rq_fail(err, "%s is already in use (a previous run?)", m->point);
	if (mount_inner(v, o, m, src, err) != 0) {
		mount_release(m, &ignored);
		return -1;
	}
	m->mounted = true;
	m->rw = o->rw;
	if (strcmp(m->driver, "ntfs-3g") == 0 || strncmp(m->driver, "fuse", 4) == 0 ||
	    strcmp(m->driver, "exfat-fuse") == 0)
		m->npids = holders(src, m->pids, MOUNT_MAX_PIDS);
	if (harden(m->point, err) != 0) {
		mount_release(m, &ignored);
		return -1;
	}
	if (o->rw && statvfs(m->point, &sv) == 0 && (sv.f_flag & ST_RDONLY)) {
		/* ntfs-3g falls back to read-only on a hibernated volume or one
		 * Fast Startup left unclean, and says so with exit status 0. */
		if (strcmp(m->driver, "ntfs-3g") == 0)
			m->hibernated = true;
		rq_fail(err, "%s could only be mounted read-only%s", v->dev,
			m->hibernated ? " (Windows is hibernated or used Fast Startup)" : "");
		mount_release(m, &ignored);
		return -1;
	}
	return 0;
}

int mount_release(struct live_mount *m, rq_error *err)
{
	if (m->point[0] && (m->mounted || is_mountpoint(m->point))) {
		if (unmount_point(m->point, err) != 0)
			return -1;
		m->mounted = false;
		if (wait_gone(m->pids, m->npids, m->driver ? m->driver : "FUSE", err) != 0)
			return -1;
		m->npids = 0;
	}
	if (m->dl_point[0]) {
		if (m->dl_mounted && unmount_point(m->dl_point, err) != 0)
			return -1;
		m->dl_mounted = false;
		if (wait_gone(m->dl_pids, m->ndl_pids, "dislocker", err) != 0)
			return -1;
		m->ndl_pids = 0;
		rmdir(m->dl_point);
		m->dl_point[0] = '\0';
	}
	if (m->point[0])
		rmdir(m->point);
	return 0;
}
