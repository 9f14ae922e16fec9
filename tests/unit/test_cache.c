/* Unit tests for scanner/cache: what a rescan may skip, and cache files
 * that carry a valid MAC (written by someone holding the key) but lie in
 * their count, volume or order: each is ignored whole, with a warning. */
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atomicio.h"
#include "cache.h"
#include "le.h"
#include "tap.h"

#define HEADER 64

static char dir[64], warned[600];
static int nwarn;

static void warn(void *ctx, const char *msg)
{
	nwarn++;
	snprintf(warned, sizeof(warned), "%s", msg);
}

static struct stat file_stat(ino_t ino, long ctime_ns)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_dev = makedev(8, 1);
	st.st_ino = ino;
	st.st_size = 1000;
	st.st_mtim.tv_sec = 1700000000;
	st.st_ctim.tv_sec = 1700000100;
	st.st_ctim.tv_nsec = ctime_ns;
	return st;
}

static struct cache *open_c(const unsigned char *sigset)
{
	rq_error err;
	struct cache *c = cache_open(dir, sigset, warn, NULL, &err);
	if (c == NULL)
		printf("# cache_open: %s\n", err.msg);
	return c;
}

static bool lookup(const unsigned char *sigset, ino_t ino, long ctime_ns)
{
	struct cache *c = open_c(sigset);
	struct stat st = file_stat(ino, ctime_ns);
	bool hit = c && cache_lookup(c, NULL, &st);

	cache_close(c);
	return hit;
}

static char *rqc_name(void)
{
	static char name[400];
	DIR *d = opendir(dir);
	struct dirent *de;

	name[0] = '\0';
	while (d && (de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".rqc"))
			snprintf(name, sizeof(name), "%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	return name;
}

static size_t slurp(const char *path, unsigned char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read_full(fd, buf, max) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? (size_t)n : 0;
}

/* Writes buf (len bytes before the MAC) with a valid MAC to the volume file. */
static void forge(unsigned char *buf, size_t len)
{
	unsigned char key[32];
	char path[100];
	int fd;

	snprintf(path, sizeof(path), "%s/key", dir);
	slurp(path, key, sizeof(key));
	crypto_generichash(buf + len, 32, buf, len, key, sizeof(key));
	fd = open(rqc_name(), O_WRONLY | O_TRUNC);
	if (fd < 0 || write_all(fd, buf, len + 32) != 0)
		printf("# cannot forge\n");
	close(fd);
}

int main(void)
{
	unsigned char set1[CACHE_SIGSET_LEN] = {1}, set2[CACHE_SIGSET_LEN] = {2};
	unsigned char good[HEADER + 3 * 16 + 32], buf[sizeof(good) + 16];
	struct cache *c;
	size_t len;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/test_cache.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;

	c = open_c(set1);
	ok(c != NULL, "a new cache opens");
	for (ino_t i = 1; i <= 3; i++) {
		struct stat st = file_stat(i, 0);
		ok(!cache_lookup(c, NULL, &st), "inode %d: not there yet", (int)i);
		cache_add(c, NULL, &st);
	}
	cache_close(c);
	ok(lookup(set1, 2, 0), "a file added before is there");
	ok(!lookup(set1, 2, 1), "one nanosecond more of ctime: not there");
	ok(!lookup(set1, 4, 0), "another inode: not there");
	ok(nwarn == 0, "none of that is a warning");

	c = open_c(set1); /* the same entry on another volume is another entry */
	{
		struct stat st = file_stat(2, 0);
		ok(!cache_lookup(c, "5A3F-11C2", &st), "same inode, another volume: not there");
		ok(!cache_lookup(c, "", &st), "a volume without a name is never cached");
		cache_add(c, "", &st);
	}
	cache_close(c);

	len = slurp(rqc_name(), good, sizeof(good));
	ok(len == sizeof(good), "the volume file holds three entries (%zu bytes)", len);

	memcpy(buf, good, len);
	store_le64(buf + HEADER - 8, 2);
	forge(buf, len - 32);
	nwarn = 0;
	ok(!lookup(set1, 2, 0) && nwarn == 1 && strstr(warned, "count"),
	   "a count that disagrees with the size: ignored (%s)", warned);

	memcpy(buf, good, len);
	memcpy(buf + HEADER + 16, buf + HEADER, 16); /* a duplicate: out of order */
	forge(buf, len - 32);
	nwarn = 0;
	ok(!lookup(set1, 1, 0) && nwarn == 1 && strstr(warned, "order"),
	   "entries out of order: ignored whole (%s)", warned);

	memcpy(buf, good, len);
	buf[40] ^= 1; /* the volume id */
	forge(buf, len - 32);
	nwarn = 0;
	ok(!lookup(set1, 2, 0) && nwarn == 1 && strstr(warned, "another volume"),
	   "a file moved from another volume: ignored (%s)", warned);

	memcpy(buf, good, len);
	buf[7] = 2; /* a future version */
	forge(buf, len - 32);
	nwarn = 0;
	ok(!lookup(set1, 2, 0) && nwarn == 1 && strstr(warned, "version"),
	   "another format version: ignored (%s)", warned);

	memcpy(buf, good, len - 32);
	memset(buf + len - 32, 0xff, 16); /* a fourth entry, count still 3 */
	forge(buf, len - 32 + 16);
	nwarn = 0;
	ok(!lookup(set1, 2, 0) && nwarn == 1, "an entry appended: ignored (%s)", warned);

	/* After each of those the next scan replaces the file (it was dirty). */
	c = open_c(set1);
	{
		struct stat st = file_stat(7, 0);
		cache_add(c, NULL, &st);
	}
	cache_close(c);
	nwarn = 0;
	ok(lookup(set1, 7, 0) && nwarn == 0, "a bad file is replaced by a good one");

	/* Another signature set empties it: the scan that sees it rewrites. */
	ok(!lookup(set2, 7, 0) && nwarn == 0, "another signature set: not there, no warning");
	ok(!lookup(set1, 7, 0), "  ... and the old set's entries are gone for good");
	ok(slurp(rqc_name(), buf, sizeof(buf)) == HEADER + 32, "  ... the file is empty");

	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done_testing();
}
