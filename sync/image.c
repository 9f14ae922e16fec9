/* image: the system part of a raquet disk, its digest list, and the IOC's
 * key stamped into a released image (sync/image.h). mtools reads and
 * writes the FAT of the ESP: the kernel here may have no vfat, and an image
 * file needs no loop device. */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicio.h"
#include "image.h"

extern char **environ;

#define MBR_CODE_BYTES 440 /* boot.img's code; the partition table follows */
#define CHUNK          (1024 * 1024)
#define LISTING_MAX    ((size_t)IMAGE_FILES_MAX * (IMAGE_NAME_MAX + 8))
#define LIST_FILE_MAX  ((size_t)(IMAGE_FILES_MAX + 8) * (IMAGE_NAME_MAX + 96))
#define LIST_MAGIC     "raquet.sysimage/1"
#define ESP_TYPE       "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define BIOS_BOOT_TYPE "21686148-6449-6e6f-744e-656564454649"

/* --- mtools as a child ---------------------------------------------------- */

/* The environment of every mtools run: mtools checks the FAT's geometry
 * against a floppy's unless told not to, and names come out in UTF-8. */
static char **mtools_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	if ((env = calloc(n + 3, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "MTOOLS_SKIP_CHECK=", 18) != 0 &&
		    strncmp(environ[i], "LC_ALL=", 7) != 0)
			env[k++] = environ[i];
	env[k++] = "MTOOLS_SKIP_CHECK=1";
	env[k++] = "LC_ALL=C.UTF-8";
	env[k] = NULL;
	return env;
}

/* Starts argv with stdout on out (stdin and stderr on /dev/null: mtools
 * prints hostile names in its complaints). */
static int spawn(char *const argv[], int out, pid_t *pid, rq_error *err)
{
	posix_spawn_file_actions_t fa;
	char **env = mtools_env();
	int rc;

	if (env == NULL)
		return rq_fail(err, "out of memory");
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		free(env);
		return rq_fail_errno(err, rc, "cannot start %s", argv[0]);
	}
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = out >= 0 ? posix_spawn_file_actions_adddup2(&fa, out, 1)
			      : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (rc == 0)
		rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0)
		return rq_fail_errno(err, rc, "cannot start %s (make deps installs mtools)",
				     argv[0]);
	return 0;
}

static int reap(pid_t pid, const char *what, rq_error *err)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return rq_fail_errno(err, errno, "%s: waitpid", what);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return rq_fail(err, "%s failed (%s %d)", what, WIFEXITED(st) ? "exit" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* Runs argv and hands its stdout to sink chunk by chunk. */
static int run_read(char *const argv[], int (*sink)(const void *, size_t, void *), void *ctx,
		    const char *what, rq_error *err)
{
	char buf[65536];
	int fds[2], rc = 0;
	ssize_t got;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return rq_fail_errno(err, errno, "pipe");
	if (spawn(argv, fds[1], &pid, err) != 0) {
		close(fds[0]), close(fds[1]);
		return -1;
	}
	close(fds[1]);
	while ((got = read(fds[0], buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = rq_fail_errno(err, errno, "%s: read", what);
			break;
		}
		if (sink(buf, (size_t)got, ctx) != 0) {
			/* A hostile FAT (a cluster chain in a loop, a directory
			 * inside itself) would keep mtools talking for ever. */
			rc = rq_fail(err,
				     "%s: more than the partition holds (a damaged or "
				     "hostile file system)",
				     what);
			kill(pid, SIGKILL);
			break;
		}
	}
	close(fds[0]);
	if (reap(pid, what, rc == 0 ? err : NULL) != 0 && rc == 0)
		rc = -1;
	return rc;
}

/* "-i" argument naming the ESP: its device, or the image at its offset. */
static int esp_arg(const struct image_layout *l, char *out, size_t outsz, rq_error *err)
{
	int n = l->is_device ? snprintf(out, outsz, "%s", l->esp_dev)
			     : snprintf(out, outsz, "%s@@%" PRIu64, l->path, l->esp_off);
	if (n < 0 || (size_t)n >= outsz || strstr(l->path, "@@") != NULL)
		return rq_fail(err, "%s: path too long or with \"@@\" (mtools' offset marker)",
			       l->path);
	return 0;
}

/* --- the partition table -------------------------------------------------- */

/* On a block device, the device of partition partno (/dev/loop0p2). */
static int part_dev(const char *disk, int partno, char *out, size_t outsz, rq_error *err)
{
	char sys[PATH_MAX], sub[PATH_MAX + 300];
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (stat(disk, &st) != 0)
		return rq_fail_errno(err, errno, "%s", disk);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if ((d = opendir(sys)) == NULL)
		return rq_fail_errno(err, errno, "%s", sys);
	while ((e = readdir(d)) != NULL) {
		FILE *f;
		int n = -1;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/partition", sys, e->d_name);
		if ((f = fopen(sub, "re")) == NULL)
			continue;
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
		if (n == partno && strlen(e->d_name) + 6 <= outsz) {
			snprintf(out, outsz, "/dev/%s", e->d_name);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return rq_fail(err, "%s: partition %d has no device (partx -a %s?)", disk, partno, disk);
}

/* Whether partition p holds a FAT labelled RAQUETBOOT (a table rewritten
 * without names still finds the ESP by its file system). */
static int fat_label_is(const char *path, uint64_t off, uint64_t size, const char *label)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), yes = 0;
	blkid_probe pr = fd >= 0 ? blkid_new_probe() : NULL;
	const char *v = NULL;

	if (pr != NULL &&
	    blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size) == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL);
		if (blkid_do_safeprobe(pr) == 0 &&
		    blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0 && v != NULL)
			yes = strcmp(v, label) == 0;
	}
	if (pr != NULL)
		blkid_free_probe(pr);
	if (fd >= 0)
		close(fd);
	return yes;
}

