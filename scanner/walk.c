/* walk: an iterative, symlink-safe directory walker with bounded descriptors.
 *
 * Every directory is read completely (names and types) into its frame and
 * then walked through openat() relative to its descriptor, so no path is
 * ever resolved twice and no symlink is followed. At most WALK_MAX_OPEN
 * directory descriptors stay open: deeper than that, the shallowest open
 * frame is closed and later reopened through ".." of its child, checked by
 * device and inode, so a 10,000-level tree costs neither 10,000 descriptors
 * nor quadratic work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "walk.h"

#define WALK_MAX_OPEN 64

struct dent;

struct frame {
	int fd; /* -1 while closed to save descriptors */
	dev_t dev;
	ino_t ino;
	char *names;       /* packed NUL-terminated entry names */
	struct dent *ents; /* entries, sorted by name */
	size_t n, next;
	size_t pathlen;    /* length of this directory's path in walker.path */
	const char *name;  /* this directory's own name (NULL for the root) */
	bool quick_inside; /* --quick: everything below is covered */
};

struct walker {
	const struct walk_config *cfg;
	struct walk_stats *stats;
	dev_t root_dev;
	char *path;
	size_t pathcap;
	struct frame *frames;
	size_t depth, cap;
	size_t lowest_open; /* frames below this index have fd == -1 */
};

/* The high-risk places a --quick scan covers, relative to each root, compared
 * case-insensitively one component at a time (Windows paths through ntfs-3g
 * keep their case). Files directly in the root are always covered. */
static const char *const quick_places[][8] = {
    {"Windows", "Temp"},
    {"Users", "*", "AppData"},
    {"Users", "*", "Downloads"},
    {"Users", "*", "Desktop"},
    {"ProgramData", "Microsoft", "Windows", "Start Menu", "Programs", "Startup"},
    {"Documents and Settings", "*", "Local Settings", "Temp"},
    {"Documents and Settings", "*", "Desktop"},
    {"Documents and Settings", "*", "Start Menu", "Programs", "Startup"},
    {"Documents and Settings", "All Users", "Start Menu", "Programs", "Startup"},
};

bool walk_quick_dir(const char *const *comps, size_t n, bool *inside)
{
	bool onway = false;

	*inside = false;
	for (size_t p = 0; p < sizeof(quick_places) / sizeof(quick_places[0]); p++) {
		const char *const *pat = quick_places[p];
		size_t len = 0, i;

		while (len < 8 && pat[len] != NULL)
			len++;
		for (i = 0; i < n && i < len; i++)
			if (fnmatch(pat[i], comps[i], FNM_CASEFOLD) != 0)
				break;
		if (i < n && i < len)
			continue;
		if (n >= len) {
			*inside = true;
			return true;
		}
		onway = true;
	}
	return onway;
}

void walk_entry_free(struct walk_entry *e)
{
	if (e == NULL)
		return;
	if (e->fd >= 0)
		close(e->fd);
	if (e->dirfd >= 0)
		close(e->dirfd);
	free(e->path);
	free(e);
}

static void report(struct walker *w, const char *path, int errnum, const char *reason)
{
	if (w->cfg->on_error)
		w->cfg->on_error(path[0] ? path : "/", errnum, reason, w->cfg->ctx);
}

static bool stopped(const struct walker *w)
{
	return w->cfg->stop && atomic_load(w->cfg->stop);
}

/* Sets w->path to the path of entry name inside frame f. */
static int path_set(struct walker *w, const struct frame *f, const char *name)
{
	size_t need = f->pathlen + 1 + strlen(name) + 1;

	if (need > w->pathcap) {
		size_t cap = need * 2;
		char *p = realloc(w->path, cap);
		if (p == NULL)
			return -1;
		w->path = p;
		w->pathcap = cap;
	}
	w->path[f->pathlen] = '/';
	strcpy(w->path + f->pathlen + 1, name);
	return 0;
}

struct dent {
	size_t off;         /* into frame.names */
	unsigned char type; /* d_type */
};

static int cmp_dent(const void *a, const void *b, void *names)
{
	return strcmp((const char *)names + ((const struct dent *)a)->off,
		      (const char *)names + ((const struct dent *)b)->off);
}

/* Reads every entry of the open directory fd into f, sorted by name so that
 * output and result documents come in a stable order. */
