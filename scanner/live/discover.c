/* discover: block devices from /sys/block, probed with libblkid. */
#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "escape.h"
#include "live/discover.h"
#include "mountinfo.h"

#define SYS_BLOCK "/sys/block"

struct found {
	struct live_volume *v;
	size_t n;
};

/* Kernel names are [A-Za-z0-9._-]; anything else is refused so a name can
 * go into paths and messages as is. */
static bool good_name(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) >= DISCOVER_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Reads a small sysfs attribute as a number; -1 when missing. */
static long long sys_number(const char *dir, const char *attr)
{
	char path[PATH_MAX], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

static bool skipped_kind(const char *disk)
{
	static const char *const kinds[] = {"loop", "ram", "zram", "sr", "fd", "nbd"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(disk, kinds[i], strlen(kinds[i])) == 0 &&
		    (disk[strlen(kinds[i])] == '\0' ||
		     isdigit((unsigned char)disk[strlen(kinds[i])])))
			return true;
	return false;
}

static void copy_value(blkid_probe pr, const char *key, char *dst, size_t len)
{
	const char *val = NULL;

	dst[0] = '\0';
	if (blkid_probe_lookup_value(pr, key, &val, NULL) == 0 && val != NULL)
		snprintf(dst, len, "%s", val);
}

/* Probes v->dev for a file system; whole disks also for a partition table. */
static int probe(struct live_volume *v, bool whole, rq_error *err)
{
	blkid_probe pr = blkid_new_probe_from_filename(v->dev);
	char pttype[32];
	int rc;

	if (pr == NULL)
		return rq_fail_errno(err, errno, "%s: cannot open for probing", v->dev);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
						  BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, whole);
	if (whole)
		blkid_probe_set_partitions_flags(pr, 0);
	v->size = (uint64_t)blkid_probe_get_size(pr);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0) {
		copy_value(pr, "TYPE", v->fstype, sizeof(v->fstype));
		copy_value(pr, "LABEL", v->label, sizeof(v->label));
		copy_value(pr, "UUID", v->uuid, sizeof(v->uuid));
		copy_value(pr, "PTTYPE", pttype, sizeof(pttype));
		if (v->fstype[0] == '\0' && pttype[0])
			v->note = "a partition table whose partitions the kernel does not show";
	} else if (rc == 1) {
		v->note = "no file system";
	} else if (rc == -2) {
		v->note = "several file system signatures (ambiguous); left alone";
	} else {
		blkid_free_probe(pr);
		return rq_fail(err, "%s: libblkid cannot probe it", v->dev);
	}
	blkid_free_probe(pr);
	return 0;
}

static int add(struct found *f, const char *name, const char *disk, bool whole, rq_error *err)
{
	struct live_volume *v;

	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return 0;
	if (f->n == DISCOVER_MAX_VOLUMES)
		return rq_fail(err, "more than %d volumes", DISCOVER_MAX_VOLUMES);
	v = &f->v[f->n];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->disk, sizeof(v->disk), "%s", disk);
	snprintf(v->dev, sizeof(v->dev), "/dev/%s", name);
	if (probe(v, whole, err) != 0)
		return -1;
	f->n++;
	return 0;
}

/* True when partition number partno of the disk is an extended (container)
 * partition, which holds no file system of its own. */
