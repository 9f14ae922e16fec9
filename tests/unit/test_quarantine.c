/* Unit tests for scanner/quarantine: a detected file goes into the
 * quarantine encrypted and comes back byte for byte with its metadata, and
 * every failure (full or read-only quarantine, replaced file, tampered data,
 * unknown id, existing target) leaves the user's files as they were.
 * The full and read-only cases mount small tmpfs file systems, so they need
 * root (the test suite runs as root); without it they fail. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "quarantine.h"
#include "tap.h"
#include "util.h"

#define EICAR "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

static char top[64], qdir[128], src[128];

static void skip(const char *why)
{
	/* A missing prerequisite is a failure, not a skip: make deps and root
	 * give the suite everything it needs. */
	printf("not ok %d - prerequisite: %s\n", ++tap_n, why);
	tap_failed++;
}

static int try_write(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	return close(fd) == 0 && n == (ssize_t)len ? 0 : -1;
}

static char *read_whole(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static bool same_content(const char *path, const void *want, size_t wlen)
{
	size_t len;
	char *got = read_whole(path, &len);
	bool same = got != NULL && len == wlen && memcmp(got, want, len) == 0;

	free(got);
	return same;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Number of names in dir other than . .. and .key. */
/* Files of entries: a restore's <id>.restored note is not one. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, ".key") && strstr(de->d_name, ".restored") == NULL)
			n++;
	closedir(d);
	return n;
}

/* Quarantines dir/name the way the scanner does: the fd it scanned plus the
 * directory fd it walked with. */
static int store(const char *q, const char *dir, const char *name, char id[33], char sha[65],
		 rq_error *err)
{
	char path[512];
	int dfd, fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW);
	if (dfd < 0 || fd < 0) {
		strcpy(err->msg, "test: cannot open the file");
		rc = -1;
	} else {
		rc = quarantine_store(q, fd, dfd, name, path, "Raquet.Test.Eicar", id, sha, err);
	}
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static char *list_to_string(const char *q, int *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	rq_error err = {""};

	*n = f ? quarantine_list(q, f, &err) : -1;
	if (f)
		fclose(f);
	if (*n < 0)
		printf("# list failed: %s\n", err.msg);
	return buf;
}

static bool has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

static bool mem_has(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle)) != NULL;
}

static bool msg_has(const rq_error *err, const char *needle)
{
	if (strstr(err->msg, needle) != NULL)
		return true;
	printf("#   message: %s\n", err->msg);
	return false;
}

