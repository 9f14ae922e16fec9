/* sysverify: the stick's system partitions against the images this IOC
 * issued (sync/sysverify.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atomicio.h"
#include "mountinfo.h"
#include "sysverify.h"

#define CMDLINE_MAX (64 * 1024)

const char *sysverify_state_text(enum sysverify_state s)
{
	switch (s) {
	case SYSVERIFY_NOT_A_DISK:
		return "not checked (a folder, not a stick's data partition)";
	case SYSVERIFY_NO_ESP:
		return "none on this disk (not made from a raquet image)";
	case SYSVERIFY_NO_ISSUED:
		return "not checked: this IOC has issued no image yet (raquet-sync image)";
	case SYSVERIFY_AS_ISSUED:
		return "as issued";
	case SYSVERIFY_MODIFIED:
		return "MODIFIED";
	}
	return "?";
}

/* The block device a FUSE daemon serves at mountpoint (fusefat shows no
 * device in mountinfo): the process whose arguments name the mount point
 * and a block device. 1 with *dev set, 0 when none. */
static int fuse_source(const char *mountpoint, dev_t *dev)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (d == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], *buf, real[PATH_MAX];
		dev_t cand = 0;
		int has_mp = 0, fd;
		ssize_t n;
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		buf = malloc(CMDLINE_MAX + 1);
		n = buf ? read_full(fd, buf, CMDLINE_MAX) : -1;
		close(fd);
		if (n <= 0) {
			free(buf);
			continue;
		}
		buf[n] = '\0';
		for (char *a = buf; a < buf + n; a += strlen(a) + 1) {
			struct stat st;
			if (*a != '/')
				continue;
			if (realpath(a, real) && strcmp(real, mountpoint) == 0)
				has_mp = 1;
			else if (stat(a, &st) == 0 && S_ISBLK(st.st_mode))
				cand = st.st_rdev;
		}
		free(buf);
		if (has_mp && cand != 0) {
			*dev = cand;
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* The device of the file system mounted exactly at real (0 when none). */
static int mount_device(const char *real, dev_t *dev, rq_error *err)
{
	char *line = NULL, mp[PATH_MAX], src[PATH_MAX], fstype[64];
	unsigned int maj = 0, min = 0, m1, m2;
	int found = 0;
	size_t cap = 0;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return rq_fail_errno(err, errno, "cannot read /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint options... - fstype source ... */
		char *dash = strstr(line, " - ");
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &m1, &m2, mp) != 3 || dash == NULL ||
		    sscanf(dash + 3, "%63s %4095s", fstype, src) != 2)
			continue;
		mountinfo_unescape(mp);
		mountinfo_unescape(src);
		if (strcmp(mp, real) != 0)
			continue;
		found = 1; /* later lines mount over earlier ones */
		maj = m1, min = m2;
		if (strncmp(fstype, "fuse", 4) == 0 || maj == 0) {
			struct stat st;
			if (strncmp(src, "/dev/", 5) == 0 && stat(src, &st) == 0 &&
			    S_ISBLK(st.st_mode))
				maj = major(st.st_rdev), min = minor(st.st_rdev);
			else
				maj = min = 0;
		}
	}
	free(line);
	fclose(f);
	if (!found)
		return 0;
	if (maj == 0) {
		if (!fuse_source(real, dev))
			return 0;
		return 1;
	}
	*dev = makedev(maj, min);
	return 1;
}

int sysverify_stick_disk(const char *stick, char disk[PATH_MAX], rq_error *err)
{
	char real[PATH_MAX], link[64], sys[PATH_MAX], pfile[PATH_MAX + 16], *base;
	dev_t dev;
	int rc;

	disk[0] = '\0';
	if (realpath(stick, real) == NULL)
		return rq_fail_errno(err, errno, "%s", stick);
	if ((rc = mount_device(real, &dev, err)) <= 0)
		return rc;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (realpath(link, sys) == NULL)
		return 0;
	snprintf(pfile, sizeof(pfile), "%s/partition", sys);
	if (access(pfile, F_OK) != 0)
		return 0; /* a whole disk holds no system partitions beside it */
	*strrchr(sys, '/') = '\0';
	base = strrchr(sys, '/') + 1;
	if (strlen(base) + 6 > PATH_MAX || strchr(base, '.') == base)
		return 0;
	snprintf(disk, PATH_MAX, "/dev/%s", base);
	return 1;
}

/* --- comparing ------------------------------------------------------------ */

static void keep_diff(const char *name, const char *what, void *ctx)
{
	struct sysverify_report *rep = ctx;

	if (rep->ndiffs < SYSVERIFY_DIFF_MAX) {
		snprintf(rep->diffs[rep->ndiffs].name, sizeof(rep->diffs[0].name), "%s", name);
		rep->diffs[rep->ndiffs].what = what;
	}
	rep->ndiffs++;
}

static int is_list_name(const char *n)
{
	size_t len = strlen(n);

	if (len != 16 + 5 || strcmp(n + 16, ".list") != 0)
		return 0;
	for (size_t i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)n[i]))
			return 0;
	return 1;
}

/* Compares found with every KEY.list the IOC kept; differences against the
 * current issued.list when none matches. */