int image_layout(const char *path, struct image_layout *l, rq_error *err)
{
	blkid_probe pr;
	blkid_partlist ls;
	struct stat st;
	int n, esp = -1, bios = -1;

	memset(l, 0, sizeof(*l));
	if (strlen(path) >= sizeof(l->path))
		return rq_fail(err, "%s: path too long", path);
	snprintf(l->path, sizeof(l->path), "%s", path);
	if (stat(path, &st) != 0)
		return rq_fail_errno(err, errno, "%s", path);
	l->is_device = S_ISBLK(st.st_mode);
	if (!l->is_device && !S_ISREG(st.st_mode))
		return rq_fail(err, "%s is neither an image file nor a disk", path);
	if ((pr = blkid_new_probe_from_filename(path)) == NULL)
		return rq_fail_errno(err, errno, "%s: cannot open for probing", path);
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	if ((ls = blkid_probe_get_partitions(pr)) == NULL ||
	    (n = blkid_partlist_numof_partitions(ls)) <= 0) {
		blkid_free_probe(pr);
		return rq_fail(err, "%s: no partition table", path);
	}
	for (int i = 0; i < n; i++) {
		blkid_partition p = blkid_partlist_get_partition(ls, i);
		const char *name = blkid_partition_get_name(p),
			   *type = blkid_partition_get_type_string(p);
		uint64_t off = (uint64_t)blkid_partition_get_start(p) * 512,
			 size = (uint64_t)blkid_partition_get_size(p) * 512;
		if (esp < 0 && ((name && strcmp(name, IMAGE_ESP_LABEL) == 0) ||
				fat_label_is(path, off, size, IMAGE_ESP_LABEL))) {
			esp = blkid_partition_get_partno(p);
			l->esp_off = off, l->esp_size = size;
		} else if (bios < 0 && type && strcasecmp(type, BIOS_BOOT_TYPE) == 0) {
			bios = blkid_partition_get_partno(p);
			l->bios_off = off, l->bios_size = size;
		}
	}
	blkid_free_probe(pr);
	if (esp < 0)
		return rq_fail(err, "%s: no %s partition (not a raquet disk)", path,
			       IMAGE_ESP_LABEL);
	if (l->is_device &&
	    (part_dev(path, esp, l->esp_dev, sizeof(l->esp_dev), err) != 0 ||
	     (bios >= 0 && part_dev(path, bios, l->bios_dev, sizeof(l->bios_dev), err) != 0)))
		return -1;
	return 0;
}

/* --- digests -------------------------------------------------------------- */