static void test_round_trip(void)
{
	const size_t len = 3 * 1024 * 1024 / 2 + 123; /* several chunks, odd tail */
	unsigned char seed[randombytes_SEEDBYTES] = {42}, want_sha[32];
	char path[256], dpath[256], id[33], sha[65], want_hex[65], *content = malloc(len), *data;
	struct timespec ts[2] = {{1000000000, 123456789}, {1600000000, 987654321}};
	rq_error err = {""};
	struct stat st, qst;
	size_t dlen;

	randombytes_buf_deterministic(content, len, seed);
	for (int i = 0; i < 256; i++)
		content[i] = (char)i;
	memcpy(content + 1000, EICAR, strlen(EICAR));
	crypto_hash_sha256(want_sha, (unsigned char *)content, len);
	sodium_bin2hex(want_hex, sizeof(want_hex), want_sha, sizeof(want_sha));

	snprintf(path, sizeof(path), "%s/big.exe", src);
	ok(try_write(path, content, len) == 0 && chown(path, 1234, 5678) == 0 &&
	       chmod(path, 04751) == 0 && utimensat(AT_FDCWD, path, ts, 0) == 0,
	   "round trip: made a %zu byte binary file", len);
	ok(store(qdir, src, "big.exe", id, sha, &err) == 0, "store succeeds (%s)", err.msg);
	ok(strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32, "id is 32 hex digits");
	is_str(sha, want_hex, "sha256 reported");
	ok(!exists(path), "original removed");
	ok(stat(qdir, &qst) == 0 && (qst.st_mode & 07777) == 0700, "quarantine dir made 0700");
	snprintf(dpath, sizeof(dpath), "%s/.key", qdir);
	ok(stat(dpath, &qst) == 0 && (qst.st_mode & 07777) == 0600 && qst.st_size == 32,
	   "key is 32 bytes, mode 0600");
	snprintf(dpath, sizeof(dpath), "%s/%s.data", qdir, id);
	data = read_whole(dpath, &dlen);
	ok(data != NULL && dlen > len && !mem_has(data, dlen, "EICAR-STANDARD") &&
	       !mem_has(data, dlen, content + 4096 + 7),
	   "data is encrypted: no EICAR string, no plaintext");
	free(data);
	ok(count_entries(qdir) == 2, "one .data and one .meta");

	ok(quarantine_restore(qdir, id, &err) == 0, "restore succeeds (%s)", err.msg);
	is_str(err.msg, "set-uid, set-gid and sticky bits not restored (mode was 4751, now 0751)",
	       "as root, the only note is the set-uid bit left off");
	ok(lstat(path, &st) == 0, "file is back");
	ok((st.st_mode & 07777) == 0751 && S_ISREG(st.st_mode),
	   "mode restored without its set-uid bit");
	ok(st.st_uid == 1234 && st.st_gid == 5678, "owner restored");
	ok(st.st_mtim.tv_sec == ts[1].tv_sec && st.st_mtim.tv_nsec == ts[1].tv_nsec,
	   "mtime restored to the nanosecond");
	ok(st.st_atim.tv_sec == ts[0].tv_sec && st.st_atim.tv_nsec == ts[0].tv_nsec,
	   "atime restored to the nanosecond");
	ok(same_content(path, content, len), "content restored byte for byte");
	ok(count_entries(qdir) == 0, "entry removed from the quarantine");
	ok(count_entries(src) == 1, "no temporary file left next to it");
	unlink(path);
	free(content);
}

static void test_empty_and_relative(void)
{
	char id[33], sha[65], path[256], cwd[256];
	rq_error err = {""};

	snprintf(path, sizeof(path), "%s/empty", src);
	ok(try_write(path, "", 0) == 0 && store(qdir, src, "empty", id, sha, &err) == 0,
	   "empty file stored (%s)", err.msg);
	is_str(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256 of nothing");
	ok(quarantine_restore(qdir, id, &err) == 0 && same_content(path, "", 0),
	   "empty file restored (%s)", err.msg);
	unlink(path);

	/* The scanner may be given relative paths: the entry must still know
	 * where the file lived. */
	snprintf(path, sizeof(path), "%s/rel.bin", src);
	try_write(path, "relative", 8);
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(src) != 0) {
		skip("cannot chdir");
		return;
	}
	int dfd = open(".", O_RDONLY | O_DIRECTORY), fd = open("rel.bin", O_RDONLY);
	int rc = quarantine_store(qdir, fd, dfd, "rel.bin", "rel.bin", "X", id, sha, &err);
	close(fd);
	close(dfd);
	ok(chdir(cwd) == 0 && rc == 0, "relative path stored (%s)", err.msg);
	ok(quarantine_restore(qdir, id, &err) == 0 && same_content(path, "relative", 8),
	   "restored to the absolute place (%s)", err.msg);
	unlink(path);
}

static void test_bad_arguments(void)
{
	char id[33] = "x", sha[65] = "x", path[256];
	rq_error err = {""};
	int dfd = open(src, O_RDONLY | O_DIRECTORY), fd;

	snprintf(path, sizeof(path), "%s/named", src);
	try_write(path, "abc", 3);
	fd = open(path, O_RDONLY);
	ok(quarantine_store(qdir, fd, dfd, "named", "/elsewhere/other", "X", id, sha, &err) == -1 &&
	       msg_has(&err, "does not end in") && exists(path) && id[0] == '\0',
	   "path not naming the file is refused");
	ok(quarantine_store(qdir, dfd, dfd, "named", path, "X", id, sha, &err) == -1 &&
	       msg_has(&err, "not a regular file"),
	   "a directory fd is refused");
	close(fd);
	close(dfd);
	unlink(path);
}