static bool is_extended(blkid_partlist ls, long long partno)
{
	blkid_partition p =
	    ls && partno > 0 ? blkid_partlist_get_partition_by_partno(ls, (int)partno) : NULL;
	return p != NULL && blkid_partition_is_extended(p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the partitions of disk (only the one named `only` when not NULL), or
 * the disk itself when it has none. */
static int add_disk(struct found *f, const char *disk, const char *only, rq_error *err)
{
	char dir[PATH_MAX], pdir[PATH_MAX + 512], devpath[PATH_MAX];
	char *names[DISCOVER_MAX_VOLUMES];
	size_t nn = 0;
	blkid_probe pr;
	blkid_partlist ls = NULL;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	snprintf(dir, sizeof(dir), SYS_BLOCK "/%s", disk);
	if ((d = opendir(dir)) == NULL)
		return rq_fail_errno(err, errno, "cannot list %s", dir);
	while ((de = readdir(d)) != NULL && nn < DISCOVER_MAX_VOLUMES) {
		if (strncmp(de->d_name, disk, strlen(disk)) != 0 || !good_name(de->d_name))
			continue;
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, de->d_name);
		if (sys_number(pdir, "partition") > 0 && (names[nn] = strdup(de->d_name)) != NULL)
			nn++;
	}
	closedir(d);
	if (nn == 0)
		return only ? rq_fail(err, "/dev/%s: no such partition", only)
			    : add(f, disk, disk, true, err);
	qsort(names, nn, sizeof(names[0]), cmp_str);
	snprintf(devpath, sizeof(devpath), "/dev/%s", disk);
	if ((pr = blkid_new_probe_from_filename(devpath)) != NULL) {
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		ls = blkid_probe_get_partitions(pr);
	}
	for (size_t i = 0; i < nn; i++) {
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, names[i]);
		if (rc == 0 && (only == NULL || strcmp(only, names[i]) == 0) &&
		    !is_extended(ls, sys_number(pdir, "partition")) && sys_number(pdir, "size") > 0)
			rc = add(f, names[i], disk, false, err);
		free(names[i]);
	}
	if (pr)
		blkid_free_probe(pr);
	return rc;
}

/* What a --device argument is: its kernel name, and its disk's name when it
 * is a partition (else disk = name). */
static int resolve(const char *dev, char name[DISCOVER_NAME_MAX], char disk[DISCOVER_NAME_MAX],
		   rq_error *err)
{
	char link[64], real[PATH_MAX], pfile[PATH_MAX + 16], *base, *slash;
	struct stat st;
	char *disp;

	if (stat(dev, &st) != 0 || !S_ISBLK(st.st_mode)) {
		int e = errno;
		disp = escape_name(dev);
		if (S_ISBLK(st.st_mode) || e == 0)
			rq_fail(err, "--device %s: not a block device", disp ? disp : "?");
		else
			rq_fail_errno(err, e, "--device %s", disp ? disp : "?");
		free(disp);
		return -1;
	}
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (realpath(link, real) == NULL)
		return rq_fail_errno(err, errno, "--device: cannot find %s", link);
	base = strrchr(real, '/') + 1;
	if (!good_name(base))
		return rq_fail(err, "--device: unexpected kernel name under %s", link);
	snprintf(name, DISCOVER_NAME_MAX, "%s", base);
	snprintf(pfile, sizeof(pfile), "%s/partition", real);
	if (access(pfile, F_OK) == 0) {
		base[-1] = '\0';
		slash = strrchr(real, '/');
		if (slash == NULL || !good_name(slash + 1))
			return rq_fail(err, "--device: cannot find the disk of %s", name);
		snprintf(disk, DISCOVER_NAME_MAX, "%s", slash + 1);
	} else {
		snprintf(disk, DISCOVER_NAME_MAX, "%s", name);
	}
	return 0;
}

static int add_all(struct found *f, const char *skip_disk, rq_error *err)
{
	struct dirent *de;
	DIR *d = opendir(SYS_BLOCK);
	char dir[PATH_MAX];
	int rc = 0;

	if (d == NULL)
		return rq_fail_errno(err, errno, "cannot list " SYS_BLOCK);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *disk = de->d_name;
		if (!good_name(disk) || skipped_kind(disk) ||
		    (skip_disk && strcmp(disk, skip_disk) == 0))
			continue;
		snprintf(dir, sizeof(dir), SYS_BLOCK "/%s", disk);
		if (sys_number(dir, "ro") == 1 || sys_number(dir, "size") <= 0)
			continue;
		/* An optical drive that is not named sr*: removable with a CD-ROM
		 * capability bit (GENHD_FL_CD, 8) in capability. */
		if (sys_number(dir, "removable") == 1 && (sys_number(dir, "capability") & 8))
			continue;
		rc = add_disk(f, disk, NULL, err);
	}
	closedir(d);
	return rc;
}