static int add_entry(struct image_list *list, const char *name, uint64_t size,
		     const unsigned char sha[32], rq_error *err)
{
	struct image_digest *v;

	if (list->n >= IMAGE_FILES_MAX + 2)
		return rq_fail(err, "more than %d files on the system partition", IMAGE_FILES_MAX);
	if (strlen(name) >= IMAGE_NAME_MAX)
		return rq_fail(err, "a file name on the system partition is too long");
	if ((v = realloc(list->v, (list->n + 1) * sizeof(*v))) == NULL)
		return rq_fail(err, "out of memory");
	list->v = v;
	v = &list->v[list->n++];
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->size = size;
	memcpy(v->sha256, sha, 32);
	return 0;
}

/* SHA-256 of n bytes of path at off. */
static int hash_range(const char *path, uint64_t off, uint64_t n, unsigned char sha[32],
		      rq_error *err)
{
	crypto_hash_sha256_state st;
	unsigned char *buf;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return rq_fail_errno(err, errno, "%s", path);
	if ((buf = malloc(CHUNK)) == NULL) {
		close(fd);
		return rq_fail(err, "out of memory");
	}
	crypto_hash_sha256_init(&st);
	while (n > 0 && rc == 0) {
		size_t want = n < CHUNK ? (size_t)n : CHUNK;
		ssize_t got = pread_full(fd, buf, want, (off_t)off);
		if (got != (ssize_t)want)
			rc = got < 0
				 ? rq_fail_errno(err, errno, "%s: read", path)
				 : rq_fail(err, "%s: shorter than its partition table says", path);
		else
			crypto_hash_sha256_update(&st, buf, want);
		off += want, n -= want;
	}
	crypto_hash_sha256_final(&st, sha);
	free(buf);
	close(fd);
	return rc;
}

struct hash_sink {
	crypto_hash_sha256_state st;
	uint64_t size, max;
};

static int hash_chunk(const void *buf, size_t len, void *ctx)
{
	struct hash_sink *h = ctx;

	if ((h->size += len) > h->max)
		return -1;
	crypto_hash_sha256_update(&h->st, buf, len);
	return 0;
}

struct text_sink {
	char *buf;
	size_t len, max;
};

static int text_chunk(const void *buf, size_t len, void *ctx)
{
	struct text_sink *t = ctx;
	char *nb;

	if (t->len + len > t->max || (nb = realloc(t->buf, t->len + len + 1)) == NULL)
		return -1;
	memcpy(nb + t->len, buf, len);
	t->buf = nb;
	t->len += len;
	t->buf[t->len] = '\0';
	return 0;
}

static int cmp_digest(const void *a, const void *b)
{
	return strcmp(((const struct image_digest *)a)->name,
		      ((const struct image_digest *)b)->name);
}

