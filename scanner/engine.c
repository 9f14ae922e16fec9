/* engine: loading and compiling the libclamav engine, with a private
 * temporary directory per run. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "atomicio.h"
#include "engine.h"

/* libclamav reports which file failed only through its message callback,
 * so keep the last error it printed while loading (single-threaded). */
static char last_clam_error[256];

static void clam_msg(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
	size_t n;

	if (severity != CL_MSG_ERROR)
		return;
	snprintf(last_clam_error, sizeof(last_clam_error), "%s", msg);
	for (n = 0; last_clam_error[n]; n++)
		if ((unsigned char)last_clam_error[n] < 0x20)
			last_clam_error[n] = ' ';
	while (n > 0 && last_clam_error[n - 1] == ' ')
		last_clam_error[--n] = '\0';
}

static pthread_once_t clam_once = PTHREAD_ONCE_INIT;
static cl_error_t clam_init_rc;

static void clam_init(void)
{
	cl_set_clcb_msg(clam_msg);
	clam_init_rc = cl_init(CL_INIT_DEFAULT);
}

/* Records the newest daily/main database version found in dir, if any. */
static void note_db_version(const char *path, struct engine_info *info)
{
	static const char *const names[] = {"daily.cld", "daily.cvd", "main.cld", "main.cvd"};
	char file[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cl_cvd *cvd;
		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		if (access(file, R_OK) != 0 || (cvd = cl_cvdhead(file)) == NULL)
			continue;
		if (cvd->version > info->db_version) {
			info->db_version = cvd->version;
			snprintf(info->db_time, sizeof(info->db_time), "%s", cvd->time);
		}
		cl_cvdfree(cvd);
	}
}

static int set_limits(struct cl_engine *engine, const struct engine_limits *limits, rq_error *err)
{
	cl_error_t rc;

	if (limits->max_filesize &&
	    (rc = cl_engine_set_num(engine, CL_ENGINE_MAX_FILESIZE,
				    (long long)limits->max_filesize)) != CL_SUCCESS)
		return rq_fail(err, "cannot set max-filesize: %s", cl_strerror(rc));
	if (limits->max_scansize &&
	    (rc = cl_engine_set_num(engine, CL_ENGINE_MAX_SCANSIZE,
				    (long long)limits->max_scansize)) != CL_SUCCESS)
		return rq_fail(err, "cannot set max-scansize: %s", cl_strerror(rc));
	return 0;
}

static int load_one(struct cl_engine *engine, const char *path, struct engine_info *info,
		    rq_error *err)
{
	unsigned int sigs = 0;
	struct stat st;
	cl_error_t rc;

	if (stat(path, &st) != 0)
		return rq_fail_errno(err, errno, "cannot read signature database %s", path);
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return rq_fail(err, "signature database %s is empty", path);
	last_clam_error[0] = '\0';
	rc = cl_load(path, engine, &sigs, CL_DB_STDOPT);
	if (rc != CL_SUCCESS)
		return rq_fail(err, "cannot load signature database %s: %s%s%s%s", path,
			       cl_strerror(rc), last_clam_error[0] ? " (libclamav: " : "",
			       last_clam_error, last_clam_error[0] ? ")" : "");
	if (sigs == 0)
		return rq_fail(err, "signature database %s holds no signatures", path);
	info->signatures += sigs;
	if (S_ISDIR(st.st_mode))
		note_db_version(path, info);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT;
	return unlink(path) != 0 && errno != ENOENT;
}

int engine_remove_tmpdir(const char *dir)
{
	if (dir == NULL || dir[0] == '\0')
		return 0;
	/* Depth first, physical (a symlink is removed, not followed), on this
	 * file system only; keeps going past a failure and says so at the end. */
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -1;
}

/* Where libclamav's temporary files go when $TMPDIR does not say.
 * libclamav makes and removes a directory there for every file it scans,
 * even when nothing is extracted. On a disk file system (ext4 /tmp) each is
 * a journalled inode made and dropped, and it waits behind every other
 * write to that disk; on a tmpfs it stays in memory: on the bench's 50,000
 * small files that was a third of the scan's time (docs/performance.md,
 * "Per-file costs"). A tmpfs is taken when it has room for what the
 * scanners may extract at once (jobs x max-scansize), so that a big
 * archive cannot fill the memory; else /tmp, as clamscan. */
static const char *default_tmp_base(struct cl_engine *engine, unsigned int jobs)
{
	const char *fast = getenv("RAQUET_TEST_FAST_TMP"); /* tests: another tmpfs */
	struct statfs sf;
	int e = CL_SUCCESS;
	long long scansize = cl_engine_get_num(engine, CL_ENGINE_MAX_SCANSIZE, &e);

	if (fast == NULL || fast[0] != '/')
		fast = "/dev/shm";
	if (e != CL_SUCCESS || scansize <= 0 || statfs(fast, &sf) != 0 ||
	    sf.f_type != TMPFS_MAGIC || access(fast, W_OK | X_OK) != 0)
		return "/tmp";
	if ((unsigned long long)sf.f_bavail * (unsigned long long)sf.f_bsize <
	    (unsigned long long)scansize * (jobs ? jobs : 1))
		return "/tmp";
	return fast;
}

/* libclamav leaves "<time>-scantemp.<random>" folders behind when a scan
 * ends early; in a directory of our own, removing the directory removes
 * them, whatever libclamav did. */