static int frame_list(struct frame *f, int fd)
{
	size_t used = 0, cap = 4096, ncap = 64;
	struct dirent *de;
	DIR *d;
	int dfd = dup(fd);

	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		errno = e;
		return -1;
	}
	f->names = malloc(cap);
	f->ents = malloc(ncap * sizeof(*f->ents));
	if (f->names == NULL || f->ents == NULL)
		goto nomem;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name) + 1;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (used + len > cap) {
			char *p = realloc(f->names, cap = (used + len) * 2);
			if (p == NULL)
				goto nomem;
			f->names = p;
		}
		if (f->n == ncap) {
			struct dent *p = realloc(f->ents, (ncap *= 2) * sizeof(*p));
			if (p == NULL)
				goto nomem;
			f->ents = p;
		}
		memcpy(f->names + used, de->d_name, len);
		f->ents[f->n].off = used;
		f->ents[f->n].type = de->d_type;
		f->n++;
		used += len;
		errno = 0;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		errno = e;
		return -1;
	}
	closedir(d);
	qsort_r(f->ents, f->n, sizeof(*f->ents), cmp_dent, f->names);
	return 0;
nomem:
	closedir(d);
	errno = ENOMEM;
	return -1;
}

static void frame_free(struct frame *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->names);
	free(f->ents);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

/* Pushes the directory open on fd (ownership taken) as a new frame. */
static int push_dir(struct walker *w, int fd, const struct stat *st, const char *name,
		    size_t pathlen, bool quick_inside)
{
	struct frame *f;

	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct frame *nf = realloc(w->frames, cap * sizeof(*nf));
		if (nf == NULL) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		w->frames = nf;
		w->cap = cap;
	}
	f = &w->frames[w->depth];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->pathlen = pathlen;
	f->name = name;
	f->quick_inside = quick_inside;
	if (frame_list(f, fd) != 0) {
		int e = errno;
		frame_free(f);
		errno = e;
		return -1;
	}
	w->depth++;
	atomic_fetch_add(&w->stats->dirs, 1);
	/* Keep the number of open directories bounded. */
	if (w->depth - w->lowest_open > WALK_MAX_OPEN) {
		struct frame *old = &w->frames[w->lowest_open++];
		close(old->fd);
		old->fd = -1;
	}
	return 0;
}

/* Pops the top frame, reopening its parent through ".." if it was closed. */
static void pop_dir(struct walker *w)
{
	struct frame *f = &w->frames[w->depth - 1];
	struct frame *parent = w->depth > 1 ? &w->frames[w->depth - 2] : NULL;

	if (parent && parent->fd < 0) {
		struct stat st;
		int pfd = openat(f->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0 && fstat(pfd, &st) == 0 && st.st_dev == parent->dev &&
		    st.st_ino == parent->ino) {
			parent->fd = pfd;
		} else {
			if (pfd >= 0)
				close(pfd);
			w->path[parent->pathlen] = '\0';
			report(w, w->path, 0,
			       "directory moved during the scan; rest of it skipped");
			atomic_fetch_add(&w->stats->errors, 1);
			parent->next = parent->n;
		}
		w->lowest_open = w->depth - 2;
	}
	frame_free(f);
	w->depth--;
}

static bool excluded(const struct walker *w, const char *path, const char *name)
{
	for (size_t i = 0; i < w->cfg->nexcludes; i++)
		if (fnmatch(w->cfg->excludes[i], path, 0) == 0 ||
		    fnmatch(w->cfg->excludes[i], name, 0) == 0)
			return true;
	return false;
}

/* Counts an error from opening or stating an entry: a vanished or replaced
 * entry is a change under us, anything else an error. */
static void entry_error(struct walker *w, int errnum)
{
	if (errnum == ENOENT || errnum == ENOTDIR || errnum == ELOOP) {
		atomic_fetch_add(&w->stats->changed, 1);
		report(w, w->path, errnum,
		       errnum == ENOENT ? "vanished during the scan" : "replaced during the scan");
	} else {
		atomic_fetch_add(&w->stats->errors, 1);
		report(w, w->path, errnum, NULL);
	}
}

/* Scanning must not even change access times (a report-mode scan leaves the
 * disk as it found it). O_NOATIME needs ownership or CAP_FOWNER: without
 * either, open normally. */
static int open_noatime(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags);
	return fd;
}