/* Every file of the ESP (hidden and system ones too: -a), hashed. */
static int digest_esp(const struct image_layout *l, struct image_list *list, rq_error *err)
{
	char img[PATH_MAX + 32], name[IMAGE_NAME_MAX + 8];
	struct text_sink t = {NULL, 0, LISTING_MAX};
	char *line, *save = NULL;
	int rc = 0;

	if (esp_arg(l, img, sizeof(img), err) != 0)
		return -1;
	char *mdir[] = {"mdir", "-/", "-a", "-b", "-i", img, "::/", NULL};
	if (run_read(mdir, text_chunk, &t, "mdir (listing the system partition)", err) != 0) {
		free(t.buf);
		return -1;
	}
	for (line = t.buf ? strtok_r(t.buf, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		struct hash_sink h = {.max = l->esp_size};
		unsigned char sha[32];
		size_t len = strlen(line);
		if (strncmp(line, "::/", 3) != 0 || line[len - 1] == '/')
			continue; /* a directory: only files boot */
		if (len >= IMAGE_NAME_MAX - 4) {
			rc = rq_fail(err, "a file name on the system partition is too long");
			break;
		}
		crypto_hash_sha256_init(&h.st);
		char *mcopy[] = {"mcopy", "-n", "-i", img, line, "-", NULL};
		if ((rc = run_read(mcopy, hash_chunk, &h, "mcopy (reading the system partition)",
				   err)) != 0)
			break;
		crypto_hash_sha256_final(&h.st, sha);
		snprintf(name, sizeof(name), "esp:%s", line + 2);
		rc = add_entry(list, name, h.size, sha, err);
	}
	free(t.buf);
	return rc;
}

int image_digest(const struct image_layout *l, struct image_list *out, rq_error *err)
{
	unsigned char sha[32];

	out->v = NULL, out->n = 0;
	if (rq_crypto_init(err) != 0)
		goto fail;
	if (hash_range(l->path, 0, MBR_CODE_BYTES, sha, err) != 0 ||
	    add_entry(out, "mbr", MBR_CODE_BYTES, sha, err) != 0)
		goto fail;
	if (l->bios_size > 0 &&
	    ((l->is_device ? hash_range(l->bios_dev, 0, l->bios_size, sha, err)
			   : hash_range(l->path, l->bios_off, l->bios_size, sha, err)) != 0 ||
	     add_entry(out, "bios-boot", l->bios_size, sha, err) != 0))
		goto fail;
	if (digest_esp(l, out, err) != 0)
		goto fail;
	qsort(out->v, out->n, sizeof(*out->v), cmp_digest);
	return 0;
fail:
	image_list_free(out);
	return -1;
}

void image_list_free(struct image_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int image_list_format(const struct image_list *list, char **text, size_t *len, rq_error *err)
{
	char *buf = NULL, hex[65];
	size_t cap = 0;
	FILE *f = open_memstream(&buf, &cap);

	if (f == NULL)
		return rq_fail(err, "out of memory");
	fprintf(f, "%s\n", LIST_MAGIC);
	for (size_t i = 0; i < list->n; i++) {
		sodium_bin2hex(hex, sizeof(hex), list->v[i].sha256, 32);
		fprintf(f, "%s %" PRIu64 " %s\n", hex, list->v[i].size, list->v[i].name);
	}
	if (fclose(f) != 0) {
		free(buf);
		return rq_fail(err, "out of memory");
	}
	*text = buf;
	*len = cap;
	return 0;
}

int image_list_read(int dirfd, const char *name, struct image_list *list, rq_error *err)
{
	char *buf, *line, *save = NULL;
	size_t len;
	int rc = 0, first = 1;

	list->v = NULL, list->n = 0;
	if (read_file_bounded(dirfd, name, LIST_FILE_MAX, &buf, &len, err) != 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned char sha[32];
		char hex[65], *end;
		uint64_t size;
		if (first) {
			first = 0;
			if (strcmp(line, LIST_MAGIC) != 0)
				rc = rq_fail(err, "%s: not a digest list (%s)", name, LIST_MAGIC);
			continue;
		}
		if (strlen(line) < 67 || line[64] != ' ' ||
		    (memcpy(hex, line, 64), hex[64] = '\0',
		     sodium_hex2bin(sha, 32, hex, 64, NULL, NULL, NULL) != 0)) {
			rc = rq_fail(err, "%s: a bad line", name);
			break;
		}
		errno = 0;
		size = strtoull(line + 65, &end, 10);
		if (errno != 0 || end == line + 65 || *end != ' ')
			rc = rq_fail(err, "%s: a bad size", name);
		else
			rc = add_entry(list, end + 1, size, sha, err);
	}
	if (rc == 0 && first)
		rc = rq_fail(err, "%s: empty", name);
	free(buf);
	if (rc != 0)
		image_list_free(list);
	else
		qsort(list->v, list->n, sizeof(*list->v), cmp_digest);
	return rc;
}

size_t image_list_compare(const struct image_list *issued, const struct image_list *found,
			  void (*diff)(const char *name, const char *what, void *ctx), void *ctx)
{
	size_t i = 0, j = 0, n = 0;

	while (i < issued->n || j < found->n) {
		int c = i == issued->n  ? 1
			: j == found->n ? -1
					: strcmp(issued->v[i].name, found->v[j].name);
		if (c < 0) {
			if (diff)
				diff(issued->v[i].name, "missing", ctx);
			i++, n++;
		} else if (c > 0) {
			if (diff)
				diff(found->v[j].name, "added", ctx);
			j++, n++;
		} else {
			if (issued->v[i].size != found->v[j].size ||
			    sodium_memcmp(issued->v[i].sha256, found->v[j].sha256, 32) != 0) {
				if (diff)
					diff(found->v[j].name, "changed", ctx);
				n++;
			}
			i++, j++;
		}
	}
	return n;
}

/* --- stamping ------------------------------------------------------------- */

int image_copy_range(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t n, rq_error *err)
{
	static const unsigned char zero[4096];
	unsigned char *buf = malloc(CHUNK);
	int rc = 0;

	if (buf == NULL)
		return rq_fail(err, "out of memory");
	while (n > 0 && rc == 0) {
		size_t want = n < CHUNK ? (size_t)n : CHUNK, z;
		ssize_t got = pread_full(in, buf, want, (off_t)in_off);
		if (got != (ssize_t)want) {
			rc = got < 0 ? rq_fail_errno(err, errno, "read")
				     : rq_fail(err, "short read");
			break;
		}
		for (z = 0;
		     z < want && memcmp(buf + z, zero, want - z < 4096 ? want - z : 4096) == 0;
		     z += 4096)
			;
		if (z < want && pwrite(out, buf, want, (off_t)out_off) != (ssize_t)want)
			rc = rq_fail_errno(err, errno, "write");
		in_off += want, out_off += want, n -= want;
	}
	free(buf);
	return rc;
}

/* A sparse copy of the file in into dirfd/name (created 0644). */
static int copy_file(int in, int dirfd, const char *name, rq_error *err)
{
	struct stat st;
	int out;

	if (fstat(in, &st) != 0)
		return rq_fail_errno(err, errno, "fstat");
	if (!S_ISREG(st.st_mode))
		return rq_fail(err, "the image is not a regular file");
	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return rq_fail_errno(err, errno, "%s", name);
	if (ftruncate(out, st.st_size) != 0) {
		rq_fail_errno(err, errno, "%s", name);
		goto fail;
	}
	if (image_copy_range(in, 0, out, 0, (uint64_t)st.st_size, err) != 0)
		goto fail;
	if (fsync(out) != 0) {
		rq_fail_errno(err, errno, "%s", name);
		goto fail;
	}
	if (close(out) != 0) {
		rq_fail_errno(err, errno, "%s", name);
		unlinkat(dirfd, name, 0);
		return -1;
	}
	return 0;
fail:
	close(out);
	unlinkat(dirfd, name, 0);
	return -1;
}

static int open_dir_of(const char *path, const char **base, rq_error *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	*base = slash ? slash + 1 : path;
	if (**base == '\0')
		return rq_fail(err, "%s: names a directory, not a file", path);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	else
		return rq_fail(err, "%s: path too long", path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return rq_fail_errno(err, errno, "%s", dir);
	return fd;
}

/* Writes the IOC's public key into the ESP of image dirfd/tmp as the pin. */
static int write_pin(struct ioc *ioc, int imgdir, const char *img, rq_error *err)
{
	char arg[PATH_MAX + 64], key[PATH_MAX + 32];
	struct image_layout l;
	pid_t pid;

	if (keys_ioc_write_public(imgdir, "pin.pub.tmp", &ioc->pub, err) != 0)
		return -1;
	if (snprintf(key, sizeof(key), "%s/%s/pin.pub.tmp", ioc->dir, IMAGE_DIR) >=
		(int)sizeof(key) ||
	    image_layout(img, &l, err) != 0 || esp_arg(&l, arg, sizeof(arg), err) != 0)
		goto fail;
	char *mcopy[] = {"mcopy", "-o", "-i", arg, key, "::/" IMAGE_PIN_FILE, NULL};
	if (spawn(mcopy, -1, &pid, err) != 0 ||
	    reap(pid,
		 "mcopy (the key into the image's " IMAGE_ESP_LABEL "/" IMAGE_PIN_FILE
		 "; is it a raquet image?)",
		 err) != 0)
		goto fail;
	unlinkat(imgdir, "pin.pub.tmp", 0);
	return 0;
fail:
	unlinkat(imgdir, "pin.pub.tmp", 0);
	return -1;
}

/* Keeps the list as issued.list and KEY.list. */
static int keep_list(int imgdir, const struct image_list *list, char key[17], rq_error *err)
{
	unsigned char sha[32];
	char hex[65], name[32], *text;
	size_t len;
	int rc;

	if (image_list_format(list, &text, &len, err) != 0)
		return -1;
	crypto_hash_sha256(sha, (const unsigned char *)text, len);
	sodium_bin2hex(hex, sizeof(hex), sha, 32);
	snprintf(key, 17, "%.16s", hex);
	snprintf(name, sizeof(name), "%s.list", key);
	rc = atomic_write(imgdir, name, text, len, 0644, false, err) != 0 ||
		     atomic_write(imgdir, IMAGE_LIST, text, len, 0644, false, err) != 0
		 ? -1
		 : 0;
	free(text);
	return rc;
}

int image_stamp(struct ioc *ioc, const char *from, const char *out, struct image_stamp_result *r,
		rq_error *err)
{
	char tmp[PATH_MAX], outtmp[PATH_MAX + 16];
	struct image_list list = {NULL, 0};
	struct image_layout l;
	const char *outbase;
	struct stat st;
	int imgdir = -1, in = -1, outdir = -1, rc = -1;

	memset(r, 0, sizeof(*r));
	if (ioc_mkdirat(ioc->dirfd, IMAGE_DIR, 0755, err) != 0)
		goto out;
	imgdir = openat(ioc->dirfd, IMAGE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (imgdir < 0) {
		rq_fail_errno(err, errno, "%s/%s", ioc->dir, IMAGE_DIR);
		goto out;
	}
	in = from ? open(from, O_RDONLY | O_CLOEXEC)
		  : openat(imgdir, IMAGE_ISSUED, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		if (from)
			rq_fail_errno(err, errno, "%s", from);
		else
			rq_fail(err,
				"no image issued yet: give the released image with --from FILE");
		goto out;
	}
	/* Stamped in the IOC's own directory first: a failure leaves the
	 * issued image as it was. */
	snprintf(tmp, sizeof(tmp), "%s/%s/%s.tmp", ioc->dir, IMAGE_DIR, IMAGE_ISSUED);
	if (copy_file(in, imgdir, IMAGE_ISSUED ".tmp", err) != 0)
		goto out;
	if (write_pin(ioc, imgdir, tmp, err) != 0 || image_layout(tmp, &l, err) != 0 ||
	    image_digest(&l, &list, err) != 0)
		goto out_tmp;
	/* The output next, then what the IOC keeps: the lists are only ever
	 * those of an image that was handed out. */
	if ((outdir = open_dir_of(out, &outbase, err)) < 0)
		goto out_tmp;
	/* --out is a file to copy to sticks; a device (/dev/sdb) would get a
	 * sibling "sdb.tmp" in /dev and a rename over the device node. */
	if (fstatat(outdir, outbase, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		rq_fail(err, "%s is not a regular file: write the image to a stick with dd", out);
		goto out_tmp;
	}
	close(in);
	if ((in = openat(imgdir, IMAGE_ISSUED ".tmp", O_RDONLY | O_CLOEXEC)) < 0) {
		rq_fail_errno(err, errno, "%s", tmp);
		goto out_tmp;
	}
	snprintf(outtmp, sizeof(outtmp), "%s.tmp", outbase);
	if (copy_file(in, outdir, outtmp, err) != 0)
		goto out_tmp;
	if (renameat(outdir, outtmp, outdir, outbase) != 0) {
		rq_fail_errno(err, errno, "%s", out);
		unlinkat(outdir, outtmp, 0);
		goto out_tmp;
	}
	fsync_dir(outdir);
	if (keep_list(imgdir, &list, r->list_key, err) != 0)
		goto out_tmp;
	if (renameat(imgdir, IMAGE_ISSUED ".tmp", imgdir, IMAGE_ISSUED) != 0) {
		rq_fail_errno(err, errno, "%s/%s/%s", ioc->dir, IMAGE_DIR, IMAGE_ISSUED);
		goto out_tmp;
	}
	fsync_dir(imgdir);
	for (size_t i = 0; i < list.n; i++)
		r->nfiles += strncmp(list.v[i].name, "esp:", 4) == 0;
	rc = 0;
	goto out;
out_tmp:
	unlinkat(imgdir, IMAGE_ISSUED ".tmp", 0);
out:
	image_list_free(&list);
	if (in >= 0)
		close(in);
	if (outdir >= 0)
		close(outdir);
	if (imgdir >= 0)
		close(imgdir);
	return rc;
}