static void test_list(void)
{
	char id1[33], id2[33], sha[65], path[256], line[128], *out;
	rq_error err = {""};
	int n;

	snprintf(path, sizeof(path), "%s/a\nb.exe", src);
	try_write(path, "hello", 5);
	snprintf(path, sizeof(path), "%s/Sở Y tế.doc", src);
	try_write(path, "xin chao", 8);
	ok(store(qdir, src, "a\nb.exe", id1, sha, &err) == 0 &&
	       store(qdir, src, "Sở Y tế.doc", id2, sha, &err) == 0,
	   "two files stored (%s)", err.msg);
	out = list_to_string(qdir, &n);
	ok(n == 2, "list counts 2 entries (got %d)", n);
	snprintf(line, sizeof(line), "%s  20", id1);
	ok(has(out, line), "line starts with id and ISO time");
	ok(has(out, "  5  Raquet.Test.Eicar  ") && has(out, "  8  Raquet.Test.Eicar  "),
	   "size and signature listed");
	ok(has(out, "/a\\x0ab.exe\n"), "newline in the name escaped");
	ok(has(out, "/Sở Y tế.doc\n"), "Vietnamese name as is");
	ok(has(out, id1) && has(out, id2) && strstr(out, id1) < strstr(out, id2),
	   "sorted by time quarantined");
	for (char *l = out, *e; l != NULL && *l != '\0'; l = e + 1) {
		e = strchr(l, '\n');
		if (e == NULL)
			break;
		printf("# %.*s\n", (int)(e - l), l);
	}
	free(out);

	snprintf(path, sizeof(path), "%s/0123456789abcdef0123456789abcdef.meta", qdir);
	try_write(path, "{ not json", 10);
	snprintf(path, sizeof(path), "%s/fedcba9876543210fedcba9876543210.data", qdir);
	try_write(path, "junk", 4);
	out = list_to_string(qdir, &n);
	ok(n == 4, "damaged entries listed, not fatal (got %d)", n);
	ok(has(out, "0123456789abcdef0123456789abcdef  corrupt metadata"), "corrupt .meta named");
	ok(has(out, "fedcba9876543210fedcba9876543210  incomplete entry"), "orphan .data named");
	ok(quarantine_restore(qdir, "0123456789abcdef0123456789abcdef", &err) == -1 &&
	       msg_has(&err, "corrupt metadata"),
	   "restoring a corrupt entry fails clearly");
	free(out);
	unlink(path);
	snprintf(path, sizeof(path), "%s/0123456789abcdef0123456789abcdef.meta", qdir);
	unlink(path);

	ok(quarantine_restore(qdir, id1, &err) == 0 && quarantine_restore(qdir, id2, &err) == 0,
	   "both restored (%s)", err.msg);
	out = list_to_string(qdir, &n);
	ok(n == 0 && out != NULL && out[0] == '\0', "empty quarantine lists nothing");
	free(out);
	out = list_to_string("/nonexistent/raquet-q", &n);
	ok(n == -1, "listing a missing directory fails");
	free(out);
	snprintf(path, sizeof(path), "%s/a\nb.exe", src);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Sở Y tế.doc", src);
	unlink(path);
}

static void test_no_overwrite(void)
{
	char id[33], sha[65], path[256];
	rq_error err = {""};

	snprintf(path, sizeof(path), "%s/dup.exe", src);
	try_write(path, "quarantined", 11);
	ok(store(qdir, src, "dup.exe", id, sha, &err) == 0, "stored (%s)", err.msg);
	try_write(path, "new file", 8);
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "already exists"),
	   "restore refuses to overwrite");
	ok(same_content(path, "new file", 8), "existing file untouched");
	ok(count_entries(qdir) == 2, "entry kept");
	ok(count_entries(src) == 1, "no temporary file left");
	unlink(path);
	ok(quarantine_restore(qdir, id, &err) == 0 && same_content(path, "quarantined", 11),
	   "restores once the name is free (%s)", err.msg);
	unlink(path);
}

static void test_unknown_id(void)
{
	rq_error err = {""};

	ok(quarantine_restore(qdir, "00000000000000000000000000000000", &err) == -1 &&
	       msg_has(&err, "no quarantine entry 00000000000000000000000000000000"),
	   "unknown id: clear error");
	ok(quarantine_restore(qdir, "../../etc/passwd", &err) == -1 &&
	       msg_has(&err, "not a quarantine id"),
	   "malformed id refused");
	ok(quarantine_restore("/nonexistent/raquet-q", "00000000000000000000000000000000", &err) ==
		   -1 &&
	       msg_has(&err, "no quarantine directory"),
	   "missing quarantine directory: clear error");
}

