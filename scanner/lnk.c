/* lnk: reading a shortcut with liblnk (see lnk.h). liblnk opens by file
 * name only (its libbfio handles are not in Debian's -dev package), so the
 * file we opened safely is handed over as /proc/self/fd/N: liblnk reads
 * exactly the file we checked, whatever happens to the name meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <liblnk.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnk.h"

typedef int (*lnk_size_fn)(liblnk_file_t *, size_t *, liblnk_error_t **);
typedef int (*lnk_get_fn)(liblnk_file_t *, uint8_t *, size_t, liblnk_error_t **);

static int lnk_fail(rq_error *err, liblnk_error_t **le, const char *what)
{
	char msg[256] = "";

	if (le && *le) {
		liblnk_error_sprint(*le, msg, sizeof(msg));
		liblnk_error_free(le);
	}
	/* liblnk's messages are multi-line backtraces: the first line says it. */
	msg[strcspn(msg, "\n")] = '\0';
	return rq_fail(err, "%s%s%s", what, msg[0] ? ": " : "", msg);
}

/* One optional string: "" when absent; an error when over the bound. */
static int get_string(liblnk_file_t *f, lnk_size_fn size_fn, lnk_get_fn get_fn, char *out,
		      const char *what, rq_error *err)
{
	liblnk_error_t *le = NULL;
	size_t size = 0;
	int rc;

	out[0] = '\0';
	rc = size_fn(f, &size, &le);
	if (rc == 0 || (rc == 1 && size == 0))
		return 0;
	if (rc != 1)
		return lnk_fail(err, &le, what);
	if (size > LNK_MAX_STRING)
		return rq_fail(err, "%s: %zu bytes, more than a shortcut needs", what, size);
	if (get_fn(f, (uint8_t *)out, size, &le) != 1)
		return lnk_fail(err, &le, what);
	out[LNK_MAX_STRING - 1] = '\0';
	out[size - 1] = '\0';
	return 0;
}

static int read_strings(liblnk_file_t *f, struct lnk_info *out, rq_error *err)
{
	if (get_string(f, liblnk_file_get_utf8_local_path_size, liblnk_file_get_utf8_local_path,
		       out->target, "local path", err) != 0 ||
	    get_string(f, liblnk_file_get_utf8_relative_path_size,
		       liblnk_file_get_utf8_relative_path, out->relative, "relative path",
		       err) != 0 ||
	    get_string(f, liblnk_file_get_utf8_environment_variables_location_size,
		       liblnk_file_get_utf8_environment_variables_location, out->env,
		       "environment location", err) != 0 ||
	    get_string(f, liblnk_file_get_utf8_working_directory_size,
		       liblnk_file_get_utf8_working_directory, out->workdir, "working directory",
		       err) != 0 ||
	    get_string(f, liblnk_file_get_utf8_command_line_arguments_size,
		       liblnk_file_get_utf8_command_line_arguments, out->arguments, "arguments",
		       err) != 0)
		return -1;
	if (out->target[0] == '\0')
		return get_string(f, liblnk_file_get_utf8_network_path_size,
				  liblnk_file_get_utf8_network_path, out->target, "network path",
				  err);
	return 0;
}

int lnk_read(int dirfd, const char *name, struct lnk_info *out, rq_error *err)
{
	liblnk_error_t *le = NULL;
	liblnk_file_t *f = NULL;
	char proc[64];
	struct stat st;
	int fd, rc = -1;

	memset(out, 0, sizeof(*out));
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open the shortcut");
	if (fstat(fd, &st) != 0) {
		rq_fail_errno(err, errno, "cannot stat the shortcut");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rq_fail(err, "not a regular file");
		goto out;
	}
	if (st.st_size > LNK_MAX_FILE) {
		rq_fail(err, "%lld bytes: too big for a shortcut", (long long)st.st_size);
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (liblnk_file_initialize(&f, &le) != 1) {
		lnk_fail(err, &le, "liblnk");
		goto out;
	}
	if (liblnk_file_open(f, proc, LIBLNK_OPEN_READ, &le) != 1) {
		lnk_fail(err, &le, "not a valid shortcut");
		liblnk_file_free(&f, NULL);
		goto out;
	}
	rc = read_strings(f, out, err);
	liblnk_file_close(f, NULL);
	liblnk_file_free(&f, NULL);
out:
	close(fd);
	return rc;
}