static int make_tmpdir(struct cl_engine *engine, unsigned int jobs, char tmpdir[ENGINE_TMPDIR_MAX],
		       rq_error *err)
{
	const char *base = getenv("TMPDIR");
	cl_error_t rc;

	if (base == NULL || base[0] != '/' || strlen(base) > ENGINE_TMPDIR_MAX - 32)
		base = default_tmp_base(engine, jobs);
	if (strlen(base) > ENGINE_TMPDIR_MAX - 32)
		base = "/tmp";
	snprintf(tmpdir, ENGINE_TMPDIR_MAX, "%s/raquet-scan.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL) {
		int e = errno;
		tmpdir[0] = '\0';
		return rq_fail_errno(err, e, "cannot create a temporary directory under %s", base);
	}
	if ((rc = cl_engine_set_str(engine, CL_ENGINE_TMPDIR, tmpdir)) != CL_SUCCESS) {
		rq_fail(err, "cannot set libclamav's temporary directory: %s", cl_strerror(rc));
		engine_remove_tmpdir(tmpdir);
		tmpdir[0] = '\0';
		return -1;
	}
	return 0;
}

/* Reads fd (want bytes) whole into buf; -1 if it cannot, or if the file is
 * not want bytes long now (it changed since its fstat). */
static int read_whole(int fd, size_t want, struct engine_buf *buf)
{
	if (buf->cap < want + 1) {
		/* One byte more than the size: a file that grew is noticed. */
		size_t cap = (want + 1 + 65535) & ~(size_t)65535;
		unsigned char *d = realloc(buf->data, cap);
		if (d == NULL)
			return -1;
		buf->data = d;
		buf->cap = cap;
	}
	return pread_full(fd, buf->data, want + 1, 0) == (ssize_t)want ? 0 : -1;
}

cl_error_t engine_scan(const struct cl_engine *engine, int fd, const char *path,
		       struct engine_buf *buf, const char **virname, unsigned long *scanned,
		       struct cl_scan_options *opts, void *ctx)
{
	struct stat st;
	int e = CL_SUCCESS;
	long long maxfs;
	cl_fmap_t *map;
	cl_error_t rc;

	/* A file over max-filesize stays with cl_scandesc_callback, which says
	 * so as clamscan does (--alert-exceeds-max). Empty files too. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > ENGINE_INMEM_MAX)
		return cl_scandesc_callback(fd, path, virname, scanned, engine, opts, ctx);
	maxfs = cl_engine_get_num(engine, CL_ENGINE_MAX_FILESIZE, &e);
	if (e != CL_SUCCESS || (maxfs > 0 && st.st_size > maxfs) ||
	    read_whole(fd, (size_t)st.st_size, buf) != 0 ||
	    (map = cl_fmap_open_memory(buf->data, (size_t)st.st_size)) == NULL)
		return cl_scandesc_callback(fd, path, virname, scanned, engine, opts, ctx);
	rc = cl_scanmap_callback(map, path, virname, scanned, engine, opts, ctx);
	cl_fmap_close(map);
	return rc;
}

void engine_buf_free(struct engine_buf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->cap = 0;
}

void engine_free(struct cl_engine *engine, const char *tmpdir)
{
	if (engine)
		cl_engine_free(engine);
	engine_remove_tmpdir(tmpdir);
}

struct cl_engine *engine_load(const char *const *dbs, size_t ndbs,
			      const struct engine_limits *limits, unsigned int jobs,
			      struct engine_info *info, char tmpdir[ENGINE_TMPDIR_MAX],
			      rq_error *err)
{
	struct cl_engine *engine;
	cl_error_t rc;

	memset(info, 0, sizeof(*info));
	tmpdir[0] = '\0';
	pthread_once(&clam_once, clam_init);
	if (clam_init_rc != CL_SUCCESS) {
		rq_fail(err, "cannot initialise libclamav: %s", cl_strerror(clam_init_rc));
		return NULL;
	}
	if ((engine = cl_engine_new()) == NULL) {
		rq_fail(err, "cannot create the libclamav engine: out of memory");
		return NULL;
	}
	/* Limits first: the temporary directory's place depends on them. */
	if (set_limits(engine, limits, err) != 0 || make_tmpdir(engine, jobs, tmpdir, err) != 0 ||
	    engine_memory_apply(engine, limits->memory, &info->small_memory, err) != 0)
		goto fail;
	for (size_t i = 0; i < ndbs; i++)
		if (load_one(engine, dbs[i], info, err) != 0)
			goto fail;
	if ((rc = cl_engine_compile(engine)) != CL_SUCCESS) {
		rq_fail(err, "cannot compile the signature databases: %s", cl_strerror(rc));
		goto fail;
	}
	info->flevel = cl_retflevel();
	snprintf(info->version, sizeof(info->version), "%s", cl_retver());
	return engine;
fail:
	engine_free(engine, tmpdir);
	tmpdir[0] = '\0';
	return NULL;
}

void engine_scan_options(const struct engine_limits *limits, struct cl_scan_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->parse = ~0u;
	opts->general = CL_SCAN_GENERAL_HEURISTICS;
	if (limits->alert_exceeds_max)
		opts->heuristic |= CL_SCAN_HEURISTIC_EXCEEDS_MAX;
}