/* Stores content as dir/name and returns the entry's .data path in dpath. */
static void store_one(const char *name, const char *content, char id[33], char *dpath, size_t dsize)
{
	char path[256], sha[65];
	rq_error err = {""};

	snprintf(path, sizeof(path), "%s/%s", src, name);
	try_write(path, content, strlen(content));
	if (store(qdir, src, name, id, sha, &err) != 0)
		printf("# store %s failed: %s\n", name, err.msg);
	snprintf(dpath, dsize, "%s/%s.data", qdir, id);
}

static void test_tampered(void)
{
	char ida[33], idb[33], dpa[256], dpb[256], path[256], *buf;
	rq_error err = {""};
	size_t len;
	int fd;

	store_one("t.exe", EICAR EICAR EICAR, ida, dpa, sizeof(dpa));
	buf = read_whole(dpa, &len);
	ok(buf != NULL, "entry stored");
	if (buf == NULL)
		return;
	buf[len / 2] ^= 1;
	try_write(dpa, buf, len);
	snprintf(path, sizeof(path), "%s/t.exe", src);
	ok(quarantine_restore(qdir, ida, &err) == -1 && msg_has(&err, "tampered"),
	   "flipped bit: authentication fails");
	ok(!exists(path) && count_entries(src) == 0, "nothing written next to the original");
	buf[len / 2] ^= 1;

	try_write(dpa, buf, len - 21); /* the final chunk gone */
	ok(quarantine_restore(qdir, ida, &err) == -1 && msg_has(&err, "truncated"),
	   "truncated data refused");
	ok(!exists(path) && count_entries(src) == 0, "nothing written");

	/* Another entry's data under this id: chunks are bound to the id. */
	store_one("u.exe", EICAR EICAR EICAR, idb, dpb, sizeof(dpb));
	try_write(dpa, buf, len);
	rename(dpa, dpb);
	ok(quarantine_restore(qdir, idb, &err) == -1 && msg_has(&err, "authentication failed"),
	   "data swapped between entries refused");
	ok(count_entries(src) == 0, "nothing written");
	snprintf(path, sizeof(path), "%s/%s.meta", qdir, ida);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.meta", qdir, idb);
	unlink(path);
	unlink(dpb);
	free(buf);

	/* A .meta whose sha256 was changed (valid format) no longer matches. */
	store_one("v.exe", "content", ida, dpa, sizeof(dpa));
	snprintf(path, sizeof(path), "%s/%s.meta", qdir, ida);
	buf = read_whole(path, &len);
	char *s = buf ? strstr(buf, "\"sha256\":\"") : NULL;
	if (s == NULL)
		s = buf ? strstr(buf, "\"sha256\": \"") : NULL;
	ok(s != NULL, "meta has a sha256 field");
	if (s == NULL) {
		free(buf);
		return;
	}
	s = strchr(s + 9, '"') + 1;
	*s = *s == 'a' ? 'b' : 'a';
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, buf, len) == (ssize_t)len && close(fd) == 0, "meta altered");
	ok(quarantine_restore(qdir, ida, &err) == -1 && msg_has(&err, "authentication failed"),
	   "an edited sha256 is refused by the metadata's MAC");
	ok(count_entries(src) == 0, "nothing written");
	free(buf);
	unlink(path);
	unlink(dpa);
}

static void test_missing_dir(void)
{
	char id[33], sha[65], dir[128], path[256];
	rq_error err = {""};

	snprintf(dir, sizeof(dir), "%s/gone", top);
	snprintf(path, sizeof(path), "%s/x.exe", dir);
	mkdir(dir, 0755);
	try_write(path, "x", 1);
	ok(store(qdir, dir, "x.exe", id, sha, &err) == 0 && rmdir(dir) == 0,
	   "stored, then its directory removed (%s)", err.msg);
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "no longer exists"),
	   "missing original directory: clear error");
	ok(!exists(dir), "directory not recreated");
	ok(count_entries(qdir) == 2, "entry kept");
	mkdir(dir, 0755);
	ok(quarantine_restore(qdir, id, &err) == 0 && same_content(path, "x", 1),
	   "restores once the directory is back (%s)", err.msg);
	unlink(path);
	rmdir(dir);
}

