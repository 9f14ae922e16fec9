/* util.h: fixture helpers shared by the C unit tests (with tap.h).
 *
 * A fixture that cannot be built is not a test result: these helpers print
 * why and exit 2, which prove reports as a failed test file. */
#ifndef RAQUET_TEST_UTIL_H
#define RAQUET_TEST_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void die(const char *what, const char *path)
{
	fprintf(stderr, "fixture: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

/* snprintf into an array, dying on truncation: a cut fixture path would test
 * the wrong thing. */
#define FMT(buf, ...)                                                                              \
	do {                                                                                       \
		if ((size_t)snprintf(buf, sizeof(buf), __VA_ARGS__) >= sizeof(buf))                \
			die("path too long", buf);                                                 \
	} while (0)

/* mkdir -p. */
static inline void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	FMT(tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			die("mkdir", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		die("mkdir", tmp);
}

/* Creates the directories above path. */
static inline void parent_dirs(const char *path)
{
	char tmp[PATH_MAX];
	char *slash;

	FMT(tmp, "%s", path);
	slash = strrchr(tmp, '/');
	if (slash != NULL && slash != tmp) {
		*slash = '\0';
		mkdirs(tmp);
	}
}

/* Writes len bytes of data to path, creating its directories. */
static inline void write_file(const char *path, const void *data, size_t len)
{
	FILE *f;

	parent_dirs(path);
	f = fopen(path, "wb");
	if (f == NULL)
		die("create", path);
	if (len > 0 && fwrite(data, 1, len, f) != len)
		die("write", path);
	if (fclose(f) != 0)
		die("close", path);
}

/* Makes a fresh directory $TMPDIR/raquet-<name>.XXXXXX into buf. */
static inline void make_tmpdir(char *buf, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(buf, size, "%s/raquet-%s.XXXXXX",
			     tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name) >= size)
		die("path too long", name);
	if (mkdtemp(buf) == NULL)
		die("mkdtemp", buf);
}

static inline int util_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "# could not remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* rm -rf path, staying on its file system and never following a link; kept
 * for a look when RAQUET_KEEP is set. */
static inline void remove_tree(const char *path)
{
	if (path[0] == '\0')
		return;
	if (getenv("RAQUET_KEEP") != NULL) {
		printf("# fixtures kept in %s\n", path);
		return;
	}
	nftw(path, util_rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

#endif