static int compare_issued(struct ioc *ioc, const struct image_list *found,
			  struct sysverify_report *rep, rq_error *err)
{
	int imgdir = openat(ioc->dirfd, IMAGE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct image_list issued;
	struct dirent *e;
	DIR *d;
	int any = 0;

	if (imgdir < 0) {
		rep->state = SYSVERIFY_NO_ISSUED;
		return errno == ENOENT ? 0
				       : rq_fail_errno(err, errno, "%s/%s", ioc->dir, IMAGE_DIR);
	}
	if ((d = fdopendir(imgdir)) == NULL) {
		close(imgdir);
		return rq_fail_errno(err, errno, "%s/%s", ioc->dir, IMAGE_DIR);
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_list_name(e->d_name))
			continue;
		if (image_list_read(dirfd(d), e->d_name, &issued, err) != 0) {
			closedir(d);
			return -1;
		}
		any = 1;
		if (image_list_compare(&issued, found, NULL, NULL) == 0) {
			snprintf(rep->list_key, sizeof(rep->list_key), "%.16s", e->d_name);
			rep->state = SYSVERIFY_AS_ISSUED;
			image_list_free(&issued);
			closedir(d);
			return 0;
		}
		image_list_free(&issued);
	}
	if (!any) {
		closedir(d);
		rep->state = SYSVERIFY_NO_ISSUED;
		return 0;
	}
	rep->state = SYSVERIFY_MODIFIED;
	if (image_list_read(dirfd(d), IMAGE_LIST, &issued, err) != 0) {
		closedir(d);
		return -1;
	}
	closedir(d);
	image_list_compare(&issued, found, keep_diff, rep);
	image_list_free(&issued);
	return 0;
}

int sysverify_check(struct ioc *ioc, const char *stick, struct sysverify_report *rep, rq_error *err)
{
	struct image_layout l;
	struct image_list found;
	rq_error why;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if ((rc = sysverify_stick_disk(stick, rep->disk, err)) < 0)
		return -1;
	if (rc == 0) {
		rep->state = SYSVERIFY_NOT_A_DISK;
		return 0;
	}
	if (image_layout(rep->disk, &l, &why) != 0) {
		rep->state = SYSVERIFY_NO_ESP;
		return 0;
	}
	if (image_digest(&l, &found, err) != 0)
		return -1;
	rc = compare_issued(ioc, &found, rep, err);
	image_list_free(&found);
	return rc;
}

/* --- rewriting ------------------------------------------------------------ */

/* Copies n bytes of the issued image at off onto dev (opened O_EXCL when it
 * is a partition: a mounted one is busy) at dev_off. */
static int write_region(int img, uint64_t off, uint64_t n, const char *dev, uint64_t dev_off,
			int excl, rq_error *err)
{
	int fd = open(dev, O_WRONLY | O_CLOEXEC | (excl ? O_EXCL : 0));
	unsigned char *buf;
	int rc = 0;

	if (fd < 0)
		return rq_fail_errno(err, errno, "%s%s", dev,
				     errno == EBUSY ? " (mounted? unmount it first)" : "");
	/* Every byte written, zeros too: a hole in the image is old data on
	 * the stick. */
	if ((buf = malloc(1024 * 1024)) == NULL) {
		close(fd);
		return rq_fail(err, "out of memory");
	}
	while (n > 0 && rc == 0) {
		size_t want = n < 1024 * 1024 ? (size_t)n : 1024 * 1024;
		ssize_t got = pread_full(img, buf, want, (off_t)off);
		if (got != (ssize_t)want)
			rc = rq_fail(err, "the issued image is shorter than its partition table");
		else if (pwrite(fd, buf, want, (off_t)dev_off) != (ssize_t)want)
			rc = rq_fail_errno(err, errno, "%s: write", dev);
		off += want, dev_off += want, n -= want;
	}
	free(buf);
	if (rc == 0 && fsync(fd) != 0)
		rc = rq_fail_errno(err, errno, "%s: fsync", dev);
	close(fd);
	return rc;
}

int sysverify_rewrite(struct ioc *ioc, const char *stick, struct sysverify_report *rep,
		      rq_error *err)
{
	struct image_layout want, have;
	char path[PATH_MAX];
	int img, rc;

	memset(rep, 0, sizeof(*rep));
	if ((rc = sysverify_stick_disk(stick, rep->disk, err)) < 0)
		return -1;
	if (rc == 0)
		return rq_fail(err,
			       "%s is not the mounted data partition of a stick: --image "
			       "needs the stick itself",
			       stick);
	if (snprintf(path, sizeof(path), "%s/%s/%s", ioc->dir, IMAGE_DIR, IMAGE_ISSUED) >=
	    (int)sizeof(path))
		return rq_fail(err, "IOC path too long");
	if (access(path, F_OK) != 0)
		return rq_fail(err, "this IOC has issued no image yet (raquet-sync image --from "
				    "RELEASED.img --out FILE)");
	if (image_layout(path, &want, err) != 0 || image_layout(rep->disk, &have, err) != 0)
		return -1;
	if (have.esp_size < want.esp_size || have.bios_size < want.bios_size)
		return rq_fail(err, "the stick's system partitions are smaller than the issued "
				    "image's: write the whole image to it instead");
	if ((img = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return rq_fail_errno(err, errno, "%s", path);
	rc = write_region(img, want.esp_off, want.esp_size, have.esp_dev, 0, 1, err);
	if (rc == 0 && want.bios_size > 0)
		rc = write_region(img, want.bios_off, want.bios_size, have.bios_dev, 0, 1, err);
	if (rc == 0)
		rc = write_region(img, 0, 440, have.path, 0, 0, err);
	close(img);
	if (rc != 0)
		return -1;
	if (sysverify_check(ioc, stick, rep, err) != 0)
		return -1;
	if (rep->state != SYSVERIFY_AS_ISSUED)
		return rq_fail(err, "the stick's system partitions still differ after rewriting "
				    "them (a failing stick?)");
	return 0;
}