static void test_replaced(void)
{
	char id[33], sha[65], path[256], orig[256];
	rq_error err = {""};
	int dfd, fd, rc;

	snprintf(path, sizeof(path), "%s/swap.exe", src);
	snprintf(orig, sizeof(orig), "%s/swap.orig", src);
	try_write(path, "scanned", 7);
	dfd = open(src, O_RDONLY | O_DIRECTORY);
	fd = open(path, O_RDONLY);
	/* Between the scan and the action the name now means another file. */
	ok(rename(path, orig) == 0 && try_write(path, "innocent", 8) == 0, "file replaced");
	rc = quarantine_store(qdir, fd, dfd, "swap.exe", path, "X", id, sha, &err);
	ok(rc == -1 && msg_has(&err, "replaced"), "store refuses a replaced file");
	ok(same_content(path, "innocent", 8) && same_content(orig, "scanned", 7),
	   "both files intact");
	ok(count_entries(qdir) == 0, "no partial entry left");
	close(fd);
	close(dfd);
	unlink(path);
	unlink(orig);
}

/* The scanner's workers quarantine at the same time; the first ones race to
 * create the key and must all end up using the one on disk. */
#define NTHREADS 8
struct worker {
	char q[256], name[32], id[33];
	int rc;
	rq_error err;
};

static void *worker_store(void *arg)
{
	struct worker *w = arg;
	char sha[65];

	w->rc = store(w->q, src, w->name, w->id, sha, &w->err);
	return NULL;
}

static void test_threads(void)
{
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	char path[256];
	int stored = 0, restored = 0;

	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		snprintf(w[i].q, sizeof(w[i].q), "%s/q-threads", top);
		snprintf(w[i].name, sizeof(w[i].name), "t%d.exe", i);
		snprintf(path, sizeof(path), "%s/%s", src, w[i].name);
		try_write(path, w[i].name, strlen(w[i].name));
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker_store, &w[i]);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		stored += w[i].rc == 0;
	}
	ok(stored == NTHREADS, "%d threads stored at once (%d ok)", NTHREADS, stored);
	for (int i = 0; i < NTHREADS; i++) {
		rq_error err = {""};
		snprintf(path, sizeof(path), "%s/%s", src, w[i].name);
		if (quarantine_restore(w[i].q, w[i].id, &err) == 0 &&
		    same_content(path, w[i].name, strlen(w[i].name)))
			restored++;
		else
			printf("# restore %s: %s\n", w[i].name, err.msg);
		unlink(path);
	}
	ok(restored == NTHREADS, "all restored with the one key on disk (%d)", restored);
}

static int mount_tmpfs(const char *dir, const char *opts)
{
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? mount("tmpfs", dir, "tmpfs", 0, opts)
							: -1;
}

static void test_full(void)
{
	const size_t len = 1024 * 1024;
	char mnt[128], q[256], path[256], id[33], sha[65], *content = calloc(1, len);
	rq_error err = {""};

	snprintf(mnt, sizeof(mnt), "%s/full", top);
	snprintf(q, sizeof(q), "%s/q", mnt);
	if (content == NULL || mount_tmpfs(mnt, "size=64k") != 0) {
		skip("cannot mount a tmpfs (not root?)");
		free(content);
		return;
	}
	memcpy(content, EICAR, strlen(EICAR));
	snprintf(path, sizeof(path), "%s/large.exe", src);
	try_write(path, content, len);
	ok(store(q, src, "large.exe", id, sha, &err) == -1 && msg_has(&err, "is full") &&
	       msg_has(&err, "file left in place"),
	   "full quarantine: store fails saying so");
	ok(same_content(path, content, len), "original left in place");
	ok(count_entries(q) == 0, "partial entry cleaned up");
	ok(id[0] == '\0', "no id returned");
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	unlink(path);
	free(content);
}