static int cmp_vol(const void *a, const void *b)
{
	return strcmp(((const struct live_volume *)a)->name, ((const struct live_volume *)b)->name);
}

int discover_volumes(const char *const *devices, size_t ndevices, const char *skip_disk,
		     struct live_volume **out, size_t *n, rq_error *err)
{
	struct found f = {calloc(DISCOVER_MAX_VOLUMES, sizeof(struct live_volume)), 0};
	char name[DISCOVER_NAME_MAX], disk[DISCOVER_NAME_MAX];
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (f.v == NULL)
		return rq_fail(err, "out of memory");
	if (skip_disk && skip_disk[0] == '\0')
		skip_disk = NULL;
	if (ndevices == 0)
		rc = add_all(&f, skip_disk, err);
	for (size_t i = 0; rc == 0 && i < ndevices; i++) {
		if ((rc = resolve(devices[i], name, disk, err)) != 0)
			break;
		if (skip_disk && strcmp(disk, skip_disk) == 0)
			rc = rq_fail(err, "--device /dev/%s is on the stick's own disk", name);
		else
			rc = add_disk(&f, disk, strcmp(name, disk) ? name : NULL, err);
	}
	if (rc != 0) {
		free(f.v);
		return -1;
	}
	qsort(f.v, f.n, sizeof(*f.v), cmp_vol);
	*out = f.v;
	*n = f.n;
	return 0;
}

/* The disk of block device major:minor (itself when it is a disk). */
static int disk_of(unsigned int maj, unsigned int min, char disk[DISCOVER_NAME_MAX])
{
	char link[64], real[PATH_MAX], pfile[PATH_MAX + 16], *base;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", maj, min);
	if (realpath(link, real) == NULL)
		return 0;
	snprintf(pfile, sizeof(pfile), "%s/partition", real);
	if (access(pfile, F_OK) == 0)
		*strrchr(real, '/') = '\0';
	base = strrchr(real, '/') + 1;
	if (!good_name(base))
		return 0;
	snprintf(disk, DISCOVER_NAME_MAX, "%s", base);
	return 1;
}

int discover_stick_disk(const char *dir, char disk[DISCOVER_NAME_MAX], rq_error *err)
{
	char real[PATH_MAX], *line = NULL, best_src[PATH_MAX] = "";
	unsigned int best_maj = 0, best_min = 0;
	size_t cap = 0, best_len = 0;
	FILE *f;

	disk[0] = '\0';
	if (realpath(dir, real) == NULL)
		return rq_fail_errno(err, errno, "cannot resolve the stick directory");
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return rq_fail_errno(err, errno, "cannot read /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint options... - fstype source ... */
		char mp[PATH_MAX], src[PATH_MAX], *dash;
		unsigned int maj, min;
		size_t len;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3 ||
		    (dash = strstr(line, " - ")) == NULL ||
		    sscanf(dash + 3, "%*s %4095s", src) != 1)
			continue;
		mountinfo_unescape(mp);
		mountinfo_unescape(src);
		len = strlen(mp);
		if (strcmp(mp, "/") == 0)
			len = 0;
		else if (strncmp(real, mp, len) != 0 || (real[len] != '/' && real[len] != '\0'))
			continue;
		if (len >= best_len) { /* later lines mount over earlier ones */
			best_len = len;
			best_maj = maj;
			best_min = min;
			snprintf(best_src, sizeof(best_src), "%s", src);
		}
	}
	free(line);
	fclose(f);
	if (best_maj != 0 && disk_of(best_maj, best_min, disk))
		return 1;
	/* A FUSE file system (exfat-fuse on the stick) shows an anonymous
	 * device; its source names the block device. */
	if (strncmp(best_src, "/dev/", 5) == 0) {
		struct stat st;
		if (stat(best_src, &st) == 0 && S_ISBLK(st.st_mode) &&
		    disk_of(major(st.st_rdev), minor(st.st_rdev), disk))
			return 1;
	}
	return 0;
}
