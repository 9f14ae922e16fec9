/* engine: loading and compiling the libclamav engine, with a private
 * temporary directory per run. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* libclamav leaves "<time>-scantemp.<random>" folders behind when a scan
 * ends early; in a directory of our own, removing the directory removes
 * them, whatever libclamav did. */
static int make_tmpdir(struct cl_engine *engine, char tmpdir[ENGINE_TMPDIR_MAX], rq_error *err)
{
	const char *base = getenv("TMPDIR");
	cl_error_t rc;

	if (base == NULL || base[0] != '/' || strlen(base) > ENGINE_TMPDIR_MAX - 32)
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

void engine_free(struct cl_engine *engine, const char *tmpdir)
{
	if (engine)
		cl_engine_free(engine);
	engine_remove_tmpdir(tmpdir);
}

struct cl_engine *engine_load(const char *const *dbs, size_t ndbs,
			      const struct engine_limits *limits, struct engine_info *info,
			      char tmpdir[ENGINE_TMPDIR_MAX], rq_error *err)
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
	if (make_tmpdir(engine, tmpdir, err) != 0 || set_limits(engine, limits, err) != 0 ||
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