static void test_read_only(void)
{
	char mnt[128], q[256], q2[256], path[256], id[33], sha[65];
	rq_error err = {""};

	snprintf(mnt, sizeof(mnt), "%s/ro", top);
	snprintf(q, sizeof(q), "%s/q", mnt);
	snprintf(q2, sizeof(q2), "%s/q-new", mnt);
	if (mount_tmpfs(mnt, "size=1m") != 0) {
		skip("cannot mount a tmpfs (not root?)");
		return;
	}
	snprintf(path, sizeof(path), "%s/ro.exe", src);
	try_write(path, "first", 5);
	ok(store(q, src, "ro.exe", id, sha, &err) == 0, "store works before (%s)", err.msg);
	try_write(path, "second", 6);
	ok(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0, "remounted read-only");
	ok(store(q, src, "ro.exe", id, sha, &err) == -1 && msg_has(&err, "is read-only") &&
	       msg_has(&err, "file left in place"),
	   "read-only quarantine: store fails saying so");
	ok(same_content(path, "second", 6), "original left in place");
	ok(store(q2, src, "ro.exe", id, sha, &err) == -1 && msg_has(&err, "is read-only"),
	   "quarantine dir cannot be created: read-only");
	ok(same_content(path, "second", 6), "original still in place");
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	unlink(path);
}

/* Removes entry id from qdir (what a refused restore leaves there). */
static void drop_entry(const char *id)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.meta", qdir, id);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.data", qdir, id);
	unlink(path);
}

/* Replaces the first occurrence of from by to in qdir/<id>.meta (a valid
 * JSON edit, as an attacker would make). */
static bool edit_meta(const char *id, const char *from, const char *to)
{
	char path[256], *buf, *at, *out;
	size_t len;
	bool done = false;

	snprintf(path, sizeof(path), "%s/%s.meta", qdir, id);
	if ((buf = read_whole(path, &len)) == NULL)
		return false;
	buf[len] = '\0';
	if ((at = strstr(buf, from)) != NULL && (out = malloc(len + strlen(to) + 1)) != NULL) {
		size_t head = (size_t)(at - buf);
		memcpy(out, buf, head);
		strcpy(out + head, to);
		strcat(out, at + strlen(from));
		done = try_write(path, out, strlen(out)) == 0;
		free(out);
	}
	free(buf);
	return done;
}

/* Every field restore acts on is authenticated: an edited path, mode or
 * owner, a .meta of the old unauthenticated format, or another
 * directory's key make the entry unrestorable, and the listing says so. */
static void test_meta_mac(void)
{
	char id[33], dp[256], path[256], b64[256], evil[256], out[4096];
	rq_error err = {""};
	FILE *f;

	store_one("m.exe", "mac test", id, dp, sizeof(dp));
	snprintf(path, sizeof(path), "%s/m.exe", src);
	snprintf(evil, sizeof(evil), "%s/evil.exe", src);
	ok(edit_meta(id, "\"mode\":", "\"mode\":2048,\"was\":"), "mode edited to set-gid");
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "authentication failed"),
	   "edited mode refused (%s)", err.msg);
	ok(!exists(path), "  ... nothing restored");
	drop_entry(id);

	store_one("n.exe", "mac test 2", id, dp, sizeof(dp));
	{
		char orig[256];
		snprintf(path, sizeof(path), "%s/n.exe", src);
		sodium_bin2base64(orig, sizeof(orig), (const unsigned char *)path, strlen(path),
				  sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)evil, strlen(evil),
				  sodium_base64_VARIANT_ORIGINAL);
		ok(edit_meta(id, orig, b64), "path_base64 edited to another file");
	}
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "authentication failed"),
	   "edited path refused");
	ok(!exists(evil), "  ... nothing written at the forged path");
	ok((f = fmemopen(out, sizeof(out), "w")) != NULL && quarantine_list(qdir, f, &err) >= 0 &&
	       fclose(f) == 0 &&
	       has(out, "corrupt metadata: edited or not made with this quarantine's key"),
	   "the listing names the edited entry");
	drop_entry(id);

	store_one("o.exe", "old format", id, dp, sizeof(dp));
	ok(edit_meta(id, "raquet.quarantine/2", "raquet.quarantine/1") &&
	       edit_meta(id, "\"mac\"", "\"old\""),
	   "an entry rewritten in the old format, without a MAC");
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "older raquet"),
	   "the old unauthenticated format is refused, saying why");
	drop_entry(id);

	store_one("p.exe", "other key", id, dp, sizeof(dp));
	snprintf(path, sizeof(path), "%s/.key", qdir);
	{
		size_t klen;
		char *key = read_whole(path, &klen), other[32];
		randombytes_buf(other, sizeof(other));
		ok(key && klen == 32 && try_write(path, other, sizeof(other)) == 0,
		   "the key replaced");
		ok(quarantine_restore(qdir, id, &err) == -1 &&
		       msg_has(&err, "authentication failed"),
		   "another key does not authenticate the metadata");
		if (key)
			try_write(path, key, klen);
		free(key);
	}
	ok(quarantine_restore(qdir, id, &err) == 0, "with its own key back it restores (%s)",
	   err.msg);
	snprintf(path, sizeof(path), "%s/p.exe", src);
	unlink(path);
}

