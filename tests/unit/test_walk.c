/* Unit tests for walk_open_parent: the one way the scanner goes back down a
 * path found on a scanned disk to act on a file (live/act.c, live/persist.c,
 * windows/hivefix.c). The path is hostile: a symlink on the way, an empty or
 * overlong component, a vanished volume must each fail, and say which. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"
#include "walk.h"

/* Whether dfd is the directory at path. */
static int same_dir(int dfd, const char *path)
{
	struct stat a, b;

	return fstat(dfd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int main(void)
{
	char root[PATH_MAX], path[PATH_MAX], rel[600], gone[PATH_MAX + 8];
	enum walk_parent_error failed;
	const char *name;
	int fd;

	make_tmpdir(root, sizeof(root), "walk");
	FMT(path, "%s/Users/Ann/AppData/evil.exe", root);
	write_file(path, "x", 1);
	FMT(path, "%s/Users/Ann/AppData", root);

	fd = walk_open_parent(root, "Users/Ann/AppData/evil.exe", &name, &failed);
	ok(fd >= 0 && same_dir(fd, path), "opens the folder holding the file");
	is_str(name, "evil.exe", "  ... and points at its name");
	if (fd >= 0)
		close(fd);

	fd = walk_open_parent(root, "top.exe", &name, NULL);
	ok(fd >= 0 && same_dir(fd, root), "a name at the top: the root itself");
	is_str(name, "top.exe", "  ... and its name");
	if (fd >= 0)
		close(fd);

	/* A link swapped in for a folder leads out of the volume. With
	 * O_DIRECTORY, Linux says ENOTDIR for a symlink, not ELOOP. */
	FMT(path, "%s/Users/Bob", root);
	if (symlink("/etc", path) != 0)
		die("symlink", path);
	errno = 0;
	fd = walk_open_parent(root, "Users/Bob/passwd", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_FOLDER && errno == ENOTDIR,
	   "a symlinked folder is refused, not followed");

	errno = 0;
	fd = walk_open_parent(root, "Users/Nobody/x.exe", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_FOLDER && errno == ENOENT,
	   "a missing folder: the folder step, ENOENT");

	fd = walk_open_parent(root, "Users//Ann/x.exe", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_NAME && errno == ENAMETOOLONG,
	   "an empty component is refused");
	fd = walk_open_parent(root, "/Users/Ann/x.exe", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_NAME, "a leading slash (empty first component) too");

	memset(rel, 'a', 256);
	memcpy(rel + 256, "/x.exe", 7);
	fd = walk_open_parent(root, rel, &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_NAME && errno == ENAMETOOLONG,
	   "a 256-byte folder name is refused before any open");
	memcpy(rel + 255, "/x.exe", 7); /* 255 bytes: a legal name, here missing */
	fd = walk_open_parent(root, rel, &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_FOLDER && errno == ENOENT,
	   "a 255-byte folder name is looked up");

	FMT(gone, "%s/gone", root);
	fd = walk_open_parent(gone, "a/b.exe", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_ROOT && errno == ENOENT,
	   "a root that is gone: the root step");
	FMT(path, "%s/rootlink", root);
	if (symlink(root, path) != 0)
		die("symlink", path);
	fd = walk_open_parent(path, "top.exe", &name, &failed);
	ok(fd < 0 && failed == WALK_PARENT_ROOT && errno == ENOTDIR,
	   "a root that is a symlink is refused too");

	remove_tree(root);
	return done_testing();
}