/* Opening is itself an action for a special file: it unblocks a writer
 * waiting on a FIFO, and a device's driver runs its open routine (a
 * watchdog starts counting, a tape rewinds). So the name is first opened
 * with O_PATH, which opens nothing, and only a regular file is then opened
 * for reading, through /proc/self/fd so that it is the very inode that was
 * checked. Without /proc, the name is opened again (O_NONBLOCK) and must
 * still be the same inode; that leaves a window in which a local process
 * could swap in a device node, which the nodev mounts of live mode close. */
int walk_open_regular(int dirfd, const char *name, bool follow, struct stat *st)
{
	int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	int pfd = openat(dirfd, name, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	char proc[32];
	struct stat now;
	int fd, e;

	if (pfd < 0)
		return -1;
	if (fstat(pfd, st) != 0) {
		e = errno;
		close(pfd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) { /* a symlink too, when not following */
		close(pfd);
		return WALK_NOT_REGULAR;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open_noatime(AT_FDCWD, proc, flags & ~O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		fd = open_noatime(dirfd, name, flags);
	e = errno;
	close(pfd);
	if (fd < 0) {
		errno = e;
		return -1;
	}
	if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
	    !S_ISREG(now.st_mode)) {
		close(fd);
		errno = ELOOP; /* replaced between the two opens */
		return -1;
	}
	*st = now;
	return fd;
}

int walk_open_parent(const char *root, const char *rel, const char **name,
		     enum walk_parent_error *failed)
{
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e;
	const char *p = rel, *slash;
	enum walk_parent_error step = WALK_PARENT_ROOT;

	while (dfd >= 0 && (slash = strchr(p, '/')) != NULL) {
		char comp[256]; /* NAME_MAX + 1: Linux opens no longer name */
		int next;
		if ((size_t)(slash - p) >= sizeof(comp) || slash == p) {
			close(dfd);
			dfd = -1;
			step = WALK_PARENT_NAME;
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		e = errno;
		close(dfd);
		errno = e;
		dfd = next;
		step = WALK_PARENT_FOLDER;
		p = slash + 1;
	}
	*name = p;
	if (dfd < 0 && failed)
		*failed = step;
	return dfd;
}

static int hand_file(struct walker *w, int fd, int dirfd, const struct stat *st, size_t namepos)
{
	struct walk_entry *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->path = strdup(w->path)) == NULL) {
		free(e);
		if (fd >= 0)
			close(fd);
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	e->fd = fd;
	e->dirfd = dirfd;
	e->name = e->path + namepos;
	e->st = *st;
	e->tag = w->cfg->tag;
	atomic_fetch_add(&w->stats->files, 1);
	atomic_fetch_add(&w->stats->bytes, (uint_fast64_t)st->st_size);
	return w->cfg->on_file(e, w->cfg->ctx);
}

static int visit_file(struct walker *w, struct frame *f, const char *name)
{
	struct stat st;
	int fd = -1, dirfd = -1;

	if (w->cfg->open_files) {
		fd = walk_open_regular(f->fd, name, false, &st);
		if (fd == WALK_NOT_REGULAR) { /* listed as a file, now something else */
			entry_error(w, ELOOP);
			return 0;
		}
		if (fd < 0) {
			entry_error(w, errno);
			return 0;
		}
	} else if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		entry_error(w, errno);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		entry_error(w, ELOOP);
		return 0;
	}
	if (w->cfg->one_file_system && st.st_dev != w->root_dev) {
		if (fd >= 0)
			close(fd);
		atomic_fetch_add(&w->stats->skipped, 1);
		return 0;
	}
	if (w->cfg->need_dirfd && (dirfd = dup(f->fd)) < 0) {
		entry_error(w, errno);
		close(fd);
		return 0;
	}
	return hand_file(w, fd, dirfd, &st, f->pathlen + 1);
}

static void visit_dir(struct walker *w, struct frame *f, const char *name)
{
	bool inside = f->quick_inside;
	struct stat st;
	int fd;

	if (w->cfg->quick && !inside) {
		const char *comps[10];
		size_t n = 0;
		for (size_t i = 1; i < w->depth && n < 9; i++)
			comps[n++] = w->frames[i].name;
		comps[n++] = name;
		if (w->depth > 9 || !walk_quick_dir(comps, n, &inside)) {
			atomic_fetch_add(&w->stats->excluded, 1);
			return;
		}
	}
	fd = open_noatime(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		entry_error(w, errno);
		return;
	}
	if (fstat(fd, &st) != 0) {
		entry_error(w, errno);
		close(fd);
		return;
	}
	if (w->cfg->one_file_system && st.st_dev != w->root_dev) {
		close(fd);
		atomic_fetch_add(&w->stats->skipped, 1);
		return;
	}
	if (push_dir(w, fd, &st, name, strlen(w->path), inside) != 0)
		entry_error(w, errno);
}

static int walk_frames(struct walker *w)
{
	while (w->depth > 0 && !stopped(w)) {
		struct frame *f = &w->frames[w->depth - 1];
		unsigned char type;
		const char *name;
		struct stat st;
		size_t i;

		if (f->next == f->n) {
			pop_dir(w);
			continue;
		}
		i = f->next++;
		name = f->names + f->ents[i].off;
		type = f->ents[i].type;
		if (path_set(w, f, name) != 0)
			return -1;
		if (w->cfg->nexcludes && excluded(w, w->path, name)) {
			atomic_fetch_add(&w->stats->excluded, 1);
			continue;
		}
		if (type == DT_UNKNOWN) {
			if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
				entry_error(w, errno);
				continue;
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		}
		if (type == DT_DIR) {
			visit_dir(w, f, name);
		} else if (type == DT_REG) {
			if (w->cfg->quick && w->depth > 1 && !f->quick_inside) {
				atomic_fetch_add(&w->stats->excluded, 1);
				continue;
			}
			if (visit_file(w, f, name) != 0)
				return -1;
		} else {
			atomic_fetch_add(&w->stats->skipped, 1);
		}
	}
	return 0;
}

/* A root that is a single file: hand it over with its parent directory. */
static int walk_single_file(struct walker *w, int fd, const struct stat *st)
{
	char *slash = strrchr(w->path, '/');
	size_t namepos = slash ? (size_t)(slash - w->path) + 1 : 0;
	int dirfd = -1;

	if (w->cfg->need_dirfd) {
		char *dir =
		    slash ? strndup(w->path, slash == w->path ? 1 : namepos - 1) : strdup(".");
		dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		free(dir);
		if (dirfd < 0) {
			report(w, w->path, errno, NULL);
			atomic_fetch_add(&w->stats->errors, 1);
			close(fd);
			return -1;
		}
	}
	if (!w->cfg->open_files) {
		close(fd);
		fd = -1;
	}
	return hand_file(w, fd, dirfd, st, namepos) < 0 ? -1 : 0;
}

int walk_root(const char *root, const struct walk_config *cfg, struct walk_stats *stats)
{
	struct walker w = {.cfg = cfg, .stats = stats};
	size_t len = strlen(root);
	struct stat st;
	int fd, rc = 0;

	while (len > 1 && root[len - 1] == '/')
		len--;
	w.pathcap = len + 256;
	if ((w.path = malloc(w.pathcap)) == NULL)
		return -1;
	memcpy(w.path, root, len);
	w.path[len] = '\0';
	if (strcmp(w.path, "/") == 0)
		w.path[len = 0] = '\0';

	/* Looked at through O_PATH first: a FIFO or device node named on the
	 * command line is skipped without being opened. */
	fd = walk_open_regular(AT_FDCWD, root, true, &st);
	if (fd == WALK_NOT_REGULAR && S_ISDIR(st.st_mode))
		fd = open_noatime(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (S_ISDIR(st.st_mode) && fstat(fd, &st) != 0)) {
		report(&w, root, errno, NULL);
		atomic_fetch_add(&stats->errors, 1);
		if (fd >= 0)
			close(fd);
		free(w.path);
		return -1;
	}
	w.root_dev = st.st_dev;
	if (S_ISREG(st.st_mode)) {
		rc = walk_single_file(&w, fd, &st);
	} else if (S_ISDIR(st.st_mode)) {
		if (push_dir(&w, fd, &st, NULL, len, false) != 0) {
			report(&w, root, errno, NULL);
			atomic_fetch_add(&stats->errors, 1);
			rc = -1;
		} else if (walk_frames(&w) != 0) {
			rc = -1;
		}
		while (w.depth > 0)
			frame_free(&w.frames[--w.depth]);
	} else { /* never opened (fd is WALK_NOT_REGULAR) */
		atomic_fetch_add(&stats->skipped, 1);
		report(&w, root, 0, "not a regular file or directory; skipped");
	}
	free(w.frames);
	free(w.path);
	return rc;
}