/* A symlink in any component of the original path is refused, not
 * followed: restore runs as root. */
static void test_symlinked_parent(void)
{
	char id[33], dir[200], moved[200], path[300], target[300];
	rq_error err = {""};

	snprintf(dir, sizeof(dir), "%s/sub", src);
	snprintf(moved, sizeof(moved), "%s/elsewhere", top);
	mkdir(dir, 0755);
	mkdir(moved, 0755);
	{
		char sha[65];
		int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
		snprintf(path, sizeof(path), "%s/s.exe", dir);
		try_write(path, "symlink test", 12);
		fd = dfd >= 0 ? openat(dfd, "s.exe", O_RDONLY | O_NOFOLLOW) : -1;
		ok(fd >= 0 && quarantine_store(qdir, fd, dfd, "s.exe", path, "Raquet.Test", id, sha,
					       &err) == 0,
		   "stored from a folder (%s)", err.msg);
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
	}
	/* The original folder becomes a symlink to another one. */
	ok(rmdir(dir) == 0 && symlink(moved, dir) == 0,
	   "the original folder replaced by a symlink");
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "symbolic link"),
	   "restore through a symlinked last folder refused (%s)", err.msg);
	snprintf(target, sizeof(target), "%s/s.exe", moved);
	ok(!exists(target), "  ... nothing written where it points");
	drop_entry(id);
	/* A symlink higher up: src/link -> src, original src/link/sub2/x. */
	unlink(dir);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/up", top);
	ok(symlink(src, path) == 0, "a symlink higher up in the path");
	{
		char p2[300], sha[65];
		int dfd, fd;
		snprintf(p2, sizeof(p2), "%s/up/sub/t.exe", top);
		snprintf(target, sizeof(target), "%s/t.exe", dir);
		try_write(target, "up test", 7);
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		fd = openat(dfd, "t.exe", O_RDONLY | O_NOFOLLOW);
		ok(fd >= 0 && quarantine_store(qdir, fd, dfd, "t.exe", p2, "Raquet.Test", id, sha,
					       &err) == 0,
		   "stored under a path with a symlinked component (%s)", err.msg);
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
	}
	ok(quarantine_restore(qdir, id, &err) == -1 && msg_has(&err, "symbolic link"),
	   "restore through a symlink in a middle component refused");
	ok(!exists(target), "  ... nothing written");
	drop_entry(id);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init\n");
		return 1;
	}
	snprintf(top, sizeof(top), "/tmp/raquet-quar.XXXXXX");
	if (mkdtemp(top) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(qdir, sizeof(qdir), "%s/quarantine", top);
	snprintf(src, sizeof(src), "%s/src", top);
	mkdir(src, 0755);

	test_round_trip();
	test_empty_and_relative();
	test_bad_arguments();
	test_list();
	test_no_overwrite();
	test_unknown_id();
	test_tampered();
	test_meta_mac();
	test_symlinked_parent();
	test_missing_dir();
	test_replaced();
	test_threads();
	test_full();
	test_read_only();

	remove_tree(top);
	return done_testing();
}
